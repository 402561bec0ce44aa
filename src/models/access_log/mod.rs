//! The `access_log` table: one append-only row per access to patient data, partitioned by
//! month (see [`partitions`]) and kept for the retention (see [`purge`]).

pub mod partitions;
pub mod purge;

use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::schema::access_log;

/// A stored entry.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = access_log)]
pub struct AccessLogRow {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor_hsa_id: String,
    pub actor_name: Option<String>,
    pub unit_id: Option<Uuid>,
    pub unit_hsa_id: Option<String>,
    pub action: String,
    pub outcome: String,
    pub patient_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    pub request_id: String,
    pub actor_role: Option<String>,
    pub commission_hsa_id: Option<String>,
}

/// An entry to append.
#[derive(Debug, Insertable)]
#[diesel(table_name = access_log)]
// `None` as NULL: one INSERT text, prepared once per connection (see `MessageRow`).
#[diesel(treat_none_as_default_value = false)]
pub struct NewAccessLog<'a> {
    pub actor_hsa_id: &'a str,
    pub actor_name: Option<&'a str>,
    pub unit_id: Option<Uuid>,
    pub unit_hsa_id: Option<&'a str>,
    pub action: &'a str,
    pub outcome: &'a str,
    pub patient_id: Option<Uuid>,
    pub message_id: Option<Uuid>,
    pub request_id: &'a str,
    pub actor_role: Option<&'a str>,
    pub commission_hsa_id: Option<&'a str>,
}

/// The entries of one access that showed several patients (a page): `entry` once for each of
/// `patients`, in one statement — `INSERT … SELECT … FROM unnest(CAST($patients AS uuid[]))` — whose text does
/// not depend on how many there are, so it is prepared once per connection like every other
/// statement. A page names no single message: `entry.patient_id` and `entry.message_id` are
/// not used (the entries' `message_id` is NULL).
///
/// `bench/pgbench/inbox.sql` and `inbox_deep.sql` run this statement as the API does; `bench/run`
/// checks them against the SQL captured from the API.
pub fn append_for_patients(
    conn: &mut PgConnection,
    entry: &NewAccessLog<'_>,
    patients: &[Uuid],
) -> QueryResult<()> {
    AppendForPatients { entry, patients }
        .execute(conn)
        .map(|_| ())
}

/// The statement of [`append_for_patients`].
struct AppendForPatients<'a> {
    entry: &'a NewAccessLog<'a>,
    patients: &'a [Uuid],
}

// The text never changes: one prepared statement per connection, keyed by the type.
impl diesel::query_builder::QueryId for AppendForPatients<'_> {
    type QueryId = AppendForPatients<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for AppendForPatients<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{Array, Nullable, Text, Uuid as SqlUuid};
        let e = self.entry;
        out.push_sql(
            "INSERT INTO \"access_log\" (\"actor_hsa_id\", \"actor_name\", \"unit_id\", \
             \"unit_hsa_id\", \"action\", \"outcome\", \"request_id\", \"actor_role\", \
             \"commission_hsa_id\", \"patient_id\") SELECT ",
        );
        out.push_bind_param::<Text, _>(&e.actor_hsa_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&e.actor_name)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<SqlUuid>, _>(&e.unit_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&e.unit_hsa_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&e.action)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&e.outcome)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&e.request_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&e.actor_role)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&e.commission_hsa_id)?;
        // The cast names the array's type in the text, so a client that sends the value untyped
        // (pgbench's twin of this statement) runs the same SQL.
        out.push_sql(", \"p\" FROM unnest(CAST(");
        out.push_bind_param::<Array<SqlUuid>, _>(self.patients)?;
        out.push_sql(" AS uuid[])) AS \"p\"");
        Ok(())
    }
}

impl RunQueryDsl<PgConnection> for AppendForPatients<'_> {}

/// Filters of the review listing.
#[derive(Debug, Default, Clone)]
pub struct AccessLogFilter {
    pub patient_id: Option<Uuid>,
    pub actor_hsa_id: Option<String>,
    pub unit_id: Option<Uuid>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    /// Keyset: strictly older than (at, id).
    pub before: Option<(OffsetDateTime, i64)>,
    pub limit: i64,
}

/// Appends an entry.
pub fn append(conn: &mut PgConnection, entry: &NewAccessLog<'_>) -> QueryResult<()> {
    diesel::insert_into(access_log::table)
        .values(entry)
        .execute(conn)
        .map(|_| ())
}

