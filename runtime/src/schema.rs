//! A normalised description of a database schema: comparable object by object, printable
//! as a readable diff, and hashable. Each backend fills one in from its catalog; updown's
//! own tables and the members of extensions are left out.

use std::collections::BTreeMap;
use std::fmt;

/// Every schema object of a database, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Table name -> its columns, keys, indexes and constraints.
    pub tables: BTreeMap<String, Table>,
    /// View name -> its definition, normalised: whitespace and keyword case folded, a
    /// literal frozen from `'now'` replaced by a placeholder.
    pub views: BTreeMap<String, String>,
    /// Trigger name (on PostgreSQL, where names are per table, `name on table`) -> its
    /// full definition, whitespace folded.
    pub triggers: BTreeMap<String, String>,
    /// Sequence name -> its type, start, increment and owning column.
    pub sequences: BTreeMap<String, String>,
    /// Type name -> `enum (labels in order)`, `composite (attributes)` or `domain ...`
    /// (PostgreSQL).
    pub types: BTreeMap<String, String>,
    /// `name(argument types)` -> kind, return type, language, volatility, security,
    /// settings and body, whitespace folded.
    pub functions: BTreeMap<String, String>,
    /// Extension name -> where it is installed and its version (PostgreSQL).
    pub extensions: BTreeMap<String, Extension>,
}

/// Which objects a snapshot reads: all of them, or those a migration's statements
/// name and what depends on them.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    Everything,
    /// Every identifier and string literal of the statements, as written and in lower
    /// case.
    Named(&'a std::collections::BTreeSet<String>),
}

impl Scope<'_> {
    /// The names as a SQL list of string literals (`''` when there are none), `None` for
    /// everything.
    #[cfg(any(feature = "postgres", feature = "mysql"))]
    pub(crate) fn sql_list(&self) -> Option<String> {
        match self {
            Scope::Everything => None,
            Scope::Named(names) => Some(
                names
                    .iter()
                    .map(|n| sql_literal(n))
                    .chain(names.is_empty().then(|| "''".to_owned()))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        }
    }
}

/// `text` as a standard SQL string literal, its quotes doubled.
pub(crate) fn sql_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// One installed extension: a schema change is a difference, a version change a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// The schema its objects live in.
    pub schema: String,
    /// The installed version.
    pub version: String,
}

/// One table: columns in their order, keys, indexes and constraints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// The columns, in the order the database keeps them.
    pub columns: Vec<Column>,
    /// The primary key's columns, in key order; empty without one.
    pub primary_key: Vec<String>,
    /// The primary key constraint's name, where the database names it.
    pub primary_key_name: Option<String>,
    /// Index name -> definition. Indexes that only back a constraint are listed with it.
    pub indexes: BTreeMap<String, Index>,
    /// Foreign keys, unique, check and exclusion constraints: name -> definition. Where
    /// the database keeps no name (SQLite), the definition is the name too.
    pub constraints: BTreeMap<String, String>,
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
    /// Reported, but not a failure unless strict: an order of columns, an extension's
    /// version, a renamed key with names ignored.
    pub note: bool,
}

impl Difference {
    fn new(object: String, expected: Option<String>, found: Option<String>) -> Self {
        Difference {
            object,
            expected,
            found,
            note: false,
        }
    }

