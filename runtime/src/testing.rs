//! Helpers for your own `cargo test`: a fresh migrated database per test
//! ([`#[updown::test]`](crate::test), [`TestDatabase`]), and a proof that every `down`
//! undoes its `up` ([`assert_reversible`]).
//!
//! ```no_run
//! use updown::prelude::*;
//!
//! #[test]
//! fn every_migration_is_reversible() {
//!     updown::testing::assert_reversible();
//! }
//!
//! // A database of its own with every migration applied; `fixtures = ["a.sql"]` would
//! // add rows from SQL files next to the crate's Cargo.toml.
//! #[updown::test]
//! fn lower_cases_emails(db: &mut Db) -> Result<()> {
//!     db.execute("UPDATE users SET email = lower(email)")
//! }
//! # fn main() {}
//! ```

use crate::backend::{self, Scratch};
use crate::connection::AnyConnection;
use crate::db::Db;
use crate::url::DatabaseUrl;
use crate::{Error, MigrateOptions, Migrator, Registry, VerifyOptions};

/// The variable naming the server that test databases are created on; unset, each test
/// gets a temporary SQLite file.
pub const DATABASE_URL_VAR: &str = "UPDOWN_TEST_DATABASE_URL";

/// How [`TestDatabase::create`] prepares a test's database; what `#[updown::test(...)]`
/// sets.
#[derive(Debug, Clone, Default)]
pub struct TestOptions {
    /// Where to create it: a server URL (a new database on that server), or `None` for
    /// the variable [`DATABASE_URL_VAR`], then a temporary SQLite file.
    pub url: Option<String>,
    /// Apply the registered migrations up to and including this version only.
    pub to: Option<i64>,
    /// Leave the database empty: no migration applied.
    pub skip_migrations: bool,
    /// SQL scripts run after the migrations, in order (test data).
    pub fixtures: Vec<&'static str>,
}

/// A fresh database for one test, migrated, with a connection to it; dropped (the
/// database too) when this value is, also when the test panics.
///
/// ```no_run
/// use updown::testing::{TestDatabase, TestOptions};
///
/// #[test]
/// fn users_start_empty() {
///     let mut database = TestDatabase::create("users_start_empty", &TestOptions::default()).unwrap();
///     database.db().execute("INSERT INTO users (id, email) VALUES (1, 'a@example.com')").unwrap();
/// }
/// ```
pub struct TestDatabase {
    // Declared first, dropped first: the connection closes before the database goes.
    conn: AnyConnection,
    /// Drops the database with this value.
    _scratch: Scratch,
}

impl TestDatabase {
    /// Creates a database named after `test` beside the configured server (or a
    /// temporary SQLite file), applies the registered migrations and the fixtures.
    pub fn create(test: &str, options: &TestOptions) -> Result<TestDatabase, Error> {
        let target = match options.url.clone().or_else(|| {
            std::env::var(DATABASE_URL_VAR)
                .ok()
                .filter(|u| !u.trim().is_empty())
        }) {
            Some(url) => DatabaseUrl::parse(&url)?,
            // Beside any SQLite database, a scratch one is a temporary file.
            None => DatabaseUrl::parse("sqlite::memory:")?,
        };
        let scratch = backend::scratch(&target, test)?;
        if !options.skip_migrations {
            let migrate = MigrateOptions {
                to: options.to,
                ..MigrateOptions::default()
            };
            Migrator::with_url(Registry::collect()?, scratch.url.clone())
                .migrate(&migrate, &mut |_| {})?;
        }
        let (conn, _) = backend::connect(&scratch.url, true)?;
        let mut database = TestDatabase {
            conn,
            _scratch: scratch,
        };
        for fixture in &options.fixtures {
            database
                .db()
                .batch_execute(fixture)
                .map_err(|e| Error::Fixture {
                    statement: e.statement().unwrap_or_default().to_owned(),
                    cause: e.to_string(),
                })?;
        }
        Ok(database)
    }

    /// The migration context on this database, as a migration body gets it.
    pub fn db(&mut self) -> &mut Db {
        Db::wrap(&mut self.conn)
    }

    /// The diesel connection, for the query builder and `table!` types.
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

/// Runs `test` on a fresh [`TestDatabase`]: what `#[updown::test]` expands to. Panics
/// (failing the test) when the database cannot be prepared.
pub fn run<T>(
    test_name: &str,
    options: &TestOptions,
    test: impl FnOnce(&mut TestDatabase) -> T,
) -> T {
    let mut database = TestDatabase::create(test_name, options).unwrap_or_else(|e| {
        panic!(
            "cannot prepare the database of test `{test_name}`: {}",
            e.full_message()
        )
    });
    test(&mut database)
}

/// Panics unless every registered migration is reversible: `verify` on a scratch
/// database, with the differences in the panic message.
///
/// The scratch database sits beside `DATABASE_URL` when it is set (a new database on
/// that server, dropped after), otherwise it is a temporary SQLite file. The database
/// `DATABASE_URL` names is never touched.
///
/// ```no_run
/// #[test]
/// fn every_migration_is_reversible() {
///     updown::testing::assert_reversible();
/// }
/// ```
pub fn assert_reversible() {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".to_owned());
    assert_reversible_on(&url);
}

/// [`assert_reversible`] with the scratch database beside `database_url`.
pub fn assert_reversible_on(database_url: &str) {
    let migrator = Registry::collect()
        .and_then(|registry| Migrator::new(registry, database_url))
        .unwrap_or_else(|e| panic!("cannot verify the migrations: {}", e.full_message()));
    let report = migrator
        .verify(&VerifyOptions::default(), &mut |_| {})
        .unwrap_or_else(|e| {
            let url = migrator.url();
            panic!(
                "cannot verify the migrations on {url}: {}",
                e.full_message()
            )
        });
    if let Some(failure) = report.failure_text() {
        panic!(
            "a migration is not reversible on {}:\n{failure}",
            report.database
        );
    }
}
