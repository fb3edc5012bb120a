//! Backups from the command line: `--backup` before a run, `restore --yes` after, on every
//! backend, and a missing backup tool refused before anything runs.

use updown_tests::{bin, databases};

/// Every row of `accounts` and `audit_log`, as text, for comparing states.
fn rows(db: &updown_tests::TestDb) -> (i64, i64, bool) {
    (
        db.count("accounts"),
        db.count("updown_migrations"),
        db.table_exists("audit_log"),
    )
}

#[test]
fn a_backup_taken_before_a_run_is_restored_over_what_the_run_did() {
    for db in databases() {
        db.run(bin!("app"), &["migrate", "--to", "1001"]).expect(0);
        {
            use diesel::RunQueryDsl;
            diesel::sql_query("INSERT INTO accounts (id, email) VALUES (1, 'a@example.com')")
                .execute(&mut db.connect())
                .expect("row inserted");
        }
        let before = rows(&db);
        let schema_before = updown::snapshot::read(&db.url).expect("snapshot");

        let run = db.run(
            bin!("app"),
            &[
                "migrate",
                "--backup",
                "--backup-dir",
                "saved",
                "--format",
                "json",
            ],
        );
        run.expect(0);
        let summary = run.json();
        let file = summary["backup"]["file"]
            .as_str()
            .expect("a backup file")
            .to_owned();
        assert!(
            file.starts_with("saved/") && file.ends_with(".gz"),
            "{file}"
        );
        let path = db.dir().join(&file);
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("backup exists")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{}", db.backend);
            let bytes = std::fs::read(&path).unwrap();
            assert_eq!(&bytes[..2], &[0x1f, 0x8b], "gzip");
        }
        let latest = std::fs::read_to_string(db.dir().join("saved/latest")).unwrap();
        assert!(file.ends_with(latest.trim()), "{latest} names {file}");
        assert_ne!(
            rows(&db),
            before,
            "{}: the run changed something",
            db.backend
        );

        // Unconfirmed: refused, nothing changed.
        db.run(bin!("app"), &["restore", "--backup-dir", "saved"])
            .expect(1)
            .stderr_has(&["--yes", "nothing was changed"]);
        assert!(db.table_exists("audit_log"));

        db.run(bin!("app"), &["restore", "--yes", "--backup-dir", "saved"])
            .expect(0)
            .stdout_has(&["restored", latest.trim()]);
        assert_eq!(rows(&db), before, "{}", db.backend);
        let schema_after = updown::snapshot::read(&db.url).expect("snapshot");
        assert!(
            schema_before.diff(&schema_after).is_empty(),
            "{}: {:?}",
            db.backend,
            schema_before.diff(&schema_after)
        );
        // The database is as it was: the same migrations pending again.
        db.run(bin!("app"), &["migrate"])
            .expect(0)
            .stdout_has(&["applied 2 migrations"]);
        // A file given by name.
        db.run(bin!("app"), &["restore", "--yes", &file]).expect(0);
        assert_eq!(rows(&db), before, "{}", db.backend);
    }
}

#[test]
fn a_missing_backup_tool_is_refused_with_exit_5_before_anything_runs() {
    let empty = tempfile::tempdir().unwrap();
    let path = empty.path().to_str().unwrap();
    for db in databases() {
        db.run(bin!("app"), &["migrate", "--to", "1001"]).expect(0);
        let states = db.states(bin!("app"));
        let run = db.run_with(bin!("app"), &["migrate", "--backup"], &[("PATH", path)]);
        match db.backend {
            // VACUUM INTO needs no program.
            updown::Backend::Sqlite => {
                run.expect(0);
                continue;
            }
            updown::Backend::Postgres => run.expect(5).stderr_has(&["pg_dump", "not on PATH"]),
            _ => run.expect(5).stderr_has(&["mysqldump", "not on PATH"]),
        };
        run.stderr_has(&["nothing was changed"]);
        assert_eq!(db.states(bin!("app")), states, "{}", db.backend);
        assert!(!db.dir().join("backups").exists(), "{}", db.backend);
        // Production takes a backup by default: refused the same way, or skipped on request.
        db.run_with(
            bin!("app"),
            &["--env", "production", "migrate"],
            &[("PATH", path)],
        )
        .expect(5);
        db.run_with(
            bin!("app"),
            &["--env", "production", "migrate", "--no-backup"],
            &[("PATH", path)],
        )
        .expect(0);
    }
}

#[test]
fn restore_without_a_backup_says_where_it_looked() {
    for db in databases() {
        db.run(bin!("app"), &["migrate"]).expect(0);
        db.run(bin!("app"), &["restore", "--yes"])
            .expect(4)
            .stderr_has(&["backups", "--backup"]);
        assert_eq!(db.count("updown_migrations"), 3, "{}", db.backend);
    }
}

#[test]
fn the_latest_backup_of_another_database_in_the_folder_is_not_restored() {
    let first = updown_tests::sqlite();
    let other_dir = tempfile::tempdir().unwrap();
    let other = format!("sqlite://{}", other_dir.path().join("other.db").display());
    let shared = first.dir().join("shared");
    let shared = shared.to_str().unwrap();
    first
        .run(
            bin!("app"),
            &["migrate", "--backup", "--backup-dir", shared],
        )
        .expect(0);
    // Another database backs up into the same folder: `latest` names its backup now.
    first
        .run_bare(
            bin!("app"),
            &[
                "--database-url",
                &other,
                "migrate",
                "--backup",
                "--backup-dir",
                shared,
            ],
            &[],
        )
        .expect(0);
    first
        .run(bin!("app"), &["restore", "--yes", "--backup-dir", shared])
        .expect(4)
        .stderr_has(&["a backup of another database", "nothing was changed"]);
    assert_eq!(first.count("updown_migrations"), 3);
}
