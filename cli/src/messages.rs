//! How the command line words what went wrong. The runtime says what happened; this
//! adds what to do next, in the command line's own terms (its commands and flags).

use updown::{Aftermath, Error, Problem};

use crate::exit::Failure;

/// The message of a failure, for stderr.
pub(crate) fn failure(failure: &Failure) -> String {
    match failure {
        Failure::Runtime(e) | Failure::Restore(e) => error(e),
        Failure::Arguments(e) => e.to_string(),
        Failure::Verify(account) => format!("verify failed: {account}"),
        Failure::Check(n) => format!(
            "check found {n} problem{}; fix them, or allow a rule for one migration with `allow = [\"rule-name\"]`",
            if *n == 1 { "" } else { "s" }
        ),
        Failure::Usage(message)
        | Failure::Preflight(message)
        | Failure::Unconfirmed(message)
        | Failure::Stopped(message)
        | Failure::Postflight(message) => message.clone(),
    }
}

fn error(e: &Error) -> String {
    match e {
        Error::Refused { command, problems } => {
            let lines: Vec<String> = problems
                .iter()
                .map(|p| format!("  - {}", problem(p)))
                .collect();
            format!(
                "{command} refused, nothing was changed:\n{}",
                lines.join("\n")
            )
        }
        Error::UnknownVersion { .. } => format!("{e}; run `status` to list them"),
        // The same diesel folder embedded and read again with `--diesel-dir`.
        Error::DuplicateVersions(list) if list.iter().any(|d| d.identical) => {
            format!(
                "{e}\na diesel folder embedded with `embed_diesel_migrations!` and passed with `--diesel-dir` too is registered twice: use one of them"
            )
        }
        Error::LockTimeout { .. } => format!("{e}. Wait for it, or raise `--lock-timeout`"),
        Error::PostflightFailed(_) => e.to_string(),
        Error::Scratch { .. } => {
            format!("{e}; or pass `--in-place` to verify on the target itself")
        }
        Error::MigrationFailed(f) | Error::RollbackFailed(f) => match f.aftermath {
            Aftermath::RolledBack => format!("{e}. Fix it and run the command again"),
            Aftermath::Dirty => format!(
                "{e}; undo what it did and run `repair --version {0}`, or finish it by hand and run `repair --version {0} --applied`",
                f.version
            ),
        },
        _ => e.full_message(),
    }
}

/// One reason a command refused to start, with the way out.
pub(crate) fn problem(p: &Problem) -> String {
    let advice = match p {
        Problem::Drift { version, .. } => format!(
            "restore its code, or if the edit is intended run `repair --version {version}` to accept it (or pass `--allow-drift`)"
        ),
        Problem::Missing { .. } => {
            "restore it, or pass `--allow-missing` if it was removed on purpose".to_owned()
        }
        Problem::NotInCode { version, .. } => {
            format!("restore it, or roll back only newer migrations with `--to {version}`")
        }
        Problem::OutOfOrder { .. } => {
            "give it a newer version, or pass `--allow-out-of-order` to apply it anyway".to_owned()
        }
        Problem::Dirty { version, .. } => format!(
            "undo what it did and run `repair --version {version}` (it runs again on the next migrate), or finish it by hand and run `repair --version {version} --applied`"
        ),
        Problem::Irreversible { version, .. } => {
            format!("roll back only the migrations after it with `--to {version}`")
        }
        Problem::NotAdopted { .. } => "run `adopt diesel` first: it records what diesel applied, runs nothing and leaves diesel's table as it is".to_owned(),
        Problem::NoDieselTable => {
            "check `--database-url`; a database that has no migrations yet needs only `migrate`".to_owned()
        }
        Problem::UnknownDieselVersion { .. } => "add the folder that has it (`--diesel-dir` or `embed_diesel_migrations!`), or, if that migration was abandoned, delete its row from `__diesel_schema_migrations`".to_owned(),
        Problem::Production { command: "reset" } => {
            "roll back what you need with `rollback --to V --yes`".to_owned()
        }
        Problem::Activity(a) => format!(
            "wait for it to end, or end it (`SELECT pg_terminate_backend({0})` on PostgreSQL, `KILL {0}` on MySQL), or pass `--force` to run beside it",
            a.pid
        ),
        Problem::Production { command } => {
            return format!(
                "`{command}` undoes migrations in the production environment; check what it will undo with `status`, then pass `--yes`"
            );
        }
        _ => return p.to_string(),
    };
    format!("{p}; {advice}")
}
