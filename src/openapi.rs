//! The OpenAPI document: info, tags, the bearer-JWT security scheme, and the error responses
//! every operation shares (added by [`ErrorResponses`] so no handler can forget them).

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::{Problem, Violation};

/// The API description; paths are added by `startup::build_app` from the registered handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Samverkan",
        description = "Non-urgent messages about a patient between the six Halland municipalities' home health care and regional care (vårdcentraler, psykiatrisk öppenvård, Habiliteringen, Palliativa konsultteam), under the Region Halland routine \"Informationsöverföring via Lifecare SP\". Every error is RFC 9457 application/problem+json with a stable `code`.",
        license(name = "MIT", identifier = "MIT")
    ),
    components(schemas(Problem, Violation)),
    modifiers(&SecurityAddon),
    tags(
        (name = "health", description = "Liveness and readiness for orchestrators."),
        (name = "me", description = "The caller as the API understood the token."),
        (name = "units", description = "The directory of care units."),
        (name = "patients", description = "Patients and their enrollment in municipal home health care."),
        (name = "messages", description = "Messages outside a care episode: receptförnyelse, provtagning, uppföljning, bokning."),
        (name = "rules", description = "The routine's rules and the reply window."),
        (name = "audit", description = "The patient-data access log (PDL), for reviewers (granskare)."),
        (name = "events", description = "The change feed for integration platforms."),
    )
)]
pub struct ApiDoc;

/// Declares the bearer-JWT scheme and requires it on every `/api/v1` operation.
pub struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT from the region's identity provider: `sub` (person HSA-id), `unit` (acting unit HSA-id), `roles`, `legitimerad`, `profession`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The shared error responses, each a reusable `components.responses` entry.
const SHARED: &[(&str, &str, &str)] = &[
    ("400", "BadRequest", "Malformed JSON or query string (`MALFORMED_JSON`, `INVALID_QUERY`, `INVALID_CURSOR`)."),
    ("401", "Unauthenticated", "No valid bearer token (`UNAUTHENTICATED`); see the `WWW-Authenticate` header."),
    ("403", "Forbidden", "The token's acting unit is unknown or inactive (`UNIT_NOT_AUTHORISED`), the token lacks the role this needs (`ROLE_REQUIRED`), or the caller lacks the licence or unit kind it needs (`LICENCE_REQUIRED`, `KOMMUN_UNIT_REQUIRED`, …)."),
    ("404", "NotFound", "No such resource, or one the caller's unit may not see (`NOT_FOUND`)."),
    ("409", "Conflict", "The request conflicts with the current state, or a request with the same `Idempotency-Key` is still being processed (`IDEMPOTENCY_IN_PROGRESS`)."),
    ("413", "PayloadTooLarge", "The body is larger than the configured limit (`PAYLOAD_TOO_LARGE`)."),
    ("415", "UnsupportedMediaType", "The body is not application/json (`UNSUPPORTED_MEDIA_TYPE`)."),
    ("422", "Unprocessable", "The body is well-formed but breaks one or more rules (every violation is listed in `violations`), or the `Idempotency-Key` was used for a different request (`IDEMPOTENCY_KEY_REUSED`)."),
    ("503", "Unavailable", "The database is out of reach (`SERVICE_UNAVAILABLE`); retry after the `Retry-After` seconds."),
];

