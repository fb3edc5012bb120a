//! PostgreSQL lock risks in `up`: statements that hold a lock blocking reads or writes
//! while they work through a table, and CONCURRENTLY or VACUUM where PostgreSQL refuses
//! them. Changes to tables the same `up` created are safe: nothing uses them yet.
//!
//! Which statements hold such a lock is the squawk linter's judgement where it has the
//! rule (`SQUAWK`); updown's walk adds what squawk does not track (the tables the same
//! `up` created, in any transaction mode) and the names its messages give. Two rules
//! stay updown's own: `volatile-default` (squawk's `adding-field-with-default` also flags
//! immutable calls such as `lower('x')` and `CURRENT_DATE`, and misses serial columns)
//! and `concurrently-in-transaction` (squawk's covers only CREATE INDEX).

use squawk_linter::{Linter, Rule as Squawk};
use squawk_syntax::SourceFile;

use crate::destructive::Walk;
use crate::parse::ParsedStatement;
use crate::reader::{Change, ColumnChange, Constraint, Kind};
use crate::rules::{At, Finding, Rule};
use crate::transaction::refused_in_block;

/// The squawk rules updown reports, under updown's names.
const SQUAWK: &[(Squawk, Rule)] = &[
    (
        Squawk::RequireConcurrentIndexCreation,
        Rule::CreateIndexWithoutConcurrently,
    ),
    (
        Squawk::AddingForeignKeyConstraint,
        Rule::ForeignKeyWithoutNotValid,
    ),
    (
        Squawk::ConstraintMissingNotValid,
        Rule::CheckWithoutNotValid,
    ),
    (Squawk::AddingNotNullableField, Rule::SetNotNull),
];

/// The lock-risk rules, for a migration that runs on PostgreSQL.
pub(crate) struct Locks {
    /// The migration runs inside a transaction.
    transactional: bool,
    /// For each statement of `up`, the rules squawk found it breaks; each is reported
    /// once, on the first change it can be about.
    flagged: Vec<Vec<Rule>>,
}

