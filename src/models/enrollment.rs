//! The `enrollments` table: inskrivning in a municipality's home health care, with the domain
//! query the message rules use — "is this patient enrolled in municipality M on day D?".

use diesel::prelude::*;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::schema::enrollments;

/// A stored enrollment. `end_date` is inclusive; `None` means still open.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = enrollments)]
pub struct EnrollmentRow {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub unit_id: Uuid,
    pub municipality_code: String,
    pub start_date: Date,
    pub end_date: Option<Date>,
    pub started_by: String,
    pub ended_by: Option<String>,
    pub created_at: OffsetDateTime,
    pub ended_at: Option<OffsetDateTime>,
}

/// An enrollment to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = enrollments)]
pub struct NewEnrollment {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub unit_id: Uuid,
    pub municipality_code: String,
    pub start_date: Date,
    pub started_by: String,
}

/// Inserts an enrollment.
pub fn insert(conn: &mut PgConnection, new: &NewEnrollment) -> QueryResult<EnrollmentRow> {
    diesel::insert_into(enrollments::table)
        .values(new)
        .returning(EnrollmentRow::as_returning())
        .get_result(conn)
}

/// The patient's open enrollment (no end date), if any.
pub fn open_for_patient(
    conn: &mut PgConnection,
    patient_id: Uuid,
) -> QueryResult<Option<EnrollmentRow>> {
    enrollments::table
        .filter(enrollments::patient_id.eq(patient_id))
        .filter(enrollments::end_date.is_null())
        .select(EnrollmentRow::as_select())
        .first(conn)
        .optional()
}

/// The enrollment in force for the patient on `day` (started on or before, not ended before).
pub fn current_for_patient(
    conn: &mut PgConnection,
    patient_id: Uuid,
    day: Date,
) -> QueryResult<Option<EnrollmentRow>> {
    enrollments::table
        .filter(enrollments::patient_id.eq(patient_id))
        .filter(enrollments::start_date.le(day))
        .filter(
            enrollments::end_date
                .is_null()
                .or(enrollments::end_date.ge(day)),
        )
        .order(enrollments::start_date.desc())
        .select(EnrollmentRow::as_select())
        .first(conn)
        .optional()
}

/// Whether the patient is enrolled in municipality `code` on `day`.
pub fn is_enrolled(
    conn: &mut PgConnection,
    patient_id: Uuid,
    code: &str,
    day: Date,
) -> QueryResult<bool> {
    Ok(current_for_patient(conn, patient_id, day)?.is_some_and(|e| e.municipality_code == code))
}

/// The patient's enrollment history, newest first.
pub fn history(conn: &mut PgConnection, patient_id: Uuid) -> QueryResult<Vec<EnrollmentRow>> {
    enrollments::table
        .filter(enrollments::patient_id.eq(patient_id))
        .order((enrollments::start_date.desc(), enrollments::id.desc()))
        .select(EnrollmentRow::as_select())
        .load(conn)
}

/// Finds one enrollment of a patient, locked for update.
pub fn find_for_update(
    conn: &mut PgConnection,
    patient_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<EnrollmentRow>> {
    enrollments::table
        .filter(enrollments::id.eq(id))
        .filter(enrollments::patient_id.eq(patient_id))
        .for_update()
        .select(EnrollmentRow::as_select())
        .first(conn)
        .optional()
}

/// Ends an enrollment on `end_date` (inclusive); `at` is when the end is registered.
pub fn end(
    conn: &mut PgConnection,
    id: Uuid,
    end_date: Date,
    by: &str,
    at: OffsetDateTime,
) -> QueryResult<EnrollmentRow> {
    diesel::update(enrollments::table.find(id))
        .set((
            enrollments::end_date.eq(Some(end_date)),
            enrollments::ended_by.eq(Some(by)),
            enrollments::ended_at.eq(Some(at)),
        ))
        .returning(EnrollmentRow::as_returning())
        .get_result(conn)
}
