//! The migrator: lock -> ensure tables -> read applied -> validate -> apply or revert ->
//! unlock. It never branches on the backend; what differs lives behind [`Driver`].

use std::time::Duration;

use crate::backend::{self, LockError};
use crate::connection::AnyConnection;
use crate::error::{Error, Problem};
use crate::migration::Migration;
use crate::registry::Registry;
use crate::session::Session;
use crate::statement_log::StatementLog;
use crate::status::{State, Status};
use crate::tracking::{self, AppliedRow, HistoryEntry, NewHistory, STATE_APPLIED};
use crate::url::DatabaseUrl;

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
}

/// Options of [`Migrator::migrate`].
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

/// Options of [`Migrator::rollback`], [`Migrator::redo`] and [`Migrator::reset`].
#[derive(Debug, Clone, Default)]
pub struct RollbackOptions {
    pub target: RollbackTarget,
    /// Roll back migrations whose code changed since they were applied.
    pub allow_drift: bool,
    /// Confirms a destructive command where the environment asks for it (production).
    pub yes: bool,
    /// Rehearse, as [`MigrateOptions::dry_run`].
    pub dry_run: bool,
}

/// What a step does to a migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Apply,
    Rollback,
}

/// Progress of a run, reported as it happens.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    Started {
        action: Action,
        version: i64,
        name: &'a str,
    },
    Finished {
        action: Action,
        version: i64,
        name: &'a str,
        duration: Duration,
    },
    Failed {
        action: Action,
        version: i64,
        name: &'a str,
        duration: Duration,
    },
}

/// One migration applied or rolled back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub action: Action,
    pub version: i64,
    pub name: String,
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
    pub steps: Vec<Step>,
}

