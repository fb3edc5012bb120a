//! `rollback`, `redo` and `reset` end to end, and the guards that stop them.

use updown_tests::{bin, databases, states};

#[test]
fn rollback_undoes_the_last_batch_by_default() {
    for db in databases() {
        db.run(bin!("app"), &["migrate", "--to", "1002"]).expect(0);
        db.run(bin!("app"), &["migrate"]).expect(0);
        db.run(bin!("app"), &["rollback"])
            .expect(0)
            .stdout_has(&["rolled back 1 migration"])
            .stderr_has(&["rolled back  1003 create_audit_log"]);
        assert!(!db.table_exists("audit_log"));
        assert_eq!(
            db.states(bin!("app")),
            states(&[(1001, "applied"), (1002, "applied"), (1003, "pending")])
        );

        db.run(bin!("app"), &["rollback"])
            .expect(0)
            .stdout_has(&["rolled back 2 migrations"]);
        assert!(!db.table_exists("accounts"));
        db.run(bin!("app"), &["rollback"])
            .expect(0)
            .stdout_has(&["nothing to roll back"]);
    }
}

#[test]
fn rollback_steps_and_to() {
    for db in databases() {
        db.run(bin!("app"), &["migrate"]).expect(0);
        db.run(bin!("app"), &["rollback", "--steps", "2"])
            .expect(0)
            .stdout_has(&["rolled back 2 migrations"]);
        assert_eq!(
            db.states(bin!("app")),
            states(&[(1001, "applied"), (1002, "pending"), (1003, "pending")])
        );

        db.run(bin!("app"), &["migrate"]).expect(0);
        db.run(bin!("app"), &["rollback", "--to", "1001"])
            .expect(0)
            .stdout_has(&["rolled back 2 migrations"]);
        assert_eq!(
            db.states(bin!("app")),
            states(&[(1001, "applied"), (1002, "pending"), (1003, "pending")])
        );
        assert!(db.table_exists("accounts"));

        db.run(bin!("app"), &["rollback", "--to", "999"])
            .expect(5)
            .stderr_has(&["no migration has version 999"]);
        db.run(bin!("app"), &["rollback", "--steps", "1", "--to", "1001"])
            .expect(5);
        db.run(bin!("app"), &["rollback", "--to", "0"])
            .expect(0)
            .stdout_has(&["rolled back 1 migration"]);
        assert!(!db.table_exists("accounts"));
    }
}

#[test]
fn an_irreversible_migration_stops_a_rollback_before_anything_is_undone() {
    for db in databases() {
        db.run(bin!("app_irreversible"), &["migrate"]).expect(0);
        db.run(bin!("app_irreversible"), &["rollback"]).expect(1).stderr_has(&[
            "rollback refused, nothing was changed",
            "migration 1004 purge_audit_log is irreversible (\"the purged audit rows cannot be restored\")",
            "--to 1004",
        ]);
        // 1005 comes after 1004 in the same batch and was not undone either.
        assert!(db.table_exists("reports"));
        assert!(
            db.states(bin!("app_irreversible"))
                .iter()
                .all(|(_, s)| s == "applied")
        );

        db.run(bin!("app_irreversible"), &["rollback", "--to", "1004"])
            .expect(0)
            .stdout_has(&["rolled back 1 migration"]);
        assert!(!db.table_exists("reports"));
        db.run(bin!("app_irreversible"), &["reset"])
            .expect(1)
            .stderr_has(&["1004 purge_audit_log is irreversible"]);
    }
}

