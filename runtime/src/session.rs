//! One connection to the database being migrated, and the steps run on it: each
//! migration applied or reverted with its tracking and history rows.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use diesel::Connection;

use crate::backend::Driver;
use crate::connection::AnyConnection;
use crate::db::{Db, MigrationError};
use crate::error::{Aftermath, Error, Failure};
use crate::migration::{Body, Direction, Migration};
use crate::migrator::{Action, Event, Progress, Report, Step};
use crate::registry::Registry;
use crate::statement_log::StatementLog;
use crate::status::Status;
use crate::tracking::{self, AppliedRow, NewHistory, STATE_APPLIED, STATE_DIRTY};

/// One connection, its driver, and the log of the statements it ran.
pub(crate) struct Session {
    pub(crate) conn: AnyConnection,
    pub(crate) driver: Box<dyn Driver>,
    pub(crate) log: StatementLog,
    /// A dry run: steps run inside one transaction that is rolled back at the end, and
    /// each step's statements are kept for the report.
    pub(crate) dry_run: bool,
}

/// Why one step failed inside its transaction.
enum StepError {
    Body(MigrationError),
    Tracking(diesel::result::Error),
}

impl From<diesel::result::Error> for StepError {
    fn from(e: diesel::result::Error) -> Self {
        StepError::Tracking(e)
    }
}

impl Session {
    pub(crate) fn tracked(&mut self) -> Result<bool, Error> {
        self.driver
            .tracking_exists(&mut self.conn)
            .map_err(|e| Error::database("looking for updown_migrations", e))
    }

    pub(crate) fn applied(&mut self) -> Result<Vec<AppliedRow>, Error> {
        tracking::applied(&mut self.conn)
            .map_err(|e| Error::database("reading updown_migrations", e))
    }

    pub(crate) fn applied_if_tracked(&mut self) -> Result<Vec<AppliedRow>, Error> {
        if self.tracked()? {
            self.applied()
        } else {
            Ok(Vec::new())
        }
    }

    pub(crate) fn status(&mut self, registry: &Registry) -> Result<Status, Error> {
        let rows = self.applied_if_tracked()?;
        Ok(Status::compute(registry, &rows))
    }

    pub(crate) fn next_batch(&mut self) -> Result<i64, Error> {
        if !self.tracked()? {
            return Ok(1);
        }
        tracking::last_batch(&mut self.conn)
            .map(|b| b + 1)
            .map_err(|e| Error::database("reading the last batch", e))
    }

    pub(crate) fn record(&mut self, entry: &NewHistory<'_>) -> Result<(), Error> {
        tracking::insert_history(&mut self.conn, entry)
            .map_err(|e| Error::database("writing updown_history", e))
    }

