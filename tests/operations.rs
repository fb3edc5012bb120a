//! Running migrations in operation: Ctrl-C and SIGTERM in the middle of a run (the first
//! signal stops after the migration running, a second aborts at once), the JSON summary
//! of a run on stdout, the JSON event log on stderr, the progress lines and bar, and every
//! exit code the command line documents.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use diesel::{QueryableByName, RunQueryDsl};
use serde_json::Value;
use updown::Backend;
use updown_tests::{Run, TestDb, bin, databases, sqlite, states};

/// What the fixture migrations print once they hold the lock and have begun to sleep.
const SLEEPING: &str = "slow: sleeping";
/// What the first signal prints.
const STOPPING: &str = "stopping: the migration running now finishes";

// --- a run in the background ------------------------------------------------------

/// A fixture binary running in the background, its stdout and stderr collected.
struct Running {
    child: Child,
    command: String,
    stderr: Arc<Mutex<String>>,
    stderr_reader: JoinHandle<()>,
    stdout_reader: JoinHandle<String>,
}

/// How a background run ended: what it printed, and how long it took to.
struct Ended {
    run: Run,
    /// From the call to [`Running::wait`] to the process's end.
    took: Duration,
}

impl Running {
    /// Starts `bin args` with `UPDOWN_FIXTURE_SLEEP_MS=sleep_ms` and returns once a
    /// migration says it has begun to sleep (it then holds the lock).
    fn start_until_sleeping(db: &TestDb, bin: &str, args: &[&str], sleep_ms: u64) -> Running {
        let mut child = db
            .command(bin, args)
            .env("UPDOWN_FIXTURE_SLEEP_MS", sleep_ms.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the fixture binary");
        let mut stdout = child.stdout.take().expect("piped");
        let stdout_reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let lines = BufReader::new(child.stderr.take().expect("piped")).lines();
        let collected = stderr.clone();
        let stderr_reader = std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut all = collected.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let name = std::path::Path::new(bin)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let mut running = Running {
            child,
            command: std::iter::once(name.as_str())
                .chain(args.iter().copied())
                .collect::<Vec<_>>()
                .join(" "),
            stderr,
            stderr_reader,
            stdout_reader,
        };
        running.wait_for_stderr(SLEEPING, Duration::from_secs(30));
        running
    }

    /// Waits until stderr holds `text`; fails if the process ends or `within` passes first.
    fn wait_for_stderr(&mut self, text: &str, within: Duration) {
        let deadline = Instant::now() + within;
        let mut ended_at = None;
        loop {
            if self.stderr.lock().unwrap().contains(text) {
                return;
            }
            if ended_at.is_none() && self.child.try_wait().expect("poll the child").is_some() {
                ended_at = Some(Instant::now());
            }
            // What it printed last may still be in the pipe for a moment.
            let gone = ended_at.is_some_and(|at| at.elapsed() > Duration::from_secs(1));
            if gone || Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "`{}` never printed {text:?}\n--- stderr\n{}",
                    self.command,
                    self.stderr.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `signal` (`INT`, `TERM`) to the process, as a terminal or a supervisor would.
    fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -{signal} failed");
    }

    /// Waits for the process to end, killing it (and failing) after `within`.
    fn wait(mut self, within: Duration) -> Ended {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("poll the child") {
                break status;
            }
            if started.elapsed() > within {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "`{}` still running after {within:?}\n--- stderr\n{}",
                    self.command,
                    self.stderr.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let took = started.elapsed();
        let stdout = self.stdout_reader.join().expect("stdout reader");
        self.stderr_reader.join().expect("stderr reader");
        let stderr = self.stderr.lock().unwrap().clone();
        Ended {
            run: Run::new(self.command, status.code().unwrap_or(-1), stdout, stderr),
            took,
        }
    }
}

impl std::ops::Deref for Ended {
    type Target = Run;

    fn deref(&self) -> &Run {
        &self.run
    }
}

// --- reading the database -------------------------------------------------------

#[derive(QueryableByName)]
struct TrackedRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    version: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    state: String,
}

/// `state` of each row of `updown_migrations`, read directly, by version.
fn tracked(db: &TestDb) -> BTreeMap<i64, String> {
    if !db.table_exists("updown_migrations") {
        return BTreeMap::new();
    }
    let rows: Vec<TrackedRow> =
        diesel::sql_query("SELECT version, state FROM updown_migrations ORDER BY version")
            .load(&mut db.connect())
            .expect("read updown_migrations");
    rows.into_iter().map(|r| (r.version, r.state)).collect()
}

/// Asserts that `history` and the tracking table tell the same story: the versions the
/// history leaves applied (replaying its successful applies, rollbacks and repairs) are
/// exactly the rows marked `applied`, and `status` says so too.
#[track_caller]
fn assert_history_agrees(db: &TestDb, bin: &str) {
    let history = db.history_json(bin);
    let mut applied = BTreeSet::new();
    for h in history["history"].as_array().expect("history array") {
        if h["outcome"] != "ok" {
            continue;
        }
        let version = h["version"].as_i64().expect("version");
        match h["action"].as_str().expect("action") {
            "apply" | "baseline" | "adopt" => {
                applied.insert(version);
            }
            "rollback" => {
                applied.remove(&version);
            }
            "repair" if h["note"].as_str().is_some_and(|n| n.contains("pending")) => {
                applied.remove(&version);
            }
            _ => {}
        }
    }
    let rows = tracked(db);
    let marked_applied: BTreeSet<i64> = rows
        .iter()
        .filter(|(_, state)| *state == "applied")
        .map(|(v, _)| *v)
        .collect();
    assert_eq!(
        applied, marked_applied,
        "{}: the history and updown_migrations disagree\nhistory: {history:#}\nrows: {rows:?}",
        db.backend
    );
    let by_status: BTreeSet<i64> = db
        .states(bin)
        .into_iter()
        .filter(|(_, s)| s == "applied")
        .map(|(v, _)| v)
        .collect();
    assert_eq!(
        by_status, marked_applied,
        "{}: status disagrees",
        db.backend
    );
}

/// The check above notices a tracking table that lost a row the history says is applied.
#[test]
#[should_panic(expected = "the history and updown_migrations disagree")]
fn the_history_check_notices_a_disagreement() {
    let db = sqlite();
    db.run(bin!("app"), &["migrate"]).expect(0);
    assert_history_agrees(&db, bin!("app"));
    diesel::sql_query("DELETE FROM updown_migrations WHERE version = 1002")
        .execute(&mut db.connect())
        .expect("delete a row");
    assert_history_agrees(&db, bin!("app"));
}

/// A migrate that must find the lock free: one held would time out (exit 1) in 5 s.
fn migrate_finding_the_lock_free(db: &TestDb, bin: &str) -> updown_tests::Run {
    db.run(bin, &["--lock-timeout", "5", "migrate"])
}

fn versions(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|m| m["version"].as_i64().expect("version"))
        .collect()
}

fn is_hex_64(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`: RFC 3339 in UTC.
fn is_rfc3339_utc(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    let fixed = b.len() >= 20
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19);
    let rest = &text[19.min(text.len())..];
    let tail_ok = match rest.strip_prefix('.') {
        Some(frac) => frac
            .strip_suffix('Z')
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())),
        None => rest == "Z",
    };
    fixed && tail_ok
}

// --- 1. Ctrl-C and SIGTERM ------------------------------------------------------------

/// The first signal while 1002 sleeps: 1002 finishes, 1003 and 1004 do not run, the
/// summary says so, the lock is free and a second migrate finishes the job.
fn first_signal_stops_migrate_after_the_current_migration(signal: &str) {
    for db in databases() {
        let run = Running::start_until_sleeping(&db, bin!("app_interrupt"), &["migrate"], 2500);
        run.signal(signal);
        let end = run.wait(Duration::from_secs(60));
        end.expect(130)
            .stdout_has(&["applied 2 migrations as batch 1"])
            .stderr_has(&[
                STOPPING,
                "migrate stopped by a signal after 2 of 4 migrations",
                "not run: 1003 create_audit_log, 1004 create_notes",
                "run `migrate` again to apply the rest",
            ])
            .stderr_in_order(SLEEPING, STOPPING)
            .stderr_in_order(STOPPING, "applied      1002 slow")
            .stderr_in_order("applied      1002 slow", "migrate stopped by a signal");
        assert!(
            !end.stderr.contains("applied      1003") && !end.stderr.contains("aborted"),
            "{}: {}",
            db.backend,
            end.stderr
        );
        assert_eq!(
            db.states(bin!("app_interrupt")),
            states(&[
                (1001, "applied"),
                (1002, "applied"),
                (1003, "pending"),
                (1004, "pending"),
            ]),
            "{}",
            db.backend
        );
        assert!(db.table_exists("slow_done") && !db.table_exists("audit_log"));
        assert!(
            !tracked(&db).values().any(|s| s != "applied"),
            "{}: {:?}",
            db.backend,
            tracked(&db)
        );
        assert_history_agrees(&db, bin!("app_interrupt"));

        let started = Instant::now();
        migrate_finding_the_lock_free(&db, bin!("app_interrupt"))
            .expect(0)
            .stdout_has(&["applied 2 migrations as batch 2"]);
        assert!(started.elapsed() < Duration::from_secs(5));
        let status = db
            .run(bin!("app_interrupt"), &["status", "--format", "json"])
            .expect(0)
            .json();
        let batches: Vec<(i64, i64)> = status["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["version"].as_i64().unwrap(), m["batch"].as_i64().unwrap()))
            .collect();
        assert_eq!(batches, [(1001, 1), (1002, 1), (1003, 2), (1004, 2)]);
        assert_eq!(db.count("audit_log"), 1);
        assert_history_agrees(&db, bin!("app_interrupt"));
    }
}

#[test]
fn sigint_stops_migrate_after_the_current_migration() {
    first_signal_stops_migrate_after_the_current_migration("INT");
}

#[test]
fn sigterm_stops_migrate_after_the_current_migration() {
    first_signal_stops_migrate_after_the_current_migration("TERM");
}

/// A rollback signalled while 1002's `down` sleeps: 1002 is rolled back, 1001 is not.
/// (`--steps 4`: with `--steps 3` the sleeping 1002 would be the last step, leaving
/// nothing to stop before; see the next test.)
#[test]
fn a_signal_stops_rollback_after_the_current_migration() {
    for (db, signal) in databases().into_iter().zip(["TERM", "INT", "TERM"]) {
        let bin = bin!("app_interrupt_down");
        db.run(bin, &["migrate"])
            .expect(0)
            .stdout_has(&["applied 4 migrations as batch 1"]);
        let run = Running::start_until_sleeping(&db, bin, &["rollback", "--steps", "4"], 2500);
        run.signal(signal);
        run.wait(Duration::from_secs(60))
            .expect(130)
            .stdout_has(&["rolled back 3 migrations"])
            .stderr_has(&[
                STOPPING,
                "rollback stopped by a signal after 3 of 4 migrations; the lock is released",
                "not run: 1001 create_accounts",
            ])
            .stderr_in_order(STOPPING, "rolled back  1002 slow_down");
        assert_eq!(
            db.states(bin),
            states(&[
                (1001, "applied"),
                (1002, "pending"),
                (1003, "pending"),
                (1004, "pending"),
            ]),
            "{}",
            db.backend
        );
        assert!(db.table_exists("accounts") && !db.table_exists("slow_done"));
        assert_history_agrees(&db, bin);

        // The lock is free: the rest of batch 1 rolls back at once.
        db.run(bin, &["--lock-timeout", "5", "rollback"])
            .expect(0)
            .stdout_has(&["rolled back 1 migration"]);
        assert!(db.states(bin).iter().all(|(_, s)| s == "pending"));
        assert_history_agrees(&db, bin);
    }
}

/// A signal during the last migration of a run: nothing is left to stop before, so the
/// run finishes as if unsignalled (exit 0), having said it was stopping.
#[test]
fn a_signal_during_the_last_migration_lets_the_run_finish() {
    for db in databases() {
        let bin = bin!("app_interrupt_down");
        db.run(bin, &["migrate"]).expect(0);
        let run = Running::start_until_sleeping(&db, bin, &["rollback", "--steps", "3"], 2500);
        run.signal("INT");
        let end = run.wait(Duration::from_secs(60));
        end.expect(0)
            .stdout_has(&["rolled back 3 migrations"])
            .stderr_has(&[STOPPING, "rolled back  1002 slow_down (", "[3/3]"]);
        assert!(
            !end.stderr.contains("stopped by a signal"),
            "{}",
            end.stderr
        );
        assert_eq!(
            db.states(bin),
            states(&[
                (1001, "applied"),
                (1002, "pending"),
                (1003, "pending"),
                (1004, "pending"),
            ])
        );
        assert_history_agrees(&db, bin);
    }
}

/// A second signal while 1002 sleeps: the process exits at once, and the database keeps
/// what it keeps of an interrupted connection: PostgreSQL rolls back 1002, SQLite the
/// whole run (one transaction), MySQL leaves 1002 marked running by a session that is
/// gone (dirty), to repair.
#[test]
fn a_second_signal_aborts_at_once() {
    for db in databases() {
        let bin = bin!("app_interrupt");
        let mut run = Running::start_until_sleeping(&db, bin, &["migrate"], 60_000);
        run.signal("INT");
        run.wait_for_stderr(STOPPING, Duration::from_secs(10));
        run.signal("INT");
        let end = run.wait(Duration::from_secs(20));
        end.expect(130).stderr_has(&["aborted by a second signal"]);
        assert!(
            end.took < Duration::from_secs(10),
            "{}: took {:?} to abort",
            db.backend,
            end.took
        );
        assert!(
            !end.stderr.contains("applied      1002")
                && !end.stderr.contains("stopped by a signal after"),
            "{}",
            end.stderr
        );
        db.wait_for_dead_sessions()
            .unwrap_or_else(|e| panic!("{}: {e}", db.backend));
        match db.backend {
            Backend::Sqlite => {
                assert!(db.states(bin).iter().all(|(_, s)| s == "pending"));
                assert!(!db.table_exists("accounts"), "1001 outlived the abort");
                assert_history_agrees(&db, bin);
                migrate_finding_the_lock_free(&db, bin)
                    .expect(0)
                    .stdout_has(&["applied 4 migrations as batch 1"]);
            }
            Backend::Postgres => {
                assert_eq!(
                    db.states(bin),
                    states(&[
                        (1001, "applied"),
                        (1002, "pending"),
                        (1003, "pending"),
                        (1004, "pending"),
                    ])
                );
                assert!(db.table_exists("accounts"));
                assert_history_agrees(&db, bin);
                migrate_finding_the_lock_free(&db, bin)
                    .expect(0)
                    .stdout_has(&["applied 3 migrations as batch 2"]);
            }
            _ => {
                assert_eq!(
                    db.states(bin),
                    states(&[
                        (1001, "applied"),
                        (1002, "dirty"),
                        (1003, "pending"),
                        (1004, "pending"),
                    ])
                );
                assert_history_agrees(&db, bin);
                db.run(bin, &["migrate"])
                    .expect(1)
                    .stderr_has(&["1002 slow", "repair --version 1002"]);
                db.run(bin, &["--lock-timeout", "5", "repair", "--version", "1002"])
                    .expect(0)
                    .stdout_has(&["repaired 1002 slow: dirty mark cleared; pending again"]);
                assert_history_agrees(&db, bin);
                migrate_finding_the_lock_free(&db, bin)
                    .expect(0)
                    .stdout_has(&["applied 3 migrations as batch 2"]);
            }
        }
        assert!(db.states(bin).iter().all(|(_, s)| s == "applied"));
        assert_history_agrees(&db, bin);
    }
}

// --- 2. --format json summaries -----------------------------------------------------

/// The fields of every run's JSON summary.
const RUN_FIELDS: &[&str] = &[
    "command",
    "database",
    "outcome",
    "exit_code",
    "batch",
    "applied",
    "rolled_back",
    "not_run",
    "backup",
    "preflight",
    "postflight",
    "error",
    "duration_ms",
];

/// Asserts the shape every summary shares and returns it.
#[track_caller]
fn run_summary(db: &TestDb, doc: &Value, command: &str, outcome: &str, exit_code: i64) {
    let fields: BTreeSet<&str> = doc
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(fields, RUN_FIELDS.iter().copied().collect(), "{doc:#}");
    assert_eq!(doc["command"], command, "{doc:#}");
    assert_eq!(doc["outcome"], outcome, "{doc:#}");
    assert_eq!(doc["exit_code"], exit_code, "{doc:#}");
    assert!(doc["duration_ms"].is_u64(), "{doc:#}");
    let database = doc["database"].as_str().expect("database");
    match db.backend {
        Backend::Sqlite => assert_eq!(database, db.url),
        _ => {
            let password = db
                .url
                .split(':')
                .nth(2)
                .and_then(|p| p.split('@').next())
                .unwrap();
            assert!(
                !database.contains(password) && database.contains(":***@"),
                "{database}"
            );
        }
    }
    for list in ["applied", "rolled_back"] {
        for step in doc[list].as_array().expect("a list") {
            assert!(
                step["name"].is_string() && step["duration_ms"].is_u64(),
                "{step}"
            );
        }
    }
}

#[track_caller]
fn assert_postflight_ok(doc: &Value, batch: i64) {
    let p = &doc["postflight"];
    assert_eq!(p["ok"], true, "{doc:#}");
    assert_eq!(p["batch"], batch, "{doc:#}");
    assert!(
        is_hex_64(p["schema_checksum"].as_str().unwrap_or_default()),
        "{doc:#}"
    );
    assert_eq!(p["dirty"], serde_json::json!([]));
}

#[test]
fn migrate_rollback_redo_and_reset_summarise_as_one_json_document() {
    for db in databases() {
        let app = bin!("app");
        let run = db.run(app, &["migrate", "--format", "json"]);
        let doc = run.expect(0).json();
        run_summary(&db, &doc, "migrate", "ok", 0);
        assert_eq!(doc["batch"], 1);
        assert_eq!(versions(&doc["applied"]), [1001, 1002, 1003]);
        assert_eq!(doc["applied"][1]["name"], "add_account_name");
        assert_eq!(doc["rolled_back"], serde_json::json!([]));
        assert_eq!(doc["not_run"], serde_json::json!([]));
        assert_eq!(doc["backup"], Value::Null);
        assert_eq!(doc["error"], Value::Null);
        assert_eq!(doc["preflight"]["pending"], 3);
        assert_eq!(doc["preflight"]["clear"], true);
        assert_postflight_ok(&doc, 1);
        // The checksum is the one recorded, that `status` shows.
        let status = db
            .run(app, &["status", "--format", "json"])
            .expect(0)
            .json();
        assert_eq!(
            status["schema_checksum"]["checksum"],
            doc["postflight"]["schema_checksum"]
        );
        // The progress lines went to stderr.
        assert!(run.stderr.contains("applied      1001 create_accounts"));
        assert!(!run.stdout.contains("applied      "));

        let doc = db.run(app, &["redo", "--format", "json"]).expect(0).json();
        run_summary(&db, &doc, "redo", "ok", 0);
        assert_eq!(versions(&doc["rolled_back"]), [1003]);
        assert_eq!(versions(&doc["applied"]), [1003]);
        assert_eq!(doc["batch"], 2);
        assert_postflight_ok(&doc, 2);

        let doc = db
            .run(app, &["rollback", "--format", "json"])
            .expect(0)
            .json();
        run_summary(&db, &doc, "rollback", "ok", 0);
        assert_eq!(versions(&doc["rolled_back"]), [1003]);
        assert_eq!(doc["applied"], serde_json::json!([]));
        assert_eq!(doc["not_run"], serde_json::json!([]));
        assert!(doc["postflight"]["ok"] == true, "{doc:#}");

        let doc = db.run(app, &["reset", "--format", "json"]).expect(0).json();
        run_summary(&db, &doc, "reset", "ok", 0);
        assert_eq!(versions(&doc["rolled_back"]), [1002, 1001]);
        assert_eq!(doc["applied"], serde_json::json!([]));
        assert!(db.states(app).iter().all(|(_, s)| s == "pending"));

        // Nothing to do is still one document.
        let doc = db.run(app, &["reset", "--format", "json"]).expect(0).json();
        run_summary(&db, &doc, "reset", "ok", 0);
        assert_eq!(doc["rolled_back"], serde_json::json!([]));
        assert_history_agrees(&db, app);
    }
}

#[test]
fn a_failed_run_summarises_as_json_with_what_ran_before_it() {
    for db in databases() {
        let doc = db
            .run(bin!("app_failing"), &["migrate", "--format", "json"])
            .expect(2)
            .json();
        run_summary(&db, &doc, "migrate", "failed", 2);
        assert_eq!(versions(&doc["applied"]), [1001, 1002, 1003]);
        let error = doc["error"].as_str().expect("an error");
        assert!(
            error.contains("migration 1004 seed_accounts failed"),
            "{error}"
        );
        assert_eq!(doc["postflight"], Value::Null);
    }
    for db in databases() {
        db.run(bin!("app_broken_down"), &["migrate"]).expect(0);
        let doc = db
            .run(bin!("app_broken_down"), &["rollback", "--format", "json"])
            .expect(4)
            .json();
        run_summary(&db, &doc, "rollback", "failed", 4);
        assert_eq!(doc["rolled_back"], serde_json::json!([]));
        let error = doc["error"].as_str().expect("an error");
        assert!(
            error.contains("rollback of 1004 create_invoices failed"),
            "{error}"
        );
    }
}

#[test]
fn a_refused_run_summarises_as_json() {
    for db in databases() {
        db.run(bin!("app"), &["migrate"]).expect(0);
        let doc = db
            .run(bin!("app_edited"), &["migrate", "--format", "json"])
            .expect(1)
            .json();
        run_summary(&db, &doc, "migrate", "refused", 1);
        assert_eq!(doc["applied"], serde_json::json!([]));
        let error = doc["error"].as_str().expect("an error");
        assert!(
            error.contains("migrate refused, nothing was changed")
                && error.contains("1002 add_account_name was changed"),
            "{error}"
        );
        assert_eq!(
            db.states(bin!("app_edited")),
            states(&[(1001, "applied"), (1002, "modified"), (1003, "applied")])
        );
    }
}

#[test]
fn a_stopped_run_summarises_as_json() {
    for db in databases() {
        let run = Running::start_until_sleeping(
            &db,
            bin!("app_interrupt"),
            &["migrate", "--format", "json"],
            2500,
        );
        run.signal("INT");
        let end = run.wait(Duration::from_secs(60));
        end.expect(130)
            .stderr_has(&["migrate stopped by a signal after 2 of 4 migrations"]);
        let doc = end.json();
        run_summary(&db, &doc, "migrate", "stopped", 130);
        assert_eq!(doc["batch"], 1);
        assert_eq!(versions(&doc["applied"]), [1001, 1002]);
        assert!(
            doc["applied"][1]["duration_ms"].as_u64().unwrap() >= 2500,
            "{doc:#}"
        );
        assert_eq!(
            doc["not_run"],
            serde_json::json!([
                {"version": 1003, "name": "create_audit_log"},
                {"version": 1004, "name": "create_notes"},
            ])
        );
        assert_eq!(doc["error"], Value::Null);
        assert_postflight_ok(&doc, 1);
    }
}

// --- 3. --log-format json -------------------------------------------------------------

/// Every line of `stderr` as a JSON object, each with an RFC 3339 UTC timestamp, a
/// level and an event.
#[track_caller]
fn log_events(stderr: &str) -> Vec<Value> {
    assert!(!stderr.trim().is_empty(), "no events at all");
    stderr
        .lines()
        .map(|line| {
            let event: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("a stderr line is not JSON ({e}): {line:?}\n{stderr}"));
            assert!(event.is_object(), "{line}");
            let ts = event["timestamp"].as_str().unwrap_or_default();
            assert!(is_rfc3339_utc(ts), "timestamp {ts:?} in {line}");
            assert!(
                matches!(
                    event["level"].as_str(),
                    Some("TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR")
                ),
                "{line}"
            );
            assert!(event["event"].is_string(), "{line}");
            event
        })
        .collect()
}

#[test]
fn log_format_json_puts_one_event_object_on_each_stderr_line() {
    for db in databases() {
        let app = bin!("app");
        let run = db.run(app, &["--log-format", "json", "migrate"]);
        run.expect(0)
            .stdout_has(&["applied 3 migrations as batch 1"]);
        let events = log_events(&run.stderr);
        let names: Vec<&str> = events
            .iter()
            .map(|e| e["event"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "started",
                "applied",
                "started",
                "applied",
                "started",
                "applied",
                "postflight"
            ],
            "{}",
            run.stderr
        );
        let status = db
            .run(app, &["status", "--format", "json"])
            .expect(0)
            .json();
        let checksums: BTreeMap<i64, &str> = status["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["version"].as_i64().unwrap(),
                    m["checksum"].as_str().unwrap(),
                )
            })
            .collect();
        let applied: Vec<&Value> = events.iter().filter(|e| e["event"] == "applied").collect();
        assert_eq!(
            applied
                .iter()
                .map(|e| e["version"].as_i64().unwrap())
                .collect::<Vec<_>>(),
            [1001, 1002, 1003]
        );
        for e in applied {
            let version = e["version"].as_i64().unwrap();
            assert_eq!(e["level"], "INFO", "{e}");
            assert!(e["name"].is_string(), "{e}");
            assert_eq!(e["batch"], 1, "{e}");
            assert_eq!(e["checksum"], checksums[&version], "{e}");
            assert!(is_hex_64(e["checksum"].as_str().unwrap()), "{e}");
            assert!(e["duration_ms"].is_u64(), "{e}");
            assert_eq!(e["outcome"], "ok", "{e}");
        }
        assert_eq!(events[1]["name"], "create_accounts");
        let postflight = events.last().unwrap();
        assert_eq!(postflight["outcome"], "ok");
        assert_eq!(
            postflight["checksum"],
            status["schema_checksum"]["checksum"]
        );
    }
}

#[test]
fn log_format_json_reports_a_failed_migration_and_the_exit_code() {
    for db in databases() {
        let run = db.run(bin!("app_failing"), &["--log-format", "json", "migrate"]);
        run.expect(2);
        let events = log_events(&run.stderr);
        let failed: Vec<&Value> = events.iter().filter(|e| e["event"] == "failed").collect();
        assert_eq!(failed.len(), 1, "{}", run.stderr);
        let failed = failed[0];
        assert_eq!(failed["level"], "ERROR");
        assert_eq!(failed["version"], 1004);
        assert_eq!(failed["name"], "seed_accounts");
        assert_eq!(failed["outcome"], "failed");
        assert!(
            failed["error"]
                .as_str()
                .is_some_and(|e| e.contains("no_such_table")),
            "{failed}"
        );
        assert_eq!(events.iter().filter(|e| e["event"] == "applied").count(), 3);
        let last = events.last().unwrap();
        assert_eq!(last["event"], "error", "{}", run.stderr);
        assert_eq!(last["level"], "ERROR");
        assert_eq!(last["exit_code"], 2);
        assert!(
            last["message"]
                .as_str()
                .is_some_and(|m| m.contains("migration 1004 seed_accounts failed")),
            "{last}"
        );
    }
}

// --- 4. Progress ------------------------------------------------------------------------

/// Whether `line` is `{verb:<12} {version} {name} (N ms) [i/n]`.
fn is_progress_line(line: &str, verb: &str, version: i64, name: &str, at: &str) -> bool {
    let Some(rest) = line.strip_prefix(&format!("{verb:<12} {version} {name} (")) else {
        return false;
    };
    let Some(ms) = rest.strip_suffix(&format!(" ms) [{at}]")) else {
        return false;
    };
    !ms.is_empty() && ms.bytes().all(|b| b.is_ascii_digit())
}

#[test]
fn progress_on_a_pipe_is_plain_lines() {
    for db in databases() {
        let run = db.run(bin!("app"), &["migrate"]);
        run.expect(0);
        assert!(
            !run.stderr.contains('\x1b'),
            "escape codes: {:?}",
            run.stderr
        );
        let lines: Vec<&str> = run.stderr.lines().collect();
        let expected = [
            (1001, "create_accounts", "1/3"),
            (1002, "add_account_name", "2/3"),
            (1003, "create_audit_log", "3/3"),
        ];
        assert_eq!(lines.len(), expected.len(), "{}", run.stderr);
        for (line, (version, name, at)) in lines.iter().zip(expected) {
            assert!(
                is_progress_line(line, "applied", version, name, at),
                "{line:?}"
            );
        }

        let run = db.run(bin!("app"), &["rollback", "--steps", "2"]);
        run.expect(0).stdout_has(&["rolled back 2 migrations"]);
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{}", run.stderr);
        assert!(
            is_progress_line(lines[0], "rolled back", 1003, "create_audit_log", "1/2"),
            "{}",
            lines[0]
        );
        assert!(
            is_progress_line(lines[1], "rolled back", 1002, "add_account_name", "2/2"),
            "{}",
            lines[1]
        );
    }
}

#[test]
fn the_progress_bar_on_a_terminal_stays_off_stdout() {
    let has_script = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_script {
        eprintln!("note: skipping the terminal test: util-linux `script` is not installed");
        return;
    }
    let db = sqlite();
    let inner = format!(
        "'{}' --database-url '{}' migrate --format json > out.json",
        bin!("app"),
        db.url
    );
    let out = Command::new("script")
        .args(["-qec", &inner, "/dev/null"])
        .current_dir(db.dir())
        .env_remove("DATABASE_URL")
        .env_remove("UPDOWN_ENV")
        .env("TERM", "xterm")
        .stdin(Stdio::null())
        .output()
        .expect("run script");
    let pty = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{pty}");
    let json = std::fs::read_to_string(db.dir().join("out.json")).expect("out.json");
    assert!(!json.contains('\x1b') && !json.contains("3/3"), "{json}");
    let doc: Value = serde_json::from_str(&json)
        .unwrap_or_else(|e| panic!("out.json is not one JSON document ({e}):\n{json}"));
    assert_eq!(doc["outcome"], "ok");
    assert_eq!(versions(&doc["applied"]), [1001, 1002, 1003]);
    // The bar was drawn on the terminal: a position, a bar, escape codes.
    assert!(pty.contains("3/3"), "{pty:?}");
    assert!(pty.contains("[=====") && pty.contains('\x1b'), "{pty:?}");
    assert!(!pty.contains("\"outcome\""), "{pty:?}");
}

// --- 5. Exit codes ----------------------------------------------------------------------

/// The exit code of the last of `runs`, each `(binary, arguments)` run in turn on a new
/// SQLite database.
fn last_code(runs: &[(&str, &[&str])]) -> i32 {
    let db = sqlite();
    let mut code = -1;
    for (bin, args) in runs {
        code = db.run(bin, args).code;
    }
    code
}

#[test]
fn every_documented_exit_code_is_reached() {
    let mut reached = Vec::new();
    let mut case = |expected: i32, what: &str, code: i32| {
        assert_eq!(code, expected, "{what}: exited {code}, expected {expected}");
        reached.push(expected);
    };
    case(0, "migrate", last_code(&[(bin!("app"), &["migrate"])]));
    case(
        1,
        "migrate refused for drift",
        last_code(&[
            (bin!("app"), &["migrate"]),
            (bin!("app_edited"), &["migrate"]),
        ]),
    );
    case(
        2,
        "a migration failed",
        last_code(&[(bin!("app_failing"), &["migrate"])]),
    );
    case(
        3,
        "the postflight of a run found rows breaking a foreign key",
        last_code(&[(bin!("app_orphans"), &["migrate"])]),
    );
    case(
        3,
        "postflight found a dirty migration",
        last_code(&[
            (bin!("app_untransacted"), &["migrate"]),
            (bin!("app_untransacted"), &["postflight"]),
        ]),
    );
    case(
        4,
        "a rollback failed",
        last_code(&[
            (bin!("app_broken_down"), &["migrate"]),
            (bin!("app_broken_down"), &["rollback"]),
        ]),
    );
    let db = sqlite();
    let bad = db.run_bare(
        bin!("app"),
        &["--database-url", "bogus://nowhere", "migrate"],
        &[],
    );
    bad.stderr_has(&["invalid database URL"]);
    case(5, "a bad URL", bad.code);
    let run = Running::start_until_sleeping(&db, bin!("app_interrupt"), &["migrate"], 1000);
    run.signal("INT");
    case(
        130,
        "stopped by SIGINT",
        run.wait(Duration::from_secs(60)).code,
    );
    reached.dedup();
    assert_eq!(reached, [0, 1, 2, 3, 4, 5, 130]);
}

/// Orphan rows under a foreign key the database did not check fail the postflight of the
/// run that added them: exit 3, the finding in the summary.
#[test]
fn orphan_rows_fail_the_postflight_with_exit_3() {
    for db in databases() {
        let doc = db
            .run(bin!("app_orphans"), &["migrate", "--format", "json"])
            .expect(3)
            .json();
        run_summary(&db, &doc, "migrate", "postflight failed", 3);
        assert_eq!(doc["postflight"]["ok"], false);
        let findings = doc["postflight"]["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 1, "{doc:#}");
        assert_eq!(findings[0]["kind"], "orphan rows");
        assert_eq!(findings[0]["table"], "child");
        assert_eq!(findings[0]["parent"], "parent");
        assert_eq!(findings[0]["rows"], 1);
        db.run(bin!("app_orphans"), &["postflight"])
            .expect(3)
            .stdout_has(&["breaks the foreign key"]);
    }
}

/// What the ignored test relies on: the fixture applies and leaves a child row that no
/// parent matches, under a foreign key, on every backend.
#[test]
fn the_orphans_fixture_leaves_a_row_no_parent_matches() {
    for db in databases() {
        let run = db.run(bin!("app_orphans"), &["migrate"]);
        assert!(matches!(run.code, 0 | 3), "{run:?}");
        assert_eq!(db.states(bin!("app_orphans")), states(&[(1001, "applied")]));
        assert_eq!(
            db.number(
                "SELECT COUNT(*) AS n FROM child WHERE parent_id NOT IN (SELECT id FROM parent)"
            ),
            1
        );
        let keys = match db.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) AS n FROM pragma_foreign_key_list('child') WHERE \"table\" = 'parent'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) AS n FROM pg_constraint WHERE conname = 'child_parent_fk' AND contype = 'f'"
            }
            _ => {
                "SELECT COUNT(*) AS n FROM information_schema.REFERENTIAL_CONSTRAINTS \
                 WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'child' AND REFERENCED_TABLE_NAME = 'parent'"
            }
        };
        assert_eq!(db.number(keys), 1, "{}: no foreign key", db.backend);
    }
}
