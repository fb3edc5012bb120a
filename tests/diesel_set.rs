//! A realistic diesel migrations folder per backend (tests/fixtures/diesel/<backend>),
//! run by diesel_migrations' own runner: applied, reverted, re-applied, and every
//! migration's `down.sql` shown to undo its `up.sql` (schema and row counts).

use std::path::Path;

use diesel::backend::Backend;
use diesel::{Connection, QueryableByName, RunQueryDsl};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use updown_tests::{TestDb, databases, diesel_set};

const MIN_MIGRATIONS: usize = 40;

/// The migration folders of a set, as diesel sees them: directories not starting with `.`.
fn folders(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry"))
        .filter(|e| e.file_type().expect("file type").is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    out.sort();
    out
}

/// diesel's version of a folder: the part before the first `_`, dashes removed.
fn version(folder: &str) -> String {
    folder.split('_').next().unwrap_or("").replace('-', "")
}

/// The folders sorted as diesel sorts them (versions as strings), and the same
/// versions in numeric order, which differs.
fn check_folder_names(dir: &Path) -> Vec<String> {
    let names = folders(dir);
    assert!(
        names.len() >= MIN_MIGRATIONS,
        "{}: only {} migrations",
        dir.display(),
        names.len()
    );
    let mut by_string: Vec<String> = names.iter().map(|n| version(n)).collect();
    by_string.sort();
    let mut numbers: Vec<u64> = by_string
        .iter()
        .map(|v| {
            assert!(v.len() <= 18, "{v}: more than 18 digits");
            v.parse().unwrap_or_else(|e| panic!("{v}: {e}"))
        })
        .collect();
    let string_order: Vec<u64> = numbers.clone();
    numbers.sort();
    let before = numbers.len();
    numbers.dedup();
    assert_eq!(
        numbers.len(),
        before,
        "{}: duplicate versions",
        dir.display()
    );
    assert_ne!(
        string_order,
        numbers,
        "{}: the string order of versions should differ from their numeric order",
        dir.display()
    );
    for needed in [8, 14, 16, 18] {
        assert!(
            by_string.iter().any(|v| v.len() == needed),
            "{}: no {needed}-digit version",
            dir.display()
        );
    }
    assert!(names.iter().any(|n| n.contains(' ')), "no name with spaces");
    assert!(
        names
            .iter()
            .any(|n| n.split('_').next().is_some_and(|v| v.contains('-'))),
        "no dashed version"
    );
    by_string
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    s: String,
}

fn lines(db: &TestDb, sql: &str) -> Vec<String> {
    diesel::sql_query(sql)
        .load::<Line>(&mut db.connect())
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|l| l.s)
        .collect()
}

const PG_SCHEMA: &str = "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())";

/// The application's tables (diesel's bookkeeping table left out).
fn app_tables(db: &TestDb) -> Vec<String> {
    let sql = match db.backend {
        updown::Backend::Sqlite => "SELECT name AS s FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations'"
            .to_owned(),
        updown::Backend::Postgres => "SELECT tablename::text AS s FROM pg_tables \
             WHERE schemaname = current_schema() AND tablename <> '__diesel_schema_migrations'"
            .to_owned(),
        updown::Backend::Mysql => {
            "SELECT CAST(TABLE_NAME AS CHAR) AS s FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' \
             AND TABLE_NAME <> '__diesel_schema_migrations'"
                .to_owned()
        }
        other => panic!("{other} has no diesel set"),
    };
    let mut out = lines(db, &sql);
    out.sort();
    out
}

