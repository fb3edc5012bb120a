//! A small app whose migrations live next to its code. Its binary is the migration CLI:
//!
//! ```text
//! cargo run -p quickstart -- migrate
//! cargo run -p quickstart -- status
//! ```
//!
//! Without `--database-url` or `DATABASE_URL` it uses `quickstart.db` in the working
//! directory.

mod migrations;
mod schema;

use std::process::ExitCode;

fn main() -> ExitCode {
    updown_cli::cli!()
        .default_database_url("sqlite://quickstart.db")
        .main()
}

#[cfg(test)]
mod tests {
    /// Every migration's `down` undoes its `up`: proven on a scratch database.
    #[test]
    fn every_migration_is_reversible() {
        updown::testing::assert_reversible();
    }

    /// The same on every backend the tests have a server for.
    #[test]
    fn every_migration_is_reversible_on_every_backend() {
        for db in updown_tests::databases() {
            updown::testing::assert_reversible_on(&db.url);
        }
    }
}
