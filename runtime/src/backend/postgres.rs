//! PostgreSQL: a session-level advisory lock held for the whole run (released by the
//! server if the connection dies), one transaction per migration. DDL is transactional.

use std::collections::BTreeMap;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, QueryResult, QueryableByName, RunQueryDsl};

use super::{Driver, LockError};
use crate::connection::AnyConnection;
use crate::error::Error;
use crate::schema::{Column, Extension, Index, Scope, Snapshot, fold, normalise_sql};
use crate::tracking::ColumnTypes;
use crate::url::DatabaseUrl;

/// The advisory lock key: "updown" in ASCII. Advisory locks are per database, so one
/// key serves every database of a server.
const LOCK_KEY: i64 = 0x7570_646f_776e;

#[derive(Default)]
pub(crate) struct Postgres {
    /// Whether this session prepared its snapshot statements.
    prepared: std::cell::Cell<bool>,
    /// Whether it has run (and so planned) the one of named objects.
    named_planned: std::cell::Cell<bool>,
}

pub(crate) fn connect(url: &DatabaseUrl) -> Result<(AnyConnection, Box<dyn Driver>), Error> {
    let failed = |e: &dyn std::fmt::Display| Error::Connect {
        url: url.redacted().to_owned(),
        cause: url.scrub(e.to_string().trim()),
    };
    let mut conn = url
        .with_secret(PgConnection::establish)
        .map_err(|e| failed(&e))?;
    // Names this session in pg_stat_activity, so a waiting migrator can say who holds the lock.
    if !url.redacted().contains("application_name") {
        conn.batch_execute("SET application_name = 'updown'")
            .map_err(|e| failed(&e))?;
    }
    Ok((AnyConnection::Postgres(conn), Box::new(Postgres::default())))
}

fn inner(conn: &mut AnyConnection) -> &mut PgConnection {
    #[allow(unreachable_patterns)]
    match conn {
        AnyConnection::Postgres(c) => c,
        _ => unreachable!("the PostgreSQL driver is only paired with PostgreSQL connections"),
    }
}

