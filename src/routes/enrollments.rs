//! Enrollment (inskrivning) in municipal home health care: licensed staff of a `kommun` unit
//! enroll a patient in their municipality and end the enrollment; anyone may read the history.
//!
//! A patient has at most one open enrollment and no two enrollments overlap in time (both are
//! also database constraints). Dates are calendar dates in Sweden; `end_date` is inclusive.

use actix_web::{get, post, web};
use diesel::prelude::*;
use serde::Deserialize;
use time::{Date, Duration};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::access_log::{action, logged, logged_change, Subject};
use crate::auth::Caller;
use crate::domain::unit_kind::UnitKind;
use crate::domain::{iso_date, municipality};
use crate::error::{on_constraint, AppError, AppResult, Missing};
use crate::extract::ApiJson;
use crate::i18n::Msg;
use crate::idempotency::Idempotency;
use crate::models::enrollment::{self, EnrollmentRow, NewEnrollment};
use crate::models::event::{self, kind};
use crate::models::unit::UnitRow;
use crate::response::ApiResponse;
use crate::routes::access;
use crate::routes::patient_views::{enrollment as enrollment_view, load_enrollment, Enrollment};
use crate::schema::patients;
use crate::state::AppState;
use crate::text;

/// How far ahead a start or end may be planned.
pub const MAX_DAYS_AHEAD: i64 = 30;

/// Start of an enrollment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartEnrollment {
    /// First day enrolled, `YYYY-MM-DD` (from 1900, at most 30 days ahead).
    #[schema(
        value_type = String,
        format = Date,
        pattern = "^(19|[2-9][0-9])[0-9]{2}-",
        example = "2026-11-02"
    )]
    pub start_date: String,
}

/// End of an enrollment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndEnrollment {
    /// Last day enrolled (inclusive), `YYYY-MM-DD`; not before the start, at most 30 days ahead.
    #[schema(
        value_type = String,
        format = Date,
        pattern = "^(19|[2-9][0-9])[0-9]{2}-",
        example = "2026-12-01"
    )]
    pub end_date: String,
}

fn parse_date(value: &str, field: &str, today: Date) -> AppResult<Date> {
    let date = iso_date::parse(value)
        .ok_or_else(|| AppError::invalid("DATE_FORMAT", field, iso_date::format_problem()))?;
    if date.year() < 1900 {
        return Err(AppError::invalid(
            "DATE_RANGE",
            field,
            Msg::new(
                "Datumet ligger för långt bak i tiden.",
                "The date is too far in the past.",
            ),
        ));
    }
    if date > today + Duration::days(MAX_DAYS_AHEAD) {
        return Err(AppError::invalid(
            "DATE_TOO_FAR_AHEAD",
            field,
            text!(
                "Datumet får ligga högst {MAX_DAYS_AHEAD} dagar fram i tiden.",
                "The date may be at most {MAX_DAYS_AHEAD} days ahead."
            ),
        ));
    }
    Ok(date)
}

/// The caller's kommun unit, or 403: only licensed staff of a kommun unit enroll and end.
fn kommun_unit(
    conn: &mut PgConnection,
    caller: &Caller,
    subject: &mut Subject,
) -> AppResult<UnitRow> {
    let unit = access::staff_unit(conn, caller, subject)?;
    if unit.kind != UnitKind::Kommun {
        return Err(AppError::Forbidden {
            code: "KOMMUN_UNIT_REQUIRED",
            detail: Msg::new(
                "Bara personal vid en enhet i kommunal hälso- och sjukvård skriver in patienter \
                 eller avslutar inskrivningar.",
                "Only staff of a municipal home health care unit enroll patients or end \
                 enrollments.",
            ),
        });
    }
    access::require_licensed(caller)?;
    Ok(unit)
}

/// Locks the patient row so enrollment changes of one patient are serialised.
/// Only for a patient in the unit's care; otherwise the same 404 as a nonexistent id.
fn lock_patient(conn: &mut PgConnection, unit: &UnitRow, patient_id: Uuid) -> AppResult<()> {
    patients::table
        .find(patient_id)
        .select(patients::id)
        .for_update()
        .first::<Uuid>(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found(Missing::Patient))?;
    access::patient_in_care(conn, unit, patient_id).map(|_| ())
}

