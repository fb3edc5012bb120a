//! `run`: every round of every contender, each a fresh process on a fresh database, and
//! the tables of docs/BENCHMARKS.md made from them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::{Args, CONTENDERS, Mode, VERIFY_CONTENDERS};

/// The contenders of `examples/bench-peers`, named `peers:<contender>` here.
const PEER_CONTENDERS: &[&str] = &["raw-each", "raw-one", "sqlx", "refinery"];

const BEGIN: &str = "<!-- bench:begin -->";
const END: &str = "<!-- bench:end -->";

/// What one child process measured.
struct Record {
    key: String,
    mode: Mode,
    n: usize,
    round: usize,
    apply_ms: f64,
    status_ms: Option<f64>,
    noop_ms: Option<f64>,
    select_ms: Option<f64>,
    postflight_ms: Option<f64>,
}

/// A contender that did not finish, and why.
struct Failure {
    key: String,
    mode: Mode,
    n: usize,
    error: String,
}

/// One round of the concurrency comparison.
struct Concurrent {
    mode: Mode,
    n: usize,
    round: usize,
    workers: usize,
    wall_ms: f64,
}

fn label(key: &str) -> &'static str {
    match key {
        "raw-each" => "raw SQL, a transaction each (diesel)",
        "raw-one" => "raw SQL, all in one transaction (diesel)",
        "raw-tracked" => "raw SQL and its bookkeeping by hand (diesel)",
        "updown" => "**updown**",
        "updown-nochecks" => "updown, checks off",
        "diesel-files" => "diesel_migrations, folders",
        "diesel-embed" => "diesel_migrations, embedded",
        "peers:raw-each" => "raw SQL, a transaction each (rusqlite / postgres crate)",
        "peers:raw-one" => "raw SQL, all in one transaction (rusqlite / postgres crate)",
        "peers:sqlx" => "sqlx Migrator",
        "peers:refinery" => "refinery",
        "raw-up-down-up" => "raw SQL, up, down, up of each",
        "updown-verify" => "updown verify",
        _ => "?",
    }
}

/// The floor each mode's ratios are taken against: on SQLite updown runs a whole run in
/// one transaction (its lock), so the same SQL in one transaction; elsewhere a
/// transaction per migration, as updown runs them.
fn floor(mode: Mode) -> &'static str {
    match mode {
        Mode::Postgres => "raw-each",
        _ => "raw-one",
    }
}

/// A database made for one child and removed after it.
enum Fresh {
    Sqlite(tempfile::TempDir),
    #[cfg(feature = "postgres")]
    Postgres {
        admin: String,
        name: String,
    },
}

impl Fresh {
    fn new(mode: Mode, postgres: Option<&str>, serial: usize) -> Result<Fresh, String> {
        match mode {
            Mode::Postgres => {
                #[cfg(feature = "postgres")]
                {
                    use diesel::Connection;
                    use diesel::connection::SimpleConnection;
                    let admin = postgres.ok_or("postgres needs --postgres-url")?.to_owned();
                    let name = format!("updown_bench_{}_{serial}", std::process::id());
                    let mut conn =
                        diesel::PgConnection::establish(&admin).map_err(|e| e.to_string())?;
                    // A checkpoint first, so that no contender pays for writing another's pages.
                    conn.batch_execute(&format!("CREATE DATABASE {name}"))
                        .and_then(|()| conn.batch_execute("CHECKPOINT"))
                        .map_err(|e| e.to_string())?;
                    Ok(Fresh::Postgres { admin, name })
                }
                #[cfg(not(feature = "postgres"))]
                {
                    let _ = (postgres, serial);
                    Err("built without the postgres feature".into())
                }
            }
            _ => Ok(Fresh::Sqlite(
                tempfile::tempdir().map_err(|e| e.to_string())?,
            )),
        }
    }

