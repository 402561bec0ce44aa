//! The patient-data access log (PDL, HSLF-FS 2016:40 4 kap. 9 §): every answer that carries a
//! patient's data is logged, for each patient it shows.
//!
//! - [`logged`]: a use case about one patient or message (read, create, reply, lookup…)
//!   writes exactly one entry.
//! - [`logged_page`]: a listing (a mailbox page, the access log, the feed) writes one entry per
//!   patient the page shows, and one for the patient its filter named; a page that shows no
//!   patient writes nothing.
//!
//! Entries are written in the same transaction as the change (or the read), so an entry exists
//! exactly when the effect or the answer does. A use case that answers but refused what the
//! request named (a draft check naming a patient out of the unit's reach, a listing filtered
//! on such a patient) sets [`Subject::refused`] and is logged `denied`. A refusal that fails
//! the request and named a patient or message (a 404 across units, a rule refusal) is logged as
//! `denied` in a transaction of its own after the refused one rolled back. If an entry cannot
//! be written, the request fails with 503 and shows nothing: fail closed. A month without its
//! partition is not such a case: the entry goes to the default partition
//! (`models::access_log::partitions`).

use diesel::PgConnection;
use uuid::Uuid;

use crate::auth::{Caller, Role};
use crate::db::{self, DbPool};
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::idempotency::{self, Claim, PreparedKey};
use crate::models::access_log::{self, NewAccessLog};
use crate::models::{message, unit};
use crate::request_id;
use crate::response::ApiResponse;

/// Stable action codes of the access log.
pub mod action {
    pub const PATIENT_REGISTER: &str = "patient.register";
    pub const PATIENT_LOOKUP: &str = "patient.lookup";
    pub const PATIENT_READ: &str = "patient.read";
    pub const PATIENT_ACCESS_LOG: &str = "patient.access_log";
    pub const ENROLLMENT_START: &str = "enrollment.start";
    pub const ENROLLMENT_END: &str = "enrollment.end";
    pub const ENROLLMENT_LIST: &str = "enrollment.list";
    pub const MESSAGE_CREATE: &str = "message.create";
    pub const MESSAGE_VALIDATE: &str = "message.validate";
    pub const MESSAGE_LIST: &str = "message.list";
    pub const MESSAGE_LIST_PATIENT: &str = "message.list_patient";
    pub const MESSAGE_READ: &str = "message.read";
    pub const MESSAGE_ACKNOWLEDGE: &str = "message.acknowledge";
    pub const MESSAGE_REPLY: &str = "message.reply";
    pub const MESSAGE_CLOSE: &str = "message.close";
    pub const MESSAGE_CANCEL: &str = "message.cancel";
    pub const MESSAGE_FHIR: &str = "message.fhir";
    pub const AUDIT_READ: &str = "audit.read";
    pub const EVENT_LIST: &str = "event.list";
    /// A webhook delivery that reached the receiver (it names a patient and a message).
    pub const WEBHOOK_DELIVERY: &str = "webhook.delivery";

    /// Every action, for documentation and filters.
    pub const ALL: &[&str] = &[
        PATIENT_REGISTER,
        PATIENT_LOOKUP,
        PATIENT_READ,
        PATIENT_ACCESS_LOG,
        ENROLLMENT_START,
        ENROLLMENT_END,
        ENROLLMENT_LIST,
        MESSAGE_CREATE,
        MESSAGE_VALIDATE,
        MESSAGE_LIST,
        MESSAGE_LIST_PATIENT,
        MESSAGE_READ,
        MESSAGE_ACKNOWLEDGE,
        MESSAGE_REPLY,
        MESSAGE_CLOSE,
        MESSAGE_CANCEL,
        MESSAGE_FHIR,
        AUDIT_READ,
        EVENT_LIST,
        WEBHOOK_DELIVERY,
    ];
}

