//! What a user sees when things go wrong around a run: a migration that is running told
//! apart from one that was interrupted, output to a pipe that closed, two `new` at once,
//! and tables of an older updown upgraded in place.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use updown::Backend;
use updown_tests::{TestDb, bin, databases, sqlite, start_slow_migrate};

/// The state `status --format json` shows for `version`.
fn shown_state(db: &TestDb, bin: &str, version: i64) -> String {
    let status = db.run(bin, &["status", "--format", "json"]);
    status.expect(0);
    status.json()["migrations"]
        .as_array()
        .expect("migrations")
        .iter()
        .find(|m| m["version"] == version)
        .and_then(|m| m["state"].as_str())
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn status_tells_a_running_migration_from_an_interrupted_one() {
    // Only where a migration runs outside a transaction is its mark visible to others.
    for db in databases()
        .into_iter()
        .filter(|db| db.backend == Backend::Mysql)
    {
        let mut child = start_slow_migrate(&db, bin!("app_slow"), "30000");
        assert_eq!(shown_state(&db, bin!("app_slow"), 1002), "running");
        db.run(bin!("app_slow"), &["status"])
            .expect(0)
            .stdout_has(&["1 running"]);
        // Another command waits for the lock the runner holds.
        db.run(bin!("app_slow"), &["repair", "--lock-timeout", "1s"])
            .expect(1)
            .stderr_has(&["timed out"]);

        child.kill().expect("kill the migrator");
        child.wait().expect("reaped");
        // The server ends the dead client's session, and with it its lock.
        let deadline = Instant::now() + Duration::from_secs(10);
        while shown_state(&db, bin!("app_slow"), 1002) != "dirty" {
            assert!(Instant::now() < deadline, "1002 never showed as dirty");
            std::thread::sleep(Duration::from_millis(100));
        }
        db.run(bin!("app_slow"), &["migrate"])
            .expect(1)
            .stderr_has(&["1002 slow is marked dirty", "repair --version 1002"]);
        db.run(bin!("app_slow"), &["repair", "--version", "1002"])
            .expect(0);
        db.run(bin!("app_slow"), &["migrate"]).expect(0);
        assert_eq!(shown_state(&db, bin!("app_slow"), 1002), "applied");
    }
}

#[test]
fn output_to_a_closed_pipe_ends_the_output_not_the_command() {
    let db = sqlite();
    db.run(bin!("app"), &["migrate"]).expect(0);
    for args in [
        &["status"][..],
        &["status", "--format", "json"],
        &["history"],
        &["history", "--format", "json"],
        &["completions", "bash"],
        &["migrate"],
    ] {
        let mut child = db
            .command(bin!("app"), args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start app");
        // Closed before the program writes: it connects to the database first.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("app ends");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn two_new_at_once_take_two_versions() {
    let db = sqlite();
    let dir = db.dir().join("migrations");
    let children: Vec<_> = (0..6)
        .map(|i| {
            Command::new(bin!("app"))
                .args(["new", &format!("step_{i}"), "--dir"])
                .arg(&dir)
                .stdout(Stdio::null())
                .spawn()
                .expect("start app new")
        })
        .collect();
    for mut child in children {
        assert!(child.wait().expect("app new ends").success());
    }
    let mut versions: Vec<String> = std::fs::read_dir(&dir)
        .expect("the folder was written")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("m2"))
        .map(|name| name[1..16].to_owned())
        .collect();
    versions.sort();
    let count = versions.len();
    versions.dedup();
    assert_eq!((count, versions.len()), (6, 6), "{versions:?}");
    let module = std::fs::read_to_string(dir.join("mod.rs")).expect("mod.rs");
    assert_eq!(module.matches("\nmod m").count(), 6, "{module}");
}

/// Two crates linked into one program must not share a version either.
#[test]
fn new_in_two_folders_in_the_same_second_takes_two_versions() {
    let db = sqlite();
    let mut versions = Vec::new();
    for i in 0..3 {
        for folder in ["first", "second"] {
            let dir = db.dir().join(folder);
            db.run_bare(
                bin!("app"),
                &[
                    "new",
                    &format!("step_{i}"),
                    "--dir",
                    dir.to_str().expect("utf-8"),
                ],
                &[],
            )
            .expect(0);
        }
    }
    for folder in ["first", "second"] {
        for entry in std::fs::read_dir(db.dir().join(folder)).expect("written") {
            let name = entry
                .expect("entry")
                .file_name()
                .into_string()
                .expect("utf-8");
            if name.starts_with("m2") {
                versions.push(name[1..16].to_owned());
            }
        }
    }
    versions.sort();
    let count = versions.len();
    versions.dedup();
    assert_eq!((count, versions.len()), (6, 6), "{versions:?}");
}

/// updown's tables as the first release created them (layout 1), with two migrations
/// applied and their history.
fn layout_one(db: &TestDb) -> Vec<String> {
    let (id, text, word) = match db.backend {
        Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "TEXT"),
        Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "TEXT", "TEXT"),
        _ => (
            "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
            "VARCHAR(255)",
            "VARCHAR(16)",
        ),
    };
    vec![
        format!(
            "CREATE TABLE updown_migrations (version BIGINT NOT NULL PRIMARY KEY, name {text} NOT NULL,
             checksum {text} NOT NULL, applied_at {text} NOT NULL, duration_ms BIGINT NOT NULL,
             batch BIGINT NOT NULL, state {word} NOT NULL)"
        ),
        format!(
            "CREATE TABLE updown_history (id {id}, version BIGINT NOT NULL, name {text} NOT NULL,
             action {word} NOT NULL, batch BIGINT, checksum {text} NOT NULL, at {text} NOT NULL,
             duration_ms BIGINT NOT NULL, outcome {word} NOT NULL, error TEXT, note TEXT)"
        ),
    ]
}