#[test]
fn a_failing_down_exits_4_and_leaves_the_migration_applied() {
    for db in databases() {
        db.run(bin!("app_broken_down"), &["migrate"]).expect(0);
        db.run(bin!("app_broken_down"), &["rollback"])
            .expect(4)
            .stderr_has(&[
                "rollback of 1004 create_invoices failed",
                "statement: DROP TABLE invoices_typo",
            ]);
        assert!(db.table_exists("invoices"));
        // Where the down's transaction rolls back, the migration stays applied; on MySQL
        // it may be half-undone, so it is marked dirty.
        let state = if db.rolls_back_ddl() {
            "applied"
        } else {
            "dirty"
        };
        assert_eq!(
            db.states(bin!("app_broken_down")).last().unwrap(),
            &(1004, state.to_owned())
        );
        let history = db.history_json(bin!("app_broken_down"));
        let last = history["history"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(
            (last["action"].as_str(), last["outcome"].as_str()),
            (Some("rollback"), Some("failed"))
        );
    }
}

#[test]
fn redo_rolls_back_and_reapplies_as_a_new_batch() {
    for db in databases() {
        db.run(bin!("app"), &["migrate"]).expect(0);
        db.run(bin!("app"), &["redo"])
            .expect(0)
            .stdout_has(&["rolled back 1 and applied 1 migration again as batch 2"]);
        db.run(bin!("app"), &["redo", "--steps", "2"])
            .expect(0)
            .stdout_has(&["rolled back 2 and applied 2 migrations again as batch 3"]);
        let status = db
            .run(bin!("app"), &["status", "--format", "json"])
            .expect(0)
            .json();
        let batches: Vec<i64> = status["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["batch"].as_i64().unwrap())
            .collect();
        assert_eq!(batches, [1, 3, 3]);
        assert_eq!(
            db.count("audit_log"),
            1,
            "redo must leave the data of a fresh apply"
        );

        let history = db.history_json(bin!("app"));
        // Each run's postflight rows aside: apply and rollback, in order.
        let actions: Vec<(i64, String)> = history["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["action"] != "postflight")
            .map(|h| {
                (
                    h["version"].as_i64().unwrap(),
                    h["action"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            &actions[3..],
            &states(&[
                (1003, "rollback"),
                (1003, "apply"),
                (1003, "rollback"),
                (1002, "rollback"),
                (1002, "apply"),
                (1003, "apply")
            ])[..]
        );
    }
}

#[test]
fn reset_rolls_back_everything_and_keeps_the_history() {
    for db in databases() {
        db.run(bin!("app"), &["migrate", "--to", "1001"]).expect(0);
        db.run(bin!("app"), &["migrate"]).expect(0);
        db.run(bin!("app"), &["reset"])
            .expect(0)
            .stdout_has(&["rolled back 3 migrations"]);
        assert!(!db.table_exists("accounts") && !db.table_exists("audit_log"));
        assert!(db.states(bin!("app")).iter().all(|(_, s)| s == "pending"));
        let history = db.run(bin!("app"), &["history"]);
        history.expect(0).stdout_has(&["rollback", "apply"]);
        assert_eq!(
            history
                .stdout
                .lines()
                .filter(|l| l.contains(" rollback "))
                .count(),
            3
        );
    }
}

#[test]
fn production_needs_yes_for_rollback_and_redo_and_refuses_reset() {
    for db in databases() {
        db.run(bin!("app"), &["migrate"]).expect(0);
        db.run(bin!("app"), &["--env", "production", "rollback"])
            .expect(1)
            .stderr_has(&["production", "--yes"]);
        db.run_with(bin!("app"), &["redo"], &[("UPDOWN_ENV", "production")])
            .expect(1)
            .stderr_has(&["--yes"]);
        db.run(bin!("app"), &["--env", "production", "reset", "--yes"])
            .expect(1)
            .stderr_has(&["reset refused", "production"]);
        assert!(
            db.states(bin!("app")).iter().all(|(_, s)| s == "applied"),
            "a refused command changed something"
        );

        // Production takes a backup first, unless told not to.
        db.run(bin!("app"), &["--env", "production", "rollback", "--yes"])
            .expect(0)
            .stdout_has(&["rolled back 3"])
            .stderr_has(&[
                "backup written to backups/",
                "`restore backups/",
                "--yes` puts it back",
            ]);
        assert!(db.dir().join("backups/latest").is_file());
        db.run(
            bin!("app"),
            &["--env", "production", "migrate", "--no-backup"],
        )
        .expect(0)
        .stdout_has(&["applied 3"]);
        let backups = std::fs::read_dir(db.dir().join("backups")).unwrap().count();
        assert_eq!(backups, 2, "one backup and its `latest` pointer");
        db.run(
            bin!("app"),
            &["--env", "production", "rollback", "--yes", "--no-backup"],
        )
        .expect(0);
        db.run(bin!("app"), &["--env", "staging", "migrate"])
            .expect(0);
        db.run(bin!("app"), &["--env", "staging", "reset"])
            .expect(0);
    }
}
