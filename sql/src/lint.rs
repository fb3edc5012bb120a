//! Everything `check` reports for one migration.

use crate::destructive::Walk;
use crate::locks::Locks;
use crate::parse::{Dialect, Parsed, ParsedStatement, parse_script};
use crate::reversibility::not_undone;
use crate::rules::{At, Finding, Rule};

/// One migration, as [`lint`] sees it.
pub struct LintInput<'a> {
    /// SQL scripts of `up` (several for Rust bodies: each string literal passed to
    /// `execute`/`batch_execute`), in order.
    pub up: &'a [&'a str],
    /// The same for `down`: empty when irreversible, or when a Rust `down` passes no
    /// SQL literal (then nothing is known about it and the reversibility rules are
    /// skipped).
    pub down: &'a [&'a str],
    pub dialect: Dialect,
    /// Apply the PostgreSQL lock-risk rules.
    pub postgres: bool,
    /// The migration runs inside a transaction.
    pub transactional: bool,
    pub irreversible: bool,
    /// Why the migration has no `down` though it cannot declare itself irreversible (a
    /// diesel folder whose `down.sql` is missing or does nothing).
    pub missing_down: Option<&'a str>,
}

/// Everything `check` reports for one migration: syntax errors, destructive
/// statements (whether or not the migration declares `destructive`: filter with
/// [`Finding::is_destructive`]), PostgreSQL lock risks when `postgres` is set, and what
/// `down` fails to undo unless the migration is irreversible.
pub fn lint(migration: &LintInput<'_>) -> Vec<Finding> {
    let dialect = migration.dialect;
    let (up, down) = (parse(migration.up, dialect), parse(migration.down, dialect));

    let mut findings = Vec::new();
    for (part, statements) in [("up", &up), ("down", &down)] {
        for statement in statements {
            let (rule, e) = match &statement.parsed {
                Parsed::Error(e) => (Rule::SyntaxError, e),
                Parsed::Unverified(e) => (Rule::UnverifiedSyntax, e),
                Parsed::Tree(_) | Parsed::Unsupported => continue,
            };
            let args = [
                ("part", part),
                ("error", &e.to_string()),
                ("dialect", dialect.name()),
            ];
            findings.push(rule.finding(&At::of(statement), &args));
        }
    }

    let mut locks = migration
        .postgres
        .then(|| Locks::new(&up, migration.transactional));
    let mut walked = Walk::of(&up, |i, change, walk, at| {
        (locks.as_mut()).map_or_else(Vec::new, |l| l.risks(i, change, walk, at))
    });
    findings.append(&mut walked.findings);

    if !migration.irreversible && !migration.down.is_empty() {
        findings.extend(not_undone(
            &walked,
            &Walk::of(&down, |_, _, _, _| Vec::new()),
        ));
    }
    if let Some(reason) = migration.missing_down {
        let message = Rule::MissingDown.message(&[("reason", reason)]);
        findings.push(Finding {
            rule: Rule::MissingDown,
            message,
            statement: String::new(),
            line: 1,
        });
    }
    findings
}

/// The statements of several scripts, in order.
fn parse<'a>(scripts: &[&'a str], dialect: Dialect) -> Vec<ParsedStatement<'a>> {
    scripts
        .iter()
        .flat_map(|sql| parse_script(sql, dialect))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Category, rule_names};

    #[test]
    fn lint_reads_every_script_of_a_rust_body_in_order() {
        let found = lint(&LintInput {
            up: &[
                "CREATE TABLE t (x INT)",
                "INSERT INTO t VALUES (1)",
                "DROP TABLE t",
            ],
            down: &["SELECT 1"],
            dialect: Dialect::Generic,
            postgres: true,
            transactional: true,
            irreversible: false,
            missing_down: None,
        });
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn lint_reports_syntax_errors() {
        let found = lint(&LintInput {
            up: &["CREATE TABLE t (x INT);\nSELEC 1"],
            down: &["DROP TABLE t"],
            dialect: Dialect::Sqlite,
            postgres: false,
            transactional: true,
            irreversible: false,
            missing_down: None,
        });
        assert_eq!(rule_names(&found), ["syntax-error"]);
        assert_eq!(found[0].line, 2);
        assert!(
            !found[0].message.contains(['{', '}']),
            "{}",
            found[0].message
        );
        assert!(
            found[0]
                .message
                .starts_with("`up` statement does not parse (line 2, column 1: "),
            "{}",
            found[0].message
        );
    }

    /// Every rule but the syntax check fires here.
    #[test]
    fn messages_are_lower_case_without_trailing_period() {
        let up = "DROP TABLE a; ALTER TABLE b ALTER COLUMN c SET NOT NULL; CREATE INDEX CONCURRENTLY i ON b (c); CREATE TABLE n (x INT); ALTER TABLE b DROP COLUMN d; DROP SCHEMA s; DROP DATABASE d; DROP INDEX j; DROP VIEW v; TRUNCATE b; DELETE FROM b; UPDATE b SET c = 1; ALTER TABLE b ALTER COLUMN c TYPE int; ALTER TABLE b ALTER COLUMN c DROP NOT NULL; ALTER TABLE b ALTER COLUMN c DROP DEFAULT; ALTER TABLE b RENAME COLUMN c TO f; ALTER TABLE b RENAME TO e; CREATE INDEX k ON e (f); ALTER TABLE e ADD CONSTRAINT l FOREIGN KEY (f) REFERENCES a (x); ALTER TABLE e ADD CONSTRAINT m CHECK (f > 0); ALTER TABLE e ADD COLUMN g uuid DEFAULT gen_random_uuid()";
        let found = lint(&LintInput {
            up: &[up],
            down: &["SELECT 1"],
            dialect: Dialect::Postgres,
            postgres: true,
            transactional: true,
            irreversible: false,
            missing_down: Some("`1_a/down.sql` does not exist"),
        });
        for f in &found {
            let first = f.message.chars().next().unwrap();
            assert!(first.is_lowercase() || first == '`', "{}", f.message);
            assert!(!f.message.ends_with('.'), "{}", f.message);
            assert!(f.rule.category() != Category::Syntax, "{}", f.rule);
            assert!(!f.message.contains(['{', '}']), "{}", f.message);
        }
        for rule in Rule::ALL
            .iter()
            .filter(|r| r.category() != Category::Syntax)
        {
            assert!(
                found.iter().any(|f| f.rule == *rule),
                "{rule} does not fire"
            );
        }
    }
}
