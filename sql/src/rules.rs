//! What `check` reports about a migration: destructive statements in `up`, PostgreSQL
//! statements that hold heavy locks, and `down` scripts that leave things `up` made.
//!
//! The rules read `Change`s, which come from `sqlparser`'s tree or, for statements it
//! cannot parse, from their tokens: a rule never fails, it only sees less.

use crate::changes::{self, Change, ColumnChange, Constraint, Kind, Name};
use crate::parse::{Dialect, Parsed, ParsedStatement, parse_script};

/// One thing wrong with a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Kebab-case rule name, such as `drop-table` (see [`DESTRUCTIVE_RULES`] and
    /// [`LOCK_RULES`]).
    pub rule: &'static str,
    /// Lower case: what is wrong and how to fix or allow it.
    pub message: String,
    /// The offending statement, whitespace folded, at most about 200 characters.
    pub statement: String,
    /// 1-based line the statement starts on, within the script that holds it.
    pub line: usize,
}

impl Finding {
    /// True for the rules that `destructive = "why"` permits.
    pub fn is_destructive(&self) -> bool {
        DESTRUCTIVE_RULES.contains(&self.rule)
    }
}

/// Rules for statements that lose data or break code using the schema; `destructive`
/// reports these, and a migration declares `destructive = "why"` to permit them.
pub const DESTRUCTIVE_RULES: &[&str] = &[
    "drop-table",
    "drop-schema",
    "drop-database",
    "drop-column",
    "drop-index",
    "drop-view",
    "truncate",
    "delete-without-where",
    "update-without-where",
    "alter-column-type",
    "drop-not-null",
    "drop-default",
    "rename-table",
    "rename-column",
];

/// PostgreSQL lock-risk rules (`alter-column-type` is one too, reported once as
/// destructive).
pub const LOCK_RULES: &[&str] = &[
    "create-index-without-concurrently",
    "foreign-key-without-not-valid",
    "check-without-not-valid",
    "set-not-null",
    "volatile-default",
    "concurrently-in-transaction",
];

/// Rules comparing `up` with `down`.
pub const REVERSIBILITY_RULES: &[&str] =
    &["created-but-not-dropped", "dropped-column-not-restored"];

/// A statement that does not parse (reported by [`lint`] only; the macros report
/// [`crate::check_syntax`] errors themselves).
pub const SYNTAX_RULE: &str = "syntax-error";

const ALLOW: &str = "; declare `destructive = \"why\"` if this is intended";

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
}

/// Destructive statements of an `up` script.
///
/// Objects created earlier in the same script do not count: `CREATE TABLE t (...);
/// DROP TABLE t` is not destructive. Never fails: statements `sqlparser` cannot parse
/// are classified from their tokens.
///
/// ```
/// use updown_sql::{Dialect, destructive};
/// let found = destructive("DROP TABLE users", Dialect::Postgres);
/// assert_eq!(found[0].rule, "drop-table");
/// assert!(destructive("CREATE TABLE t (x INT); DROP TABLE t", Dialect::Postgres).is_empty());
/// ```
pub fn destructive(up_sql: &str, dialect: Dialect) -> Vec<Finding> {
    let mut up = Up::new(false, false);
    for statement in parse_script(up_sql, dialect) {
        up.statement(&statement);
    }
    up.findings
}

/// Everything `check` reports for one migration: syntax errors, destructive
/// statements (whether or not the migration declares `destructive`: filter with
/// [`Finding::is_destructive`]), PostgreSQL lock risks when `postgres` is set, and what
/// `down` fails to undo unless the migration is irreversible.
pub fn lint(migration: &LintInput<'_>) -> Vec<Finding> {
    let dialect = migration.dialect;
    let up_scripts: Vec<Vec<ParsedStatement<'_>>> = migration
        .up
        .iter()
        .map(|sql| parse_script(sql, dialect))
        .collect();
    let down_scripts: Vec<Vec<ParsedStatement<'_>>> = migration
        .down
        .iter()
        .map(|sql| parse_script(sql, dialect))
        .collect();

    let mut findings = Vec::new();
    for (part, scripts) in [("up", &up_scripts), ("down", &down_scripts)] {
        for statement in scripts.iter().flatten() {
            if let Parsed::Error(e) = &statement.parsed {
                findings.push(finding(
                    SYNTAX_RULE,
                    format!(
                        "`{part}` statement does not parse ({e}); fix it or check the migration's dialect ({})",
                        dialect.name()
                    ),
                    statement,
                ));
            }
        }
    }

    let mut up = Up::new(migration.postgres, migration.transactional);
    for statement in up_scripts.iter().flatten() {
        up.statement(statement);
    }
    findings.append(&mut up.findings);

    if !migration.irreversible && !migration.down.is_empty() {
        let down = Down::read(down_scripts.iter().flatten());
        findings.extend(not_undone(&up, &down));
    }
    findings
}

