//! MySQL and MariaDB: a `GET_LOCK` named after the database, held for the whole run
//! (released by the server if the connection dies). DDL commits implicitly, so every
//! migration is marked dirty before it runs and clean after.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, MysqlConnection, QueryResult, QueryableByName, RunQueryDsl};

use super::{Driver, LockError};
use crate::connection::AnyConnection;
use crate::url::DatabaseUrl;

/// `GET_LOCK` names are server-wide: the database name keeps two databases apart.
const LOCK_NAME: &str = "CONCAT('updown:', DATABASE())";

pub(crate) struct Mysql;

pub(crate) fn connect(url: &DatabaseUrl) -> Result<(AnyConnection, Box<dyn Driver>), crate::Error> {
    let conn = MysqlConnection::establish(url.target()).map_err(|e| crate::Error::Connect {
        url: url.redacted().to_owned(),
        cause: url.scrub(e.to_string().trim()),
    })?;
    Ok((AnyConnection::Mysql(conn), Box::new(Mysql)))
}

fn inner(conn: &mut AnyConnection) -> &mut MysqlConnection {
    #[allow(unreachable_patterns)]
    match conn {
        AnyConnection::Mysql(c) => c,
        _ => unreachable!("the MySQL driver is only paired with MySQL connections"),
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct MaybeNumber {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    n: Option<i64>,
}

#[derive(QueryableByName)]
struct Holder {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    who: String,
}

impl Driver for Mysql {
    fn tracking_exists(&self, conn: &mut AnyConnection) -> QueryResult<bool> {
        let count: Count = diesel::sql_query(
            "SELECT COUNT(*) AS n FROM information_schema.tables
             WHERE table_schema = DATABASE() AND table_name = 'updown_migrations'",
        )
        .get_result(inner(conn))?;
        Ok(count.n > 0)
    }

    fn create_tracking(&self, conn: &mut AnyConnection) -> QueryResult<()> {
        inner(conn).batch_execute(
            "CREATE TABLE IF NOT EXISTS updown_migrations (
                version BIGINT NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL,
                checksum VARCHAR(64) NOT NULL,
                applied_at VARCHAR(32) NOT NULL,
                duration_ms BIGINT NOT NULL,
                batch BIGINT NOT NULL,
                state VARCHAR(16) NOT NULL
            );
            CREATE TABLE IF NOT EXISTS updown_history (
                id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
                version BIGINT NOT NULL,
                name VARCHAR(255) NOT NULL,
                action VARCHAR(16) NOT NULL,
                batch BIGINT,
                checksum VARCHAR(64) NOT NULL,
                at VARCHAR(32) NOT NULL,
                duration_ms BIGINT NOT NULL,
                outcome VARCHAR(16) NOT NULL,
                error TEXT,
                note TEXT
            );",
        )
    }

    fn lock(&self, conn: &mut AnyConnection, timeout: Duration) -> Result<(), LockError> {
        let conn = inner(conn);
        let secs = timeout.as_secs_f64().max(0.001);
        let got: MaybeNumber =
            diesel::sql_query(format!("SELECT GET_LOCK({LOCK_NAME}, {secs:.3}) AS n"))
                .get_result(conn)
                .map_err(LockError::Database)?;
        match got.n {
            Some(1) => Ok(()),
            _ => Err(LockError::Timeout {
                holder: holder(conn),
            }),
        }
    }

    fn unlock(&self, conn: &mut AnyConnection) -> QueryResult<()> {
        inner(conn).batch_execute(&format!("DO RELEASE_LOCK({LOCK_NAME})"))
    }

    fn transactional_ddl(&self) -> bool {
        false
    }
}

/// Who holds the lock: its connection id, user and host from the process list.
fn holder(conn: &mut MysqlConnection) -> Option<String> {
    let h: Holder = diesel::sql_query(format!(
        "SELECT p.ID AS id, CONCAT(p.USER, '@', p.HOST) AS who
         FROM information_schema.PROCESSLIST p WHERE p.ID = IS_USED_LOCK({LOCK_NAME})"
    ))
    .get_result(conn)
    .ok()?;
    Some(format!("MySQL connection {} ({})", h.id, h.who))
}
