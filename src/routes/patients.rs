//! Patients: registration and lookup by personal identity number (always in a body, never in a
//! URL), and reading a patient with the enrollment in force today.

use actix_web::{get, post, web};
use serde::Deserialize;
use time::Date;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::access_log::{action, logged, logged_change, Subject};
use crate::auth::Caller;
use crate::domain::personnummer::Personnummer;
use crate::error::{AppError, AppResult, Missing, Violation};
use crate::extract::ApiJson;
use crate::idempotency::Idempotency;
use crate::models::patient::{self, NewPatient};
use crate::models::patient_relation;
use crate::response::ApiResponse;
use crate::routes::access;
use crate::routes::patient_views::{current_enrollment, Patient};
use crate::state::AppState;

/// The shape of a personnummer or samordningsnummer as a request gives it: 10 or 12 digits,
/// with or without `-`/`+`, month 01–12, day 01–31 or 61–91 (samordningsnummer). The date and
/// the check digit are then checked by `Personnummer::parse`.
fn number_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .description(Some(
            "Personnummer or samordningsnummer: 10 or 12 digits, with or without `-`/`+`.",
        ))
        .examples([serde_json::json!("19121212-1212")])
        .min_length(Some(10))
        .max_length(Some(13))
        .pattern(Some(
            "^([0-9]{4}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])-?[0-9]{4}|[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])[-+]?[0-9]{4})$",
        ))
        .build()
}

/// A patient to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterPatient {
    /// Personnummer or samordningsnummer: 10 or 12 digits, with or without `-`/`+`.
    #[schema(schema_with = number_schema)]
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
    #[schema(schema_with = number_schema)]
    pub personal_identity_number: String,
}

/// Parses the number or answers 422 naming the field and the exact problem.
fn parse_number(input: &str, today: Date) -> AppResult<Personnummer> {
    Personnummer::parse(input, today).map_err(|e| {
        AppError::validation(vec![Violation::new(
            e.code(),
            "personal_identity_number",
            e.message(),
        )])
    })
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
) -> AppResult<ApiResponse> {
    let key = idem.prepared(&caller.hsa_id);
    let body = body.0;
    let today = state.clock.today();
    let number = parse_number(&body.personal_identity_number, today)?;
    let name = match body.name.as_deref().map(str::trim) {
        Some("") => {
            return Err(AppError::invalid(
                "LENGTH",
                "name",
                crate::routes::units::bodies::name_length(),
            ))
        }
        Some(n) if n.chars().count() > 200 => {
            return Err(AppError::invalid(
                "LENGTH",
                "name",
                crate::routes::units::bodies::name_length(),
            ))
        }
        other => other.map(String::from),
    };
    let new = NewPatient {
        id: Uuid::now_v7(),
        personal_identity_number: number.as_str().to_string(),
        id_kind: number.kind().as_str(),
        name,
    };
    let c = caller.clone();
    logged_change(
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
            let current = current_enrollment(conn, row.id, today)?;
            let patient = Patient::new(row, current);
            if created {
                ApiResponse::created(format!("/api/v1/patients/{}", patient.id), &patient)
            } else {
                ApiResponse::ok(&patient)
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
    let today = state.clock.today();
    let number = parse_number(&body.0.personal_identity_number, today)?;
    let c = caller.clone();
    let patient = logged(
        &state.pool,
        &caller,
        action::PATIENT_LOOKUP,
        Subject::default(),
        move |conn, subject| {
            let unit = access::staff_unit(conn, &c, subject)?;
            let row = patient::find_by_number(conn, number.as_str())?
                .ok_or_else(|| AppError::not_found(Missing::Patient))?;
            subject.patient_id = Some(row.id);
            patient_relation::note(conn, unit.id, row.id)?;
            let current = current_enrollment(conn, row.id, today)?;
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
    let today = state.clock.today();
    let patient = logged(
        &state.pool,
        &caller,
        action::PATIENT_READ,
        Subject::patient(id),
        move |conn, subject| {
            let unit = access::staff_unit(conn, &c, subject)?;
            let row = access::patient_in_care(conn, &unit, id)?;
            let current = current_enrollment(conn, row.id, today)?;
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
