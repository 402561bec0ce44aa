//! The routine's follow-up figures (see migration 000013): counters per Stockholm sending day,
//! parties and category, a histogram of working time to the first answer, and each refusal by
//! a rule. Written in the transaction of the change they count; read by `GET /statistics`.
//! No patient data.

use diesel::prelude::*;
use diesel::sql_types::{
    BigInt, Date as SqlDate, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::domain::reply_window::to_stockholm;
use crate::domain::working_time;
use crate::models::message::MessageRow;

/// Quarter hours: the resolution of the answer-time histogram.
pub const QUARTER_MINUTES: i64 = 15;

fn stockholm_date(t: OffsetDateTime) -> Date {
    to_stockholm(t).date()
}

/// Counts a new message.
pub fn on_created(conn: &mut PgConnection, row: &MessageRow) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO message_stats (sent_on, due_on, sender_unit_id, recipient_unit_id, category, \
         shard, sent) VALUES ($1, $2, $3, $4, $5, (pg_backend_pid() % 16)::smallint, 1) \
         ON CONFLICT (sent_on, sender_unit_id, recipient_unit_id, category, due_on, shard) \
         DO UPDATE SET sent = message_stats.sent + 1",
    )
    .bind::<SqlDate, _>(stockholm_date(row.sent_at))
    .bind::<SqlDate, _>(stockholm_date(row.reply_due_by))
    .bind::<SqlUuid, _>(row.sender_unit_id)
    .bind::<SqlUuid, _>(row.recipient_unit_id)
    .bind::<Text, _>(row.category.as_str())
    .execute(conn)
    .map(|_| ())
}

/// Counts the first answer of a message (`row.answered_at` set), with its outcome and the
/// working time it took.
pub fn on_answered(
    conn: &mut PgConnection,
    row: &MessageRow,
    outcome: Option<&str>,
) -> QueryResult<()> {
    let Some(at) = row.answered_at else {
        return Ok(());
    };
    let is = |o: &str| i32::from(outcome == Some(o));
    diesel::sql_query(
        "INSERT INTO message_stats (sent_on, due_on, sender_unit_id, recipient_unit_id, category, \
         shard, answered, answered_in_time, outcome_utfort, outcome_ej_utfort, \
         outcome_kontakt_behovs, outcome_none) \
         VALUES ($1, $2, $3, $4, $5, (pg_backend_pid() % 16)::smallint, 1, $6, $7, $8, $9, $10) \
         ON CONFLICT (sent_on, sender_unit_id, recipient_unit_id, category, due_on, shard) \
         DO UPDATE SET answered = message_stats.answered + 1, \
           answered_in_time = message_stats.answered_in_time + EXCLUDED.answered_in_time, \
           outcome_utfort = message_stats.outcome_utfort + EXCLUDED.outcome_utfort, \
           outcome_ej_utfort = message_stats.outcome_ej_utfort + EXCLUDED.outcome_ej_utfort, \
           outcome_kontakt_behovs = message_stats.outcome_kontakt_behovs + EXCLUDED.outcome_kontakt_behovs, \
           outcome_none = message_stats.outcome_none + EXCLUDED.outcome_none",
    )
    .bind::<SqlDate, _>(stockholm_date(row.sent_at))
    .bind::<SqlDate, _>(stockholm_date(row.reply_due_by))
    .bind::<SqlUuid, _>(row.sender_unit_id)
    .bind::<SqlUuid, _>(row.recipient_unit_id)
    .bind::<Text, _>(row.category.as_str())
    .bind::<Integer, _>(i32::from(at <= row.reply_due_by))
    .bind::<Integer, _>(is("utfort"))
    .bind::<Integer, _>(is("ej_utfort"))
    .bind::<Integer, _>(is("kontakt_behovs"))
    .bind::<Integer, _>(i32::from(outcome.is_none()))
    .execute(conn)?;
    let quarter = working_time::minutes_between(row.sent_at, at) / QUARTER_MINUTES;
    diesel::sql_query(
        "INSERT INTO message_answer_times (sent_on, sender_unit_id, recipient_unit_id, category, \
         quarter, shard, n) VALUES ($1, $2, $3, $4, $5, (pg_backend_pid() % 16)::smallint, 1) \
         ON CONFLICT (sent_on, sender_unit_id, recipient_unit_id, category, quarter, shard) \
         DO UPDATE SET n = message_answer_times.n + 1",
    )
    .bind::<SqlDate, _>(stockholm_date(row.sent_at))
    .bind::<SqlUuid, _>(row.sender_unit_id)
    .bind::<SqlUuid, _>(row.recipient_unit_id)
    .bind::<Text, _>(row.category.as_str())
    .bind::<Integer, _>(i32::try_from(quarter).unwrap_or(i32::MAX))
    .execute(conn)
    .map(|_| ())
}

