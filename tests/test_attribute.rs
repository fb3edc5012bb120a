//! `#[updown::test]`: each test gets a fresh database with the registered migrations
//! (1001 accounts, 1002 its name column, 1003 an audit log with one row) applied, and
//! the database is dropped after, on every backend.

use std::process::Command;

use updown::prelude::*;
use updown::testing::TestDatabase;
use updown_tests::{TestDb, databases};

#[path = "fixtures/migrations/add_account_name.rs"]
mod file_add_account_name;
#[path = "fixtures/migrations/create_accounts.rs"]
mod file_create_accounts;
#[path = "fixtures/migrations/create_audit_log.rs"]
mod file_create_audit_log;

#[derive(diesel::QueryableByName)]
struct Number {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn number(conn: &mut AnyConnection, sql: &str) -> i64 {
    use diesel::RunQueryDsl;
    let row: Number = diesel::sql_query(sql)
        .get_result(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    row.n
}

#[updown::test]
fn every_migration_is_applied(db: &mut Db) {
    assert_eq!(db.backend(), Backend::Sqlite);
    assert_eq!(number(db.conn(), "SELECT COUNT(*) AS n FROM audit_log"), 1);
    db.execute("INSERT INTO accounts (id, email, name) VALUES (7, 'x@example.com', 'X')")
        .unwrap();
}

#[updown::test(to = 1002)]
fn up_to_a_version(conn: &mut AnyConnection) {
    assert_eq!(number(conn, "SELECT COUNT(*) AS n FROM accounts"), 0);
    let audit_log = "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'audit_log'";
    assert_eq!(number(conn, audit_log), 0);
}

#[updown::test(skip_migrations = true)]
fn without_migrations(database: &mut TestDatabase) {
    let tables = "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'";
    assert_eq!(number(database.conn(), tables), 0);
}

#[updown::test(fixtures = ["tests/fixtures/sql/accounts.sql"])]
fn fixtures_run_after_the_migrations(db: &mut Db) -> Result<()> {
    assert_eq!(number(db.conn(), "SELECT COUNT(*) AS n FROM accounts"), 2);
    db.execute("DELETE FROM accounts WHERE id = 1")
}

/// Tests of the same name run apart: each has its own database.
#[updown::test(fixtures = ["tests/fixtures/sql/accounts.sql"])]
fn each_test_has_its_own_database(db: &mut Db) {
    assert_eq!(number(db.conn(), "SELECT COUNT(*) AS n FROM accounts"), 2);
}

// Run by `on_every_server` with UPDOWN_TEST_DATABASE_URL pointing at a server, both at
// once; ignored otherwise, since they would only see SQLite.

#[updown::test(fixtures = ["tests/fixtures/sql/accounts.sql"])]
#[ignore = "run by on_every_server"]
fn on_a_server(db: &mut Db) {
    assert_eq!(
        db.backend().name(),
        std::env::var("EXPECTED_BACKEND").unwrap()
    );
    assert_eq!(number(db.conn(), "SELECT COUNT(*) AS n FROM accounts"), 2);
    assert_eq!(number(db.conn(), "SELECT COUNT(*) AS n FROM audit_log"), 1);
}

#[updown::test]
#[ignore = "run by on_every_server"]
fn on_a_server_alongside(db: &mut Db) {
    assert_eq!(
        db.backend().name(),
        std::env::var("EXPECTED_BACKEND").unwrap()
    );
    assert_eq!(number(db.conn(), "SELECT COUNT(*) AS n FROM accounts"), 0);
}

#[updown::test]
#[ignore = "run by on_every_server"]
#[should_panic(expected = "the test failed")]
fn on_a_server_and_fails(db: &mut Db) {
    db.execute("INSERT INTO accounts (id, email) VALUES (1, 'a@example.com')")
        .unwrap();
    panic!("the test failed");
}

/// Databases the attribute made on the server and left behind.
fn left_behind(server: &TestDb) -> i64 {
    let sql = match server.backend {
        Backend::Postgres => {
            "SELECT COUNT(*) AS n FROM pg_database WHERE datname LIKE 'updown\\_test\\_attribute\\_%'"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'updown\\_test\\_attribute\\_%'"
        }
    };
    server.number(sql)
}

#[test]
fn on_every_server() {
    for server in databases()
        .into_iter()
        .filter(|d| d.backend != Backend::Sqlite)
    {
        let before = left_behind(&server);
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["on_a_server", "--ignored", "--test-threads=3"])
            .env("UPDOWN_TEST_DATABASE_URL", &server.url)
            .env("EXPECTED_BACKEND", server.backend.name())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{}:\n{stdout}\n{stderr}",
            server.backend
        );
        assert!(
            stdout.contains("3 passed"),
            "{}: all three ran:\n{stdout}",
            server.backend
        );
        assert_eq!(
            left_behind(&server),
            before,
            "{}: every test database is dropped, the failed test's too",
            server.backend
        );
    }
}
