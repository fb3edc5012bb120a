//! MySQL and MariaDB: a `GET_LOCK` named after the database, held for the whole run
//! (released by the server if the connection dies). DDL commits implicitly, so every
//! migration is marked dirty before it runs and clean after.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, MysqlConnection, QueryResult, QueryableByName, RunQueryDsl};

use super::{Driver, LockError};
use crate::connection::AnyConnection;
use crate::error::Error;
use crate::schema::{Column, Index, Scope, Snapshot, Table, fold, normalise_sql};
use crate::tracking::ColumnTypes;
use crate::url::DatabaseUrl;

/// `GET_LOCK` names are server-wide: the database name keeps two databases apart.
const LOCK_NAME: &str = "CONCAT('updown:', DATABASE())";

pub(crate) struct Mysql;

pub(crate) fn connect(url: &DatabaseUrl) -> Result<(AnyConnection, Box<dyn Driver>), Error> {
    let conn = url
        .with_secret(MysqlConnection::establish)
        .map_err(|e| Error::Connect {
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
struct MaybeNumber {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    n: Option<i64>,
}

#[derive(QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
}

#[derive(QueryableByName)]
struct Holder {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    who: String,
}

impl Driver for Mysql {
    fn table_exists_query(&self, table: &'static str) -> String {
        format!(
            "SELECT COUNT(*) AS n FROM information_schema.tables
             WHERE table_schema = DATABASE() AND table_name = '{table}'"
        )
    }

    fn columns_query(&self, table: &'static str) -> String {
        format!(
            "SELECT CAST(COLUMN_NAME AS CHAR) AS name FROM information_schema.COLUMNS
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}'"
        )
    }

    fn column_types(&self) -> ColumnTypes {
        ColumnTypes {
            id: "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
            name: "VARCHAR(255)",
            checksum: "VARCHAR(64)",
            time: "VARCHAR(32)",
            word: "VARCHAR(16)",
        }
    }

    /// The connection id and when the server started: ids start again after a restart.
    fn session_id(&self, conn: &mut AnyConnection) -> QueryResult<String> {
        let conn = inner(conn);
        let id: Text =
            diesel::sql_query("SELECT CAST(CONNECTION_ID() AS CHAR) AS text").get_result(conn)?;
        Ok(format!("{}@{}", id.text, server_start(conn)?))
    }

    fn runner_alive(&self, conn: &mut AnyConnection, runner: &str) -> QueryResult<bool> {
        let Some((id, Ok(started))) = runner
            .split_once('@')
            .map(|(id, started)| (id, started.parse::<i64>()))
        else {
            return Ok(false);
        };
        let conn = inner(conn);
        let holder: Text = diesel::sql_query(format!(
            "SELECT COALESCE(CAST(IS_USED_LOCK({LOCK_NAME}) AS CHAR), '') AS text"
        ))
        .get_result(conn)?;
        // The server's start, read from its uptime, may come out a second apart.
        Ok(holder.text == id && server_start(conn)?.abs_diff(started) <= 2)
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

    fn drop_database(&self, conn: &mut AnyConnection, name: &str) -> QueryResult<()> {
        // A session still working in it (an interrupted verify) would hold the drop back.
        #[derive(QueryableByName)]
        struct Session {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        let conn = inner(conn);
        let sessions: Vec<Session> = diesel::sql_query(format!(
            "SELECT CAST(ID AS SIGNED) AS id FROM information_schema.PROCESSLIST
             WHERE DB = '{name}' AND ID <> CONNECTION_ID()"
        ))
        .load(conn)?;
        for s in sessions {
            let _ = conn.batch_execute(&format!("KILL {}", s.id));
        }
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
    }

    fn snapshot(&self, conn: &mut AnyConnection, scope: Scope<'_>) -> QueryResult<Snapshot> {
        snapshot(inner(conn), scope)
    }

    fn unlock(&self, conn: &mut AnyConnection) -> QueryResult<()> {
        inner(conn).batch_execute(&format!("DO RELEASE_LOCK({LOCK_NAME})"))
    }

    fn quote(&self, ident: &str) -> String {
        format!("`{}`", ident.replace('`', "``"))
    }

    fn transactional_ddl(&self) -> bool {
        false
    }
}

/// When the server started, in seconds since 1970, from its uptime (`SHOW GLOBAL STATUS`
/// works on MySQL and MariaDB alike).
fn server_start(conn: &mut MysqlConnection) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Status {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "Value")]
        value: String,
    }
    #[derive(QueryableByName)]
    struct Now {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        now: i64,
    }
    let uptime: Status = diesel::sql_query("SHOW GLOBAL STATUS LIKE 'Uptime'").get_result(conn)?;
    let now: Now =
        diesel::sql_query("SELECT CAST(UNIX_TIMESTAMP() AS SIGNED) AS now").get_result(conn)?;
    Ok(now.now - uptime.value.trim().parse::<i64>().unwrap_or(0))
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

// --- schema snapshot ---------------------------------------------------------------

/// updown's own tables, left out of snapshots.
const OWN: &str = "('updown_migrations', 'updown_history', 'updown_layout')";

/// Every column is selected as text: information_schema mixes signed and unsigned
/// integers that diesel decodes strictly.
#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Text)]
    a: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    b: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    c: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    d: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    e: Option<String>,
}

