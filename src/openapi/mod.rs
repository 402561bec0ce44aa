//! The OpenAPI document: info, servers and tags here; the rest is what utoipa 5 cannot say
//! from the handlers and types alone, one modifier per concern, each run by
//! `startup::openapi_document`:
//! - [`SecurityAddon`] and [`OperationSecurity`]: the bearer-JWT scheme, required on every
//!   `/api/v1` operation and explicitly not on the health probes;
//! - [`ErrorResponses`]: the error responses every operation shares, and the `Idempotency-Key`
//!   header of every changing operation, so no handler can forget them;
//! - [`NonBlankTexts`]: required texts may not be blank (the server trims before it checks);
//! - [`ClosedVariants`]: variants of tagged enums refuse unknown fields, as the server does;
//! - [`Links`]: OpenAPI links from an answer to the operations that can follow it.

mod closed_variants;
mod error_responses;
mod links;
mod non_blank;
mod security;

use utoipa::OpenApi;

pub use closed_variants::ClosedVariants;
pub use error_responses::ErrorResponses;
pub use links::Links;
pub use non_blank::NonBlankTexts;
pub use security::{OperationSecurity, SecurityAddon};

use crate::error::{Problem, Violation};

/// The API description; paths are added by `startup::build_app` from the registered handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Samverkan",
        description = "Non-urgent messages about a patient between the six Halland municipalities' home health care and regional care (vårdcentraler, psykiatrisk öppenvård, Habiliteringen, Palliativa konsultteam), under the Region Halland routine \"Informationsöverföring via Lifecare SP\". Every error is RFC 9457 application/problem+json with a stable `code`. Every text meant for people (problem `title` and `detail`, violation `message`, rule titles and explanations) is Swedish, or English when `Accept-Language` prefers `en` over `sv`; codes never change with the language, and a problem says its language in `Content-Language`.",
        license(name = "MIT", identifier = "MIT"),
        contact(name = "The team that runs Samverkan for Region Halland")
    ),
    // Relative: the document describes the server that serves it, wherever it is deployed.
    servers((url = "/", description = "The server this document is served by.")),
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
