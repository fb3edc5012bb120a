//! Coming from diesel: diesel folders (embedded or read at run time) in diesel's own
//! order and in the same plan as Rust migrations, adopting a database diesel migrated,
//! connection set-up SQL, and diesel's runner running updown's registry.

use std::fs;
use std::path::{Path, PathBuf};

use diesel::RunQueryDsl;
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use updown::{Compiled, DieselDir, Registry, Source};
use updown_tests::{TestDb, bin, databases, diesel_dir, diesel_set, sqlite, states};

// The Rust migration `app_diesel` has, for the registry diesel's runner runs here.
#[path = "fixtures/migrations/create_orders.rs"]
mod file_create_orders;

const SMALL: &str = "tests/fixtures/diesel/small";

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn arg(path: &Path) -> String {
    path.display().to_string()
}

/// Runs `app_empty --diesel-dir DIR ARGS...` on `db`.
fn with_dir(db: &TestDb, dir: &str, args: &[&str]) -> updown_tests::Run {
    let mut all = vec!["--diesel-dir", dir];
    all.extend(args);
    db.run(bin!("app_empty"), &all)
}

/// `(version, name)` of every migration, as `status --format json` lists them.
fn listed(db: &TestDb, bin: &str, args: &[&str]) -> Vec<(i64, String)> {
    let mut all = args.to_vec();
    all.extend(["status", "--format", "json"]);
    db.run(bin, &all).expect(0).json()["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let name = m["name"].as_str().unwrap().to_owned();
            (m["version"].as_i64().unwrap(), name)
        })
        .collect()
}

/// Versions of every kind real projects mix, where text order (diesel's) and number
/// order differ, and each migration needs the one before it in diesel's order.
#[test]
fn folders_run_in_diesels_order_whatever_their_version_format() {
    let dir = diesel_dir(&[
        (
            "00000000000000_diesel_initial_setup",
            "CREATE TABLE step0 (x INT)",
            Some("DROP TABLE step0"),
        ),
        (
            "20170318181441_create_users",
            "CREATE TABLE users (id INT PRIMARY KEY)",
            Some("DROP TABLE users"),
        ),
        // 8 digits: after the 14-digit one as text, before it as a number.
        (
            "20170821_add users name",
            "ALTER TABLE users ADD COLUMN name VARCHAR(50)",
            Some("ALTER TABLE users DROP COLUMN name"),
        ),
        // 16 digits, dashed, and dashed with a `-0000` suffix.
        (
            "2018010112000000_add_users_email",
            "ALTER TABLE users ADD COLUMN email VARCHAR(50)",
            Some("ALTER TABLE users DROP COLUMN email"),
        ),
        (
            "2018-07-25-165754_create_posts",
            "CREATE TABLE posts (id INT PRIMARY KEY, user_id INT, title VARCHAR(50))",
            Some("DROP TABLE posts"),
        ),
        (
            "2018-07-25-165754-0000_seed",
            "INSERT INTO users (id, name, email) VALUES (1, 'a', 'a@x'); INSERT INTO posts (id, user_id, title) VALUES (1, 1, 't')",
            Some("DELETE FROM posts WHERE id = 1; DELETE FROM users WHERE id = 1"),
        ),
        // Only comments: a no-op that diesel runs too.
        (
            "2019-01-01-000000_placeholder",
            "-- Your SQL goes here\n",
            Some("-- This file should undo anything in `up.sql`\nSELECT 1"),
        ),
    ]);
    let folders = arg(dir.path());
    fs::write(dir.path().join("README.md"), "stray").unwrap();
    fs::write(dir.path().join(".keep"), "").unwrap();
    fs::create_dir(dir.path().join(".old")).unwrap();
    fs::write(dir.path().join(".old/up.sql"), "THIS IS NOT SQL").unwrap();
    let expected = states(&[
        (0, "diesel_initial_setup"),
        (20170318181441, "create_users"),
        (20170821, "add users name"),
        (2018010112000000, "add_users_email"),
        (20180725165754, "create_posts"),
        (201807251657540000, "seed"),
        (20190101000000, "placeholder"),
    ]);
    for db in databases() {
        let with = ["--diesel-dir", folders.as_str()];
        assert_eq!(listed(&db, bin!("app_empty"), &with), expected);
        with_dir(&db, &folders, &["migrate"])
            .expect(0)
            .stdout_has(&["applied 7 migrations as batch 1"]);
        assert_eq!(db.count("posts"), 1, "{:?}", db.backend);
        with_dir(&db, &folders, &["reset", "--yes"])
            .expect(0)
            .stdout_has(&["rolled back 7 migrations"]);
        assert!(!db.table_exists("users") && !db.table_exists("step0"));
        with_dir(&db, &folders, &["verify"])
            .expect(0)
            .stdout_has(&["verify passed"]);
    }
}

