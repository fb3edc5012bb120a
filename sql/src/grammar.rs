//! The databases' own grammars, which decide whether a statement is valid in its
//! dialect: PostgreSQL's (the parser of the squawk linter) and SQLite's (its Lemon
//! grammar). `sqlparser` still gives the tree the statement reader reads; MySQL has no
//! grammar of its own here (see `parse`).

use sqlite3_parser::lexer::sql::{
    Error as SqliteError, Parser as SqliteParser, ParserError as SqliteParserError,
};
use sqlite3_parser::{Bump, FallibleIterator};

/// Where and why a grammar rejects a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GrammarError {
    /// Lower case, as the other parse errors: `missing semicolon between statements`.
    pub message: String,
    /// Byte offset in the statement; its length for the end.
    pub offset: usize,
}

/// Checks one statement against PostgreSQL's grammar, PL/pgSQL bodies included (the
/// server checks those when it creates the function).
pub(crate) fn postgres(statement: &str) -> Result<(), GrammarError> {
    use squawk_syntax::ast::{self, AstNode};
    let parse = squawk_syntax::SourceFile::parse(statement);
    let mut errors = parse.errors();
    if errors.is_empty() {
        // Bodies belong to statements of their own: only the top level holds them.
        let bodies = parse.tree().stmts().filter_map(|statement| {
            let node = statement.syntax().clone();
            let function = ast::CreateFunction::cast(node.clone()).and_then(|f| f.plpgsql());
            let procedure = || ast::CreateProcedure::cast(node.clone()).and_then(|p| p.plpgsql());
            function
                .or_else(procedure)
                .or_else(|| ast::Do::cast(node).and_then(|d| d.plpgsql()))
        });
        errors = bodies.flat_map(|body| body.errors()).collect();
    }
    match errors.first() {
        None => Ok(()),
        Some(e) => Err(GrammarError {
            message: lower_first(e.message()),
            offset: usize::from(e.range().start()).min(statement.len()),
        }),
    }
}

/// Checks one statement against SQLite's grammar.
pub(crate) fn sqlite(statement: &str) -> Result<(), GrammarError> {
    let bump = Bump::new();
    let mut parser = SqliteParser::new(&bump, statement.as_bytes());
    loop {
        match parser.next() {
            Ok(Some(_)) => continue,
            Ok(None) => return Ok(()),
            Err(e) => return Err(sqlite_error(statement, &e)),
        }
    }
}

fn sqlite_error(statement: &str, e: &SqliteError) -> GrammarError {
    use SqliteError as E;
    let (message, at) = match e {
        E::ParserError(SqliteParserError::SyntaxError(near), at) => {
            (format!("syntax error near `{near}`"), at)
        }
        E::ParserError(SqliteParserError::UnexpectedEof, at) => {
            ("unexpected end of the statement".to_owned(), at)
        }
        E::ParserError(SqliteParserError::Custom(m), at) => (lower_first(m), at),
        E::UnterminatedLiteral(at) => ("unterminated string or quoted name".to_owned(), at),
        E::UnterminatedBracket(at) => ("unterminated `[`".to_owned(), at),
        E::UnterminatedBlockComment(at) => ("unterminated `/*` comment".to_owned(), at),
        E::UnrecognizedToken(at) => ("unrecognised token".to_owned(), at),
        E::BadVariableName(at) => ("bad parameter name".to_owned(), at),
        E::BadNumber(at) => ("bad number".to_owned(), at),
        E::ExpectedEqualsSign(at) => ("expected `=` after `!`".to_owned(), at),
        E::MalformedBlobLiteral(at) => ("malformed blob literal".to_owned(), at),
        E::MalformedHexInteger(at) => ("malformed hexadecimal integer".to_owned(), at),
        other => (other.to_string(), &None),
    };
    let at = at.as_ref().map(|p| (p.line, p.column));
    let offset = at.map_or(statement.len(), |(line, column)| {
        let line_start: usize = statement
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum();
        (line_start + column.saturating_sub(1)).min(statement.len())
    });
    // Positions may fall inside a character: move back to its start.
    let offset = (0..=offset)
        .rev()
        .find(|&i| statement.is_char_boundary(i))
        .unwrap_or(0);
    GrammarError { message, offset }
}

/// The message with its first letter in lower case, as updown's messages are.
pub(crate) fn lower_first(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(result: Result<(), GrammarError>) -> (String, usize) {
        let e = result.expect_err("an error");
        (e.message, e.offset)
    }

    #[test]
    fn postgres_accepts_what_sqlparser_does_not() {
        for sql in [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public",
            "ALTER INDEX IF EXISTS a RENAME TO b",
            "COMMENT ON CONSTRAINT c ON t IS 'why'",
            "SELECT",
        ] {
            assert_eq!(postgres(sql), Ok(()), "{sql}");
        }
        assert_eq!(
            error(postgres("CREATE TABLE a (x int)\nCREATE TABLE b (y int)")),
            ("missing semicolon between statements".into(), 22)
        );
        assert_eq!(error(postgres("CREAT TABLE t (x int)")).1, 0);
    }

    #[test]
    fn sqlite_errors_and_their_positions() {
        assert_eq!(
            sqlite("CREATE TABLE t (id INTEGER PRIMARY KEY) STRICT"),
            Ok(())
        );
        assert_eq!(
            error(sqlite("CREATE TABLE a (x)\nCREATE TABLE b (y)")),
            ("syntax error near `CREATE`".into(), 19)
        );
        assert_eq!(
            error(sqlite("SELECT 'é', (1")),
            (
                "unexpected end of the statement".into(),
                "SELECT 'é', (1".len()
            )
        );
        assert_eq!(
            error(sqlite("SELECT 'abc")).0,
            "unterminated string or quoted name"
        );
    }
}
