//! The OpenAPI document: info, tags and the bearer-JWT security scheme here; the rest is what
//! utoipa 5 cannot say from the handlers and types alone, one modifier per concern, each run by
//! `startup::openapi_document`:
//! - [`ErrorResponses`]: the error responses every operation shares, and the `Idempotency-Key`
//!   header of every changing operation, so no handler can forget them;
//! - [`NonBlankTexts`]: required texts may not be blank (the server trims before it checks);
//! - [`ClosedVariants`]: variants of tagged enums refuse unknown fields, as the server does;
//! - [`Links`]: OpenAPI links from an answer to the operations that can follow it.

mod closed_variants;
mod error_responses;
mod links;
mod non_blank;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub use closed_variants::ClosedVariants;
pub use error_responses::ErrorResponses;
pub use links::Links;
pub use non_blank::NonBlankTexts;

use crate::error::{Problem, Violation};

/// The API description; paths are added by `startup::build_app` from the registered handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Samverkan",
        description = "Non-urgent messages about a patient between the six Halland municipalities' home health care and regional care (vårdcentraler, psykiatrisk öppenvård, Habiliteringen, Palliativa konsultteam), under the Region Halland routine \"Informationsöverföring via Lifecare SP\". Every error is RFC 9457 application/problem+json with a stable `code`. Every text meant for people (problem `title` and `detail`, violation `message`, rule titles and explanations) is Swedish, or English when `Accept-Language` prefers `en` over `sv`; codes never change with the language, and a problem says its language in `Content-Language`.",
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
        (name = "statistics", description = "Follow-up of the routine for its owners: answers in time, working hours to answer, refusals by rule. Aggregates only."),
        (name = "events", description = "The change feed for integration platforms."),
        (name = "webhooks", description = "Push to integration platforms after the Standard Webhooks specification: endpoints, deliveries, recovery."),
        (name = "integration-clients", description = "Integration platforms registered by an admin: a client-credentials token from the identity provider whose client id is registered acts for the registered units."),
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
                        "A JWT from the region's OpenID provider (RS256, PS256 or ES256, key by `kid` from its JWKS). Claims by Inera's names (configurable): `employeeHsaId` (the person), `healthCareUnitHsaId` (acting unit), `commissionHsaId` and `commissionPurpose` (\"Vård och behandling\" for care staff), `healthcareProfessionalLicense`, `given_name`, `family_name`, `roles` (admin, granskare). A client-credentials token acts as the registered integration client its `client_id` names. Development setups use HS256 tokens with `sub`, `unit`, `roles`, `legitimerad`, `profession`, `units`.",
                    ))
                    .build(),
            ),
        );
    }
}
