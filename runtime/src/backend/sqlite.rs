//! SQLite: the lock is a `BEGIN IMMEDIATE` transaction held for the whole run, each
//! migration a savepoint inside it. DDL is transactional.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::{Connection, QueryResult, RunQueryDsl, SqliteConnection};

use super::{Driver, Leftover, LockError, Scratch};
use crate::connection::AnyConnection;
use crate::error::Error;
use crate::schema::{Column, Index, Scope, Snapshot, Table, fold, normalise_sql, sql_literal};
use crate::tracking::ColumnTypes;
use crate::url::DatabaseUrl;

#[derive(Default)]
pub(crate) struct Sqlite {
    /// What this session's snapshots read of `sqlite_master`.
    master: std::cell::RefCell<Master>,
    /// This session's id, once asked for; live in [`LIVE_SESSIONS`] until it drops.
    id: std::cell::OnceCell<String>,
}

/// The ids of this process's sessions that are open: a runner of this process is alive
/// while its session is.
static LIVE_SESSIONS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

impl Drop for Sqlite {
    fn drop(&mut self) {
        if let Some(id) = self.id.get() {
            let mut live = LIVE_SESSIONS.lock().unwrap_or_else(|p| p.into_inner());
            live.retain(|other| other != id);
        }
    }
}

const READ_BUSY_TIMEOUT_MS: u32 = 5_000;

/// How often a migrator waiting for another's lock asks for it again.
const LOCK_POLL: Duration = Duration::from_millis(1);

pub(crate) fn connect(
    url: &DatabaseUrl,
    create: bool,
) -> Result<(AnyConnection, Box<dyn Driver>), Error> {
    let mut path = url.file().expect("a SQLite URL names a file");
    if !create && url.missing_file().is_some() {
        // `status` on a file that does not exist yet: what it would show, without it.
        path = ":memory:";
    }
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
    Ok((AnyConnection::Sqlite(conn), Box::new(Sqlite::default())))
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

    fn columns_query(&self, table: &'static str) -> String {
        format!("SELECT name FROM pragma_table_info('{table}')")
    }

    fn column_types(&self) -> ColumnTypes {
        ColumnTypes {
            id: "INTEGER PRIMARY KEY AUTOINCREMENT",
            name: "TEXT",
            checksum: "TEXT",
            time: "TEXT",
            word: "TEXT",
        }
    }

    /// The process, its host and when it started: a pid alone is given again.
    fn session_id(&self, _conn: &mut AnyConnection) -> QueryResult<String> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let id = self.id.get_or_init(|| {
            let pid = std::process::id();
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let id = format!("{pid}@{}@{}@{n}", host_name(), process_start(pid));
            LIVE_SESSIONS
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(id.clone());
            id
        });
        Ok(id.clone())
    }

    /// SQLite has no lock to ask: a runner on this host is alive while its process is, and
    /// in this process while its session is open.
    fn runner_alive(&self, _conn: &mut AnyConnection, runner: &str) -> QueryResult<bool> {
        let mut parts = runner.splitn(4, '@');
        let (Some(pid), Some(host), Some(started)) = (parts.next(), parts.next(), parts.next())
        else {
            return Ok(false);
        };
        let Ok(pid) = pid.parse::<u32>() else {
            return Ok(false);
        };
        if pid == std::process::id() && host == host_name() {
            let live = LIVE_SESSIONS.lock().unwrap_or_else(|p| p.into_inner());
            return Ok(live.iter().any(|id| id == runner));
        }
        Ok(host == host_name() && !started.is_empty() && process_start(pid) == started)
    }

    fn lock(&self, conn: &mut AnyConnection, timeout: Duration) -> Result<(), LockError> {
        let conn = inner(conn);
        // Asked again every millisecond: SQLite's own busy handler sleeps up to 100 ms
        // between tries, so a waiting migrator would start long after the lock is free.
        let deadline = std::time::Instant::now() + timeout;
        conn.batch_execute("PRAGMA busy_timeout = 0")
            .map_err(LockError::Database)?;
        let locked = loop {
            match AnsiTransactionManager::begin_transaction_sql(conn, "BEGIN IMMEDIATE") {
                Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                    std::thread::sleep(LOCK_POLL);
                }
                Err(e) if is_busy(&e) => break Err(LockError::Timeout { holder: None }),
                other => break other.map_err(LockError::Database),
            }
        };
        // Under the lock, a commit still waits for readers to finish.
        conn.batch_execute(&format!("PRAGMA busy_timeout = {}", timeout.as_millis()))
            .map_err(LockError::Database)?;
        locked
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
        snapshot(inner(conn), scope, &mut self.master.borrow_mut())
    }

    fn defers_step_rows(&self) -> bool {
        // Every CREATE TABLE makes SQLite prepare the tracking inserts again.
        true
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

/// This machine's name, where the system says it (Linux), for [`Driver::session_id`].
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_default()
}

