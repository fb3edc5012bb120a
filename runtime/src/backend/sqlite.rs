//! SQLite: the lock is a `BEGIN IMMEDIATE` transaction held for the whole run, each
//! migration a savepoint inside it. DDL is transactional.

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::{Connection, QueryResult, RunQueryDsl, SqliteConnection};

use super::{Driver, LockError};
use crate::connection::AnyConnection;
use crate::url::DatabaseUrl;

pub(crate) struct Sqlite;

const READ_BUSY_TIMEOUT_MS: u32 = 5_000;

pub(crate) fn connect(url: &DatabaseUrl) -> Result<(AnyConnection, Box<dyn Driver>), crate::Error> {
    let path = url.target();
    if path != ":memory:" && !path.starts_with("file:") {
        let parent = std::path::Path::new(path).parent();
        if let Some(dir) = parent.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            return Err(crate::Error::Connect {
                url: url.redacted().to_owned(),
                cause: format!(
                    "directory `{}` does not exist; create it first",
                    dir.display()
                ),
            });
        }
    }
    let mut conn = SqliteConnection::establish(path).map_err(|e| crate::Error::Connect {
        url: url.redacted().to_owned(),
        cause: e.to_string(),
    })?;
    // Readers (status, history) wait for a committing writer instead of failing at once.
    conn.batch_execute(&format!("PRAGMA busy_timeout = {READ_BUSY_TIMEOUT_MS}"))
        .map_err(|e| crate::Error::Connect {
            url: url.redacted().to_owned(),
            cause: e.to_string(),
        })?;
    Ok((AnyConnection::Sqlite(conn), Box::new(Sqlite)))
}

fn inner(conn: &mut AnyConnection) -> &mut SqliteConnection {
    #[allow(unreachable_patterns)]
    match conn {
        AnyConnection::Sqlite(c) => c,
        _ => unreachable!("the SQLite driver is only paired with SQLite connections"),
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

impl Driver for Sqlite {
    fn tracking_exists(&self, conn: &mut AnyConnection) -> QueryResult<bool> {
        let count: Count = diesel::sql_query(
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'updown_migrations'",
        )
        .get_result(inner(conn))?;
        Ok(count.n > 0)
    }

    fn create_tracking(&self, conn: &mut AnyConnection) -> QueryResult<()> {
        conn.batch_execute(
            "CREATE TABLE IF NOT EXISTS updown_migrations (
                version BIGINT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at TEXT NOT NULL,
                duration_ms BIGINT NOT NULL,
                batch BIGINT NOT NULL,
                state TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS updown_history (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                version BIGINT NOT NULL,
                name TEXT NOT NULL,
                action TEXT NOT NULL,
                batch BIGINT,
                checksum TEXT NOT NULL,
                at TEXT NOT NULL,
                duration_ms BIGINT NOT NULL,
                outcome TEXT NOT NULL,
                error TEXT,
                note TEXT
            );",
        )
    }

    fn lock(&self, conn: &mut AnyConnection, timeout: Duration) -> Result<(), LockError> {
        let conn = inner(conn);
        conn.batch_execute(&format!("PRAGMA busy_timeout = {}", timeout.as_millis()))
            .map_err(LockError::Database)?;
        AnsiTransactionManager::begin_transaction_sql(conn, "BEGIN IMMEDIATE").map_err(|e| {
            if is_busy(&e) {
                LockError::Timeout { holder: None }
            } else {
                LockError::Database(e)
            }
        })
    }

    fn unlock(&self, conn: &mut AnyConnection) -> QueryResult<()> {
        let conn = inner(conn);
        if AnsiTransactionManager::transaction_manager_status_mut(conn)
            .transaction_depth()?
            .is_some()
        {
            AnsiTransactionManager::commit_transaction(conn)?;
        }
        Ok(())
    }

    fn outside_transaction(
        &self,
        conn: &mut AnyConnection,
        f: &mut dyn FnMut(&mut AnyConnection),
    ) -> QueryResult<()> {
        AnsiTransactionManager::commit_transaction(inner(conn))?;
        f(conn);
        AnsiTransactionManager::begin_transaction_sql(inner(conn), "BEGIN IMMEDIATE")
    }
}

fn is_busy(e: &diesel::result::Error) -> bool {
    let text = e.to_string();
    text.contains("database is locked") || text.contains("database is busy")
}
