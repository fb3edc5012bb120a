//! `verify`: every `down` proven on a scratch database, and the mistakes it catches.

use updown_tests::{TestDb, bin, databases};

#[test]
fn good_migrations_verify_on_a_scratch_database_and_the_target_is_untouched() {
    for db in databases() {
        db.run(bin!("app"), &["verify"])
            .expect(0)
            .stdout_has(&["(scratch database)", "verify passed"]);
        let json = db
            .run(bin!("app"), &["verify", "--format", "json"])
            .expect(0)
            .json();
        let verdicts: Vec<&str> = json["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["verdict"].as_str().unwrap())
            .collect();
        assert_eq!(verdicts, ["reversible"; 3], "{json}");
        assert!(
            !db.table_exists("accounts"),
            "{:?}: verify touched the target",
            db.backend
        );
        assert!(!db.table_exists("updown_migrations"));
    }
}

/// A SQLite target that does not exist yet is not created by verifying beside it.
#[test]
fn verify_does_not_create_a_sqlite_target() {
    let db = updown_tests::sqlite();
    db.run(bin!("app"), &["verify"]).expect(0);
    let path = db.url.strip_prefix("sqlite://").unwrap();
    assert!(
        !std::path::Path::new(path).exists(),
        "verify created {path}"
    );
}

/// Runs verify on a fixture with one planted mistake and returns its stderr.
fn caught(db: &TestDb, bin: &str, version: &str) -> String {
    let run = db.run(bin, &["verify"]);
    run.expect(3)
        .stderr_has(&["verify failed: migration", version]);
    run.stdout_has(&["verify FAILED"]);
    run.stderr.clone()
}

#[test]
fn a_down_that_forgets_an_index_is_caught() {
    for db in databases() {
        let stderr = caught(&db, bin!("app_verify_index"), "1010 index_accounts");
        assert!(
            stderr.contains("its `down` did not restore the database as it was before `up`"),
            "{stderr}"
        );
        assert!(
            stderr.contains("index accounts_id_email_idx: left behind (`(id, email) ON accounts`)"),
            "{stderr}"
        );
    }
}

#[test]
fn a_down_that_re_adds_a_column_without_not_null_is_caught() {
    for db in databases() {
        let stderr = caught(&db, bin!("app_verify_not_null"), "1011 drop_account_email");
        let line = stderr
            .lines()
            .find(|l| l.contains("column accounts.email"))
            .unwrap_or_else(|| panic!("{stderr}"));
        assert!(
            line.contains("NOT NULL`, found `email"),
            "{:?}: {line}",
            db.backend
        );
    }
}

#[test]
fn a_down_that_deletes_rows_elsewhere_is_caught() {
    for db in databases() {
        let stderr = caught(&db, bin!("app_verify_rows"), "1012 create_labels");
        assert!(
            stderr.contains("rows of audit_log: expected `1`, found `0`"),
            "{stderr}"
        );
    }
}

#[test]
fn a_down_that_leaves_a_view_behind_is_caught() {
    for db in databases() {
        let stderr = caught(&db, bin!("app_verify_view"), "1013 create_badges");
        assert!(
            stderr.contains("view account_emails: left behind"),
            "{stderr}"
        );
    }
}

#[test]
fn verify_json_range_and_in_place() {
    for db in databases() {
        let json = db
            .run(
                bin!("app"),
                &[
                    "verify", "--from", "1002", "--to", "1002", "--format", "json",
                ],
            )
            .expect(0)
            .json();
        assert_eq!(json["verdict"], "passed");
        let verdicts: Vec<(i64, String)> = json["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["version"].as_i64().unwrap(),
                    m["verdict"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            verdicts,
            [
                (1001, "skipped".to_owned()),
                (1002, "reversible".to_owned())
            ]
        );

        let failed = db.run(bin!("app_verify_view"), &["verify", "--format", "json"]);
        let json = failed.expect(3).json();
        assert_eq!(json["verdict"], "failed");
        let last = json["migrations"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["verdict"], "down-differs");
        assert_eq!(last["differences"][0]["object"], "view account_emails");

        // In place: the target's pending migrations are verified and stay applied.
        db.run(bin!("app"), &["migrate", "--to", "1001"]).expect(0);
        db.run(bin!("app"), &["verify", "--in-place"])
            .expect(0)
            .stdout_has(&["(in place)", "skipped"]);
        assert!(db.states(bin!("app")).iter().all(|(_, s)| s == "applied"));
    }
}

#[test]
fn column_order_is_a_note_unless_strict() {
    for db in databases() {
        db.run(bin!("app_verify_order"), &["verify"])
            .expect(0)
            .stdout_has(&["note: 1021 drop_people_name: column order of people: expected `id, name, city`, found `id, city, name`"]);
        db.run(bin!("app_verify_order"), &["verify", "--strict"])
            .expect(3)
            .stderr_has(&["migration 1021 drop_people_name", "column order of people"]);
    }
}

/// diesel's `set_updated_at` trigger sits on many tables under one name: PostgreSQL
/// names triggers per table, so each is its own object.
#[test]
fn triggers_of_one_name_on_several_tables_are_each_compared() {
    use diesel::connection::SimpleConnection;
    for db in databases()
        .into_iter()
        .filter(|db| db.backend == updown::Backend::Postgres)
    {
        db.connect()
            .batch_execute(
                "CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql;
                 CREATE TABLE a (x INT); CREATE TABLE b (x INT);
                 CREATE TRIGGER set_updated_at BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION touch();
                 CREATE TRIGGER set_updated_at BEFORE UPDATE ON b FOR EACH ROW EXECUTE FUNCTION touch();",
            )
            .unwrap();
        let both = updown::snapshot::read(&db.url).unwrap();
        assert_eq!(
            both.triggers.keys().collect::<Vec<_>>(),
            ["set_updated_at on a", "set_updated_at on b"]
        );
        db.connect()
            .batch_execute("DROP TRIGGER set_updated_at ON b")
            .unwrap();
        let one = updown::snapshot::read(&db.url).unwrap();
        let differences: Vec<String> = both.diff(&one).iter().map(|d| d.to_string()).collect();
        assert_eq!(differences.len(), 1, "{differences:?}");
        assert!(
            differences[0].contains("trigger set_updated_at on b"),
            "{differences:?}"
        );
    }
}
