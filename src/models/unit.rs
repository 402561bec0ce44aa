//! The `units` table: care units of the directory, and the acting-unit lookup every
//! authenticated call makes.

use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::unit_kind::{Specialty, UnitKind};
use crate::schema::units;

/// A stored unit.
#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = units)]
pub struct UnitRow {
    pub id: Uuid,
    pub hsa_id: String,
    pub name: String,
    pub kind: UnitKind,
    pub municipality_code: Option<String>,
    pub specialty: Option<Specialty>,
    pub participating: bool,
    pub active: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A unit to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = units)]
pub struct NewUnit {
    pub id: Uuid,
    pub hsa_id: String,
    pub name: String,
    pub kind: &'static str,
    pub municipality_code: Option<String>,
    pub specialty: Option<&'static str>,
    pub participating: bool,
    pub active: bool,
}

/// Changed columns of a unit (`None` = unchanged).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = units)]
pub struct UnitChanges {
    pub name: Option<String>,
    pub participating: Option<bool>,
    pub active: Option<bool>,
    pub updated_at: Option<OffsetDateTime>,
}

/// Filters of the directory listing.
#[derive(Debug, Default, Clone)]
pub struct UnitFilter {
    pub kind: Option<UnitKind>,
    pub active: Option<bool>,
    pub participating: Option<bool>,
    pub name_contains: Option<String>,
    /// Only units a unit of this kind may exchange messages with, by the routing rule's kinds
    /// (`domain::routing`): a `kommun` unit's counterparts are regional units (specialists
    /// only when participating), a regional unit's are `kommun` units. A pre-filter: the caller
    /// confirms each row with `routing::can_exchange`.
    pub counterparts_of: Option<UnitKind>,
    /// Keyset: strictly after this (name, id).
    pub after: Option<(String, Uuid)>,
    pub limit: i64,
}

/// Finds a unit by HSA-id, case-insensitively.
pub fn find_by_hsa_id(conn: &mut PgConnection, hsa_id: &str) -> QueryResult<Option<UnitRow>> {
    units::table
        .filter(units::hsa_id_norm.eq(hsa_id.to_uppercase()))
        .select(UnitRow::as_select())
        .first(conn)
        .optional()
}

/// The HSA-ids of the units with these ids (each looked up once; unknown ids are left out).
pub fn hsa_ids_by_id(
    conn: &mut PgConnection,
    ids: impl IntoIterator<Item = Uuid>,
) -> QueryResult<std::collections::HashMap<Uuid, String>> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    Ok(units::table
        .filter(units::id.eq_any(&ids))
        .select((units::id, units::hsa_id))
        .load::<(Uuid, String)>(conn)?
        .into_iter()
        .collect())
}

/// The ids of the units with these HSA-ids (compared case-insensitively); unknown ones are left
/// out.
pub fn ids_of_hsa_ids(conn: &mut PgConnection, hsa_ids: &[String]) -> QueryResult<Vec<Uuid>> {
    let wanted: Vec<String> = hsa_ids.iter().map(|h| h.to_uppercase()).collect();
    units::table
        .filter(units::hsa_id_norm.eq_any(&wanted))
        .select(units::id)
        .load(conn)
}

/// Finds a unit by id.
pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<UnitRow>> {
    units::table
        .find(id)
        .select(UnitRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts a unit.
pub fn insert(conn: &mut PgConnection, unit: &NewUnit) -> QueryResult<UnitRow> {
    diesel::insert_into(units::table)
        .values(unit)
        .returning(UnitRow::as_returning())
        .get_result(conn)
}

/// Applies changes to a unit.
pub fn update(conn: &mut PgConnection, id: Uuid, changes: &UnitChanges) -> QueryResult<UnitRow> {
    diesel::update(units::table.find(id))
        .set(changes)
        .returning(UnitRow::as_returning())
        .get_result(conn)
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Lists units ordered by (name, id), one page.
pub fn list(conn: &mut PgConnection, f: &UnitFilter) -> QueryResult<Vec<UnitRow>> {
    let mut q = units::table.select(UnitRow::as_select()).into_boxed();
    if let Some(kind) = &f.kind {
        q = q.filter(units::kind.eq(kind.as_str()));
    }
    if let Some(active) = f.active {
        q = q.filter(units::active.eq(active));
    }
    if let Some(p) = f.participating {
        q = q.filter(units::participating.eq(p));
    }
    if let Some(text) = &f.name_contains {
        q = q.filter(units::name.ilike(format!("%{}%", like_escape(text))));
    }
    match f.counterparts_of {
        None => {}
        Some(UnitKind::Kommun) => {
            q = q.filter(
                units::kind.ne(UnitKind::Kommun.as_str()).and(
                    units::kind
                        .ne(UnitKind::Specialist.as_str())
                        .or(units::participating.eq(true)),
                ),
            )
        }
        Some(_) => q = q.filter(units::kind.eq(UnitKind::Kommun.as_str())),
    }
    if let Some((name, id)) = &f.after {
        q = q.filter(
            units::name
                .ge(name.clone())
                .and(units::name.gt(name.clone()).or(units::id.gt(*id))),
        );
    }
    q.order((units::name.asc(), units::id.asc()))
        .limit(f.limit)
        .load(conn)
}
