//! Creating a message and checking a draft: the body is parsed per category, field-checked,
//! then judged by the routine's rules with the facts looked up in one transaction (acting unit,
//! recipient, patient, enrollment, narcotics reference). Every violation is reported at once.

use actix_web::{post, web};
use diesel::PgConnection;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::audit::{action, audited, audited_reply, Subject};
use crate::auth::Caller;
use crate::domain::lifecycle::Party;
use crate::domain::lifecycle::Status;
use crate::domain::reply_window::{to_stockholm, ReplyWindow};
use crate::domain::routing::{kommun_party, routing_problem, UnitFacts};
use crate::domain::rules::{self, Draft, ReceptFacts, ReceptKind as RuleReceptKind};
use crate::error::{AppError, AppResult, Violation};
use crate::extract::{from_value, ApiJson};
use crate::idempotency::Idempotency;
use crate::models::event::{self, kind};
use crate::models::message::{self, Listed, MessageRow};
use crate::models::patient::{self, PatientRow};
use crate::models::raw_json::RawJson;
use crate::models::unit::{self, UnitRow};
use crate::models::{enrollment, patient_relation};
use crate::reply::ApiReply;
use crate::routes::access;
use crate::routes::messages::details::{
    BokningDetails, Details, ProvtagningDetails, ReceptDetails, ReceptKind, UppfoljningDetails,
};
use crate::routes::messages::draft_input::{
    refused, rule_violations, scan_keys, scan_nested_attachments,
};
use crate::routes::messages::new_message::{
    NewBokning, NewMessage, NewProvtagning, NewRecept, NewUppfoljning, MESSAGE_KEYS,
};
use crate::routes::messages::view::{self, Message};
use crate::state::AppState;

/// The answer of a draft check.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftCheck {
    /// True when the message would be accepted as it is.
    pub valid: bool,
    /// Every problem found (rule codes like `AKUT`, and field codes).
    pub violations: Vec<Violation>,
}

/// A parsed draft: the typed message (when it parsed), and what was found so far.
struct Parsed<D> {
    message: Option<NewMessage<D>>,
    attachments: Vec<String>,
    violations: Vec<Violation>,
}

fn parse<D: Details>(mut raw: Value, now: OffsetDateTime) -> Parsed<D> {
    let mut attachments = Vec::new();
    let mut violations = Vec::new();
    let Some(obj) = raw.as_object_mut() else {
        violations.push(Violation::new(
            "INVALID_VALUE",
            "(body)",
            "Skicka ett JSON-objekt.",
        ));
        return Parsed {
            message: None,
            attachments,
            violations,
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
struct Judged {
    violations: Vec<Violation>,
    sender: UnitRow,
    /// Looked up when the draft parsed (the new message's view shows them).
    recipient: Option<UnitRow>,
    patient: Option<PatientRow>,
}

/// Applies the routine's rules to a parsed draft.
fn judge<D: Details>(
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
        rule_violations(
            rules::evaluate_unparsed(caller.legitimerad, &parsed.attachments),
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
                "Ingen patient med det id:t. Registrera patienten först.",
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
            kind: match r.kind {
                ReceptKind::Fornyelse => RuleReceptKind::Fornyelse,
                ReceptKind::Nyforskrivning => RuleReceptKind::Nyforskrivning,
            },
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
fn named<D>(parsed: &Parsed<D>) -> Subject {
    Subject {
        patient_id: parsed.message.as_ref().map(|m| m.patient_id),
        ..Subject::default()
    }
}

async fn create<D: Details>(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    raw: Value,
) -> AppResult<ApiReply> {
    let key = idem.prepared(&caller.hsa_id);
    let now = state.clock.now();
    let parsed = parse::<D>(raw, now);
    let st = state.clone();
    let c = caller.clone();
    let named = named(&parsed);
    audited_reply(
        &state.pool,
        &caller,
        action::MESSAGE_CREATE,
        named,
        key,
        move |conn, subject| {
            let caller = c;
            let judged = judge(conn, &st, &caller, &parsed, now, subject)?;
            if !judged.violations.is_empty() {
                return Err(refused("Meddelandet", judged.violations));
            }
            let msg = parsed
                .message
                .ok_or_else(|| anyhow::anyhow!("accepted draft without message"))?;
            let window = ReplyWindow::for_sent_at(now);
            let row = MessageRow {
                id: Uuid::now_v7(),
                category: D::CATEGORY,
                status: Status::Sent,
                patient_id: msg.patient_id,
                sender_unit_id: judged.sender.id,
                recipient_unit_id: msg.recipient_unit_id,
                sender_hsa_id: caller.hsa_id.clone(),
                sender_name: caller.name.clone(),
                sender_profession: caller.profession.clone(),
                subject: msg.subject,
                body: msg.body,
                details: RawJson::to_json(&msg.details).map_err(anyhow::Error::from)?,
                sent_at: now,
                read_at: None,
                answered_at: None,
                closed_at: None,
                cancelled_at: None,
                cancel_reason: None,
                cancel_comment: None,
                reply_expected_from: window.reply_expected_from,
                reply_due_by: window.reply_due_by,
            };
            message::insert(conn, &row, &caller.hsa_id)?;
            subject.message_id = Some(row.id);
            event::emit(
                conn,
                kind::MESSAGE_CREATED,
                now,
                &[row.sender_unit_id, row.recipient_unit_id],
                Some(row.id),
                Some(row.patient_id),
            )?;
            // Everything the view shows was read or made in this transaction: no read-back.
            let (Some(patient), Some(recipient)) = (judged.patient, judged.recipient) else {
                return Err(
                    anyhow::anyhow!("accepted message without patient or recipient").into(),
                );
            };
            let listed = Listed {
                row,
                patient: (
                    patient.id,
                    patient.personal_identity_number,
                    patient.id_kind,
                    patient.name,
                ),
                sender: (judged.sender.hsa_id, judged.sender.name),
                recipient: (recipient.hsa_id, recipient.name),
            };
            // A new message has no replies yet.
            let created = view::assemble(listed, Vec::new(), now);
            ApiReply::created(format!("/api/v1/messages/{}", created.id), &created)
        },
    )
    .await
}

async fn check<D: Details>(
    state: web::Data<AppState>,
    caller: Caller,
    raw: Value,
) -> AppResult<web::Json<DraftCheck>> {
    let now = state.clock.now();
    let parsed = parse::<D>(raw, now);
    let st = state.clone();
    let c = caller.clone();
    let named = named(&parsed);
    let violations = audited(
        &state.pool,
        &caller,
        action::MESSAGE_VALIDATE,
        named,
        move |conn, subject| Ok(judge(conn, &st, &c, &parsed, now, subject)?.violations),
    )
    .await?;
    Ok(web::Json(DraftCheck {
        valid: violations.is_empty(),
        violations,
    }))
}

macro_rules! category_routes {
    ($create:ident, $check:ident, $details:ty, $schema:ty, $path:literal, $check_path:literal,
     $create_summary:literal, $create_description:literal, $check_summary:literal, $check_description:literal) => {
        #[doc = $create_summary]
        #[utoipa::path(tag = "messages", summary = $create_summary, description = $create_description, request_body = $schema, responses(
            (status = 201, description = "Sent; `Location` names the message.", body = Message, headers(("Location" = String, description = "URL of the message"))),
        ))]
        #[post($path)]
        pub async fn $create(state: web::Data<AppState>, caller: Caller, idem: Idempotency, body: ApiJson<Value>) -> AppResult<ApiReply> {
            create::<$details>(state, caller, idem, body.0).await
        }

        #[doc = $check_summary]
        #[utoipa::path(tag = "messages", summary = $check_summary, description = $check_description, request_body = $schema, responses(
            (status = 200, description = "The verdict; `valid` is false when `violations` is not empty.", body = DraftCheck),
        ))]
        #[post($check_path)]
        pub async fn $check(state: web::Data<AppState>, caller: Caller, body: ApiJson<Value>) -> AppResult<web::Json<DraftCheck>> {
            check::<$details>(state, caller, body.0).await
        }
    };
}

