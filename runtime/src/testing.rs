//! Helpers for your own `cargo test`.

use crate::{Migrator, Registry, VerifyOptions};

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
