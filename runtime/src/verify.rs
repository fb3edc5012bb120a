//! `verify`: up -> down -> up for every migration, the schema and row counts compared
//! after each step, on a scratch database unless told otherwise.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::error::{Error, Failure};
use crate::migration::Migration;
use crate::registry::Registry;
use crate::run::{Action, Progress};
use crate::schema::{Difference, Snapshot};
use crate::session::Session;
use crate::status::State;

/// Options of [`Migrator::verify`](crate::Migrator::verify).
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Start at this version; earlier migrations are only applied.
    pub from: Option<i64>,
    /// Stop after this version.
    pub to: Option<i64>,
    /// Run on the target database itself instead of a scratch one. Only its pending
    /// migrations are verified, and they stay applied.
    pub in_place: bool,
    /// A change of column order is a failure, not only a note.
    pub strict: bool,
}

/// What verify found for one migration.
#[derive(Debug, Clone)]
pub struct VerifyStep {
    /// The migration's version.
    pub version: i64,
    /// The migration's name.
    pub name: String,
    /// Whether it passed, and if not, at which step it failed.
    pub verdict: Verdict,
    /// Time spent on this migration: its three steps and four snapshots.
    pub duration: Duration,
    /// Differences found (order-only ones included, which do not fail unless strict).
    pub differences: Vec<Difference>,
}

/// What verify concluded about one migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// `down` restored the schema and row counts; `up` again gave the same schema.
    Reversible,
    /// Irreversible by declaration: applied, not rolled back.
    Irreversible,
    /// Before `from`, or already applied (in place): applied or left as is.
    Skipped,
    /// `down` did not restore what `up` changed.
    DownDiffers,
    /// `up` run again did not give the schema the first `up` gave.
    UpAgainDiffers,
    /// A step failed outright.
    Failed(String),
}

impl Verdict {
    /// `reversible`, `irreversible`, `skipped`, `down-differs`, `up-again-differs` or
    /// `failed`: the word `verify` prints for it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Reversible => "reversible",
            Verdict::Irreversible => "irreversible",
            Verdict::Skipped => "skipped",
            Verdict::DownDiffers => "down-differs",
            Verdict::UpAgainDiffers => "up-again-differs",
            Verdict::Failed(_) => "failed",
        }
    }

    /// True unless `down` or `up` again differed or a step failed.
    pub fn passed(&self) -> bool {
        matches!(
            self,
            Verdict::Reversible | Verdict::Irreversible | Verdict::Skipped
        )
    }
}

/// What verify did, migration by migration, up to the first failure.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// Where it ran (redacted): the scratch database or the target.
    pub database: String,
    /// Whether it ran on the target itself ([`VerifyOptions::in_place`]).
    pub in_place: bool,
    /// One per migration, in version order, ending at the first failure.
    pub steps: Vec<VerifyStep>,
    /// Time spent in all, the scratch database included.
    pub duration: Duration,
}

impl VerifyReport {
    /// Whether every migration passed.
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.verdict.passed())
    }

    /// The failing step, if any: the last one.
    pub fn failure(&self) -> Option<&VerifyStep> {
        self.steps.iter().find(|s| !s.verdict.passed())
    }

    /// A readable account of the failure: the migration, the phase, each differing object.
    pub fn failure_text(&self) -> Option<String> {
        let step = self.failure()?;
        let phase = match &step.verdict {
            Verdict::DownDiffers => {
                "its `down` did not restore the database as it was before `up`".to_owned()
            }
            Verdict::UpAgainDiffers => {
                "running `up` again after `down` did not give the same schema".to_owned()
            }
            Verdict::Failed(why) => format!("a step failed: {why}"),
            _ => unreachable!("passing verdicts are not failures"),
        };
        let mut out = format!("migration {} {}: {phase}", step.version, step.name);
        for d in &step.differences {
            out.push_str(&format!("\n  - {d}"));
        }
        Some(out)
    }
}

/// The schema and the row count of every table at one moment.
struct Observation {
    schema: Snapshot,
    rows: BTreeMap<String, i64>,
}

fn observe(session: &mut Session) -> Result<Observation, Error> {
    let schema = session.snapshot()?;
    let rows = session.row_counts(schema.tables.keys())?;
    Ok(Observation { schema, rows })
}

/// How `after` differs from `before`: schema objects, then the row counts of the tables
/// `before` had.
fn compare(before: &Observation, after: &Observation) -> Vec<Difference> {
    let mut differences = before.schema.diff(&after.schema);
    let rows = before.rows.iter().filter_map(|(table, n)| {
        let m = after.rows.get(table)?;
        (m != n).then(|| Difference {
            object: format!("rows of {table}"),
            expected: Some(n.to_string()),
            found: Some(m.to_string()),
            order_only: false,
        })
    });
    differences.extend(rows);
    differences
}

