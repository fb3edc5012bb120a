//! Support for the workspace integration tests: fresh databases on every backend the
//! machine has, the fixture binaries run as a user would, and direct reads of the
//! database to check what they did.

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::{QueryableByName, RunQueryDsl};
use updown::AnyConnection;

/// Path of a fixture binary of this package: `bin!("app")`.
#[macro_export]
macro_rules! bin {
    ($name:literal) => {
        env!(concat!("CARGO_BIN_EXE_", $name))
    };
}

/// A fresh, empty database for one test; a server database is dropped with it.
pub struct TestDb {
    pub backend: updown::Backend,
    pub url: String,
    /// The directory the binaries run in (holds the SQLite file).
    dir: tempfile::TempDir,
    /// For a server database: the administrative URL and the database's name.
    server: Option<(String, String)>,
}

/// Where the tests find servers: an account that may create databases.
pub const POSTGRES_URL_VAR: &str = "UPDOWN_TEST_POSTGRES_URL";
pub const MYSQL_URL_VAR: &str = "UPDOWN_TEST_MYSQL_URL";

/// A fresh database on each backend under test: SQLite always; PostgreSQL and MySQL when
/// their URL is set and their feature compiled in. Under `CI=true` both are required.
pub fn databases() -> Vec<TestDb> {
    let mut out = vec![sqlite()];
    out.extend(server(
        updown::Backend::Postgres,
        POSTGRES_URL_VAR,
        cfg!(feature = "postgres"),
    ));
    out.extend(server(
        updown::Backend::Mysql,
        MYSQL_URL_VAR,
        cfg!(feature = "mysql"),
    ));
    out
}

/// One fresh SQLite database, for tests about what does not depend on the backend.
pub fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    TestDb {
        backend: updown::Backend::Sqlite,
        url,
        dir,
        server: None,
    }
}

fn server(backend: updown::Backend, var: &str, compiled: bool) -> Option<TestDb> {
    let admin = std::env::var(var).ok().filter(|v| !v.is_empty());
    let reason = match (&admin, compiled) {
        (Some(_), true) => None,
        (None, _) => Some(format!("{var} is not set")),
        (Some(_), false) => Some(format!(
            "the `{}` feature is not compiled in (use --all-features)",
            backend.feature()
        )),
    };
    if let Some(reason) = reason {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{backend} is required under CI=true, but {reason}");
        }
        skip_once(backend, &reason);
        return None;
    }
    let admin = admin.expect("checked");
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "updown_test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut conn = connect_url(backend, &admin);
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .unwrap_or_else(|e| panic!("creating test database {name} on {backend}: {e}"));
    Some(TestDb {
        backend,
        url: with_database(&admin, &name),
        dir: tempfile::tempdir().expect("temp dir"),
        server: Some((admin, name)),
    })
}

/// Says once per test binary, past the test harness's capture, why a backend is skipped.
fn skip_once(backend: updown::Backend, reason: &str) {
    static SAID: Mutex<Vec<updown::Backend>> = Mutex::new(Vec::new());
    let mut said = SAID.lock().unwrap_or_else(|p| p.into_inner());
    if !said.contains(&backend) {
        said.push(backend);
        let _ = writeln!(
            std::io::stderr(),
            "note: skipping {backend} tests: {reason}"
        );
    }
}

/// `scheme://user:pw@host:port/admin_db?x` with the database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[authority_end..].find('/') {
        Some(i) => &base[..authority_end + i],
        None => base,
    };
    format!("{root}/{name}{query}")
}

/// A connection to `url` on `backend`, opened by the test itself.
pub fn connect_url(backend: updown::Backend, url: &str) -> AnyConnection {
    use diesel::Connection;
    match backend {
        updown::Backend::Sqlite => AnyConnection::Sqlite(
            diesel::SqliteConnection::establish(url.trim_start_matches("sqlite://"))
                .expect("open the test database"),
        ),
        #[cfg(feature = "postgres")]
        updown::Backend::Postgres => AnyConnection::Postgres(
            diesel::PgConnection::establish(url).unwrap_or_else(|e| panic!("{backend}: {e}")),
        ),
        #[cfg(feature = "mysql")]
        updown::Backend::Mysql => AnyConnection::Mysql(
            diesel::MysqlConnection::establish(url).unwrap_or_else(|e| panic!("{backend}: {e}")),
        ),
        other => panic!("{other} is not compiled into the tests"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.server {
            let drop = match self.backend {
                updown::Backend::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                _ => format!("DROP DATABASE IF EXISTS {name}"),
            };
            let _ = diesel::sql_query(drop).execute(&mut connect_url(self.backend, admin));
        }
    }
}

/// What a run of a binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    command: String,
}