#[derive(QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
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
    fn table_exists_query(&self, table: &'static str) -> String {
        format!(
            "SELECT COUNT(*) AS n FROM (SELECT to_regclass('{table}') AS r) t WHERE r IS NOT NULL"
        )
    }

    fn columns_query(&self, table: &'static str) -> String {
        format!(
            "SELECT a.attname::text AS name FROM pg_attribute a
             WHERE a.attrelid = to_regclass('{table}') AND a.attnum > 0 AND NOT a.attisdropped"
        )
    }

    fn column_types(&self) -> ColumnTypes {
        ColumnTypes {
            id: "BIGSERIAL PRIMARY KEY",
            name: "TEXT",
            checksum: "TEXT",
            time: "TEXT",
            word: "TEXT",
        }
    }

    /// The backend's pid and when it started: a pid alone is given again after a restart.
    fn session_id(&self, conn: &mut AnyConnection) -> QueryResult<String> {
        let id: Text = diesel::sql_query(
            "SELECT pid::text || '@' || extract(epoch FROM backend_start)::bigint::text AS text
             FROM pg_stat_activity WHERE pid = pg_backend_pid()",
        )
        .get_result(inner(conn))?;
        Ok(id.text)
    }

    fn runner_alive(&self, conn: &mut AnyConnection, runner: &str) -> QueryResult<bool> {
        let Some((Ok(pid), Ok(started))) = runner
            .split_once('@')
            .map(|(pid, started)| (pid.parse::<i32>(), started.parse::<i64>()))
        else {
            return Ok(false);
        };
        let (classid, objid) = (LOCK_KEY >> 32, LOCK_KEY & 0xffff_ffff);
        let held: Count = diesel::sql_query(format!(
            // Another role does not see a session's start: the pid is all there is.
            "SELECT COUNT(*) AS n FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND l.pid = {pid}
               AND COALESCE(extract(epoch FROM a.backend_start)::bigint = {started}, true)
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND l.classid = {classid} AND l.objid = {objid} AND l.objsubid = 1"
        ))
        .get_result(inner(conn))?;
        Ok(held.n > 0)
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

    fn snapshot(&self, conn: &mut AnyConnection, scope: Scope<'_>) -> QueryResult<Snapshot> {
        snapshot(inner(conn), scope, self, false).map(|(snap, _)| snap)
    }

    fn observe(
        &self,
        conn: &mut AnyConnection,
        scope: Scope<'_>,
    ) -> QueryResult<(Snapshot, BTreeMap<String, i64>)> {
        snapshot(inner(conn), scope, self, true)
    }

    fn extensions(&self, conn: &mut AnyConnection) -> QueryResult<Vec<(String, String)>> {
        #[derive(QueryableByName)]
        struct Installed {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            schema: String,
        }
        let rows: Vec<Installed> = diesel::sql_query(
            "SELECT x.extname::text AS name, n.nspname::text AS schema FROM pg_extension x
             JOIN pg_namespace n ON n.oid = x.extnamespace
             WHERE x.extname <> 'plpgsql' ORDER BY x.oid",
        )
        .load(inner(conn))?;
        Ok(rows.into_iter().map(|r| (r.name, r.schema)).collect())
    }

    fn script_in_one_round_trip(
        &self,
        conn: &mut AnyConnection,
        sql: &str,
    ) -> Option<QueryResult<bool>> {
        // One message is lexed whole before it runs, so a setting that changes how the
        // rest is read must take effect first; a prepared statement would outlive the
        // rollback and fail the run again.
        let lexed_differently = updown_sql::lexer::tokens(sql).iter().any(|t| {
            ["prepare", "standard_conforming_strings", "backslash_quote"]
                .iter()
                .any(|w| t.text.eq_ignore_ascii_case(w))
        });
        let conn = inner(conn);
        // Its own BEGIN would be inside an open transaction, its COMMIT end it.
        if lexed_differently || super::in_transaction(conn) || updown_sql::controls_transaction(sql)
        {
            return None;
        }
        // Line breaks: the script may end in a `--` comment.
        Some(
            match conn.batch_execute(&format!("BEGIN;\n{sql}\n;\nCOMMIT")) {
                Ok(()) => Ok(true),
                // After an error in COMMIT no transaction is left, and ROLLBACK only warns.
                Err(_) => conn.batch_execute("ROLLBACK").map(|()| false),
            },
        )
    }

    fn step_rows_sql(&self, rows: &crate::tracking::StepRows) -> Option<String> {
        // statement_timestamp(): when the server received the script.
        const NOW: &str =
            r#"to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#;
        const ELAPSED_MS: &str =
            "CAST(EXTRACT(EPOCH FROM clock_timestamp() - statement_timestamp()) * 1000 AS BIGINT)";
        Some(rows.sql(NOW, ELAPSED_MS, &escaped_literal))
    }

    fn tune_scratch(&self, conn: &mut AnyConnection) -> QueryResult<()> {
        // A scratch database is dropped at the end: a commit need not wait for the disk.
        // The snapshot statement is planned once for any names, not five times first.
        inner(conn)
            .batch_execute("SET synchronous_commit = off; SET plan_cache_mode = force_generic_plan")
    }

    fn unlock(&self, conn: &mut AnyConnection) -> QueryResult<()> {
        inner(conn).batch_execute(&format!("SELECT pg_advisory_unlock({LOCK_KEY})"))
    }

    fn drop_database(&self, conn: &mut AnyConnection, name: &str) -> QueryResult<()> {
        // Its sessions may linger a moment after verify closed them.
        inner(conn).batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    }
}