category_routes!(
    create_recept, validate_recept, ReceptDetails, NewRecept, "/messages/recept", "/messages/recept/validate",
    "Send a prescription renewal",
    "Creates one receptförnyelse (renewal of an existing prescription) from the caller's acting unit. The body is checked against every rule of the routine — AKUT, BILAGA, NARKOTIKA (substance, brand, ATC code or NPL id), NYFORSKRIVNING, EJ_INSKRIVEN, OGILTIG_MOTTAGARE, EJ_LEGITIMERAD — and every violation is reported at once in a 422 (`ROUTINE_VIOLATION`, or `VALIDATION_FAILED` for field problems only), in Swedish, saying what to do instead. The answer carries the reply window (`reply_expected_from`, `reply_due_by`).",
    "Check a prescription renewal draft",
    "Checks a receptförnyelse draft against every field check and rule without storing anything: 200 `{valid, violations}`, for frontends that warn while the nurse types."
);
category_routes!(
    create_provtagning, validate_provtagning, ProvtagningDetails, NewProvtagning, "/messages/provtagning", "/messages/provtagning/validate",
    "Send a sampling request",
    "Creates one provtagning message (analyses, wished date, fasting, who samples) from the caller's acting unit. Every rule of the routine is checked and every violation reported at once in a 422 (`ROUTINE_VIOLATION` or `VALIDATION_FAILED`). The answer carries the reply window.",
    "Check a sampling draft",
    "Checks a provtagning draft against every field check and rule without storing anything: 200 `{valid, violations}`."
);
category_routes!(
    create_uppfoljning, validate_uppfoljning, UppfoljningDetails, NewUppfoljning, "/messages/uppfoljning", "/messages/uppfoljning/validate",
    "Send a follow-up",
    "Creates one uppföljning message: measured values (blood pressure, weight, blood sugar, pulse, saturation, temperature — physiologically impossible values are refused with the field named) and/or a request for follow-up. Every rule of the routine is checked and every violation reported at once in a 422. The answer carries the reply window.",
    "Check a follow-up draft",
    "Checks an uppföljning draft against every field check and rule without storing anything: 200 `{valid, violations}`."
);
category_routes!(
    create_bokning, validate_bokning, BokningDetails, NewBokning, "/messages/bokning", "/messages/bokning/validate",
    "Send a booking request",
    "Creates one bokning message: an annual check-up or a non-urgent doctor's visit, at home or at the clinic, with wished dates. Every rule of the routine is checked and every violation reported at once in a 422. The answer carries the reply window.",
    "Check a booking draft",
    "Checks a bokning draft against every field check and rule without storing anything: 200 `{valid, violations}`."
);
