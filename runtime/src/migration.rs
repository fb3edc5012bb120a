//! A migration as the macros register it.

use crate::db::{Db, Result};

/// One registered migration: what `#[migration]` and `#[derive(Migration)]` generate.
///
/// The fields are filled in by the macros; read them through the methods.
#[derive(Debug)]
pub struct Migration {
    #[doc(hidden)]
    pub version: i64,
    #[doc(hidden)]
    pub name: &'static str,
    #[doc(hidden)]
    pub checksum: &'static str,
    #[doc(hidden)]
    pub transaction: bool,
    #[doc(hidden)]
    pub destructive: Option<&'static str>,
    #[doc(hidden)]
    pub irreversible: Option<&'static str>,
    #[doc(hidden)]
    pub up: Body,
    #[doc(hidden)]
    pub down: Option<Body>,
    #[doc(hidden)]
    pub dialect: Option<&'static str>,
    #[doc(hidden)]
    pub unchecked_sql: Option<&'static str>,
    #[doc(hidden)]
    pub allow: &'static [&'static str],
    /// The SQL literals of a Rust `up`, for `check`.
    #[doc(hidden)]
    pub sql_up: &'static [&'static str],
    #[doc(hidden)]
    pub sql_down: &'static [&'static str],
    #[doc(hidden)]
    pub file: &'static str,
    #[doc(hidden)]
    pub line: u32,
}

/// The code of one direction of a migration.
#[derive(Clone, Copy)]
pub enum Body {
    /// A Rust function taking the migration context.
    Rust(fn(&mut Db) -> Result<()>),
    /// A SQL script, run statement by statement.
    Sql(&'static str),
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Body::Rust(_) => f.write_str("Body::Rust(..)"),
            Body::Sql(sql) => f.debug_tuple("Body::Sql").field(sql).finish(),
        }
    }
}

/// Which way a migration runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Migration {
    /// The version, unique across the program.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// The name: the module or struct name in snake_case unless set with `name = "..."`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// SHA-256 (hex) of the canonical form of the migration's code, fixed at compile time.
    pub fn checksum(&self) -> &'static str {
        self.checksum
    }

    /// Whether the body runs in one transaction with its tracking rows.
    pub fn transactional(&self) -> bool {
        self.transaction
    }

    /// The reason given with `destructive = "..."`, if any.
    pub fn destructive(&self) -> Option<&'static str> {
        self.destructive
    }

    /// The reason given with `irreversible = "..."`, if any: such a migration has no `down`.
    pub fn irreversible(&self) -> Option<&'static str> {
        self.irreversible
    }

    /// The SQL dialect declared with `dialect = "..."`, if any.
    pub fn dialect(&self) -> Option<&'static str> {
        self.dialect
    }

    /// The lint rules `check` does not report for this migration (`allow = [...]`).
    pub fn allowed_rules(&self) -> &'static [&'static str] {
        self.allow
    }

    /// Where the migration is defined, as `file:line`.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// `20250101120000 create_users`: how messages name a migration.
    pub fn label(&self) -> String {
        format!("{} {}", self.version, self.name)
    }

    pub(crate) fn body(&self, direction: Direction) -> Option<Body> {
        match direction {
            Direction::Up => Some(self.up),
            Direction::Down => self.down,
        }
    }
}

inventory::collect!(Migration);
