//! The quickstart as a new user runs it: migrate, look, roll back, migrate again, on
//! every backend under test with the same migrations.

use std::collections::BTreeSet;

use serde_json::Value;
use updown_tests::{bin, databases, sqlite};

#[test]
fn with_no_url_it_uses_quickstart_db_in_the_working_directory() {
    let db = sqlite();
    db.run_bare(bin!("quickstart"), &["migrate"], &[])
        .expect(0)
        .stdout_has(&["applied 5 migrations as batch 1"]);
    assert!(db.dir().join("quickstart.db").exists());
    db.run_bare(bin!("quickstart"), &["status"], &[])
        .expect(0)
        .stdout_has(&[
            "database: sqlite://quickstart.db",
            "5 migrations: 5 applied, 0 pending",
        ]);
}

#[test]
fn the_backfill_fills_display_names_and_rolls_back() {
    for db in databases() {
        let named = |name: &str| {
            db.number(&format!(
                "SELECT COUNT(*) AS n FROM users WHERE display_name = '{name}'"
            ))
        };
        let filled = || db.number("SELECT COUNT(*) AS n FROM users WHERE display_name IS NOT NULL");

        db.run(bin!("quickstart"), &["migrate"]).expect(0);
        assert_eq!(db.count("users"), 2);
        assert_eq!(
            (named("Ada"), named("Grace Hopper")),
            (1, 1),
            "{:?}",
            db.backend
        );
        assert_eq!(
            db.number("SELECT COUNT(*) AS n FROM post_authors WHERE author = 'Ada'"),
            1
        );

        db.run(bin!("quickstart"), &["rollback", "--steps", "3"])
            .expect(0);
        assert_eq!(
            filled(),
            0,
            "{:?}: the backfill's down left names",
            db.backend
        );

        db.run(bin!("quickstart"), &["migrate"])
            .expect(0)
            .stdout_has(&["applied 3 migrations as batch 2"]);
        assert_eq!(filled(), 2);

        db.run(bin!("quickstart"), &["reset"]).expect(0);
        assert!(!db.table_exists("users") && !db.table_exists("posts"));
    }
}

/// The `status --format json` example of the README is what the quickstart prints after
/// `migrate`: the same keys at every level, the same migrations in order, the same
/// counts. Checksums, times and durations differ from run to run; only their type is
/// compared.
#[test]
fn the_readme_status_json_is_what_status_prints() {
    let db = sqlite();
    db.run_bare(bin!("quickstart"), &["migrate"], &[]).expect(0);
    let printed = db
        .run_bare(bin!("quickstart"), &["status", "--format", "json"], &[])
        .expect(0)
        .json();
    let documented = readme_json_after("`status --format json`:");
    assert_same_shape("status", &documented, &printed);

    // README on the left, printed on the right.
    let listed = |json: &Value| -> Vec<[Value; 4]> {
        let migrations = json["migrations"].as_array().expect("a list of migrations");
        let fields = ["version", "name", "state", "batch"];
        migrations
            .iter()
            .map(|m| fields.map(|k| m[k].clone()))
            .collect()
    };
    assert_eq!(
        listed(&documented),
        listed(&printed),
        "the README's migrations differ from the quickstart's"
    );
    assert_eq!(documented["summary"], printed["summary"], "summary");
    assert_eq!(documented["database"], printed["database"], "database");
}

/// The first ```json block after `marker` in the workspace's README.md, parsed.
fn readme_json_after(marker: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let readme = std::fs::read_to_string(path).expect("README.md is readable");
    let after = &readme[readme.find(marker).expect("the README has the marker")..];
    let block = after
        .split_once("```json\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .expect("a ```json block follows the marker");
    serde_json::from_str(block).unwrap_or_else(|e| panic!("the README's block is not JSON: {e}"))
}

/// The same object keys at every level, arrays of the same length, leaves of the same
/// JSON type.
fn assert_same_shape(at: &str, documented: &Value, printed: &Value) {
    match (documented, printed) {
        (Value::Object(d), Value::Object(p)) => {
            let keys =
                |o: &serde_json::Map<String, Value>| o.keys().cloned().collect::<BTreeSet<_>>();
            assert_eq!(keys(d), keys(p), "keys of `{at}`");
            for (key, value) in d {
                assert_same_shape(&format!("{at}.{key}"), value, &p[key]);
            }
        }
        (Value::Array(d), Value::Array(p)) => {
            assert_eq!(d.len(), p.len(), "length of `{at}`");
            for (i, (d, p)) in d.iter().zip(p).enumerate() {
                assert_same_shape(&format!("{at}[{i}]"), d, p);
            }
        }
        (d, p) => assert_eq!(kind(d), kind(p), "type of `{at}`: README {d}, printed {p}"),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
