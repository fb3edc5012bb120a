//! One connection to the database being migrated, held under the migration lock, and
//! the steps run on it: each migration applied or reverted with its tracking and
//! history rows.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use diesel::connection::{Connection, SimpleConnection, TransactionManager};
use diesel::{QueryableByName, RunQueryDsl};

use crate::backend::{self, Driver, LockError};
use crate::connection::AnyConnection;
use crate::db::{Db, Guard, MigrationError};
use crate::error::{Aftermath, Error, Failure};
use crate::fault;
use crate::migration::{Body, Migration};
use crate::plan::Planned;
use crate::registry::Registry;
use crate::run::{Action, Event, Phase, Progress, Report, Step};
use crate::schema::{Scope, Snapshot};
use crate::statement_log::StatementLog;
use crate::status::Status;
use crate::tracking::{
    AppliedRow, HistoryAction, HistoryEntry, LAYOUT, Layout, NewHistory, RowState, StepRows,
    Tracking, check_columns, now,
};
use crate::url::{Backend, DatabaseUrl};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// One connection, its driver, and the log of the statements it ran.
pub(crate) struct Session {
    conn: Lent<AnyConnection>,
    driver: Lent<Box<dyn Driver>>,
    /// Where the connection goes back when the session ends: the migrator's, lent.
    lent_from: Option<Arc<Mutex<Held>>>,
    log: StatementLog,
    /// A dry run: steps run inside one transaction that is rolled back at the end, and
    /// each step's statements are kept for the report.
    dry_run: bool,
    /// A scratch database that is thrown away: steps record nothing in updown's
    /// tables, which nothing will read.
    pub(crate) throwaway: bool,
    /// Set once updown's tables are known to be at this updown's layout.
    current_layout: bool,
    /// `current_layout` was taken from an earlier session on this connection, unchecked.
    layout_remembered: bool,
    /// This session's id, recorded on the rows it marks running.
    runner: Option<String>,
    /// The database it is connected to.
    pub(crate) backend: Backend,
    /// Set when the run is to stop after the migration it is running.
    pub(crate) stop: Option<Arc<AtomicBool>>,
    /// The rows of steps that ran inside a savepoint still open, to write before it is
    /// released (where the driver defers them): `Some` while that savepoint is open.
    deferred: Option<Vec<DeferredStep>>,
    /// Inside `run_steps`, which writes what is deferred before it returns.
    in_run: bool,
}

/// A step whose rows are deferred: what it writes, as of when it ran.
struct DeferredStep {
    rows: StepRows,
    at: String,
    duration_ms: i64,
}

/// A connection a [`Migrator`](crate::Migrator) keeps between commands (the
/// application's own, or one it opened once), with the driver that knows its state.
#[derive(Default)]
pub(crate) struct Held {
    pub(crate) connection: Option<(AnyConnection, Box<dyn Driver>)>,
    /// The session SQL ran on it.
    pub(crate) ready: bool,
    /// updown's tables were at this updown's layout when a session last looked.
    pub(crate) layout_current: bool,
}

/// The session's connection or driver: taken from a [`Held`] slot, or its own. Always
/// present until the session is dropped and gives a lent one back.
struct Lent<T>(Option<T>);

impl<T> std::ops::Deref for Lent<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.0
            .as_ref()
            .expect("a session has its connection until dropped")
    }
}

impl<T> std::ops::DerefMut for Lent<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.0
            .as_mut()
            .expect("a session has its connection until dropped")
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let Some(slot) = self.lent_from.take() else {
            return;
        };
        // A session left by a panic may hold a transaction (SQLite's lock): not given back.
        let open = backend::in_transaction(&mut *self.conn);
        let conn = self.conn.0.take().filter(|_| !open);
        let mut held = slot.lock().unwrap_or_else(|p| p.into_inner());
        held.connection = conn.zip(self.driver.0.take());
        held.ready = true;
        held.layout_current = self.current_layout;
    }
}

