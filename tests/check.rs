//! `check`: every lint rule finds its case and leaves its clean twin alone; declared
//! destructive statements are notes, not errors; `allow` silences a rule.

use updown_tests::{bin, sqlite};

fn findings(args: &[&str], code: i32) -> Vec<(i64, String, String)> {
    let db = sqlite();
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let json = db
        .run_bare(bin!("app_check"), &all, &[])
        .expect(code)
        .json();
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["version"].as_i64().unwrap(),
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn expected(list: &[(i64, &str, &str)]) -> Vec<(i64, String, String)> {
    list.iter()
        .map(|(v, r, s)| (*v, (*r).to_owned(), (*s).to_owned()))
        .collect()
}

#[test]
fn every_rule_finds_its_case_and_spares_its_twin() {
    assert_eq!(
        findings(&[], 1),
        expected(&[
            (2001, "create-index-without-concurrently", "error"),
            (2004, "foreign-key-without-not-valid", "error"),
            (2006, "check-without-not-valid", "error"),
            (2008, "set-not-null", "error"),
            (2010, "volatile-default", "error"),
            (2020, "created-but-not-dropped", "error"),
            (2022, "drop-column", "declared"),
            (2022, "dropped-column-not-restored", "error"),
            (2023, "drop-column", "declared"),
            (2030, "truncate", "declared"),
            (2030, "delete-without-where", "declared"),
            (2030, "update-without-where", "declared"),
            (2031, "alter-column-type", "declared"),
            (2031, "drop-not-null", "declared"),
            (2031, "drop-default", "declared"),
            (2031, "rename-column", "declared"),
            (2031, "rename-table", "declared"),
            (2032, "drop-table", "declared"),
            (2032, "drop-view", "declared"),
            (2032, "drop-index", "declared"),
            (2032, "drop-column", "declared"),
            (2033, "drop-schema", "declared"),
            (2033, "drop-database", "declared"),
        ])
    );
}

#[test]
fn the_table_names_the_migration_the_rule_and_the_statement() {
    let db = sqlite();
    let run = db.run_bare(bin!("app_check"), &["check"], &[]);
    run.expect(1)
        .stdout_has(&[
            "error: 2001 index_without_concurrently: create-index-without-concurrently at line 1\n  CREATE INDEX users_email_idx ON users (email)\n",
            "note: 2030 empty_tables: truncate at line 1 (declared destructive: \"sessions are transient\")",
            "checked 19 migrations: 7 errors, 16 declared",
        ])
        .stderr_has(&["check found 7 problems", "allow = [\"rule-name\"]"]);
}

#[test]
fn a_postgres_database_applies_the_lock_rules_to_every_migration() {
    let db = sqlite();
    // The same migrations, none of them declaring a dialect, judged for PostgreSQL.
    let generic = db.run_bare(bin!("app"), &["check"], &[]);
    generic
        .expect(0)
        .stdout_has(&["checked 3 migrations: 0 errors"]);
    let json = db
        .run_bare(
            bin!("app"),
            &[
                "--database-url",
                "postgres://u@127.0.0.1/x",
                "check",
                "--format",
                "json",
            ],
            &[],
        )
        .json();
    assert_eq!(json["summary"]["errors"], 0, "{json}");
}
