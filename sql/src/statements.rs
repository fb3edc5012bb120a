//! Splitting a SQL script into statements, so that each one can be run, reported and
//! checked on its own.

use crate::lexer::{Token, TokenKind, tokens};

/// One statement of a script: its text (comments inside kept, no trailing `;`) and
/// the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    pub text: &'a str,
    pub line: usize,
}

/// Splits a script at top-level semicolons.
///
/// Semicolons inside strings, quoted identifiers, comments, dollar quotes and the
/// `BEGIN ... END` body of a trigger, procedure, function or event do not split.
/// Statements that hold nothing but comments are dropped.
pub fn split(sql: &str) -> Vec<Statement<'_>> {
    let toks = tokens(sql);
    let mut out = Vec::new();
    let mut first = 0;
    while first < toks.len() {
        let routine = is_routine(&toks[first..]);
        let mut depth = 0usize;
        let mut last = first;
        let mut i = first;
        while i < toks.len() {
            let t = &toks[i];
            if t.kind == TokenKind::Semicolon && depth == 0 {
                break;
            }
            if routine && t.kind == TokenKind::Word {
                depth = block_depth(depth, &toks, i);
            }
            last = i;
            i += 1;
        }
        if toks[first].kind != TokenKind::Semicolon {
            let end = toks[last].start + toks[last].text.len();
            let start = toks[first].start;
            out.push(Statement {
                text: &sql[start..end],
                line: 1 + sql[..start].matches('\n').count(),
            });
        }
        first = i + 1;
    }
    out
}

/// True when the script holds no statement at all (empty, blank or only comments).
pub fn is_empty(sql: &str) -> bool {
    tokens(sql).iter().all(|t| t.kind == TokenKind::Semicolon)
}

/// Whether a script begins, ends or abandons a transaction itself (`BEGIN`, `START
/// TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`, `ABORT`), so that it cannot run inside one.
/// The `BEGIN` of a trigger or routine body and dollar-quoted bodies do not count.
pub fn controls_transaction(sql: &str) -> bool {
    split(sql)
        .iter()
        .any(|statement| transaction_control(&tokens(statement.text)).is_some())
}

/// Whether a migration's `up` or `down` controls its own transaction
/// ([`controls_transaction`]): then it cannot run inside updown's.
pub fn own_transaction(up: &str, down: Option<&str>) -> bool {
    controls_transaction(up) || down.is_some_and(controls_transaction)
}