/// When process `pid` started, in clock ticks since boot (Linux); empty elsewhere or when
/// there is no such process.
fn process_start(pid: u32) -> String {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The name, in parentheses, may hold spaces: fields are counted after it.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(19))
        .unwrap_or_default()
        .to_owned()
}

fn is_busy(e: &diesel::result::Error) -> bool {
    let text = e.to_string();
    text.contains("database is locked") || text.contains("database is busy")
}

// --- schema snapshot ---------------------------------------------------------------
// Two queries per snapshot, each reading only what is in scope: sqlite_master by rowid
// (see `Master`), then the pragma functions of the tables in scope by name.

/// One row of `sqlite_master`.
#[derive(diesel::QueryableByName, Clone)]
struct MasterRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
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

impl MasterRow {
    /// SQLite's own objects and updown's tables are never part of a snapshot.
    fn is_user_object(&self) -> bool {
        !self.name.starts_with("sqlite_")
            && !["updown_migrations", "updown_history", "updown_layout"]
                .contains(&self.owner.as_str())
    }
}

/// `sqlite_master` as this session last read it, by rowid. It has no index on names, so
/// finding an object by name scans it: at 1,000 tables that costs more than the
/// migration. A snapshot of named objects instead re-reads by rowid the rows it holds for
/// those names and reads the rows added since (a new row takes the rowid after the
/// last); a snapshot of everything reads the whole table again.
///
/// Sound while every row that changed since the last snapshot belongs to an object the
/// next snapshot names. Only verify takes snapshots of named objects, and it keeps that:
/// it snapshots after each step it verifies, naming that migration's objects, applies
/// other steps only before its first snapshot, and reads everything for SQL that changes
/// objects it does not name (see `names_of`).
#[derive(Default)]
pub(crate) struct Master {
    rows: BTreeMap<i64, MasterRow>,
    /// Lower-case name and table name -> the rows that have it, so that a scope's rows
    /// are found without going through every row.
    by_name: BTreeMap<String, BTreeSet<i64>>,
    /// Whether `rows` was ever read whole.
    read: bool,
    /// Table name -> its structure and the definitions (its SQL and its indexes') it
    /// was read from.
    tables: HashMap<String, (String, Table)>,
}

const MASTER_COLUMNS: &str =
    "rowid AS id, type AS kind, name, tbl_name AS owner, COALESCE(sql, '') AS sql";

impl Master {
    /// The rows of the objects in `scope` as the database has them now.
    fn read(
        &mut self,
        conn: &mut SqliteConnection,
        scope: Scope<'_>,
    ) -> QueryResult<Vec<MasterRow>> {
        let names = match scope {
            Scope::Named(names) if self.read => names,
            _ => {
                let all: Vec<MasterRow> =
                    diesel::sql_query(format!("SELECT {MASTER_COLUMNS} FROM sqlite_master"))
                        .load(conn)?;
                *self = Master::default();
                self.read = true;
                all.into_iter().for_each(|r| self.insert(r));
                return Ok(self.in_scope(scope));
            }
        };
        let stale = self.named(names);
        let last = self.rows.keys().next_back().copied().unwrap_or(0);
        let ids: Vec<String> = stale.iter().map(i64::to_string).collect();
        // An empty `IN ()` would make SQLite scan the table.
        let stale_rows = match ids.is_empty() {
            true => String::new(),
            false => format!(" OR rowid IN ({})", ids.join(", ")),
        };
        let fresh: Vec<MasterRow> = diesel::sql_query(format!(
            "SELECT {MASTER_COLUMNS} FROM sqlite_master WHERE rowid > {last}{stale_rows}"
        ))
        .load(conn)?;
        for id in stale {
            self.remove(id);
        }
        fresh.into_iter().for_each(|r| self.insert(r));
        Ok(self.in_scope(scope))
    }

    fn insert(&mut self, row: MasterRow) {
        for key in [row.name.to_lowercase(), row.owner.to_lowercase()] {
            self.by_name.entry(key).or_default().insert(row.id);
        }
        self.rows.insert(row.id, row);
    }

