//! Errors of the migrator. Each says what happened, names the migration by version and
//! name, and says what to do next.

use std::fmt;
use std::time::Duration;

/// Something updown refused to do or could not do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("invalid database URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },

    #[error(
        "{backend} support is not compiled into this program; enable the `{feature}` feature of `updown` and `updown-cli` in Cargo.toml"
    )]
    BackendNotCompiled {
        backend: &'static str,
        feature: &'static str,
    },

    #[error("cannot connect to {url}: {cause}")]
    Connect { url: String, cause: String },

    #[error("{context}: {cause}")]
    Database { context: String, cause: String },

    #[error(
        "no migrations are registered in this program; if they live in a library crate, name that crate once in the binary (`use my_migrations as _;`), otherwise the linker drops them"
    )]
    NoMigrations,

    #[error("{}", duplicates(.0))]
    DuplicateVersions(Vec<Duplicate>),

    #[error("no migration has version {version}; run `status` to list them")]
    UnknownVersion { version: i64 },

    #[error("{command} refused, nothing was changed:\n{}", bullets(.problems))]
    Refused {
        command: &'static str,
        problems: Vec<Problem>,
    },

    #[error(
        "timed out after {}s waiting for the migration lock{}; another migrator is running. Wait for it, or raise `--lock-timeout`",
        .waited.as_secs(),
        .holder.as_ref().map(|h| format!(" held by {h}")).unwrap_or_default()
    )]
    LockTimeout {
        waited: Duration,
        holder: Option<String>,
    },

    #[error("a dry run cannot rehearse the Rust migrations {}: {reason}; run it on a copy of the database instead", .migrations.join(", "))]
    DryRunUnsupported {
        migrations: Vec<String>,
        reason: &'static str,
    },

    #[error("{}", failed("migration", "applying", .0))]
    MigrationFailed(Box<Failure>),

    #[error("{}", failed("rollback of", "rolling back", .0))]
    RollbackFailed(Box<Failure>),
}

impl Error {
    /// The documented exit code for this error: 1 preflight refused, 2 a migration
    /// failed, 4 a rollback failed, 5 configuration or usage.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Refused { .. } | Error::LockTimeout { .. } => 1,
            Error::MigrationFailed(_) => 2,
            Error::RollbackFailed(_) => 4,
            Error::InvalidUrl { .. }
            | Error::BackendNotCompiled { .. }
            | Error::Connect { .. }
            | Error::Database { .. }
            | Error::NoMigrations
            | Error::DuplicateVersions(_)
            | Error::UnknownVersion { .. }
            | Error::DryRunUnsupported { .. } => 5,
        }
    }

    pub(crate) fn database(context: impl Into<String>, cause: impl fmt::Display) -> Self {
        Error::Database {
            context: context.into(),
            cause: cause.to_string(),
        }
    }
}

/// Two migrations registered with one version.
#[derive(Debug, Clone)]
pub struct Duplicate {
    pub version: i64,
    /// `name (file:line)` of each migration with that version.
    pub places: Vec<String>,
}

fn duplicates(list: &[Duplicate]) -> String {
    let mut out =
        String::from("migration versions must be unique; give each of these its own version:");
    for d in list {
        out.push_str(&format!(
            "\n  - version {} is used by {}",
            d.version,
            d.places.join(" and ")
        ));
    }
    out
}

/// A reason a command refused to start.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// An applied migration whose code changed since.
    Drift {
        version: i64,
        name: String,
        recorded: String,
        current: String,
    },
    /// Applied in the database, absent from the code.
    Missing { version: i64, name: String },
    /// A rollback target whose code is gone, so its `down` cannot run.
    NotInCode { version: i64, name: String },
    /// Pending, but older than a migration already applied.
    OutOfOrder {
        version: i64,
        name: String,
        latest_applied: i64,
    },
    /// A migration that failed or was interrupted outside a transaction.
    Dirty { version: i64, name: String },
    /// A rollback would have to pass a migration that cannot be undone.
    Irreversible {
        version: i64,
        name: String,
        reason: String,
    },
    /// A guard of the `production` environment.
    Production { reason: String },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Drift {
                version,
                name,
                recorded,
                current,
            } => write!(
                f,
                "migration {version} {name} was changed after it was applied (checksum {} recorded, {} in the code); restore its code, or if the edit is intended run `repair --version {version}` to accept it (or pass `--allow-drift`)",
                short(recorded),
                short(current)
            ),
            Problem::Missing { version, name } => write!(
                f,
                "migration {version} {name} is applied in the database but not in the code; restore it, or pass `--allow-missing` if it was removed on purpose"
            ),
            Problem::NotInCode { version, name } => write!(
                f,
                "migration {version} {name} cannot be rolled back: its code is not in this program, so its `down` cannot run; restore it, or roll back only newer migrations with `--to {version}`"
            ),
            Problem::OutOfOrder {
                version,
                name,
                latest_applied,
            } => write!(
                f,
                "migration {version} {name} is pending but older than {latest_applied}, which is already applied; give it a newer version, or pass `--allow-out-of-order` to apply it anyway"
            ),
            Problem::Dirty { version, name } => write!(
                f,
                "migration {version} {name} is marked dirty: it failed or was interrupted outside a transaction and may be half-applied; undo what it did and run `repair --version {version}` (it runs again on the next migrate), or finish it by hand and run `repair --version {version} --applied`"
            ),
            Problem::Irreversible {
                version,
                name,
                reason,
            } => write!(
                f,
                "migration {version} {name} is irreversible (\"{reason}\"); roll back only the migrations after it with `--to {version}`"
            ),
            Problem::Production { reason } => f.write_str(reason),
        }
    }
}

fn short(checksum: &str) -> &str {
    &checksum[..checksum.len().min(12)]
}

fn bullets(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A migration or rollback that failed while running.
#[derive(Debug, Clone)]
pub struct Failure {
    pub version: i64,
    pub name: String,
    /// The statement that failed, when known.
    pub statement: Option<String>,
    pub cause: String,
    /// What was left behind: rolled back, or marked dirty.
    pub aftermath: Aftermath,
}

/// What a failed migration left in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aftermath {
    /// Its transaction was rolled back: nothing of it remains.
    RolledBack,
    /// It ran outside a transaction and is marked dirty.
    Dirty,
}

fn failed(what: &str, doing: &str, f: &Failure) -> String {
    let mut out = format!("{what} {} {} failed: {}", f.version, f.name, f.cause.trim());
    if let Some(statement) = &f.statement {
        out.push_str(&format!("\n  statement: {}", one_line(statement)));
    }
    match f.aftermath {
        Aftermath::RolledBack => out.push_str("\n  its transaction was rolled back, so nothing of it remains; what ran before it stays. Fix it and run the command again"),
        Aftermath::Dirty => out.push_str(&format!(
            "\n  it ran outside a transaction and may be half-done, so it is marked dirty and {doing} stopped here; undo what it did and run `repair --version {0}`, or finish it by hand and run `repair --version {0} --applied`",
            f.version
        )),
    }
    out
}

fn one_line(statement: &str) -> String {
    let folded: Vec<&str> = statement.split_whitespace().collect();
    let text = folded.join(" ");
    if text.chars().count() > 300 {
        let cut: String = text.chars().take(300).collect();
        format!("{cut}...")
    } else {
        text
    }
}
