//! The bad-input suite: what a user can get wrong (a URL, a flag, a tampered tracking
//! table, a broken migration, a lock someone else holds), each run end to end through a
//! fixture binary. Every case asserts the exit code, a message that names the migration
//! where there is one and says what to do, and an unchanged database.
//!
//! Run it, with one line per case on stdout (`RELIABILITY | bad input | ...`):
//!
//! ```sh
//! export UPDOWN_TEST_POSTGRES_URL=postgres://postgres:secret@127.0.0.1:5432/postgres
//! export UPDOWN_TEST_MYSQL_URL=mysql://admin:secret@127.0.0.1:3306/mysql
//! cargo test --all-features --test bad_input -- --nocapture
//! ```
//!
//! "Unchanged" is a fingerprint taken before and after the command: every table with its
//! columns and row count, and every row of `updown_migrations` and `updown_history`, read
//! with SQL. The one exception is a migration that fails while it runs: the failure is
//! recorded in `updown_history` by design, so exactly one new `failed` row naming that
//! migration is allowed there, and nothing else (its transaction was rolled back).
//!
//! Cases that do not depend on a server run on SQLite only; those about servers run on
//! PostgreSQL and MariaDB. A URL naming a backend that is not compiled in is tried where
//! one is not: in the default build (`cargo test --workspace`, SQLite only), not under
//! `--all-features`.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use diesel::connection::SimpleConnection;
use diesel::{QueryableByName, RunQueryDsl};
use updown::{AnyConnection, Backend};
use updown_tests::{TestDb, bin, databases, sqlite};

// --- the cases ----------------------------------------------------------------------

/// One bad input: where it runs, how the database is prepared, the command, and what
/// the user must see.
struct Case {
    /// The case as the RELIABILITY line names it.
    name: &'static str,
    on: On,
    /// Brings the database to the state the command meets.
    setup: &'static [Step],
    bin: &'static str,
    args: &'static [&'static str],
    url: Url,
    /// Environment of the command, as bytes (a value need not be UTF-8).
    env: &'static [(&'static str, &'static [u8])],
    /// The exit codes accepted; almost always one.
    exit: &'static [i32],
    /// Fragments stderr must hold: the migration, the problem, what to do.
    stderr: &'static [&'static str],
    stdout: &'static [&'static str],
    /// Text that must appear in neither output (a password, the wrong explanation).
    never: &'static [&'static str],
    /// What the command may change: nothing, or one failed history row.
    change: Change,
    /// Further checks of this case: each problem found is pushed.
    extra: Option<fn(&TestDb, &Outcome, &mut Vec<String>)>,
}

/// Defaults that most cases keep.
const CASE: Case = Case {
    name: "",
    on: On::Sqlite,
    setup: &[],
    bin: bin!("app"),
    args: &[],
    url: Url::Test,
    env: &[],
    exit: &[5],
    stderr: &[],
    stdout: &[],
    never: &[],
    change: Change::Nothing,
    extra: None,
};

#[derive(Clone, Copy)]
enum On {
    /// Nothing about it depends on a server.
    Sqlite,
    /// Every backend under test.
    All,
    /// PostgreSQL and MariaDB.
    Servers,
    /// Where a failed migration's DDL is rolled back (not MySQL, where it is marked dirty).
    RollsBackDdl,
    Only(Backend),
    /// SQLite, with a URL of this backend: only where its feature is compiled in.
    SqliteWith(Backend),
}

