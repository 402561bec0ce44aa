pub mod enrollment;
pub mod message;
pub mod narcotic;
pub mod patient;
pub mod unit;
