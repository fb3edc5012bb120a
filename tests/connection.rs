//! A migrator on a connection the application holds, and the rows a run writes: in the
//! order it ran, whether they go with each body (PostgreSQL, one round trip), after the
//! steps (SQLite, inside the run's transaction) or one by one (MySQL).

use diesel::connection::SimpleConnection;
use updown::{
    Backend, Error, HistoryAction, MigrateOptions, Migration, Migrator, Outcome, Registry,
    RollbackOptions,
};
use updown_tests::{TestDb, connect_url, databases};

fn migrator(db: &TestDb, list: Vec<Migration>) -> Migrator {
    Migrator::new(Registry::from_migrations(list).unwrap(), &db.url).unwrap()
}

#[test]
fn a_migrator_given_the_applications_connection_runs_every_command_on_it() {
    for db in databases() {
        let mut conn = db.connect();
        // Only this connection sees a temporary table: a migration reading it proves
        // that it ran here, and the session SQL adding a row proves it ran once.
        conn.batch_execute("CREATE TEMPORARY TABLE app_marker (x INT)")
            .unwrap();
        conn.batch_execute("INSERT INTO app_marker VALUES (7)")
            .unwrap();
        let copy = Migration::sql(
            1,
            "copy_marker",
            "CREATE TABLE copied AS SELECT x FROM app_marker",
            Some("DROP TABLE copied"),
        );
        let migrator = migrator(&db, vec![copy])
            .session_sql(vec!["INSERT INTO app_marker VALUES (8)".into()])
            .with_connection(conn);
        assert_eq!(
            migrator.status().unwrap().summary().pending,
            1,
            "{}",
            db.backend
        );
        let report = migrator
            .migrate(&MigrateOptions::default(), &mut |_| {})
            .unwrap();
        assert_eq!(report.steps.len(), 1, "{}", db.backend);
        assert_eq!(
            migrator.status().unwrap().summary().applied,
            1,
            "{}",
            db.backend
        );
        let noop = migrator
            .migrate(&MigrateOptions::default(), &mut |_| {})
            .unwrap();
        assert!(noop.steps.is_empty(), "{}", db.backend);

        let mut conn = migrator
            .into_connection()
            .expect("the connection given back");
        // Given back with no transaction open: its own writes commit.
        conn.batch_execute("INSERT INTO app_marker VALUES (9)")
            .unwrap();
        assert_eq!(
            db.number("SELECT COUNT(*) AS n FROM copied"),
            2,
            "{}: the table was copied from the application's connection, session SQL run once",
            db.backend
        );
        let mut seen = connect_url(db.backend, &db.url);
        assert!(
            seen.batch_execute("SELECT x FROM app_marker").is_err(),
            "{}: another connection does not see the temporary table",
            db.backend
        );
    }
}

#[test]
fn a_migrator_keeping_its_connection_uses_one_for_every_command() {
    let Some(db) = databases()
        .into_iter()
        .find(|db| db.backend == Backend::Postgres)
    else {
        return;
    };
    let list = vec![Migration::sql(
        1,
        "create_t",
        "CREATE TABLE t (x INT)",
        Some("DROP TABLE t"),
    )];
    let sessions = "SELECT COUNT(*) AS n FROM pg_stat_activity \
                    WHERE datname = current_database() AND application_name = 'updown'";
    let migrator = migrator(&db, list).keep_connection();
    migrator.status().unwrap();
    migrator
        .migrate(&MigrateOptions::default(), &mut |_| {})
        .unwrap();
    migrator.status().unwrap();
    migrator.history().unwrap();
    assert_eq!(
        db.number(sessions),
        1,
        "one connection kept for four commands"
    );
    drop(migrator);
    db.wait_for_dead_sessions()
        .expect("the connection closed with the migrator");
    assert_eq!(db.number(sessions), 0);
}

