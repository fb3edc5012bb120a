//! updown's own tables, read and written with diesel's query builder so that the same
//! code serves every backend, and their layout, checked before they are read or written.
//! Columns are kept to types every backend decodes alike (BIGINT and TEXT; times as
//! RFC 3339 UTC text).

use diesel::prelude::*;

use crate::connection::AnyConnection;
use crate::migration::Migration;

diesel::table! {
    updown_migrations (version) {
        version -> BigInt,
        name -> Text,
        checksum -> Text,
        applied_at -> Text,
        duration_ms -> BigInt,
        batch -> BigInt,
        state -> Text,
        runner -> Nullable<Text>,
    }
}

diesel::table! {
    updown_layout (version) {
        version -> BigInt,
    }
}

diesel::table! {
    updown_history (id) {
        id -> BigInt,
        version -> BigInt,
        name -> Text,
        action -> Text,
        batch -> Nullable<BigInt>,
        checksum -> Text,
        at -> Text,
        duration_ms -> BigInt,
        outcome -> Text,
        error -> Nullable<Text>,
        note -> Nullable<Text>,
    }
}

/// How a backend spells the column types of updown's tables.
pub(crate) struct ColumnTypes {
    /// The history's auto-incremented primary key.
    pub id: &'static str,
    /// A name, a checksum (64 hex digits), an RFC 3339 time, a short word (state, action).
    pub name: &'static str,
    pub checksum: &'static str,
    pub time: &'static str,
    pub word: &'static str,
}

/// The layout of updown's tables that this updown reads and writes, recorded in
/// `updown_layout`:
/// - 1: `updown_migrations` and `updown_history` as first released (no `updown_layout`);
/// - 2: `updown_migrations.runner`, the session running a migration marked `running`,
///   and `updown_layout`;
/// - 3: the history action `postflight`, which records the schema checksum (an updown
///   of layout 2 could not read such a row).
pub const LAYOUT: i64 = 3;

/// The columns of `updown_migrations` in layout 1; layout 2 adds `runner`.
pub(crate) const MIGRATIONS_COLUMNS: &[&str] = &[
    "version",
    "name",
    "checksum",
    "applied_at",
    "duration_ms",
    "batch",
    "state",
];

/// The columns of `updown_history`, the same in every layout.
pub(crate) const HISTORY_COLUMNS: &[&str] = &[
    "id",
    "version",
    "name",
    "action",
    "batch",
    "checksum",
    "at",
    "duration_ms",
    "outcome",
    "error",
    "note",
];

/// What a database holds of updown's tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Layout {
    /// This updown's layout, as `updown_layout` records.
    Current,
    /// An older layout, or tables a killed migrator left half-created: what is there.
    Partial {
        migrations: bool,
        runner: bool,
        history: bool,
        marker: bool,
    },
}

impl Layout {
    /// No table of updown's at all: a database updown never migrated.
    pub(crate) const ABSENT: Layout = Layout::Partial {
        migrations: false,
        runner: false,
        history: false,
        marker: false,
    };

    /// Whether `updown_migrations` can be read.
    pub(crate) fn has_migrations(&self) -> bool {
        matches!(
            self,
            Layout::Current
                | Layout::Partial {
                    migrations: true,
                    ..
                }
        )
    }

    /// Whether `updown_history` can be read.
    pub(crate) fn has_history(&self) -> bool {
        matches!(
            self,
            Layout::Current | Layout::Partial { history: true, .. }
        )
    }

    /// Whether `updown_migrations` has its `runner` column.
    pub(crate) fn has_runner(&self) -> bool {
        matches!(self, Layout::Current | Layout::Partial { runner: true, .. })
    }