/// The statement as shown in a finding: whitespace folded, cut at 200 characters.
fn shown(text: &str) -> String {
    const MAX: usize = 200;
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match folded.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}...", &folded[..cut]),
        None => folded,
    }
}

fn finding(rule: &'static str, message: String, statement: &ParsedStatement<'_>) -> Finding {
    Finding {
        rule,
        message,
        statement: shown(statement.text),
        line: statement.line,
    }
}

/// An object `up` created, while it still exists.
struct Created {
    kind: Kind,
    name: Name,
    on: Option<Name>,
    columns: Vec<Name>,
    lasting: bool,
    statement: String,
    line: usize,
}

/// A column of an existing table that `up` dropped.
struct DroppedColumn {
    table: Name,
    column: Name,
    statement: String,
    line: usize,
}

/// Walks the statements of `up` in order, tracking what it created so far.
struct Up {
    postgres: bool,
    transactional: bool,
    created: Vec<Created>,
    /// Columns added to existing tables.
    added_columns: Vec<(Name, Name)>,
    dropped_columns: Vec<DroppedColumn>,
    findings: Vec<Finding>,
}

impl Up {
    fn new(postgres: bool, transactional: bool) -> Self {
        Up {
            postgres,
            transactional,
            created: Vec::new(),
            added_columns: Vec::new(),
            dropped_columns: Vec::new(),
            findings: Vec::new(),
        }
    }

    fn created_index(&self, kind: Kind, name: &Name) -> Option<usize> {
        self.created
            .iter()
            .position(|c| c.kind == kind && !name.is_unnamed() && c.name.same(name))
    }

    fn new_table(&self, table: &Name) -> bool {
        self.created_index(Kind::Table, table).is_some()
    }

    fn new_column(&self, table: &Name, column: &Name) -> bool {
        self.new_table(table)
            || self
                .added_columns
                .iter()
                .any(|(t, c)| t.same(table) && c.parts == column.parts)
    }

    fn statement(&mut self, statement: &ParsedStatement<'_>) {
        for change in changes::of(statement) {
            self.change(change, statement);
        }
    }

    fn report(&mut self, rule: &'static str, message: String, statement: &ParsedStatement<'_>) {
        self.findings.push(finding(rule, message, statement));
    }

    fn concurrently(&mut self, what: &str, statement: &ParsedStatement<'_>) {
        if self.postgres && self.transactional {
            self.report(
                "concurrently-in-transaction",
                format!(
                    "runs {what}, which PostgreSQL refuses inside a transaction; set `transaction = false` on this migration"
                ),
                statement,
            );
        }
    }

