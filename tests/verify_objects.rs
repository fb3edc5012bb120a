//! `verify` on every object kind, with planted mistakes of the kinds real projects ship
//! (a `down` that leaves an extension, renames a key, changes a function's settings) and
//! the false alarms it must not raise (`'now'` frozen in a view, `SELECT *` over a
//! reordered table, a default's case). Each set is a folder of diesel migrations read at
//! run time, verified on a scratch database of each real server.

use updown::Backend;
use updown_tests::{Run, TestDb, bin, databases, diesel_dir};

/// Verifies the diesel folders `(folder, up, down)` with `args`.
fn verify(db: &TestDb, folders: &[(&str, &str, Option<&str>)], args: &[&str]) -> Run {
    let dir = diesel_dir(folders);
    let path = dir.path().display().to_string();
    let mut all = vec!["--diesel-dir", path.as_str(), "verify"];
    all.extend(args);
    db.run(bin!("app_empty"), &all)
}

fn postgres() -> Option<TestDb> {
    databases()
        .into_iter()
        .find(|d| d.backend == Backend::Postgres)
}

fn mysql() -> Option<TestDb> {
    databases()
        .into_iter()
        .find(|d| d.backend == Backend::Mysql)
}

/// Asserts that the line of stderr naming `object` holds `part`.
#[track_caller]
fn line_has(run: &Run, object: &str, part: &str) {
    let l = line(run, object);
    assert!(
        l.contains(part),
        "{object}: {part:?} not in {l:?}\n{}",
        run.stderr
    );
}

/// The line of stderr that names `object`.
#[track_caller]
fn line<'a>(run: &'a Run, object: &str) -> &'a str {
    run.stderr
        .lines()
        .find(|l| l.contains(object))
        .unwrap_or_else(|| panic!("no line names {object:?}:\n{}", run.stderr))
}

#[test]
fn a_down_that_leaves_an_extension_behind_is_caught() {
    let Some(db) = postgres() else { return };
    let run = verify(
        &db,
        &[(
            "2024-01-01-000001_trigram_search",
            "CREATE EXTENSION IF NOT EXISTS pg_trgm;
             CREATE TABLE docs (id BIGINT PRIMARY KEY, body TEXT NOT NULL);
             CREATE INDEX docs_body_trgm ON docs USING gin (body gin_trgm_ops);",
            Some("DROP TABLE docs;"),
        )],
        &[],
    );
    run.expect(3);
    line_has(&run, "extension pg_trgm", "left behind");
}

#[test]
fn a_down_that_renames_a_key_is_caught_and_ignore_names_makes_it_a_note() {
    let Some(db) = postgres() else { return };
    let folders = [
        (
            "2024-01-01-000001_accounts",
            "CREATE TABLE accounts (id BIGINT PRIMARY KEY, email TEXT NOT NULL,
                                    CONSTRAINT accounts_email_key UNIQUE (email));",
            Some("DROP TABLE accounts;"),
        ),
        (
            "2024-01-02-000001_swap_accounts",
            "ALTER TABLE accounts ADD COLUMN plan TEXT;",
            // Undone by hand as a rebuild would: the keys come back under other names.
            Some(
                "ALTER TABLE accounts DROP COLUMN plan;
                 ALTER TABLE accounts RENAME CONSTRAINT accounts_pkey TO accounts_old_pkey;
                 ALTER TABLE accounts RENAME CONSTRAINT accounts_email_key TO accounts_email_old_key;",
            ),
        ),
    ];
    let run = verify(&db, &folders, &[]);
    run.expect(3).stderr_has(&["20240102000001 swap_accounts"]);
    line_has(
        &run,
        "name of the primary key of accounts",
        "expected `accounts_pkey`, found `accounts_old_pkey`",
    );
    line_has(
        &run,
        "name of constraint accounts_email_key on accounts",
        "found `accounts_email_old_key`",
    );
    let run = verify(&db, &folders, &["--ignore-names"]);
    run.expect(0)
        .stdout_has(&["note: 20240102000001 swap_accounts: name of the primary key"]);
}

