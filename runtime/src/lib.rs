//! # updown
//!
//! Database migrations written as Rust code, reversible by construction: a migration
//! without a `down` does not compile. Migrations register themselves, run on diesel
//! connections (SQLite, PostgreSQL, MySQL/MariaDB) and are tracked with compile-time
//! checksums, batches and an audit history.
//!
//! ```no_run
//! use updown::prelude::*;
//!
//! #[migration(version = 20250101_120000)]
//! mod create_users {
//!     use super::*;
//!     pub fn up(db: &mut Db) -> Result<()> {
//!         db.execute("CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL)")
//!     }
//!     pub fn down(db: &mut Db) -> Result<()> {
//!         db.execute("DROP TABLE users")
//!     }
//! }
//!
//! #[derive(Migration)]
//! #[migration(version = 20250102_090000,
//!             up = "ALTER TABLE users ADD COLUMN name TEXT",
//!             down = "ALTER TABLE users DROP COLUMN name")]
//! struct AddUserName;
//! # fn main() {}
//! ```
//!
//! Run them with the CLI of `updown-cli` compiled into your binary, or with [`Migrator`].

// The macros name this crate as `::updown`, including in its own tests.
extern crate self as updown;

mod backend;
pub mod check;
mod connection;
mod db;
mod error;
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

pub use connection::AnyConnection;
pub use db::{Db, MigrationError, Result};
pub use diesel;
pub use error::{Aftermath, Duplicate, Error, Failure, Problem};
pub use migration::{Body, Migration, Origin};
pub use migrator::Migrator;
pub use plan::{Plan, Planned, Request};
pub use registry::{Compiled, Registry, Source};
pub use run::{
    Action, Event, MigrateOptions, Phase, Progress, Repair, RepairChange, Report, RollbackOptions,
    RollbackTarget, Step,
};
pub use status::{MigrationStatus, State, Status, Summary};
pub use tracking::{AppliedRow, HistoryAction, HistoryEntry, Outcome, RowState};
pub use updown_macros::{Migration, migration, test};
pub use updown_sql::{Dialect, Rule};
pub use url::{Backend, DatabaseUrl};
pub use verify::{Verdict, VerifyOptions, VerifyReport, VerifyStep};

/// Schema snapshots: what `verify` compares.
pub mod snapshot {
    pub use crate::schema::{Column, Difference, Index, Snapshot, Table};

    /// Reads the schema of the database at `database_url`, without updown's own tables.
    pub fn read(database_url: &str) -> Result<Snapshot, crate::Error> {
        let url = crate::DatabaseUrl::parse(database_url)?;
        crate::session::Session::open(&url)?.snapshot()
    }
}

/// What a migration file needs: `use updown::prelude::*;`.
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
