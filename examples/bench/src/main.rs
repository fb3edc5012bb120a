//! updown's migration speed against raw SQL and the other Rust runners, as ratios
//! measured side by side. `examples/bench/run.sh` is the command (see docs/BENCHMARKS.md);
//! this binary is its three parts:
//!
//! ```text
//! updown-bench one --contender C --mode M --n N --url U      one contender, one database
//! updown-bench concurrent --workers W --mode M --n N --url U  W migrators at once
//! updown-bench run [--sizes ..] [--rounds ..] [--peers BIN] ..  every round, the report
//! ```
//!
//! `one` and `concurrent` print one JSON line. `run` starts a fresh process on a fresh
//! database for every contender of every round, in an order that turns each round, so that
//! no contender is always first or last, and pairs each ratio within its round. The
//! contenders built against another SQLite (sqlx, refinery, rusqlite) live in
//! `examples/bench-peers`, a binary with the same `one` command.

mod report;

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use serde_json::json;
use updown::{Action, Body, MigrateOptions, Migration, Migrator, Registry, RunChecks};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// How many times each read after the apply is repeated; the median is reported.
const REPEATS: usize = 21;

/// Where the migrations run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A SQLite file, rollback journal and `synchronous = FULL` (SQLite's defaults).
    SqliteFull,
    /// A SQLite file in WAL mode with `synchronous = NORMAL`, the usual server setting.
    SqliteWal,
    /// A PostgreSQL database on the server `--postgres-url` names.
    Postgres,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::SqliteFull, Mode::SqliteWal, Mode::Postgres];

    pub fn name(self) -> &'static str {
        match self {
            Mode::SqliteFull => "sqlite-full",
            Mode::SqliteWal => "sqlite-wal",
            Mode::Postgres => "postgres",
        }
    }

    pub fn parse(s: &str) -> Result<Mode, String> {
        Mode::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("unknown mode `{s}` (sqlite-full, sqlite-wal, postgres)"))
    }

    /// What every contender runs on its connection first: the same on all of them.
    fn settings(self) -> &'static [&'static str] {
        match self {
            Mode::SqliteFull => &[
                "PRAGMA busy_timeout = 60000",
                "PRAGMA journal_mode = DELETE",
                "PRAGMA synchronous = FULL",
            ],
            Mode::SqliteWal => &[
                "PRAGMA busy_timeout = 60000",
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = NORMAL",
            ],
            Mode::Postgres => &[],
        }
    }

    /// updown's URL for the database `url` names (a file path for SQLite).
    fn updown_url(self, url: &str) -> String {
        match self {
            Mode::Postgres => url.to_owned(),
            _ => format!("sqlite://{url}"),
        }
    }
}

/// Migration `i` of the workload: a table and a row, its `down` dropping the table.
fn up_sql(i: usize) -> String {
    format!("CREATE TABLE t{i} (id BIGINT PRIMARY KEY, v TEXT); INSERT INTO t{i} VALUES (1, 'x');")
}

fn down_sql(i: usize) -> String {
    format!("DROP TABLE t{i};")
}

fn workload(n: usize) -> Vec<Migration> {
    (1..=n)
        .map(|i| {
            Migration::sql(
                i as i64,
                format!("create_t{i}"),
                up_sql(i),
                Some(down_sql(i)),
            )
        })
        .collect()
}

/// The contenders of this binary (the others are in `examples/bench-peers`).
pub const CONTENDERS: &[&str] = &[
    "raw-each",
    "raw-one",
    "raw-tracked",
    "updown",
    "updown-nochecks",
    "diesel-files",
    "diesel-embed",
];

/// The contenders of verify's comparison, run when asked for.
pub const VERIFY_CONTENDERS: &[&str] = &["raw-up-down-up", "updown-verify"];

/// What one contender measured on one fresh database.
#[derive(Default)]
struct Measured {
    apply: Duration,
    status: Option<Duration>,
    noop: Option<Duration>,
    select: Option<Duration>,
    /// Of `apply`, updown's checks after the run.
    postflight: Option<Duration>,
}

