//! A message draft on its way to a verdict, shared by sending (`create`) and checking
//! (`validate`): the body is read per category and field-checked, then judged by the routine's
//! rules with the facts looked up in the request's transaction. Every violation is reported at
//! once.

use diesel::PgConnection;
use serde_json::Value;
use time::OffsetDateTime;

use crate::access_log::Subject;
use crate::auth::Caller;
use crate::domain::lifecycle::Party;
use crate::domain::reply_window::to_stockholm;
use crate::domain::routing::{kommun_party, routing_problem, UnitFacts};
use crate::domain::rules::{self, Draft, ReceptFacts};
use crate::error::{AppError, AppResult, Violation};
use crate::extract::from_value;
use crate::i18n::Msg;
use crate::models::patient::{self, PatientRow};
use crate::models::unit::{self, UnitRow};
use crate::models::{enrollment, patient_relation};
use crate::routes::access;
use crate::routes::messages::details::{Details, ReceptDetails};
use crate::routes::messages::draft_input::{rule_violations, scan_keys, scan_nested_attachments};
use crate::routes::messages::new_message::{NewMessage, MESSAGE_KEYS};
use crate::state::AppState;

/// A parsed draft: the typed message (when it parsed), and what was found so far.
pub struct Parsed<D> {
    /// The typed message, when the body parsed into one.
    pub message: Option<NewMessage<D>>,
    /// Attachment-like fields taken out of the body.
    pub attachments: Vec<String>,
    /// Field problems found so far.
    pub violations: Vec<Violation>,
    /// When the body did not parse: its free texts and drug fields as far as they can be read,
    /// for the rules that need no patient or recipient.
    pub loose: Loose,
}

/// The texts of a draft that did not parse, read from the JSON as it is.
#[derive(Debug, Clone, Default)]
pub struct Loose {
    /// (field, text) of every string in `subject`, `body` and `details`.
    pub texts: Vec<(String, String)>,
    /// `details.drug_name`, `details.atc_code`, `details.npl_id`, when a drug is named.
    pub drug: Option<(String, Option<String>, Option<String>)>,
}

impl Loose {
    fn read(obj: &serde_json::Map<String, Value>) -> Self {
        let mut texts = Vec::new();
        for key in ["subject", "body"] {
            if let Some(Value::String(s)) = obj.get(key) {
                texts.push((key.to_string(), s.clone()));
            }
        }
        if let Some(details) = obj.get("details") {
            strings_in(details, "details".to_string(), &mut texts, 0);
        }
        let details = obj.get("details").and_then(Value::as_object);
        let text = |k: &str| details.and_then(|d| d.get(k)).and_then(Value::as_str);
        let drug = text("drug_name").map(|name| {
            (
                name.to_string(),
                text("atc_code").map(str::to_string),
                text("npl_id").map(str::to_string),
            )
        });
        Self { texts, drug }
    }
}

/// Every string under `value`, with its path as the field checks name it.
fn strings_in(value: &Value, path: String, out: &mut Vec<(String, String)>, depth: usize) {
    if depth > 4 {
        return;
    }
    match value {
        Value::String(s) => out.push((path, s.clone())),
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                strings_in(v, format!("{path}[{i}]"), out, depth + 1);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                strings_in(v, format!("{path}.{k}"), out, depth + 1);
            }
        }
        _ => {}
    }
}

/// Reads a draft of category `D`: unknown and attachment-like keys out, typed, field-checked.
pub fn parse<D: Details>(mut raw: Value, now: OffsetDateTime) -> Parsed<D> {
    let mut attachments = Vec::new();
    let mut violations = Vec::new();
    let Some(obj) = raw.as_object_mut() else {
        violations.push(Violation::new(
            "INVALID_VALUE",
            "(body)",
            Msg::new("Skicka ett JSON-objekt.", "Send a JSON object."),
        ));
        return Parsed {
            message: None,
            attachments,
            violations,
            loose: Loose::default(),
        };
    };
    scan_keys(obj, MESSAGE_KEYS, "", &mut attachments, &mut violations);
    if let Some(Value::Object(details)) = obj.get_mut("details") {
        scan_keys(
            details,
            D::KEYS,
            "details.",
            &mut attachments,
            &mut violations,
        );
    }
    if let Some(details) = obj.get_mut("details") {
        scan_nested_attachments(details, "details", &mut attachments);
    }
    // Read before the typed parse takes the body; kept only when that parse fails.
    let loose = Loose::read(obj);
    let message = match from_value::<NewMessage<D>>(raw) {
        Ok(mut m) => {
            let today = to_stockholm(now).date();
            m.check(&mut violations, now, today);
            Some(m)
        }
        Err(AppError::Unprocessable { violations: v, .. }) => {
            violations.extend(v);
            None
        }
        Err(_) => None,
    };
    Parsed {
        loose: if message.is_none() {
            loose
        } else {
            Loose::default()
        },
        message,
        attachments,
        violations,
    }
}

