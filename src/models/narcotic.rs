//! The `narcotics` table: the reference the NARKOTIKA rule matches against. Seeded from the
//! file the project ships when empty; replaced whole by `samverkan narcotics import FILE`.

use diesel::prelude::*;

use crate::domain::narcotics::NarcoticEntry;
use crate::schema::narcotics;

/// The file the project ships (built from shared/domain/narcotics.csv; see data/NARCOTICS.md).
pub const SHIPPED_CSV: &str = include_str!("../../data/narcotics.csv");

/// A stored entry.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = narcotics)]
struct NarcoticRow {
    substance: String,
    names: Vec<Option<String>>,
    atc_codes: Vec<Option<String>>,
    npl_ids: Vec<Option<String>>,
    schedule: String,
}

/// A row to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = narcotics)]
struct NewNarcotic<'a> {
    substance: &'a str,
    names: Vec<Option<&'a str>>,
    atc_codes: Vec<Option<&'a str>>,
    npl_ids: Vec<Option<&'a str>>,
    schedule: &'a str,
}

/// PostgreSQL arrays may hold NULLs; ours never do.
fn some(items: &[String]) -> Vec<Option<&str>> {
    items.iter().map(|s| Some(s.as_str())).collect()
}

/// Loads every entry.
pub fn load(conn: &mut PgConnection) -> QueryResult<Vec<NarcoticEntry>> {
    let rows: Vec<NarcoticRow> = narcotics::table
        .order(narcotics::id)
        .select(NarcoticRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| NarcoticEntry {
            substance: r.substance,
            names: r.names.into_iter().flatten().collect(),
            atc_codes: r.atc_codes.into_iter().flatten().collect(),
            npl_ids: r.npl_ids.into_iter().flatten().collect(),
            schedule: r.schedule,
        })
        .collect())
}

/// Replaces the whole table with `entries` in one transaction; returns the count.
pub fn replace_all(conn: &mut PgConnection, entries: &[NarcoticEntry]) -> QueryResult<usize> {
    conn.transaction(|conn| {
        diesel::delete(narcotics::table).execute(conn)?;
        for e in entries {
            diesel::insert_into(narcotics::table)
                .values(NewNarcotic {
                    substance: &e.substance,
                    names: some(&e.names),
                    atc_codes: some(&e.atc_codes),
                    npl_ids: some(&e.npl_ids),
                    schedule: &e.schedule,
                })
                .execute(conn)?;
        }
        Ok(entries.len())
    })
}

/// Number of entries.
pub fn count(conn: &mut PgConnection) -> QueryResult<i64> {
    narcotics::table.count().get_result(conn)
}

/// Loads the shipped file when the table is empty (a fresh database); returns rows added.
pub fn seed_if_empty(conn: &mut PgConnection) -> anyhow::Result<usize> {
    if count(conn)? > 0 {
        return Ok(0);
    }
    let entries = crate::domain::narcotics::parse_csv(SHIPPED_CSV)
        .map_err(|e| anyhow::anyhow!("the shipped narcotics file is invalid: {e}"))?;
    Ok(replace_all(conn, &entries)?)
}

/// Replaces the reference with the entries of a CSV text in the format of the shipped file
/// (`samverkan narcotics import FILE`); refuses a file that parses to no entries, which would
/// switch the NARKOTIKA rule off.
pub fn import_csv(conn: &mut PgConnection, text: &str) -> anyhow::Result<usize> {
    let entries = crate::domain::narcotics::parse_csv(text).map_err(|e| anyhow::anyhow!("{e}"))?;
    if entries.is_empty() {
        anyhow::bail!("no entries; refusing to empty the narcotics reference");
    }
    Ok(replace_all(conn, &entries)?)
}