fn failing(differences: &[Difference], strict: bool) -> bool {
    differences.iter().any(|d| strict || !d.order_only)
}

/// Proves every `down` on the locked `session`: for each migration, snapshot, `up`,
/// snapshot, `down`, compare with the first snapshot, `up` again, compare with the
/// second. Stops at the first failure.
pub(crate) fn run(
    session: &mut Session,
    registry: &Registry,
    options: &VerifyOptions,
    progress: Progress<'_>,
) -> Result<Vec<VerifyStep>, Error> {
    let status = session.status(registry)?;
    let batch = session.next_batch()?;
    let mut steps = Vec::new();
    // The database as the last verified migration left it, if known.
    let mut known: Option<Observation> = None;
    for m in registry.migrations() {
        if options
            .to
            .is_some_and(|to| !registry.at_or_before(m.version, to))
        {
            break;
        }
        let pending = status
            .get(m.version)
            .is_none_or(|s| s.state == State::Pending);
        let step_started = Instant::now();
        if !pending {
            steps.push(verdict(m, Verdict::Skipped, step_started, Vec::new()));
            continue;
        }
        if options
            .from
            .is_some_and(|from| !registry.at_or_before(from, m.version))
        {
            known = None;
            step(session, m, Action::Apply, batch, progress)?;
            steps.push(verdict(m, Verdict::Skipped, step_started, Vec::new()));
            continue;
        }
        let (step, now) = verify_one(session, m, known.take(), batch, options.strict, progress)?;
        known = now;
        let passed = step.verdict.passed();
        steps.push(VerifyStep {
            duration: step_started.elapsed(),
            ..step
        });
        if !passed {
            break;
        }
    }
    Ok(steps)
}

fn verdict(
    m: &Migration,
    verdict: Verdict,
    started: Instant,
    differences: Vec<Difference>,
) -> VerifyStep {
    VerifyStep {
        version: m.version,
        name: m.name().to_owned(),
        verdict,
        duration: started.elapsed(),
        differences,
    }
}

/// Runs one step; a migration error becomes a verdict, other errors end verify.
fn step(
    session: &mut Session,
    m: &Migration,
    action: Action,
    batch: i64,
    progress: Progress<'_>,
) -> Result<Option<String>, Error> {
    match session.step(m, action, batch, progress) {
        Ok(_) => Ok(None),
        Err(Error::MigrationFailed(f) | Error::RollbackFailed(f)) => Ok(Some(describe(&f))),
        Err(other) => Err(other),
    }
}

fn describe(f: &Failure) -> String {
    match &f.statement {
        Some(s) => format!("{} (statement: {s})", f.cause),
        None => f.cause.clone(),
    }
}

/// Verifies one migration starting from `before`, the database as it is now if known
/// (the previous migration's last observation). Returns the last observation too.
fn verify_one(
    session: &mut Session,
    m: &Migration,
    before: Option<Observation>,
    batch: i64,
    strict: bool,
    progress: Progress<'_>,
) -> Result<(VerifyStep, Option<Observation>), Error> {
    let started = Instant::now();
    // A verdict ends this migration; the database's state after it is unknown.
    let ends =
        |verdict_: Verdict, differences| Ok((verdict(m, verdict_, started, differences), None));
    let failed =
        |phase: &str, why: String| ends(Verdict::Failed(format!("{phase}: {why}")), Vec::new());
    let before = match before {
        Some(known) => known,
        None => observe(session)?,
    };
    if let Some(why) = step(session, m, Action::Apply, batch, progress)? {
        return failed("up", why);
    }
    if m.irreversible().is_some() {
        return ends(Verdict::Irreversible, Vec::new());
    }
    let after_up = observe(session)?;
    if let Some(why) = step(session, m, Action::Rollback, batch, progress)? {
        return failed("down", why);
    }
    let after_down = observe(session)?;
    let mut notes = compare(&before, &after_down);
    if failing(&notes, strict) {
        return ends(Verdict::DownDiffers, notes);
    }
    if let Some(why) = step(session, m, Action::Apply, batch, progress)? {
        return failed("up again", why);
    }
    let again = observe(session)?;
    let differences = compare(&after_up, &again);
    if failing(&differences, strict) {
        return ends(Verdict::UpAgainDiffers, differences);
    }
    notes.extend(differences);
    Ok((verdict(m, Verdict::Reversible, started, notes), Some(again)))
}
