//! The command line as clap parses it, before it is resolved into a configuration.

use std::path::PathBuf;

use clap::{
    ArgAction, Args as ClapArgs, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum,
};

/// The heading of the options every command takes.
const GLOBAL: &str = "Global options";

#[derive(Debug, Parser)]
#[command(
    about = "Database migrations of this program (updown)",
    long_about = "Database migrations of this program (updown).\n\nExit codes: 0 success, 1 refused before anything ran (drift, dirty, lock timeout, other sessions' long transactions or locks, guard, a failed backup) or `check` found problems, 2 a migration failed, 3 a check after found a problem (postflight: rows breaking a foreign key, a dirty mark; `verify`: a `down` that does not undo its `up`), 4 a rollback or a restore failed, 5 configuration or usage error (a backup tool missing too), 130 stopped by Ctrl-C or SIGTERM after the migration it was running."
)]
pub struct Args {
    /// Database URL: sqlite://PATH, sqlite::memory:, a file path, postgres://..., mysql://... (also read from .env)
    #[arg(
        long,
        global = true,
        help_heading = GLOBAL,
        value_name = "URL",
        env = "DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Environment name; `production` makes rollback and redo ask for --yes and refuses reset
    #[arg(
        long = "env",
        global = true,
        help_heading = GLOBAL,
        value_name = "NAME",
        env = "UPDOWN_ENV",
        hide_env_values = true
    )]
    pub environment: Option<String>,

    /// How long to wait for another migrator's lock, in seconds or as `2m`, `90s`
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,

    /// Format of progress and error messages on stderr
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// A folder of diesel migrations (`<version>_<name>/up.sql`, `down.sql`) to run with the compiled-in ones; repeatable
    #[arg(long = "diesel-dir", global = true, help_heading = GLOBAL, value_name = "DIR", action = ArgAction::Append)]
    pub diesel_dirs: Vec<PathBuf>,

    /// SQL run on every connection before anything else, e.g. `SET FOREIGN_KEY_CHECKS = 0`; repeatable
    #[arg(long, global = true, help_heading = GLOBAL, value_name = "SQL", action = ArgAction::Append)]
    pub session_sql: Vec<String>,

    /// Print only errors
    #[arg(short, long, global = true, help_heading = GLOBAL, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more: the database used, each step's timing
    #[arg(short, long, global = true, help_heading = GLOBAL, action = ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show every migration: applied, pending, modified, missing, dirty or running
    Status {
        /// Output for people (table) or programs (json)
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Apply pending migrations, as one batch
    Migrate {
        /// Apply pending migrations up to and including this version only
        #[arg(long, value_name = "VERSION")]
        to: Option<i64>,
        /// Print the SQL each migration would run, rehearsed in a transaction that is rolled back; change nothing
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        allow: AllowFlags,
        #[command(flatten)]
        run: RunFlags,
    },
    /// Undo applied migrations: the last batch unless told otherwise
    Rollback {
        /// Undo the last N migrations applied
        #[arg(long, value_name = "N", conflicts_with = "to", allow_hyphen_values = true, value_parser = parse_steps)]
        steps: Option<usize>,
        /// Undo every migration after this version (0 undoes all, but for a diesel folder numbered 0)
        #[arg(long, value_name = "VERSION")]
        to: Option<i64>,
        /// Print the SQL each rollback would run, rehearsed in a transaction that is rolled back; change nothing
        #[arg(long)]
        dry_run: bool,
        /// Confirm, where the environment asks for it (production)
        #[arg(long)]
        yes: bool,
        /// Roll back migrations whose code changed since they were applied
        #[arg(long)]
        allow_drift: bool,
        #[command(flatten)]
        run: RunFlags,
    },
    /// Roll back the last N migrations, then apply them again
    Redo {
        /// How many of the last applied migrations to redo
        #[arg(long, value_name = "N", default_value_t = 1, allow_hyphen_values = true, value_parser = parse_steps)]
        steps: usize,
        /// Confirm, where the environment asks for it (production)
        #[arg(long)]
        yes: bool,
        /// Redo migrations whose code changed since they were applied
        #[arg(long)]
        allow_drift: bool,
        #[command(flatten)]
        run: RunFlags,
    },
    /// Roll back every applied migration (refused in production)
    Reset {
        /// Confirm
        #[arg(long)]
        yes: bool,
        /// Roll back migrations whose code changed since they were applied
        #[arg(long)]
        allow_drift: bool,
        #[command(flatten)]
        run: RunFlags,
    },
    /// The checks `migrate` runs before it starts, alone: what is pending, what refuses it, long transactions and locks of other sessions
    Preflight {
        /// Check for a rollback of the last batch instead of a migrate
        #[arg(long)]
        rollback: bool,
        /// How long another session's transaction may have been open, in seconds or as `2m`, `90s`
        #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
        long_transaction: std::time::Duration,
        /// Output for people (table) or programs (json)
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// The checks `migrate` runs after it, alone: every foreign key against its rows, dirty marks, and the schema checksum, recorded
    Postflight {
        /// Output for people (table) or programs (json)
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Put a backup back, replacing everything the database holds: the latest one unless FILE is given
    Restore {
        /// The backup file [default: the latest in the backup folder]
        file: Option<PathBuf>,
        /// Confirm: the database's current contents are replaced
        #[arg(long)]
        yes: bool,
        /// The folder holding the backups
        #[arg(long, value_name = "DIR", default_value = "backups")]
        backup_dir: PathBuf,
    },
    /// Show the audit trail: every apply, rollback, baseline, repair and adoption
    History {
        /// Output for people (table) or programs (json)
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Prove every `down`: up -> down -> up for each migration, schema and row counts compared
    Verify {
        /// Start at this version; earlier migrations are only applied
        #[arg(long, value_name = "VERSION")]
        from: Option<i64>,
        /// Stop after this version
        #[arg(long, value_name = "VERSION")]
        to: Option<i64>,
        /// Run on the target database itself (its pending migrations stay applied) instead of a scratch database
        #[arg(long, conflicts_with = "keep_going")]
        in_place: bool,
        /// Every note is a failure: a change of column order, of an extension's version, a renamed key under --ignore-names
        #[arg(long)]
        strict: bool,
        /// After a failing migration, go on from a fresh scratch database, to list every failing migration in one run
        #[arg(long)]
        keep_going: bool,
        /// A constraint or index that only changed its name is a note, not a failure
        #[arg(long)]
        ignore_names: bool,
        /// SQL run on each scratch database before any migration (repeatable), e.g. `CREATE EXTENSION postgis`
        #[arg(long, value_name = "SQL")]
        scratch_setup: Vec<String>,
        /// Output for people (table) or programs (json)
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Lint every migration: destructive statements, PostgreSQL lock risks, what `down` does not undo
    Check {
        /// Output for people (table) or programs (json)
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Record every migration up to VERSION as applied without running it
    Baseline {
        /// The last migration to record as applied
        #[arg(long, value_name = "VERSION")]
        version: i64,
    },
    /// Accept reviewed checksum changes and clear dirty marks
    Repair {
        /// Only this migration
        #[arg(long, value_name = "VERSION")]
        version: Option<i64>,
        /// A dirty migration was finished by hand: record it as applied (default: pending again)
        #[arg(long)]
        applied: bool,
    },
    /// Take over a database another tool migrated: record what it applied, run nothing
    Adopt {
        /// The tool whose records to import
        #[arg(value_enum)]
        from: AdoptFrom,
    },
    /// Write a new migration file with a timestamp version
    New(NewArgs),
    /// Print a completion script for SHELL on stdout
    Completions(CompletionsArgs),
}

#[derive(Debug, ClapArgs)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The options of every command that runs migrations: its checks, its backup, its summary.
#[derive(Debug, Clone, ClapArgs)]
pub struct RunFlags {
    /// Take a backup before anything runs (on by default with `--env production`)
    #[arg(long, conflicts_with = "no_backup")]
    pub backup: bool,
    /// Take no backup, even in production
    #[arg(long)]
    pub no_backup: bool,
    /// The folder backups go to
    #[arg(long, value_name = "DIR", default_value = "backups")]
    pub backup_dir: PathBuf,
    /// Run even though other sessions hold long transactions or locks on the tables it touches
    #[arg(long)]
    pub force: bool,
    /// How long another session's transaction may have been open before the run refuses to start, in seconds or as `2m`, `90s`
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub long_transaction: std::time::Duration,
    /// The closing summary for people (text) or programs (json, on stdout)
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    /// A line for people
    Text,
    /// One JSON document on stdout
    Json,
}

#[derive(Debug, ClapArgs)]
pub struct AllowFlags {
    /// Run even though applied migrations changed since (checksum drift)
    #[arg(long)]
    pub allow_drift: bool,
    /// Run even though the database has migrations the code does not
    #[arg(long)]
    pub allow_missing: bool,
    /// Apply pending migrations older than the latest applied one
    #[arg(long)]
    pub allow_out_of_order: bool,
}

#[derive(Debug, ClapArgs)]
pub struct NewArgs {
    /// Name of the migration, in snake_case (e.g. create_users)
    pub name: String,
    /// The workspace member to write into [default: the package of the nearest Cargo.toml, from the current directory up]
    #[arg(short, long, value_name = "NAME", conflicts_with = "dir")]
    pub package: Option<String>,
    /// Directory of the migration modules, relative to the current directory [default: src/migrations of the package]; a `mod` line is added to its mod.rs
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Write a SQL migration (`#[derive(Migration)]`) instead of Rust functions
    #[arg(long)]
    pub sql: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people
    Table,
    /// For programs: one JSON document on stdout
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AdoptFrom {
    /// diesel: every version `__diesel_schema_migrations` records
    Diesel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Lines for people
    Text,
    /// One JSON object per line
    Json,
}

/// How the program presents itself: its name (in usage lines, `--version`, completions),
/// its version, and the database URL it falls back to (shown redacted in the help).
pub struct Identity<'a> {
    pub name: &'a str,
    pub version: Option<&'a str>,
    pub default_database_url: Option<&'a str>,
}

/// The clap command of this program, as `identity` presents it.
pub fn command(identity: &Identity<'_>) -> clap::Command {
    let name = identity.name;
    let mut command = Args::command()
        .name(name.to_owned())
        .bin_name(name.to_owned())
        .mut_subcommand("completions", |c| {
            c.long_about(format!(
                "Print a completion script for SHELL on stdout, completing `{name}`.\n\n\
                 For example: `{name} completions bash > ~/.local/share/bash-completion/completions/{name}`, \
                 `{name} completions zsh > ~/.zfunc/_{name}` (with ~/.zfunc in $fpath), \
                 `{name} completions fish > ~/.config/fish/completions/{name}.fish`."
            ))
        });
    if let Some(version) = identity.version {
        command = command.version(version.to_owned());
    }
    // Shown here, used by Config, which resolves the URL; redacted, and a default that
    // does not parse is left to Config to report.
    if let Some(url) = identity
        .default_database_url
        .map(updown::DatabaseUrl::parse)
        && let Ok(url) = url
    {
        let shown = url.redacted().to_owned();
        command = command.mut_arg("database_url", |arg| {
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            arg.help(format!("{help} [default: {shown}]"))
        });
    }
    command
}

/// Parses `args` (the first is the program name) with `command`, which stays usable for
/// completions.
pub fn parse<I, T>(command: &mut clap::Command, args: I) -> Result<Args, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = command.try_get_matches_from_mut(args)?;
    Args::from_arg_matches(&matches).map_err(|e| e.with_cmd(command))
}

/// A number of migrations to undo: 1 or more, since 0 would do nothing and say nothing.
fn parse_steps(text: &str) -> Result<usize, String> {
    match text.trim().parse::<i64>() {
        Ok(n) if n >= 1 => usize::try_from(n).map_err(|e| e.to_string()),
        Ok(_) => Err(
            "give 1 or more migrations; to undo every migration, use `reset` or `rollback --to 0`"
                .into(),
        ),
        Err(_) => Err("give a whole number of migrations, 1 or more".into()),
    }
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(secs));
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("{e}; write seconds (`60`) or a duration (`90s`, `2m`)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The subcommands, arguments and possible values of `command` and below that do not
    /// say what they are.
    fn undocumented(command: &clap::Command, path: &str, out: &mut Vec<String>) {
        for arg in command.get_arguments() {
            if arg.get_help().is_none() {
                out.push(format!("{path} {}", arg.get_id()));
            }
            // A shell's name is all there is to say of it (clap_complete's list).
            if arg.get_id() == "shell" {
                continue;
            }
            for value in arg.get_possible_values() {
                if value.get_help().is_none() {
                    out.push(format!("{path} {} {}", arg.get_id(), value.get_name()));
                }
            }
        }
        for sub in command.get_subcommands() {
            let path = format!("{path} {}", sub.get_name());
            if sub.get_about().is_none() {
                out.push(path.clone());
            }
            undocumented(sub, &path, out);
        }
    }

    #[test]
    fn every_subcommand_and_flag_has_help() {
        let mut command = command(&Identity {
            name: "app",
            version: Some("1.0.0"),
            default_database_url: None,
        });
        command.build();
        let mut missing = Vec::new();
        undocumented(&command, "app", &mut missing);
        assert!(missing.is_empty(), "without help: {missing:?}");
    }

    #[test]
    fn global_options_have_their_own_heading() {
        let command = command(&Identity {
            name: "app",
            version: None,
            default_database_url: Some("postgres://app:secret@db/app"),
        });
        let globals: Vec<_> = command
            .get_arguments()
            .filter(|a| a.is_global_set())
            .collect();
        assert_eq!(globals.len(), 8);
        for arg in globals {
            assert_eq!(arg.get_help_heading(), Some(GLOBAL), "{}", arg.get_id());
        }
        let help = command.clone().render_help().to_string();
        assert!(
            help.contains("[default: postgres://app:***@db/app]"),
            "{help}"
        );
        assert!(!help.contains("secret"), "{help}");
        assert!(help.contains("Usage: app"), "{help}");
    }
}
