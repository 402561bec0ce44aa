//! The API test suite: one binary, one module per resource, each test on its own database
//! cloned from a migrated template.

mod auth;
mod errors;
mod health;
mod helpers;
mod openapi;
mod units;
