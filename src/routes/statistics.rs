//! `GET /api/v1/statistics`: how the routine's promise holds — answers within the reply window,
//! working hours to the first answer, where messages pile up, which rules refuse most. For the
//! routine's owners (role `statistik`) and admins. Aggregates only: no patient data, and no
//! access-log entry (nothing about a patient is read).
//!
//! Figures come from the counters kept at write time (see `models::statistics`); grouping by
//! month, ISO week, sending or receiving unit, the kommun of the message's municipal party,
//! and category, in any combination. `Accept: text/csv` gives the same table as Swedish CSV.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{get, web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Caller, Role};
use crate::db;
use crate::domain::category::Category;
use crate::domain::iso_date;
use crate::domain::municipality;
use crate::domain::reply_window::{to_stockholm, OFFICE_CLOSES};
use crate::domain::rules::RuleCode;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::models::statistics::{self, Counts, Filter, GroupBy, Keys, QUARTER_MINUTES};
use crate::state::AppState;
use crate::text;

/// The share answered in time the routine promises: every message, within seven working days.
pub const GOAL_IN_TIME_SHARE: f64 = 1.0;

/// Events the projection reads per transaction.
pub const CATCH_UP_BATCH: i64 = 5000;

/// Longest period one request covers.
const MAX_DAYS: i64 = 5 * 366;

/// Which messages, grouped how.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatisticsQuery {
    /// First sending day, `YYYY-MM-DD` in Stockholm time (default: the first day of the month
    /// eleven months before `to`, so twelve months in all).
    #[param(example = "2026-01-01")]
    pub from: Option<String>,
    /// Last sending day, inclusive (default: today).
    #[param(example = "2026-12-31")]
    pub to: Option<String>,
    /// Comma-separated groupings: `month`, `week` (ISO), `sender_unit`, `recipient_unit`,
    /// `kommun` (of the message's municipal party), `category`. None: one total.
    #[param(example = "month,recipient_unit")]
    pub group_by: Option<String>,
    /// Only messages this unit sent or received.
    pub unit_id: Option<Uuid>,
    /// Only this category (`recept`, `provtagning`, `uppfoljning`, `bokning`).
    pub category: Option<String>,
}

/// A unit a group is about.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatisticsUnit {
    /// The unit's name.
    pub name: String,
    /// HSA-id.
    pub hsa_id: String,
    /// Directory id.
    pub id: Uuid,
}

/// A kommun a group is about.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatisticsKommun {
    /// Municipality code (e.g. `1380`).
    pub code: String,
    /// Its name (e.g. `Halmstad`).
    pub name: String,
}

/// What a group is: only the groupings asked for are present.
#[derive(Debug, Clone, Default, Serialize, ToSchema, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatisticsKey {
    /// `YYYY-MM` of the sending day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    /// ISO week of the sending day, `YYYY-Www`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub week: Option<String>,
    /// The sending unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_unit: Option<StatisticsUnit>,
    /// The receiving unit (refusals of a draft naming no existing recipient have none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipient_unit: Option<StatisticsUnit>,
    /// The kommun of the message's municipal party.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kommun: Option<StatisticsKommun>,
    /// The category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

/// Cancelled messages by reason.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Cancelled {
    pub wrong_patient: i64,
    pub wrong_recipient: i64,
    pub other: i64,
    pub total: i64,
}

/// Outcomes of the first answers.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Outcomes {
    pub utfort: i64,
    pub ej_utfort: i64,
    pub kontakt_behovs: i64,
    /// Answers that named no outcome.
    pub none: i64,
}

/// Working hours (office hours on working days) from sending to the first answer.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct AnswerHours {
    /// Median, in hours, to the quarter hour below (nearest-rank); null without answers.
    pub median: Option<f64>,
    /// 90th percentile, likewise.
    pub p90: Option<f64>,
    /// Answers these are computed from (answers of messages sent before statistics were
    /// kept have no recorded working time).
    pub answers: i64,
}