/// One of the two diesel connections the raw and diesel contenders use.
enum Raw {
    Sqlite(diesel::SqliteConnection),
    #[cfg(feature = "postgres")]
    Postgres(diesel::PgConnection),
}

macro_rules! on_raw {
    ($raw:expr, $conn:ident => $body:expr) => {
        match $raw {
            Raw::Sqlite($conn) => $body,
            #[cfg(feature = "postgres")]
            Raw::Postgres($conn) => $body,
        }
    };
}

impl Raw {
    fn open(mode: Mode, url: &str) -> Result<Raw, String> {
        let mut raw = match mode {
            Mode::Postgres => {
                #[cfg(feature = "postgres")]
                {
                    Raw::Postgres(diesel::PgConnection::establish(url).map_err(|e| e.to_string())?)
                }
                #[cfg(not(feature = "postgres"))]
                return Err("built without the postgres feature".into());
            }
            _ => Raw::Sqlite(diesel::SqliteConnection::establish(url).map_err(|e| e.to_string())?),
        };
        for setting in mode.settings() {
            on_raw!(&mut raw, c => c.batch_execute(setting)).map_err(|e| e.to_string())?;
        }
        Ok(raw)
    }

    /// Each `sql` in a transaction of its own.
    fn each_in_transaction<'a>(&mut self, sqls: impl Iterator<Item = &'a str>) -> QueryResult<()> {
        for sql in sqls {
            on_raw!(self, c => c.transaction(|c| c.batch_execute(sql)))?;
        }
        Ok(())
    }

    /// Every `sql` in one transaction.
    fn all_in_transaction<'a>(&mut self, sqls: impl Iterator<Item = &'a str>) -> QueryResult<()> {
        on_raw!(self, c => c.transaction(|c| {
            for sql in sqls {
                c.batch_execute(sql)?;
            }
            Ok(())
        }))
    }

    /// The tables named `t<i>`: the check that a contender applied everything.
    fn workload_tables(&mut self, mode: Mode) -> QueryResult<i64> {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let sql = match mode {
            Mode::Postgres => {
                "SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]+$'"
            }
            _ => {
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name GLOB 't[0-9]*'"
            }
        };
        let count: Count = on_raw!(self, c => diesel::sql_query(sql).get_result(c))?;
        Ok(count.n)
    }

    /// Every row of diesel's tracking table: the floor of its `applied_migrations`.
    fn select_diesel_table(&mut self) -> QueryResult<usize> {
        #[derive(QueryableByName)]
        #[allow(dead_code)] // read to be decoded, as a status would
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            version: String,
        }
        let sql = "SELECT version FROM __diesel_schema_migrations ORDER BY version";
        let rows: Vec<Row> = on_raw!(self, c => diesel::sql_query(sql).load(c))?;
        Ok(rows.len())
    }
}

/// Every row of `updown_migrations`, every column, as `status` reads them: its floor.
fn select_updown_table(conn: &mut updown::AnyConnection) -> QueryResult<usize> {
    use diesel::sql_types::{BigInt, Nullable, Text};
    #[derive(QueryableByName)]
    #[allow(dead_code)] // read to be decoded, as status does
    struct Row {
        #[diesel(sql_type = BigInt)]
        version: i64,
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Text)]
        checksum: String,
        #[diesel(sql_type = Text)]
        applied_at: String,
        #[diesel(sql_type = BigInt)]
        duration_ms: i64,
        #[diesel(sql_type = BigInt)]
        batch: i64,
        #[diesel(sql_type = Text)]
        state: String,
        #[diesel(sql_type = Nullable<Text>)]
        runner: Option<String>,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT version, name, checksum, applied_at, duration_ms, batch, state, runner \
         FROM updown_migrations ORDER BY version",
    )
    .load(conn)?;
    Ok(rows.len())
}

diesel::table! {
    bench_migrations (version) {
        version -> BigInt,
        name -> Text,
        checksum -> Text,
        applied_at -> Text,
        duration_ms -> BigInt,
        batch -> BigInt,
        state -> Text,
    }
}

