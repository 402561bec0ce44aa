//! The routine's follow-up figures (see migrations 000013 and 000014): counters per Stockholm
//! sending day, parties and category and a histogram of working time to the first answer (one
//! row of sorted arrays per day, parties and category), kept up to date
//! from the event feed by [`catch_up`]; each refusal by a rule, written when it happens. Read
//! by `GET /statistics`. No patient data.

use std::collections::{BTreeMap, HashMap};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{
    Array, BigInt, Date as SqlDate, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::domain::reply_window::to_stockholm;
use crate::domain::working_time;
use crate::models::event::kind;

/// Quarter hours: the resolution of the answer-time histogram.
pub const QUARTER_MINUTES: i64 = 15;

fn stockholm_date(t: OffsetDateTime) -> Date {
    to_stockholm(t).date()
}

/// The advisory lock under which one process at a time brings the figures up to date.
const PROJECTION_LOCK: i64 = 0x5a4d_5717;

/// One event of the feed with the facts of its message that the figures need.
#[derive(Debug, QueryableByName)]
struct FedEvent {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Timestamptz)]
    at: OffsetDateTime,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    sent_at: Option<OffsetDateTime>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    reply_due_by: Option<OffsetDateTime>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    sender_unit_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    recipient_unit_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    category: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    answered_at: Option<OffsetDateTime>,
    #[diesel(sql_type = Nullable<Text>)]
    cancel_reason: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    outcome: Option<String>,
}

type Parties = (Date, Uuid, Uuid, String);

/// Parties as columns, for `unnest`.
#[derive(Default)]
struct KeyColumns {
    sent_on: Vec<Date>,
    sender: Vec<Uuid>,
    recipient: Vec<Uuid>,
    category: Vec<String>,
}

impl KeyColumns {
    fn push(&mut self, (sent_on, sender, recipient, category): Parties) {
        self.sent_on.push(sent_on);
        self.sender.push(sender);
        self.recipient.push(recipient);
        self.category.push(category);
    }
}

/// What a batch of events adds to the counters.
#[derive(Default)]
struct Deltas {
    /// (sent_on, sender, recipient, category, due_on) -> counters in the column order of
    /// `message_stats`: sent, cancelled ×3, answered, answered_in_time, outcomes ×4.
    stats: HashMap<(Parties, Date), [i32; 10]>,
    /// (sent_on, sender, recipient, category, quarter) -> answers.
    quarters: HashMap<(Parties, i32), i32>,
}

impl Deltas {
    fn add(&mut self, e: &FedEvent) {
        let (Some(sent_at), Some(due), Some(sender), Some(recipient), Some(category)) = (
            e.sent_at,
            e.reply_due_by,
            e.sender_unit_id,
            e.recipient_unit_id,
            e.category.clone(),
        ) else {
            return;
        };
        let parties = (stockholm_date(sent_at), sender, recipient, category);
        let key = (parties.clone(), stockholm_date(due));
        match e.kind.as_str() {
            kind::MESSAGE_CREATED => self.stats.entry(key).or_default()[0] += 1,
            kind::MESSAGE_CANCELLED => {
                let column = match e.cancel_reason.as_deref() {
                    Some("wrong_patient") => 1,
                    Some("wrong_recipient") => 2,
                    _ => 3,
                };
                self.stats.entry(key).or_default()[column] += 1;
            }
            // Only the reply that answered the message: it carries the answer's time.
            kind::MESSAGE_REPLIED if e.answered_at == Some(e.at) => {
                let c = self.stats.entry(key).or_default();
                c[4] += 1;
                c[5] += i32::from(e.at <= due);
                c[match e.outcome.as_deref() {
                    Some("utfort") => 6,
                    Some("ej_utfort") => 7,
                    Some("kontakt_behovs") => 8,
                    _ => 9,
                }] += 1;
                let quarter = working_time::minutes_between(sent_at, e.at) / QUARTER_MINUTES;
                let quarter = i32::try_from(quarter).unwrap_or(i32::MAX);
                *self.quarters.entry((parties, quarter)).or_default() += 1;
            }
            _ => {}
        }
    }

