//! The registry of lint rules: each rule's name, category, summary and message, in one
//! entry. Compile-time checks, the run-time guard, `check` and the `allow` key all
//! look rules up here.
//!
//! Where they are checked: `destructive.rs` (destructive rules), `locks.rs`
//! (PostgreSQL lock risks), `reversibility.rs` (`up` against `down`) and `lint.rs`
//! (syntax errors).

use std::fmt;

use crate::parse::ParsedStatement;

/// What a rule guards against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Loses data or breaks code using the schema; `destructive = "why"` permits it.
    Destructive,
    /// Holds a PostgreSQL lock that blocks reads or writes while it works on a table.
    LockRisk,
    /// `down` leaves something `up` did.
    Reversibility,
    /// A statement does not parse ([`crate::lint`] reports it; the macros report
    /// [`crate::check_syntax`] errors themselves).
    Syntax,
}

/// The end of destructive rules' messages, `{allow}` in their templates.
const ALLOW: &str = "declare `destructive = \"why\"` if this is intended";

/// Declares the rules: `Variant: "name", Category, "summary", "message";`. The variant
/// is the name in UpperCamelCase (the macros derive one from the other). In messages,
/// `{word}` is filled in where the rule is checked.
macro_rules! rules {
    ($($rule:ident: $name:literal, $category:ident, $summary:literal, $message:literal;)*) => {
        /// A lint rule, named in findings and in `allow = ["..."]` by its kebab-case
        /// [`name`](Rule::name).
        ///
        /// ```
        /// use updown_sql::rules::{Category, Rule};
        /// let rule = Rule::from_name("drop-table").unwrap();
        /// assert_eq!(rule, Rule::DropTable);
        /// assert_eq!(rule.category(), Category::Destructive);
        /// assert_eq!(rule.to_string(), "drop-table");
        /// assert_eq!(Rule::closest("drop-tabel"), Some(Rule::DropTable));
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Rule {
            $(#[doc = $summary] $rule,)*
        }

        impl Rule {
            /// Every rule: destructive, then lock risks, reversibility and syntax.
            pub const ALL: &'static [Rule] = &[$(Rule::$rule),*];

            fn entry(self) -> (&'static str, Category, &'static str, &'static str) {
                match self {
                    $(Rule::$rule => ($name, Category::$category, $summary, $message),)*
                }
            }
        }
    };
}

rules! {
    DropTable: "drop-table", Destructive,
        "DROP TABLE of a table the migration did not create",
        "drops table `{name}` and its data; {allow}";
    DropSchema: "drop-schema", Destructive,
        "DROP SCHEMA of a schema the migration did not create",
        "drops schema `{name}` and everything in it; {allow}";
    DropDatabase: "drop-database", Destructive,
        "DROP DATABASE of a database the migration did not create",
        "drops database `{name}` and everything in it; {allow}";
    DropColumn: "drop-column", Destructive,
        "dropping a column the migration did not add",
        "drops column `{column}` of `{table}` and its data; {allow}";
    DropIndex: "drop-index", Destructive,
        "DROP INDEX of an index the migration did not create",
        "drops index `{name}`{of}, which queries or constraints may rely on; {allow}";
    DropView: "drop-view", Destructive,
        "DROP VIEW or DROP MATERIALIZED VIEW of a view the migration did not create",
        "drops view `{name}`, which queries may rely on; {allow}";
    Truncate: "truncate", Destructive,
        "TRUNCATE of a table the migration did not create",
        "empties table `{table}`; {allow}";
    DeleteWithoutWhere: "delete-without-where", Destructive,
        "DELETE without WHERE from a table the migration did not create",
        "deletes every row of `{table}`: it has no WHERE; add a WHERE clause, or {allow}";
    UpdateWithoutWhere: "update-without-where", Destructive,
        "UPDATE without WHERE of a table the migration did not create",
        "updates every row of `{table}`: it has no WHERE; add a WHERE clause, or {allow}";
    AlterColumnType: "alter-column-type", Destructive,
        "changing a column's type (also a PostgreSQL lock risk: it rewrites the table)",
        "changes the type of column `{column}` of `{table}`, which can lose data and rewrites the table; {allow}";
    DropNotNull: "drop-not-null", Destructive,
        "dropping NOT NULL from a column, which `down` cannot restore once NULLs are stored",
        "drops NOT NULL from column `{column}` of `{table}`: once NULLs are stored, `down` cannot restore it; {allow}";
    DropDefault: "drop-default", Destructive,
        "dropping a column's default",
        "drops the default of column `{column}` of `{table}`: inserts that leave it out will store NULL or fail; {allow}";
    RenameTable: "rename-table", Destructive,
        "renaming a table, which breaks code using the old name",
        "renames table `{table}` to `{to}`, which breaks code still using the old name; {allow}";
    RenameColumn: "rename-column", Destructive,
        "renaming a column, which breaks code using the old name",
        "renames column `{column}` of `{table}` to `{to}`, which breaks code still using the old name; {allow}";

    CreateIndexWithoutConcurrently: "create-index-without-concurrently", LockRisk,
        "CREATE INDEX on an existing table without CONCURRENTLY, which blocks writes while it builds",
        "creates {index} on `{table}` without CONCURRENTLY, which blocks writes to the table while it builds; use CREATE INDEX CONCURRENTLY in a migration with `transaction = false`";
    ForeignKeyWithoutNotValid: "foreign-key-without-not-valid", LockRisk,
        "adding a foreign key without NOT VALID, which blocks writes while every row is checked",
        "adds a foreign key to `{table}` without NOT VALID, which blocks writes to both tables while every row is checked; add it NOT VALID, then VALIDATE CONSTRAINT in a later migration";
    CheckWithoutNotValid: "check-without-not-valid", LockRisk,
        "adding a CHECK constraint without NOT VALID, which blocks reads and writes while every row is checked",
        "adds a CHECK constraint to `{table}` without NOT VALID, which blocks reads and writes while every row is checked; add it NOT VALID, then VALIDATE CONSTRAINT in a later migration";
    SetNotNull: "set-not-null", LockRisk,
        "SET NOT NULL on an existing table, which blocks reads and writes while every row is scanned",
        "sets NOT NULL on column `{column}` of `{table}`, which blocks reads and writes while every row is scanned; first add CHECK ({column} IS NOT NULL) NOT VALID and VALIDATE it, so that SET NOT NULL skips the scan (PostgreSQL 12 and later)";
    VolatileDefault: "volatile-default", LockRisk,
        "adding a column whose default calls a volatile function, which rewrites the table",
        "adds column `{column}` to `{table}` with a default calling {function}, which rewrites the whole table under an exclusive lock; add the column without a default, then set the default and backfill existing rows in batches";
    ConcurrentlyInTransaction: "concurrently-in-transaction", LockRisk,
        "CONCURRENTLY or VACUUM in a migration run inside a transaction, which PostgreSQL refuses",
        "runs {what}, which PostgreSQL refuses inside a transaction; set `transaction = false` on this migration";

    CreatedButNotDropped: "created-but-not-dropped", Reversibility,
        "an object `up` creates and `down` does not drop",
        "creates {kind} `{name}` but `down` never drops it; add `DROP {KIND} {name}` to `down`";
    DroppedColumnNotRestored: "dropped-column-not-restored", Reversibility,
        "a column `up` drops and `down` does not add back",
        "drops column `{column}` of `{table}` but `down` does not add it back; add `ALTER TABLE {table} ADD COLUMN {column} ...` to `down`";
    MissingDown: "missing-down", Reversibility,
        "a diesel folder whose `down.sql` is missing, empty or only comments, so it cannot be rolled back",
        "cannot be rolled back: {reason}; write a `down.sql` that undoes `up.sql` (where it is applied, `repair` then accepts the new checksum)";

    SyntaxError: "syntax-error", Syntax,
        "a statement that does not parse in the migration's dialect",
        "`{part}` statement does not parse ({error}); fix it or check the migration's dialect ({dialect})";
    UnverifiedSyntax: "unverified-syntax", Syntax,
        "a statement the MySQL grammar here cannot read but cannot prove wrong, left to the database (a warning)",
        "`{part}` statement could not be checked: the MySQL grammar updown has stopped here ({error}); the database checks it when the migration runs, and a test that applies the migration finds out";
}

impl Rule {
    /// The kebab-case name: `drop-table`.
    pub fn name(self) -> &'static str {
        self.entry().0
    }

    /// The rule with this exact name.
    pub fn from_name(name: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.name() == name)
    }

    /// The rule whose name is nearest to `name` (in any case), for "did you mean"
    /// messages: `None` unless it is within a third of the rule name's length in edits.
    pub fn closest(name: &str) -> Option<Rule> {
        let name = name.to_lowercase();
        Rule::ALL
            .iter()
            .map(|r| (strsim::levenshtein(&name, r.name()), *r))
            .filter(|(edits, r)| edits * 3 <= r.name().len())
            .min_by_key(|(edits, _)| *edits)
            .map(|(_, r)| r)
    }

    pub fn category(self) -> Category {
        self.entry().1
    }

    /// What the rule reports, in a line.
    pub fn summary(self) -> &'static str {
        self.entry().2
    }

    /// True for the rules that `destructive = "why"` permits.
    pub fn is_destructive(self) -> bool {
        self.category() == Category::Destructive
    }

    /// True for the rules whose findings are warnings: reported, never failing `check`.
    pub fn is_warning(self) -> bool {
        self == Rule::UnverifiedSyntax
    }

    /// The rule's message, its `{word}`s filled from `args`.
    pub fn message(self, args: &[(&str, &str)]) -> String {
        let mut message = String::new();
        let mut rest = self.entry().3;
        while let Some(open) = rest.find('{') {
            let close = open + rest[open..].find('}').expect("`{` closes in messages");
            let key = &rest[open + 1..close];
            let value = match key {
                "allow" => Some(ALLOW),
                _ => args.iter().find(|(k, _)| *k == key).map(|(_, v)| *v),
            };
            debug_assert!(value.is_some(), "no `{key}` given for a {self} message");
            message.push_str(&rest[..open]);
            message.push_str(value.unwrap_or(&rest[open..=close]));
            rest = &rest[close + 1..];
        }
        message.push_str(rest);
        message
    }

    /// A finding of this rule at `at`, its message's `{word}`s filled from `args`.
    pub(crate) fn finding(self, at: &At, args: &[(&str, &str)]) -> Finding {
        Finding {
            rule: self,
            message: self.message(args),
            statement: at.statement.clone(),
            line: at.line,
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One thing wrong with a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
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
        self.rule.is_destructive()
    }
}

