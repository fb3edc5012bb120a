//! A normalised description of a database schema: comparable object by object, printable
//! as a readable diff, and hashable. Each backend fills one in from its catalog; updown's
//! own tables are left out.

use std::collections::BTreeMap;
use std::fmt;

/// Every schema object of a database, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Table name -> its columns, keys, indexes and constraints.
    pub tables: BTreeMap<String, Table>,
    /// View name -> its definition, whitespace folded.
    pub views: BTreeMap<String, String>,
    /// Trigger name (on PostgreSQL, where names are per table, `name on table`) -> its
    /// definition, whitespace folded.
    pub triggers: BTreeMap<String, String>,
    /// Sequence name -> its properties (PostgreSQL).
    pub sequences: BTreeMap<String, String>,
    /// Enum type name -> its labels in order (PostgreSQL).
    pub enums: BTreeMap<String, Vec<String>>,
}

/// One table: columns in their order, keys, indexes and constraints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// The columns, in the order the database keeps them.
    pub columns: Vec<Column>,
    /// The primary key's columns, in key order; empty without one.
    pub primary_key: Vec<String>,
    /// Index name -> definition. Indexes that only back a constraint are listed with it.
    pub indexes: BTreeMap<String, Index>,
    /// Foreign keys, unique and check constraints, by definition: constraint names that
    /// the database generates differ between a drop and a re-create.
    pub constraints: Vec<String>,
}

/// One column of a table; shown as `email varchar(200) NOT NULL DEFAULT ''`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// The type as the database reports it, lower case.
    pub data_type: String,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// Its default expression as the database reports it, if it has one.
    pub default: Option<String>,
}

/// One index of a table; shown as `UNIQUE (a, b) WHERE ...`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Index {
    /// The indexed columns or expressions, in order.
    pub columns: Vec<String>,
    /// Whether it is a unique index.
    pub unique: bool,
    /// `WHERE` clause of a partial index.
    pub predicate: Option<String>,
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.data_type)?;
        if !self.nullable {
            f.write_str(" NOT NULL")?;
        }
        if let Some(d) = &self.default {
            write!(f, " DEFAULT {d}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Index {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.unique {
            f.write_str("UNIQUE ")?;
        }
        write!(f, "({})", self.columns.join(", "))?;
        if let Some(p) = &self.predicate {
            write!(f, " WHERE {p}")?;
        }
        Ok(())
    }
}

/// One way two snapshots differ, naming the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// `table users`, `index users_email_idx on users`, `column users.name`...
    pub object: String,
    /// What the first snapshot has (`None`: absent).
    pub expected: Option<String>,
    /// What the second snapshot has (`None`: absent).
    pub found: Option<String>,
    /// Only the order of columns differs: reported, but not a failure unless strict.
    pub order_only: bool,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.expected, &self.found) {
            (Some(e), Some(n)) => write!(f, "{}: expected `{e}`, found `{n}`", self.object),
            (Some(e), None) => write!(f, "{}: missing (expected `{e}`)", self.object),
            (None, Some(n)) => write!(f, "{}: left behind (`{n}`)", self.object),
            (None, None) => write!(f, "{}", self.object),
        }
    }
}

fn diff_maps<V: PartialEq>(
    out: &mut Vec<Difference>,
    label: impl Fn(&str) -> String,
    a: &BTreeMap<String, V>,
    b: &BTreeMap<String, V>,
    show: impl Fn(&V) -> String,
) {
    for (name, va) in a {
        match b.get(name) {
            None => out.push(Difference {
                object: label(name),
                expected: Some(show(va)),
                found: None,
                order_only: false,
            }),
            Some(vb) if vb != va => out.push(Difference {
                object: label(name),
                expected: Some(show(va)),
                found: Some(show(vb)),
                order_only: false,
            }),
            Some(_) => {}
        }
    }
    for (name, vb) in b {
        if !a.contains_key(name) {
            out.push(Difference {
                object: label(name),
                expected: None,
                found: Some(show(vb)),
                order_only: false,
            });
        }
    }
}

impl Snapshot {
    /// How `other` differs from `self`, object by object.
    pub fn diff(&self, other: &Snapshot) -> Vec<Difference> {
        let mut out = Vec::new();
        let table_summary = |t: &Table| {
            let cols: Vec<String> = t.columns.iter().map(|c| c.to_string()).collect();
            format!("({})", cols.join(", "))
        };
        for (name, a) in &self.tables {
            match other.tables.get(name) {
                None => out.push(Difference {
                    object: format!("table {name}"),
                    expected: Some(table_summary(a)),
                    found: None,
                    order_only: false,
                }),
                Some(b) => diff_table(&mut out, name, a, b),
            }
        }
        for (name, b) in &other.tables {
            if !self.tables.contains_key(name) {
                out.push(Difference {
                    object: format!("table {name}"),
                    expected: None,
                    found: Some(table_summary(b)),
                    order_only: false,
                });
            }
        }
        diff_maps(
            &mut out,
            |n| format!("view {n}"),
            &self.views,
            &other.views,
            Clone::clone,
        );
        diff_maps(
            &mut out,
            |n| format!("trigger {n}"),
            &self.triggers,
            &other.triggers,
            Clone::clone,
        );
        diff_maps(
            &mut out,
            |n| format!("sequence {n}"),
            &self.sequences,
            &other.sequences,
            Clone::clone,
        );
        diff_maps(
            &mut out,
            |n| format!("enum type {n}"),
            &self.enums,
            &other.enums,
            |labels| labels.join(", "),
        );
        out
    }