/// The figures of a group (or of all).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct StatisticsFigures {
    /// Messages sent.
    pub sent: i64,
    /// Cancelled, by reason.
    pub cancelled: Cancelled,
    /// Messages answered by the receiving unit.
    pub answered: i64,
    /// Of those, answered by `reply_due_by` (17:00 on the 7th working day).
    pub answered_in_time: i64,
    /// `answered_in_time` ÷ (`answered` + `open_overdue`): the messages whose promise is
    /// decided, kept. Null when none is decided yet.
    pub answered_in_time_share: Option<f64>,
    /// Open (neither answered nor cancelled) and past `reply_due_by`, now.
    pub open_overdue: i64,
    /// Working hours to the first answer.
    pub working_hours_to_answer: AnswerHours,
    /// Outcomes of the first answers.
    pub outcomes: Outcomes,
    /// How often each rule refused a create or a reply, by the day it happened (every rule
    /// code present, zero included).
    pub refusals: BTreeMap<String, i64>,
}

/// One group.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatisticsGroup {
    /// What the group is.
    pub key: StatisticsKey,
    /// Its figures.
    pub figures: StatisticsFigures,
}

/// The statistics of a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatisticsReport {
    /// First sending day.
    #[schema(value_type = String, format = Date)]
    pub from: String,
    /// Last sending day (inclusive).
    #[schema(value_type = String, format = Date)]
    pub to: String,
    /// The groupings, in the order of the keys.
    pub group_by: Vec<String>,
    /// The unit filter, if any.
    pub unit_id: Option<Uuid>,
    /// The category filter, if any.
    pub category: Option<String>,
    /// When the figures were read (open and overdue counts are as of this moment).
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    /// The share answered in time the routine promises (1.0: every message).
    pub goal_in_time_share: f64,
    /// One entry per group, ordered by key; empty groups are left out.
    pub groups: Vec<StatisticsGroup>,
    /// Every group together.
    pub total: StatisticsFigures,
}

fn date_param(value: Option<&str>, name: &str) -> AppResult<Option<Date>> {
    value
        .map(|v| {
            iso_date::parse(v).ok_or_else(|| {
                AppError::invalid_query(text!(
                    "`{name}` ska vara ett datum ÅÅÅÅ-MM-DD.",
                    "`{name}` must be a date YYYY-MM-DD."
                ))
            })
        })
        .transpose()
}

/// The first day of the month `months` before `d`'s month.
fn month_start_before(d: Date, months: i32) -> Date {
    let index = d.year() * 12 + (d.month() as i32 - 1) - months;
    let (year, month0) = (index.div_euclid(12), index.rem_euclid(12));
    let month = Month::try_from(month0 as u8 + 1).unwrap_or(Month::January);
    Date::from_calendar_date(year, month, 1).unwrap_or(d)
}

/// The groupings asked for, in canonical order, without repeats.
fn parse_group_by(value: Option<&str>) -> AppResult<Vec<GroupBy>> {
    let mut out = Vec::new();
    for part in value
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let g = GroupBy::parse(part).ok_or_else(|| {
            if part == "unit" {
                AppError::invalid_query(Msg::new(
                    "`group_by=unit` är tvetydigt: ange `sender_unit` (avsändande enhet) eller \
                     `recipient_unit` (mottagande enhet).",
                    "`group_by=unit` is ambiguous: say `sender_unit` or `recipient_unit`.",
                ))
            } else {
                AppError::invalid_query(text!(
                    "`group_by` tar `month`, `week`, `sender_unit`, `recipient_unit`, `kommun` \
                     och `category`, inte `{part}`.",
                    "`group_by` takes `month`, `week`, `sender_unit`, `recipient_unit`, `kommun` \
                     and `category`, not `{part}`."
                ))
            }
        })?;
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out.sort();
    Ok(out)
}

/// Quarter hours as hours.
fn hours(quarter: Option<i32>) -> Option<f64> {
    quarter.map(|q| f64::from(q) * QUARTER_MINUTES as f64 / 60.0)
}

