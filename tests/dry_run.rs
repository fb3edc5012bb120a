//! `migrate --dry-run` and `rollback --dry-run`: the SQL each migration runs, every
//! statement captured (the query builder's too), and nothing changed.

use updown::snapshot::Snapshot;
use updown_tests::{TestDb, bin, databases};

/// Everything a dry run must leave as it was: schema, row counts, updown's tables.
#[derive(Debug, PartialEq)]
struct Everything {
    schema: Snapshot,
    rows: Vec<(String, i64)>,
    status: serde_json::Value,
    history: serde_json::Value,
}

fn everything(db: &TestDb) -> Everything {
    let schema = updown::snapshot::read(&db.url).expect("snapshot");
    let rows = schema
        .tables
        .keys()
        .map(|t| (t.clone(), db.count(t)))
        .collect();
    Everything {
        schema,
        rows,
        status: db
            .run(bin!("app_typed"), &["status", "--format", "json"])
            .expect(0)
            .json(),
        history: db.history_json(bin!("app_typed")),
    }
}

#[test]
fn migrate_dry_run_prints_every_statement_and_changes_nothing() {
    for db in databases().into_iter().filter(|d| d.rolls_back_ddl()) {
        db.run(bin!("app_typed"), &["migrate", "--to", "1001"])
            .expect(0);
        let before = everything(&db);
        let run = db.run(bin!("app_typed"), &["migrate", "--dry-run"]);
        run.expect(0).stdout_has(&[
            "-- apply 1002 add_account_name\nALTER TABLE accounts ADD COLUMN name VARCHAR(100);\n",
            "-- apply 1003 create_audit_log\nCREATE TABLE audit_log",
            "INSERT INTO audit_log (id, message) VALUES (1, 'created');",
            "-- apply 1004 typed_backfill\nINSERT INTO",
            "-- binds: [9, \"nine@example.com\"]",
            "-- dry run: 3 migrations would be applied; nothing was changed",
        ]);
        assert!(
            run.stderr.is_empty(),
            "a dry run reported progress: {}",
            run.stderr
        );
        assert_eq!(
            before,
            everything(&db),
            "{:?}: the dry run changed the database",
            db.backend
        );
    }
}

#[test]
fn rollback_dry_run_prints_the_downs_and_changes_nothing() {
    for db in databases().into_iter().filter(|d| d.rolls_back_ddl()) {
        db.run(bin!("app_typed"), &["migrate"]).expect(0);
        let before = everything(&db);
        db.run(
            bin!("app_typed"),
            &[
                "--env",
                "production",
                "rollback",
                "--steps",
                "2",
                "--dry-run",
            ],
        )
        .expect(0)
        .stdout_has(&[
            "-- rollback 1004 typed_backfill\nDELETE FROM",
            "-- rollback 1003 create_audit_log\nDROP TABLE audit_log;",
            "-- dry run: 2 migrations would be rolled back; nothing was changed",
        ]);
        assert_eq!(
            before,
            everything(&db),
            "{:?}: the dry run changed the database",
            db.backend
        );
    }
}

#[test]
fn a_failing_migration_fails_its_dry_run_and_leaves_no_trace() {
    for db in databases().into_iter().filter(|d| d.rolls_back_ddl()) {
        db.run(bin!("app_failing"), &["migrate", "--to", "1003"])
            .expect(0);
        let history = db.history_json(bin!("app_failing"));
        db.run(bin!("app_failing"), &["migrate", "--dry-run"])
            .expect(2)
            .stderr_has(&[
                "migration 1004 seed_accounts failed",
                "INSERT INTO no_such_table",
            ]);
        assert!(!db.table_exists("seeded"));
        let after = db.history_json(bin!("app_failing"));
        assert_eq!(history, after, "the dry run's failure was recorded");
    }
}

#[test]
fn on_mysql_sql_migrations_are_listed_and_rust_ones_refused() {
    for db in databases().into_iter().filter(|d| !d.rolls_back_ddl()) {
        db.run(bin!("app_typed"), &["migrate", "--dry-run"]).expect(5).stderr_has(&[
            "a dry run cannot rehearse the Rust migrations 1001 create_accounts, 1003 create_audit_log, 1004 typed_backfill",
            "commits DDL implicitly",
        ]);
        assert!(
            !db.table_exists("updown_migrations"),
            "the refused dry run created tables"
        );

        db.run(bin!("app_typed"), &["migrate", "--to", "1001"])
            .expect(0);
        let before = everything(&db);
        db.run(bin!("app_typed"), &["migrate", "--dry-run", "--to", "1002"])
            .expect(0)
            .stdout_has(&[
                "-- apply 1002 add_account_name (not run: it cannot run inside a transaction; its SQL as written)",
                "ALTER TABLE accounts ADD COLUMN name VARCHAR(100);",
            ]);
        assert_eq!(before, everything(&db));
    }
}

#[test]
fn a_dry_run_with_format_json_is_one_document_listing_each_migration_s_statements() {
    let db = updown_tests::sqlite();
    let doc = db
        .run(bin!("app"), &["migrate", "--dry-run", "--format", "json"])
        .expect(0)
        .json();
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["command"], "migrate");
    let migrations = doc["migrations"].as_array().unwrap();
    let versions: Vec<i64> = migrations
        .iter()
        .map(|m| m["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1001, 1002, 1003]);
    assert!(
        migrations[0]["statements"][0]
            .as_str()
            .unwrap()
            .starts_with("CREATE TABLE accounts"),
        "{doc:#}"
    );
    assert!(!db.table_exists("accounts"), "a dry run changed nothing");
}
