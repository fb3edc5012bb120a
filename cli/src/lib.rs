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
mod config;
mod exit;
mod messages;
mod output;

use std::ffi::OsString;
use std::process::ExitCode;
use std::time::SystemTime;

use clap::Parser;
use updown::{Event, MigrateOptions, Registry, RollbackOptions, RollbackTarget, VerifyOptions};

use crate::args::{Args, Command, Format, LogFormat, NewArgs};
use crate::config::Config;
use crate::exit::{Failure, exit_code};

/// Runs the command line of this program's migrations.
pub fn main() -> ExitCode {
    Cli::new().main()
}

/// The command line, with settings a program can choose.
#[derive(Debug, Default, Clone)]
pub struct Cli {
    default_database_url: Option<String>,
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
        let mut log_format = LogFormat::Text;
        let outcome = self.parse(args).and_then(|args| {
            log_format = args.log_format;
            // Scaffolding needs no configuration: a bad DATABASE_URL does not stop it.
            if let Command::New(new) = &args.command {
                return scaffold(new, args.quiet);
            }
            let config = Config::resolve(&args, self.default_database_url.as_deref())?;
            execute(&config, args.command)
        });
        finish(outcome, log_format)
    }

    /// `.env` first, so that clap reads its variables as it reads the environment's.
    fn parse<I, T>(&self, args: I) -> Result<Args, Failure>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        if let Err(e) = dotenvy::dotenv()
            && !e.not_found()
        {
            return Err(Failure::Usage(format!("cannot read .env: {e}")));
        }
        Args::try_parse_from(args).map_err(Failure::Arguments)
    }
}

/// Prints the failure, if any, and gives the exit code.
fn finish(outcome: Result<(), Failure>, log_format: LogFormat) -> ExitCode {
    let Err(failure) = outcome else {
        return ExitCode::SUCCESS;
    };
    let code = exit_code(&failure);
    match (&failure, log_format) {
        (Failure::Arguments(e), _) => {
            let _ = e.print();
        }
        (_, LogFormat::Text) => eprintln!("error: {}", messages::failure(&failure)),
        (_, LogFormat::Json) => eprintln!(
            "{}",
            serde_json::json!({"level": "error", "message": messages::failure(&failure), "exit_code": code})
        ),
    }
    ExitCode::from(code)
}

/// Runs one command with its configuration; output for people and programs is printed
/// here, failures are returned.
fn execute(config: &Config, command: Command) -> Result<(), Failure> {
    if let Command::Check { format } = command {
        return lint(config, format);
    }
    let migrator = config.migrator()?;
    let database = migrator.url().redacted().to_owned();
    let progress = config.progress();
    let mut on_event = |event: Event<'_>| progress.event(event);
    if config.verbose && !config.quiet {
        eprintln!("database: {database}");
    }
    match command {
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
            run(config, "migrate", dry_run, |p| {
                migrator.migrate(&options, p)
            })?;
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
            run(config, "rollback", dry_run, |p| {
                migrator.rollback(&options, p)
            })?;
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
            config.say(output::report_summary("redo", &report));
        }
        Command::Reset { yes, allow_drift } => {
            let options = RollbackOptions {
                allow_drift,
                yes,
                ..RollbackOptions::default()
            };
            let report = migrator.reset(&options, &mut on_event)?;
            config.say(output::report_summary("reset", &report));
        }
        Command::Verify {
            from,
            to,
            in_place,
            strict,
            format,
        } => {
            let options = VerifyOptions {
                from,
                to,
                in_place,
                strict,
            };
            // Verify's own steps are its business: only its verdicts are shown.
            let report = migrator.verify(&options, &mut |_| {})?;
            match format {
                Format::Table => println!("{}", output::verify_table(&report)),
                Format::Json => println!("{}", output::verify_json(&report)),
            }
            if let Some(account) = report.failure_text() {
                return Err(Failure::Verify(account));
            }
        }
        Command::Baseline { version } => {
            let report = migrator.baseline(version)?;
            config.say(output::report_summary("baseline", &report));
        }
        Command::Repair { version, applied } => {
            let done = migrator.repair(version, applied)?;
            if done.is_empty() {
                config.say("nothing to repair: no modified or dirty migration");
            }
            for r in done {
                config.say(format!("repaired {} {}: {}", r.version, r.name, r.change));
            }
        }
        Command::New(_) | Command::Check { .. } => unreachable!("handled before connecting"),
    }
    Ok(())
}

/// Runs `migrate` or `rollback`: a dry run prints its SQL (its steps were rolled back,
/// so progress would mislead), a real run its progress and summary.
fn run(
    config: &Config,
    command: &str,
    dry_run: bool,
    f: impl FnOnce(updown::Progress<'_>) -> Result<updown::Report, updown::Error>,
) -> Result<(), Failure> {
    if dry_run {
        let report = f(&mut |_| {})?;
        let action = if command == "migrate" {
            "apply"
        } else {
            command
        };
        println!("{}", output::dry_run(action, &report));
    } else {
        let progress = config.progress();
        let report = f(&mut |event| progress.event(event))?;
        config.say(output::report_summary(command, &report));
    }
    Ok(())
}

/// `check` needs no database: the URL, when there is one, only says whether the
/// PostgreSQL rules apply to every migration.
fn lint(config: &Config, format: Format) -> Result<(), Failure> {
    let registry = Registry::collect()?;
    let postgres = config
        .database_url
        .as_ref()
        .is_some_and(|url| url.backend() == updown::Backend::Postgres);
    let report = updown::check::check(&registry, postgres);
    match format {
        Format::Table => println!("{}", output::check_table(&report)),
        Format::Json => println!("{}", output::check_json(&report)),
    }
    match report.errors() {
        0 => Ok(()),
        n => Err(Failure::Check(n)),
    }
}

fn scaffold(new: &NewArgs, quiet: bool) -> Result<(), Failure> {
    let kind = if new.sql {
        updown::scaffold::Kind::Sql
    } else {
        updown::scaffold::Kind::Rust
    };
    let made = updown::scaffold::new_migration(&new.dir, &new.name, kind, SystemTime::now())
        .map_err(|e| Failure::Usage(e.to_string()))?;
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
    let outcome = ScaffoldArgs::try_parse()
        .map_err(Failure::Arguments)
        .and_then(|args| {
            let ScaffoldCommand::New(new) = args.command;
            scaffold(&new, false)
        });
    finish(outcome, LogFormat::Text)
}
