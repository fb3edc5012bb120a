//! The migrator: lock -> ensure tables -> read applied -> plan -> apply or revert ->
//! unlock. It never branches on the backend; what differs lives behind the backend's
//! driver, and what to run is decided by [`plan`](crate::plan).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::backend;
use crate::backup::{self, Backup};
use crate::connection::AnyConnection;
use crate::error::{Error, Problem};
use crate::flight::{self, Postflight, Preflight, RunChecks, SchemaChecksum};
use crate::plan::{self, Plan, Planned, Request};
use crate::registry::Registry;
use crate::run::{
    Action, MigrateOptions, Progress, Repair, RepairChange, Report, RollbackOptions,
    RollbackTarget, Step,
};
use crate::session::{Connect, Held, Session, Tables};
use crate::status::{State, Status};
use crate::tracking::{HistoryAction, HistoryEntry, NewHistory, RowState};
use crate::url::DatabaseUrl;
use crate::verify::{self, VerifyOptions, VerifyProgress, VerifyReport};

/// Runs the registered migrations against one database.
///
/// ```no_run
/// # fn main() -> Result<(), updown::Error> {
/// use updown::{Migrator, MigrateOptions, Registry};
/// let migrator = Migrator::new(Registry::collect()?, "sqlite://app.db")?;
/// let report = migrator.migrate(&MigrateOptions::default(), &mut |_event| {})?;
/// println!("applied {} migrations", report.steps.len());
/// # Ok(()) }
/// ```
pub struct Migrator {
    registry: Registry,
    url: DatabaseUrl,
    lock_timeout: Duration,
    environment: Option<String>,
    session_sql: Vec<String>,
    checks: RunChecks,
    stop: Option<Arc<AtomicBool>>,
    /// The connection kept between commands, when there is one to keep.
    held: Option<Arc<Mutex<Held>>>,
}

const PRODUCTION: &str = "production";

impl Migrator {
    /// A migrator for `database_url` (see [`DatabaseUrl`] for the accepted forms).
    pub fn new(registry: Registry, database_url: &str) -> Result<Self, Error> {
        Ok(Self::with_url(registry, DatabaseUrl::parse(database_url)?))
    }

    /// A migrator for a URL already parsed.
    pub fn with_url(registry: Registry, url: DatabaseUrl) -> Self {
        Migrator {
            registry,
            url,
            lock_timeout: Duration::from_secs(60),
            environment: None,
            session_sql: Vec::new(),
            checks: RunChecks::default(),
            stop: None,
            held: None,
        }
    }

    /// Runs every command on `conn`, a connection the application already holds,
    /// instead of connecting for each: [`into_connection`](Self::into_connection) gives
    /// it back. The URL still names the database (for verify's scratch database and for
    /// backups) and must be the one `conn` is connected to. The session SQL runs on it
    /// once, before the first command; updown's commands end with no transaction open.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), updown::Error> {
    /// use updown::diesel::Connection;
    /// use updown::{AnyConnection, Migrator, Registry};
    /// let url = "sqlite://app.db";
    /// let conn = AnyConnection::establish(url).expect("the application's connection");
    /// let migrator = Migrator::new(Registry::collect()?, url)?.with_connection(conn);
    /// println!("{} pending", migrator.status()?.summary().pending);
    /// let conn = migrator.into_connection();
    /// # Ok(()) }
    /// ```
    pub fn with_connection(mut self, conn: AnyConnection) -> Self {
        let driver = match backend::driver(conn.backend()) {
            Ok(driver) => driver,
            // A backend compiled out has no connection to give.
            Err(_) => unreachable!("an AnyConnection is to a compiled-in backend"),
        };
        self.held = Some(Arc::new(Mutex::new(Held {
            connection: Some((conn, driver)),
            ..Held::default()
        })));
        self
    }

    /// Keeps the connection the first command opens, for the commands after it: a
    /// long-lived migrator (a status endpoint, a CLI running several commands) connects
    /// once.
    pub fn keep_connection(mut self) -> Self {
        self.held.get_or_insert_with(Default::default);
        self
    }

    /// The connection it holds: the one [`with_connection`](Self::with_connection) gave,
    /// or the one it kept.
    pub fn into_connection(self) -> Option<AnyConnection> {
        let held = self.held?;
        let mut held = held.lock().unwrap_or_else(|p| p.into_inner());
        held.connection.take().map(|(conn, _)| conn)
    }

