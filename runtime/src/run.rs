//! The vocabulary of a run: what was asked ([`MigrateOptions`], [`RollbackOptions`]), what
//! happens as it goes ([`Event`]), and what it did ([`Report`], [`Step`]).

use std::time::Duration;

/// What a step does to a migration: run its `up`, or its `down`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Run `up`.
    Apply,
    /// Run `down`.
    Rollback,
}

impl Action {
    /// `apply` or `rollback`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Apply => "apply",
            Action::Rollback => "rollback",
        }
    }

    /// `applying` or `rolling back`.
    pub fn doing(self) -> &'static str {
        match self {
            Action::Apply => "applying",
            Action::Rollback => "rolling back",
        }
    }

    /// `applied` or `rolled back`.
    pub fn done(self) -> &'static str {
        match self {
            Action::Apply => "applied",
            Action::Rollback => "rolled back",
        }
    }
}

/// Options of [`Migrator::migrate`](crate::Migrator::migrate).
#[derive(Debug, Clone, Default)]
pub struct MigrateOptions {
    /// Apply pending migrations up to and including this version only.
    pub to: Option<i64>,
    /// Apply even though applied migrations changed since (checksum drift).
    pub allow_drift: bool,
    /// Apply even though the database has migrations the code does not.
    pub allow_missing: bool,
    /// Apply pending migrations older than the latest applied one.
    pub allow_out_of_order: bool,
    /// Rehearse: run inside a transaction that is rolled back, and report each
    /// migration's statements. Nothing changes.
    pub dry_run: bool,
}

/// Which applied migrations a rollback undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RollbackTarget {
    /// Every migration of the last batch (the last `migrate`).
    #[default]
    LastBatch,
    /// The last N migrations applied.
    Steps(usize),
    /// Every migration with a version above this one.
    To(i64),
    /// Everything.
    All,
}

/// Options of [`Migrator::rollback`](crate::Migrator::rollback), `redo` and `reset`.
#[derive(Debug, Clone, Default)]
pub struct RollbackOptions {
    /// Which migrations to undo.
    pub target: RollbackTarget,
    /// Roll back migrations whose code changed since they were applied.
    pub allow_drift: bool,
    /// Confirms a destructive command where the environment asks for it (production).
    pub yes: bool,
    /// Rehearse, as [`MigrateOptions::dry_run`].
    pub dry_run: bool,
}

/// Progress of a run, reported as it happens: one migration at one phase.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// Started, finished or failed.
    pub phase: Phase,
    /// Whether the migration is being applied or rolled back.
    pub action: Action,
    /// The migration's version.
    pub version: i64,
    /// The migration's name.
    pub name: &'a str,
    /// How long it ran, once it finished or failed.
    pub duration: Option<Duration>,
    /// Its place in the run, from 1.
    pub number: usize,
    /// How many migrations the run has.
    pub total: usize,
}

/// Where a migration of a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// About to run.
    Started,
    /// Ran and was recorded.
    Finished,
    /// Failed; the run stops.
    Failed,
}

impl Phase {
    /// `started`, `finished` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Started => "started",
            Phase::Finished => "finished",
            Phase::Failed => "failed",
        }
    }
}

/// A callback receiving [`Event`]s, such as `&mut |event| eprintln!("{event:?}")`, or
/// `&mut |_| {}` to ignore them.
pub type Progress<'p> = &'p mut dyn FnMut(Event<'_>);

/// One migration applied or rolled back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Applied or rolled back.
    pub action: Action,
    /// The migration's version.
    pub version: i64,
    /// The migration's name.
    pub name: String,
    /// How long its body and tracking rows took.
    pub duration: Duration,
    /// In a dry run: the statements it ran (or would run), in order.
    pub statements: Vec<String>,
    /// In a dry run: whether it ran inside the rolled-back transaction, or was only
    /// listed because it cannot run inside one.
    pub rehearsed: bool,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The batch the applied migrations were recorded under, if any were.
    pub batch: Option<i64>,
    /// Each migration, in the order it ran.
    pub steps: Vec<Step>,
    /// The migrations planned that did not run because the run was asked to stop
    /// ([`Migrator::stop_when`](crate::Migrator::stop_when)), as (version, name).
    pub not_run: Vec<(i64, String)>,
    /// Whether a stop request ended the run early.
    pub stopped: bool,
    /// What the checks before the run found (forced past, when they found anything).
    pub preflight: Option<crate::flight::Preflight>,
    /// The backup taken before anything ran.
    pub backup: Option<crate::backup::Backup>,
    /// What the checks after the run found.
    pub postflight: Option<crate::flight::Postflight>,
}

/// What `repair` changed for one migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    /// The migration's version.
    pub version: i64,
    /// The migration's name.
    pub name: String,
    /// What was changed.
    pub change: RepairChange,
}

/// The change `repair` made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RepairChange {
    /// A modified migration's checksum in the code was recorded.
    ChecksumAccepted {
        /// The checksum recorded before.
        recorded: String,
        /// The checksum of the code, now recorded.
        current: String,
    },
    /// A dirty migration, finished by hand, is now applied.
    MarkedApplied,
    /// A dirty migration, undone by hand, is pending again.
    MadePending,
}

impl std::fmt::Display for RepairChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RepairChange::ChecksumAccepted { recorded, current } => write!(
                f,
                "accepted checksum {} (was {})",
                crate::error::short(current),
                crate::error::short(recorded)
            ),
            RepairChange::MarkedApplied => f.write_str("dirty mark cleared; recorded as applied"),
            RepairChange::MadePending => f.write_str("dirty mark cleared; pending again"),
        }
    }
}
