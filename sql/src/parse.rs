//! Parsing SQL with `sqlparser`, one statement at a time, in the migration's dialect.
//!
//! Statements are split with [`crate::split`] first, so that one statement `sqlparser`
//! cannot read does not hide the others, and so that each error and finding names the
//! statement it is about.
//!
//! `sqlparser` does not know every statement the databases accept. A compile-time check
//! that rejected valid SQL would leave the user no way out, so the statements it is known
//! to miss (see `known_gap`) are let through unparsed; the database still checks them
//! when the migration runs.

use std::fmt;

use sqlparser::ast;
use sqlparser::dialect::{
    Dialect as SqlDialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::parser::{Parser, ParserError};

use crate::lexer::{Token, name_end, split_commas, tokens, words_are};
use crate::statements::{is_routine, split};

/// The SQL dialect a migration is written in.
///
/// `Generic` accepts what any of the three databases accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// What any of the three databases accepts.
    #[default]
    Generic,
    /// PostgreSQL.
    Postgres,
    /// MySQL and MariaDB.
    Mysql,
    /// SQLite.
    Sqlite,
}

impl Dialect {
    /// The dialect for a name as users write it: `postgres`, `mysql`, `sqlite` or
    /// `generic` (any case; `postgresql` and `mariadb` are accepted too).
    ///
    /// ```
    /// use updown_sql::Dialect;
    /// assert_eq!(Dialect::from_name("postgres"), Some(Dialect::Postgres));
    /// assert_eq!(Dialect::from_name("oracle"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Dialect> {
        match name.to_ascii_lowercase().as_str() {
            "generic" => Some(Dialect::Generic),
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            "mysql" | "mariadb" => Some(Dialect::Mysql),
            "sqlite" => Some(Dialect::Sqlite),
            _ => None,
        }
    }

    /// The name `from_name` reads back.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Generic => "generic",
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
            Dialect::Sqlite => "sqlite",
        }
    }

    fn parsers(self) -> &'static [&'static dyn SqlDialect] {
        match self {
            Dialect::Postgres => &[&PostgreSqlDialect {}],
            Dialect::Mysql => &[&MySqlDialect {}],
            Dialect::Sqlite => &[&SQLiteDialect {}],
            Dialect::Generic => &[
                &GenericDialect {},
                &PostgreSqlDialect {},
                &MySqlDialect {},
                &SQLiteDialect {},
            ],
        }
    }

    /// True when SQL valid in `db` is valid in this dialect.
    fn covers(self, db: Dialect) -> bool {
        self == Dialect::Generic || self == db
    }
}

/// A statement that does not parse, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong, in lower case: `expected end of statement, found \`i\``.
    pub message: String,
    /// 1-based line within the given SQL text.
    pub line: usize,
    /// 1-based column (in characters) within that line.
    pub column: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ParseError {}

/// Parses a whole script; `Ok(())` when every statement parses in the dialect.
///
/// The error is the first statement's that does not parse, positioned within `sql`.
///
/// ```
/// use updown_sql::{Dialect, check_syntax};
/// assert!(check_syntax("CREATE TABLE a (x INT);\nDROP TABLE a", Dialect::Sqlite).is_ok());
/// let err = check_syntax("SELECT 1;\nSELEC 2", Dialect::Sqlite).unwrap_err();
/// assert_eq!((err.line, err.column), (2, 1));
/// ```
pub fn check_syntax(sql: &str, dialect: Dialect) -> Result<(), ParseError> {
    for statement in parse_script(sql, dialect) {
        if let Parsed::Error(e) = statement.parsed {
            return Err(e);
        }
    }
    Ok(())
}

/// One statement of a script with what `sqlparser` made of it.
pub(crate) struct ParsedStatement<'a> {
    /// The statement's text, as [`crate::split`] cut it.
    pub text: &'a str,
    /// 1-based line the statement starts on.
    pub line: usize,
    pub tokens: Vec<Token<'a>>,
    pub parsed: Parsed,
}

pub(crate) enum Parsed {
    /// The syntax tree (usually one statement; more when `sqlparser` splits further).
    Tree(Vec<ast::Statement>),
    /// Valid SQL that `sqlparser` cannot read (a `known_gap`): only its tokens are known.
    Unsupported,
    /// A syntax error, positioned within the whole script.
    Error(ParseError),
}

