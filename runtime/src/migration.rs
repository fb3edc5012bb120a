//! A migration, whatever its source: compiled in by the macros, or built at run time
//! (SQL read from disk, say). Everything downstream sees this one type.

use std::borrow::Cow;
use std::fmt;
use std::mem::{forget, replace};

use updown_sql::{Dialect, Rule};

use crate::db::{Db, Result};
use crate::run::Action;

/// The code of one direction of a migration.
#[derive(Clone)]
pub enum Body {
    /// A Rust function taking the migration context.
    Rust(fn(&mut Db) -> Result<()>),
    /// A SQL script, run statement by statement.
    Sql(Cow<'static, str>),
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Rust(_) => f.write_str("Body::Rust(..)"),
            Body::Sql(sql) => f.debug_tuple("Body::Sql").field(sql).finish(),
        }
    }
}

/// Where a migration was defined, for messages.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// Compiled into the program: the macro's item.
    Code {
        /// The source file, as `file!()` gives it.
        file: &'static str,
        /// The line of the item.
        line: u32,
    },
    /// Built at run time by the program itself.
    Program,
    /// A diesel migration folder, embedded or read at run time.
    Folder(Cow<'static, str>),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Code { file, line } => write!(f, "{file}:{line}"),
            Origin::Program => f.write_str("built by the program"),
            Origin::Folder(path) => f.write_str(path),
        }
    }
}

/// One migration: its identity, its code and the options it declared.
///
/// Compiled-in migrations come from `#[migration]` and `#[derive(Migration)]`; others
/// are built with [`Migration::sql`].
#[derive(Debug, Clone)]
pub struct Migration {
    pub(crate) version: i64,
    pub(crate) name: Cow<'static, str>,
    pub(crate) checksum: Cow<'static, str>,
    pub(crate) up: Body,
    pub(crate) down: Option<Body>,
    pub(crate) transaction: bool,
    pub(crate) destructive: Option<Cow<'static, str>>,
    pub(crate) irreversible: Option<Cow<'static, str>>,
    pub(crate) dialect: Option<Dialect>,
    pub(crate) unchecked_sql: Option<Cow<'static, str>>,
    pub(crate) allow: Cow<'static, [Rule]>,
    /// The SQL literals of Rust bodies, for `check`; empty for SQL bodies.
    pub(crate) sql_up: Cow<'static, [&'static str]>,
    pub(crate) sql_down: Cow<'static, [&'static str]>,
    pub(crate) origin: Origin,
    /// For a diesel folder, its version as diesel writes it: diesel folders keep
    /// diesel's order, which compares these as text.
    pub(crate) diesel_version: Option<Cow<'static, str>>,
}

impl Migration {
    /// A SQL migration built at run time, checksummed as `#[derive(Migration)]` does:
    /// the same SQL gives the same checksum whichever way it was registered. SQL with its
    /// own `BEGIN`/`COMMIT` runs outside updown's transaction, as `transaction = false`.
    ///
    /// ```
    /// let m = updown::Migration::sql(1, "create_t", "CREATE TABLE t (x INT)", Some("DROP TABLE t"));
    /// assert_eq!(m.label(), "1 create_t");
    /// ```
    pub fn sql(
        version: i64,
        name: impl Into<Cow<'static, str>>,
        up: impl Into<Cow<'static, str>>,
        down: Option<impl Into<Cow<'static, str>>>,
    ) -> Migration {
        let up: Cow<'static, str> = up.into();
        let down: Option<Cow<'static, str>> = down.map(Into::into);
        let checksum = updown_sql::checksum::sql_migration(&up, down.as_deref());
        Migration {
            name: name.into(),
            checksum: checksum.into(),
            transaction: !updown_sql::own_transaction(&up, down.as_deref()),
            irreversible: down.is_none().then_some(Cow::Borrowed("it has no `down`")),
            down: down.map(Body::Sql),
            origin: Origin::Program,
            ..Migration::compiled(version, "", "", "", 0, Body::Sql(up))
        }
    }

    /// A diesel migration folder read at run time (see [`DieselDir`](crate::DieselDir)):
    /// checksummed as `embed_diesel_migrations!` does, irreversible when its `down.sql`
    /// is missing, empty or only comments, and run outside a transaction when its
    /// `metadata.toml` says `run_in_transaction = false` or its SQL has its own
    /// `BEGIN`/`COMMIT`.
    pub fn diesel(folder: &updown_sql::diesel::Folder) -> Migration {
        Migration {
            name: folder.name.clone().into(),
            checksum: folder.checksum().into(),
            down: folder
                .reversible_down()
                .map(|sql| Body::Sql(sql.to_owned().into())),
            irreversible: folder.irreversible(&folder.path).map(Into::into),
            transaction: folder.transactional(),
            origin: Origin::Folder(folder.path.display().to_string().into()),
            diesel_version: Some(folder.version_text.clone().into()),
            ..Migration::compiled(
                folder.version,
                "",
                "",
                "",
                0,
                Body::Sql(folder.up.clone().into()),
            )
        }
    }

    /// The version, unique across the program.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// The name: the module or struct name in snake_case unless set with `name = "..."`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// SHA-256 (hex) of the canonical form of the migration's code.
    pub fn checksum(&self) -> &str {
        &self.checksum
    }

