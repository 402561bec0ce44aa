//! The `samverkan` binary: parse configuration, set up logging, then run the subcommand.

use std::process::ExitCode;

use clap::Parser;
use samverkan::auth::{mint_hs256, JwtVerifier, TokenRequest};
use samverkan::cli::audit as audit_cli;
use samverkan::cli::{AuditCommand, Cli, Command, NarcoticsCommand};
use samverkan::config::ConfigError;
use samverkan::models::access_log;
use samverkan::{db, seed, startup, state::AppState, telemetry};

/// mimalloc instead of glibc's malloc: a mailbox page builds and frees thousands of small
/// strings per request, and glibc spent a quarter of the server's CPU on them (bench/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `arena_eager_commit` and `purge_delay` (`mi_option_t`, mimalloc v3's
/// `mimalloc.h`; libmimalloc-sys names only some of them).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Memory goes back to the system when freed: by default mimalloc commits its arenas eagerly
/// on Linux and purges late, and the server's RSS under the 32-connection benchmark was
/// 150 MB instead of 42 MB, for no measurable speed.
fn tune_allocator() {
    // SAFETY: plain setters of process-wide options, called once before any thread starts.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    telemetry::init(cli.settings.log_format);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("samverkan: {e:#}");
            if e.is::<ConfigError>() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = cli.settings;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi { json } => {
            let doc = startup::openapi_document();
            let text = if json {
                doc.to_pretty_json()?
            } else {
                doc.to_yaml()?
            };
            print!("{text}");
            Ok(())
        }
        Command::Token(args) => {
            let jwt = settings.jwt()?;
            let token = mint_hs256(
                &jwt,
                &TokenRequest {
                    sub: args.sub,
                    unit: args.unit,
                    name: args.name,
                    roles: args.roles,
                    legitimerad: args.legitimerad,
                    profession: args.profession,
                    units: args.units,
                    ttl_minutes: args.ttl_minutes,
                },
            )?;
            println!("{token}");
            Ok(())
        }
        Command::Migrate => {
            let mut conn = db::connect(&settings.database_url()?)?;
            let applied = db::migrate(&mut conn)?;
            tracing::info!(count = applied.len(), "migrations applied");
            Ok(())
        }
        Command::SeedDemo => {
            let mut conn = db::connect(&settings.database_url()?)?;
            let report = seed::demo(&mut conn)?;
            tracing::info!(?report, "demo data seeded");
            Ok(())
        }
        Command::Narcotics {
            command: NarcoticsCommand::Import { file, dry_run },
        } => import_narcotics(&settings, &file, dry_run),
        Command::Audit {
            command: AuditCommand::Maintain,
        } => {
            let mut conn = db::connect(&settings.database_url()?)?;
            let report = access_log::partitions::maintain(&mut conn)?;
            audit_cli::print_maintained(&report);
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Purge(args),
        } => {
            let mut conn = db::connect(&settings.database_url()?)?;
            audit_cli::purge(&mut conn, args.retention_years, args.batch_size)
        }
        Command::Serve => serve(settings.server()?),
    }
}

/// `narcotics import [--dry-run] FILE`: the difference on stdout, one line per entry, then the
/// counts and what was done.
fn import_narcotics(
    settings: &samverkan::config::Settings,
    file: &std::path::Path,
    dry_run: bool,
) -> anyhow::Result<()> {
    use samverkan::models::narcotic::{self, ImportMode};
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let mut conn = db::connect(&settings.database_url()?)?;
    let mode = if dry_run {
        ImportMode::DryRun
    } else {
        ImportMode::Apply
    };
    let report = narcotic::import_csv(&mut conn, &text, mode)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let (summary, file) = (report.diff.summary(), file.display());
    print!("{}", report.diff);
    if dry_run {
        println!(
            "{summary}. Dry run: nothing was changed; an import would leave {} substances from {file}.",
            report.entries
        );
    } else if report.written {
        println!(
            "{summary}. The reference now holds {} substances from {file}; servers use them within 30 s.",
            report.entries
        );
    } else {
        println!("{summary}. The reference already equals {file}; nothing was changed.");
    }
    Ok(())
}

fn serve(config: samverkan::config::Config) -> anyhow::Result<()> {
    let verifier = JwtVerifier::new(&config.jwt)?;
    let pool = db::build_pool(&config.database_url, config.db_pool_size, config.db_timeout);
    // Migrate when the database is there; when it is not, serve anyway and report not-ready.
    match pool.get() {
        Ok(mut conn) => {
            let applied = db::migrate(&mut conn)?;
            if !applied.is_empty() {
                tracing::info!(?applied, "migrations applied at start-up");
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable at start-up; /health/ready answers 503 until it is")
        }
    }
    let state = AppState {
        pool,
        verifier,
        body_limit: config.body_limit,
        narcotics: Default::default(),
        clock: samverkan::clock::Clock::system(),
        webhook_policy: config.webhooks.policy,
        cors_origins: config.cors_origins.clone(),
        streams: samverkan::routes::stream::StreamSlots::new(config.streams.0, config.streams.1),
        metrics_on_api_port: config.metrics_bind.is_none(),
    };
    actix_web::rt::System::new().block_on(startup::run(config, state))?;
    Ok(())
}
