//! Metrics for the team that runs the service: Prometheus text at `GET /metrics`, on the main
//! port or on `SAMVERKAN_METRICS_BIND` when set (so it need not be public).
//!
//! Recorded through the `metrics` facade into one process-wide
//! `metrics-exporter-prometheus` recorder: the facade's macros work wherever a figure arises
//! (a blocking database closure, the webhook dispatcher) without carrying a handle through
//! every layer, and the exporter renders the standard text format with real histograms. A
//! server is one process, so one recorder is one server; the tests, which run many apps in
//! one process, share it and assert on increases.
//!
//! No label carries an HSA-id, personnummer, patient or message id: labels are route
//! templates, methods, statuses, stable codes and outcomes only (`tests/api/metrics.rs`
//! scrapes and checks every label value).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::ContentType;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpResponse};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double};
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::state::AppState;

/// Metric names, in one place so the README, the tests and the code agree.
pub mod name {
    pub const BUILD_INFO: &str = "samverkan_build_info";
    pub const HTTP_REQUESTS: &str = "samverkan_http_requests_total";
    pub const HTTP_DURATION: &str = "samverkan_http_request_duration_seconds";
    pub const UNAVAILABLE: &str = "samverkan_unavailable_responses_total";
    pub const DB_POOL_CONNECTIONS: &str = "samverkan_db_pool_connections";
    pub const DB_POOL_SIZE: &str = "samverkan_db_pool_max_connections";
    pub const DB_POOL_WAITING: &str = "samverkan_db_pool_waiting";
    pub const DB_POOL_WAIT: &str = "samverkan_db_pool_wait_seconds";
    pub const DATABASE_UP: &str = "samverkan_database_up";
    pub const ACCESS_LOG_ENTRIES: &str = "samverkan_access_log_entries_total";
    pub const ACCESS_LOG_FAILURES: &str = "samverkan_access_log_write_failures_total";
    pub const RULE_REFUSALS: &str = "samverkan_rule_refusals_total";
    pub const FEED_HEAD: &str = "samverkan_feed_head_seq";
    pub const LONG_POLLS: &str = "samverkan_open_long_polls";
    pub const STREAMS: &str = "samverkan_open_streams";
    pub const WEBHOOK_ATTEMPTS: &str = "samverkan_webhook_attempts_total";
    pub const WEBHOOK_DISABLED: &str = "samverkan_webhook_endpoints_disabled_total";
    pub const WEBHOOK_QUEUE: &str = "samverkan_webhook_queue_depth";
    pub const WEBHOOK_OLDEST_DUE: &str = "samverkan_webhook_oldest_due_age_seconds";
}

/// Request durations: 1 ms to 30 s (a long-poll waits up to 30 s).
const DURATION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Waits for a database connection: 0.1 ms up to the checkout timeout's range.
const POOL_WAIT_BUCKETS: &[f64] = &[
    0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use (the server at start; each test app).
pub fn handle() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(name::HTTP_DURATION.into()), DURATION_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full(name::DB_POOL_WAIT.into()),
                    POOL_WAIT_BUCKETS,
                )
            })
            .expect("the bucket lists are not empty")
            .install_recorder()
            .expect("one metrics recorder per process");
        describe();
        gauge!(name::BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
        initialise_known_series();
        handle
    })
}

/// The series whose label values are known in advance start at 0, so a rate or an alert on
/// them works before the first event (Prometheus sees no series until it is written).
fn initialise_known_series() {
    use crate::error::cause;
    for c in [
        cause::DATABASE,
        cause::POOL,
        cause::BUSY,
        cause::ACCESS_LOG,
        cause::STREAMS,
        cause::IDENTITY_PROVIDER,
        cause::NOT_READY,
    ] {
        counter!(name::UNAVAILABLE, "cause" => c).increment(0);
    }
    for outcome in ["ok", "denied"] {
        counter!(name::ACCESS_LOG_ENTRIES, "outcome" => outcome).increment(0);
    }
    counter!(name::ACCESS_LOG_FAILURES).increment(0);
    for rule in crate::domain::rules::RuleCode::ALL {
        for operation in ["create", "reply"] {
            counter!(name::RULE_REFUSALS, "rule" => rule.as_str(), "operation" => operation)
                .increment(0);
        }
    }
    for outcome in ["succeeded", "retry", "failed"] {
        counter!(name::WEBHOOK_ATTEMPTS, "outcome" => outcome).increment(0);
    }
    for reason in ["gone", "failing"] {
        counter!(name::WEBHOOK_DISABLED, "reason" => reason).increment(0);
    }
    for g in [name::DB_POOL_WAITING, name::LONG_POLLS, name::STREAMS] {
        gauge!(g).increment(0.0);
    }
}

