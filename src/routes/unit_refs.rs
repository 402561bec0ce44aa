//! Lists of units named by HSA-id in request bodies (webhook endpoints, integration clients):
//! the form checks shared by the routes that take them.

use crate::domain::hsa_id::HsaId;
use crate::error::Violation;
use crate::i18n::Msg;
use crate::text;

/// What a malformed HSA-id is told.
pub fn hsa_id_format() -> Msg {
    Msg::new(
        "Ett HSA-id är SE + tiosiffrigt organisationsnummer + '-' + ett suffix av A–Z/0–9, högst \
         31 tecken.",
        "An HSA-id is SE + 10-digit organisation number + '-' + suffix of A–Z/0–9, at most 31 \
         characters.",
    )
}

/// Checks a list of 1–`max` HSA-ids (`what` says what the units are for, in the message);
/// returns them normalised (trimmed, upper case), without repeats. That they exist is checked
/// against the directory afterwards.
pub fn check_hsa_ids(
    units: &[String],
    max: usize,
    what: (&str, &str),
    out: &mut Vec<Violation>,
) -> Vec<String> {
    if units.is_empty() || units.len() > max {
        out.push(Violation::new("UNITS_COUNT", "units", {
            let (sv, en) = what;
            text!("Ange 1–{max} enheter {sv}.", "Name 1–{max} units {en}.")
        }));
    }
    let mut normalised = Vec::new();
    for (i, u) in units.iter().enumerate() {
        match HsaId::parse(u) {
            Ok(_) => {
                let n = u.trim().to_uppercase();
                if !normalised.contains(&n) {
                    normalised.push(n);
                }
            }
            Err(_) => out.push(Violation::new(
                "HSA_ID_FORMAT",
                format!("units[{i}]"),
                hsa_id_format(),
            )),
        }
    }
    normalised
}

/// The schema of such a list: 1–`max` HSA-ids, each in the HSA-id form (utoipa cannot put a
/// pattern on a `Vec<String>`'s items); `nullable` for a change that may leave it alone.
pub fn hsa_ids_schema(
    max: usize,
    description: &str,
    nullable: bool,
) -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    let mut schema = ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[Ss][Ee][0-9]{10}-[A-Za-z0-9]+$"))
                .min_length(Some(14))
                .max_length(Some(31)),
        )
        .min_items(Some(1))
        .max_items(Some(max))
        .description(Some(description))
        .examples([serde_json::json!(["SE2321000115-DEMOVC01"])])
        .build();
    if nullable {
        schema.schema_type = SchemaType::from_iter([Type::Array, Type::Null]);
    }
    schema
}

/// The `q` of a unit search: at most 100 characters, no NUL (PostgreSQL cannot compare text
/// holding it); blank is no search. Refusals are 400 `INVALID_QUERY`.
pub fn name_search(q: Option<String>) -> crate::error::AppResult<Option<String>> {
    use crate::error::AppError;
    if q.as_ref().is_some_and(|s| s.chars().count() > 100) {
        return Err(AppError::BadRequest {
            code: "INVALID_QUERY",
            detail: Msg::new(
                "`q` får vara högst 100 tecken.",
                "`q` must be at most 100 characters.",
            ),
        });
    }
    if q.as_ref().is_some_and(|s| s.contains('\0')) {
        return Err(AppError::BadRequest {
            code: "INVALID_QUERY",
            detail: Msg::new(
                "`q` får inte innehålla NUL-tecknet.",
                "`q` must not contain the NUL character.",
            ),
        });
    }
    Ok(q.filter(|s| !s.trim().is_empty()))
}
