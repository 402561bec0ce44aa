//! The database: the pool, the one `run` helper that moves blocking diesel work off the async
//! workers, the embedded migrations and the readiness probe.
//!
//! The pool is built without connecting (`build_unchecked`) so the server starts — and reports
//! not-ready — while PostgreSQL is down; every checkout waits at most the configured timeout and
//! then becomes a 503.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::web;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};
use crate::i18n::Msg;
use crate::progress;

/// The connection pool, with a fair gate in front of it.
///
/// r2d2 hands a freed connection to whichever waiting thread wakes first, so under load some
/// requests waited many turns (the p99 tail), and every waiting request held a blocking
/// thread of its own (each with its allocator's cache: 200 MB of RSS at 32 connections). The
/// gate is a FIFO semaphore with one permit per connection, taken on the async side before
/// the work moves to a blocking thread: requests get connections in arrival order, and only
/// as many blocking threads work as there are connections.
#[derive(Clone)]
pub struct DbPool {
    pool: Pool<ConnectionManager<PgConnection>>,
    gate: Arc<Semaphore>,
    checkout_timeout: Duration,
}

impl std::fmt::Debug for DbPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbPool")
            .field("max_size", &self.pool.max_size())
            .field("free_permits", &self.gate.available_permits())
            .finish()
    }
}

impl DbPool {
    /// A connection, waiting at most the checkout timeout (outside the gate: CLI, start-up).
    pub fn get(
        &self,
    ) -> Result<PooledConnection<ConnectionManager<PgConnection>>, diesel::r2d2::PoolError> {
        self.pool.get()
    }

    /// How many connections are open and how many of them idle (for the metrics).
    pub fn state(&self) -> diesel::r2d2::State {
        self.pool.state()
    }

    /// The most connections the pool opens.
    pub fn max_size(&self) -> u32 {
        self.pool.max_size()
    }
}

/// Migrations compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Per-connection settings applied when a connection is opened.
#[derive(Debug)]
struct SessionSettings;

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for SessionSettings {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        // A runaway statement must not hold a connection forever; UTC keeps `date` casts explicit.
        // `force_generic_plan`: every statement is prepared once per connection (diesel's
        // cache) and planned once. Left to `auto`, PostgreSQL re-planned the mailbox page (a
        // join of four tables with a bound LIMIT) on every execution, because the generic
        // plan's estimate looked dearer than the custom ones: twice the database CPU per page
        // (bench/README.md). Our statements are index lookups whose best plan does not depend
        // on the values; tests/api/messages/index.rs checks the hot ones' generic plans, and
        // the partial indexes are matched with literal predicates (models::message).
        conn.batch_execute(
            "SET statement_timeout = '10s'; SET lock_timeout = '5s'; \
             SET idle_in_transaction_session_timeout = '30s'; SET TIME ZONE 'UTC'; \
             SET plan_cache_mode = 'force_generic_plan'; SET application_name = 'samverkan'",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Builds the pool without touching the database.
pub fn build_pool(database_url: &str, size: u32, checkout_timeout: Duration) -> DbPool {
    let manager = ConnectionManager::<PgConnection>::new(database_url);
    let pool = Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        .connection_timeout(checkout_timeout)
        .test_on_check_out(false)
        .connection_customizer(Box::new(SessionSettings))
        .build_unchecked(manager);
    DbPool {
        pool,
        gate: Arc::new(Semaphore::new(size as usize)),
        checkout_timeout,
    }
}

/// Runs `f` with a pooled connection on the blocking thread pool.
///
/// Waits for a connection in arrival order (the gate), at most the checkout timeout in all;
/// then 503. A panic inside `f` becomes an opaque 500.
pub async fn run<F, T>(pool: &DbPool, f: F) -> AppResult<T>
where
    F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let started = Instant::now();
    // Counted as waiting (and its wait timed) until a connection is in hand or it gives up.
    let waiter = crate::instrument::PoolWaiter::start();
    let permit = tokio::time::timeout(pool.checkout_timeout, pool.gate.clone().acquire_owned())
        .await
        .map_err(|_| {
            tracing::warn!("no database connection within the checkout timeout (all in use)");
            AppError::Unavailable(
                crate::error::cause::POOL,
                Msg::new(
                    "Alla databasanslutningar är upptagna just nu; försök igen om en stund.",
                    "Every database connection is busy right now; try again shortly.",
                ),
            )
        })?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("database gate closed: {e}")))?;
    let remaining = pool
        .checkout_timeout
        .saturating_sub(started.elapsed())
        .max(Duration::from_millis(1));
    let inner = pool.pool.clone();
    web::block(move || {
        let _permit = permit;
        let conn = inner.get_timeout(remaining);
        drop(waiter);
        let mut conn = conn.map_err(|e| {
            tracing::warn!(error = %e, "no database connection");
            AppError::db_unavailable()
        })?;
        f(&mut conn)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
}

/// Runs `f` inside one database transaction (committed when `f` returns `Ok`).
pub async fn transaction<F, T>(pool: &DbPool, f: F) -> AppResult<T>
where
    F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    run(pool, move |conn| {
        diesel::Connection::transaction(conn, |conn| f(conn))
    })
    .await
}