#[derive(Default)]
struct Acc {
    counts: Counts,
    /// (median, 90th percentile) in quarter hours, and the answers they are read from.
    times: (Option<i32>, Option<i32>, i64),
    refusals: BTreeMap<String, i64>,
}

impl Acc {
    fn add_counts(&mut self, c: &Counts) {
        let a = &mut self.counts;
        a.sent += c.sent;
        a.cancelled_wrong_patient += c.cancelled_wrong_patient;
        a.cancelled_wrong_recipient += c.cancelled_wrong_recipient;
        a.cancelled_other += c.cancelled_other;
        a.answered += c.answered;
        a.answered_in_time += c.answered_in_time;
        a.open_overdue += c.open_overdue;
        a.outcome_utfort += c.outcome_utfort;
        a.outcome_ej_utfort += c.outcome_ej_utfort;
        a.outcome_kontakt_behovs += c.outcome_kontakt_behovs;
        a.outcome_none += c.outcome_none;
    }

    fn figures(&self) -> StatisticsFigures {
        let c = &self.counts;
        let decided = c.answered + c.open_overdue;
        let mut refusals: BTreeMap<String, i64> = RuleCode::ALL
            .iter()
            .map(|r| (r.as_str().to_string(), 0))
            .collect();
        for (rule, n) in &self.refusals {
            *refusals.entry(rule.clone()).or_insert(0) += n;
        }
        StatisticsFigures {
            sent: c.sent,
            cancelled: Cancelled {
                wrong_patient: c.cancelled_wrong_patient,
                wrong_recipient: c.cancelled_wrong_recipient,
                other: c.cancelled_other,
                total: c.cancelled_wrong_patient + c.cancelled_wrong_recipient + c.cancelled_other,
            },
            answered: c.answered,
            answered_in_time: c.answered_in_time,
            answered_in_time_share: (decided > 0)
                .then(|| c.answered_in_time as f64 / decided as f64),
            open_overdue: c.open_overdue,
            working_hours_to_answer: AnswerHours {
                median: hours(self.times.0),
                p90: hours(self.times.1),
                answers: self.times.2,
            },
            outcomes: Outcomes {
                utfort: c.outcome_utfort,
                ej_utfort: c.outcome_ej_utfort,
                kontakt_behovs: c.outcome_kontakt_behovs,
                none: c.outcome_none,
            },
            refusals,
        }
    }
}

/// Names of the units the keys mention.
fn unit_names(
    conn: &mut PgConnection,
    ids: Vec<Uuid>,
) -> QueryResult<HashMap<Uuid, StatisticsUnit>> {
    use crate::schema::units;
    let rows: Vec<(Uuid, String, String)> = units::table
        .filter(units::id.eq_any(ids))
        .select((units::id, units::hsa_id, units::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, hsa_id, name)| (id, StatisticsUnit { name, hsa_id, id }))
        .collect())
}

fn key_of(keys: &Keys, units: &HashMap<Uuid, StatisticsUnit>) -> StatisticsKey {
    let unit = |k: &Option<String>| {
        k.as_deref()
            .and_then(|s| s.parse::<Uuid>().ok())
            .and_then(|id| units.get(&id).cloned())
    };
    StatisticsKey {
        month: keys[0].clone(),
        week: keys[1].clone(),
        sender_unit: unit(&keys[2]),
        recipient_unit: unit(&keys[3]),
        kommun: keys[4].as_ref().map(|code| StatisticsKommun {
            code: code.clone(),
            name: municipality::name(code).unwrap_or(code).to_string(),
        }),
        category: keys[5].clone(),
    }
}