/// Everything a down must restore, one line per fact, sorted: tables, columns (type,
/// nullability, default), indexes, constraints, views, types, functions, triggers,
/// sequences, and the row count of every table.
fn fingerprint(db: &TestDb) -> Vec<String> {
    let queries: Vec<String> = match db.backend {
        updown::Backend::Sqlite => vec![
            "SELECT type || ' ' || name || ' ' || tbl_name || ' ' || coalesce(sql, '') AS s \
             FROM sqlite_master WHERE tbl_name <> '__diesel_schema_migrations'"
                .into(),
            "SELECT 'col ' || m.name || '.' || p.name || ' ' || p.type || ' ' || p.\"notnull\" \
             || ' ' || coalesce(p.dflt_value, '-') || ' ' || p.pk AS s \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type IN ('table', 'view') AND m.name <> '__diesel_schema_migrations'"
                .into(),
            "SELECT 'idx ' || m.name || ' ' || i.name || ' ' || i.\"unique\" || ' ' || i.origin \
             || ' ' || i.partial AS s \
             FROM sqlite_master m JOIN pragma_index_list(m.name) i \
             WHERE m.type = 'table' AND m.name <> '__diesel_schema_migrations'"
                .into(),
            "SELECT 'fk ' || m.name || ' ' || f.\"from\" || ' ' || f.\"table\" || ' ' \
             || coalesce(f.\"to\", '-') || ' ' || f.on_update || ' ' || f.on_delete AS s \
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
             WHERE m.type = 'table' AND m.name <> '__diesel_schema_migrations'"
                .into(),
        ],
        updown::Backend::Postgres => vec![
            "SELECT 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' \
             || udt_name || ' ' || coalesce(character_maximum_length::text, '-') || ' ' \
             || is_nullable || ' ' || coalesce(column_default, '-') AS s \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name <> '__diesel_schema_migrations'"
                .into(),
            format!(
                "SELECT 'con ' || conrelid::regclass::text || ' ' || conname || ' ' \
                 || pg_get_constraintdef(oid) AS s FROM pg_constraint \
                 WHERE connamespace = {PG_SCHEMA} \
                 AND conrelid::regclass::text <> '__diesel_schema_migrations'"
            ),
            "SELECT 'idx ' || tablename || ' ' || indexname || ' ' || indexdef AS s \
             FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename <> '__diesel_schema_migrations'"
                .into(),
            "SELECT 'view ' || viewname || ' ' || definition AS s FROM pg_views \
             WHERE schemaname = current_schema()"
                .into(),
            format!(
                "SELECT 'type ' || t.typname || ' ' || t.typtype::text || ' ' || coalesce((SELECT \
                 string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e \
                 WHERE e.enumtypid = t.oid), '') AS s FROM pg_type t \
                 WHERE t.typnamespace = {PG_SCHEMA} AND t.typtype IN ('e', 'd', 'r', 'm')"
            ),
            format!(
                "SELECT 'fn ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) \
                 || ') ' || md5(pg_get_functiondef(p.oid)) AS s FROM pg_proc p \
                 WHERE p.pronamespace = {PG_SCHEMA}"
            ),
            "SELECT 'trg ' || tgrelid::regclass::text || ' ' || tgname || ' ' \
             || pg_get_triggerdef(oid) AS s FROM pg_trigger WHERE NOT tgisinternal"
                .into(),
            "SELECT 'seq ' || sequencename || ' ' || data_type::text || ' ' || start_value \
             || ' ' || increment_by AS s FROM pg_sequences WHERE schemaname = current_schema()"
                .into(),
        ],
        updown::Backend::Mysql => vec![
            "SELECT CONCAT_WS(' ', 'col', TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, \
             IFNULL(COLUMN_DEFAULT, '-'), EXTRA, IFNULL(COLLATION_NAME, '-')) AS s \
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_NAME <> '__diesel_schema_migrations'"
                .into(),
            "SELECT CONCAT_WS(' ', 'table', TABLE_NAME, TABLE_TYPE, IFNULL(ENGINE, '-'), \
             IFNULL(TABLE_COLLATION, '-')) AS s FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> '__diesel_schema_migrations'"
                .into(),
            "SELECT CONCAT_WS(' ', 'idx', TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, \
             COLUMN_NAME, IFNULL(SUB_PART, '-'), INDEX_TYPE) AS s \
             FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_NAME <> '__diesel_schema_migrations'"
                .into(),
            "SELECT CONCAT_WS(' ', 'con', TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE) AS s \
             FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_NAME <> '__diesel_schema_migrations'"
                .into(),
            "SELECT CONCAT_WS(' ', 'fk', k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, \
             k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE) AS s \
             FROM information_schema.KEY_COLUMN_USAGE k \
             JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
             ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
             AND r.TABLE_NAME = k.TABLE_NAME WHERE k.TABLE_SCHEMA = DATABASE()"
                .into(),
            "SELECT CONCAT_WS(' ', 'chk', CONSTRAINT_NAME, CHECK_CLAUSE) AS s \
             FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"
                .into(),
            "SELECT CONCAT_WS(' ', 'view', TABLE_NAME, VIEW_DEFINITION) AS s \
             FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()"
                .into(),
            "SELECT CONCAT_WS(' ', 'trg', TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, \
             EVENT_MANIPULATION, ACTION_STATEMENT) AS s \
             FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"
                .into(),
            "SELECT CONCAT_WS(' ', 'routine', ROUTINE_NAME, ROUTINE_TYPE, \
             IFNULL(ROUTINE_DEFINITION, '-')) AS s \
             FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"
                .into(),
        ],
        other => panic!("{other} has no diesel set"),
    };
    let mut out: Vec<String> = queries.iter().flat_map(|q| lines(db, q)).collect();
    for table in app_tables(db) {
        out.push(format!("rows {table} {}", db.count(&table)));
    }
    out.sort();
    out
}

