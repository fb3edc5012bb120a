//! PostgreSQL lock risks in `up`: statements that hold a lock blocking reads or writes
//! while they work through a table, and CONCURRENTLY or VACUUM where PostgreSQL refuses them.
//! Changes to tables the same `up` created are safe: nothing uses them yet.

use crate::destructive::Walk;
use crate::reader::{Change, ColumnChange, Constraint, Kind};
use crate::rules::{At, Finding, Rule};
use crate::transaction::refused_in_block;

/// The lock-risk rules, for a migration that runs on PostgreSQL.
pub(crate) struct Locks {
    /// The migration runs inside a transaction.
    pub transactional: bool,
}

impl Locks {
    /// The lock risk of one change, given what `up` did before it.
    pub(crate) fn risk(&self, change: &Change, up: &Walk, at: &At) -> Option<Finding> {
        let existing = |table| !up.new_table(table);
        if let Some(what) = refused_in_block(change) {
            return self.concurrently(what, at);
        }
        match change {
            Change::Create {
                kind: Kind::Index,
                name,
                on,
                ..
            } => {
                if on.as_ref().is_some_and(|t| !existing(t)) {
                    return None;
                }
                let index = match name.is_unnamed() {
                    true => String::from("an index"),
                    false => format!("index `{}`", name.shown),
                };
                let table = on.as_ref().map_or("", |t| &t.shown);
                let args = [("index", index.as_str()), ("table", table)];
                Some(Rule::CreateIndexWithoutConcurrently.finding(at, &args))
            }
            Change::AddColumn {
                table,
                column,
                volatile_default: Some(function),
            } if existing(table) => {
                let args: [(&str, &str); 3] = [
                    ("column", &column.shown),
                    ("table", &table.shown),
                    ("function", function),
                ];
                Some(Rule::VolatileDefault.finding(at, &args))
            }
            Change::AlterColumn {
                table,
                column,
                change: ColumnChange::SetNotNull,
            } if existing(table) => {
                let args = [("column", column.shown.as_str()), ("table", &table.shown)];
                Some(Rule::SetNotNull.finding(at, &args))
            }
            Change::AddConstraint {
                table,
                constraint,
                not_valid: false,
            } if existing(table) => {
                let rule = match constraint {
                    Constraint::ForeignKey => Rule::ForeignKeyWithoutNotValid,
                    Constraint::Check => Rule::CheckWithoutNotValid,
                };
                Some(rule.finding(at, &[("table", &table.shown)]))
            }
            _ => None,
        }
    }

    /// CONCURRENTLY is refused inside a transaction.
    fn concurrently(&self, what: &str, at: &At) -> Option<Finding> {
        let rule = Rule::ConcurrentlyInTransaction;
        self.transactional
            .then(|| rule.finding(at, &[("what", what)]))
    }
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

    #[test]
    fn alter_column_type_is_reported_once() {
        check("ALTER TABLE users ALTER COLUMN id TYPE bigint => alter-column-type");
    }
}