#[test]
fn a_down_that_changes_a_functions_search_path_or_body_is_caught() {
    let Some(db) = postgres() else { return };
    let create =
        "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS $$
                  BEGIN NEW.updated_at = now(); RETURN NEW; END $$;";
    let run = verify(
        &db,
        &[
            (
                "2024-01-01-000001_touch",
                create,
                Some("DROP FUNCTION touch();"),
            ),
            (
                "2024-01-02-000001_harden_touch",
                "ALTER FUNCTION touch() SET search_path = pg_catalog, public;",
                Some("ALTER FUNCTION touch() RESET search_path;"),
            ),
        ],
        &[],
    );
    run.expect(3).stderr_has(&["harden_touch"]);
    let l = line(&run, "function touch()");
    assert!(l.contains("set search_path=public"), "{l}");
    assert!(
        l.contains(
            "found `function returns trigger language plpgsql volatile security invoker body"
        ),
        "{l}"
    );

    let run = verify(
        &db,
        &[
            ("2024-01-01-000001_touch", create, Some("DROP FUNCTION touch();")),
            (
                "2024-01-02-000001_touch_stable",
                "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS $$
                 BEGIN NEW.updated_at = clock_timestamp(); RETURN NEW; END $$;",
                // The old body, mistyped.
                Some(
                    "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS $$
                     BEGIN NEW.updated_at = now(); END $$;",
                ),
            ),
        ],
        &[],
    );
    run.expect(3);
    line_has(&run, "function touch()", "RETURN NEW");
}

#[test]
fn types_enum_order_composites_and_domains_are_compared() {
    let Some(db) = postgres() else { return };
    let run = verify(
        &db,
        &[
            (
                "2024-01-01-000001_mood",
                "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');",
                Some("DROP TYPE mood;"),
            ),
            (
                "2024-01-02-000001_more_moods",
                "ALTER TYPE mood RENAME TO mood_old;
                 CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'ecstatic');
                 DROP TYPE mood_old;",
                Some("DROP TYPE mood; CREATE TYPE mood AS ENUM ('happy', 'ok', 'sad');"),
            ),
        ],
        &[],
    );
    run.expect(3);
    line_has(
        &run,
        "type mood",
        "expected `enum ('sad', 'ok', 'happy')`, found `enum ('happy', 'ok', 'sad')`",
    );

    let run = verify(
        &db,
        &[(
            "2024-01-01-000001_addresses",
            "CREATE TYPE address AS (street TEXT, city TEXT);
             CREATE DOMAIN postcode AS TEXT NOT NULL CHECK (VALUE ~ '^[0-9]{5}$');
             CREATE TABLE sites (id BIGINT PRIMARY KEY, at address, code postcode);",
            Some("DROP TABLE sites;"),
        )],
        &[],
    );
    run.expect(3);
    line_has(
        &run,
        "type address",
        "left behind (`composite (street text, city text)`)",
    );
    line_has(&run, "type postcode", "domain text NOT NULL");
}