fn diff(before: &[String], after: &[String]) -> String {
    let mut out = String::new();
    for l in before.iter().filter(|l| !after.contains(l)) {
        out.push_str(&format!("\n  - {l}"));
    }
    for l in after.iter().filter(|l| !before.contains(l)) {
        out.push_str(&format!("\n  + {l}"));
    }
    out
}

/// Objects the first full run must have made, checked in the catalog, and the audit
/// trigger seen to work.
fn check_characteristic_objects(db: &TestDb) {
    let one = |sql: &str| assert_eq!(db.number(sql), 1, "{:?}: {sql}", db.backend);
    match db.backend {
        updown::Backend::Postgres => {
            one(
                "SELECT COUNT(*) AS n FROM pg_type WHERE typname = 'task_status' AND typtype = 'e'",
            );
            one("SELECT COUNT(*) AS n FROM information_schema.columns \
                 WHERE table_name = 'tasks' AND column_name = 'status' AND udt_name = 'task_status'");
            one("SELECT COUNT(*) AS n FROM pg_trigger WHERE tgname = 'tasks_audit_delete'");
            one("SELECT COUNT(*) AS n FROM pg_trigger \
                 WHERE tgname = 'set_updated_at' AND tgrelid = 'users'::regclass");
            one("SELECT COUNT(*) AS n FROM pg_proc WHERE proname = 'diesel_manage_updated_at'");
            one("SELECT COUNT(*) AS n FROM pg_proc WHERE proname = 'project_open_task_count'");
            one("SELECT COUNT(*) AS n FROM pg_views WHERE viewname = 'project_task_counts'");
            one("SELECT COUNT(*) AS n FROM pg_sequences WHERE sequencename = 'task_number_seq'");
            one(
                "SELECT COUNT(*) AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
                 WHERE c.relname = 'comments_author_id_idx' AND i.indisvalid",
            );
            one("SELECT COUNT(*) AS n FROM pg_indexes \
                 WHERE indexname = 'tasks_open_due_on_idx' AND indexdef LIKE '%WHERE%'");
        }
        updown::Backend::Sqlite => {
            one("SELECT COUNT(*) AS n FROM sqlite_master \
                 WHERE type = 'trigger' AND name = 'tasks_audit_delete'");
            one("SELECT COUNT(*) AS n FROM sqlite_master \
                 WHERE type = 'trigger' AND name = 'users_set_updated_at'");
            one("SELECT COUNT(*) AS n FROM sqlite_master \
                 WHERE type = 'view' AND name = 'project_task_counts'");
            one("SELECT COUNT(*) AS n FROM sqlite_master \
                 WHERE name = 'invitations' AND sql LIKE '%CHECK (role IN%'");
            one("SELECT COUNT(*) AS n FROM sqlite_master \
                 WHERE type = 'index' AND name = 'invitations_pending_team_id_idx'");
        }
        updown::Backend::Mysql => {
            one("SELECT COUNT(*) AS n FROM information_schema.TRIGGERS \
                 WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME = 'tasks_audit_delete'");
            one("SELECT COUNT(*) AS n FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tasks' \
                 AND COLUMN_NAME = 'status' AND DATA_TYPE = 'enum'");
            one("SELECT COUNT(*) AS n FROM information_schema.VIEWS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'project_task_counts'");
            one("SELECT COUNT(*) AS n FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'tasks' AND ENGINE = 'InnoDB'");
        }
        other => panic!("{other} has no diesel set"),
    }
    for table in [
        "users",
        "teams",
        "tasks",
        "audit_events",
        "team_settings",
        "milestone_watchers",
    ] {
        assert!(db.table_exists(table), "{:?}: {table} missing", db.backend);
    }
    assert!(
        !db.table_exists("audit_log"),
        "{:?}: audit_log not renamed",
        db.backend
    );
    assert_eq!(db.count("settings"), 5, "{:?}: seeded settings", db.backend);

    // Some data, left in place for the reverts: deleting a task is audited.
    let mut conn = db.connect();
    for sql in [
        "INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada')",
        "INSERT INTO teams (name, created_by) VALUES ('Core', 1)",
        "INSERT INTO memberships (team_id, user_id, role) VALUES (1, 1, 'owner')",
        "INSERT INTO projects (team_id, name) VALUES (1, 'Launch')",
        "INSERT INTO tasks (project_id, title, assignee_id) VALUES (1, 'Write docs', 1)",
        "INSERT INTO tasks (project_id, title, assignee_id) VALUES (1, 'Ship it', 1)",
        "DELETE FROM tasks WHERE title = 'Ship it'",
    ] {
        diesel::sql_query(sql)
            .execute(&mut conn)
            .unwrap_or_else(|e| panic!("{:?}: {sql}: {e}", db.backend));
    }
    assert_eq!(
        db.number("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'task.deleted'"),
        1,
        "{:?}: the delete trigger did not write the audit row",
        db.backend
    );
}

