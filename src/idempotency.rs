//! `Idempotency-Key` on every POST (and PATCH) that creates or changes something.
//!
//! Inside the effect's transaction the key is claimed first (an insert into
//! `idempotency_keys`); the answer is stored at the end, so key and effect commit together or
//! not at all. The same key and body from the same caller gets the stored answer back
//! (`Idempotent-Replayed: true`) and makes no second row; the same key with another body is
//! 422 `IDEMPOTENCY_KEY_REUSED`; a request whose key is held by one still running waits at
//! most [`IN_PROGRESS_WAIT`] and then gets 409 `IDEMPOTENCY_IN_PROGRESS`. A failed request
//! stores nothing, so it may be retried with the same key.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{SmallInt, Text};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::response::ApiResponse;
use crate::text;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// How long a request waits for another holding its key before answering 409.
pub const IN_PROGRESS_WAIT: &str = "500ms";
/// Longest accepted key.
pub const MAX_KEY_LEN: usize = 255;

/// The SHA-256 of a request body, left in the request's extensions by the JSON extractor.
#[derive(Debug, Clone)]
pub struct BodyDigest(pub String);

/// Hex SHA-256 of bytes.
pub fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The key of a request, if it sent one, and what identifies the request it keys.
#[derive(Debug, Clone)]
pub struct Idempotency {
    key: Option<String>,
    req: HttpRequest,
}

impl Idempotency {
    /// The key, if any.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// What the stored answer must match: method, path and query, and the body's digest
    /// (read after the body extractor ran).
    fn fingerprint(&self) -> String {
        let body = self
            .req
            .extensions()
            .get::<BodyDigest>()
            .map(|d| d.0.clone())
            .unwrap_or_default();
        digest(format!("{} {} {}", self.req.method(), self.req.uri(), body).as_bytes())
    }

    /// A key with what it needs inside the blocking database work.
    pub fn prepared(&self, caller_hsa_id: &str) -> Option<PreparedKey> {
        self.key.as_ref().map(|key| PreparedKey {
            caller: caller_hsa_id.to_string(),
            key: key.clone(),
            fingerprint: self.fingerprint(),
        })
    }
}

impl FromRequest for Idempotency {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = match req.headers().get(HEADER) {
            None => None,
            Some(v) => match v.to_str() {
                Ok(k)
                    if !k.is_empty()
                        && k.len() <= MAX_KEY_LEN
                        && k.bytes().all(|b| (0x21..0x7f).contains(&b)) =>
                {
                    Some(k.to_string())
                }
                _ => {
                    return ready(Err(AppError::BadRequest {
                        code: "INVALID_IDEMPOTENCY_KEY",
                        detail: text!(
                            "Idempotency-Key ska vara 1–{MAX_KEY_LEN} synliga ASCII-tecken.",
                            "Idempotency-Key must be 1–{MAX_KEY_LEN} visible ASCII characters."
                        ),
                    }))
                }
            },
        };
        ready(Ok(Self {
            key,
            req: req.clone(),
        }))
    }
}

/// A key ready for use in a transaction.
#[derive(Debug, Clone)]
pub struct PreparedKey {
    caller: String,
    key: String,
    fingerprint: String,
}

/// What claiming a key found.
pub enum Claim {
    /// The key is new: do the work, then [`complete`].
    Fresh,
    /// The key was used before with the same request: answer this.
    Replay(ApiResponse),
}

#[derive(QueryableByName)]
struct Stored {
    #[diesel(sql_type = Text)]
    request_hash: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<SmallInt>)]
    status: Option<i16>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    response_body: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    location: Option<String>,
}

fn in_progress() -> AppError {
    AppError::Conflict {
        code: "IDEMPOTENCY_IN_PROGRESS",
        detail: Msg::new(
            "En begäran med denna Idempotency-Key behandlas fortfarande; försök igen om en stund.",
            "A request with this Idempotency-Key is still being processed; retry shortly.",
        ),
    }
}

/// Claims the key in the current transaction.
pub fn claim(conn: &mut PgConnection, k: &PreparedKey) -> AppResult<Claim> {
    // A concurrent holder of the key makes the insert wait for its commit; wait only briefly.
    conn.batch_execute(&format!("SET LOCAL lock_timeout = '{IN_PROGRESS_WAIT}'"))?;
    let inserted = diesel::sql_query(
        "INSERT INTO idempotency_keys (caller_hsa_id, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind::<Text, _>(&k.caller)
    .bind::<Text, _>(&k.key)
    .bind::<Text, _>(&k.fingerprint)
    .execute(conn)
    .map_err(|e| match &e {
        diesel::result::Error::DatabaseError(_, info) if info.message().contains("lock timeout") => in_progress(),
        _ => AppError::from(e),
    })?;
    conn.batch_execute("SET LOCAL lock_timeout = '5s'")?;
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let stored: Stored = diesel::sql_query(
        "SELECT request_hash, status, response_body, location FROM idempotency_keys WHERE caller_hsa_id = $1 AND key = $2",
    )
    .bind::<Text, _>(&k.caller)
    .bind::<Text, _>(&k.key)
    .get_result(conn)?;
    if stored.request_hash != k.fingerprint {
        return Err(AppError::Unprocessable {
            code: "IDEMPOTENCY_KEY_REUSED",
            detail: Msg::new(
                "Denna Idempotency-Key användes för en annan begäran; använd en ny nyckel för en ny \
                 begäran.",
                "This Idempotency-Key was used for a different request; use a new key for a new \
                 request.",
            ),
            violations: Vec::new(),
        });
    }
    match (stored.status, stored.response_body) {
        (Some(status), Some(body)) => Ok(Claim::Replay(ApiResponse {
            status: StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK),
            location: stored.location,
            body,
            content_type: "application/json",
            replayed: true,
            etag: None,
        })),
        _ => Err(in_progress()),
    }
}

/// Stores the answer with the key, in the same transaction as the effect.
pub fn complete(conn: &mut PgConnection, k: &PreparedKey, reply: &ApiResponse) -> AppResult<()> {
    diesel::sql_query(
        "UPDATE idempotency_keys SET status = $3, response_body = $4, location = $5 WHERE caller_hsa_id = $1 AND key = $2",
    )
    .bind::<Text, _>(&k.caller)
    .bind::<Text, _>(&k.key)
    .bind::<SmallInt, _>(reply.status.as_u16() as i16)
    .bind::<Text, _>(&reply.body)
    .bind::<diesel::sql_types::Nullable<Text>, _>(&reply.location)
    .execute(conn)?;
    Ok(())
}

/// Runs `work` in one transaction under the key (if any).
pub async fn run<F>(
    pool: &crate::db::DbPool,
    key: Option<PreparedKey>,
    work: F,
) -> AppResult<ApiResponse>
where
    F: FnOnce(&mut PgConnection) -> AppResult<ApiResponse> + Send + 'static,
{
    crate::db::transaction(pool, move |conn| {
        if let Some(k) = &key {
            if let Claim::Replay(reply) = claim(conn, k)? {
                return Ok(reply);
            }
        }
        let reply = work(conn)?;
        if let Some(k) = &key {
            complete(conn, k, &reply)?;
        }
        Ok(reply)
    })
    .await
}

/// Removes keys older than 48 hours (they are promised for at least 24).
pub fn purge_expired(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM idempotency_keys WHERE created_at < now() - interval '48 hours'")
        .execute(conn)
}
