//! The one error type of the API and its RFC 9457 `application/problem+json` rendering.
//!
//! Every error a client can see goes through [`AppError`]: handlers return it, extractors map
//! their failures into it, and the default service answers unknown routes with it. A 5xx logs
//! its cause chain and tells the client nothing more than the request id.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::Msg;
use crate::request_id;
use crate::text;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One broken rule or invalid field in a request.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct Violation {
    /// Stable machine-readable code, e.g. `AKUT`, `PNR_CHECKSUM`, `LENGTH`.
    pub code: String,
    /// Where in the request the problem is, e.g. `body`, `details.drug_name`.
    pub field: String,
    /// A human explanation that says what to do instead: Swedish, or English when the request's
    /// `Accept-Language` prefers it.
    #[schema(value_type = String)]
    pub message: Msg,
}

impl Violation {
    /// Builds a violation from its three parts.
    pub fn new(code: impl Into<String>, field: impl Into<String>, message: Msg) -> Self {
        Self {
            code: code.into(),
            field: field.into(),
            message,
        }
    }
}

/// The RFC 9457 problem document every error answers with.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`urn:samverkan:problem:<code>`).
    #[serde(rename = "type")]
    pub type_: String,
    /// A short summary of the kind of problem (Swedish, or English on request).
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this request (Swedish, or English on request).
    pub detail: String,
    /// Stable machine-readable code; never changes meaning.
    pub code: String,
    /// The request id (also in the `X-Request-Id` response header); quote it to support.
    pub request_id: String,
    /// Every violation found, for validation failures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
}

