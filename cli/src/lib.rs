//! The command line of updown, compiled into your own binary so that it carries your
//! migrations:
//!
//! ```no_run
//! use std::process::ExitCode;
//!
//! fn main() -> ExitCode {
//!     updown_cli::cli!().main()
//! }
//! ```
//!
//! [`cli!`] names the command line after your binary and gives it your crate's version
//! (`myapp --version` prints `myapp 1.2.3`); [`main`] alone works too, named after the
//! binary's file and without a version. [`Cli`] has the other settings, such as
//! [`default_database_url`](Cli::default_database_url).
//!
//! It parses arguments, resolves one configuration and prints; everything else is the
//! `updown` runtime. Exit codes: 0 success, 1 refused before anything ran (or `check` or
//! `preflight` found problems), 2 a migration failed, 3 a check after failed (the
//! postflight, or `verify`), 4 a rollback or a restore failed, 5 configuration or usage
//! error, 130 stopped by Ctrl-C or SIGTERM.

#![deny(missing_docs)]

mod args;
mod config;
mod exit;
mod interrupt;
mod log;
mod messages;
mod output;
mod package;
mod stdio;

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;
use std::time::SystemTime;

use clap::{CommandFactory, FromArgMatches, Parser};
use clap_complete::Shell;
use updown::{
    Action, Error, MigrateOptions, Migrator, Report, Request, RollbackOptions, RollbackTarget,
    RunChecks, VerifyOptions,
};

use crate::args::{
    AdoptFrom, Command, Format, Identity, LogFormat, NewArgs, RunFlags, SummaryFormat,
};
use crate::config::Config;
use crate::exit::{Failure, exit_code};
use crate::stdio::{errln, outln};

/// Runs the command line of this program's migrations, named after the binary's file and
/// without a `--version`: see [`cli!`] for both from your crate.
pub fn main() -> ExitCode {
    Cli::new().main()
}

/// A [`Cli`] named and versioned after the crate that calls it: the binary's name
/// (`CARGO_BIN_NAME`, or `CARGO_PKG_NAME` outside a binary) and `CARGO_PKG_VERSION`,
/// read when your crate compiles.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     updown_cli::cli!()
///         .default_database_url("sqlite://app.db")
///         .main()
/// }
/// ```
#[macro_export]
macro_rules! cli {
    () => {
        $crate::Cli::new()
            .name(match ::core::option_env!("CARGO_BIN_NAME") {
                ::core::option::Option::Some(name) => name,
                ::core::option::Option::None => ::core::env!("CARGO_PKG_NAME"),
            })
            .version(::core::env!("CARGO_PKG_VERSION"))
    };
}

/// The command line, with settings a program can choose.
#[derive(Debug, Default, Clone)]
pub struct Cli {
    name: Option<String>,
    version: Option<String>,
    default_database_url: Option<String>,
}

impl Cli {
    /// The command line with no settings: named after the binary's file, without a
    /// version, and with no default database URL.
    pub fn new() -> Self {
        Cli::default()
    }

