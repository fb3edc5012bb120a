//! Exit codes, decided here and nowhere else:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success (and `--help`, `--version`) |
//! | 1 | refused before anything ran (drift, missing, out of order, dirty, irreversible, lock timeout, other sessions' long transactions or locks, production guard, an unconfirmed `restore`, a failed backup, updown's tables unreadable: another program's, a newer layout, an unknown state), or `check` or `preflight` found problems |
//! | 2 | a migration failed |
//! | 3 | a check after found a problem: the postflight (rows breaking a foreign key, a dirty mark), or `verify` (a `down` that does not undo its `up`) |
//! | 4 | a rollback failed, or a restore (the message says whether it changed anything) |
//! | 5 | configuration or usage error, a backup tool not installed |
//! | 130 | stopped by Ctrl-C or SIGTERM: after the migration it was running, or at once on a second signal (see `interrupt`) |

use updown::Error;

/// Why a command did not succeed.
pub(crate) enum Failure {
    /// Something the runtime refused or could not do.
    Runtime(Error),
    /// The arguments do not parse (or asked for help or the version).
    Arguments(clap::Error),
    /// `verify` found a migration that is not reversible: the account of it.
    Verify(String),
    /// `check` found this many problems.
    Check(usize),
    /// A configuration or usage error found by the command line itself.
    Usage(String),
    /// `preflight` found what would refuse a run: the account of it.
    Preflight(String),
    /// A command that asks for `--yes` did not get it.
    Unconfirmed(String),
    /// A signal stopped the run after the migration it was running: what was done.
    Stopped(String),
    /// `postflight` found a problem, listed on stdout: what to do.
    Postflight(String),
    /// `restore` failed: it may have changed the database (MySQL), the error says.
    Restore(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Runtime(e)
    }
}

/// The exit code of a failure.
pub(crate) fn exit_code(failure: &Failure) -> u8 {
    match failure {
        Failure::Runtime(
            Error::Refused { .. } | Error::LockTimeout { .. } | Error::Tracking { .. },
        ) => 1,
        Failure::Check(_) | Failure::Preflight(_) | Failure::Unconfirmed(_) => 1,
        Failure::Runtime(Error::Backup { .. }) => 1,
        Failure::Runtime(Error::PostflightFailed(_)) | Failure::Postflight(_) => 3,
        Failure::Stopped(_) => crate::interrupt::INTERRUPTED,
        Failure::Runtime(Error::MigrationFailed(_)) => 2,
        Failure::Verify(_) => 3,
        Failure::Runtime(Error::RollbackFailed(_)) | Failure::Restore(_) => 4,
        Failure::Arguments(e) if !e.use_stderr() => 0,
        Failure::Runtime(_) | Failure::Arguments(_) | Failure::Usage(_) => 5,
    }
}
