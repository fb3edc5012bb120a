//! The command line as clap parses it, before it is resolved into a configuration.

use std::path::PathBuf;

use clap::{ArgAction, Args as ClapArgs, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    about = "Database migrations of this program (updown)",
    long_about = "Database migrations of this program (updown).\n\nExit codes: 0 success, 1 refused before anything ran (drift, dirty, lock timeout, guard) or `check` found problems, 2 a migration failed, 3 `verify` found a `down` that does not undo its `up`, 4 a rollback failed, 5 configuration or usage error.",
    version
)]
pub struct Args {
    /// Database URL: sqlite://PATH, sqlite::memory:, a file path, postgres://..., mysql://... (also read from .env)
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Environment name; `production` makes rollback and redo ask for --yes and refuses reset
    #[arg(long = "env", global = true, value_name = "NAME", env = "UPDOWN_ENV")]
    pub environment: Option<String>,

    /// How long to wait for another migrator's lock, in seconds or as `2m`, `90s`
    #[arg(long, global = true, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,

    /// Format of progress and error messages on stderr
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Print only errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more: the database used, each step's timing
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show every migration: applied, pending, modified, missing or dirty
    Status {
        /// Output for people (table) or programs (json)
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Apply pending migrations, as one batch
    Migrate {
        /// Apply pending migrations up to and including this version only
        #[arg(long, value_name = "VERSION")]
        to: Option<i64>,
        /// Print the SQL each migration would run, rehearsed in a transaction that is rolled back; change nothing
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        allow: AllowFlags,
    },
    /// Undo applied migrations: the last batch unless told otherwise
    Rollback {
        /// Undo the last N migrations applied
        #[arg(long, value_name = "N", conflicts_with = "to")]
        steps: Option<usize>,
        /// Undo every migration above this version (0 undoes all)
        #[arg(long, value_name = "VERSION")]
        to: Option<i64>,
        /// Print the SQL each rollback would run, rehearsed in a transaction that is rolled back; change nothing
        #[arg(long)]
        dry_run: bool,
        /// Confirm, where the environment asks for it (production)
        #[arg(long)]
        yes: bool,
        /// Roll back migrations whose code changed since they were applied
        #[arg(long)]
        allow_drift: bool,
    },
    /// Roll back the last N migrations, then apply them again
    Redo {
        /// How many of the last applied migrations to redo
        #[arg(long, value_name = "N", default_value_t = 1)]
        steps: usize,
        /// Confirm, where the environment asks for it (production)
        #[arg(long)]
        yes: bool,
        /// Redo migrations whose code changed since they were applied
        #[arg(long)]
        allow_drift: bool,
    },
    /// Roll back every applied migration (refused in production)
    Reset {
        /// Confirm
        #[arg(long)]
        yes: bool,
        /// Roll back migrations whose code changed since they were applied
        #[arg(long)]
        allow_drift: bool,
    },
    /// Show the audit trail: every apply, rollback, baseline and repair
    History {
        /// Output for people (table) or programs (json)
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Prove every `down`: up -> down -> up for each migration, schema and row counts compared
    Verify {
        /// Start at this version; earlier migrations are only applied
        #[arg(long, value_name = "VERSION")]
        from: Option<i64>,
        /// Stop after this version
        #[arg(long, value_name = "VERSION")]
        to: Option<i64>,
        /// Run on the target database itself (its pending migrations stay applied) instead of a scratch database
        #[arg(long)]
        in_place: bool,
        /// A change of column order is a failure
        #[arg(long)]
        strict: bool,
        /// Output for people (table) or programs (json)
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Lint every migration: destructive statements, PostgreSQL lock risks, what `down` does not undo
    Check {
        /// Output for people (table) or programs (json)
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Record every migration up to VERSION as applied without running it
    Baseline {
        /// The last migration to record as applied
        #[arg(long, value_name = "VERSION")]
        version: i64,
    },
    /// Accept reviewed checksum changes and clear dirty marks
    Repair {
        /// Only this migration
        #[arg(long, value_name = "VERSION")]
        version: Option<i64>,
        /// A dirty migration was finished by hand: record it as applied (default: pending again)
        #[arg(long)]
        applied: bool,
    },
    /// Write a new migration file with a timestamp version
    New(NewArgs),
}

#[derive(Debug, ClapArgs)]
pub struct AllowFlags {
    /// Run even though applied migrations changed since (checksum drift)
    #[arg(long)]
    pub allow_drift: bool,
    /// Run even though the database has migrations the code does not
    #[arg(long)]
    pub allow_missing: bool,
    /// Apply pending migrations older than the latest applied one
    #[arg(long)]
    pub allow_out_of_order: bool,
}

#[derive(Debug, ClapArgs)]
pub struct NewArgs {
    /// Name of the migration, in snake_case (e.g. create_users)
    pub name: String,
    /// Directory of the migration modules; a `mod` line is added to its mod.rs
    #[arg(long, default_value = "src/migrations")]
    pub dir: PathBuf,
    /// Write a SQL migration (`#[derive(Migration)]`) instead of Rust functions
    #[arg(long)]
    pub sql: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(secs));
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("{e}; write seconds (`60`) or a duration (`90s`, `2m`)"))
}
