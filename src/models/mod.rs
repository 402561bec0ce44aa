pub mod enrollment;
pub mod patient;
pub mod unit;
