//! What `migrate` refuses before it runs anything (exit 1), each with its opt-out, and
//! `repair` to accept what was reviewed.

use updown_tests::{bin, databases, states};

#[test]
fn drift_is_refused_until_accepted() {
    for db in databases() {
        db.run(bin!("app"), &["migrate"]).expect(0);
        db.run(bin!("app_edited"), &["migrate"])
            .expect(1)
            .stderr_has(&[
                "migrate refused, nothing was changed",
                "migration 1002 add_account_name was changed after it was applied",
                "repair --version 1002",
                "--allow-drift",
            ]);
        assert_eq!(
            db.states(bin!("app_edited")),
            states(&[(1001, "applied"), (1002, "modified"), (1003, "applied")])
        );
        db.run(bin!("app_edited"), &["status"])
            .expect(0)
            .stdout_has(&["1 modified"]);
        db.run(bin!("app_edited"), &["migrate", "--allow-drift"])
            .expect(0)
            .stdout_has(&["nothing to apply"]);

        // Rolling back a changed migration would run code that did not apply it.
        db.run(bin!("app_edited"), &["rollback"])
            .expect(1)
            .stderr_has(&["1002 add_account_name was changed"]);

        db.run(bin!("app_edited"), &["repair", "--version", "1002"])
            .expect(0)
            .stdout_has(&["repaired 1002 add_account_name: accepted checksum"]);
        assert!(
            db.states(bin!("app_edited"))
                .iter()
                .all(|(_, s)| s == "applied")
        );
        db.run(bin!("app_edited"), &["migrate"]).expect(0);
        let history = db.history_json(bin!("app_edited"));
        assert!(
            history["history"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["action"] == "repair" && h["version"] == 1002)
        );
        // Now the original code is the one that drifted.
        db.run(bin!("app"), &["migrate"])
            .expect(1)
            .stderr_has(&["1002 add_account_name was changed"]);
    }
}

#[test]
fn a_migration_missing_from_the_code_is_refused() {
    for db in databases() {
        db.run(bin!("app"), &["migrate"]).expect(0);
        db.run(bin!("app_without_v2"), &["migrate"])
            .expect(1)
            .stderr_has(&[
                "migration 1002 add_account_name is applied in the database but not in the code",
                "--allow-missing",
            ]);
        assert_eq!(
            db.states(bin!("app_without_v2")),
            states(&[(1001, "applied"), (1002, "missing"), (1003, "applied")])
        );
        db.run(bin!("app_without_v2"), &["migrate", "--allow-missing"])
            .expect(0);
        db.run(bin!("app_without_v2"), &["rollback"])
            .expect(1)
            .stderr_has(&[
                "1002 add_account_name cannot be rolled back: its code is not in this program",
            ]);
    }
}

#[test]
fn an_out_of_order_pending_migration_is_refused() {
    for db in databases() {
        db.run(bin!("app_without_v2"), &["migrate"]).expect(0);
        db.run(bin!("app"), &["migrate"]).expect(1).stderr_has(&[
            "migration 1002 add_account_name is pending but older than 1003",
            "--allow-out-of-order",
        ]);
        assert_eq!(
            db.states(bin!("app")),
            states(&[(1001, "applied"), (1002, "pending"), (1003, "applied")])
        );
        db.run(bin!("app"), &["migrate", "--allow-out-of-order"])
            .expect(0)
            .stdout_has(&["applied 1 migration as batch 2"]);
        assert!(db.states(bin!("app")).iter().all(|(_, s)| s == "applied"));
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    for db in databases() {
        db.run(bin!("app_irreversible"), &["migrate"]).expect(0);
        // app_edited has another 1002 and lacks 1004 and 1005.
        db.run(bin!("app_edited"), &["migrate"])
            .expect(1)
            .stderr_has(&[
                "1002 add_account_name was changed",
                "1004 purge_audit_log is applied in the database but not in the code",
                "1005 create_reports is applied in the database but not in the code",
            ]);
    }
}

#[test]
fn a_dirty_migration_blocks_everything_until_repaired() {
    for db in databases() {
        db.run(bin!("app_untransacted"), &["migrate"])
            .expect(2)
            .stderr_has(&[
                "migration 1004 seed_accounts_untransacted failed",
                "statement: INSERT INTO no_such_table (id) VALUES (1)",
                "marked dirty",
                "repair --version 1004",
            ]);
        // Outside a transaction its first statement stays: that is why it is dirty.
        assert_eq!(db.count("accounts"), 1);
        assert_eq!(
            db.states(bin!("app_untransacted")).last().unwrap(),
            &(1004, "dirty".to_owned())
        );
        db.run(bin!("app_untransacted"), &["status"])
            .expect(0)
            .stdout_has(&["1 dirty"]);
        db.run(bin!("app_untransacted"), &["migrate"])
            .expect(1)
            .stderr_has(&["migration 1004 seed_accounts_untransacted is marked dirty"]);
        db.run(bin!("app_untransacted"), &["rollback"])
            .expect(1)
            .stderr_has(&["marked dirty"]);

        // The user undoes the half-done work, then repairs: the migration is pending again.
        db.run(bin!("app_untransacted"), &["repair", "--version", "1004"])
            .expect(0)
            .stdout_has(&["dirty mark cleared; pending again"]);
        assert_eq!(
            db.states(bin!("app_untransacted")).last().unwrap(),
            &(1004, "pending".to_owned())
        );

        // Or finishes it by hand and records it as applied.
        db.run(bin!("app_untransacted"), &["migrate"]).expect(2);
        db.run(
            bin!("app_untransacted"),
            &["repair", "--version", "1004", "--applied"],
        )
        .expect(0)
        .stdout_has(&["recorded as applied"]);
        assert!(
            db.states(bin!("app_untransacted"))
                .iter()
                .all(|(_, s)| s == "applied")
        );
        db.run(bin!("app_untransacted"), &["repair"])
            .expect(0)
            .stdout_has(&["nothing to repair"]);
    }
}

#[test]
fn baseline_records_without_running() {
    for db in databases() {
        db.run(bin!("app"), &["baseline", "--version", "1002"])
            .expect(0)
            .stdout_has(&["recorded 2 migrations as applied without running them (batch 0"]);
        assert!(!db.table_exists("accounts"), "baseline ran a migration");
        db.run(bin!("app"), &["rollback"])
            .expect(0)
            .stdout_has(&["nothing to roll back"]);
        assert_eq!(
            db.states(bin!("app")),
            states(&[(1001, "applied"), (1002, "applied"), (1003, "pending")])
        );
        let history = db.history_json(bin!("app"));
        assert!(
            history["history"]
                .as_array()
                .unwrap()
                .iter()
                .all(|h| h["action"] == "baseline")
        );
    }
}