diesel::table! {
    bench_history (id) {
        id -> BigInt,
        version -> BigInt,
        name -> Text,
        action -> Text,
        batch -> BigInt,
        checksum -> Text,
        at -> Text,
        duration_ms -> BigInt,
        outcome -> Text,
    }
}

/// The bookkeeping a runner that records its work cannot do without, written by hand:
/// a tracking row and a history row per migration, each migration undone alone if it
/// fails (a savepoint in the run's transaction on SQLite, a transaction of its own on
/// PostgreSQL, its rows in it).
fn run_tracked(raw: &mut Raw, mode: Mode, list: &[Migration]) -> QueryResult<()> {
    let history_id = match mode {
        Mode::Postgres => "BIGSERIAL PRIMARY KEY",
        _ => "INTEGER PRIMARY KEY",
    };
    let tables = format!(
        "CREATE TABLE bench_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, \
         checksum TEXT NOT NULL, applied_at TEXT NOT NULL, duration_ms BIGINT NOT NULL, \
         batch BIGINT NOT NULL, state TEXT NOT NULL); \
         CREATE TABLE bench_history (id {history_id}, version BIGINT NOT NULL, name TEXT NOT NULL, \
         action TEXT NOT NULL, batch BIGINT NOT NULL, checksum TEXT NOT NULL, at TEXT NOT NULL, \
         duration_ms BIGINT NOT NULL, outcome TEXT NOT NULL)"
    );
    let at = "2026-12-03T00:00:00Z";
    macro_rules! rows {
        ($c:expr, $m:expr) => {{
            let (version, name, checksum) = ($m.version(), $m.name(), $m.checksum());
            diesel::insert_into(bench_migrations::table)
                .values((
                    bench_migrations::version.eq(version),
                    bench_migrations::name.eq(name),
                    bench_migrations::checksum.eq(checksum),
                    bench_migrations::applied_at.eq(at),
                    bench_migrations::duration_ms.eq(1_i64),
                    bench_migrations::batch.eq(1_i64),
                    bench_migrations::state.eq("applied"),
                ))
                .execute($c)?;
            diesel::insert_into(bench_history::table)
                .values((
                    bench_history::version.eq(version),
                    bench_history::name.eq(name),
                    bench_history::action.eq("apply"),
                    bench_history::batch.eq(1_i64),
                    bench_history::checksum.eq(checksum),
                    bench_history::at.eq(at),
                    bench_history::duration_ms.eq(1_i64),
                    bench_history::outcome.eq("ok"),
                ))
                .execute($c)?;
        }};
    }
    match raw {
        // The rows after the steps: every CREATE TABLE would make SQLite prepare the
        // inserts again.
        Raw::Sqlite(c) => c.transaction(|c| {
            c.batch_execute(&tables)?;
            for m in list {
                c.transaction(|c| c.batch_execute(sql_of(m, Action::Apply)))?;
            }
            for m in list {
                rows!(c, m);
            }
            Ok(())
        }),
        #[cfg(feature = "postgres")]
        Raw::Postgres(c) => {
            c.batch_execute(&tables)?;
            for m in list {
                c.transaction(|c| {
                    c.batch_execute(sql_of(m, Action::Apply))?;
                    rows!(c, m);
                    Ok::<_, diesel::result::Error>(())
                })?;
            }
            Ok(())
        }
    }
}

fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let started = Instant::now();
    let out = f();
    (started.elapsed(), out)
}

/// The median time of `REPEATS` runs of `f`.
fn repeated<E>(mut f: impl FnMut() -> Result<(), E>) -> Result<Duration, E> {
    let mut samples = Vec::with_capacity(REPEATS);
    for _ in 0..REPEATS {
        let (took, out) = timed(&mut f);
        out?;
        samples.push(took);
    }
    samples.sort();
    Ok(samples[REPEATS / 2])
}

fn sql_of(m: &Migration, action: Action) -> &str {
    match m.body(action) {
        Some(Body::Sql(s)) => s,
        _ => unreachable!("the workload is SQL with a down"),
    }
}

