//! What `down` fails to undo: comparing what `up` created and dropped with what `down`
//! drops and restores.

use crate::destructive::{Created, Walk};
use crate::reader::{Kind, Name};
use crate::rules::{Finding, Rule};

/// Findings for what `up` created or dropped and `down` does not undo.
pub(crate) fn not_undone(up: &Walk, down: &Walk) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &up.created {
        let dropped = down.drops(c.kind, &c.name)
            || c.on.as_ref().is_some_and(|t| down.drops(Kind::Table, t));
        if !c.lasting || dropped || c.name.is_unnamed() {
            continue;
        }
        let kind = c.kind.word();
        let args = [
            ("kind", kind),
            ("KIND", &kind.to_uppercase()),
            ("name", &c.name.shown),
        ];
        out.push(Rule::CreatedButNotDropped.finding(&c.at, &args));
    }
    for d in &up.dropped_columns {
        if !down.restores(&d.table, &d.column) {
            let args = [
                ("column", d.column.shown.as_str()),
                ("table", &d.table.shown),
            ];
            out.push(Rule::DroppedColumnNotRestored.finding(&d.at, &args));
        }
    }
    out
}

impl Walk {
    /// True when the script drops the object, or the schema it is in.
    fn drops(&self, kind: Kind, name: &Name) -> bool {
        self.dropped
            .iter()
            .any(|(k, n)| *k == kind && n.same(name) || *k == Kind::Schema && name.in_schema(n))
    }

    /// True when the script adds the column back, or creates the table again with it
    /// (as SQLite's table rebuilds do).
    fn restores(&self, table: &Name, column: &Name) -> bool {
        let same = |c: &Name| c.parts == column.parts;
        let added = |(t, c): &(Name, Name)| t.same(table) && same(c);
        let recreated = |c: &Created| c.kind == Kind::Table && c.name.same(table);
        self.added_columns.iter().any(added)
            || (self.created.iter()).any(|c| recreated(c) && c.columns.iter().any(same))
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::{Finding, rule_names};
    use crate::{Dialect, LintInput, lint};

    fn lint_both(up: &str, down: &str) -> Vec<Finding> {
        lint(&LintInput {
            up: &[up],
            down: &[down],
            dialect: Dialect::Postgres,
            postgres: false,
            transactional: true,
            irreversible: false,
            missing_down: None,
        })
    }

    #[test]
    fn created_but_not_dropped() {
        let up = "CREATE TABLE t (x INT); CREATE INDEX i ON u (x); CREATE VIEW v AS SELECT 1; CREATE TYPE mood AS ENUM ('a'); CREATE SEQUENCE s; CREATE SCHEMA app";
        let found = lint_both(up, "SELECT 1");
        assert_eq!(rule_names(&found), ["created-but-not-dropped"; 6]);
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
                irreversible: true,
                missing_down: None,
            })
            .is_empty()
        );
    }

    #[test]
    fn dropped_column_not_restored() {
        let up = "ALTER TABLE users DROP COLUMN email";
        let found = lint_both(up, "SELECT 1");
        assert_eq!(
            rule_names(&found),
            ["drop-column", "dropped-column-not-restored"]
        );
        assert_eq!(
            found[1].message,
            "drops column `email` of `users` but `down` does not add it back; add `ALTER TABLE users ADD COLUMN email ...` to `down`"
        );
        assert_eq!(
            rule_names(&lint_both(up, "ALTER TABLE users ADD COLUMN email TEXT")),
            ["drop-column"]
        );
        // SQLite rebuilds tables to restore a column.
        let rebuild = "CREATE TABLE users_new (id INTEGER, email TEXT); INSERT INTO users_new SELECT id, NULL FROM users; DROP TABLE users; ALTER TABLE users_new RENAME TO users";
        assert_eq!(rule_names(&lint_both(up, rebuild)), ["drop-column"]);
    }
}