    /// The program's name, shown in usage lines and by `--version`, and the command that
    /// `completions` completes. Default: the binary's file name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The program's version, printed by `--version` (as `NAME VERSION`). Without one the
    /// program has no `--version`: updown's own version would be mistaken for yours.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// The URL used when neither `--database-url` nor `DATABASE_URL` (nor `.env`) gives
    /// one; the help shows it, without its password. Without it, a missing URL is an error.
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
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let name = self.program_name(args.first());
        let mut log_format = LogFormat::Text;
        let outcome = dot_env()
            .and_then(|()| readable_environment(&args))
            .and_then(|()| {
                // After `.env`: clap reads the environment as the command is built.
                let mut command = args::command(&Identity {
                    name: &name,
                    version: self.version.as_deref(),
                    default_database_url: self.default_database_url.as_deref(),
                });
                let args = args::parse(&mut command, args.clone()).map_err(Failure::Arguments)?;
                log_format = args.log_format;
                log::init(args.log_format, args.quiet, args.verbose > 0);
                // Neither needs a configuration: a bad DATABASE_URL does not stop them.
                match &args.command {
                    Command::New(new) => return scaffold(new, args.quiet),
                    Command::Completions(c) => return completions(c.shell, &mut command, &name),
                    _ => {}
                }
                let config = Config::resolve(&args, self.default_database_url.as_deref())?;
                execute(&config, args.command)
            });
        // A signal handler cleaning up decides the exit: its drop may be what ended the run.
        interrupt::wait_if_interrupted();
        finish(outcome, log_format, &args)
    }

    /// The name given, or the file name of the binary (without `.exe`).
    fn program_name(&self, argv0: Option<&OsString>) -> String {
        self.name
            .clone()
            .or_else(|| {
                argv0
                    .and_then(|path| Path::new(path).file_stem())
                    .map(|stem| stem.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "app".to_owned())
    }
}

/// Loads `.env` into the environment, where clap reads its variables as the
/// environment's own (which win over it).
fn dot_env() -> Result<(), Failure> {
    match dotenvy::dotenv() {
        // The line is not shown: it may be the one holding the password.
        Err(dotenvy::Error::LineParse(line, _)) => {
            // dotenvy reads the nearest .env, here or above.
            let number = std::env::current_dir()
                .ok()
                .and_then(|dir| {
                    dir.ancestors()
                        .map(|d| d.join(".env"))
                        .find(|f| f.is_file())
                })
                .and_then(|file| std::fs::read_to_string(file).ok())
                .and_then(|text| {
                    text.find(line.as_str())
                        .map(|at| text[..at].matches('\n').count())
                })
                .map_or(String::new(), |i| format!(" {}", i + 1));
            Err(Failure::Usage(format!(
                "cannot read .env: line{number} does not parse; each line must be `NAME=value`, a value with spaces or quotes in quotes"
            )))
        }
        Err(e) if !e.not_found() => Err(Failure::Usage(format!("cannot read .env: {e}"))),
        _ => Ok(()),
    }
}

/// `text` with every one of `args` that holds a password (a URL given in the wrong place)
/// replaced by its redacted form, as it was quoted.
fn redact_urls(text: &str, args: &[OsString]) -> String {
    let mut out = text.to_owned();
    for arg in args.iter().filter_map(|a| a.to_str()) {
        let value = arg.split_once('=').map_or(arg, |(_, v)| v);
        for secret in [arg, value] {
            let shown = updown::redact(secret);
            if shown != secret && !secret.is_empty() {
                out = out.replace(secret, &shown);
            }
        }
    }
    out
}

/// The variables the command line reads must be text: clap would only say that "one or
/// more arguments" are not.
fn readable_environment(args: &[OsString]) -> Result<(), Failure> {
    let given = |flag: &str| {
        args.iter()
            .any(|a| a.to_str().is_some_and(|a| a.starts_with(flag)))
    };
    for (name, flag) in [("DATABASE_URL", "--database-url"), ("UPDOWN_ENV", "--env")] {
        if !given(flag) && std::env::var_os(name).is_some_and(|value| value.to_str().is_none()) {
            return Err(Failure::Usage(format!(
                "{name} is not valid UTF-8, so it cannot be read; percent-encode the bytes that are not (`%FF`), or unset it and pass the value as an option"
            )));
        }
    }
    Ok(())
}

/// Prints the failure, if any, and gives the exit code.
/// `args`: the command line, whose passwords an argument error must not quote.
fn finish(outcome: Result<(), Failure>, log_format: LogFormat, args: &[OsString]) -> ExitCode {
    let Err(failure) = outcome else {
        return ExitCode::SUCCESS;
    };
    let code = exit_code(&failure);
    match (&failure, log_format) {
        // clap quotes what it did not expect, which may be a URL given in the wrong place.
        (Failure::Arguments(e), _) if e.use_stderr() => {
            errln!("{}", redact_urls(&e.render().to_string(), args).trim_end());
        }
        (Failure::Arguments(e), _) => {
            let _ = e.print();
        }
        (_, LogFormat::Text) => errln!("error: {}", messages::failure(&failure)),
        (_, LogFormat::Json) => log::error(&messages::failure(&failure), code),
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
    if config.verbose && !config.quiet {
        errln!("database: {database}");
    }
    if let Some(file) = migrator.url().missing_file()
        && matches!(command, Command::Status { .. } | Command::History { .. })
        && !config.quiet
    {
        errln!(
            "note: the SQLite file {} does not exist yet, so nothing is applied; `migrate` creates it",
            file.display()
        );
    }
    match command {
        Command::Status { format } => {
            let (status, not_adopted) = migrator.status_and_adoption()?;
            let schema = migrator.schema_checksum()?;
            match format {
                Format::Table => outln!(
                    "{}",
                    output::status_table(&database, &status, schema.as_ref())
                ),
                Format::Json => outln!(
                    "{}",
                    output::status_json(&database, &status, schema.as_ref())
                ),
            }
            // Pending migrations diesel already ran must not be taken at their word.
            if let Some(problem) = not_adopted
                && !config.quiet
            {
                errln!("note: {}", messages::problem(&problem));
            }
        }
        Command::History { format } => {
            let history = migrator.history()?;
            match format {
                Format::Table => outln!("{}", output::history_table(&database, &history)),
                Format::Json => outln!("{}", output::history_json(&database, &history)),
            }
        }
        Command::Migrate {
            to,
            dry_run,
            allow,
            run: flags,
        } => {
            let options = MigrateOptions {
                to,
                allow_drift: allow.allow_drift,
                allow_missing: allow.allow_missing,
                allow_out_of_order: allow.allow_out_of_order,
                dry_run,
            };
            let migrator = with_checks(migrator, &flags, dry_run);
            run(config, "migrate", &flags, dry_run, &database, |p| {
                migrator.migrate(&options, p)
            })?;
        }
        Command::Rollback {
            steps,
            to,
            dry_run,
            yes,
            allow_drift,
            run: flags,
        } => {
            let target = match (steps, to) {
                (Some(n), _) => RollbackTarget::Steps(n),
                (None, Some(v)) => RollbackTarget::To(v),
                (None, None) => RollbackTarget::LastBatch,
            };
            let options = RollbackOptions {
                target,
                allow_drift,
                yes,
                dry_run,
            };
            let migrator = with_checks(migrator, &flags, dry_run);
            let report = run(config, "rollback", &flags, dry_run, &database, |p| {
                migrator.rollback(&options, p)
            })?;
            let recorded_only = || -> Result<bool, Failure> {
                let status = migrator.status()?;
                Ok(status.migrations.iter().any(|m| m.batch == Some(0)))
            };
            if !dry_run
                && report.steps.is_empty()
                && target == RollbackTarget::LastBatch
                && recorded_only()?
            {
                config.say("the applied migrations were recorded by `baseline` or `adopt diesel` (batch 0): undo them with `--steps N` or `--to V`");
            }
        }
        Command::Redo {
            steps,
            yes,
            allow_drift,
            run: flags,
        } => {
            let options = RollbackOptions {
                allow_drift,
                yes,
                ..RollbackOptions::default()
            };
            let migrator = with_checks(migrator, &flags, false);
            run(config, "redo", &flags, false, &database, |p| {
                migrator.redo(steps, &options, p)
            })?;
        }
        Command::Reset {
            yes,
            allow_drift,
            run: flags,
        } => {
            let options = RollbackOptions {
                allow_drift,
                yes,
                ..RollbackOptions::default()
            };
            let migrator = with_checks(migrator, &flags, false);
            run(config, "reset", &flags, false, &database, |p| {
                migrator.reset(&options, p)
            })?;
        }
        Command::Preflight {
            rollback,
            long_transaction,
            format,
        } => {
            let migrator = migrator.checks(RunChecks {
                long_transaction,
                ..RunChecks::default()
            });
            let (migrate_options, rollback_options) =
                (MigrateOptions::default(), RollbackOptions::default());
            let (request, what) = match rollback {
                true => (Request::Rollback(&rollback_options), "roll back"),
                false => (Request::Migrate(&migrate_options), "apply"),
            };
            let preflight = migrator.preflight(request)?;
            match format {
                Format::Table => outln!("{}", output::preflight_table(&database, what, &preflight)),
                Format::Json => outln!("{}", output::preflight_json(&database, &preflight)),
            }
            if !preflight.clear() {
                let n = preflight.problems.len() + preflight.activity.len();
                return Err(Failure::Preflight(format!(
                    "preflight found {n} reason{} not to {what} now (listed above); a run would refuse with exit 1",
                    if n == 1 { "" } else { "s" }
                )));
            }
        }
        Command::Postflight { format } => {
            let postflight = migrator.postflight()?;
            match format {
                Format::Table => outln!("{}", output::postflight_table(&database, &postflight)),
                Format::Json => outln!("{}", output::postflight_json(&database, &postflight)),
            }
            if postflight.failed() {
                return Err(Failure::Postflight(
                    "postflight failed (listed above); fix what it names and run `postflight` again".into(),
                ));
            }
        }
        Command::Restore {
            file,
            yes,
            backup_dir,
        } => {
            let shown = match &file {
                Some(f) => f.display().to_string(),
                None => format!("the latest backup in {}", backup_dir.display()),
            };
            if !yes {
                return Err(Failure::Unconfirmed(format!(
                    "restore replaces everything {database} holds with {shown}, and nothing was changed; check it is the backup you want, then pass `--yes`"
                )));
            }
            let restored = migrator
                .restore(file.as_deref(), &backup_dir)
                .map_err(|e| match e {
                    Error::Backup { .. } => Failure::Restore(e),
                    other => Failure::Runtime(other),
                })?;
            config.say(format!(
                "restored {} into {database}; `status` shows what it records as applied",
                restored.display()
            ));
        }
        Command::Verify {
            from,
            to,
            in_place,
            strict,
            keep_going,
            ignore_names,
            scratch_setup,
            format,
        } => {
            let options = VerifyOptions {
                from,
                to,
                in_place,
                strict,
                keep_going,
                ignore_names,
                scratch_setup,
            };
            if !in_place {
                // Ctrl-C or SIGTERM: the scratch database goes with the process.
                interrupt::drop_scratch_on_signal();
            }
            let mut progress = output::VerifyProgressLines::new(config.quiet);
            let report = migrator.verify(&options, &mut |p| progress.show(p))?;
            progress.finish();
            for warning in &report.warnings {
                errln!("warning: {warning}");
            }
            match format {
                Format::Table => outln!("{}", output::verify_table(&report)),
                Format::Json => outln!("{}", output::verify_json(&report)),
            }
            if let Some(account) = report.failure_text() {
                return Err(Failure::Verify(account));
            }
        }
        Command::Adopt {
            from: AdoptFrom::Diesel,
        } => {
            let report = migrator.adopt_diesel()?;
            config.say(output::report_summary("adopt", &report));
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
        Command::New(_) | Command::Completions(_) | Command::Check { .. } => {
            unreachable!("handled before connecting")
        }
    }
    Ok(())
}

/// `migrator` with the checks and backup `flags` ask for, stopped by the first Ctrl-C
/// or SIGTERM after the migration it is running (not a dry run, which changes nothing).
fn with_checks(migrator: Migrator, flags: &RunFlags, dry_run: bool) -> Migrator {
    let backup = flags.backup || (migrator.is_production() && !flags.no_backup);
    let migrator = migrator.checks(RunChecks {
        long_transaction: flags.long_transaction,
        force: flags.force,
        backup: backup.then(|| flags.backup_dir.clone()),
        ..RunChecks::default()
    });
    if dry_run {
        return migrator;
    }
    let sqlite = migrator.url().backend() == updown::Backend::Sqlite;
    migrator.stop_when(interrupt::stop_after_current(sqlite))
}

/// Runs `migrate`, `rollback`, `redo` or `reset`: a dry run prints its SQL (its steps
/// were rolled back, so progress would mislead), a real run its progress and summary
/// (with `--format json`, one document on stdout, failed or not). A run stopped by a
/// signal is a failure of its own, after its summary.
fn run(
    config: &Config,
    command: &'static str,
    flags: &RunFlags,
    dry_run: bool,
    database: &str,
    f: impl FnOnce(updown::Progress<'_>) -> Result<Report, Error>,
) -> Result<Report, Failure> {
    if dry_run {
        let report = f(&mut |_| {})?;
        let action = if command == "migrate" {
            Action::Apply
        } else {
            Action::Rollback
        };
        match flags.format {
            SummaryFormat::Text => outln!("{}", output::dry_run(action, &report)),
            SummaryFormat::Json => outln!("{}", output::dry_run_json(command, database, &report)),
        }
        return Ok(report);
    }
    let started = std::time::Instant::now();
    let mut progress = output::RunProgress::new(config.log_format, config.quiet, config.verbose);
    let result = f(&mut |event| progress.event(event));
    progress.finish();
    let result = result.map_err(Failure::Runtime);
    let report = match &result {
        Ok(report) => Some(report),
        Err(Failure::Runtime(Error::PostflightFailed(report))) => Some(&**report),
        Err(_) => None,
    };
    let stopped = report
        .filter(|r| r.stopped)
        .map(|r| output::stopped_text(command, r));
    match flags.format {
        SummaryFormat::Json => {
            let failure = result.as_ref().err();
            let message = failure.map(messages::failure);
            let (outcome, exit_code) = match (failure, &stopped) {
                (None, Some(_)) => ("stopped", interrupt::INTERRUPTED),
                (None, None) => ("ok", 0),
                (Some(f), _) => (outcome_of(f), exit_code(f)),
            };
            let end = output::RunEnd {
                command,
                database,
                outcome,
                exit_code,
                error: message.as_deref(),
                duration: started.elapsed(),
            };
            outln!("{}", output::run_json(&end, report, &progress.done));
        }
        SummaryFormat::Text => {
            if let Some(report) = report {
                for warning in output::forced_past(report) {
                    errln!("{warning}");
                }
                config.say(output::report_summary(command, report));
                for line in output::run_details(report) {
                    config.say(line);
                }
            }
        }
    }
    let report = result?;
    match stopped {
        Some(text) => Err(Failure::Stopped(text)),
        None => Ok(report),
    }
}

/// The `outcome` of a run's JSON summary for a failure.
fn outcome_of(failure: &Failure) -> &'static str {
    match failure {
        Failure::Runtime(Error::PostflightFailed(_)) => "postflight failed",
        Failure::Runtime(Error::MigrationFailed(_) | Error::RollbackFailed(_)) => "failed",
        f if exit_code(f) == 1 => "refused",
        _ => "error",
    }
}

/// `check` needs no database: the URL, when there is one, only says whether the
/// PostgreSQL rules apply to every migration.
fn lint(config: &Config, format: Format) -> Result<(), Failure> {
    let registry = config.registry()?;
    let postgres = config
        .database_url
        .as_ref()
        .is_some_and(|url| url.backend() == updown::Backend::Postgres);
    let report = updown::check::check(&registry, postgres);
    match format {
        Format::Table => outln!("{}", output::check_table(&report)),
        Format::Json => outln!("{}", output::check_json(&report)),
    }
    match report.errors() {
        0 => Ok(()),
        n => Err(Failure::Check(n)),
    }
}

/// Prints the completion script of `command` for `shell`, completing `name`.
fn completions(shell: Shell, command: &mut clap::Command, name: &str) -> Result<(), Failure> {
    let mut script = Vec::new();
    clap_complete::generate(shell, command, name, &mut script);
    stdio::write_out(&script);
    Ok(())
}

/// `new`: writes the migration into the directory its arguments resolve to.
fn scaffold(new: &NewArgs, quiet: bool) -> Result<(), Failure> {
    let cwd = std::env::current_dir()
        .map_err(|e| Failure::Usage(format!("cannot read the current directory: {e}")))?;
    let dir = package::migrations_dir(new, &cwd)?;
    let kind = if new.sql {
        updown::scaffold::Kind::Sql
    } else {
        updown::scaffold::Kind::Rust
    };
    let made = updown::scaffold::new_migration(&dir, &new.name, kind, SystemTime::now())
        .map_err(|e| Failure::Usage(e.to_string()))?;
    if !quiet {
        outln!("created {} (version {})", made.file.display(), made.version);
        outln!("declared it in {}", made.module_file.display());
        if made.module_file_created {
            outln!(
                "add `mod migrations;` (the module of {}) to your main.rs or lib.rs",
                dir.display()
            );
        }
        outln!("write `up` and `down`: the crate does not compile until `down` undoes `up`");
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
        about = "Scaffold updown migrations. Status, migrate and rollback run from your own binary (`fn main() -> ExitCode { updown_cli::cli!().main() }`), which carries the migrations."
    )]
    struct ScaffoldArgs {
        #[command(subcommand)]
        command: ScaffoldCommand,
    }
    #[derive(clap::Subcommand)]
    enum ScaffoldCommand {
        /// Write a new migration file with a timestamp version
        New(NewArgs),
        /// Print a completion script of `updown` for SHELL on stdout
        Completions(args::CompletionsArgs),
    }
    let mut command = ScaffoldArgs::command();
    let args: Vec<OsString> = std::env::args_os().collect();
    let outcome = command
        .try_get_matches_from_mut(&args)
        .and_then(|matches| ScaffoldArgs::from_arg_matches(&matches))
        .map_err(Failure::Arguments)
        .and_then(|args| match args.command {
            ScaffoldCommand::New(new) => scaffold(&new, false),
            ScaffoldCommand::Completions(c) => completions(c.shell, &mut command, "updown"),
        });
    finish(outcome, LogFormat::Text, &args)
}
