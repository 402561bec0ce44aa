//! The `narcotics` table: the reference the NARKOTIKA rule matches against. Seeded from the
//! file the project ships when empty; replaced whole by `samverkan narcotics import FILE`,
//! which reports the difference (and with `--dry-run` only reports it).
//!
//! Every write takes the table's SHARE ROW EXCLUSIVE lock first: two imports (or two servers
//! seeding a fresh database) run one after the other instead of interleaving their deletes and
//! inserts into a table holding both files, and the difference an import reports is the one it
//! made. Readers (ACCESS SHARE) are not blocked.

use diesel::prelude::*;

use crate::domain::narcotics::NarcoticEntry;
use crate::domain::narcotics_diff::NarcoticsDiff;
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

/// Rows per INSERT: five bind parameters a row, well under PostgreSQL's 65,535.
const INSERT_BATCH: usize = 1_000;

/// Waits for any other writer of the table, until the end of the transaction.
fn lock_for_writing(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query("LOCK TABLE narcotics IN SHARE ROW EXCLUSIVE MODE")
        .execute(conn)
        .map(drop)
}

/// Deletes every row and inserts `entries` in their order (the order is the index's: the
/// first of two entries sharing a name, code or id wins). Call inside a transaction.
fn replace_rows(conn: &mut PgConnection, entries: &[NarcoticEntry]) -> QueryResult<()> {
    diesel::delete(narcotics::table).execute(conn)?;
    for batch in entries.chunks(INSERT_BATCH) {
        let rows: Vec<NewNarcotic> = batch
            .iter()
            .map(|e| NewNarcotic {
                substance: &e.substance,
                names: some(&e.names),
                atc_codes: some(&e.atc_codes),
                npl_ids: some(&e.npl_ids),
                schedule: &e.schedule,
            })
            .collect();
        diesel::insert_into(narcotics::table)
            .values(&rows)
            .execute(conn)?;
    }
    Ok(())
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
    let added = conn.transaction(|conn| {
        lock_for_writing(conn)?;
        // Another process may have seeded it while this one waited for the lock.
        if count(conn)? > 0 {
            return Ok(0);
        }
        replace_rows(conn, &entries)?;
        QueryResult::Ok(entries.len())
    })?;
    Ok(added)
}

/// Whether an import writes what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Replace the reference (unless it already equals the file).
    Apply,
    /// Only report the difference; change nothing.
    DryRun,
}

/// What an import found, and whether it wrote it.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// The difference between the stored reference and the file.
    pub diff: NarcoticsDiff,
    /// Entries in the file (what the reference holds after a write).
    pub entries: usize,
    /// Whether the table was rewritten: not on a dry run, nor when nothing differs.
    pub written: bool,
}

/// Replaces the reference with the entries of a CSV text in the format of the shipped file
/// (`samverkan narcotics import FILE`) and reports the difference, in one transaction; with
/// [`ImportMode::DryRun`] only reads. Refuses a file that parses to no entries, which would
/// switch the NARKOTIKA rule off.
pub fn import_csv(
    conn: &mut PgConnection,
    text: &str,
    mode: ImportMode,
) -> anyhow::Result<ImportReport> {
    let entries = crate::domain::narcotics::parse_csv(text).map_err(|e| anyhow::anyhow!("{e}"))?;
    if entries.is_empty() {
        anyhow::bail!("no entries; refusing to empty the narcotics reference");
    }
    let report = conn.transaction(|conn| {
        match mode {
            ImportMode::Apply => lock_for_writing(conn)?,
            // The database refuses any write in this transaction, whatever code runs in it.
            ImportMode::DryRun => diesel::sql_query("SET TRANSACTION READ ONLY")
                .execute(conn)
                .map(drop)?,
        }
        let diff = NarcoticsDiff::between(&load(conn)?, &entries);
        let written = mode == ImportMode::Apply && !diff.is_empty();
        if written {
            replace_rows(conn, &entries)?;
        }
        QueryResult::Ok(ImportReport {
            diff,
            entries: entries.len(),
            written,
        })
    })?;
    Ok(report)
}
