//! Database migrations written as Rust code, reversible by construction.
//!
//! A migration is an `up` and a `down`, compiled into your program. Leave out the `down`,
//! or write one that does nothing, and the crate does not compile unless the migration
//! says why it cannot be undone. Migrations register themselves, run on diesel
//! connections (SQLite, PostgreSQL, MySQL/MariaDB: the `sqlite`, `postgres` and `mysql`
//! features) and are tracked in the database with a checksum fixed at compile time, a
//! batch number and an audit history.
//!
//! # Writing a migration
//!
//! In Rust, an inline module under [`#[migration]`](macro@migration) whose `up` and
//! `down` take the migration's [`Db`]:
//!
//! ```
//! use updown::prelude::*;
//!
//! /// Creates the users table.
//! #[migration(version = 20250101_120000)]
//! mod create_users {
//!     use super::*;
//!
//!     pub fn up(db: &mut Db) -> Result<()> {
//!         db.execute("CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL)")
//!     }
//!
//!     pub fn down(db: &mut Db) -> Result<()> {
//!         db.execute("DROP TABLE users")
//!     }
//! }
//! # fn main() {}
//! ```
//!
//! In SQL, a unit struct under [`#[derive(Migration)]`](derive@Migration), the SQL inline
//! or in files (`up_file = "sql/add_user_name.up.sql"`, relative to the crate's
//! `Cargo.toml`):
//!
//! ```
//! # use updown::prelude::*;
//! #[derive(Migration)]
//! #[migration(
//!     version = 20250102_090000,
//!     up = "ALTER TABLE users ADD COLUMN name TEXT",
//!     down = "ALTER TABLE users DROP COLUMN name"
//! )]
//! struct AddUserName;
//! # fn main() {}
//! ```
//!
//! [`Db::execute`] runs one statement and [`Db::batch_execute`] a script, so that a
//! failure names its statement; [`Db::conn`] is a diesel connection ([`AnyConnection`])
//! for the query builder and your `table!` types. Any error converts into the body's
//! [`MigrationError`] with `?`, and a panic is caught and reported as the migration's
//! failure.
//!
//! The other keys, all described on [`macro@migration`]: `name`, `transaction = false`,
//! `destructive = "why"`, `irreversible = "why"` (instead of a `down`), `dialect`,
//! `unchecked_sql = "why"` and `allow = [...]`:
//!
//! ```
//! use updown::prelude::*;
//!
//! /// CONCURRENTLY cannot run in a transaction; the index does not block writes.
//! #[migration(
//!     version = 20250110_090000,
//!     name = "index_users_by_email",
//!     transaction = false,
//!     dialect = "postgres",
//! )]
//! mod users_email_index {
//!     use super::*;
//!
//!     pub fn up(db: &mut Db) -> Result<()> {
//!         db.execute("CREATE INDEX CONCURRENTLY users_email_idx ON users (email)")
//!     }
//!
//!     pub fn down(db: &mut Db) -> Result<()> {
//!         db.execute("DROP INDEX CONCURRENTLY users_email_idx")
//!     }
//! }
//!
//! #[migration(version = 20250111_090000, irreversible = "purged sessions cannot be restored")]
//! mod purge_sessions {
//!     use super::*;
//!
//!     pub fn up(db: &mut Db) -> Result<()> {
//!         db.execute("DELETE FROM sessions WHERE expires_at < CURRENT_TIMESTAMP")
//!     }
//! }
//!
//! #[derive(Migration)]
//! #[migration(
//!     version = 20250112_090000,
//!     destructive = "nickname was replaced by display_name",
//!     up = "ALTER TABLE users DROP COLUMN nickname",
//!     down = "ALTER TABLE users ADD COLUMN nickname TEXT"
//! )]
//! struct DropNickname;
//!
//! #[derive(Migration)]
//! #[migration(
//!     version = 20250113_090000,
//!     dialect = "postgres",
//!     unchecked_sql = "the parser does not read LIKE ... INCLUDING",
//!     up = "CREATE TABLE users_copy (LIKE users INCLUDING ALL)",
//!     down = "DROP TABLE users_copy"
//! )]
//! struct CopyUsers;
//!
//! /// On PostgreSQL `check` flags an index built without CONCURRENTLY; `posts` is small.
//! #[derive(Migration)]
//! #[migration(
//!     version = 20250114_090000,
//!     allow = ["create-index-without-concurrently"],
//!     up = "CREATE INDEX posts_title_idx ON posts (title)",
//!     down = "DROP INDEX posts_title_idx"
//! )]
//! struct IndexPostsByTitle;
//! # fn main() {}
//! ```
//!
//! # Running them
//!
//! Usually with the command line of [`updown-cli`](https://docs.rs/updown-cli), compiled
//! into your own binary so that it always carries the migrations of the code you deploy
//! (`status`, `migrate`, `rollback`, `verify`, `check` and more; its documentation lists
//! them with their exit codes):
//!
//! ```ignore
//! fn main() -> std::process::ExitCode {
//!     updown_cli::main()
//! }
//! ```
//!
//! From your program's own start-up code, with a [`Migrator`]:
//!
//! ```no_run
//! use updown::{MigrateOptions, Migrator, Registry, Request};
//!
//! # fn main() -> Result<(), updown::Error> {
//! let database_url = std::env::var("DATABASE_URL").expect("DATABASE_URL is set");
//! let migrator = Migrator::new(Registry::collect()?, &database_url)?;
//! let options = MigrateOptions::default();
//! for m in migrator.plan(Request::Migrate(&options))?.migrations() {
//!     println!("will apply {}", m.label());
//! }
//! let report = migrator.migrate(&options, &mut |event| {
//!     eprintln!("{} {} {}", event.phase.as_str(), event.version, event.name)
//! })?;
//! println!("applied {} migrations", report.steps.len());
//! # Ok(()) }
//! ```
//!
//! A run takes a lock, so that two instances starting together apply each migration
//! once. It refuses to start, changing nothing, when an applied migration was edited or
//! is gone from the code, when one is dirty, or when a pending one is older than the
//! latest applied ([`Error::Refused`] lists every [`Problem`]). [`Migrator::plan`] says
//! what a run would apply or undo and what would refuse it, without taking the lock or
//! changing anything.
//!
//! # Around a run: checks, backup, events, stopping
//!
//! A run that has something to do first looks at the server's other sessions (long
//! transactions, locks on the tables it touches: [`Problem::Activity`]), takes a backup
//! when [`RunChecks::backup`] names a folder ([`backup`]), and after the migrations
//! checks the foreign keys they added, that nothing is left dirty, and records the
//! schema checksum ([`Postflight`]; a failure is [`Error::PostflightFailed`], what ran
//! staying applied). [`Migrator::checks`] sets them; [`Migrator::preflight`] and
//! [`Migrator::postflight`] run them alone. Every step is a `tracing` event of target
//! `updown` (fields `event`, `version`, `name`, `batch`, `checksum`, `duration_ms`,
//! `outcome`, `error`), for your own subscriber. [`Migrator::stop_when`] takes a flag
//! that stops a run after the migration it is running:
//!
//! ```no_run
//! use std::sync::{Arc, atomic::AtomicBool};
//! use updown::{MigrateOptions, Migrator, Registry, RunChecks};
//!
//! # fn main() -> Result<(), updown::Error> {
//! let stop = Arc::new(AtomicBool::new(false));
//! let migrator = Migrator::new(Registry::collect()?, "postgres://app@db/app")?
//!     .checks(RunChecks {
//!         backup: Some("backups".into()),
//!         ..RunChecks::default()
//!     })
//!     .stop_when(stop.clone());
//! let report = migrator.migrate(&MigrateOptions::default(), &mut |_| {})?;
//! if report.stopped {
//!     println!("stopped; not run: {:?}", report.not_run);
//! }
//! # Ok(()) }
//! ```
//!
//! # Migrations built at run time
//!
//! [`Migration::sql`] builds a SQL migration from strings, say read from a folder, with
//! the checksum `#[derive(Migration)]` would give it. [`Registry::from_sources`] merges it
//! with the compiled-in ones ([`Compiled`]) into one list, validated once: any
//! [`Source`] can join, and a `Vec<Migration>` is one.
//!
//! ```standalone_crate
//! use updown::{Compiled, MigrateOptions, Migration, Migrator, Registry, State};
//!
//! # fn main() -> Result<(), updown::Error> {
//! # let dir = tempfile::tempdir().unwrap();
//! # let database_url = format!("sqlite://{}", dir.path().join("app.db").display());
//! let from_disk = vec![Migration::sql(
//!     20250301_000000,
//!     "create_tags",
//!     "CREATE TABLE tags (id BIGINT PRIMARY KEY, label TEXT NOT NULL)",
//!     Some("DROP TABLE tags"),
//! )];
//! let registry = Registry::from_sources(&[&Compiled, &from_disk])?;
//! let migrator = Migrator::new(registry, &database_url)?;
//! migrator.migrate(&MigrateOptions::default(), &mut |_| {})?;
//! let status = migrator.status()?;
//! assert_eq!(status.get(20250301_000000).map(|m| m.state), Some(State::Applied));
//! # Ok(()) }
//! ```
//!
//! # Safety
//!
//! When the crate compiles, SQL is parsed: the strings and files of `#[derive(Migration)]`
//! and the string literals Rust bodies pass to `execute` and `batch_execute`. A statement
//! that does not parse is a compile error on its literal. So is a destructive statement in
//! `up` (DROP of what existed before, TRUNCATE, DELETE or UPDATE without WHERE, a column
//! type change, a rename...) unless the migration declares `destructive = "why"`. SQL a
//! Rust body builds at run time is checked when it runs: [`Db`] refuses such a statement
//! in an undeclared `up`.
//!
//! [`check::check`] lints every migration without a database: the destructive rules,
//! PostgreSQL lock risks, and what `down` does not undo. Each finding names its [`Rule`],
//! which `allow = ["rule-name"]` turns off for one migration.
//!
//! # Proving every `down`
//!
//! A compile error can force a `down` to exist, not prove it right. [`Migrator::verify`]
//! does: for every migration it runs `up`, `down` and `up` again on a scratch database,
//! comparing the schema ([`snapshot`]) and row counts after each step, and stops at the
//! first `down` that does not restore what `up` changed. In your tests:
//!
//! ```no_run
//! #[test]
//! fn every_migration_is_reversible() {
//!     updown::testing::assert_reversible();
//! }
//! ```
//!
//! # Coming from diesel
//!
//! Diesel migration folders join the same plan: [`embed_diesel_migrations!`] registers
//! them when the crate compiles, [`DieselDir`] reads them at run time, in diesel's own
//! order (see [`Registry`] for how they interleave with Rust migrations).
//! [`Migrator::adopt_diesel`] takes over a database diesel migrated, running nothing, and
//! a [`Registry`] is a diesel `MigrationSource` for teams that keep diesel's runner:
//!
//! ```no_run
//! use diesel::Connection;
//! use diesel_migrations::MigrationHarness;
//! use updown::{Compiled, DieselDir, Registry};
//!
//! let registry = Registry::from_sources(&[&Compiled, &DieselDir::new("migrations")])?;
//! let mut conn = updown::AnyConnection::establish("sqlite://app.db")?;
//! conn.run_pending_migrations(&registry).map_err(|e| e.to_string())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Migrations in a library crate: the linking rule
//!
//! Migrations register themselves when their crate is linked. If they live in a library
//! crate, every binary that runs them (your program, its tests and examples) must name
//! that crate at least once, or the linker drops it and the program finds no migrations
//! ([`Error::NoMigrations`]):
//!
//! ```ignore
//! use my_migrations as _;
//! ```