    fn noted(self, note: bool) -> Self {
        Difference { note, ..self }
    }
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

/// How two snapshots are compared.
#[derive(Debug, Clone, Copy, Default)]
pub struct Comparison {
    /// A constraint or index that only changed its name is a note, not a difference.
    pub ignore_names: bool,
}

/// Compares two maps of objects by name. With `renames` (constraints, indexes), an
/// object missing on one side and present on the other under another name with the same
/// definition was renamed: one difference naming both, a note when names are ignored.
/// Without (tables, views, functions, whose names are theirs), a different name is a
/// different object.
fn diff_objects<V: PartialEq>(
    out: &mut Vec<Difference>,
    label: impl Fn(&str) -> String,
    a: &BTreeMap<String, V>,
    b: &BTreeMap<String, V>,
    show: impl Fn(&V) -> String,
    renames: Option<Comparison>,
) {
    let mut added: Vec<(&String, &V)> = b.iter().filter(|(n, _)| !a.contains_key(*n)).collect();
    for (name, va) in a {
        match b.get(name) {
            Some(vb) if vb != va => {
                out.push(Difference::new(label(name), Some(show(va)), Some(show(vb))))
            }
            Some(_) => {}
            None => {
                let renamed = renames.and_then(|comparison| {
                    let i = added.iter().position(|(_, vb)| *vb == va)?;
                    Some((added.remove(i).0, comparison))
                });
                out.push(match renamed {
                    Some((renamed, comparison)) => Difference::new(
                        format!("name of {} ({})", label(name), show(va)),
                        Some(name.clone()),
                        Some(renamed.clone()),
                    )
                    .noted(comparison.ignore_names),
                    None => Difference::new(label(name), Some(show(va)), None),
                });
            }
        }
    }
    for (name, vb) in added {
        out.push(Difference::new(label(name), None, Some(show(vb))));
    }
}

impl Snapshot {
    /// How `other` differs from `self`, object by object, names compared.
    pub fn diff(&self, other: &Snapshot) -> Vec<Difference> {
        self.compare(other, Comparison::default())
    }