/// Counts a cancelled message by its reason (`wrong_patient`, `wrong_recipient`, `other`).
pub fn on_cancelled(conn: &mut PgConnection, row: &MessageRow, reason: &str) -> QueryResult<()> {
    let column = match reason {
        "wrong_patient" => "cancelled_wrong_patient",
        "wrong_recipient" => "cancelled_wrong_recipient",
        _ => "cancelled_other",
    };
    diesel::sql_query(format!(
        "INSERT INTO message_stats (sent_on, due_on, sender_unit_id, recipient_unit_id, category, \
         shard, {column}) VALUES ($1, $2, $3, $4, $5, (pg_backend_pid() % 16)::smallint, 1) \
         ON CONFLICT (sent_on, sender_unit_id, recipient_unit_id, category, due_on, shard) \
         DO UPDATE SET {column} = message_stats.{column} + 1"
    ))
    .bind::<SqlDate, _>(stockholm_date(row.sent_at))
    .bind::<SqlDate, _>(stockholm_date(row.reply_due_by))
    .bind::<SqlUuid, _>(row.sender_unit_id)
    .bind::<SqlUuid, _>(row.recipient_unit_id)
    .bind::<Text, _>(row.category.as_str())
    .execute(conn)
    .map(|_| ())
}

/// Counts the rules that refused a new message: the acting unit (by HSA-id) sent it, to
/// `recipient` when that unit exists. Nothing is counted when the acting unit is unknown.
pub fn on_create_refused(
    conn: &mut PgConnection,
    at: OffsetDateTime,
    sender_hsa_id: &str,
    recipient: Option<Uuid>,
    category: &str,
    rules: &[String],
) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO rule_refusals (at, refused_on, sender_unit_id, recipient_unit_id, category, \
         operation, rule_code) \
         SELECT $1, $2, s.id, (SELECT r.id FROM units r WHERE r.id = $4), $5, 'create', code \
         FROM units s, unnest($6::text[]) AS code WHERE s.hsa_id_norm = upper($3)",
    )
    .bind::<Timestamptz, _>(at)
    .bind::<SqlDate, _>(stockholm_date(at))
    .bind::<Text, _>(sender_hsa_id)
    .bind::<Nullable<SqlUuid>, _>(recipient)
    .bind::<Text, _>(category)
    .bind::<diesel::sql_types::Array<Text>, _>(rules)
    .execute(conn)
}

/// Counts the rules that refused a reply to `message`.
pub fn on_reply_refused(
    conn: &mut PgConnection,
    at: OffsetDateTime,
    message: Uuid,
    rules: &[String],
) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO rule_refusals (at, refused_on, sender_unit_id, recipient_unit_id, category, \
         operation, rule_code) \
         SELECT $1, $2, m.sender_unit_id, m.recipient_unit_id, m.category, 'reply', code \
         FROM messages m, unnest($4::text[]) AS code WHERE m.id = $3",
    )
    .bind::<Timestamptz, _>(at)
    .bind::<SqlDate, _>(stockholm_date(at))
    .bind::<SqlUuid, _>(message)
    .bind::<diesel::sql_types::Array<Text>, _>(rules)
    .execute(conn)
}

/// What the figures are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupBy {
    Month,
    Week,
    SenderUnit,
    RecipientUnit,
    Kommun,
    Category,
}

impl GroupBy {
    /// Every grouping, in the order keys are written.
    pub const ALL: [GroupBy; 6] = [
        GroupBy::Month,
        GroupBy::Week,
        GroupBy::SenderUnit,
        GroupBy::RecipientUnit,
        GroupBy::Kommun,
        GroupBy::Category,
    ];

    /// The name used in the query string and the answer.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Month => "month",
            GroupBy::Week => "week",
            GroupBy::SenderUnit => "sender_unit",
            GroupBy::RecipientUnit => "recipient_unit",
            GroupBy::Kommun => "kommun",
            GroupBy::Category => "category",
        }
    }

    /// The grouping named `s`.
    pub fn parse(s: &str) -> Option<GroupBy> {
        GroupBy::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// The SQL expression of the key, over a row aliased `s` with the day column `day` and the
    /// parties joined as `su` (sender) and `ru` (recipient, possibly NULL for refusals).
    fn expr(self, day: &str) -> String {
        match self {
            GroupBy::Month => format!("to_char({day}, 'YYYY-MM')"),
            GroupBy::Week => format!("to_char({day}, 'IYYY-\"W\"IW')"),
            GroupBy::SenderUnit => "s.sender_unit_id::text".into(),
            GroupBy::RecipientUnit => "s.recipient_unit_id::text".into(),
            GroupBy::Kommun => "CASE WHEN su.kind = 'kommun' THEN su.municipality_code \
                                ELSE ru.municipality_code END"
                .into(),
            GroupBy::Category => "s.category".into(),
        }
    }
}

