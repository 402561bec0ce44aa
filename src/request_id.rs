//! The request id: taken from `X-Request-Id` when the client sends a sane one, created
//! otherwise, echoed on every response, carried in every problem body and log line.
//!
//! The id lives in a task-local for the duration of the request so that [`crate::error`] can
//! put it in problem documents without every handler passing it around.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::ResponseError;
use actix_web::{Error, HttpMessage};
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use tracing::Span;

use crate::error::AppError;
use tracing_actix_web::RootSpanBuilder;

/// The header that carries the request id both ways.
pub const HEADER: &str = "x-request-id";

tokio::task_local! {
    static CURRENT: String;
}

/// The request id of the request being handled, if any.
pub fn current() -> Option<String> {
    CURRENT.try_with(|id| id.clone()).ok()
}

/// The request id stored in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Accepts a client-chosen id only when it is short and plain, so it cannot smuggle anything
/// into logs or headers.
fn sanitise(value: &str) -> Option<String> {
    let ok = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    ok.then(|| value.to_string())
}

/// Middleware: assigns the id, runs the rest of the chain inside its scope, echoes it.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(sanitise)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let header_value = HeaderValue::from_str(&id).ok();
    let with_id = move |mut res: actix_web::HttpResponse| {
        if let Some(v) = &header_value {
            res.headers_mut()
                .insert(HeaderName::from_static(HEADER), v.clone());
        }
        res
    };
    CURRENT
        .scope(id.clone(), async move {
            // Errors that escape the chain are rendered here, inside the scope, so their problem
            // body carries the id too; a panicking handler answers 500 problem+json instead of
            // dropping the connection.
            match AssertUnwindSafe(next.call(req)).catch_unwind().await {
                Ok(Ok(res)) => {
                    let (req, res) = res.into_parts();
                    Ok(ServiceResponse::new(
                        req,
                        with_id(res.map_into_boxed_body()),
                    ))
                }
                Ok(Err(err)) => {
                    let rendered = with_id(err.error_response());
                    Err(InternalError::from_response(err.to_string(), rendered).into())
                }
                Err(_) => {
                    let err = AppError::Internal(anyhow::anyhow!("request handler panicked"));
                    let rendered = with_id(err.error_response());
                    Err(InternalError::from_response("handler panicked", rendered).into())
                }
            }
        })
        .await
}

/// Root span of every request: method, route template, request id and status — never the
/// query string or body, which may identify a patient.
pub struct SamverkanRootSpan;

impl RootSpanBuilder for SamverkanRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        // The route is recorded when the request ends: only routing knows which resource
        // answered (before it, `POST /api/v1/messages/recept` looks like `/messages/{id}`).
        tracing::info_span!(
            "request",
            method = %request.method(),
            route = tracing::field::Empty,
            request_id = %request_id,
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let (status, route) = match outcome {
            Ok(res) => (res.status().as_u16(), res.request().match_pattern()),
            Err(e) => (e.as_response_error().status_code().as_u16(), None),
        };
        span.record("route", route.as_deref().unwrap_or("unmatched"));
        span.record("status", status);
    }
}

#[cfg(test)]
mod tests {
    use super::sanitise;

    #[test]
    fn a_plain_client_id_is_kept() {
        assert_eq!(sanitise("abc-123_x.y:z").as_deref(), Some("abc-123_x.y:z"));
    }

    #[test]
    fn an_id_with_spaces_or_newlines_is_replaced() {
        assert_eq!(sanitise("a b"), None);
        assert_eq!(sanitise("a\nb"), None);
        assert_eq!(sanitise(""), None);
        assert_eq!(sanitise(&"a".repeat(129)), None);
        assert!(sanitise(&"a".repeat(128)).is_some());
    }
}