/// The units an enrollment change concerns: the acting unit and the enrolling one, once each.
fn units_of(unit: &UnitRow, row: &EnrollmentRow) -> Vec<Uuid> {
    let mut ids = vec![unit.id, row.unit_id];
    ids.dedup();
    ids
}

fn overlap() -> AppError {
    AppError::Conflict {
        code: "ENROLLMENT_OVERLAP",
        detail: Msg::new(
            "Patienten var inskriven under en del av den perioden; en inskrivning måste börja \
             efter att den föregående slutat.",
            "The patient was enrolled during part of that period; an enrollment must start after \
             the previous one ended.",
        ),
    }
}

fn already_enrolled() -> AppError {
    AppError::Conflict {
        code: "ALREADY_ENROLLED",
        detail: Msg::new(
            "Patienten har redan en pågående inskrivning; avsluta den först.",
            "The patient already has an open enrollment; end it first.",
        ),
    }
}

/// Enroll a patient.
///
/// Licensed staff of a `kommun` unit enroll the patient in that unit's municipality from
/// `start_date`. 409 `ALREADY_ENROLLED` (naming the municipality) when an enrollment is open,
/// 409 `ENROLLMENT_OVERLAP` when the period overlaps an ended one; 403 for region staff
/// (`KOMMUN_UNIT_REQUIRED`) and unlicensed staff (`LICENCE_REQUIRED`).
#[utoipa::path(tag = "patients", params(("id" = Uuid, Path, description = "Patient id")), request_body = StartEnrollment, responses(
    (status = 201, description = "Enrolled.", body = Enrollment, headers(("Location" = String, description = "URL of the patient's enrollments"))),
    (status = 404, description = "No patient with that id."),
    (status = 409, description = "`ALREADY_ENROLLED` or `ENROLLMENT_OVERLAP`."),
))]
#[post("/patients/{id}/enrollments")]
pub async fn create_enrollment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    idem: Idempotency,
    body: ApiJson<StartEnrollment>,
) -> AppResult<ApiResponse> {
    let key = idem.prepared(&caller.hsa_id);
    let patient_id = id.into_inner();
    let today = state.clock.today();
    let start_date = parse_date(&body.0.start_date, "start_date", today)?;
    let c = caller.clone();
    logged_change(
        &state.pool,
        &caller,
        action::ENROLLMENT_START,
        Subject::patient(patient_id),
        key,
        move |conn, subject| {
            let caller = c;
            let unit = kommun_unit(conn, &caller, subject)?;
            lock_patient(conn, &unit, patient_id)?;
            if let Some(open) = enrollment::open_for_patient(conn, patient_id)? {
                let name = municipality::name(&open.municipality_code).unwrap_or("okänd kommun");
                return Err(AppError::Conflict {
                    code: "ALREADY_ENROLLED",
                    detail: {
                        let (code, since) = (&open.municipality_code, open.start_date);
                        text!(
                        "Patienten är redan inskriven i {name} ({code}) sedan {since}; den \
                         inskrivningen måste avslutas först.",
                        "The patient is already enrolled in {name} ({code}) since {since}; that \
                         enrollment must be ended first."
                    )
                    },
                });
            }
            let new = NewEnrollment {
                id: Uuid::now_v7(),
                patient_id,
                unit_id: unit.id,
                municipality_code: unit.municipality_code.clone().unwrap_or_default(),
                start_date,
                started_by: caller.hsa_id.clone(),
            };
            let row = enrollment::insert(conn, &new).map_err(on_constraint(&[
                ("enrollments_one_open", already_enrolled),
                ("enrollments_no_overlap", overlap),
            ]))?;
            event::emit(
                conn,
                kind::ENROLLMENT_STARTED,
                row.created_at,
                &[unit.id],
                None,
                Some(patient_id),
            )?;
            ApiResponse::created(
                format!("/api/v1/patients/{patient_id}/enrollments"),
                &enrollment_view(row, &unit, today),
            )
        },
    )
    .await
}

