//! The run-time guard: a destructive statement built in Rust code is refused in `up`
//! unless the migration declares it, and the declared reason is kept in the history.

use updown_tests::{bin, databases};

#[test]
fn an_undeclared_destructive_statement_built_at_run_time_is_refused() {
    for db in databases() {
        let run = db.run(bin!("app_dynamic_drop"), &["migrate"]);
        run.expect(2).stderr_has(&[
            "migration 1004 drop_audit_log_dynamically failed: refused a destructive statement in `up`: drops table `audit_log`",
            "rule `drop-table`",
            "statement: DROP TABLE audit_log",
        ]);
        assert!(
            db.table_exists("audit_log"),
            "{:?}: the refused statement ran",
            db.backend
        );
    }
}

#[test]
fn a_declared_one_runs_and_its_reason_is_in_the_history() {
    for db in databases() {
        db.run(bin!("app_dynamic_drop_declared"), &["migrate"])
            .expect(0);
        assert!(!db.table_exists("audit_log"));
        let history = db.history_json(bin!("app_dynamic_drop_declared"));
        let entry = history["history"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["version"] == 1004 && h["action"] == "apply")
            .cloned()
            .unwrap();
        assert_eq!(entry["note"], "the audit log moved to the warehouse");
    }
}
