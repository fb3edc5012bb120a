//! The syntax checks against corpora of real-world-shaped migration SQL, one per
//! database, every statement of which its server accepted (see `corpus/README.md`), and
//! cases of certainly wrong SQL its server rejected.
//!
//! Valid SQL is never a compile error, in its dialect or without one. Wrong SQL is always
//! a compile error in PostgreSQL and SQLite (their own grammars); in MySQL, where the
//! grammar is an approximation, it is a compile error or at least a `check` warning.
//! `cargo test -p updown-sql --test corpus -- --nocapture` prints the counts.

use updown_sql::{Category, Dialect, Finding, LintInput, Rule, destructive, lint, split};

fn corpus(name: &str) -> String {
    let path = format!("{}/tests/corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The syntax findings of one script as an `up`.
fn syntax(sql: &str, dialect: Dialect) -> Vec<Finding> {
    let found = lint(&LintInput {
        up: &[sql],
        down: &[],
        dialect,
        postgres: false,
        transactional: false,
        irreversible: true,
        missing_down: None,
    });
    let syntax = |f: &Finding| f.rule.category() == Category::Syntax;
    found.into_iter().filter(syntax).collect()
}

fn count(findings: &[Finding], rule: Rule) -> usize {
    findings.iter().filter(|f| f.rule == rule).count()
}

fn valid_corpus(file: &str, dialect: Dialect, max_unverified: usize) {
    let sql = corpus(file);
    let statements = split(&sql).len();
    assert!(statements >= 300, "{file}: {statements} statements");
    for d in [dialect, Dialect::Generic] {
        let found = syntax(&sql, d);
        let errors: Vec<String> = (found.iter())
            .filter(|f| f.rule == Rule::SyntaxError)
            .map(|f| format!("line {}: {} ({})", f.line, f.statement, f.message))
            .collect();
        let unverified = count(&found, Rule::UnverifiedSyntax);
        println!(
            "{file} as {}: {statements} statements, {} rejected, {unverified} unverified",
            d.name(),
            errors.len()
        );
        assert!(
            errors.is_empty(),
            "{file} as {}:\n{}",
            d.name(),
            errors.join("\n")
        );
        assert!(
            unverified <= max_unverified,
            "{file} as {}: {unverified} unverified",
            d.name()
        );
    }
}

/// The cases of an invalid corpus: scripts between `-- case` lines.
fn cases(file: &str) -> Vec<String> {
    let sql = corpus(file);
    let mut cases = sql
        .split("\n-- case\n")
        .skip(1)
        .map(str::to_owned)
        .collect::<Vec<_>>();
    assert!(cases.len() >= 25, "{file}: {} cases", cases.len());
    cases.retain(|c| !c.trim().is_empty());
    cases
}

/// Counts the cases that are compile errors and `check` warnings. Every case is a
/// compile error but those marked `-- parser-may-accept` (wrong in a place only a full
/// grammar reads, such as a typo inside a MySQL statement): those may be a warning or,
/// where no grammar here reads them (a MySQL trigger body), pass; how many did is
/// printed. Returns how many cases were not compile errors: warnings, and accepted.
fn invalid_corpus(file: &str, dialect: Dialect) -> (usize, usize) {
    let (mut errors, mut warnings, mut missed) = (0, 0, 0);
    let mut wrong = Vec::new();
    for case in cases(file) {
        let found = syntax(&case, dialect);
        let lenient_may_accept = case.contains("\n-- parser-may-accept\n");
        if count(&found, Rule::SyntaxError) > 0 {
            errors += 1;
        } else if !lenient_may_accept {
            wrong.push(case);
        } else if count(&found, Rule::UnverifiedSyntax) > 0 {
            warnings += 1;
        } else {
            missed += 1;
        }
    }
    println!(
        "{file}: {} cases, {errors} compile errors, {warnings} check warnings, {missed} accepted",
        errors + warnings + missed + wrong.len()
    );
    assert!(
        wrong.is_empty(),
        "{file}: not compile errors\n{}",
        wrong.join("\n---\n")
    );
    (warnings, missed)
}

#[test]
fn valid_postgres_sql_is_never_rejected() {
    valid_corpus("postgres.sql", Dialect::Postgres, 0);
}

#[test]
fn valid_sqlite_sql_is_never_rejected() {
    valid_corpus("sqlite.sql", Dialect::Sqlite, 0);
}

/// What the approximation cannot read is a warning, never an error.
#[test]
fn valid_mysql_sql_is_never_rejected() {
    valid_corpus("mysql.sql", Dialect::Mysql, usize::MAX);
}

/// The databases' own grammars: every case is a compile error, marked or not.
#[test]
fn wrong_postgres_and_sqlite_sql_is_a_compile_error() {
    for (file, dialect) in [
        ("postgres-invalid.sql", Dialect::Postgres),
        ("sqlite-invalid.sql", Dialect::Sqlite),
    ] {
        assert_eq!(invalid_corpus(file, dialect), (0, 0), "{file}");
    }
}

/// Misspelt first words, missing `;`, unbalanced parentheses and quotes, empty list
/// elements are compile errors in MySQL too; mistakes further in may be warnings.
#[test]
fn wrong_mysql_sql_is_a_compile_error_where_certain() {
    invalid_corpus("mysql-invalid.sql", Dialect::Mysql);
}

/// How many destructive findings each corpus's migrations get: reported, for the record
/// of false alarms (each corpus is a project's history, with rebuilds and backfills).
#[test]
fn destructive_findings_per_corpus() {
    for (file, dialect) in [
        ("postgres.sql", Dialect::Postgres),
        ("sqlite.sql", Dialect::Sqlite),
        ("mysql.sql", Dialect::Mysql),
    ] {
        let sql = corpus(file);
        let migrations: Vec<&str> = sql.split("\n-- migration: ").skip(1).collect();
        assert!(migrations.len() >= 50, "{file}");
        let mut findings = Vec::new();
        for migration in &migrations {
            let (name, sql) = migration.split_once('\n').unwrap_or((migration, ""));
            for f in destructive(sql, dialect) {
                findings.push(format!("  {name}: {} `{}`", f.rule, f.statement));
            }
        }
        println!(
            "{file}: {} migrations, {} destructive findings\n{}",
            migrations.len(),
            findings.len(),
            findings.join("\n")
        );
    }
}
