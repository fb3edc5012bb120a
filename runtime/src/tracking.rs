//! updown's own tables, read and written with diesel's query builder so that the same
//! code serves every backend. Columns are kept to types every backend decodes alike
//! (BIGINT and TEXT; times as RFC 3339 UTC text).

use diesel::prelude::*;

use crate::connection::AnyConnection;

diesel::table! {
    updown_migrations (version) {
        version -> BigInt,
        name -> Text,
        checksum -> Text,
        applied_at -> Text,
        duration_ms -> BigInt,
        batch -> BigInt,
        state -> Text,
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

/// `CREATE TABLE IF NOT EXISTS` for both tables: the columns are those of the `table!`s
/// above, on every backend.
pub(crate) fn create_tables_sql(t: &ColumnTypes) -> String {
    let ColumnTypes {
        id,
        name,
        checksum,
        time,
        word,
    } = t;
    format!(
        "CREATE TABLE IF NOT EXISTS updown_migrations (
            version BIGINT NOT NULL PRIMARY KEY,
            name {name} NOT NULL,
            checksum {checksum} NOT NULL,
            applied_at {time} NOT NULL,
            duration_ms BIGINT NOT NULL,
            batch BIGINT NOT NULL,
            state {word} NOT NULL
        );
        CREATE TABLE IF NOT EXISTS updown_history (
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
        );"
    )
}

pub(crate) const STATE_APPLIED: &str = "applied";
pub(crate) const STATE_DIRTY: &str = "dirty";

/// A row of `updown_migrations`.
#[derive(Debug, Clone, Queryable)]
pub struct AppliedRow {
    pub version: i64,
    pub name: String,
    pub checksum: String,
    pub applied_at: String,
    pub duration_ms: i64,
    pub batch: i64,
    pub state: String,
}

impl AppliedRow {
    pub fn is_dirty(&self) -> bool {
        self.state == STATE_DIRTY
    }
}

/// A row of `updown_history`: one action on one migration.
#[derive(Debug, Clone, Queryable)]
pub struct HistoryEntry {
    pub id: i64,
    pub version: i64,
    pub name: String,
    /// `apply`, `rollback`, `baseline`, `repair` or `adopt`.
    pub action: String,
    pub batch: Option<i64>,
    pub checksum: String,
    pub at: String,
    pub duration_ms: i64,
    /// `ok` or `failed`.
    pub outcome: String,
    pub error: Option<String>,
    pub note: Option<String>,
}

/// What to record in the history.
pub(crate) struct NewHistory<'a> {
    pub version: i64,
    pub name: &'a str,
    pub action: &'a str,
    pub batch: Option<i64>,
    pub checksum: &'a str,
    pub duration_ms: i64,
    pub error: Option<&'a str>,
    pub note: Option<&'a str>,
}

pub(crate) fn now() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

/// All applied (or dirty) migrations, by version: one SELECT.
pub(crate) fn applied(conn: &mut AnyConnection) -> QueryResult<Vec<AppliedRow>> {
    updown_migrations::table
        .order(updown_migrations::version.asc())
        .load(conn)
}

pub(crate) fn history(conn: &mut AnyConnection) -> QueryResult<Vec<HistoryEntry>> {
    updown_history::table
        .order(updown_history::id.asc())
        .load(conn)
}

/// The highest batch number ever used, so that a new batch never reuses one.
pub(crate) fn last_batch(conn: &mut AnyConnection) -> QueryResult<i64> {
    let in_history: Option<i64> = updown_history::table
        .select(diesel::dsl::max(updown_history::batch))
        .first(conn)?;
    let in_tracking: Option<i64> = updown_migrations::table
        .select(diesel::dsl::max(updown_migrations::batch))
        .first(conn)?;
    Ok(in_history.unwrap_or(0).max(in_tracking.unwrap_or(0)))
}

pub(crate) fn insert_applied(
    conn: &mut AnyConnection,
    version: i64,
    name: &str,
    checksum: &str,
    duration_ms: i64,
    batch: i64,
    state: &str,
) -> QueryResult<()> {
    diesel::insert_into(updown_migrations::table)
        .values((
            updown_migrations::version.eq(version),
            updown_migrations::name.eq(name),
            updown_migrations::checksum.eq(checksum),
            updown_migrations::applied_at.eq(now()),
            updown_migrations::duration_ms.eq(duration_ms),
            updown_migrations::batch.eq(batch),
            updown_migrations::state.eq(state),
        ))
        .execute(conn)
        .map(drop)
}

pub(crate) fn mark_clean(
    conn: &mut AnyConnection,
    version: i64,
    duration_ms: i64,
) -> QueryResult<()> {
    diesel::update(updown_migrations::table.find(version))
        .set((
            updown_migrations::state.eq(STATE_APPLIED),
            updown_migrations::duration_ms.eq(duration_ms),
            updown_migrations::applied_at.eq(now()),
        ))
        .execute(conn)
        .map(drop)
}

pub(crate) fn mark_dirty(conn: &mut AnyConnection, version: i64) -> QueryResult<()> {
    diesel::update(updown_migrations::table.find(version))
        .set(updown_migrations::state.eq(STATE_DIRTY))
        .execute(conn)
        .map(drop)
}

pub(crate) fn set_checksum(
    conn: &mut AnyConnection,
    version: i64,
    checksum: &str,
) -> QueryResult<()> {
    diesel::update(updown_migrations::table.find(version))
        .set(updown_migrations::checksum.eq(checksum))
        .execute(conn)
        .map(drop)
}

pub(crate) fn delete_applied(conn: &mut AnyConnection, version: i64) -> QueryResult<()> {
    diesel::delete(updown_migrations::table.find(version))
        .execute(conn)
        .map(drop)
}

pub(crate) fn insert_history(conn: &mut AnyConnection, entry: &NewHistory<'_>) -> QueryResult<()> {
    diesel::insert_into(updown_history::table)
        .values((
            updown_history::version.eq(entry.version),
            updown_history::name.eq(entry.name),
            updown_history::action.eq(entry.action),
            updown_history::batch.eq(entry.batch),
            updown_history::checksum.eq(entry.checksum),
            updown_history::at.eq(now()),
            updown_history::duration_ms.eq(entry.duration_ms),
            updown_history::outcome.eq(if entry.error.is_some() {
                "failed"
            } else {
                "ok"
            }),
            updown_history::error.eq(entry.error),
            updown_history::note.eq(entry.note),
        ))
        .execute(conn)
        .map(drop)
}
