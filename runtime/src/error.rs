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

    #[error("{context}")]
    Database {
        context: String,
        #[source]
        source: diesel::result::Error,
    },

    /// A query failed and its message may hold the password (a lock or connection
    /// error): its text is kept scrubbed, not the error itself.
    #[error("{context}: {cause}")]
    DatabaseText { context: String, cause: String },

    #[error(
        "cannot create the scratch database `{name}` on {server} (the account needs the right to create databases): {cause}"
    )]
    Scratch {
        name: String,
        server: String,
        cause: String,
    },

    #[error("a test fixture failed: {cause}\n  statement: {statement}")]
    Fixture { statement: String, cause: String },

    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "no migrations are registered in this program; if they live in a library crate, name that crate once in the binary (`use my_migrations as _;`), otherwise the linker drops them"
    )]
    NoMigrations,

    #[error("{}", duplicates(.0))]
    DuplicateVersions(Vec<Duplicate>),

    #[error("no migration has version {version}")]
    UnknownVersion { version: i64 },

    #[error("{command} refused, nothing was changed:\n{}", bullets(.problems))]
    Refused {
        command: &'static str,
        problems: Vec<Problem>,
    },

    #[error(
        "timed out after {}s waiting for the migration lock{}; another migrator is running",
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
    /// The message followed by each of its causes, `: `-separated.
    pub fn full_message(&self) -> String {
        let mut out = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(e) = cause {
            out.push_str(&format!(": {e}"));
            cause = e.source();
        }
        out
    }

    pub(crate) fn database(context: impl Into<String>, source: diesel::result::Error) -> Self {
        Error::Database {
            context: context.into(),
            source,
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
    /// A guard of the `production` environment: `reset` is refused, `rollback` and
    /// `redo` need a confirmation.
    Production { command: &'static str },
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
                "migration {version} {name} was changed after it was applied (checksum {} recorded, {} in the code)",
                short(recorded),
                short(current)
            ),
            Problem::Missing { version, name } => write!(
                f,
                "migration {version} {name} is applied in the database but not in the code"
            ),
            Problem::NotInCode { version, name } => write!(
                f,
                "migration {version} {name} cannot be rolled back: its code is not in this program, so its `down` cannot run"
            ),
            Problem::OutOfOrder {
                version,
                name,
                latest_applied,
            } => write!(
                f,
                "migration {version} {name} is pending but older than {latest_applied}, which is already applied"
            ),
            Problem::Dirty { version, name } => write!(
                f,
                "migration {version} {name} is marked dirty: it failed or was interrupted outside a transaction and may be half-applied"
            ),
            Problem::Irreversible {
                version,
                name,
                reason,
            } => write!(
                f,
                "migration {version} {name} is irreversible (\"{reason}\")"
            ),
            Problem::Production { command: "reset" } => f.write_str(
                "reset rolls back every migration and is refused in the production environment",
            ),
            Problem::Production { command } => write!(
                f,
                "`{command}` undoes migrations in the production environment and needs a confirmation"
            ),
        }
    }
}

pub(crate) fn short(checksum: &str) -> &str {
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
    out.push_str(match f.aftermath {
        Aftermath::RolledBack => "\n  its transaction was rolled back, so nothing of it remains; what ran before it stays",
        Aftermath::Dirty => "\n  it ran outside a transaction and may be half-done, so it is marked dirty and ",
    });
    if f.aftermath == Aftermath::Dirty {
        out.push_str(doing);
        out.push_str(" stopped here");
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