/// Adds 401, 403 and 503 to every `/api/v1` operation, 400/413/415/422 to every operation with
/// a body, 400 to every operation with query parameters, and points existing 4xx/5xx entries at
/// the shared problem+json responses.
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
                    op.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
                        "bearer",
                        Vec::<String>::new(),
                    )]);
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
/// PATCH under `/api/v1` except the draft checks and the patient lookup, which change nothing.
fn takes_idempotency_key(path: &str, op: &Operation) -> bool {
    let changes = op
        .operation_id
        .as_deref()
        .is_some_and(|id| !id.starts_with("validate_") && id != "lookup_patient");
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

/// Characters Rust's `str::trim` removes (Unicode `White_Space`). The server trims texts before
/// it checks that they are not empty, so a required text needs one character outside this set.
/// Spelled out rather than `\S`: JSON Schema's (ECMA-262) `\s` leaves out U+0085 and adds U+FEFF.
const NON_BLANK: &str =
    "[^\\t\\n\\u000B\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";

/// Says in the schema what the server checks of every required text: a string property with
/// `minLength` ≥ 1 and no `pattern` of its own gets the [`NON_BLANK`] pattern, because the
/// server refuses a text of only whitespace (`REQUIRED`/`LENGTH`, 422) as empty.
pub struct NonBlankTexts;

impl Modify for NonBlankTexts {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            for schema in components.schemas.values_mut() {
                non_blank(schema);
            }
        }
    }
}

fn non_blank(schema: &mut RefOr<utoipa::openapi::schema::Schema>) {
    use utoipa::openapi::schema::{ArrayItems, Schema};
    let RefOr::T(schema) = schema else { return };
    match schema {
        Schema::Object(o) => {
            if o.min_length.is_some_and(|n| n >= 1) && o.pattern.is_none() {
                o.pattern = Some(NON_BLANK.to_string());
            }
            o.properties.values_mut().for_each(non_blank);
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                non_blank(items);
            }
        }
        Schema::OneOf(s) => s.items.iter_mut().for_each(non_blank),
        Schema::AllOf(s) => s.items.iter_mut().for_each(non_blank),
        Schema::AnyOf(s) => s.items.iter_mut().for_each(non_blank),
        _ => {}
    }
}

/// Tagged enums whose variants refuse unknown fields (`#[serde(tag = ..., deny_unknown_fields)]`):
/// utoipa 5 does not carry `deny_unknown_fields` over to the variants of such an enum.
const CLOSED_TAGGED_ENUMS: &[&str] = &["Measurement"];

/// Gives every variant of the [`CLOSED_TAGGED_ENUMS`] `additionalProperties: false`, as the
/// server refuses unknown fields there (422 `UNKNOWN_FIELD`).
pub struct ClosedVariants;

impl Modify for ClosedVariants {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{AdditionalProperties, Schema};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for name in CLOSED_TAGGED_ENUMS {
            let Some(RefOr::T(Schema::OneOf(one_of))) = components.schemas.get_mut(*name) else {
                continue;
            };
            for variant in &mut one_of.items {
                if let RefOr::T(Schema::Object(o)) = variant {
                    o.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
                }
            }
        }
    }
}

/// OpenAPI links from what an operation creates or returns to what can be done with it next
/// (message → read, reply, close, cancel, FHIR; patient → enrollments; unit → change), so
/// clients and the stateful phase of contract fuzzing can follow them.
pub struct Links;

/// (operation, status, link name, target operation, [(parameter, runtime expression)]).
type LinkSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const BODY_ID: &[(&str, &str)] = &[("id", "$response.body#/id")];
const FIRST_ITEM_ID: &[(&str, &str)] = &[("id", "$response.body#/items/0/id")];

/// The message operations a message answer links to.
const MESSAGE_NEXT: &[(&str, &str)] = &[
    ("GetMessage", "get_message"),
    ("GetMessageFhir", "get_message_fhir"),
    ("ReadMessage", "read_message"),
    ("ReplyToMessage", "reply_to_message"),
    ("CloseMessage", "close_message"),
    ("CancelMessage", "cancel_message"),
];

