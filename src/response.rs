//! A successful answer as data — status, `Location`, JSON body — so that it can be stored with
//! an idempotency key in the same transaction as the effect and replayed byte for byte.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, Responder};
use serde::Serialize;

use crate::error::AppResult;

/// A stored or fresh success answer.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// Status code (2xx).
    pub status: StatusCode,
    /// `Location` header, for created resources.
    pub location: Option<String>,
    /// The JSON body.
    pub body: String,
    /// Media type of the body.
    pub content_type: &'static str,
    /// Whether this answer is a replay of a stored one (`Idempotent-Replayed: true`).
    pub replayed: bool,
}

impl ApiResponse {
    /// 200 with `value` as JSON.
    pub fn ok<T: Serialize>(value: &T) -> AppResult<Self> {
        Self::with_status(StatusCode::OK, None, value)
    }

    /// 201 with `Location` and `value` as JSON.
    pub fn created<T: Serialize>(location: String, value: &T) -> AppResult<Self> {
        Self::with_status(StatusCode::CREATED, Some(location), value)
    }

    /// Any status.
    pub fn with_status<T: Serialize>(
        status: StatusCode,
        location: Option<String>,
        value: &T,
    ) -> AppResult<Self> {
        Self::json(status, location, value, 128)
    }

    /// 200 with `value` as JSON, written into a buffer of `capacity` bytes to start with (a
    /// mailbox page is tens of kilobytes: growing from 128 bytes copied it ten times).
    ///
    /// Handlers build the answer inside their database closure, on the thread that read the
    /// rows, so the rows' strings are freed by the thread that allocated them; handing the
    /// structs to the async worker to serialise made every one of them a cross-thread free.
    pub fn ok_with_capacity<T: Serialize>(value: &T, capacity: usize) -> AppResult<Self> {
        Self::json(StatusCode::OK, None, value, capacity)
    }

    fn json<T: Serialize>(
        status: StatusCode,
        location: Option<String>,
        value: &T,
        capacity: usize,
    ) -> AppResult<Self> {
        let mut buf = Vec::with_capacity(capacity);
        serde_json::to_writer(&mut buf, value).map_err(anyhow::Error::from)?;
        Ok(Self {
            status,
            location,
            // serde_json writes UTF-8 only.
            body: String::from_utf8(buf).map_err(anyhow::Error::from)?,
            content_type: "application/json",
            replayed: false,
        })
    }
}

impl Responder for ApiResponse {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.content_type(self.content_type);
        if let Some(location) = self.location {
            res.insert_header((header::LOCATION, location));
        }
        if self.replayed {
            res.insert_header(("Idempotent-Replayed", "true"));
        }
        res.body(self.body)
    }
}