/// Splits `sql` and parses each statement.
pub(crate) fn parse_script(sql: &str, dialect: Dialect) -> Vec<ParsedStatement<'_>> {
    split(sql)
        .into_iter()
        .map(|statement| {
            let offset = statement.text.as_ptr() as usize - sql.as_ptr() as usize;
            let toks = tokens(statement.text);
            let parsed = match parse_statement(statement.text, &toks, dialect) {
                Ok(Some(tree)) => Parsed::Tree(tree),
                Ok(None) => Parsed::Unsupported,
                Err(e) => Parsed::Error(e.in_script(sql, offset, statement.text.len())),
            };
            ParsedStatement {
                text: statement.text,
                line: statement.line,
                tokens: toks,
                parsed,
            }
        })
        .collect()
}

/// An error as `sqlparser` reports it: position relative to the statement, `None` at
/// the end of the statement.
struct StatementError {
    message: String,
    at: Option<(usize, usize)>,
    cause: Cause,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cause {
    /// Unterminated strings and the like: wrong whatever the statement.
    Tokenizer,
    Parser,
    /// Deeper than sqlparser's recursion limit (50): not a fault of the SQL.
    TooDeep,
}

impl StatementError {
    fn in_script(&self, sql: &str, offset: usize, statement_len: usize) -> ParseError {
        let (line, column) = match self.at {
            Some((line, column)) => {
                let (start_line, start_column) = position(sql, offset);
                if line <= 1 {
                    (start_line, start_column + column.max(1) - 1)
                } else {
                    (start_line + line - 1, column.max(1))
                }
            }
            None => position(sql, offset + statement_len),
        };
        ParseError {
            message: self.message.clone(),
            line,
            column,
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `sql`.
fn position(sql: &str, offset: usize) -> (usize, usize) {
    let before = &sql[..offset];
    let line = 1 + before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, 1 + before[line_start..].chars().count())
}

/// `Ok(None)` for a known gap of `sqlparser`.
fn parse_statement(
    text: &str,
    toks: &[Token<'_>],
    dialect: Dialect,
) -> Result<Option<Vec<ast::Statement>>, StatementError> {
    let mut best: Option<StatementError> = None;
    for candidate in candidates(text, toks, dialect) {
        for parser in dialect.parsers() {
            match parse_with(&candidate, *parser) {
                Ok(tree) => return Ok(Some(tree)),
                Err(e) => {
                    if best.as_ref().is_none_or(|b| further(&e, b)) {
                        best = Some(e);
                    }
                }
            }
        }
    }
    let best = best.expect("at least one parser ran");
    match best.cause {
        Cause::TooDeep => Ok(None),
        Cause::Parser if known_gap(toks, dialect) => Ok(None),
        _ => Err(best),
    }
}

/// True when `a` got further into the statement than `b`: its message is the more
/// useful one.
fn further(a: &StatementError, b: &StatementError) -> bool {
    match (a.at, b.at) {
        (None, _) => b.at.is_some(),
        (Some(_), None) => false,
        (Some(x), Some(y)) => x > y,
    }
}

/// The statement's text, then rewrites of it without syntax `sqlparser` lacks but whose
/// meaning the rules read from the tokens. Rewrites blank words out with spaces, so
/// error positions stay right.
fn candidates(text: &str, toks: &[Token<'_>], dialect: Dialect) -> Vec<String> {
    let mut out = vec![text.to_owned()];
    // DROP INDEX CONCURRENTLY: sqlparser 0.63 parses CONCURRENTLY only after CREATE INDEX.
    if dialect.covers(Dialect::Postgres) && words_are(toks, &["DROP", "INDEX", "CONCURRENTLY"]) {
        let t = &toks[2];
        let base = toks[0].start;
        let mut rewritten = text.to_owned();
        rewritten.replace_range(
            t.start - base..t.start - base + t.text.len(),
            &" ".repeat(t.text.len()),
        );
        out.push(rewritten);
    }
    out
}

fn parse_with(text: &str, dialect: &dyn SqlDialect) -> Result<Vec<ast::Statement>, StatementError> {
    let result = Parser::new(dialect)
        .try_with_sql(text)
        .and_then(|mut p| p.parse_statements());
    result.map_err(|e| match e {
        ParserError::TokenizerError(m) => error_from(&m, Cause::Tokenizer),
        ParserError::ParserError(m) => error_from(&m, Cause::Parser),
        ParserError::RecursionLimitExceeded => StatementError {
            message: "statement is nested too deeply to check".into(),
            at: None,
            cause: Cause::TooDeep,
        },
    })
}

/// Splits sqlparser's "Expected: X, found: Y at Line: L, Column: C" into a lower-case
/// message and a position.
fn error_from(raw: &str, cause: Cause) -> StatementError {
    let (body, at) = match raw.rfind(" at Line: ") {
        Some(i) => {
            let mut numbers = raw[i + " at Line: ".len()..]
                .split(", Column: ")
                .map(|n| n.trim().parse::<usize>().ok());
            match (numbers.next().flatten(), numbers.next().flatten()) {
                (Some(line), Some(column)) => (&raw[..i], Some((line, column))),
                _ => (raw, None),
            }
        }
        None => (raw, None),
    };
    let mut message = match body.strip_prefix("Expected: ") {
        Some(rest) => format!("expected {rest}"),
        None => body.to_owned(),
    };
    if let Some(i) = message.rfind(", found: ") {
        let found = message[i + ", found: ".len()..].to_owned();
        message.truncate(i);
        if found == "EOF" {
            message.push_str(", found the end of the statement");
        } else {
            message.push_str(&format!(", found `{found}`"));
        }
    }
    if let Some(first) = message.get(..1) {
        let lower = first.to_ascii_lowercase();
        message.replace_range(..1, &lower);
    }
    StatementError { message, at, cause }
}

/// Statements the databases accept that `sqlparser` 0.63 cannot parse, found by trying
/// the statements real migrations use. Each entry: the dialects it is valid in and its
/// leading words.
const GAPS: &[(&[Dialect], &[&str])] = &[
    (PG, &["DO"]),
    (PG, &["ALTER", "SEQUENCE"]),
    (PG, &["REFRESH", "MATERIALIZED", "VIEW"]),
    (PG, &["CLUSTER"]),
    (PG, &["VACUUM"]),
    (PG_SQLITE, &["REINDEX"]),
    (SQLITE, &["PRAGMA"]),
    (MYSQL, &["CREATE", "FULLTEXT", "INDEX"]),
    (MYSQL, &["CREATE", "SPATIAL", "INDEX"]),
];

/// `ALTER TABLE name <action>` actions `sqlparser` 0.63 cannot parse.
const ALTER_TABLE_GAPS: &[(&[Dialect], &[&str])] = &[
    (PG, &["ATTACH", "PARTITION"]),
    (PG, &["DETACH", "PARTITION"]),
    (PG, &["SET", "SCHEMA"]),
    (PG, &["SET", "TABLESPACE"]),
    (PG, &["INHERIT"]),
    (PG, &["NO", "INHERIT"]),
    (PG, &["CLUSTER", "ON"]),
    (MYSQL, &["CONVERT", "TO"]),
    (MYSQL, &["ENGINE"]),
    (MYSQL, &["COMMENT"]),
    (MYSQL, &["ROW_FORMAT"]),
    (MYSQL, &["FORCE"]),
    (MYSQL, &["CHARACTER", "SET"]),
    (MYSQL, &["DEFAULT", "CHARACTER", "SET"]),
    (MYSQL, &["DEFAULT", "CHARSET"]),
    (MYSQL, &["RENAME", "INDEX"]),
    (MYSQL, &["RENAME", "KEY"]),
    (MYSQL, &["ALTER", "INDEX"]),
];

/// `ALTER TABLE name ALTER [COLUMN] column <action>` actions it cannot parse.
const ALTER_COLUMN_GAPS: &[(&[Dialect], &[&str])] = &[
    (PG, &["SET", "STATISTICS"]),
    (PG, &["SET", "STORAGE"]),
    (PG, &["SET", "COMPRESSION"]),
    (PG, &["DROP", "IDENTITY"]),
    (PG, &["DROP", "EXPRESSION"]),
    (PG, &["SET", "GENERATED"]),
    (PG, &["RESTART"]),
];

const PG: &[Dialect] = &[Dialect::Postgres];
const MYSQL: &[Dialect] = &[Dialect::Mysql];
const SQLITE: &[Dialect] = &[Dialect::Sqlite];
const PG_SQLITE: &[Dialect] = &[Dialect::Postgres, Dialect::Sqlite];

fn gap_matches(gaps: &[(&[Dialect], &[&str])], toks: &[Token<'_>], dialect: Dialect) -> bool {
    gaps.iter()
        .any(|(dbs, words)| dbs.iter().any(|db| dialect.covers(*db)) && words_are(toks, words))
}

/// True when the statement is one `sqlparser` is known not to support.
fn known_gap(toks: &[Token<'_>], dialect: Dialect) -> bool {
    if gap_matches(GAPS, toks, dialect) || is_routine(toks) {
        return true;
    }
    let Some((_, actions)) = alter_table(toks) else {
        return false;
    };
    actions.iter().any(|action| {
        gap_matches(ALTER_TABLE_GAPS, action, dialect) || {
            let column_action = match action {
                [alter, column, _name, rest @ ..]
                    if alter.is_word("ALTER") && column.is_word("COLUMN") =>
                {
                    rest
                }
                [alter, _name, rest @ ..] if alter.is_word("ALTER") => rest,
                _ => &[],
            };
            gap_matches(ALTER_COLUMN_GAPS, column_action, dialect)
        }
    })
}

/// For `ALTER TABLE [IF EXISTS] [ONLY] name action, action...`, the tokens of the
/// name and of each action.
pub(crate) fn alter_table<'t, 'a>(
    toks: &'t [Token<'a>],
) -> Option<(&'t [Token<'a>], Vec<&'t [Token<'a>]>)> {
    if !words_are(toks, &["ALTER", "TABLE"]) {
        return None;
    }
    let mut i = 2;
    if words_are(&toks[i..], &["IF", "EXISTS"]) {
        i += 2;
    }
    if words_are(&toks[i..], &["ONLY"]) {
        i += 1;
    }
    let end = name_end(toks, i)?;
    Some((&toks[i..end], split_commas(&toks[end..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(sql: &str, dialect: Dialect) -> ParseError {
        check_syntax(sql, dialect).expect_err(sql)
    }

    #[test]
    fn dialect_names() {
        for d in [
            Dialect::Generic,
            Dialect::Postgres,
            Dialect::Mysql,
            Dialect::Sqlite,
        ] {
            assert_eq!(Dialect::from_name(d.name()), Some(d));
        }
        assert_eq!(Dialect::from_name("PostgreSQL"), Some(Dialect::Postgres));
        assert_eq!(Dialect::from_name("mariadb"), Some(Dialect::Mysql));
        assert_eq!(Dialect::from_name("mssql"), None);
        assert_eq!(Dialect::default(), Dialect::Generic);
    }

    #[test]
    fn postgres_good_and_bad() {
        let good = "CREATE TABLE users (\n  id BIGSERIAL PRIMARY KEY,\n  created_at timestamptz NOT NULL DEFAULT now()\n);\nALTER TABLE users ALTER COLUMN id TYPE bigint USING id::bigint;\nCREATE INDEX CONCURRENTLY users_created ON users (created_at);";
        assert_eq!(check_syntax(good, Dialect::Postgres), Ok(()));
        let bad = "CREATE TABLE users (id BIGINT);\n\nALTER TABLE users ADD COLUMN;";
        let e = error(bad, Dialect::Postgres);
        assert_eq!((e.line, e.column), (3, 29), "{e}");
        assert!(e.message.starts_with("expected "), "{e}");
    }

    #[test]
    fn mysql_good_and_bad() {
        let good = "CREATE TABLE t (\n  id INT UNSIGNED NOT NULL AUTO_INCREMENT,\n  name VARCHAR(10),\n  KEY idx_name (name),\n  PRIMARY KEY (id)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\nALTER TABLE t MODIFY name VARCHAR(255) NOT NULL";
        assert_eq!(check_syntax(good, Dialect::Mysql), Ok(()));
        let bad = "CREATE TABLE t (id INT);\nINSERT INTO t VALUES (1;";
        let e = error(bad, Dialect::Mysql);
        assert_eq!((e.line, e.column), (2, 24), "{e}");
        assert_eq!(e.to_string(), format!("line 2, column 24: {}", e.message));
    }

    #[test]
    fn sqlite_good_and_bad() {
        let good = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT) STRICT;\nCREATE TRIGGER t_ins AFTER INSERT ON t BEGIN\n  UPDATE t SET x = 'a' WHERE id = NEW.id;\nEND;\nPRAGMA foreign_keys = ON;";
        assert_eq!(check_syntax(good, Dialect::Sqlite), Ok(()));
        let bad = "-- first\nCREATE TABLE t (id INTEGER);\n  CREAT INDEX i ON t (id)";
        let e = error(bad, Dialect::Sqlite);
        assert_eq!((e.line, e.column), (3, 3), "{e}");
        assert_eq!(e.message, "expected an SQL statement, found `CREAT`");
    }

    #[test]
    fn generic_good_and_bad() {
        // Accepted when any of the databases accepts it.
        let good = "ALTER TABLE a ALTER COLUMN x TYPE bigint USING x::bigint;\nCREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB";
        assert_eq!(check_syntax(good, Dialect::Generic), Ok(()));
        let bad = "SELECT 1;\nSELECT 2;\nSELECT * FROM WHERE x = 1";
        let e = error(bad, Dialect::Generic);
        assert_eq!(e.line, 3, "{e}");
    }

    #[test]
    fn error_at_the_end_of_a_statement() {
        let e = error("SELECT 1;\nDELETE FROM ;", Dialect::Postgres);
        assert_eq!(e.line, 2, "{e}");
        let e = error("SELECT 1;\nSELECT", Dialect::Postgres);
        assert_eq!((e.line, e.column), (2, 7), "{e}");
        assert!(e.message.ends_with("found the end of the statement"), "{e}");
    }

    #[test]
    fn columns_count_characters_and_follow_the_statement() {
        let e = error("SELECT 'é'; SELEC 1", Dialect::Sqlite);
        assert_eq!((e.line, e.column), (1, 13), "{e}");
    }

    #[test]
    fn unterminated_strings_are_errors_even_in_unsupported_statements() {
        assert!(check_syntax("SELECT 'abc", Dialect::Postgres).is_err());
        assert!(check_syntax("PRAGMA user_version = 'x", Dialect::Sqlite).is_err());
    }

    #[test]
    fn known_gaps_are_accepted_in_their_dialect_only() {
        for (sql, dialect) in [
            ("DO $$ BEGIN RAISE NOTICE 'x'; END $$", Dialect::Postgres),
            ("ALTER SEQUENCE s RESTART WITH 10", Dialect::Postgres),
            (
                "REFRESH MATERIALIZED VIEW CONCURRENTLY v",
                Dialect::Postgres,
            ),
            (
                "ALTER TABLE m DETACH PARTITION m1 CONCURRENTLY",
                Dialect::Postgres,
            ),
            (
                "ALTER TABLE a ALTER COLUMN x SET STATISTICS 1000",
                Dialect::Postgres,
            ),
            ("ALTER TABLE a SET SCHEMA s", Dialect::Generic),
            ("DROP INDEX CONCURRENTLY IF EXISTS i", Dialect::Postgres),
            ("PRAGMA journal_mode = WAL", Dialect::Sqlite),
            ("REINDEX", Dialect::Sqlite),
            ("CREATE PROCEDURE p() BEGIN SELECT 1; END", Dialect::Mysql),
            (
                "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
                Dialect::Mysql,
            ),
            (
                "ALTER TABLE t ADD COLUMN x INT, ENGINE = InnoDB",
                Dialect::Mysql,
            ),
            ("CREATE FULLTEXT INDEX f ON a (body)", Dialect::Mysql),
        ] {
            assert_eq!(check_syntax(sql, dialect), Ok(()), "{sql}");
        }
        assert!(check_syntax("PRAGMA journal_mode = WAL", Dialect::Postgres).is_err());
        assert!(check_syntax("DROP INDEX CONCURRENTLY i", Dialect::Mysql).is_err());
        assert!(check_syntax("ALTER TABLE t ENGINE = InnoDB", Dialect::Sqlite).is_err());
    }

    #[test]
    fn deep_nesting_is_let_through_without_overflowing_the_stack() {
        let deep = |n: usize| format!("SELECT {}1{}", "(".repeat(n), ")".repeat(n));
        // Runs on the 2 MiB stack of a test thread, unoptimised: smaller than rustc's.
        assert_eq!(check_syntax(&deep(40), Dialect::Generic), Ok(()));
        assert_eq!(check_syntax(&deep(5000), Dialect::Generic), Ok(()));
        assert!(crate::destructive(&deep(5000), Dialect::Postgres).is_empty());
    }

    #[test]
    fn drop_index_concurrently_is_still_checked() {
        let e = error("DROP INDEX CONCURRENTLY i j", Dialect::Postgres);
        assert_eq!((e.line, e.column), (1, 27), "{e}");
    }
}
