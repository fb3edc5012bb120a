//! Fault injection at the seams of a run: with the `fault-injection` feature (on in these
//! fixtures), `UPDOWN_FAULT=POINT[:VERSION]` aborts the process at that point, as a kill
//! would. At every seam, on every backend, for `migrate` and `rollback`, nothing is left
//! half-recorded: each migration's effect exists exactly when its tracking row says
//! applied and its history's last word is `apply`, but for one marked dirty (outside a
//! transaction), which `status` shows as `dirty`; the lock is free, and `repair` then
//! `migrate` complete the run.
//!
//! `cargo test --all-features --test faults -- --nocapture` prints one line per case
//! (`RELIABILITY | fault | ...`).

use diesel::{QueryableByName, RunQueryDsl};
use updown::Backend;
use updown_tests::{TestDb, bin, databases};

const VERSIONS: [i64; 3] = [1001, 1002, 1003];

/// Whether each migration of `app` has its effect in the database.
fn effect(db: &TestDb, version: i64) -> bool {
    match version {
        1001 => db.table_exists("accounts"),
        1002 => db.table_exists("accounts") && has_column(db, "accounts", "name"),
        _ => db.table_exists("audit_log"),
    }
}

fn has_column(db: &TestDb, table: &str, column: &str) -> bool {
    let sql = match db.backend {
        Backend::Sqlite => format!(
            "SELECT COUNT(*) AS n FROM pragma_table_info('{table}') WHERE name = '{column}'"
        ),
        Backend::Postgres => format!(
            "SELECT COUNT(*) AS n FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = '{table}' AND column_name = '{column}'"
        ),
        _ => format!(
            "SELECT COUNT(*) AS n FROM information_schema.columns
             WHERE table_schema = DATABASE() AND table_name = '{table}' AND column_name = '{column}'"
        ),
    };
    db.number(&sql) > 0
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    version: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
}

/// A word for each version: a state, or an action.
type ByVersion = Vec<(i64, String)>;

/// The state of each tracking row, and the last successful action of each version in
/// the history.
fn recorded(db: &TestDb) -> (ByVersion, ByVersion) {
    if !db.table_exists("updown_migrations") {
        return (Vec::new(), Vec::new());
    }
    let mut conn = db.connect();
    let rows: Vec<Row> =
        diesel::sql_query("SELECT version, state AS text FROM updown_migrations ORDER BY version")
            .load(&mut conn)
            .expect("tracking rows");
    let history: Vec<Row> = diesel::sql_query(
        "SELECT version, action AS text FROM updown_history WHERE outcome = 'ok' AND action <> 'postflight' ORDER BY id",
    )
    .load(&mut conn)
    .expect("history rows");
    let mut last: Vec<(i64, String)> = Vec::new();
    for h in history {
        last.retain(|(v, _)| *v != h.version);
        last.push((h.version, h.text));
    }
    last.sort();
    (
        rows.into_iter().map(|r| (r.version, r.text)).collect(),
        last,
    )
}

/// Checks the invariant after a fault; returns the dirty migration, if one is, and a
/// short account of what the fault left.
#[track_caller]
fn check_nothing_half_recorded(db: &TestDb, case: &str) -> (Option<i64>, String) {
    let (rows, last) = recorded(db);
    let status = db.run(bin!("app"), &["status", "--format", "json"]);
    status.expect(0);
    let shown = status.json();
    let mut dirty = None;
    let mut left = Vec::new();
    for version in VERSIONS {
        let row = rows
            .iter()
            .find(|(v, _)| *v == version)
            .map(|(_, s)| s.as_str());
        let history = last
            .iter()
            .find(|(v, _)| *v == version)
            .map(|(_, a)| a.as_str());
        let state = shown["migrations"]
            .as_array()
            .expect("migrations")
            .iter()
            .find(|m| m["version"] == version)
            .map(|m| m["state"].as_str().unwrap_or_default().to_owned())
            .unwrap_or_default();
        let has = effect(db, version);
        match row {
            Some("applied") => assert!(
                has && history == Some("apply"),
                "{case}: {version} is tracked as applied, effect {has}, last history {history:?}"
            ),
            None => assert!(
                !has && history != Some("apply"),
                "{case}: {version} is not tracked, effect {has}, last history {history:?}"
            ),
            Some(marked) => {
                // Only a migration outside a transaction is ever marked, and at most one.
                assert_eq!(
                    db.backend,
                    Backend::Mysql,
                    "{case}: {version} is {marked} where DDL is transactional"
                );
                assert!(dirty.is_none(), "{case}: two migrations are marked");
                assert_eq!(state, "dirty", "{case}: status shows {version} as {state}");
                dirty = Some(version);
            }
        }
        left.push(format!("{version} {state}"));
    }
    (dirty, left.join(", "))
}