/// Which rows count.
#[derive(Debug, Clone)]
pub struct Filter {
    /// First sending day (Stockholm), inclusive.
    pub from: Date,
    /// Last sending day, inclusive.
    pub to: Date,
    /// Only messages sent or received by this unit.
    pub unit_id: Option<Uuid>,
    /// Only this category.
    pub category: Option<String>,
    /// Open messages due on a day before this one are overdue (the day after today once
    /// 17:00 has passed).
    pub overdue_before: Date,
}

/// The group keys of a row, one per [`GroupBy::ALL`] entry (`None` when not grouped by it).
pub type Keys = [Option<String>; 6];

/// The counters of one group.
#[derive(Debug, Clone, Default, PartialEq, Eq, QueryableByName)]
pub struct Counts {
    #[diesel(sql_type = Nullable<Text>)]
    pub k_month: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_week: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_sender_unit: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_recipient_unit: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_kommun: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_category: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub sent: i64,
    #[diesel(sql_type = BigInt)]
    pub cancelled_wrong_patient: i64,
    #[diesel(sql_type = BigInt)]
    pub cancelled_wrong_recipient: i64,
    #[diesel(sql_type = BigInt)]
    pub cancelled_other: i64,
    #[diesel(sql_type = BigInt)]
    pub answered: i64,
    #[diesel(sql_type = BigInt)]
    pub answered_in_time: i64,
    #[diesel(sql_type = BigInt)]
    pub open_overdue: i64,
    #[diesel(sql_type = BigInt)]
    pub outcome_utfort: i64,
    #[diesel(sql_type = BigInt)]
    pub outcome_ej_utfort: i64,
    #[diesel(sql_type = BigInt)]
    pub outcome_kontakt_behovs: i64,
    #[diesel(sql_type = BigInt)]
    pub outcome_none: i64,
}

