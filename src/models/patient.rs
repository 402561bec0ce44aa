//! The `patients` table. The personal identity number is stored normalised (12 digits) and is
//! looked up only from request bodies, never from URLs.

use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::personnummer::IdKind;
use crate::schema::patients;

/// A stored patient.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = patients)]
pub struct PatientRow {
    pub id: Uuid,
    pub personal_identity_number: String,
    pub id_kind: IdKind,
    pub name: Option<String>,
    pub created_at: OffsetDateTime,
}

/// A patient to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = patients)]
pub struct NewPatient {
    pub id: Uuid,
    pub personal_identity_number: String,
    pub id_kind: &'static str,
    pub name: Option<String>,
}

/// Inserts the patient unless the number is already registered; returns the stored row and
/// whether it was created now. Safe under concurrent registration of the same number.
pub fn insert_or_get(conn: &mut PgConnection, new: &NewPatient) -> QueryResult<(PatientRow, bool)> {
    let inserted = diesel::insert_into(patients::table)
        .values(new)
        .on_conflict(patients::personal_identity_number)
        .do_nothing()
        .returning(PatientRow::as_returning())
        .get_result(conn)
        .optional()?;
    match inserted {
        Some(row) => Ok((row, true)),
        None => Ok((
            find_by_number(conn, &new.personal_identity_number)?
                .ok_or(diesel::result::Error::NotFound)?,
            false,
        )),
    }
}

/// Finds a patient by normalised number.
pub fn find_by_number(conn: &mut PgConnection, number: &str) -> QueryResult<Option<PatientRow>> {
    patients::table
        .filter(patients::personal_identity_number.eq(number))
        .select(PatientRow::as_select())
        .first(conn)
        .optional()
}

/// Finds a patient by id.
pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<PatientRow>> {
    patients::table
        .find(id)
        .select(PatientRow::as_select())
        .first(conn)
        .optional()
}
