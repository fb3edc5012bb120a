//! One connection to the database being migrated, held under the migration lock, and
//! the steps run on it: each migration applied or reverted with its tracking and
//! history rows.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use diesel::connection::{Connection, SimpleConnection, TransactionManager};
use diesel::{QueryableByName, RunQueryDsl};

use crate::backend::{self, Driver, LockError};
use crate::connection::AnyConnection;
use crate::db::{Db, Guard, MigrationError};
use crate::error::{Aftermath, Error, Failure};
use crate::migration::{Body, Migration};
use crate::plan::Planned;
use crate::registry::Registry;
use crate::run::{Action, Event, Phase, Progress, Report, Step};
use crate::schema::{Scope, Snapshot};
use crate::statement_log::StatementLog;
use crate::status::Status;
use crate::tracking::{AppliedRow, HistoryAction, HistoryEntry, NewHistory, RowState, Tracking};
use crate::url::DatabaseUrl;

/// One connection, its driver, and the log of the statements it ran.
pub(crate) struct Session {
    conn: AnyConnection,
    driver: Box<dyn Driver>,
    log: StatementLog,
    /// A dry run: steps run inside one transaction that is rolled back at the end, and
    /// each step's statements are kept for the report.
    dry_run: bool,
    /// A scratch database that is thrown away: steps record nothing in updown's
    /// tables, which nothing will read.
    pub(crate) throwaway: bool,
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

/// Where and how a session connects.
#[derive(Clone, Copy)]
pub(crate) struct Connect<'a> {
    pub url: &'a DatabaseUrl,
    /// Statements run on the connection before anything else (`--session-sql`).
    pub session_sql: &'a [String],
    /// How long to wait for another migrator's lock.
    pub lock_timeout: Duration,
}

impl Session {
    pub(crate) fn open(to: &Connect<'_>) -> Result<Session, Error> {
        let (mut conn, driver) = backend::connect(to.url)?;
        for sql in to.session_sql {
            conn.batch_execute(sql).map_err(|e| Error::DatabaseText {
                context: format!("running the session SQL `{sql}`"),
                cause: to.url.scrub(&e.to_string()),
            })?;
        }
        let log = StatementLog::default();
        conn.set_instrumentation(log.clone());
        Ok(Session {
            conn,
            driver,
            log,
            dry_run: false,
            throwaway: false,
        })
    }

    /// Runs `f` on `url` holding the migration lock, with updown's tables in place. The
    /// lock is released on every path out of `f`; if the process dies, the database
    /// releases it with the connection.
    pub(crate) fn locked<T>(
        to: &Connect<'_>,
        f: impl FnOnce(&mut Session) -> Result<T, Error>,
    ) -> Result<T, Error> {
        Self::locked_with(to, true, f)
    }

    /// A dry run of `f`, under the lock: where DDL is transactional, inside one
    /// transaction rolled back at the end (updown's tables included), each body's
    /// statements captured; elsewhere nothing runs and SQL migrations are listed.
    pub(crate) fn rehearsed(
        to: &Connect<'_>,
        f: impl FnOnce(&mut Session) -> Result<Report, Error>,
    ) -> Result<Report, Error> {
        type Manager = <AnyConnection as Connection>::TransactionManager;
        Self::locked_with(to, false, |session| {
            session.dry_run = true;
            session.log.set_capture(true);
            if !session.driver.transactional_ddl() {
                return f(session);
            }
            Manager::begin_transaction(&mut session.conn)
                .map_err(|e| Error::database("starting the dry run's transaction", e))?;
            let result = session.create_tracking().and_then(|()| f(session));
            Manager::rollback_transaction(&mut session.conn)
                .map_err(|e| Error::database("rolling back the dry run", e))?;
            result
        })
    }

