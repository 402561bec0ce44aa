//! `GET /api/v1/recipients`: whom the acting unit may send to. A frontend offers exactly these
//! in its recipient picker instead of copying the routing rule: the directory is narrowed in
//! SQL by the rule's kinds, and every row is confirmed by `domain::routing::can_exchange`, the
//! function the create check itself uses.

use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::access_log::Subject;
use crate::auth::Caller;
use crate::db;
use crate::domain::category::Category;
use crate::domain::routing::{can_exchange, UnitFacts};
use crate::domain::unit_kind::UnitKind;
use crate::error::AppResult;
use crate::models::unit::{self, UnitFilter, UnitRow};
use crate::routes::units::{Unit, UnitPage};
use crate::routes::{access, pagination, unit_refs};
use crate::state::AppState;

/// Recipient search.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecipientQuery {
    /// The category about to be written. Today every category has the same recipients (the
    /// routine routes by unit kind alone); a frontend that names it gets the right answer
    /// should that change.
    #[param(inline)]
    pub category: Option<Category>,
    /// Only recipients of this kind.
    pub kind: Option<UnitKind>,
    /// Case-insensitive text in the name.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

fn facts(u: &UnitRow) -> UnitFacts {
    UnitFacts {
        kind: u.kind,
        active: u.active,
        participating: u.participating,
    }
}

/// Whom may my unit send to?
///
/// Care staff (role `personal`) with an active acting unit. The active units the acting unit
/// may exchange messages with under the routine's routing rule (OGILTIG_MOTTAGARE): for a
/// municipal unit, the regional units (närsjukvård, psykiatrisk öppenvård, and specialist
/// clinics that take part); for a regional unit, the municipal home health care units. Ordered
/// by name, paged like `/units`. Sending to any other unit is refused with
/// `OGILTIG_MOTTAGARE`.
#[utoipa::path(tag = "units", params(RecipientQuery), responses(
    (status = 200, description = "One page of recipients.", body = UnitPage),
))]
#[get("/recipients")]
pub async fn list_recipients(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<RecipientQuery>,
) -> AppResult<web::Json<UnitPage>> {
    let q = query.into_inner();
    // Checked by deserialising (an unknown category is 400); it narrows nothing today.
    let _category = q.category;
    let limit = pagination::limit(q.limit)?;
    let after: Option<(String, Uuid)> = q.cursor.as_deref().map(pagination::decode).transpose()?;
    let name_contains = unit_refs::name_search(q.q)?;
    let kind = q.kind;
    let (rows, next) = db::run(&state.pool, move |conn| {
        let sender = access::staff_unit(conn, &caller, &mut Subject::default())?;
        let filter = UnitFilter {
            kind,
            active: Some(true),
            participating: None,
            name_contains,
            counterparts_of: Some(sender.kind),
            after,
            limit: limit + 1,
        };
        let mut rows = unit::list(conn, &filter)?;
        // The cursor is the page's last row as read, before the rule confirms the rows.
        let next = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| (r.name.clone(), r.id))
        } else {
            None
        };
        let sender_facts = facts(&sender);
        rows.retain(|r| r.id != sender.id && can_exchange(&sender_facts, &facts(r)));
        Ok((rows, next))
    })
    .await?;
    Ok(web::Json(UnitPage {
        items: rows.into_iter().map(Unit::from).collect(),
        next_cursor: next.map(|key| pagination::encode(&key)),
    }))
}

/// Registers `/recipients`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_recipients);
}
