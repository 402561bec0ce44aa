//! The rule catalogue and the reply-window calculator, for frontends that explain the routine
//! and say "an answer is expected between … and …" before sending.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::db;
use crate::domain::reply_window::{to_stockholm, ReplyWindow};
use crate::domain::rules::catalogue;
use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::routes::access;
use crate::state::AppState;

/// One rule of the routine.
#[derive(Debug, Serialize, ToSchema)]
pub struct Rule {
    /// Stable code, e.g. `AKUT`.
    pub code: &'static str,
    /// Title (Swedish, or English with `Accept-Language: en`).
    #[schema(value_type = String)]
    pub title: Msg,
    /// What the rule means and what to do instead (Swedish, or English on request).
    #[schema(value_type = String)]
    pub explanation: Msg,
    /// The routine's own sentence.
    pub routine_quote: &'static str,
}

/// The rule catalogue.
///
/// Every rule a message is checked against: its stable code, a title and explanation (what to
/// do instead) — Swedish, or English with `Accept-Language: en` —, and the sentence of the
/// Region Halland routine it comes from (always Swedish: the routine's own words).
#[utoipa::path(tag = "rules", responses((status = 200, description = "The rules, in the order violations are reported.", body = [Rule])))]
#[get("/rules")]
pub async fn list_rules(
    state: web::Data<AppState>,
    caller: Caller,
) -> AppResult<web::Json<Vec<Rule>>> {
    db::run(&state.pool, move |conn| {
        access::acting_unit_or_unitless_reader(conn, &caller).map(|_| ())
    })
    .await?;
    Ok(web::Json(
        catalogue()
            .iter()
            .map(|r| Rule {
                code: r.code.as_str(),
                title: r.title(),
                explanation: r.explanation(),
                routine_quote: r.routine_quote,
            })
            .collect(),
    ))
}

/// Reply-window query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReplyWindowQuery {
    /// RFC 3339 sending time (default: now), in the years 1900–2200.
    #[param(
        format = DateTime,
        pattern = "^(19[0-9]{2}|2[01][0-9]{2}|2200)-",
        example = "2026-11-23T10:00:00+01:00"
    )]
    pub sent_at: Option<String>,
}

/// The reply window of a message sent at a given time.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyWindowView {
    /// The sending time asked about.
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    /// The effective sending moment (moved into office hours on a working day).
    #[serde(with = "time::serde::rfc3339")]
    pub effective_sent_at: OffsetDateTime,
    /// An answer is expected from (the same clock time, 2nd working day after).
    #[serde(with = "time::serde::rfc3339")]
    pub reply_expected_from: OffsetDateTime,
    /// An answer is due by (17:00 on the 7th working day after).
    #[serde(with = "time::serde::rfc3339")]
    pub reply_due_by: OffsetDateTime,
}

/// Compute a reply window.
///
/// The routine's "tidigast efter 48 timmar men senast inom 7 dagar (vardagar-kontorstid)" for a
/// message sent at `sent_at` (default now), in Swedish working days and office hours
/// (08:00–17:00 Europe/Stockholm; weekends, public holidays, midsommarafton, julafton and
/// nyårsafton are free).
#[utoipa::path(tag = "rules", params(ReplyWindowQuery), responses((status = 200, description = "The window.", body = ReplyWindowView)))]
#[get("/reply-window")]
pub async fn reply_window(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ReplyWindowQuery>,
) -> AppResult<web::Json<ReplyWindowView>> {
    let sent_at = match &query.sent_at {
        None => state.clock.now(),
        Some(s) => OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .map_err(|_| AppError::BadRequest {
                code: "INVALID_QUERY",
                detail: Msg::new(
                    "`sent_at` ska vara en tidpunkt enligt RFC 3339, med tidszon, t.ex. \
                     2026-11-23T10:00:00+01:00.",
                    "`sent_at` must be an RFC 3339 time with offset, e.g. \
                     2026-11-23T10:00:00+01:00.",
                ),
            })?,
    };
    if !(1900..=2200).contains(&sent_at.year()) {
        return Err(AppError::BadRequest {
            code: "INVALID_QUERY",
            detail: Msg::new(
                "`sent_at` ska ligga mellan åren 1900 och 2200.",
                "`sent_at` must be between the years 1900 and 2200.",
            ),
        });
    }
    db::run(&state.pool, move |conn| {
        access::acting_unit_or_unitless_reader(conn, &caller).map(|_| ())
    })
    .await?;
    let w = ReplyWindow::for_sent_at(sent_at);
    Ok(web::Json(ReplyWindowView {
        sent_at: to_stockholm(sent_at),
        effective_sent_at: w.effective_sent_at,
        reply_expected_from: w.reply_expected_from,
        reply_due_by: w.reply_due_by,
    }))
}

/// Registers the routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_rules).service(reply_window);
}