/// What to do about a table of updown's name that is another program's.
const FOREIGN_TABLE_FIX: &str = "check that the database URL names the database this program migrates; if it does, rename that table so that updown can create its own";

/// A wait for the lock this long means another migrator held it (an uncontended lock
/// takes a few milliseconds).
const LOCK_WAIT_WORTH_TELLING: Duration = Duration::from_millis(100);

/// What a locked session does with updown's tables before it runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tables {
    /// Creates them where there are none; upgrades an older layout.
    Create,
    /// Upgrades an older layout, creates nothing where there are none: a rollback or a
    /// repair of a database updown never migrated has nothing to do, and leaves it so.
    Existing,
    /// Leaves them alone: a caller that prepares them itself.
    Leave,
    /// A scratch database, created (its SQLite file too) and left without them.
    Scratch,
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
    /// The migrator's kept connection, used instead of connecting when there is one.
    pub held: Option<&'a Arc<Mutex<Held>>>,
}

impl Session {
    /// A session that reads: a SQLite file that does not exist is not created, and reads
    /// as an empty database.
    pub(crate) fn open(to: &Connect<'_>) -> Result<Session, Error> {
        Self::open_with(to, false)
    }

    /// A session, creating the SQLite file when `create` and it does not exist.
    fn open_with(to: &Connect<'_>, create: bool) -> Result<Session, Error> {
        let lent = to.held.and_then(|slot| {
            let mut held = slot.lock().unwrap_or_else(|p| p.into_inner());
            let known = (held.ready, held.layout_current);
            held.connection.take().map(|c| (c, known))
        });
        let (conn, driver, (ready, layout_current), lend) = match lent {
            Some(((conn, driver), known)) => (conn, driver, known, true),
            None => {
                let (conn, driver) = backend::connect(to.url, create)?;
                // A SQLite file that does not exist yet is read through a stand-in.
                let real = create || to.url.missing_file().is_none();
                (conn, driver, (false, false), to.held.is_some() && real)
            }
        };
        if conn.backend() != to.url.backend() {
            return Err(Error::Connect {
                url: to.url.redacted().to_owned(),
                cause: format!(
                    "the connection given to the migrator is to {}, and its URL is to {}: give it a connection to the database the URL names",
                    conn.backend().name(),
                    to.url.backend().name()
                ),
            });
        }
        let mut conn = conn;
        for sql in to.session_sql.iter().filter(|_| !ready) {
            conn.batch_execute(sql).map_err(|e| Error::DatabaseText {
                context: format!("running the session SQL `{sql}`"),
                cause: to.url.scrub(&e.to_string()),
            })?;
        }
        let log = StatementLog::default();
        conn.set_instrumentation(log.clone());
        Ok(Session {
            conn: Lent(Some(conn)),
            driver: Lent(Some(driver)),
            lent_from: lend.then(|| to.held.cloned()).flatten(),
            log,
            dry_run: false,
            throwaway: false,
            current_layout: layout_current,
            layout_remembered: layout_current,
            runner: None,
            backend: to.url.backend(),
            stop: None,
            deferred: None,
            in_run: false,
        })
    }

    /// Runs `f` on `url` holding the migration lock, with updown's tables in place. The
    /// lock is released on every path out of `f`; if the process dies, the database
    /// releases it with the connection.
    pub(crate) fn locked<T>(
        to: &Connect<'_>,
        tables: Tables,
        f: impl FnOnce(&mut Session) -> Result<T, Error>,
    ) -> Result<T, Error> {
        Self::locked_on(Self::open_for(to, tables)?, to, tables, f)
    }

