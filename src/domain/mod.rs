//! The routine's domain: pure types and decisions with no web or database code.

pub mod attachments;
pub mod calendar;
pub mod category;
pub mod csv;
pub mod draft;
pub mod hsa_id;
pub mod iso_date;
pub mod lifecycle;
pub mod log_retention;
pub mod luhn;
pub mod measurements;
pub mod municipality;
pub mod narcotic_renewal;
pub mod narcotics;
pub mod narcotics_csv;
pub mod narcotics_diff;
pub mod personnummer;
pub mod reply_window;
pub mod routing;
pub mod rule_catalogue;
pub mod rules;
pub mod text;
pub mod unit_kind;
pub mod urgency;
pub mod working_time;
