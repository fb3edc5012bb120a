//! The quickstart as a new user runs it: migrate, look, roll back, migrate again.

use updown_tests::{bin, databases};

#[test]
fn with_no_url_it_uses_quickstart_db_in_the_working_directory() {
    let db = databases().remove(0);
    db.run_bare(bin!("quickstart"), &["migrate"], &[])
        .expect(0)
        .stdout_has(&["applied 4 migrations as batch 1"]);
    assert!(db.dir().join("quickstart.db").exists());
    db.run_bare(bin!("quickstart"), &["status"], &[])
        .expect(0)
        .stdout_has(&[
            "database: sqlite://quickstart.db",
            "4 migrations: 4 applied, 0 pending",
        ]);
}

#[test]
fn the_backfill_fills_display_names_and_rolls_back() {
    for db in databases() {
        db.run(bin!("quickstart"), &["migrate"]).expect(0);
        assert_eq!(db.count("users"), 2);
        assert_eq!(
            db.number("SELECT COUNT(*) AS n FROM users WHERE display_name = 'Grace Hopper'"),
            1
        );
        assert_eq!(
            db.number("SELECT COUNT(*) AS n FROM users WHERE display_name = 'Ada'"),
            1
        );

        db.run(bin!("quickstart"), &["rollback", "--steps", "2"])
            .expect(0);
        assert_eq!(
            db.number("SELECT COUNT(*) AS n FROM users WHERE display_name IS NOT NULL"),
            0
        );

        db.run(bin!("quickstart"), &["migrate"])
            .expect(0)
            .stdout_has(&["applied 2 migrations as batch 2"]);
        assert_eq!(
            db.number("SELECT COUNT(*) AS n FROM users WHERE display_name IS NOT NULL"),
            2
        );
        db.run(bin!("quickstart"), &["reset"]).expect(0);
        assert!(!db.table_exists("users") && !db.table_exists("posts"));
    }
}
