//! Crash harness: `app_fifty` (50 migrations, `tests/fixtures/migrations/fifty.rs`) is
//! killed with SIGKILL at a random moment of `migrate`, and of `rollback --steps 50`,
//! many times on every backend. After each kill the database is read directly:
//!
//! - PostgreSQL and SQLite: every migration's table exists, whole, exactly when its
//!   tracking row says `applied` and its history's last word is `apply`; nothing is dirty.
//! - MySQL/MariaDB (DDL commits implicitly): the same for all but at most one migration,
//!   the interrupted one, which is marked `dirty` (or `running`) and shown as `dirty` by
//!   `status`.
//! - The lock is free, and `migrate` (after `repair` of a dirty one) completes, leaving all
//!   50 migrations applied and recorded.
//!
//! Run it, with a summary line per backend and command (`RELIABILITY | crash | ...`):
//!
//! ```sh
//! export UPDOWN_TEST_POSTGRES_URL=postgres://postgres:secret@127.0.0.1:5432/postgres
//! export UPDOWN_TEST_MYSQL_URL=mysql://admin:secret@127.0.0.1:3306/mysql
//! cargo test --all-features --test crash -- --nocapture
//! ```
//!
//! `UPDOWN_CRASH_TRIALS` (default 50) sets the trials per backend and command;
//! `UPDOWN_CRASH_SEED` replays the kill delays of an earlier run (it prints its seed).

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, RunQueryDsl};
use updown::{AnyConnection, Backend};
use updown_tests::{TestDb, bin, databases};

const APP: &str = bin!("app_fifty");

/// The fixture's versions are 1..=MIGRATIONS; migration N creates table `fifty_N`.
const MIGRATIONS: i64 = 50;

/// Rows a whole migration leaves in its table: every tenth one inserts `SLOW_ROWS` of
/// `tests/fixtures/migrations/fifty.rs` (kept in step with it), the others one.
fn rows_of(version: i64) -> i64 {
    if version % 10 == 0 { 20 } else { 1 }
}

/// A lock the dead run left held shows up as a timeout (exit 1) rather than a hang.
const LOCK_TIMEOUT_SECS: &str = "5";

/// What `Child::kill` sends on unix.
const SIGKILL: i32 = 9;

#[test]
fn sigkill_at_random_moments_leaves_every_migration_whole_and_recoverable() {
    let trials: usize = env_number("UPDOWN_CRASH_TRIALS").unwrap_or(50);
    let seed = env_number("UPDOWN_CRASH_SEED").unwrap_or_else(|| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        now.expect("clock after 1970").as_nanos() as u64
    });
    println!(
        "crash: seed {seed}, {trials} trials per backend and command (replay with UPDOWN_CRASH_SEED={seed})"
    );
    let started = Instant::now();
    // One backend at a time: run side by side, the servers slow each other (fsync, two
    // cores) by a varying amount, and a run's measured duration no longer says how long
    // the trials' runs take.
    let tallies: Vec<Tally> = databases()
        .into_iter()
        .flat_map(|db| crash_backend(db, trials, seed))
        .collect();
    println!("crash: all trials took {:.0?}", started.elapsed());
    for tally in &tallies {
        println!(
            "RELIABILITY | crash | {} | {} | {} trials | {} killed mid-run | {} violations |",
            tally.backend,
            tally.command.label(),
            tally.trials,
            tally.killed,
            tally.violations.len()
        );
    }
    let violations: Vec<String> = tallies
        .iter()
        .flat_map(|t| t.violations.iter().map(move |v| v.describe(t, seed)))
        .collect();
    assert!(
        violations.is_empty(),
        "{} trials found violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
}

