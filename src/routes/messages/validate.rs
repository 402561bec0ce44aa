//! Checking a draft while it is typed: one plain handler per category, sharing [`check`]. The
//! same judgement as sending (see `draft`), nothing stored; the check is an access to the
//! patient it names and is logged.

use actix_web::{post, web};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::access_log::{action, logged};
use crate::auth::Caller;
use crate::error::{AppResult, Violation};
use crate::extract::ApiJson;
use crate::routes::messages::details::{
    BokningDetails, Details, ProvtagningDetails, ReceptDetails, UppfoljningDetails,
};
use crate::routes::messages::draft::{judge, named, parse};
use crate::routes::messages::new_message::{NewBokning, NewProvtagning, NewRecept, NewUppfoljning};
use crate::state::AppState;

/// The answer of a draft check.
#[derive(Debug, Serialize, ToSchema)]
pub struct DraftCheck {
    /// True when the message would be accepted as it is.
    pub valid: bool,
    /// Every problem found (rule codes like `AKUT`, and field codes).
    pub violations: Vec<Violation>,
}

/// Checks a draft of category `D` (see the module documentation).
pub async fn check<D: Details>(
    state: web::Data<AppState>,
    caller: Caller,
    raw: Value,
) -> AppResult<web::Json<DraftCheck>> {
    let now = state.clock.now();
    let parsed = parse::<D>(raw, now);
    let st = state.clone();
    let c = caller.clone();
    let named = named(&parsed);
    let violations = logged(
        &state.pool,
        &caller,
        action::MESSAGE_VALIDATE,
        named,
        move |conn, subject| Ok(judge(conn, &st, &c, &parsed, now, subject)?.violations),
    )
    .await?;
    Ok(web::Json(DraftCheck {
        valid: violations.is_empty(),
        violations,
    }))
}

/// Check a prescription renewal draft.
#[utoipa::path(tag = "messages", summary = "Check a prescription renewal draft", description = "Checks a receptförnyelse draft against every field check and rule without storing anything: 200 `{valid, violations}`, for frontends that warn while the nurse types.", request_body = NewRecept, responses(
    (status = 200, description = "The verdict; `valid` is false when `violations` is not empty.", body = DraftCheck),
))]
#[post("/messages/recept/validate")]
pub async fn validate_recept(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<Value>,
) -> AppResult<web::Json<DraftCheck>> {
    check::<ReceptDetails>(state, caller, body.0).await
}

/// Check a sampling draft.
#[utoipa::path(tag = "messages", summary = "Check a sampling draft", description = "Checks a provtagning draft against every field check and rule without storing anything: 200 `{valid, violations}`.", request_body = NewProvtagning, responses(
    (status = 200, description = "The verdict; `valid` is false when `violations` is not empty.", body = DraftCheck),
))]
#[post("/messages/provtagning/validate")]
pub async fn validate_provtagning(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<Value>,
) -> AppResult<web::Json<DraftCheck>> {
    check::<ProvtagningDetails>(state, caller, body.0).await
}

/// Check a follow-up draft.
#[utoipa::path(tag = "messages", summary = "Check a follow-up draft", description = "Checks an uppföljning draft against every field check and rule without storing anything: 200 `{valid, violations}`.", request_body = NewUppfoljning, responses(
    (status = 200, description = "The verdict; `valid` is false when `violations` is not empty.", body = DraftCheck),
))]
#[post("/messages/uppfoljning/validate")]
pub async fn validate_uppfoljning(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<Value>,
) -> AppResult<web::Json<DraftCheck>> {
    check::<UppfoljningDetails>(state, caller, body.0).await
}

/// Check a booking draft.
#[utoipa::path(tag = "messages", summary = "Check a booking draft", description = "Checks a bokning draft against every field check and rule without storing anything: 200 `{valid, violations}`.", request_body = NewBokning, responses(
    (status = 200, description = "The verdict; `valid` is false when `violations` is not empty.", body = DraftCheck),
))]
#[post("/messages/bokning/validate")]
pub async fn validate_bokning(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<Value>,
) -> AppResult<web::Json<DraftCheck>> {
    check::<BokningDetails>(state, caller, body.0).await
}