/// A string literal read alike whatever `standard_conforming_strings` is.
fn escaped_literal(text: &str) -> String {
    format!("E'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
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

// --- schema snapshot ---------------------------------------------------------------
// One query per snapshot: every catalog read once, as rows of (kind, a, b, c, d, seq).

/// updown's own objects, left out of snapshots.
const OWN: &str = "('updown_migrations', 'updown_history', 'updown_layout', 'updown_history_id_seq', 'updown_migrations_pkey', 'updown_history_pkey', 'updown_layout_pkey')";

#[derive(QueryableByName)]
struct CatalogRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    a: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    b: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    c: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    d: Option<String>,
}

/// `NOT` a member of an extension: those come and go with their extension. A scalar
/// subquery, looked up row by row in pg_depend's index, where the planner would make a
/// `NOT EXISTS` a join over all of pg_depend.
fn not_member(catalog: &str, oid: &str) -> String {
    format!(
        "(SELECT COUNT(*) FROM pg_depend e WHERE e.classid = '{catalog}'::regclass
          AND e.objid = {oid} AND e.deptype = 'e') = 0"
    )
}

/// The rows of `catalog` that `filter` finds for each outer row, by index: a lateral
/// subquery that `OFFSET 0` keeps the planner from flattening into a join over the whole
/// catalog.
fn lookup(catalog: &str, filter: &str) -> String {
    format!("JOIN LATERAL (SELECT * FROM {catalog} WHERE {filter} OFFSET 0)")
}

/// The current schema's oid.
const SCHEMA: &str = "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())";