/// How often recorded histogram samples are folded into their buckets.
pub const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Folds the histograms' recorded samples into their buckets every [`UPKEEP_EVERY`]. The
/// recorder keeps each sample until upkeep runs (a scrape runs it too); without this task a
/// server nobody scrapes grew by the samples of every request: peak RSS under the benchmark
/// went from 77 MB to 100 MB.
pub fn spawn_upkeep() {
    actix_web::rt::spawn(async {
        let mut tick = tokio::time::interval(UPKEEP_EVERY);
        loop {
            tick.tick().await;
            handle().run_upkeep();
        }
    });
}

/// HELP texts, shown by the exporter.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_gauge!(
        name::BUILD_INFO,
        "Always 1; the version of the running build as a label."
    );
    describe_counter!(
        name::HTTP_REQUESTS,
        "Requests answered, by method, route template and status."
    );
    describe_histogram!(
        name::HTTP_DURATION,
        Unit::Seconds,
        "Time to answer a request, by method and route template."
    );
    describe_counter!(
        name::UNAVAILABLE,
        "503 answers by cause: database, pool, busy, access_log, streams, identity_provider, \
         not_ready."
    );
    describe_gauge!(
        name::DB_POOL_CONNECTIONS,
        "Database connections of the pool, by state (in_use, idle)."
    );
    describe_gauge!(
        name::DB_POOL_SIZE,
        "The pool's maximum number of connections."
    );
    describe_gauge!(
        name::DB_POOL_WAITING,
        "Requests waiting for a database connection now."
    );
    describe_histogram!(
        name::DB_POOL_WAIT,
        Unit::Seconds,
        "Time a request waited for a database connection (including the ones that gave up)."
    );
    describe_gauge!(
        name::DATABASE_UP,
        "1 when the last scrape could read the database, else 0."
    );
    describe_counter!(
        name::ACCESS_LOG_ENTRIES,
        "Access-log entries written in a request's or a delivery round's transaction, by outcome."
    );
    describe_counter!(
        name::ACCESS_LOG_FAILURES,
        "Access-log writes that failed (the request answered 503 and showed nothing)."
    );
    describe_counter!(
        name::RULE_REFUSALS,
        "Creates and replies refused by a rule of the routine, by rule code and operation."
    );
    describe_gauge!(name::FEED_HEAD, "The newest event's seq in the feed.");
    describe_gauge!(name::LONG_POLLS, "Feed long-polls waiting now.");
    describe_gauge!(name::STREAMS, "Live mailbox streams open now.");
    describe_counter!(
        name::WEBHOOK_ATTEMPTS,
        "Webhook delivery attempts by outcome: succeeded, retry (another attempt is scheduled), \
         failed (retries ran out or the endpoint was disabled)."
    );
    describe_counter!(
        name::WEBHOOK_DISABLED,
        "Webhook endpoints disabled by the dispatcher, by reason (gone: 410; failing: failed \
         for too long)."
    );
    describe_gauge!(
        name::WEBHOOK_QUEUE,
        "Webhook deliveries pending (due now or later)."
    );
    describe_gauge!(
        name::WEBHOOK_OLDEST_DUE,
        Unit::Seconds,
        "How long the oldest due webhook delivery has waited past its attempt time (0: none)."
    );
}