/// `repair` of the dirty one, if any, then `migrate`: exit 0, everything applied and
/// recorded. A lock the aborted run left held would time out instead (exit 1).
#[track_caller]
fn recover(db: &TestDb, dirty: Option<i64>, case: &str) {
    if let Some(version) = dirty {
        let v = version.to_string();
        let mut args = vec!["repair", "--version", v.as_str(), "--lock-timeout", "5s"];
        if effect(db, version) {
            args.push("--applied");
        }
        db.run(bin!("app"), &args).expect(0);
    }
    db.run(bin!("app"), &["migrate", "--lock-timeout", "5s"])
        .expect(0);
    let (rows, last) = recorded(db);
    for version in VERSIONS {
        assert!(
            effect(db, version),
            "{case}: {version} has no effect after recovery"
        );
        assert!(
            rows.contains(&(version, "applied".into())),
            "{case}: {version} not applied"
        );
        assert!(
            last.contains(&(version, "apply".into()))
                || (dirty == Some(version) && last.contains(&(version, "repair".into()))),
            "{case}: {version}'s history does not end in apply: {last:?}"
        );
    }
}

/// A server may take a moment to notice a dead client and end its session, with its lock;
/// until then the interrupted migration shows as `running`.
fn wait_until_the_server_ends_the_session(db: &TestDb, case: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let status = db.run(bin!("app"), &["status", "--format", "json"]);
        status.expect(0);
        let running = status.json()["migrations"]
            .as_array()
            .expect("migrations")
            .iter()
            .any(|m| m["state"] == "running");
        if !running {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{case}: still running after 10 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_process_stopped_at_any_seam_leaves_nothing_half_recorded() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("migrate", &[], "before-body:1002"),
        ("migrate", &[], "after-body:1002"),
        ("migrate", &[], "after-history:1002"),
        ("migrate", &[], "before-unlock"),
        ("rollback", &["--steps", "2"], "before-body:1002"),
        ("rollback", &["--steps", "2"], "after-body:1002"),
        ("rollback", &["--steps", "2"], "after-history:1002"),
        ("rollback", &["--steps", "2"], "before-unlock"),
    ];
    let backends: Vec<Backend> = databases().iter().map(|db| db.backend).collect();
    for backend in backends {
        for (command, args, point) in cases {
            let db = databases()
                .into_iter()
                .find(|db| db.backend == backend)
                .expect("the backend is still there");
            if *command == "rollback" {
                db.run(bin!("app"), &["migrate"]).expect(0);
            }
            let mut full = vec![*command];
            full.extend_from_slice(args);
            let run = db.run_with(bin!("app"), &full, &[("UPDOWN_FAULT", point)]);
            let case = format!("{backend} {command} stopped at {point}");
            // Every point is on the path but `before-body` where every migration runs in a
            // transaction: there the run finishes.
            let on_path = backend == Backend::Mysql || !point.starts_with("before-body");
            let reached = run.code == -1;
            assert_eq!(
                (reached, run.code),
                (on_path, if on_path { -1 } else { 0 }),
                "{case}: exited {}\n{}",
                run.code,
                run.stderr
            );
            wait_until_the_server_ends_the_session(&db, &case);
            let (dirty, left) = check_nothing_half_recorded(&db, &case);
            recover(&db, dirty, &case);
            println!(
                "RELIABILITY | fault | {backend} | {command} | {point} | {} | left {left} | consistent; lock free; recovered |",
                if reached {
                    "aborted there"
                } else {
                    "not on this path"
                }
            );
        }
    }
}