const OTHER_LINKS: &[LinkSpec] = &[
    (
        "register_patient",
        "201",
        "GetPatient",
        "get_patient",
        BODY_ID,
    ),
    (
        "register_patient",
        "201",
        "ListEnrollments",
        "list_enrollments",
        BODY_ID,
    ),
    (
        "register_patient",
        "201",
        "CreateEnrollment",
        "create_enrollment",
        BODY_ID,
    ),
    (
        "register_patient",
        "201",
        "PatientAccessLog",
        "patient_access_log",
        BODY_ID,
    ),
    (
        "register_patient",
        "200",
        "GetPatient",
        "get_patient",
        BODY_ID,
    ),
    (
        "register_patient",
        "200",
        "ListEnrollments",
        "list_enrollments",
        BODY_ID,
    ),
    (
        "register_patient",
        "200",
        "CreateEnrollment",
        "create_enrollment",
        BODY_ID,
    ),
    (
        "lookup_patient",
        "200",
        "GetPatient",
        "get_patient",
        BODY_ID,
    ),
    (
        "lookup_patient",
        "200",
        "ListEnrollments",
        "list_enrollments",
        BODY_ID,
    ),
    (
        "lookup_patient",
        "200",
        "CreateEnrollment",
        "create_enrollment",
        BODY_ID,
    ),
    (
        "get_patient",
        "200",
        "ListEnrollments",
        "list_enrollments",
        BODY_ID,
    ),
    (
        "create_enrollment",
        "201",
        "EndEnrollment",
        "end_enrollment",
        &[
            ("id", "$response.body#/patient_id"),
            ("eid", "$response.body#/id"),
        ],
    ),
    (
        "create_enrollment",
        "201",
        "GetPatient",
        "get_patient",
        &[("id", "$response.body#/patient_id")],
    ),
    ("create_unit", "201", "GetUnit", "get_unit", BODY_ID),
    ("create_unit", "201", "PatchUnit", "patch_unit", BODY_ID),
    ("patch_unit", "200", "GetUnit", "get_unit", BODY_ID),
    (
        "list_units",
        "200",
        "GetFirstUnit",
        "get_unit",
        FIRST_ITEM_ID,
    ),
    (
        "list_messages",
        "200",
        "GetFirstMessage",
        "get_message",
        FIRST_ITEM_ID,
    ),
];

/// Operations answering with a message, and the status of that answer.
const MESSAGE_ANSWERS: &[(&str, &str)] = &[
    ("create_recept", "201"),
    ("create_provtagning", "201"),
    ("create_uppfoljning", "201"),
    ("create_bokning", "201"),
    ("get_message", "200"),
    ("read_message", "200"),
    ("reply_to_message", "201"),
];

impl Modify for Links {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut specs: Vec<LinkSpec> = OTHER_LINKS.to_vec();
        for &(op, status) in MESSAGE_ANSWERS {
            for &(name, target) in MESSAGE_NEXT {
                if op != target {
                    specs.push((op, status, name, target, BODY_ID));
                }
            }
        }
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let Some(id) = op.operation_id.clone() else {
                    continue;
                };
                for (_, status, name, target, params) in specs.iter().filter(|s| s.0 == id) {
                    let Some(RefOr::T(response)) = op.responses.responses.get_mut(*status) else {
                        continue;
                    };
                    response
                        .links
                        .insert((*name).to_string(), RefOr::T(link(target, params)));
                }
            }
        }
    }
}