    /// SHA-256 (hex) of the snapshot's canonical text: equal schemas hash alike.
    pub fn hash(&self) -> String {
        let mut sum = updown_sql::Checksum::new();
        sum.section("schema-snapshot");
        sum.token(&self.to_string());
        sum.finish()
    }
}

fn diff_table(out: &mut Vec<Difference>, table: &str, a: &Table, b: &Table) {
    let by_name = |t: &Table| -> BTreeMap<String, String> {
        t.columns
            .iter()
            .map(|c| (c.name.clone(), c.to_string()))
            .collect()
    };
    diff_maps(
        out,
        |n| format!("column {table}.{n}"),
        &by_name(a),
        &by_name(b),
        Clone::clone,
    );
    let names = |t: &Table| t.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    let (order_a, order_b) = (names(a), names(b));
    let mut sorted_a = order_a.clone();
    let mut sorted_b = order_b.clone();
    sorted_a.sort();
    sorted_b.sort();
    if sorted_a == sorted_b && order_a != order_b {
        out.push(Difference {
            object: format!("column order of {table}"),
            expected: Some(order_a.join(", ")),
            found: Some(order_b.join(", ")),
            order_only: true,
        });
    }
    if a.primary_key != b.primary_key {
        out.push(Difference {
            object: format!("primary key of {table}"),
            expected: Some(format!("({})", a.primary_key.join(", ")))
                .filter(|_| !a.primary_key.is_empty()),
            found: Some(format!("({})", b.primary_key.join(", ")))
                .filter(|_| !b.primary_key.is_empty()),
            order_only: false,
        });
    }
    diff_maps(
        out,
        |n| format!("index {n}"),
        &a.indexes,
        &b.indexes,
        |i| format!("{i} ON {table}"),
    );
    for c in a.constraints.iter().filter(|c| !b.constraints.contains(c)) {
        out.push(Difference {
            object: format!("constraint on {table}"),
            expected: Some(c.clone()),
            found: None,
            order_only: false,
        });
    }
    for c in b.constraints.iter().filter(|c| !a.constraints.contains(c)) {
        out.push(Difference {
            object: format!("constraint on {table}"),
            expected: None,
            found: Some(c.clone()),
            order_only: false,
        });
    }
}

impl fmt::Display for Snapshot {
    /// One line per object, in name order: the canonical text that is hashed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, t) in &self.tables {
            writeln!(f, "table {name}")?;
            for c in &t.columns {
                writeln!(f, "  column {c}")?;
            }
            if !t.primary_key.is_empty() {
                writeln!(f, "  primary key ({})", t.primary_key.join(", "))?;
            }
            for (iname, i) in &t.indexes {
                writeln!(f, "  index {iname} {i}")?;
            }
            for c in &t.constraints {
                writeln!(f, "  constraint {c}")?;
            }
        }
        for (name, def) in &self.views {
            writeln!(f, "view {name} {def}")?;
        }
        for (name, def) in &self.triggers {
            writeln!(f, "trigger {name} {def}")?;
        }
        for (name, def) in &self.sequences {
            writeln!(f, "sequence {name} {def}")?;
        }
        for (name, labels) in &self.enums {
            writeln!(f, "enum {name} ({})", labels.join(", "))?;
        }
        Ok(())
    }
}

/// Folds runs of whitespace, so that definitions compare by their tokens' spacing only.
pub(crate) fn fold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(columns: &[(&str, &str, bool)]) -> Table {
        Table {
            columns: columns
                .iter()
                .map(|(n, t, null)| Column {
                    name: (*n).into(),
                    data_type: (*t).into(),
                    nullable: *null,
                    default: None,
                })
                .collect(),
            primary_key: vec!["id".into()],
            ..Table::default()
        }
    }

    fn snapshot(table: Table) -> Snapshot {
        let mut s = Snapshot::default();
        s.tables.insert("users".into(), table);
        s
    }

    #[test]
    fn equal_snapshots_have_no_difference_and_the_same_hash() {
        let a = snapshot(users(&[("id", "bigint", false), ("email", "text", false)]));
        assert!(a.diff(&a.clone()).is_empty());
        assert_eq!(a.hash(), a.clone().hash());
    }

    #[test]
    fn a_column_that_lost_not_null_is_named() {
        let a = snapshot(users(&[("id", "bigint", false), ("email", "text", false)]));
        let b = snapshot(users(&[("id", "bigint", false), ("email", "text", true)]));
        let d = a.diff(&b);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            d[0].to_string(),
            "column users.email: expected `email text NOT NULL`, found `email text`"
        );
        assert_ne!(a.hash(), b.hash());
    }

    #[test]
    fn column_order_alone_is_reported_as_order_only() {
        let a = snapshot(users(&[
            ("id", "bigint", false),
            ("a", "text", true),
            ("b", "text", true),
        ]));
        let b = snapshot(users(&[
            ("id", "bigint", false),
            ("b", "text", true),
            ("a", "text", true),
        ]));
        let d = a.diff(&b);
        assert_eq!(d.len(), 1);
        assert!(d[0].order_only);
    }

    #[test]
    fn missing_and_left_behind_objects() {
        let mut a = snapshot(users(&[("id", "bigint", false)]));
        a.tables.get_mut("users").unwrap().indexes.insert(
            "users_id_idx".into(),
            Index {
                columns: vec!["id".into()],
                unique: false,
                predicate: None,
            },
        );
        let mut b = snapshot(users(&[("id", "bigint", false)]));
        b.views.insert("v".into(), "SELECT 1".into());
        let text: Vec<String> = a.diff(&b).iter().map(|d| d.to_string()).collect();
        assert_eq!(
            text,
            [
                "index users_id_idx: missing (expected `(id) ON users`)",
                "view v: left behind (`SELECT 1`)"
            ]
        );
    }
}