fn facts(u: &UnitRow) -> UnitFacts {
    UnitFacts {
        kind: u.kind,
        active: u.active,
        participating: u.participating,
    }
}

/// What the rules decided, with the looked-up parties.
pub struct Judged {
    /// Every problem: the fields', then the routine's.
    pub violations: Vec<Violation>,
    /// The acting unit.
    pub sender: UnitRow,
    /// Looked up when the draft parsed (the new message's view shows them).
    pub recipient: Option<UnitRow>,
    /// The patient, when in the sender's care.
    pub patient: Option<PatientRow>,
}

/// Applies the routine's rules to a parsed draft, with the facts looked up in the request's
/// transaction: acting unit, recipient, patient (in the sender's care, else `refused` is set
/// on the access-log subject), enrollment in the kommun party, narcotics reference.
pub fn judge<D: Details>(
    conn: &mut PgConnection,
    state: &AppState,
    caller: &Caller,
    parsed: &Parsed<D>,
    now: OffsetDateTime,
    subject: &mut Subject,
) -> AppResult<Judged> {
    let sender = access::staff_unit(conn, caller, subject)?;
    let mut violations = parsed.violations.clone();
    let Some(msg) = &parsed.message else {
        // What the routine forbids regardless of the rest is reported with the parse problem.
        let narcotics = state.narcotics.get(conn)?;
        let texts: Vec<(&str, &str)> = parsed
            .loose
            .texts
            .iter()
            .map(|(f, t)| (f.as_str(), t.as_str()))
            .collect();
        let loose = rules::Unparsed {
            texts: &texts,
            drug: parsed
                .loose
                .drug
                .as_ref()
                .map(|(n, a, p)| (n.as_str(), a.as_deref(), p.as_deref())),
        };
        rule_violations(
            rules::evaluate_unparsed(caller.legitimerad, &parsed.attachments, loose, &narcotics),
            &mut violations,
        );
        return Ok(Judged {
            violations,
            sender,
            recipient: None,
            patient: None,
        });
    };
    let recipient = unit::find(conn, msg.recipient_unit_id)?;
    let sender_facts = facts(&sender);
    let recipient_facts = recipient.as_ref().map(facts);
    // A patient outside the sender's care is reported exactly like one that does not exist.
    let patient = match patient::find(conn, msg.patient_id)? {
        Some(p) if patient_relation::exists_for(conn, &sender, p.id)? => Some(p),
        _ => None,
    };
    // Naming a patient out of reach is a refused access, even when the answer is a verdict.
    subject.refused = patient.is_none();
    let routing_ok = routing_problem(&sender_facts, recipient_facts.as_ref()).is_none();
    let enrolled = match (&patient, &recipient) {
        // An unknown patient is reported as such, not also as not enrolled.
        (None, _) => {
            violations.push(Violation::new(
                "PATIENT_NOT_FOUND",
                "patient_id",
                Msg::new(
                    "Ingen patient med det id:t. Registrera patienten först.",
                    "No patient with that id. Register the patient first.",
                ),
            ));
            true
        }
        (Some(p), Some(r)) if routing_ok => {
            let kommun = match kommun_party(sender.kind, r.kind) {
                Some(Party::Sender) => &sender,
                _ => r,
            };
            let code = kommun.municipality_code.as_deref().unwrap_or_default();
            enrollment::is_enrolled(conn, p.id, code, to_stockholm(now).date())?
        }
        _ => true,
    };
    // Every category's free text may ask for a narcotic's renewal (cached; see narcotics_cache).
    let narcotics = state.narcotics.get(conn)?;
    let texts = msg.texts();
    let draft = Draft {
        sender_licensed: caller.legitimerad,
        sender_unit: sender_facts,
        recipient_unit: recipient_facts,
        patient_enrolled_in_kommun_party: enrolled,
        texts: texts
            .iter()
            .map(|(f, t)| (f.as_str(), t.as_str()))
            .collect(),
        recept: msg.details.recept().map(|r: &ReceptDetails| ReceptFacts {
            drug_name: &r.drug_name,
            atc_code: r.atc_code.as_deref(),
            npl_id: r.npl_id.as_deref(),
            kind: r.kind,
        }),
        attachment_fields: parsed.attachments.clone(),
    };
    rule_violations(rules::evaluate(&draft, &narcotics), &mut violations);
    Ok(Judged {
        violations,
        sender,
        recipient,
        patient,
    })
}

/// What the draft named: its patient, when the body got that far.
pub fn named<D>(parsed: &Parsed<D>) -> Subject {
    Subject {
        patient_id: parsed.message.as_ref().map(|m| m.patient_id),
        ..Subject::default()
    }
}