    /// How `other` differs from `self`, object by object.
    pub fn compare(&self, other: &Snapshot, comparison: Comparison) -> Vec<Difference> {
        let mut out = Vec::new();
        let table_summary = |t: &Table| {
            let cols: Vec<String> = t.columns.iter().map(|c| c.to_string()).collect();
            format!("({})", cols.join(", "))
        };
        for (name, a) in &self.tables {
            match other.tables.get(name) {
                None => out.push(Difference::new(
                    format!("table {name}"),
                    Some(table_summary(a)),
                    None,
                )),
                Some(b) => diff_table(&mut out, name, a, b, comparison),
            }
        }
        for (name, b) in &other.tables {
            if !self.tables.contains_key(name) {
                out.push(Difference::new(
                    format!("table {name}"),
                    None,
                    Some(table_summary(b)),
                ));
            }
        }
        for (name, a) in &self.views {
            match other.views.get(name) {
                Some(b) if a != b => out.push(
                    Difference::new(format!("view {name}"), Some(a.clone()), Some(b.clone()))
                        .noted(select_list_reordered(a, b)),
                ),
                _ => {}
            }
        }
        let views = |s: &Snapshot| -> BTreeMap<String, String> {
            s.views
                .iter()
                .filter(|(n, _)| !self.views.contains_key(*n) || !other.views.contains_key(*n))
                .map(|(n, d)| (n.clone(), d.clone()))
                .collect()
        };
        diff_objects(
            &mut out,
            |n| format!("view {n}"),
            &views(self),
            &views(other),
            Clone::clone,
            None,
        );
        let text = |kind: &'static str| move |n: &str| format!("{kind} {n}");
        diff_objects(
            &mut out,
            text("trigger"),
            &self.triggers,
            &other.triggers,
            Clone::clone,
            None,
        );
        diff_objects(
            &mut out,
            text("sequence"),
            &self.sequences,
            &other.sequences,
            Clone::clone,
            None,
        );
        diff_objects(
            &mut out,
            text("type"),
            &self.types,
            &other.types,
            Clone::clone,
            None,
        );
        diff_objects(
            &mut out,
            text("function"),
            &self.functions,
            &other.functions,
            Clone::clone,
            None,
        );
        diff_extensions(&mut out, &self.extensions, &other.extensions);
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

/// Extensions: one missing or left behind, or moved to another schema, is a difference;
/// another version of the same extension is a note.
fn diff_extensions(
    out: &mut Vec<Difference>,
    a: &BTreeMap<String, Extension>,
    b: &BTreeMap<String, Extension>,
) {
    let show = |e: &Extension| format!("schema {} version {}", e.schema, e.version);
    for (name, ea) in a {
        match b.get(name) {
            None => out.push(Difference::new(
                format!("extension {name}"),
                Some(show(ea)),
                None,
            )),
            Some(eb) if eb != ea => out.push(
                Difference::new(format!("extension {name}"), Some(show(ea)), Some(show(eb)))
                    .noted(ea.schema == eb.schema),
            ),
            Some(_) => {}
        }
    }
    for (name, eb) in b.iter().filter(|(n, _)| !a.contains_key(*n)) {
        out.push(Difference::new(
            format!("extension {name}"),
            None,
            Some(show(eb)),
        ));
    }
}

fn diff_table(
    out: &mut Vec<Difference>,
    table: &str,
    a: &Table,
    b: &Table,
    comparison: Comparison,
) {
    let by_name = |t: &Table| -> BTreeMap<String, String> {
        t.columns
            .iter()
            .map(|c| (c.name.clone(), c.to_string()))
            .collect()
    };
    diff_objects(
        out,
        |n| format!("column {table}.{n}"),
        &by_name(a),
        &by_name(b),
        Clone::clone,
        None,
    );
    let names = |t: &Table| t.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    let (order_a, order_b) = (names(a), names(b));
    let mut sorted_a = order_a.clone();
    let mut sorted_b = order_b.clone();
    sorted_a.sort();
    sorted_b.sort();
    if sorted_a == sorted_b && order_a != order_b {
        out.push(
            Difference::new(
                format!("column order of {table}"),
                Some(order_a.join(", ")),
                Some(order_b.join(", ")),
            )
            .noted(true),
        );
    }
    if a.primary_key != b.primary_key {
        let show =
            |key: &[String]| Some(format!("({})", key.join(", "))).filter(|_| !key.is_empty());
        out.push(Difference::new(
            format!("primary key of {table}"),
            show(&a.primary_key),
            show(&b.primary_key),
        ));
    } else if a.primary_key_name != b.primary_key_name {
        out.push(
            Difference::new(
                format!("name of the primary key of {table}"),
                a.primary_key_name.clone(),
                b.primary_key_name.clone(),
            )
            .noted(comparison.ignore_names),
        );
    }
    diff_objects(
        out,
        |n| format!("index {n}"),
        &a.indexes,
        &b.indexes,
        |i| format!("{i} ON {table}"),
        Some(comparison),
    );
    diff_objects(
        out,
        |n| format!("constraint {n} on {table}"),
        &a.constraints,
        &b.constraints,
        Clone::clone,
        Some(comparison),
    );
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
                let named = t.primary_key_name.as_deref().unwrap_or_default();
                writeln!(f, "  primary key {named} ({})", t.primary_key.join(", "))?;
            }
            for (iname, i) in &t.indexes {
                writeln!(f, "  index {iname} {i}")?;
            }
            for (cname, c) in &t.constraints {
                writeln!(f, "  constraint {cname} {c}")?;
            }
        }
        let kinds = [
            ("view", &self.views),
            ("trigger", &self.triggers),
            ("sequence", &self.sequences),
            ("type", &self.types),
            ("function", &self.functions),
        ];
        for (kind, objects) in kinds {
            for (name, def) in objects {
                writeln!(f, "{kind} {name} {def}")?;
            }
        }
        for (name, e) in &self.extensions {
            writeln!(
                f,
                "extension {name} schema {} version {}",
                e.schema, e.version
            )?;
        }
        Ok(())
    }
}

