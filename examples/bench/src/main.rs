//! Migration speed against baselines run in the same process, as ratios:
//!
//! ```text
//! cargo run --release -p updown-bench -- [MIGRATIONS[,MIGRATIONS...]] [ROUNDS]
//! UPDOWN_BENCH_POSTGRES_URL=postgres://... cargo run --release -p updown-bench --features postgres
//! ```
//!
//! Every migration creates a table and inserts a row; its `down` drops the table. Each
//! contender starts from an empty database; the median of the rounds is reported.
//! Baselines: the same SQL run by hand, one transaction per migration; diesel_migrations
//! running the same SQL from folders.

use std::path::Path;
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use updown::{Action, Body, MigrateOptions, Migration, Migrator, Registry, VerifyOptions};

fn migrations(n: usize) -> Vec<Migration> {
    (1..=n)
        .map(|i| {
            let up = format!(
                "CREATE TABLE t{i} (id BIGINT PRIMARY KEY, v TEXT); INSERT INTO t{i} VALUES (1, 'x')"
            );
            Migration::sql(i as i64, format!("create_t{i}"), up, Some(format!("DROP TABLE t{i}")))
        })
        .collect()
}

/// A fresh empty database for one round, and what drops it.
trait Target {
    fn name(&self) -> &'static str;
    fn fresh(&self, round: usize) -> String;
    fn raw(&self, url: &str, list: &[Migration]);
    /// The same SQL, every migration in one transaction: how updown runs on SQLite,
    /// where its lock is the run's transaction.
    fn raw_one_transaction(&self, url: &str, list: &[Migration]);
    /// Each migration's `up`, `down` and `up` again, by hand, as verify runs them: in the
    /// run's one transaction on SQLite, a transaction per step on PostgreSQL. Verify's
    /// floor, before any snapshot.
    fn raw_up_down_up(&self, url: &str, list: &[Migration]);
}

struct Sqlite(tempfile::TempDir);

impl Target for Sqlite {
    fn name(&self) -> &'static str {
        "SQLite (file)"
    }
    fn fresh(&self, round: usize) -> String {
        let path = self
            .0
            .path()
            .join(format!("bench-{round}-{}.db", rand_suffix()));
        format!("sqlite://{}", path.display())
    }
    fn raw(&self, url: &str, list: &[Migration]) {
        let mut conn =
            diesel::SqliteConnection::establish(url.trim_start_matches("sqlite://")).unwrap();
        run_raw(&mut conn, list);
    }
    fn raw_one_transaction(&self, url: &str, list: &[Migration]) {
        let mut conn =
            diesel::SqliteConnection::establish(url.trim_start_matches("sqlite://")).unwrap();
        run_raw_one_transaction(&mut conn, list);
    }
    fn raw_up_down_up(&self, url: &str, list: &[Migration]) {
        let mut conn =
            diesel::SqliteConnection::establish(url.trim_start_matches("sqlite://")).unwrap();
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            for m in list {
                for action in [Action::Apply, Action::Rollback, Action::Apply] {
                    c.batch_execute(sql(m, action))?;
                }
            }
            Ok(())
        })
        .unwrap();
    }
}

/// An administrative URL, and the databases created from it (dropped at the end).
#[cfg(feature = "postgres")]
struct Postgres(String, std::sync::Mutex<Vec<String>>);

