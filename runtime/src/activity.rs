//! What other sessions are doing on the server, read before a run: transactions open for
//! long, and sessions holding or waiting for locks on the tables the run will touch
//! (PostgreSQL's `pg_stat_activity` and `pg_locks`; MySQL's and MariaDB's
//! `information_schema`). SQLite has no other sessions to see.

use std::collections::BTreeSet;
use std::time::Duration;

use diesel::QueryResult;

use crate::connection::AnyConnection;
use crate::url::Backend;

/// Another session that could block a migration or be blocked by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// What it is doing that matters.
    pub kind: ActivityKind,
    /// The server's id of the session: a PostgreSQL backend pid, a MySQL connection id.
    pub pid: String,
    /// The account it runs as, where the server tells.
    pub user: Option<String>,
    /// How long its transaction (or its wait, for a waiter) has lasted.
    pub duration: Duration,
    /// Its state as the server reports it, such as `idle in transaction`.
    pub state: String,
    /// The last or current statement it ran, as the server reports it (may be cut).
    pub query: String,
}

/// Why an [`Activity`] was reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActivityKind {
    /// A transaction open longer than the threshold.
    LongTransaction,
    /// It holds a lock on a table the run touches, in a transaction open for a second or
    /// more (or the threshold, if shorter), idle in it or not.
    HoldsLock {
        /// The table.
        table: String,
        /// The lock mode, such as `AccessShareLock`.
        mode: String,
    },
    /// It waits for a lock on a table the run touches.
    WaitsForLock {
        /// The table.
        table: String,
        /// The lock mode it waits for.
        mode: String,
    },
}

/// What the run will touch: the tables its statements name, lower case, or `None` when
/// some of it is not known before it runs (a Rust body without SQL literals), which
/// means every table.
pub(crate) type Touched = Option<BTreeSet<String>>;

/// The other sessions of this database that a run touching `tables` should not start
/// beside: transactions open longer than `threshold`, and lock holders and waiters on
/// `tables`. This session and migrators waiting for updown's lock are left out. Empty on
/// SQLite.
pub(crate) fn server_activity(
    conn: &mut AnyConnection,
    backend: Backend,
    tables: &Touched,
    threshold: Duration,
) -> QueryResult<Vec<Activity>> {
    let mut found = match backend {
        Backend::Postgres => postgres(conn, tables, threshold)?,
        Backend::Mysql => mysql(conn, tables, threshold)?,
        Backend::Sqlite => return Ok(Vec::new()),
    };
    // Longest first; the rest of the order only makes the result repeatable.
    found.sort_by(|a, b| {
        (b.duration.cmp(&a.duration))
            .then_with(|| a.pid.cmp(&b.pid))
            .then_with(|| kind_order(&a.kind).cmp(&kind_order(&b.kind)))
    });
    Ok(found)
}

/// How much of a statement's text is read from the server.
const QUERY_CHARS: usize = 500;

/// updown's advisory lock key (`backend::postgres::LOCK_KEY`): sessions waiting for it
/// are other migrators, queued behind this one's lock rather than in its way.
const PG_LOCK_KEY: i64 = 0x7570_646f_776e;

/// PostgreSQL's table lock modes, weakest first.
const PG_MODES: &str = "ARRAY['AccessShareLock', 'RowShareLock', 'RowExclusiveLock',
    'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock',
    'AccessExclusiveLock']::text[]";

/// One session found, as every query below returns it.
#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pid: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    usr: Option<String>,
    /// How long, in microseconds.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    micros: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    state: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    query: String,
    /// The table, for a lock holder or waiter.
    #[diesel(sql_type = diesel::sql_types::Text)]
    tbl: String,
    /// The lock mode, for a lock holder or waiter.
    #[diesel(sql_type = diesel::sql_types::Text)]
    mode: String,
}

impl Row {
    fn into_activity(self, kind: ActivityKind) -> Activity {
        Activity {
            kind,
            pid: self.pid,
            user: self.usr.filter(|u| !u.is_empty()),
            duration: Duration::from_micros(self.micros.max(0).unsigned_abs()),
            state: self.state,
            query: cut(&self.query, QUERY_CHARS),
        }
    }
}