/// What an access concerned; the use case fills in what it learns (the acting unit, the
/// patient of a message, the id of a new message).
#[derive(Debug, Clone, Default)]
pub struct Subject {
    /// The acting unit, once resolved.
    pub unit_id: Option<Uuid>,
    /// The patient.
    pub patient_id: Option<Uuid>,
    /// The message.
    pub message_id: Option<Uuid>,
    /// The patients a page shows ([`logged_page`] logs each once).
    pub shown: Vec<Uuid>,
    /// The request was answered, but what it named is out of the caller's reach: the entry is
    /// `denied`.
    pub refused: bool,
    /// The role the caller acted in, once the use case has decided it (see `routes::access`).
    pub role: Option<Role>,
}

impl Subject {
    /// A request that named a patient.
    pub fn patient(id: Uuid) -> Self {
        Self {
            patient_id: Some(id),
            ..Self::default()
        }
    }

    /// A request that named a message.
    pub fn message(id: Uuid) -> Self {
        Self {
            message_id: Some(id),
            ..Self::default()
        }
    }
}

/// Who accessed, captured before the work moves to a blocking thread (the request id lives in
/// a task-local).
#[derive(Debug, Clone)]
struct Actor {
    hsa_id: String,
    name: Option<String>,
    unit_hsa_id: Option<String>,
    /// The medarbetaruppdrag the person acted under (provider tokens).
    commission_hsa_id: Option<String>,
    request_id: String,
    /// The caller's role when the token grants exactly one: the role of a refusal logged before
    /// the use case decided which role it acts in.
    only_role: Option<Role>,
}

/// How many entries an access leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entries {
    /// Exactly one, about the subject.
    One,
    /// One per patient named or shown; none when there is none.
    PerPatient,
}

fn write(
    conn: &mut PgConnection,
    actor: &Actor,
    subject: &Subject,
    action: &str,
    outcome: &str,
    entries: Entries,
) -> AppResult<()> {
    let entry = NewAccessLog {
        actor_hsa_id: &actor.hsa_id,
        actor_name: actor.name.as_deref(),
        unit_id: subject.unit_id,
        unit_hsa_id: actor.unit_hsa_id.as_deref(),
        action,
        outcome,
        patient_id: subject.patient_id,
        message_id: subject.message_id,
        request_id: &actor.request_id,
        actor_role: subject.role.or(actor.only_role).map(Role::as_str),
        commission_hsa_id: actor.commission_hsa_id.as_deref(),
    };
    let written = match entries {
        Entries::One => access_log::append(conn, &entry).map(|()| 1),
        Entries::PerPatient => {
            let mut patients: Vec<Uuid> = Vec::with_capacity(subject.shown.len() + 1);
            for p in subject.patient_id.iter().chain(&subject.shown) {
                if !patients.contains(p) {
                    patients.push(*p);
                }
            }
            if patients.is_empty() {
                return Ok(());
            }
            access_log::append_for_patients(conn, &entry, &patients).map(|()| patients.len())
        }
    };
    written
        .map(|rows| crate::instrument::access_log_written(outcome, rows))
        .map_err(|e| {
            tracing::error!(error = %e, action, "access log entry could not be written");
            crate::instrument::access_log_failed();
            AppError::Unavailable(
            crate::error::cause::ACCESS_LOG,
            Msg::new(
                "Åtkomstloggen kan inte skrivas just nu; inget visades eller gjordes. Försök igen \
                 om en stund.",
                "The access log cannot be written right now; nothing was shown or done. Try \
                 again shortly.",
            ),
        )
        })
}

/// Whether a failed request is a refusal worth logging (as opposed to a malformed request or
/// an outage).
fn is_refusal(e: &AppError) -> bool {
    matches!(
        e,
        AppError::NotFound(_)
            | AppError::Forbidden { .. }
            | AppError::Conflict { .. }
            | AppError::Unprocessable { .. }
    )
}

