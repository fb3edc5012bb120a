//! PostgreSQL: a session-level advisory lock held for the whole run (released by the
//! server if the connection dies), one transaction per migration. DDL is transactional.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, QueryResult, QueryableByName, RunQueryDsl};

use super::{Driver, LockError};
use crate::connection::AnyConnection;
use crate::error::Error;
use crate::schema::{Column, Extension, Index, Scope, Snapshot, fold, normalise_sql};
use crate::tracking::{ColumnTypes, create_tables_sql};
use crate::url::DatabaseUrl;

/// The advisory lock key: "updown" in ASCII. Advisory locks are per database, so one
/// key serves every database of a server.
const LOCK_KEY: i64 = 0x7570_646f_776e;

pub(crate) struct Postgres;

pub(crate) fn connect(url: &DatabaseUrl) -> Result<(AnyConnection, Box<dyn Driver>), Error> {
    let failed = |e: &dyn std::fmt::Display| Error::Connect {
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

    fn create_tracking(&self, conn: &mut AnyConnection) -> QueryResult<()> {
        inner(conn).batch_execute(&create_tables_sql(&ColumnTypes {
            id: "BIGSERIAL PRIMARY KEY",
            name: "TEXT",
            checksum: "TEXT",
            time: "TEXT",
            word: "TEXT",
        }))
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
        snapshot(inner(conn), scope)
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

    fn tune_scratch(&self, conn: &mut AnyConnection) -> QueryResult<()> {
        // A scratch database is dropped at the end: a commit need not wait for the disk.
        inner(conn).batch_execute("SET synchronous_commit = off")
    }

    fn unlock(&self, conn: &mut AnyConnection) -> QueryResult<()> {
        inner(conn).batch_execute(&format!("SELECT pg_advisory_unlock({LOCK_KEY})"))
    }

    fn drop_database(&self, conn: &mut AnyConnection, name: &str) -> QueryResult<()> {
        // Its sessions may linger a moment after verify closed them.
        inner(conn).batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
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

// --- schema snapshot ---------------------------------------------------------------
// One query per snapshot: every catalog read once, as rows of (kind, a, b, c, d, seq).

/// updown's own objects, left out of snapshots.
const OWN: &str = "('updown_migrations', 'updown_history', 'updown_history_id_seq', 'updown_migrations_pkey', 'updown_history_pkey')";

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

/// `NOT` a member of an extension: those come and go with their extension.
fn not_member(oid: &str) -> String {
    format!("NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = {oid} AND e.deptype = 'e')")
}

/// The catalog query of a snapshot of `scope`.
fn snapshot_query(scope: Scope<'_>) -> String {
    let names = scope.sql_list();
    // A name filter, or none for everything.
    let named = |column: &str| match &names {
        Some(list) => format!("{column} IN ({list})"),
        None => "TRUE".to_owned(),
    };
    let table_named = match &names {
        None => "TRUE".to_owned(),
        // The table, or one of its indexes, constraints or triggers, or a table it
        // references (a cascade drops its keys), is named.
        Some(list) => format!(
            "(c.relname IN ({list})
              OR EXISTS (SELECT 1 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                         WHERE x.indrelid = c.oid AND i.relname IN ({list}))
              OR EXISTS (SELECT 1 FROM pg_constraint k LEFT JOIN pg_class r ON r.oid = k.confrelid
                         WHERE k.conrelid = c.oid AND (k.conname IN ({list}) OR r.relname IN ({list})))
              OR EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid AND g.tgname IN ({list})))"
        ),
    };
    let member = not_member("c.oid");
    let view_member = not_member("v.oid");
    let function_member = not_member("p.oid");
    let type_member = not_member("t.oid");
    let (view_named, sequence_named, type_named, function_named, extension_named) = (
        named("v.relname"),
        named("s.relname"),
        named("t.typname"),
        named("p.proname"),
        named("x.extname"),
    );
    format!(
        "WITH tabs AS (
           SELECT c.oid, c.relname::text AS name FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname NOT IN {OWN}
             AND {member} AND {table_named}
         ),
         views AS (
           SELECT v.oid, v.relname::text AS name, v.relkind FROM pg_class v
           JOIN pg_namespace n ON n.oid = v.relnamespace
           WHERE n.nspname = current_schema() AND v.relkind IN ('v', 'm') AND {view_member}
             AND ({view_named} OR EXISTS (
               SELECT 1 FROM pg_rewrite w JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
               WHERE w.ev_class = v.oid AND d.refobjid IN (SELECT oid FROM tabs)))
         )
         SELECT 'column' AS kind, t.name AS a, a.attname::text AS b,
                lower(format_type(a.atttypid, a.atttypmod)) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END AS c,
                pg_get_expr(d.adbin, d.adrelid) AS d, a.attnum::int AS seq
         FROM tabs t JOIN pg_attribute a ON a.attrelid = t.oid
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attnum > 0 AND NOT a.attisdropped
         UNION ALL
         SELECT 'primary key', t.name, a.attname::text, k.conname::text, NULL,
                array_position(k.conkey, a.attnum)
         FROM tabs t JOIN pg_constraint k ON k.conrelid = t.oid AND k.contype = 'p'
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(k.conkey)
         UNION ALL
         SELECT 'index', t.name, i.relname::text, CASE WHEN x.indisunique THEN 'unique' ELSE '' END,
                COALESCE(pg_get_expr(x.indpred, x.indrelid), '') || E'\\x1f' ||
                array_to_string(ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true)
                                      FROM generate_series(1, x.indnatts) AS k ORDER BY k), E'\\x1f'), 0
         FROM tabs t JOIN pg_index x ON x.indrelid = t.oid JOIN pg_class i ON i.oid = x.indexrelid
         WHERE NOT x.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = x.indexrelid)
         UNION ALL
         SELECT 'constraint', t.name, k.conname::text, pg_get_constraintdef(k.oid), NULL, 0
         FROM tabs t JOIN pg_constraint k ON k.conrelid = t.oid AND k.contype IN ('f', 'u', 'c', 'x')
         UNION ALL
         SELECT 'trigger', g.tgname::text || ' on ' || t.name, '', pg_get_triggerdef(g.oid), NULL, 0
         FROM tabs t JOIN pg_trigger g ON g.tgrelid = t.oid WHERE NOT g.tgisinternal
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
         FROM pg_class s JOIN pg_sequence q ON q.seqrelid = s.oid
         JOIN pg_namespace n ON n.oid = s.relnamespace
         WHERE n.nspname = current_schema() AND s.relname NOT IN {OWN} AND {}
           AND ({sequence_named} OR EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = s.oid
                AND d.deptype IN ('a', 'i') AND d.refobjid IN (SELECT oid FROM tabs)))
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
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = current_schema() AND {type_member} AND {type_named}
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
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
         WHERE n.nspname = current_schema() AND {function_member} AND {function_named}
         UNION ALL
         SELECT 'extension', x.extname::text, n.nspname::text, x.extversion, NULL, 0
         FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
         WHERE {extension_named}
         ORDER BY 1, 2, 6, 3",
        not_member("s.oid"),
    )
}

pub(super) fn snapshot(conn: &mut PgConnection, scope: Scope<'_>) -> QueryResult<Snapshot> {
    let rows: Vec<CatalogRow> = diesel::sql_query(snapshot_query(scope)).load(conn)?;
    let mut snap = Snapshot::default();
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
    Ok(snap)
}