/// The checks themselves must be able to fail: a database made inconsistent by hand is
/// reported, naming the migration.
#[test]
fn the_checks_report_a_database_made_inconsistent_by_hand() {
    for mut db in databases() {
        start_afresh(&mut db);
        db.run(APP, &["migrate"]).expect(0);
        let whole = Observed::read(&db);
        assert_eq!(
            after_kill(&db, Command::Migrate, &whole),
            Vec::<String>::new()
        );
        assert_eq!(recovered(&whole, None), Vec::<String>::new());

        let mut conn = db.connect();
        exec(&mut conn, "DELETE FROM updown_history WHERE version = 7");
        exec(&mut conn, "DROP TABLE fifty_8");
        exec(&mut conn, "DELETE FROM fifty_9");
        let planted = Observed::read(&db);
        let problems = after_kill(&db, Command::Migrate, &planted);
        for version in [7, 8, 9] {
            let named = format!("migration {version}:");
            assert!(
                problems.iter().any(|p| p.starts_with(&named)),
                "{}: no problem names migration {version}: {problems:?}",
                db.backend
            );
        }
        assert_eq!(problems.len(), 3, "{}: {problems:?}", db.backend);
        assert_eq!(recovered(&planted, None).len(), 3, "{}", db.backend);

        // A migration marked dirty whose apply was never recorded is the interrupted one
        // where DDL commits implicitly, and a violation where it is transactional.
        exec(
            &mut conn,
            "UPDATE updown_migrations SET state = 'dirty' WHERE version = 50",
        );
        exec(&mut conn, "DELETE FROM updown_history WHERE version = 50");
        let dirty = Observed::read(&db);
        let problems = after_kill(&db, Command::Migrate, &dirty);
        let dirty_named = problems.iter().any(|p| p.contains("migration 50"));
        assert_eq!(
            dirty_named,
            db.rolls_back_ddl(),
            "{}: {problems:?}",
            db.backend
        );
    }
}

// --- one backend's trials ---------------------------------------------------------

/// The command a trial interrupts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Migrate,
    Rollback,
}

impl Command {
    fn label(self) -> &'static str {
        match self {
            Command::Migrate => "migrate",
            Command::Rollback => "rollback",
        }
    }

    fn args(self) -> &'static [&'static str] {
        match self {
            Command::Migrate => &["migrate"],
            Command::Rollback => &["rollback", "--steps", "50"],
        }
    }

    /// Whether a migration is applied before this command touches it.
    fn applied_before(self) -> bool {
        self == Command::Rollback
    }
}

/// What the trials of one command on one backend found.
struct Tally {
    backend: Backend,
    command: Command,
    trials: usize,
    /// Trials whose process the kill ended (rather than finishing first).
    killed: usize,
    /// How far the killed commands had got: none of the 50 migrations done, some, all.
    untouched: usize,
    part_way: usize,
    finished: usize,
    /// Kills that left a migration marked unfinished (where DDL commits implicitly).
    marked_unfinished: usize,
    violations: Vec<Violation>,
}

/// A trial that found the database, or the recovery, other than it must be.
struct Violation {
    trial: usize,
    delay: Duration,
    problems: Vec<String>,
}

impl Violation {
    fn describe(&self, tally: &Tally, seed: u64) -> String {
        format!(
            "{} {} trial {} (seed {seed}, killed after {:.1?}):\n  {}",
            tally.backend,
            tally.command.label(),
            self.trial,
            self.delay,
            self.problems.join("\n  ")
        )
    }
}