impl Run {
    /// What `command` printed, and its exit code (-1 for a signal).
    pub fn new(command: String, code: i32, stdout: String, stderr: String) -> Self {
        Run {
            code,
            stdout,
            stderr,
            command,
        }
    }

    fn from_output(command: String, out: Output) -> Self {
        Run::new(
            command,
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Asserts that `first` comes before `second` on stderr.
    #[track_caller]
    pub fn stderr_in_order(&self, first: &str, second: &str) -> &Self {
        let at = |part: &str| {
            self.stderr.find(part).unwrap_or_else(|| {
                panic!("`{}`: stderr lacks {part:?}\n{}", self.command, self.stderr)
            })
        };
        assert!(
            at(first) < at(second),
            "`{}`: {first:?} should come before {second:?}\n--- stderr\n{}",
            self.command,
            self.stderr
        );
        self
    }

    /// Asserts the exit code, showing everything the command printed if it differs.
    #[track_caller]
    pub fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "`{}` exited {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
            self.command, self.code, self.stdout, self.stderr
        );
        self
    }

    /// Asserts that stderr mentions every one of `parts`.
    #[track_caller]
    pub fn stderr_has(&self, parts: &[&str]) -> &Self {
        for part in parts {
            assert!(
                self.stderr.contains(part),
                "`{}`: stderr lacks {part:?}\n--- stderr\n{}",
                self.command,
                self.stderr
            );
        }
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, parts: &[&str]) -> &Self {
        for part in parts {
            assert!(
                self.stdout.contains(part),
                "`{}`: stdout lacks {part:?}\n--- stdout\n{}",
                self.command,
                self.stdout
            );
        }
        self
    }

    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("`{}` printed no JSON ({e}):\n{}", self.command, self.stdout)
        })
    }
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// How long a server may take to end the sessions of a process that died.
const SESSIONS_GONE_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