/// The catalog query of a snapshot: of the names in `$1` (a text array) when `named`,
/// else of everything; with the row count of each table when the last parameter is
/// true (counted by the server, `query_to_xml` running each `COUNT(*)`). Named objects, and what belongs to them, are found by index
/// lookups ([`lookup`]), so a snapshot's cost follows what it reads, not the size of the
/// schema.
fn snapshot_query(named: bool) -> String {
    // One row per name, as the catalogs' `name` type, which their indexes are on.
    let names = "(SELECT n::name AS n FROM unnest($1::text[]) AS n) names";
    // The rows of `catalog` whose oids `ids` lists, or all of them.
    let by_oid = |catalog: &str, alias: &str, ids: &str| match named {
        true => format!(
            "({ids}) AS ids(oid) {} {alias} ON TRUE",
            lookup(catalog, "oid = ids.oid")
        ),
        false => format!("{catalog} {alias}"),
    };
    let relations = format!(
        "SELECT r.oid FROM {names} {} r ON TRUE",
        lookup(
            "pg_class",
            &format!("relname = names.n AND relnamespace = {SCHEMA}")
        )
    );
    // Rows of pg_depend naming a relation in `of` and one of `catalog`'s objects.
    let dependents = |of: &str, catalog: &str| {
        format!(
            "FROM {of} o {} d ON TRUE",
            lookup(
                "pg_depend",
                &format!(
                    "refclassid = 'pg_class'::regclass AND refobjid = o.oid AND classid = '{catalog}'::regclass"
                )
            )
        )
    };
    // The table, one of its indexes or constraints, a table its keys reference (a
    // cascade drops them), or a table it inherits from or is a partition of (which
    // share its constraints, indexes and triggers), is named.
    let tables = by_oid(
        "pg_class",
        "c",
        &format!(
            "WITH rels AS ({relations})
             SELECT oid FROM rels
             UNION SELECT x.indrelid FROM rels r {} x ON TRUE
             UNION SELECT k.conrelid FROM {names} {} k ON TRUE
             UNION SELECT k.conrelid {} JOIN pg_constraint k ON k.oid = d.objid AND k.contype = 'f'
             UNION SELECT i.inhrelid FROM rels r {} i ON TRUE",
            lookup("pg_index", "indexrelid = r.oid"),
            lookup(
                "pg_constraint",
                &format!("conname = names.n AND connamespace = {SCHEMA}")
            ),
            dependents("rels", "pg_constraint"),
            lookup("pg_inherits", "inhparent = r.oid"),
        ),
    );
    let views = by_oid(
        "pg_class",
        "v",
        &format!(
            "{relations}
             UNION SELECT w.ev_class {} JOIN pg_rewrite w ON w.oid = d.objid",
            dependents("tabs", "pg_rewrite")
        ),
    );
    let sequences = by_oid(
        "pg_class",
        "s",
        &format!(
            "{relations}
             UNION SELECT d.objid {} WHERE d.deptype IN ('a', 'i')",
            dependents("tabs", "pg_class")
        ),
    );
    let types = by_oid(
        "pg_type",
        "t",
        &format!(
            "SELECT t.oid FROM {names} {} t ON TRUE",
            lookup(
                "pg_type",
                &format!("typname = names.n AND typnamespace = {SCHEMA}")
            )
        ),
    );
    let functions = match named {
        true => format!(
            "{names} {} p ON TRUE",
            lookup(
                "pg_proc",
                &format!("proname = names.n AND pronamespace = {SCHEMA}")
            )
        ),
        false => "pg_proc p".to_owned(),
    };
    let extension_named = match named {
        true => "x.extname = ANY($1::name[])",
        false => "TRUE",
    };
    // Whether to count the rows of each table too: the last parameter.
    let counts = match named {
        true => "$2",
        false => "$1",
    };
    let attributes = lookup(
        "pg_attribute",
        "attrelid = t.oid AND attnum > 0 AND NOT attisdropped",
    );
    let primary_keys = lookup("pg_constraint", "conrelid = t.oid AND contype = 'p'");
    let key_columns = lookup(
        "pg_attribute",
        "attrelid = t.oid AND attnum = ANY(k.conkey)",
    );
    let indexes = lookup("pg_index", "indrelid = t.oid AND NOT indisprimary");
    let constraints = lookup(
        "pg_constraint",
        "conrelid = t.oid AND contype IN ('f', 'u', 'c', 'x')",
    );
    let triggers = lookup("pg_trigger", "tgrelid = t.oid AND NOT tgisinternal");
    let member = not_member("pg_class", "c.oid");
    let view_member = not_member("pg_class", "v.oid");
    let sequence_member = not_member("pg_class", "s.oid");
    let function_member = not_member("pg_proc", "p.oid");
    let type_member = not_member("pg_type", "t.oid");
    format!(
        "WITH tabs AS (
           SELECT c.oid, c.relname::text AS name FROM {tables}
           WHERE c.relnamespace = {SCHEMA} AND c.relkind IN ('r', 'p') AND c.relname NOT IN {OWN}
             AND {member}
         ),
         views AS (
           SELECT v.oid, v.relname::text AS name, v.relkind FROM {views}
           WHERE v.relnamespace = {SCHEMA} AND v.relkind IN ('v', 'm') AND {view_member}
         )
         SELECT 'column' AS kind, t.name AS a, a.attname::text AS b,
                lower(format_type(a.atttypid, a.atttypmod)) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END AS c,
                pg_get_expr(d.adbin, d.adrelid) AS d, a.attnum::int AS seq
         FROM tabs t {attributes} a ON TRUE
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         UNION ALL
         SELECT 'primary key', t.name, a.attname::text, k.conname::text, NULL,
                array_position(k.conkey, a.attnum)
         FROM tabs t {primary_keys} k ON TRUE {key_columns} a ON TRUE
         UNION ALL
         SELECT 'index', t.name, i.relname::text, CASE WHEN x.indisunique THEN 'unique' ELSE '' END,
                COALESCE(pg_get_expr(x.indpred, x.indrelid), '') || E'\\x1f' ||
                array_to_string(ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)
                                      FROM generate_series(1, x.indnatts) AS k ORDER BY k), E'\\x1f'), 0
         FROM tabs t {indexes} x ON TRUE JOIN pg_class i ON i.oid = x.indexrelid
         WHERE (SELECT COUNT(*) FROM pg_constraint co WHERE co.conrelid = t.oid AND co.conindid = x.indexrelid) = 0
         UNION ALL
         SELECT 'constraint', t.name, k.conname::text, pg_get_constraintdef(k.oid), NULL, 0
         FROM tabs t {constraints} k ON TRUE
         UNION ALL
         SELECT 'trigger', g.tgname::text || ' on ' || t.name, '', pg_get_triggerdef(g.oid), NULL, 0
         FROM tabs t {triggers} g ON TRUE
         UNION ALL
         SELECT 'view', v.name, '', CASE WHEN v.relkind = 'm' THEN 'MATERIALIZED ' ELSE '' END || pg_get_viewdef(v.oid), NULL, 0
         FROM views v
         UNION ALL
         SELECT 'sequence', s.relname::text, '',
                format_type(q.seqtypid, NULL) || ' start ' || q.seqstart || ' increment ' || q.seqincrement
                || CASE WHEN q.seqcycle THEN ' cycle' ELSE '' END
                || COALESCE((SELECT ' owned by ' || o.relname || '.' || a.attname
                             FROM pg_depend d JOIN pg_class o ON o.oid = d.refobjid
                             JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                             WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid
                               AND d.deptype IN ('a', 'i') LIMIT 1), ''), NULL, 0
         FROM {sequences} JOIN pg_sequence q ON q.seqrelid = s.oid
         WHERE s.relnamespace = {SCHEMA} AND s.relname NOT IN {OWN} AND {sequence_member}
         UNION ALL
         SELECT 'type', t.typname::text, '',
                CASE t.typtype
                  WHEN 'e' THEN 'enum (' || (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                                             FROM pg_enum e WHERE e.enumtypid = t.oid) || ')'
                  WHEN 'c' THEN 'composite (' || (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                                                  FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) || ')'
                  WHEN 'd' THEN 'domain ' || format_type(t.typbasetype, t.typtypmod)
                                || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
                                || COALESCE(' DEFAULT ' || t.typdefault, '')
                                || COALESCE((SELECT ' ' || string_agg(k.conname || ' ' || pg_get_constraintdef(k.oid), ' ' ORDER BY k.conname)
                                             FROM pg_constraint k WHERE k.contypid = t.oid), '')
                  ELSE 'range ' || format_type(t.oid, NULL)
                END, NULL, 0
         FROM {types}
         WHERE t.typnamespace = {SCHEMA} AND {type_member}
           AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
         UNION ALL
         SELECT 'function', p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', '',
                CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' WHEN 'w' THEN 'window' ELSE 'function' END
                || COALESCE(' returns ' || pg_get_function_result(p.oid), '')
                || ' language ' || l.lanname
                || CASE p.provolatile WHEN 'i' THEN ' immutable' WHEN 's' THEN ' stable' ELSE ' volatile' END
                || CASE WHEN p.prosecdef THEN ' security definer' ELSE ' security invoker' END
                || CASE WHEN p.proisstrict THEN ' strict' ELSE '' END
                || COALESCE(' set ' || array_to_string(p.proconfig, ', '), ''),
                p.prosrc, 0
         FROM {functions} JOIN pg_language l ON l.oid = p.prolang
         WHERE p.pronamespace = {SCHEMA} AND {function_member}
         UNION ALL
         SELECT 'extension', x.extname::text, n.nspname::text, x.extversion, NULL, 0
         FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
         WHERE {extension_named}
         UNION ALL
         SELECT 'rows', t.name, '',
                (xpath('/row/n/text()', query_to_xml(format('SELECT COUNT(*) AS n FROM %I.%I', current_schema(), t.name),
                                                     false, true, '')))[1]::text, NULL, 0
         FROM tabs t WHERE {counts}
         ORDER BY 1, 2, 6, 3"
    )
}

