//! Reading messages: a unit's inbox or outbox (keyset paginated, newest first), the summary
//! behind the unread badge, and one message with its thread and history.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::access_log::{action, logged, logged_page, Subject};
use crate::auth::{Caller, Role};
use crate::db;
use crate::domain::category::Category;
use crate::domain::lifecycle::{Mailbox, Status};
use crate::error::{AppError, AppResult};
use crate::models::message::{self, MessageFilter};
use crate::models::patient_relation;
use crate::response::ApiResponse;
use crate::routes::messages::view::{self, Message};
use crate::routes::{access, pagination};
use crate::state::AppState;

/// What one message takes in a response, about (for the first size of the answer's buffer).
const PAGE_BYTES_PER_ITEM: usize = 1536;

/// Mailbox query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageQuery {
    /// `inbox` or `outbox` (required).
    #[serde(rename = "box")]
    #[param(rename = "box", inline)]
    pub mailbox: Mailbox,
    /// Only this status.
    #[param(inline)]
    pub status: Option<Status>,
    /// Only this category.
    #[param(inline)]
    pub category: Option<Category>,
    /// Only messages about this patient.
    pub patient_id: Option<Uuid>,
    /// `true`: only unanswered messages past their due time.
    pub overdue: Option<bool>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// One page of messages.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePage {
    /// Newest first.
    pub items: Vec<Message>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Counts of one mailbox.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct BoxCounts {
    /// Not yet acknowledged (in the inbox: the unread badge).
    pub sent: i64,
    /// Acknowledged, not answered.
    pub read: i64,
    /// Answered.
    pub answered: i64,
    /// Closed.
    pub closed: i64,
    /// Cancelled.
    pub cancelled: i64,
    /// Unread: same as `sent`.
    pub unread: i64,
    /// Unanswered past the due time.
    pub overdue: i64,
    /// All messages.
    pub total: i64,
}

/// The acting unit's message counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageSummary {
    /// The unit the counts are for.
    pub unit_id: Uuid,
    /// Received messages.
    pub inbox: BoxCounts,
    /// Sent messages.
    pub outbox: BoxCounts,
}

/// List a mailbox.
///
/// The acting unit's inbox or outbox, newest first, with filters on status, category,
/// patient and overdue; keyset paginated (`cursor`, `limit` ≤ 200, default 50). Every page is
/// an access to patient data: the access log gets one `message.list` entry for each patient
/// the page shows (`message.list_patient` for the patient a `patient_id` filter names, even
/// when the page is empty; `denied`, with an empty page, when that patient is not in the unit's
/// care).
#[utoipa::path(tag = "messages", params(MessageQuery), responses(
    (status = 200, description = "One page of messages.", body = MessagePage),
))]
#[get("/messages")]
pub async fn list_messages(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<MessageQuery>,
) -> AppResult<ApiResponse> {
    let q = query.into_inner();
    let who = caller.clone();
    let limit = pagination::limit(q.limit)?;
    let before: Option<(i128, Uuid)> = q.cursor.as_deref().map(pagination::decode).transpose()?;
    let before = before
        .map(|(nanos, id)| {
            OffsetDateTime::from_unix_timestamp_nanos(nanos)
                .map(|t| (t, id))
                .map_err(|_| AppError::BadRequest {
                    code: "INVALID_CURSOR",
                    detail: crate::routes::pagination::bad_cursor(),
                })
        })
        .transpose()?;
    let now = state.clock.now();
    let work = move |conn: &mut diesel::PgConnection, subject: &mut Subject| {
        let unit = access::staff_unit(conn, &caller, subject)?;
        // A filter on a patient out of the unit's reach shows nothing and is logged `denied`.
        if let Some(pid) = q.patient_id {
            if !patient_relation::exists_for(conn, &unit, pid)? {
                subject.refused = true;
                return ApiResponse::ok(&MessagePage {
                    items: Vec::new(),
                    next_cursor: None,
                });
            }
        }
        let filter = MessageFilter {
            unit_id: unit.id,
            mailbox: q.mailbox,
            status: q.status,
            category: q.category,
            patient_id: q.patient_id,
            overdue_at: q.overdue.filter(|o| *o).map(|_| now),
            before,
            limit: limit + 1,
        };
        let mut rows = message::list(conn, &filter)?;
        let next_cursor = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last()
                .map(|l| pagination::encode(&(l.row.sent_at.unix_timestamp_nanos(), l.row.id)))
        } else {
            None
        };
        subject.shown = rows.iter().map(|l| l.row.patient_id).collect();
        let page = MessagePage {
            items: view::build(conn, rows, now)?,
            next_cursor,
        };
        ApiResponse::ok_with_capacity(&page, PAGE_BYTES_PER_ITEM * (page.items.len() + 1))
    };
    // Every page is logged for each patient it shows; a filter on a patient is logged for
    // that patient even when the page is empty.
    let (audit_action, named) = match q.patient_id {
        Some(pid) => (action::MESSAGE_LIST_PATIENT, Subject::patient(pid)),
        None => (action::MESSAGE_LIST, Subject::default()),
    };
    logged_page(&state.pool, &who, audit_action, named, work).await
}

