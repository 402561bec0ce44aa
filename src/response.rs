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
    /// The body's entity tag (see [`ApiResponse::with_etag`]).
    pub etag: Option<String>,
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
            etag: None,
        })
    }

    /// Tags the answer with a strong `ETag` of its body ([`etag_of`]); a GET whose
    /// `If-None-Match` names it is answered 304 with no body.
    pub fn with_etag(mut self) -> Self {
        self.etag = Some(etag_of(&self.body));
        self
    }
}

/// A strong entity tag of a JSON body: the first 128 bits of its SHA-256, base64url, quoted.
/// The same representation always has the same tag, in every process.
pub fn etag_of(body: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body.as_bytes());
    format!(
        "\"{}\"",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
    )
}

/// Whether an `If-None-Match` or `If-Match` value names `etag`: `*`, or a comma-separated list
/// of tags compared weakly for If-None-Match (RFC 9110 §13.1.2: `W/` ignored).
pub fn etag_listed(value: &str, etag: &str) -> bool {
    value.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

impl Responder for ApiResponse {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, req: &HttpRequest) -> HttpResponse {
        if let Some(etag) = &self.etag {
            let unchanged = req.method() == actix_web::http::Method::GET
                && self.status == StatusCode::OK
                && req
                    .headers()
                    .get(header::IF_NONE_MATCH)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| etag_listed(v, etag));
            if unchanged {
                return HttpResponse::NotModified()
                    .insert_header((header::ETAG, etag.clone()))
                    .finish();
            }
        }
        let mut res = HttpResponse::build(self.status);
        if let Some(etag) = &self.etag {
            res.insert_header((header::ETAG, etag.clone()));
        }
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