#[test]
fn embedded_folders_interleave_with_rust_migrations_as_diesel_compares_versions() {
    // Compared as text, Rust's 20240101_120000 goes after the folder 20240101000000 and
    // before the 8-digit 20240102 (a smaller number) and 2024-01-03-000000, whose table
    // needs it.
    let order = [
        (0, "create_settings"),
        (20240101000000, "create_widgets"),
        (20240101120000, "create_orders"),
        (20240102, "add widget color"),
        (20240103000000, "create_order_notes"),
        (202401030000000000, "seed_widgets"),
    ];
    let order = states(&order);
    // Beside a history of 8- to 18-digit versions, a Rust migration of 2024 comes after
    // every folder of 2023.
    let sqlite_set = arg(&diesel_set(updown::Backend::Sqlite));
    let beside = listed(
        &sqlite(),
        bin!("app_diesel"),
        &["--diesel-dir", &sqlite_set],
    );
    let rust_at = beside
        .iter()
        .position(|(_, n)| n == "create_orders")
        .unwrap();
    let text = |v: &i64| v.to_string();
    assert!(rust_at > 40, "{beside:?}");
    assert!(
        beside[..rust_at]
            .iter()
            .all(|(v, _)| text(v).as_str() < "20240101120000")
    );
    assert!(
        beside[rust_at + 1..]
            .iter()
            .all(|(v, _)| text(v).as_str() > "20240101120000")
    );
    for db in databases() {
        assert_eq!(listed(&db, bin!("app_diesel"), &[]), order);
        db.run(bin!("app_diesel"), &["migrate"]).expect(0);
        assert_eq!(db.count("widgets"), 1);
        db.run(bin!("app_diesel"), &["rollback"]).expect(0);
        assert!(!db.table_exists("settings"), "{:?}", db.backend);
        db.run(bin!("app_diesel"), &["verify"])
            .expect(0)
            .stdout_has(&["verify passed"]);
    }
}

