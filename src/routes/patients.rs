//! Patients: registration and lookup by personal identity number (always in a body, never in a
//! URL), and reading a patient with the enrollment in force today.

use actix_web::{get, post, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::audit::{action, audited, audited_reply, Subject};
use crate::auth::Caller;
use crate::domain::personnummer::{IdKind, Personnummer};
use crate::domain::reply_window::to_stockholm;
use crate::error::{AppError, AppResult, Violation};
use crate::extract::ApiJson;
use crate::idempotency::Idempotency;
use crate::models::enrollment;
use crate::models::patient::{self, NewPatient, PatientRow};
use crate::models::patient_relation;
use crate::reply::ApiReply;
use crate::routes::access;
use crate::routes::enrollments::Enrollment;
use crate::state::AppState;

/// A patient.
#[derive(Debug, Serialize, ToSchema)]
pub struct Patient {
    /// Id; use it in URLs instead of the personal identity number.
    pub id: Uuid,
    /// Normalised 12-digit number, `YYYYMMDDNNNC`.
    #[schema(example = "191212121212")]
    pub personal_identity_number: String,
    /// `personnummer` or `samordningsnummer`.
    #[schema(example = "personnummer")]
    pub id_kind: String,
    /// Name, when given.
    pub name: Option<String>,
    /// Registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The enrollment in municipal home health care in force today, if any.
    pub current_enrollment: Option<Enrollment>,
}

impl Patient {
    fn new(row: PatientRow, current: Option<Enrollment>) -> Self {
        Self {
            id: row.id,
            personal_identity_number: row.personal_identity_number,
            id_kind: row.id_kind,
            name: row.name,
            created_at: to_stockholm(row.created_at),
            current_enrollment: current,
        }
    }
}

/// A patient to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterPatient {
    /// Personnummer or samordningsnummer: 10 or 12 digits, with or without `-`/`+`.
    #[schema(
        example = "19121212-1212",
        min_length = 10,
        max_length = 13,
        pattern = "^([0-9]{4}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])-?[0-9]{4}|[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])[-+]?[0-9]{4})$"
    )]
    pub personal_identity_number: String,
    /// Name, 1–200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
}

/// A lookup by number.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupPatient {
    /// Personnummer or samordningsnummer: 10 or 12 digits, with or without `-`/`+`.
    #[schema(
        example = "19121212-1212",
        min_length = 10,
        max_length = 13,
        pattern = "^([0-9]{4}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])-?[0-9]{4}|[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])[-+]?[0-9]{4})$"
    )]
    pub personal_identity_number: String,
}

/// Today's date in Sweden.
pub fn today() -> time::Date {
    to_stockholm(OffsetDateTime::now_utc()).date()
}

/// Parses the number or answers 422 naming the field and the exact problem.
fn parse_number(input: &str) -> AppResult<Personnummer> {
    Personnummer::parse(input, today()).map_err(|e| {
        AppError::validation(vec![Violation::new(
            e.code(),
            "personal_identity_number",
            e.message(),
        )])
    })
}

fn kind_code(kind: IdKind) -> &'static str {
    match kind {
        IdKind::Personnummer => "personnummer",
        IdKind::Samordningsnummer => "samordningsnummer",
    }
}

/// Loads the patient's enrollment in force today.
pub fn current_enrollment(
    conn: &mut diesel::PgConnection,
    patient_id: Uuid,
) -> AppResult<Option<Enrollment>> {
    match enrollment::current_for_patient(conn, patient_id, today())? {
        Some(row) => Ok(Some(crate::routes::enrollments::load_view(conn, row)?)),
        None => Ok(None),
    }
}

