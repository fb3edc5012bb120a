//! The checks around a run: the preflight's look at the server's other sessions (long
//! transactions, lock holders and waiters), the postflight's foreign keys and dirty
//! marks, and the schema checksum `status` shows.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{QueryableByName, RunQueryDsl};
use serde_json::Value;
use updown::{AnyConnection, Backend};
use updown_tests::{TestDb, bin, connect_url, databases, sqlite, states};

/// A fresh database on `backend`, or `None` when its server is not under test (which
/// `databases` refuses under `CI=true`).
fn on(backend: Backend) -> Option<TestDb> {
    databases().into_iter().find(|db| db.backend == backend)
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn number(conn: &mut AnyConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Number>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

/// The server's id of the session of `conn`: its PostgreSQL pid, its MySQL connection id.
fn session_id(conn: &mut AnyConnection, backend: Backend) -> i64 {
    match backend {
        Backend::Postgres => number(conn, "SELECT pg_backend_pid()::bigint AS n"),
        _ => number(conn, "SELECT CAST(CONNECTION_ID() AS SIGNED) AS n"),
    }
}

/// Whether a session of this database waits for a lock on `accounts` (`pid`: that one).
fn waits_on_accounts(conn: &mut AnyConnection, backend: Backend, pid: Option<i64>) -> bool {
    let sql = match backend {
        Backend::Postgres => format!(
            "SELECT COUNT(*) AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
             WHERE NOT l.granted AND l.locktype = 'relation' AND c.relname = 'accounts'
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
               {}",
            pid.map_or(String::new(), |p| format!("AND l.pid = {p}"))
        ),
        _ => format!(
            "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST
             WHERE DB = DATABASE() AND STATE = 'Waiting for table metadata lock' {}",
            pid.map_or(String::new(), |p| format!("AND ID = {p}"))
        ),
    };
    number(conn, &sql) > 0
}

/// Polls `found` every 50 ms until it is true (true), `stop` is set or 30 s pass (false).
fn until(stop: &AtomicBool, mut found: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline && !stop.load(Ordering::SeqCst) {
        if found() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Ends `holder`'s transaction from a thread once a session of `db` waits for a lock on
/// `accounts` behind it (the run started beside it), or once `stop` is set. Gives whether
/// a waiter was seen.
fn commit_once_a_run_waits(
    db: &TestDb,
    mut holder: AnyConnection,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<bool> {
    let (backend, url) = (db.backend, db.url.clone());
    std::thread::spawn(move || {
        let mut watcher = connect_url(backend, &url);
        let saw = until(&stop, || waits_on_accounts(&mut watcher, backend, None));
        holder.batch_execute("COMMIT").expect("commit the holder");
        saw
    })
}

/// On PostgreSQL, a run that would wait for a lock fails after 20 s instead of hanging
/// the test (libpq reads PGOPTIONS; `SET lock_timeout = DEFAULT` comes back to it).
const NO_HANG: (&str, &str) = ("PGOPTIONS", "-c lock_timeout=20s");

fn history(db: &TestDb, bin: &str) -> Vec<Value> {
    db.history_json(bin)["history"]
        .as_array()
        .expect("history array")
        .clone()
}

/// The activity entries of `preflight --format json` for the session `pid`.
fn activity_of(preflight: &Value, pid: i64) -> Vec<Value> {
    let pid = pid.to_string();
    preflight["activity"]
        .as_array()
        .expect("activity array")
        .iter()
        .filter(|a| a["pid"].as_str() == Some(pid.as_str()))
        .cloned()
        .collect()
}

/// The whole seconds written right after `prefix` in `text`.
#[track_caller]
fn seconds_after(text: &str, prefix: &str) -> u64 {
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix:?} in {text}"));
    let digits: String = text[at + prefix.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("seconds after {prefix:?} in {text}"))
}

const APP_TO_1001: [(i64, &str); 3] = [(1001, "applied"), (1002, "pending"), (1003, "pending")];
const APP_DONE: [(i64, &str); 3] = [(1001, "applied"), (1002, "applied"), (1003, "applied")];

#[test]
fn postgres_a_lock_holder_idle_in_its_transaction_refuses_the_run_until_forced() {
    let Some(db) = on(Backend::Postgres) else {
        return;
    };
    let app = bin!("app");
    db.run(app, &["migrate", "--to", "1001"]).expect(0);
    let rows_before = history(&db, app).len();

    let mut holder = db.connect();
    let pid = session_id(&mut holder, db.backend);
    holder
        .batch_execute("BEGIN; LOCK TABLE accounts IN SHARE MODE")
        .unwrap();
    // Held for a second or more: a moment is how applications work.
    std::thread::sleep(Duration::from_millis(1100));
    let holds = format!("session {pid} holds ShareLock on table accounts");

    db.run_with(app, &["migrate"], &[NO_HANG])
        .expect(1)
        .stderr_has(&[
            "migrate refused, nothing was changed",
            &holds,
            "idle in transaction",
            "LOCK TABLE accounts IN SHARE MODE",
            &format!("pg_terminate_backend({pid})"),
            "--force",
        ]);
    assert_eq!(db.states(app), states(&APP_TO_1001));
    assert_eq!(
        history(&db, app).len(),
        rows_before,
        "a refused run wrote history"
    );
    assert!(!db.table_exists("audit_log"));

    db.run(app, &["preflight"])
        .expect(1)
        .stdout_has(&["2 migrations to apply", &format!("refused: {holds}")])
        .stderr_has(&["preflight found 1 reason not to apply now"]);
    let json = db
        .run(app, &["preflight", "--format", "json"])
        .expect(1)
        .json();
    assert_eq!(json["pending"], 2, "{json}");
    assert_eq!(json["clear"], false, "{json}");
    assert_eq!(json["problems"], serde_json::json!([]), "{json}");
    assert_eq!(json["activity"].as_array().unwrap().len(), 1, "{json}");
    let found = &activity_of(&json, pid)[..];
    assert_eq!(found.len(), 1, "{json}");
    assert_eq!(found[0]["kind"], "holds lock");
    assert_eq!(found[0]["table"], "accounts");
    assert_eq!(found[0]["mode"], "ShareLock");
    assert_eq!(found[0]["state"], "idle in transaction");
    assert_eq!(found[0]["user"], "postgres");
    assert!(
        found[0]["message"].as_str().unwrap().starts_with(&holds),
        "{json}"
    );
    // Read-only: still nothing applied, nothing recorded.
    assert_eq!(history(&db, app).len(), rows_before);

    // Forced, the run starts beside it and waits for its lock; the holder ends once it
    // does.
    let stop = Arc::new(AtomicBool::new(false));
    let ender = commit_once_a_run_waits(&db, holder, stop.clone());
    let forced = db.run_with(app, &["migrate", "--force"], &[NO_HANG]);
    stop.store(true, Ordering::SeqCst);
    let waited = ender.join().unwrap();
    forced
        .expect(0)
        .stderr_has(&[&format!("warning: ran beside it (--force): {holds}")])
        .stdout_has(&["applied 2 migrations"]);
    assert!(waited, "the forced run never waited for the holder's lock");
    assert_eq!(db.states(app), states(&APP_DONE));
}

#[test]
fn postgres_a_long_transaction_counts_past_the_threshold_only() {
    let Some(db) = on(Backend::Postgres) else {
        return;
    };
    let app = bin!("app");
    db.run(app, &["migrate", "--to", "1001"]).expect(0);
    let mut other = db.connect();
    let pid = session_id(&mut other, db.backend);
    other.batch_execute("BEGIN; SELECT 1").unwrap();
    std::thread::sleep(Duration::from_millis(1500));

    let open = format!("session {pid} has had a transaction open for ");
    let refused = db.run_with(app, &["migrate", "--long-transaction", "1s"], &[NO_HANG]);
    refused
        .expect(1)
        .stderr_has(&["migrate refused, nothing was changed", &open, "--force"]);
    assert!(
        seconds_after(&refused.stderr, &open) >= 1,
        "{}",
        refused.stderr
    );
    // It holds no lock on a table the run touches: only its age is a finding.
    assert!(!refused.stderr.contains("holds"), "{}", refused.stderr);
    assert_eq!(db.states(app), states(&APP_TO_1001));

    let json = db
        .run(
            app,
            &["preflight", "--long-transaction", "1s", "--format", "json"],
        )
        .expect(1)
        .json();
    assert_eq!(json["long_transaction_s"], 1, "{json}");
    let found = &activity_of(&json, pid)[..];
    assert_eq!(found.len(), 1, "{json}");
    assert_eq!(found[0]["kind"], "long transaction");
    assert_eq!(found[0]["table"], Value::Null);
    assert!(found[0]["duration_ms"].as_u64().unwrap() >= 1500, "{json}");

    // Under the default 30 s it is nothing.
    let json = db
        .run(app, &["preflight", "--format", "json"])
        .expect(0)
        .json();
    assert_eq!(json["clear"], true, "{json}");
    assert_eq!(json["long_transaction_s"], 30, "{json}");
    let run = db.run_with(app, &["migrate"], &[NO_HANG]);
    run.expect(0).stdout_has(&["applied 2 migrations"]);
    assert!(!run.stderr.contains("ran beside it"), "{}", run.stderr);
    assert_eq!(db.states(app), states(&APP_DONE));
    other.batch_execute("COMMIT").unwrap();
}

#[test]
fn postgres_a_lock_on_a_table_the_run_does_not_touch_is_no_finding() {
    let Some(db) = on(Backend::Postgres) else {
        return;
    };
    let app = bin!("app");
    db.run(app, &["migrate", "--to", "1001"]).expect(0);
    db.connect()
        .batch_execute("CREATE TABLE inventory (id INT)")
        .unwrap();
    let mut holder = db.connect();
    let pid = session_id(&mut holder, db.backend);
    holder
        .batch_execute("BEGIN; LOCK TABLE inventory IN SHARE MODE")
        .unwrap();
    // Held for a second or more: a moment is how applications work.
    std::thread::sleep(Duration::from_millis(1100));

    // 1003 is a Rust body: everything it might touch counts, inventory too.
    let json = db
        .run(app, &["preflight", "--format", "json"])
        .expect(1)
        .json();
    let found = &activity_of(&json, pid)[..];
    assert_eq!(found.len(), 1, "{json}");
    assert_eq!(found[0]["kind"], "holds lock");
    assert_eq!(found[0]["table"], "inventory");

    // 1002's SQL names accounts alone.
    let run = db.run_with(app, &["migrate", "--to", "1002"], &[NO_HANG]);
    run.expect(0).stdout_has(&["applied 1 migration"]);
    assert!(!run.stderr.contains(&pid.to_string()), "{}", run.stderr);
    assert!(!run.stderr.contains("ran beside it"), "{}", run.stderr);
    assert_eq!(
        db.states(app),
        states(&[(1001, "applied"), (1002, "applied"), (1003, "pending")])
    );
    holder.batch_execute("COMMIT").unwrap();
}

#[test]
fn postgres_a_session_waiting_for_a_lock_on_a_touched_table_is_reported() {
    let Some(db) = on(Backend::Postgres) else {
        return;
    };
    let app = bin!("app");
    db.run(app, &["migrate", "--to", "1001"]).expect(0);
    let mut holder = db.connect();
    let holder_pid = session_id(&mut holder, db.backend);
    holder
        .batch_execute("BEGIN; LOCK TABLE accounts IN SHARE MODE")
        .unwrap();
    // Held for a second or more: a moment is how applications work.
    std::thread::sleep(Duration::from_millis(1100));
    let mut waiter = db.connect();
    let waiter_pid = session_id(&mut waiter, db.backend);
    let waiting = std::thread::spawn(move || {
        waiter.batch_execute("BEGIN; LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE; COMMIT")
    });
    let mut watcher = db.connect();
    assert!(
        until(&AtomicBool::new(false), || waits_on_accounts(
            &mut watcher,
            db.backend,
            Some(waiter_pid)
        )),
        "the third session never queued for its lock"
    );

    db.run_with(app, &["migrate"], &[NO_HANG])
        .expect(1)
        .stderr_has(&[
            &format!("session {waiter_pid} has waited "),
            "for AccessExclusiveLock on table accounts",
            &format!("session {holder_pid} holds ShareLock on table accounts"),
        ]);
    assert_eq!(db.states(app), states(&APP_TO_1001));
    let json = db
        .run(app, &["preflight", "--format", "json"])
        .expect(1)
        .json();
    let found = &activity_of(&json, waiter_pid)[..];
    assert_eq!(found.len(), 1, "{json}");
    assert_eq!(found[0]["kind"], "waits for lock");
    assert_eq!(found[0]["table"], "accounts");
    assert_eq!(found[0]["mode"], "AccessExclusiveLock");
    assert!(
        found[0]["query"]
            .as_str()
            .unwrap()
            .contains("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE"),
        "{json}"
    );
    assert_eq!(activity_of(&json, holder_pid).len(), 1, "{json}");

    holder.batch_execute("COMMIT").unwrap();
    waiting.join().unwrap().unwrap();
    // Both gone: nothing stands in the way.
    db.run(app, &["preflight"])
        .expect(0)
        .stdout_has(&["clear: "]);
    db.run_with(app, &["migrate"], &[NO_HANG]).expect(0);
    assert_eq!(db.states(app), states(&APP_DONE));
}

#[test]
fn mariadb_a_long_transaction_counts_past_the_threshold_only() {
    let Some(db) = on(Backend::Mysql) else {
        return;
    };
    let app = bin!("app");
    db.run(app, &["migrate", "--to", "1001"]).expect(0);
    db.connect()
        .batch_execute("INSERT INTO accounts (id, email) VALUES (1, 'ada@example.com')")
        .unwrap();
    let mut holder = db.connect();
    let id = session_id(&mut holder, db.backend);
    holder.batch_execute("START TRANSACTION").unwrap();
    assert_eq!(
        number(&mut holder, "SELECT id AS n FROM accounts FOR UPDATE"),
        1
    );
    std::thread::sleep(Duration::from_millis(1500));

    let open = format!("session {id} has had a transaction open for ");
    let refused = db.run(app, &["migrate", "--long-transaction", "1s"]);
    refused.expect(1).stderr_has(&[
        "migrate refused, nothing was changed",
        &open,
        &format!("KILL {id}"),
        "--force",
    ]);
    assert!(
        seconds_after(&refused.stderr, &open) >= 1,
        "{}",
        refused.stderr
    );
    assert_eq!(db.states(app), states(&APP_TO_1001));
    let json = db
        .run(
            app,
            &["preflight", "--long-transaction", "1s", "--format", "json"],
        )
        .expect(1)
        .json();
    let found = &activity_of(&json, id)[..];
    assert_eq!(found.len(), 1, "{json}");
    assert_eq!(found[0]["kind"], "long transaction");
    assert!(found[0]["duration_ms"].as_u64().unwrap() >= 1000, "{json}");

    // Under the default 30 s it is no long transaction, but it holds row locks, which
    // could be on a table the run alters (MySQL does not say which): refused too.
    let json = db
        .run(app, &["preflight", "--format", "json"])
        .expect(1)
        .json();
    let found = &activity_of(&json, id)[..];
    assert_eq!(found.len(), 1, "{json}");
    assert_eq!(found[0]["kind"], "holds lock");
    assert_eq!(found[0]["mode"], "row locks on 1 table(s)");
    db.run(app, &["migrate"]).expect(1).stderr_has(&[
        &format!("session {id} holds row locks on 1 table(s), in a transaction open for "),
        "--force",
    ]);
    // Forced, the run starts beside it and waits for the metadata lock it holds.
    let stop = Arc::new(AtomicBool::new(false));
    let ender = commit_once_a_run_waits(&db, holder, stop.clone());
    let run = db.run(app, &["migrate", "--force"]);
    stop.store(true, Ordering::SeqCst);
    let waited = ender.join().unwrap();
    run.expect(0).stdout_has(&["applied 2 migrations"]);
    assert!(
        run.stderr.contains("ran beside it (--force)"),
        "{}",
        run.stderr
    );
    assert!(waited, "the run never waited for the transaction's lock");
    assert_eq!(db.states(app), states(&APP_DONE));

    // A transaction that holds no row lock, open as long, is nothing under 30 s.
    db.run(app, &["rollback"]).expect(0);
    let mut reader = db.connect();
    let reader_id = session_id(&mut reader, db.backend);
    reader.batch_execute("START TRANSACTION").unwrap();
    assert_eq!(number(&mut reader, "SELECT COUNT(*) AS n FROM accounts"), 1);
    std::thread::sleep(Duration::from_millis(1500));
    let json = db
        .run(app, &["preflight", "--format", "json"])
        .expect(0)
        .json();
    assert_eq!(json["clear"], true, "{json}");
    assert_eq!(activity_of(&json, reader_id), Vec::<Value>::new());
    reader.batch_execute("COMMIT").unwrap();
}

#[test]
fn sqlite_preflight_has_no_sessions_and_refuses_on_updowns_own_records() {
    let app = bin!("app");
    let db = sqlite();
    let json = db
        .run(app, &["preflight", "--format", "json"])
        .expect(0)
        .json();
    assert_eq!(json["pending"], 3, "{json}");
    assert_eq!(json["clear"], true, "{json}");
    assert_eq!(json["activity"], serde_json::json!([]), "{json}");
    assert_eq!(json["problems"], serde_json::json!([]), "{json}");
    db.run(app, &["preflight"])
        .expect(0)
        .stdout_has(&["3 migrations to apply", "clear: "]);
    // Read-only: nothing was applied.
    assert_eq!(
        db.states(app),
        states(&[(1001, "pending"), (1002, "pending"), (1003, "pending")])
    );

    // Dirty.
    let db = sqlite();
    db.run(bin!("app_untransacted"), &["migrate"]).expect(2);
    let json = db
        .run(bin!("app_untransacted"), &["preflight", "--format", "json"])
        .expect(1)
        .json();
    assert_eq!(json["clear"], false, "{json}");
    assert_eq!(json["activity"], serde_json::json!([]), "{json}");
    let problems = json["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{json}");
    assert!(
        problems[0]
            .as_str()
            .unwrap()
            .contains("migration 1004 seed_accounts_untransacted is marked dirty"),
        "{json}"
    );

    // Drifted.
    let db = sqlite();
    db.run(app, &["migrate"]).expect(0);
    let json = db
        .run(bin!("app_edited"), &["preflight", "--format", "json"])
        .expect(1)
        .json();
    assert_eq!(json["clear"], false, "{json}");
    let problems = json["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{json}");
    assert!(
        problems[0]
            .as_str()
            .unwrap()
            .contains("migration 1002 add_account_name was changed after it was applied"),
        "{json}"
    );
    db.run(bin!("app_edited"), &["preflight"])
        .expect(1)
        .stdout_has(&["refused: migration 1002 add_account_name was changed"])
        .stderr_has(&["preflight found 1 reason not to apply now"]);
}

/// `app_keys`' arguments before the command: on SQLite updown's connection enforces
/// foreign keys (diesel turns `PRAGMA foreign_keys` on), and inside the run's
/// transaction a migration cannot turn them off.
fn keys_off(db: &TestDb) -> Vec<&'static str> {
    match db.backend {
        Backend::Sqlite => vec!["--session-sql", "PRAGMA foreign_keys = OFF"],
        _ => Vec::new(),
    }
}

fn with<'a>(before: &[&'a str], args: &[&'a str]) -> Vec<&'a str> {
    before.iter().chain(args).copied().collect()
}

/// The name updown gives the child's key: SQLite names none.
fn child_key(db: &TestDb) -> &'static str {
    match db.backend {
        Backend::Sqlite => "child(parent_id)",
        _ => "child_parent_fk",
    }
}

#[test]
fn orphan_rows_a_run_lets_in_fail_its_postflight_until_they_are_gone() {
    let app = bin!("app_keys");
    for db in databases() {
        let off = keys_off(&db);
        let key = child_key(&db);
        let broken =
            format!("1 row of child breaks the foreign key {key} (parent_id) -> parent(id)");
        let run = db.run(app, &with(&off, &["migrate"]));
        run.expect(3).stderr_has(&[
            "the checks after the run failed; what it applied stays applied",
            &broken,
            "run `postflight` to check again, or `rollback` to undo batch 1",
        ]);
        // Only PostgreSQL has a key added NOT VALID to validate afterwards.
        assert_eq!(
            run.stderr
                .contains("`ALTER TABLE child VALIDATE CONSTRAINT child_parent_fk`"),
            db.backend == Backend::Postgres,
            "{}",
            run.stderr
        );
        assert_eq!(
            db.states(app),
            states(&[(2001, "applied"), (2002, "applied")]),
            "{:?}",
            db.backend
        );
        assert_eq!(db.count("child"), 1);
        let rows = history(&db, app);
        let last = rows.last().unwrap();
        assert_eq!(last["action"], "postflight", "{last}");
        assert_eq!(last["outcome"], "failed", "{last}");
        assert_eq!(last["batch"], 1, "{last}");
        assert_eq!(last["version"], 2002, "{last}");
        assert!(last["error"].as_str().unwrap().contains(&broken), "{last}");

        db.run(app, &["postflight"])
            .expect(3)
            .stdout_has(&[&broken, "`rollback` to undo batch 1"])
            .stderr_has(&["postflight failed (listed above)"]);
        let json = db
            .run(app, &["postflight", "--format", "json"])
            .expect(3)
            .json();
        assert_eq!(json["ok"], false, "{json}");
        assert_eq!(json["keys_checked"], 1, "{json}");
        let orphans: Vec<&Value> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "orphan rows")
            .collect();
        assert_eq!(orphans.len(), 1, "{json}");
        assert_eq!(orphans[0]["table"], "child");
        assert_eq!(orphans[0]["key"], key);
        assert_eq!(orphans[0]["parent"], "parent");
        assert_eq!(orphans[0]["rows"], 1);
        assert_eq!(orphans[0]["capped"], false);
        let failed = |rows: &[Value]| {
            rows.iter()
                .filter(|h| h["action"] == "postflight" && h["outcome"] == "failed")
                .count()
        };
        assert_eq!(failed(&history(&db, app)), 3, "{:?}", db.backend);

        db.connect().batch_execute("DELETE FROM child").unwrap();
        db.run(app, &["postflight"])
            .expect(0)
            .stdout_has(&["ok: every foreign key checked holds, nothing is dirty"]);
        let rows = history(&db, app);
        let last = rows.last().unwrap();
        assert_eq!(last["action"], "postflight", "{last}");
        assert_eq!(last["outcome"], "ok", "{last}");
        assert_eq!(last["error"], Value::Null, "{last}");
        assert_eq!(failed(&rows), 3);
        assert_eq!(
            db.states(app),
            states(&[(2001, "applied"), (2002, "applied")])
        );
    }
}

#[test]
fn postgres_a_key_added_not_valid_whose_rows_match_is_a_note() {
    let Some(db) = on(Backend::Postgres) else {
        return;
    };
    let app = bin!("app_keys");
    db.run(app, &["migrate", "--to", "2001"]).expect(0);
    // 2002's child row finds its parent.
    db.connect()
        .batch_execute("INSERT INTO parent (id) VALUES (99)")
        .unwrap();
    db.run(app, &["migrate"]).expect(0).stdout_has(&[
        "postflight ok: 1 foreign key checked",
        "1 added NOT VALID",
        "VALIDATE CONSTRAINT",
    ]);
    let note = "note: the foreign key child_parent_fk on child is NOT VALID and its rows all match: `ALTER TABLE child VALIDATE CONSTRAINT child_parent_fk` would pass";
    db.run(app, &["postflight"])
        .expect(0)
        .stdout_has(&[note, "ok: every foreign key checked holds"]);
    let json = db
        .run(app, &["postflight", "--format", "json"])
        .expect(0)
        .json();
    assert_eq!(json["ok"], true, "{json}");
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{json}");
    assert_eq!(findings[0]["kind"], "not validated");
    assert_eq!(findings[0]["key"], "child_parent_fk");
    assert_eq!(findings[0]["rows"], Value::Null);

    // Validated, it is no longer a note.
    db.connect()
        .batch_execute("ALTER TABLE child VALIDATE CONSTRAINT child_parent_fk")
        .unwrap();
    let run = db.run(app, &["postflight"]);
    run.expect(0);
    assert!(!run.stdout.contains("NOT VALID"), "{}", run.stdout);
}

#[test]
fn sqlite_a_run_checks_the_keys_it_added_and_postflight_every_key() {
    let app = bin!("app_keys");
    let db = sqlite();
    // An orphan from before, in a table whose key no migration adds.
    db.connect()
        .batch_execute(
            "PRAGMA foreign_keys = OFF;
             CREATE TABLE owner (id INTEGER PRIMARY KEY);
             CREATE TABLE pet (id INTEGER PRIMARY KEY, owner_id INT REFERENCES owner (id));
             INSERT INTO pet (id, owner_id) VALUES (1, 7);",
        )
        .unwrap();
    let json = db
        .run(app, &["migrate", "--to", "2001", "--format", "json"])
        .expect(0)
        .json();
    assert_eq!(json["outcome"], "ok", "{json}");
    assert_eq!(json["postflight"]["ok"], true, "{json}");
    assert_eq!(json["postflight"]["keys_checked"], 1, "{json}");
    assert_eq!(
        json["postflight"]["findings"],
        serde_json::json!([]),
        "{json}"
    );

    let json = db
        .run(app, &["postflight", "--format", "json"])
        .expect(3)
        .json();
    assert_eq!(json["keys_checked"], 2, "{json}");
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{json}");
    assert_eq!(findings[0]["kind"], "orphan rows");
    assert_eq!(findings[0]["table"], "pet");
    assert_eq!(findings[0]["key"], "pet(owner_id)");
    assert_eq!(findings[0]["rows"], 1);
    db.run(app, &["postflight"])
        .expect(3)
        .stdout_has(&["1 row of pet breaks the foreign key pet(owner_id) (owner_id) -> owner(id)"]);
}

/// `status --format json`'s schema checksum, checked to be SHA-256 hex and to be the one
/// the last postflight recorded.
#[track_caller]
fn schema_checksum(db: &TestDb) -> String {
    let app = bin!("app");
    let status = db
        .run(app, &["status", "--format", "json"])
        .expect(0)
        .json();
    let sum = status["schema_checksum"]["checksum"]
        .as_str()
        .unwrap_or_else(|| panic!("no schema checksum: {status}"))
        .to_owned();
    assert_eq!(sum.len(), 64, "{sum}");
    assert!(
        sum.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "{sum}"
    );
    let rows = history(db, app);
    let last = rows
        .iter()
        .rev()
        .find(|h| h["action"] == "postflight")
        .expect("a postflight row");
    assert_eq!(last["checksum"], sum.as_str(), "{last}");
    assert_eq!(
        status["schema_checksum"]["batch"], last["batch"],
        "{status}"
    );
    db.run(app, &["status"])
        .expect(0)
        .stdout_has(&[&format!("schema checksum: {sum}")]);
    sum
}

#[test]
fn databases_migrated_alike_show_the_same_schema_checksum() {
    let app = bin!("app");
    let (first, second) = (databases(), databases());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.backend, b.backend);
        let status = a.run(app, &["status", "--format", "json"]).expect(0).json();
        assert_eq!(status["schema_checksum"], Value::Null, "{status}");
        for db in [a, b] {
            db.run(app, &["migrate", "--to", "1002"]).expect(0);
            db.run(app, &["migrate"]).expect(0);
        }
        let sum = schema_checksum(a);
        assert_eq!(schema_checksum(b), sum, "{:?}", a.backend);

        // Rolling back batch 2 (1003) changes it; migrating again brings it back.
        a.run(app, &["rollback"]).expect(0);
        let rolled_back = schema_checksum(a);
        assert_ne!(rolled_back, sum, "{:?}", a.backend);
        b.run(app, &["rollback"]).expect(0);
        assert_eq!(schema_checksum(b), rolled_back, "{:?}", a.backend);
        a.run(app, &["migrate"]).expect(0);
        assert_eq!(schema_checksum(a), sum, "{:?}", a.backend);
    }
}

/// A check the database cannot run (SQLite: a key whose parent column is not unique) is
/// a failure of the postflight, reported with it (exit 3), not an error that would hide
/// that the run's migrations were applied.
#[test]
fn a_foreign_key_check_the_database_cannot_run_fails_the_postflight() {
    let db = sqlite();
    let folder = updown_tests::diesel_dir(&[(
        "20300101000000_mismatched_key",
        "CREATE TABLE p (x INT); CREATE TABLE c (x INT REFERENCES p (x));",
        Some("DROP TABLE c; DROP TABLE p;"),
    )]);
    let dir = folder.path().to_str().unwrap();
    let run = db.run(bin!("app"), &["--diesel-dir", dir, "migrate"]);
    run.expect(3).stderr_has(&[
        "the foreign keys could not be checked",
        "mismatch",
        "check them by hand",
    ]);
    run.stdout_has(&["applied 4 migrations"]);
    assert_eq!(
        db.number("SELECT COUNT(*) AS n FROM updown_migrations WHERE state = 'applied'"),
        4,
        "what ran stays applied"
    );
}
