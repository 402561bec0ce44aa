//! Variants of tagged enums refuse unknown fields, as the server does.

use utoipa::openapi::RefOr;
use utoipa::Modify;

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

#[cfg(test)]
mod tests {
    use super::CLOSED_TAGGED_ENUMS;

    /// Every closed tagged enum exists and all its variants refuse unknown fields.
    #[test]
    fn closed_variants_refuse_unknown_fields() {
        let api = serde_json::to_value(crate::startup::openapi_document()).unwrap();
        for name in CLOSED_TAGGED_ENUMS {
            let variants = api["components"]["schemas"][name]["oneOf"]
                .as_array()
                .unwrap_or_else(|| panic!("{name} is not a oneOf schema"));
            assert!(!variants.is_empty());
            for v in variants {
                assert_eq!(v["additionalProperties"], false, "{name}: {v}");
            }
        }
    }
}
