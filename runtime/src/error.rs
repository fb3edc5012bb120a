//! Errors of the migrator. Each says what happened, names the migration by version and
//! name, and says what to do next.

use std::fmt;
use std::time::Duration;

/// Something updown refused to do or could not do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database URL could not be read.
    #[error("invalid database URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL, its password replaced by `***`.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The URL names a backend whose cargo feature is off.
    #[error(
        "{backend} support is not compiled into this program; enable the `{feature}` feature of `updown` and `updown-cli` in Cargo.toml"
    )]
    BackendNotCompiled {
        /// The database the URL names, such as `PostgreSQL`.
        backend: &'static str,
        /// The cargo feature that compiles it in, such as `postgres`.
        feature: &'static str,
    },

    /// The database could not be reached or refused the connection.
    #[error("cannot connect to {url}: {cause}")]
    Connect {
        /// The URL, its password replaced by `***`.
        url: String,
        /// The driver's message, password scrubbed.
        cause: String,
    },

    /// A query of updown's own (tracking tables, lock, snapshot) failed.
    #[error("{context}")]
    Database {
        /// What updown was doing when it failed.
        context: String,
        /// The error diesel returned.
        #[source]
        source: diesel::result::Error,
    },

    /// A query failed and its message may hold the password (a lock or connection
    /// error): its text is kept scrubbed, not the error itself.
    #[error("{context}: {cause}")]
    DatabaseText {
        /// What updown was doing when it failed.
        context: String,
        /// The database's message, password scrubbed.
        cause: String,
    },

    /// A scratch database, such as the one `verify` runs on, could not be created.
    #[error(
        "cannot create the scratch database `{name}` on {server} (the account needs the right to create databases): {cause}"
    )]
    Scratch {
        /// The name it was to have.
        name: String,
        /// The server it was to be created on, password hidden.
        server: String,
        /// The database's message, password scrubbed.
        cause: String,
    },

    /// updown's tables hold what this updown cannot read: tables of their names that are
    /// another program's, a layout or a state a newer updown wrote. Nothing was changed.
    #[error("{problem}; nothing was changed. {fix}")]
    Tracking {
        /// What is wrong with them.
        problem: String,
        /// What to do.
        fix: String,
    },

    /// A fixture of `#[updown::test]` failed to run.
    #[error("a test fixture failed: {cause}\n  statement: {statement}")]
    Fixture {
        /// The statement that failed.
        statement: String,
        /// The database's message.
        cause: String,
    },

    /// Reading or writing a file failed.
    #[error("{context}")]
    Io {
        /// What updown was doing, naming the path.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The program has no migrations: none were written, or the linker dropped the
    /// library crate holding them because the binary never names it.
    #[error(
        "no migrations are registered in this program; if they live in a library crate, name that crate once in the binary (`use my_migrations as _;`), otherwise the linker drops them"
    )]
    NoMigrations,

    /// A diesel migration folder could not be read.
    #[error("diesel migrations: {0}")]
    DieselFolder(#[from] updown_sql::diesel::FolderError),

    /// Migrations share a version: one entry per version used more than once.
    #[error("{}", duplicates(.0))]
    DuplicateVersions(Vec<Duplicate>),

    /// A version given to a command (`migrate` or `rollback` to it, `repair`, `baseline`)
    /// matches no migration in the code.
    #[error("no migration has version {version}")]
    UnknownVersion {
        /// The version asked for.
        version: i64,
    },

    /// Options that cannot be used together; nothing was done.
    #[error("{problem}; {fix}")]
    InvalidOptions {
        /// What is wrong with them.
        problem: String,
        /// What to do instead.
        fix: String,
    },

    /// A command did not start because of the problems listed; nothing was changed.
    #[error("{command} refused, nothing was changed:\n{}", bullets(.problems))]
    Refused {
        /// The command refused: `migrate`, `rollback`, `redo`...
        command: &'static str,
        /// Every reason, all at once.
        problems: Vec<Problem>,
    },

    /// Another migrator held the lock for longer than the lock timeout.
    #[error(
        "timed out after {}s waiting for the migration lock{}; another migrator is running",
        .waited.as_secs(),
        .holder.as_ref().map(|h| format!(" held by {h}")).unwrap_or_default()
    )]
    LockTimeout {
        /// How long this migrator waited.
        waited: Duration,
        /// Who holds the lock, where the database can tell (PostgreSQL, MySQL).
        holder: Option<String>,
    },

    /// A dry run cannot rehearse these migrations inside a rolled-back transaction
    /// (Rust migrations on MySQL, `transaction = false` Rust migrations elsewhere).
    #[error("a dry run cannot rehearse the Rust migrations {}: {reason}; run it on a copy of the database instead", .migrations.join(", "))]
    DryRunUnsupported {
        /// The migrations in question, as `version name`.
        migrations: Vec<String>,
        /// Why they cannot be rehearsed.
        reason: &'static str,
    },

    /// A migration's `up` failed.
    #[error("{}", failed("migration", "applying", .0))]
    MigrationFailed(Box<Failure>),

    /// A migration's `down` failed during a rollback.
    #[error("{}", failed("rollback of", "rolling back", .0))]
    RollbackFailed(Box<Failure>),

    /// A backup or restore needs a program that is not on `PATH`; nothing was changed.
    #[error(
        "{what} of a {backend} database needs `{tool}`, which is not on PATH; nothing was changed. {fix}"
    )]
    ToolMissing {
        /// `a backup` or `a restore`.
        what: &'static str,
        /// The program, such as `pg_dump`.
        tool: String,
        /// The database, such as `PostgreSQL`.
        backend: &'static str,
        /// How to install it, or what to do instead.
        fix: String,
    },

    /// A backup or a restore failed.
    #[error("{context}: {cause}; {fix}")]
    Backup {
        /// What was being done, naming the file.
        context: String,
        /// What went wrong, password scrubbed.
        cause: String,
        /// What was left, and what to do.
        fix: String,
    },

    /// The run completed, and the checks after it found problems: what it applied
    /// stays applied. The report says what ran and what was found.
    #[error("{}", postflight_failed(.0))]
    PostflightFailed(Box<crate::run::Report>),
}

