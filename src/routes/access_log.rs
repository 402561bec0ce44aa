//! Reviewing the access log (role `granskare`): the whole log with filters, and one patient's
//! extract — which unit accessed their data, and when (Patientdatalagen 8 kap. 5 §).

use std::collections::HashMap;

use actix_web::{get, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::access_log::{action, logged, logged_page, Subject};
use crate::auth::Caller;
use crate::domain::reply_window::to_stockholm;
use crate::error::{AppError, AppResult, Missing};
use crate::i18n::Msg;
use crate::models::access_log::{self, AccessLogFilter, AccessLogRow};
use crate::models::patient;
use crate::routes::pagination::bad_cursor;
use crate::routes::{access, pagination};
use crate::schema::units;
use crate::state::AppState;
use crate::text;

/// One access-log entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogEntry {
    /// Entry id (increasing).
    pub id: i64,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who (person HSA-id).
    pub actor_hsa_id: String,
    /// Who (name).
    pub actor_name: Option<String>,
    /// The role the actor acted in: `personal`, `granskare`, `integration` (an integration
    /// platform: a machine), `admin`; null for entries written before roles were logged.
    #[schema(example = "personal")]
    pub actor_role: Option<String>,
    /// The medarbetaruppdrag (commission HSA-id) the person acted under, as the identity
    /// provider's token named it; null for development tokens and machines.
    pub commission_hsa_id: Option<String>,
    /// The acting unit (null when the token's unit was not in the directory).
    pub unit_id: Option<Uuid>,
    /// The acting unit's HSA-id as the token named it.
    pub unit_hsa_id: Option<String>,
    /// The acting unit's name.
    pub unit_name: Option<String>,
    /// What was done (stable code, e.g. `message.read`).
    pub action: String,
    /// `ok` or `denied`.
    pub outcome: String,
    /// The patient.
    pub patient_id: Option<Uuid>,
    /// The message.
    pub message_id: Option<Uuid>,
    /// The request id.
    pub request_id: String,
}

/// One page of entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogPage {
    /// Newest first.
    pub items: Vec<AccessLogEntry>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Access-log filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessLogQuery {
    /// Only entries about this patient.
    pub patient_id: Option<Uuid>,
    /// Only entries by this person (HSA-id).
    pub actor: Option<String>,
    /// Only entries of this acting unit.
    pub unit_id: Option<Uuid>,
    /// Only this action, e.g. `message.read`.
    #[param(schema_with = action_schema)]
    pub action: Option<String>,
    /// `ok` or `denied`.
    #[param(schema_with = outcome_schema)]
    pub outcome: Option<String>,
    /// From this time (inclusive, RFC 3339).
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// Before this time (exclusive, RFC 3339).
    #[param(format = DateTime)]
    pub to: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// Page of a patient's extract.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExtractQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// The `action` filter: one of the access-log action codes.
fn action_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(action::ALL.iter().copied()))
        .description(Some("Only this action, e.g. `message.read`."))
        .build()
}

/// The `outcome` filter.
fn outcome_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(["ok", "denied"]))
        .description(Some("`ok` or `denied`."))
        .build()
}

fn parse_time(value: &Option<String>, name: &str) -> AppResult<Option<OffsetDateTime>> {
    value
        .as_deref()
        .map(|v| {
            OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339).map_err(|_| {
                AppError::invalid_query(text!(
                    "`{name}` ska vara en tidpunkt enligt RFC 3339, med tidszon.",
                    "`{name}` must be an RFC 3339 time with offset."
                ))
            })
        })
        .transpose()
}

fn decode_before(cursor: Option<&str>) -> AppResult<Option<(OffsetDateTime, i64)>> {
    let Some(c) = cursor else { return Ok(None) };
    let (nanos, id): (i128, i64) = pagination::decode(c)?;
    let at =
        OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| AppError::BadRequest {
            code: "INVALID_CURSOR",
            detail: bad_cursor(),
        })?;
    Ok(Some((at, id)))
}

fn page(conn: &mut PgConnection, filter: &AccessLogFilter, limit: i64) -> AppResult<AccessLogPage> {
    let mut rows: Vec<AccessLogRow> = access_log::list(conn, filter)?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last()
            .map(|r| pagination::encode(&(r.at.unix_timestamp_nanos(), r.id)))
    } else {
        None
    };
    let mut ids: Vec<Uuid> = rows.iter().filter_map(|r| r.unit_id).collect();
    ids.sort();
    ids.dedup();
    let names: HashMap<Uuid, String> = units::table
        .filter(units::id.eq_any(&ids))
        .select((units::id, units::name))
        .load::<(Uuid, String)>(conn)?
        .into_iter()
        .collect();
    Ok(AccessLogPage {
        items: rows
            .into_iter()
            .map(|r| AccessLogEntry {
                unit_name: r.unit_id.and_then(|u| names.get(&u).cloned()),
                id: r.id,
                at: to_stockholm(r.at),
                actor_hsa_id: r.actor_hsa_id,
                actor_name: r.actor_name,
                actor_role: r.actor_role,
                commission_hsa_id: r.commission_hsa_id,
                unit_id: r.unit_id,
                unit_hsa_id: r.unit_hsa_id,
                action: r.action,
                outcome: r.outcome,
                patient_id: r.patient_id,
                message_id: r.message_id,
                request_id: r.request_id,
            })
            .collect(),
        next_cursor,
    })
}

