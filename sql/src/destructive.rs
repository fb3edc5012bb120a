//! Destructive statements in `up`, and the walk of a script that every rule shares: it
//! tracks what the script created so far, so that dropping, emptying or renaming that
//! again is not destructive, and what it dropped, for the reversibility rules.

use crate::parse::{Dialect, ParsedStatement, parse_script};
use crate::reader::{self, Change, ColumnChange, Kind, Name};
use crate::rules::{At, Finding, Rule};

/// Destructive statements of an `up` script.
///
/// Objects created earlier in the same script do not count: `CREATE TABLE t (...);
/// DROP TABLE t` is not destructive. Never fails: statements `sqlparser` cannot parse
/// are classified from their tokens.
///
/// ```
/// use updown_sql::{Dialect, destructive, rules::Rule};
/// let found = destructive("DROP TABLE users", Dialect::Postgres);
/// assert_eq!(found[0].rule, Rule::DropTable);
/// assert!(destructive("CREATE TABLE t (x INT); DROP TABLE t", Dialect::Postgres).is_empty());
/// ```
pub fn destructive(up_sql: &str, dialect: Dialect) -> Vec<Finding> {
    Walk::of(&parse_script(up_sql, dialect), |_, _, _, _| Vec::new()).findings
}

/// An object the script created, while it still exists.
pub(crate) struct Created {
    pub kind: Kind,
    pub name: Name,
    /// The table of an index.
    pub on: Option<Name>,
    /// A table's columns, as far as known.
    pub columns: Vec<Name>,
    pub lasting: bool,
    pub at: At,
}

/// A column of an existing table that the script dropped.
pub(crate) struct DroppedColumn {
    pub table: Name,
    pub column: Name,
    pub at: At,
}

/// A finding the end of the script may take back (see [`Walk::settle`]). Names compare
/// exactly here: a withdrawal must not rest on `users` being `legacy.users`.
enum Provisional {
    /// A view or index dropped: taken back when the script creates one of the same kind
    /// and name again.
    Recreated {
        finding: usize,
        kind: Kind,
        name: Name,
    },
    /// A table renamed away (now `renamed_to`): taken back when a new table takes its
    /// name and its rows.
    NameTaken {
        finding: usize,
        name: Name,
        renamed_to: Name,
    },
    /// A table dropped after its rows were copied: taken back when the rows reach, by
    /// copies (the first of them made before the drop: `copied` of them were), a lasting
    /// table the script created and still has.
    RowsCopied {
        finding: usize,
        table: Name,
        copied: usize,
    },
}

/// What walking the statements of a script in order found.
#[derive(Default)]
pub(crate) struct Walk {
    pub created: Vec<Created>,
    /// Objects dropped that the script did not create.
    pub dropped: Vec<(Kind, Name)>,
    /// Columns added to existing tables.
    pub added_columns: Vec<(Name, Name)>,
    pub dropped_columns: Vec<DroppedColumn>,
    /// Destructive changes and, with `locks`, lock risks.
    pub findings: Vec<Finding>,
    /// All rows of a table copied into one the script created: `(from, into)`, names
    /// following later renames of the created table.
    copies: Vec<(Name, Name)>,
    /// Existing tables the script renamed away.
    renamed_away: Vec<Name>,
    /// Findings the end of the script may take back.
    provisional: Vec<Provisional>,
}