/// Register a patient.
///
/// Registers the patient by personnummer or samordningsnummer, or returns the one already
/// registered with that number (201 when created, 200 when it existed). The number is
/// normalised to 12 digits; its date and check digit are validated (`PNR_FORMAT`, `PNR_DATE`,
/// `PNR_CHECKSUM`). Role `personal`.
#[utoipa::path(tag = "patients", request_body = RegisterPatient, responses(
    (status = 201, description = "Registered now.", body = Patient, headers(("Location" = String, description = "URL of the patient"))),
    (status = 200, description = "Already registered; the stored patient.", body = Patient),
))]
#[post("/patients")]
pub async fn register_patient(
    state: web::Data<AppState>,
    caller: Caller,
    idem: Idempotency,
    body: ApiJson<RegisterPatient>,
) -> AppResult<ApiReply> {
    let key = idem.prepared(&caller.hsa_id);
    let body = body.0;
    let number = parse_number(&body.personal_identity_number)?;
    let name = match body.name.as_deref().map(str::trim) {
        Some("") => {
            return Err(AppError::invalid(
                "LENGTH",
                "name",
                "The name must be 1–200 characters.",
            ))
        }
        Some(n) if n.chars().count() > 200 => {
            return Err(AppError::invalid(
                "LENGTH",
                "name",
                "The name must be 1–200 characters.",
            ))
        }
        other => other.map(String::from),
    };
    let new = NewPatient {
        id: Uuid::now_v7(),
        personal_identity_number: number.as_str().to_string(),
        id_kind: kind_code(number.kind()).into(),
        name,
    };
    let c = caller.clone();
    audited_reply(
        &state.pool,
        &caller,
        action::PATIENT_REGISTER,
        Subject::default(),
        key,
        move |conn, subject| {
            let unit = access::staff_unit(conn, &c, subject)?;
            let (row, created) = patient::insert_or_get(conn, &new)?;
            patient_relation::note(conn, unit.id, row.id)?;
            subject.patient_id = Some(row.id);
            let current = current_enrollment(conn, row.id)?;
            let patient = Patient::new(row, current);
            if created {
                ApiReply::created(format!("/api/v1/patients/{}", patient.id), &patient)
            } else {
                ApiReply::ok(&patient)
            }
        },
    )
    .await
}

/// Find a patient by number.
///
/// Looks the patient up by personnummer or samordningsnummer, given in the body so that the
/// number never appears in a URL or an access log. 404 when no patient has that number.
#[utoipa::path(tag = "patients", request_body = LookupPatient, responses(
    (status = 200, description = "The patient.", body = Patient),
    (status = 404, description = "No patient with that number."),
))]
#[post("/patients/lookup")]
pub async fn lookup_patient(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<LookupPatient>,
) -> AppResult<web::Json<Patient>> {
    let number = parse_number(&body.0.personal_identity_number)?;
    let c = caller.clone();
    let patient = audited(
        &state.pool,
        &caller,
        action::PATIENT_LOOKUP,
        Subject::default(),
        move |conn, subject| {
            let unit = access::staff_unit(conn, &c, subject)?;
            let row = patient::find_by_number(conn, number.as_str())?
                .ok_or_else(|| AppError::not_found("patient"))?;
            subject.patient_id = Some(row.id);
            patient_relation::note(conn, unit.id, row.id)?;
            let current = current_enrollment(conn, row.id)?;
            Ok(Patient::new(row, current))
        },
    )
    .await?;
    Ok(web::Json(patient))
}

/// Get a patient.
///
/// The patient with the enrollment in municipal home health care in force today (or null).
#[utoipa::path(tag = "patients", params(("id" = Uuid, Path, description = "Patient id")), responses(
    (status = 200, description = "The patient.", body = Patient),
    (status = 404, description = "No patient with that id."),
))]
#[get("/patients/{id}")]
pub async fn get_patient(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> AppResult<web::Json<Patient>> {
    let id = id.into_inner();
    let c = caller.clone();
    let patient = audited(
        &state.pool,
        &caller,
        action::PATIENT_READ,
        Subject::patient(id),
        move |conn, subject| {
            let unit = access::staff_unit(conn, &c, subject)?;
            let row = access::patient_in_care(conn, &unit, id)?;
            let current = current_enrollment(conn, row.id)?;
            Ok(Patient::new(row, current))
        },
    )
    .await?;
    Ok(web::Json(patient))
}

/// Registers the patient routes (`lookup` before `{id}` so it is not taken for an id).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(lookup_patient)
        .service(register_patient)
        .service(get_patient);
}