#![deny(missing_docs)]

// The macros name this crate as `::updown`, including in its own tests.
extern crate self as updown;

mod activity;
mod backend;
pub mod backup;
pub mod check;
mod connection;
mod db;
mod error;
mod fault;
mod flight;
mod harness;
mod keys;
mod migration;
mod migrator;
mod plan;
mod registry;
mod run;
pub mod scaffold;
mod schema;
mod session;
mod statement_log;
mod status;
pub mod testing;
mod tracking;
mod url;
mod verify;

pub use activity::{Activity, ActivityKind};
pub use backend::drop_scratch_databases;
pub use connection::AnyConnection;
pub use db::{Db, MigrationError, Result};
/// The diesel updown runs on, for the query builder in migration bodies
/// (`use updown::diesel::prelude::*;`) at the version [`AnyConnection`] is built with.
pub use diesel;
/// diesel_migrations, for running a [`Registry`] with diesel's own runner (`MigrationHarness`).
pub use diesel_migrations;
pub use error::{Aftermath, Duplicate, Error, Failure, Problem, short as short_checksum};
pub use flight::{Postflight, Preflight, RunChecks, SchemaChecksum};
pub use keys::{ForeignKey, KeyFinding};
pub use migration::{Body, Migration, Origin};
pub use migrator::Migrator;
pub use plan::{Plan, Planned, Request};
pub use registry::{Compiled, DieselDir, Registry, Source};
pub use run::{
    Action, Event, MigrateOptions, Phase, Progress, Repair, RepairChange, Report, RollbackOptions,
    RollbackTarget, Step,
};
pub use status::{MigrationStatus, State, Status, Summary};
pub use tracking::{AppliedRow, HistoryAction, HistoryEntry, LAYOUT, Outcome, RowState};
pub use updown_macros::{Migration, embed_diesel_migrations, migration, test};
pub use updown_sql::{Dialect, Rule};
pub use url::{Backend, DatabaseUrl, redact};
pub use verify::{Verdict, VerifyOptions, VerifyProgress, VerifyReport, VerifyStep};

