//! Request extractors that fail with problem+json: a JSON body reader that distinguishes
//! malformed JSON (400), the wrong media type (415), an oversized body (413) and well-formed
//! JSON that does not fit the schema (422 with the offending field), plus the error handlers
//! for actix's own query and path extractors.

use actix_web::dev::Payload;
use actix_web::error::{PathError, QueryPayloadError};
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{AppError, Violation};
use crate::i18n::serde_sv;
use crate::i18n::Msg;
use crate::state::AppState;
use crate::text;

/// A JSON request body, parsed and typed, or a problem+json error.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

/// Whether the request declares a JSON body (`application/json` or `application/*+json`).
fn is_json(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(mime)) => {
            mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
        }
        _ => false,
    }
}

/// Reads the whole body, refusing anything past `limit` bytes.
async fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> Result<Vec<u8>, AppError> {
    if let Some(len) = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        if len > limit {
            return Err(AppError::PayloadTooLarge { limit });
        }
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest {
            code: "BODY_READ_FAILED",
            detail: text!(
                "Begärans innehåll kunde inte läsas: {e}",
                "The request body could not be read: {e}"
            ),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Parses bytes as JSON: syntax errors are 400 `MALFORMED_JSON`; a NUL character in any string
/// is 422 (PostgreSQL cannot store it, and no clinical text needs it).
pub fn parse_json_value(bytes: &[u8]) -> Result<Value, AppError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| AppError::BadRequest {
        code: "MALFORMED_JSON",
        detail: Msg::owned(
            format!(
                "Innehållet är inte giltig JSON: {}",
                serde_sv::translate(&e.to_string())
            ),
            format!("The body is not valid JSON: {e}"),
        ),
    })?;
    let mut violations = Vec::new();
    find_nul(&value, String::new(), &mut violations);
    if violations.is_empty() {
        Ok(value)
    } else {
        Err(AppError::validation(violations))
    }
}

fn find_nul(value: &Value, path: String, out: &mut Vec<Violation>) {
    let field = |p: &str| {
        if p.is_empty() {
            "(body)".to_string()
        } else {
            p.to_string()
        }
    };
    match value {
        Value::String(s) if s.contains('\0') => out.push(Violation::new(
            "NUL_CHARACTER",
            field(&path),
            Msg::new(
                "Texten får inte innehålla NUL-tecknet (\\u0000).",
                "Text must not contain the NUL character (\\u0000).",
            ),
        )),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                find_nul(v, format!("{path}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                if k.contains('\0') {
                    out.push(Violation::new(
                        "NUL_CHARACTER",
                        field(&path),
                        Msg::new(
                            "Fältnamn får inte innehålla NUL-tecknet.",
                            "Field names must not contain NUL.",
                        ),
                    ));
                }
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                find_nul(v, p, out);
            }
        }
        _ => {}
    }
}

/// The field name in serde's "missing field `x`" message.
fn missing_field_name(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// The sentence with its first letter in upper case.
fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Turns a JSON value into `T`, naming the field that does not fit (422).
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, AppError> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let base = if path == "." { String::new() } else { path };
        let (code, field) = if inner.starts_with("unknown field") {
            ("UNKNOWN_FIELD", base)
        } else if let Some(name) = missing_field_name(&inner) {
            // serde names the object that lacks the field; point at the field itself.
            let field = if base.is_empty() {
                name.to_string()
            } else {
                format!("{base}.{name}")
            };
            ("MISSING_FIELD", field)
        } else {
            ("INVALID_VALUE", base)
        };
        let field = if field.is_empty() {
            "(body)".to_string()
        } else {
            field
        };
        let message = Msg::owned(capitalised(&serde_sv::translate(&inner)), inner);
        AppError::validation(vec![Violation::new(code, field, message)])
    })
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            if !is_json(&req) {
                return Err(AppError::UnsupportedMediaType);
            }
            let limit = req
                .app_data::<web::Data<AppState>>()
                .map_or(64 * 1024, |s| s.body_limit);
            let body = read_body(&req, &mut payload, limit).await?;
            req.extensions_mut().insert(crate::idempotency::BodyDigest(
                crate::idempotency::digest(&body),
            ));
            let value = parse_json_value(&body)?;
            Ok(ApiJson(from_value(value)?))
        })
    }
}

/// `web::QueryConfig` error handler: a query string that does not parse is 400.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    AppError::BadRequest {
        code: "INVALID_QUERY",
        detail: Msg::owned(
            format!(
                "Frågesträngen (query string) är inte giltig: {}",
                serde_sv::translate(&err.to_string())
            ),
            format!("The query string is not valid: {err}"),
        ),
    }
    .into()
}

/// `web::PathConfig` error handler: a malformed id cannot name anything, so it is 404 —
/// the same answer as an id that does not exist — unless the path is another resource that
/// does not take this method (`GET /patients/lookup`): 405.
pub fn path_error(err: PathError, req: &HttpRequest) -> actix_web::Error {
    if let Some(res) = crate::startup::method_not_allowed(req) {
        return actix_web::error::InternalError::from_response(err, res).into();
    }
    AppError::NotFound(Msg::new(
        "Ingen resurs på den adressen.",
        "No resource at that path.",
    ))
    .into()
}

/// The `If-Match` header of a change: the entity tags (`ETag` of `GET /messages/{id}`) the
/// change is conditional on, or `None` when the request is unconditional. Never fails.
#[derive(Debug, Clone, Default)]
pub struct IfMatch(pub Option<String>);

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = req
            .headers()
            .get(actix_web::http::header::IF_MATCH)
            .map(|v| v.to_str().unwrap_or("").trim().to_string());
        std::future::ready(Ok(Self(value)))
    }
}