#[test]
fn a_connection_to_another_backend_is_refused_naming_both() {
    for db in databases()
        .into_iter()
        .filter(|db| db.backend != Backend::Sqlite)
    {
        let sqlite = updown_tests::sqlite();
        let list = vec![Migration::sql(
            1,
            "create_t",
            "CREATE TABLE t (x INT)",
            Some("DROP TABLE t"),
        )];
        let migrator = migrator(&db, list).with_connection(sqlite.connect());
        let error = migrator.status().unwrap_err();
        assert!(matches!(error, Error::Connect { .. }), "{error:?}");
        let text = error.to_string();
        assert!(
            text.contains("the connection given to the migrator is to SQLite")
                && text.contains(db.backend.name()),
            "{text}"
        );
    }
}

#[test]
fn a_runs_rows_are_in_the_order_it_ran_and_its_failure_comes_last() {
    for db in databases() {
        let ok = |v: i64| {
            Migration::sql(
                v,
                format!("create_t{v}"),
                format!("CREATE TABLE t{v} (x INT)"),
                Some(format!("DROP TABLE t{v}")),
            )
        };
        let failing = Migration::sql(
            4,
            "reads_nothing",
            "SELECT x FROM no_such_table",
            Some("SELECT 1"),
        );
        let migrator = migrator(&db, vec![ok(1), ok(2), ok(3), failing]);
        let error = migrator
            .migrate(&MigrateOptions::default(), &mut |_| {})
            .unwrap_err();
        assert!(matches!(error, Error::MigrationFailed(_)), "{error:?}");
        let status = migrator.status().unwrap();
        let applied: Vec<i64> = status
            .migrations
            .iter()
            .filter(|m| m.state == updown::State::Applied)
            .map(|m| m.version)
            .collect();
        assert_eq!(applied, [1, 2, 3], "{}", db.backend);
        let history: Vec<(i64, HistoryAction, Outcome)> = migrator
            .history()
            .unwrap()
            .into_iter()
            .map(|h| (h.version, h.action, h.outcome))
            .collect();
        use HistoryAction::Apply;
        assert_eq!(
            history,
            [
                (1, Apply, Outcome::Ok),
                (2, Apply, Outcome::Ok),
                (3, Apply, Outcome::Ok),
                (4, Apply, Outcome::Failed),
            ],
            "{}",
            db.backend
        );
        assert!(db.table_exists("t3") && !db.table_exists("no_such_table"));
    }
}

#[test]
fn recorded_text_keeps_quotes_and_backslashes_and_times_are_utc() {
    const NOTE: &str = r"drops Bob's table \ and its rows \\ 'quoted'";
    for db in databases() {
        let m = Migration::sql(
            7,
            "drops_things",
            "CREATE TABLE doomed (x INT)",
            Some("DROP TABLE doomed"),
        )
        .with_destructive(NOTE);
        let migrator = migrator(&db, vec![m]);
        migrator
            .migrate(&MigrateOptions::default(), &mut |_| {})
            .unwrap();
        migrator
            .rollback(&RollbackOptions::default(), &mut |_| {})
            .unwrap();
        let history = migrator.history().unwrap();
        let steps: Vec<_> = history
            .iter()
            .filter(|h| h.action != HistoryAction::Postflight)
            .collect();
        assert_eq!(steps.len(), 2, "{}: {history:?}", db.backend);
        assert_eq!(steps[0].action, HistoryAction::Apply);
        assert_eq!(steps[0].note.as_deref(), Some(NOTE), "{}", db.backend);
        assert_eq!(steps[1].action, HistoryAction::Rollback);
        assert_eq!(steps[1].note, None);
        for h in &steps {
            assert_eq!(h.batch, Some(1), "{}", db.backend);
            assert!(h.duration_ms >= 0);
            // 2026-12-02T19:10:03.606Z
            let at = h.at.as_bytes();
            assert!(
                at.len() == 24 && at[10] == b'T' && at[19] == b'.' && at[23] == b'Z',
                "{}: {}",
                db.backend,
                h.at
            );
        }
        assert!(migrator.status().unwrap().summary().applied == 0);
        assert!(!db.table_exists("doomed"));
    }
}