fn postflight_failed(report: &crate::run::Report) -> String {
    match &report.postflight {
        Some(p) => p.failure_text(),
        None => "the checks after the run failed".to_owned(),
    }
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
    /// The version used more than once.
    pub version: i64,
    /// `name (file:line)` of each migration with that version.
    pub places: Vec<String>,
    /// They all have the same name and checksum: one migration registered twice.
    pub identical: bool,
}

fn duplicates(list: &[Duplicate]) -> String {
    let mut out =
        String::from("migration versions must be unique; give each of these its own version:");
    for d in list {
        out.push_str(&format!(
            "\n  - version {} is used by {}{}",
            d.version,
            d.places.join(" and "),
            if d.identical {
                " (the same migration each time: it is registered twice)"
            } else {
                ""
            }
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
        /// The migration's version.
        version: i64,
        /// The migration's name.
        name: String,
        /// The checksum recorded when it was applied.
        recorded: String,
        /// The checksum of the code now.
        current: String,
    },
    /// Applied in the database, absent from the code.
    Missing {
        /// The migration's version.
        version: i64,
        /// Its name, as recorded.
        name: String,
    },
    /// A rollback target whose code is gone, so its `down` cannot run.
    NotInCode {
        /// The migration's version.
        version: i64,
        /// Its name, as recorded.
        name: String,
    },
    /// Pending, but older than a migration already applied.
    OutOfOrder {
        /// The pending migration's version.
        version: i64,
        /// The pending migration's name.
        name: String,
        /// The newest version already applied.
        latest_applied: i64,
    },
    /// A migration that failed or was interrupted outside a transaction.
    Dirty {
        /// The migration's version.
        version: i64,
        /// The migration's name.
        name: String,
    },
    /// A migration another migrator is running outside a transaction right now.
    Running {
        /// The migration's version.
        version: i64,
        /// The migration's name.
        name: String,
    },
    /// A rollback would have to pass a migration that cannot be undone.
    Irreversible {
        /// The migration's version.
        version: i64,
        /// The migration's name.
        name: String,
        /// The reason it declared with `irreversible = "..."`.
        reason: String,
    },
    /// diesel recorded migrations in `__diesel_schema_migrations` that updown's tables do
    /// not have: the database was migrated by diesel and has not been adopted.
    NotAdopted {
        /// How many versions diesel recorded that updown has not.
        count: usize,
        /// The first of them.
        first: String,
    },
    /// `adopt diesel` on a database diesel never migrated.
    NoDieselTable,
    /// diesel recorded a version as applied that no migration of the program has.
    UnknownDieselVersion {
        /// The version as diesel recorded it.
        version: String,
    },
    /// Another session of the server that the run should not start beside: a long
    /// transaction, or a lock held or awaited on a table the run touches.
    Activity(crate::activity::Activity),
    /// A guard of the `production` environment: `reset` is refused, `rollback` and
    /// `redo` need a confirmation.
    Production {
        /// The command guarded: `reset`, `rollback` or `redo`.
        command: &'static str,
    },
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
            Problem::Running { version, name } => write!(
                f,
                "migration {version} {name} is being run by another migrator right now, outside a transaction"
            ),
            Problem::Irreversible {
                version,
                name,
                reason,
            } => write!(
                f,
                "migration {version} {name} is irreversible (\"{reason}\")"
            ),
            Problem::NotAdopted { count: 1, first } => write!(
                f,
                "diesel applied migration {first} to this database (`__diesel_schema_migrations`), and updown has no record of it"
            ),
            Problem::NotAdopted { count, first } => write!(
                f,
                "diesel applied {count} migrations to this database (`__diesel_schema_migrations`, from {first}), and updown has no record of them"
            ),
            Problem::NoDieselTable => f.write_str(
                "this database has no `__diesel_schema_migrations` table: diesel never migrated it, so there is nothing to adopt",
            ),
            Problem::UnknownDieselVersion { version } => write!(
                f,
                "diesel recorded version {version} as applied, and no migration of this program has that version"
            ),
            Problem::Activity(a) => fmt::Display::fmt(a, f),
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

/// The first 12 hex digits of a checksum, as updown's messages show it.
pub fn short(checksum: &str) -> &str {
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
    /// The failed migration's version.
    pub version: i64,
    /// The failed migration's name.
    pub name: String,
    /// The statement that failed, when known.
    pub statement: Option<String>,
    /// The error the database or the body returned.
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
        out.push_str(&format!("\n  statement: {}", one_line(statement, 300)));
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

/// `text` on one line, whitespace folded, cut at `max` characters.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let folded: Vec<&str> = text.split_whitespace().collect();
    let text = folded.join(" ");
    if text.chars().count() > max {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}...")
    } else {
        text
    }
}