    /// The statements that bring the tables to [`LAYOUT`], keeping every row, in the
    /// order they must run. Each is safe to run again after an interruption (where DDL
    /// commits implicitly), since the layout is read afresh first.
    pub(crate) fn upgrade(&self, t: &ColumnTypes) -> Vec<String> {
        let Layout::Partial {
            migrations,
            runner,
            history,
            marker,
        } = *self
        else {
            return Vec::new();
        };
        let ColumnTypes {
            id,
            name,
            checksum,
            time,
            word,
        } = t;
        let mut out = Vec::new();
        if !migrations {
            out.push(format!(
                "CREATE TABLE updown_migrations (
                    version BIGINT NOT NULL PRIMARY KEY,
                    name {name} NOT NULL,
                    checksum {checksum} NOT NULL,
                    applied_at {time} NOT NULL,
                    duration_ms BIGINT NOT NULL,
                    batch BIGINT NOT NULL,
                    state {word} NOT NULL,
                    runner {name}
                )"
            ));
        } else if !runner {
            out.push(format!(
                "ALTER TABLE updown_migrations ADD COLUMN runner {name}"
            ));
        }
        if !history {
            out.push(format!(
                "CREATE TABLE updown_history (
                    id {id},
                    version BIGINT NOT NULL,
                    name {name} NOT NULL,
                    action {word} NOT NULL,
                    batch BIGINT,
                    checksum {checksum} NOT NULL,
                    at {time} NOT NULL,
                    duration_ms BIGINT NOT NULL,
                    outcome {word} NOT NULL,
                    error TEXT,
                    note TEXT
                )"
            ));
        }
        if !marker {
            out.push("CREATE TABLE updown_layout (version BIGINT NOT NULL PRIMARY KEY)".into());
        }
        out.push("DELETE FROM updown_layout".into());
        out.push(format!(
            "INSERT INTO updown_layout (version) VALUES ({LAYOUT})"
        ));
        out
    }
}

/// Checks that `columns`, those of updown's `table` as the database has them, are one of
/// updown's layouts: `Ok(has the runner column)`, or what is wrong, to show.
pub(crate) fn check_columns(table: &str, columns: &[String]) -> Result<bool, String> {
    let ours: &[&str] = match table {
        "updown_migrations" => MIGRATIONS_COLUMNS,
        _ => HISTORY_COLUMNS,
    };
    let mut found: Vec<String> = columns.iter().map(|c| c.to_ascii_lowercase()).collect();
    found.sort();
    let runner = table == "updown_migrations" && found.iter().any(|c| c == "runner");
    let mut expected: Vec<String> = ours.iter().map(|c| (*c).to_owned()).collect();
    if runner {
        expected.push("runner".into());
    }
    expected.sort();
    if found == expected {
        return Ok(runner);
    }
    let foreign: Vec<&str> = found
        .iter()
        .filter(|c| !expected.contains(c))
        .map(String::as_str)
        .collect();
    let lacking: Vec<&str> = expected
        .iter()
        .filter(|c| !found.contains(c))
        .map(String::as_str)
        .collect();
    let mut what = Vec::new();
    if !lacking.is_empty() {
        what.push(format!("lacks {}", lacking.join(", ")));
    }
    if !foreign.is_empty() {
        what.push(format!(
            "has {}, which updown's has not",
            foreign.join(", ")
        ));
    }
    Err(format!(
        "the table `{table}` in this database is not updown's: it {}",
        what.join(" and ")
    ))
}

/// The state of a row of `updown_migrations`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    /// Applied and recorded.
    Applied,
    /// Its body, run outside a transaction, failed: it may be half-applied.
    Dirty,
    /// Marked before a body that runs outside a transaction: running, or interrupted
    /// when the session in `runner` holds the lock no longer.
    Running,
}

/// What a history row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryAction {
    /// `migrate` ran the migration's `up`.
    Apply,
    /// A rollback ran its `down`.
    Rollback,
    /// `baseline` recorded it as applied without running it.
    Baseline,
    /// `repair` accepted its checksum or cleared its dirty mark.
    Repair,
    /// `adopt diesel` recorded it as applied by diesel, without running it.
    Adopt,
    /// The checks after a run: the row's checksum is the schema's, the version the
    /// newest applied then.
    Postflight,
}

/// How a recorded action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It completed and was recorded.
    Ok,
    /// It failed; [`HistoryEntry::error`] says how.
    Failed,
}

