//! The command line of updown, compiled into your own binary so that it carries your
//! migrations:
//!
//! ```no_run
//! use std::process::ExitCode;
//!
//! fn main() -> ExitCode {
//!     updown_cli::main()
//! }
//! ```
//!
//! It parses arguments, resolves one configuration and prints; everything else is the
//! `updown` runtime. Exit codes: 0 success, 1 refused before anything ran (or `check`
//! found problems), 2 a migration failed, 3 `verify` failed, 4 a rollback failed, 5
//! configuration or usage error.

mod args;
mod output;

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::SystemTime;

use clap::Parser;
use updown::{Error, MigrateOptions, Migrator, Registry, RollbackOptions, RollbackTarget};

use crate::args::{Args, Command, Format, LogFormat, NewArgs};
use crate::output::Progress;

/// Exit code of a configuration or usage error.
const USAGE: u8 = 5;
/// Exit code of a failed check after the fact (verify).
const POSTFLIGHT: u8 = 3;

/// Runs the command line of this program's migrations.
pub fn main() -> ExitCode {
    Cli::new().main()
}

/// The command line, with settings a program can choose.
#[derive(Debug, Default, Clone)]
pub struct Cli {
    default_database_url: Option<String>,
}

/// What went wrong, as the user sees it: a message and an exit code.
struct Failure {
    message: String,
    code: u8,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure {
            message: e.to_string(),
            code: e.exit_code(),
        }
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        code: USAGE,
    }
}

impl Cli {
    pub fn new() -> Self {
        Cli::default()
    }

    /// The URL used when neither `--database-url` nor `DATABASE_URL` (nor `.env`) gives
    /// one. Without it, a missing URL is an error.
    pub fn default_database_url(mut self, url: impl Into<String>) -> Self {
        self.default_database_url = Some(url.into());
        self
    }

    /// Parses the process arguments, runs the command and returns its exit code.
    pub fn main(self) -> ExitCode {
        self.run(std::env::args_os())
    }