    fn url(&self) -> String {
        match self {
            Fresh::Sqlite(dir) => dir.path().join("bench.db").display().to_string(),
            #[cfg(feature = "postgres")]
            Fresh::Postgres { admin, name } => {
                format!(
                    "{}/{name}",
                    &admin[..admin.rfind('/').unwrap_or(admin.len())]
                )
            }
        }
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        #[cfg(feature = "postgres")]
        if let Fresh::Postgres { admin, name } = self {
            use diesel::Connection;
            use diesel::connection::SimpleConnection;
            if let Ok(mut conn) = diesel::PgConnection::establish(admin) {
                // verify's scratch databases are dropped by verify itself.
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// Runs `program args`, its one JSON line parsed.
fn child(program: &Path, args: &[String]) -> Result<Value, String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "{} {}: {}\n{}",
            program.display(),
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).map_err(|e| format!("{}: `{line}`: {e}", program.display()))
}

fn list(args: &Args, name: &str, default: &str) -> Result<Vec<usize>, String> {
    let text = args.get(name).unwrap_or(default);
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.replace('_', "")
                .parse()
                .map_err(|_| format!("--{name}: `{s}` is not a number"))
        })
        .collect()
}

pub fn run(args: &Args) -> Result<(), String> {
    let sizes = list(args, "sizes", "100,1000,10000")?;
    let rounds = args
        .get("rounds")
        .map_or(Ok(5), |_| args.number("rounds"))?;
    let concurrency_sizes = list(args, "concurrency-sizes", "100,1000")?;
    let workers = args
        .get("workers")
        .map_or(Ok(8), |_| args.number("workers"))?;
    let verify_sizes = list(args, "verify-sizes", "")?;
    let postgres = args.get("postgres-url");
    let modes: Vec<Mode> = match args.get("modes") {
        Some(m) => m.split(',').map(Mode::parse).collect::<Result<_, _>>()?,
        None => Mode::ALL
            .into_iter()
            .filter(|m| *m != Mode::Postgres || postgres.is_some())
            .collect(),
    };
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let peers = args.get("peers").map(PathBuf::from);
    let mut records = Vec::new();
    let mut concurrent = Vec::new();
    let mut failures = Vec::new();
    let mut serial = 0;
    let started = Instant::now();
    let mut journal = match args.get("json") {
        Some(path) => Some(std::fs::File::create(path).map_err(|e| format!("{path}: {e}"))?),
        None => None,
    };
    let mut keep = |line: &Value| {
        if let Some(file) = journal.as_mut() {
            use std::io::Write as _;
            let _ = writeln!(file, "{line}");
        }
    };

    // `--from FILE`: the apply rounds of an earlier run's raw lines, not run again.
    if let Some(path) = args.get("from") {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        let mut round_of: BTreeMap<(String, String, usize), usize> = BTreeMap::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).map_err(|e| format!("{path}: {e}"))?;
            let (Some(contender), Some(mode), Some(n)) = (
                v.get("contender").and_then(Value::as_str),
                v.get("mode").and_then(Value::as_str).map(Mode::parse),
                v.get("n").and_then(Value::as_u64),
            ) else {
                continue;
            };
            let mode = mode?;
            let n = n as usize;
            let key = match v.get("engine").and_then(Value::as_str) {
                Some("diesel") | None => contender.to_owned(),
                Some(_) => format!("peers:{contender}"),
            };
            if let Some(error) = v.get("failed").and_then(Value::as_str) {
                failures.push(Failure {
                    key,
                    mode,
                    n,
                    error: error.to_owned(),
                });
                continue;
            }
            // The lines of one contender come in round order.
            let round = round_of
                .entry((key.clone(), mode.name().into(), n))
                .or_default();
            let field = |name: &str| v.get(name).and_then(Value::as_f64);
            records.push(Record {
                key,
                mode,
                n,
                round: *round,
                apply_ms: field("apply_ms").ok_or("a line without apply_ms")?,
                status_ms: field("status_ms"),
                noop_ms: field("noop_ms"),
                select_ms: field("select_ms"),
                postflight_ms: field("postflight_ms"),
            });
            *round += 1;
        }
    }
    let apply_sizes: &[usize] = match args.get("from") {
        Some(_) => &[],
        None => &sizes,
    };
    for &n in apply_sizes {
        for round in 0..rounds {
            for &mode in &modes {
                let mut contenders: Vec<(String, &Path, &str)> = CONTENDERS
                    .iter()
                    .chain(
                        VERIFY_CONTENDERS
                            .iter()
                            .filter(|_| verify_sizes.contains(&n)),
                    )
                    .map(|c| (c.to_string(), me.as_path(), *c))
                    .collect();
                if let Some(peers) = &peers {
                    contenders.extend(
                        PEER_CONTENDERS
                            .iter()
                            .map(|c| (format!("peers:{c}"), peers.as_path(), *c)),
                    );
                }
                // A turning order: each contender runs first in some round.
                let turn = round % contenders.len();
                contenders.rotate_left(turn);
                for (key, program, contender) in contenders {
                    serial += 1;
                    let db = Fresh::new(mode, postgres, serial)?;
                    let line = child(
                        program,
                        &[
                            "one".into(),
                            "--contender".into(),
                            contender.into(),
                            "--mode".into(),
                            mode.name().into(),
                            "--n".into(),
                            n.to_string(),
                            "--url".into(),
                            db.url(),
                        ],
                    );
                    drop(db);
                    // A contender that fails (a limit of its database, say) is reported,
                    // and the others still run.
                    let line = match line {
                        Ok(line) => line,
                        Err(error) => {
                            eprintln!("{key} {} N={n} round {}: {error}", mode.name(), round + 1);
                            keep(&serde_json::json!({
                                "contender": key, "mode": mode.name(), "n": n, "failed": error,
                            }));
                            failures.push(Failure {
                                key,
                                mode,
                                n,
                                error,
                            });
                            continue;
                        }
                    };
                    keep(&line);
                    let field = |name: &str| line.get(name).and_then(Value::as_f64);
                    records.push(Record {
                        key,
                        mode,
                        n,
                        round,
                        apply_ms: field("apply_ms").ok_or("a child reported no apply_ms")?,
                        status_ms: field("status_ms"),
                        noop_ms: field("noop_ms"),
                        select_ms: field("select_ms"),
                        postflight_ms: field("postflight_ms"),
                    });
                }
                eprintln!(
                    "[{:>6.0}s] n={n} round {}/{rounds} {} done",
                    started.elapsed().as_secs_f64(),
                    round + 1,
                    mode.name()
                );
            }
        }
    }
    for &n in &concurrency_sizes {
        for round in 0..rounds {
            for &mode in &modes {
                let mut order = [1, workers];
                if round % 2 == 1 {
                    order.reverse();
                }
                for w in order {
                    serial += 1;
                    let db = Fresh::new(mode, postgres, serial)?;
                    let line = child(
                        &me,
                        &[
                            "concurrent".into(),
                            "--workers".into(),
                            w.to_string(),
                            "--mode".into(),
                            mode.name().into(),
                            "--n".into(),
                            n.to_string(),
                            "--url".into(),
                            db.url(),
                        ],
                    )?;
                    drop(db);
                    keep(&line);
                    concurrent.push(Concurrent {
                        mode,
                        n,
                        round,
                        workers: w,
                        wall_ms: line
                            .get("wall_ms")
                            .and_then(Value::as_f64)
                            .ok_or("no wall_ms")?,
                    });
                }
            }
            eprintln!(
                "[{:>6.0}s] concurrency n={n} round {}/{rounds} done",
                started.elapsed().as_secs_f64(),
                round + 1
            );
        }
    }

    let about = args.get("about").unwrap_or("");
    let command = args.get("command").unwrap_or("examples/bench/run.sh");
    let mut text = markdown(
        &records,
        &concurrent,
        &sizes,
        rounds,
        &modes,
        workers,
        about,
        command,
    );
    failed_runs(&mut text, &failures);
    print!("{text}");
    if let Some(path) = args.get("write") {
        let doc = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        let (Some(b), Some(e)) = (doc.find(BEGIN), doc.find(END)) else {
            return Err(format!("{path} has no {BEGIN} ... {END} to write between"));
        };
        let doc = format!("{}{BEGIN}\n{text}{}", &doc[..b], &doc[e..]);
        std::fs::write(path, doc).map_err(|e| format!("{path}: {e}"))?;
        eprintln!("wrote {path}");
    }
    Ok(())
}