/// Folds runs of whitespace, so that definitions compare by their tokens' spacing only.
pub(crate) fn fold(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A definition or expression normalised for comparison: whitespace folded, comments
/// dropped, keywords and unquoted names in lower case (string literals and quoted names
/// kept), and a date or timestamp literal of today frozen from `'now'` when the object
/// was created replaced by a placeholder, since it differs on every run.
pub(crate) fn normalise_sql(text: &str) -> String {
    use updown_sql::lexer::{TokenKind, tokens};
    let today = days_since_epoch_today();
    let mut out = String::with_capacity(text.len());
    let mut end = 0;
    for t in tokens(text) {
        if !out.is_empty() && text[end..t.start].chars().any(char::is_whitespace) {
            out.push(' ');
        }
        match t.kind {
            TokenKind::Word => out.push_str(&t.text.to_lowercase()),
            TokenKind::String if frozen_now(t.text, today) => out.push_str(FROZEN_NOW),
            _ => out.push_str(t.text),
        }
        end = t.start + t.text.len();
    }
    out
}

/// What a literal frozen from `'now'` reads as in a normalised definition.
const FROZEN_NOW: &str = "'<now, when created>'";

/// `'2026-12-02 02:10:33.12+00'`, `'2026-12-02'`: a date within a day of `today`.
fn frozen_now(literal: &str, today: i64) -> bool {
    let Some(inner) = literal
        .strip_prefix('\'')
        .and_then(|l| l.strip_suffix('\''))
    else {
        return false;
    };
    let (date, rest) = inner.split_at(inner.len().min(10));
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts[..] else { return false };
    let number = |s: &str, len| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i64>().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(d)) = (number(y, 4), number(m, 2), number(d, 2)) else {
        return false;
    };
    let time_like = rest
        .bytes()
        .all(|b| b.is_ascii_digit() || b" :.T+-Z".contains(&b));
    time_like && (days_from_civil(y, m, d) - today).abs() <= 1
}

fn days_since_epoch_today() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    (secs / 86_400) as i64
}

/// Days from 1970-01-01 to a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Whether two view definitions differ only in the order of their top-level select
/// list: what a `SELECT *` view expands to over a table whose columns were reordered.
fn select_list_reordered(a: &str, b: &str) -> bool {
    match (select_list(a), select_list(b)) {
        (Some((mut items_a, rest_a)), Some((mut items_b, rest_b))) => {
            items_a.sort();
            items_b.sort();
            items_a == items_b && rest_a == rest_b
        }
        _ => false,
    }
}

