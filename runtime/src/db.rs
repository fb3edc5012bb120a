//! The migration context handed to `up` and `down`.

use std::cell::RefCell;
use std::fmt;

use diesel::connection::SimpleConnection;

use crate::connection::AnyConnection;
use crate::url::Backend;

/// What a migration body returns: `Ok(())`, or an error that rolls the migration back.
pub type Result<T = (), E = MigrationError> = std::result::Result<T, E>;

/// The database a migration runs on.
///
/// Statements go through it so that each one is reported by name when it fails.
///
/// ```no_run
/// use updown::prelude::*;
///
/// #[migration(version = 20250101_120000)]
/// mod create_users {
///     use super::*;
///     pub fn up(db: &mut Db) -> Result<()> {
///         db.execute("CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL)")
///     }
///     pub fn down(db: &mut Db) -> Result<()> {
///         db.execute("DROP TABLE users")
///     }
/// }
/// # fn main() {}
/// ```
// A transparent view of the connection, like `Path` over `OsStr`: `&mut Db` needs no
// lifetime parameter of its own, so `fn up(db: &mut Db)` is the whole signature.
#[repr(transparent)]
pub struct Db {
    conn: AnyConnection,
}

impl Db {
    pub(crate) fn wrap(conn: &mut AnyConnection) -> &mut Db {
        // SAFETY: `Db` is `repr(transparent)` over `AnyConnection`, so the two have the
        // same layout, and the returned borrow is the input borrow.
        unsafe { &mut *(conn as *mut AnyConnection as *mut Db) }
    }

    /// Runs one SQL statement. More than one statement is an error: use
    /// [`batch_execute`](Self::batch_execute) for a script.
    pub fn execute(&mut self, sql: &str) -> Result<()> {
        match updown_sql::split(sql).as_slice() {
            [] => Err(MigrationError::msg("the SQL passed to `execute` is empty")),
            [one] => self.run(one.text),
            many => Err(MigrationError::msg(format!(
                "`execute` runs one statement but this SQL holds {}; use `batch_execute` for a script",
                many.len()
            ))
            .with_statement(sql)),
        }
    }

    /// Runs a script of statements separated by `;`, one at a time, so that a failure
    /// names the statement that failed.
    pub fn batch_execute(&mut self, sql: &str) -> Result<()> {
        for statement in updown_sql::split(sql) {
            self.run(statement.text)?;
        }
        Ok(())
    }

    /// Which database this is, for the rare migration that must differ between them.
    pub fn backend(&self) -> Backend {
        self.conn.backend()
    }

    /// The diesel connection, for the query builder and `table!` types:
    ///
    /// ```ignore
    /// diesel::update(users::table).set(users::active.eq(true)).execute(db.conn())?;
    /// ```
    ///
    /// It is an [`AnyConnection`], diesel's `MultiConnection` over the compiled-in
    /// backends, so the same code runs on each of them.
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }

    fn run(&mut self, statement: &str) -> Result<()> {
        if let Some(refusal) = Guard::refuses(statement, self.backend()) {
            return Err(MigrationError::msg(refusal).with_statement(statement));
        }
        self.conn
            .batch_execute(statement)
            .map_err(|e| MigrationError::from(e).with_statement(statement))
    }
}

thread_local! {
    /// Set while the `up` of a Rust migration that did not declare `destructive` runs:
    /// its SQL is built at run time, so the compile-time check could not see it.
    static GUARD: RefCell<Option<Guard>> = const { RefCell::new(None) };
}

/// Refuses destructive statements in the `up` of a migration that did not declare them.
pub(crate) struct Guard {
    /// The `CREATE` statements run so far: dropping what this `up` created is fine.
    created: String,
}

/// Clears the guard when the body ends, however it ends.
pub(crate) struct GuardScope;

impl Drop for GuardScope {
    fn drop(&mut self) {
        GUARD.with(|g| *g.borrow_mut() = None);
    }
}

impl Guard {
    pub(crate) fn enter() -> GuardScope {
        GUARD.with(|g| {
            *g.borrow_mut() = Some(Guard {
                created: String::new(),
            })
        });
        GuardScope
    }

    /// Why `statement` is refused, if it is.
    fn refuses(statement: &str, backend: Backend) -> Option<String> {
        GUARD.with(|g| {
            let mut g = g.borrow_mut();
            let guard = g.as_mut()?;
            let first = updown_sql::lexer::tokens(statement)
                .first()
                .map(|t| t.text.to_ascii_uppercase())
                .unwrap_or_default();
            if first == "CREATE" {
                guard.created.push_str(statement);
                guard.created.push_str(";\n");
                return None;
            }
            // Only these can destroy anything: everything else runs unparsed.
            if !["DROP", "TRUNCATE", "DELETE", "UPDATE", "ALTER", "RENAME"].contains(&first.as_str()) {
                return None;
            }
            let dialect = backend.dialect();
            let first_line = 1 + guard.created.matches('\n').count();
            let script = format!("{}{statement}", guard.created);
            let finding = updown_sql::destructive(&script, dialect)
                .into_iter()
                .find(|f| f.line >= first_line)?;
            Some(format!(
                "refused a destructive statement in `up`: {} (rule `{}`); SQL built at run time is checked when it runs",
                finding.message, finding.rule
            ))
        })
    }
}

/// An error raised in a migration body. Any error converts into it with `?`.
pub struct MigrationError {
    message: String,
    statement: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl MigrationError {
    /// An error with a message of your own, e.g. a failed data check in a backfill.
    pub fn msg(message: impl fmt::Display) -> Self {
        MigrationError {
            message: message.to_string(),
            statement: None,
            source: None,
        }
    }

    /// The statement that failed, when the error came from one.
    pub fn statement(&self) -> Option<&str> {
        self.statement.as_deref()
    }

    /// The underlying error, if any.
    pub fn source(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.source.as_deref()
    }

    pub(crate) fn with_statement(mut self, statement: &str) -> Self {
        self.statement = Some(statement.trim().to_owned());
        self
    }

    pub(crate) fn with_statement_if_none(mut self, statement: Option<String>) -> Self {
        if self.statement.is_none() {
            self.statement = statement;
        }
        self
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for MigrationError {
    fn from(error: E) -> Self {
        MigrationError {
            message: error.to_string(),
            statement: None,
            source: Some(Box::new(error)),
        }
    }
}

impl fmt::Display for MigrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for MigrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("MigrationError");
        d.field("message", &self.message);
        if let Some(s) = &self.statement {
            d.field("statement", s);
        }
        d.finish()
    }
}