/// Schema snapshots: what `verify` compares, object by object.
///
/// ```no_run
/// # fn main() -> Result<(), updown::Error> {
/// let before = updown::snapshot::read("sqlite://app.db")?;
/// // ... change the schema ...
/// let after = updown::snapshot::read("sqlite://app.db")?;
/// for difference in before.diff(&after) {
///     println!("{difference}");
/// }
/// # Ok(()) }
/// ```
pub mod snapshot {
    pub use crate::schema::{Column, Comparison, Difference, Extension, Index, Snapshot, Table};

    /// Reads the schema of the database at `database_url`, without updown's own tables.
    pub fn read(database_url: &str) -> Result<Snapshot, crate::Error> {
        let url = crate::DatabaseUrl::parse(database_url)?;
        crate::session::Session::open(&crate::session::Connect {
            url: &url,
            session_sql: &[],
            lock_timeout: std::time::Duration::ZERO,
            held: None,
        })?
        .snapshot(crate::schema::Scope::Everything)
    }
}

/// What a migration file needs: `use updown::prelude::*;` brings the macros, [`Db`],
/// [`MigrationError`], [`Backend`], [`AnyConnection`] and the body's [`Result`] (which
/// shadows the standard one).
pub mod prelude {
    pub use crate::connection::AnyConnection;
    pub use crate::db::{Db, MigrationError, Result};
    pub use crate::url::Backend;
    pub use updown_macros::{Migration, migration};
}

/// Used by the code the macros generate; not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use crate::migration::{Body, Migration};
    pub use inventory;
    pub use updown_sql::{Dialect, Rule};
}