/// Applies pending migrations, one at a time and each in its own transaction as diesel does;
/// returns the versions applied. Logs each one when it is applied, and every
/// [`progress::HEARTBEAT`] while one runs: a migration that rewrites a large table can take
/// minutes, and the log is the only sign of life `samverkan migrate` and a starting server give.
pub fn migrate(conn: &mut PgConnection) -> anyhow::Result<Vec<String>> {
    let pending = conn
        .pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("cannot read the applied migrations: {e}"))?;
    let total = pending.len();
    let mut applied = Vec::with_capacity(total);
    for (i, migration) in pending.iter().enumerate() {
        let name = migration.name().to_string();
        let step = format!("{}/{total}", i + 1);
        // Quiet when quick: a long one announces itself through the heartbeat.
        tracing::debug!(migration = %name, step = %step, "applying migration");
        let started = Instant::now();
        let version = progress::with_heartbeat(
            progress::HEARTBEAT,
            |spent| {
                tracing::info!(migration = %name, step = %step, seconds = spent.as_secs(), "migration still running");
            },
            || conn.run_migration(migration.as_ref()),
        )
        .map_err(|e| anyhow::anyhow!("migration {name} failed: {e}"))?;
        tracing::info!(
            migration = %name,
            step = %step,
            ms = started.elapsed().as_millis() as u64,
            "migration applied"
        );
        applied.push(version.to_string());
    }
    // The narcotics reference starts as the file the project ships.
    crate::models::narcotic::seed_if_empty(conn)?;
    Ok(applied)
}

/// Whether the database answers and every embedded migration is applied.
/// The cause is logged; the answer says which of the two it is.
pub fn check_ready(conn: &mut PgConnection) -> Result<(), Msg> {
    if let Err(e) = conn.batch_execute("SELECT 1") {
        tracing::warn!(error = %e, "not ready: database not reachable");
        return Err(Msg::new(
            "Databasen går inte att nå.",
            "The database is not reachable.",
        ));
    }
    match conn.has_pending_migration(MIGRATIONS) {
        Ok(false) => Ok(()),
        Ok(true) => Err(Msg::new(
            "Databasmigreringar väntar: kör `samverkan migrate`.",
            "Migrations are pending: run `samverkan migrate`.",
        )),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: migration state unreadable");
            Err(Msg::new(
                "Databasens migreringsläge går inte att läsa.",
                "The database's migration state cannot be read.",
            ))
        }
    }
}

/// Connects once, directly (for the CLI subcommands).
pub fn connect(database_url: &str) -> anyhow::Result<PgConnection> {
    use diesel::Connection;
    PgConnection::establish(database_url)
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))
}
