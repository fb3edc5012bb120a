//! Statements that cannot run inside the transaction a migration with `transaction =
//! true` runs in: transaction control of its own, and what PostgreSQL (and SQLite, for
//! VACUUM) refuses inside a transaction block. The macros reject both at compile time.

use crate::parse::{Dialect, parse_script};
use crate::reader::{self, Change, Kind};
use crate::rules::At;
use crate::statements::transaction_control;

/// A statement of a script that cannot run inside a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotInTransaction {
    /// What it is, as SQL spells it: `COMMIT`, `CREATE INDEX CONCURRENTLY`, `VACUUM`.
    pub what: &'static str,
    /// True for transaction control (`BEGIN`, `COMMIT`...), false for a statement the
    /// database refuses inside a transaction block.
    pub control: bool,
    /// The statement, whitespace folded, at most about 200 characters.
    pub statement: String,
    /// 1-based line the statement starts on.
    pub line: usize,
}

/// The statements of `sql` that cannot run inside the transaction updown wraps a
/// migration in.
///
/// ```
/// use updown_sql::{Dialect, not_in_transaction};
/// let found = not_in_transaction("BEGIN; CREATE INDEX CONCURRENTLY i ON t (x); COMMIT", Dialect::Postgres);
/// let what: Vec<_> = found.iter().map(|f| f.what).collect();
/// assert_eq!(what, ["BEGIN", "CREATE INDEX CONCURRENTLY", "COMMIT"]);
/// assert!(not_in_transaction("SAVEPOINT a; ROLLBACK TO a", Dialect::Postgres).is_empty());
/// ```
pub fn not_in_transaction(sql: &str, dialect: Dialect) -> Vec<NotInTransaction> {
    let mut found = Vec::new();
    for statement in parse_script(sql, dialect) {
        let at = At::of(&statement);
        let control = transaction_control(&statement.tokens);
        let refused = || {
            reader::changes(&statement)
                .iter()
                .find_map(refused_in_block)
        };
        let (what, control) = match control {
            Some(what) => (what, true),
            None => match refused() {
                Some(what) => (what, false),
                None => continue,
            },
        };
        found.push(NotInTransaction {
            what,
            control,
            statement: at.statement,
            line: at.line,
        });
    }
    found
}

/// The statement a change is, when the database refuses it inside a transaction block.
pub(crate) fn refused_in_block(change: &Change) -> Option<&'static str> {
    match change {
        Change::Create {
            kind: Kind::Index,
            concurrently: true,
            ..
        } => Some("CREATE INDEX CONCURRENTLY"),
        Change::Drop {
            concurrently: true, ..
        } => Some("DROP INDEX CONCURRENTLY"),
        Change::OutsideTransaction { what } => Some(what),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whats(sql: &str, dialect: Dialect) -> Vec<&'static str> {
        not_in_transaction(sql, dialect)
            .iter()
            .map(|f| f.what)
            .collect()
    }

    #[test]
    fn transaction_control_in_every_spelling() {
        let sql = "BEGIN;\nCREATE TABLE a (x INT);\nCOMMIT;\nSTART TRANSACTION; END; ROLLBACK; ABORT; begin transaction; commit work";
        assert_eq!(
            whats(sql, Dialect::Generic),
            [
                "BEGIN",
                "COMMIT",
                "START TRANSACTION",
                "END",
                "ROLLBACK",
                "ABORT",
                "BEGIN",
                "COMMIT"
            ]
        );
        let found = not_in_transaction(sql, Dialect::Generic);
        assert!(found[0].control && found[1].control);
        assert_eq!((found[1].line, found[1].statement.as_str()), (3, "COMMIT"));
    }

    #[test]
    fn what_is_not_transaction_control() {
        for sql in [
            "SAVEPOINT a; RELEASE SAVEPOINT a; ROLLBACK TO SAVEPOINT a; ROLLBACK TO a",
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = 1; END",
            "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql",
            "DO $$ BEGIN COMMIT; END $$",
            "CREATE INDEX i ON t (x); DROP INDEX j; REINDEX INDEX i",
            "SELECT 'BEGIN'; SELECT 1 AS \"commit\"",
        ] {
            assert_eq!(whats(sql, Dialect::Postgres), Vec::<&str>::new(), "{sql}");
        }
    }

    #[test]
    fn statements_refused_inside_a_transaction_block() {
        let sql = "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x);\nDROP INDEX CONCURRENTLY IF EXISTS j;\nREINDEX (VERBOSE) TABLE CONCURRENTLY t;\nVACUUM (ANALYZE) t;\nALTER TABLE m DETACH PARTITION m1 CONCURRENTLY";
        assert_eq!(
            whats(sql, Dialect::Postgres),
            [
                "CREATE INDEX CONCURRENTLY",
                "DROP INDEX CONCURRENTLY",
                "REINDEX CONCURRENTLY",
                "VACUUM",
                "DETACH PARTITION CONCURRENTLY"
            ]
        );
        assert!(!not_in_transaction(sql, Dialect::Postgres)[0].control);
        assert_eq!(whats("VACUUM", Dialect::Sqlite), ["VACUUM"]);
    }
}