    /// Same as [`main`](Self::main) with the given arguments (the first is the program name).
    pub fn run<I, T>(self, args: I) -> ExitCode
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        if let Err(e) = dotenvy::dotenv()
            && !e.not_found()
        {
            eprintln!("error: cannot read .env: {e}");
            return ExitCode::from(USAGE);
        }
        let args = match Args::try_parse_from(args) {
            Ok(args) => args,
            Err(e) => {
                let code = if e.use_stderr() { USAGE } else { 0 };
                let _ = e.print();
                return ExitCode::from(code);
            }
        };
        let log_format = args.log_format;
        match self.execute(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(f) => {
                match log_format {
                    LogFormat::Text => eprintln!("error: {}", f.message),
                    LogFormat::Json => eprintln!(
                        "{}",
                        serde_json::json!({"level": "error", "message": f.message, "exit_code": f.code})
                    ),
                }
                ExitCode::from(f.code)
            }
        }
    }

    fn execute(self, args: Args) -> Result<(), Failure> {
        if let Command::New(new) = &args.command {
            return scaffold(new, args.quiet);
        }
        let url = args
            .database_url
            .clone()
            .or_else(|| env_var("DATABASE_URL"))
            .or(self.default_database_url);
        if let Command::Check { format } = args.command {
            return lint(url.as_deref(), format);
        }
        let url = url.ok_or_else(|| {
                usage("no database URL; pass `--database-url URL`, or set DATABASE_URL in the environment or in a .env file")
            })?;
        let environment = args.environment.clone().or_else(|| env_var("UPDOWN_ENV"));
        let migrator = Migrator::new(Registry::collect()?, &url)?
            .lock_timeout(args.lock_timeout)
            .environment(environment);
        let database = migrator.url().redacted().to_owned();
        let progress = Progress {
            format: args.log_format,
            quiet: args.quiet,
            verbose: args.verbose > 0,
        };
        let mut on_event = |event: updown::Event<'_>| progress.event(event);
        let say = |line: String| {
            if !args.quiet {
                println!("{line}");
            }
        };
        if args.verbose > 0 && !args.quiet {
            eprintln!("database: {database}");
        }
        match args.command {
            Command::Status { format } => {
                let status = migrator.status()?;
                match format {
                    Format::Table => println!("{}", output::status_table(&database, &status)),
                    Format::Json => println!("{}", output::status_json(&database, &status)),
                }
            }
            Command::History { format } => {
                let history = migrator.history()?;
                match format {
                    Format::Table => println!("{}", output::history_table(&database, &history)),
                    Format::Json => println!("{}", output::history_json(&database, &history)),
                }
            }
            Command::Migrate { to, dry_run, allow } => {
                let options = MigrateOptions {
                    to,
                    allow_drift: allow.allow_drift,
                    allow_missing: allow.allow_missing,
                    allow_out_of_order: allow.allow_out_of_order,
                    dry_run,
                };
                // A dry run's steps are rolled back: reporting them as applied would mislead.
                let report = if dry_run {
                    migrator.migrate(&options, &mut |_: updown::Event<'_>| {})?
                } else {
                    migrator.migrate(&options, &mut on_event)?
                };
                if dry_run {
                    println!("{}", output::dry_run("apply", &report));
                } else {
                    say(output::report_summary("migrate", &report));
                }
            }
            Command::Rollback {
                steps,
                to,
                dry_run,
                yes,
                allow_drift,
            } => {
                let target = match (steps, to) {
                    (Some(n), _) => RollbackTarget::Steps(n),
                    (None, Some(0)) => RollbackTarget::All,
                    (None, Some(v)) => RollbackTarget::To(v),
                    (None, None) => RollbackTarget::LastBatch,
                };
                let options = RollbackOptions {
                    target,
                    allow_drift,
                    yes,
                    dry_run,
                };
                let report = if dry_run {
                    migrator.rollback(&options, &mut |_: updown::Event<'_>| {})?
                } else {
                    migrator.rollback(&options, &mut on_event)?
                };
                if dry_run {
                    println!("{}", output::dry_run("rollback", &report));
                } else {
                    say(output::report_summary("rollback", &report));
                }
            }
            Command::Redo {
                steps,
                yes,
                allow_drift,
            } => {
                let options = RollbackOptions {
                    allow_drift,
                    yes,
                    ..RollbackOptions::default()
                };
                let report = migrator.redo(steps, &options, &mut on_event)?;
                say(output::report_summary("redo", &report));
            }
            Command::Reset { yes, allow_drift } => {
                let options = RollbackOptions {
                    allow_drift,
                    yes,
                    ..RollbackOptions::default()
                };
                let report = migrator.reset(&options, &mut on_event)?;
                say(output::report_summary("reset", &report));
            }
            Command::Verify {
                from,
                to,
                in_place,
                strict,
                format,
            } => {
                let options = updown::VerifyOptions {
                    from,
                    to,
                    in_place,
                    strict,
                };
                // Verify's own steps are its business: only its verdicts are shown.
                let report = migrator.verify(&options, &mut |_: updown::Event<'_>| {})?;
                match format {
                    Format::Table => println!("{}", output::verify_table(&report)),
                    Format::Json => println!("{}", output::verify_json(&report)),
                }
                if let Some(text) = report.failure_text() {
                    return Err(Failure {
                        message: format!("verify failed: {text}"),
                        code: POSTFLIGHT,
                    });
                }
            }
            Command::Baseline { version } => {
                let report = migrator.baseline(version)?;
                say(output::report_summary("baseline", &report));
            }
            Command::Repair { version, applied } => {
                let done = migrator.repair(version, applied)?;
                if done.is_empty() {
                    say("nothing to repair: no modified or dirty migration".to_owned());
                }
                for line in done {
                    say(format!("repaired {line}"));
                }
            }
            Command::New(_) | Command::Check { .. } => unreachable!("handled before connecting"),
        }
        Ok(())
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `check` needs no database: the URL, when there is one, only says whether the
/// PostgreSQL rules apply to every migration.
fn lint(url: Option<&str>, format: Format) -> Result<(), Failure> {
    let registry = Registry::collect()?;
    let postgres = match url {
        Some(url) => updown::DatabaseUrl::parse(url)?.backend() == updown::Backend::Postgres,
        None => false,
    };
    let report = updown::check::check(&registry, postgres);
    match format {
        Format::Table => println!("{}", output::check_table(&report)),
        Format::Json => println!("{}", output::check_json(&report)),
    }
    match report.errors() {
        0 => Ok(()),
        n => Err(Failure {
            message: format!(
                "check found {n} problem{}; fix them, or allow a rule for one migration with `allow = [\"rule-name\"]`",
                if n == 1 { "" } else { "s" }
            ),
            code: 1,
        }),
    }
}

fn scaffold(new: &NewArgs, quiet: bool) -> Result<(), Failure> {
    let kind = if new.sql {
        updown::scaffold::Kind::Sql
    } else {
        updown::scaffold::Kind::Rust
    };
    let made = updown::scaffold::new_migration(&new.dir, &new.name, kind, SystemTime::now())
        .map_err(|e| usage(e.to_string()))?;
    if !quiet {
        println!("created {} (version {})", made.file.display(), made.version);
        println!("declared it in {}", made.module_file.display());
        if made.module_file_created {
            println!(
                "add `mod migrations;` (the module of {}) to your main.rs or lib.rs",
                new.dir.display()
            );
        }
        println!("write `up` and `down`: the crate does not compile until `down` undoes `up`");
    }
    Ok(())
}

/// The `updown` binary: scaffolding only, since status and migrations need a binary that
/// carries them.
#[doc(hidden)]
pub fn scaffold_main() -> ExitCode {
    #[derive(Parser)]
    #[command(
        name = "updown",
        version,
        about = "Scaffold updown migrations. Status, migrate and rollback run from your own binary (`fn main() -> ExitCode { updown_cli::main() }`), which carries the migrations."
    )]
    struct ScaffoldArgs {
        #[command(subcommand)]
        command: ScaffoldCommand,
    }
    #[derive(clap::Subcommand)]
    enum ScaffoldCommand {
        /// Write a new migration file with a timestamp version
        New(NewArgs),
    }
    let args = match ScaffoldArgs::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let code = if e.use_stderr() { USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let ScaffoldCommand::New(new) = args.command;
    match scaffold(&new, false) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}