fn kind_order(kind: &ActivityKind) -> (u8, &str) {
    match kind {
        ActivityKind::LongTransaction => (0, ""),
        ActivityKind::HoldsLock { table, .. } => (1, table),
        ActivityKind::WaitsForLock { table, .. } => (2, table),
    }
}

/// `text` cut at `max` characters.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].to_owned(),
        None => text.to_owned(),
    }
}

fn load(conn: &mut AnyConnection, query: String) -> QueryResult<Vec<Row>> {
    diesel::RunQueryDsl::load(diesel::sql_query(query), conn)
}

/// A PostgreSQL text literal.
fn pg_literal(text: &str) -> String {
    crate::schema::sql_literal(text)
}

/// How long a transaction holding a lock on a table the run touches may have been open:
/// a query holding a lock for a moment is how a busy database works, one holding it for
/// a second or more would make the migration's DDL wait, and every query behind it.
const LOCK_HOLDER_AGE: Duration = Duration::from_secs(1);

fn postgres(
    conn: &mut AnyConnection,
    tables: &Touched,
    threshold: Duration,
) -> QueryResult<Vec<Activity>> {
    let (classid, objid) = (PG_LOCK_KEY >> 32, PG_LOCK_KEY & 0xffff_ffff);
    // Client sessions of this database other than this one, but for migrators queued
    // for updown's lock.
    let sessions = format!(
        "a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
         AND a.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND NOT EXISTS (SELECT 1 FROM pg_locks w WHERE w.pid = a.pid AND NOT w.granted
             AND w.locktype = 'advisory' AND w.classid = {classid} AND w.objid = {objid}
             AND w.objsubid = 1)"
    );
    let micros = |since: &str| {
        format!("(EXTRACT(EPOCH FROM clock_timestamp() - {since}) * 1000000)::bigint AS micros")
    };
    let common = format!(
        "a.pid::text AS pid, a.usename::text AS usr, COALESCE(a.state, '')::text AS state,
         LEFT(COALESCE(a.query, ''), {QUERY_CHARS})::text AS query"
    );
    let older_than = |age: Duration| {
        format!(
            "a.xact_start < clock_timestamp() - {} * interval '1 microsecond'",
            age.as_micros()
        )
    };
    let old = older_than(threshold);
    let holding = older_than(threshold.min(LOCK_HOLDER_AGE));
    // Tables, views and the like, outside the system catalogs, that the run touches.
    let touched = match tables {
        None => "TRUE".to_owned(),
        Some(names) if names.is_empty() => "FALSE".to_owned(),
        Some(names) => {
            let list = names
                .iter()
                .map(|n| pg_literal(&n.to_lowercase()))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "(lower(c.relname) = ANY(ARRAY[{list}]::text[])
                  OR lower(n.nspname || '.' || c.relname) = ANY(ARRAY[{list}]::text[]))"
            )
        }
    };
    let relation = format!(
        "JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE l.locktype = 'relation' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
           AND n.nspname NOT IN ('pg_catalog', 'information_schema')
           AND n.nspname NOT LIKE 'pg\\_toast%' AND {touched} AND {sessions}"
    );
    let mut found = Vec::new();
    let long = load(
        conn,
        format!(
            "SELECT {common}, {}, ''::text AS tbl, ''::text AS mode
             FROM pg_stat_activity a WHERE {sessions} AND {old}",
            micros("a.xact_start")
        ),
    )?;
    found.extend(
        long.into_iter()
            .map(|r| r.into_activity(ActivityKind::LongTransaction)),
    );
    // In a transaction open for more than a moment (idle in it or not: an application
    // between two statements is idle for milliseconds), holding a lock on a touched
    // table: the strongest of its modes.
    let holders = load(
        conn,
        format!(
            "SELECT DISTINCT ON (l.pid, l.relation) {common}, {}, c.relname::text AS tbl,
                    l.mode::text AS mode
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid {relation}
               AND l.granted AND {holding}
             ORDER BY l.pid, l.relation, array_position({PG_MODES}, l.mode::text) DESC",
            micros("a.xact_start")
        ),
    )?;
    found.extend(holders.into_iter().map(|r| {
        let kind = ActivityKind::HoldsLock {
            table: r.tbl.clone(),
            mode: r.mode.clone(),
        };
        r.into_activity(kind)
    }));
    let waiters = load(
        conn,
        format!(
            "SELECT DISTINCT ON (l.pid, l.relation) {common}, {}, c.relname::text AS tbl,
                    l.mode::text AS mode
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid {relation}
               AND NOT l.granted
             ORDER BY l.pid, l.relation, array_position({PG_MODES}, l.mode::text) DESC",
            micros("COALESCE(a.state_change, a.query_start, a.xact_start)")
        ),
    )?;
    found.extend(waiters.into_iter().map(|r| {
        let kind = ActivityKind::WaitsForLock {
            table: r.tbl.clone(),
            mode: r.mode.clone(),
        };
        r.into_activity(kind)
    }));
    Ok(found)
}

