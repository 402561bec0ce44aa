//! The body of a new message of any category: patient, recipient, subject, body and the
//! category's `details`; its field checks and free texts, and the schema of each category's
//! body for the OpenAPI document.

use serde::Deserialize;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::Violation;
use crate::routes::messages::details::{
    BokningDetails, Details, ProvtagningDetails, ReceptDetails, UppfoljningDetails,
};
use crate::routes::messages::field_checks::check_text;

/// A new message of one category.
#[derive(Debug, Clone, Deserialize)]
pub struct NewMessage<D> {
    /// The patient (must be enrolled in the kommun party's home health care).
    pub patient_id: Uuid,
    /// The receiving unit.
    pub recipient_unit_id: Uuid,
    /// Subject, 1–120 characters.
    pub subject: String,
    /// Body, 1–4000 characters.
    pub body: String,
    /// Category details.
    pub details: D,
}

/// Allowed top-level keys of a message body.
pub const MESSAGE_KEYS: &[&str] = &[
    "patient_id",
    "recipient_unit_id",
    "subject",
    "body",
    "details",
];

macro_rules! message_schema {
    ($name:ident, $details:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, ToSchema)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        pub struct $name {
            /// The patient (must be enrolled in the kommun party's home health care).
            patient_id: Uuid,
            /// The receiving unit.
            recipient_unit_id: Uuid,
            /// Subject, 1–120 characters; nothing urgent.
            #[schema(min_length = 1, max_length = 120)]
            subject: String,
            /// Body, 1–4000 characters; nothing urgent, no attachments.
            #[schema(min_length = 1, max_length = 4000)]
            body: String,
            /// Category details.
            details: $details,
        }
    };
}

message_schema!(
    NewRecept,
    ReceptDetails,
    "A prescription renewal request (receptförnyelse)."
);
message_schema!(
    NewProvtagning,
    ProvtagningDetails,
    "A sampling request (provtagning)."
);
message_schema!(
    NewUppfoljning,
    UppfoljningDetails,
    "A follow-up (uppföljning): values and/or a request."
);
message_schema!(
    NewBokning,
    BokningDetails,
    "A booking request (bokning) for a non-urgent visit."
);

impl<D: Details> NewMessage<D> {
    /// Field checks and normalisation; every problem is pushed.
    pub fn check(&mut self, out: &mut Vec<Violation>, now: OffsetDateTime, today: Date) {
        self.subject = self.subject.trim().to_string();
        check_text(out, "subject", &self.subject, 120);
        check_text(out, "body", &self.body, 4000);
        self.details.check(out, now, today);
    }

    /// Every free text of the message, for the rules.
    pub fn texts(&self) -> Vec<(String, String)> {
        let mut t = vec![
            ("subject".to_string(), self.subject.clone()),
            ("body".to_string(), self.body.clone()),
        ];
        t.extend(self.details.texts());
        t
    }
}