fn updown_migrator(
    mode: Mode,
    url: &str,
    registry: Registry,
    checks: bool,
) -> Result<Migrator, String> {
    let migrator = Migrator::new(registry, &mode.updown_url(url))
        .map_err(|e| e.to_string())?
        .session_sql(mode.settings().iter().map(|s| s.to_string()).collect())
        .keep_connection();
    Ok(match checks {
        true => migrator,
        false => migrator.checks(RunChecks {
            server_activity: false,
            postflight: false,
            ..RunChecks::default()
        }),
    })
}

fn run_updown(mode: Mode, url: &str, n: usize, checks: bool) -> Result<Measured, String> {
    let registry = Registry::from_migrations(workload(n)).map_err(|e| e.to_string())?;
    let options = MigrateOptions::default();
    let (apply, migrated) = timed(|| -> Result<(Migrator, updown::Report), String> {
        let migrator = updown_migrator(mode, url, registry, checks)?;
        let report = migrator
            .migrate(&options, &mut |_| {})
            .map_err(|e| e.to_string())?;
        Ok((migrator, report))
    });
    let (migrator, report) = migrated?;
    let status = repeated(|| {
        let status = migrator.status()?;
        assert_eq!(
            status.summary().applied,
            n,
            "status sees every migration applied"
        );
        Ok::<_, updown::Error>(())
    })
    .map_err(|e| e.to_string())?;
    let noop = repeated(|| {
        let report = migrator.migrate(&options, &mut |_| {})?;
        assert!(report.steps.is_empty(), "nothing is pending");
        Ok::<_, updown::Error>(())
    })
    .map_err(|e| e.to_string())?;
    let mut conn = migrator
        .into_connection()
        .ok_or("the migrator keeps its connection")?;
    let select = repeated(|| {
        assert_eq!(select_updown_table(&mut conn)?, n);
        Ok::<_, diesel::result::Error>(())
    })
    .map_err(|e| e.to_string())?;
    Ok(Measured {
        apply,
        status: Some(status),
        noop: Some(noop),
        select: Some(select),
        postflight: report.postflight.map(|p| p.duration),
    })
}

/// A folder per migration, as a diesel project has them.
fn diesel_folders(n: usize) -> Result<tempfile::TempDir, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    for i in 1..=n {
        let folder = dir.path().join(format!("{i:014}_create_t{i}"));
        std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
        std::fs::write(folder.join("up.sql"), up_sql(i)).map_err(|e| e.to_string())?;
        std::fs::write(folder.join("down.sql"), down_sql(i)).map_err(|e| e.to_string())?;
    }
    Ok(dir)
}

/// diesel_migrations on `raw`, its migrations from `source()` each time (read from the
/// folders again, as a program would on every start, or embedded).
fn run_diesel<S>(
    mode: Mode,
    url: &str,
    n: usize,
    source: impl Fn() -> S,
) -> Result<Measured, String>
where
    S: diesel::migration::MigrationSource<diesel::sqlite::Sqlite>,
    S: DieselSourceForPostgres,
{
    let (apply, raw) = timed(|| -> Result<Raw, String> {
        let mut raw = Raw::open(mode, url)?;
        let applied = on_raw!(&mut raw, c => c.run_pending_migrations(source()).map(|v| v.len()))
            .map_err(|e| e.to_string())?;
        assert_eq!(applied, n);
        Ok(raw)
    });
    let mut raw = raw?;
    let status = repeated(|| {
        let applied = on_raw!(&mut raw, c => c.applied_migrations())?;
        assert_eq!(applied.len(), n);
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })
    .map_err(|e| e.to_string())?;
    let noop = repeated(|| {
        let applied = on_raw!(&mut raw, c => c.run_pending_migrations(source()))?;
        assert!(applied.is_empty());
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    })
    .map_err(|e| e.to_string())?;
    let select = repeated(|| {
        assert_eq!(raw.select_diesel_table()?, n);
        Ok::<_, diesel::result::Error>(())
    })
    .map_err(|e| e.to_string())?;
    check_tables(&mut raw, mode, n)?;
    Ok(Measured {
        apply,
        status: Some(status),
        noop: Some(noop),
        select: Some(select),
        postflight: None,
    })
}