/// The prepared snapshot statements of this session, named and of everything, prepared
/// by the first snapshot: a large catalog query costs more to plan than to run.
const PREPARED: [&str; 2] = ["updown_snapshot_named", "updown_snapshot_all"];

/// The schema in `scope`, and with `counts` the row count of each of its tables, in
/// one round trip.
pub(super) fn snapshot(
    conn: &mut PgConnection,
    scope: Scope<'_>,
    session: &Postgres,
    counts: bool,
) -> QueryResult<(Snapshot, BTreeMap<String, i64>)> {
    if !session.prepared.get() {
        conn.batch_execute(&format!(
            "PREPARE {}(text[], bool) AS {}; PREPARE {}(bool) AS {}",
            PREPARED[0],
            snapshot_query(true),
            PREPARED[1],
            snapshot_query(false)
        ))?;
        session.prepared.set(true);
    }
    let (named, execute) = match scope.sql_list() {
        Some(list) => (
            true,
            format!("EXECUTE {}(ARRAY[{list}]::text[], {counts})", PREPARED[0]),
        ),
        None => (false, format!("EXECUTE {}({counts})", PREPARED[1])),
    };
    // The first run plans the statement (once for the session on a scratch database,
    // see `tune_scratch`), when the catalogs may be as small as they will ever be. The
    // named one, which looks a few names up, is planned without sequential scans, so that
    // it keeps to the indexes as they grow; the one of everything reads whole catalogs,
    // which scans do best.
    let first = named && !session.named_planned.get();
    if first {
        conn.batch_execute("SET enable_seqscan = off")?;
    }
    let rows: QueryResult<Vec<CatalogRow>> = diesel::sql_query(execute).load(conn);
    if first {
        conn.batch_execute("RESET enable_seqscan")?;
        session.named_planned.set(true);
    }
    let rows = rows?;
    let mut snap = Snapshot::default();
    let mut row_counts = BTreeMap::new();
    for r in rows {
        match r.kind.as_str() {
            "column" => {
                let (data_type, nullable) = match r.c.strip_suffix(" not null") {
                    Some(t) => (t.to_owned(), false),
                    None => (r.c, true),
                };
                snap.tables.entry(r.a).or_default().columns.push(Column {
                    name: r.b,
                    data_type,
                    nullable,
                    default: r.d.as_deref().map(normalise_sql),
                });
            }
            "primary key" => {
                if let Some(t) = snap.tables.get_mut(&r.a) {
                    t.primary_key.push(r.b);
                    t.primary_key_name = Some(r.c);
                }
            }
            "index" => {
                if let Some(t) = snap.tables.get_mut(&r.a) {
                    let text = r.d.unwrap_or_default();
                    let mut parts = text.split('\u{1f}');
                    let predicate = parts.next().filter(|p| !p.is_empty()).map(normalise_sql);
                    t.indexes.insert(
                        r.b,
                        Index {
                            columns: parts.map(normalise_sql).collect(),
                            unique: r.c == "unique",
                            predicate,
                        },
                    );
                }
            }
            "constraint" => {
                if let Some(t) = snap.tables.get_mut(&r.a) {
                    t.constraints.insert(r.b, normalise_sql(&r.c));
                }
            }
            "trigger" => {
                snap.triggers.insert(r.a, fold(&r.c));
            }
            "view" => {
                snap.views.insert(r.a, normalise_sql(&r.c));
            }
            "sequence" => {
                snap.sequences.insert(r.a, r.c);
            }
            "type" => {
                snap.types.insert(r.a, r.c);
            }
            "function" => {
                let body = fold(r.d.as_deref().unwrap_or_default());
                snap.functions.insert(r.a, format!("{} body {body}", r.c));
            }
            "rows" => {
                row_counts.insert(r.a, r.c.parse().unwrap_or_default());
            }
            "extension" => {
                snap.extensions.insert(
                    r.a,
                    Extension {
                        schema: r.b,
                        version: r.c,
                    },
                );
            }
            _ => {}
        }
    }
    Ok((snap, row_counts))
}