    /// A dry run of `f`, under the lock: where DDL is transactional, inside one
    /// transaction rolled back at the end (updown's tables included), each body's
    /// statements captured; elsewhere nothing runs and SQL migrations are listed.
    pub(crate) fn rehearsed(
        to: &Connect<'_>,
        f: impl FnOnce(&mut Session) -> Result<Report, Error>,
    ) -> Result<Report, Error> {
        type Manager = <AnyConnection as Connection>::TransactionManager;
        let session = Session::open(to)?;
        Self::locked_on(session, to, Tables::Leave, |session| {
            session.dry_run = true;
            session.log.set_capture(true);
            if !session.driver.transactional_ddl() {
                return f(session);
            }
            Manager::begin_transaction(&mut session.conn)
                .map_err(|e| Error::database("starting the dry run's transaction", e))?;
            let result = session.prepare_tracking().and_then(|()| f(session));
            Manager::rollback_transaction(&mut session.conn)
                .map_err(|e| Error::database("rolling back the dry run", e))?;
            result
        })
    }

    /// [`locked`](Self::locked), unless `unlocked`, run first on the same connection
    /// without the lock, already has the answer: there only when updown's tables are at
    /// this layout (else the lock is needed to bring them up to it).
    pub(crate) fn locked_unless<T>(
        to: &Connect<'_>,
        tables: Tables,
        unlocked: impl FnOnce(&mut Session) -> Result<Option<T>, Error>,
        f: impl FnOnce(&mut Session) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut session = Self::open_for(to, tables)?;
        if matches!(session.layout()?, Layout::Current)
            && let Some(answer) = unlocked(&mut session)?
        {
            return Ok(answer);
        }
        Self::locked_on(session, to, tables, f)
    }

    /// A session for a locked command: the SQLite file created where `tables` asks.
    fn open_for(to: &Connect<'_>, tables: Tables) -> Result<Session, Error> {
        Session::open_with(to, matches!(tables, Tables::Create | Tables::Scratch))
    }

    fn locked_on<T>(
        mut session: Session,
        to: &Connect<'_>,
        tables: Tables,
        f: impl FnOnce(&mut Session) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let (url, timeout) = (to.url, to.lock_timeout);
        let asked = Instant::now();
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
        let waited = asked.elapsed();
        if waited >= LOCK_WAIT_WORTH_TELLING {
            tracing::info!(
                target: "updown",
                event = "lock waited",
                duration_ms = millis(waited),
                "waited {} ms for the migration lock",
                waited.as_millis()
            );
        }
        // What a run writes follows the layout as it is now, not as an earlier session saw it.
        if session.layout_remembered {
            session.current_layout = false;
            session.layout_remembered = false;
        }
        let created = match tables {
            Tables::Create => session.prepare_tracking(),
            Tables::Existing => session.layout().and_then(|layout| match layout {
                Layout::ABSENT => Ok(()),
                _ => session.prepare_tracking(),
            }),
            Tables::Leave | Tables::Scratch => Ok(()),
        };
        let result = created.and_then(|()| f(&mut session));
        fault::point("before-unlock", None);
        let released = session.driver.unlock(&mut session.conn);
        match (result, released) {
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(Error::database("releasing the migration lock", e)),
            (Ok(value), Ok(())) => Ok(value),
        }
    }

    /// Brings updown's tables to this updown's layout: creates them in a database that
    /// has none, upgrades an older layout in place keeping every row, and refuses,
    /// creating nothing, tables of those names that are not updown's.
    pub(crate) fn prepare_tracking(&mut self) -> Result<(), Error> {
        let layout = self.layout()?;
        let statements = layout.upgrade(&self.driver.column_types());
        if statements.is_empty() {
            return Ok(());
        }
        // Rows this updown cannot read are refused before anything is upgraded.
        if layout.has_migrations() {
            self.applied()?;
        }
        let run = |session: &mut Session| {
            for sql in &statements {
                session.conn.batch_execute(sql).map_err(|e| {
                    Error::database(format!("bringing updown's tables to layout {LAYOUT}"), e)
                })?;
            }
            Ok(())
        };
        // Where DDL commits implicitly, an interrupted upgrade is finished by the next
        // run: the layout is read from what is there.
        match self.driver.transactional_ddl() {
            true => self.all_or_nothing(run)?,
            false => run(self)?,
        }
        self.current_layout = true;
        Ok(())
    }