/// Everything that can go wrong in a request, each variant with its status.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request could not be understood (malformed JSON, bad query string).
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: Msg },
    /// 401: no valid bearer token (`UNAUTHENTICATED`), or one that names no single identity
    /// (`AMBIGUOUS_IDENTITY`).
    #[error("{detail}")]
    Unauthenticated { code: &'static str, detail: Msg },
    /// 403: authenticated, but not allowed to do this.
    #[error("{detail}")]
    Forbidden { code: &'static str, detail: Msg },
    /// 404: no such resource — or one the caller may not know exists.
    #[error("{0}")]
    NotFound(Msg),
    /// 405: the route exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: the request conflicts with the current state.
    #[error("{detail}")]
    Conflict { code: &'static str, detail: Msg },
    /// 412: `If-Match` names a version that is no longer current.
    #[error("{0}")]
    PreconditionFailed(Msg),
    /// 413: the body is larger than the configured limit.
    #[error("the request body exceeds {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// 415: the body is not `application/json`.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 422: the body is well-formed but breaks one or more rules; every violation is listed.
    #[error("{detail}")]
    Unprocessable {
        code: &'static str,
        detail: Msg,
        violations: Vec<Violation>,
    },
    /// 503: a dependency (the database) is unavailable; try again. The cause (a
    /// [`cause`] constant) is counted in the metrics, never shown.
    #[error("{1}")]
    Unavailable(&'static str, Msg),
    /// 503: the identity provider's keys are not available, so no token can be checked.
    #[error("{0}")]
    IdpUnavailable(Msg),
    /// 500: a defect on our side; the cause is logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A 422 listing field violations.
    pub fn validation(violations: Vec<Violation>) -> Self {
        Self::Unprocessable {
            code: "VALIDATION_FAILED",
            detail: Msg::new(
                "Begäran bryter mot en eller flera regler; se `violations`.",
                "The request breaks one or more rules; see `violations`.",
            ),
            violations,
        }
    }

    /// A 422 with a single violation.
    pub fn invalid(code: &str, field: &str, message: Msg) -> Self {
        Self::validation(vec![Violation::new(code, field, message)])
    }

    /// A 400 `INVALID_QUERY`: a query parameter the route cannot use.
    pub fn invalid_query(detail: Msg) -> Self {
        Self::BadRequest {
            code: "INVALID_QUERY",
            detail,
        }
    }

    /// A 404 that reads the same whether the resource does not exist or is not the caller's.
    pub fn not_found(what: Missing) -> Self {
        Self::NotFound(what.text())
    }

    /// A 503 caused by the database being out of reach.
    pub fn db_unavailable() -> Self {
        Self::Unavailable(
            cause::DATABASE,
            Msg::new(
                "Databasen går inte att nå just nu; försök igen om en stund.",
                "The database is not reachable right now; try again shortly.",
            ),
        )
    }

    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Forbidden { code, .. }
            | Self::Conflict { code, .. }
            | Self::Unprocessable { code, .. }
            | Self::Unauthenticated { code, .. } => code,
            Self::NotFound(_) => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::PreconditionFailed(_) => "PRECONDITION_FAILED",
            Self::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::Unavailable(..) => "SERVICE_UNAVAILABLE",
            Self::IdpUnavailable(_) => "IDP_UNAVAILABLE",
            Self::Internal(_) => "INTERNAL_ERROR",
        }
    }

    /// The short summary of the kind of problem, in both languages.
    pub fn title(&self) -> Msg {
        match self {
            Self::BadRequest { .. } => Msg::new("Felaktig begäran", "Bad request"),
            Self::Unauthenticated { .. } => Msg::new("Inte inloggad", "Unauthenticated"),
            Self::Forbidden { .. } => Msg::new("Åtkomst nekad", "Forbidden"),
            Self::NotFound(_) => Msg::new("Hittades inte", "Not found"),
            Self::MethodNotAllowed => Msg::new("Metoden är inte tillåten", "Method not allowed"),
            Self::PreconditionFailed(_) => {
                Msg::new("Villkoret uppfylls inte", "Precondition failed")
            }
            Self::Conflict { .. } => Msg::new("Konflikt", "Conflict"),
            Self::PayloadTooLarge { .. } => Msg::new("För stor begäran", "Payload too large"),
            Self::UnsupportedMediaType => {
                Msg::new("Medietypen stöds inte", "Unsupported media type")
            }
            Self::Unprocessable { .. } => {
                Msg::new("Innehållet kan inte behandlas", "Unprocessable content")
            }
            Self::Unavailable(..) | Self::IdpUnavailable(_) => {
                Msg::new("Tjänsten är inte tillgänglig", "Service unavailable")
            }
            Self::Internal(_) => Msg::new("Internt serverfel", "Internal server error"),
        }
    }

    /// What went wrong in this request, in both languages.
    pub fn detail(&self) -> Msg {
        match self {
            Self::BadRequest { detail, .. }
            | Self::Unauthenticated { detail, .. }
            | Self::Forbidden { detail, .. }
            | Self::Conflict { detail, .. }
            | Self::Unprocessable { detail, .. } => detail.clone(),
            Self::NotFound(detail)
            | Self::PreconditionFailed(detail)
            | Self::Unavailable(_, detail)
            | Self::IdpUnavailable(detail) => detail.clone(),
            Self::PayloadTooLarge { limit } => text!(
                "Begärans innehåll är större än {limit} byte.",
                "The request body exceeds {limit} bytes."
            ),
            Self::UnsupportedMediaType => Msg::new(
                "Skicka innehållet som application/json (Content-Type: application/json).",
                "Send the body as application/json (Content-Type: application/json).",
            ),
            Self::MethodNotAllowed => Msg::new(
                "Resursen tar inte emot den metoden.",
                "This resource does not support that method.",
            ),
            Self::Internal(_) => Msg::new(
                "Ett oväntat fel inträffade; uppge begärans id (request_id) till supporten.",
                "An unexpected error occurred; quote the request id to support.",
            ),
        }
    }

    /// Renders the problem document (with the current request id).
    pub fn to_problem(&self) -> Problem {
        let code = self.code();
        let lang = crate::i18n::current();
        Problem {
            type_: format!(
                "urn:samverkan:problem:{}",
                code.to_ascii_lowercase().replace('_', "-")
            ),
            title: self.title().get(lang).to_string(),
            status: self.status_code().as_u16(),
            detail: self.detail().get(lang).to_string(),
            code: code.into(),
            request_id: request_id::current().unwrap_or_default(),
            violations: match self {
                Self::Unprocessable { violations, .. } => violations.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(..) | Self::IdpUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error");
        } else if let Self::Unavailable(_, detail) | Self::IdpUnavailable(detail) = self {
            tracing::warn!(%detail, "service unavailable");
        }
        let problem = self.to_problem();
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
            .insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            Self::Unauthenticated { detail, .. } => {
                // RFC 6750 §3.1: no error code when the request carried no credentials.
                let value = if *detail == crate::auth::missing_token_detail() {
                    "Bearer realm=\"samverkan\""
                } else {
                    "Bearer realm=\"samverkan\", error=\"invalid_token\""
                };
                res.insert_header((header::WWW_AUTHENTICATE, value));
            }
            Self::Unavailable(..) | Self::IdpUnavailable(_) => {
                res.insert_header((header::RETRY_AFTER, "2"));
            }
            _ => {}
        }
        // Serialising plain strings and numbers cannot fail; fall back to a fixed body anyway.
        let body = serde_json::to_string(&problem).unwrap_or_else(|_| {
            r#"{"type":"urn:samverkan:problem:internal-error","title":"Internal server error","status":500,"detail":"","code":"INTERNAL_ERROR","request_id":""}"#.into()
        });
        let mut res = res.body(body);
        let unavailable = match self {
            Self::Unavailable(cause, _) => Some(*cause),
            Self::IdpUnavailable(_) => Some(cause::IDENTITY_PROVIDER),
            _ => None,
        };
        if let Some(cause) = unavailable {
            res.extensions_mut()
                .insert(crate::instrument::UnavailableCause(cause));
        }
        res
    }
}

/// Why a 503 was answered: the `cause` label of `samverkan_unavailable_responses_total`.
pub mod cause {
    /// The database is out of reach (connection refused or lost).
    pub const DATABASE: &str = "database";
    /// Every pooled connection stayed in use for the whole checkout timeout.
    pub const POOL: &str = "pool";
    /// A lock or statement timeout: another request held the data.
    pub const BUSY: &str = "busy";
    /// The access-log entry could not be written, so nothing was shown.
    pub const ACCESS_LOG: &str = "access_log";
    /// The bound on open live-mailbox streams is reached.
    pub const STREAMS: &str = "streams";
    /// The identity provider's keys are not available.
    pub const IDENTITY_PROVIDER: &str = "identity_provider";
    /// The readiness probe found the service not ready.
    pub const NOT_READY: &str = "not_ready";
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => {
                Self::NotFound(Msg::new("Resursen finns inte.", "No such resource."))
            }
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => Self::db_unavailable(),
            Error::DatabaseError(_, info) if is_timeout_message(info.message()) => {
                Self::Unavailable(
                    cause::BUSY,
                    Msg::new(
                        "Uppgifterna är upptagna av en annan begäran; försök igen om en stund.",
                        "The data is busy (another request holds it); try again shortly.",
                    ),
                )
            }
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => Self::Conflict {
                code: "CONCURRENT_UPDATE",
                detail: Msg::new(
                    "En annan begäran ändrade resursen samtidigt; försök igen.",
                    "Another request changed this resource at the same time; try again.",
                ),
            },
            Error::DatabaseError(kind, info)
                if matches!(kind, DatabaseErrorKind::Unknown)
                    && is_connection_message(info.message()) =>
            {
                Self::db_unavailable()
            }
            other => Self::Internal(anyhow::Error::new(other)),
        }
    }
}

