//! Support for the workspace integration tests: fresh databases on every backend the
//! machine has, the fixture binaries run as a user would, and direct reads of the
//! database to check what they did.

use std::path::Path;
use std::process::{Command, Output};

use diesel::{QueryableByName, RunQueryDsl};
use updown::AnyConnection;

/// Path of a fixture binary of this package: `bin!("app")`.
#[macro_export]
macro_rules! bin {
    ($name:literal) => {
        env!(concat!("CARGO_BIN_EXE_", $name))
    };
}

/// A fresh, empty database for one test.
pub struct TestDb {
    pub backend: updown::Backend,
    pub url: String,
    /// The directory the binaries run in (holds the SQLite file).
    dir: tempfile::TempDir,
}

/// A fresh database on each backend under test.
pub fn databases() -> Vec<TestDb> {
    vec![sqlite()]
}

fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    TestDb {
        backend: updown::Backend::Sqlite,
        url,
        dir,
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
    fn from_output(command: String, out: Output) -> Self {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            command,
        }
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

impl TestDb {
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
        match self.backend {
            updown::Backend::Sqlite => {
                use diesel::Connection;
                let path = self.url.trim_start_matches("sqlite://");
                AnyConnection::Sqlite(
                    diesel::SqliteConnection::establish(path).expect("open the test database"),
                )
            }
            other => panic!("no test connection for {other}"),
        }
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

/// `[(1001, "applied"), ...]` from literals, for comparing with [`TestDb::states`].
pub fn states(list: &[(i64, &str)]) -> Vec<(i64, String)> {
    list.iter().map(|(v, s)| (*v, (*s).to_owned())).collect()
}