/// The contenders that failed, each failure once with how many rounds it ended.
fn failed_runs(out: &mut String, failures: &[Failure]) {
    if failures.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Runs that failed\n");
    let mut seen: Vec<(&str, Mode, usize, &str, usize)> = Vec::new();
    for f in failures {
        // The last line says why: the lines before it name the command.
        let why = f.error.trim().lines().last().unwrap_or_default();
        match seen
            .iter_mut()
            .find(|s| s.0 == f.key && s.1 == f.mode && s.2 == f.n && s.3 == why)
        {
            Some(s) => s.4 += 1,
            None => seen.push((&f.key, f.mode, f.n, why, 1)),
        }
    }
    for (key, mode, n, why, rounds) in seen {
        let _ = writeln!(
            out,
            "- {} on {}, N={n}, {rounds} round(s): `{why}`",
            label(key),
            mode.name()
        );
    }
    let _ = writeln!(out);
}

/// A table's heading and rule: the `leading` columns, then for each size `N=<size>`
/// followed by the `per_size` columns.
fn head(leading: &[&str], sizes: &[usize], per_size: &[&str]) -> String {
    let mut names: Vec<String> = leading.iter().map(|c| c.to_string()).collect();
    for n in sizes {
        names.push(format!("N={n}"));
        names.extend(per_size.iter().map(|c| c.to_string()));
    }
    let rule = vec!["---"; names.len()].join("|");
    format!("| {} |\n|{rule}|", names.join(" | "))
}

