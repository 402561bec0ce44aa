//! Who may call what, as the document states it: the bearer-JWT scheme, required on every
//! `/api/v1` operation, and explicitly no security (`security: []`) on the others — the health
//! probes, which orchestrators call without a token. Saying "none" out loud, instead of leaving
//! the field out, tells a reader (and the linters) that it is meant.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::Modify;

/// Declares the bearer-JWT scheme (run by `ApiDoc`, before any path is known).
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
                        "A JWT from the region's OpenID provider (RS256, PS256 or ES256, key by `kid` from its JWKS). Claims by Inera's names (configurable): `employeeHsaId` (the person), `healthCareUnitHsaId` (acting unit), `commissionHsaId` and `commissionPurpose` (\"Vård och behandling\" for care staff), `healthcareProfessionalLicense`, `given_name`, `family_name`, `roles` (admin, granskare, statistik). A client-credentials token acts as the registered integration client its `client_id` names. Development setups use HS256 tokens with `sub`, `unit`, `roles`, `legitimerad`, `profession`, `units`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Requires the bearer scheme on every `/api/v1` operation and states `security: []` on every
/// other one (run once the paths are there).
pub struct OperationSecurity;

impl Modify for OperationSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let requirement = if path.starts_with("/api/v1/") {
                vec![SecurityRequirement::new("bearer", Vec::<String>::new())]
            } else {
                Vec::new()
            };
            let ops: [&mut Option<Operation>; 5] = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in ops.into_iter().flatten() {
                op.security = Some(requirement.clone());
            }
        }
    }
}
