//! Where the database URL comes from, how bad configuration is reported (exit 5), and
//! that a password never appears in any output.

use updown_tests::{bin, databases, sqlite};

#[test]
fn the_url_comes_from_the_flag_then_database_url_then_dot_env() {
    let db = sqlite();
    let status = ["status", "--format", "json"];

    db.run_bare(bin!("app"), &status, &[])
        .expect(5)
        .stderr_has(&["no database URL; pass `--database-url URL`, or set DATABASE_URL"]);

    let from_env = db.run_bare(bin!("app"), &status, &[("DATABASE_URL", &db.url)]);
    assert_eq!(from_env.expect(0).json()["database"], db.url.as_str());

    std::fs::write(db.dir().join(".env"), format!("DATABASE_URL={}\n", db.url)).unwrap();
    let from_file = db.run_bare(bin!("app"), &status, &[]);
    assert_eq!(from_file.expect(0).json()["database"], db.url.as_str());

    // The flag wins over both.
    let other = format!("sqlite://{}", db.dir().join("other.db").display());
    let run = db.run_bare(
        bin!("app"),
        &["--database-url", &other, "status", "--format", "json"],
        &[("DATABASE_URL", &db.url)],
    );
    assert_eq!(run.expect(0).json()["database"], other.as_str());
}

#[test]
fn configuration_errors_exit_5_and_never_show_the_password() {
    let db = sqlite();
    for (url, expected) in [
        (
            "http://admin:hunter2@example.com/db",
            "unsupported scheme `http://`",
        ),
        (
            "mysql://admin:hunter2@127.0.0.1:1/db",
            "cannot connect to mysql://admin:***@127.0.0.1:1/db",
        ),
        (
            "postgres://admin:hunter2@127.0.0.1:1/db",
            "cannot connect to postgres://admin:***@127.0.0.1:1/db",
        ),
    ] {
        let run = db.run_bare(bin!("app"), &["--database-url", url, "status"], &[]);
        // A backend that is not compiled in is a configuration error too, and says so.
        let expected = if run
            .stderr
            .contains("support is not compiled into this program")
        {
            "enable the"
        } else {
            expected
        };
        run.expect(5).stderr_has(&[expected]);
        assert!(
            !run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"),
            "{}",
            run.stderr
        );
    }
    let missing_dir = format!("sqlite://{}/no/such/dir/app.db", db.dir().display());
    db.run_bare(
        bin!("app"),
        &["--database-url", &missing_dir, "migrate"],
        &[],
    )
    .expect(5)
    .stderr_has(&["does not exist; create it first"]);
}

#[test]
fn usage_errors_exit_5_and_help_exits_0() {
    let db = sqlite();
    db.run(bin!("app"), &["migrate", "--no-such-flag"])
        .expect(5);
    db.run(bin!("app"), &["frobnicate"]).expect(5);
    db.run(bin!("app"), &["status", "--format", "yaml"])
        .expect(5);
    db.run(bin!("app"), &["--help"])
        .expect(0)
        .stdout_has(&["migrate", "rollback", "Exit codes"]);
}

#[test]
fn duplicate_versions_name_both_places() {
    let db = sqlite();
    db.run(bin!("app_duplicates"), &["status"])
        .expect(5)
        .stderr_has(&[
            "version 1001 is used by",
            "create_accounts (tests/fixtures/bin/../migrations/create_accounts.rs:4)",
            "create_customers (tests/fixtures/bin/../migrations/create_accounts_again.rs:5)",
        ]);
    assert!(!db.dir().join("test.db").exists() || !db.table_exists("updown_migrations"));
}

#[test]
fn no_migrations_explains_the_linking_rule() {
    let db = sqlite();
    db.run(bin!("app_empty"), &["migrate"])
        .expect(5)
        .stderr_has(&[
            "no migrations are registered in this program",
            "use my_migrations as _;",
        ]);
}

#[test]
fn json_log_format_prints_errors_as_json() {
    let db = sqlite();
    let run = db.run(bin!("app_failing"), &["--log-format", "json", "migrate"]);
    run.expect(2);
    let last = run.stderr.lines().last().unwrap();
    let error: serde_json::Value = serde_json::from_str(last).unwrap();
    assert_eq!(error["exit_code"], 2);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("migration 1004 seed_accounts failed")
    );
    let events: Vec<serde_json::Value> = run
        .stderr
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "failed" && e["version"] == 1004),
        "{}",
        run.stderr
    );
}

/// `scheme://user:password@host:port/db` split at the password and the database.
fn with_parts(
    url: &str,
    password: Option<&str>,
    port: Option<&str>,
    database: Option<&str>,
) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').unwrap();
    let (userinfo, hostport) = authority.rsplit_once('@').unwrap();
    let (user, old_password) = userinfo.split_once(':').unwrap();
    let (host, old_port) = hostport.split_once(':').unwrap_or((hostport, ""));
    let (old_db, query) = path
        .split_once('?')
        .map(|(d, q)| (d, format!("?{q}")))
        .unwrap_or((path, String::new()));
    let port = port.unwrap_or(old_port);
    let port = if port.is_empty() {
        String::new()
    } else {
        format!(":{port}")
    };
    format!(
        "{scheme}://{user}:{}@{host}{port}/{}{query}",
        password.unwrap_or(old_password),
        database.unwrap_or(old_db)
    )
}

#[test]
fn server_connection_problems_exit_5_with_the_real_cause() {
    for db in databases()
        .into_iter()
        .filter(|d| d.backend != updown::Backend::Sqlite)
    {
        let postgres = db.backend == updown::Backend::Postgres;
        let cases = [
            (
                with_parts(&db.url, Some("wrong-secret-42"), None, None),
                if postgres {
                    "password authentication failed"
                } else {
                    "Access denied"
                },
            ),
            (
                with_parts(&db.url, None, None, Some("updown_no_such_database")),
                if postgres {
                    "does not exist"
                } else {
                    "Unknown database"
                },
            ),
            (
                with_parts(&db.url, Some("wrong-secret-42"), Some("1"), None),
                if postgres {
                    "Connection refused"
                } else {
                    "Can't connect"
                },
            ),
        ];
        for (url, cause) in cases {
            let run = db.run_bare(bin!("app"), &["--database-url", &url, "migrate"], &[]);
            run.expect(5).stderr_has(&["cannot connect to", cause]);
            let secret = url
                .split_once("://")
                .unwrap()
                .1
                .split_once('@')
                .unwrap()
                .0
                .split_once(':')
                .unwrap()
                .1;
            // The secret itself may be a common word (`postgres`): look for it where it stood.
            assert!(
                !run.stderr.contains(&format!(":{secret}@"))
                    && (secret.len() < 8 || !run.stderr.contains(secret)),
                "{:?}: password shown:\n{}",
                db.backend,
                run.stderr
            );
            assert!(
                !run.stderr.contains("Invalid connection url"),
                "{}",
                run.stderr
            );
        }
    }
}