/// `column IN (the names)`, or `TRUE` for everything.
fn name_filter(scope: Scope<'_>, column: &str) -> String {
    match scope.sql_list() {
        Some(list) => format!("{column} IN ({list})"),
        None => "TRUE".to_owned(),
    }
}

fn rows(conn: &mut MysqlConnection, sql: &str) -> QueryResult<Vec<Row>> {
    diesel::sql_query(sql).load(conn)
}

pub(super) fn snapshot(conn: &mut MysqlConnection, scope: Scope<'_>) -> QueryResult<Snapshot> {
    let mut snap = Snapshot::default();
    let names = scope.sql_list();
    // A table is in scope if it, one of its indexes or constraints, or a table it
    // references is named.
    let table_named = match &names {
        None => "TRUE".to_owned(),
        Some(list) => format!(
            "(LOWER(TABLE_NAME) IN ({list})
              OR TABLE_NAME IN (SELECT s.TABLE_NAME FROM information_schema.STATISTICS s
                                WHERE s.TABLE_SCHEMA = DATABASE() AND LOWER(s.INDEX_NAME) IN ({list}))
              OR TABLE_NAME IN (SELECT k.TABLE_NAME FROM information_schema.TABLE_CONSTRAINTS k
                                WHERE k.TABLE_SCHEMA = DATABASE() AND LOWER(k.CONSTRAINT_NAME) IN ({list}))
              OR TABLE_NAME IN (SELECT r.TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS r
                                WHERE r.CONSTRAINT_SCHEMA = DATABASE() AND LOWER(r.REFERENCED_TABLE_NAME) IN ({list})))"
        ),
    };
    let in_scope = rows(
        conn,
        &format!(
            "SELECT TABLE_NAME AS a, '' AS b, '' AS c, '' AS d, NULL AS e FROM information_schema.TABLES
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME NOT IN {OWN}
               AND {table_named}"
        ),
    )?;
    let tables: Vec<String> = in_scope.into_iter().map(|r| r.a).collect();
    // No table named: `''` matches none, and the views, triggers and routines are still read.
    let table_list = tables
        .iter()
        .map(|t| format!("'{}'", t.replace('\\', "\\\\").replace('\'', "''")))
        .chain(tables.is_empty().then(|| "''".to_owned()))
        .collect::<Vec<_>>()
        .join(", ");
    let of_tables = |column: &str| match names {
        None => "TRUE".to_owned(),
        Some(_) => format!("{column} IN ({table_list})"),
    };
    let columns = rows(
        conn,
        &format!(
            "SELECT c.TABLE_NAME AS a, c.COLUMN_NAME AS b,
                    TRIM(CONCAT(c.COLUMN_TYPE, ' ', c.EXTRA)) AS c, c.IS_NULLABLE AS d, c.COLUMN_DEFAULT AS e
             FROM information_schema.COLUMNS c
             JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
             WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE' AND c.TABLE_NAME NOT IN {OWN}
               AND {}
             ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION",
            of_tables("c.TABLE_NAME")
        ),
    )?;
    for r in columns {
        snap.tables
            .entry(r.a)
            .or_insert_with(Table::default)
            .columns
            .push(Column {
                name: r.b,
                data_type: r.c.to_lowercase(),
                nullable: r.d == "YES",
                // MariaDB reports a nullable column without default as the text NULL.
                default: r.e.filter(|d| d != "NULL").as_deref().map(normalise_sql),
            });
    }
    let index_columns = rows(
        conn,
        &format!(
            "SELECT TABLE_NAME AS a, INDEX_NAME AS b, COLUMN_NAME AS c,
                    IF(NON_UNIQUE = 0, 'unique', '') AS d, NULL AS e
             FROM information_schema.STATISTICS
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT IN {OWN} AND {}
             ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX",
            of_tables("TABLE_NAME")
        ),
    )?;
    for r in index_columns {
        let Some(t) = snap.tables.get_mut(&r.a) else {
            continue;
        };
        if r.b == "PRIMARY" {
            t.primary_key.push(r.c);
        } else {
            let index = t.indexes.entry(r.b).or_insert_with(|| Index {
                unique: r.d == "unique",
                ..Index::default()
            });
            index.columns.push(r.c);
        }
    }
    let keys = rows(
        conn,
        &format!(
            "SELECT k.TABLE_NAME AS a, k.CONSTRAINT_NAME AS b,
                    CONCAT(k.COLUMN_NAME, '>', k.REFERENCED_TABLE_NAME, '.', k.REFERENCED_COLUMN_NAME) AS c,
                    CONCAT('ON UPDATE ', r.UPDATE_RULE, ' ON DELETE ', r.DELETE_RULE) AS d, NULL AS e
             FROM information_schema.KEY_COLUMN_USAGE k
             JOIN information_schema.REFERENTIAL_CONSTRAINTS r
               ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
              AND r.TABLE_NAME = k.TABLE_NAME
             WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
               AND k.TABLE_NAME NOT IN {OWN} AND {}
             ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
            of_tables("k.TABLE_NAME")
        ),
    )?;
    for group in keys.chunk_by(|x, y| x.a == y.a && x.b == y.b) {
        let (mut from, mut to, mut target) = (Vec::new(), Vec::new(), String::new());
        for k in group {
            let (column, reference) = k.c.split_once('>').unwrap_or((&k.c, ""));
            let (table, referenced) = reference.split_once('.').unwrap_or((reference, ""));
            from.push(column.to_owned());
            to.push(referenced.to_owned());
            target = table.to_owned();
        }
        if let Some(t) = snap.tables.get_mut(&group[0].a) {
            let definition = format!(
                "FOREIGN KEY ({}) REFERENCES {target} ({}) {}",
                from.join(", "),
                to.join(", "),
                group[0].d
            );
            t.constraints.insert(group[0].b.clone(), definition);
        }
    }
    let checks = rows(
        conn,
        &format!(
            "SELECT tc.TABLE_NAME AS a, cc.CONSTRAINT_NAME AS b, cc.CHECK_CLAUSE AS c, '' AS d, NULL AS e
             FROM information_schema.TABLE_CONSTRAINTS tc
             JOIN information_schema.CHECK_CONSTRAINTS cc
               ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
             WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK' AND tc.TABLE_NAME NOT IN {OWN}
               AND {}",
            of_tables("tc.TABLE_NAME")
        ),
    )
    .unwrap_or_default();
    for r in checks {
        if let Some(t) = snap.tables.get_mut(&r.a) {
            let definition = format!("CHECK ({})", normalise_sql(&r.c));
            t.constraints.insert(r.b, definition);
        }
    }
    let views = rows(
        conn,
        &format!(
            "SELECT TABLE_NAME AS a, VIEW_DEFINITION AS b, '' AS c, '' AS d, NULL AS e
         FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() AND {}",
            name_filter(scope, "LOWER(TABLE_NAME)")
        ),
    )?;
    snap.views = views
        .into_iter()
        .map(|r| (r.a, normalise_sql(&r.b)))
        .collect();
    let triggers = rows(
        conn,
        &format!(
            "SELECT TRIGGER_NAME AS a,
                    CONCAT(ACTION_TIMING, ' ', EVENT_MANIPULATION, ' ON ', EVENT_OBJECT_TABLE, ' FOR EACH ',
                           ACTION_ORIENTATION, ' ', ACTION_STATEMENT) AS b,
                    '' AS c, '' AS d, NULL AS e
             FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
               AND ({} OR {})",
            name_filter(scope, "LOWER(TRIGGER_NAME)"),
            of_tables("EVENT_OBJECT_TABLE")
        ),
    )?;
    snap.triggers = triggers.into_iter().map(|r| (r.a, fold(&r.b))).collect();
    snapshot_routines(conn, &mut snap, scope)?;
    Ok(snap)
}