    fn remove(&mut self, id: i64) {
        let Some(row) = self.rows.remove(&id) else {
            return;
        };
        for key in [row.name.to_lowercase(), row.owner.to_lowercase()] {
            if let Some(ids) = self.by_name.get_mut(&key) {
                ids.remove(&id);
            }
        }
    }

    /// The rows whose name or table is one of `names`, and the shadow tables of a
    /// virtual table among them (`docs_fts` owns `docs_fts_data`, `docs_fts_idx`...),
    /// which go with it though no statement names them.
    fn named<'n>(&self, names: impl IntoIterator<Item = &'n String>) -> BTreeSet<i64> {
        let mut ids = BTreeSet::new();
        for name in names {
            let key = name.to_lowercase();
            let Some(found) = self.by_name.get(&key) else {
                continue;
            };
            ids.extend(found);
            let is_virtual = |id: &i64| {
                let sql = &self.rows[id].sql;
                sql.get(..20)
                    .is_some_and(|p| p.eq_ignore_ascii_case("create virtual table"))
            };
            if found.iter().any(is_virtual) {
                let shadows = format!("{key}_");
                ids.extend(
                    self.by_name
                        .range(shadows.clone()..)
                        .take_while(|(k, _)| k.starts_with(&shadows))
                        .flat_map(|(_, found)| found),
                );
            }
        }
        ids
    }

    /// The user objects in `scope`: named objects, the indexes and triggers of named
    /// tables, and the tables (with their indexes and triggers) of named indexes and
    /// triggers. In kind and name order.
    fn in_scope(&self, scope: Scope<'_>) -> Vec<MasterRow> {
        let ids: BTreeSet<i64> = match scope {
            Scope::Everything => self.rows.keys().copied().collect(),
            Scope::Named(names) => {
                let named = self.named(names);
                let owners: BTreeSet<String> =
                    named.iter().map(|id| self.rows[id].owner.clone()).collect();
                let of_owners = self.named(&owners);
                named.into_iter().chain(of_owners).collect()
            }
        };
        let mut objects: Vec<MasterRow> = ids
            .iter()
            .map(|id| &self.rows[id])
            .filter(|r| r.is_user_object())
            .cloned()
            .collect();
        objects.sort_by(|a, b| (&a.kind, &a.name).cmp(&(&b.kind, &b.name)));
        objects
    }
}

/// One row of the pragma query: a column, an index column or a foreign key column of a
/// table in scope (`kind`), its fields in the generic columns.
#[derive(diesel::QueryableByName)]
struct PragmaRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    a: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    b: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    c: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    d: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n1: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n2: i64,
}

/// Columns (name, type, default, not null, primary key position) of `tables`, index
/// columns (index, origin, column, unique, position) of `indexed` and foreign key
/// columns (target, from, to, on update, on delete, key, position) of `keyed`, in that
/// order, each in its own order.
fn pragma_query(tables: &[&str], indexed: &[&str], keyed: &[&str]) -> String {
    let values = |names: &[&str]| -> String {
        let rows: Vec<String> = names
            .iter()
            .map(|t| format!("({})", sql_literal(t)))
            .collect();
        rows.join(", ")
    };
    let mut with = vec![format!("m(name) AS (VALUES {})", values(tables))];
    let mut parts = vec![
        "SELECT 'column' AS kind, m.name AS table_name, p.name AS name, p.type AS a, p.dflt_value AS b,
                '' AS c, '' AS d, p.\"notnull\" AS n1, p.pk AS n2, '' AS o, p.cid AS s
         FROM m JOIN pragma_table_info(m.name) p"
            .to_owned(),
    ];
    if !indexed.is_empty() {
        with.push(format!("mi(name) AS (VALUES {})", values(indexed)));
        parts.push(
            "SELECT 'index', mi.name, il.name, il.origin, COALESCE(ii.name, '(expression)'), '', '',
                il.\"unique\", 0, il.name, ii.seqno
         FROM mi JOIN pragma_index_list(mi.name) il JOIN pragma_index_info(il.name) ii"
                .to_owned(),
        );
    }
    if !keyed.is_empty() {
        with.push(format!("mk(name) AS (VALUES {})", values(keyed)));
        parts.push(
            "SELECT 'key', mk.name, fk.\"table\", fk.\"from\", fk.\"to\", fk.on_update, fk.on_delete,
                fk.id, 0, '', fk.id * 1000 + fk.seq
         FROM mk JOIN pragma_foreign_key_list(mk.name) fk"
                .to_owned(),
        );
    }
    format!(
        "WITH {}\n{}\n ORDER BY 1, 2, 10, 11",
        with.join(", "),
        parts.join("\n UNION ALL\n")
    )
}