/// A link to `target` with these parameters. utoipa 5 serialises `Link::operation_id` as
/// `operation_id` (fixed in utoipa 6), which no OpenAPI tool reads, so the id goes into the
/// flattened extensions under its proper name `operationId`.
fn link(target: &str, params: &[(&str, &str)]) -> utoipa::openapi::link::Link {
    let mut link = utoipa::openapi::link::LinkBuilder::new().extensions(Some(
        utoipa::openapi::extensions::Extensions::from_iter([("operationId", target)]),
    ));
    for (param, expr) in params {
        link = link.parameter(*param, *expr);
    }
    link.build()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// Every closed tagged enum exists and all its variants refuse unknown fields.
    #[test]
    fn closed_variants_refuse_unknown_fields() {
        let api = serde_json::to_value(crate::startup::openapi_document()).unwrap();
        for name in super::CLOSED_TAGGED_ENUMS {
            let variants = api["components"]["schemas"][name]["oneOf"]
                .as_array()
                .unwrap_or_else(|| panic!("{name} is not a oneOf schema"));
            assert!(!variants.is_empty());
            for v in variants {
                assert_eq!(v["additionalProperties"], false, "{name}: {v}");
            }
        }
    }

    /// A blank text is refused by the server, so a required text says it in a pattern whose
    /// class is exactly what `str::trim` removes.
    #[test]
    fn required_texts_are_non_blank() {
        let api = serde_json::to_value(crate::startup::openapi_document()).unwrap();
        let subject = &api["components"]["schemas"]["NewRecept"]["properties"]["subject"];
        assert_eq!(subject["pattern"], super::NON_BLANK);
        let listed = class_chars(super::NON_BLANK);
        let whitespace: BTreeSet<char> = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace())
            .collect();
        assert_eq!(listed, whitespace);
    }

    /// The characters of a negated class `[^...]` written with `\t \n \f \r \uXXXX` escapes,
    /// plain characters and `a-b` ranges.
    fn class_chars(pattern: &str) -> BTreeSet<char> {
        let body = pattern
            .strip_prefix("[^")
            .and_then(|p| p.strip_suffix(']'))
            .unwrap();
        let mut chars = Vec::new();
        let mut it = body.chars().peekable();
        while let Some(c) = it.next() {
            let c = if c == '\\' {
                match it.next().unwrap() {
                    't' => '\t',
                    'n' => '\n',
                    'f' => '\u{c}',
                    'r' => '\r',
                    'u' => {
                        let hex: String = (0..4).map(|_| it.next().unwrap()).collect();
                        char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap()
                    }
                    other => panic!("escape {other}"),
                }
            } else {
                c
            };
            chars.push(c);
        }
        let mut out = BTreeSet::new();
        let mut i = 0;
        while i < chars.len() {
            if i + 2 < chars.len() && chars[i + 1] == '-' {
                out.extend(chars[i]..=chars[i + 2]);
                i += 3;
            } else {
                out.insert(chars[i]);
                i += 1;
            }
        }
        out
    }

    /// Every link names operations that exist, and every linking operation exists.
    #[test]
    fn links_name_existing_operations() {
        let api = crate::startup::openapi_document();
        let ops: Vec<&utoipa::openapi::path::Operation> = api
            .paths
            .paths
            .values()
            .flat_map(|i| [&i.get, &i.post, &i.put, &i.patch, &i.delete])
            .flatten()
            .collect();
        let ids: BTreeSet<&str> = ops
            .iter()
            .filter_map(|o| o.operation_id.as_deref())
            .collect();
        for (source, ..) in super::OTHER_LINKS {
            assert!(ids.contains(source), "no operation {source}");
        }
        for (source, _) in super::MESSAGE_ANSWERS {
            assert!(ids.contains(source), "no operation {source}");
        }
        let mut links = 0;
        for op in ops {
            for response in op.responses.responses.values() {
                let utoipa::openapi::RefOr::T(r) = response else {
                    continue;
                };
                for link in r.links.values() {
                    let utoipa::openapi::RefOr::T(link) = link else {
                        continue;
                    };
                    let target = serde_json::to_value(link).unwrap()["operationId"].clone();
                    assert!(
                        target.as_str().is_some_and(|t| ids.contains(t)),
                        "link to {target}"
                    );
                    links += 1;
                }
            }
        }
        // Each one landed on a response the operation really has.
        let expected = super::OTHER_LINKS.len()
            + super::MESSAGE_ANSWERS
                .iter()
                .map(|(op, _)| super::MESSAGE_NEXT.iter().filter(|(_, t)| t != op).count())
                .sum::<usize>();
        assert_eq!(links, expected);
    }
}