/// Reads and assembles the report.
fn report(
    conn: &mut PgConnection,
    groups: &[GroupBy],
    filter: &Filter,
) -> AppResult<(Vec<StatisticsGroup>, StatisticsFigures)> {
    let mut by_key: BTreeMap<Keys, Acc> = BTreeMap::new();
    let mut all = Acc::default();
    for c in statistics::counts(conn, groups, filter)? {
        all.add_counts(&c);
        by_key.entry(c.key.to_array()).or_default().add_counts(&c);
    }
    for p in statistics::percentiles(conn, groups, filter)? {
        let times = (p.q50, p.q90, p.answers);
        if p.all_groups {
            all.times = times;
        } else {
            by_key.entry(p.key.to_array()).or_default().times = times;
        }
    }
    for r in statistics::refusals(conn, groups, filter)? {
        *all.refusals.entry(r.rule_code.clone()).or_insert(0) += r.n;
        *by_key
            .entry(r.key.to_array())
            .or_default()
            .refusals
            .entry(r.rule_code.clone())
            .or_insert(0) += r.n;
    }
    let ids: Vec<Uuid> = by_key
        .keys()
        .flat_map(|k| [&k[2], &k[3]])
        .filter_map(|k| k.as_deref().and_then(|s| s.parse().ok()))
        .collect();
    let units = unit_names(conn, ids)?;
    let mut out: Vec<StatisticsGroup> = if groups.is_empty() {
        Vec::new()
    } else {
        by_key
            .iter()
            .map(|(k, acc)| StatisticsGroup {
                key: key_of(k, &units),
                figures: acc.figures(),
            })
            .collect()
    };
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok((out, all.figures()))
}

/// Whether the client asked for CSV rather than JSON.
fn wants_csv(req: &HttpRequest) -> bool {
    use actix_web::http::header::{Accept, Header};
    let Ok(accept) = Accept::parse(req) else {
        return false;
    };
    for mime in accept.ranked() {
        match (mime.type_().as_str(), mime.subtype().as_str()) {
            ("text", "csv") => return true,
            ("application", "json") | ("application", "*") | ("*", "*") => return false,
            _ => {}
        }
    }
    false
}

/// A decimal number as Swedish spreadsheets read it (decimal comma).
fn sv_number(x: f64, decimals: usize) -> String {
    format!("{x:.decimals$}").replace('.', ",")
}