    fn change(&mut self, change: Change, statement: &ParsedStatement<'_>) {
        match change {
            Change::Create {
                kind,
                name,
                on,
                columns,
                concurrently,
                lasting,
            } => {
                if kind == Kind::Index {
                    let table = on.as_ref().map_or(String::new(), |t| t.shown.clone());
                    if concurrently {
                        self.concurrently("CREATE INDEX CONCURRENTLY", statement);
                    } else if self.postgres && !on.as_ref().is_some_and(|t| self.new_table(t)) {
                        let index = if name.is_unnamed() {
                            String::from("an index")
                        } else {
                            format!("index `{}`", name.shown)
                        };
                        self.report(
                            "create-index-without-concurrently",
                            format!(
                                "creates {index} on `{table}` without CONCURRENTLY, which blocks writes to the table while it builds; use CREATE INDEX CONCURRENTLY in a migration with `transaction = false`"
                            ),
                            statement,
                        );
                    }
                }
                self.created.push(Created {
                    kind,
                    name,
                    on,
                    columns,
                    lasting,
                    statement: shown(statement.text),
                    line: statement.line,
                });
            }
            Change::Drop {
                kind,
                name,
                on,
                concurrently,
            } => {
                if concurrently {
                    self.concurrently("DROP INDEX CONCURRENTLY", statement);
                }
                if let Some(i) = self.created_index(kind, &name) {
                    let gone = self.created.remove(i);
                    if kind == Kind::Table {
                        self.created
                            .retain(|c| !c.on.as_ref().is_some_and(|t| t.same(&gone.name)));
                    }
                    return;
                }
                let n = &name.shown;
                let (rule, message) = match kind {
                    Kind::Table => ("drop-table", format!("drops table `{n}` and its data")),
                    Kind::Schema => (
                        "drop-schema",
                        format!("drops schema `{n}` and everything in it"),
                    ),
                    Kind::Database => (
                        "drop-database",
                        format!("drops database `{n}` and everything in it"),
                    ),
                    Kind::Index => {
                        let of = on.map_or(String::new(), |t| format!(" of `{}`", t.shown));
                        (
                            "drop-index",
                            format!(
                                "drops index `{n}`{of}, which queries or constraints may rely on"
                            ),
                        )
                    }
                    Kind::View => (
                        "drop-view",
                        format!("drops view `{n}`, which queries may rely on"),
                    ),
                    Kind::Type | Kind::Sequence => return,
                };
                self.report(rule, format!("{message}{ALLOW}"), statement);
            }
            Change::Truncate { table } => {
                if !self.new_table(&table) {
                    self.report(
                        "truncate",
                        format!("empties table `{}`{ALLOW}", table.shown),
                        statement,
                    );
                }
            }
            Change::DeleteAll { table } => {
                if !self.new_table(&table) {
                    self.report(
                        "delete-without-where",
                        format!(
                            "deletes every row of `{}`: it has no WHERE; add a WHERE clause, or{}",
                            table.shown,
                            &ALLOW[1..]
                        ),
                        statement,
                    );
                }
            }
            Change::UpdateAll { table } => {
                if !self.new_table(&table) {
                    self.report(
                        "update-without-where",
                        format!(
                            "updates every row of `{}`: it has no WHERE; add a WHERE clause, or{}",
                            table.shown,
                            &ALLOW[1..]
                        ),
                        statement,
                    );
                }
            }
            Change::RenameTable { from, to } => {
                if let Some(i) = self.created_index(Kind::Table, &from) {
                    let table = &mut self.created[i];
                    let old = std::mem::replace(&mut table.name, to.clone());
                    for c in &mut self.created {
                        if c.on.as_ref().is_some_and(|t| t.same(&old)) {
                            c.on = Some(to.clone());
                        }
                    }
                } else {
                    self.report(
                        "rename-table",
                        format!(
                            "renames table `{}` to `{}`, which breaks code still using the old name{ALLOW}",
                            from.shown, to.shown
                        ),
                        statement,
                    );
                }
            }
            Change::AddColumn {
                table,
                column,
                volatile_default,
            } => {
                if self.new_table(&table) {
                    if let Some(i) = self.created_index(Kind::Table, &table) {
                        self.created[i].columns.push(column);
                    }
                    return;
                }
                if let (true, Some(function)) = (self.postgres, &volatile_default) {
                    self.report(
                        "volatile-default",
                        format!(
                            "adds column `{}` to `{}` with a default calling {function}, which rewrites the whole table under an exclusive lock; add the column without a default, then set the default and backfill existing rows in batches",
                            column.shown, table.shown
                        ),
                        statement,
                    );
                }
                self.added_columns.push((table, column));
            }
            Change::DropColumn { table, column } => {
                if self.new_column(&table, &column) {
                    self.added_columns
                        .retain(|(t, c)| !(t.same(&table) && c.parts == column.parts));
                    return;
                }
                self.report(
                    "drop-column",
                    format!(
                        "drops column `{}` of `{}` and its data{ALLOW}",
                        column.shown, table.shown
                    ),
                    statement,
                );
                self.dropped_columns.push(DroppedColumn {
                    table,
                    column,
                    statement: shown(statement.text),
                    line: statement.line,
                });
            }
            Change::RenameColumn { table, from, to } => {
                if self.new_column(&table, &from) {
                    for (t, c) in &mut self.added_columns {
                        if t.same(&table) && c.parts == from.parts {
                            *c = to.clone();
                        }
                    }
                    return;
                }
                self.report(
                    "rename-column",
                    format!(
                        "renames column `{}` of `{}` to `{}`, which breaks code still using the old name{ALLOW}",
                        from.shown, table.shown, to.shown
                    ),
                    statement,
                );
            }
            Change::AlterColumn {
                table,
                column,
                change,
            } => {
                let (c, t) = (&column.shown, &table.shown);
                let (rule, message) = match change {
                    ColumnChange::SetNotNull => {
                        if self.postgres && !self.new_table(&table) {
                            self.report(
                                "set-not-null",
                                format!(
                                    "sets NOT NULL on column `{c}` of `{t}`, which blocks reads and writes while every row is scanned; first add CHECK ({c} IS NOT NULL) NOT VALID and VALIDATE it, so that SET NOT NULL skips the scan (PostgreSQL 12 and later)"
                                ),
                                statement,
                            );
                        }
                        return;
                    }
                    _ if self.new_column(&table, &column) => return,
                    ColumnChange::Type => (
                        "alter-column-type",
                        format!(
                            "changes the type of column `{c}` of `{t}`, which can lose data and rewrites the table"
                        ),
                    ),
                    ColumnChange::DropNotNull => (
                        "drop-not-null",
                        format!(
                            "drops NOT NULL from column `{c}` of `{t}`: once NULLs are stored, `down` cannot restore it"
                        ),
                    ),
                    ColumnChange::DropDefault => (
                        "drop-default",
                        format!(
                            "drops the default of column `{c}` of `{t}`: inserts that leave it out will store NULL or fail"
                        ),
                    ),
                };
                self.report(rule, format!("{message}{ALLOW}"), statement);
            }
            Change::AddConstraint {
                table,
                constraint,
                not_valid,
            } => {
                if !self.postgres || not_valid || self.new_table(&table) {
                    return;
                }
                let t = &table.shown;
                let (rule, message) = match constraint {
                    Constraint::ForeignKey => (
                        "foreign-key-without-not-valid",
                        format!(
                            "adds a foreign key to `{t}` without NOT VALID, which blocks writes to both tables while every row is checked"
                        ),
                    ),
                    Constraint::Check => (
                        "check-without-not-valid",
                        format!(
                            "adds a CHECK constraint to `{t}` without NOT VALID, which blocks reads and writes while every row is checked"
                        ),
                    ),
                };
                self.report(
                    rule,
                    format!(
                        "{message}; add it NOT VALID, then VALIDATE CONSTRAINT in a later migration"
                    ),
                    statement,
                );
            }
            Change::Concurrently { what } => self.concurrently(what, statement),
        }
    }
}