fn crash_backend(mut db: TestDb, trials: usize, seed: u64) -> Vec<Tally> {
    let backend = db.backend;
    [Command::Migrate, Command::Rollback]
        .into_iter()
        .map(|command| {
            let run_for = measure(&mut db, command);
            let mut rng = SplitMix::new(seed ^ stream(backend, command));
            let mut tally = Tally {
                backend,
                command,
                trials,
                killed: 0,
                untouched: 0,
                part_way: 0,
                finished: 0,
                marked_unfinished: 0,
                violations: Vec::new(),
            };
            for trial in 1..=trials {
                let delay = run_for.mul_f64(rng.unit());
                let setup_to = rng.below(MIGRATIONS as u64) as i64 + 1;
                let outcome = crash_once(&mut db, command, delay, setup_to);
                if outcome.killed {
                    tally.killed += 1;
                    match outcome.done {
                        0 => tally.untouched += 1,
                        MIGRATIONS => tally.finished += 1,
                        _ => tally.part_way += 1,
                    }
                    tally.marked_unfinished += usize::from(outcome.marked_unfinished);
                }
                if !outcome.problems.is_empty() {
                    tally.violations.push(Violation {
                        trial,
                        delay,
                        problems: outcome.problems,
                    });
                }
            }
            println!(
                "crash: {backend} {}: one uninterrupted run takes {run_for:.0?}; of {} kills, \
                 {} landed before the first migration was done, {} part-way, {} after the last; \
                 {} left a migration marked unfinished",
                command.label(),
                tally.killed,
                tally.untouched,
                tally.part_way,
                tally.finished,
                tally.marked_unfinished
            );
            tally
        })
        .collect()
}

/// How long one uninterrupted run of `command` takes here: the range of kill delays.
/// Measured just before its trials, as the median of five: one run can be slowed by a
/// cold server or another program.
fn measure(db: &mut TestDb, command: Command) -> Duration {
    let mut runs: Vec<Duration> = (0..5)
        .map(|_| {
            start_afresh(db);
            if command == Command::Rollback {
                db.run(APP, &["migrate"]).expect(0);
            }
            let started = Instant::now();
            db.run(APP, command.args()).expect(0);
            started.elapsed()
        })
        .collect();
    runs.sort();
    runs[runs.len() / 2]
}

struct Outcome {
    killed: bool,
    /// How many of the command's 50 migrations it had finished when killed.
    done: i64,
    marked_unfinished: bool,
    problems: Vec<String>,
}

/// One trial: a fresh database (fully migrated for a rollback, in two batches split after
/// `setup_to`), the command killed after `delay`, then the checks and the recovery.
fn crash_once(db: &mut TestDb, command: Command, delay: Duration, setup_to: i64) -> Outcome {
    start_afresh(db);
    if command == Command::Rollback {
        db.run(APP, &["migrate", "--to", &setup_to.to_string()])
            .expect(0);
        db.run(APP, &["migrate"]).expect(0);
    }
    let mut child = db
        .command(APP, command.args())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start app_fifty");
    std::thread::sleep(delay);
    // SIGKILL; a process that already exited (not yet reaped) ignores it.
    let _ = child.kill();
    let status = child.wait().expect("wait for app_fifty");
    let killed = status.signal() == Some(SIGKILL);
    let mut problems = Vec::new();
    if !killed && !status.success() {
        problems.push(format!(
            "`{}` finished by itself with {status}",
            command.label()
        ));
    }
    if let Err(e) = db.wait_for_dead_sessions() {
        problems.push(e);
    }
    let seen = Observed::read(db);
    let applied = seen.tracking.values().filter(|s| *s == "applied").count() as i64;
    let done = match command {
        Command::Migrate => applied,
        Command::Rollback => MIGRATIONS - applied - seen.interrupted().len() as i64,
    };
    let marked_unfinished = !seen.interrupted().is_empty();
    problems.extend(after_kill(db, command, &seen));
    problems.extend(status_agrees(db, &seen));
    match recover(db, &seen) {
        Ok(repaired) => problems.extend(recovered(&Observed::read(db), repaired)),
        Err(e) => problems.push(e),
    }
    Outcome {
        killed,
        done,
        marked_unfinished,
        problems,
    }
}

/// An empty database: a new SQLite file, or every table of the server database dropped
/// (creating a server database per trial costs more than the trial).
fn start_afresh(db: &mut TestDb) {
    if db.backend == Backend::Sqlite {
        *db = updown_tests::sqlite();
        return;
    }
    let mut conn = db.connect();
    let tables = table_names(&mut conn, db.backend);
    if !tables.is_empty() {
        exec(&mut conn, &format!("DROP TABLE {}", tables.join(", ")));
    }
}

