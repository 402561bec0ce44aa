//! The error responses every operation shares, as reusable `components.responses` entries, and
//! the `Idempotency-Key` header of every operation that changes something.

use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::Modify;

/// The shared error responses, each a reusable `components.responses` entry. Only statuses this
/// modifier adds are here: a 404 is always the handler's own, which says what was not found,
/// and an entry nothing refers to would be dead weight in the contract.
const SHARED: &[(&str, &str, &str)] = &[
    ("400", "BadRequest", "Malformed JSON or query string (`MALFORMED_JSON`, `INVALID_QUERY`, `INVALID_CURSOR`)."),
    ("401", "Unauthenticated", "No valid bearer token (`UNAUTHENTICATED`), or an identity provider's token that names several people, units or commissions (`AMBIGUOUS_IDENTITY`); see the `WWW-Authenticate` header."),
    ("403", "Forbidden", "The token's acting unit is unknown or inactive (`UNIT_NOT_AUTHORISED`), its medarbetaruppdrag is not for care (`COMMISSION_PURPOSE`), a machine client is not registered (`CLIENT_NOT_REGISTERED`), the token lacks the role this needs (`ROLE_REQUIRED`), or the caller lacks the licence or unit kind it needs (`LICENCE_REQUIRED`, `KOMMUN_UNIT_REQUIRED`, …)."),
    ("409", "Conflict", "The request conflicts with the current state, or a request with the same `Idempotency-Key` is still being processed (`IDEMPOTENCY_IN_PROGRESS`)."),
    ("413", "PayloadTooLarge", "The body is larger than the configured limit (`PAYLOAD_TOO_LARGE`)."),
    ("415", "UnsupportedMediaType", "The body is not application/json (`UNSUPPORTED_MEDIA_TYPE`)."),
    ("422", "Unprocessable", "The body is well-formed but breaks one or more rules (every violation is listed in `violations`), or the `Idempotency-Key` was used for a different request (`IDEMPOTENCY_KEY_REUSED`)."),
    ("503", "Unavailable", "The database is out of reach (`SERVICE_UNAVAILABLE`), or the identity provider's keys are not available so no token can be checked (`IDP_UNAVAILABLE`); retry after the `Retry-After` seconds."),
];

/// Adds 401, 403 and 503 to every `/api/v1` operation, 400/413/415/422 to every operation with
/// a body, 400 to every operation with query parameters, and gives a handler's own 4xx/5xx
/// entries (a description only) the problem+json body.
pub struct ErrorResponses;

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (_, name, description) in SHARED {
            components.responses.insert(
                (*name).to_string(),
                RefOr::T(
                    ResponseBuilder::new()
                        .description(*description)
                        .content(
                            crate::error::PROBLEM_JSON,
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("Problem")))
                                .build(),
                        )
                        .build(),
                ),
            );
        }
        for (path, item) in openapi.paths.paths.iter_mut() {
            let authenticated = path.starts_with("/api/v1/");
            let ops: [(bool, &mut Option<Operation>); 5] = [
                (false, &mut item.get),
                (true, &mut item.post),
                (true, &mut item.put),
                (true, &mut item.patch),
                (false, &mut item.delete),
            ];
            for (writes, op) in ops {
                let Some(op) = op.as_mut() else { continue };
                let mut add: Vec<&str> = Vec::new();
                if authenticated {
                    add.extend(["401", "403", "503"]);
                }
                if op.request_body.is_some() {
                    add.extend(["400", "413", "415", "422"]);
                }
                if writes && takes_idempotency_key(path, op) {
                    add.extend(["400", "409", "422"]);
                    op.parameters
                        .get_or_insert_with(Vec::new)
                        .push(idempotency_header());
                }
                let has_query = op.parameters.as_ref().is_some_and(|ps| {
                    ps.iter().any(|p| {
                        matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query)
                    })
                });
                if has_query {
                    add.push("400");
                }
                for status in add {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| {
                            RefOr::Ref(Ref::from_response_name(shared_name(status)))
                        });
                }
                // Handlers declare their specific 4xx with a description only; point those at
                // the shared problem+json body as well.
                for (status, response) in op.responses.responses.iter_mut() {
                    if status.starts_with('4') || status.starts_with('5') {
                        if let RefOr::T(r) = response {
                            if r.content.is_empty() {
                                r.content.insert(
                                    crate::error::PROBLEM_JSON.to_string(),
                                    ContentBuilder::new()
                                        .schema(Some(Ref::from_schema_name("Problem")))
                                        .build(),
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

fn shared_name(status: &str) -> &'static str {
    SHARED
        .iter()
        .find(|(s, _, _)| *s == status)
        .map_or("BadRequest", |(_, name, _)| name)
}

/// Operations that create or change something take an `Idempotency-Key`: every POST and
/// PATCH under `/api/v1` except the draft checks and the patient lookup, which change nothing,
/// and stream tickets, which are single-use by design.
fn takes_idempotency_key(path: &str, op: &Operation) -> bool {
    let changes = op.operation_id.as_deref().is_some_and(|id| {
        !id.starts_with("validate_") && id != "lookup_patient" && id != "create_stream_ticket"
    });
    path.starts_with("/api/v1/") && changes && !path.ends_with("/validate")
}

fn idempotency_header() -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, Required, Type};
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes a retry safe: the same key and body from the same caller within 24 hours gets the first answer back (with `Idempotent-Replayed: true`) and no second effect. 1–255 visible ASCII characters, e.g. a UUID.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255))
                // Visible ASCII only (0x21–0x7E), as the server checks.
                .pattern(Some("^[!-~]+$")),
        ))
        .build()
}