/// Mailbox counts.
///
/// For the acting unit: inbox and outbox counts per status, unread and overdue — the unread
/// badge of a frontend.
#[utoipa::path(tag = "messages", params(("If-None-Match" = Option<String>, Header, description = "An `ETag` of an earlier answer: 304 with no body while it is still current.")), responses(
    (status = 200, description = "The counts.", body = MessageSummary, headers(("ETag" = String, description = "Entity tag of the counts"))),
    (status = 304, description = "Not modified: the counts are still those of the `ETag` in `If-None-Match`."),
))]
#[get("/messages/summary")]
pub async fn message_summary(state: web::Data<AppState>, caller: Caller) -> AppResult<ApiResponse> {
    access::require_role(&caller, Role::Personal)?;
    let now = state.clock.now();
    let summary = db::run(&state.pool, move |conn| {
        let unit = access::acting_unit(conn, &caller)?;
        let mut boxes = [BoxCounts::default(), BoxCounts::default()];
        for (mailbox, status, n) in message::counts(conn, unit.id)? {
            let counts = if mailbox == "inbox" {
                &mut boxes[0]
            } else {
                &mut boxes[1]
            };
            match status {
                Status::Sent => counts.sent = n,
                Status::Read => counts.read = n,
                Status::Answered => counts.answered = n,
                Status::Closed => counts.closed = n,
                Status::Cancelled => counts.cancelled = n,
            }
            counts.total += n;
        }
        let (inbox_overdue, outbox_overdue) = message::count_overdue(conn, unit.id, now)?;
        for (counts, overdue) in boxes.iter_mut().zip([inbox_overdue, outbox_overdue]) {
            counts.unread = counts.sent;
            counts.overdue = overdue;
        }
        let [inbox, outbox] = boxes;
        Ok(ApiResponse::ok(&MessageSummary {
            unit_id: unit.id,
            inbox,
            outbox,
        })?
        .with_etag())
    })
    .await?;
    Ok(summary)
}

/// Get a message.
///
/// One message with its thread of replies and its status history. Staff of the sending or
/// receiving unit see it, and an integration platform (role `integration`) whose token's `units`
/// name one of the two; for anyone else the answer is the same 404 as for an id that does not
/// exist. Every read is in the access log, with the role the reader acted in.
#[utoipa::path(tag = "messages", params(("id" = Uuid, Path, description = "Message id"), ("If-None-Match" = Option<String>, Header, description = "An `ETag` of an earlier answer: 304 with no body while it is still current.")), responses(
    (status = 200, description = "The message.", body = Message, headers(("ETag" = String, description = "Entity tag of this representation; changes with the status, the replies and the overdue flag"))),
    (status = 304, description = "Not modified: the message is still as in the `ETag` of `If-None-Match` (the read is still logged)."),
    (status = 404, description = "No such message, or not one of the caller's unit."),
))]
#[get("/messages/{id}")]
pub async fn get_message(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> AppResult<ApiResponse> {
    let id = id.into_inner();
    let c = caller.clone();
    let now = state.clock.now();
    logged(
        &state.pool,
        &caller,
        action::MESSAGE_READ,
        Subject::message(id),
        move |conn, subject| {
            let msg = view::read_one(conn, &c, id, now, subject)?;
            Ok(ApiResponse::ok_with_capacity(&msg, 2 * PAGE_BYTES_PER_ITEM)?.with_etag())
        },
    )
    .await
}