// --- what the database holds ------------------------------------------------------

/// The database as read directly after a run.
#[derive(Debug)]
struct Observed {
    /// Row count of each `fifty_N` table that exists, by N.
    tables: BTreeMap<i64, i64>,
    /// `state` of each row of `updown_migrations`, by version.
    tracking: BTreeMap<i64, String>,
    /// Every row of `updown_history`, oldest first.
    history: Vec<HistoryRow>,
}

#[derive(Debug, QueryableByName)]
struct HistoryRow {
    #[diesel(sql_type = BigInt)]
    version: i64,
    #[diesel(sql_type = Text)]
    action: String,
    #[diesel(sql_type = Text)]
    outcome: String,
}

#[derive(QueryableByName)]
struct TrackingRow {
    #[diesel(sql_type = BigInt)]
    version: i64,
    #[diesel(sql_type = Text)]
    state: String,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

impl Observed {
    /// One connection, a handful of statements: cheap enough to run after every kill.
    fn read(db: &TestDb) -> Observed {
        let mut conn = db.connect();
        let names = table_names(&mut conn, db.backend);
        let has = |table: &str| names.iter().any(|n| n == table);
        let tables = names
            .iter()
            .filter_map(|n| Some((n, n.strip_prefix("fifty_")?.parse::<i64>().ok()?)))
            .map(|(table, version)| {
                let rows = number(&mut conn, &format!("SELECT COUNT(*) AS n FROM {table}"));
                (version, rows)
            })
            .collect();
        let tracking = match has("updown_migrations") {
            false => BTreeMap::new(),
            true => diesel::sql_query("SELECT version, state FROM updown_migrations")
                .load::<TrackingRow>(&mut conn)
                .expect("read updown_migrations")
                .into_iter()
                .map(|row| (row.version, row.state))
                .collect(),
        };
        let history = match has("updown_history") {
            false => Vec::new(),
            true => {
                // A postflight row records the schema, not a migration.
                diesel::sql_query(
                    "SELECT version, action, outcome FROM updown_history WHERE action <> 'postflight' ORDER BY id",
                )
                    .load(&mut conn)
                    .expect("read updown_history")
            }
        };
        Observed {
            tables,
            tracking,
            history,
        }
    }

    /// Whether migration `version`'s table is there with all its rows.
    fn whole(&self, version: i64) -> bool {
        self.tables.get(&version) == Some(&rows_of(version))
    }

    /// The one migration marked as not finished (`dirty`, or `running` where a run marks
    /// a body it starts), if any; more than one is itself a problem.
    fn interrupted(&self) -> Vec<i64> {
        self.tracking
            .iter()
            .filter(|(_, state)| *state != "applied")
            .map(|(version, _)| *version)
            .collect()
    }

    /// What the history says of each migration: applied or not, replaying its successful
    /// actions in order. `repaired` is the harness's own `repair` (version, `--applied`),
    /// whose effect on the record it knows. An apply of what is applied, or a rollback of
    /// what is not, is a problem: something ran twice or was recorded wrongly.
    fn recorded(&self, repaired: Option<(i64, bool)>, problems: &mut Vec<String>) -> Vec<bool> {
        let mut applied = vec![false; MIGRATIONS as usize + 1];
        for row in &self.history {
            let Some(state) = usize::try_from(row.version)
                .ok()
                .and_then(|v| applied.get_mut(v))
            else {
                problems.push(format!("history names unknown migration {}", row.version));
                continue;
            };
            if row.outcome != "ok" {
                problems.push(format!(
                    "migration {}: history row `{}` `{}`, though only a kill interrupted it",
                    row.version, row.action, row.outcome
                ));
                continue;
            }
            match (row.action.as_str(), *state) {
                ("apply", false) => *state = true,
                ("rollback", true) => *state = false,
                ("repair", _) if repaired.is_some_and(|(v, _)| v == row.version) => {
                    *state = repaired.is_some_and(|(_, applied)| applied)
                }
                (action, was) => problems.push(format!(
                    "migration {}: history records `{action}` while it was {}",
                    row.version,
                    if was { "applied" } else { "not applied" }
                )),
            }
        }
        applied
    }