/// Where a finding points: the statement as shown, and its line.
#[derive(Debug, Clone)]
pub(crate) struct At {
    pub(crate) statement: String,
    pub(crate) line: usize,
}

impl At {
    pub(crate) fn of(statement: &ParsedStatement<'_>) -> At {
        const MAX: usize = 200;
        let folded = statement
            .text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let statement_shown = match folded.char_indices().nth(MAX) {
            Some((cut, _)) => format!("{}...", &folded[..cut]),
            None => folded,
        };
        At {
            statement: statement_shown,
            line: statement.line,
        }
    }
}

/// The rule names of findings, for tests to compare.
#[cfg(test)]
pub(crate) fn rule_names(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.rule.name()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_name_the_variants() {
        use heck::{ToKebabCase, ToUpperCamelCase};
        for rule in Rule::ALL {
            // The macros name `Rule::DropTable` from `drop-table`.
            assert_eq!(format!("{rule:?}"), rule.name().to_upper_camel_case());
            assert_eq!(rule.name().to_kebab_case(), rule.name());
            assert_eq!(Rule::from_name(rule.name()), Some(*rule));
            assert_eq!(rule.to_string(), rule.name());
            assert!(!rule.summary().ends_with('.'), "{rule}");
        }
        assert_eq!(Rule::from_name("Drop-Table"), None);
    }

    /// The names are part of the interface (`allow`, `check` output): they do not change.
    #[test]
    fn names_by_category() {
        let names = |category| {
            let rules = Rule::ALL.iter().filter(|r| r.category() == category);
            rules.map(|r| r.name()).collect::<Vec<_>>().join(" ")
        };
        assert_eq!(
            names(Category::Destructive),
            "drop-table drop-schema drop-database drop-column drop-index drop-view truncate delete-without-where update-without-where alter-column-type drop-not-null drop-default rename-table rename-column"
        );
        assert_eq!(
            names(Category::LockRisk),
            "create-index-without-concurrently foreign-key-without-not-valid check-without-not-valid set-not-null volatile-default concurrently-in-transaction"
        );
        assert_eq!(
            names(Category::Reversibility),
            "created-but-not-dropped dropped-column-not-restored missing-down"
        );
        assert_eq!(names(Category::Syntax), "syntax-error unverified-syntax");
        assert_eq!(Rule::ALL.len(), 25);
        assert!(Rule::DropColumn.is_destructive() && !Rule::SetNotNull.is_destructive());
    }

    #[test]
    fn closest_names_for_misspellings() {
        for (typed, meant) in [
            ("drop-tabel", Some(Rule::DropTable)),
            ("DROP-TABLE", Some(Rule::DropTable)),
            ("drop_column", Some(Rule::DropColumn)),
            ("set-null", Some(Rule::SetNotNull)),
            (
                "create-index-concurrently",
                Some(Rule::CreateIndexWithoutConcurrently),
            ),
            ("no-such-rule", None),
            ("delete", None),
            ("", None),
        ] {
            assert_eq!(Rule::closest(typed), meant, "{typed}");
        }
    }
}
