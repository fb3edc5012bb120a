//! The migration lock: a second migrator waits, times out with exit 1, or finds the work
//! done; a migrator that dies releases the lock with its connection.

use updown_tests::{TestDb, bin, databases, start_slow_migrate, states};

/// `app_slow migrate` holding the lock, inside migration 1002, for `sleep_ms`.
fn start_holder(db: &TestDb, sleep_ms: &str) -> std::process::Child {
    start_slow_migrate(db, bin!("app_slow"), sleep_ms)
}

#[test]
fn a_second_migrator_times_out_with_exit_1_while_the_lock_is_held() {
    for db in databases() {
        let mut holder = start_holder(&db, "3000");
        let waiter = db.run(bin!("app_slow"), &["migrate", "--lock-timeout", "1"]);
        waiter.expect(1).stderr_has(&[
            "timed out after 1s waiting for the migration lock",
            "--lock-timeout",
        ]);
        // Where the database can tell, the message says who holds the lock.
        match db.backend {
            updown::Backend::Postgres => {
                waiter.stderr_has(&["held by PostgreSQL backend pid", "application `updown`"])
            }
            updown::Backend::Mysql => waiter.stderr_has(&["held by MySQL connection"]),
            _ => &waiter,
        };
        assert!(holder.wait().unwrap().success());
        assert_eq!(
            db.states(bin!("app_slow")),
            states(&[(1001, "applied"), (1002, "applied")])
        );
    }
}

#[test]
fn a_waiting_migrator_rereads_the_applied_list_under_the_lock() {
    for db in databases() {
        let mut holder = start_holder(&db, "1500");
        db.run(bin!("app_slow"), &["migrate"])
            .expect(0)
            .stdout_has(&["nothing to apply"]);
        assert!(holder.wait().unwrap().success());
        // Applied once, checked once: the waiter ran nothing and checked nothing.
        let history = db.history_json(bin!("app_slow"));
        let actions: Vec<&str> = history["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["apply", "apply", "postflight"], "{history}");
    }
}

#[test]
fn a_migrator_killed_while_holding_the_lock_releases_it() {
    for db in databases() {
        let mut holder = start_holder(&db, "60000");
        holder.kill().unwrap();
        holder.wait().unwrap();
        let run = db.run(bin!("app_slow"), &["migrate", "--lock-timeout", "5"]);
        if !db.rolls_back_ddl() {
            // On MySQL 1002 was marked dirty before its body ran: the next migrator gets the
            // lock at once and refuses, rather than timing out.
            run.expect(1)
                .stderr_has(&["migration 1002 slow is marked dirty"]);
            db.run(bin!("app_slow"), &["repair", "--version", "1002"])
                .expect(0);
            db.run(bin!("app_slow"), &["migrate", "--lock-timeout", "5"])
                .expect(0);
            continue;
        }
        run.expect(0);
        // Whatever the dead run had not committed is applied again, exactly once.
        let history = db.history_json(bin!("app_slow"));
        let versions: Vec<i64> = history["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["action"] == "apply" && h["outcome"] == "ok")
            .map(|h| h["version"].as_i64().unwrap())
            .collect();
        assert_eq!(versions, [1001, 1002], "{history}");
    }
}

#[test]
fn a_migrator_with_nothing_pending_does_not_wait_for_the_lock() {
    use updown::diesel::connection::SimpleConnection;
    for db in databases() {
        db.run_with(
            bin!("app_slow"),
            &["migrate"],
            &[("UPDOWN_FIXTURE_SLEEP_MS", "0")],
        )
        .expect(0);
        // The lock held by hand, as a migrator would hold it.
        let mut holder = db.connect();
        let take = match db.backend {
            updown::Backend::Sqlite => "BEGIN IMMEDIATE".to_owned(),
            updown::Backend::Postgres => {
                format!("SELECT pg_advisory_lock({})", 0x7570_646f_776e_i64)
            }
            _ => "DO GET_LOCK(CONCAT('updown:', DATABASE()), 1)".to_owned(),
        };
        holder.batch_execute(&take).unwrap();
        let started = std::time::Instant::now();
        db.run(bin!("app_slow"), &["migrate", "--lock-timeout", "5"])
            .expect(0)
            .stdout_has(&["nothing to apply"]);
        // It timed out neither: it never asked.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // With something to do, it still waits for the lock.
        db.run(bin!("app_slow"), &["rollback", "--lock-timeout", "1"])
            .expect(1)
            .stderr_has(&["timed out after 1s waiting for the migration lock"]);
        drop(holder);
    }
}