#[test]
fn tables_of_layout_one_are_upgraded_in_place_keeping_every_row() {
    for db in databases() {
        // Applied by today's updown, then taken back to layout 1 with the same rows.
        db.run(bin!("app"), &["migrate", "--to", "1002"]).expect(0);
        let copy = |sql: &str| {
            use diesel::RunQueryDsl;
            diesel::sql_query(sql)
                .execute(&mut db.connect())
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        };
        copy(
            "CREATE TABLE kept_migrations AS SELECT version, name, checksum, applied_at, duration_ms, batch, state FROM updown_migrations",
        );
        copy("CREATE TABLE kept_history AS SELECT * FROM updown_history");
        copy("DROP TABLE updown_migrations");
        copy("DROP TABLE updown_history");
        copy("DROP TABLE updown_layout");
        for sql in layout_one(&db) {
            copy(&sql);
        }
        copy("INSERT INTO updown_migrations SELECT * FROM kept_migrations");
        // Without ids: each backend numbers them as it did then. Layout 1 knew no
        // postflight.
        copy("INSERT INTO updown_history (version, name, action, batch, checksum, at, duration_ms, outcome, error, note)
              SELECT version, name, action, batch, checksum, at, duration_ms, outcome, error, note FROM kept_history WHERE action <> 'postflight' ORDER BY id");
        copy("DROP TABLE kept_migrations");
        copy("DROP TABLE kept_history");
        let history_before = db.count("updown_history");
        assert_eq!(history_before, 2);

        // Reading changes nothing.
        db.run(bin!("app"), &["status"])
            .expect(0)
            .stdout_has(&["2 applied, 1 pending"]);
        db.run(bin!("app"), &["history"]).expect(0);
        assert!(
            !db.table_exists("updown_layout"),
            "{}: status wrote",
            db.backend
        );

        db.run(bin!("app"), &["migrate"])
            .expect(0)
            .stdout_has(&["applied 1 migration"]);
        assert_eq!(
            db.number("SELECT MAX(version) AS n FROM updown_layout"),
            updown::LAYOUT,
            "{}",
            db.backend
        );
        assert_eq!(
            db.number("SELECT COUNT(*) AS n FROM updown_migrations WHERE runner IS NULL"),
            3
        );
        // The apply and its postflight.
        assert_eq!(db.count("updown_history"), history_before + 2);
        db.run(bin!("app"), &["rollback", "--steps", "3"]).expect(0);
        assert_eq!(db.count("updown_migrations"), 0);
    }
}

#[test]
fn a_newer_layout_is_refused_naming_what_to_do() {
    for db in databases() {
        db.run(bin!("app"), &["migrate", "--to", "1001"]).expect(0);
        {
            use diesel::RunQueryDsl;
            diesel::sql_query("UPDATE updown_layout SET version = 4")
                .execute(&mut db.connect())
                .expect("layout set");
        }
        for args in [&["migrate"][..], &["status"]] {
            db.run(bin!("app"), args).expect(1).stderr_has(&[
                "layout 4, written by a newer updown",
                "nothing was changed",
                "upgrade the `updown` crate",
            ]);
        }
        assert_eq!(db.count("updown_migrations"), 1);
    }
}

/// An argument that is not UTF-8 is an argument error (exit 5), not a panic while the
/// error is shown.
#[test]
fn an_argument_that_is_not_utf8_is_refused_without_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let db = sqlite();
    let out = db
        .command(bin!("app"), &["status"])
        .arg(std::ffi::OsStr::from_bytes(b"\xff"))
        .output()
        .expect("app runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("unexpected argument"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