    fn write(self, conn: &mut PgConnection) -> QueryResult<()> {
        if !self.stats.is_empty() {
            let mut cols = KeyColumns::default();
            let mut due_on: Vec<Date> = Vec::new();
            let mut counts: [Vec<i32>; 10] = Default::default();
            for ((parties, due), c) in self.stats {
                cols.push(parties);
                due_on.push(due);
                for (i, n) in c.into_iter().enumerate() {
                    counts[i].push(n);
                }
            }
            let [sent, c_wp, c_wr, c_o, answered, in_time, o_u, o_e, o_k, o_n] = counts;
            diesel::sql_query(
                "INSERT INTO message_stats AS s (sent_on, due_on, sender_unit_id, \
                 recipient_unit_id, category, shard, sent, cancelled_wrong_patient, \
                 cancelled_wrong_recipient, cancelled_other, answered, answered_in_time, \
                 outcome_utfort, outcome_ej_utfort, outcome_kontakt_behovs, outcome_none) \
                 SELECT a, b, c, d, e, 0, f, g, h, i, j, k, l, m, n, o FROM unnest($1::date[], \
                 $2::date[], $3::uuid[], $4::uuid[], $5::text[], $6::int[], $7::int[], \
                 $8::int[], $9::int[], $10::int[], $11::int[], $12::int[], $13::int[], \
                 $14::int[], $15::int[]) AS x(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o) \
                 ON CONFLICT (sent_on, sender_unit_id, recipient_unit_id, category, due_on, shard) \
                 DO UPDATE SET sent = s.sent + EXCLUDED.sent, \
                 cancelled_wrong_patient = s.cancelled_wrong_patient + EXCLUDED.cancelled_wrong_patient, \
                 cancelled_wrong_recipient = s.cancelled_wrong_recipient + EXCLUDED.cancelled_wrong_recipient, \
                 cancelled_other = s.cancelled_other + EXCLUDED.cancelled_other, \
                 answered = s.answered + EXCLUDED.answered, \
                 answered_in_time = s.answered_in_time + EXCLUDED.answered_in_time, \
                 outcome_utfort = s.outcome_utfort + EXCLUDED.outcome_utfort, \
                 outcome_ej_utfort = s.outcome_ej_utfort + EXCLUDED.outcome_ej_utfort, \
                 outcome_kontakt_behovs = s.outcome_kontakt_behovs + EXCLUDED.outcome_kontakt_behovs, \
                 outcome_none = s.outcome_none + EXCLUDED.outcome_none",
            )
            .bind::<Array<SqlDate>, _>(cols.sent_on)
            .bind::<Array<SqlDate>, _>(due_on)
            .bind::<Array<SqlUuid>, _>(cols.sender)
            .bind::<Array<SqlUuid>, _>(cols.recipient)
            .bind::<Array<Text>, _>(cols.category)
            .bind::<Array<Integer>, _>(sent)
            .bind::<Array<Integer>, _>(c_wp)
            .bind::<Array<Integer>, _>(c_wr)
            .bind::<Array<Integer>, _>(c_o)
            .bind::<Array<Integer>, _>(answered)
            .bind::<Array<Integer>, _>(in_time)
            .bind::<Array<Integer>, _>(o_u)
            .bind::<Array<Integer>, _>(o_e)
            .bind::<Array<Integer>, _>(o_k)
            .bind::<Array<Integer>, _>(o_n)
            .execute(conn)?;
        }
        if !self.quarters.is_empty() {
            let mut cols = KeyColumns::default();
            let (mut quarter_col, mut n_col): (Vec<i32>, Vec<i32>) = Default::default();
            for ((parties, quarter), n) in self.quarters {
                cols.push(parties);
                quarter_col.push(quarter);
                n_col.push(n);
            }
            // One row per key: the batch's quarter hours aggregated into sorted arrays, added
            // to the histogram already there (migration 000014).
            diesel::sql_query(
                "INSERT INTO message_answer_histograms AS t (sent_on, sender_unit_id, \
                 recipient_unit_id, category, shard, quarters, counts) \
                 SELECT a, b, c, d, 0, array_agg(e ORDER BY e), array_agg(f ORDER BY e) \
                 FROM unnest($1::date[], $2::uuid[], $3::uuid[], $4::text[], $5::int[], \
                 $6::int[]) AS x(a, b, c, d, e, f) GROUP BY a, b, c, d \
                 ON CONFLICT (sent_on, sender_unit_id, recipient_unit_id, category, shard) \
                 DO UPDATE SET (quarters, counts) = (SELECT h.quarters, h.counts \
                 FROM answer_histogram_add(t.quarters, t.counts, EXCLUDED.quarters, \
                 EXCLUDED.counts) h)",
            )
            .bind::<Array<SqlDate>, _>(cols.sent_on)
            .bind::<Array<SqlUuid>, _>(cols.sender)
            .bind::<Array<SqlUuid>, _>(cols.recipient)
            .bind::<Array<Text>, _>(cols.category)
            .bind::<Array<Integer>, _>(quarter_col)
            .bind::<Array<Integer>, _>(n_col)
            .execute(conn)?;
        }
        Ok(())
    }
}

