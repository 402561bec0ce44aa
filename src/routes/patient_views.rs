//! What the API shows of patients and their enrollments — shared by the patient and the
//! enrollment routes, which answer with both.

use diesel::PgConnection;
use serde::Serialize;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::personnummer::IdKind;
use crate::domain::reply_window::to_stockholm;
use crate::domain::{iso_date, municipality};
use crate::error::{AppError, AppResult};
use crate::models::enrollment::{self, EnrollmentRow};
use crate::models::patient::PatientRow;
use crate::models::unit::{self, UnitRow};

/// A patient.
#[derive(Debug, Serialize, ToSchema)]
pub struct Patient {
    /// Id; use it in URLs instead of the personal identity number.
    pub id: Uuid,
    /// Normalised 12-digit number, `YYYYMMDDNNNC`.
    #[schema(example = "191212121212")]
    pub personal_identity_number: String,
    /// `personnummer` or `samordningsnummer`.
    #[schema(value_type = String, example = "personnummer")]
    pub id_kind: IdKind,
    /// Name, when given.
    pub name: Option<String>,
    /// Registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The enrollment in municipal home health care in force today, if any.
    pub current_enrollment: Option<Enrollment>,
}

impl Patient {
    /// The API view of a stored patient with the enrollment in force.
    pub fn new(row: PatientRow, current: Option<Enrollment>) -> Self {
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

/// The unit that registered an enrollment.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrollingUnit {
    /// Unit id.
    pub id: Uuid,
    /// HSA-id.
    pub hsa_id: String,
    /// Name.
    pub name: String,
}

/// An enrollment in a municipality's home health care.
#[derive(Debug, Serialize, ToSchema)]
pub struct Enrollment {
    /// Id.
    pub id: Uuid,
    /// The patient.
    pub patient_id: Uuid,
    /// Municipality code.
    #[schema(example = "1380")]
    pub municipality_code: String,
    /// Municipality name.
    #[schema(example = "Halmstad")]
    pub municipality_name: String,
    /// The kommun unit that enrolled the patient.
    pub unit: EnrollingUnit,
    /// First day enrolled.
    #[schema(value_type = String, format = Date, example = "2026-11-02")]
    #[serde(with = "iso_date::serde_format")]
    pub start_date: Date,
    /// Last day enrolled (inclusive); null while open.
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(with = "iso_date::serde_format::option")]
    pub end_date: Option<Date>,
    /// Whether the enrollment is in force today.
    pub in_force_today: bool,
    /// HSA-id of who enrolled the patient.
    pub started_by: String,
    /// HSA-id of who ended the enrollment.
    pub ended_by: Option<String>,
    /// Registered.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the end was registered.
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
}

/// The API view of a stored enrollment, with its unit, as of `today`.
pub fn enrollment(row: EnrollmentRow, unit: &UnitRow, today: Date) -> Enrollment {
    Enrollment {
        in_force_today: row.start_date <= today && row.end_date.is_none_or(|e| e >= today),
        id: row.id,
        patient_id: row.patient_id,
        municipality_name: municipality::name(&row.municipality_code)
            .unwrap_or("")
            .into(),
        municipality_code: row.municipality_code,
        unit: EnrollingUnit {
            id: unit.id,
            hsa_id: unit.hsa_id.clone(),
            name: unit.name.clone(),
        },
        start_date: row.start_date,
        end_date: row.end_date,
        started_by: row.started_by,
        ended_by: row.ended_by,
        created_at: to_stockholm(row.created_at),
        ended_at: row.ended_at.map(to_stockholm),
    }
}

/// The API view of a stored enrollment as of `today` (loads its unit).
pub fn load_enrollment(
    conn: &mut PgConnection,
    row: EnrollmentRow,
    today: Date,
) -> AppResult<Enrollment> {
    let unit = unit::find(conn, row.unit_id)?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("enrollment without unit")))?;
    Ok(enrollment(row, &unit, today))
}

/// Loads the patient's enrollment in force today.
pub fn current_enrollment(
    conn: &mut PgConnection,
    patient_id: Uuid,
    today: Date,
) -> AppResult<Option<Enrollment>> {
    match enrollment::current_for_patient(conn, patient_id, today)? {
        Some(row) => Ok(Some(load_enrollment(conn, row, today)?)),
        None => Ok(None),
    }
}