fn mysql(
    conn: &mut AnyConnection,
    tables: &Touched,
    threshold: Duration,
) -> QueryResult<Vec<Activity>> {
    // Client sessions of this database (or of none) other than this one, but for
    // migrators waiting in `GET_LOCK` for updown's lock.
    let sessions = "p.ID <> CONNECTION_ID() AND (p.DB = DATABASE() OR p.DB IS NULL)
        AND p.COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID')
        AND NOT (COALESCE(p.INFO, '') LIKE '%GET\\_LOCK(%updown:%')";
    let common = "CAST(p.ID AS CHAR) AS pid, CAST(p.USER AS CHAR) AS usr,
        CAST(TRIM(CONCAT(COALESCE(p.COMMAND, ''), ' ', COALESCE(p.STATE, ''))) AS CHAR) AS state,
        '' AS mode, '' AS tbl";
    // InnoDB writes `trx_started` in the server's time zone, not the session's (diesel
    // sets the session's to UTC).
    let now = "COALESCE(CONVERT_TZ(UTC_TIMESTAMP(6), '+00:00', 'SYSTEM'), NOW(6))";
    let mut found = Vec::new();
    let long = load(
        conn,
        format!(
            "SELECT {common}, TIMESTAMPDIFF(MICROSECOND, t.trx_started, {now}) AS micros,
                    CAST(LEFT(COALESCE(t.trx_query, p.INFO, ''), {QUERY_CHARS}) AS CHAR) AS query
             FROM information_schema.INNODB_TRX t
             JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
             WHERE {sessions} AND TIMESTAMPDIFF(MICROSECOND, t.trx_started, {now}) > {}",
            threshold.as_micros()
        ),
    )?;
    found.extend(
        long.into_iter()
            .map(|r| r.into_activity(ActivityKind::LongTransaction)),
    );
    // Which tables a transaction holds locks on is not told here (metadata locks need
    // performance_schema, off by default on MariaDB): a transaction open for a moment or
    // more holding row locks could hold the tables the run alters.
    let touches_any = !matches!(tables, Some(names) if names.is_empty());
    if touches_any {
        let reported: Vec<String> = found.iter().map(|a| a.pid.clone()).collect();
        let holders = load(
            conn,
            format!(
                "SELECT CAST(p.ID AS CHAR) AS pid, CAST(p.USER AS CHAR) AS usr,
                        CAST(TRIM(CONCAT(COALESCE(p.COMMAND, ''), ' ', COALESCE(p.STATE, ''))) AS CHAR) AS state,
                        CAST(CONCAT('row locks on ', t.trx_tables_locked, ' table(s)') AS CHAR) AS mode,
                        '?' AS tbl,
                        TIMESTAMPDIFF(MICROSECOND, t.trx_started, {now}) AS micros,
                        CAST(LEFT(COALESCE(t.trx_query, p.INFO, ''), {QUERY_CHARS}) AS CHAR) AS query
                 FROM information_schema.INNODB_TRX t
                 JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
                 WHERE {sessions} AND t.trx_tables_locked > 0
                   AND TIMESTAMPDIFF(MICROSECOND, t.trx_started, {now}) > {}",
                threshold.min(LOCK_HOLDER_AGE).as_micros()
            ),
        )?;
        for r in holders.into_iter().filter(|r| !reported.contains(&r.pid)) {
            let kind = ActivityKind::HoldsLock {
                table: r.tbl.clone(),
                mode: r.mode.clone(),
            };
            found.push(r.into_activity(kind));
        }
    }
    // The process list says a session waits for a metadata lock, not on what: the table
    // is read from its statement.
    let waiters = load(
        conn,
        format!(
            "SELECT {common}, CAST(p.TIME AS SIGNED) * 1000000 AS micros,
                    CAST(COALESCE(p.INFO, '') AS CHAR) AS query
             FROM information_schema.PROCESSLIST p
             WHERE {sessions} AND p.STATE = 'Waiting for table metadata lock'"
        ),
    )?;
    for r in waiters
        .into_iter()
        .filter(|r| !reads_only_catalogs(&r.query))
    {
        let named = statement_tables(&r.query);
        let table = match tables {
            _ if named.is_empty() => "?".to_owned(),
            None => named[0].clone(),
            Some(touched) => match named.iter().find(|t| touched.contains(*t)) {
                Some(t) => t.clone(),
                None => continue,
            },
        };
        let kind = ActivityKind::WaitsForLock {
            table,
            mode: "metadata lock".to_owned(),
        };
        found.push(r.into_activity(kind));
    }
    Ok(found)
}