/// A diesel migration source usable on PostgreSQL too, when that backend is built.
#[cfg(feature = "postgres")]
trait DieselSourceForPostgres: diesel::migration::MigrationSource<diesel::pg::Pg> {}
#[cfg(feature = "postgres")]
impl<S: diesel::migration::MigrationSource<diesel::pg::Pg>> DieselSourceForPostgres for S {}
#[cfg(not(feature = "postgres"))]
trait DieselSourceForPostgres {}
#[cfg(not(feature = "postgres"))]
impl<S> DieselSourceForPostgres for S {}

fn check_tables(raw: &mut Raw, mode: Mode, n: usize) -> Result<(), String> {
    let found = raw.workload_tables(mode).map_err(|e| e.to_string())?;
    match found == n as i64 {
        true => Ok(()),
        false => Err(format!("{found} of the {n} tables were created")),
    }
}

fn run_raw(mode: Mode, url: &str, n: usize, contender: &str) -> Result<Measured, String> {
    let list = workload(n);
    let ups = || list.iter().map(|m| sql_of(m, Action::Apply));
    let (apply, raw) = timed(|| -> Result<Raw, String> {
        let mut raw = Raw::open(mode, url)?;
        match contender {
            "raw-each" => raw.each_in_transaction(ups()),
            "raw-one" => raw.all_in_transaction(ups()),
            "raw-tracked" => run_tracked(&mut raw, mode, &list),
            // verify's floor: each migration's up, down and up by hand, with no snapshot;
            // in one transaction on SQLite (as verify's scratch run), a step each elsewhere.
            _ => {
                let steps = list.iter().flat_map(|m| {
                    [Action::Apply, Action::Rollback, Action::Apply].map(|a| sql_of(m, a))
                });
                match mode {
                    Mode::Postgres => raw.each_in_transaction(steps),
                    _ => raw.all_in_transaction(steps),
                }
            }
        }
        .map_err(|e| e.to_string())?;
        Ok(raw)
    });
    let mut raw = raw?;
    check_tables(&mut raw, mode, n)?;
    Ok(Measured {
        apply,
        ..Measured::default()
    })
}

fn run_verify(mode: Mode, url: &str, n: usize) -> Result<Measured, String> {
    let registry = Registry::from_migrations(workload(n)).map_err(|e| e.to_string())?;
    let (apply, report) = timed(|| -> Result<bool, String> {
        let migrator = updown_migrator(mode, url, registry, true)?;
        let report = migrator
            .verify(&updown::VerifyOptions::default(), &mut |_| {})
            .map_err(|e| e.to_string())?;
        Ok(report.passed())
    });
    match report? {
        true => Ok(Measured {
            apply,
            ..Measured::default()
        }),
        false => Err("verify did not pass".into()),
    }
}

fn run_one(contender: &str, mode: Mode, n: usize, url: &str) -> Result<Measured, String> {
    match contender {
        "raw-each" | "raw-one" | "raw-tracked" | "raw-up-down-up" => {
            run_raw(mode, url, n, contender)
        }
        "updown" => run_updown(mode, url, n, true),
        "updown-nochecks" => run_updown(mode, url, n, false),
        "updown-verify" => run_verify(mode, url, n),
        "diesel-files" => {
            let folders = diesel_folders(n)?;
            run_diesel(mode, url, n, || {
                FileBasedMigrations::from_path(folders.path()).expect("the folders just written")
            })
        }
        "diesel-embed" => {
            let embedded = embedded(n).ok_or_else(|| {
                format!(
                    "diesel's embedded migrations are built for 10, 100, 1000 and 10000, not {n}"
                )
            })?;
            run_diesel(mode, url, n, embedded)
        }
        _ => Err(format!("unknown contender `{contender}`")),
    }
}