    /// The checks and the backup around `migrate`, `rollback`, `redo` and `reset`
    /// (default: other sessions looked at before, postflight after, no backup).
    pub fn checks(mut self, checks: RunChecks) -> Self {
        self.checks = checks;
        self
    }

    /// A flag that, once set (by a signal handler, say), stops a run after the
    /// migration it is running: that one finishes or rolls back, the lock is released,
    /// and the [`Report`] lists what did not run.
    pub fn stop_when(mut self, flag: Arc<AtomicBool>) -> Self {
        self.stop = Some(flag);
        self
    }

    /// SQL run on every connection before anything else, in order: for migrations that
    /// need a setting, such as `SET FOREIGN_KEY_CHECKS = 0` on MySQL. It runs on the
    /// scratch database of `verify` too.
    pub fn session_sql(mut self, statements: Vec<String>) -> Self {
        self.session_sql = statements;
        self
    }

    fn connect(&self) -> Connect<'_> {
        Connect {
            held: self.held.as_ref(),
            ..self.connect_to(&self.url)
        }
    }

    /// Where a session on another database (a scratch one) connects: never the kept
    /// connection.
    fn connect_to<'a>(&'a self, url: &'a DatabaseUrl) -> Connect<'a> {
        Connect {
            url,
            session_sql: &self.session_sql,
            lock_timeout: self.lock_timeout,
            held: None,
        }
    }

    /// How long to wait for another migrator's lock (default 60 s).
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// The environment name (`production` guards rollback, redo and reset).
    pub fn environment(mut self, name: Option<String>) -> Self {
        self.environment = name;
        self
    }

    /// The migrations it runs.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The database it runs them on.
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Whether the environment is `production`, which guards rollback, redo and reset.
    pub fn is_production(&self) -> bool {
        self.environment
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(PRODUCTION))
    }

    /// Every migration with its state. Reads only: one SELECT, no lock, no table created.
    pub fn status(&self) -> Result<Status, Error> {
        Session::open(&self.connect())?.status(&self.registry)
    }

    /// [`status`](Self::status), and when migrations are pending, whether diesel applied
    /// migrations updown never recorded (see [`adopt_diesel`](Self::adopt_diesel)): then
    /// the pending list is not to be taken at its word. One connection; reads only.
    pub fn status_and_adoption(&self) -> Result<(Status, Option<Problem>), Error> {
        let mut session = Session::open(&self.connect())?;
        let status = session.status(&self.registry)?;
        let problem = match status.summary().pending {
            0 => None,
            _ => self.not_adopted(&mut session, &status)?,
        };
        Ok((status, problem))
    }

    /// What `migrate` would apply on `session`'s database, and every reason it must not:
    /// the plan's own, and a diesel history not adopted.
    fn plan_migrate(
        &self,
        session: &mut Session,
        options: &MigrateOptions,
    ) -> Result<Plan<'_>, Error> {
        let status = session.status(&self.registry)?;
        let mut plan = plan::migrate(&self.registry, &status, options);
        plan.problems.extend(self.not_adopted(session, &status)?);
        Ok(plan)
    }

    /// What `migrate` refuses on a database diesel migrated and updown has not adopted.
    fn not_adopted(
        &self,
        session: &mut Session,
        status: &Status,
    ) -> Result<Option<Problem>, Error> {
        let unadopted = session.unadopted(status)?.unwrap_or_default();
        Ok(unadopted.first().map(|first| Problem::NotAdopted {
            count: unadopted.len(),
            first: match self.registry.diesel_migration(first) {
                Some(m) => format!("{first} {}", m.name()),
                None => first.clone(),
            },
        }))
    }

    /// Where migrations recorded without running go: batch 0 while updown has applied
    /// nothing (what was there before it took over, which a rollback of the last batch
    /// leaves alone), a new batch once it has.
    fn recorded_batch(session: &mut Session) -> Result<i64, Error> {
        Ok(match session.next_batch()? {
            1 => RECORDED_WITHOUT_RUNNING,
            next => next,
        })
    }

    /// The audit trail, oldest first.
    pub fn history(&self) -> Result<Vec<HistoryEntry>, Error> {
        Session::open(&self.connect())?.history()
    }

    /// What `migrate` or `rollback` with these options would run now, and what would
    /// refuse it. Reads only, without the lock: a run re-plans under the lock.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), updown::Error> {
    /// use updown::{MigrateOptions, Migrator, Registry, Request};
    /// let migrator = Migrator::new(Registry::collect()?, "sqlite://app.db")?;
    /// let plan = migrator.plan(Request::Migrate(&MigrateOptions::default()))?;
    /// for m in plan.migrations() {
    ///     println!("would apply {}", m.label());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn plan(&self, request: Request<'_>) -> Result<Plan<'_>, Error> {
        self.plan_on(&mut Session::open(&self.connect())?, request)
    }

    /// [`plan`](Self::plan) on `session`.
    fn plan_on(&self, session: &mut Session, request: Request<'_>) -> Result<Plan<'_>, Error> {
        match request {
            Request::Migrate(options) => self.plan_migrate(session, options),
            Request::Rollback(options) => {
                let rows = session.applied()?;
                Ok(plan::rollback(&self.registry, &rows, options))
            }
        }
    }

    /// Applies every pending migration (up to `options.to`) as one batch.
    pub fn migrate(
        &self,
        options: &MigrateOptions,
        progress: Progress<'_>,
    ) -> Result<Report, Error> {
        if let Some(to) = options.to {
            self.known_version(to)?;
        }
        let run = |session: &mut Session| {
            let plan = self.plan_migrate(session, options)?.or_refuse("migrate")?;
            self.around(
                session,
                "migrate",
                &plan.steps,
                options.dry_run,
                |session| session.apply_all(&plan.steps, progress),
            )
        };
        if options.dry_run {
            return Session::rehearsed(&self.connect(), run);
        }
        // Nothing to do is seen in one read, without the lock: every instance of an
        // application migrating as it starts pays what `status` costs. Anything else
        // (pending, dirty, refused) is planned again under the lock.
        let nothing_to_do = |session: &mut Session| {
            let plan = self.plan_migrate(session, options)?;
            Ok((plan.steps.is_empty() && plan.problems.is_empty()).then(Report::default))
        };
        Session::locked_unless(&self.connect(), Tables::Create, nothing_to_do, run)
    }

    /// Undoes applied migrations: by default the last batch.
    pub fn rollback(
        &self,
        options: &RollbackOptions,
        progress: Progress<'_>,
    ) -> Result<Report, Error> {
        plan::production_guard("rollback", options, self.is_production())?;
        if let RollbackTarget::To(v) = options.target
            && v != 0
        {
            self.known_version(v)?;
        }
        let run = |session: &mut Session| {
            let rows = session.applied()?;
            let plan = plan::rollback(&self.registry, &rows, options).or_refuse("rollback")?;
            self.around(
                session,
                "rollback",
                &plan.steps,
                options.dry_run,
                |session| session.revert_all(&plan.steps, progress),
            )
        };
        self.run(options.dry_run, Tables::Existing, run)
    }

    /// Runs the steps `f` runs for `planned`, under the lock, with the checks around
    /// them: other sessions looked at (refusing unless forced), a backup taken, then after
    /// `f` the postflight. A dry run, or a plan with nothing to do, gets none of them.
    fn around(
        &self,
        session: &mut Session,
        command: &'static str,
        planned: &[Planned<'_>],
        dry_run: bool,
        f: impl FnOnce(&mut Session) -> Result<Report, Error>,
    ) -> Result<Report, Error> {
        session.stop = self.stop.clone();
        if dry_run || planned.is_empty() {
            return f(session);
        }
        let checks = &self.checks;
        // Which tables the run touches: read from its SQL only where a check uses them.
        let sessions_looked_at =
            checks.server_activity && self.url.backend() != crate::url::Backend::Sqlite;
        let touched = match checks.postflight || sessions_looked_at {
            true => flight::touched(planned),
            false => Some(Default::default()),
        };
        let mut preflight = match checks.server_activity {
            true => Some(Preflight {
                pending: planned.len(),
                problems: Vec::new(),
                activity: self.activity_or_refuse(session, command, &touched)?,
                threshold: checks.long_transaction,
            }),
            false => None,
        };
        let backup = match &checks.backup {
            Some(dir) => Some(self.backup(dir)?),
            None => None,
        };
        // A backup can take minutes: what stood in the way may have begun meanwhile.
        if backup.is_some()
            && let Some(preflight) = preflight.as_mut()
        {
            preflight.activity = self.activity_or_refuse(session, command, &touched)?;
        }
        let keys_before = match checks.postflight {
            true => Some(
                crate::keys::foreign_keys(session.conn(), self.url.backend())
                    .map_err(|e| Error::database("listing the foreign keys", e))?,
            ),
            false => None,
        };
        let mut report = f(session)?;
        report.preflight = preflight;
        report.backup = backup;
        if let Some(before) = keys_before
            && !report.steps.is_empty()
        {
            let checked = flight::postflight(
                session,
                &self.registry,
                report.batch,
                Some((&before, &touched)),
            )?;
            let failed = checked.failed();
            report.postflight = Some(checked);
            if failed {
                return Err(Error::PostflightFailed(Box::new(report)));
            }
        }
        Ok(report)
    }

    /// The other sessions a run touching `tables` should not run beside: a refusal of
    /// `command`, or with `force` the list.
    fn activity_or_refuse(
        &self,
        session: &mut Session,
        command: &'static str,
        tables: &crate::activity::Touched,
    ) -> Result<Vec<crate::activity::Activity>, Error> {
        let activity = flight::activity(session, tables, self.checks.long_transaction)?;
        if activity.is_empty() || self.checks.force {
            return Ok(activity);
        }
        Err(Error::Refused {
            command,
            problems: activity.into_iter().map(Problem::Activity).collect(),
        })
    }

    /// What the checks before `request` find, without taking the lock or changing
    /// anything: how many migrations it would run, what in updown's records refuses it,
    /// and other sessions of the server it should not start beside.
    pub fn preflight(&self, request: Request<'_>) -> Result<Preflight, Error> {
        let mut session = Session::open(&self.connect())?;
        let plan = self.plan_on(&mut session, request)?;
        let activity = match (self.checks.server_activity, plan.steps.is_empty()) {
            (true, false) => {
                let tables = flight::touched(&plan.steps);
                flight::activity(&mut session, &tables, self.checks.long_transaction)?
            }
            _ => Vec::new(),
        };
        Ok(Preflight {
            pending: plan.steps.len(),
            problems: plan.problems,
            activity,
            threshold: self.checks.long_transaction,
        })
    }

    /// The checks after a run, alone: every foreign key against its rows, dirty marks,
    /// and the schema checksum, recorded in the history under the last batch.
    pub fn postflight(&self) -> Result<Postflight, Error> {
        Session::locked(&self.connect(), Tables::Existing, |session| {
            flight::postflight(session, &self.registry, None, None)
        })
    }

    /// The schema checksum the last postflight recorded, if any.
    pub fn schema_checksum(&self) -> Result<Option<SchemaChecksum>, Error> {
        Session::open(&self.connect())?.schema_checksum()
    }

    /// Takes a backup of the database into `dir` (see [`crate::backup`]).
    pub fn backup(&self, dir: &Path) -> Result<Backup, Error> {
        let backup = backup::take(&self.url, dir)?;
        tracing::info!(
            target: "updown",
            event = "backup written",
            file = %backup.file.display(),
            bytes = backup.bytes,
            duration_ms = crate::session::millis(backup.duration),
            tool = backup.tool.as_str(),
            "backup written to {}",
            backup.file.display()
        );
        Ok(backup)
    }

    /// Puts a backup back, replacing what the database holds; `file` defaults to the
    /// newest in `dir`. On PostgreSQL and MySQL it holds the migration lock meanwhile.
    pub fn restore(&self, file: Option<&Path>, dir: &Path) -> Result<PathBuf, Error> {
        let file = match file {
            Some(f) => f.to_owned(),
            None => backup::latest_for(&self.url, dir)?,
        };
        let started = Instant::now();
        match self.url.backend() {
            // The backup API takes SQLite's own locks; `BEGIN IMMEDIATE` would block it.
            crate::url::Backend::Sqlite => backup::restore(&self.url, &file)?,
            _ => Session::locked(&self.connect(), Tables::Leave, |_| {
                backup::restore(&self.url, &file)
            })?,
        }
        tracing::info!(
            target: "updown",
            event = "restored",
            file = %file.display(),
            duration_ms = crate::session::millis(started.elapsed()),
            "restored {}",
            file.display()
        );
        Ok(file)
    }

    /// Runs `f` under the lock, or rehearses it.
    fn run(
        &self,
        dry_run: bool,
        tables: Tables,
        f: impl FnOnce(&mut Session) -> Result<Report, Error>,
    ) -> Result<Report, Error> {
        match dry_run {
            true => Session::rehearsed(&self.connect(), f),
            false => Session::locked(&self.connect(), tables, f),
        }
    }

    /// Rolls back the last `steps` migrations, then applies them again as a new batch.
    pub fn redo(
        &self,
        steps: usize,
        options: &RollbackOptions,
        progress: Progress<'_>,
    ) -> Result<Report, Error> {
        plan::production_guard("redo", options, self.is_production())?;
        let options = RollbackOptions {
            target: RollbackTarget::Steps(steps),
            ..options.clone()
        };
        Session::locked(&self.connect(), Tables::Existing, |session| {
            let rows = session.applied()?;
            let plan = plan::rollback(&self.registry, &rows, &options).or_refuse("redo")?;
            self.around(session, "redo", &plan.steps, false, |session| {
                let mut report = session.revert_all(&plan.steps, progress)?;
                // Stopped while rolling back: what was undone is not applied again.
                if report.stopped {
                    return Ok(report);
                }
                let mut again: Vec<Planned<'_>> = plan
                    .migrations()
                    .map(|migration| Planned {
                        migration,
                        batch: None,
                    })
                    .collect();
                again.sort_by_key(|p| self.registry.position(p.migration.version()));
                let applied = session.apply_all(&again, progress)?;
                report.batch = applied.batch;
                report.steps.extend(applied.steps);
                report.stopped = applied.stopped;
                report.not_run = applied.not_run;
                Ok(report)
            })
        })
    }

    /// Rolls back every applied migration. Refused in production.
    pub fn reset(
        &self,
        options: &RollbackOptions,
        progress: Progress<'_>,
    ) -> Result<Report, Error> {
        if self.is_production() {
            return Err(Error::Refused {
                command: "reset",
                problems: vec![Problem::Production { command: "reset" }],
            });
        }
        let options = RollbackOptions {
            target: RollbackTarget::All,
            ..options.clone()
        };
        Session::locked(&self.connect(), Tables::Existing, |session| {
            let rows = session.applied()?;
            let plan = plan::rollback(&self.registry, &rows, &options).or_refuse("reset")?;
            self.around(session, "reset", &plan.steps, false, |session| {
                session.revert_all(&plan.steps, progress)
            })
        })
    }

    /// Accepts reviewed changes: records the code's checksum for modified migrations,
    /// and clears a dirty mark. A dirty migration becomes pending again (it runs on the
    /// next `migrate`) unless `applied` says it was finished by hand.
    pub fn repair(&self, version: Option<i64>, applied: bool) -> Result<Vec<Repair>, Error> {
        if let Some(v) = version {
            self.known_version(v)?;
        }
        Session::locked(&self.connect(), Tables::Existing, |session| {
            let status = session.status(&self.registry)?;
            // A migration being run is refused before anything is repaired.
            let running: Vec<Problem> = status
                .migrations
                .iter()
                .filter(|m| m.state == State::Running && version.is_none_or(|v| v == m.version))
                .map(|m| Problem::Running {
                    version: m.version,
                    name: m.name.clone(),
                })
                .collect();
            if !running.is_empty() {
                return Err(Error::Refused {
                    command: "repair",
                    problems: running,
                });
            }
            let mut done = Vec::new();
            for m in status
                .migrations
                .iter()
                .filter(|m| version.is_none_or(|v| v == m.version))
            {
                // The row and its history entry together, or neither.
                let change = session.all_or_nothing(|session| {
                    let mut tracking = session.tracking();
                    let (change, written) = match m.state {
                        State::Modified => (
                            RepairChange::ChecksumAccepted {
                                recorded: m.recorded_checksum.clone().unwrap_or_default(),
                                current: m.checksum.clone(),
                            },
                            tracking.set_checksum(m.version, &m.checksum),
                        ),
                        State::Dirty if applied => (
                            RepairChange::MarkedApplied,
                            tracking
                                .mark_clean(m.version, 0)
                                .and_then(|_| tracking.set_checksum(m.version, &m.checksum)),
                        ),
                        State::Dirty => (
                            RepairChange::MadePending,
                            tracking.delete_applied(m.version).map(drop),
                        ),
                        _ => return Ok(None),
                    };
                    written.map_err(|e| Error::database("updating updown_migrations", e))?;
                    session.record(&NewHistory {
                        version: m.version,
                        name: &m.name,
                        action: HistoryAction::Repair,
                        batch: m.batch,
                        checksum: &m.checksum,
                        duration_ms: 0,
                        error: None,
                        note: Some(&change.to_string()),
                    })?;
                    Ok(Some(change))
                })?;
                let Some(change) = change else { continue };
                done.push(Repair {
                    version: m.version,
                    name: m.name.clone(),
                    change,
                });
            }
            Ok(done)
        })
    }

    /// Records every pending migration up to `version` as applied without running it,
    /// for a database whose schema already has them, in one transaction. Before updown
    /// applied anything they go in batch 0, which a rollback of the last batch never
    /// picks.
    pub fn baseline(&self, version: i64) -> Result<Report, Error> {
        self.known_version(version)?;
        Session::locked(&self.connect(), Tables::Create, |session| {
            let status = session.status(&self.registry)?;
            let batch = Self::recorded_batch(session)?;
            let pending: Vec<&crate::Migration> = status
                .migrations
                .iter()
                .filter(|m| {
                    m.state == State::Pending && self.registry.at_or_before(m.version, version)
                })
                .filter_map(|m| self.registry.get(m.version))
                .collect();
            self.record_all(
                session,
                &pending,
                batch,
                HistoryAction::Baseline,
                "recorded as applied without running",
            )
        })
    }

    /// Takes over a database diesel migrated: records every version
    /// `__diesel_schema_migrations` lists and updown never knew of as applied in updown's
    /// tables (history action `adopt`), in one transaction, running nothing and leaving
    /// diesel's table as it is. Before updown applied anything they go in batch 0, which
    /// a rollback of the last batch never picks. It can run again after diesel applied
    /// more. Refused, writing nothing (not even updown's tables), when the database has no
    /// diesel table or diesel recorded a version no migration of the program has.
    pub fn adopt_diesel(&self) -> Result<Report, Error> {
        const COMMAND: &str = "adopt diesel";
        let refuse = |problems| Error::Refused {
            command: COMMAND,
            problems,
        };
        Session::locked(&self.connect(), Tables::Leave, |session| {
            let status = session.status(&self.registry)?;
            let Some(versions) = session.unadopted(&status)? else {
                return Err(refuse(vec![Problem::NoDieselTable]));
            };
            let (mut adopted, mut unknown) = (Vec::new(), Vec::new());
            for version in versions {
                match self.registry.diesel_migration(&version) {
                    Some(m) => adopted.push(m),
                    None => unknown.push(Problem::UnknownDieselVersion { version }),
                }
            }
            if !unknown.is_empty() {
                return Err(refuse(unknown));
            }
            adopted.sort_by_key(|m| self.registry.position(m.version));
            if adopted.is_empty() {
                return Ok(Report::default());
            }
            session.prepare_tracking()?;
            let batch = Self::recorded_batch(session)?;
            self.record_all(
                session,
                &adopted,
                batch,
                HistoryAction::Adopt,
                "applied by diesel; recorded without running",
            )
        })
    }

    /// Records `migrations` as applied in `batch` without running them, all or none.
    fn record_all(
        &self,
        session: &mut Session,
        migrations: &[&crate::Migration],
        batch: i64,
        action: HistoryAction,
        note: &str,
    ) -> Result<Report, Error> {
        let mut report = Report::default();
        if migrations.is_empty() {
            return Ok(report);
        }
        report.batch = Some(batch);
        session.all_or_nothing(|session| {
            for m in migrations {
                report
                    .steps
                    .push(record_without_running(session, m, batch, action, note)?);
            }
            Ok(())
        })?;
        Ok(report)
    }

    /// Proves every `down`: for each migration, snapshot, `up`, snapshot, `down`, compare
    /// with the first snapshot, `up` again, compare with the second. Stops at the first
    /// failure, or with `options.keep_going` goes on from a fresh scratch database brought
    /// up to the failing migration. Runs on a scratch database unless `options.in_place`;
    /// `on_step` hears of each verdict as it is reached.
    pub fn verify(
        &self,
        options: &VerifyOptions,
        on_step: &mut dyn FnMut(VerifyProgress<'_>),
    ) -> Result<VerifyReport, Error> {
        for bound in [options.from, options.to].into_iter().flatten() {
            self.known_version(bound)?;
        }
        if options.in_place && options.keep_going {
            return Err(Error::InvalidOptions {
                problem: "`--keep-going` needs a scratch database to go on from, and \
                          `--in-place` verifies on the target"
                    .into(),
                fix: "drop one of the two options".into(),
            });
        }
        let started = Instant::now();
        let mut verifying = verify::Verifying {
            options,
            registry: &self.registry,
            done: 0,
            total: 0,
            on_step,
        };
        verifying.total = verifying.migrations().len();
        if options.in_place {
            // `down` would run on what diesel applied and updown does not know of.
            let mut session = Session::open(&self.connect())?;
            let status = session.status(&self.registry)?;
            if let Some(problem) = self.not_adopted(&mut session, &status)? {
                return Err(Error::Refused {
                    command: "verify",
                    problems: vec![problem],
                });
            }
            let pass = Session::locked(&self.connect(), Tables::Create, |session| {
                verify::run(session, &mut verifying, None)
            })?;
            return Ok(VerifyReport {
                database: self.url.redacted().to_owned(),
                in_place: true,
                steps: pass.steps,
                duration: started.elapsed(),
                warnings: Vec::new(),
            });
        }
        let extensions = self.extensions_to_install()?;
        let mut report = VerifyReport {
            database: String::new(),
            in_place: false,
            steps: Vec::new(),
            duration: Duration::ZERO,
            warnings: Vec::new(),
        };
        let mut resume_after = None;
        loop {
            let scratch = backend::scratch(&self.url, "verify")?;
            if report.database.is_empty() {
                report.database = scratch.url.redacted().to_owned();
            }
            // A throwaway database needs none of updown's tables: nothing is recorded.
            let pass =
                Session::locked(&self.connect_to(&scratch.url), Tables::Scratch, |session| {
                    session.throwaway = true;
                    let warnings = session.prepare_scratch(&extensions, &options.scratch_setup)?;
                    if resume_after.is_none() {
                        report.warnings.extend(warnings);
                    }
                    verify::run(session, &mut verifying, resume_after)
                })?;
            report.steps.extend(pass.steps);
            match pass.resume_after {
                Some(version) => resume_after = Some(version),
                None => break,
            }
        }
        report.duration = started.elapsed();
        Ok(report)
    }

    /// The target's extensions that a scratch database should have, where the target
    /// can be read; those some migration creates itself are left to it.
    fn extensions_to_install(&self) -> Result<Vec<(String, String)>, Error> {
        if self.url.backend() != crate::url::Backend::Postgres {
            return Ok(Vec::new());
        }
        let Ok(mut session) = Session::open(&self.connect()) else {
            return Ok(Vec::new());
        };
        let created = self.registry.created_extensions();
        Ok(session
            .extensions()?
            .into_iter()
            .filter(|(name, _)| !created.contains(&name.to_lowercase()))
            .collect())
    }

    fn known_version(&self, version: i64) -> Result<(), Error> {
        match self.registry.get(version) {
            Some(_) => Ok(()),
            None => Err(Error::UnknownVersion { version }),
        }
    }
}

/// The batch of migrations recorded as applied without running them (baseline, adopt)
/// before updown applied anything: a rollback of the last batch never undoes them.
pub(crate) const RECORDED_WITHOUT_RUNNING: i64 = 0;

/// Records `m` as applied in `batch` without running it (baseline, adopt), with its
/// history row.
fn record_without_running(
    session: &mut Session,
    m: &crate::Migration,
    batch: i64,
    action: HistoryAction,
    note: &str,
) -> Result<Step, Error> {
    let context = || {
        format!(
            "recording migration {} as applied (nothing was recorded)",
            m.label()
        )
    };
    let mut tracking = session.tracking();
    tracking
        .insert_applied(m, 0, batch, RowState::Applied, None)
        .and_then(|()| {
            tracking.record(&NewHistory {
                version: m.version(),
                name: m.name(),
                action,
                batch: Some(batch),
                checksum: m.checksum(),
                duration_ms: 0,
                error: None,
                note: Some(note),
            })
        })
        .map_err(|e| Error::database(context(), e))?;
    Ok(Step {
        action: Action::Apply,
        version: m.version(),
        name: m.name().to_owned(),
        duration: Duration::ZERO,
        statements: Vec::new(),
        rehearsed: false,
    })
}
