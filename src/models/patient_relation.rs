//! Which units take part in a patient's care (inre sekretess): a stored relation from a
//! registration or lookup by number, an enrollment in the unit's municipality, or a message
//! about the patient to or from the unit.

use diesel::dsl::exists;
use diesel::prelude::*;
use uuid::Uuid;

use crate::models::unit::UnitRow;
use crate::schema::{enrollments, messages, patient_relations};

/// Records that `unit` took up the patient (registration or lookup by number).
pub fn note(conn: &mut PgConnection, unit_id: Uuid, patient_id: Uuid) -> QueryResult<()> {
    diesel::insert_into(patient_relations::table)
        .values((
            patient_relations::unit_id.eq(unit_id),
            patient_relations::patient_id.eq(patient_id),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .map(|_| ())
}

/// Whether `unit` takes part in the patient's care.
///
/// One statement: PostgreSQL evaluates the `OR` of the `EXISTS` from left to right and stops
/// at the first that holds, so a stored relation costs one index probe.
pub fn exists_for(conn: &mut PgConnection, unit: &UnitRow, patient_id: Uuid) -> QueryResult<bool> {
    let stored = exists(
        patient_relations::table
            .filter(patient_relations::unit_id.eq(unit.id))
            .filter(patient_relations::patient_id.eq(patient_id)),
    );
    let messaged = exists(
        messages::table
            .filter(messages::patient_id.eq(patient_id))
            .filter(
                messages::sender_unit_id
                    .eq(unit.id)
                    .or(messages::recipient_unit_id.eq(unit.id)),
            ),
    );
    match &unit.municipality_code {
        Some(code) => {
            let enrolled = exists(
                enrollments::table
                    .filter(enrollments::patient_id.eq(patient_id))
                    .filter(enrollments::municipality_code.eq(code)),
            );
            diesel::select(stored.or(enrolled).or(messaged)).get_result(conn)
        }
        None => diesel::select(stored.or(messaged)).get_result(conn),
    }
}
