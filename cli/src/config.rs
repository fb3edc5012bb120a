//! One resolved configuration from the raw arguments: the URL (flag, environment,
//! `.env`, or the program's default), the environment name, formats.

use crate::stdio::outln;
use std::path::PathBuf;
use std::time::Duration;

use updown::{Compiled, DatabaseUrl, DieselDir, Migrator, Registry, Source};

use crate::args::{Args, LogFormat};
use crate::exit::Failure;

/// What every command runs with, validated.
pub(crate) struct Config {
    pub database_url: Option<DatabaseUrl>,
    pub environment: Option<String>,
    pub lock_timeout: Duration,
    pub log_format: LogFormat,
    pub quiet: bool,
    pub verbose: bool,
    pub diesel_dirs: Vec<PathBuf>,
    pub session_sql: Vec<String>,
}

impl Config {
    /// `args` as resolved: clap has read the flags and the environment (after `.env`).
    pub fn resolve(args: &Args, default_database_url: Option<&str>) -> Result<Config, Failure> {
        let given = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
        let database_url = given(&args.database_url)
            .or_else(|| default_database_url.map(str::to_owned))
            .map(|url| DatabaseUrl::parse(&url))
            .transpose()?;
        Ok(Config {
            database_url,
            environment: given(&args.environment),
            lock_timeout: args.lock_timeout,
            log_format: args.log_format,
            quiet: args.quiet,
            verbose: args.verbose > 0,
            diesel_dirs: args.diesel_dirs.clone(),
            session_sql: args.session_sql.clone(),
        })
    }

    /// The migrator of this program's migrations on the configured database.
    pub fn migrator(&self) -> Result<Migrator, Failure> {
        let url = self.database_url.clone().ok_or_else(|| {
            Failure::Usage("no database URL; pass `--database-url URL`, or set DATABASE_URL in the environment or in a .env file".into())
        })?;
        Ok(Migrator::with_url(self.registry()?, url)
            .lock_timeout(self.lock_timeout)
            .environment(self.environment.clone())
            .session_sql(self.session_sql.clone())
            // A command's reads and its run (status and the schema checksum, a plan and
            // its run) share one connection.
            .keep_connection())
    }

    /// The compiled-in migrations and those of every `--diesel-dir`.
    pub fn registry(&self) -> Result<Registry, Failure> {
        let dirs: Vec<DieselDir> = self.diesel_dirs.iter().map(DieselDir::new).collect();
        let mut sources: Vec<&dyn Source> = vec![&Compiled];
        sources.extend(dirs.iter().map(|d| d as &dyn Source));
        Ok(Registry::from_sources(&sources)?)
    }

    /// Prints a line for people on stdout, unless quiet.
    pub fn say(&self, line: impl AsRef<str>) {
        if !self.quiet {
            outln!("{}", line.as_ref());
        }
    }
}