/// The items of a definition's first select list, and what follows its `FROM`.
fn select_list(definition: &str) -> Option<(Vec<String>, String)> {
    use updown_sql::lexer::tokens;
    let toks = tokens(definition);
    let select = toks
        .iter()
        .position(|t| t.text.eq_ignore_ascii_case("select"))?;
    let mut depth = 0i32;
    let mut items = Vec::new();
    let mut start = toks.get(select + 1)?.start;
    for t in &toks[select + 1..] {
        match t.text {
            "(" => depth += 1,
            ")" => depth -= 1,
            "," if depth == 0 => {
                items.push(definition[start..t.start].trim().to_owned());
                start = t.start + 1;
            }
            word if depth == 0 && word.eq_ignore_ascii_case("from") => {
                items.push(definition[start..t.start].trim().to_owned());
                let head = &definition[..toks[select].start];
                return Some((items, format!("{head}|{}", &definition[t.start..])));
            }
            _ => {}
        }
    }
    None
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
        assert!(d[0].note);
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
        b.tables.get_mut("users").unwrap().indexes.insert(
            "users_v_idx".into(),
            Index {
                columns: vec!["v".into()],
                unique: false,
                predicate: None,
            },
        );
        let text: Vec<String> = a.diff(&b).iter().map(|d| d.to_string()).collect();
        assert_eq!(
            text,
            [
                "index users_id_idx: missing (expected `(id) ON users`)",
                "index users_v_idx: left behind (`(v) ON users`)",
                "view v: left behind (`SELECT 1`)"
            ]
        );
    }

    #[test]
    fn a_renamed_key_is_a_difference_unless_names_are_ignored() {
        let mut a = snapshot(users(&[("id", "bigint", false)]));
        let key = "FOREIGN KEY (id) REFERENCES people(id)".to_owned();
        let table = a.tables.get_mut("users").unwrap();
        table.primary_key_name = Some("users_pkey".into());
        table
            .constraints
            .insert("users_id_fkey".into(), key.clone());
        let mut b = a.clone();
        let table = b.tables.get_mut("users").unwrap();
        table.primary_key_name = Some("users_old_pkey".into());
        table.constraints.clear();
        table.constraints.insert("users_id_fkey_old".into(), key);
        let d = a.diff(&b);
        let text: Vec<String> = d.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            text,
            [
                "name of the primary key of users: expected `users_pkey`, found `users_old_pkey`",
                "name of constraint users_id_fkey on users (FOREIGN KEY (id) REFERENCES people(id)): expected `users_id_fkey`, found `users_id_fkey_old`"
            ]
        );
        assert!(d.iter().all(|d| !d.note));
        let ignored = a.compare(&b, Comparison { ignore_names: true });
        assert_eq!(ignored.len(), 2);
        assert!(ignored.iter().all(|d| d.note), "{ignored:?}");
    }

    #[test]
    fn an_extension_of_another_version_is_a_note_and_one_left_behind_a_difference() {
        let mut a = Snapshot::default();
        let ext = |version: &str| Extension {
            schema: "public".into(),
            version: version.into(),
        };
        a.extensions.insert("pg_trgm".into(), ext("1.6"));
        let mut b = Snapshot::default();
        b.extensions.insert("pg_trgm".into(), ext("1.5"));
        let d = a.diff(&b);
        assert!(d.len() == 1 && d[0].note, "{d:?}");
        let d = Snapshot::default().diff(&b);
        assert_eq!(
            d[0].to_string(),
            "extension pg_trgm: left behind (`schema public version 1.5`)"
        );
        assert!(!d[0].note);
    }

    #[test]
    fn normalised_sql_folds_case_outside_literals_and_freezes_today() {
        assert_eq!(
            normalise_sql("DEFAULT  FALSE"),
            normalise_sql("default false")
        );
        assert_ne!(normalise_sql("'ABC'"), normalise_sql("'abc'"));
        assert_ne!(normalise_sql("\"Name\""), normalise_sql("\"name\""));
        let today = days_since_epoch_today();
        let (y, m, d) = civil(today);
        let frozen = format!(
            "SELECT '{y:04}-{m:02}-{d:02} 02:10:33.123456'::timestamp without time zone AS t"
        );
        let later =
            format!("SELECT '{y:04}-{m:02}-{d:02} 02:11:07.5'::timestamp without time zone AS t");
        assert_eq!(normalise_sql(&frozen), normalise_sql(&later));
        assert!(normalise_sql(&frozen).contains(FROZEN_NOW));
        // A date far from today is the user's own literal.
        assert_eq!(
            normalise_sql("SELECT '1999-01-01'::date"),
            "select '1999-01-01'::date"
        );
    }

    /// The inverse of `days_from_civil`, for the test only.
    fn civil(days: i64) -> (i64, i64, i64) {
        let mut y = 1970;
        while days_from_civil(y + 1, 1, 1) <= days {
            y += 1;
        }
        let mut m = 1;
        while m < 12 && days_from_civil(y, m + 1, 1) <= days {
            m += 1;
        }
        (y, m, days - days_from_civil(y, m, 1) + 1)
    }

    #[test]
    fn a_select_list_in_another_order_is_only_reordered() {
        let a = "select t.id, t.a, t.b from t where (t.a > 1)";
        let b = "select t.id, t.b, t.a from t where (t.a > 1)";
        assert!(select_list_reordered(a, b));
        assert!(!select_list_reordered(
            a,
            "select t.id, t.b from t where (t.a > 1)"
        ));
        assert!(!select_list_reordered(
            a,
            "select t.id, t.b, t.a from t where (t.a > 2)"
        ));
        let mut x = Snapshot::default();
        x.views.insert("v".into(), a.into());
        let mut y = Snapshot::default();
        y.views.insert("v".into(), b.into());
        let d = x.diff(&y);
        assert!(d.len() == 1 && d[0].note, "{d:?}");
    }
}