    /// Whether the body runs in one transaction with its tracking rows.
    pub fn transactional(&self) -> bool {
        self.transaction
    }

    /// The reason given with `destructive = "..."`, if any.
    pub fn destructive(&self) -> Option<&str> {
        self.destructive.as_deref()
    }

    /// The reason given with `irreversible = "..."`, if any: such a migration has no `down`.
    pub fn irreversible(&self) -> Option<&str> {
        self.irreversible.as_deref()
    }

    /// The SQL dialect declared with `dialect = "..."`, if any.
    pub fn dialect(&self) -> Option<Dialect> {
        self.dialect
    }

    /// The reason given with `unchecked_sql = "..."`, if any.
    pub fn unchecked_sql(&self) -> Option<&str> {
        self.unchecked_sql.as_deref()
    }

    /// The lint rules `check` does not report for this migration (`allow = [...]`).
    pub fn allowed_rules(&self) -> &[Rule] {
        &self.allow
    }

    /// For a diesel folder, its version as diesel records it in
    /// `__diesel_schema_migrations` (`2018-07-25-165754` gives `20180725165754`).
    pub fn diesel_version(&self) -> Option<&str> {
        self.diesel_version.as_deref()
    }

    /// The version as diesel would compare and record it: a diesel folder's own text, the number
    /// in decimal for any other migration.
    pub(crate) fn version_text(&self) -> Cow<'_, str> {
        match &self.diesel_version {
            Some(text) => Cow::Borrowed(text),
            None => Cow::Owned(self.version.to_string()),
        }
    }

    /// Where the migration is defined.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// `20250101120000 create_users`: how messages name a migration.
    pub fn label(&self) -> String {
        format!("{} {}", self.version, self.name)
    }

    /// The code that runs for `action`: `up` to apply, `down` to roll back.
    pub fn body(&self, action: Action) -> Option<&Body> {
        match action {
            Action::Apply => Some(&self.up),
            Action::Rollback => self.down.as_ref(),
        }
    }

    /// The SQL `check` can see for `action`: a SQL body, or the literals of a Rust one.
    pub(crate) fn scripts(&self, action: Action) -> Vec<&str> {
        let literals = match action {
            Action::Apply => &self.sql_up,
            Action::Rollback => &self.sql_down,
        };
        match self.body(action) {
            Some(Body::Sql(sql)) => vec![sql],
            Some(Body::Rust(_)) => literals.to_vec(),
            None => Vec::new(),
        }
    }
}

/// The constructor and setters the macros' generated code calls: `const`, so that a
/// migration is built in the static `inventory` collects; setters keep generated code
/// stable when options are added. (Each replaced value is a default, borrowed or
/// `None`: forgetting it frees nothing.)
#[doc(hidden)]
impl Migration {
    pub const fn compiled(
        version: i64,
        name: &'static str,
        checksum: &'static str,
        file: &'static str,
        line: u32,
        up: Body,
    ) -> Self {
        Migration {
            version,
            name: Cow::Borrowed(name),
            checksum: Cow::Borrowed(checksum),
            up,
            down: None,
            transaction: true,
            destructive: None,
            irreversible: None,
            dialect: None,
            unchecked_sql: None,
            allow: Cow::Borrowed(&[]),
            sql_up: Cow::Borrowed(&[]),
            sql_down: Cow::Borrowed(&[]),
            origin: Origin::Code { file, line },
            diesel_version: None,
        }
    }

    /// A diesel folder embedded by `embed_diesel_migrations!`.
    pub const fn with_diesel_folder(mut self, path: &'static str, version: &'static str) -> Self {
        forget(replace(
            &mut self.origin,
            Origin::Folder(Cow::Borrowed(path)),
        ));
        forget(self.diesel_version.replace(Cow::Borrowed(version)));
        self
    }

    pub const fn with_down(mut self, down: Body) -> Self {
        forget(self.down.replace(down));
        self
    }

    pub const fn with_transaction(mut self, on: bool) -> Self {
        self.transaction = on;
        self
    }

    pub const fn with_destructive(mut self, reason: &'static str) -> Self {
        forget(self.destructive.replace(Cow::Borrowed(reason)));
        self
    }

    pub const fn with_irreversible(mut self, reason: &'static str) -> Self {
        forget(self.irreversible.replace(Cow::Borrowed(reason)));
        self
    }

    pub const fn with_dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = Some(dialect);
        self
    }

    pub const fn with_unchecked_sql(mut self, reason: &'static str) -> Self {
        forget(self.unchecked_sql.replace(Cow::Borrowed(reason)));
        self
    }

    pub const fn with_allow(mut self, rules: &'static [Rule]) -> Self {
        forget(replace(&mut self.allow, Cow::Borrowed(rules)));
        self
    }

    pub const fn with_sql_literals(
        mut self,
        up: &'static [&'static str],
        down: &'static [&'static str],
    ) -> Self {
        forget(replace(&mut self.sql_up, Cow::Borrowed(up)));
        forget(replace(&mut self.sql_down, Cow::Borrowed(down)));
        self
    }
}

#[doc(hidden)]
impl Body {
    /// A SQL body in a constant.
    pub const fn sql(text: &'static str) -> Body {
        Body::Sql(Cow::Borrowed(text))
    }
}

inventory::collect!(Migration);