    pub(crate) fn apply_all(
        &mut self,
        plan: &[&'static Migration],
        progress: Progress<'_>,
    ) -> Result<Report, Error> {
        let mut report = Report::default();
        if plan.is_empty() {
            return Ok(report);
        }
        self.refuse_unrehearsable(plan.iter().copied(), Direction::Up)?;
        let batch = self.next_batch()?;
        report.batch = Some(batch);
        for m in plan {
            let step = self.step(m, Direction::Up, batch, progress)?;
            report.steps.push(step);
        }
        Ok(report)
    }

    pub(crate) fn revert_all(
        &mut self,
        plan: &[(&'static Migration, &AppliedRow)],
        progress: Progress<'_>,
    ) -> Result<Report, Error> {
        let mut report = Report::default();
        self.refuse_unrehearsable(plan.iter().map(|(m, _)| *m), Direction::Down)?;
        for (m, row) in plan {
            let step = self.step(m, Direction::Down, row.batch, progress)?;
            report.steps.push(step);
        }
        Ok(report)
    }

    /// In a dry run, a Rust migration that cannot run inside a transaction cannot be
    /// rehearsed, nor listed: refuse before anything runs.
    fn refuse_unrehearsable(
        &self,
        plan: impl Iterator<Item = &'static Migration>,
        direction: Direction,
    ) -> Result<(), Error> {
        if !self.dry_run {
            return Ok(());
        }
        let transactional_ddl = self.driver.transactional_ddl();
        let rust: Vec<String> = plan
            .filter(|m| !(m.transaction && transactional_ddl))
            .filter(|m| matches!(m.body(direction), Some(Body::Rust(_))))
            .map(|m| m.label())
            .collect();
        if rust.is_empty() {
            return Ok(());
        }
        let reason = if transactional_ddl {
            "they run outside a transaction (`transaction = false`), so a rolled-back trial is impossible, and their statements are only known by running them"
        } else {
            "this database commits DDL implicitly, so a rolled-back trial is impossible, and the statements of Rust code are only known by running it"
        };
        Err(Error::DryRunUnsupported {
            migrations: rust,
            reason,
        })
    }

    /// Applies or reverts one migration. In a transaction, its body and its tracking and
    /// history rows commit together or not at all. Without one, it is marked dirty
    /// before the body runs and clean after.
    pub(crate) fn step(
        &mut self,
        m: &'static Migration,
        direction: Direction,
        batch: i64,
        progress: Progress<'_>,
    ) -> Result<Step, Error> {
        let action = match direction {
            Direction::Up => Action::Apply,
            Direction::Down => Action::Rollback,
        };
        let (version, name) = (m.version, m.name);
        progress(Event::Started {
            action,
            version,
            name,
        });
        let started = Instant::now();
        let log = self.log.clone();
        let transactional = m.transaction && self.driver.transactional_ddl();
        let mut statements = Vec::new();
        let outcome = if self.dry_run && !transactional {
            // Cannot be rehearsed inside a transaction: listed, not run (only SQL
            // migrations get here; the dry run refused Rust ones up front).
            statements = listed_statements(m, direction);
            Ok(())
        } else if transactional {
            self.conn
                .transaction::<_, StepError, _>(|conn| {
                    statements = run_body(conn, &log, m, direction).map_err(StepError::Body)?;
                    record_success(conn, m, direction, batch, started.elapsed())?;
                    Ok(())
                })
                .map_err(|e| (e, Aftermath::RolledBack))
        } else {
            self.untransacted_step(m, direction, batch, started)
        };
        let duration = started.elapsed();
        match outcome {
            Ok(()) => {
                progress(Event::Finished {
                    action,
                    version,
                    name,
                    duration,
                });
                Ok(Step {
                    action,
                    version,
                    name: name.to_owned(),
                    duration,
                    statements: if self.dry_run { statements } else { Vec::new() },
                    rehearsed: transactional,
                })
            }
            Err((error, aftermath)) => {
                progress(Event::Failed {
                    action,
                    version,
                    name,
                    duration,
                });
                let (statement, cause) = match error {
                    StepError::Body(e) => (e.statement().map(str::to_owned), e.to_string()),
                    StepError::Tracking(e) => {
                        (None, format!("recording it in updown's tables failed: {e}"))
                    }
                };
                let failure_text = match &statement {
                    Some(s) => format!("{cause}\nstatement: {s}"),
                    None => cause.clone(),
                };
                // The failure goes in the history even though the step's own rows were rolled back.
                let recorded = tracking::insert_history(
                    &mut self.conn,
                    &NewHistory {
                        version,
                        name,
                        action: history_action(direction),
                        batch: Some(batch),
                        checksum: m.checksum,
                        duration_ms: millis(duration),
                        error: Some(&failure_text),
                        note: None,
                    },
                );
                let cause = match recorded {
                    Ok(()) => cause,
                    Err(e) => format!(
                        "{cause} (recording the failure in updown_history also failed: {e})"
                    ),
                };
                let failure = Box::new(Failure {
                    version,
                    name: name.to_owned(),
                    statement,
                    cause,
                    aftermath,
                });
                Err(match direction {
                    Direction::Up => Error::MigrationFailed(failure),
                    Direction::Down => Error::RollbackFailed(failure),
                })
            }
        }
    }

    fn untransacted_step(
        &mut self,
        m: &'static Migration,
        direction: Direction,
        batch: i64,
        started: Instant,
    ) -> Result<(), (StepError, Aftermath)> {
        let mark = match direction {
            Direction::Up => tracking::insert_applied(
                &mut self.conn,
                m.version,
                m.name,
                m.checksum,
                0,
                batch,
                STATE_DIRTY,
            ),
            Direction::Down => tracking::mark_dirty(&mut self.conn, m.version),
        };
        mark.map_err(|e| (StepError::Tracking(e), Aftermath::RolledBack))?;
        let log = self.log.clone();
        let mut body_result = None;
        self.driver
            .outside_transaction(&mut self.conn, &mut |conn| {
                body_result = Some(run_body(conn, &log, m, direction).map(drop));
            })
            .map_err(|e| (StepError::Tracking(e), Aftermath::Dirty))?;
        body_result
            .expect("outside_transaction runs its closure")
            .map_err(|e| (StepError::Body(e), Aftermath::Dirty))?;
        let duration = started.elapsed();
        let done = match direction {
            Direction::Up => tracking::mark_clean(&mut self.conn, m.version, millis(duration)),
            Direction::Down => tracking::delete_applied(&mut self.conn, m.version),
        };
        done.and_then(|()| record_history(&mut self.conn, m, direction, batch, duration))
            .map_err(|e| (StepError::Tracking(e), Aftermath::Dirty))
    }
}

fn history_action(direction: Direction) -> &'static str {
    match direction {
        Direction::Up => "apply",
        Direction::Down => "rollback",
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn record_success(
    conn: &mut AnyConnection,
    m: &Migration,
    direction: Direction,
    batch: i64,
    duration: Duration,
) -> diesel::QueryResult<()> {
    match direction {
        Direction::Up => tracking::insert_applied(
            conn,
            m.version,
            m.name,
            m.checksum,
            millis(duration),
            batch,
            STATE_APPLIED,
        )?,
        Direction::Down => tracking::delete_applied(conn, m.version)?,
    }
    record_history(conn, m, direction, batch, duration)
}

fn record_history(
    conn: &mut AnyConnection,
    m: &Migration,
    direction: Direction,
    batch: i64,
    duration: Duration,
) -> diesel::QueryResult<()> {
    tracking::insert_history(
        conn,
        &NewHistory {
            version: m.version,
            name: m.name,
            action: history_action(direction),
            batch: Some(batch),
            checksum: m.checksum,
            duration_ms: millis(duration),
            error: None,
            note: match direction {
                Direction::Up => m.destructive,
                Direction::Down => None,
            },
        },
    )
}

/// The statements of a SQL body, for a dry run that cannot execute them.
pub(crate) fn listed_statements(m: &Migration, direction: Direction) -> Vec<String> {
    match m.body(direction) {
        Some(Body::Sql(sql)) => updown_sql::split(sql)
            .into_iter()
            .map(|s| s.text.to_owned())
            .collect(),
        _ => Vec::new(),
    }
}

/// Runs one direction of a migration and returns the statements it ran (kept only in a
/// dry run). A panic in Rust code is caught and reported as the migration's failure, so
/// its transaction is rolled back and the lock released.
fn run_body(
    conn: &mut AnyConnection,
    log: &StatementLog,
    m: &Migration,
    direction: Direction,
) -> Result<Vec<String>, MigrationError> {
    let Some(body) = m.body(direction) else {
        return Err(MigrationError::msg(format!(
            "migration {} is irreversible: {}",
            m.label(),
            m.irreversible.unwrap_or("no down")
        )));
    };
    log.clear();
    log.start_body();
    // SQL that Rust code builds at run time is checked as it runs; SQL bodies were checked
    // when the crate compiled.
    let _guard =
        (direction == Direction::Up && m.destructive.is_none() && matches!(body, Body::Rust(_)))
            .then(crate::db::Guard::enter);
    let db = Db::wrap(conn);
    let result = match body {
        Body::Sql(sql) => db.batch_execute(sql),
        Body::Rust(f) => match catch_unwind(AssertUnwindSafe(|| f(db))) {
            Ok(result) => result,
            Err(panic) => Err(MigrationError::msg(format!(
                "it panicked: {}",
                panic_message(&*panic)
            ))),
        },
    };
    let statements = log.end_body();
    result
        .map(|()| statements)
        .map_err(|e| e.with_statement_if_none(log.failed()))
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "a non-string panic payload".to_owned()
    }
}