/// Runs `work` in one transaction and appends its access-log entry in that transaction.
///
/// `named` is what the request itself named (a patient or message id in the URL or body);
/// `work` may add to it. A refusal of a request that named a patient or message is logged as
/// `denied`.
pub async fn logged<F, T>(
    pool: &DbPool,
    caller: &Caller,
    action: &'static str,
    named: Subject,
    work: F,
) -> AppResult<T>
where
    F: FnOnce(&mut PgConnection, &mut Subject) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    run(pool, caller, action, named, Entries::One, work).await
}

/// Like [`logged`] for a listing: `work` puts the patients its page shows in
/// [`Subject::shown`], and one entry is written for each of them (and for the patient `named`,
/// if any) in the page's transaction. A page that shows no patient and named none is not
/// logged.
pub async fn logged_page<F, T>(
    pool: &DbPool,
    caller: &Caller,
    action: &'static str,
    named: Subject,
    work: F,
) -> AppResult<T>
where
    F: FnOnce(&mut PgConnection, &mut Subject) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    run(pool, caller, action, named, Entries::PerPatient, work).await
}

async fn run<F, T>(
    pool: &DbPool,
    caller: &Caller,
    action: &'static str,
    named: Subject,
    entries: Entries,
    work: F,
) -> AppResult<T>
where
    F: FnOnce(&mut PgConnection, &mut Subject) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let actor = Actor {
        hsa_id: caller.hsa_id.clone(),
        name: caller.name.clone(),
        unit_hsa_id: caller.unit_hsa_id.clone(),
        commission_hsa_id: caller.commission_hsa_id.clone(),
        request_id: request_id::current().unwrap_or_default(),
        only_role: match caller.roles.as_slice() {
            [role] => Some(*role),
            _ => None,
        },
    };
    let denied_actor = actor.clone();
    let (named_patient, named_message) = (named.patient_id, named.message_id);
    let result = db::transaction(pool, move |conn| {
        let mut subject = named;
        let out = work(conn, &mut subject)?;
        let outcome = if subject.refused { "denied" } else { "ok" };
        write(conn, &actor, &subject, action, outcome, entries)?;
        Ok(out)
    })
    .await;
    match result {
        Err(e) if is_refusal(&e) && (named_patient.is_some() || named_message.is_some()) => {
            db::run(pool, move |conn| {
                let mut subject = Subject {
                    patient_id: named_patient,
                    message_id: named_message,
                    ..Subject::default()
                };
                if let Some(hsa) = &denied_actor.unit_hsa_id {
                    subject.unit_id = unit::find_by_hsa_id(conn, hsa).ok().flatten().map(|u| u.id);
                }
                // The patient's extract should show attempts on their messages too.
                if let (None, Some(mid)) = (subject.patient_id, subject.message_id) {
                    subject.patient_id = message::find(conn, mid)
                        .ok()
                        .flatten()
                        .map(|m| m.patient_id);
                }
                write(
                    conn,
                    &denied_actor,
                    &subject,
                    action,
                    "denied",
                    Entries::One,
                )
            })
            .await?;
            Err(e)
        }
        other => other,
    }
}

/// [`logged`] for a use case that changes something: under the request's idempotency key
/// (claimed and completed in the same transaction), answering with an [`ApiResponse`].
pub async fn logged_change<F>(
    pool: &DbPool,
    caller: &Caller,
    action: &'static str,
    named: Subject,
    key: Option<PreparedKey>,
    work: F,
) -> AppResult<ApiResponse>
where
    F: FnOnce(&mut PgConnection, &mut Subject) -> AppResult<ApiResponse> + Send + 'static,
{
    logged(pool, caller, action, named, move |conn, subject| {
        if let Some(k) = &key {
            if let Claim::Replay(reply) = idempotency::claim(conn, k)? {
                return Ok(reply);
            }
        }
        let reply = work(conn, subject)?;
        if let Some(k) = &key {
            idempotency::complete(conn, k, &reply)?;
        }
        Ok(reply)
    })
    .await
}