#[test]
fn a_trigger_recreated_for_other_events_and_a_sequence_with_another_increment_are_caught() {
    let Some(db) = postgres() else { return };
    let base = (
        "2024-01-01-000001_items",
        "CREATE TABLE items (id BIGSERIAL PRIMARY KEY, updated_at TIMESTAMP);
         CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END $$;
         CREATE TRIGGER items_stamp BEFORE UPDATE ON items FOR EACH ROW EXECUTE FUNCTION stamp();
         CREATE SEQUENCE invoice_numbers START 1000;",
        Some("DROP TABLE items; DROP FUNCTION stamp(); DROP SEQUENCE invoice_numbers;"),
    );
    let run = verify(
        &db,
        &[
            base,
            (
                "2024-01-02-000001_stamp_inserts",
                "DROP TRIGGER items_stamp ON items;
                 CREATE TRIGGER items_stamp BEFORE INSERT OR UPDATE ON items FOR EACH ROW EXECUTE FUNCTION stamp();",
                Some(
                    "DROP TRIGGER items_stamp ON items;
                     CREATE TRIGGER items_stamp BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION stamp();",
                ),
            ),
        ],
        &[],
    );
    run.expect(3);
    let l = line(&run, "trigger items_stamp on items");
    assert!(
        l.contains("BEFORE UPDATE ON") && l.contains("BEFORE INSERT ON"),
        "{l}"
    );

    let run = verify(
        &db,
        &[
            base,
            (
                "2024-01-02-000001_invoice_steps",
                "ALTER SEQUENCE invoice_numbers INCREMENT BY 10;",
                Some("ALTER SEQUENCE invoice_numbers INCREMENT BY 5;"),
            ),
        ],
        &[],
    );
    run.expect(3);
    line_has(
        &run,
        "sequence invoice_numbers",
        "increment 1`, found `bigint start 1000 increment 5",
    );
}

/// A child table's copy of a constraint, which no statement of the migration names.
#[test]
fn a_down_that_drops_a_constraint_from_the_parent_only_is_caught() {
    let Some(db) = postgres() else { return };
    let run = verify(
        &db,
        &[
            (
                "2024-01-01-000001_counters",
                "CREATE TABLE counters (id BIGINT PRIMARY KEY, n INT NOT NULL);
                 CREATE TABLE daily_counters (day DATE) INHERITS (counters);",
                Some("DROP TABLE daily_counters; DROP TABLE counters;"),
            ),
            // Between them, so that the child is not named by a neighbour either.
            (
                "2024-01-02-000000_notes",
                "CREATE TABLE notes (id BIGINT PRIMARY KEY);",
                Some("DROP TABLE notes;"),
            ),
            (
                "2024-01-02-000001_positive_counts",
                "ALTER TABLE counters ADD CONSTRAINT positive_n CHECK (n > 0);",
                Some("ALTER TABLE ONLY counters DROP CONSTRAINT positive_n;"),
            ),
        ],
        &[],
    );
    run.expect(3).stderr_has(&["positive_counts"]);
    line_has(
        &run,
        "constraint positive_n on daily_counters",
        "left behind",
    );
}

#[test]
fn a_view_with_a_frozen_now_and_a_select_star_view_over_a_reordered_table_pass() {
    let Some(db) = postgres() else { return };
    let folders = [
        (
            "2024-01-01-000001_events",
            "CREATE TABLE events (id BIGINT PRIMARY KEY, kind TEXT, at TIMESTAMP DEFAULT 'now');
             CREATE VIEW todays_events AS SELECT id FROM events WHERE at > 'now'::timestamp - interval '1 day';
             CREATE VIEW all_events AS SELECT * FROM events;",
            Some("DROP VIEW all_events; DROP VIEW todays_events; DROP TABLE events;"),
        ),
        (
            "2024-01-02-000001_drop_kind",
            "DROP VIEW all_events; ALTER TABLE events DROP COLUMN kind;
             CREATE VIEW all_events AS SELECT * FROM events;",
            // `kind` comes back last, and the view lists it last.
            Some(
                "DROP VIEW all_events; ALTER TABLE events ADD COLUMN kind TEXT;
                 CREATE VIEW all_events AS SELECT * FROM events;",
            ),
        ),
    ];
    let run = verify(&db, &folders, &[]);
    run.expect(0).stdout_has(&[
        "note: 20240102000001 drop_kind: column order of events",
        "note: 20240102000001 drop_kind: view all_events",
    ]);
    assert!(!run.stdout.contains("todays_events"), "{}", run.stdout);
    verify(&db, &folders, &["--strict"]).expect(3);
}