fn csv_field(s: &str) -> String {
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The report as CSV: Swedish column names, `;` between fields, decimal comma, CRLF, UTF-8 with
/// a byte-order mark (so spreadsheet software reads å, ä and ö right).
pub fn to_csv(report: &StatisticsReport, groups: &[GroupBy]) -> String {
    let mut head: Vec<String> = Vec::new();
    for g in groups {
        match g {
            GroupBy::Month => head.push("månad".into()),
            GroupBy::Week => head.push("vecka".into()),
            GroupBy::SenderUnit => {
                head.push("avsändande enhet".into());
                head.push("avsändande enhet HSA-id".into());
            }
            GroupBy::RecipientUnit => {
                head.push("mottagande enhet".into());
                head.push("mottagande enhet HSA-id".into());
            }
            GroupBy::Kommun => {
                head.push("kommun".into());
                head.push("kommunkod".into());
            }
            GroupBy::Category => head.push("kategori".into()),
        }
    }
    for h in [
        "skickade",
        "återkallade: fel patient",
        "återkallade: fel mottagare",
        "återkallade: annat",
        "besvarade",
        "besvarade i tid",
        "andel besvarade i tid (%)",
        "öppna och försenade",
        "arbetstimmar till svar: median",
        "arbetstimmar till svar: 90:e percentilen",
        "utfall: utfört",
        "utfall: ej utfört",
        "utfall: kontakt behövs",
        "utfall: inget angivet",
    ] {
        head.push(h.into());
    }
    for r in RuleCode::ALL {
        head.push(format!("stoppade av regeln {}", r.as_str()));
    }
    let mut rows = vec![head];
    let mut push = |key: Option<&StatisticsKey>, f: &StatisticsFigures| {
        let mut row: Vec<String> = Vec::new();
        for g in groups {
            let k = key.cloned().unwrap_or_default();
            match g {
                GroupBy::Month => row.push(k.month.unwrap_or_else(|| "totalt".into())),
                GroupBy::Week => row.push(k.week.unwrap_or_else(|| "totalt".into())),
                GroupBy::SenderUnit => {
                    let u = k.sender_unit;
                    row.push(u.as_ref().map_or("totalt".into(), |u| u.name.clone()));
                    row.push(u.map(|u| u.hsa_id).unwrap_or_default());
                }
                GroupBy::RecipientUnit => {
                    let u = k.recipient_unit;
                    row.push(u.as_ref().map_or(
                        if key.is_some() { "(okänd)" } else { "totalt" }.into(),
                        |u| u.name.clone(),
                    ));
                    row.push(u.map(|u| u.hsa_id).unwrap_or_default());
                }
                GroupBy::Kommun => {
                    let kk = k.kommun;
                    row.push(kk.as_ref().map_or("totalt".into(), |k| k.name.clone()));
                    row.push(kk.map(|k| k.code).unwrap_or_default());
                }
                GroupBy::Category => row.push(k.category.unwrap_or_else(|| "totalt".into())),
            }
        }
        let hours = |h: Option<f64>| h.map(|h| sv_number(h, 2)).unwrap_or_default();
        row.extend([
            f.sent.to_string(),
            f.cancelled.wrong_patient.to_string(),
            f.cancelled.wrong_recipient.to_string(),
            f.cancelled.other.to_string(),
            f.answered.to_string(),
            f.answered_in_time.to_string(),
            f.answered_in_time_share
                .map(|s| sv_number(s * 100.0, 1))
                .unwrap_or_default(),
            f.open_overdue.to_string(),
            hours(f.working_hours_to_answer.median),
            hours(f.working_hours_to_answer.p90),
            f.outcomes.utfort.to_string(),
            f.outcomes.ej_utfort.to_string(),
            f.outcomes.kontakt_behovs.to_string(),
            f.outcomes.none.to_string(),
        ]);
        for r in RuleCode::ALL {
            row.push(f.refusals.get(r.as_str()).copied().unwrap_or(0).to_string());
        }
        rows.push(row);
    };
    for g in &report.groups {
        push(Some(&g.key), &g.figures);
    }
    push(None, &report.total);
    let mut out = String::from("\u{feff}");
    for row in rows {
        let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(";"));
        out.push_str("\r\n");
    }
    out
}

