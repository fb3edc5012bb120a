//! `check`: the static lint of every registered migration. It reads the SQL the macros
//! recorded (SQL bodies, and the string literals of Rust bodies) and needs no database.

use updown_sql::{Category, Dialect, LintInput, Rule};

use crate::migration::Migration;
use crate::registry::Registry;
use crate::run::Action;

/// One finding of `check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFinding {
    /// Version of the migration the finding is in.
    pub version: i64,
    /// Name of that migration.
    pub name: String,
    /// The rule, such as `drop-table` or `create-index-without-concurrently`.
    pub rule: Rule,
    /// What is wrong and how to fix or allow it, as `check` prints it.
    pub message: String,
    /// The statement the rule fired on, as written.
    pub statement: String,
    /// 1-based line of the statement in its script.
    pub line: usize,
    /// The reason of `destructive = "..."` when the migration declared this finding.
    pub declared: Option<String>,
    /// The migration is a diesel folder, which cannot declare or allow a finding: its
    /// findings are warnings.
    pub in_diesel_folder: bool,
}

/// How `check` counts a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Fails `check`.
    Error,
    /// Reported without failing `check`: a finding in a diesel folder, or of a rule that
    /// only warns ([`Rule::is_warning`]: SQL the MySQL grammar cannot check).
    Warning,
    /// Declared by the migration (`destructive = "..."`).
    Declared,
}

impl Severity {
    /// `error`, `warning` or `declared`, as `check --format json` gives it.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Declared => "declared",
        }
    }
}

impl CheckFinding {
    /// How `check` counts this finding.
    pub fn severity(&self) -> Severity {
        if self.declared.is_some() {
            Severity::Declared
        } else if self.in_diesel_folder || self.rule.is_warning() {
            Severity::Warning
        } else {
            Severity::Error
        }
    }

    /// An error: not declared by the migration, not allowed by it, not in a diesel
    /// folder, not of a warning rule.
    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }

    /// A warning (see [`Severity::Warning`]).
    pub fn is_warning(&self) -> bool {
        self.severity() == Severity::Warning
    }
}

/// What `check` found in every registered migration.
#[derive(Debug, Clone)]
pub struct CheckReport {
    /// How many migrations were linted.
    pub migrations: usize,
    /// Every finding, declared ones included, migration by migration.
    pub findings: Vec<CheckFinding>,
}

impl CheckReport {
    /// How many findings are errors (see [`CheckFinding::is_error`]): `check` fails when
    /// this is not 0.
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.is_error()).count()
    }

    /// How many findings are warnings (see [`CheckFinding::is_warning`]).
    pub fn warnings(&self) -> usize {
        self.findings.iter().filter(|f| f.is_warning()).count()
    }

    /// How many findings the migrations declared.
    pub fn declared(&self) -> usize {
        let declared = |f: &&CheckFinding| f.severity() == Severity::Declared;
        self.findings.iter().filter(declared).count()
    }
}

/// Lints every migration of `registry`. The PostgreSQL lock-risk rules apply to
/// migrations that declare `dialect = "postgres"`, and to all of them when `postgres`
/// says the database is PostgreSQL.
///
/// ```
/// use updown::{Migration, Registry, Rule};
///
/// let registry = Registry::from_migrations(vec![Migration::sql(
///     1,
///     "drop_sessions",
///     "DROP TABLE sessions",
///     Some("CREATE TABLE sessions (id BIGINT PRIMARY KEY)"),
/// )])?;
/// let report = updown::check::check(&registry, false);
/// assert_eq!(report.errors(), 1);
/// assert_eq!(report.findings[0].rule, Rule::DropTable);
/// # Ok::<(), updown::Error>(())
/// ```
pub fn check(registry: &Registry, postgres: bool) -> CheckReport {
    let mut findings = Vec::new();
    for m in registry.migrations() {
        findings.extend(check_one(m, postgres));
    }
    CheckReport {
        migrations: registry.migrations().len(),
        findings,
    }
}

fn check_one(m: &Migration, postgres: bool) -> Vec<CheckFinding> {
    let declared = m.dialect();
    let postgres = postgres || declared == Some(Dialect::Postgres);
    let dialect = declared.unwrap_or(if postgres {
        Dialect::Postgres
    } else {
        Dialect::Generic
    });
    let in_diesel_folder = m.diesel_version().is_some();
    let up = m.scripts(Action::Apply);
    let down = m.scripts(Action::Rollback);
    let input = LintInput {
        up: &up,
        down: &down,
        dialect,
        postgres,
        transactional: m.transactional(),
        irreversible: m.irreversible().is_some(),
        missing_down: m.irreversible().filter(|_| in_diesel_folder),
    };
    updown_sql::lint(&input)
        .into_iter()
        .filter(|f| !m.allowed_rules().contains(&f.rule))
        // The migration said its SQL is beyond the parser; the database judges it.
        .filter(|f| !(f.rule.category() == Category::Syntax && m.unchecked_sql().is_some()))
        .map(|f| CheckFinding {
            version: m.version(),
            name: m.name().to_owned(),
            declared: m
                .destructive()
                .filter(|_| f.is_destructive())
                .map(str::to_owned),
            rule: f.rule,
            message: f.message,
            statement: f.statement,
            line: f.line,
            in_diesel_folder,
        })
        .collect()
}