/// `workers` migrators at once on one fresh database, each on its own connection and
/// thread, started together: the time until the last one is done.
fn run_concurrent(mode: Mode, url: &str, n: usize, workers: usize) -> Result<Duration, String> {
    let registry = Registry::from_migrations(workload(n)).map_err(|e| e.to_string())?;
    // The journal mode is the file's, set once: eight connections asking for WAL at once
    // find the database locked.
    if mode != Mode::Postgres {
        drop(Raw::open(mode, url)?);
    }
    let start = std::sync::Barrier::new(workers + 1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let registry = registry.clone();
                let start = &start;
                scope.spawn(move || -> Result<usize, String> {
                    let migrator = Migrator::new(registry, &mode.updown_url(url))
                        .map_err(|e| e.to_string())?
                        .session_sql(mode.settings().iter().map(|s| s.to_string()).collect());
                    start.wait();
                    let report = migrator
                        .migrate(&MigrateOptions::default(), &mut |_| {})
                        .map_err(|e| e.to_string())?;
                    Ok(report.steps.len())
                })
            })
            .collect();
        start.wait();
        let started = Instant::now();
        let mut applied = Vec::new();
        for handle in handles {
            applied.push(handle.join().map_err(|_| "a migrator panicked")??);
        }
        let took = started.elapsed();
        applied.sort();
        // One migrator applies everything; the others find nothing pending.
        match applied.last() == Some(&n) && applied.iter().rev().skip(1).all(|&a| a == 0) {
            true => Ok(took),
            false => Err(format!("steps applied per migrator: {applied:?}")),
        }
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `--name value` pairs after the command.
pub struct Args(Vec<(String, String)>);

impl Args {
    fn parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
        let mut pairs = Vec::new();
        let mut args = args.peekable();
        while let Some(name) = args.next() {
            let Some(name) = name.strip_prefix("--") else {
                return Err(format!("unexpected `{name}`"));
            };
            // A flag with no value reads as "true".
            let value = match args.peek() {
                Some(v) if !v.starts_with("--") => args.next().unwrap(),
                _ => "true".to_owned(),
            };
            pairs.push((name.to_owned(), value));
        }
        Ok(Args(pairs))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn required(&self, name: &str) -> Result<&str, String> {
        self.get(name)
            .ok_or_else(|| format!("--{name} is required"))
    }

    pub fn number(&self, name: &str) -> Result<usize, String> {
        self.required(name)?
            .parse()
            .map_err(|_| format!("--{name} takes a number"))
    }
}

fn main() {
    let mut argv = std::env::args().skip(1);
    let command = argv.next().unwrap_or_default();
    let outcome = Args::parse(argv).and_then(|args| match command.as_str() {
        "one" => {
            let contender = args.required("contender")?;
            let mode = Mode::parse(args.required("mode")?)?;
            let n = args.number("n")?;
            let m = run_one(contender, mode, n, args.required("url")?)?;
            let opt = |d: Option<Duration>| d.map(ms);
            println!(
                "{}",
                json!({
                    "contender": contender, "mode": mode.name(), "n": n, "engine": "diesel",
                    "apply_ms": ms(m.apply), "status_ms": opt(m.status),
                    "noop_ms": opt(m.noop), "postflight_ms": opt(m.postflight), "select_ms": opt(m.select),
                })
            );
            Ok(())
        }
        "concurrent" => {
            let mode = Mode::parse(args.required("mode")?)?;
            let (n, workers) = (args.number("n")?, args.number("workers")?);
            let took = run_concurrent(mode, args.required("url")?, n, workers)?;
            println!(
                "{}",
                json!({"mode": mode.name(), "n": n, "workers": workers, "wall_ms": ms(took)})
            );
            Ok(())
        }
        "run" => report::run(&args),
        _ => Err("usage: updown-bench one|concurrent|run [--name value ...]".into()),
    });
    if let Err(e) = outcome {
        eprintln!("updown-bench {command}: {e}");
        std::process::exit(1);
    }
}