/// Our sessions' lock_timeout and statement_timeout (see db.rs) cancel a statement that waits
/// too long: a transient condition, not a defect.
fn is_timeout_message(msg: &str) -> bool {
    msg.contains("canceling statement due to lock timeout")
        || msg.contains("canceling statement due to statement timeout")
}

fn is_connection_message(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("terminating connection")
        || m.contains("server closed the connection")
        || m.contains("connection refused")
        || m.contains("no connection to the server")
        || m.contains("the database system is")
}

/// Constraint names and the client error each one means.
pub type ConstraintErrors = &'static [(&'static str, fn() -> AppError)];

/// Maps a unique/check/foreign-key violation on a named constraint to a client error; every
/// other database error keeps its usual mapping. Use as `.map_err(on_constraint(&[...]))`.
pub fn on_constraint(map: ConstraintErrors) -> impl Fn(diesel::result::Error) -> AppError {
    move |e| {
        if let diesel::result::Error::DatabaseError(_, info) = &e {
            if let Some(name) = info.constraint_name() {
                if let Some((_, make)) = map.iter().find(|(c, _)| *c == name) {
                    return make();
                }
            }
        }
        AppError::from(e)
    }
}

/// What a 404 says was not found; the answer is the same whether it does not exist or is not
/// the caller's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Enrollment,
    IntegrationClient,
    Message,
    Page,
    Patient,
    Unit,
    WebhookEndpoint,
}

