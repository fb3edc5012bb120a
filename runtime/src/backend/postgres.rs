//! PostgreSQL: a session-level advisory lock held for the whole run (released by the
//! server if the connection dies), one transaction per migration. DDL is transactional.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, QueryResult, QueryableByName, RunQueryDsl};

use super::{Driver, LockError};
use crate::connection::AnyConnection;
use crate::error::Error;
use crate::schema::{Column, Index, Snapshot, Table, fold};
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

    fn snapshot(&self, conn: &mut AnyConnection) -> QueryResult<Snapshot> {
        snapshot(inner(conn))
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

/// updown's own objects, left out of snapshots.
const OWN: &str = "('updown_migrations', 'updown_history', 'updown_history_id_seq', 'updown_migrations_pkey', 'updown_history_pkey')";

#[derive(QueryableByName)]
struct Pair {
    #[diesel(sql_type = diesel::sql_types::Text)]
    a: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    b: String,
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    data_type: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    nullable: bool,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    default_value: Option<String>,
}

#[derive(QueryableByName)]
struct IndexRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    index_name: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    is_unique: bool,
    #[diesel(sql_type = diesel::sql_types::Text)]
    predicate: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    columns: String,
}

fn pairs(conn: &mut PgConnection, sql: &str) -> QueryResult<Vec<(String, String)>> {
    let rows: Vec<Pair> = diesel::sql_query(sql).load(conn)?;
    Ok(rows.into_iter().map(|p| (p.a, p.b)).collect())
}

pub(super) fn snapshot(conn: &mut PgConnection) -> QueryResult<Snapshot> {
    let mut snap = Snapshot::default();
    let columns: Vec<ColumnRow> = diesel::sql_query(format!(
        "SELECT c.relname AS table_name, a.attname AS column_name,
                format_type(a.atttypid, a.atttypmod) AS data_type, NOT a.attnotnull AS nullable,
                pg_get_expr(d.adbin, d.adrelid) AS default_value
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0
           AND NOT a.attisdropped AND c.relname NOT IN {OWN}
         ORDER BY c.relname, a.attnum"
    ))
    .load(conn)?;
    for c in columns {
        snap.tables
            .entry(c.table_name)
            .or_insert_with(Table::default)
            .columns
            .push(Column {
                name: c.column_name,
                data_type: c.data_type.to_lowercase(),
                nullable: c.nullable,
                default: c.default_value,
            });
    }
    let primary_keys = pairs(
        conn,
        &format!(
            "SELECT c.relname AS a, a.attname AS b
             FROM pg_index i
             JOIN pg_class c ON c.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
             WHERE i.indisprimary AND n.nspname = current_schema() AND c.relname NOT IN {OWN}
             ORDER BY c.relname, array_position(i.indkey::int2[], a.attnum)"
        ),
    )?;
    for (table, column) in primary_keys {
        if let Some(t) = snap.tables.get_mut(&table) {
            t.primary_key.push(column);
        }
    }
    let indexes: Vec<IndexRow> = diesel::sql_query(format!(
        "SELECT t.relname AS table_name, ic.relname AS index_name, i.indisunique AS is_unique,
                COALESCE(pg_get_expr(i.indpred, i.indrelid), '') AS predicate,
                array_to_string(ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
                                      FROM generate_series(1, i.indnatts) AS k ORDER BY k), ',') AS columns
         FROM pg_index i
         JOIN pg_class ic ON ic.oid = i.indexrelid
         JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = current_schema() AND NOT i.indisprimary AND t.relname NOT IN {OWN}
           AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid)"
    ))
    .load(conn)?;
    for i in indexes {
        if let Some(t) = snap.tables.get_mut(&i.table_name) {
            t.indexes.insert(
                i.index_name,
                Index {
                    columns: i.columns.split(',').map(str::to_owned).collect(),
                    unique: i.is_unique,
                    predicate: Some(i.predicate).filter(|p| !p.is_empty()),
                },
            );
        }
    }
    let constraints = pairs(
        conn,
        &format!(
            "SELECT c.relname AS a, pg_get_constraintdef(co.oid) AS b
             FROM pg_constraint co
             JOIN pg_class c ON c.oid = co.conrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = current_schema() AND co.contype IN ('f', 'u', 'c', 'x')
               AND c.relname NOT IN {OWN}"
        ),
    )?;
    for (table, def) in constraints {
        if let Some(t) = snap.tables.get_mut(&table) {
            t.constraints.push(fold(&def));
            t.constraints.sort();
        }
    }
    let views = pairs(
        conn,
        "SELECT viewname::text AS a, definition AS b FROM pg_views WHERE schemaname = current_schema()
         UNION ALL
         SELECT matviewname::text AS a, 'MATERIALIZED ' || definition AS b FROM pg_matviews
         WHERE schemaname = current_schema()",
    )?;
    snap.views = views.into_iter().map(|(n, d)| (n, fold(&d))).collect();
    let triggers = pairs(
        conn,
        // Trigger names are per table here: diesel's `set_updated_at` is on many.
        "SELECT t.tgname::text || ' on ' || c.relname::text AS a, pg_get_triggerdef(t.oid) AS b
         FROM pg_trigger t
         JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE NOT t.tgisinternal AND n.nspname = current_schema()",
    )?;
    snap.triggers = triggers.into_iter().map(|(n, d)| (n, fold(&d))).collect();
    let sequences = pairs(
        conn,
        &format!(
            "SELECT sequencename::text AS a,
                    data_type::text || ' start ' || start_value || ' increment ' || increment_by AS b
             FROM pg_sequences WHERE schemaname = current_schema() AND sequencename NOT IN {OWN}"
        ),
    )?;
    snap.sequences = sequences.into_iter().collect();
    let enums = pairs(
        conn,
        "SELECT t.typname::text AS a, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS b
         FROM pg_type t
         JOIN pg_enum e ON e.enumtypid = t.oid
         JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = current_schema()
         GROUP BY t.typname",
    )?;
    snap.enums = enums
        .into_iter()
        .map(|(n, labels)| (n, labels.split(',').map(str::to_owned).collect()))
        .collect();
    Ok(snap)
}
