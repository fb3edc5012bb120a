//! The registry as a diesel `MigrationSource`, for teams that keep diesel's runner for a
//! while: `MigrationHarness::run_pending_migrations` on an [`AnyConnection`] runs every
//! registered migration (Rust, derive and diesel folders), recorded in diesel's
//! `__diesel_schema_migrations` as diesel records its own. updown's tables are not
//! written; `adopt diesel` imports what diesel ran when updown takes over.

use std::fmt;

use diesel::Connection;
use diesel::connection::BoxableConnection;
use diesel::migration::{
    self, MigrationMetadata, MigrationName, MigrationSource, MigrationVersion,
};

use crate::connection::AnyConnection;
use crate::migration::Migration;
use crate::registry::Registry;
use crate::run::Action;
use crate::statement_log::StatementLog;

type Backend = <AnyConnection as Connection>::Backend;

/// One registered migration as diesel's runner sees it.
struct ForDiesel {
    migration: Migration,
    name: DieselName,
}

/// `<version>_<name>`, with the version diesel records.
struct DieselName {
    version: String,
    name: String,
}

impl fmt::Display for DieselName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.version, self.name)
    }
}

impl MigrationName for DieselName {
    fn version(&self) -> MigrationVersion<'_> {
        MigrationVersion::from(self.version.as_str())
    }
}

impl MigrationMetadata for ForDiesel {
    fn run_in_transaction(&self) -> bool {
        self.migration.transactional()
    }
}

impl ForDiesel {
    fn new(migration: &Migration) -> ForDiesel {
        ForDiesel {
            name: DieselName {
                version: migration.version_text().into_owned(),
                name: migration.name().to_owned(),
            },
            migration: migration.clone(),
        }
    }

    fn run_action(
        &self,
        conn: &mut dyn BoxableConnection<Backend>,
        action: Action,
    ) -> migration::Result<()> {
        let conn = conn.as_any_mut().downcast_mut::<AnyConnection>().ok_or(
            "updown's migrations run on an `updown::AnyConnection`: run diesel's harness on one",
        )?;
        crate::session::run_body(conn, &StatementLog::default(), &self.migration, action)
            .map(drop)
            .map_err(|e| format!("migration {}: {e}", self.migration.label()).into())
    }
}

impl diesel::migration::Migration<Backend> for ForDiesel {
    fn run(&self, conn: &mut dyn BoxableConnection<Backend>) -> migration::Result<()> {
        self.run_action(conn, Action::Apply)
    }

    fn revert(&self, conn: &mut dyn BoxableConnection<Backend>) -> migration::Result<()> {
        self.run_action(conn, Action::Rollback)
    }

    fn metadata(&self) -> &dyn MigrationMetadata {
        self
    }

    fn name(&self) -> &dyn MigrationName {
        &self.name
    }
}

/// ```no_run
/// use diesel::Connection;
/// use diesel_migrations::MigrationHarness;
///
/// let registry = updown::Registry::collect()?;
/// let mut conn = updown::AnyConnection::establish("postgres://app@localhost/app")?;
/// conn.run_pending_migrations(&registry).map_err(|e| e.to_string())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl MigrationSource<Backend> for &Registry {
    fn migrations(&self) -> migration::Result<Vec<Box<dyn diesel::migration::Migration<Backend>>>> {
        Ok(Registry::migrations(self)
            .iter()
            .map(|m| Box::new(ForDiesel::new(m)) as Box<dyn diesel::migration::Migration<Backend>>)
            .collect())
    }
}

impl MigrationSource<Backend> for Registry {
    fn migrations(&self) -> migration::Result<Vec<Box<dyn diesel::migration::Migration<Backend>>>> {
        MigrationSource::<Backend>::migrations(&self)
    }
}
