//! Parsing SQL one statement at a time, in the migration's dialect.
//!
//! Statements are split with [`crate::split`] first, so that one statement that does
//! not parse does not hide the others, and so that each error and finding names the
//! statement it is about.
//!
//! Which statements are valid is decided by the database's own grammar where there is
//! one (`grammar`: PostgreSQL, SQLite). MySQL and MariaDB have only `sqlparser`'s
//! approximation: a statement it cannot read is an error only when it is certainly
//! wrong (see `certainly_wrong`), otherwise it is `Unverified`, a warning of `check`
//! that the database judges when the migration runs. A statement without a dialect is
//! valid when any of the three accepts it; when none does, it is an error, unless it
//! looks like MySQL's (`looks_like_mysql`): then it is judged as MySQL's. `sqlparser`
//! also gives the tree the statement reader reads, where it has one.

use std::fmt;

use sqlparser::ast;
use sqlparser::dialect::{
    Dialect as SqlDialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::parser::{Parser, ParserError};

use crate::grammar::{self, GrammarError, lower_first};
use crate::lexer::{
    Token, TokenKind, name_end, split_commas, tokens, top_level, unterminated_comment, words_are,
};
use crate::statements::{is_routine, split};

/// The SQL dialect a migration is written in.
///
/// `Generic` accepts what any of the three databases accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
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
    /// Valid SQL that `sqlparser` cannot read: only its tokens are known.
    Unsupported,
    /// SQL the MySQL approximation cannot read but cannot prove wrong, with what it
    /// stopped at; only its tokens are known.
    Unverified(ParseError),
    /// A syntax error, positioned within the whole script.
    Error(ParseError),
}

/// Splits `sql` and parses each statement; a `/*` comment that never ends is an error
/// of its own.
pub(crate) fn parse_script(sql: &str, dialect: Dialect) -> Vec<ParsedStatement<'_>> {
    let mut statements = parse_statements(sql, dialect);
    // SQLite reads a comment that never ends to the end of the script; the others refuse
    // it. MySQL's `#` comments are not known to the lexer: a `/*` after one is text.
    let refused = match dialect {
        Dialect::Postgres | Dialect::Generic => unterminated_comment(sql),
        Dialect::Mysql => unterminated_comment(sql).filter(|&at| {
            let line_start = sql[..at].rfind('\n').map_or(0, |i| i + 1);
            !sql[line_start..at].contains('#')
        }),
        Dialect::Sqlite => None,
    };
    if let Some(offset) = refused {
        let (line, column) = position(sql, offset);
        statements.push(ParsedStatement {
            text: &sql[offset..],
            line,
            tokens: Vec::new(),
            parsed: Parsed::Error(ParseError {
                message: "this `/*` comment is never closed, and hides the rest of the script"
                    .into(),
                line,
                column,
            }),
        });
    }
    statements
}