impl Walk {
    /// Walks the statements; `risk` may report lock risks of each change (of statement
    /// `i`), given what the script did before it.
    pub(crate) fn of<'s, 'a: 's>(
        statements: impl IntoIterator<Item = &'s ParsedStatement<'a>>,
        mut risk: impl FnMut(usize, &Change, &Walk, &At) -> Vec<Finding>,
    ) -> Walk {
        let mut up = Walk::default();
        for (i, statement) in statements.into_iter().enumerate() {
            let at = At::of(statement);
            for change in reader::changes(statement) {
                let risk = risk(i, &change, &up, &at);
                up.findings.extend(risk);
                up.apply(change, &at);
            }
        }
        up.settle();
        up
    }

    /// What only the whole script tells: drops and renames of objects it created again
    /// are taken back, and what it created in place of an object that existed before
    /// is not `down`'s to drop.
    fn settle(&mut self) {
        let exists = |kind: Kind, name: &Name| {
            (self.created.iter()).find(|c| c.kind == kind && c.name.parts == name.parts)
        };
        let taken_back = |p: &Provisional| match p {
            Provisional::Recreated {
                finding,
                kind,
                name,
            } => exists(*kind, name).map(|_| *finding),
            Provisional::NameTaken {
                finding,
                name,
                renamed_to,
            } => {
                let new = exists(Kind::Table, name)?;
                let new_table = |into: &Name| into.parts == new.name.parts;
                (self.rows_reach(renamed_to, self.copies.len(), new_table)).then_some(*finding)
            }
            Provisional::RowsCopied {
                finding,
                table,
                copied,
            } => {
                let lasting = |into: &Name| exists(Kind::Table, into).is_some_and(|c| c.lasting);
                self.rows_reach(table, *copied, lasting).then_some(*finding)
            }
        };
        let mut taken_back: Vec<usize> = self.provisional.iter().filter_map(taken_back).collect();
        self.provisional.clear();
        taken_back.sort_unstable();
        for finding in taken_back.into_iter().rev() {
            self.findings.remove(finding);
        }
        let existed = |c: &Created| {
            let same = |n: &Name| n.parts == c.name.parts;
            self.dropped.iter().any(|(k, n)| *k == c.kind && same(n))
                || c.kind == Kind::Table && self.renamed_away.iter().any(same)
        };
        let replacing: Vec<bool> = self.created.iter().map(existed).collect();
        for (c, replacing) in self.created.iter_mut().zip(replacing) {
            c.lasting &= !replacing;
        }
    }

    /// True when all rows of `table` were copied, directly (by one of the first `first`
    /// copies) or through other tables, into a table `wanted` accepts.
    fn rows_reach(&self, table: &Name, first: usize, wanted: impl Fn(&Name) -> bool) -> bool {
        let mut reached = vec![table.clone()];
        let mut i = 0;
        while let Some(from) = reached.get(i).cloned() {
            let copies = if i == 0 {
                &self.copies[..first]
            } else {
                &self.copies[..]
            };
            // A rebuilt table may copy into its own name (`t` into `t_new`, renamed `t`).
            for (_, into) in copies.iter().filter(|(f, _)| f.parts == from.parts) {
                if wanted(into) {
                    return true;
                }
                if !reached.iter().any(|r| r.parts == into.parts) {
                    reached.push(into.clone());
                }
            }
            i += 1;
        }
        false
    }

    fn created_index(&self, kind: Kind, name: &Name) -> Option<usize> {
        self.created
            .iter()
            .position(|c| c.kind == kind && !name.is_unnamed() && c.name.same(name))
    }

    /// True when the script created the table earlier.
    pub(crate) fn new_table(&self, table: &Name) -> bool {
        self.created_index(Kind::Table, table).is_some()
    }

    fn new_column(&self, table: &Name, column: &Name) -> bool {
        self.new_table(table)
            || self
                .added_columns
                .iter()
                .any(|(t, c)| t.same(table) && c.parts == column.parts)
    }

    /// Records what the change makes or drops, reporting it if that is destructive.
    fn apply(&mut self, change: Change, at: &At) {
        let found = match change {
            Change::Create {
                kind,
                name,
                on,
                columns,
                lasting,
                ..
            } => {
                let at = at.clone();
                self.created.push(Created {
                    kind,
                    name,
                    on,
                    columns,
                    lasting,
                    at,
                });
                None
            }
            Change::Drop { kind, name, on, .. } => {
                if let Some(i) = self.created_index(kind, &name) {
                    let gone = self.created.remove(i);
                    if kind == Kind::Table {
                        self.created
                            .retain(|c| !c.on.as_ref().is_some_and(|t| t.same(&gone.name)));
                    }
                    return;
                }
                self.dropped.push((kind, name.clone()));
                let rule = match kind {
                    Kind::Table => Rule::DropTable,
                    Kind::Schema => Rule::DropSchema,
                    Kind::Database => Rule::DropDatabase,
                    Kind::Index => Rule::DropIndex,
                    Kind::View => Rule::DropView,
                    Kind::Type | Kind::Sequence | Kind::Trigger => return,
                };
                let of = on.map_or(String::new(), |t| format!(" of `{}`", t.shown));
                let finding = self.findings.len();
                self.provisional.push(match kind {
                    Kind::Table => Provisional::RowsCopied {
                        finding,
                        table: name.clone(),
                        copied: self.copies.len(),
                    },
                    _ => Provisional::Recreated {
                        finding,
                        kind,
                        name: name.clone(),
                    },
                });
                Some(rule.finding(at, &[("name", &name.shown), ("of", &of)]))
            }
            Change::Truncate { table } => self.unless_new(&table, Rule::Truncate, at),
            Change::DeleteAll { table } => self.unless_new(&table, Rule::DeleteWithoutWhere, at),
            Change::UpdateAll { table, columns } => {
                // Setting only columns the script added is a backfill.
                let backfill =
                    !columns.is_empty() && columns.iter().all(|c| self.new_column(&table, c));
                if backfill {
                    return;
                }
                self.unless_new(&table, Rule::UpdateWithoutWhere, at)
            }
            Change::CopyRows { from, into } => {
                if self.new_table(&into) {
                    self.copies.push((from, into));
                }
                None
            }
            Change::OwnedBy {
                sequence,
                table,
                column,
            } => {
                if let Some(i) = self.created_index(Kind::Sequence, &sequence) {
                    self.created[i].on = Some(table);
                    self.created[i].columns = vec![column];
                }
                None
            }
            Change::RenameTable { from, to } => {
                if let Some(i) = self.created_index(Kind::Table, &from) {
                    let old = std::mem::replace(&mut self.created[i].name, to.clone());
                    for c in &mut self.created {
                        if c.on.as_ref().is_some_and(|t| t.same(&old)) {
                            c.on = Some(to.clone());
                        }
                    }
                    for (f, into) in &mut self.copies {
                        for name in [f, into] {
                            if name.parts == old.parts {
                                *name = to.clone();
                            }
                        }
                    }
                    return;
                }
                self.provisional.push(Provisional::NameTaken {
                    finding: self.findings.len(),
                    name: from.clone(),
                    renamed_to: to.clone(),
                });
                self.renamed_away.push(from.clone());
                Some(Rule::RenameTable.finding(at, &[("table", &from.shown), ("to", &to.shown)]))
            }
            Change::AddColumn { table, column, .. } => {
                match self.created_index(Kind::Table, &table) {
                    Some(i) => self.created[i].columns.push(column),
                    None => self.added_columns.push((table, column)),
                }
                None
            }
            Change::DropColumn { table, column } => {
                if self.new_column(&table, &column) {
                    self.added_columns
                        .retain(|(t, c)| !(t.same(&table) && c.parts == column.parts));
                    return;
                }
                let found = Rule::DropColumn
                    .finding(at, &[("column", &column.shown), ("table", &table.shown)]);
                let at = at.clone();
                self.dropped_columns
                    .push(DroppedColumn { table, column, at });
                Some(found)
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
                let args: [(&str, &str); 3] = [
                    ("column", &from.shown),
                    ("table", &table.shown),
                    ("to", &to.shown),
                ];
                Some(Rule::RenameColumn.finding(at, &args))
            }
            Change::AlterColumn {
                table,
                column,
                change,
            } => {
                let rule = match change {
                    // A lock risk, not destructive (see `locks`).
                    ColumnChange::SetNotNull => return,
                    _ if self.new_column(&table, &column) => return,
                    ColumnChange::Type => Rule::AlterColumnType,
                    ColumnChange::DropNotNull => Rule::DropNotNull,
                    ColumnChange::DropDefault => Rule::DropDefault,
                };
                Some(rule.finding(at, &[("column", &column.shown), ("table", &table.shown)]))
            }
            Change::AddConstraint { .. } | Change::OutsideTransaction { .. } => None,
        };
        self.findings.extend(found);
    }

    /// A rule about every row of `table`, which does not apply to a table the script
    /// created.
    fn unless_new(&self, table: &Name, rule: Rule, at: &At) -> Option<Finding> {
        (!self.new_table(table)).then(|| rule.finding(at, &[("table", &table.shown)]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases;
    use crate::rules::rule_names;

    fn destructive_in(sql: &str, dialect: Dialect) -> Vec<&'static str> {
        rule_names(&destructive(sql, dialect))
    }

    /// Each destructive rule: a statement that triggers it, then a close one that does not.
    #[test]
    fn destructive_rules_fire_and_hold_back() {
        let table = "
            DROP TABLE users => drop-table
            CREATE TABLE users (id INT); DROP TABLE users =>
            DROP TABLE IF EXISTS users => drop-table
            CREATE TABLE IF NOT EXISTS users (id INT); DROP TABLE IF EXISTS users =>
            DROP SCHEMA app CASCADE => drop-schema
            CREATE SCHEMA app; DROP SCHEMA app CASCADE =>
            DROP DATABASE app => drop-database
            CREATE DATABASE app; DROP DATABASE app =>
            ALTER TABLE users DROP COLUMN email => drop-column
            ALTER TABLE users ADD COLUMN tmp INT; ALTER TABLE users DROP COLUMN tmp =>
            DROP INDEX users_email => drop-index
            CREATE INDEX users_email ON users (email); DROP INDEX users_email =>
            DROP VIEW active_users => drop-view
            CREATE VIEW active_users AS SELECT 1; DROP VIEW active_users =>
            DROP MATERIALIZED VIEW totals => drop-view
            CREATE MATERIALIZED VIEW totals AS SELECT 1; DROP MATERIALIZED VIEW totals =>
            TRUNCATE users => truncate
            CREATE TABLE scratch (x INT); TRUNCATE scratch =>
            DELETE FROM users => delete-without-where
            DELETE FROM users WHERE id = 1 =>
            UPDATE users SET active = true => update-without-where
            UPDATE users SET active = true WHERE id = 1 =>
            ALTER TABLE users ALTER COLUMN id TYPE bigint => alter-column-type
            ALTER TABLE users ALTER COLUMN id SET DEFAULT 0 =>
            ALTER TABLE users ALTER COLUMN email DROP NOT NULL => drop-not-null
            ALTER TABLE users ALTER COLUMN email SET NOT NULL =>
            ALTER TABLE users ALTER COLUMN active DROP DEFAULT => drop-default
            ALTER TABLE users ALTER COLUMN active SET DEFAULT true =>
            ALTER TABLE users RENAME TO people => rename-table
            CREATE TABLE users (id INT); ALTER TABLE users RENAME TO people =>
            ALTER TABLE users RENAME COLUMN email TO mail => rename-column
            ALTER TABLE users ADD COLUMN email TEXT; ALTER TABLE users RENAME COLUMN email TO mail =>
        ";
        let cases = cases(table);
        for (dialect, sql, expected) in &cases {
            let destructive = |r: &&str| Rule::from_name(r).is_some_and(Rule::is_destructive);
            assert!(expected.iter().all(destructive), "{sql}");
            assert_eq!(destructive_in(sql, *dialect), *expected, "{sql}");
        }
        let destructive_rules = Rule::ALL.iter().filter(|r| r.is_destructive());
        for rule in destructive_rules {
            assert!(cases.iter().any(|(_, _, e)| e == &[rule.name()]), "{rule}");
        }
    }

    #[test]
    fn mysql_and_sqlite_spellings() {
        let table = "
            mysql: ALTER TABLE users DROP INDEX users_email => drop-index
            mysql: DROP INDEX users_email ON users => drop-index
            mysql: RENAME TABLE users TO people => rename-table
            mysql: ALTER TABLE users MODIFY email VARCHAR(10) => alter-column-type
            mysql: ALTER TABLE users CHANGE email email VARCHAR(10) => alter-column-type
            mysql: ALTER TABLE users CHANGE email mail VARCHAR(255) => rename-column
            mysql: DELETE FROM users LIMIT 10 => delete-without-where
            mysql: DELETE t FROM t JOIN u ON t.id = u.id =>
            sqlite: ALTER TABLE users RENAME COLUMN a TO b; ALTER TABLE users DROP COLUMN c => rename-column; drop-column
            sqlite: CREATE TABLE 'users' (id INT); DROP TABLE users =>
            sqlite: CREATE TABLE [users] (id INT); DROP TABLE users =>
            sqlite: ALTER TABLE [users] DROP COLUMN [e mail] => drop-column
        ";
        for (dialect, sql, expected) in cases(table) {
            assert_eq!(destructive_in(sql, dialect), expected, "{sql}");
        }
    }

    #[test]
    fn names_compare_as_the_database_folds_them() {
        let table = r#"
            CREATE TABLE public.Users (id INT); DROP TABLE users =>
            CREATE TABLE "Users" (id INT); DROP TABLE users => drop-table
            CREATE TABLE t (x INT); CREATE INDEX i ON t (x); DROP TABLE t; DROP INDEX i => drop-index
            CREATE TABLE t (x INT); ALTER TABLE t RENAME TO u; DROP TABLE u =>
        "#;
        // Dropping a created table takes its indexes with it; a second drop is real.
        // A renamed new table is still new.
        for (dialect, sql, expected) in cases(table) {
            assert_eq!(destructive_in(sql, dialect), expected, "{sql}");
        }
    }

    #[test]
    fn several_names_give_several_findings() {
        let found = destructive("DROP TABLE a, b", Dialect::Postgres);
        assert_eq!(rule_names(&found), ["drop-table", "drop-table"]);
        assert!(found[1].message.contains("`b`"));
    }

    #[test]
    fn messages_name_the_object_and_the_way_out() {
        let found = destructive("-- old\nDROP   TABLE\n  users", Dialect::Postgres);
        assert_eq!(
            found,
            [Finding {
                rule: Rule::DropTable,
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
        let table = "
            DROP TABLE users CASCADE (( => drop-table
            DROP TABLE IF EXISTS a, s.b PURGE GARBAGE => drop-table; drop-table
            TRUNCATE TABLE users RESTART IDENTITY (( => truncate
            DELETE FROM users ORDER BY ( => delete-without-where
            DELETE FROM users WHERE ( =>
            UPDATE users SET x = ( => update-without-where
            ALTER TABLE users DROP COLUMN email, FROB => drop-column
            ALTER TABLE users DROP CONSTRAINT c, FROB =>
            ALTER TABLE users RENAME COLUMN a TO b FROB => rename-column
            ALTER TABLE users RENAME TO people FROB => rename-table
            ALTER TABLE users ALTER COLUMN id TYPE bigint FROB ( => alter-column-type
            ALTER TABLE users ALTER email DROP NOT NULL FROB => drop-not-null
            ALTER TABLE users ALTER COLUMN a DROP DEFAULT FROB => drop-default
            DROP SCHEMA s FROB => drop-schema
            DROP VIEW v FROB => drop-view
            DROP INDEX i ON t FROB => drop-index
            RENAME TABLE a TO b FROB => rename-table
            SELEC 1 =>
            CREATE TABLE t (x INT) FROB; DROP TABLE t =>
            CREATE INDEX i ON t (x) FROB; DROP INDEX i =>
        ";
        // The last two: objects created by unparseable statements count as created.
        for (dialect, sql, expected) in cases(table) {
            let parsed = crate::check_syntax(sql, dialect);
            assert!(parsed.is_err(), "{sql} parses: not a fallback test");
            assert_eq!(destructive_in(sql, dialect), expected, "{sql}");
        }
        // Known gaps of sqlparser go the same way.
        assert_eq!(
            destructive_in(
                "ALTER TABLE users DROP COLUMN email, ENGINE = InnoDB",
                Dialect::Mysql
            ),
            ["drop-column"]
        );
    }

    #[test]
    fn routine_bodies_are_not_statements_of_the_script() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; END;\nCREATE FUNCTION f() RETURNS void AS $$ DELETE FROM c $$ LANGUAGE sql";
        assert!(destructive(sql, Dialect::Sqlite).is_empty());
        assert!(destructive(sql, Dialect::Generic).is_empty());
    }

    /// Judged with what the whole `up` does: the rebuild pattern, objects dropped and
    /// created again, backfills of new columns.
    #[test]
    fn what_the_same_up_does_again_is_not_destructive() {
        let table = "
            sqlite: CREATE TABLE users_new (id INTEGER PRIMARY KEY, email TEXT NOT NULL); INSERT INTO users_new (id, email) SELECT id, email FROM users; DROP TABLE users; ALTER TABLE users_new RENAME TO users =>
            ALTER TABLE users RENAME TO users_old; CREATE TABLE users (id INT, email TEXT); INSERT INTO users SELECT id, email FROM users_old; DROP TABLE users_old =>
            CREATE TEMP TABLE users_backup AS SELECT * FROM users; DROP TABLE users; CREATE TABLE users (id INT); INSERT INTO users SELECT id FROM users_backup =>
            mysql: CREATE TABLE users_new LIKE users; INSERT INTO users_new SELECT * FROM users; DROP TABLE users; RENAME TABLE users_new TO users =>
            DROP TABLE users; CREATE TABLE users (id INT) => drop-table
            INSERT INTO archive SELECT * FROM users; DROP TABLE users => drop-table
            CREATE TABLE users_new (id INT); INSERT INTO users_new SELECT id FROM accounts; DROP TABLE users => drop-table
            ALTER TABLE users RENAME TO people => rename-table
            ALTER TABLE users RENAME TO users_old; CREATE TABLE users (id INT) => rename-table
            DROP VIEW active_users; CREATE VIEW active_users AS SELECT id FROM users WHERE active =>
            DROP MATERIALIZED VIEW totals; CREATE MATERIALIZED VIEW totals AS SELECT count(*) FROM users =>
            DROP VIEW active_users; CREATE VIEW current_users AS SELECT id FROM users => drop-view
            DROP INDEX users_email; CREATE UNIQUE INDEX users_email ON users (lower(email)) =>
            DROP INDEX users_email; CREATE INDEX users_mail ON users (email) => drop-index
            ALTER TABLE users ADD COLUMN active BOOLEAN; UPDATE users SET active = true =>
            ALTER TABLE users ADD COLUMN a INT, ADD COLUMN b INT; UPDATE users SET a = 0, b = 1 =>
            ALTER TABLE users ADD COLUMN active BOOLEAN; UPDATE users SET active = true, email = NULL => update-without-where
            ALTER TABLE users ADD COLUMN active BOOLEAN; UPDATE accounts SET active = true => update-without-where
            mysql: ALTER TABLE users ADD COLUMN full_name VARCHAR(255); UPDATE users SET full_name = CONCAT(first, ' ', last) =>
            SELECT id, name INTO TEMP TABLE names FROM accounts; DROP TABLE names =>
            SELECT id, name INTO UNLOGGED names FROM accounts; DROP TABLE names =>
            SELECT id INTO names FROM accounts; DROP TABLE names => drop-table
            mysql: ALTER TABLE tasks ADD COLUMN position INT NOT NULL DEFAULT 0; UPDATE tasks SET position = id, updated_at = updated_at =>
            mysql: UPDATE tasks SET updated_at = updated_at, title = 'x' => update-without-where
            ALTER TABLE t ADD COLUMN n INT; UPDATE t SET n = 0, status = 'status' => update-without-where
            mysql: ALTER TABLE t ADD COLUMN n INT; UPDATE t SET n = 0, name = \"name\" => update-without-where
            CREATE TABLE b AS SELECT * FROM a; DROP TABLE a; DROP TABLE b => drop-table
            CREATE TEMP TABLE keep AS SELECT * FROM users; DROP TABLE users => drop-table
            CREATE TABLE users_new AS SELECT * FROM users WITH NO DATA; DROP TABLE users; ALTER TABLE users_new RENAME TO users => drop-table
            CREATE TABLE users_new (id INT); INSERT INTO users_new SELECT id FROM users WHERE active; DROP TABLE users; ALTER TABLE users_new RENAME TO users => drop-table
            CREATE TABLE settings (k TEXT, v INT); INSERT INTO settings VALUES ('n', (SELECT count(*) FROM legacy)); DROP TABLE legacy => drop-table
            CREATE TABLE users_new AS SELECT * FROM legacy.users; DROP TABLE users => drop-table
            DROP VIEW reporting.v; CREATE VIEW v AS SELECT 1 => drop-view
            DROP TABLE users; CREATE TABLE users (id INT); INSERT INTO users SELECT * FROM users => drop-table
        ";
        for (dialect, sql, expected) in cases(table) {
            assert_eq!(destructive_in(sql, dialect), expected, "{sql}");
        }
        // The rename of a table whose name a new table takes is taken back too.
        assert_eq!(
            destructive_in(
                "ALTER TABLE users RENAME TO users_old; CREATE TABLE users (id INT); INSERT INTO users SELECT id FROM users_old; DROP TABLE users_old",
                Dialect::Postgres
            ),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn statements_inside_do_blocks_count() {
        let table = "
            DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'legacy') THEN DROP TABLE legacy; END IF; END $$ => drop-table
            DO $$ BEGIN ALTER TABLE users ADD COLUMN n INT; UPDATE users SET n = 0; END $$ =>
            DO $$ BEGIN EXECUTE 'DROP TABLE legacy'; END $$ =>
        ";
        for (dialect, sql, expected) in cases(table) {
            assert_eq!(destructive_in(sql, dialect), expected, "{sql}");
        }
    }
}