/// Review the access log.
///
/// Role `granskare`: every access to patient data, newest first, filtered by patient, actor,
/// unit, action, outcome and time range; keyset paginated. Entries are never changed or
/// deleted (only `samverkan audit purge` removes entries older than five years). Reading the
/// log is itself logged: one `audit.read` entry for each patient the page shows, and for the
/// patient `patient_id` names (even when the page is empty).
#[utoipa::path(tag = "audit", params(AccessLogQuery), responses((status = 200, description = "One page of entries.", body = AccessLogPage)))]
#[get("/audit")]
pub async fn list_access_log(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AccessLogQuery>,
) -> AppResult<web::Json<AccessLogPage>> {
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    if let Some(o) = &q.outcome {
        if o != "ok" && o != "denied" {
            return Err(AppError::invalid_query(Msg::new(
                "`outcome` är `ok` eller `denied`.",
                "`outcome` is `ok` or `denied`.",
            )));
        }
    }
    // PostgreSQL cannot compare text with NUL in it (it would be a 500).
    if q.actor.as_ref().is_some_and(|a| a.contains('\0')) {
        return Err(AppError::invalid_query(Msg::new(
            "`actor` får inte innehålla NUL-tecknet.",
            "`actor` must not contain the NUL character.",
        )));
    }
    if let Some(a) = &q.action {
        if !action::ALL.contains(&a.as_str()) {
            return Err(AppError::invalid_query(Msg::new(
                "`action` är inte en av åtkomstloggens händelsekoder.",
                "`action` is not one of the access-log action codes.",
            )));
        }
    }
    let filter = AccessLogFilter {
        patient_id: q.patient_id,
        actor_hsa_id: q.actor.filter(|a| !a.is_empty()),
        unit_id: q.unit_id,
        action: q.action,
        outcome: q.outcome,
        from: parse_time(&q.from, "from")?,
        to: parse_time(&q.to, "to")?,
        before: decode_before(q.cursor.as_deref())?,
        limit: limit + 1,
    };
    // The log says which units took part in a patient's care: reading it is an access to
    // each patient it shows, and to the patient the filter names.
    let named = filter.patient_id.map(Subject::patient).unwrap_or_default();
    let c = caller.clone();
    let result = logged_page(
        &state.pool,
        &caller,
        action::AUDIT_READ,
        named,
        move |conn, subject| {
            access::reviewer_unit(conn, &c, subject)?;
            let page = page(conn, &filter, limit)?;
            subject.shown = page.items.iter().filter_map(|e| e.patient_id).collect();
            Ok(page)
        },
    )
    .await?;
    Ok(web::Json(result))
}

/// A patient's access-log extract.
///
/// Role `granskare`: which unit accessed the patient's data and when, newest first — the
/// extract a patient may ask for. Reading the extract is itself logged.
#[utoipa::path(tag = "audit", params(("id" = Uuid, Path, description = "Patient id"), ExtractQuery), responses(
    (status = 200, description = "One page of the extract.", body = AccessLogPage),
    (status = 404, description = "No patient with that id."),
))]
#[get("/patients/{id}/access-log")]
pub async fn patient_access_log(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<ExtractQuery>,
) -> AppResult<web::Json<AccessLogPage>> {
    let patient_id = id.into_inner();
    let q = query.into_inner();
    let limit = pagination::limit(q.limit)?;
    let filter = AccessLogFilter {
        patient_id: Some(patient_id),
        before: decode_before(q.cursor.as_deref())?,
        limit: limit + 1,
        ..AccessLogFilter::default()
    };
    let c = caller.clone();
    let result = logged(
        &state.pool,
        &caller,
        action::PATIENT_ACCESS_LOG,
        Subject::patient(patient_id),
        move |conn, subject| {
            access::reviewer_unit(conn, &c, subject)?;
            patient::find(conn, patient_id)?
                .ok_or_else(|| AppError::not_found(Missing::Patient))?;
            page(conn, &filter, limit)
        },
    )
    .await?;
    Ok(web::Json(result))
}

/// Registers the routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_access_log).service(patient_access_log);
}