/// One step of a setup.
enum Step {
    /// A fixture binary run on the database, which must exit with this code.
    Run(&'static str, &'static [&'static str], i32),
    /// SQL run on the database directly.
    Sql(&'static str),
    /// Anything else; what it returns (a connection holding a lock) is kept until the
    /// command has finished.
    With(fn(&TestDb) -> Held),
}

type Held = Option<Box<dyn std::any::Any>>;

/// The `--database-url` the command gets.
enum Url {
    /// The test database's.
    Test,
    /// None at all (nor DATABASE_URL, unless `env` sets it).
    None,
    Fixed(&'static str),
    /// Derived from the test database: another password, another path...
    From(fn(&TestDb) -> String),
}

#[derive(Clone, Copy)]
enum Change {
    Nothing,
    /// The migration failed while running: one `failed` history row for it, nothing else.
    FailedHistoryRow(i64, &'static str),
}

const APPLY_1001: Step = Step::Run(bin!("app"), &["migrate", "--to", "1001"], 0);
const APPLY_ALL: Step = Step::Run(bin!("app"), &["migrate"], 0);

/// updown_migrations as updown makes it, plus a column of another program's.
const TRACKING_WITH_FOREIGN_COLUMN: &str = "CREATE TABLE updown_migrations (
    version BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL, duration_ms BIGINT NOT NULL, batch BIGINT NOT NULL,
    state TEXT NOT NULL, tenant_id BIGINT NOT NULL)";

/// updown_migrations as updown makes it, but for its `state` column.
const TRACKING_WITHOUT_STATE: &str = "CREATE TABLE updown_migrations (
    version BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL, duration_ms BIGINT NOT NULL, batch BIGINT NOT NULL)";

/// Declares the cases: a test for each, and how many there are.
macro_rules! cases {
    ($($test:ident($case:expr)),+ $(,)?) => {
        $(
            #[test]
            fn $test() {
                check(&$case);
            }
        )+
        const CASES: usize = [$(stringify!($test)),+].len();
    };
}

cases![
    // --- the URL and the connection ---
    malformed_postgres_url(Case {
        name: "malformed URL (PostgreSQL, bad port)",
        on: On::SqliteWith(Backend::Postgres),
        url: Url::Fixed("postgres://u@:badport/x"),
        args: &["status"],
        stderr: &["cannot connect to postgres://", "\"badport\"", "\"port\""],
        ..CASE
    }),
    malformed_mysql_url(Case {
        name: "malformed URL (MySQL, bad port)",
        url: Url::Fixed("mysql://u@:badport/x"),
        args: &["status"],
        stderr: &["invalid database URL `mysql://u@:badport/x`", "empty host"],
        ..CASE
    }),
    unknown_scheme(Case {
        name: "unknown URL scheme",
        url: Url::Fixed("http://admin:hunter2@example.com/db"),
        args: &["migrate"],
        stderr: &["unsupported scheme `http://`", "use `sqlite://PATH`"],
        never: &["hunter2"],
        ..CASE
    }),
    sqlite_url_without_path(Case {
        name: "SQLite URL without a path",
        url: Url::Fixed("sqlite://"),
        args: &["migrate"],
        stderr: &["it names no database", "sqlite://app.db"],
        ..CASE
    }),
    unreachable_postgres(Case {
        name: "unreachable host (PostgreSQL)",
        on: On::SqliteWith(Backend::Postgres),
        url: Url::Fixed("postgres://u:pw-unreachable@127.0.0.1:1/db"),
        args: &["migrate"],
        stderr: &[
            "cannot connect to postgres://u:***@127.0.0.1:1/db",
            "Connection refused"
        ],
        never: &["pw-unreachable"],
        ..CASE
    }),
    unreachable_mysql(Case {
        name: "unreachable host (MySQL)",
        on: On::SqliteWith(Backend::Mysql),
        url: Url::Fixed("mysql://u:pw-unreachable@127.0.0.1:1/db"),
        args: &["migrate"],
        stderr: &[
            "cannot connect to mysql://u:***@127.0.0.1:1/db",
            "Can't connect"
        ],
        never: &["pw-unreachable"],
        ..CASE
    }),
    wrong_password(Case {
        name: "wrong password",
        on: On::Servers,
        setup: &[APPLY_1001],
        url: Url::From(with_wrong_password),
        args: &["migrate"],
        stderr: &["cannot connect to", ":***@"],
        never: &[WRONG_PASSWORD],
        extra: Some(|db, out, problems| {
            let cause = match db.backend {
                Backend::Postgres => "password authentication failed",
                _ => "Access denied",
            };
            has(&out.stderr, "stderr", cause, problems);
        }),
        ..CASE
    }),
    unknown_database(Case {
        name: "unknown database on the server",
        on: On::Servers,
        url: Url::From(with_unknown_database),
        args: &["migrate"],
        stderr: &["cannot connect to", "updown_no_such_database"],
        extra: Some(|db, out, problems| {
            let cause = match db.backend {
                Backend::Postgres => "does not exist",
                _ => "Unknown database",
            };
            has(&out.stderr, "stderr", cause, problems);
        }),
        ..CASE
    }),
    mysql_url_without_database_migrate(Case {
        name: "MySQL URL naming no database (migrate)",
        on: On::Only(Backend::Mysql),
        url: Url::From(server_root),
        // A short lock timeout, so that the wrong answer (a lock timeout) comes quickly.
        args: &["migrate", "--lock-timeout", "1s"],
        stderr: &["no database"],
        never: &["timed out", "migration lock"],
        ..CASE
    }),
    mysql_url_without_database_status(Case {
        name: "MySQL URL naming no database (status)",
        on: On::Only(Backend::Mysql),
        url: Url::From(server_root),
        args: &["status"],
        stderr: &["no database"],
        never: &["pending"],
        ..CASE
    }),
    missing_sqlite_directory(Case {
        name: "SQLite file in a missing directory",
        url: Url::From(|db| format!("sqlite://{}", db.dir().join("no/such/dir/app.db").display())),
        args: &["migrate"],
        stderr: &[
            "directory `",
            "no/such/dir` does not exist; create it first"
        ],
        extra: Some(|db, _, problems| {
            if db.dir().join("no").exists() {
                problems.push("the missing directory was created".into());
            }
        }),
        ..CASE
    }),
    status_on_missing_sqlite_file(Case {
        name: "status on a SQLite file that does not exist",
        url: Url::From(missing_file),
        args: &["status"],
        // Not an error: nothing is applied to a database that does not exist yet.
        exit: &[0],
        stderr: &["missing.db", "does not exist yet", "`migrate` creates it"],
        extra: Some(missing_file_stays_missing),
        ..CASE
    }),
    history_on_missing_sqlite_file(Case {
        name: "history on a SQLite file that does not exist",
        url: Url::From(missing_file),
        args: &["history"],
        // Not an error: nothing is applied to a database that does not exist yet.
        exit: &[0],
        stderr: &["missing.db", "does not exist yet", "`migrate` creates it"],
        extra: Some(missing_file_stays_missing),
        ..CASE
    }),
    read_only_sqlite_file(Case {
        name: "read-only SQLite file, migrations pending",
        setup: &[APPLY_1001],
        url: Url::From(read_only),
        args: &["migrate"],
        // Documented either way: the first write fails (2) or the database is refused (5).
        exit: &[2, 5],
        extra: Some(|_, out, problems| {
            if !out.stderr.contains("readonly") && !out.stderr.contains("read-only") {
                problems.push(format!(
                    "stderr does not say the database is read-only\n{}",
                    out.stderr
                ));
            }
        }),
        ..CASE
    }),
    // --- configuration and arguments ---
    dot_env_with_garbage(Case {
        name: ".env with a line that is not a variable",
        setup: &[Step::With(|db| {
            std::fs::write(db.dir().join(".env"), "this is not a var\n").unwrap();
            None
        })],
        url: Url::None,
        args: &["status"],
        stderr: &["cannot read .env", "line 1 does not parse", "NAME=value"],
        ..CASE
    }),
    dot_env_line_with_a_password(Case {
        name: ".env whose DATABASE_URL line does not parse",
        setup: &[Step::With(|db| {
            std::fs::write(
                db.dir().join(".env"),
                "# settings\nDATABASE_URL=postgres://u:pa ss'Wq9Zr@db/app x\n",
            )
            .unwrap();
            None
        })],
        url: Url::None,
        args: &["status"],
        stderr: &["cannot read .env", "line 2 does not parse"],
        // The line is not quoted: it holds the password.
        never: &["Wq9Zr", "pa ss"],
        ..CASE
    }),
    database_url_not_utf8(Case {
        name: "DATABASE_URL not valid UTF-8",
        url: Url::None,
        args: &["status"],
        env: &[("DATABASE_URL", b"sqlite://\xff.db")],
        stderr: &["DATABASE_URL", "UTF-8"],
        never: &["no database URL"],
        ..CASE
    }),
    unknown_subcommand(Case {
        name: "unknown subcommand",
        args: &["migrat"],
        stderr: &[
            "unrecognized subcommand 'migrat'",
            "a similar subcommand exists: 'migrate'"
        ],
        ..CASE
    }),
    unknown_format(Case {
        name: "unknown --format value",
        args: &["status", "--format", "yaml"],
        stderr: &[
            "invalid value 'yaml' for '--format <FORMAT>'",
            "possible values: table, json"
        ],
        ..CASE
    }),
    invalid_lock_timeout(Case {
        name: "unreadable --lock-timeout",
        setup: &[APPLY_1001],
        args: &["migrate", "--lock-timeout", "soon"],
        stderr: &[
            "invalid value 'soon' for '--lock-timeout",
            "write seconds (`60`) or a duration"
        ],
        ..CASE
    }),
    rollback_steps_and_to(Case {
        name: "rollback --steps with --to",
        setup: &[APPLY_ALL],
        args: &["rollback", "--steps", "1", "--to", "1001"],
        stderr: &["'--steps <N>' cannot be used with '--to <VERSION>'"],
        ..CASE
    }),
    verify_keep_going_in_place(Case {
        name: "verify --keep-going with --in-place",
        args: &["verify", "--keep-going", "--in-place"],
        stderr: &["'--keep-going' cannot be used with '--in-place'"],
        ..CASE
    }),
    rollback_steps_zero(Case {
        name: "rollback --steps 0",
        setup: &[APPLY_ALL],
        args: &["rollback", "--steps", "0"],
        stderr: &["--steps", "give 1 or more"],
        ..CASE
    }),
    redo_steps_zero(Case {
        name: "redo --steps 0",
        setup: &[APPLY_ALL],
        args: &["redo", "--steps", "0"],
        stderr: &["--steps", "give 1 or more"],
        ..CASE
    }),
    rollback_steps_negative(Case {
        name: "rollback --steps -1",
        setup: &[APPLY_ALL],
        args: &["rollback", "--steps", "-1"],
        stderr: &["--steps", "-1"],
        never: &["unexpected argument"],
        ..CASE
    }),
    session_sql_error(Case {
        name: "--session-sql that does not run",
        args: &["--session-sql", "SET NOTHING TO NOWHERE", "migrate"],
        stderr: &["running the session SQL `SET NOTHING TO NOWHERE`"],
        ..CASE
    }),
    missing_diesel_dir(Case {
        name: "--diesel-dir that does not exist",
        args: &["--diesel-dir", "no-such-folder", "migrate"],
        stderr: &["cannot read `no-such-folder`"],
        ..CASE
    }),
    // --- versions given to commands ---
    migrate_to_unknown_version(Case {
        name: "migrate --to an unknown version",
        setup: &[APPLY_1001],
        args: &["migrate", "--to", "999999"],
        stderr: &[
            "no migration has version 999999",
            "run `status` to list them"
        ],
        ..CASE
    }),
    rollback_to_unknown_version(Case {
        name: "rollback --to an unknown version",
        setup: &[APPLY_ALL],
        args: &["rollback", "--to", "999999"],
        stderr: &[
            "no migration has version 999999",
            "run `status` to list them"
        ],
        ..CASE
    }),
    repair_unknown_version(Case {
        name: "repair --version of an unknown version",
        setup: &[APPLY_ALL],
        args: &["repair", "--version", "999999"],
        stderr: &[
            "no migration has version 999999",
            "run `status` to list them"
        ],
        ..CASE
    }),
    baseline_unknown_version(Case {
        name: "baseline --version of an unknown version",
        args: &["baseline", "--version", "999999"],
        stderr: &[
            "no migration has version 999999",
            "run `status` to list them"
        ],
        ..CASE
    }),
    verify_from_unknown_version(Case {
        name: "verify --from an unknown version",
        args: &["verify", "--from", "999999"],
        stderr: &[
            "no migration has version 999999",
            "run `status` to list them"
        ],
        ..CASE
    }),
    rollback_with_nothing_applied(Case {
        name: "rollback with nothing applied (after a rollback)",
        setup: &[APPLY_ALL, Step::Run(bin!("app"), &["rollback"], 0)],
        args: &["rollback"],
        exit: &[0],
        stdout: &["nothing to roll back"],
        ..CASE
    }),
    rollback_on_a_fresh_database(Case {
        name: "rollback on a database updown never touched",
        setup: &[Step::Sql("CREATE TABLE customers (id BIGINT PRIMARY KEY)")],
        args: &["rollback"],
        exit: &[0],
        stdout: &["nothing to roll back"],
        ..CASE
    }),
    // --- the code does not match the database ---
    duplicate_versions(Case {
        name: "two migrations with one version",
        bin: bin!("app_duplicates"),
        args: &["migrate"],
        stderr: &[
            "version 1001 is used by create_accounts (",
            "and create_customers (",
            "give each of these its own version",
        ],
        ..CASE
    }),
    no_migrations(Case {
        name: "a program with no migrations",
        bin: bin!("app_empty"),
        args: &["migrate"],
        stderr: &["no migrations are registered", "use my_migrations as _;"],
        ..CASE
    }),
    corrupted_checksum(Case {
        name: "corrupted checksum",
        setup: &[
            APPLY_ALL,
            Step::Sql("UPDATE updown_migrations SET checksum = 'deadbeef' WHERE version = 1002"),
        ],
        args: &["migrate"],
        exit: &[1],
        stderr: &[
            "migration 1002 add_account_name was changed",
            "repair --version 1002",
            "--allow-drift"
        ],
        ..CASE
    }),
    applied_version_missing_from_code(Case {
        name: "applied migration missing from the code",
        setup: &[APPLY_ALL],
        bin: bin!("app_without_v2"),
        args: &["migrate"],
        exit: &[1],
        stderr: &[
            "migration 1002 add_account_name is applied in the database but not in the code",
            "--allow-missing"
        ],
        ..CASE
    }),
    rollback_of_migration_missing_from_code(Case {
        name: "rollback of a migration missing from the code",
        setup: &[APPLY_ALL],
        bin: bin!("app_without_v2"),
        args: &["rollback"],
        exit: &[1],
        stderr: &[
            "1002 add_account_name cannot be rolled back: its code is not in this program",
            "--to 1002"
        ],
        ..CASE
    }),
    out_of_order_pending(Case {
        name: "pending migration older than an applied one",
        setup: &[Step::Run(bin!("app_without_v2"), &["migrate"], 0)],
        args: &["migrate"],
        exit: &[1],
        stderr: &[
            "migration 1002 add_account_name is pending but older than 1003",
            "--allow-out-of-order"
        ],
        ..CASE
    }),
    rollback_past_irreversible(Case {
        name: "rollback past an irreversible migration",
        setup: &[Step::Run(bin!("app_irreversible"), &["migrate"], 0)],
        bin: bin!("app_irreversible"),
        args: &["rollback", "--steps", "2"],
        exit: &[1],
        stderr: &[
            "migration 1004 purge_audit_log is irreversible",
            "--to 1004"
        ],
        ..CASE
    }),
    adopt_without_diesel_table(Case {
        name: "adopt diesel on a database diesel never migrated",
        args: &["adopt", "diesel"],
        exit: &[1],
        stderr: &[
            "no `__diesel_schema_migrations` table",
            "check `--database-url`"
        ],
        ..CASE
    }),
    // --- updown's tables tampered with ---
    foreign_tracking_table(Case {
        name: "updown_migrations of another program",
        on: On::All,
        setup: &[Step::Sql(
            "CREATE TABLE updown_migrations (id INTEGER PRIMARY KEY, foo TEXT)"
        )],
        args: &["migrate"],
        exit: &[1],
        stderr: &["updown_migrations", "rename"],
        ..CASE
    }),
    tracking_table_with_extra_column(Case {
        name: "updown_migrations with a foreign column",
        on: On::All,
        setup: &[Step::Sql(TRACKING_WITH_FOREIGN_COLUMN)],
        args: &["migrate"],
        exit: &[1],
        stderr: &["updown_migrations", "tenant_id", "rename"],
        ..CASE
    }),
    tracking_table_missing_column(Case {
        name: "updown_migrations missing a column",
        on: On::All,
        setup: &[Step::Sql(TRACKING_WITHOUT_STATE)],
        args: &["migrate"],
        exit: &[1],
        stderr: &["updown_migrations", "state", "rename"],
        ..CASE
    }),
    unknown_state(Case {
        name: "unknown state in updown_migrations",
        on: On::All,
        setup: &[
            APPLY_ALL,
            Step::Sql("UPDATE updown_migrations SET state = 'weird' WHERE version = 1002")
        ],
        args: &["migrate"],
        exit: &[1],
        stderr: &["1002 add_account_name", "weird"],
        extra: Some(|db, _, problems| {
            // Whatever status makes of it, it must not pass it off as applied.
            let status = db.run(bin!("app"), &["status", "--format", "json"]);
            if status.code != 0 {
                if !status.stderr.contains("1002") || !status.stderr.contains("weird") {
                    problems.push(format!(
                        "status fails without naming 1002 and its state\n{}",
                        status.stderr
                    ));
                }
                return;
            }
            let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap_or_default();
            let applied = json["migrations"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|m| m["version"] == 1002 && m["state"] == "applied");
            if applied {
                problems.push(format!("status shows 1002 as applied\n{}", status.stdout));
            }
        }),
        ..CASE
    }),
    dirty_mark_set_by_sql(Case {
        name: "migration marked dirty",
        setup: &[
            APPLY_ALL,
            Step::Sql("UPDATE updown_migrations SET state = 'dirty' WHERE version = 1003")
        ],
        args: &["migrate"],
        exit: &[1],
        stderr: &[
            "migration 1003 create_audit_log is marked dirty",
            "repair --version 1003"
        ],
        ..CASE
    }),
    dirty_after_untransacted_failure(Case {
        name: "dirty migration left by a failure outside a transaction",
        on: On::All,
        setup: &[
            APPLY_ALL,
            Step::Run(bin!("app_untransacted"), &["migrate"], 2)
        ],
        bin: bin!("app_untransacted"),
        args: &["migrate"],
        exit: &[1],
        stderr: &[
            "migration 1004 seed_accounts_untransacted is marked dirty",
            "repair --version 1004",
            "repair --version 1004 --applied",
        ],
        ..CASE
    }),
    // --- a migration that fails while it runs ---
    runtime_sql_error(Case {
        name: "SQL error while migrating",
        on: On::RollsBackDdl,
        setup: &[APPLY_ALL],
        bin: bin!("app_failing_sql"),
        args: &["migrate"],
        exit: &[2],
        stderr: &[
            "migration 1004 seed_accounts_sql failed",
            "statement: INSERT INTO accounts (id, emial)",
            "its transaction was rolled back",
            "Fix it and run the command again",
        ],
        change: Change::FailedHistoryRow(1004, "seed_accounts_sql"),
        ..CASE
    }),
    panicking_migration(Case {
        name: "migration that panics",
        on: On::RollsBackDdl,
        setup: &[APPLY_ALL],
        bin: bin!("app_panics"),
        args: &["migrate"],
        exit: &[2],
        stderr: &[
            "migration 1004 seed_accounts_panics failed: it panicked: the seed list is never empty",
            "its transaction was rolled back",
        ],
        change: Change::FailedHistoryRow(1004, "seed_accounts_panics"),
        ..CASE
    }),
    // --- other migrators and environments ---
    lock_held_by_another_migrator(Case {
        name: "lock held by another migrator",
        on: On::All,
        setup: &[APPLY_1001, Step::With(hold_lock)],
        args: &["migrate", "--lock-timeout", "1s"],
        exit: &[1],
        stderr: &[
            "timed out after 1s waiting for the migration lock",
            "another migrator is running",
            "raise `--lock-timeout`",
        ],
        ..CASE
    }),
    reset_in_production(Case {
        name: "reset in production",
        setup: &[APPLY_ALL],
        args: &["--env", "production", "reset", "--yes"],
        exit: &[1],
        stderr: &[
            "refused in the production environment",
            "rollback --to V --yes"
        ],
        ..CASE
    }),
    rollback_in_production_without_yes(Case {
        name: "rollback in production (UPDOWN_ENV) without --yes",
        setup: &[APPLY_ALL],
        args: &["rollback"],
        env: &[("UPDOWN_ENV", b"production")],
        exit: &[1],
        stderr: &[
            "`rollback` undoes migrations in the production environment",
            "pass `--yes`"
        ],
        ..CASE
    }),
    redo_in_production_without_yes(Case {
        name: "redo in production without --yes",
        setup: &[APPLY_ALL],
        args: &["--env", "production", "redo"],
        exit: &[1],
        stderr: &[
            "`redo` undoes migrations in the production environment",
            "pass `--yes`"
        ],
        ..CASE
    }),
];

// The requirement: at least 30 cases.
const _: () = assert!(CASES >= 30, "fewer than 30 bad-input cases");

// --- running a case -----------------------------------------------------------------

/// What a command did.
struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

fn check(case: &Case) {
    let dbs: Vec<TestDb> = match case.on {
        On::Sqlite => vec![sqlite()],
        On::SqliteWith(backend) => {
            let compiled = match backend {
                Backend::Postgres => cfg!(feature = "postgres"),
                Backend::Mysql => cfg!(feature = "mysql"),
                _ => true,
            };
            compiled.then(sqlite).into_iter().collect()
        }
        on => databases()
            .into_iter()
            .filter(|db| match on {
                On::Servers => db.backend != Backend::Sqlite,
                On::RollsBackDdl => db.rolls_back_ddl(),
                On::Only(backend) => db.backend == backend,
                On::All | On::Sqlite | On::SqliteWith(_) => true,
            })
            .collect(),
    };
    if dbs.is_empty() {
        println!("note: `{}` skipped: no database it runs on", case.name);
    }
    // Every backend is tried, so that a failure says on which of them the case fails.
    let failures: Vec<String> = dbs
        .iter()
        .filter_map(|db| check_on(case, db).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Runs the case on `db`: `Err` says everything that went wrong.
fn check_on(case: &Case, db: &TestDb) -> Result<(), String> {
    let mut held = Vec::new();
    for step in case.setup {
        match step {
            Step::Run(bin, args, code) => {
                db.run(bin, args).expect(*code);
            }
            Step::Sql(sql) => db
                .connect()
                .batch_execute(sql)
                .unwrap_or_else(|e| panic!("setup SQL `{sql}` on {}: {e}", db.backend)),
            Step::With(f) => held.push(f(db)),
        }
    }
    let before = Fingerprint::of(db);
    let out = run(case, db);
    drop(held);
    let after = Fingerprint::of(db);

    let mut problems = Vec::new();
    if !case.exit.contains(&out.code) {
        problems.push(format!("exited {} (expected {:?})", out.code, case.exit));
    }
    for part in case.stderr {
        has(&out.stderr, "stderr", part, &mut problems);
    }
    for part in case.stdout {
        has(&out.stdout, "stdout", part, &mut problems);
    }
    for part in case.never {
        if out.stdout.contains(part) || out.stderr.contains(part) {
            problems.push(format!("the output shows {part:?}"));
        }
    }
    if let Some(extra) = case.extra {
        extra(db, &out, &mut problems);
    }
    if let Err(change) = before.compare(&after, case.change) {
        problems.push(format!("the database changed: {change}"));
    }
    if !problems.is_empty() {
        return Err(format!(
            "bad input `{}` on {}:\n  - {}\n--- stdout\n{}\n--- stderr\n{}",
            case.name,
            db.backend,
            problems.join("\n  - "),
            out.stdout,
            out.stderr
        ));
    }
    println!(
        "RELIABILITY | bad input | {} | {} | exit {} | unchanged |",
        case.name, db.backend, out.code
    );
    Ok(())
}

/// Runs the case's command as a user would: in the database's directory, with no
/// DATABASE_URL or UPDOWN_ENV but those the case sets.
fn run(case: &Case, db: &TestDb) -> Outcome {
    let mut cmd = std::process::Command::new(case.bin);
    cmd.current_dir(db.dir())
        .env_remove("DATABASE_URL")
        .env_remove("UPDOWN_ENV");
    let url = match &case.url {
        Url::Test => Some(db.url.clone()),
        Url::None => None,
        Url::Fixed(url) => Some((*url).to_owned()),
        Url::From(f) => Some(f(db)),
    };
    if let Some(url) = url {
        cmd.args(["--database-url", &url]);
    }
    cmd.args(case.args);
    for (key, value) in case.env {
        cmd.env(key, OsStr::from_bytes(value));
    }
    let out = cmd.output().expect("the fixture binary runs");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn has(text: &str, which: &str, part: &str, problems: &mut Vec<String>) {
    if !text.contains(part) {
        problems.push(format!("{which} lacks {part:?}"));
    }
}

// --- URLs, files and locks of the cases ---------------------------------------------

const WRONG_PASSWORD: &str = "wrong-secret-42";

/// `scheme://user:pw@host:port/db?q` split into `scheme://`, `user:pw`, `host:port`,
/// `db` and `?q`.
fn url_parts(url: &str) -> (&str, &str, &str, &str, &str) {
    let at = url.find("://").expect("a server URL") + 3;
    let (scheme, rest) = url.split_at(at);
    let (rest, query) = rest.find('?').map_or((rest, ""), |i| rest.split_at(i));
    let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
    let (user_info, host) = authority.rsplit_once('@').unwrap_or(("", authority));
    (scheme, user_info, host, database, query)
}

fn with_wrong_password(db: &TestDb) -> String {
    let (scheme, user_info, host, database, query) = url_parts(&db.url);
    let user = user_info.split(':').next().unwrap_or_default();
    format!("{scheme}{user}:{WRONG_PASSWORD}@{host}/{database}{query}")
}

fn with_unknown_database(db: &TestDb) -> String {
    let (scheme, user_info, host, _, query) = url_parts(&db.url);
    format!("{scheme}{user_info}@{host}/updown_no_such_database{query}")
}

/// The test database's server, with no database named.
fn server_root(db: &TestDb) -> String {
    let (scheme, user_info, host, _, _) = url_parts(&db.url);
    format!("{scheme}{user_info}@{host}")
}

fn missing_file(db: &TestDb) -> String {
    format!("sqlite://{}", db.dir().join("missing.db").display())
}

fn missing_file_stays_missing(db: &TestDb, _: &Outcome, problems: &mut Vec<String>) {
    if db.dir().join("missing.db").exists() {
        problems.push("the SQLite file that did not exist was created".into());
    }
}

/// The test database made read-only. Mode bits do not stop root, so where writing goes
/// through anyway, SQLite itself is asked to open the file read-only.
fn read_only(db: &TestDb) -> String {
    let path = db.dir().join("test.db");
    let mut permissions = std::fs::metadata(&path).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&path, permissions).unwrap();
    if std::fs::OpenOptions::new().write(true).open(&path).is_ok() {
        format!("sqlite://file:{}?mode=ro", path.display())
    } else {
        db.url.clone()
    }
}

/// PostgreSQL's advisory lock key of updown ("updown" in ASCII).
const POSTGRES_LOCK_KEY: i64 = 0x7570_646f_776e;

#[derive(QueryableByName)]
struct MaybeNumber {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    n: Option<i64>,
}

/// Takes the migration lock as another migrator would, on a connection of its own
/// that holds it until dropped.
fn hold_lock(db: &TestDb) -> Held {
    let mut conn = db.connect();
    match db.backend {
        Backend::Sqlite => conn.batch_execute("BEGIN IMMEDIATE").unwrap(),
        Backend::Postgres => conn
            .batch_execute(&format!("SELECT pg_advisory_lock({POSTGRES_LOCK_KEY})"))
            .unwrap(),
        _ => {
            let got: MaybeNumber =
                diesel::sql_query("SELECT GET_LOCK(CONCAT('updown:', DATABASE()), 0) AS n")
                    .get_result(&mut conn)
                    .unwrap();
            assert_eq!(got.n, Some(1), "GET_LOCK");
        }
    }
    Some(Box::new(conn))
}

// --- the fingerprint ----------------------------------------------------------------

/// What a database holds, as far as a failed command could have changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    /// Every table: its columns and its row count.
    tables: BTreeMap<String, (Vec<String>, i64)>,
    /// Every row of updown's two tables, each its values as text, sorted.
    migrations: Vec<Vec<String>>,
    history: Vec<Vec<String>>,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

/// Between the values of a row as one text; no value holds it.
const SEPARATOR: char = '\u{1f}';
const NULL: &str = "<null>";

impl Fingerprint {
    fn of(db: &TestDb) -> Fingerprint {
        let mut conn = db.connect();
        let query = |conn: &mut AnyConnection, sql: &str| -> Vec<String> {
            diesel::sql_query(sql)
                .load::<Name>(conn)
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .into_iter()
                .map(|n| n.name)
                .collect()
        };
        let mut tables = BTreeMap::new();
        for table in query(&mut conn, tables_sql(db.backend)) {
            let columns = query(&mut conn, &columns_sql(db.backend, &table));
            let sql = format!("SELECT COUNT(*) AS n FROM {}", quote(db.backend, &table));
            let rows: Count = diesel::sql_query(&sql)
                .get_result(&mut conn)
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            tables.insert(table, (columns, rows.n));
        }
        let mut rows_of = |table: &str| -> Vec<Vec<String>> {
            let Some((columns, _)) = tables.get(table) else {
                return Vec::new();
            };
            let sql = rows_sql(db.backend, table, columns);
            let mut rows: Vec<Vec<String>> = diesel::sql_query(&sql)
                .load::<Line>(&mut conn)
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .into_iter()
                .map(|l| l.line.split(SEPARATOR).map(str::to_owned).collect())
                .collect();
            rows.sort();
            rows
        };
        Fingerprint {
            migrations: rows_of("updown_migrations"),
            history: rows_of("updown_history"),
            tables,
        }
    }

    /// `Ok` when `after` is this fingerprint but for what `allowed` permits; otherwise
    /// what changed.
    fn compare(&self, after: &Fingerprint, allowed: Change) -> Result<(), String> {
        let mut after = after.clone();
        if let Change::FailedHistoryRow(version, name) = allowed {
            let added = after.history.len().saturating_sub(self.history.len());
            let columns = after
                .tables
                .get("updown_history")
                .map(|(c, _)| c.clone())
                .unwrap_or_default();
            let field = |row: &[String], column: &str| {
                columns
                    .iter()
                    .position(|c| c == column)
                    .and_then(|i| row.get(i).cloned())
                    .unwrap_or_default()
            };
            let new = after
                .history
                .iter()
                .position(|row| !self.history.contains(row))
                .map(|i| after.history.remove(i));
            match new {
                Some(row)
                    if added == 1
                        && field(&row, "version") == version.to_string()
                        && field(&row, "name") == name
                        && field(&row, "outcome") == "failed" =>
                {
                    if let Some((_, count)) = after.tables.get_mut("updown_history") {
                        *count -= 1;
                    }
                }
                _ => {
                    return Err(format!(
                        "expected one new `failed` history row for {version} {name}, \
                         found {added} new rows:\n{:?}",
                        after.history
                    ));
                }
            }
        }
        if *self == after {
            return Ok(());
        }
        let mut changes = Vec::new();
        for (table, was) in &self.tables {
            match after.tables.get(table) {
                None => changes.push(format!("table {table} was dropped")),
                Some(now) if now != was => {
                    changes.push(format!("table {table}: {was:?} -> {now:?}"))
                }
                _ => {}
            }
        }
        for table in after.tables.keys() {
            if !self.tables.contains_key(table) {
                changes.push(format!("table {table} was created"));
            }
        }
        if self.migrations != after.migrations {
            changes.push(format!(
                "updown_migrations rows: {:?} -> {:?}",
                self.migrations, after.migrations
            ));
        }
        if self.history != after.history {
            changes.push(format!(
                "updown_history rows: {:?} -> {:?}",
                self.history, after.history
            ));
        }
        Err(changes.join("; "))
    }
}

fn quote(backend: Backend, ident: &str) -> String {
    match backend {
        Backend::Mysql => format!("`{ident}`"),
        _ => format!("\"{ident}\""),
    }
}

fn tables_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
        Backend::Postgres => {
            "SELECT table_name::text AS name FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        }
        _ => {
            "SELECT table_name AS name FROM information_schema.tables
             WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1"
        }
    }
}

fn columns_sql(backend: Backend, table: &str) -> String {
    match backend {
        Backend::Sqlite => format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
        Backend::Postgres => format!(
            "SELECT column_name::text AS name FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = '{table}'
             ORDER BY ordinal_position"
        ),
        _ => format!(
            "SELECT column_name AS name FROM information_schema.columns
             WHERE table_schema = DATABASE() AND table_name = '{table}'
             ORDER BY ordinal_position"
        ),
    }
}

/// Each row of `table` as one text: its values in column order, SEPARATOR between.
fn rows_sql(backend: Backend, table: &str, columns: &[String]) -> String {
    let text = match backend {
        Backend::Mysql => "CHAR",
        _ => "TEXT",
    };
    let values: Vec<String> = columns
        .iter()
        .map(|c| format!("COALESCE(CAST({} AS {text}), '{NULL}')", quote(backend, c)))
        .collect();
    let line = match backend {
        Backend::Mysql => format!("CONCAT_WS('{SEPARATOR}', {})", values.join(", ")),
        _ => values.join(&format!(" || '{SEPARATOR}' || ")),
    };
    format!("SELECT {line} AS line FROM {}", quote(backend, table))
}

// --- the check can fail ---------------------------------------------------------------

/// The fingerprint sees each kind of change a failed command could make, so that
/// "unchanged" above means something.
#[test]
fn the_fingerprint_sees_every_change() {
    for db in databases() {
        db.run(bin!("app"), &["migrate"]).expect(0);
        let before = Fingerprint::of(&db);
        assert_eq!(
            before.compare(&Fingerprint::of(&db), Change::Nothing),
            Ok(())
        );
        let changed = |sql: &str| {
            db.connect().batch_execute(sql).unwrap();
            let after = Fingerprint::of(&db);
            assert!(
                before.compare(&after, Change::Nothing).is_err(),
                "{}: `{sql}` went unseen",
                db.backend
            );
            after
        };
        let row = changed("UPDATE updown_migrations SET checksum = 'x' WHERE version = 1002");
        assert_ne!(before.migrations, row.migrations);
        changed("INSERT INTO accounts (id, email) VALUES (7, 'x@example.com')");
        changed("CREATE TABLE stray (id BIGINT)");
        changed("ALTER TABLE stray ADD COLUMN extra BIGINT");
    }
}

/// A failed migration may add its one `failed` history row, and nothing more.
#[test]
fn the_fingerprint_allows_only_one_failed_history_row() {
    for db in databases() {
        db.run(bin!("app"), &["migrate"]).expect(0);
        let before = Fingerprint::of(&db);
        let failed = Change::FailedHistoryRow(1004, "seed_accounts");
        let insert = |version: i64, outcome: &str| {
            db.connect()
                .batch_execute(&format!(
                    "INSERT INTO updown_history
                       (version, name, action, batch, checksum, at, duration_ms, outcome, error)
                     VALUES ({version}, 'seed_accounts', 'apply', 2, 'c', 't', 0, '{outcome}', 'x')"
                ))
                .unwrap();
            Fingerprint::of(&db)
        };
        let one = insert(1004, "failed");
        assert_eq!(before.compare(&one, failed), Ok(()));
        assert!(before.compare(&one, Change::Nothing).is_err());
        let two = insert(1004, "failed");
        assert!(before.compare(&two, failed).is_err(), "two rows allowed");
        let other_version = insert(1005, "failed");
        assert!(
            two.compare(&other_version, failed).is_err(),
            "another version allowed"
        );
        let succeeded = insert(1004, "ok");
        assert!(
            other_version.compare(&succeeded, failed).is_err(),
            "an `ok` row allowed"
        );
    }
}

/// A URL of a backend whose feature is off names the feature to turn on (exit 5), and
/// nothing is created. Under `--all-features` every backend is compiled in.
#[test]
fn backend_not_compiled_in() {
    let off = [
        ("PostgreSQL", "postgres", cfg!(feature = "postgres")),
        ("MySQL", "mysql", cfg!(feature = "mysql")),
    ];
    for (backend, feature, _) in off.iter().filter(|(_, _, compiled)| !compiled) {
        let db = sqlite();
        let url = format!("{feature}://u:Zr8Kq2Wm@127.0.0.1:1/app");
        let run = db.run_bare(bin!("app"), &["--database-url", &url, "migrate"], &[]);
        run.expect(5).stderr_has(&[
            &format!("{backend} support is not compiled into this program"),
            &format!("enable the `{feature}` feature"),
        ]);
        assert!(!run.stderr.contains("Zr8Kq2Wm"), "{}", run.stderr);
        let created: Vec<_> = std::fs::read_dir(db.dir()).expect("readable").collect();
        assert!(
            created.is_empty(),
            "{backend}: files were created: {created:?}"
        );
        println!(
            "RELIABILITY | bad input | backend not compiled in ({backend}) | SQLite-only build | exit 5 | unchanged |"
        );
    }
}