/// Answer-time statistics of the routine.
///
/// For the routine's owners (role `statistik`) and admins: per group, messages `sent`,
/// `cancelled` by reason, `answered`, `answered_in_time` (the first answer by `reply_due_by`)
/// and its share of the messages whose promise is decided (answered, or open past their due
/// time), `open_overdue` now, working hours to the first answer (median and 90th percentile,
/// counted in office hours on working days, to the quarter hour), the answers' outcomes, and
/// how often each of the seven rules refused a create or a reply. Periods are sending days in
/// Stockholm time (refusals: the day they happened). Aggregates only — no patient data, and
/// nothing is written to the access log. `Accept: text/csv` answers the same table as CSV
/// for Swedish spreadsheets: semicolon-separated, decimal comma, UTF-8 with BOM, a total row
/// last. 400 `INVALID_QUERY` for an unknown grouping, a bad date, `from` after `to`, or more
/// than five years.
#[utoipa::path(tag = "statistics", params(StatisticsQuery), responses(
    (status = 200, description = "The figures, per group and in total.", content(
        (StatisticsReport = "application/json"),
        (String = "text/csv"),
    )),
))]
#[get("/statistics")]
pub async fn get_statistics(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<StatisticsQuery>,
) -> AppResult<HttpResponse> {
    if !caller.has_role(Role::Statistik) && !caller.has_role(Role::Admin) {
        return Err(AppError::Forbidden {
            code: "ROLE_REQUIRED",
            detail: Msg::new(
                "Detta kräver rollen `statistik` eller `admin`.",
                "This needs the role `statistik` or `admin`.",
            ),
        });
    }
    let q = query.into_inner();
    let now = state.clock.now();
    let local = to_stockholm(now);
    let today = local.date();
    let to = date_param(q.to.as_deref(), "to")?.unwrap_or(today);
    let from = date_param(q.from.as_deref(), "from")?.unwrap_or_else(|| month_start_before(to, 11));
    if from > to {
        return Err(AppError::invalid_query(Msg::new(
            "`from` ligger efter `to`.",
            "`from` is after `to`.",
        )));
    }
    if to - from > Duration::days(MAX_DAYS) {
        return Err(AppError::invalid_query(Msg::new(
            "Perioden får vara högst fem år.",
            "The period may be at most five years.",
        )));
    }
    if let Some(c) = &q.category {
        if Category::ALL.iter().all(|k| k.as_str() != c) {
            return Err(AppError::invalid_query(text!(
                "`category` är en av `recept`, `provtagning`, `uppfoljning`, `bokning`, inte `{c}`.",
                "`category` is one of `recept`, `provtagning`, `uppfoljning`, `bokning`, not `{c}`."
            )));
        }
    }
    let groups = parse_group_by(q.group_by.as_deref())?;
    let overdue_before = if local.time() >= OFFICE_CLOSES {
        today.next_day().unwrap_or(today)
    } else {
        today
    };
    let filter = Filter {
        from,
        to,
        unit_id: q.unit_id,
        category: q.category.clone(),
        overdue_before,
    };
    let g = groups.clone();
    let (rows, total) = db::run(&state.pool, move |conn| {
        // Every committed change counts: the projection catches up first (a background task
        // keeps its backlog to seconds, so this is usually one short query).
        statistics::catch_up(conn, CATCH_UP_BATCH, usize::MAX)?;
        conn.transaction(|conn| {
            statistics::tune_for_report(conn)?;
            report(conn, &g, &filter)
        })
    })
    .await?;
    let report = StatisticsReport {
        from: from.to_string(),
        to: to.to_string(),
        group_by: groups.iter().map(|g| g.as_str().to_string()).collect(),
        unit_id: q.unit_id,
        category: q.category,
        generated_at: now,
        goal_in_time_share: GOAL_IN_TIME_SHARE,
        groups: rows,
        total,
    };
    let vary = HeaderValue::from_static("Accept");
    if wants_csv(&req) {
        let name = format!("attachment; filename=\"samverkan-statistik-{from}-{to}.csv\"");
        return Ok(HttpResponse::Ok()
            .insert_header((
                header::CONTENT_TYPE,
                "text/csv; charset=utf-8; header=present",
            ))
            .insert_header((header::CONTENT_DISPOSITION, name))
            .insert_header((header::VARY, vary))
            .body(to_csv(&report, &groups)));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::VARY, vary))
        .json(report))
}

/// Registers the route.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_statistics);
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_default_period_is_twelve_months() {
        assert_eq!(
            month_start_before(date!(2026 - 12 - 08), 11),
            date!(2026 - 01 - 01)
        );
        assert_eq!(
            month_start_before(date!(2026 - 03 - 31), 11),
            date!(2025 - 04 - 01)
        );
        assert_eq!(
            month_start_before(date!(2026 - 01 - 15), 0),
            date!(2026 - 01 - 01)
        );
    }

    #[test]
    fn groupings_are_checked_and_put_in_order() {
        assert_eq!(
            parse_group_by(Some("category, month,month")).unwrap(),
            vec![GroupBy::Month, GroupBy::Category]
        );
        assert!(parse_group_by(Some("unit")).is_err());
        assert!(parse_group_by(Some("day")).is_err());
        assert!(parse_group_by(None).unwrap().is_empty());
    }

    #[test]
    fn csv_fields_are_quoted_only_when_needed_and_numbers_use_a_decimal_comma() {
        assert_eq!(
            csv_field("Vårdcentralen Halmstad"),
            "Vårdcentralen Halmstad"
        );
        assert_eq!(csv_field("a;b"), "\"a;b\"");
        assert_eq!(csv_field("sa \"hej\""), "\"sa \"\"hej\"\"\"");
        assert_eq!(sv_number(94.4444, 1), "94,4");
        assert_eq!(sv_number(2.25, 2), "2,25");
    }
}