/// The review's query for `f`: one page of entries, newest first.
///
/// Every filter is an index range on one month partition after another (the primary key
/// `(at, id)`, or `(patient_id | actor_hsa_id | unit_id, at, id)`), merged newest first, and
/// a time range or cursor prunes the months outside it when the statement runs — also with
/// the generic plans the pool's sessions use (tests/api/access_log_retention.rs).
macro_rules! list_query {
    ($f:expr) => {{
        let f: &AccessLogFilter = $f;
        let mut q = access_log::table
            .select(AccessLogRow::as_select())
            .into_boxed::<diesel::pg::Pg>();
        if let Some(p) = f.patient_id {
            q = q.filter(access_log::patient_id.eq(p));
        }
        if let Some(a) = &f.actor_hsa_id {
            q = q.filter(access_log::actor_hsa_id.eq(a.clone()));
        }
        if let Some(u) = f.unit_id {
            q = q.filter(access_log::unit_id.eq(u));
        }
        if let Some(a) = &f.action {
            q = q.filter(access_log::action.eq(a.clone()));
        }
        if let Some(o) = &f.outcome {
            q = q.filter(access_log::outcome.eq(o.clone()));
        }
        if let Some(from) = f.from {
            q = q.filter(access_log::at.ge(from));
        }
        if let Some(to) = f.to {
            q = q.filter(access_log::at.lt(to));
        }
        if let Some((at, id)) = f.before {
            q = q.filter(
                access_log::at
                    .le(at)
                    .and(access_log::at.lt(at).or(access_log::id.lt(id))),
            );
        }
        q.order((access_log::at.desc(), access_log::id.desc()))
            .limit(f.limit)
    }};
}

/// One page of entries, newest first.
pub fn list(conn: &mut PgConnection, f: &AccessLogFilter) -> QueryResult<Vec<AccessLogRow>> {
    list_query!(f).load(conn)
}

/// The SQL [`list`] sends for `f`, without the bind values (for the plan checks in tests).
pub fn list_sql(f: &AccessLogFilter) -> String {
    let text = diesel::debug_query::<diesel::pg::Pg, _>(&list_query!(f)).to_string();
    match text.split_once(" -- binds:") {
        Some((sql, _)) => sql.to_string(),
        None => text,
    }
}

/// Removes the entries older than five years, in batches, without reporting progress; how
/// many (`purge::purge` is the purge with a retention and progress).
pub fn purge_older_than_five_years(conn: &mut PgConnection) -> QueryResult<usize> {
    let report = purge::purge(
        conn,
        crate::domain::log_retention::Retention::MINIMUM,
        purge::DEFAULT_BATCH,
        &mut |_| std::ops::ControlFlow::Continue(()),
    )?;
    Ok(report.entries_removed() as usize)
}

/// Entries of webhook deliveries that reached their receivers, one per delivery, column by
/// column (all the same length).
#[derive(Debug, Default)]
pub struct DeliveryEntries {
    pub actor_hsa_id: Vec<String>,
    pub unit_id: Vec<Option<Uuid>>,
    pub unit_hsa_id: Vec<Option<String>>,
    pub actor_role: Vec<String>,
    pub patient_id: Vec<Uuid>,
    pub message_id: Vec<Option<Uuid>>,
    pub request_id: Vec<String>,
}

/// Appends the entries of a dispatcher round's deliveries in one statement, with `action`
/// and outcome `ok`.
pub fn append_deliveries(
    conn: &mut PgConnection,
    action: &str,
    e: &DeliveryEntries,
) -> QueryResult<usize> {
    use diesel::sql_types::{Array, Nullable, Text, Uuid as SqlUuid};
    if e.request_id.is_empty() {
        return Ok(0);
    }
    diesel::sql_query(
        "INSERT INTO access_log (actor_hsa_id, unit_id, unit_hsa_id, actor_role, patient_id, \
             message_id, request_id, action, outcome) \
         SELECT a, u, uh, r, p, m, q, $8, 'ok' \
           FROM unnest(CAST($1 AS text[]), CAST($2 AS uuid[]), CAST($3 AS text[]), \
                       CAST($4 AS text[]), CAST($5 AS uuid[]), CAST($6 AS uuid[]), \
                       CAST($7 AS text[])) AS x(a, u, uh, r, p, m, q)",
    )
    .bind::<Array<Text>, _>(&e.actor_hsa_id)
    .bind::<Array<Nullable<SqlUuid>>, _>(&e.unit_id)
    .bind::<Array<Nullable<Text>>, _>(&e.unit_hsa_id)
    .bind::<Array<Text>, _>(&e.actor_role)
    .bind::<Array<SqlUuid>, _>(&e.patient_id)
    .bind::<Array<Nullable<SqlUuid>>, _>(&e.message_id)
    .bind::<Array<Text>, _>(&e.request_id)
    .bind::<Text, _>(action)
    .execute(conn)
}
