//! Times other Rust migration runners (sqlx, refinery) and raw SQL on one
//! workload, so updown's own benchmark has peers to compare against.
//!
//! For one contender, mode and N it measures applying N fresh migrations
//! (connection open included), then on the same connection the median of
//! 21 runs each of the runner's status listing, a no-op re-run and a bare
//! SELECT of its tracking table. It prints one JSON line on stdout.
//!
//! `examples/bench/run.sh` drives it: one fresh process and one fresh
//! database per contender per round.
//!
//! ```text
//! updown-bench-peers one --contender raw-each|raw-one|sqlx|refinery \
//!     --mode sqlite-full|sqlite-wal|postgres --n N --url PATH_OR_URL
//! ```

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::time::{Duration, Instant};

type Res<T> = Result<T, String>;

/// Repetitions of each after-apply phase; the median is reported.
const REPEATS: usize = 21;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    SqliteFull,
    SqliteWal,
    Postgres,
}

impl Mode {
    fn parse(s: &str) -> Res<Self> {
        match s {
            "sqlite-full" => Ok(Self::SqliteFull),
            "sqlite-wal" => Ok(Self::SqliteWal),
            "postgres" => Ok(Self::Postgres),
            _ => Err(format!(
                "unknown --mode {s:?} (sqlite-full, sqlite-wal, postgres)"
            )),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::SqliteFull => "sqlite-full",
            Self::SqliteWal => "sqlite-wal",
            Self::Postgres => "postgres",
        }
    }

    /// The settings every SQLite contender gets; sqlx sets the same values
    /// through `SqliteConnectOptions` instead.
    fn sqlite_pragmas(self) -> &'static str {
        match self {
            Self::SqliteFull => {
                "PRAGMA busy_timeout = 60000; PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL;"
            }
            Self::SqliteWal => {
                "PRAGMA busy_timeout = 60000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
            }
            Self::Postgres => "",
        }
    }
}

#[derive(Clone, Copy)]
enum Contender {
    RawEach,
    RawOne,
    Sqlx,
    Refinery,
}

impl Contender {
    fn parse(s: &str) -> Res<Self> {
        match s {
            "raw-each" => Ok(Self::RawEach),
            "raw-one" => Ok(Self::RawOne),
            "sqlx" => Ok(Self::Sqlx),
            "refinery" => Ok(Self::Refinery),
            _ => Err(format!(
                "unknown --contender {s:?} (raw-each, raw-one, sqlx, refinery)"
            )),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::RawEach => "raw-each",
            Self::RawOne => "raw-one",
            Self::Sqlx => "sqlx",
            Self::Refinery => "refinery",
        }
    }
}

struct Args {
    contender: Contender,
    mode: Mode,
    n: u32,
    url: String,
}

fn parse_args() -> Res<Args> {
    const USAGE: &str = "usage: updown-bench-peers one --contender C --mode M --n N --url U";
    let mut it = std::env::args().skip(1);
    if it.next().as_deref() != Some("one") {
        return Err(USAGE.into());
    }
    let (mut contender, mut mode, mut n, mut url) = (None, None, None, None);
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--contender" => contender = Some(Contender::parse(&value)?),
            "--mode" => mode = Some(Mode::parse(&value)?),
            "--n" => {
                let v: u32 = value
                    .parse()
                    .map_err(|_| format!("--n wants a positive integer, got {value:?}"))?;
                if v == 0 {
                    return Err("--n must be at least 1".into());
                }
                n = Some(v);
            }
            "--url" => url = Some(value),
            _ => return Err(format!("unknown argument {flag:?}\n{USAGE}")),
        }
    }
    let missing = |what: &str| format!("missing {what}\n{USAGE}");
    Ok(Args {
        contender: contender.ok_or_else(|| missing("--contender"))?,
        mode: mode.ok_or_else(|| missing("--mode"))?,
        n: n.ok_or_else(|| missing("--n"))?,
        url: url.ok_or_else(|| missing("--url"))?,
    })
}

/// One migration of the workload.
struct Step {
    version: u32,
    name: String,
    up: String,
    down: String,
}

fn workload(n: u32) -> Vec<Step> {
    (1..=n)
        .map(|i| Step {
            version: i,
            name: format!("create_t{i}"),
            up: format!("CREATE TABLE t{i} (id BIGINT PRIMARY KEY, v TEXT); INSERT INTO t{i} VALUES (1, 'x');"),
            down: format!("DROP TABLE t{i};"),
        })
        .collect()
}