    pub(crate) fn locked_with<T>(
        to: &Connect<'_>,
        create_tables: bool,
        f: impl FnOnce(&mut Session) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let (url, timeout) = (to.url, to.lock_timeout);
        let mut session = Session::open(to)?;
        session
            .driver
            .lock(&mut session.conn, timeout)
            .map_err(|e| match e {
                LockError::Timeout { holder } => Error::LockTimeout {
                    waited: timeout,
                    holder,
                },
                LockError::Database(e) => Error::DatabaseText {
                    context: "taking the migration lock".into(),
                    cause: url.scrub(&e.to_string()),
                },
            })?;
        let created = if create_tables {
            session.create_tracking()
        } else {
            Ok(())
        };
        let result = created.and_then(|()| f(&mut session));
        let released = session.driver.unlock(&mut session.conn);
        match (result, released) {
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(Error::database("releasing the migration lock", e)),
            (Ok(value), Ok(())) => Ok(value),
        }
    }

    pub(crate) fn create_tracking(&mut self) -> Result<(), Error> {
        self.driver
            .create_tracking(&mut self.conn)
            .map_err(|e| Error::database("creating updown's tables", e))
    }

    /// The door to updown's tables on this connection.
    pub(crate) fn tracking(&mut self) -> Tracking<'_> {
        Tracking(&mut self.conn)
    }

    fn tracked(&mut self) -> Result<bool, Error> {
        self.driver
            .tracking_exists(&mut self.conn)
            .map_err(|e| Error::database("looking for updown_migrations", e))
    }

    /// Reads updown's tables with `read`; nothing when they do not exist yet.
    fn read_tracked<T>(
        &mut self,
        table: &str,
        read: impl FnOnce(&mut Tracking<'_>) -> diesel::QueryResult<Vec<T>>,
    ) -> Result<Vec<T>, Error> {
        if !self.tracked()? {
            return Ok(Vec::new());
        }
        read(&mut self.tracking()).map_err(|e| Error::database(format!("reading {table}"), e))
    }

    /// The rows of `updown_migrations`, by version.
    pub(crate) fn applied(&mut self) -> Result<Vec<AppliedRow>, Error> {
        self.read_tracked("updown_migrations", |t| t.applied())
    }

    /// The versions diesel recorded as applied, or `None` when the database has no
    /// `__diesel_schema_migrations` (diesel never migrated it).
    fn diesel_applied(&mut self) -> Result<Option<Vec<String>>, Error> {
        #[derive(QueryableByName)]
        struct Version {
            #[diesel(sql_type = diesel::sql_types::Text)]
            version: String,
        }
        const TABLE: &str = "__diesel_schema_migrations";
        let exists = self
            .driver
            .table_exists(&mut self.conn, TABLE)
            .map_err(|e| Error::database(format!("looking for {TABLE}"), e))?;
        if !exists {
            return Ok(None);
        }
        let versions: Vec<Version> =
            diesel::sql_query(format!("SELECT version FROM {TABLE} ORDER BY version"))
                .load(&mut self.conn)
                .map_err(|e| Error::database(format!("reading {TABLE}"), e))?;
        Ok(Some(versions.into_iter().map(|v| v.version).collect()))
    }

    /// The versions diesel applied that updown never knew of: in neither of its tables
    /// (a version updown rolled back since, or whose code is gone, it knows). `None` when
    /// the database has no diesel table.
    /// `status` is what this session read of updown's tables.
    pub(crate) fn unadopted(&mut self, status: &Status) -> Result<Option<Vec<String>>, Error> {
        let Some(versions) = self.diesel_applied()? else {
            return Ok(None);
        };
        let mut known: std::collections::HashSet<i64> = status
            .migrations
            .iter()
            .filter(|m| m.state != crate::status::State::Pending)
            .map(|m| m.version)
            .collect();
        known.extend(self.read_tracked("updown_history", |t| t.versions_in_history())?);
        Ok(Some(
            versions
                .into_iter()
                .filter(|v| v.parse::<i64>().map_or(true, |n| !known.contains(&n)))
                .collect(),
        ))
    }

    /// Runs `f` in a transaction of its own: all of its writes or none.
    pub(crate) fn all_or_nothing<T>(
        &mut self,
        f: impl FnOnce(&mut Session) -> Result<T, Error>,
    ) -> Result<T, Error> {
        type Manager = <AnyConnection as Connection>::TransactionManager;
        Manager::begin_transaction(&mut self.conn)
            .map_err(|e| Error::database("starting a transaction", e))?;
        match f(self) {
            Ok(value) => {
                Manager::commit_transaction(&mut self.conn)
                    .map_err(|e| Error::database("committing", e))?;
                Ok(value)
            }
            Err(e) => {
                // The first error is the one to report.
                let _ = Manager::rollback_transaction(&mut self.conn);
                Err(e)
            }
        }
    }

    /// The rows of `updown_history`, oldest first.
    pub(crate) fn history(&mut self) -> Result<Vec<HistoryEntry>, Error> {
        self.read_tracked("updown_history", |t| t.history())
    }

    pub(crate) fn status(&mut self, registry: &Registry) -> Result<Status, Error> {
        let rows = self.applied()?;
        Ok(Status::compute(registry, &rows))
    }

    pub(crate) fn next_batch(&mut self) -> Result<i64, Error> {
        if !self.tracked()? {
            return Ok(1);
        }
        self.tracking()
            .last_batch()
            .map(|b| b + 1)
            .map_err(|e| Error::database("reading the last batch", e))
    }

    pub(crate) fn record(&mut self, entry: &NewHistory<'_>) -> Result<(), Error> {
        self.tracking()
            .record(entry)
            .map_err(|e| Error::database("writing updown_history", e))
    }

    /// The schema, normalised, without updown's own tables.
    pub(crate) fn snapshot(&mut self, scope: Scope<'_>) -> Result<Snapshot, Error> {
        self.driver
            .snapshot(&mut self.conn, scope)
            .map_err(|e| Error::database("reading the schema", e))
    }

    /// The extensions installed here, with their schema (PostgreSQL; empty elsewhere).
    pub(crate) fn extensions(&mut self) -> Result<Vec<(String, String)>, Error> {
        self.driver
            .extensions(&mut self.conn)
            .map_err(|e| Error::database("listing the target's extensions", e))
    }

    /// Readies a scratch database: the target's `extensions` installed where the server
    /// allows (those it refuses come back as warnings), then `setup` run in order.
    pub(crate) fn prepare_scratch(
        &mut self,
        extensions: &[(String, String)],
        setup: &[String],
    ) -> Result<Vec<String>, Error> {
        self.driver
            .tune_scratch(&mut self.conn)
            .map_err(|e| Error::database("setting up the scratch database's session", e))?;
        let mut warnings = Vec::new();
        for (name, schema) in extensions {
            let (q_name, q_schema) = (self.driver.quote(name), self.driver.quote(schema));
            let sql = format!(
                "CREATE SCHEMA IF NOT EXISTS {q_schema}; CREATE EXTENSION IF NOT EXISTS {q_name} WITH SCHEMA {q_schema}"
            );
            if let Err(e) = self.conn.batch_execute(&sql) {
                warnings.push(format!(
                    "the target's extension `{name}` could not be installed in the scratch database ({e}); \
                     migrations that need it will fail there: install it with `--scratch-setup`, or verify `--in-place`"
                ));
            }
        }
        for sql in setup {
            self.conn
                .batch_execute(sql)
                .map_err(|e| Error::DatabaseText {
                    context: format!("running the scratch setup SQL `{sql}`"),
                    cause: e.to_string(),
                })?;
        }
        Ok(warnings)
    }

    /// The schema in `scope` and the row count of each of its tables.
    pub(crate) fn observe(
        &mut self,
        scope: Scope<'_>,
    ) -> Result<(Snapshot, BTreeMap<String, i64>), Error> {
        self.driver
            .observe(&mut self.conn, scope)
            .map_err(|e| Error::database("reading the schema and counting rows", e))
    }

    /// Applies the planned migrations, in order, as one new batch.
    pub(crate) fn apply_all(
        &mut self,
        plan: &[Planned<'_>],
        progress: Progress<'_>,
    ) -> Result<Report, Error> {
        let mut report = Report::default();
        if plan.is_empty() {
            return Ok(report);
        }
        self.refuse_unrehearsable(plan, Action::Apply)?;
        let batch = self.next_batch()?;
        report.batch = Some(batch);
        for planned in plan {
            let step = self.step(planned.migration, Action::Apply, batch, progress)?;
            report.steps.push(step);
        }
        Ok(report)
    }

    /// Reverts the planned migrations, in order, each recorded under its own batch.
    pub(crate) fn revert_all(
        &mut self,
        plan: &[Planned<'_>],
        progress: Progress<'_>,
    ) -> Result<Report, Error> {
        let mut report = Report::default();
        self.refuse_unrehearsable(plan, Action::Rollback)?;
        for planned in plan {
            let batch = planned.batch.expect("a rollback plan knows each batch");
            let step = self.step(planned.migration, Action::Rollback, batch, progress)?;
            report.steps.push(step);
        }
        Ok(report)
    }

    /// In a dry run, a Rust migration that cannot run inside a transaction cannot be
    /// rehearsed, nor listed: refuse before anything runs.
    fn refuse_unrehearsable(&self, plan: &[Planned<'_>], action: Action) -> Result<(), Error> {
        if !self.dry_run {
            return Ok(());
        }
        let transactional_ddl = self.driver.transactional_ddl();
        let rust: Vec<String> = plan
            .iter()
            .map(|p| p.migration)
            .filter(|m| !(m.transaction && transactional_ddl))
            .filter(|m| matches!(m.body(action), Some(Body::Rust(_))))
            .map(Migration::label)
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
    /// before the body runs and clean after. On a throwaway database only the body runs.
    pub(crate) fn step(
        &mut self,
        m: &Migration,
        action: Action,
        batch: i64,
        progress: Progress<'_>,
    ) -> Result<Step, Error> {
        let (version, name) = (m.version, m.name());
        let event = |phase, duration| Event {
            phase,
            action,
            version,
            name,
            duration,
        };
        progress(event(Phase::Started, None));
        let started = Instant::now();
        let log = self.log.clone();
        let transactional = m.transaction && self.driver.transactional_ddl();
        let records = !self.throwaway;
        let mut statements = Vec::new();
        let outcome = if self.dry_run && !transactional {
            // Cannot be rehearsed inside a transaction: listed, not run (only SQL
            // migrations get here; the dry run refused Rust ones up front).
            statements = listed_statements(m, action);
            Ok(())
        } else if transactional
            && self.throwaway
            && let Some(Body::Sql(sql)) = m.body(action)
            && let Some(done) = self.driver.script_in_one_round_trip(&mut self.conn, sql)
            && !matches!(done, Ok(false))
        {
            // Committed, or not even rolled back: the connection is lost.
            done.map(drop).map_err(|e| {
                (
                    StepError::Body(MigrationError::from(e)),
                    Aftermath::RolledBack,
                )
            })
        } else if transactional {
            // Also where a script run in one round trip failed and was rolled back: run
            // again statement by statement, it names the statement that fails.
            self.conn
                .transaction::<_, StepError, _>(|conn| {
                    statements = run_body(conn, &log, m, action).map_err(StepError::Body)?;
                    if records {
                        record_success(&mut Tracking(conn), m, action, batch, started.elapsed())?;
                    }
                    Ok(())
                })
                .map_err(|e| (e, Aftermath::RolledBack))
        } else {
            self.untransacted_step(m, action, batch, started)
        };
        let duration = started.elapsed();
        let Err((error, aftermath)) = outcome else {
            progress(event(Phase::Finished, Some(duration)));
            return Ok(Step {
                action,
                version,
                name: name.to_owned(),
                duration,
                statements: if self.dry_run { statements } else { Vec::new() },
                rehearsed: transactional,
            });
        };
        progress(event(Phase::Failed, Some(duration)));
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
        let recorded = match records {
            false => Ok(()),
            true => self.tracking().record(&NewHistory {
                version,
                name,
                action: history_action(action),
                batch: Some(batch),
                checksum: m.checksum(),
                duration_ms: millis(duration),
                error: Some(&failure_text),
                note: None,
            }),
        };
        let cause = match recorded {
            Ok(()) => cause,
            Err(e) => format!("{cause} (recording the failure in updown_history also failed: {e})"),
        };
        let failure = Box::new(Failure {
            version,
            name: name.to_owned(),
            statement,
            cause,
            aftermath,
        });
        Err(match action {
            Action::Apply => Error::MigrationFailed(failure),
            Action::Rollback => Error::RollbackFailed(failure),
        })
    }

    fn untransacted_step(
        &mut self,
        m: &Migration,
        action: Action,
        batch: i64,
        started: Instant,
    ) -> Result<(), (StepError, Aftermath)> {
        let records = !self.throwaway;
        if records {
            let mark = match action {
                Action::Apply => self.tracking().insert_applied(m, 0, batch, RowState::Dirty),
                Action::Rollback => self.tracking().mark_dirty(m.version),
            };
            mark.map_err(|e| (StepError::Tracking(e), Aftermath::RolledBack))?;
        }
        let log = self.log.clone();
        let mut body_result = None;
        self.driver
            .outside_transaction(&mut self.conn, &mut |conn| {
                body_result = Some(run_body(conn, &log, m, action).map(drop));
            })
            .map_err(|e| (StepError::Tracking(e), Aftermath::Dirty))?;
        body_result
            .expect("outside_transaction runs its closure")
            .map_err(|e| (StepError::Body(e), Aftermath::Dirty))?;
        if !records {
            return Ok(());
        }
        let duration = started.elapsed();
        let mut tracking = self.tracking();
        let done = match action {
            Action::Apply => tracking.mark_clean(m.version, millis(duration)),
            Action::Rollback => tracking.delete_applied(m.version),
        };
        done.and_then(|()| record_history(&mut tracking, m, action, batch, duration))
            .map_err(|e| (StepError::Tracking(e), Aftermath::Dirty))
    }
}

fn history_action(action: Action) -> HistoryAction {
    match action {
        Action::Apply => HistoryAction::Apply,
        Action::Rollback => HistoryAction::Rollback,
    }
}

pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn record_success(
    tracking: &mut Tracking<'_>,
    m: &Migration,
    action: Action,
    batch: i64,
    duration: Duration,
) -> diesel::QueryResult<()> {
    match action {
        Action::Apply => tracking.insert_applied(m, millis(duration), batch, RowState::Applied)?,
        Action::Rollback => tracking.delete_applied(m.version)?,
    }
    record_history(tracking, m, action, batch, duration)
}

fn record_history(
    tracking: &mut Tracking<'_>,
    m: &Migration,
    action: Action,
    batch: i64,
    duration: Duration,
) -> diesel::QueryResult<()> {
    tracking.record(&NewHistory {
        version: m.version,
        name: m.name(),
        action: history_action(action),
        batch: Some(batch),
        checksum: m.checksum(),
        duration_ms: millis(duration),
        error: None,
        note: match action {
            Action::Apply => m.destructive(),
            Action::Rollback => None,
        },
    })
}

/// The statements of a SQL body, for a dry run that cannot execute them.
fn listed_statements(m: &Migration, action: Action) -> Vec<String> {
    match m.body(action) {
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
pub(crate) fn run_body(
    conn: &mut AnyConnection,
    log: &StatementLog,
    m: &Migration,
    action: Action,
) -> Result<Vec<String>, MigrationError> {
    let Some(body) = m.body(action) else {
        return Err(MigrationError::msg(format!(
            "migration {} is irreversible: {}",
            m.label(),
            m.irreversible().unwrap_or("no down")
        )));
    };
    log.clear();
    log.start_body();
    // SQL that Rust code builds at run time is checked as it runs; SQL bodies were checked
    // when the crate compiled.
    let _guard =
        (action == Action::Apply && m.destructive.is_none() && matches!(body, Body::Rust(_)))
            .then(Guard::enter);
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
