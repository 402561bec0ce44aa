pub mod access_log;
pub mod enrollment;
pub mod event;
pub mod message;
pub mod narcotic;
pub mod patient;
pub mod patient_relation;
pub mod unit;
