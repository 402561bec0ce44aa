//! The API test suite: one binary, one module per resource, each test on its own database
//! cloned from a migrated template.

mod access_log_coverage;
mod access_log_pages;
mod access_log_retention;
mod audit;
mod auth;
mod authz;
mod contract;
mod cors;
mod enrollments;
mod errors;
mod events;
mod fhir;
mod fhir_mapping;
mod health;
mod helpers;
mod idempotency;
mod integration_reads;
mod language;
mod messages;
mod metrics;
mod narcotics;
mod oidc;
mod openapi;
mod patients;
mod recipients;
mod schema;
mod statistics;
mod units;
mod webhook_delivery;
mod webhooks;
