//! One file per database: what differs between them (their own tables' DDL, the lock,
//! transactions around DDL). The migrator only ever talks to the [`Driver`] trait.

use std::collections::BTreeMap;
use std::time::Duration;

use diesel::QueryResult;
use diesel::connection::SimpleConnection;

use crate::connection::AnyConnection;
use crate::error::Error;
use crate::schema::{Scope, Snapshot, sql_literal};
use crate::tracking::ColumnTypes;
use crate::url::{Backend, DatabaseUrl};

#[cfg(feature = "mysql")]
pub(crate) mod mysql;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;

/// Why the lock was not taken.
pub(crate) enum LockError {
    /// Someone else held it for the whole timeout; who, where the database can tell.
    Timeout {
        holder: Option<String>,
    },
    Database(diesel::result::Error),
}

/// The operations that differ between databases.
// Send: a driver is kept with a connection a `Migrator` holds.
pub(crate) trait Driver: Send {
    /// A query whose column `n` counts the tables named `table` visible here (0 or 1).
    fn table_exists_query(&self, table: &'static str) -> String;

    /// Whether `table` exists, without creating anything.
    fn table_exists(&self, conn: &mut AnyConnection, table: &'static str) -> QueryResult<bool> {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let query = self.table_exists_query(table);
        let count: Count = diesel::RunQueryDsl::get_result(diesel::sql_query(query), conn)?;
        Ok(count.n > 0)
    }

    /// A query whose column `name` lists the columns of `table` visible here.
    fn columns_query(&self, table: &'static str) -> String;

    /// The columns of `table`, or `None` when it does not exist.
    fn columns(
        &self,
        conn: &mut AnyConnection,
        table: &'static str,
    ) -> QueryResult<Option<Vec<String>>> {
        #[derive(diesel::QueryableByName)]
        struct Name {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
        }
        let names: Vec<Name> =
            diesel::RunQueryDsl::load(diesel::sql_query(self.columns_query(table)), conn)?;
        Ok((!names.is_empty()).then(|| names.into_iter().map(|n| n.name).collect()))
    }

    /// How this database spells the column types of updown's tables.
    fn column_types(&self) -> ColumnTypes;

    /// Who this session is, as recorded in `updown_migrations.runner` while it runs a
    /// migration outside a transaction.
    fn session_id(&self, conn: &mut AnyConnection) -> QueryResult<String>;

    /// Whether `runner` (a [`session_id`](Driver::session_id)) still holds the migration
    /// lock, i.e. is still running what it marked.
    fn runner_alive(&self, conn: &mut AnyConnection, runner: &str) -> QueryResult<bool>;

    /// Takes the lock that serialises migrators, waiting at most `timeout`.
    fn lock(&self, conn: &mut AnyConnection, timeout: Duration) -> Result<(), LockError>;

    /// Releases the lock; called on every path once `lock` succeeded.
    fn unlock(&self, conn: &mut AnyConnection) -> QueryResult<()>;

    /// The schema, normalised, without updown's own tables: the objects in `scope`,
    /// each catalog read once.
    fn snapshot(&self, conn: &mut AnyConnection, scope: Scope<'_>) -> QueryResult<Snapshot>;

    /// The extensions installed, with their schema; none where the database has none.
    fn extensions(&self, _conn: &mut AnyConnection) -> QueryResult<Vec<(String, String)>> {
        Ok(Vec::new())
    }

    /// Runs a whole SQL script in a transaction of its own in one round trip:
    /// `Some(Ok(true))` when it committed, `Some(Ok(false))` when it
    /// failed and was rolled back (the caller runs it again statement by statement to
    /// name the one that fails), `None` where a round trip costs nothing to save.
    fn script_in_one_round_trip(
        &self,
        _conn: &mut AnyConnection,
        _sql: &str,
    ) -> Option<QueryResult<bool>> {
        None
    }

    /// A step's tracking and history rows as SQL with literal values
    /// ([`StepRows::sql`](crate::tracking::StepRows::sql)), for a driver that sends them
    /// with the body in one round trip; `None` where they are prepared statements.
    fn step_rows_sql(&self, _rows: &crate::tracking::StepRows) -> Option<String> {
        None
    }

    /// Whether a run is one transaction (the lock), so that the tracking and history
    /// rows of its steps can be written together after them, by one prepared statement
    /// each, before anything commits.
    fn defers_step_rows(&self) -> bool {
        false
    }

    /// Settings for a session on a scratch database, whose contents are thrown away.
    fn tune_scratch(&self, _conn: &mut AnyConnection) -> QueryResult<()> {
        Ok(())
    }

    /// The schema in `scope` and the row count of each of its tables.
    fn observe(
        &self,
        conn: &mut AnyConnection,
        scope: Scope<'_>,
    ) -> QueryResult<(Snapshot, BTreeMap<String, i64>)> {
        let snapshot = self.snapshot(conn, scope)?;
        let tables: Vec<&String> = snapshot.tables.keys().collect();
        let rows = self.row_counts(conn, &tables)?;
        Ok((snapshot, rows))
    }

    /// The row count of each table, in one query per 200 tables (SQLite allows 500
    /// terms in a compound SELECT).
    fn row_counts(
        &self,
        conn: &mut AnyConnection,
        tables: &[&String],
    ) -> QueryResult<BTreeMap<String, i64>> {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut rows = BTreeMap::new();
        for chunk in tables.chunks(200) {
            let union: Vec<String> = chunk
                .iter()
                .map(|t| {
                    format!(
                        "SELECT {} AS name, COUNT(*) AS n FROM {}",
                        sql_literal(t),
                        self.quote(t)
                    )
                })
                .collect();
            let counts: Vec<Count> =
                diesel::RunQueryDsl::load(diesel::sql_query(union.join(" UNION ALL ")), conn)?;
            rows.extend(counts.into_iter().map(|c| (c.name, c.n)));
        }
        Ok(rows)
    }

    /// Quotes an identifier.
    fn quote(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }

    /// Whether rolling back a transaction undoes DDL. Where it does not (MySQL commits
    /// DDL implicitly), every migration runs as if `transaction = false`: marked dirty
    /// before its body runs, clean after.
    fn transactional_ddl(&self) -> bool {
        true
    }

    /// Runs `f` with no transaction of updown's open, for `transaction = false`
    /// migrations. Backends whose lock is a transaction commit it first and take it again
    /// after.
    fn outside_transaction(
        &self,
        conn: &mut AnyConnection,
        f: &mut dyn FnMut(&mut AnyConnection),
    ) -> QueryResult<()> {
        f(conn);
        Ok(())
    }

    /// A fresh, empty database `name` beside `target`: by default a new database on
    /// the same server, dropped with the returned guard.
    fn create_scratch(&self, target: &DatabaseUrl, name: &str) -> Result<Scratch, Error> {
        let (mut conn, _) = connect(target, true)?;
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(|e| Error::Scratch {
                name: name.to_owned(),
                server: target.redacted().to_owned(),
                cause: target.scrub(&e.to_string()),
            })?;
        Ok(Scratch {
            url: target.with_database(name)?,
            leftover: Leftover::Database(target.clone(), name.to_owned()),
            _dir: None,
        })
    }

    /// Drops a database `create_scratch` made.
    fn drop_database(&self, conn: &mut AnyConnection, name: &str) -> QueryResult<()> {
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
    }
}

/// Whether `conn` has a transaction open, as diesel records it (an unknown state counts
/// as open).
pub(crate) fn in_transaction<C: diesel::Connection>(conn: &mut C) -> bool {
    use diesel::connection::TransactionManager;
    !matches!(
        C::TransactionManager::transaction_manager_status_mut(conn).transaction_depth(),
        Ok(None)
    )
}

/// The driver of a backend, without a connection.
pub(crate) fn driver(backend: Backend) -> Result<Box<dyn Driver>, Error> {
    match backend {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => Ok(Box::new(sqlite::Sqlite::default())),
        #[cfg(feature = "postgres")]
        Backend::Postgres => Ok(Box::new(postgres::Postgres::default())),
        #[cfg(feature = "mysql")]
        Backend::Mysql => Ok(Box::new(mysql::Mysql)),
        #[allow(unreachable_patterns)]
        other => Err(Error::BackendNotCompiled {
            backend: other.name(),
            feature: other.feature(),
        }),
    }
}

/// Opens a connection for `url` with the driver of its backend.
/// Connects to `url`; `create`: a SQLite file that does not exist is created, else read
/// as an empty database.
pub(crate) fn connect(
    url: &DatabaseUrl,
    #[allow(unused_variables)] create: bool,
) -> Result<(AnyConnection, Box<dyn Driver>), Error> {
    match url.backend() {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => sqlite::connect(url, create),
        #[cfg(feature = "postgres")]
        Backend::Postgres => postgres::connect(url),
        #[cfg(feature = "mysql")]
        Backend::Mysql => mysql::connect(url),
        #[allow(unreachable_patterns)]
        other => Err(Error::BackendNotCompiled {
            backend: other.name(),
            feature: other.feature(),
        }),
    }
}

/// A fresh, empty database beside the target, for `verify`; dropped with the guard.
pub(crate) struct Scratch {
    pub url: DatabaseUrl,
    /// What dropping it removes.
    leftover: Leftover,
    /// The folder of a scratch file, removed with it.
    _dir: Option<tempfile::TempDir>,
}

/// A scratch database beside `target`, named after `purpose` (`verify`, a test's name)
/// and unique to this process and moment.
pub(crate) fn scratch(target: &DatabaseUrl, purpose: &str) -> Result<Scratch, Error> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let unique = format!(
        "{}_{nanos}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    // Identifiers: letters, digits and `_`, at most 63 bytes (PostgreSQL's limit).
    let mut purpose: String = purpose
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    purpose.truncate(63 - "updown__".len() - unique.len());
    let name = format!("updown_{purpose}_{unique}");
    // Only a server backend connects: a scratch file needs nothing of the target.
    let scratch = driver(target.backend())?.create_scratch(target, &name)?;
    live().push(scratch.leftover.clone());
    Ok(scratch)
}

/// What a scratch database leaves if it is not dropped: a database on a server, or a
/// folder.
#[derive(Clone)]
enum Leftover {
    Database(DatabaseUrl, String),
    #[cfg(feature = "sqlite")]
    Folder(std::path::PathBuf),
}

impl Leftover {
    fn is(&self, other: &Leftover) -> bool {
        match (self, other) {
            (Leftover::Database(_, a), Leftover::Database(_, b)) => a == b,
            #[cfg(feature = "sqlite")]
            (Leftover::Folder(a), Leftover::Folder(b)) => a == b,
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    fn remove(&self) {
        match self {
            Leftover::Database(server, name) => {
                if let Ok((mut conn, driver)) = connect(server, true) {
                    let _ = driver.drop_database(&mut conn, name);
                }
            }
            #[cfg(feature = "sqlite")]
            Leftover::Folder(path) => {
                let _ = std::fs::remove_dir_all(path);
            }
        }
    }
}

/// The scratch databases this process holds, for [`drop_scratch_databases`].
fn live() -> std::sync::MutexGuard<'static, Vec<Leftover>> {
    static LIVE: std::sync::Mutex<Vec<Leftover>> = std::sync::Mutex::new(Vec::new());
    LIVE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Drops every scratch database this process created and has not dropped yet, such as
/// the one a running `verify` works on: for a signal handler, before the process exits.
/// Returns how many there were.
pub fn drop_scratch_databases() -> usize {
    let leftovers = std::mem::take(&mut *live());
    for leftover in &leftovers {
        leftover.remove();
    }
    leftovers.len()
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let mut live = live();
        let Some(i) = live.iter().position(|l| l.is(&self.leftover)) else {
            // A signal handler dropped it already.
            return;
        };
        live.remove(i);
        drop(live);
        // A folder goes with its `TempDir`.
        #[allow(irrefutable_let_patterns)]
        if let Leftover::Database(..) = self.leftover {
            self.leftover.remove();
        }
    }
}

/// The server a unit test runs on, from the URL in `var`: `None` (the test is skipped)
/// when it is not set, but under `CI=true`, where servers are required.
#[cfg(all(test, any(feature = "postgres", feature = "mysql")))]
pub(crate) fn test_server(var: &str) -> Option<DatabaseUrl> {
    match std::env::var(var).ok().filter(|v| !v.is_empty()) {
        Some(url) => Some(DatabaseUrl::parse(&url).unwrap_or_else(|e| panic!("{e}"))),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{var} is required under CI=true")
        }
        None => {
            eprintln!("skipped: {var} is not set");
            None
        }
    }
}

/// A connection for a unit test, creating a SQLite file.
#[cfg(test)]
pub(crate) fn test_connect(url: &DatabaseUrl) -> AnyConnection {
    connect(url, true).unwrap_or_else(|e| panic!("{e}")).0
}