/// Whether a MySQL statement is a SELECT of `information_schema` or
/// `performance_schema` tables only, as another migrator's look at updown's tables is:
/// such a read waits for a shared metadata lock, behind which no other session's lock
/// waits, so it is in no one's way. Read conservatively: any FROM or JOIN (a
/// subquery's too) not followed by a catalog's table, or a comma listing another
/// table after one, makes it a statement like any other.
fn reads_only_catalogs(sql: &str) -> bool {
    use updown_sql::lexer::{TokenKind, tokens};
    let toks = tokens(sql);
    let word = |i: usize, w: &str| {
        toks.get(i)
            .is_some_and(|t| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(w))
    };
    let catalog = |i: usize| {
        toks.get(i).is_some_and(|t| {
            let name = t.text.trim_matches('`');
            ["information_schema", "performance_schema"]
                .iter()
                .any(|c| name.eq_ignore_ascii_case(c))
        }) && toks.get(i + 1).is_some_and(|t| t.text == ".")
    };
    if !word(0, "select") {
        return false;
    }
    // For each open parenthesis, and the statement itself: whether a FROM came in it,
    // after which a comma lists another table.
    let mut from_seen = vec![false];
    let mut sources = 0;
    for (i, t) in toks.iter().enumerate() {
        if word(i, "from") || word(i, "join") {
            if !catalog(i + 1) {
                return false;
            }
            sources += 1;
            *from_seen.last_mut().expect("the statement's own level") = true;
        } else if t.kind == TokenKind::Punct {
            match t.text {
                "(" => from_seen.push(false),
                ")" if from_seen.len() > 1 => {
                    from_seen.pop();
                }
                "," if from_seen.last() == Some(&true) => return false,
                _ => {}
            }
        }
    }
    sources > 0
}

