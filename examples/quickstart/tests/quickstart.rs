//! The quickstart as a new user runs it: migrate, look, roll back, migrate again, on
//! every backend under test with the same migrations.

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