    /// One migration as the three records show it, for a problem's text.
    fn describe(&self, version: i64, recorded: bool) -> String {
        let table = match self.tables.get(&version) {
            None => "no table".to_owned(),
            Some(rows) => format!("table with {rows} of {} rows", rows_of(version)),
        };
        let tracking = match self.tracking.get(&version) {
            None => "no tracking row".to_owned(),
            Some(state) => format!("tracking row `{state}`"),
        };
        let history = match recorded {
            true => "history says applied",
            false => "history says not applied",
        };
        format!("migration {version}: {table}, {tracking}, {history}")
    }
}

/// The checks right after a kill. Each migration's table is there, whole, exactly when it
/// has a tracking row `applied` and its history says applied. Where DDL commits implicitly,
/// one migration (the interrupted one, the last tracked) may instead be marked unfinished,
/// its history as before the command.
fn after_kill(db: &TestDb, command: Command, seen: &Observed) -> Vec<String> {
    let mut problems = Vec::new();
    let recorded = seen.recorded(None, &mut problems);
    let interrupted = seen.interrupted();
    let allowed = match (db.rolls_back_ddl(), interrupted.as_slice()) {
        (true, _) | (false, []) => None,
        (false, [one]) => Some(*one),
        (false, many) => {
            problems.push(format!("several migrations marked unfinished: {many:?}"));
            None
        }
    };
    let last_tracked = seen.tracking.keys().next_back().copied();
    if let Some(version) = allowed {
        if last_tracked != Some(version) {
            problems.push(format!(
                "migration {version} is marked unfinished but is not the last tracked ({last_tracked:?})"
            ));
        }
        let state = &seen.tracking[&version];
        if state != "dirty" && state != "running" {
            problems.push(format!("migration {version}: unknown state `{state}`"));
        }
    }
    for version in 1..=MIGRATIONS {
        let was = recorded[version as usize];
        if Some(version) == allowed {
            // Its effect may be absent, partial or whole; its history must not have
            // recorded the command it was in.
            if was != command.applied_before() {
                problems.push(format!(
                    "{} (interrupted during `{}`)",
                    seen.describe(version, was),
                    command.label()
                ));
            }
            continue;
        }
        let tracked = seen.tracking.get(&version).map(String::as_str);
        let consistent = match tracked {
            Some("applied") => seen.whole(version) && was,
            None => !seen.tables.contains_key(&version) && !was,
            Some(_) => false,
        };
        if !consistent {
            problems.push(seen.describe(version, was));
        }
    }
    // Migrations apply in order and roll back from the last: the tracked ones are 1..=k.
    let expected_prefix = 1..=last_tracked.unwrap_or(0);
    if !seen.tracking.keys().copied().eq(expected_prefix) {
        problems.push(format!(
            "tracked versions are not 1..=k: {:?}",
            seen.tracking.keys().collect::<Vec<_>>()
        ));
    }
    problems
}

/// `status --format json`, what a user looks at after a crash, says the same as the
/// tables: applied, pending, or dirty for the interrupted migration.
fn status_agrees(db: &TestDb, seen: &Observed) -> Vec<String> {
    let run = db.run(APP, &["status", "--format", "json"]);
    if run.code != 0 {
        return vec![format!(
            "`status --format json` exited {}: {}",
            run.code, run.stderr
        )];
    }
    let json = run.json();
    let Some(migrations) = json["migrations"].as_array() else {
        return vec![format!("`status --format json` has no migrations: {json}")];
    };
    migrations
        .iter()
        .filter_map(|m| {
            let version = m["version"].as_i64()?;
            let shown = m["state"].as_str().unwrap_or("?");
            let expected = match seen.tracking.get(&version).map(String::as_str) {
                None => "pending",
                Some("applied") => "applied",
                Some(_) => "dirty",
            };
            (shown != expected).then(|| {
                format!("`status` shows migration {version} `{shown}`, its tracking row means `{expected}`")
            })
        })
        .collect()
}

/// What an operator does after the crash: `repair` an unfinished migration (as applied
/// when its table is whole; after dropping a partial one by hand otherwise), then
/// `migrate`. The first of them also proves the dead run's lock is free. Returns the
/// repair made, as (version, `--applied`).
fn recover(db: &TestDb, seen: &Observed) -> Result<Option<(i64, bool)>, String> {
    let mut repaired = None;
    if let [version] = seen.interrupted()[..] {
        let whole = seen.whole(version);
        if !whole && seen.tables.contains_key(&version) {
            exec(&mut db.connect(), &format!("DROP TABLE fifty_{version}"));
        }
        let version_text = version.to_string();
        let mut args = vec![
            "repair",
            "--version",
            &version_text,
            "--lock-timeout",
            LOCK_TIMEOUT_SECS,
        ];
        if whole {
            args.push("--applied");
        }
        locked_command(db, &args)?;
        repaired = Some((version, whole));
    }
    locked_command(db, &["migrate", "--lock-timeout", LOCK_TIMEOUT_SECS])?;
    Ok(repaired)
}

/// Runs a command that takes the lock; it must neither wait out the lock nor fail.
fn locked_command(db: &TestDb, args: &[&str]) -> Result<(), String> {
    let run = db.run(APP, args);
    match run.code {
        0 => Ok(()),
        1 if run.stderr.contains("migration lock") => Err(format!(
            "the lock is still held after the kill: `{}` timed out: {}",
            args.join(" "),
            run.stderr.trim()
        )),
        code => Err(format!(
            "`{}` after the kill exited {code}: {}",
            args.join(" "),
            run.stderr.trim()
        )),
    }
}

/// After the recovery: all 50 migrations whole, tracked `applied` and recorded applied.
fn recovered(seen: &Observed, repaired: Option<(i64, bool)>) -> Vec<String> {
    let mut problems = Vec::new();
    let recorded = seen.recorded(repaired, &mut problems);
    for version in 1..=MIGRATIONS {
        let was = recorded[version as usize];
        let tracked = seen.tracking.get(&version).map(String::as_str);
        if !(seen.whole(version) && tracked == Some("applied") && was) {
            problems.push(seen.describe(version, was));
        }
    }
    problems
        .into_iter()
        .map(|p| format!("after recovery: {p}"))
        .collect()
}

// --- small pieces -----------------------------------------------------------------

fn table_names(conn: &mut AnyConnection, backend: Backend) -> Vec<String> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
             WHERE table_schema = current_schema()"
        }
        _ => {
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = DATABASE()"
        }
    };
    diesel::sql_query(sql)
        .load::<Name>(conn)
        .expect("list tables")
        .into_iter()
        .map(|n| n.name)
        .collect()
}

fn number(conn: &mut AnyConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Number>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

fn exec(conn: &mut AnyConnection, sql: &str) {
    diesel::sql_query(sql)
        .execute(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn env_number<T: std::str::FromStr>(var: &str) -> Option<T> {
    let value = std::env::var(var).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{var}={value} is not a number")),
    )
}

/// A separate stream of delays per backend and command, so that one's count of trials
/// does not shift another's.
fn stream(backend: Backend, command: Command) -> u64 {
    let label = format!("{backend} {}", command.label());
    // FNV-1a.
    label.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// splitmix64: small, deterministic, good enough to spread kill delays.
struct SplitMix(u64);

impl SplitMix {
    fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n (the bias of `%` is negligible for small n).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