#[cfg(feature = "postgres")]
impl Drop for Postgres {
    fn drop(&mut self) {
        let mut admin = diesel::PgConnection::establish(&self.0).unwrap();
        for name in self.1.lock().unwrap().iter() {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

#[cfg(feature = "postgres")]
impl Target for Postgres {
    fn name(&self) -> &'static str {
        "PostgreSQL"
    }
    fn fresh(&self, round: usize) -> String {
        let name = format!(
            "updown_bench_{}_{round}_{}",
            std::process::id(),
            rand_suffix()
        );
        let mut admin = diesel::PgConnection::establish(&self.0).unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        // Each contender starts with no dirty pages of another's to write: a checkpoint
        // (which DROP DATABASE forces, as verify's scratch database does) would otherwise
        // charge the previous contender's writes to this one.
        admin.batch_execute("CHECKPOINT").unwrap();
        self.1.lock().unwrap().push(name.clone());
        let base = &self.0[..self.0.rfind('/').unwrap()];
        format!("{base}/{name}")
    }
    fn raw(&self, url: &str, list: &[Migration]) {
        let mut conn = diesel::PgConnection::establish(url).unwrap();
        run_raw(&mut conn, list);
    }
    fn raw_one_transaction(&self, url: &str, list: &[Migration]) {
        let mut conn = diesel::PgConnection::establish(url).unwrap();
        run_raw_one_transaction(&mut conn, list);
    }
    fn raw_up_down_up(&self, url: &str, list: &[Migration]) {
        let mut conn = diesel::PgConnection::establish(url).unwrap();
        for m in list {
            for action in [Action::Apply, Action::Rollback, Action::Apply] {
                conn.transaction::<_, diesel::result::Error, _>(|c| {
                    c.batch_execute(sql(m, action))
                })
                .unwrap();
            }
        }
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
}

fn sql(m: &Migration, action: Action) -> &str {
    match m.body(action) {
        Some(Body::Sql(s)) => s,
        _ => unreachable!("the bench has SQL migrations with a down only"),
    }
}

/// The baseline: each migration's statements in a transaction of their own, no bookkeeping.
fn run_raw<C: Connection>(conn: &mut C, list: &[Migration]) {
    for m in list {
        conn.transaction::<_, diesel::result::Error, _>(|c| c.batch_execute(sql(m, Action::Apply)))
            .unwrap();
    }
}

fn run_raw_one_transaction<C: Connection>(conn: &mut C, list: &[Migration]) {
    conn.transaction::<_, diesel::result::Error, _>(|c| {
        for m in list {
            c.batch_execute(sql(m, Action::Apply))?;
        }
        Ok(())
    })
    .unwrap();
}

fn diesel_folders(dir: &Path, list: &[Migration]) {
    for m in list {
        let folder = dir.join(format!("{:014}_{}", m.version(), m.name()));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("up.sql"), sql(m, Action::Apply)).unwrap();
        std::fs::write(folder.join("down.sql"), sql(m, Action::Rollback)).unwrap();
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// The median of `a[i] / b[i]`: a ratio paired round by round.
fn median_ratio(a: &[Duration], b: &[Duration]) -> f64 {
    let mut ratios: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

fn timed(f: impl FnOnce()) -> Duration {
    let started = Instant::now();
    f();
    started.elapsed()
}

fn bench(target: &dyn Target, list: &[Migration], rounds: usize) {
    let registry = Registry::from_migrations(list.to_vec()).unwrap();
    let folders = tempfile::tempdir().unwrap();
    diesel_folders(folders.path(), list);
    let mut raw = Vec::new();
    let mut raw_one = Vec::new();
    let mut diesel_m = Vec::new();
    let mut migrate = Vec::new();
    let mut noop = Vec::new();
    let mut status = Vec::new();
    let mut verify = Vec::new();
    let mut up_down_up = Vec::new();
    for round in 0..rounds {
        let url = target.fresh(round);
        raw.push(timed(|| target.raw(&url, list)));
        let url = target.fresh(round);
        raw_one.push(timed(|| target.raw_one_transaction(&url, list)));

        let url = target.fresh(round);
        diesel_m.push(timed(|| {
            let source = FileBasedMigrations::from_path(folders.path()).unwrap();
            match url.strip_prefix("sqlite://") {
                Some(path) => {
                    let mut conn = diesel::SqliteConnection::establish(path).unwrap();
                    conn.run_pending_migrations(source).unwrap();
                }
                #[cfg(feature = "postgres")]
                None => {
                    let mut conn = diesel::PgConnection::establish(&url).unwrap();
                    conn.run_pending_migrations(source).unwrap();
                }
                #[cfg(not(feature = "postgres"))]
                None => unreachable!(),
            }
        }));

        let url = target.fresh(round);
        let migrator = Migrator::new(registry.clone(), &url).unwrap();
        migrate.push(timed(|| {
            migrator
                .migrate(&MigrateOptions::default(), &mut |_| {})
                .unwrap();
        }));
        noop.push(timed(|| {
            migrator
                .migrate(&MigrateOptions::default(), &mut |_| {})
                .unwrap();
        }));
        status.push(timed(|| {
            migrator.status().unwrap();
        }));

        let url = target.fresh(round);
        up_down_up.push(timed(|| target.raw_up_down_up(&url, list)));

        let url = target.fresh(round);
        let migrator = Migrator::new(registry.clone(), &url).unwrap();
        verify.push(timed(|| {
            let report = migrator
                .verify(&VerifyOptions::default(), &mut |_| {})
                .unwrap();
            assert!(report.passed());
        }));
    }
    let (raw, raw_one, diesel_m) = (median(raw), median(raw_one), median(diesel_m));
    // Paired per round: each verify against the migrate of the same round.
    let verify_ratio = median_ratio(&verify, &migrate);
    let floor_ratio = median_ratio(&up_down_up, &migrate);
    let up_down_up = median(up_down_up);
    let (migrate, noop, status, verify) = (
        median(migrate),
        median(noop),
        median(status),
        median(verify),
    );
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!(
        "\n{} — {} migrations, median of {rounds} rounds",
        target.name(),
        list.len()
    );
    println!("| run | time | ratio |");
    println!("|---|---|---|");
    println!("| raw SQL, one transaction per migration (baseline) | {raw:.2?} | 1.00 |");
    println!(
        "| raw SQL, all in one transaction | {raw_one:.2?} | {:.2} x raw |",
        ratio(raw_one, raw)
    );
    println!(
        "| diesel_migrations, same SQL from folders | {diesel_m:.2?} | {:.2} x raw |",
        ratio(diesel_m, raw)
    );
    println!(
        "| updown migrate | {migrate:.2?} | {:.2} x raw |",
        ratio(migrate, raw)
    );
    println!(
        "| updown migrate, nothing pending | {noop:.2?} | {:.3} x raw |",
        ratio(noop, raw)
    );
    println!(
        "| updown status | {status:.2?} | {:.3} x raw |",
        ratio(status, raw)
    );
    println!(
        "| raw SQL, up -> down -> up of each migration (verify's floor) | {up_down_up:.2?} | {floor_ratio:.2} x updown migrate |"
    );
    println!(
        "| updown verify (scratch database) | {verify:.2?} | {verify_ratio:.2} x updown migrate |"
    );
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| !a.starts_with('-'));
    // One size or several: `200,1000`.
    let sizes: Vec<usize> = args
        .next()
        .map(|a| a.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_else(|| vec![200]);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    for n in sizes {
        let list = migrations(n);
        bench(&Sqlite(tempfile::tempdir().unwrap()), &list, rounds);
        #[cfg(feature = "postgres")]
        if let Ok(url) = std::env::var("UPDOWN_BENCH_POSTGRES_URL") {
            bench(&Postgres(url, Default::default()), &list, rounds);
        }
    }
}