/// Methods as labels: the ones we route, the rest as `other` (a client may send any token).
fn method_label(m: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Why a 503 was answered, carried from [`crate::error::AppError`] to the middleware in the
/// response's extensions.
#[derive(Debug, Clone, Copy)]
pub struct UnavailableCause(pub &'static str);

/// Middleware: counts each answer by method, the route template that answered (after
/// routing, so `POST /api/v1/messages/recept` is not counted as `/api/v1/messages/{id}`) and
/// status, times it, and counts 503s by cause.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = method_label(req.method());
    let res = match next.call(req).await {
        Ok(res) => res,
        Err(e) => {
            // An error that escaped the chain (rendered further out): no route is known.
            let status = e.as_response_error().status_code();
            counter!(name::HTTP_REQUESTS, "method" => method, "route" => "unmatched",
                     "status" => status.as_str().to_owned())
            .increment(1);
            return Err(e);
        }
    };
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let status = res.status();
    counter!(name::HTTP_REQUESTS, "method" => method, "route" => route.clone(),
             "status" => status.as_str().to_owned())
    .increment(1);
    histogram!(name::HTTP_DURATION, "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    if status == actix_web::http::StatusCode::SERVICE_UNAVAILABLE {
        let cause = res
            .response()
            .extensions()
            .get::<UnavailableCause>()
            .map_or("other", |c| c.0);
        counter!(name::UNAVAILABLE, "cause" => cause).increment(1);
    }
    Ok(res)
}

/// Counts a request waiting for a database connection while it lives.
#[derive(Debug)]
pub struct PoolWaiter(Instant);

impl PoolWaiter {
    /// A request starts waiting.
    pub fn start() -> Self {
        gauge!(name::DB_POOL_WAITING).increment(1.0);
        Self(Instant::now())
    }
}

impl Drop for PoolWaiter {
    /// Got a connection, gave up, or was cancelled: no longer waiting; the wait is recorded.
    fn drop(&mut self) {
        gauge!(name::DB_POOL_WAITING).decrement(1.0);
        histogram!(name::DB_POOL_WAIT).record(self.0.elapsed().as_secs_f64());
    }
}

/// Counts one open long-poll or stream (`which` is [`name::LONG_POLLS`] or
/// [`name::STREAMS`]) while it lives.
#[derive(Debug)]
pub struct Open(&'static str);

impl Open {
    pub fn new(which: &'static str) -> Self {
        gauge!(which).increment(1.0);
        Self(which)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        gauge!(self.0).decrement(1.0);
    }
}

/// Access-log entries written (`Ok(rows)`) or a write that failed.
pub fn access_log_written(outcome: &str, rows: usize) {
    let outcome = if outcome == "denied" { "denied" } else { "ok" };
    counter!(name::ACCESS_LOG_ENTRIES, "outcome" => outcome).increment(rows as u64);
}

/// An access-log write failed.
pub fn access_log_failed() {
    counter!(name::ACCESS_LOG_FAILURES).increment(1);
}

/// A rule refused a create or a reply.
pub fn rule_refused(rule: &'static str, operation: &'static str) {
    counter!(name::RULE_REFUSALS, "rule" => rule, "operation" => operation).increment(1);
}

/// A webhook attempt's outcome (`succeeded`, `retry`, `failed`).
pub fn webhook_attempts(outcome: &'static str, n: usize) {
    counter!(name::WEBHOOK_ATTEMPTS, "outcome" => outcome).increment(n as u64);
}

/// The dispatcher disabled an endpoint.
pub fn webhook_endpoint_disabled(reason: &'static str) {
    counter!(name::WEBHOOK_DISABLED, "reason" => reason).increment(1);
}

#[derive(QueryableByName)]
struct DatabaseFigures {
    #[diesel(sql_type = BigInt)]
    feed_head: i64,
    #[diesel(sql_type = BigInt)]
    queue_depth: i64,
    #[diesel(sql_type = Double)]
    oldest_due_age: f64,
}

/// The figures read from the database at each scrape: three index-backed reads. Committed
/// events get their feed number first, as every feed reader does (models::event), so the
/// head is the newest event a reader can see.
fn database_figures(conn: &mut PgConnection) -> QueryResult<DatabaseFigures> {
    crate::models::event::number_pending(conn)?;
    diesel::sql_query(
        "SELECT (SELECT coalesce(max(seq), 0) FROM events) AS feed_head, \
         (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') AS queue_depth, \
         coalesce((SELECT extract(epoch FROM now() - min(next_attempt_at)) FROM \
           webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()), 0)::float8 \
           AS oldest_due_age",
    )
    .get_result(conn)
}

/// How long a scrape waits for a database connection before reporting without its figures.
const SCRAPE_DB_WAIT: Duration = Duration::from_secs(2);

/// `GET /metrics`: the pool's state and the database's figures as of now, then everything
/// recorded, in Prometheus text format 0.0.4.
pub async fn scrape(state: web::Data<AppState>) -> HttpResponse {
    let handle = handle();
    let pool = state.pool.state();
    gauge!(name::DB_POOL_CONNECTIONS, "state" => "in_use")
        .set(f64::from(pool.connections - pool.idle_connections));
    gauge!(name::DB_POOL_CONNECTIONS, "state" => "idle").set(f64::from(pool.idle_connections));
    gauge!(name::DB_POOL_SIZE).set(f64::from(state.pool.max_size()));
    let figures = tokio::time::timeout(
        SCRAPE_DB_WAIT,
        crate::db::run(&state.pool, |conn| Ok(database_figures(conn)?)),
    )
    .await;
    match figures {
        Ok(Ok(f)) => {
            gauge!(name::DATABASE_UP).set(1.0);
            gauge!(name::FEED_HEAD).set(f.feed_head as f64);
            gauge!(name::WEBHOOK_QUEUE).set(f.queue_depth as f64);
            gauge!(name::WEBHOOK_OLDEST_DUE).set(f.oldest_due_age.max(0.0));
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "metrics: the database figures could not be read");
            gauge!(name::DATABASE_UP).set(0.0);
        }
        Err(_) => {
            tracing::warn!("metrics: no database connection for the scrape");
            gauge!(name::DATABASE_UP).set(0.0);
        }
    }
    handle.run_upkeep();
    HttpResponse::Ok()
        .content_type(ContentType(
            "text/plain; version=0.0.4; charset=utf-8"
                .parse()
                .expect("a valid media type"),
        ))
        .body(handle.render())
}

/// Serves `/metrics` (in the app, or alone on the metrics listener).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/metrics").route(web::get().to(scrape)));
}