/// Brings the counters up to date with the feed: the events after the projection's cursor,
/// `batch` at a time, at most `max_batches` batches (one transaction each, under an advisory
/// lock so that one process at a time does it). Returns how many events were read.
///
/// A create, a reply and a cancellation write nothing here themselves: the figures follow the
/// feed they already write (a batch of a thousand creates costs a few grouped upserts instead
/// of a thousand row updates in the creates' own transactions). The statistics request calls
/// this first, so its answer includes every committed change; a background task keeps the
/// backlog small.
pub fn catch_up(conn: &mut PgConnection, batch: i64, max_batches: usize) -> QueryResult<usize> {
    let mut total = 0;
    for _ in 0..max_batches {
        // Committed events get their feed number first (see models::event).
        crate::models::event::number_pending(conn)?;
        let read = conn.transaction(|conn| {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                .bind::<BigInt, _>(PROJECTION_LOCK)
                .execute(conn)?;
            // Planned for the cursor's actual value (a generic plan took 67 ms on the bench
            // database to find no new event).
            diesel::sql_query("SET LOCAL plan_cache_mode = 'force_custom_plan'").execute(conn)?;
            let events: Vec<FedEvent> = diesel::sql_query(
                "SELECT e.seq, e.type AS kind, e.at, m.sent_at, m.reply_due_by, \
                 m.sender_unit_id, m.recipient_unit_id, m.category, m.answered_at, \
                 m.cancel_reason, \
                 (SELECT r.outcome FROM message_replies r WHERE r.message_id = m.id \
                  AND r.created_at = m.answered_at ORDER BY r.id LIMIT 1) AS outcome \
                 FROM events e LEFT JOIN messages m ON m.id = e.message_id \
                 WHERE e.seq > (SELECT seq FROM statistics_cursor WHERE id = 1) \
                 ORDER BY e.seq LIMIT $1",
            )
            .bind::<BigInt, _>(batch)
            .load(conn)?;
            let Some(last) = events.last().map(|e| e.seq) else {
                return Ok(0);
            };
            let mut deltas = Deltas::default();
            for e in &events {
                deltas.add(e);
            }
            deltas.write(conn)?;
            diesel::sql_query("UPDATE statistics_cursor SET seq = $1 WHERE id = 1")
                .bind::<BigInt, _>(last)
                .execute(conn)?;
            Ok::<_, diesel::result::Error>(events.len())
        })?;
        total += read;
        if (read as i64) < batch {
            break;
        }
    }
    Ok(total)
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

    /// The SQL expression grouped by, over a row aliased `s` with the day column `day` and,
    /// for `kommun`, the parties joined as `su` (sender) and `ru` (recipient, possibly NULL
    /// for refusals). Dates and ids, not text, so grouping hashes small values.
    fn group_expr(self, day: &str) -> String {
        match self {
            GroupBy::Month => format!("date_trunc('month', {day}::timestamp)"),
            GroupBy::Week => format!("date_trunc('week', {day}::timestamp)"),
            GroupBy::SenderUnit => "s.sender_unit_id".into(),
            GroupBy::RecipientUnit => "s.recipient_unit_id".into(),
            GroupBy::Kommun => "CASE WHEN su.kind = 'kommun' THEN su.municipality_code \
                                ELSE ru.municipality_code END"
                .into(),
            GroupBy::Category => "s.category".into(),
        }
    }

    /// The key as the answer writes it (`2026-11`, `2026-W48`, an id, a code), from the
    /// grouped expression.
    fn select_expr(self, day: &str) -> String {
        let g = self.group_expr(day);
        match self {
            GroupBy::Month => format!("to_char({g}, 'YYYY-MM')"),
            GroupBy::Week => format!("to_char({g}, 'IYYY-\"W\"IW')"),
            GroupBy::SenderUnit | GroupBy::RecipientUnit => format!("{g}::text"),
            GroupBy::Kommun | GroupBy::Category => g,
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

/// The key columns every figure query returns (`k_<grouping>`, NULL when not grouped by it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, QueryableByName)]
pub struct GroupKeys {
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
}

impl GroupKeys {
    /// The keys in the order of [`GroupBy::ALL`].
    pub fn to_array(&self) -> Keys {
        [
            self.k_month.clone(),
            self.k_week.clone(),
            self.k_sender_unit.clone(),
            self.k_recipient_unit.clone(),
            self.k_kommun.clone(),
            self.k_category.clone(),
        ]
    }
}

/// The counters of one group.
#[derive(Debug, Clone, Default, PartialEq, Eq, QueryableByName)]
pub struct Counts {
    /// The group.
    #[diesel(embed)]
    pub key: GroupKeys,
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

/// The answer-time percentiles of a group (or, with `all_groups`, of every group together),
/// in quarter hours, nearest rank.
#[derive(Debug, Clone)]
pub struct Percentiles {
    /// The group.
    pub key: GroupKeys,
    /// Whether this is every group together.
    pub all_groups: bool,
    pub q50: Option<i32>,
    pub q90: Option<i32>,
    pub answers: i64,
}

/// Refusals of one rule in a group.
#[derive(Debug, Clone, QueryableByName)]
pub struct Refusals {
    /// The group.
    #[diesel(embed)]
    pub key: GroupKeys,
    #[diesel(sql_type = Text)]
    pub rule_code: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// `SELECT` list of the six key columns and the `GROUP BY` list for `groups`.
fn key_sql(groups: &[GroupBy], day: &str) -> (String, String) {
    let mut select = Vec::new();
    let mut group = Vec::new();
    for g in GroupBy::ALL {
        let name = format!("k_{}", g.as_str());
        if groups.contains(&g) {
            select.push(format!("{} AS {name}", g.select_expr(day)));
            group.push(g.group_expr(day));
        } else {
            select.push(format!("NULL::text AS {name}"));
        }
    }
    (select.join(", "), group.join(", "))
}

/// `FROM` a statistics table: the units are joined only when the kommun is a key (the
/// recipient of a refusal may be unknown: a left join there).
fn from_sql(table: &str, groups: &[GroupBy], recipient_may_be_null: bool) -> String {
    if groups.contains(&GroupBy::Kommun) {
        let join = if recipient_may_be_null {
            "LEFT JOIN"
        } else {
            "JOIN"
        };
        format!(
            "{table} s JOIN units su ON su.id = s.sender_unit_id \
             {join} units ru ON ru.id = s.recipient_unit_id"
        )
    } else {
        format!("{table} s")
    }
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

/// Settings for the statistics queries, in the caller's transaction: plans for the actual
/// values, the year's histogram grouped in memory (hashing some 10^5–10^6 small rows) and in
/// parallel, and no JIT compilation, which costs more than it saves on queries this short.
pub fn tune_for_report(conn: &mut PgConnection) -> QueryResult<()> {
    // The pool's sessions force generic plans (db.rs); these queries need the period's and the
    // filters' real values to be planned (a generic plan took twice as long on the bench).
    conn.batch_execute(
        "SET LOCAL plan_cache_mode = 'force_custom_plan'; SET LOCAL work_mem = '64MB'; \
         SET LOCAL jit = off; SET LOCAL parallel_setup_cost = 0; \
         SET LOCAL parallel_tuple_cost = 0",
    )?;
    Ok(())
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
         FROM {} WHERE {}{}",
        from_sql("message_stats", groups, false),
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

/// One day's answer-time histogram of one pair of units and category, with its group keys.
#[derive(QueryableByName)]
struct HistogramRow {
    #[diesel(embed)]
    key: GroupKeys,
    #[diesel(sql_type = Array<Integer>)]
    quarters: Vec<i32>,
    #[diesel(sql_type = Array<Integer>)]
    counts: Vec<i32>,
}

/// Answers per quarter hour of working time, merged from the daily histograms of a group.
#[derive(Debug, Default)]
pub struct Histogram(BTreeMap<i32, i64>);

impl Histogram {
    /// Adds `counts[i]` answers at `quarters[i]`.
    pub fn add(&mut self, quarters: &[i32], counts: &[i32]) {
        for (q, n) in quarters.iter().zip(counts) {
            *self.0.entry(*q).or_default() += i64::from(*n);
        }
    }

    /// How many answers it holds.
    pub fn answers(&self) -> i64 {
        self.0.values().sum()
    }

    /// The `num`/`den` percentile by nearest rank: the smallest quarter hour at which at
    /// least ⌈num/den × answers⌉ (and at least one) answers have come. `None` when empty.
    pub fn percentile(&self, num: i64, den: i64) -> Option<i32> {
        let rank = ((num * self.answers() + den - 1) / den).max(1);
        let mut seen = 0;
        self.0.iter().find_map(|(q, n)| {
            seen += n;
            (seen >= rank).then_some(*q)
        })
    }

    fn figures(&self, key: GroupKeys, all_groups: bool) -> Percentiles {
        Percentiles {
            key,
            all_groups,
            q50: self.percentile(1, 2),
            q90: self.percentile(9, 10),
            answers: self.answers(),
        }
    }
}

/// Median and 90th percentile of the answer times per group and of all groups together.
/// The database returns the period's daily histograms with their group keys (one row per day,
/// pair of units and category: about 9,400 rows for the bench's year), and they are merged
/// here, which takes a few milliseconds where grouping a row per quarter hour in SQL took
/// 0.4–0.5 s (migration 000014).
pub fn percentiles(
    conn: &mut PgConnection,
    groups: &[GroupBy],
    f: &Filter,
) -> QueryResult<Vec<Percentiles>> {
    let (select, _) = key_sql(groups, "s.sent_on");
    let sql = format!(
        "SELECT {select}, s.quarters, s.counts FROM {} WHERE {}",
        from_sql("message_answer_histograms", groups, false),
        where_sql("s.sent_on"),
    );
    let rows: Vec<HistogramRow> = diesel::sql_query(sql)
        .bind::<SqlDate, _>(f.from)
        .bind::<SqlDate, _>(f.to)
        .bind::<Nullable<SqlUuid>, _>(f.unit_id)
        .bind::<Nullable<Text>, _>(f.category.as_deref())
        .load(conn)?;
    let mut all = Histogram::default();
    let mut by_key: HashMap<GroupKeys, Histogram> = HashMap::new();
    for row in rows {
        all.add(&row.quarters, &row.counts);
        if !groups.is_empty() {
            by_key
                .entry(row.key)
                .or_default()
                .add(&row.quarters, &row.counts);
        }
    }
    let mut out: Vec<Percentiles> = by_key
        .into_iter()
        .map(|(key, h)| h.figures(key, false))
        .collect();
    out.push(all.figures(GroupKeys::default(), true));
    Ok(out)
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
         FROM {} WHERE {}{}",
        from_sql("rule_refusals", groups, true),
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

#[cfg(test)]
mod tests {
    use super::Histogram;

    fn of(quarters: &[i32], counts: &[i32]) -> Histogram {
        let mut h = Histogram::default();
        h.add(quarters, counts);
        h
    }

    #[test]
    fn an_empty_histogram_has_no_percentiles() {
        let h = Histogram::default();
        assert_eq!(
            (h.answers(), h.percentile(1, 2), h.percentile(9, 10)),
            (0, None, None)
        );
    }

    #[test]
    fn one_answer_is_every_percentile() {
        let h = of(&[7], &[1]);
        assert_eq!(
            (h.percentile(1, 2), h.percentile(9, 10)),
            (Some(7), Some(7))
        );
    }

    #[test]
    fn percentiles_are_read_by_nearest_rank() {
        // Ten answers at quarters 1..=10: the median is the 5th, the 90th percentile the 9th.
        let h = of(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], &[1; 10]);
        assert_eq!(
            (h.percentile(1, 2), h.percentile(9, 10)),
            (Some(5), Some(9))
        );
        // Eleven: ⌈5.5⌉ = 6th and ⌈9.9⌉ = 10th.
        let h = of(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], &[1; 11]);
        assert_eq!(
            (h.percentile(1, 2), h.percentile(9, 10)),
            (Some(6), Some(10))
        );
    }

    #[test]
    fn daily_histograms_merge_by_quarter() {
        // Two days of one group: 3 answers at 0 and 1 at 40, then 2 at 40 and 4 at 80.
        let mut h = of(&[0, 40], &[3, 1]);
        h.add(&[40, 80], &[2, 4]);
        assert_eq!(h.answers(), 10);
        // Ranks 5 (median) and 9 (p90): 0 0 0 40 [40] 40 80 80 [80] 80.
        assert_eq!(
            (h.percentile(1, 2), h.percentile(9, 10)),
            (Some(40), Some(80))
        );
        // Rank 3 of 10 is still quarter 0; rank 4 is 40.
        assert_eq!(
            (h.percentile(3, 10), h.percentile(4, 10)),
            (Some(0), Some(40))
        );
    }
}