#[test]
fn embedded_and_run_time_folders_have_the_same_checksums() {
    let db = sqlite();
    let checksums = |bin: &str, args: &[&str]| -> Vec<(i64, String)> {
        let mut all = args.to_vec();
        all.extend(["status", "--format", "json"]);
        db.run(bin, &all).expect(0).json()["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["name"] != "create_orders")
            .map(|m| {
                let sum = m["checksum"].as_str().unwrap().to_owned();
                (m["version"].as_i64().unwrap(), sum)
            })
            .collect()
    };
    let small = arg(&fixture(SMALL));
    let embedded = checksums(bin!("app_diesel"), &[]);
    let read = checksums(bin!("app_empty"), &["--diesel-dir", &small]);
    assert_eq!(embedded.len(), 5);
    assert_eq!(embedded, read);
    db.run(bin!("app_diesel"), &["--diesel-dir", &small, "status"])
        .expect(5)
        .stderr_has(&[
            "create_widgets (tests/fixtures/diesel/small/20240101000000_create_widgets)",
            "(the same migration each time: it is registered twice)",
            "passed with `--diesel-dir` too is registered twice: use one of them",
        ]);

    // Migrated from the embedded folders, then run from the same folders on disk: the
    // same migrations, nothing pending, no drift.
    db.run(bin!("app_diesel"), &["migrate"]).expect(0);
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture(SMALL), dir.path());
    let run_time = ["--diesel-dir", &arg(dir.path())];
    let mut migrate = run_time.to_vec();
    migrate.extend(["migrate", "--allow-missing"]);
    db.run(bin!("app_empty"), &migrate)
        .expect(0)
        .stdout_has(&["nothing to apply"]);
    // An edit of a file on disk is drift.
    let up = dir.path().join("20240101000000_create_widgets/up.sql");
    fs::write(
        &up,
        "CREATE TABLE widgets (id BIGINT PRIMARY KEY, label TEXT)",
    )
    .unwrap();
    db.run(bin!("app_empty"), &migrate)
        .expect(1)
        .stderr_has(&["20240101000000 create_widgets was changed after it was applied"]);
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_folder_without_a_real_down_is_irreversible_reported_by_check_and_refused_by_rollback() {
    let dir = diesel_dir(&[
        (
            "2020-01-01-000000_a",
            "CREATE TABLE a (x INT)",
            Some("DROP TABLE a"),
        ),
        (
            "2020-01-02-000000_b",
            "CREATE TABLE b (x INT)",
            Some("-- This file should undo anything in `up.sql`\n"),
        ),
        ("2020-01-03-000000_c", "CREATE TABLE c (x INT)", None),
    ]);
    let folders = arg(dir.path());
    let db = sqlite();
    let check = with_dir(&db, &folders, &["check"]);
    check.expect(0).stdout_has(&[
        "warning: 20200102000000 b: missing-down",
        "2020-01-02-000000_b/down.sql` is empty or only comments",
        "warning: 20200103000000 c: missing-down",
        "2020-01-03-000000_c/down.sql` does not exist",
        "(a diesel folder cannot declare it: reported, not enforced)",
        "checked 3 migrations: 0 errors, 0 declared, 2 warnings",
    ]);
    let json = with_dir(&db, &folders, &["check", "--format", "json"])
        .expect(0)
        .json();
    assert_eq!(json["summary"]["warnings"], 2, "{json}");
    assert_eq!(json["findings"][0]["severity"], "warning", "{json}");

    with_dir(&db, &folders, &["migrate"]).expect(0);
    let rollback = with_dir(&db, &folders, &["rollback"]);
    rollback.expect(1).stderr_has(&[
        "rollback refused, nothing was changed",
        "migration 20200103000000 c is irreversible",
        "2020-01-03-000000_c/down.sql` does not exist",
        "migration 20200102000000 b is irreversible",
    ]);
    assert!(db.table_exists("c"));
    with_dir(&db, &folders, &["rollback", "--to", "20200102000000"])
        .expect(1)
        .stderr_has(&["20200103000000 c is irreversible"]);
}

#[test]
fn unreadable_folders_are_configuration_errors_that_name_the_folder() {
    let db = sqlite();
    let dir = diesel_dir(&[("20200101000000_a", "CREATE TABLE a (x INT)", None)]);
    fs::create_dir(dir.path().join("20200102000000_no_up")).unwrap();
    db.run(
        bin!("app_empty"),
        &["--diesel-dir", &arg(dir.path()), "status"],
    )
    .expect(5)
    .stderr_has(&["20200102000000_no_up` is not a diesel migration: it has no `up.sql`"]);

    let dir = diesel_dir(&[
        (
            "2020-01-01-000000_a",
            "CREATE TABLE a (x INT)",
            Some("DROP TABLE a"),
        ),
        (
            "20200101000000_b",
            "CREATE TABLE b (x INT)",
            Some("DROP TABLE b"),
        ),
    ]);
    db.run(
        bin!("app_empty"),
        &["--diesel-dir", &arg(dir.path()), "status"],
    )
    .expect(5)
    .stderr_has(&["version 20200101000000 is used by a (", "and b ("]);
    db.run(
        bin!("app_empty"),
        &["--diesel-dir", "no/such/dir", "status"],
    )
    .expect(5)
    .stderr_has(&["cannot read `no/such/dir`"]);
}

/// What diesel's table records, in its order.
fn diesel_versions(db: &TestDb) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    let rows: Vec<Version> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations ORDER BY version")
            .load(&mut db.connect())
            .unwrap();
    rows.into_iter().map(|r| r.version).collect()
}