/// The tables a MySQL statement names, as far as a look at its tokens tells: the names
/// after `TABLE`, `FROM`, `JOIN`, `INTO`, `UPDATE` and `ON`, lower case, without their
/// database.
fn statement_tables(sql: &str) -> Vec<String> {
    use updown_sql::lexer::{TokenKind, tokens};
    let toks = tokens(sql);
    let is_word = |i: usize, words: &[&str]| {
        toks.get(i).is_some_and(|t| {
            t.kind == TokenKind::Word && words.iter().any(|w| t.text.eq_ignore_ascii_case(w))
        })
    };
    let part = |i: usize| {
        let t = toks.get(i)?;
        match t.kind {
            TokenKind::Word => Some(t.text.to_owned()),
            TokenKind::QuotedIdent if t.text.len() >= 2 => {
                let q = &t.text[..1];
                Some(t.text[1..t.text.len() - 1].replace(&format!("{q}{q}"), q))
            }
            _ => None,
        }
    };
    let mut names = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let names_one = is_word(i, &["table", "tables", "from", "join", "into", "truncate"])
            // Not `FOR UPDATE`, `ON DUPLICATE KEY UPDATE`.
            || (is_word(i, &["update"]) && !(i > 0 && is_word(i - 1, &["for", "key"])))
            // `CREATE INDEX i ON t`, not `JOIN .. ON a.x = b.y`.
            || (is_word(i, &["on"]) && (0..i).any(|j| is_word(j, &["index"])));
        if !names_one {
            i += 1;
            continue;
        }
        let mut at = i + 1;
        // Words that come between the keyword and the name.
        while is_word(
            at,
            &[
                "if",
                "not",
                "exists",
                "low_priority",
                "ignore",
                "quick",
                "only",
                "table",
            ],
        ) {
            at += 1;
        }
        // `a`, `db.a`: the last part.
        let mut name = None;
        while let Some(p) = part(at) {
            name = Some(p);
            if toks.get(at + 1).is_some_and(|t| t.text == ".") {
                at += 2;
            } else {
                break;
            }
        }
        if let Some(name) = name {
            const NOT_NAMES: &[&str] = &["select", "duplicate", "set", "values", "value"];
            let lower = name.to_lowercase();
            if !NOT_NAMES.contains(&lower.as_str()) && !names.contains(&lower) {
                names.push(lower);
            }
        }
        i = at + 1;
    }
    names
}

impl std::fmt::Display for Activity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.duration.as_secs();
        match &self.kind {
            ActivityKind::LongTransaction => write!(
                f,
                "session {} has had a transaction open for {secs} s",
                self.pid
            )?,
            // MySQL does not tell which tables.
            ActivityKind::HoldsLock { table, mode } if table == "?" => write!(
                f,
                "session {} holds {mode}, in a transaction open for {secs} s",
                self.pid
            )?,
            ActivityKind::HoldsLock { table, mode } => write!(
                f,
                "session {} holds {mode} on table {table}, in a transaction open for {secs} s",
                self.pid
            )?,
            ActivityKind::WaitsForLock { table, mode } => write!(
                f,
                "session {} has waited {secs} s for {mode} on table {table}",
                self.pid
            )?,
        }
        if let Some(user) = &self.user {
            write!(f, " (user {user}")?;
        } else {
            f.write_str(" (")?;
        }
        if self.user.is_some() {
            f.write_str(", ")?;
        }
        let query = crate::error::one_line(&self.query, 200);
        write!(f, "{}): {}", self.state, query.trim_end_matches(';'))
    }
}

#[cfg(test)]
mod tests {
    #[cfg(any(feature = "postgres", feature = "mysql"))]
    use std::time::Instant;

    #[cfg(any(feature = "postgres", feature = "mysql"))]
    use diesel::connection::SimpleConnection;

    use super::*;
    #[cfg(feature = "sqlite")]
    use crate::url::DatabaseUrl;

    #[test]
    fn a_statement_names_its_tables() {
        for (sql, want) in [
            ("ALTER TABLE `db`.`Users` ADD COLUMN x INT", &["users"][..]),
            ("DROP TABLE IF EXISTS t", &["t"]),
            ("TRUNCATE TABLE t", &["t"]),
            ("CREATE INDEX i ON t (a)", &["t"]),
            (
                "SELECT * FROM a JOIN b ON a.x = b.y FOR UPDATE",
                &["a", "b"],
            ),
            (
                "INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = 2",
                &["t"],
            ),
            ("UPDATE LOW_PRIORITY t SET a = 1", &["t"]),
            ("LOCK TABLES t WRITE", &["t"]),
            ("SELECT 1", &[]),
        ] {
            assert_eq!(statement_tables(sql), want, "{sql}");
        }
    }