/// The transaction-control statement these tokens are, if any: `BEGIN`, `START
/// TRANSACTION`, `COMMIT`, `END`, `ROLLBACK` (not `ROLLBACK TO` a savepoint), `ABORT`.
/// MariaDB's `BEGIN NOT ATOMIC` opens a compound statement, not a transaction.
pub(crate) fn transaction_control(toks: &[Token<'_>]) -> Option<&'static str> {
    let mut words = toks
        .iter()
        .filter(|t| t.kind == TokenKind::Word)
        .map(|t| t.text.to_ascii_uppercase());
    let first = words.next()?;
    let mut second = words.next();
    // `ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] a` stays inside the transaction.
    if first == "ROLLBACK" && matches!(second.as_deref(), Some("WORK" | "TRANSACTION")) {
        second = words.next();
    }
    match (first.as_str(), second.as_deref()) {
        ("BEGIN", Some("NOT")) => None,
        ("BEGIN", _) => Some("BEGIN"),
        ("COMMIT", _) => Some("COMMIT"),
        ("END", _) => Some("END"),
        ("ABORT", _) => Some("ABORT"),
        ("ROLLBACK", Some("TO")) => None,
        ("ROLLBACK", _) => Some("ROLLBACK"),
        ("START", Some("TRANSACTION")) => Some("START TRANSACTION"),
        _ => None,
    }
}

/// `CREATE [OR REPLACE] [TEMP] [DEFINER = x] TRIGGER|PROCEDURE|FUNCTION|EVENT`, or
/// `BEGIN NOT ATOMIC`: a
/// statement whose body, in procedural SQL, may hold semicolons inside `BEGIN ... END`
/// (and which `sqlparser` reads only in part).
pub(crate) fn is_routine(toks: &[Token<'_>]) -> bool {
    // MariaDB's anonymous block: `BEGIN NOT ATOMIC ... END`.
    if crate::lexer::words_are(toks, &["BEGIN", "NOT", "ATOMIC"]) {
        return true;
    }
    toks.first().is_some_and(|t| t.is_word("CREATE"))
        && toks
            .iter()
            .take(12)
            .take_while(|t| t.kind != TokenKind::Semicolon)
            .any(|t| {
                ["TRIGGER", "PROCEDURE", "FUNCTION", "EVENT"]
                    .iter()
                    .any(|w| t.is_word(w))
            })
}

/// `BEGIN` and `CASE` open a block; `END` closes one unless it ends an `IF`, `LOOP`,
/// `WHILE`, `REPEAT` or `FOR`, which never opened one.
fn block_depth(depth: usize, toks: &[Token<'_>], i: usize) -> usize {
    let t = &toks[i];
    if t.is_word("BEGIN")
        || t.is_word("CASE") && !toks[..i].last().is_some_and(|p| p.is_word("END"))
    {
        depth + 1
    } else if t.is_word("END") {
        let closes_unopened = toks.get(i + 1).is_some_and(|n| {
            ["IF", "LOOP", "WHILE", "REPEAT", "FOR"]
                .iter()
                .any(|w| n.is_word(w))
        });
        if closes_unopened {
            depth
        } else {
            depth.saturating_sub(1)
        }
    } else {
        depth
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        split(sql).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn splits_at_top_level_semicolons() {
        assert_eq!(
            texts("CREATE TABLE a (x INT);\n\n-- note\nINSERT INTO a VALUES (1);"),
            ["CREATE TABLE a (x INT)", "INSERT INTO a VALUES (1)"]
        );
    }

    #[test]
    fn reports_start_lines() {
        let lines: Vec<usize> = split("SELECT 1;\n\nSELECT\n2;")
            .iter()
            .map(|s| s.line)
            .collect();
        assert_eq!(lines, [1, 3]);
    }

    #[test]
    fn drops_comment_only_and_empty_statements() {
        assert_eq!(texts(";; -- nothing\n /* here */ ;"), Vec::<&str>::new());
        assert!(is_empty(" -- only a comment\n/* and another */ ;"));
        assert!(!is_empty("SELECT 1"));
    }

    #[test]
    fn keeps_trigger_bodies_whole() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET n = n + 1;\n  DELETE FROM c WHERE x = CASE WHEN 1 THEN 2 END;\nEND;\nSELECT 1";
        let got = texts(sql);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].ends_with("END"));
        assert_eq!(got[1], "SELECT 1");
    }

    #[test]
    fn keeps_mysql_procedures_whole() {
        let sql = "CREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; WHILE 0 DO SELECT 2; END WHILE; END; SELECT 3";
        assert_eq!(texts(sql).len(), 2);
    }

    #[test]
    fn dollar_quoted_function_bodies_do_not_split() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql; SELECT f()";
        assert_eq!(texts(sql).len(), 2);
    }

    #[test]
    fn plain_transactions_are_not_blocks() {
        assert_eq!(
            texts("BEGIN; SELECT 1; COMMIT;"),
            ["BEGIN", "SELECT 1", "COMMIT"]
        );
    }

    #[test]
    fn own_transactions_are_recognised() {
        assert!(controls_transaction(
            "BEGIN;\nCREATE TABLE a (x INT);\nCOMMIT;"
        ));
        assert!(controls_transaction("START TRANSACTION; SELECT 1; COMMIT"));
        assert!(controls_transaction("SELECT 1; ROLLBACK"));
        assert!(!controls_transaction(
            "SAVEPOINT a; SELECT 1; ROLLBACK TO a"
        ));
        assert!(!controls_transaction(
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = 1; END;"
        ));
        assert!(!controls_transaction(
            "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql"
        ));
        assert!(!controls_transaction("DO $$ BEGIN PERFORM 1; END $$"));
        assert!(!controls_transaction("BEGIN NOT ATOMIC SELECT 1; END"));
        assert!(controls_transaction("begin work; select 1; commit work"));
        assert!(!controls_transaction(
            "ROLLBACK TRANSACTION TO SAVEPOINT a; ROLLBACK WORK TO a"
        ));
        assert!(controls_transaction("ROLLBACK WORK"));
    }
}