/// The whole exercise on one backend, through diesel's own harness.
fn exercise<DB, C>(db: &TestDb, conn: &mut C)
where
    DB: Backend,
    C: MigrationHarness<DB>,
{
    let dir = diesel_set(db.backend);
    let versions = check_folder_names(&dir);
    let source = || FileBasedMigrations::from_path(&dir).expect("a valid migrations folder");
    let who = format!("{:?}", db.backend);
    let empty = fingerprint(db);

    // diesel orders its pending migrations as strings.
    let pending: Vec<String> = conn
        .pending_migrations(source())
        .unwrap_or_else(|e| panic!("{who}: pending: {e}"))
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    assert_eq!(pending, versions, "{who}: diesel's order");

    let applied = conn
        .run_pending_migrations(source())
        .unwrap_or_else(|e| panic!("{who}: first run: {e}"))
        .len();
    assert_eq!(applied, versions.len(), "{who}: first run");
    assert!(applied >= MIN_MIGRATIONS);
    check_characteristic_objects(db);

    let reverted = conn
        .revert_all_migrations(source())
        .unwrap_or_else(|e| panic!("{who}: revert all: {e}"))
        .len();
    assert_eq!(reverted, applied, "{who}: revert all");
    assert_eq!(app_tables(db), Vec::<String>::new(), "{who}: tables left");
    let left = fingerprint(db);
    assert!(
        left == empty,
        "{who}: revert all left{}",
        diff(&empty, &left)
    );

    let again = conn
        .run_pending_migrations(source())
        .unwrap_or_else(|e| panic!("{who}: second run: {e}"))
        .len();
    assert_eq!(again, applied, "{who}: second run");

    // One at a time: up, down (schema and row counts as before), up again.
    conn.revert_all_migrations(source())
        .unwrap_or_else(|e| panic!("{who}: revert all again: {e}"));
    let migrations = conn
        .pending_migrations(source())
        .unwrap_or_else(|e| panic!("{who}: pending: {e}"));
    assert_eq!(migrations.len(), applied);
    for m in &migrations {
        let name = m.name().to_string();
        let before = fingerprint(db);
        conn.run_migration(m.as_ref())
            .unwrap_or_else(|e| panic!("{who}: {name} up: {e}"));
        let after_up = fingerprint(db);
        assert!(after_up != before, "{who}: {name} up changed nothing");
        conn.revert_migration(m.as_ref())
            .unwrap_or_else(|e| panic!("{who}: {name} down: {e}"));
        let after_down = fingerprint(db);
        assert!(
            after_down == before,
            "{who}: {name}: down does not undo up:{}",
            diff(&before, &after_down)
        );
        conn.run_migration(m.as_ref())
            .unwrap_or_else(|e| panic!("{who}: {name} up again: {e}"));
        assert!(
            fingerprint(db) == after_up,
            "{who}: {name}: re-applied differently"
        );
    }
    let pending = conn
        .pending_migrations(source())
        .unwrap_or_else(|e| panic!("{who}: pending: {e}"));
    assert!(
        pending.is_empty(),
        "{who}: still pending after the one-by-one pass"
    );
}