fn parse_statements(sql: &str, dialect: Dialect) -> Vec<ParsedStatement<'_>> {
    split(sql)
        .into_iter()
        .map(|statement| {
            let offset = statement.text.as_ptr() as usize - sql.as_ptr() as usize;
            let toks = tokens(statement.text);
            let in_script = |e: StatementError| e.in_script(sql, offset, statement.text.len());
            let parsed = match remembered_verdict(statement.text, &toks, dialect) {
                Verdict::Tree(tree) => Parsed::Tree(tree),
                Verdict::Valid => Parsed::Unsupported,
                Verdict::Unverified(e) => Parsed::Unverified(in_script(e)),
                Verdict::Wrong(e) => Parsed::Error(in_script(e)),
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
#[derive(Clone)]
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
    /// An error at byte `offset` of the statement.
    fn at_offset(text: &str, offset: usize, message: String) -> Self {
        let at = (offset < text.len()).then(|| position(text, offset));
        StatementError {
            message,
            at,
            cause: Cause::Parser,
        }
    }

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

/// What parsing made of a statement.
#[derive(Clone)]
enum Verdict {
    /// Valid, with `sqlparser`'s tree.
    Tree(Vec<ast::Statement>),
    /// Valid, without a tree.
    Valid,
    /// Not read by the MySQL approximation, not certainly wrong either.
    Unverified(StatementError),
    Wrong(StatementError),
}

/// The verdict on a statement, parsed once per process: the macros check the same SQL
/// for syntax, for what cannot run in a transaction and for destructive statements.
fn remembered_verdict(text: &str, toks: &[Token<'_>], dialect: Dialect) -> Verdict {
    use std::cell::RefCell;
    use std::collections::HashMap;
    /// Enough for the statements of one crate's migrations; a full memory starts over.
    const REMEMBERED: usize = 20_000;
    thread_local! {
        static VERDICTS: RefCell<HashMap<(Dialect, String), Verdict>> = RefCell::default();
    }
    let key = (dialect, text.to_owned());
    if let Some(known) = VERDICTS.with(|v| v.borrow().get(&key).cloned()) {
        return known;
    }
    let verdict = parse_statement(text, toks, dialect);
    VERDICTS.with(|v| {
        let mut verdicts = v.borrow_mut();
        if verdicts.len() >= REMEMBERED {
            verdicts.clear();
        }
        verdicts.insert(key, verdict.clone());
    });
    verdict
}

/// Parentheses nested deeper than this are not parsed: `sqlparser` stops at 50, and
/// the grammars recurse on the stack.
const MAX_NESTING: usize = 48;

fn parse_statement(text: &str, toks: &[Token<'_>], dialect: Dialect) -> Verdict {
    if nesting(toks) > MAX_NESTING {
        return Verdict::Valid;
    }
    let tree = sqlparser_tree(text, toks, dialect);
    let by_grammar = |result: Result<(), GrammarError>, tree| match (result, tree) {
        (Ok(()), Ok(tree)) => Verdict::Tree(tree),
        (Ok(()), Err(_)) => Verdict::Valid,
        (Err(_), _) if dialect == Dialect::Postgres && gap_matches(GRAMMAR_GAPS, toks) => {
            Verdict::Valid
        }
        (Err(e), _) => Verdict::Wrong(StatementError::at_offset(text, e.offset, e.message)),
    };
    match dialect {
        Dialect::Postgres => by_grammar(grammar::postgres(text), tree),
        Dialect::Sqlite => by_grammar(grammar::sqlite(text), tree),
        Dialect::Mysql => match tree {
            Ok(tree) => Verdict::Tree(tree),
            Err(e) => approximated(e, text, toks, dialect),
        },
        Dialect::Generic => match tree {
            Ok(tree) => Verdict::Tree(tree),
            Err(_)
                if grammar::postgres(text).is_ok()
                    || grammar::sqlite(text).is_ok()
                    || gap_matches(GRAMMAR_GAPS, toks) =>
            {
                Verdict::Valid
            }
            // Only MySQL is left to accept it, and only the approximation can say.
            Err(e) if looks_like_mysql(toks) => approximated(e, text, toks, dialect),
            Err(e) => match certainly_wrong(text, toks, dialect) {
                Some(wrong) => Verdict::Wrong(wrong),
                None if e.cause == Cause::TooDeep || known_gap(toks) => Verdict::Valid,
                None => Verdict::Wrong(e),
            },
        },
    }
}

/// Words of MySQL's and MariaDB's own statements and options, at least in migrations
/// (some are also PostgreSQL's, whose grammar has had its say before this is asked).
#[rustfmt::skip]
const MYSQL_WORDS: &[&str] = &[
    "ALGORITHM", "AUTO_INCREMENT", "CHANGE", "CHARACTER", "CHARSET", "DATABASE", "DEALLOCATE",
    "DELIMITER", "ENGINE", "EVENT", "FULLTEXT", "LOCK", "MODIFY", "PARTITION", "PREPARE",
    "ROW_FORMAT", "SPATIAL", "STRAIGHT_JOIN", "UNLOCK", "UNSIGNED", "ZEROFILL",
];

/// True when a statement without a dialect shows it is MySQL's: backquoted names, `@`
/// variables, a word of MySQL's own statements, or MySQL's `RENAME TABLE` and `DO expr`.
fn looks_like_mysql(toks: &[Token<'_>]) -> bool {
    let do_expression =
        words_are(toks, &["DO"]) && toks.get(1).is_some_and(|t| t.kind != TokenKind::String);
    let marked = toks.iter().any(|t| {
        t.text.starts_with('`')
            || t.is_punct("@")
            || t.kind == TokenKind::Word && MYSQL_WORDS.iter().any(|w| t.is_word(w))
    });
    marked || do_expression || words_are(toks, &["RENAME", "TABLE"])
}

/// The verdict on a statement only `sqlparser`'s approximation read, and failed to.
fn approximated(e: StatementError, text: &str, toks: &[Token<'_>], dialect: Dialect) -> Verdict {
    match e.cause {
        Cause::TooDeep => Verdict::Valid,
        Cause::Tokenizer => Verdict::Wrong(e),
        Cause::Parser if known_gap(toks) => Verdict::Valid,
        Cause::Parser => match certainly_wrong(text, toks, dialect) {
            Some(wrong) => Verdict::Wrong(wrong),
            None => Verdict::Unverified(e),
        },
    }
}

/// The deepest nesting of parentheses.
fn nesting(toks: &[Token<'_>]) -> usize {
    let mut depth = 0usize;
    let mut deepest = 0;
    for t in toks {
        if t.is_punct("(") {
            depth += 1;
            deepest = deepest.max(depth);
        } else if t.is_punct(")") {
            depth = depth.saturating_sub(1);
        }
    }
    deepest
}

/// Words a MySQL or MariaDB statement can begin with.
const STATEMENT_WORDS: &[&str] = &[
    "ALTER",
    "ANALYZE",
    "BACKUP",
    "BEGIN",
    "BINLOG",
    "CACHE",
    "CALL",
    "CHANGE",
    "CHECK",
    "CHECKSUM",
    "CLONE",
    "COMMIT",
    "CREATE",
    "DEALLOCATE",
    "DECLARE",
    "DELETE",
    "DESC",
    "DESCRIBE",
    "DO",
    "DROP",
    "EXECUTE",
    "EXPLAIN",
    "FLUSH",
    "GET",
    "GRANT",
    "HANDLER",
    "HELP",
    "IMPORT",
    "INSERT",
    "INSTALL",
    "KILL",
    "LOAD",
    "LOCK",
    "OPTIMIZE",
    "PREPARE",
    "PURGE",
    "RELEASE",
    "RENAME",
    "REPAIR",
    "REPLACE",
    "RESET",
    "RESIGNAL",
    "RESTART",
    "REVOKE",
    "ROLLBACK",
    "SAVEPOINT",
    "SELECT",
    "SET",
    "SHOW",
    "SHUTDOWN",
    "SIGNAL",
    "START",
    "STOP",
    "TABLE",
    "TRUNCATE",
    "UNINSTALL",
    "UNLOCK",
    "UPDATE",
    "USE",
    "VALUES",
    "WITH",
    "XA",
];

/// Words only a PostgreSQL or SQLite statement begins with, for SQL without a dialect.
const OTHER_STATEMENT_WORDS: &[&str] = &[
    "ABORT",
    "ATTACH",
    "CHECKPOINT",
    "CLOSE",
    "CLUSTER",
    "COMMENT",
    "COPY",
    "DETACH",
    "DISCARD",
    "END",
    "FETCH",
    "IMPORT",
    "LISTEN",
    "MERGE",
    "MOVE",
    "NOTIFY",
    "PRAGMA",
    "REASSIGN",
    "REFRESH",
    "REINDEX",
    "SECURITY",
    "UNLISTEN",
    "VACUUM",
];

/// Words that begin a statement on a line of its own, for the missing `;` check. Not
/// `SELECT` or `WITH`, which continue `CREATE TABLE t` or `CREATE VIEW v AS`.
const NEXT_STATEMENT_WORDS: &[&str] = &[
    "ALTER", "CREATE", "DELETE", "DROP", "GRANT", "INSERT", "RENAME", "REPLACE", "REVOKE", "SET",
    "TRUNCATE", "UPDATE",
];

/// Why a statement the approximation cannot read is wrong whatever the grammar:
/// unbalanced parentheses, an empty list element (`a,,b`, `a,)`), a first word that
/// begins no statement, or two statements without a `;` between them (each part parses
/// alone). `None` when that cannot be told.
fn certainly_wrong(text: &str, toks: &[Token<'_>], dialect: Dialect) -> Option<StatementError> {
    let base = toks.first()?.start;
    let error =
        |t: &Token<'_>, message: String| StatementError::at_offset(text, t.start - base, message);
    let mut opened = Vec::new();
    for t in toks {
        if t.is_punct("(") {
            opened.push(t);
        } else if t.is_punct(")") && opened.pop().is_none() {
            return Some(error(t, "`)` closes no `(`".into()));
        }
    }
    if let Some(open) = opened.first() {
        return Some(error(open, "this `(` is never closed".into()));
    }
    // No list in the three databases takes an empty element.
    let empty_element = toks.windows(2).find(|w| {
        w[0].is_punct(",") && (w[1].is_punct(")") || w[1].is_punct(","))
            || w[0].is_punct("(") && w[1].is_punct(",")
    });
    if let Some(w) = empty_element {
        let t = if w[0].is_punct("(") { &w[1] } else { &w[0] };
        return Some(error(t, "a list element is missing around this `,`".into()));
    }
    let first = toks.first()?;
    let begins = |t: &Token<'_>, words: &[&str]| words.iter().any(|w| t.is_word(w));
    let other_database = dialect == Dialect::Generic && begins(first, OTHER_STATEMENT_WORDS);
    if first.kind == TokenKind::Word && !begins(first, STATEMENT_WORDS) && !other_database {
        return Some(error(
            first,
            format!("`{}` does not begin a statement", first.text),
        ));
    }
    if is_routine(toks) || toks.iter().any(|t| t.is_word("BEGIN")) {
        return None;
    }
    for (i, t) in top_level(toks).skip(1) {
        let line_start = text[..t.start - base]
            .trim_end_matches([' ', '\t'])
            .ends_with('\n');
        if !(line_start && begins(t, NEXT_STATEMENT_WORDS)) {
            continue;
        }
        let (before, after) = text.split_at(toks[i].start - base);
        let parses = |part: &str| sqlparser_tree(part, &tokens(part), dialect).is_ok();
        if parses(before) && parses(after) {
            return Some(error(t, format!("missing `;` before `{}`", t.text)));
        }
    }
    None
}

/// `sqlparser`'s tree of the statement, or its most useful error.
fn sqlparser_tree(
    text: &str,
    toks: &[Token<'_>],
    dialect: Dialect,
) -> Result<Vec<ast::Statement>, StatementError> {
    let mut best: Option<StatementError> = None;
    for candidate in candidates(text, toks, dialect) {
        for parser in dialect.parsers() {
            match parse_with(&candidate, *parser) {
                Ok(tree) => return Ok(tree),
                Err(e) => {
                    if best.as_ref().is_none_or(|b| further(&e, b)) {
                        best = Some(e);
                    }
                }
            }
        }
    }
    Err(best.expect("at least one parser ran"))
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
    StatementError {
        message: lower_first(&message),
        at,
        cause,
    }
}

/// Statements PostgreSQL accepts that its grammar here (squawk 2.68) rejects, found by
/// trying about 580 statements on a PostgreSQL 15 server.
const GRAMMAR_GAPS: &[&[&str]] = &[
    &["CREATE", "TRUSTED"],
    &["CREATE", "PROCEDURAL"],
    &["CREATE", "OR", "REPLACE", "TRUSTED"],
    &["CREATE", "OR", "REPLACE", "PROCEDURAL"],
    &["SET", "NAMES"],
];

/// MySQL statements that `sqlparser` 0.63 cannot parse, found by trying the statements
/// real migrations use on MariaDB 10.11 (`tests/corpus/mysql.sql`). Each entry: the
/// dialects it is valid in and its leading words (or punctuation).
const GAPS: &[&[&str]] = &[
    &["CREATE", "FULLTEXT", "INDEX"],
    &["CREATE", "SPATIAL", "INDEX"],
    &["CREATE", "SEQUENCE"],
    &["ALTER", "SEQUENCE"],
    &["CREATE", "USER"],
    &["ALTER", "USER"],
    &["DROP", "USER"],
    &["GRANT"],
    &["REVOKE"],
    &["SET", "DEFAULT", "ROLE"],
    &["SET", "CHARACTER", "SET"],
    &["SET", "@"],
    &["PREPARE"],
    &["DROP", "PREPARE"],
    &["DO"],
    &["ALTER", "ALGORITHM"],
    &["ALTER", "DATABASE"],
    &["ALTER", "EVENT"],
    &["DROP", "EVENT"],
    &["ANALYZE", "TABLE"],
    &["CHECK", "TABLE"],
    &["CHECKSUM", "TABLE"],
    &["OPTIMIZE", "TABLE"],
    &["REPAIR", "TABLE"],
];

/// MySQL `ALTER TABLE name <action>` actions `sqlparser` 0.63 cannot parse.
const ALTER_TABLE_GAPS: &[&[&str]] = &[
    &["ADD", "("],
    &["ADD", "COLUMN", "("],
    &["ADD", "COLUMN", "IF", "NOT", "EXISTS"],
    &["ADD", "INDEX", "IF", "NOT", "EXISTS"],
    &["ADD", "KEY", "IF", "NOT", "EXISTS"],
    &["DROP", "INDEX", "IF", "EXISTS"],
    &["DROP", "FOREIGN", "KEY", "IF", "EXISTS"],
    &["DROP", "KEY"],
    &["ADD", "PARTITION"],
    &["DROP", "PARTITION"],
    &["TRUNCATE", "PARTITION"],
    &["COALESCE", "PARTITION"],
    &["REORGANIZE", "PARTITION"],
    &["STATS_PERSISTENT"],
    &["STATS_AUTO_RECALC"],
    &["DISABLE", "KEYS"],
    &["ENABLE", "KEYS"],
    &["CONVERT", "TO"],
    &["ENGINE"],
    &["COMMENT"],
    &["ROW_FORMAT"],
    &["FORCE"],
    &["CHARACTER", "SET"],
    &["DEFAULT", "CHARACTER", "SET"],
    &["DEFAULT", "CHARSET"],
    &["RENAME", "INDEX"],
    &["RENAME", "KEY"],
    &["ALTER", "INDEX"],
];

/// True when `toks` begin with one of the gaps.
fn gap_matches(gaps: &[&[&str]], toks: &[Token<'_>]) -> bool {
    gaps.iter().any(|words| words_are(toks, words))
}

/// True when the statement is a MySQL one `sqlparser` is known not to support.
fn known_gap(toks: &[Token<'_>]) -> bool {
    if gap_matches(GAPS, toks) || is_routine(toks) {
        return true;
    }
    let Some((_, actions)) = alter_table(toks) else {
        return false;
    };
    (actions.iter()).any(|action| gap_matches(ALTER_TABLE_GAPS, action))
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

    /// The syntax rules `lint` reports for `sql` as an `up`.
    fn syntax_rules(sql: &str, dialect: Dialect) -> Vec<&'static str> {
        let found = crate::lint(&crate::LintInput {
            up: &[sql],
            down: &[],
            dialect,
            postgres: false,
            transactional: false,
            irreversible: true,
            missing_down: None,
        });
        let syntax = found
            .iter()
            .filter(|f| f.rule.category() == crate::Category::Syntax);
        syntax.map(|f| f.rule.name()).collect()
    }

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
        assert_eq!((e.line, e.column), (2, 22), "{e}");
        assert_eq!(e.to_string(), "line 2, column 22: this `(` is never closed");
    }

    #[test]
    fn sqlite_good_and_bad() {
        let good = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT) STRICT;\nCREATE TRIGGER t_ins AFTER INSERT ON t BEGIN\n  UPDATE t SET x = 'a' WHERE id = NEW.id;\nEND;\nPRAGMA foreign_keys = ON;";
        assert_eq!(check_syntax(good, Dialect::Sqlite), Ok(()));
        let bad = "-- first\nCREATE TABLE t (id INTEGER);\n  CREAT INDEX i ON t (id)";
        let e = error(bad, Dialect::Sqlite);
        assert_eq!((e.line, e.column), (3, 3), "{e}");
        assert_eq!(e.message, "syntax error near `CREAT`");
    }

    #[test]
    fn generic_good_and_bad() {
        // Accepted when any of the databases accepts it.
        let good = "ALTER TABLE a ALTER COLUMN x TYPE bigint USING x::bigint;\nCREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB";
        assert_eq!(check_syntax(good, Dialect::Generic), Ok(()));
        let bad = "SELECT 1;\nSELECT 2;\nINSERT INTO t (a, b) VALUES (1, 2,)";
        let e = error(bad, Dialect::Generic);
        assert_eq!((e.line, e.column), (3, 34), "{e}");
    }

    #[test]
    fn error_at_the_end_of_a_statement() {
        let e = error("SELECT 1;\nDELETE FROM ;", Dialect::Postgres);
        assert_eq!(e.line, 2, "{e}");
        let e = error("SELECT 1;\nSELECT 1 +", Dialect::Sqlite);
        assert_eq!((e.line, e.column), (2, 11), "{e}");
        let e = error("SELECT 1;\nSELECT 1 +", Dialect::Postgres);
        assert_eq!(e.line, 2, "{e}");
    }

    /// What the MySQL approximation cannot read is an error only when it is certainly
    /// wrong; otherwise `check` warns and the database judges it.
    #[test]
    fn mysql_errors_and_warnings() {
        let lint_up = |sql| syntax_rules(sql, Dialect::Mysql);
        let certainly_wrong = [
            (
                "CREAT TABLE t (x INT)",
                "`CREAT` does not begin a statement",
            ),
            (
                "CREATE TABLE a (x INT)\nCREATE TABLE b (y INT)",
                "missing `;` before `CREATE`",
            ),
            (
                "ALTER TABLE t ADD COLUMN x INT,,",
                "a list element is missing around this `,`",
            ),
            ("CREATE TABLE t (x INT, y INT", "this `(` is never closed"),
            ("SELECT 'abc", ""),
        ];
        for (sql, message) in certainly_wrong {
            let e = error(sql, Dialect::Mysql);
            assert!(e.message.contains(message), "{sql}: {e}");
            assert_eq!(lint_up(sql), ["syntax-error"], "{sql}");
        }
        // sqlparser reads none of these; MySQL may.
        for sql in [
            "ALTER TABLE t ADD COLUM x INT",
            "SELECT 1 +",
            "CREATE TABLE t (id INT PRIMARY KY)",
            "CREATE TABLE user_totals\nWITH t AS (SELECT user_id, SUM(total) s FROM orders GROUP BY user_id)\nSELECT * FROM t",
        ] {
            assert_eq!(check_syntax(sql, Dialect::Mysql), Ok(()), "{sql}");
            assert_eq!(lint_up(sql), ["unverified-syntax"], "{sql}");
        }
    }

    /// Valid SQL that real projects ship and that `sqlparser` alone rejected: none of it
    /// is an error or a warning in its dialect, nor without a dialect.
    #[test]
    fn real_project_statements_that_sqlparser_rejects() {
        let table = "
            CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public =>
            CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\" WITH SCHEMA extensions =>
            ALTER INDEX IF EXISTS users_email_key RENAME TO users_email_unique =>
            COMMENT ON CONSTRAINT orders_total_positive ON orders IS 'totals are never negative' =>
            COMMENT ON FUNCTION touch_updated_at(int4) IS 'sets updated_at' =>
            CREATE SEQUENCE public.users_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1 =>
            ALTER TABLE orders ALTER CONSTRAINT orders_user_fk DEFERRABLE INITIALLY DEFERRED =>
            ALTER TRIGGER set_updated_at ON users RENAME TO users_set_updated_at =>
            CREATE STATISTICS orders_user_status (dependencies) ON user_id, status FROM orders =>
            DROP STATISTICS IF EXISTS orders_user_status =>
            SELECT =>
            CREATE TABLE accounts (id bigint, email text, CONSTRAINT accounts_email_not_null NOT NULL email) =>
            CREATE TABLE users_copy (LIKE users INCLUDING ALL) =>
            CREATE OR REPLACE TRUSTED PROCEDURAL LANGUAGE plsample =>
            CREATE TRUSTED LANGUAGE plsample =>
            CREATE PROCEDURAL LANGUAGE plsample =>
            SET NAMES 'UTF8' =>
            mysql: PREPARE stmt FROM @ddl =>
            mysql: EXECUTE stmt =>
            mysql: DEALLOCATE PREPARE stmt =>
            mysql: ALTER TABLE users ADD COLUMN (nickname VARCHAR(64), age INT) =>
            mysql: ALTER TABLE `users` DROP KEY `users_email` =>
            sqlite: CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT, n INT GENERATED ALWAYS AS (length(body)) STORED) STRICT =>
            sqlite: CREATE VIRTUAL TABLE docs USING fts5(title, body) =>
            sqlite: UPDATE t SET body = u.body FROM u WHERE u.id = t.id =>
            sqlite: SELECT body ->> '$.a' FROM t =>
        ";
        for (dialect, sql, expected) in crate::cases(table) {
            assert!(expected.is_empty());
            for dialect in [dialect, Dialect::Generic] {
                let found = syntax_rules(sql, dialect);
                assert!(found.is_empty(), "{sql} ({dialect:?}): {found:?}");
            }
        }
    }

    #[test]
    fn columns_count_characters_and_follow_the_statement() {
        let e = error("SELECT 'é'; SELEC 1", Dialect::Sqlite);
        assert_eq!((e.line, e.column), (1, 13), "{e}");
    }

    #[test]
    fn comments_that_never_end_are_errors() {
        for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Generic] {
            let e = error(
                "SELECT 1;\n  /* add the age column\nALTER TABLE users ADD COLUMN age int;",
                dialect,
            );
            assert_eq!((e.line, e.column), (2, 3), "{e}");
            assert!(e.message.contains("never closed"), "{e}");
        }
        assert_eq!(
            check_syntax("SELECT 1; /* a */ -- b\n/* c */", Dialect::Mysql),
            Ok(())
        );
        // SQLite runs such a script; a MySQL `#` comment may hold `/*`.
        let sqlite = check_syntax("SELECT 1; /* never closed", Dialect::Sqlite);
        assert_eq!(sqlite, Ok(()));
        let hash = check_syntax("SELECT 1; # see /* below", Dialect::Mysql);
        assert_eq!(hash, Ok(()));
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
        assert!(check_syntax("ALTER TABLE t ENGINE = InnoDB", Dialect::Sqlite).is_err());
        assert!(check_syntax("DROP INDEX CONCURRENTLY i", Dialect::Sqlite).is_err());
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