/// The median, min and max.
fn spread(mut v: Vec<f64>) -> Option<(f64, f64, f64)> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some((v[v.len() / 2], v[0], v[v.len() - 1]))
}

fn time(ms: f64) -> String {
    match ms {
        ms if ms >= 10_000.0 => format!("{:.1} s", ms / 1000.0),
        ms if ms >= 100.0 => format!("{ms:.0} ms"),
        ms if ms >= 1.0 => format!("{ms:.2} ms"),
        ms => format!("{ms:.3} ms"),
    }
}

fn ratio((median, min, max): (f64, f64, f64)) -> String {
    format!("{median:.2} ({min:.2}-{max:.2})")
}

/// Groups records by (mode, n, key), keeping the order they came in per round.
type Groups<'r> = BTreeMap<(usize, usize, String), Vec<&'r Record>>;

fn mode_index(mode: Mode) -> usize {
    Mode::ALL.iter().position(|m| *m == mode).unwrap_or(0)
}

#[allow(clippy::too_many_arguments)]
fn markdown(
    records: &[Record],
    concurrent: &[Concurrent],
    sizes: &[usize],
    rounds: usize,
    modes: &[Mode],
    workers: usize,
    about: &str,
    command: &str,
) -> String {
    let mut groups: Groups = BTreeMap::new();
    for r in records {
        groups
            .entry((mode_index(r.mode), r.n, r.key.clone()))
            .or_default()
            .push(r);
    }
    let mut keys: Vec<&str> = Vec::new();
    for r in records {
        if !keys.contains(&r.key.as_str()) {
            keys.push(&r.key);
        }
    }
    // The report's order: this binary's contenders, then the peers', then verify's.
    keys.sort_by_key(|k| {
        let rank = CONTENDERS
            .iter()
            .position(|c| c == k)
            .or_else(|| {
                PEER_CONTENDERS
                    .iter()
                    .position(|c| format!("peers:{c}") == *k)
                    .map(|i| 10 + i)
            })
            .or_else(|| {
                VERIFY_CONTENDERS
                    .iter()
                    .position(|c| c == k)
                    .map(|i| 20 + i)
            });
        rank.unwrap_or(99)
    });
    let of = |mode: Mode, n: usize, key: &str| groups.get(&(mode_index(mode), n, key.to_owned()));
    // Ratios paired within each round: a contender against the floor of the same round.
    let paired = |mode: Mode,
                  n: usize,
                  key: &str,
                  base: &str,
                  value: &dyn Fn(&Record) -> Option<f64>,
                  base_value: &dyn Fn(&Record) -> Option<f64>| {
        let (Some(a), Some(b)) = (of(mode, n, key), of(mode, n, base)) else {
            return None;
        };
        let ratios = a
            .iter()
            .filter_map(|ra| {
                let rb = b.iter().find(|rb| rb.round == ra.round)?;
                Some(value(ra)? / base_value(rb)?)
            })
            .collect();
        spread(ratios)
    };
    let median_of = |mode: Mode, n: usize, key: &str, value: &dyn Fn(&Record) -> Option<f64>| {
        spread(of(mode, n, key)?.iter().filter_map(|r| value(r)).collect()).map(|s| s.0)
    };
    let apply = |r: &Record| Some(r.apply_ms);
    let status = |r: &Record| r.status_ms;
    let noop = |r: &Record| r.noop_ms;
    let select = |r: &Record| r.select_ms;

    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        "Produced by `{command}`: {rounds} rounds, sizes {sizes:?}.\n"
    );
    if !about.is_empty() {
        let _ = writeln!(w, "{about}\n");
    }

    let _ = writeln!(w, "### Apply: N migrations on an empty database\n");
    let _ = writeln!(
        w,
        "Median time, and the ratio to the floor paired per round: median (min-max). \
         The floor is raw SQL all in one transaction on SQLite, a transaction each on PostgreSQL.\n"
    );
    for &mode in modes {
        let _ = writeln!(w, "#### {} (floor: {})\n", mode.name(), label(floor(mode)));
        let _ = writeln!(w, "{}", head(&["contender"], sizes, &["x floor"]));
        for key in keys.iter().filter(|k| !VERIFY_CONTENDERS.contains(k)) {
            let mut row = format!("| {} |", label(key));
            for &n in sizes {
                let t = median_of(mode, n, key, &apply).map_or("-".into(), time);
                let r = paired(mode, n, key, floor(mode), &apply, &apply).map_or("-".into(), ratio);
                let _ = write!(row, " {t} | {r} |");
            }
            let _ = writeln!(w, "{row}");
        }
        let _ = writeln!(w);
    }

    let _ = writeln!(
        w,
        "updown against the same SQL with its bookkeeping written by hand (raw SQL, a \
         tracking and a history row per migration, each migration undone alone on \
         failure), paired per round:\n"
    );
    let _ = writeln!(w, "{}", head(&["contender", "mode"], sizes, &[]));
    for key in ["updown", "updown-nochecks"] {
        for &mode in modes {
            let mut row = format!("| {} | {} |", label(key), mode.name());
            for &n in sizes {
                let r =
                    paired(mode, n, key, "raw-tracked", &apply, &apply).map_or("-".into(), ratio);
                let _ = write!(row, " {r} |");
            }
            let _ = writeln!(w, "{row}");
        }
    }
    let _ = writeln!(w);

    let _ = writeln!(
        w,
        "Of updown's apply, its checks after the run (the postflight: the foreign keys \
         the run added or touched, the schema checksum), median ms and share:\n"
    );
    let _ = writeln!(w, "{}", head(&["mode"], sizes, &[]));
    for &mode in modes {
        let mut row = format!("| {} |", mode.name());
        for &n in sizes {
            let postflight = |r: &Record| r.postflight_ms;
            let cell = match (
                median_of(mode, n, "updown", &postflight),
                paired(mode, n, "updown", "updown", &postflight, &apply),
            ) {
                (Some(ms), Some(share)) => format!("{} ({:.0}%)", time(ms), share.0 * 100.0),
                _ => "-".into(),
            };
            let _ = write!(row, " {cell} |");
        }
        let _ = writeln!(w, "{row}");
    }
    let _ = writeln!(w);

    let _ = writeln!(
        w,
        "### Reads on the migrated database, on the connection that applied\n"
    );
    let _ = writeln!(
        w,
        "Median of 21 runs each. *bare SELECT*: every row and column of the runner's own \
         tracking table read with diesel (sqlx and refinery: with their own driver). \
         Ratios paired per round.\n"
    );
    for &mode in modes {
        let _ = writeln!(w, "#### {}\n", mode.name());
        let _ = writeln!(
            w,
            "| contender | N | status | nothing pending | bare SELECT | status / SELECT | nothing pending / status |\n|---|---|---|---|---|---|---|"
        );
        for key in keys.iter().filter(|k| {
            records
                .iter()
                .any(|r| r.key == **k && r.status_ms.is_some())
        }) {
            for &n in sizes {
                let cell = |f: &dyn Fn(&Record) -> Option<f64>| {
                    median_of(mode, n, key, f).map_or("-".into(), time)
                };
                let _ = writeln!(
                    w,
                    "| {} | {n} | {} | {} | {} | {} | {} |",
                    label(key),
                    cell(&status),
                    cell(&noop),
                    cell(&select),
                    paired(mode, n, key, key, &status, &select).map_or("-".into(), ratio),
                    paired(mode, n, key, key, &noop, &status).map_or("-".into(), ratio),
                );
            }
        }
        let _ = writeln!(w);
    }

    if let (Some(&small), Some(&large)) = (sizes.iter().rev().nth(1), sizes.last()) {
        let _ = writeln!(w, "### Growth from N={small} to N={large}\n");
        let _ = writeln!(
            w,
            "Median at N={large} over median at N={small}; {:.1} is linear.\n",
            large as f64 / small as f64
        );
        let _ = writeln!(
            w,
            "| contender | mode | apply | status | nothing pending |\n|---|---|---|---|---|"
        );
        for &mode in modes {
            for key in keys.iter().filter(|k| !VERIFY_CONTENDERS.contains(k)) {
                let growth = |f: &dyn Fn(&Record) -> Option<f64>| match (
                    median_of(mode, large, key, f),
                    median_of(mode, small, key, f),
                ) {
                    (Some(a), Some(b)) => format!("{:.1}", a / b),
                    _ => "-".into(),
                };
                let _ = writeln!(
                    w,
                    "| {} | {} | {} | {} | {} |",
                    label(key),
                    mode.name(),
                    growth(&apply),
                    growth(&status),
                    growth(&noop)
                );
            }
        }
        let _ = writeln!(w);
    }

    if !concurrent.is_empty() {
        let _ = writeln!(w, "### {workers} migrators at once against one\n");
        let _ = writeln!(
            w,
            "updown with its default checks, each migrator on its own connection and thread, \
             started together on a fresh database; the time until the last is done. One \
             applies everything, the others wait for its lock and find nothing pending.\n"
        );
        let _ = writeln!(
            w,
            "| mode | N | one | {workers} at once | ratio |\n|---|---|---|---|---|"
        );
        let mut seen = Vec::new();
        for c in concurrent {
            if seen.contains(&(mode_index(c.mode), c.n)) {
                continue;
            }
            seen.push((mode_index(c.mode), c.n));
            let of = |w: usize| {
                concurrent
                    .iter()
                    .filter(move |x| x.mode == c.mode && x.n == c.n && x.workers == w)
            };
            let median = |w: usize| {
                spread(of(w).map(|x| x.wall_ms).collect()).map_or("-".into(), |s| time(s.0))
            };
            let ratios = of(workers)
                .filter_map(|many| {
                    let one = of(1).find(|o| o.round == many.round)?;
                    Some(many.wall_ms / one.wall_ms)
                })
                .collect();
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} |",
                c.mode.name(),
                c.n,
                median(1),
                median(workers),
                spread(ratios).map_or("-".into(), ratio)
            );
        }
        let _ = writeln!(w);
    }

    if records.iter().any(|r| r.key == "updown-verify") {
        let _ = writeln!(
            w,
            "### verify: up, down, up of every migration on a scratch database\n"
        );
        let _ = writeln!(
            w,
            "| mode | N | raw up, down, up | updown verify | ratio |\n|---|---|---|---|---|"
        );
        for &mode in modes {
            for &n in sizes {
                let Some(r) = paired(mode, n, "updown-verify", "raw-up-down-up", &apply, &apply)
                else {
                    continue;
                };
                let t = |k: &str| median_of(mode, n, k, &apply).map_or("-".into(), time);
                let _ = writeln!(
                    w,
                    "| {} | {n} | {} | {} | {} |",
                    mode.name(),
                    t("raw-up-down-up"),
                    t("updown-verify"),
                    ratio(r)
                );
            }
        }
        let _ = writeln!(w);
    }
    out
}
