//! The command line: `serve` (the default), `migrate`, `openapi`, `token`, `seed-demo`,
//! `audit maintain`, `audit purge` and `narcotics import [--dry-run] FILE` — eight
//! subcommands; `samverkan --help` lists them with their options.

pub mod audit;

use clap::{Args, Parser, Subcommand};

use crate::config::Settings;
use crate::domain::log_retention::Retention;

/// Samverkan: non-urgent messages between Halland municipal home health care and regional care.
#[derive(Parser)]
#[command(name = "samverkan", version, about, long_about = None)]
pub struct Cli {
    /// Settings, from flags or environment variables.
    #[command(flatten)]
    pub settings: Settings,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document (YAML, or JSON with --json).
    Openapi {
        /// Print JSON instead of YAML.
        #[arg(long)]
        json: bool,
    },
    /// Print a development token signed with SAMVERKAN_JWT_HS256_SECRET (only the token).
    Token(TokenArgs),
    /// Seed the demo directory and patients (idempotent).
    SeedDemo,
    /// Maintain the patient-data access log.
    Audit {
        /// What to do.
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Manage the narcotics reference the NARKOTIKA rule matches against.
    Narcotics {
        /// What to do.
        #[command(subcommand)]
        command: NarcoticsCommand,
    },
}

/// Narcotics reference subcommands.
#[derive(Subcommand)]
pub enum NarcoticsCommand {
    /// Replace the whole reference with a CSV file in the format of data/narcotics.csv; prints
    /// every entry added (+), changed (~) and removed (-), and the counts.
    Import {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Print the difference and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Claims of a development token.
#[derive(Args, Debug)]
pub struct TokenArgs {
    /// The person's HSA-id (`sub`).
    #[arg(long)]
    pub sub: String,
    /// The acting unit's HSA-id (`unit`).
    #[arg(long)]
    pub unit: Option<String>,
    /// Display name.
    #[arg(long)]
    pub name: Option<String>,
    /// Role: personal, admin, granskare, integration (repeatable).
    #[arg(long = "role")]
    pub roles: Vec<String>,
    /// Licensed staff (legitimerad).
    #[arg(long)]
    pub legitimerad: bool,
    /// Profession, e.g. sjukskoterska, lakare.
    #[arg(long)]
    pub profession: Option<String>,
    /// Units an integration client may read events of (repeatable HSA-ids).
    #[arg(long = "units")]
    pub units: Vec<String>,
    /// Lifetime in minutes (1–10080).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(i64).range(1..=10080))]
    pub ttl_minutes: i64,
}

/// Access-log subcommands.
#[derive(Subcommand)]
pub enum AuditCommand {
    /// Create the partitions of the coming months and move entries waiting in the default
    /// partition into theirs (the server does this at start and hourly).
    Maintain,
    /// Remove the entries older than the retention (the only removal the log allows): whole
    /// months are dropped, the rest deleted in batches, with progress on stderr. Safe to
    /// interrupt and run again.
    Purge(PurgeArgs),
}

/// Options of `audit purge`.
#[derive(Args, Debug)]
pub struct PurgeArgs {
    /// Keep entries this many years (at least 5: HSLF-FS 2016:40).
    #[arg(long, env = "SAMVERKAN_AUDIT_RETENTION_YEARS", default_value = "5")]
    pub retention_years: Retention,
    /// Entries deleted per transaction in the month the limit falls in (100–1000000).
    #[arg(long, default_value_t = crate::models::access_log::purge::DEFAULT_BATCH,
          value_parser = clap::value_parser!(i64).range(100..=1_000_000))]
    pub batch_size: i64,
}
