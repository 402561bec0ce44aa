//! The API test suite: one binary, one module per resource, each test on its own database
//! cloned from a migrated template.

mod auth;
mod enrollments;
mod errors;
mod health;
mod helpers;
mod openapi;
mod patients;
mod units;