impl Missing {
    fn text(self) -> Msg {
        match self {
            Self::Enrollment => Msg::new(
                "Ingen inskrivning med det id:t.",
                "No enrollment with that id.",
            ),
            Self::IntegrationClient => Msg::new(
                "Ingen integrationsklient med det id:t.",
                "No integration client with that id.",
            ),
            Self::Message => Msg::new("Inget meddelande med det id:t.", "No message with that id."),
            Self::Page => Msg::new("Sidan finns inte.", "No such page."),
            Self::Patient => Msg::new("Ingen patient med det id:t.", "No patient with that id."),
            Self::Unit => Msg::new("Ingen enhet med det id:t.", "No unit with that id."),
            Self::WebhookEndpoint => Msg::new(
                "Ingen webhook-mottagare med det id:t.",
                "No webhook endpoint with that id.",
            ),
        }
    }
}

/// The result type of handlers and use cases.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error};

    fn db_error(kind: DatabaseErrorKind, msg: &str) -> Error {
        Error::DatabaseError(kind, Box::new(msg.to_string()))
    }

    #[test]
    fn a_lost_database_connection_is_503_not_500() {
        for e in [
            db_error(
                DatabaseErrorKind::UnableToSendCommand,
                "no connection to the server",
            ),
            db_error(
                DatabaseErrorKind::ClosedConnection,
                "server closed the connection",
            ),
            db_error(
                DatabaseErrorKind::Unknown,
                "terminating connection due to administrator command",
            ),
        ] {
            assert_eq!(
                AppError::from(e).status_code(),
                StatusCode::SERVICE_UNAVAILABLE
            );
        }
    }

    #[test]
    fn a_lock_or_statement_timeout_is_503_and_other_errors_are_500() {
        let lock = db_error(
            DatabaseErrorKind::Unknown,
            "canceling statement due to lock timeout",
        );
        assert_eq!(
            AppError::from(lock).status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let stmt = db_error(
            DatabaseErrorKind::Unknown,
            "canceling statement due to statement timeout",
        );
        assert_eq!(
            AppError::from(stmt).status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let other = db_error(DatabaseErrorKind::Unknown, "division by zero");
        assert_eq!(
            AppError::from(other).status_code(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn a_problem_carries_its_code_and_every_violation() {
        let p = AppError::validation(vec![Violation::new("AKUT", "body", Msg::new("x", "x"))])
            .to_problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.code, "VALIDATION_FAILED");
        assert_eq!(p.violations.len(), 1);
        assert_eq!(p.type_, "urn:samverkan:problem:validation-failed");
    }
}