/// Timings in milliseconds; `None` where a contender has no such operation.
struct Report {
    engine: &'static str,
    apply_ms: f64,
    status_ms: Option<f64>,
    noop_ms: Option<f64>,
    select_ms: f64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median of `REPEATS` timed calls of `f`.
fn median_ms(mut f: impl FnMut() -> Res<()>) -> Res<f64> {
    let mut times = Vec::with_capacity(REPEATS);
    for _ in 0..REPEATS {
        let start = Instant::now();
        f()?;
        times.push(ms(start.elapsed()));
    }
    Ok(median(times))
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Prefixes an error with what was being done and appends its causes, since
/// some drivers' top-level messages (refinery's "db error") say little.
fn e<E: std::error::Error>(context: &str) -> impl FnOnce(E) -> String + '_ {
    move |x| {
        let mut msg = format!("{context}: {x}");
        let mut cause = x.source();
        while let Some(c) = cause {
            msg.push_str(&format!(": {c}"));
            cause = c.source();
        }
        msg
    }
}

// ---------------------------------------------------------------- raw SQL

fn raw_sqlite(mode: Mode, path: &str, steps: &[Step], each: bool) -> Res<Report> {
    let start = Instant::now();
    let mut conn = rusqlite::Connection::open(path).map_err(e("open sqlite"))?;
    conn.execute_batch(mode.sqlite_pragmas())
        .map_err(e("sqlite settings"))?;
    if each {
        for s in steps {
            let tx = conn.transaction().map_err(e("begin"))?;
            tx.execute_batch(&s.up).map_err(e(&s.name))?;
            tx.commit().map_err(e("commit"))?;
        }
    } else {
        let tx = conn.transaction().map_err(e("begin"))?;
        for s in steps {
            tx.execute_batch(&s.up).map_err(e(&s.name))?;
        }
        tx.commit().map_err(e("commit"))?;
    }
    let apply_ms = ms(start.elapsed());

    // No tracking table of its own: the catalog stands in as the listing.
    let select_ms = median_ms(|| {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master")
            .map_err(e("select"))?;
        let rows: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .and_then(|it| it.collect())
            .map_err(e("select"))?;
        std::hint::black_box(rows);
        Ok(())
    })?;
    Ok(Report {
        engine: "rusqlite",
        apply_ms,
        status_ms: None,
        noop_ms: None,
        select_ms,
    })
}

fn raw_postgres(url: &str, steps: &[Step], each: bool) -> Res<Report> {
    let start = Instant::now();
    let mut client = postgres::Client::connect(url, postgres::NoTls).map_err(e("connect"))?;
    if each {
        for s in steps {
            let mut tx = client.transaction().map_err(e("begin"))?;
            tx.batch_execute(&s.up).map_err(e(&s.name))?;
            tx.commit().map_err(e("commit"))?;
        }
    } else {
        let mut tx = client.transaction().map_err(e("begin"))?;
        for s in steps {
            tx.batch_execute(&s.up).map_err(e(&s.name))?;
        }
        tx.commit().map_err(e("commit"))?;
    }
    let apply_ms = ms(start.elapsed());

    // No tracking table of its own: the catalog stands in as the listing.
    let select_ms = median_ms(|| {
        let rows: Vec<String> = client
            .query(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
                &[],
            )
            .map_err(e("select"))?
            .iter()
            .map(|r| r.get(0))
            .collect();
        std::hint::black_box(rows);
        Ok(())
    })?;
    Ok(Report {
        engine: "postgres-crate",
        apply_ms,
        status_ms: None,
        noop_ms: None,
        select_ms,
    })
}

// ---------------------------------------------------------------- sqlx

/// Hands prebuilt migrations to `Migrator::new`, standing in for the
/// directory that `migrate!` would read at compile time.
#[derive(Debug)]
struct InMemory(Vec<sqlx::migrate::Migration>);

impl<'s> sqlx::migrate::MigrationSource<'s> for InMemory {
    fn resolve(
        self,
    ) -> Pin<
        Box<
            dyn Future<Output = Result<Vec<sqlx::migrate::Migration>, sqlx::error::BoxDynError>>
                + Send
                + 's,
        >,
    > {
        Box::pin(async move { Ok(self.0) })
    }
}

fn sqlx_migrator(rt: &tokio::runtime::Runtime, steps: &[Step]) -> Res<sqlx::migrate::Migrator> {
    use sqlx::migrate::{Migration, MigrationType};
    // Up and down files, as `migrate!` would find them in `N_name.up.sql` / `.down.sql`.
    let mut list = Vec::with_capacity(steps.len() * 2);
    for s in steps {
        let v = i64::from(s.version);
        let name: Cow<'static, str> = Cow::Owned(s.name.clone());
        list.push(Migration::new(
            v,
            name.clone(),
            MigrationType::ReversibleUp,
            Cow::Owned(s.up.clone()),
            false,
        ));
        list.push(Migration::new(
            v,
            name,
            MigrationType::ReversibleDown,
            Cow::Owned(s.down.clone()),
            false,
        ));
    }
    rt.block_on(sqlx::migrate::Migrator::new(InMemory(list)))
        .map_err(e("build sqlx migrator"))
}

/// Times one sqlx connection; a macro because sqlx's generic bounds for
/// "any connection that migrates and queries" do not resolve cleanly.
macro_rules! sqlx_phases {
    ($connect:expr, $migrator:expr) => {{
        use sqlx::migrate::Migrate as _;
        let migrator: &sqlx::migrate::Migrator = $migrator;
        let start = Instant::now();
        let mut conn = $connect.await.map_err(e("connect"))?;
        migrator.run(&mut conn).await.map_err(e("sqlx migrate"))?;
        let apply_ms = ms(start.elapsed());

        let mut times = Vec::with_capacity(REPEATS);
        for _ in 0..REPEATS {
            let t = Instant::now();
            let applied = conn
                .list_applied_migrations()
                .await
                .map_err(e("sqlx status"))?;
            std::hint::black_box(applied);
            times.push(ms(t.elapsed()));
        }
        let status_ms = median(times);

        let mut times = Vec::with_capacity(REPEATS);
        for _ in 0..REPEATS {
            let t = Instant::now();
            migrator.run(&mut conn).await.map_err(e("sqlx no-op run"))?;
            times.push(ms(t.elapsed()));
        }
        let noop_ms = median(times);

        // sqlx caches the prepared statement, as any sqlx query would.
        let mut times = Vec::with_capacity(REPEATS);
        for _ in 0..REPEATS {
            let t = Instant::now();
            let rows = sqlx::query("SELECT * FROM _sqlx_migrations")
                .fetch_all(&mut conn)
                .await
                .map_err(e("select"))?;
            std::hint::black_box(rows);
            times.push(ms(t.elapsed()));
        }
        let select_ms = median(times);

        sqlx::Connection::close(conn).await.map_err(e("close"))?;
        Ok(Report {
            engine: "sqlx",
            apply_ms,
            status_ms: Some(status_ms),
            noop_ms: Some(noop_ms),
            select_ms,
        })
    }};
}

fn sqlx_run(mode: Mode, url: &str, steps: &[Step]) -> Res<Report> {
    use sqlx::ConnectOptions;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(e("tokio runtime"))?;
    let migrator = sqlx_migrator(&rt, steps)?;
    rt.block_on(async {
        match mode {
            Mode::Postgres => {
                let connect = <sqlx::PgConnection as sqlx::Connection>::connect(url);
                sqlx_phases!(connect, &migrator)
            }
            Mode::SqliteFull | Mode::SqliteWal => {
                let (journal, sync) = if mode == Mode::SqliteFull {
                    (SqliteJournalMode::Delete, SqliteSynchronous::Full)
                } else {
                    (SqliteJournalMode::Wal, SqliteSynchronous::Normal)
                };
                let opts = SqliteConnectOptions::new()
                    .filename(url)
                    .create_if_missing(true)
                    .busy_timeout(Duration::from_millis(60_000))
                    .journal_mode(journal)
                    .synchronous(sync);
                // `connect` is lazy: building the options opens nothing, so the
                // timer inside `sqlx_phases!` still covers the open.
                sqlx_phases!(opts.connect(), &migrator)
            }
        }
    })
}

// ---------------------------------------------------------------- refinery

fn refinery_runner(steps: &[Step]) -> Res<refinery::Runner> {
    let list = steps
        .iter()
        .map(|s| {
            refinery::Migration::unapplied(&format!("V{}__{}", s.version, s.name), &s.up)
                .map_err(e("refinery migration"))
        })
        .collect::<Res<Vec<_>>>()?;
    // Left at refinery's default, `grouped = false`: every migration's SQL
    // runs in its own transaction, and its history row in a second one.
    Ok(refinery::Runner::new(&list))
}

/// Times one refinery connection type; both drivers share this body.
fn refinery_phases<C: refinery::Migrate>(
    connect: impl FnOnce() -> Res<C>,
    select: impl Fn(&mut C) -> Res<()>,
    runner: &refinery::Runner,
    engine: &'static str,
) -> Res<Report> {
    let start = Instant::now();
    let mut conn = connect()?;
    runner.run(&mut conn).map_err(e("refinery migrate"))?;
    let apply_ms = ms(start.elapsed());

    let status_ms = median_ms(|| {
        let applied = runner
            .get_applied_migrations(&mut conn)
            .map_err(e("refinery status"))?;
        std::hint::black_box(applied);
        Ok(())
    })?;
    let noop_ms = median_ms(|| {
        let report = runner.run(&mut conn).map_err(e("refinery no-op run"))?;
        std::hint::black_box(report);
        Ok(())
    })?;
    let select_ms = median_ms(|| select(&mut conn))?;
    Ok(Report {
        engine,
        apply_ms,
        status_ms: Some(status_ms),
        noop_ms: Some(noop_ms),
        select_ms,
    })
}

fn refinery_run(mode: Mode, url: &str, steps: &[Step]) -> Res<Report> {
    let runner = refinery_runner(steps)?;
    const SELECT: &str = "SELECT * FROM refinery_schema_history";
    match mode {
        Mode::Postgres => refinery_phases(
            || postgres::Client::connect(url, postgres::NoTls).map_err(e("connect")),
            |c| {
                let rows = c.query(SELECT, &[]).map_err(e("select"))?;
                std::hint::black_box(rows);
                Ok(())
            },
            &runner,
            "refinery-postgres",
        ),
        Mode::SqliteFull | Mode::SqliteWal => refinery_phases(
            || {
                let c = rusqlite::Connection::open(url).map_err(e("open sqlite"))?;
                c.execute_batch(mode.sqlite_pragmas())
                    .map_err(e("sqlite settings"))?;
                Ok(c)
            },
            |c| {
                // rusqlite rows borrow their statement, so every column is copied out.
                let mut stmt = c.prepare(SELECT).map_err(e("select"))?;
                let width = stmt.column_count();
                let rows: Vec<Vec<rusqlite::types::Value>> = stmt
                    .query_map([], |r| (0..width).map(|i| r.get(i)).collect())
                    .and_then(|it| it.collect())
                    .map_err(e("select"))?;
                std::hint::black_box(rows);
                Ok(())
            },
            &runner,
            "refinery-rusqlite",
        ),
    }
}

// ---------------------------------------------------------------- check

/// Counts the workload's tables over a fresh connection of its own, after the
/// contender's is closed, so only committed work counts.
fn count_tables(mode: Mode, url: &str) -> Res<i64> {
    match mode {
        Mode::Postgres => {
            let mut c =
                postgres::Client::connect(url, postgres::NoTls).map_err(e("check connect"))?;
            let row = c
                .query_one(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]+$'",
                    &[],
                )
                .map_err(e("check"))?;
            Ok(row.get(0))
        }
        Mode::SqliteFull | Mode::SqliteWal => {
            let c = rusqlite::Connection::open_with_flags(
                url,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .map_err(e("check open"))?;
            c.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 't[0-9]*'",
                [],
                |r| r.get(0),
            )
            .map_err(e("check"))
        }
    }
}