/// Functions, procedures and (MariaDB) sequences in scope.
fn snapshot_routines(
    conn: &mut MysqlConnection,
    snap: &mut Snapshot,
    scope: Scope<'_>,
) -> QueryResult<()> {
    let routines = rows(
        conn,
        &format!(
            "SELECT CONCAT(r.ROUTINE_NAME, '(', COALESCE((SELECT GROUP_CONCAT(CONCAT_WS(' ', p.PARAMETER_MODE, p.DTD_IDENTIFIER)
                                                           ORDER BY p.ORDINAL_POSITION SEPARATOR ', ')
                                                FROM information_schema.PARAMETERS p
                                                WHERE p.SPECIFIC_SCHEMA = r.ROUTINE_SCHEMA AND p.SPECIFIC_NAME = r.SPECIFIC_NAME
                                                  AND p.ORDINAL_POSITION > 0), ''), ')') AS a,
                    CONCAT(LOWER(r.ROUTINE_TYPE), COALESCE(CONCAT(' returns ', r.DTD_IDENTIFIER), ''),
                           IF(r.IS_DETERMINISTIC = 'YES', ' deterministic', ' not deterministic'),
                           ' ', LOWER(r.SQL_DATA_ACCESS), ' security ', LOWER(r.SECURITY_TYPE)) AS b,
                    COALESCE(r.ROUTINE_DEFINITION, '') AS c, '' AS d, NULL AS e
             FROM information_schema.ROUTINES r
             WHERE r.ROUTINE_SCHEMA = DATABASE() AND {}",
            name_filter(scope, "LOWER(r.ROUTINE_NAME)")
        ),
    )?;
    for r in routines {
        snap.functions
            .insert(r.a, format!("{} body {}", r.b, fold(&r.c)));
    }
    let sequences = rows(
        conn,
        &format!(
            "SELECT TABLE_NAME AS a, '' AS b, '' AS c, '' AS d, NULL AS e FROM information_schema.TABLES
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'SEQUENCE' AND {}",
            name_filter(scope, "LOWER(TABLE_NAME)")
        ),
    )?;
    for r in sequences {
        let definition = sequence_definition(conn, &r.a)?;
        snap.sequences.insert(r.a, definition);
    }
    Ok(())
}

/// A MariaDB sequence's start, bounds, increment, cache and cycle, from its own
/// `SHOW CREATE SEQUENCE` (information_schema has no view of them).
fn sequence_definition(conn: &mut MysqlConnection, name: &str) -> QueryResult<String> {
    #[derive(QueryableByName)]
    struct Created {
        #[diesel(sql_type = diesel::sql_types::Text)]
        #[diesel(column_name = "Create Table")]
        create: String,
    }
    let created: Created = diesel::sql_query(format!("SHOW CREATE SEQUENCE {}", Mysql.quote(name)))
        .get_result(conn)?;
    // From `start with`: the name is the key, the engine is not the sequence's.
    let text = created.create.to_lowercase();
    let start = text.find("start with").unwrap_or(0);
    let end = text.find(" engine=").unwrap_or(text.len());
    Ok(fold(&text[start..end.max(start)]))
}