impl Locks {
    /// Runs the squawk linter on `up`, one script of its statements. A script that does
    /// not parse as PostgreSQL's is linted statement by statement, skipping those that
    /// do not parse (squawk reads nothing reliable from them).
    pub(crate) fn new(up: &[ParsedStatement<'_>], transactional: bool) -> Locks {
        let mut script = String::new();
        let mut starts = Vec::with_capacity(up.len());
        for statement in up {
            starts.push(script.len());
            script.push_str(statement.text);
            script.push_str(";\n");
        }
        let mut flagged = vec![Vec::new(); up.len()];
        let parse = SourceFile::parse(&script);
        if parse.errors().is_empty() {
            for (offset, rule) in squawk_lint(&parse, &script) {
                let i = starts
                    .partition_point(|&start| start <= offset)
                    .saturating_sub(1);
                flagged[i].push(rule);
            }
        } else {
            for (i, statement) in up.iter().enumerate() {
                let parse = SourceFile::parse(statement.text);
                if parse.errors().is_empty() {
                    let rules = squawk_lint(&parse, statement.text).into_iter();
                    flagged[i].extend(rules.map(|(_, rule)| rule));
                }
            }
        }
        Locks {
            transactional,
            flagged,
        }
    }

    /// The lock risks of one change of statement `i`, given what `up` did before it.
    pub(crate) fn risks(&mut self, i: usize, change: &Change, up: &Walk, at: &At) -> Vec<Finding> {
        if let Some(what) = refused_in_block(change) {
            return Vec::from_iter(self.concurrently(what, at));
        }
        // A new column may bring a volatile default and a foreign key at once.
        let mut found = Vec::new();
        if let Change::AddColumn {
            table,
            column,
            volatile_default: Some(function),
        } = change
            && !up.new_table(table)
        {
            let args: [(&str, &str); 3] = [
                ("column", &column.shown),
                ("table", &table.shown),
                ("function", function),
            ];
            found.push(Rule::VolatileDefault.finding(at, &args));
        }
        found.extend(self.squawk_risk(i, change, up, at));
        found
    }

    /// The lock risk squawk found in statement `i`, if this change is what it is about.
    fn squawk_risk(&mut self, i: usize, change: &Change, up: &Walk, at: &At) -> Option<Finding> {
        let existing = |table| !up.new_table(table);
        let mut flagged = |rule: Rule| {
            let rules = &mut self.flagged[i];
            let found = rules.iter().position(|r| *r == rule);
            found.map(|at| rules.remove(at)).is_some()
        };
        match change {
            Change::Create {
                kind: Kind::Index,
                name,
                on: Some(table),
                ..
            } if existing(table) && flagged(Rule::CreateIndexWithoutConcurrently) => {
                let index = match name.is_unnamed() {
                    true => String::from("an index"),
                    false => format!("index `{}`", name.shown),
                };
                let args = [("index", index.as_str()), ("table", &table.shown)];
                Some(Rule::CreateIndexWithoutConcurrently.finding(at, &args))
            }
            // `ADD COLUMN ... REFERENCES`: the foreign key comes with the column.
            Change::AddColumn { table, .. }
            | Change::AddConstraint {
                table,
                constraint: Constraint::ForeignKey,
                ..
            } if existing(table) && flagged(Rule::ForeignKeyWithoutNotValid) => {
                Some(Rule::ForeignKeyWithoutNotValid.finding(at, &[("table", &table.shown)]))
            }
            Change::AddConstraint {
                table,
                constraint: Constraint::Check,
                ..
            } if existing(table) && flagged(Rule::CheckWithoutNotValid) => {
                Some(Rule::CheckWithoutNotValid.finding(at, &[("table", &table.shown)]))
            }
            Change::AlterColumn {
                table,
                column,
                change: ColumnChange::SetNotNull,
            } if existing(table) && flagged(Rule::SetNotNull) => {
                let args = [("column", column.shown.as_str()), ("table", &table.shown)];
                Some(Rule::SetNotNull.finding(at, &args))
            }
            _ => None,
        }
    }

    /// CONCURRENTLY and VACUUM are refused inside a transaction.
    fn concurrently(&self, what: &str, at: &At) -> Option<Finding> {
        let rule = Rule::ConcurrentlyInTransaction;
        self.transactional
            .then(|| rule.finding(at, &[("what", what)]))
    }
}

/// What squawk finds in a parsed script: the offset of each violation and updown's rule
/// for it. Tables the script creates are squawk's to skip as well as updown's.
fn squawk_lint(parse: &squawk_syntax::Parse<SourceFile>, text: &str) -> Vec<(usize, Rule)> {
    let mut linter = Linter::from(SQUAWK.iter().map(|(squawk, _)| *squawk));
    linter.settings.assume_in_transaction = true;
    let violations = linter.lint(parse, text);
    let ours = |code| {
        SQUAWK
            .iter()
            .find(|(s, _)| *s == code)
            .map(|(_, rule)| *rule)
    };
    violations
        .into_iter()
        .filter_map(|v| Some((usize::from(v.text_range.start()), ours(v.code)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::rule_names;
    use crate::{Dialect, LintInput, cases, lint};

    /// Lints an `up` alone (irreversible, so that only `up`'s rules speak).
    fn lint_up(up: &str, postgres: bool, transactional: bool) -> Vec<&'static str> {
        rule_names(&lint(&LintInput {
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
            missing_down: None,
        }))
    }

    fn pg(up: &str) -> Vec<&'static str> {
        lint_up(up, true, true)
    }

    /// Lints each case alone, on PostgreSQL in a transaction.
    fn check(table: &str) {
        for (_, sql, expected) in cases(table) {
            assert_eq!(pg(sql), expected, "{sql}");
        }
    }

    #[test]
    fn create_index_without_concurrently() {
        check(
            "
            CREATE INDEX users_email ON users (email) => create-index-without-concurrently
            CREATE UNIQUE INDEX ON users (email) => create-index-without-concurrently
            CREATE TABLE t (x INT); CREATE INDEX t_x ON t (x) =>
            ",
        );
        let concurrently = "CREATE INDEX CONCURRENTLY users_email ON users (email)";
        assert!(lint_up(concurrently, true, false).is_empty());
        assert!(lint_up("CREATE INDEX users_email ON users (email)", false, true).is_empty());
    }

    #[test]
    fn concurrently_in_transaction() {
        // sqlparser 0.63 does not read DROP INDEX CONCURRENTLY; the word is read from tokens.
        check(
            "
            CREATE INDEX CONCURRENTLY i ON users (email) => concurrently-in-transaction
            DROP INDEX CONCURRENTLY i => concurrently-in-transaction; drop-index
            REINDEX INDEX CONCURRENTLY i => concurrently-in-transaction
            REINDEX INDEX i =>
            ALTER TABLE m DETACH PARTITION m1 CONCURRENTLY => concurrently-in-transaction
            ",
        );
        assert!(lint_up("CREATE INDEX CONCURRENTLY i ON users (email)", true, false).is_empty());
        assert_eq!(
            lint_up("DROP INDEX CONCURRENTLY IF EXISTS i", true, false),
            ["drop-index"]
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
        check(
            "
            ALTER TABLE users ADD CONSTRAINT age_positive CHECK (age > 0) => check-without-not-valid
            ALTER TABLE users ADD CONSTRAINT age_positive CHECK (age > 0) NOT VALID =>
            ALTER TABLE users VALIDATE CONSTRAINT age_positive =>
            ",
        );
    }

    #[test]
    fn set_not_null() {
        // A column added to an existing table is backfilled, then scanned: still a risk.
        check(
            "
            ALTER TABLE users ALTER COLUMN email SET NOT NULL => set-not-null
            CREATE TABLE t (x INT); ALTER TABLE t ALTER COLUMN x SET NOT NULL =>
            ALTER TABLE users ADD COLUMN x INT; ALTER TABLE users ALTER COLUMN x SET NOT NULL => set-not-null
            ",
        );
    }

    #[test]
    fn volatile_default() {
        check(
            "
            ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid() => volatile-default
            ALTER TABLE users ADD COLUMN r float NOT NULL DEFAULT random() * 10 => volatile-default
            ALTER TABLE users ADD COLUMN at timestamptz DEFAULT clock_timestamp() => volatile-default
            ALTER TABLE users ADD COLUMN t uuid DEFAULT public.uuid_generate_v4() => volatile-default
            ALTER TABLE users ADD COLUMN n bigint DEFAULT nextval('s') => volatile-default
            ALTER TABLE users ADD COLUMN n bigserial => volatile-default
            ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true =>
            ALTER TABLE users ADD COLUMN at timestamptz NOT NULL DEFAULT now() =>
            ALTER TABLE users ADD COLUMN at timestamptz DEFAULT CURRENT_TIMESTAMP =>
            CREATE TABLE t (id uuid DEFAULT gen_random_uuid()) =>
            CREATE TABLE t (id INT); ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid() =>
            ",
        );
    }

    /// What squawk's rules know that a hand-written copy did not.
    #[test]
    fn squawk_judges_where_it_has_the_rule() {
        check(
            "
            ALTER TABLE orders ADD COLUMN user_id BIGINT REFERENCES users (id) => foreign-key-without-not-valid
            ALTER TABLE orders ADD COLUMN user_id BIGINT =>
            CREATE TABLE orders (id INT); ALTER TABLE orders ADD COLUMN user_id BIGINT REFERENCES users (id) =>
            ALTER TABLE users ADD CONSTRAINT users_email_unique UNIQUE (email) =>
            ALTER TABLE users ADD CONSTRAINT email_set CHECK (email IS NOT NULL) NOT VALID; ALTER TABLE users VALIDATE CONSTRAINT email_set; ALTER TABLE users ALTER COLUMN email SET NOT NULL =>
            ALTER TABLE users ADD COLUMN a INT, ADD CONSTRAINT a_positive CHECK (a > 0) => check-without-not-valid
            ALTER TABLE orders ADD COLUMN ref uuid DEFAULT gen_random_uuid() REFERENCES refs (id) => volatile-default; foreign-key-without-not-valid
            ",
        );
        // Statements that do not parse as PostgreSQL's are left out, not misread.
        assert_eq!(
            pg("ALTER TABLE users ALTER COLUMN email SET NOT NULL; CREATE TABEL x (y INT)"),
            ["syntax-error", "set-not-null"]
        );
    }

    #[test]
    fn alter_column_type_is_reported_once() {
        check("ALTER TABLE users ALTER COLUMN id TYPE bigint => alter-column-type");
    }
}
