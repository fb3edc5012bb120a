//! SQLite: the lock is a `BEGIN IMMEDIATE` transaction held for the whole run, each
//! migration a savepoint inside it. DDL is transactional.

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::{Connection, QueryResult, RunQueryDsl, SqliteConnection};

use super::{Driver, Leftover, LockError, Scratch};
use crate::connection::AnyConnection;
use crate::error::Error;
use crate::schema::{Column, Index, Scope, Snapshot, Table, fold, normalise_sql, sql_literal};
use crate::tracking::{ColumnTypes, create_tables_sql};
use crate::url::DatabaseUrl;

pub(crate) struct Sqlite;

const READ_BUSY_TIMEOUT_MS: u32 = 5_000;

pub(crate) fn connect(url: &DatabaseUrl) -> Result<(AnyConnection, Box<dyn Driver>), Error> {
    let path = url.target();
    if path != ":memory:" && !path.starts_with("file:") {
        let parent = std::path::Path::new(path).parent();
        if let Some(dir) = parent.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            return Err(Error::Connect {
                url: url.redacted().to_owned(),
                cause: format!(
                    "directory `{}` does not exist; create it first",
                    dir.display()
                ),
            });
        }
    }
    let mut conn = SqliteConnection::establish(path).map_err(|e| Error::Connect {
        url: url.redacted().to_owned(),
        cause: e.to_string(),
    })?;
    // Readers (status, history) wait for a committing writer instead of failing at once.
    conn.batch_execute(&format!("PRAGMA busy_timeout = {READ_BUSY_TIMEOUT_MS}"))
        .map_err(|e| Error::Connect {
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

impl Driver for Sqlite {
    fn table_exists_query(&self, table: &'static str) -> String {
        format!("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '{table}'")
    }

    fn create_tracking(&self, conn: &mut AnyConnection) -> QueryResult<()> {
        conn.batch_execute(&create_tables_sql(&ColumnTypes {
            id: "INTEGER PRIMARY KEY AUTOINCREMENT",
            name: "TEXT",
            checksum: "TEXT",
            time: "TEXT",
            word: "TEXT",
        }))
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

    fn snapshot(&self, conn: &mut AnyConnection, scope: Scope<'_>) -> QueryResult<Snapshot> {
        snapshot(inner(conn), scope)
    }

    fn create_scratch(&self, _target: &DatabaseUrl, name: &str) -> Result<Scratch, Error> {
        let dir = tempfile::tempdir().map_err(|source| Error::Io {
            context: "creating a scratch directory".into(),
            source,
        })?;
        let url = DatabaseUrl::parse(&format!(
            "sqlite://{}",
            dir.path().join(format!("{name}.db")).display()
        ))?;
        Ok(Scratch {
            url,
            leftover: Leftover::Folder(dir.path().to_owned()),
            _dir: Some(dir),
        })
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

// --- schema snapshot ---------------------------------------------------------------
// A fixed number of queries whatever the number of tables: the pragma functions are
// joined to sqlite_master.

/// User tables of `sqlite_master m`: what the pragma joins below range over.
const USER_TABLES: &str = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
    AND m.name NOT IN ('updown_migrations', 'updown_history')";

#[derive(diesel::QueryableByName)]
struct MasterRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    /// The table of an index or trigger; the object itself otherwise.
    #[diesel(sql_type = diesel::sql_types::Text)]
    owner: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    sql: String,
}

#[derive(diesel::QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    data_type: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    not_null: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    default_value: Option<String>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pk: i64,
}

#[derive(diesel::QueryableByName)]
struct IndexColumnRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    index_name: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    is_unique: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    origin: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
}

#[derive(diesel::QueryableByName)]
struct ForeignKeyRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    target: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    from_column: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    to_column: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    on_update: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    on_delete: String,
}

pub(super) fn snapshot(conn: &mut SqliteConnection, scope: Scope<'_>) -> QueryResult<Snapshot> {
    // In scope: named objects, and the indexes and triggers of named tables; one scan
    // of sqlite_master, a second only for a named index or trigger whose table is not.
    fn master(conn: &mut SqliteConnection, filter: &str) -> QueryResult<Vec<MasterRow>> {
        diesel::sql_query(format!(
            "SELECT type AS kind, name, tbl_name AS owner, COALESCE(sql, '') AS sql FROM sqlite_master
             WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
               AND tbl_name NOT IN ('updown_migrations', 'updown_history') AND {filter}"
        ))
        .load(conn)
    }
    let named = format!(
        "({} OR {})",
        scope.filter("lower(name)"),
        scope.filter("lower(tbl_name)")
    );
    let mut objects = master(conn, &named)?;
    if let Scope::Named(names) = scope {
        let owners: Vec<String> = objects
            .iter()
            .filter(|o| !names.contains(&o.owner.to_lowercase()))
            .map(|o| sql_literal(&o.owner))
            .collect();
        if !owners.is_empty() {
            let more = master(
                conn,
                &format!(
                    "tbl_name IN ({}) AND lower(name) NOT IN ({})",
                    owners.join(", "),
                    scope.sql_list().unwrap_or_default()
                ),
            )?;
            objects.extend(more);
        }
    }
    objects.sort_by(|a, b| (&a.kind, &a.name).cmp(&(&b.kind, &b.name)));
    // The tables the pragma queries range over: looked up by name, never scanned.
    let tables: Vec<String> = objects
        .iter()
        .filter(|o| o.kind == "table")
        .map(|o| format!("({})", sql_literal(&o.name)))
        .collect();
    let user_tables = match (scope, tables.is_empty()) {
        (Scope::Everything, _) => {
            format!("WITH m(name) AS (SELECT name FROM sqlite_master m WHERE {USER_TABLES})")
        }
        (Scope::Named(_), true) => "WITH m(name) AS (SELECT NULL WHERE FALSE)".to_owned(),
        (Scope::Named(_), false) => format!("WITH m(name) AS (VALUES {})", tables.join(", ")),
    };
    let mut snap = Snapshot::default();
    for object in &objects {
        match object.kind.as_str() {
            "table" => {
                let table = Table {
                    constraints: checks(&object.sql),
                    ..Table::default()
                };
                snap.tables.insert(object.name.clone(), table);
            }
            "view" => {
                snap.views
                    .insert(object.name.clone(), normalise_sql(&object.sql));
            }
            "trigger" => {
                snap.triggers.insert(object.name.clone(), fold(&object.sql));
            }
            _ => {}
        }
    }

    let columns: Vec<ColumnRow> = diesel::sql_query(format!(
        "{user_tables} SELECT m.name AS table_name, p.name AS name, p.type AS data_type, p.\"notnull\" AS not_null,
                p.dflt_value AS default_value, p.pk AS pk
         FROM m JOIN pragma_table_info(m.name) p ORDER BY m.name, p.cid"
    ))
    .load(conn)?;
    let mut keys: Vec<(String, i64, String)> = Vec::new();
    for c in columns {
        if c.pk > 0 {
            keys.push((c.table_name.clone(), c.pk, c.name.clone()));
        }
        if let Some(t) = snap.tables.get_mut(&c.table_name) {
            t.columns.push(Column {
                data_type: c.data_type.to_lowercase(),
                // A primary key column is NOT NULL whatever the declaration says.
                nullable: c.not_null == 0 && c.pk == 0,
                default: c.default_value.as_deref().map(normalise_sql),
                name: c.name,
            });
        }
    }
    keys.sort();
    for (table, _, column) in keys {
        if let Some(t) = snap.tables.get_mut(&table) {
            t.primary_key.push(column);
        }
    }

    let index_columns: Vec<IndexColumnRow> = diesel::sql_query(format!(
        "{user_tables} SELECT m.name AS table_name, il.name AS index_name, il.\"unique\" AS is_unique, il.origin AS origin,
                COALESCE(ii.name, '(expression)') AS column_name
         FROM m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii
         ORDER BY m.name, il.name, ii.seqno"
    ))
    .load(conn)?;
    let same_index = |a: &IndexColumnRow, b: &IndexColumnRow| {
        a.table_name == b.table_name && a.index_name == b.index_name
    };
    for group in index_columns.chunk_by(same_index) {
        let first = &group[0];
        let columns: Vec<String> = group.iter().map(|r| r.column_name.clone()).collect();
        let Some(t) = snap.tables.get_mut(&first.table_name) else {
            continue;
        };
        match first.origin.as_str() {
            "pk" => {}
            // UNIQUE in the table definition: its index name is generated.
            "u" => {
                let definition = format!("UNIQUE ({})", columns.join(", "));
                t.constraints.insert(definition.clone(), definition);
            }
            _ => {
                let sql = objects
                    .iter()
                    .find(|o| o.name == first.index_name)
                    .map_or("", |o| o.sql.as_str());
                t.indexes.insert(
                    first.index_name.clone(),
                    Index {
                        columns,
                        unique: first.is_unique != 0,
                        predicate: where_clause(sql),
                    },
                );
            }
        }
    }

    let keys: Vec<ForeignKeyRow> = diesel::sql_query(format!(
        "{user_tables} SELECT m.name AS table_name, fk.id AS id, fk.\"table\" AS target, fk.\"from\" AS from_column,
                fk.\"to\" AS to_column, fk.on_update AS on_update, fk.on_delete AS on_delete
         FROM m JOIN pragma_foreign_key_list(m.name) fk ORDER BY m.name, fk.id, fk.seq"
    ))
    .load(conn)?;
    let same_key =
        |a: &ForeignKeyRow, b: &ForeignKeyRow| a.table_name == b.table_name && a.id == b.id;
    for group in keys.chunk_by(same_key) {
        let first = &group[0];
        let from: Vec<&str> = group.iter().map(|k| k.from_column.as_str()).collect();
        let to: Vec<&str> = group
            .iter()
            .map(|k| k.to_column.as_deref().unwrap_or(""))
            .collect();
        let mut def = format!(
            "FOREIGN KEY ({}) REFERENCES {} ({})",
            from.join(", "),
            first.target,
            to.join(", ")
        );
        for (what, action) in [("UPDATE", &first.on_update), ("DELETE", &first.on_delete)] {
            if action != "NO ACTION" {
                def.push_str(&format!(" ON {what} {action}"));
            }
        }
        if let Some(t) = snap.tables.get_mut(&first.table_name) {
            t.constraints.insert(def.clone(), def);
        }
    }
    Ok(snap)
}

/// `CHECK (...)` clauses of a CREATE TABLE statement, normalised; SQLite keeps no
/// constraint names, so each is its own key.
fn checks(create_sql: &str) -> std::collections::BTreeMap<String, String> {
    use updown_sql::lexer::{TokenKind, tokens};
    let toks = tokens(create_sql);
    let mut out = std::collections::BTreeMap::new();
    for (i, t) in toks.iter().enumerate() {
        if !(t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case("CHECK")) {
            continue;
        }
        let Some(open) = toks.get(i + 1).filter(|o| o.text == "(") else {
            continue;
        };
        let mut depth = 0usize;
        for close in &toks[i + 1..] {
            match close.text {
                "(" => depth += 1,
                ")" => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                let body = &create_sql[open.start..close.start + 1];
                let definition = format!("CHECK {}", normalise_sql(body));
                out.insert(definition.clone(), definition);
                break;
            }
        }
    }
    out
}

/// The `WHERE` clause of a CREATE INDEX statement, for partial indexes.
fn where_clause(create_index_sql: &str) -> Option<String> {
    use updown_sql::lexer::{TokenKind, tokens};
    tokens(create_index_sql)
        .iter()
        .find(|t| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case("WHERE"))
        .map(|t| fold(&create_index_sql[t.start + t.text.len()..]))
}
