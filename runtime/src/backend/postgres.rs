//! PostgreSQL: a session-level advisory lock held for the whole run (released by the
//! server if the connection dies), one transaction per migration. DDL is transactional.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, QueryResult, QueryableByName, RunQueryDsl};

use super::{Driver, LockError};
use crate::connection::AnyConnection;
use crate::url::DatabaseUrl;

/// The advisory lock key: "updown" in ASCII. Advisory locks are per database, so one
/// key serves every database of a server.
const LOCK_KEY: i64 = 0x7570_646f_776e;

pub(crate) struct Postgres;

pub(crate) fn connect(url: &DatabaseUrl) -> Result<(AnyConnection, Box<dyn Driver>), crate::Error> {
    let failed = |e: &dyn std::fmt::Display| crate::Error::Connect {
        url: url.redacted().to_owned(),
        cause: url.scrub(e.to_string().trim()),
    };
    let mut conn = PgConnection::establish(url.target()).map_err(|e| failed(&e))?;
    // Names this session in pg_stat_activity, so a waiting migrator can say who holds the lock.
    if !url.target().contains("application_name") {
        conn.batch_execute("SET application_name = 'updown'")
            .map_err(|e| failed(&e))?;
    }
    Ok((AnyConnection::Postgres(conn), Box::new(Postgres)))
}

fn inner(conn: &mut AnyConnection) -> &mut PgConnection {
    #[allow(unreachable_patterns)]
    match conn {
        AnyConnection::Postgres(c) => c,
        _ => unreachable!("the PostgreSQL driver is only paired with PostgreSQL connections"),
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Holder {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pid: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    application: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    client: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    since: String,
}

impl Driver for Postgres {
    fn tracking_exists(&self, conn: &mut AnyConnection) -> QueryResult<bool> {
        let count: Count = diesel::sql_query(
            "SELECT COUNT(*) AS n FROM (SELECT to_regclass('updown_migrations') AS r) t WHERE r IS NOT NULL",
        )
        .get_result(inner(conn))?;
        Ok(count.n > 0)
    }

    fn create_tracking(&self, conn: &mut AnyConnection) -> QueryResult<()> {
        inner(conn).batch_execute(
            "CREATE TABLE IF NOT EXISTS updown_migrations (
                version BIGINT PRIMARY KEY,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at TEXT NOT NULL,
                duration_ms BIGINT NOT NULL,
                batch BIGINT NOT NULL,
                state TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS updown_history (
                id BIGSERIAL PRIMARY KEY,
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
        // lock_timeout bounds the wait for the advisory lock like any other lock wait.
        let ms = timeout.as_millis().max(1);
        conn.batch_execute(&format!("SET lock_timeout = {ms}"))
            .map_err(LockError::Database)?;
        let locked = conn.batch_execute(&format!("SELECT pg_advisory_lock({LOCK_KEY})"));
        conn.batch_execute("SET lock_timeout = DEFAULT")
            .map_err(LockError::Database)?;
        match locked {
            Ok(()) => Ok(()),
            Err(e) if e.to_string().contains("lock timeout") => Err(LockError::Timeout {
                holder: holder(conn),
            }),
            Err(e) => Err(LockError::Database(e)),
        }
    }

    fn unlock(&self, conn: &mut AnyConnection) -> QueryResult<()> {
        inner(conn).batch_execute(&format!("SELECT pg_advisory_unlock({LOCK_KEY})"))
    }
}

/// Who holds the lock, from pg_locks and pg_stat_activity.
fn holder(conn: &mut PgConnection) -> Option<String> {
    let (classid, objid) = (LOCK_KEY >> 32, LOCK_KEY & 0xffff_ffff);
    let query = format!(
        "SELECT a.pid AS pid, COALESCE(a.application_name, '') AS application,
                COALESCE(host(a.client_addr), 'local socket') AS client,
                COALESCE(to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') AS since
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND l.classid = {classid} AND l.objid = {objid} AND l.objsubid = 1
         LIMIT 1"
    );
    let h: Holder = diesel::sql_query(query).get_result(conn).ok()?;
    Some(format!(
        "PostgreSQL backend pid {} (application `{}`, from {}, connected since {})",
        h.pid, h.application, h.client, h.since
    ))
}