    /// The connection, for queries of other modules.
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }

    /// The door to updown's tables on this connection.
    pub(crate) fn tracking(&mut self) -> Tracking<'_> {
        Tracking(&mut self.conn)
    }

    /// What the database holds of updown's tables, read without changing anything; an
    /// error where a table of theirs is another program's or a newer updown's.
    fn layout(&mut self) -> Result<Layout, Error> {
        if self.current_layout {
            return Ok(Layout::Current);
        }
        let failed = |e| Error::database("reading the layout of updown's tables", e);
        let foreign = |problem| Error::Tracking {
            problem,
            fix: FOREIGN_TABLE_FIX.into(),
        };
        let marker_columns = self
            .driver
            .columns(&mut self.conn, "updown_layout")
            .map_err(failed)?;
        let marker = marker_columns.is_some();
        if let Some(columns) = marker_columns {
            if columns.len() != 1 || !columns[0].eq_ignore_ascii_case("version") {
                return Err(foreign(format!(
                    "the table `updown_layout` in this database is not updown's: its columns are {}, updown's is version",
                    columns.join(", ")
                )));
            }
            match self.tracking().recorded_layout().map_err(failed)? {
                Some(LAYOUT) => {
                    self.current_layout = true;
                    return Ok(Layout::Current);
                }
                Some(newer) if newer > LAYOUT => {
                    return Err(Error::Tracking {
                        problem: format!(
                            "updown's tables here are at layout {newer}, written by a newer updown; this program's updown knows layouts up to {LAYOUT}"
                        ),
                        fix: "migrate with the newer program, or upgrade the `updown` crate of this one".into(),
                    });
                }
                _ => {}
            }
        }
        let migrations = self
            .driver
            .columns(&mut self.conn, "updown_migrations")
            .map_err(failed)?;
        let runner = match &migrations {
            Some(columns) => check_columns("updown_migrations", columns).map_err(foreign)?,
            None => false,
        };
        let history = self
            .driver
            .columns(&mut self.conn, "updown_history")
            .map_err(failed)?;
        if let Some(columns) = &history {
            check_columns("updown_history", columns).map_err(foreign)?;
        }
        Ok(Layout::Partial {
            migrations: migrations.is_some(),
            runner,
            history: history.is_some(),
            marker,
        })
    }

    /// The rows of `updown_migrations`, by version; none when it does not exist yet.
    pub(crate) fn applied(&mut self) -> Result<Vec<AppliedRow>, Error> {
        let layout = self.layout()?;
        if !layout.has_migrations() {
            return Ok(Vec::new());
        }
        let rows = match self.tracking().applied(layout.has_runner()) {
            // The tables may have changed since an earlier session looked: look again.
            Err(_) if self.layout_remembered => {
                self.current_layout = false;
                self.layout_remembered = false;
                return self.applied();
            }
            read => read.map_err(|e| Error::database("reading updown_migrations", e))?,
        };
        rows.map_err(|unknown| Error::Tracking {
            problem: format!(
                "migration {} {} has the state `{}` in updown_migrations, which this updown does not know (it writes applied, dirty and running)",
                unknown.version, unknown.name, unknown.state
            ),
            fix: format!(
                "a newer updown or another program wrote it: use that; or check by hand what of the migration is in the database, set its state to `dirty` and run `repair --version {}`",
                unknown.version
            ),
        })
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
                .load(&mut *self.conn)
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
        if self.layout()?.has_history() {
            known.extend(
                self.tracking()
                    .versions_in_history()
                    .map_err(|e| Error::database("reading updown_history", e))?,
            );
        }
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
        if !self.layout()?.has_history() {
            return Ok(Vec::new());
        }
        self.tracking()
            .history()
            .map_err(|e| Error::database("reading updown_history", e))
    }

    /// Where each migration stands. A row marked running whose session no longer holds
    /// the lock was interrupted: it is dirty.
    pub(crate) fn status(&mut self, registry: &Registry) -> Result<Status, Error> {
        let mut rows = self.applied()?;
        for row in rows.iter_mut().filter(|r| r.state == RowState::Running) {
            // Its id given again to this session (a server restarted): it is gone.
            let mine = row.runner.is_some() && row.runner == self.runner().ok();
            let alive = match &row.runner {
                Some(runner) if !mine => self
                    .driver
                    .runner_alive(&mut self.conn, runner)
                    .map_err(|e| Error::database("asking who holds the migration lock", e))?,
                _ => false,
            };
            if !alive {
                row.state = RowState::Dirty;
            }
        }
        Ok(Status::from_rows(registry, rows))
    }

    /// The schema checksum the last postflight recorded.
    pub(crate) fn schema_checksum(
        &mut self,
    ) -> Result<Option<crate::flight::SchemaChecksum>, Error> {
        if !self.layout()?.has_history() {
            return Ok(None);
        }
        let last = self
            .tracking()
            .last_schema_checksum()
            .map_err(|e| Error::database("reading updown_history", e))?;
        Ok(
            last.map(|(checksum, batch, at)| crate::flight::SchemaChecksum {
                checksum,
                batch,
                at,
            }),
        )
    }

    pub(crate) fn next_batch(&mut self) -> Result<i64, Error> {
        let layout = self.layout()?;
        if !(layout.has_migrations() && layout.has_history()) {
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
        if plan.is_empty() {
            return Ok(Report::default());
        }
        self.refuse_unrehearsable(plan, Action::Apply)?;
        let batch = self.next_batch()?;
        self.run_steps(plan, Action::Apply, Some(batch), progress)
    }

    /// Reverts the planned migrations, in order, each recorded under its own batch.
    pub(crate) fn revert_all(
        &mut self,
        plan: &[Planned<'_>],
        progress: Progress<'_>,
    ) -> Result<Report, Error> {
        self.refuse_unrehearsable(plan, Action::Rollback)?;
        self.run_steps(plan, Action::Rollback, None, progress)
    }

    /// Runs `plan`, in order, until it is done or asked to stop: then the migrations
    /// left are listed as not run. `batch`: the new batch of an apply; a rollback records
    /// each migration under its own.
    fn run_steps(
        &mut self,
        plan: &[Planned<'_>],
        action: Action,
        batch: Option<i64>,
        progress: Progress<'_>,
    ) -> Result<Report, Error> {
        let mut report = Report {
            batch,
            ..Report::default()
        };
        for (i, planned) in plan.iter().enumerate() {
            if self.stop_requested() {
                report.stopped = true;
                report.not_run = plan[i..]
                    .iter()
                    .map(|p| (p.migration.version, p.migration.name().to_owned()))
                    .collect();
                tracing::warn!(
                    target: "updown",
                    event = "stopped",
                    done = i,
                    not_run = plan.len() - i,
                    "stopped on request: {i} of {} done, the rest not run",
                    plan.len()
                );
                break;
            }
            let batch = match batch {
                Some(b) => b,
                None => planned.batch.expect("a rollback plan knows each batch"),
            };
            let at = Position {
                number: i + 1,
                total: plan.len(),
            };
            self.in_run = true;
            let step = self.step(planned.migration, action, batch, at, progress);
            self.in_run = false;
            report.steps.push(step?);
        }
        self.write_deferred()?;
        if report.steps.is_empty() && action == Action::Apply {
            report.batch = None;
        }
        Ok(report)
    }

    /// Whether steps are events of a run: not those of a dry run or a scratch database.
    fn logs(&self) -> bool {
        !(self.dry_run || self.throwaway)
    }

    /// Whether the run was asked to stop.
    fn stop_requested(&self) -> bool {
        self.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst))
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
    /// history rows commit together or not at all. Without one, it is marked running
    /// before the body runs and clean after (see `untransacted_step`). On a throwaway
    /// database only the body runs.
    pub(crate) fn step(
        &mut self,
        m: &Migration,
        action: Action,
        batch: i64,
        at: Position,
        progress: Progress<'_>,
    ) -> Result<Step, Error> {
        let (version, name) = (m.version, m.name());
        let event = |phase, duration| Event {
            phase,
            action,
            version,
            name,
            duration,
            number: at.number,
            total: at.total,
        };
        progress(event(Phase::Started, None));
        if self.logs() {
            tracing::info!(
                target: "updown",
                event = "started",
                action = action.as_str(),
                version,
                name,
                batch,
                checksum = m.checksum(),
                "{} {version} {name}",
                action.doing()
            );
        }
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
            && !self.dry_run
            && !fault::armed()
            && let Some(Body::Sql(sql)) = m.body(action)
            && let Some(script) = match records {
                // The tracking and history rows go with the body, where the driver can.
                true => self
                    .driver
                    .step_rows_sql(&StepRows::of(m, history_action(action), batch))
                    .map(|rows| Cow::<str>::Owned(format!("{sql}\n;\n{rows}"))),
                false => Some(Cow::Borrowed(&**sql)),
            }
            && let Some(done) = self
                .driver
                .script_in_one_round_trip(&mut self.conn, &script)
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
            let defer = records && self.defers_rows();
            let opened = match defer && self.deferred.is_none() {
                true => self.open_deferral(),
                false => Ok(()),
            };
            opened
                .map_err(StepError::Tracking)
                .and_then(|()| {
                    self.conn.transaction::<_, StepError, _>(|conn| {
                        statements = run_body(conn, &log, m, action).map_err(StepError::Body)?;
                        fault::point("after-body", Some(version));
                        if records && !defer {
                            StepRows::of(m, history_action(action), batch).write(
                                &mut Tracking(conn),
                                &now(),
                                millis(started.elapsed()),
                            )?;
                            fault::point("after-history", Some(version));
                        }
                        Ok(())
                    })
                })
                .map(|()| {
                    if let (true, Some(deferred)) = (defer, self.deferred.as_mut()) {
                        deferred.push(DeferredStep {
                            rows: StepRows::of(m, history_action(action), batch),
                            at: now(),
                            duration_ms: millis(started.elapsed()),
                        });
                    }
                })
                .map_err(|e| (e, Aftermath::RolledBack))
        } else {
            // It commits what ran before it: their rows go first.
            self.write_deferred()?;
            self.untransacted_step(m, action, batch, started)
        };
        let duration = started.elapsed();
        let Err((error, aftermath)) = outcome else {
            progress(event(Phase::Finished, Some(duration)));
            if self.logs() {
                tracing::info!(
                    target: "updown",
                    event = action.done(),
                    action = action.as_str(),
                    version,
                    name,
                    batch,
                    checksum = m.checksum(),
                    duration_ms = millis(duration),
                    outcome = "ok",
                    "{} {version} {name}",
                    action.done()
                );
            }
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
        if self.logs() {
            tracing::error!(
                target: "updown",
                event = "failed",
                action = action.as_str(),
                version,
                name,
                batch,
                checksum = m.checksum(),
                duration_ms = millis(duration),
                outcome = "failed",
                error = cause.as_str(),
                statement = statement.as_deref(),
                left = match aftermath {
                    Aftermath::RolledBack => "rolled back",
                    Aftermath::Dirty => "dirty",
                },
                "{} {version} {name} failed",
                action.doing()
            );
        }
        let failure_text = match &statement {
            Some(s) => format!("{cause}\nstatement: {s}"),
            None => cause.clone(),
        };
        // The steps before it are recorded first, in the order they ran.
        self.write_deferred()?;
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

    /// A step outside a transaction: its row is marked running by this session before
    /// the body runs, then either marked dirty (the body failed) or, in one transaction
    /// with its history row, made applied or deleted. A kill leaves it marked running by
    /// a session that is gone, which reads as dirty.
    fn untransacted_step(
        &mut self,
        m: &Migration,
        action: Action,
        batch: i64,
        started: Instant,
    ) -> Result<(), (StepError, Aftermath)> {
        let records = !self.throwaway;
        if records {
            let marked = self.runner().and_then(|runner| {
                let mut tracking = self.tracking();
                match action {
                    Action::Apply => {
                        tracking.insert_applied(m, 0, batch, RowState::Running, Some(&runner))
                    }
                    Action::Rollback => tracking.mark(m.version, RowState::Running, Some(&runner)),
                }
            });
            marked.map_err(|e| (StepError::Tracking(e), Aftermath::RolledBack))?;
            fault::point("before-body", Some(m.version));
        }
        let log = self.log.clone();
        let mut body_result = None;
        self.driver
            .outside_transaction(&mut self.conn, &mut |conn| {
                body_result = Some(run_body(conn, &log, m, action).map(drop));
            })
            .map_err(|e| (StepError::Tracking(e), Aftermath::Dirty))?;
        if let Err(e) = body_result.expect("outside_transaction runs its closure") {
            if records {
                // Running by no one: dirty either way, this says it failed.
                let _ = self.tracking().mark(m.version, RowState::Dirty, None);
            }
            return Err((StepError::Body(e), Aftermath::Dirty));
        }
        fault::point("after-body", Some(m.version));
        if !records {
            return Ok(());
        }
        let duration = started.elapsed();
        self.conn
            .transaction::<_, diesel::result::Error, _>(|conn| {
                let mut tracking = Tracking(conn);
                let changed = match action {
                    Action::Apply => tracking.mark_clean(m.version, millis(duration)),
                    Action::Rollback => tracking.delete_applied(m.version),
                }?;
                if changed != 1 {
                    // Someone changed its row meanwhile (a `repair` while it ran).
                    return Err(diesel::result::Error::NotFound);
                }
                StepRows::of(m, history_action(action), batch).write_history(
                    &mut tracking,
                    &now(),
                    millis(duration),
                )?;
                fault::point("after-history", Some(m.version));
                Ok(())
            })
            .map_err(|e| (StepError::Tracking(e), Aftermath::Dirty))
    }

    /// Whether steps' rows wait for [`write_deferred`](Self::write_deferred): where the
    /// driver defers them, in a run that records (a dry run records as it goes, and a
    /// crash point needs every seam).
    fn defers_rows(&self) -> bool {
        self.in_run
            && self.driver.defers_step_rows()
            && !self.dry_run
            && !self.throwaway
            && !fault::armed()
    }

    /// Opens the savepoint the deferred steps run in: writing their rows can still fail,
    /// and then none of them is kept.
    fn open_deferral(&mut self) -> diesel::QueryResult<()> {
        type Manager = <AnyConnection as Connection>::TransactionManager;
        Manager::begin_transaction(&mut self.conn)?;
        self.deferred = Some(Vec::new());
        Ok(())
    }

    /// Writes the rows of the deferred steps, one prepared statement per table, and
    /// releases their savepoint; if a row cannot be written, rolls every one of those
    /// steps back.
    fn write_deferred(&mut self) -> Result<(), Error> {
        type Manager = <AnyConnection as Connection>::TransactionManager;
        let Some(steps) = self.deferred.take() else {
            return Ok(());
        };
        let mut tracking = Tracking(&mut self.conn);
        let written = steps
            .iter()
            .try_for_each(|step| step.rows.write(&mut tracking, &step.at, step.duration_ms))
            .and_then(|()| Manager::commit_transaction(&mut self.conn));
        if let Err(e) = written {
            let _ = Manager::rollback_transaction(&mut self.conn);
            return Err(Error::DatabaseText {
                context: format!(
                    "recording {} migrations in updown's tables (their changes are rolled back, nothing of them is applied)",
                    steps.len()
                ),
                cause: e.to_string(),
            });
        }
        Ok(())
    }

    /// This session's id, asked of the database once.
    fn runner(&mut self) -> diesel::QueryResult<String> {
        if let Some(id) = &self.runner {
            return Ok(id.clone());
        }
        let id = self.driver.session_id(&mut self.conn)?;
        self.runner = Some(id.clone());
        Ok(id)
    }
}

/// Where a step stands in its run: the `number`th of `total`.
#[derive(Clone, Copy)]
pub(crate) struct Position {
    pub number: usize,
    pub total: usize,
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