impl TestDb {
    /// Waits until the server has ended the sessions of a process that exited or was
    /// killed, so that what is read next is what it left, not a statement still finishing.
    pub fn wait_for_dead_sessions(&self) -> Result<(), String> {
        let others = match self.backend {
            updown::Backend::Postgres => {
                "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
                 AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            }
            updown::Backend::Mysql => {
                "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST \
                 WHERE DB = DATABASE() AND ID <> CONNECTION_ID()"
            }
            // The operating system releases a dead process's file locks with it.
            _ => return Ok(()),
        };
        let mut conn = self.connect();
        let deadline = std::time::Instant::now() + SESSIONS_GONE_WITHIN;
        loop {
            let row: Number = diesel::sql_query(others)
                .get_result(&mut conn)
                .map_err(|e| e.to_string())?;
            if row.n == 0 {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                return Err(format!(
                    "{} sessions of the ended process still open after {SESSIONS_GONE_WITHIN:?}",
                    row.n
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs a fixture binary against this database, as a user would, in a directory
    /// of its own (no stray `.env`), with no DATABASE_URL or UPDOWN_ENV inherited.
    pub fn run(&self, bin: &str, args: &[&str]) -> Run {
        self.run_with(bin, args, &[])
    }

    pub fn run_with(&self, bin: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(bin, args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("fixture binary runs");
        Run::from_output(describe(bin, args), out)
    }

    /// The command `run` would run, to start it in the background.
    pub fn command(&self, bin: &str, args: &[&str]) -> Command {
        let mut cmd = self.bare_command(bin, &["--database-url", &self.url]);
        cmd.args(args);
        cmd
    }

    /// Runs a binary in this database's directory with only `args`: no URL given.
    pub fn run_bare(&self, bin: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.bare_command(bin, args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run::from_output(
            describe(bin, args),
            cmd.output().expect("fixture binary runs"),
        )
    }

    fn bare_command(&self, bin: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin);
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("UPDOWN_ENV");
        cmd
    }

    pub fn connect(&self) -> AnyConnection {
        connect_url(self.backend, &self.url)
    }

    /// Whether a failed migration's DDL is rolled back here (not on MySQL).
    pub fn rolls_back_ddl(&self) -> bool {
        self.backend != updown::Backend::Mysql
    }

    /// The value of `SELECT ... AS n` as an integer.
    pub fn number(&self, sql: &str) -> i64 {
        let row: Number = diesel::sql_query(sql)
            .get_result(&mut self.connect())
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        row.n
    }

    pub fn table_exists(&self, table: &str) -> bool {
        let sql = match self.backend {
            updown::Backend::Sqlite => {
                format!(
                    "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '{table}'"
                )
            }
            _ => format!(
                "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = '{table}' AND table_schema = {}",
                if self.backend == updown::Backend::Postgres {
                    "current_schema()"
                } else {
                    "DATABASE()"
                }
            ),
        };
        self.number(&sql) > 0
    }

    pub fn count(&self, table: &str) -> i64 {
        self.number(&format!("SELECT COUNT(*) AS n FROM {table}"))
    }

    /// The whole of `history --format json`, as a user's script would read it.
    pub fn history_json(&self, bin: &str) -> serde_json::Value {
        self.run(bin, &["history", "--format", "json"])
            .expect(0)
            .json()
    }

    /// `state` of each migration in `status --format json`, as `(version, state)`.
    pub fn states(&self, bin: &str) -> Vec<(i64, String)> {
        let json = self
            .run(bin, &["status", "--format", "json"])
            .expect(0)
            .json();
        json["migrations"]
            .as_array()
            .expect("migrations array")
            .iter()
            .map(|m| {
                (
                    m["version"].as_i64().unwrap(),
                    m["state"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

fn describe(bin: &str, args: &[&str]) -> String {
    let name = Path::new(bin)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    std::iter::once(name.as_str())
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The realistic diesel migration folder of `backend` in `tests/fixtures/diesel`.
pub fn diesel_set(backend: updown::Backend) -> std::path::PathBuf {
    let name = match backend {
        updown::Backend::Sqlite => "sqlite",
        updown::Backend::Postgres => "postgres",
        updown::Backend::Mysql => "mysql",
        other => panic!("{other} has no diesel set"),
    };
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/diesel")
        .join(name)
}

/// `[(1001, "applied"), ...]` (or names) from literals, for comparing with
/// [`TestDb::states`] and other `(version, text)` lists.
pub fn states(list: &[(i64, &str)]) -> Vec<(i64, String)> {
    list.iter().map(|(v, s)| (*v, (*s).to_owned())).collect()
}

/// Writes diesel folders `(folder, up, down)` into a new temporary directory; a `down`
/// of `None` writes no `down.sql`.
pub fn diesel_dir(folders: &[(&str, &str, Option<&str>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, up, down) in folders {
        let folder = dir.path().join(name);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("up.sql"), up).unwrap();
        if let Some(down) = down {
            std::fs::write(folder.join("down.sql"), down).unwrap();
        }
    }
    dir
}

/// Starts `app_slow migrate` (the fixture binary `app_slow`), which sleeps inside migration
/// 1002, and returns once it holds the lock and has begun 1002 (the migration says so on
/// stderr).
pub fn start_slow_migrate(db: &TestDb, app_slow: &str, sleep_ms: &str) -> std::process::Child {
    let mut child = db
        .command(app_slow, &["migrate"])
        .env("UPDOWN_FIXTURE_SLEEP_MS", sleep_ms)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start app_slow");
    let mut lines = std::io::BufReader::new(child.stderr.take().expect("piped")).lines();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let line = lines
            .next()
            .expect("holder ended before beginning 1002")
            .expect("read stderr");
        if line.starts_with("slow: sleeping") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "holder never began 1002"
        );
    }
    // Keep draining so the holder never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    child
}