/// One histogram bucket of a group.
#[derive(Debug, Clone, QueryableByName)]
pub struct Quarter {
    #[diesel(sql_type = Nullable<Text>)]
    pub k_month: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_week: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_sender_unit: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_recipient_unit: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_kommun: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_category: Option<String>,
    #[diesel(sql_type = Integer)]
    pub quarter: i32,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Refusals of one rule in a group.
#[derive(Debug, Clone, QueryableByName)]
pub struct Refusals {
    #[diesel(sql_type = Nullable<Text>)]
    pub k_month: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_week: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_sender_unit: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_recipient_unit: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_kommun: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub k_category: Option<String>,
    #[diesel(sql_type = Text)]
    pub rule_code: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

macro_rules! keys_of {
    ($r:expr) => {
        [
            $r.k_month.clone(),
            $r.k_week.clone(),
            $r.k_sender_unit.clone(),
            $r.k_recipient_unit.clone(),
            $r.k_kommun.clone(),
            $r.k_category.clone(),
        ]
    };
}

impl Counts {
    /// The group keys.
    pub fn keys(&self) -> Keys {
        keys_of!(self)
    }
}

impl Quarter {
    /// The group keys.
    pub fn keys(&self) -> Keys {
        keys_of!(self)
    }
}

impl Refusals {
    /// The group keys.
    pub fn keys(&self) -> Keys {
        keys_of!(self)
    }
}

/// `SELECT` list of the six key columns and the `GROUP BY` list for `groups`.
fn key_sql(groups: &[GroupBy], day: &str) -> (String, String) {
    let mut select = Vec::new();
    let mut group = Vec::new();
    for g in GroupBy::ALL {
        let name = format!("k_{}", g.as_str());
        if groups.contains(&g) {
            let e = g.expr(day);
            select.push(format!("{e} AS {name}"));
            group.push(e);
        } else {
            select.push(format!("NULL::text AS {name}"));
        }
    }
    (select.join(", "), group.join(", "))
}

fn where_sql(day: &str) -> String {
    format!(
        "{day} BETWEEN $1 AND $2 \
         AND ($3::uuid IS NULL OR s.sender_unit_id = $3 OR s.recipient_unit_id = $3) \
         AND ($4::text IS NULL OR s.category = $4)"
    )
}

/// ` GROUP BY …` of the key expressions and `extra` columns (empty when there are none).
fn group_by_clause(group: &str, extra: &[&str]) -> String {
    let cols: Vec<&str> = std::iter::once(group)
        .filter(|g| !g.is_empty())
        .chain(extra.iter().copied())
        .collect();
    if cols.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {}", cols.join(", "))
    }
}

/// The counters per group.
pub fn counts(conn: &mut PgConnection, groups: &[GroupBy], f: &Filter) -> QueryResult<Vec<Counts>> {
    let (select, group) = key_sql(groups, "s.sent_on");
    let sql = format!(
        "SELECT {select}, \
           coalesce(sum(s.sent), 0)::bigint AS sent, \
           coalesce(sum(s.cancelled_wrong_patient), 0)::bigint AS cancelled_wrong_patient, \
           coalesce(sum(s.cancelled_wrong_recipient), 0)::bigint AS cancelled_wrong_recipient, \
           coalesce(sum(s.cancelled_other), 0)::bigint AS cancelled_other, \
           coalesce(sum(s.answered), 0)::bigint AS answered, \
           coalesce(sum(s.answered_in_time), 0)::bigint AS answered_in_time, \
           coalesce(sum(s.sent - s.cancelled_wrong_patient - s.cancelled_wrong_recipient \
             - s.cancelled_other - s.answered) FILTER (WHERE s.due_on < $5), 0)::bigint \
             AS open_overdue, \
           coalesce(sum(s.outcome_utfort), 0)::bigint AS outcome_utfort, \
           coalesce(sum(s.outcome_ej_utfort), 0)::bigint AS outcome_ej_utfort, \
           coalesce(sum(s.outcome_kontakt_behovs), 0)::bigint AS outcome_kontakt_behovs, \
           coalesce(sum(s.outcome_none), 0)::bigint AS outcome_none \
         FROM message_stats s \
         JOIN units su ON su.id = s.sender_unit_id JOIN units ru ON ru.id = s.recipient_unit_id \
         WHERE {}{}",
        where_sql("s.sent_on"),
        group_by_clause(&group, &[])
    );
    let rows: Vec<Counts> = diesel::sql_query(sql)
        .bind::<SqlDate, _>(f.from)
        .bind::<SqlDate, _>(f.to)
        .bind::<Nullable<SqlUuid>, _>(f.unit_id)
        .bind::<Nullable<Text>, _>(f.category.as_deref())
        .bind::<SqlDate, _>(f.overdue_before)
        .load(conn)?;
    // Without groups the one row is there even when nothing was sent.
    Ok(rows
        .into_iter()
        .filter(|r| r.sent > 0 || groups.is_empty())
        .collect())
}

/// The answer-time histogram per group.
pub fn quarters(
    conn: &mut PgConnection,
    groups: &[GroupBy],
    f: &Filter,
) -> QueryResult<Vec<Quarter>> {
    let (select, group) = key_sql(groups, "s.sent_on");
    let sql = format!(
        "SELECT {select}, s.quarter, sum(s.n)::bigint AS n \
         FROM message_answer_times s \
         JOIN units su ON su.id = s.sender_unit_id JOIN units ru ON ru.id = s.recipient_unit_id \
         WHERE {}{}",
        where_sql("s.sent_on"),
        group_by_clause(&group, &["s.quarter"])
    );
    diesel::sql_query(sql)
        .bind::<SqlDate, _>(f.from)
        .bind::<SqlDate, _>(f.to)
        .bind::<Nullable<SqlUuid>, _>(f.unit_id)
        .bind::<Nullable<Text>, _>(f.category.as_deref())
        .load(conn)
}

/// The refusals per group and rule, by the day they happened.
pub fn refusals(
    conn: &mut PgConnection,
    groups: &[GroupBy],
    f: &Filter,
) -> QueryResult<Vec<Refusals>> {
    let (select, group) = key_sql(groups, "s.refused_on");
    let sql = format!(
        "SELECT {select}, s.rule_code, count(*)::bigint AS n \
         FROM rule_refusals s \
         JOIN units su ON su.id = s.sender_unit_id LEFT JOIN units ru ON ru.id = s.recipient_unit_id \
         WHERE {}{}",
        where_sql("s.refused_on"),
        group_by_clause(&group, &["s.rule_code"])
    );
    diesel::sql_query(sql)
        .bind::<SqlDate, _>(f.from)
        .bind::<SqlDate, _>(f.to)
        .bind::<Nullable<SqlUuid>, _>(f.unit_id)
        .bind::<Nullable<Text>, _>(f.category.as_deref())
        .load(conn)
}