#[test]
fn a_default_written_in_another_case_is_no_difference() {
    for db in databases() {
        verify(
            &db,
            &[
                (
                    "2024-01-01-000001_flags",
                    "CREATE TABLE flags (id INTEGER PRIMARY KEY, enabled BOOLEAN NOT NULL DEFAULT FALSE);",
                    Some("DROP TABLE flags;"),
                ),
                (
                    "2024-01-02-000001_drop_enabled",
                    "ALTER TABLE flags DROP COLUMN enabled;",
                    Some("ALTER TABLE flags ADD COLUMN enabled BOOLEAN NOT NULL DEFAULT false;"),
                ),
            ],
            &[],
        )
        .expect(0);
    }
}

#[test]
fn routines_triggers_and_keys_are_compared_on_mysql() {
    let Some(db) = mysql() else { return };
    let run = verify(
        &db,
        &[(
            "2024-01-01-000001_totals",
            "CREATE TABLE orders (id BIGINT PRIMARY KEY, total INT NOT NULL);
             CREATE PROCEDURE recount(IN since INT) SELECT COUNT(*) FROM orders WHERE id > since;
             CREATE FUNCTION doubled(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;",
            Some("DROP TABLE orders; DROP FUNCTION doubled;"),
        )],
        &[],
    );
    run.expect(3);
    line_has(&run, "function recount(IN int", "left behind (`procedure");

    let run = verify(
        &db,
        &[
            (
                "2024-01-01-000001_orders",
                "CREATE TABLE customers (id BIGINT PRIMARY KEY);
                 CREATE TABLE orders (id BIGINT PRIMARY KEY, customer BIGINT NOT NULL,
                   CONSTRAINT orders_customer_fk FOREIGN KEY (customer) REFERENCES customers (id));",
                Some("DROP TABLE orders; DROP TABLE customers;"),
            ),
            (
                "2024-01-02-000001_audit_orders",
                "CREATE TABLE order_log (id BIGINT);
                 CREATE TRIGGER orders_log AFTER INSERT ON orders FOR EACH ROW INSERT INTO order_log VALUES (NEW.id);",
                Some(
                    "DROP TABLE order_log;
                     ALTER TABLE orders DROP FOREIGN KEY orders_customer_fk;
                     ALTER TABLE orders ADD CONSTRAINT orders_customer_fk_old FOREIGN KEY (customer) REFERENCES customers (id);",
                ),
            ),
        ],
        &[],
    );
    run.expect(3);
    line_has(
        &run,
        "name of constraint orders_customer_fk on orders",
        "orders_customer_fk_old",
    );
    line_has(&run, "trigger orders_log", "left behind");
}

#[test]
fn a_sequence_restored_with_another_increment_is_caught_on_mariadb() {
    let Some(db) = mysql() else { return };
    let run = verify(
        &db,
        &[
            (
                "2024-01-01-000001_invoice_numbers",
                "CREATE SEQUENCE invoice_numbers START WITH 1000 INCREMENT BY 1;",
                Some("DROP SEQUENCE invoice_numbers;"),
            ),
            (
                "2024-01-02-000001_invoice_steps",
                "ALTER SEQUENCE invoice_numbers INCREMENT BY 10;",
                Some("ALTER SEQUENCE invoice_numbers INCREMENT BY 5;"),
            ),
        ],
        &[],
    );
    run.expect(3).stderr_has(&["invoice_steps"]);
    let l = line(&run, "sequence invoice_numbers");
    assert!(
        l.contains("increment by 1 ") && l.contains("increment by 5 "),
        "{l}"
    );
}

/// Three planted mistakes among five migrations: one run names all three.
#[test]
fn keep_going_lists_every_failing_migration_in_one_run() {
    for db in databases() {
        let folders = [
            (
                "2024-01-01-000001_a",
                "CREATE TABLE a (id INTEGER PRIMARY KEY);",
                Some("DROP TABLE a;"),
            ),
            (
                "2024-01-02-000001_b_forgets_index",
                "CREATE INDEX a_id_idx ON a (id);",
                Some("SELECT 1;"),
            ),
            (
                "2024-01-03-000001_c",
                "CREATE TABLE c (id INTEGER PRIMARY KEY);",
                Some("DROP TABLE c;"),
            ),
            (
                "2024-01-04-000001_d_leaves_table",
                "CREATE TABLE d (id INTEGER PRIMARY KEY);",
                Some("SELECT 1;"),
            ),
            (
                "2024-01-05-000001_e_down_fails",
                "CREATE TABLE e (id INTEGER PRIMARY KEY);",
                Some("DROP TABLE no_such_table;"),
            ),
        ];
        let stopped = verify(&db, &folders, &[]);
        stopped.expect(3);
        let failing = |run: &Run| -> Vec<i64> {
            run.json()["failed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect()
        };
        let json = verify(&db, &folders, &["--format", "json"]);
        assert_eq!(
            failing(json.expect(3)),
            [20240102000001],
            "{:?}",
            db.backend
        );

        let run = verify(&db, &folders, &["--keep-going"]);
        run.expect(3).stderr_has(&[
            "3 migrations failed",
            "migration 20240102000001 b_forgets_index",
            "migration 20240104000001 d_leaves_table",
            "migration 20240105000001 e_down_fails",
        ]);
        run.stdout_has(&["verify FAILED (3 migrations)"]);
        let json = verify(&db, &folders, &["--keep-going", "--format", "json"]);
        assert_eq!(
            failing(json.expect(3)),
            [20240102000001, 20240104000001, 20240105000001],
            "{:?}",
            db.backend
        );
        let verdicts: Vec<String> = json.json()["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["verdict"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            verdicts,
            [
                "reversible",
                "down-differs",
                "reversible",
                "down-differs",
                "failed"
            ],
            "{:?}",
            db.backend
        );
    }
}

/// In place, with an applied migration between pending ones: the one after it is
/// compared on its own names, not on those the snapshot before it was read for.
#[test]
fn in_place_verify_around_an_applied_migration_compares_like_with_like() {
    for db in databases() {
        let folder = |v: &str, t: &str| {
            (
                format!("2024-01-0{v}-000001_create_{t}"),
                format!("CREATE TABLE {t} (id INTEGER PRIMARY KEY);"),
                format!("DROP TABLE {t};"),
            )
        };
        let all = [
            folder("1", "a"),
            folder("2", "b"),
            folder("3", "c"),
            folder("4", "d"),
        ];
        let as_folders = |list: &[&(String, String, String)]| -> tempfile::TempDir {
            let borrowed: Vec<(&str, &str, Option<&str>)> = list
                .iter()
                .map(|(f, up, down)| (f.as_str(), up.as_str(), Some(down.as_str())))
                .collect();
            diesel_dir(&borrowed)
        };
        // 1 and 3 applied first; 2 and 4 come later.
        let first = as_folders(&[&all[0], &all[2]]);
        let first = first.path().display().to_string();
        db.run(bin!("app_empty"), &["--diesel-dir", &first, "migrate"])
            .expect(0);
        let every = as_folders(&all.iter().collect::<Vec<_>>());
        let every = every.path().display().to_string();
        let run = db.run(
            bin!("app_empty"),
            &[
                "--diesel-dir",
                &every,
                "verify",
                "--in-place",
                "--format",
                "json",
            ],
        );
        let verdicts: Vec<String> = run.expect(0).json()["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["verdict"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            verdicts,
            ["skipped", "reversible", "skipped", "reversible"],
            "{:?}",
            db.backend
        );
    }
}

#[test]
fn from_stops_at_a_failing_migration_before_it_and_keep_going_refuses_in_place() {
    let db = updown_tests::sqlite();
    let folders = [
        (
            "2024-01-01-000001_broken",
            "CREATE TABLE a (id INTEGER PRIMARY KEY); INSERT INTO missing VALUES (1);",
            Some("DROP TABLE a;"),
        ),
        (
            "2024-01-02-000001_b",
            "CREATE TABLE b (id INTEGER PRIMARY KEY);",
            Some("DROP TABLE b;"),
        ),
    ];
    let run = verify(&db, &folders, &["--from", "20240102000001"]);
    run.expect(3).stderr_has(&[
        "migration 20240101000001 broken: a step failed: up:",
        "missing",
    ]);
    verify(&db, &folders, &["--from", "20240103000000"])
        .expect(5)
        .stderr_has(&["no migration has version 20240103000000"]);
    let refused = verify(&db, &folders, &["--keep-going", "--in-place"]);
    refused
        .expect(5)
        .stderr_has(&["--keep-going", "--in-place"]);
}

#[test]
fn the_scratch_database_gets_the_targets_extensions_and_the_setup_sql() {
    if let Some(db) = postgres() {
        let folders = [(
            "2024-01-01-000001_settings",
            "CREATE TABLE settings (id BIGINT PRIMARY KEY, pairs hstore);",
            Some("DROP TABLE settings;"),
        )];
        // Without the extension, the migration cannot run.
        let run = verify(&db, &folders, &[]);
        run.expect(3).stderr_has(&["hstore"]);
        diesel::RunQueryDsl::execute(
            diesel::sql_query("CREATE EXTENSION hstore"),
            &mut db.connect(),
        )
        .unwrap();
        verify(&db, &folders, &[]).expect(0);
    }
    let db = updown_tests::sqlite();
    let folders = [(
        "2024-01-01-000001_seed_lookup",
        "INSERT INTO lookup VALUES (1);",
        Some("DELETE FROM lookup WHERE id = 1;"),
    )];
    verify(&db, &folders, &[])
        .expect(3)
        .stderr_has(&["no such table: lookup"]);
    verify(
        &db,
        &folders,
        &[
            "--scratch-setup",
            "CREATE TABLE lookup (id INTEGER PRIMARY KEY)",
        ],
    )
    .expect(0);
}

#[test]
fn progress_is_one_line_per_migration_on_stderr() {
    let db = updown_tests::sqlite();
    let run = db.run(bin!("app"), &["verify", "--format", "json"]);
    run.expect(0);
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("verified "))
        .collect();
    assert_eq!(lines.len(), 3, "{}", run.stderr);
    assert!(lines[0].starts_with("verified 1/3 1001 "), "{}", lines[0]);
    assert!(
        lines[2].contains("reversible") && lines[2].ends_with(" ms)"),
        "{}",
        lines[2]
    );
    // stdout stays JSON.
    run.json();
}

/// Ctrl-C in the middle of a migration: exit 130, and the scratch database is gone.
#[cfg(unix)]
#[test]
fn an_interrupted_verify_drops_its_scratch_database() {
    use std::io::{BufRead, BufReader};
    for db in databases() {
        let temp = tempfile::tempdir().unwrap();
        let mut child = db
            .command(bin!("app_slow"), &["verify"])
            .env("UPDOWN_FIXTURE_SLEEP_MS", "60000")
            .env("TMPDIR", temp.path())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        while !seen.contains("slow: sleeping") {
            let mut line = String::new();
            assert!(stderr.read_line(&mut line).unwrap() > 0, "{seen}");
            seen.push_str(&line);
        }
        let scratch_pattern = format!("updown_verify_{pid}_%");
        let scratch_count = |db: &TestDb| {
            match db.backend {
            Backend::Postgres => db.number(&format!(
                "SELECT COUNT(*) AS n FROM pg_database WHERE datname LIKE '{scratch_pattern}'"
            )),
            Backend::Mysql => db.number(&format!(
                "SELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '{scratch_pattern}'"
            )),
            _ => std::fs::read_dir(temp.path()).unwrap().count() as i64,
        }
        };
        assert_eq!(
            scratch_count(&db),
            1,
            "{:?}: no scratch database while verifying",
            db.backend
        );
        let killed = std::process::Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
        assert_eq!(status.code(), Some(130), "{:?}: {seen}{rest}", db.backend);
        assert!(rest.contains("its scratch database was dropped"), "{rest}");
        assert_eq!(
            scratch_count(&db),
            0,
            "{:?}: the scratch database was left",
            db.backend
        );
    }
}