#[test]
fn diesel_runs_reverts_and_reruns_each_backends_migration_set() {
    for db in databases() {
        match db.backend {
            updown::Backend::Sqlite => {
                let path = db.url.trim_start_matches("sqlite://");
                let mut conn = diesel::SqliteConnection::establish(path).expect("open SQLite");
                // As applications usually run SQLite: with foreign keys enforced.
                diesel::sql_query("PRAGMA foreign_keys = ON")
                    .execute(&mut conn)
                    .expect("foreign keys on");
                exercise(&db, &mut conn);
            }
            #[cfg(feature = "postgres")]
            updown::Backend::Postgres => {
                let mut conn = diesel::PgConnection::establish(&db.url)
                    .unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
                exercise(&db, &mut conn);
            }
            #[cfg(feature = "mysql")]
            updown::Backend::Mysql => {
                let mut conn = diesel::MysqlConnection::establish(&db.url)
                    .unwrap_or_else(|e| panic!("MySQL: {e}"));
                exercise(&db, &mut conn);
            }
            other => panic!("{other} is not compiled into the tests"),
        }
    }
}

#[test]
fn every_set_orders_versions_as_strings_not_numbers() {
    for backend in [
        updown::Backend::Sqlite,
        updown::Backend::Postgres,
        updown::Backend::Mysql,
    ] {
        let dir = diesel_set(backend);
        let versions = check_folder_names(&dir);
        // A migration with an 8-digit version that needs a table created by a
        // 14-digit one: later as a string, earlier as a number.
        let watchers = versions.iter().position(|v| v == "20230612");
        let milestones = versions.iter().position(|v| v == "20230611093000");
        assert!(
            matches!((milestones, watchers), (Some(m), Some(w)) if m < w),
            "{backend:?}: 20230611093000 should sort before 20230612"
        );
        let number = |v: &str| v.parse::<u64>().expect("numeric version");
        assert!(number("20230612") < number("20230611093000"));
        let pair = ["20230901120000", "202309011200000000"];
        assert!(
            pair.iter().all(|p| versions.iter().any(|v| v == p)),
            "{backend:?}: -0000 pair"
        );
        for stray in ["README.md", ".keep", ".archive/up.sql"] {
            assert!(dir.join(stray).is_file(), "{backend:?}: {stray} missing");
        }
    }
}

/// Applied in numeric order instead, the SQLite set breaks at its first 8-digit
/// migration: the table it needs comes from a numerically larger version.
#[test]
fn the_sqlite_set_fails_in_numeric_order() {
    use diesel::connection::SimpleConnection;

    let dir = diesel_set(updown::Backend::Sqlite);
    let mut names = folders(&dir);
    names.sort_by_key(|n| version(n).parse::<u64>().expect("numeric version"));
    let mut conn = diesel::SqliteConnection::establish(":memory:").expect("in-memory SQLite");
    let failed = names.iter().find(|name| {
        let sql = std::fs::read_to_string(dir.join(name).join("up.sql")).expect("up.sql");
        conn.batch_execute(&sql).is_err()
    });
    assert_eq!(
        failed.map(String::as_str),
        Some("20230612_create_milestone_watchers"),
        "numeric order should fail first at the 8-digit migration needing milestones"
    );
}