/// Which of a table's pragmas can hold anything the snapshot keeps, from its SQL and
/// its rows in `sqlite_master`: foreign keys only where the SQL says REFERENCES; index
/// columns only where it has an index of its own (with SQL) or an automatic index
/// that may be a UNIQUE constraint's (a primary key's is not kept). At 1,000 tables the
/// pragmas are most of a snapshot, and most tables have neither.
struct PragmasNeeded {
    indexes: bool,
    keys: bool,
}

impl PragmasNeeded {
    fn of(table_sql: &str, index_rows: &[&MasterRow]) -> PragmasNeeded {
        let sql = table_sql.to_ascii_lowercase();
        let unique = sql.contains("unique");
        PragmasNeeded {
            indexes: index_rows.iter().any(|i| unique || !i.sql.is_empty()),
            keys: sql.contains("references"),
        }
    }
}

/// The schema in `scope`. A table's structure follows from its SQL and its indexes':
/// the pragmas are read only for the tables whose definitions this session has not
/// read before.
fn snapshot(
    conn: &mut SqliteConnection,
    scope: Scope<'_>,
    master: &mut Master,
) -> QueryResult<Snapshot> {
    let objects = master.read(conn, scope)?;
    let mut snap = Snapshot::default();
    let mut indexes: BTreeMap<&str, String> = BTreeMap::new();
    for object in objects.iter().filter(|o| o.kind == "index") {
        let key = indexes.entry(&object.owner).or_default();
        key.push_str(&format!("\n{}\n{}", object.name, object.sql));
    }
    let mut definitions = BTreeMap::new();
    for object in &objects {
        match object.kind.as_str() {
            "table" => {
                let of_indexes = indexes.get(object.name.as_str()).map_or("", |k| k.as_str());
                definitions.insert(object.name.as_str(), format!("{}{of_indexes}", object.sql));
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
    let unread: Vec<&str> = definitions
        .iter()
        .filter(|(name, definition)| {
            master
                .tables
                .get(**name)
                .is_none_or(|(read_from, _)| read_from != *definition)
        })
        .map(|(name, _)| *name)
        .collect();
    if !unread.is_empty() {
        for (name, table) in read_tables(conn, &unread, &objects)? {
            let definition = definitions[name.as_str()].clone();
            master.tables.insert(name, (definition, table));
        }
    }
    for name in definitions.keys() {
        if let Some((_, table)) = master.tables.get(*name) {
            snap.tables.insert((*name).to_owned(), table.clone());
        }
    }
    Ok(snap)
}

/// The structure of `names`, tables among `objects`, from the pragma functions.
fn read_tables(
    conn: &mut SqliteConnection,
    names: &[&str],
    objects: &[MasterRow],
) -> QueryResult<BTreeMap<String, Table>> {
    read_tables_with(conn, names, objects, PragmasNeeded::of)
}

/// [`read_tables`], asking `needed` which pragmas each table's SQL and index rows call
/// for.
fn read_tables_with(
    conn: &mut SqliteConnection,
    names: &[&str],
    objects: &[MasterRow],
    needed: fn(&str, &[&MasterRow]) -> PragmasNeeded,
) -> QueryResult<BTreeMap<String, Table>> {
    // By name: at 10,000 tables, a search through `names` or `objects` for each one
    // costs more than reading the pragmas.
    let wanted: BTreeSet<&str> = names.iter().copied().collect();
    let mut index_sql: HashMap<&str, &str> = HashMap::new();
    let mut index_rows: HashMap<String, Vec<&MasterRow>> = HashMap::new();
    for index in objects.iter().filter(|o| o.kind == "index") {
        index_sql.insert(index.name.as_str(), index.sql.as_str());
        index_rows
            .entry(index.owner.to_lowercase())
            .or_default()
            .push(index);
    }
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let (mut indexed, mut keyed) = (Vec::new(), Vec::new());
    for table in objects
        .iter()
        .filter(|o| o.kind == "table" && wanted.contains(o.name.as_str()))
    {
        let of_table = index_rows
            .get(&table.name.to_lowercase())
            .map_or(&[][..], Vec::as_slice);
        let needs = needed(&table.sql, of_table);
        if needs.indexes {
            indexed.push(table.name.as_str());
        }
        if needs.keys {
            keyed.push(table.name.as_str());
        }
        let structure = Table {
            constraints: checks(&table.sql),
            ..Table::default()
        };
        tables.insert(table.name.clone(), structure);
    }
    let query = pragma_query(names, &indexed, &keyed);
    let rows: Vec<PragmaRow> = diesel::sql_query(query).load(conn)?;
    let mut keys: Vec<(String, i64, String)> = Vec::new();
    let (mut index_columns, mut key_columns) = (Vec::new(), Vec::new());
    for r in rows {
        match r.kind.as_str() {
            "column" => {
                if r.n2 > 0 {
                    keys.push((r.table_name.clone(), r.n2, r.name.clone()));
                }
                if let Some(t) = tables.get_mut(&r.table_name) {
                    t.columns.push(Column {
                        data_type: r.a.to_lowercase(),
                        // A primary key column is NOT NULL whatever the declaration says.
                        nullable: r.n1 == 0 && r.n2 == 0,
                        default: r.b.as_deref().map(normalise_sql),
                        name: r.name,
                    });
                }
            }
            "index" => index_columns.push(r),
            _ => key_columns.push(r),
        }
    }
    keys.sort();
    for (table, _, column) in keys {
        if let Some(t) = tables.get_mut(&table) {
            t.primary_key.push(column);
        }
    }
    let same_index =
        |a: &PragmaRow, b: &PragmaRow| a.table_name == b.table_name && a.name == b.name;
    for group in index_columns.chunk_by(same_index) {
        let first = &group[0];
        let columns: Vec<String> = group
            .iter()
            .map(|r| r.b.clone().unwrap_or_default())
            .collect();
        let Some(t) = tables.get_mut(&first.table_name) else {
            continue;
        };
        match first.a.as_str() {
            "pk" => {}
            // UNIQUE in the table definition: its index name is generated.
            "u" => {
                let definition = format!("UNIQUE ({})", columns.join(", "));
                t.constraints.insert(definition.clone(), definition);
            }
            _ => {
                let sql = index_sql.get(first.name.as_str()).copied().unwrap_or("");
                t.indexes.insert(
                    first.name.clone(),
                    Index {
                        columns,
                        unique: first.n1 != 0,
                        predicate: where_clause(sql),
                    },
                );
            }
        }
    }
    let same_key = |a: &PragmaRow, b: &PragmaRow| a.table_name == b.table_name && a.n1 == b.n1;
    for group in key_columns.chunk_by(same_key) {
        let first = &group[0];
        let from: Vec<&str> = group.iter().map(|k| k.a.as_str()).collect();
        let to: Vec<&str> = group.iter().map(|k| k.b.as_deref().unwrap_or("")).collect();
        let mut def = format!(
            "FOREIGN KEY ({}) REFERENCES {} ({})",
            from.join(", "),
            first.name,
            to.join(", ")
        );
        for (what, action) in [("UPDATE", &first.c), ("DELETE", &first.d)] {
            if action != "NO ACTION" {
                def.push_str(&format!(" ON {what} {action}"));
            }
        }
        if let Some(t) = tables.get_mut(&first.table_name) {
            t.constraints.insert(def.clone(), def);
        }
    }
    Ok(tables)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Tables read with the pragmas their SQL calls for come out as when every pragma
    /// of every table is read: keys and UNIQUE spelled every way SQLite takes them,
    /// automatic and explicit indexes, WITHOUT ROWID, a virtual table's shadow tables.
    #[test]
    fn the_pragmas_a_table_needs_read_what_all_of_them_read() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute(
            "CREATE TABLE plain (id INTEGER PRIMARY KEY, v TEXT);
             CREATE TABLE text_key (id TEXT PRIMARY KEY, v TEXT NOT NULL DEFAULT 'x');
             CREATE TABLE \"Mixed Case\" (id INTEGER PRIMARY KEY, code TEXT UnIqUe);
             CREATE TABLE pairs (a INT, b INT, c INT, PRIMARY KEY (a, b), UNIQUE (b, c)) WITHOUT ROWID;
             CREATE TABLE child (id INTEGER PRIMARY KEY, plain_id INT ReFeReNcEs plain (id) ON DELETE CASCADE,
                                 a INT, b INT, FOREIGN KEY (a, b) REFERENCES pairs (a, b));
             CREATE TABLE indexed (id INTEGER PRIMARY KEY, v TEXT, w TEXT);
             CREATE INDEX indexed_v ON indexed (v);
             CREATE UNIQUE INDEX indexed_w ON \"INDEXED\" (lower(w)) WHERE w IS NOT NULL;
             CREATE TABLE commented (id BIGINT PRIMARY KEY /* unique references */, v TEXT);
             ALTER TABLE plain ADD COLUMN other_id INT REFERENCES text_key (id);
             CREATE VIRTUAL TABLE docs USING fts5(body);",
        )
        .unwrap();
        let objects: Vec<MasterRow> =
            diesel::sql_query(format!("SELECT {MASTER_COLUMNS} FROM sqlite_master"))
                .load(&mut conn)
                .unwrap();
        let names: Vec<&str> = objects
            .iter()
            .filter(|o| o.kind == "table" && o.is_user_object())
            .map(|o| o.name.as_str())
            .collect();
        let every_pragma = |_: &str, _: &[&MasterRow]| PragmasNeeded {
            indexes: true,
            keys: true,
        };
        let needed = read_tables(&mut conn, &names, &objects).unwrap();
        let all = read_tables_with(&mut conn, &names, &objects, every_pragma).unwrap();
        assert_eq!(needed, all);
        // Not vacuous: keys, UNIQUE constraints and indexes were read.
        let keys = |t: &Table| {
            t.constraints
                .keys()
                .filter(|c| c.starts_with("FOREIGN KEY"))
                .count()
        };
        assert_eq!(keys(&all["child"]), 2, "{:?}", all["child"]);
        assert_eq!(keys(&all["plain"]), 1, "{:?}", all["plain"]);
        assert!(
            all["pairs"].constraints.contains_key("UNIQUE (b, c)"),
            "{:?}",
            all["pairs"]
        );
        assert_eq!(all["indexed"].indexes.len(), 2, "{:?}", all["indexed"]);
        assert!(
            !all["Mixed Case"].constraints.is_empty(),
            "{:?}",
            all["Mixed Case"]
        );
    }

    /// After each change, a snapshot read through the session's `Master` (rows by rowid,
    /// structures kept by definition) equals one read afresh: rows changed, deleted,
    /// added and their rowids reused.
    #[test]
    fn named_snapshots_read_by_rowid_match_a_whole_read() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let mut master = Master::default();
        let steps: [(&str, &[&str]); 14] = [
            (
                "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT CHECK (v <> ''))",
                &["a"],
            ),
            ("CREATE INDEX a_v ON a (v) WHERE v > 'm'", &["a_v", "a"]),
            (
                "CREATE TABLE b (id INTEGER PRIMARY KEY, x TEXT UNIQUE)",
                &["b"],
            ),
            ("DROP TABLE b", &["b"]),
            ("CREATE TABLE b (id INTEGER PRIMARY KEY)", &["b"]),
            (
                "CREATE TABLE c (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id))",
                &["c"],
            ),
            ("ALTER TABLE a ADD COLUMN w INTEGER DEFAULT 0", &["a"]),
            ("DROP INDEX a_v", &["a_v"]),
            ("CREATE VIEW cv AS SELECT * FROM c", &["cv", "c"]),
            (
                "CREATE TRIGGER ct AFTER INSERT ON c BEGIN SELECT 1; END",
                &["ct", "c"],
            ),
            ("DROP TABLE c", &["c"]),
            // Its shadow tables come and go with it, though nothing names them.
            ("CREATE VIRTUAL TABLE docs USING fts5(body)", &["docs"]),
            ("DROP TABLE docs", &["docs"]),
            // Takes a rowid the shadow tables had.
            ("CREATE TABLE e (id INTEGER PRIMARY KEY)", &["e"]),
        ];
        for (sql, named) in steps {
            conn.batch_execute(sql).unwrap();
            // Each scope names the step's objects and one untouched table.
            let names: BTreeSet<String> = named
                .iter()
                .chain(&["a"])
                .map(|n| (*n).to_owned())
                .collect();
            let scope = Scope::Named(&names);
            let mirrored = snapshot(&mut conn, scope, &mut master).unwrap();
            let whole = snapshot(&mut conn, scope, &mut Master::default()).unwrap();
            assert_eq!(mirrored, whole, "after {sql}");
        }
    }
}