/// What `down` drops and restores.
#[derive(Default)]
struct Down {
    dropped: Vec<(Kind, Name)>,
    added_columns: Vec<(Name, Name)>,
    /// Tables `down` creates, under their final names, with their columns.
    created_tables: Vec<(Name, Vec<Name>)>,
}

impl Down {
    fn read<'s, 'a: 's>(statements: impl Iterator<Item = &'s ParsedStatement<'a>>) -> Down {
        let mut down = Down::default();
        for statement in statements {
            for change in changes::of(statement) {
                match change {
                    Change::Drop { kind, name, .. } => down.dropped.push((kind, name)),
                    Change::AddColumn { table, column, .. } => {
                        down.added_columns.push((table, column))
                    }
                    Change::Create {
                        kind: Kind::Table,
                        name,
                        columns,
                        ..
                    } => down.created_tables.push((name, columns)),
                    Change::RenameTable { from, to } => {
                        for (name, _) in &mut down.created_tables {
                            if name.same(&from) {
                                *name = to.clone();
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        down
    }

    fn drops(&self, kind: Kind, name: &Name) -> bool {
        self.dropped
            .iter()
            .any(|(k, n)| *k == kind && n.same(name) || *k == Kind::Schema && name.in_schema(n))
    }

    fn restores(&self, table: &Name, column: &Name) -> bool {
        let same = |c: &Name| c.parts == column.parts;
        self.added_columns
            .iter()
            .any(|(t, c)| t.same(table) && same(c))
            || self
                .created_tables
                .iter()
                .any(|(t, cols)| t.same(table) && cols.iter().any(same))
    }
}

/// Findings for what `up` created or dropped and `down` does not undo.
fn not_undone(up: &Up, down: &Down) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &up.created {
        let dropped = down.drops(c.kind, &c.name)
            || c.on.as_ref().is_some_and(|t| down.drops(Kind::Table, t));
        if !c.lasting || dropped || c.name.is_unnamed() {
            continue;
        }
        let kind = c.kind.word();
        let n = &c.name.shown;
        out.push(Finding {
            rule: "created-but-not-dropped",
            message: format!(
                "creates {kind} `{n}` but `down` never drops it; add `DROP {} {n}` to `down`",
                kind.to_uppercase()
            ),
            statement: c.statement.clone(),
            line: c.line,
        });
    }
    for d in &up.dropped_columns {
        if down.restores(&d.table, &d.column) {
            continue;
        }
        let (t, c) = (&d.table.shown, &d.column.shown);
        out.push(Finding {
            rule: "dropped-column-not-restored",
            message: format!(
                "drops column `{c}` of `{t}` but `down` does not add it back; add `ALTER TABLE {t} ADD COLUMN {c} ...` to `down`"
            ),
            statement: d.statement.clone(),
            line: d.line,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.rule).collect()
    }

    fn destructive_in(sql: &str, dialect: Dialect) -> Vec<&'static str> {
        rules(&destructive(sql, dialect))
    }

    /// Lints an `up` alone (irreversible, so that only `up`'s rules speak).
    fn lint_up(up: &str, postgres: bool, transactional: bool) -> Vec<&'static str> {
        rules(&lint(&LintInput {
            up: &[up],
            down: &[],
            dialect: if postgres {
                Dialect::Postgres
            } else {
                Dialect::Generic
            },
            postgres,
            transactional,
            irreversible: true,
        }))
    }

    fn pg(up: &str) -> Vec<&'static str> {
        lint_up(up, true, true)
    }

    fn lint_both(up: &str, down: &str) -> Vec<Finding> {
        lint(&LintInput {
            up: &[up],
            down: &[down],
            dialect: Dialect::Postgres,
            postgres: false,
            transactional: true,
            irreversible: false,
        })
    }

    /// Each destructive rule: a statement that triggers it and a close one that does not.
    #[test]
    fn destructive_rules_fire_and_hold_back() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "drop-table",
                "DROP TABLE users",
                "CREATE TABLE users (id INT); DROP TABLE users",
            ),
            (
                "drop-table",
                "DROP TABLE IF EXISTS users",
                "CREATE TABLE IF NOT EXISTS users (id INT); DROP TABLE IF EXISTS users",
            ),
            (
                "drop-schema",
                "DROP SCHEMA app CASCADE",
                "CREATE SCHEMA app; DROP SCHEMA app CASCADE",
            ),
            (
                "drop-database",
                "DROP DATABASE app",
                "CREATE DATABASE app; DROP DATABASE app",
            ),
            (
                "drop-column",
                "ALTER TABLE users DROP COLUMN email",
                "ALTER TABLE users ADD COLUMN tmp INT; ALTER TABLE users DROP COLUMN tmp",
            ),
            (
                "drop-index",
                "DROP INDEX users_email",
                "CREATE INDEX users_email ON users (email); DROP INDEX users_email",
            ),
            (
                "drop-view",
                "DROP VIEW active_users",
                "CREATE VIEW active_users AS SELECT 1; DROP VIEW active_users",
            ),
            (
                "drop-view",
                "DROP MATERIALIZED VIEW totals",
                "CREATE MATERIALIZED VIEW totals AS SELECT 1; DROP MATERIALIZED VIEW totals",
            ),
            (
                "truncate",
                "TRUNCATE users",
                "CREATE TABLE scratch (x INT); TRUNCATE scratch",
            ),
            (
                "delete-without-where",
                "DELETE FROM users",
                "DELETE FROM users WHERE id = 1",
            ),
            (
                "update-without-where",
                "UPDATE users SET active = true",
                "UPDATE users SET active = true WHERE id = 1",
            ),
            (
                "alter-column-type",
                "ALTER TABLE users ALTER COLUMN id TYPE bigint",
                "ALTER TABLE users ALTER COLUMN id SET DEFAULT 0",
            ),
            (
                "drop-not-null",
                "ALTER TABLE users ALTER COLUMN email DROP NOT NULL",
                "ALTER TABLE users ALTER COLUMN email SET NOT NULL",
            ),
            (
                "drop-default",
                "ALTER TABLE users ALTER COLUMN active DROP DEFAULT",
                "ALTER TABLE users ALTER COLUMN active SET DEFAULT true",
            ),
            (
                "rename-table",
                "ALTER TABLE users RENAME TO people",
                "CREATE TABLE users (id INT); ALTER TABLE users RENAME TO people",
            ),
            (
                "rename-column",
                "ALTER TABLE users RENAME COLUMN email TO mail",
                "ALTER TABLE users ADD COLUMN email TEXT; ALTER TABLE users RENAME COLUMN email TO mail",
            ),
        ];
        for (rule, fires, holds) in cases {
            assert!(DESTRUCTIVE_RULES.contains(rule), "{rule}");
            assert_eq!(destructive_in(fires, Dialect::Postgres), [*rule], "{fires}");
            assert_eq!(
                destructive_in(holds, Dialect::Postgres),
                Vec::<&str>::new(),
                "{holds}"
            );
        }
    }

    #[test]
    fn mysql_and_sqlite_spellings() {
        for (sql, rule) in [
            ("ALTER TABLE users DROP INDEX users_email", "drop-index"),
            ("DROP INDEX users_email ON users", "drop-index"),
            ("RENAME TABLE users TO people", "rename-table"),
            (
                "ALTER TABLE users MODIFY email VARCHAR(10)",
                "alter-column-type",
            ),
            (
                "ALTER TABLE users CHANGE email email VARCHAR(10)",
                "alter-column-type",
            ),
            (
                "ALTER TABLE users CHANGE email mail VARCHAR(255)",
                "rename-column",
            ),
            ("DELETE FROM users LIMIT 10", "delete-without-where"),
        ] {
            assert_eq!(destructive_in(sql, Dialect::Mysql), [rule], "{sql}");
        }
        assert_eq!(
            destructive_in("DELETE t FROM t JOIN u ON t.id = u.id", Dialect::Mysql),
            Vec::<&str>::new()
        );
        assert_eq!(
            destructive_in(
                "ALTER TABLE users RENAME COLUMN a TO b; ALTER TABLE users DROP COLUMN c",
                Dialect::Sqlite
            ),
            ["rename-column", "drop-column"]
        );
    }

    #[test]
    fn names_compare_as_the_database_folds_them() {
        assert!(
            destructive(
                "CREATE TABLE public.Users (id INT); DROP TABLE users",
                Dialect::Postgres
            )
            .is_empty()
        );
        assert_eq!(
            destructive_in(
                "CREATE TABLE \"Users\" (id INT); DROP TABLE users",
                Dialect::Postgres
            ),
            ["drop-table"]
        );
        // Dropping a created table takes its indexes with it; a second drop is real.
        assert_eq!(
            destructive_in(
                "CREATE TABLE t (x INT); CREATE INDEX i ON t (x); DROP TABLE t; DROP INDEX i",
                Dialect::Postgres
            ),
            ["drop-index"]
        );
        // A renamed new table is still new.
        assert!(
            destructive(
                "CREATE TABLE t (x INT); ALTER TABLE t RENAME TO u; DROP TABLE u",
                Dialect::Postgres
            )
            .is_empty()
        );
    }

    #[test]
    fn several_names_give_several_findings() {
        let found = destructive("DROP TABLE a, b", Dialect::Postgres);
        assert_eq!(rules(&found), ["drop-table", "drop-table"]);
        assert!(found[1].message.contains("`b`"));
    }

    #[test]
    fn messages_name_the_object_and_the_way_out() {
        let found = destructive("-- old\nDROP   TABLE\n  users", Dialect::Postgres);
        assert_eq!(
            found,
            [Finding {
                rule: "drop-table",
                message: "drops table `users` and its data; declare `destructive = \"why\"` if this is intended".into(),
                statement: "DROP TABLE users".into(),
                line: 2,
            }]
        );
        let found = destructive("DELETE FROM users", Dialect::Sqlite);
        assert_eq!(
            found[0].message,
            "deletes every row of `users`: it has no WHERE; add a WHERE clause, or declare `destructive = \"why\"` if this is intended"
        );
        assert!(found[0].is_destructive());
    }

    #[test]
    fn long_statements_are_cut() {
        let sql = format!("UPDATE users SET note = '{}'", "x ".repeat(300));
        let found = destructive(&sql, Dialect::Postgres);
        assert!(found[0].statement.ends_with("..."));
        assert_eq!(found[0].statement.chars().count(), 203);
    }

    /// Statements sqlparser cannot parse are classified from their tokens.
    #[test]
    fn unparseable_statements_fall_back_to_tokens() {
        for (sql, expected) in [
            ("DROP TABLE users CASCADE ((", vec!["drop-table"]),
            (
                "DROP TABLE IF EXISTS a, s.b PURGE GARBAGE",
                vec!["drop-table", "drop-table"],
            ),
            ("TRUNCATE TABLE users RESTART IDENTITY ((", vec!["truncate"]),
            ("DELETE FROM users ORDER BY (", vec!["delete-without-where"]),
            ("DELETE FROM users WHERE (", vec![]),
            ("UPDATE users SET x = (", vec!["update-without-where"]),
            (
                "ALTER TABLE users DROP COLUMN email, FROB",
                vec!["drop-column"],
            ),
            ("ALTER TABLE users DROP CONSTRAINT c, FROB", vec![]),
            (
                "ALTER TABLE users RENAME COLUMN a TO b FROB",
                vec!["rename-column"],
            ),
            (
                "ALTER TABLE users RENAME TO people FROB",
                vec!["rename-table"],
            ),
            (
                "ALTER TABLE users ALTER COLUMN id TYPE bigint FROB (",
                vec!["alter-column-type"],
            ),
            (
                "ALTER TABLE users ALTER email DROP NOT NULL FROB",
                vec!["drop-not-null"],
            ),
            (
                "ALTER TABLE users ALTER COLUMN a DROP DEFAULT FROB",
                vec!["drop-default"],
            ),
            ("DROP SCHEMA s FROB", vec!["drop-schema"]),
            ("DROP VIEW v FROB", vec!["drop-view"]),
            ("DROP INDEX i ON t FROB", vec!["drop-index"]),
            ("RENAME TABLE a TO b FROB", vec!["rename-table"]),
            ("SELEC 1", vec![]),
        ] {
            let parsed = crate::check_syntax(sql, Dialect::Postgres);
            assert!(parsed.is_err(), "{sql} parses: not a fallback test");
            assert_eq!(destructive_in(sql, Dialect::Postgres), expected, "{sql}");
        }
        // Known gaps of sqlparser go the same way.
        assert_eq!(
            destructive_in(
                "ALTER TABLE users DROP COLUMN email, ENGINE = InnoDB",
                Dialect::Mysql
            ),
            ["drop-column"]
        );
        // Objects created by unparseable statements count as created.
        assert!(
            destructive(
                "CREATE TABLE t (x INT) FROB; DROP TABLE t",
                Dialect::Postgres
            )
            .is_empty()
        );
        assert!(
            destructive(
                "CREATE INDEX i ON t (x) FROB; DROP INDEX i",
                Dialect::Postgres
            )
            .is_empty()
        );
    }

    #[test]
    fn routine_bodies_are_not_statements_of_the_script() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; END;\nCREATE FUNCTION f() RETURNS void AS $$ DELETE FROM c $$ LANGUAGE sql";
        assert!(destructive(sql, Dialect::Sqlite).is_empty());
        assert!(destructive(sql, Dialect::Generic).is_empty());
    }

    #[test]
    fn create_index_without_concurrently() {
        assert_eq!(
            pg("CREATE INDEX users_email ON users (email)"),
            ["create-index-without-concurrently"]
        );
        assert_eq!(
            pg("CREATE UNIQUE INDEX ON users (email)"),
            ["create-index-without-concurrently"]
        );
        assert!(
            lint_up(
                "CREATE INDEX CONCURRENTLY users_email ON users (email)",
                true,
                false
            )
            .is_empty()
        );
        assert!(pg("CREATE TABLE t (x INT); CREATE INDEX t_x ON t (x)").is_empty());
        assert!(lint_up("CREATE INDEX users_email ON users (email)", false, true).is_empty());
    }

    #[test]
    fn concurrently_in_transaction() {
        assert_eq!(
            pg("CREATE INDEX CONCURRENTLY i ON users (email)"),
            ["concurrently-in-transaction"]
        );
        assert!(lint_up("CREATE INDEX CONCURRENTLY i ON users (email)", true, false).is_empty());
        // sqlparser 0.63 does not read DROP INDEX CONCURRENTLY; the word is read from tokens.
        assert_eq!(
            pg("DROP INDEX CONCURRENTLY i"),
            ["concurrently-in-transaction", "drop-index"]
        );
        assert_eq!(
            lint_up("DROP INDEX CONCURRENTLY IF EXISTS i", true, false),
            ["drop-index"]
        );
        assert_eq!(
            pg("REINDEX INDEX CONCURRENTLY i"),
            ["concurrently-in-transaction"]
        );
        assert!(pg("REINDEX INDEX i").is_empty());
        assert_eq!(
            pg("ALTER TABLE m DETACH PARTITION m1 CONCURRENTLY"),
            ["concurrently-in-transaction"]
        );
    }

    #[test]
    fn foreign_key_without_not_valid() {
        let fk = "ALTER TABLE orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id)";
        assert_eq!(pg(fk), ["foreign-key-without-not-valid"]);
        assert!(pg(&format!("{fk} NOT VALID")).is_empty());
        assert!(pg(&format!("CREATE TABLE orders (user_id INT); {fk}")).is_empty());
        assert!(lint_up(fk, false, true).is_empty());
        // From tokens too.
        assert_eq!(
            pg(&format!("{fk}, SET SCHEMA x")),
            ["foreign-key-without-not-valid"]
        );
        assert!(pg(&format!("{fk} NOT VALID, SET SCHEMA x")).is_empty());
    }

    #[test]
    fn check_without_not_valid() {
        let check = "ALTER TABLE users ADD CONSTRAINT age_positive CHECK (age > 0)";
        assert_eq!(pg(check), ["check-without-not-valid"]);
        assert!(pg(&format!("{check} NOT VALID")).is_empty());
        assert!(pg("ALTER TABLE users VALIDATE CONSTRAINT age_positive").is_empty());
    }

    #[test]
    fn set_not_null() {
        assert_eq!(
            pg("ALTER TABLE users ALTER COLUMN email SET NOT NULL"),
            ["set-not-null"]
        );
        assert!(pg("CREATE TABLE t (x INT); ALTER TABLE t ALTER COLUMN x SET NOT NULL").is_empty());
        // A column added to an existing table is backfilled, then scanned: still a risk.
        assert_eq!(
            pg("ALTER TABLE users ADD COLUMN x INT; ALTER TABLE users ALTER COLUMN x SET NOT NULL"),
            ["set-not-null"]
        );
    }

    #[test]
    fn volatile_default() {
        for sql in [
            "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()",
            "ALTER TABLE users ADD COLUMN r float NOT NULL DEFAULT random() * 10",
            "ALTER TABLE users ADD COLUMN at timestamptz DEFAULT clock_timestamp()",
            "ALTER TABLE users ADD COLUMN t uuid DEFAULT public.uuid_generate_v4()",
            "ALTER TABLE users ADD COLUMN n bigint DEFAULT nextval('s')",
            "ALTER TABLE users ADD COLUMN n bigserial",
        ] {
            assert_eq!(pg(sql), ["volatile-default"], "{sql}");
        }
        for sql in [
            "ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true",
            "ALTER TABLE users ADD COLUMN at timestamptz NOT NULL DEFAULT now()",
            "ALTER TABLE users ADD COLUMN at timestamptz DEFAULT CURRENT_TIMESTAMP",
            "CREATE TABLE t (id uuid DEFAULT gen_random_uuid())",
            "CREATE TABLE t (id INT); ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid()",
        ] {
            assert!(pg(sql).is_empty(), "{sql}");
        }
    }

    #[test]
    fn alter_column_type_is_reported_once() {
        assert_eq!(
            pg("ALTER TABLE users ALTER COLUMN id TYPE bigint"),
            ["alter-column-type"]
        );
    }

    #[test]
    fn created_but_not_dropped() {
        let up = "CREATE TABLE t (x INT); CREATE INDEX i ON u (x); CREATE VIEW v AS SELECT 1; CREATE TYPE mood AS ENUM ('a'); CREATE SEQUENCE s; CREATE SCHEMA app";
        let found = lint_both(up, "SELECT 1");
        assert_eq!(rules(&found), ["created-but-not-dropped"; 6]);
        assert_eq!(
            found[0].message,
            "creates table `t` but `down` never drops it; add `DROP TABLE t` to `down`"
        );
        assert_eq!(found[1].statement, "CREATE INDEX i ON u (x)");
        let down = "DROP SCHEMA app; DROP SEQUENCE s; DROP TYPE mood; DROP VIEW v; DROP INDEX i; DROP TABLE t";
        assert!(lint_both(up, down).is_empty());
        // An index goes with its table; objects in a dropped schema go with it.
        assert!(
            lint_both(
                "CREATE TABLE t (x INT); CREATE INDEX i ON t (x)",
                "DROP TABLE t"
            )
            .is_empty()
        );
        assert!(lint_both("CREATE TABLE app.t (x INT)", "DROP SCHEMA app CASCADE").is_empty());
        // Temporary tables and replaced views need no undoing; irreversible skips it all.
        assert!(
            lint_both(
                "CREATE TEMP TABLE x (y INT); CREATE OR REPLACE VIEW v AS SELECT 1",
                "SELECT 1"
            )
            .is_empty()
        );
        assert!(
            lint(&LintInput {
                up: &[up],
                down: &[],
                dialect: Dialect::Postgres,
                postgres: false,
                transactional: true,
                irreversible: true
            })
            .is_empty()
        );
    }

    #[test]
    fn dropped_column_not_restored() {
        let up = "ALTER TABLE users DROP COLUMN email";
        let found = lint_both(up, "SELECT 1");
        assert_eq!(
            rules(&found),
            ["drop-column", "dropped-column-not-restored"]
        );
        assert_eq!(
            found[1].message,
            "drops column `email` of `users` but `down` does not add it back; add `ALTER TABLE users ADD COLUMN email ...` to `down`"
        );
        assert_eq!(
            rules(&lint_both(up, "ALTER TABLE users ADD COLUMN email TEXT")),
            ["drop-column"]
        );
        // SQLite rebuilds tables to restore a column.
        let rebuild = "CREATE TABLE users_new (id INTEGER, email TEXT); INSERT INTO users_new SELECT id, NULL FROM users; DROP TABLE users; ALTER TABLE users_new RENAME TO users";
        assert_eq!(rules(&lint_both(up, rebuild)), ["drop-column"]);
    }

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
        });
        assert_eq!(rules(&found), [SYNTAX_RULE]);
        assert_eq!(found[0].line, 2);
        assert!(
            found[0]
                .message
                .starts_with("`up` statement does not parse (line 2, column 1: "),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn messages_are_lower_case_without_trailing_period() {
        let up = "DROP TABLE a; ALTER TABLE b ALTER COLUMN c SET NOT NULL; CREATE INDEX CONCURRENTLY i ON b (c); CREATE TABLE n (x INT); ALTER TABLE b DROP COLUMN d";
        for f in lint(&LintInput {
            up: &[up],
            down: &["SELECT 1"],
            dialect: Dialect::Postgres,
            postgres: true,
            transactional: true,
            irreversible: false,
        }) {
            let first = f.message.chars().next().unwrap();
            assert!(first.is_lowercase() || first == '`', "{}", f.message);
            assert!(!f.message.ends_with('.'), "{}", f.message);
            assert!(
                DESTRUCTIVE_RULES.contains(&f.rule)
                    || LOCK_RULES.contains(&f.rule)
                    || REVERSIBILITY_RULES.contains(&f.rule),
                "{}",
                f.rule
            );
        }
    }
}