/// The words of updown's tables for each enum, read and written in one place.
macro_rules! words {
    ($($ty:ident { $($variant:ident = $word:literal),+ $(,)? })+) => {$(
        impl $ty {
            /// The word stored in updown's tables.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $word),+ }
            }

            /// The variant a word of updown's tables stands for, if it is one.
            pub(crate) fn from_word(word: &str) -> Option<Self> {
                match word { $($word => Some($ty::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<String> for $ty {
            type Error = String;
            fn try_from(word: String) -> Result<Self, String> {
                Self::from_word(&word).ok_or_else(|| format!(
                    "unknown {} `{word}` in updown's tables; it was written by another program or a newer updown",
                    stringify!($ty)
                ))
            }
        }
    )+};
}

words! {
    RowState { Applied = "applied", Dirty = "dirty", Running = "running" }
    HistoryAction {
        Apply = "apply",
        Rollback = "rollback",
        Baseline = "baseline",
        Repair = "repair",
        Adopt = "adopt",
        Postflight = "postflight",
    }
    Outcome { Ok = "ok", Failed = "failed" }
}

/// A row of `updown_migrations`.
#[derive(Debug, Clone)]
pub struct AppliedRow {
    /// The migration's version.
    pub version: i64,
    /// Its name when it was applied.
    pub name: String,
    /// The checksum of its code when it was applied.
    pub checksum: String,
    /// When it was applied (RFC 3339, UTC).
    pub applied_at: String,
    /// How long applying it took, in milliseconds.
    pub duration_ms: i64,
    /// The batch it was applied in: one per `migrate`.
    pub batch: i64,
    /// Applied, marked dirty, or running.
    pub state: RowState,
    /// For a row marked running: the session running it (a PostgreSQL backend pid, a
    /// MySQL connection id, `pid@host` for SQLite).
    pub runner: Option<String>,
}

impl AppliedRow {
    /// Marked dirty or running: may be half-applied.
    pub fn is_dirty(&self) -> bool {
        self.state != RowState::Applied
    }
}

/// A row of `updown_migrations` as stored, its state not yet read.
#[derive(Queryable)]
struct StoredRow {
    version: i64,
    name: String,
    checksum: String,
    applied_at: String,
    duration_ms: i64,
    batch: i64,
    state: String,
    runner: Option<String>,
}

/// A row whose state this updown does not know.
pub(crate) struct UnknownState {
    pub version: i64,
    pub name: String,
    pub state: String,
}

impl StoredRow {
    fn read(self) -> Result<AppliedRow, UnknownState> {
        let Some(state) = RowState::from_word(&self.state) else {
            return Err(UnknownState {
                version: self.version,
                name: self.name,
                state: self.state,
            });
        };
        Ok(AppliedRow {
            version: self.version,
            name: self.name,
            checksum: self.checksum,
            applied_at: self.applied_at,
            duration_ms: self.duration_ms,
            batch: self.batch,
            state,
            runner: self.runner,
        })
    }
}

/// A row of `updown_history`: one action on one migration.
#[derive(Debug, Clone, Queryable)]
pub struct HistoryEntry {
    /// The row's id, increasing: the history's order.
    pub id: i64,
    /// The migration's version.
    pub version: i64,
    /// The migration's name at the time.
    pub name: String,
    /// What was done.
    #[diesel(deserialize_as = String)]
    pub action: HistoryAction,
    /// The batch concerned, if any.
    pub batch: Option<i64>,
    /// The migration's checksum at the time.
    pub checksum: String,
    /// When it happened (RFC 3339, UTC).
    pub at: String,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
    /// Whether it succeeded.
    #[diesel(deserialize_as = String)]
    pub outcome: Outcome,
    /// For a failure: the error, and the statement that failed when known.
    pub error: Option<String>,
    /// A declared `destructive` reason, or what a repair or baseline did.
    pub note: Option<String>,
}

/// What to record in the history.
pub(crate) struct NewHistory<'a> {
    pub version: i64,
    pub name: &'a str,
    pub action: HistoryAction,
    pub batch: Option<i64>,
    pub checksum: &'a str,
    pub duration_ms: i64,
    pub error: Option<&'a str>,
    pub note: Option<&'a str>,
}

/// A row of `updown_migrations` to insert.
#[derive(Clone, Copy)]
pub(crate) struct NewApplied<'a> {
    pub version: i64,
    pub name: &'a str,
    pub checksum: &'a str,
    /// When it was applied (RFC 3339, UTC).
    pub at: &'a str,
    pub duration_ms: i64,
    pub batch: i64,
}

pub(crate) fn now() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

/// What a successful step writes in updown's tables: its tracking row (inserted by an
/// apply, deleted by a rollback) and its history row.
pub(crate) struct StepRows {
    pub version: i64,
    pub name: String,
    pub checksum: String,
    /// The `destructive` reason, which an apply records.
    pub note: Option<String>,
    /// [`HistoryAction::Apply`] or [`HistoryAction::Rollback`].
    pub action: HistoryAction,
    pub batch: i64,
}

impl StepRows {
    pub(crate) fn of(m: &Migration, action: HistoryAction, batch: i64) -> Self {
        StepRows {
            version: m.version(),
            name: m.name().to_owned(),
            checksum: m.checksum().to_owned(),
            note: match action {
                HistoryAction::Apply => m.destructive().map(str::to_owned),
                _ => None,
            },
            action,
            batch,
        }
    }

    /// Both rows, as of `at` (RFC 3339, UTC), the step having taken `duration_ms`.
    pub(crate) fn write(
        &self,
        tracking: &mut Tracking<'_>,
        at: &str,
        duration_ms: i64,
    ) -> QueryResult<()> {
        match self.action {
            HistoryAction::Rollback => drop(tracking.delete_applied(self.version)?),
            _ => {
                let row = NewApplied {
                    version: self.version,
                    name: &self.name,
                    checksum: &self.checksum,
                    at,
                    duration_ms,
                    batch: self.batch,
                };
                tracking.insert_row(&row, RowState::Applied, None)?;
            }
        }
        self.write_history(tracking, at, duration_ms)
    }

    /// The history row alone: a step outside a transaction has its tracking row already.
    pub(crate) fn write_history(
        &self,
        tracking: &mut Tracking<'_>,
        at: &str,
        duration_ms: i64,
    ) -> QueryResult<()> {
        let entry = NewHistory {
            version: self.version,
            name: &self.name,
            action: self.action,
            batch: Some(self.batch),
            checksum: &self.checksum,
            duration_ms,
            error: None,
            note: self.note.as_deref(),
        };
        tracking.record_at(&entry, at)
    }

    /// Both rows as SQL with literal values, to send with the step's body in one round
    /// trip. `now` and `elapsed_ms` are SQL expressions of the backend (the time as
    /// RFC 3339 UTC text, the milliseconds since the script began); `text` spells a
    /// string literal.
    #[cfg(feature = "postgres")]
    pub(crate) fn sql(&self, now: &str, elapsed_ms: &str, text: &dyn Fn(&str) -> String) -> String {
        let (version, batch) = (self.version, self.batch);
        let (name, checksum) = (text(&self.name), text(&self.checksum));
        let tracking = match self.action {
            HistoryAction::Rollback => {
                format!("DELETE FROM updown_migrations WHERE version = {version}")
            }
            _ => format!(
                "INSERT INTO updown_migrations (version, name, checksum, applied_at, duration_ms, batch, state, runner) \
                 VALUES ({version}, {name}, {checksum}, {now}, {elapsed_ms}, {batch}, '{}', NULL)",
                RowState::Applied.as_str()
            ),
        };
        let note = self.note.as_deref().map_or_else(|| "NULL".into(), text);
        format!(
            "{tracking};\nINSERT INTO updown_history (version, name, action, batch, checksum, at, duration_ms, outcome, error, note) \
             VALUES ({version}, {name}, '{}', {batch}, {checksum}, {now}, {elapsed_ms}, '{}', NULL, {note})",
            self.action.as_str(),
            Outcome::Ok.as_str()
        )
    }
}

/// The one door to updown's two tables, on a connection (or inside a transaction of it).
pub(crate) struct Tracking<'c>(pub(crate) &'c mut AnyConnection);

impl Tracking<'_> {
    /// All applied (or dirty) migrations, by version: one SELECT. `runner`: whether the
    /// table has that column (layout 2), else it reads as empty.
    pub(crate) fn applied(
        &mut self,
        runner: bool,
    ) -> QueryResult<Result<Vec<AppliedRow>, UnknownState>> {
        use diesel::dsl::sql;
        use diesel::sql_types::{Nullable, Text};
        use updown_migrations::dsl as m;
        let runner_column = match runner {
            true => sql::<Nullable<Text>>("runner"),
            false => sql::<Nullable<Text>>("NULL"),
        };
        let rows: Vec<StoredRow> = m::updown_migrations
            .select((
                m::version,
                m::name,
                m::checksum,
                m::applied_at,
                m::duration_ms,
                m::batch,
                m::state,
                runner_column,
            ))
            .order(m::version.asc())
            .load(self.0)?;
        Ok(rows.into_iter().map(StoredRow::read).collect())
    }

    /// The layout `updown_layout` records, if any row does.
    pub(crate) fn recorded_layout(&mut self) -> QueryResult<Option<i64>> {
        updown_layout::table
            .select(diesel::dsl::max(updown_layout::version))
            .first(self.0)
    }

    /// The audit trail, oldest first.
    pub(crate) fn history(&mut self) -> QueryResult<Vec<HistoryEntry>> {
        updown_history::table
            .order(updown_history::id.asc())
            .load(self.0)
    }

    /// Every version the history mentions, whatever the action: each migration updown
    /// ever applied, recorded, rolled back or tried.
    pub(crate) fn versions_in_history(&mut self) -> QueryResult<Vec<i64>> {
        updown_history::table
            .select(updown_history::version)
            .distinct()
            .load(self.0)
    }

    /// The schema checksum the last postflight recorded: (checksum, batch, at).
    pub(crate) fn last_schema_checksum(
        &mut self,
    ) -> QueryResult<Option<(String, Option<i64>, String)>> {
        use updown_history::dsl as h;
        h::updown_history
            .filter(h::action.eq(HistoryAction::Postflight.as_str()))
            .order(h::id.desc())
            .select((h::checksum, h::batch, h::at))
            .first(self.0)
            .optional()
    }

    /// The highest batch number ever used, so that a new batch never reuses one.
    pub(crate) fn last_batch(&mut self) -> QueryResult<i64> {
        let in_history: Option<i64> = updown_history::table
            .select(diesel::dsl::max(updown_history::batch))
            .first(self.0)?;
        let in_tracking: Option<i64> = updown_migrations::table
            .select(diesel::dsl::max(updown_migrations::batch))
            .first(self.0)?;
        Ok(in_history.unwrap_or(0).max(in_tracking.unwrap_or(0)))
    }

    pub(crate) fn insert_applied(
        &mut self,
        m: &Migration,
        duration_ms: i64,
        batch: i64,
        state: RowState,
        runner: Option<&str>,
    ) -> QueryResult<()> {
        let row = NewApplied {
            version: m.version(),
            name: m.name(),
            checksum: m.checksum(),
            at: &now(),
            duration_ms,
            batch,
        };
        self.insert_row(&row, state, runner)
    }

    /// Inserts a row of `updown_migrations` applied at `row.at`.
    pub(crate) fn insert_row(
        &mut self,
        row: &NewApplied<'_>,
        state: RowState,
        runner: Option<&str>,
    ) -> QueryResult<()> {
        let NewApplied {
            version,
            name,
            checksum,
            at,
            duration_ms,
            batch,
        } = *row;
        diesel::insert_into(updown_migrations::table)
            .values((
                updown_migrations::version.eq(version),
                updown_migrations::name.eq(name),
                updown_migrations::checksum.eq(checksum),
                updown_migrations::applied_at.eq(at),
                updown_migrations::duration_ms.eq(duration_ms),
                updown_migrations::batch.eq(batch),
                updown_migrations::state.eq(state.as_str()),
                updown_migrations::runner.eq(runner),
            ))
            .execute(self.0)
            .map(drop)
    }

    /// Marks a row applied: how many rows that changed (1, or 0 if it is gone).
    pub(crate) fn mark_clean(&mut self, version: i64, duration_ms: i64) -> QueryResult<usize> {
        diesel::update(updown_migrations::table.find(version))
            .set((
                updown_migrations::state.eq(RowState::Applied.as_str()),
                updown_migrations::runner.eq(None::<&str>),
                updown_migrations::duration_ms.eq(duration_ms),
                updown_migrations::applied_at.eq(now()),
            ))
            .execute(self.0)
    }

    /// Marks a row `dirty`, or `running` by `runner`.
    pub(crate) fn mark(
        &mut self,
        version: i64,
        state: RowState,
        runner: Option<&str>,
    ) -> QueryResult<()> {
        diesel::update(updown_migrations::table.find(version))
            .set((
                updown_migrations::state.eq(state.as_str()),
                updown_migrations::runner.eq(runner),
            ))
            .execute(self.0)
            .map(drop)
    }

    pub(crate) fn set_checksum(&mut self, version: i64, checksum: &str) -> QueryResult<()> {
        diesel::update(updown_migrations::table.find(version))
            .set(updown_migrations::checksum.eq(checksum))
            .execute(self.0)
            .map(drop)
    }

    /// Deletes a row: how many rows that deleted (1, or 0 if it is gone).
    pub(crate) fn delete_applied(&mut self, version: i64) -> QueryResult<usize> {
        diesel::delete(updown_migrations::table.find(version)).execute(self.0)
    }

    pub(crate) fn record(&mut self, entry: &NewHistory<'_>) -> QueryResult<()> {
        self.record_at(entry, &now())
    }

    /// Records `entry` as done at `at` (RFC 3339, UTC).
    pub(crate) fn record_at(&mut self, entry: &NewHistory<'_>, at: &str) -> QueryResult<()> {
        let outcome = match entry.error {
            Some(_) => Outcome::Failed,
            None => Outcome::Ok,
        };
        diesel::insert_into(updown_history::table)
            .values((
                updown_history::version.eq(entry.version),
                updown_history::name.eq(entry.name),
                updown_history::action.eq(entry.action.as_str()),
                updown_history::batch.eq(entry.batch),
                updown_history::checksum.eq(entry.checksum),
                updown_history::at.eq(at),
                updown_history::duration_ms.eq(entry.duration_ms),
                updown_history::outcome.eq(outcome.as_str()),
                updown_history::error.eq(entry.error),
                updown_history::note.eq(entry.note),
            ))
            .execute(self.0)
            .map(drop)
    }
}
