//! `migrate` and `status` end to end: the fixture binaries run as a user runs their own.

use updown_tests::{bin, databases, states};

#[test]
fn status_of_a_new_database_lists_everything_pending_and_writes_nothing() {
    for db in databases() {
        db.run(bin!("app"), &["status"]).expect(0).stdout_has(&[
            "create_accounts",
            "pending",
            "3 migrations: 0 applied, 3 pending",
        ]);
        assert!(
            !db.table_exists("updown_migrations"),
            "{:?}: status created tables",
            db.backend
        );
    }
}

#[test]
fn migrate_applies_every_pending_migration_as_one_batch() {
    for db in databases() {
        db.run(bin!("app"), &["migrate"])
            .expect(0)
            .stdout_has(&["applied 3 migrations as batch 1"])
            .stderr_has(&[
                "applied      1001 create_accounts",
                "applied      1003 create_audit_log",
            ]);
        assert!(db.table_exists("accounts") && db.table_exists("audit_log"));
        assert_eq!(db.count("audit_log"), 1);

        let status = db
            .run(bin!("app"), &["status", "--format", "json"])
            .expect(0)
            .json();
        for m in status["migrations"].as_array().unwrap() {
            assert_eq!(m["state"], "applied", "{m}");
            assert_eq!(m["batch"], 1, "{m}");
            assert_eq!(m["checksum"].as_str().unwrap().len(), 64, "{m}");
        }
        assert_eq!(status["summary"]["applied"], 3);

        db.run(bin!("app"), &["migrate"])
            .expect(0)
            .stdout_has(&["nothing to apply"]);
        let history = db.history_json(bin!("app"));
        let applies = history["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["action"] == "apply")
            .count();
        assert_eq!(
            applies, 3,
            "a second migrate must not apply anything: {history}"
        );
    }
}

#[test]
fn migrate_to_stops_at_that_version_and_the_rest_is_a_new_batch() {
    for db in databases() {
        db.run(bin!("app"), &["migrate", "--to", "1002"])
            .expect(0)
            .stdout_has(&["applied 2 migrations"]);
        assert_eq!(
            db.states(bin!("app")),
            states(&[(1001, "applied"), (1002, "applied"), (1003, "pending")])
        );
        db.run(bin!("app"), &["migrate"])
            .expect(0)
            .stdout_has(&["applied 1 migration as batch 2"]);
        db.run(bin!("app"), &["migrate", "--to", "42"])
            .expect(5)
            .stderr_has(&["no migration has version 42"]);
    }
}

#[test]
fn status_and_history_json_have_the_documented_shape() {
    for db in databases() {
        db.run(bin!("app"), &["migrate", "--to", "1001"]).expect(0);
        let status = db
            .run(bin!("app"), &["status", "--format", "json"])
            .expect(0)
            .json();
        let keys = |v: &serde_json::Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(
            keys(&status),
            ["database", "migrations", "schema_checksum", "summary"]
        );
        assert_eq!(
            keys(&status["schema_checksum"]),
            ["at", "batch", "checksum"]
        );
        assert_eq!(status["schema_checksum"]["batch"], 1);
        assert_eq!(
            keys(&status["migrations"][0]),
            [
                "applied_at",
                "batch",
                "checksum",
                "duration_ms",
                "name",
                "state",
                "version"
            ]
        );
        assert_eq!(
            keys(&status["summary"]),
            [
                "applied", "dirty", "missing", "modified", "pending", "running", "total"
            ]
        );
        assert_eq!(status["summary"]["total"], 3);
        assert_eq!(status["migrations"][1]["state"], "pending");
        assert!(status["migrations"][1]["applied_at"].is_null());

        let history = db.history_json(bin!("app"));
        assert_eq!(keys(&history), ["database", "history"]);
        let entry = &history["history"][0];
        assert_eq!(
            keys(entry),
            [
                "action",
                "at",
                "batch",
                "checksum",
                "duration_ms",
                "error",
                "id",
                "name",
                "note",
                "outcome",
                "version"
            ]
        );
        assert_eq!(entry["action"], "apply");
        assert_eq!(entry["outcome"], "ok");
        assert_eq!(entry["version"], 1001);
        assert_eq!(entry["checksum"], status["migrations"][0]["checksum"]);
        // The run's postflight recorded the schema checksum `status` shows.
        let postflight = &history["history"][1];
        assert_eq!(postflight["action"], "postflight");
        assert_eq!(postflight["version"], 1001);
        assert_eq!(
            postflight["checksum"],
            status["schema_checksum"]["checksum"]
        );
    }
}

#[test]
fn a_migration_failing_half_way_is_undone_and_named() {
    for db in databases() {
        let run = db.run(bin!("app_failing"), &["migrate"]);
        run.expect(2).stderr_has(&[
            "migration 1004 seed_accounts failed",
            "statement: INSERT INTO no_such_table (id) VALUES (1)",
        ]);
        let expected_1004 = if db.rolls_back_ddl() {
            // Nothing of it remains.
            run.stderr_has(&["its transaction was rolled back"]);
            assert!(
                !db.table_exists("seeded"),
                "the failed migration's table survived"
            );
            assert_eq!(
                db.count("accounts"),
                0,
                "the failed migration's row survived"
            );
            "pending"
        } else {
            // MySQL commits DDL as it goes: what ran stays, and the migration says so.
            run.stderr_has(&["marked dirty", "repair --version 1004"]);
            assert!(db.table_exists("seeded"));
            "dirty"
        };
        // The migrations before it stay; the one after it never ran.
        assert_eq!(
            db.states(bin!("app_failing")),
            states(&[
                (1001, "applied"),
                (1002, "applied"),
                (1003, "applied"),
                (1004, expected_1004),
                (1005, "pending")
            ])
        );
        assert!(!db.table_exists("reports"));

        let history = db.history_json(bin!("app_failing"));
        let last = history["history"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["version"], 1004);
        assert_eq!(last["outcome"], "failed");
        assert!(
            last["error"].as_str().unwrap().contains("no_such_table"),
            "{last}"
        );
    }
}

#[test]
fn a_failing_statement_of_a_sql_script_is_named() {
    for db in databases() {
        let run = db.run(bin!("app_failing_sql"), &["migrate"]);
        run.expect(2).stderr_has(&[
            "migration 1004 seed_accounts_sql failed",
            "statement: INSERT INTO accounts (id, emial) VALUES (2, 'grace@example.com')",
        ]);
        let (rows, state) = if db.rolls_back_ddl() {
            (0, "pending")
        } else {
            (1, "dirty")
        };
        assert_eq!(
            db.count("accounts"),
            rows,
            "rows left by the script's first statement"
        );
        assert_eq!(
            db.states(bin!("app_failing_sql")).last().unwrap(),
            &(1004, state.to_owned())
        );
    }
}

#[test]
fn a_panicking_migration_fails_cleanly_and_releases_the_lock() {
    for db in databases() {
        db.run(bin!("app_panics"), &["migrate"]).expect(2).stderr_has(&[
            "migration 1004 seed_accounts_panics failed: it panicked: the seed list is never empty",
        ]);
        assert_eq!(
            db.count("accounts"),
            if db.rolls_back_ddl() { 0 } else { 1 }
        );
        // Nothing is left locked: commands that take the lock start at once.
        let repair = db.run(bin!("app_panics"), &["repair", "--lock-timeout", "2"]);
        repair.expect(0);
        if !db.rolls_back_ddl() {
            repair.stdout_has(&["1004 seed_accounts_panics: dirty mark cleared; pending again"]);
        }
        db.run(bin!("app"), &["migrate", "--lock-timeout", "2"])
            .expect(0)
            .stdout_has(&["nothing to apply"]);
    }
}

#[test]
fn a_failing_query_builder_statement_is_named_without_its_values() {
    for db in databases() {
        let run = db.run(bin!("app_typed_fails"), &["migrate"]);
        run.expect(2).stderr_has(&[
            "migration 1004 typed_insert_fails failed",
            "statement: INSERT INTO",
            "accounts",
        ]);
        assert!(
            !run.stderr.contains("private@example.com"),
            "bind values shown:\n{}",
            run.stderr
        );
    }
}
