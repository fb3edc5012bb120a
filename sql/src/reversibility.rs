//! What `down` fails to undo: comparing what `up` created and dropped with what `down`
//! drops and restores.

use crate::destructive::{Created, Walk};
use crate::reader::{Kind, Name};
use crate::rules::{Finding, Rule};

/// Findings for what `up` created or dropped and `down` does not undo.
pub(crate) fn not_undone(up: &Walk, down: &Walk) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &up.created {
        // An index, trigger or owned sequence goes with its table; an index or owned
        // sequence also with a column it is on.
        let dropped = down.drops(c.kind, &c.name)
            || c.on.as_ref().is_some_and(|t| {
                down.drops(Kind::Table, t) || c.columns.iter().any(|col| down.drops_column(t, col))
            });
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

    /// True when the script drops this column of a table it did not create.
    fn drops_column(&self, table: &Name, column: &Name) -> bool {
        (self.dropped_columns.iter()).any(|d| d.table.same(table) && d.column.parts == column.parts)
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

    /// What goes with its parent is not reported: indexes and owned sequences with a
    /// dropped column, triggers with their table, shared schemas.
    #[test]
    fn what_goes_with_its_parent() {
        let table = "
            ALTER TABLE users ADD COLUMN email TEXT; CREATE INDEX users_email ON users (email) | ALTER TABLE users DROP COLUMN email =>
            ALTER TABLE users ADD COLUMN email TEXT; CREATE INDEX users_email ON users (lower(email)) | ALTER TABLE users DROP COLUMN email => created-but-not-dropped
            ALTER TABLE users ADD COLUMN n INT; CREATE SEQUENCE users_n_seq OWNED BY users.n | ALTER TABLE users DROP COLUMN n =>
            CREATE SEQUENCE s; ALTER SEQUENCE s OWNED BY users.n; ALTER TABLE users ADD COLUMN n INT DEFAULT nextval('s') | ALTER TABLE users DROP COLUMN n =>
            CREATE SEQUENCE s | ALTER TABLE users DROP COLUMN n => created-but-not-dropped
            ALTER TABLE users ADD COLUMN bio TEXT; CREATE INDEX users_bio ON users (bio(32)) | ALTER TABLE users DROP COLUMN bio =>
            ALTER TABLE m ADD COLUMN x INT; CREATE INDEX m_x ON ONLY m (x) | ALTER TABLE m DROP COLUMN x =>
            CREATE TABLE t (x INT); CREATE TRIGGER t_audit AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION audit() | DROP TABLE t =>
            CREATE TRIGGER users_audit AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION audit() | SELECT 1 => created-but-not-dropped
            CREATE TRIGGER users_audit AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION audit() | DROP TRIGGER IF EXISTS users_audit ON users =>
            CREATE SCHEMA IF NOT EXISTS public; CREATE SCHEMA IF NOT EXISTS audit | SELECT 1 =>
            CREATE SCHEMA public | SELECT 1 =>
            CREATE SCHEMA audit | SELECT 1 => created-but-not-dropped
        ";
        for (_, sql, expected) in crate::cases(table) {
            let (up, down) = sql.split_once(" | ").expect("up | down");
            assert_eq!(rule_names(&lint_both(up, down)), expected, "{sql}");
        }
    }

    /// An up that replaces an object that was there before (a view redefined, a table
    /// rebuilt) leaves `down` to restore the old one, not to drop it.
    #[test]
    fn replacing_an_object_is_not_creating_one() {
        let up =
            "DROP VIEW active_users; CREATE VIEW active_users AS SELECT id FROM users WHERE active";
        let down = "CREATE OR REPLACE VIEW active_users AS SELECT id FROM users";
        assert_eq!(rule_names(&lint_both(up, down)), Vec::<&str>::new());
        let rebuild = "CREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL); INSERT INTO users_new (id, email) SELECT id, email FROM users; DROP TABLE users; ALTER TABLE users_new RENAME TO users; CREATE INDEX users_email ON users (email)";
        let back = "CREATE TABLE users_old (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO users_old SELECT id, email FROM users; DROP TABLE users; ALTER TABLE users_old RENAME TO users";
        assert_eq!(rule_names(&lint_both(rebuild, back)), Vec::<&str>::new());
    }

    /// Columns a PL/pgSQL block adds back count, as written outside one.
    #[test]
    fn statements_inside_do_blocks_are_read() {
        let up = "ALTER TABLE users DROP COLUMN legacy_id";
        let down = "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'legacy_id') THEN\n    ALTER TABLE users ADD COLUMN legacy_id BIGINT;\n  END IF;\nEND\n$$";
        assert_eq!(rule_names(&lint_both(up, down)), ["drop-column"]);
        let tagged = down.replace("$$", "$body$");
        assert_eq!(rule_names(&lint_both(up, &tagged)), ["drop-column"]);
        assert_eq!(
            rule_names(&lint_both(
                up,
                "DO $$ BEGIN EXECUTE 'ALTER TABLE users ADD COLUMN legacy_id BIGINT'; END $$"
            )),
            ["drop-column", "dropped-column-not-restored"]
        );
    }
}