/// End an enrollment.
///
/// Staff of the enrolling municipality end the enrollment on `end_date` (inclusive, not before
/// the start). 403 `OTHER_MUNICIPALITY` for another municipality's staff; 409 `ALREADY_ENDED`.
#[utoipa::path(tag = "patients", params(
    ("id" = Uuid, Path, description = "Patient id"),
    ("eid" = Uuid, Path, description = "Enrollment id"),
), request_body = EndEnrollment, responses(
    (status = 200, description = "Ended.", body = Enrollment),
    (status = 404, description = "No such patient or enrollment."),
    (status = 409, description = "`ALREADY_ENDED`, or `ENROLLMENT_OVERLAP` with a later enrollment."),
))]
#[post("/patients/{id}/enrollments/{eid}/end")]
pub async fn end_enrollment(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
    idem: Idempotency,
    body: ApiJson<EndEnrollment>,
) -> AppResult<ApiResponse> {
    let key = idem.prepared(&caller.hsa_id);
    let (patient_id, enrollment_id) = path.into_inner();
    let now = state.clock.now();
    let today = state.clock.today();
    let end_date = parse_date(&body.0.end_date, "end_date", today)?;
    let c = caller.clone();
    logged_change(
        &state.pool,
        &caller,
        action::ENROLLMENT_END,
        Subject::patient(patient_id),
        key,
        move |conn, subject| {
            let caller = c;
            let unit = kommun_unit(conn, &caller, subject)?;
            lock_patient(conn, &unit, patient_id)?;
            let row = enrollment::find_for_update(conn, patient_id, enrollment_id)?
                .ok_or_else(|| AppError::not_found(Missing::Enrollment))?;
            if unit.municipality_code.as_deref() != Some(row.municipality_code.as_str()) {
                return Err(AppError::Forbidden {
                    code: "OTHER_MUNICIPALITY",
                    detail: Msg::new(
                        "Bara personal i den kommun där patienten är inskriven får avsluta \
                     inskrivningen.",
                        "Only staff of the municipality the patient is enrolled in may end the \
                     enrollment.",
                    ),
                });
            }
            if row.end_date.is_some() {
                return Err(AppError::Conflict {
                    code: "ALREADY_ENDED",
                    detail: Msg::new(
                        "Inskrivningen är redan avslutad.",
                        "The enrollment has already ended.",
                    ),
                });
            }
            if end_date < row.start_date {
                return Err(AppError::invalid("END_BEFORE_START", "end_date", {
                    let start = row.start_date;
                    text!(
                        "Slutdatumet får inte ligga före startdatumet {start}.",
                        "The end date must not be before the start date {start}."
                    )
                }));
            }
            let row = enrollment::end(conn, row.id, end_date, &caller.hsa_id, now)
                .map_err(on_constraint(&[("enrollments_no_overlap", overlap)]))?;
            let at = row.ended_at.unwrap_or(row.created_at);
            event::emit(
                conn,
                kind::ENROLLMENT_ENDED,
                at,
                &units_of(&unit, &row),
                None,
                Some(patient_id),
            )?;
            ApiResponse::ok(&load_enrollment(conn, row, today)?)
        },
    )
    .await
}

/// List a patient's enrollments.
///
/// The patient's enrollment history, newest first.
#[utoipa::path(tag = "patients", params(("id" = Uuid, Path, description = "Patient id")), responses(
    (status = 200, description = "Enrollments, newest first.", body = [Enrollment]),
    (status = 404, description = "No patient with that id."),
))]
#[get("/patients/{id}/enrollments")]
pub async fn list_enrollments(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<Vec<Enrollment>>> {
    let patient_id = id.into_inner();
    let c = caller.clone();
    let today = state.clock.today();
    let list = logged(
        &state.pool,
        &caller,
        action::ENROLLMENT_LIST,
        Subject::patient(patient_id),
        move |conn, subject| {
            let unit = access::staff_unit(conn, &c, subject)?;
            access::patient_in_care(conn, &unit, patient_id)?;
            enrollment::history(conn, patient_id)?
                .into_iter()
                .map(|row| load_enrollment(conn, row, today))
                .collect::<AppResult<Vec<_>>>()
        },
    )
    .await?;
    Ok(web::Json(list))
}

/// Registers the enrollment routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_enrollment)
        .service(end_enrollment)
        .service(list_enrollments);
}