    /// Only a read of the catalogs and nothing else is let by.
    #[test]
    fn a_read_of_the_catalogs_is_in_no_ones_way() {
        for (sql, only_catalogs) in [
            (
                "SELECT CAST(COLUMN_NAME AS CHAR) AS name FROM information_schema.COLUMNS
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'updown_history'",
                true,
            ),
            (
                "select count(*) from INFORMATION_SCHEMA.tables t
                 join `information_schema`.`COLUMNS` c on c.TABLE_NAME = t.TABLE_NAME",
                true,
            ),
            ("SELECT * FROM performance_schema.threads", true),
            ("SELECT * FROM users", false),
            ("SELECT * FROM information_schema.tables, users", false),
            (
                "SELECT * FROM information_schema.tables JOIN users ON users.id = 1",
                false,
            ),
            (
                "SELECT * FROM information_schema.tables WHERE table_name IN (SELECT n FROM t)",
                false,
            ),
            ("SELECT * FROM (SELECT 1) x", false),
            (
                "SELECT * FROM information_schema.tables
                 WHERE table_name IN (SELECT n FROM information_schema.columns, t)",
                false,
            ),
            (
                "SELECT * FROM information_schema.tables WHERE table_name IN ('a', 'b')",
                true,
            ),
            ("SELECT * FROM information_schema_copy.tables", false),
            ("DELETE FROM information_schema.tables", false),
            ("SELECT 1", false),
            ("", false),
        ] {
            assert_eq!(reads_only_catalogs(sql), only_catalogs, "{sql}");
        }
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn sqlite_has_no_other_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("a.db").display());
        let (mut conn, _) = crate::backend::connect(&DatabaseUrl::parse(&url).unwrap(), true)
            .unwrap_or_else(|e| panic!("{e}"));
        let found = server_activity(&mut conn, Backend::Sqlite, &None, Duration::ZERO).unwrap();
        assert!(found.is_empty());
    }

    /// The administrative URL of a server under test, or `None` to skip (a failure
    /// under `CI=true`).
    #[cfg(any(feature = "postgres", feature = "mysql"))]
    use crate::backend::test_server as server;

    #[cfg(any(feature = "postgres", feature = "mysql"))]
    use crate::backend::test_connect as connect;

    #[cfg(any(feature = "postgres", feature = "mysql"))]
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }

    #[cfg(any(feature = "postgres", feature = "mysql"))]
    fn pid(conn: &mut AnyConnection) -> String {
        let query = match conn.backend() {
            Backend::Postgres => "SELECT pg_backend_pid()::text AS id",
            _ => "SELECT CAST(CONNECTION_ID() AS CHAR) AS id",
        };
        let id: Id = diesel::RunQueryDsl::get_result(diesel::sql_query(query), conn).unwrap();
        id.id
    }

    #[cfg(any(feature = "postgres", feature = "mysql"))]
    fn touched(names: &[&str]) -> Touched {
        Some(names.iter().map(|n| n.to_string()).collect())
    }

    #[cfg(any(feature = "postgres", feature = "mysql"))]
    fn activity(conn: &mut AnyConnection, tables: &Touched, threshold: Duration) -> Vec<Activity> {
        let backend = conn.backend();
        server_activity(conn, backend, tables, threshold).unwrap()
    }

    /// Polls until `found` finds something in what `server_activity` reports.
    #[cfg(any(feature = "postgres", feature = "mysql"))]
    fn until<T>(
        conn: &mut AnyConnection,
        tables: &Touched,
        threshold: Duration,
        mut found: impl FnMut(&[Activity]) -> Option<T>,
    ) -> T {
        let start = Instant::now();
        loop {
            let all = activity(conn, tables, threshold);
            if let Some(t) = found(&all) {
                return t;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "never found: {all:#?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn postgres_sessions_in_the_way_are_reported() {
        let Some(admin) = server("UPDOWN_TEST_POSTGRES_URL") else {
            return;
        };
        let scratch = crate::backend::scratch(&admin, "activity").unwrap_or_else(|e| panic!("{e}"));
        let url = scratch.url.clone();
        let mut me = connect(&url);
        me.batch_execute(
            "CREATE TABLE t (id INT); INSERT INTO t VALUES (1); CREATE TABLE other (id INT)",
        )
        .unwrap();
        let long = Duration::from_secs(600);

        // A short query holding AccessShareLock, and a session doing nothing.
        let mut idle = connect(&url);
        let reader = {
            let url = url.clone();
            std::thread::spawn(move || {
                connect(&url)
                    .batch_execute("SELECT pg_sleep(1.5) FROM t")
                    .unwrap()
            })
        };
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(activity(&mut me, &touched(&["t"]), long), []);
        assert_eq!(activity(&mut me, &None, long), []);
        reader.join().unwrap();

        // Idle in a transaction holding a lock on t.
        let mut holder = connect(&url);
        let holder_pid = pid(&mut holder);
        let begun = Instant::now();
        holder
            .batch_execute("BEGIN; LOCK TABLE t IN SHARE MODE")
            .unwrap();
        // A moment idle in it is how applications work: not yet a finding.
        assert_eq!(activity(&mut me, &touched(&["t"]), long), []);
        std::thread::sleep(Duration::from_millis(1100));
        let found = activity(&mut me, &touched(&["t"]), long);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].kind,
            ActivityKind::HoldsLock {
                table: "t".into(),
                mode: "ShareLock".into()
            }
        );
        assert_eq!(found[0].pid, holder_pid);
        assert_eq!(found[0].state, "idle in transaction");
        assert!(found[0].query.contains("LOCK TABLE t"), "{found:?}");
        let everything = activity(&mut me, &None, long);
        assert_eq!(everything.len(), 1, "{everything:#?}");
        assert_eq!(everything[0].kind, found[0].kind);
        assert_eq!(activity(&mut me, &touched(&["other"]), long), []);

        // A session waiting for a lock on t.
        let waiter = {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut conn = connect(&url);
                let id = pid(&mut conn);
                let run = std::thread::spawn(move || {
                    conn.batch_execute("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE; COMMIT")
                });
                (id, run)
            })
        };
        let (waiter_pid, run) = waiter.join().unwrap();
        let waits = until(&mut me, &touched(&["t"]), long, |all| {
            all.iter()
                .find(|a| matches!(a.kind, ActivityKind::WaitsForLock { .. }))
                .cloned()
        });
        assert_eq!(waits.pid, waiter_pid);
        assert_eq!(
            waits.kind,
            ActivityKind::WaitsForLock {
                table: "t".into(),
                mode: "AccessExclusiveLock".into()
            }
        );
        assert_eq!(activity(&mut me, &touched(&["other"]), long), []);

        // The holder's transaction, older than the threshold.
        std::thread::sleep(Duration::from_millis(1200).saturating_sub(begun.elapsed()));
        let found = activity(&mut me, &touched(&["other"]), Duration::from_secs(1));
        let kinds: Vec<_> = found.iter().map(|a| (&a.pid, &a.kind)).collect();
        assert!(
            kinds.contains(&(&holder_pid, &ActivityKind::LongTransaction)),
            "{found:#?}"
        );
        assert!(
            found
                .iter()
                .all(|a| a.pid == holder_pid || a.pid == waiter_pid)
        );
        assert!(found[0].duration >= found[found.len() - 1].duration);
        let own = pid(&mut me);
        assert!(found.iter().all(|a| a.pid != own));

        holder.batch_execute("COMMIT").unwrap();
        run.join().unwrap().unwrap();
        assert_eq!(activity(&mut me, &None, Duration::from_secs(1)), []);

        // Migrators queued for updown's lock are left out.
        let (mut locker, driver) =
            crate::backend::connect(&url, true).unwrap_or_else(|e| panic!("{e}"));
        assert!(driver.lock(&mut locker, Duration::from_secs(1)).is_ok());
        let queued = {
            let url = url.clone();
            std::thread::spawn(move || {
                let (mut conn, driver) =
                    crate::backend::connect(&url, true).unwrap_or_else(|e| panic!("{e}"));
                let got = driver.lock(&mut conn, Duration::from_secs(30)).is_ok();
                (got, driver.unlock(&mut conn).is_ok())
            })
        };
        until(&mut me, &None, long, |_| {
            // Queued: pg_locks shows an advisory lock not granted.
            #[derive(diesel::QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let n: N = diesel::RunQueryDsl::get_result(
                diesel::sql_query(
                    "SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                ),
                &mut idle,
            )
            .unwrap();
            (n.n > 0).then_some(())
        });
        std::thread::sleep(Duration::from_millis(1200));
        assert_eq!(activity(&mut me, &None, Duration::from_secs(1)), []);
        assert!(driver.unlock(&mut locker).is_ok());
        assert_eq!(queued.join().unwrap(), (true, true));
        drop((me, idle, holder, locker));
    }

    #[cfg(feature = "mysql")]
    #[test]
    fn mysql_sessions_in_the_way_are_reported() {
        let Some(admin) = server("UPDOWN_TEST_MYSQL_URL") else {
            return;
        };
        let scratch = crate::backend::scratch(&admin, "activity").unwrap_or_else(|e| panic!("{e}"));
        let url = scratch.url.clone();
        let mut me = connect(&url);
        me.batch_execute("CREATE TABLE t (id INT PRIMARY KEY) ENGINE = InnoDB")
            .unwrap();
        me.batch_execute("INSERT INTO t VALUES (1)").unwrap();
        let second = Duration::from_secs(1);
        let mut mine = vec![pid(&mut me)];
        // Only this test's sessions are asserted on: a session of no database, from
        // anything else on the server, would be reported too.
        let of = |all: Vec<Activity>, mine: &[String]| -> Vec<Activity> {
            all.into_iter().filter(|a| mine.contains(&a.pid)).collect()
        };

        let mut idle = connect(&url);
        mine.push(pid(&mut idle));
        assert_eq!(of(activity(&mut me, &None, second), &mine), []);

        let mut holder = connect(&url);
        let holder_pid = pid(&mut holder);
        mine.push(holder_pid.clone());
        holder.batch_execute("START TRANSACTION").unwrap();
        let ids: Vec<Id> = diesel::RunQueryDsl::load(
            diesel::sql_query("SELECT CAST(id AS CHAR) AS id FROM t FOR UPDATE"),
            &mut holder,
        )
        .unwrap();
        assert_eq!(ids.len(), 1);
        assert_eq!(
            of(activity(&mut me, &None, Duration::from_secs(600)), &mine),
            []
        );
        std::thread::sleep(Duration::from_millis(1200));
        let found = of(activity(&mut me, &None, second), &mine);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].kind, ActivityKind::LongTransaction);
        assert_eq!(found[0].pid, holder_pid);
        assert!(found[0].duration >= second, "{found:?}");
        assert!(found[0].duration < Duration::from_secs(60), "{found:?}");
        assert!(found[0].state.starts_with("Sleep"), "{found:?}");

        // A session waiting for the metadata lock the transaction holds.
        let (waiter_pid, run) = {
            let mut conn = connect(&url);
            let id = pid(&mut conn);
            let run =
                std::thread::spawn(move || conn.batch_execute("ALTER TABLE t ADD COLUMN x INT"));
            (id, run)
        };
        mine.push(waiter_pid.clone());
        let waits = until(&mut me, &touched(&["t"]), Duration::from_secs(600), |all| {
            all.iter().find(|a| a.pid == waiter_pid).cloned()
        });
        assert_eq!(
            waits.kind,
            ActivityKind::WaitsForLock {
                table: "t".into(),
                mode: "metadata lock".into()
            }
        );
        assert!(waits.query.starts_with("ALTER TABLE t"), "{waits:?}");
        // Which tables the transaction's row locks are on is not told: open for a second
        // or more, it is in the way of a run touching any table, and of none that
        // touches no table.
        let elsewhere = of(
            activity(&mut me, &touched(&["other"]), Duration::from_secs(600)),
            &mine,
        );
        let kinds: Vec<(&str, &ActivityKind)> = elsewhere
            .iter()
            .map(|a| (a.pid.as_str(), &a.kind))
            .collect();
        assert_eq!(
            kinds,
            [(
                holder_pid.as_str(),
                &ActivityKind::HoldsLock {
                    table: "?".into(),
                    mode: "row locks on 1 table(s)".into()
                }
            )]
        );
        let nothing_touched = Some(BTreeSet::new());
        assert_eq!(
            of(
                activity(&mut me, &nothing_touched, Duration::from_secs(600)),
                &mine
            ),
            []
        );

        holder.batch_execute("COMMIT").unwrap();
        run.join().unwrap().unwrap();
        // InnoDB refreshes what information_schema shows of its transactions at most
        // every 0.1 s.
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(of(activity(&mut me, &None, second), &mine), []);
        drop((me, idle, holder));
    }
}