/// A callback receiving [`Event`]s.
pub type Progress<'p> = &'p mut dyn FnMut(Event<'_>);

const PRODUCTION: &str = "production";

impl Migrator {
    /// A migrator for `database_url` (see [`DatabaseUrl`] for the accepted forms).
    pub fn new(registry: Registry, database_url: &str) -> Result<Self, Error> {
        Ok(Migrator {
            registry,
            url: DatabaseUrl::parse(database_url)?,
            lock_timeout: Duration::from_secs(60),
            environment: None,
        })
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

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    fn is_production(&self) -> bool {
        self.environment
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(PRODUCTION))
    }

    /// Every migration with its state. Reads only: one SELECT, no lock, no table created.
    pub fn status(&self) -> Result<Status, Error> {
        let mut session = self.open()?;
        let rows = session.applied_if_tracked()?;
        Ok(Status::compute(&self.registry, &rows))
    }

    /// The audit trail, oldest first.
    pub fn history(&self) -> Result<Vec<HistoryEntry>, Error> {
        let mut session = self.open()?;
        if !session.tracked()? {
            return Ok(Vec::new());
        }
        tracking::history(&mut session.conn)
            .map_err(|e| Error::database("reading updown_history", e))
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
            let status = session.status(&self.registry)?;
            refuse_if("migrate", migrate_problems(&status, options))?;
            let plan: Vec<&'static Migration> = status
                .migrations
                .iter()
                .filter(|m| {
                    m.state == State::Pending && options.to.is_none_or(|to| m.version <= to)
                })
                .filter_map(|m| self.registry.get(m.version))
                .collect();
            session.apply_all(&plan, progress)
        };
        if options.dry_run {
            self.rehearsed(run)
        } else {
            self.locked(run)
        }
    }

    /// Undoes applied migrations: by default the last batch.
    pub fn rollback(
        &self,
        options: &RollbackOptions,
        progress: Progress<'_>,
    ) -> Result<Report, Error> {
        self.guard_production("rollback", options)?;
        if let RollbackTarget::To(v) = options.target
            && v != 0
        {
            self.known_version(v)?;
        }
        let run = |session: &mut Session| {
            let rows = session.applied_if_tracked()?;
            let plan = self.rollback_plan("rollback", &rows, options)?;
            session.revert_all(&plan, progress)
        };
        if options.dry_run {
            self.rehearsed(run)
        } else {
            self.locked(run)
        }
    }

    /// Rolls back the last `steps` migrations, then applies them again as a new batch.
    pub fn redo(
        &self,
        steps: usize,
        options: &RollbackOptions,
        progress: Progress<'_>,
    ) -> Result<Report, Error> {
        self.guard_production("redo", options)?;
        let options = RollbackOptions {
            target: RollbackTarget::Steps(steps),
            ..options.clone()
        };
        self.locked(|session| {
            let rows = session.applied()?;
            let plan = self.rollback_plan("redo", &rows, &options)?;
            let mut report = session.revert_all(&plan, progress)?;
            let mut again: Vec<&'static Migration> = plan.iter().map(|(m, _)| *m).collect();
            again.sort_by_key(|m| m.version);
            let applied = session.apply_all(&again, progress)?;
            report.batch = applied.batch;
            report.steps.extend(applied.steps);
            Ok(report)
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
                problems: vec![Problem::Production {
                    reason: "reset rolls back every migration and is refused in the production environment; roll back what you need with `rollback --to V --yes`".into(),
                }],
            });
        }
        let options = RollbackOptions {
            target: RollbackTarget::All,
            ..options.clone()
        };
        self.locked(|session| {
            let rows = session.applied()?;
            let plan = self.rollback_plan("reset", &rows, &options)?;
            session.revert_all(&plan, progress)
        })
    }

    /// Accepts reviewed changes: records the code's checksum for modified migrations,
    /// and clears a dirty mark. A dirty migration becomes pending again (it runs on the
    /// next `migrate`) unless `applied` says it was finished by hand.
    pub fn repair(&self, version: Option<i64>, applied: bool) -> Result<Vec<String>, Error> {
        if let Some(v) = version {
            self.known_version(v)?;
        }
        self.locked(|session| {
            let status = session.status(&self.registry)?;
            let mut done = Vec::new();
            for m in status
                .migrations
                .iter()
                .filter(|m| version.is_none_or(|v| v == m.version))
            {
                let recorded = m.recorded_checksum.clone().unwrap_or_default();
                let note = match m.state {
                    State::Modified => {
                        tracking::set_checksum(&mut session.conn, m.version, &m.checksum)
                            .map_err(|e| Error::database("updating updown_migrations", e))?;
                        format!(
                            "accepted checksum {} (was {})",
                            &m.checksum[..12],
                            &recorded[..recorded.len().min(12)]
                        )
                    }
                    State::Dirty if applied => {
                        tracking::mark_clean(&mut session.conn, m.version, 0)
                            .and_then(|()| {
                                tracking::set_checksum(&mut session.conn, m.version, &m.checksum)
                            })
                            .map_err(|e| Error::database("updating updown_migrations", e))?;
                        "dirty mark cleared; recorded as applied".to_owned()
                    }
                    State::Dirty => {
                        tracking::delete_applied(&mut session.conn, m.version)
                            .map_err(|e| Error::database("updating updown_migrations", e))?;
                        "dirty mark cleared; pending again".to_owned()
                    }
                    _ => continue,
                };
                session.record(&NewHistory {
                    version: m.version,
                    name: &m.name,
                    action: "repair",
                    batch: m.batch,
                    checksum: &m.checksum,
                    duration_ms: 0,
                    error: None,
                    note: Some(&note),
                })?;
                done.push(format!("{} {}: {note}", m.version, m.name));
            }
            Ok(done)
        })
    }

    /// Records every pending migration up to `version` as applied without running it,
    /// for a database whose schema already has them.
    pub fn baseline(&self, version: i64) -> Result<Report, Error> {
        self.known_version(version)?;
        self.locked(|session| {
            let status = session.status(&self.registry)?;
            let batch = session.next_batch()?;
            let mut report = Report::default();
            for m in status
                .migrations
                .iter()
                .filter(|m| m.state == State::Pending && m.version <= version)
            {
                let migration = self
                    .registry
                    .get(m.version)
                    .expect("pending migrations are in the code");
                tracking::insert_applied(
                    &mut session.conn,
                    migration.version,
                    migration.name,
                    migration.checksum,
                    0,
                    batch,
                    STATE_APPLIED,
                )
                .map_err(|e| Error::database("writing updown_migrations", e))?;
                session.record(&NewHistory {
                    version: migration.version,
                    name: migration.name,
                    action: "baseline",
                    batch: Some(batch),
                    checksum: migration.checksum,
                    duration_ms: 0,
                    error: None,
                    note: Some("recorded as applied without running"),
                })?;
                report.batch = Some(batch);
                report.steps.push(Step {
                    action: Action::Apply,
                    version: migration.version,
                    name: migration.name.to_owned(),
                    duration: Duration::ZERO,
                    statements: Vec::new(),
                    rehearsed: false,
                });
            }
            Ok(report)
        })
    }

    fn guard_production(
        &self,
        command: &'static str,
        options: &RollbackOptions,
    ) -> Result<(), Error> {
        if self.is_production() && !options.yes && !options.dry_run {
            return Err(Error::Refused {
                command,
                problems: vec![Problem::Production {
                    reason: format!(
                        "`{command}` undoes migrations in the production environment; check what it will undo with `status`, then pass `--yes`"
                    ),
                }],
            });
        }
        Ok(())
    }

    fn known_version(&self, version: i64) -> Result<(), Error> {
        match self.registry.get(version) {
            Some(_) => Ok(()),
            None => Err(Error::UnknownVersion { version }),
        }
    }

    /// The applied migrations a rollback undoes, newest first, each with its code.
    /// Everything that would stop it half-way is found before anything runs.
    fn rollback_plan<'r>(
        &self,
        command: &'static str,
        rows: &'r [AppliedRow],
        options: &RollbackOptions,
    ) -> Result<Vec<(&'static Migration, &'r AppliedRow)>, Error> {
        let mut problems: Vec<Problem> = rows
            .iter()
            .filter(|r| r.is_dirty())
            .map(|r| Problem::Dirty {
                version: r.version,
                name: r.name.clone(),
            })
            .collect();
        let mut newest_first: Vec<&AppliedRow> = rows.iter().filter(|r| !r.is_dirty()).collect();
        newest_first.sort_by_key(|r| std::cmp::Reverse((r.batch, r.version)));
        let targets: Vec<&AppliedRow> = match options.target {
            RollbackTarget::LastBatch => {
                let last = newest_first.first().map(|r| r.batch);
                newest_first
                    .into_iter()
                    .filter(|r| Some(r.batch) == last)
                    .collect()
            }
            RollbackTarget::Steps(n) => newest_first.into_iter().take(n).collect(),
            RollbackTarget::To(v) => newest_first.into_iter().filter(|r| r.version > v).collect(),
            RollbackTarget::All => newest_first,
        };
        let mut plan = Vec::with_capacity(targets.len());
        for row in targets {
            match self.registry.get(row.version) {
                None => problems.push(Problem::NotInCode {
                    version: row.version,
                    name: row.name.clone(),
                }),
                Some(m) => {
                    if let Some(reason) = m.irreversible {
                        problems.push(Problem::Irreversible {
                            version: m.version,
                            name: m.name.to_owned(),
                            reason: reason.to_owned(),
                        });
                    } else if row.checksum != m.checksum && !options.allow_drift {
                        problems.push(Problem::Drift {
                            version: m.version,
                            name: m.name.to_owned(),
                            recorded: row.checksum.clone(),
                            current: m.checksum.to_owned(),
                        });
                    }
                    plan.push((m, row));
                }
            }
        }
        refuse_if(command, problems)?;
        Ok(plan)
    }

    fn open(&self) -> Result<Session, Error> {
        self.open_url(&self.url)
    }

    fn open_url(&self, url: &DatabaseUrl) -> Result<Session, Error> {
        let (mut conn, driver) = backend::connect(url)?;
        let log = StatementLog::default();
        diesel::Connection::set_instrumentation(&mut conn, log.clone());
        Ok(Session {
            conn,
            driver,
            log,
            dry_run: false,
        })
    }

    /// Runs `f` holding the migration lock, with updown's tables in place. The lock is
    /// released on every path out of `f`; if the process dies, the database releases it
    /// with the connection.
    fn locked<T>(&self, f: impl FnOnce(&mut Session) -> Result<T, Error>) -> Result<T, Error> {
        self.locked_on(&self.url, f)
    }

    /// A dry run of `f`, under the lock: where DDL is transactional, inside one
    /// transaction rolled back at the end (updown's tables included), each body's
    /// statements captured; elsewhere nothing runs and SQL migrations are listed.
    fn rehearsed(
        &self,
        f: impl FnOnce(&mut Session) -> Result<Report, Error>,
    ) -> Result<Report, Error> {
        use diesel::connection::{Connection, TransactionManager};
        type Manager = <AnyConnection as Connection>::TransactionManager;
        self.locked_with(&self.url, false, |session| {
            session.dry_run = true;
            session.log.set_capture(true);
            if !session.driver.transactional_ddl() {
                return f(session);
            }
            Manager::begin_transaction(&mut session.conn)
                .map_err(|e| Error::database("starting the dry run's transaction", e))?;
            let result = session
                .driver
                .create_tracking(&mut session.conn)
                .map_err(|e| Error::database("creating updown's tables", e))
                .and_then(|()| f(session));
            Manager::rollback_transaction(&mut session.conn)
                .map_err(|e| Error::database("rolling back the dry run", e))?;
            result
        })
    }

    /// [`locked`](Self::locked) on another database (verify's scratch database).
    pub(crate) fn locked_on<T>(
        &self,
        url: &DatabaseUrl,
        f: impl FnOnce(&mut Session) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.locked_with(url, true, f)
    }

    fn locked_with<T>(
        &self,
        url: &DatabaseUrl,
        create_tables: bool,
        f: impl FnOnce(&mut Session) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut session = self.open_url(url)?;
        session
            .driver
            .lock(&mut session.conn, self.lock_timeout)
            .map_err(|e| match e {
                LockError::Timeout { holder } => Error::LockTimeout {
                    waited: self.lock_timeout,
                    holder,
                },
                LockError::Database(e) => {
                    Error::database("taking the migration lock", self.url.scrub(&e.to_string()))
                }
            })?;
        let created = if create_tables {
            session
                .driver
                .create_tracking(&mut session.conn)
                .map_err(|e| Error::database("creating updown's tables", e))
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
}

/// The problems that stop `migrate` before it runs anything.
fn migrate_problems(status: &Status, options: &MigrateOptions) -> Vec<Problem> {
    let latest = status
        .migrations
        .iter()
        .filter(|m| m.state != State::Pending)
        .map(|m| m.version)
        .max();
    let mut problems = Vec::new();
    for m in &status.migrations {
        let (version, name) = (m.version, m.name.clone());
        match m.state {
            State::Dirty => problems.push(Problem::Dirty { version, name }),
            State::Modified if !options.allow_drift => problems.push(Problem::Drift {
                version,
                name,
                recorded: m.recorded_checksum.clone().unwrap_or_default(),
                current: m.checksum.clone(),
            }),
            State::Missing if !options.allow_missing => {
                problems.push(Problem::Missing { version, name })
            }
            State::Pending
                if !options.allow_out_of_order && options.to.is_none_or(|to| version <= to) =>
            {
                if let Some(latest_applied) = latest.filter(|&l| l > version) {
                    problems.push(Problem::OutOfOrder {
                        version,
                        name,
                        latest_applied,
                    });
                }
            }
            _ => {}
        }
    }
    problems
}

fn refuse_if(command: &'static str, problems: Vec<Problem>) -> Result<(), Error> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Refused { command, problems })
    }
}