#[test]
fn a_database_diesel_migrated_is_adopted_without_running_anything() {
    for db in databases() {
        // diesel's own runner migrates the first four folders.
        let older = tempfile::tempdir().unwrap();
        copy_dir(&fixture(SMALL), older.path());
        fs::remove_dir_all(older.path().join("2024-01-03-000000-0000_seed_widgets")).unwrap();
        let mut conn = db.connect();
        // `order_notes` needs the table a Rust migration of `app_diesel` creates.
        diesel::sql_query("CREATE TABLE orders (id BIGINT PRIMARY KEY, widget_id BIGINT NOT NULL)")
            .execute(&mut conn)
            .unwrap();
        let applied = conn
            .run_pending_migrations(FileBasedMigrations::from_path(older.path()).unwrap())
            .unwrap();
        assert_eq!(applied.len(), 4, "{:?}", db.backend);
        let recorded = diesel_versions(&db);

        // migrate refuses until adopted, and says how.
        let small = arg(&fixture(SMALL));
        let run = |args: &[&str]| with_dir(&db, &small, args);
        run(&["status"]).expect(0).stderr_has(&[
            "note: diesel applied 4 migrations to this database",
            "run `adopt diesel` first",
        ]);
        run(&["migrate"]).expect(1).stderr_has(&[
            "migrate refused, nothing was changed",
            "diesel applied 4 migrations to this database (`__diesel_schema_migrations`, from 00000000000000 create_settings)",
            "run `adopt diesel` first",
        ]);
        assert!(!db.table_exists("updown_migrations") || db.count("updown_migrations") == 0);

        run(&["adopt", "diesel"]).expect(0).stdout_has(&[
            "adopted 4 migrations diesel applied, recorded without running them (batch 0",
        ]);
        let status = states(&[
            (0, "applied"),
            (20240101000000, "applied"),
            (20240102, "applied"),
            (20240103000000, "applied"),
            (202401030000000000, "pending"),
        ]);
        let json = run(&["status", "--format", "json"]).expect(0).json();
        let got: Vec<(i64, String)> = json["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["version"].as_i64().unwrap(),
                    m["state"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(got, status, "{:?}", db.backend);
        let history = run(&["history", "--format", "json"]).expect(0).json();
        let actions: Vec<&str> = history["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["adopt"; 4]);
        run(&["adopt", "diesel"])
            .expect(0)
            .stdout_has(&["nothing to adopt"]);
        let after = run(&["status"]);
        assert!(
            !after.expect(0).stderr.contains("note:"),
            "{}",
            after.stderr
        );

        // Only the newer folder runs; diesel's table is left as diesel wrote it.
        run(&["migrate"])
            .expect(0)
            .stdout_has(&["applied 1 migration as batch 1"]);
        assert_eq!(db.count("widgets"), 1);
        assert_eq!(diesel_versions(&db), recorded);
    }
}

#[test]
fn adopting_refuses_versions_no_migration_has_and_writes_nothing() {
    for db in databases() {
        let mut conn = db.connect();
        diesel::sql_query(
            "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        )
        .execute(&mut conn)
        .unwrap();
        diesel::sql_query(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('00000000000000'), ('20231231000000')",
        )
        .execute(&mut conn)
        .unwrap();
        let small = arg(&fixture(SMALL));
        with_dir(&db, &small, &["adopt", "diesel"])
            .expect(1)
            .stderr_has(&[
                "adopt diesel refused, nothing was changed",
                "diesel recorded version 20231231000000 as applied, and no migration of this program has that version",
                "delete its row from `__diesel_schema_migrations`",
            ]);
        assert!(!db.table_exists("updown_migrations") && !db.table_exists("updown_history"));
    }
    let db = sqlite();
    db.run(bin!("app_diesel"), &["adopt", "diesel"])
        .expect(1)
        .stderr_has(&["has no `__diesel_schema_migrations` table"]);
}

#[test]
fn session_sql_runs_on_every_connection_first() {
    for db in databases() {
        let temp = if db.backend == updown::Backend::Mysql {
            "CREATE TEMPORARY TABLE session_mark (x INT)"
        } else {
            "CREATE TEMP TABLE session_mark (x INT)"
        };
        // The migration needs what the session SQL made.
        let dir = diesel_dir(&[(
            "20200101000000_uses_session",
            "INSERT INTO session_mark (x) VALUES (1); CREATE TABLE marks (x INT)",
            Some("DROP TABLE marks"),
        )]);
        let folders = arg(dir.path());
        with_dir(&db, &folders, &["migrate"])
            .expect(2)
            .stderr_has(&["20200101000000 uses_session", "session_mark"]);
        // MySQL marks it dirty (its DDL is not transactional): pending again.
        with_dir(&db, &folders, &["repair"]).expect(0);
        with_dir(&db, &folders, &["--session-sql", temp, "verify"])
            .expect(0)
            .stdout_has(&["verify passed"]);
        with_dir(&db, &folders, &["--session-sql", temp, "migrate"]).expect(0);
        with_dir(&db, &folders, &["--session-sql", "SELEC nothing", "status"])
            .expect(5)
            .stderr_has(&["running the session SQL `SELEC nothing`"]);
    }
}

/// A MySQL project whose folders create tables before the tables they reference, as
/// diesel runs them with `SET FOREIGN_KEY_CHECKS = 0`.
#[test]
fn foreign_key_checks_off_for_a_mysql_project_that_needs_it() {
    for db in databases()
        .into_iter()
        .filter(|db| db.backend == updown::Backend::Mysql)
    {
        let dir = diesel_dir(&[
            (
                "20200101000000_create_posts",
                "CREATE TABLE posts (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL, FOREIGN KEY (user_id) REFERENCES users (id))",
                Some("DROP TABLE posts"),
            ),
            (
                "20200102000000_create_users",
                "CREATE TABLE users (id BIGINT PRIMARY KEY)",
                Some("DROP TABLE users"),
            ),
        ]);
        let folders = arg(dir.path());
        with_dir(&db, &folders, &["migrate"])
            .expect(2)
            .stderr_has(&["20200101000000 create_posts"]);
        with_dir(&db, &folders, &["repair"]).expect(0);
        let off = |command: &[&str]| {
            let mut args = vec!["--session-sql", "SET FOREIGN_KEY_CHECKS = 0"];
            args.extend(command);
            with_dir(&db, &folders, &args)
        };
        off(&["migrate"]).expect(0);
        off(&["reset", "--yes"]).expect(0);
        assert!(!db.table_exists("users"));
    }
}

#[test]
fn diesels_runner_runs_updowns_registry_and_updown_adopts_what_it_ran() {
    let small = DieselDir::new(fixture(SMALL));
    let registry = Registry::from_sources(&[&Compiled as &dyn Source, &small]).unwrap();
    assert_eq!(registry.migrations().len(), 6);
    for db in databases() {
        let mut conn = db.connect();
        let applied = conn.run_pending_migrations(&registry).unwrap();
        // diesel's runner orders by text; here that is updown's order too.
        let ran: Vec<String> = applied.iter().map(|v| v.to_string()).collect();
        let planned: Vec<String> = registry
            .migrations()
            .iter()
            .map(|m| {
                m.diesel_version()
                    .map_or(m.version().to_string(), str::to_owned)
            })
            .collect();
        assert_eq!(ran, planned, "{:?}", db.backend);
        assert_eq!(
            diesel_versions(&db),
            [
                "00000000000000",
                "20240101000000",
                "20240101120000",
                "20240102",
                "20240103000000",
                "202401030000000000"
            ]
        );
        assert_eq!(db.count("widgets"), 1);
        assert!(db.table_exists("order_notes") && db.table_exists("orders"));
        assert!(!conn.has_pending_migration(&registry).unwrap());

        let reverted = conn.revert_all_migrations(&registry).unwrap();
        assert_eq!(reverted.len(), 6);
        assert!(!db.table_exists("widgets") && !db.table_exists("orders"));
        conn.run_pending_migrations(&registry).unwrap();

        // updown takes over what diesel's runner did with its migrations.
        db.run(bin!("app_diesel"), &["migrate"])
            .expect(1)
            .stderr_has(&["diesel applied 6 migrations", "adopt diesel"]);
        db.run(bin!("app_diesel"), &["adopt", "diesel"])
            .expect(0)
            .stdout_has(&["adopted 6 migrations"]);
        let all_applied = db
            .states(bin!("app_diesel"))
            .iter()
            .all(|(_, state)| state == "applied");
        assert!(all_applied, "{:?}", db.states(bin!("app_diesel")));
        db.run(bin!("app_diesel"), &["migrate"])
            .expect(0)
            .stdout_has(&["nothing to apply"]);
        db.run(bin!("app_diesel"), &["reset", "--yes"]).expect(0);
        assert!(!db.table_exists("settings"));
    }
}

#[test]
fn realistic_sets_verify_and_go_up_down_and_up_again() {
    for db in databases() {
        let dir = arg(&diesel_set(db.backend));
        let run = |args: &[&str]| with_dir(&db, &dir, args);
        let total = run(&["status", "--format", "json"]).expect(0).json()["summary"]["total"]
            .as_u64()
            .unwrap();
        assert!(total >= 40, "{:?}: {total} migrations", db.backend);
        run(&["verify"]).expect(0).stdout_has(&["verify passed"]);
        let applied = format!("applied {total} migrations as batch 1");
        run(&["migrate"]).expect(0).stdout_has(&[&applied]);
        run(&["reset", "--yes"])
            .expect(0)
            .stdout_has(&[&format!("rolled back {total} migrations")]);
        assert!(!db.table_exists("users"), "{:?}", db.backend);
        run(&["migrate"])
            .expect(0)
            .stdout_has(&[&format!("applied {total} migrations as batch 2")]);
    }
}

#[test]
fn realistic_sets_migrated_by_diesel_are_adopted_and_continued() {
    for db in databases() {
        let folders = folders_in_diesel_order(&diesel_set(db.backend));
        let older = tempfile::tempdir().unwrap();
        copy_dir(&diesel_set(db.backend), older.path());
        for newest in &folders[folders.len() - 3..] {
            fs::remove_dir_all(older.path().join(newest)).unwrap();
        }
        let mut conn = db.connect();
        let applied = conn
            .run_pending_migrations(FileBasedMigrations::from_path(older.path()).unwrap())
            .unwrap()
            .len();
        assert_eq!(applied, folders.len() - 3);

        let dir = arg(&diesel_set(db.backend));
        let run = |args: &[&str]| with_dir(&db, &dir, args);
        run(&["migrate"]).expect(1).stderr_has(&["adopt diesel"]);
        run(&["adopt", "diesel"])
            .expect(0)
            .stdout_has(&[&format!("adopted {} migrations", folders.len() - 3)]);
        run(&["migrate"])
            .expect(0)
            .stdout_has(&["applied 3 migrations as batch 1"]);
        run(&["rollback"])
            .expect(0)
            .stdout_has(&["rolled back 3 migrations"]);
        // What diesel applied is not updown's last batch to undo.
        run(&["rollback"]).expect(0).stdout_has(&[
            "nothing to roll back",
            "recorded by `baseline` or `adopt diesel` (batch 0): undo them with `--steps N` or `--to V`",
        ]);
        assert!(db.table_exists("users"));
    }
}

/// The migration folders of `dir`, in diesel's order.
fn folders_in_diesel_order(dir: &Path) -> Vec<String> {
    let mut names: Vec<(String, String)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .map(|name| {
            let version = name.split('_').next().unwrap().replace('-', "");
            (version, name)
        })
        .collect();
    names.sort();
    names.into_iter().map(|(_, name)| name).collect()
}

/// SQL written for psql carries its own `BEGIN; ... COMMIT;`: it runs outside updown's
/// transaction, marked dirty until done, and is recorded once, as applied.
#[test]
fn sql_with_its_own_transaction_runs_outside_updowns_and_is_recorded_once() {
    for db in databases() {
        let dir = diesel_dir(&[(
            "20200101000000_psql_style",
            "BEGIN;\nCREATE TABLE ledger (id INT PRIMARY KEY);\nINSERT INTO ledger (id) VALUES (1);\nCOMMIT;",
            Some("BEGIN;\nDROP TABLE ledger;\nCOMMIT;"),
        )]);
        let folders = arg(dir.path());
        with_dir(&db, &folders, &["migrate"]).expect(0);
        with_dir(&db, &folders, &["rollback"]).expect(0);
        with_dir(&db, &folders, &["migrate"]).expect(0);
        assert_eq!(db.count("ledger"), 1, "{:?}", db.backend);
        let history = with_dir(&db, &folders, &["history", "--format", "json"])
            .expect(0)
            .json();
        let rows: Vec<(String, String)> = history["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h["action"].as_str().unwrap().to_owned(),
                    h["outcome"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let ok = |a: &str| (a.to_owned(), "ok".to_owned());
        // Each run checked after itself.
        assert_eq!(
            rows,
            [
                ok("apply"),
                ok("postflight"),
                ok("rollback"),
                ok("postflight"),
                ok("apply"),
                ok("postflight")
            ],
            "{:?}",
            db.backend
        );
        let states = with_dir(&db, &folders, &["status", "--format", "json"]).json();
        assert_eq!(states["summary"]["applied"], 1, "{states}");
    }
}

/// Creates diesel's table recording `versions`, as diesel's runner leaves it.
fn diesel_records(db: &TestDb, versions: &[&str]) {
    let mut conn = db.connect();
    diesel::sql_query(
        "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    )
    .execute(&mut conn)
    .unwrap();
    for v in versions {
        diesel::sql_query(format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('{v}')"
        ))
        .execute(&mut conn)
        .unwrap();
    }
}

fn exec(db: &TestDb, sql: &str) {
    diesel::sql_query(sql).execute(&mut db.connect()).unwrap();
}

const ABC: [(&str, &str, Option<&str>); 3] = [
    (
        "20200101000000_a",
        "CREATE TABLE a (x INT)",
        Some("DROP TABLE a"),
    ),
    (
        "20200102000000_b",
        "CREATE TABLE b (x INT)",
        Some("DROP TABLE b"),
    ),
    (
        "20200103000000_c",
        "CREATE TABLE c (x INT)",
        Some("DROP TABLE c"),
    ),
];

#[test]
fn what_updown_rolled_back_or_lost_the_code_of_is_not_taken_for_unadopted() {
    for db in databases() {
        let dir = diesel_dir(&ABC);
        let folders = arg(dir.path());
        // diesel ran all three; updown adopts them.
        for table in ["a", "b", "c"] {
            exec(&db, &format!("CREATE TABLE {table} (x INT)"));
        }
        diesel_records(&db, &["20200101000000", "20200102000000", "20200103000000"]);
        with_dir(&db, &folders, &["adopt", "diesel"]).expect(0);
        // Rolled back by updown: diesel's table still lists it, updown knows better.
        with_dir(&db, &folders, &["rollback", "--steps", "1"])
            .expect(0)
            .stdout_has(&["rolled back 1 migration"]);
        assert!(!db.table_exists("c"));
        with_dir(&db, &folders, &["migrate"])
            .expect(0)
            .stdout_has(&["applied 1 migration as batch 1"]);
        with_dir(&db, &folders, &["adopt", "diesel"])
            .expect(0)
            .stdout_has(&["nothing to adopt"]);
        // A folder removed after adoption is missing, not unadopted.
        fs::remove_dir_all(dir.path().join("20200101000000_a")).unwrap();
        with_dir(&db, &folders, &["migrate"])
            .expect(1)
            .stderr_has(&[
                "migration 20200101000000 a is applied in the database but not in the code",
            ]);
        with_dir(&db, &folders, &["migrate", "--allow-missing"])
            .expect(0)
            .stdout_has(&["nothing to apply"]);
    }
}

#[test]
fn adopting_after_updown_applied_something_is_a_batch_of_its_own() {
    for db in databases() {
        let dir = diesel_dir(&ABC[..1]);
        let folders = arg(dir.path());
        with_dir(&db, &folders, &["migrate"]).expect(0);
        // diesel, still in use elsewhere, applied a and then b.
        let dir = diesel_dir(&ABC[..2]);
        let folders = arg(dir.path());
        exec(&db, "CREATE TABLE b (x INT)");
        diesel_records(&db, &["20200101000000", "20200102000000"]);
        with_dir(&db, &folders, &["adopt", "diesel"])
            .expect(0)
            .stdout_has(&[
                "adopted 1 migration diesel applied, recorded without running it as batch 2",
            ]);
        // The last batch is the adopted one: a plain rollback undoes b, not a below it.
        with_dir(&db, &folders, &["rollback"])
            .expect(0)
            .stdout_has(&["rolled back 1 migration"]);
        assert!(
            db.table_exists("a") && !db.table_exists("b"),
            "{:?}",
            db.backend
        );
    }
}

#[test]
fn verify_in_place_refuses_a_database_diesel_migrated_and_bounds_must_exist() {
    for db in databases() {
        let dir = diesel_dir(&ABC[..1]);
        let folders = arg(dir.path());
        exec(&db, "CREATE TABLE a (x INT)");
        exec(&db, "INSERT INTO a (x) VALUES (1)");
        diesel_records(&db, &["20200101000000"]);
        with_dir(&db, &folders, &["verify", "--in-place"])
            .expect(1)
            .stderr_has(&[
                "verify refused, nothing was changed",
                "run `adopt diesel` first",
            ]);
        assert_eq!(db.count("a"), 1, "{:?}: verify ran a down", db.backend);
        with_dir(&db, &folders, &["verify", "--from", "20200101000001"])
            .expect(5)
            .stderr_has(&["no migration has version 20200101000001"]);
        with_dir(&db, &folders, &["verify", "--to", "1"])
            .expect(5)
            .stderr_has(&["no migration has version 1"]);
    }
}

#[test]
fn a_failed_adoption_records_nothing() {
    let db = sqlite();
    let dir = diesel_dir(&ABC);
    let folders = arg(dir.path());
    for table in ["a", "b", "c"] {
        exec(&db, &format!("CREATE TABLE {table} (x INT)"));
    }
    diesel_records(&db, &["20200101000000"]);
    with_dir(&db, &folders, &["adopt", "diesel"]).expect(0);
    diesel_records(&db, &["20200102000000", "20200103000000"]);
    // The history refuses the second of the two new rows.
    exec(
        &db,
        "CREATE TRIGGER refuse_c BEFORE INSERT ON updown_history WHEN NEW.version = 20200103000000 BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END",
    );
    with_dir(&db, &folders, &["adopt", "diesel"])
        .expect(5)
        .stderr_has(&[
            "recording migration 20200103000000 c as applied (nothing was recorded)",
            "refused by a test trigger",
        ]);
    assert_eq!(db.count("updown_migrations"), 1);
    assert_eq!(db.count("updown_history"), 1);
    exec(&db, "DROP TRIGGER refuse_c");
    with_dir(&db, &folders, &["adopt", "diesel"])
        .expect(0)
        .stdout_has(&["adopted 2 migrations"]);
}