fn run(args: &Args) -> Res<Report> {
    if args.mode != Mode::Postgres && std::path::Path::new(&args.url).exists() {
        return Err(format!("{} already exists; give a fresh path", args.url));
    }
    let steps = workload(args.n);
    let report = match args.contender {
        Contender::RawEach | Contender::RawOne => {
            let each = matches!(args.contender, Contender::RawEach);
            match args.mode {
                Mode::Postgres => raw_postgres(&args.url, &steps, each)?,
                _ => raw_sqlite(args.mode, &args.url, &steps, each)?,
            }
        }
        Contender::Sqlx => sqlx_run(args.mode, &args.url, &steps)?,
        Contender::Refinery => refinery_run(args.mode, &args.url, &steps)?,
    };
    let tables = count_tables(args.mode, &args.url)?;
    if tables != i64::from(args.n) {
        return Err(format!(
            "{}: expected {} tables t1..t{}, found {tables}",
            args.contender.name(),
            args.n,
            args.n
        ));
    }
    Ok(report)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::FAILURE;
        }
    };
    match run(&args) {
        Ok(r) => {
            // Written field by field: serde_json's map would sort the keys.
            let num = |v: Option<f64>| serde_json::Value::from(v).to_string();
            let line = format!(
                r#"{{"contender":"{}","mode":"{}","n":{},"apply_ms":{},"status_ms":{},"noop_ms":{},"select_ms":{},"engine":"{}"}}"#,
                args.contender.name(),
                args.mode.name(),
                args.n,
                num(Some(r.apply_ms)),
                num(r.status_ms),
                num(r.noop_ms),
                num(Some(r.select_ms)),
                r.engine,
            );
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("updown-bench-peers: {msg}");
            ExitCode::FAILURE
        }
    }
}
