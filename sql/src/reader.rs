//! The statement reader: what a statement changes in the schema or the data, as the
//! `Change`s the rules read.
//!
//! `sqlparser`'s tree is the source. Statements it has no tree for (syntax errors, its
//! known gaps) are read from their leading tokens instead, through the same
//! constructors and word lists, so that the rules see both alike. A statement the
//! reader does not understand changes nothing: reading never fails.

use std::fmt;

use sqlparser::ast::{self, AlterTableOperation as Op, SchemaName, TableFactor};

use crate::lexer::{
    Token, TokenKind, dollar_tag, name_end, split_commas, tokens, top_level, words_are,
};
use crate::parse::{Parsed, ParsedStatement, alter_table};

/// Kinds of named objects the rules track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Table,
    Index,
    View,
    Schema,
    Database,
    Type,
    Sequence,
    Trigger,
}

impl Kind {
    /// Each kind with its word in messages and in SQL.
    const WORDS: [(Kind, &'static str); 8] = [
        (Kind::Table, "table"),
        (Kind::Index, "index"),
        (Kind::View, "view"),
        (Kind::Schema, "schema"),
        (Kind::Database, "database"),
        (Kind::Type, "type"),
        (Kind::Sequence, "sequence"),
        (Kind::Trigger, "trigger"),
    ];

    pub(crate) fn word(self) -> &'static str {
        let (_, word) = Kind::WORDS
            .iter()
            .find(|(k, _)| *k == self)
            .expect("every kind");
        word
    }
}

/// An object's name: `parts` compare (unquoted parts in lower case, as the databases
/// fold them), `shown` is as written.
#[derive(Clone)]
pub(crate) struct Name {
    pub parts: Vec<String>,
    pub shown: String,
}

/// As written, `_` for no name: changes print the way they read.
impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_unnamed() { "_" } else { &self.shown })
    }
}

impl Name {
    /// Same object: equal names, or equal last parts where one name is unqualified
    /// (`users` and `public.users`).
    pub(crate) fn same(&self, other: &Name) -> bool {
        if self.parts.len() == other.parts.len() {
            return self.parts == other.parts;
        }
        (self.parts.len() == 1 || other.parts.len() == 1) && self.parts.last() == other.parts.last()
    }

    /// True when this name is qualified by `schema`.
    pub(crate) fn in_schema(&self, schema: &Name) -> bool {
        self.parts.len() > 1
            && schema
                .parts
                .last()
                .is_some_and(|s| self.parts[self.parts.len() - 2] == *s)
    }

    pub(crate) fn is_unnamed(&self) -> bool {
        self.parts.is_empty()
    }

    /// A name in `sqlparser`'s tree, read as it prints it.
    fn of(name: &impl fmt::Display) -> Name {
        Name::from_tokens(&tokens(&name.to_string()))
    }

    /// The name of tokens `name_end` delimits.
    fn from_tokens(toks: &[Token<'_>]) -> Name {
        let mut parts = Vec::new();
        let mut shown = String::new();
        for part in toks.split(|t| t.is_punct(".")).filter(|p| !p.is_empty()) {
            let text = match part {
                [t] if matches!(t.kind, TokenKind::QuotedIdent | TokenKind::String) => {
                    unquote(t.text)
                }
                [open, inner @ .., _] if open.is_punct("[") => spaced(inner),
                _ => spaced(part).to_lowercase(),
            };
            parts.push(text);
            let dot = if shown.is_empty() { "" } else { "." };
            shown = format!("{shown}{dot}{}", spaced(part));
        }
        Name { parts, shown }
    }
}

/// Tokens as written, with one space where they stood apart.
fn spaced(toks: &[Token<'_>]) -> String {
    let mut text = String::new();
    let mut end = None;
    for t in toks {
        if end.is_some_and(|end| end < t.start) {
            text.push(' ');
        }
        text.push_str(t.text);
        end = Some(t.start + t.text.len());
    }
    text
}

fn unquote(text: &str) -> String {
    let quote = &text[..1];
    let inner = text
        .strip_prefix(quote)
        .and_then(|t| t.strip_suffix(quote))
        .unwrap_or(&text[1..]);
    inner.replace(&format!("{quote}{quote}"), quote)
}

/// How a column is altered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnChange {
    Type,
    DropNotNull,
    DropDefault,
    SetNotNull,
}

impl ColumnChange {
    /// What `ALTER [COLUMN] c <words>` does to the column.
    fn from_words(words: &[Token<'_>]) -> Option<ColumnChange> {
        const WORDS: &[(&[&str], ColumnChange)] = &[
            (&["TYPE"], ColumnChange::Type),
            (&["SET", "DATA", "TYPE"], ColumnChange::Type),
            (&["DROP", "NOT", "NULL"], ColumnChange::DropNotNull),
            (&["DROP", "DEFAULT"], ColumnChange::DropDefault),
            (&["SET", "NOT", "NULL"], ColumnChange::SetNotNull),
        ];
        let found = WORDS.iter().find(|(w, _)| words_are(words, w));
        found.map(|(_, change)| *change)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Constraint {
    ForeignKey,
    Check,
}

/// One change a statement makes.
#[derive(Debug, Clone)]
pub(crate) enum Change {
    Create {
        kind: Kind,
        /// Unnamed for `CREATE INDEX ON t (...)`.
        name: Name,
        /// The table of an index or trigger, or that owns a sequence.
        on: Option<Name>,
        /// A table's columns, the plain columns an index covers, or the column that owns
        /// a sequence, when known.
        columns: Vec<Name>,
        concurrently: bool,
        /// False when `down` need not undo it (see [`Change::create`]).
        lasting: bool,
    },
    Drop {
        kind: Kind,
        name: Name,
        on: Option<Name>,
        concurrently: bool,
    },
    Truncate {
        table: Name,
    },
    DeleteAll {
        table: Name,
    },
    UpdateAll {
        table: Name,
        /// The columns it sets, as far as known.
        columns: Vec<Name>,
    },
    /// `INSERT INTO into ... SELECT ... FROM from`, or `CREATE TABLE into AS SELECT ...
    /// FROM from`: rows of `from` kept elsewhere.
    CopyRows {
        from: Name,
        into: Name,
    },
    /// `ALTER SEQUENCE sequence OWNED BY table.column`.
    OwnedBy {
        sequence: Name,
        table: Name,
        column: Name,
    },
    RenameTable {
        from: Name,
        to: Name,
    },
    AddColumn {
        table: Name,
        column: Name,
        /// The volatile function the default calls, if any.
        volatile_default: Option<String>,
    },
    DropColumn {
        table: Name,
        column: Name,
    },
    RenameColumn {
        table: Name,
        from: Name,
        to: Name,
    },
    AlterColumn {
        table: Name,
        column: Name,
        change: ColumnChange,
    },
    AddConstraint {
        table: Name,
        constraint: Constraint,
    },
    /// A statement PostgreSQL refuses inside a transaction block, known only from its
    /// tokens (`REINDEX ... CONCURRENTLY`, `DETACH PARTITION ... CONCURRENTLY`,
    /// `VACUUM`); `what` names it for messages.
    OutsideTransaction {
        what: &'static str,
    },
}

// Both readers create objects with these. What an `ALTER TABLE` action changes is read
// in one place for both, `alter_table_action`.
impl Change {
    /// `CREATE <kind> name`. A `passing` object (temporary, so gone with the session,
    /// or made with `OR REPLACE`, so perhaps there before) needs no undoing in `down`;
    /// nor does a database, which no `down` drops.
    fn create(kind: Kind, name: Name, columns: Vec<Name>, passing: bool) -> Self {
        Change::Create {
            kind,
            name,
            on: None,
            columns,
            concurrently: false,
            lasting: !passing && kind != Kind::Database,
        }
    }

    fn create_index(
        name: Option<Name>,
        on: Option<Name>,
        columns: Vec<Name>,
        concurrently: bool,
    ) -> Self {
        Change::Create {
            kind: Kind::Index,
            name: name.unwrap_or_else(|| Name::from_tokens(&[])),
            on,
            columns,
            concurrently,
            lasting: true,
        }
    }
}

/// Words that open a table element or an `ALTER TABLE` action about something other
/// than a column: `ADD CHECK (...)` adds no column named `check`.
const NOT_COLUMNS: &[&str] = &[
    "CONSTRAINT",
    "PRIMARY",
    "UNIQUE",
    "FOREIGN",
    "CHECK",
    "KEY",
    "INDEX",
    "EXCLUDE",
    "FULLTEXT",
    "SPATIAL",
    "LIKE",
    "PARTITION",
    "DEFAULT",
];

fn not_a_column(toks: &[Token<'_>]) -> bool {
    toks.first()
        .is_some_and(|t| NOT_COLUMNS.iter().any(|w| t.is_word(w)))
}

/// Functions whose result differs per row: as a column default, PostgreSQL must
/// rewrite the table to store one value per row. `now()` and `current_timestamp` are
/// STABLE, not VOLATILE, and are evaluated once (PostgreSQL 11 and later).
const VOLATILE_FUNCTIONS: &[&str] = &[
    "random",
    "random_normal",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "clock_timestamp",
    "timeofday",
    "nextval",
];

/// Serial types default to `nextval(...)`.
const SERIAL_TYPES: &[&str] = &[
    "serial",
    "bigserial",
    "smallserial",
    "serial2",
    "serial4",
    "serial8",
];

/// The volatile function a new column's definition (after its name) makes its default
/// call, if any: serial types call `nextval`.
fn volatile_default(definition: &[Token<'_>]) -> Option<String> {
    let data_type = definition.first()?.text.to_lowercase();
    if SERIAL_TYPES.contains(&data_type.as_str()) {
        return Some(format!("{data_type} (nextval)"));
    }
    let (default, _) = top_level(definition).find(|(_, t)| t.is_word("DEFAULT"))?;
    volatile_call(&definition[default + 1..])
}

/// The first call of a volatile function in an expression.
fn volatile_call(expr: &[Token<'_>]) -> Option<String> {
    expr.windows(2).find_map(|w| {
        let name = w[0].text.to_lowercase();
        (w[0].kind == TokenKind::Word
            && w[1].is_punct("(")
            && VOLATILE_FUNCTIONS.contains(&name.as_str()))
        .then(|| format!("{name}()"))
    })
}

/// The changes one parsed statement makes.
pub(crate) fn changes(statement: &ParsedStatement<'_>) -> Vec<Change> {
    let toks = &statement.tokens;
    if let Some(body) = do_block_body(toks) {
        let statements = body_statements(body);
        return statements.iter().flat_map(|s| from_tokens(s)).collect();
    }
    // Read from tokens whatever the tree: VACUUM (sqlparser's SQLite tree says nothing
    // of it) and triggers (its tree differs by dialect).
    let mut changes = if words_are(toks, &["VACUUM"]) || trigger_statement(toks) {
        from_tokens(toks)
    } else {
        match &statement.parsed {
            Parsed::Tree(tree) => tree.iter().flat_map(|s| from_tree(s, toks)).collect(),
            Parsed::Unsupported | Parsed::Unverified(_) | Parsed::Error(_) => from_tokens(toks),
        }
    };
    changes.extend(copied_rows(toks));
    changes.extend(select_into_table(toks));
    changes
}

/// PostgreSQL's `SELECT ... INTO TEMP|TEMPORARY|UNLOGGED|TABLE name FROM ...` creates a
/// table (MySQL's `SELECT ... INTO @var` does not, nor a plain `INTO name`, which in a
/// routine is a variable).
fn select_into_table(toks: &[Token<'_>]) -> Option<Change> {
    if !words_are(toks, &["SELECT"]) {
        return None;
    }
    let (into, _) = top_level(toks).find(|(_, t)| t.is_word("INTO"))?;
    let mut c = Cursor::new(&toks[into + 1..]);
    let temporary = c.eat(&["TEMP"]) || c.eat(&["TEMPORARY"]);
    let marked = c.eat(&["UNLOGGED"]) | c.eat(&["TABLE"]);
    if !(temporary || marked) {
        return None;
    }
    let name = c.name()?;
    Some(Change::create(Kind::Table, name, Vec::new(), temporary))
}

/// `CREATE [OR REPLACE] [CONSTRAINT] TRIGGER` or `DROP TRIGGER`.
fn trigger_statement(toks: &[Token<'_>]) -> bool {
    let mut c = Cursor::new(toks);
    if c.eat(&["DROP"]) {
        return c.eat(&["TRIGGER"]);
    }
    c.eat(&["CREATE"]) && {
        c.eat(&["OR", "REPLACE"]);
        c.eat(&["CONSTRAINT"]);
        c.eat(&["TRIGGER"])
    }
}

// ---------------------------------------------------------------------------------
// Read from tokens by both readers.

/// The body of a PostgreSQL `DO [LANGUAGE x] $$ ... $$` block, without its quotes.
fn do_block_body<'a>(toks: &[Token<'a>]) -> Option<&'a str> {
    if !words_are(toks, &["DO"]) {
        return None;
    }
    let body = toks.iter().find(|t| t.kind == TokenKind::String)?.text;
    let quote = match body.starts_with('$') {
        true => &body[..dollar_tag(body.as_bytes(), 0)?],
        false => body.get(..1)?,
    };
    body.strip_prefix(quote)?.strip_suffix(quote)
}

/// The SQL statements of a PL/pgSQL body, without the control flow around them: the
/// words from an `ALTER`, `CREATE`, `DROP`, `INSERT`, `UPDATE`, `DELETE` or `TRUNCATE`
/// that opens a statement (after `BEGIN`, `THEN`, `ELSE`, `LOOP` or a `;`) to its `;`.
/// Dynamic SQL (`EXECUTE '...'`) is a string, not read.
fn body_statements(body: &str) -> Vec<Vec<Token<'_>>> {
    const OPENS: &[&str] = &["BEGIN", "THEN", "ELSE", "LOOP", "DECLARE"];
    const STATEMENTS: &[&str] = &[
        "ALTER", "CREATE", "DROP", "INSERT", "UPDATE", "DELETE", "TRUNCATE",
    ];
    let toks = tokens(body);
    toks.split(|t| t.kind == TokenKind::Semicolon)
        .filter_map(|piece| {
            let start = piece.iter().enumerate().position(|(i, t)| {
                STATEMENTS.iter().any(|w| t.is_word(w))
                    && (i == 0 || OPENS.iter().any(|w| piece[i - 1].is_word(w)))
            })?;
            Some(piece[start..].to_vec())
        })
        .collect()
}

/// All rows of one table copied into another: `INSERT [OR ...] INTO into [(...)] SELECT
/// ... FROM from` or `CREATE [TEMP] TABLE into AS SELECT ... FROM from`, the `FROM` at the
/// top level, without a filter.
fn copied_rows(toks: &[Token<'_>]) -> Option<Change> {
    let mut c = Cursor::new(toks);
    let into = if c.eat(&["INSERT"]) || c.eat(&["REPLACE"]) {
        if c.eat(&["OR"]) {
            c.i += 1;
        }
        c.eat(&["IGNORE"]);
        c.eat(&["INTO"]);
        c.name()?
    } else if c.eat(&["CREATE"]) {
        let _ = c.eat(&["TEMP"]) || c.eat(&["TEMPORARY"]) || c.eat(&["UNLOGGED"]);
        if !c.eat(&["TABLE"]) {
            return None;
        }
        c.eat(&["IF", "NOT", "EXISTS"]);
        let into = c.name()?;
        top_level_word(c.rest(), "AS").then_some(into)?
    } else {
        return None;
    };
    // Every row, from one table: no filter, grouping, join or `WITH NO DATA`.
    const SOME_ROWS: &[&str] = &[
        "WHERE",
        "LIMIT",
        "GROUP",
        "HAVING",
        "DISTINCT",
        "JOIN",
        "UNION",
        "EXCEPT",
        "INTERSECT",
        "OFFSET",
        "FETCH",
    ];
    let rest = c.rest();
    let top: Vec<(usize, &Token<'_>)> = top_level(rest).collect();
    let some_rows = (top.iter()).any(|(_, t)| SOME_ROWS.iter().any(|w| t.is_word(w)))
        || rest
            .windows(3)
            .any(|w| words_are(w, &["WITH", "NO", "DATA"]));
    let (from, _) = top.iter().find(|(_, t)| t.is_word("FROM"))?;
    let end = name_end(rest, from + 1)?;
    let one_table = rest.get(end).is_none_or(|t| !t.is_punct(","));
    if some_rows || !one_table {
        return None;
    }
    let from = Name::from_tokens(&rest[from + 1..end]);
    Some(Change::CopyRows { from, into })
}

/// The plain columns of an index's `(...)` list after `ON table [USING method]`:
/// expressions name no column.
fn index_columns(after_table: &[Token<'_>]) -> Vec<Name> {
    let mut c = Cursor::new(after_table);
    if c.eat(&["USING"]) {
        c.i += 1;
    }
    let rest = c.rest();
    if rest.first().is_none_or(|t| !t.is_punct("(")) {
        return Vec::new();
    }
    let inner = parenthesized(rest);
    // `c`, `c DESC`, and MySQL's prefix `c(10)`; not `lower(c)`.
    let plain = |e: &[Token<'_>]| match e {
        [t, open, n, close, ..]
            if t.is_name_part()
                && open.is_punct("(")
                && n.kind == TokenKind::Number
                && close.is_punct(")") =>
        {
            Some(Name::from_tokens(&e[..1]))
        }
        [t, ..] if t.is_name_part() && e.get(1).is_none_or(|n| !n.is_punct("(")) => {
            Some(Name::from_tokens(&e[..1]))
        }
        _ => None,
    };
    split_commas(inner).into_iter().filter_map(plain).collect()
}

/// The tokens inside the parentheses that open `toks`.
fn parenthesized<'t, 'a>(toks: &'t [Token<'a>]) -> &'t [Token<'a>] {
    let mut depth = 0usize;
    let end = toks.iter().position(|t| {
        if t.is_punct("(") {
            depth += 1;
        } else if t.is_punct(")") {
            depth -= 1;
        }
        depth == 0
    });
    &toks[1.min(toks.len())..end.unwrap_or(toks.len())]
}

/// The columns an `UPDATE ... SET a = ..., (b, c) = ...` sets (last name parts). `a =
/// a` changes nothing (MySQL migrations write it to keep `ON UPDATE` columns as they are).
fn set_columns(toks: &[Token<'_>]) -> Vec<Name> {
    const ENDS: &[&str] = &["WHERE", "FROM", "RETURNING", "ORDER", "LIMIT"];
    let Some((set, _)) = top_level(toks).find(|(_, t)| t.is_word("SET")) else {
        return Vec::new();
    };
    let rest = &toks[set + 1..];
    let end = top_level(rest)
        .find(|(_, t)| ENDS.iter().any(|w| t.is_word(w)))
        .map_or(rest.len(), |(i, _)| i);
    let mut columns = Vec::new();
    for assignment in split_commas(&rest[..end]) {
        // A word or a backquoted name on both sides: `"x"` is a string in MySQL.
        let column = |t: &Token<'_>| {
            t.kind == TokenKind::Word || t.kind == TokenKind::QuotedIdent && t.text.starts_with('`')
        };
        let unchanged = match assignment {
            [a, eq, b] => {
                eq.is_punct("=")
                    && column(a)
                    && column(b)
                    && Name::from_tokens(&[*a]).parts == Name::from_tokens(&[*b]).parts
            }
            _ => false,
        };
        if unchanged {
            continue;
        }
        let target = match assignment.first() {
            Some(t) if t.is_punct("(") => split_commas(parenthesized(assignment)),
            _ => vec![assignment],
        };
        for t in target {
            let Some(end) = name_end(t, 0) else { continue };
            let last = t[..end]
                .rsplit(|t| t.is_punct("."))
                .next()
                .unwrap_or_default();
            columns.push(Name::from_tokens(last));
        }
    }
    columns
}

/// `OWNED BY table.column` in a sequence's options.
fn owned_by(toks: &[Token<'_>]) -> Option<(Name, Name)> {
    let at = toks
        .windows(2)
        .position(|w| words_are(w, &["OWNED", "BY"]))?;
    let owner = &toks[at + 2..name_end(toks, at + 2)?];
    let dot = owner.iter().rposition(|t| t.is_punct("."))?;
    Some((
        Name::from_tokens(&owner[..dot]),
        Name::from_tokens(&owner[dot + 1..]),
    ))
}

// ---------------------------------------------------------------------------------
// From `sqlparser`'s tree.

fn from_tree(statement: &ast::Statement, toks: &[Token<'_>]) -> Vec<Change> {
    use ast::Statement as S;
    let create = |kind, name, passing| vec![Change::create(kind, name, Vec::new(), passing)];
    match statement {
        S::CreateTable(t) => {
            let columns = t.columns.iter().map(|c| Name::of(&c.name)).collect();
            let passing = t.temporary || t.or_replace;
            vec![Change::create(
                Kind::Table,
                Name::of(&t.name),
                columns,
                passing,
            )]
        }
        S::CreateIndex(i) => {
            let on = Some(Name::of(&i.table_name));
            let columns = match toks.iter().position(|t| t.is_word("ON")) {
                Some(at) => {
                    let table = at + 1 + usize::from(words_are(&toks[at + 1..], &["ONLY"]));
                    name_end(toks, table).map_or(Vec::new(), |e| index_columns(&toks[e..]))
                }
                None => Vec::new(),
            };
            vec![Change::create_index(
                i.name.as_ref().map(Name::of),
                on,
                columns,
                i.concurrently,
            )]
        }
        S::CreateView(v) => {
            let passing = v.temporary || v.or_replace || v.or_alter;
            create(Kind::View, Name::of(&v.name), passing)
        }
        S::CreateSchema {
            schema_name,
            if_not_exists,
            ..
        } => {
            let schema = match schema_name {
                SchemaName::Simple(n) | SchemaName::NamedAuthorization(n, _) => Name::of(n),
                SchemaName::UnnamedAuthorization(user) => Name::of(user),
            };
            let passing = shared_schema(&schema, *if_not_exists);
            create(Kind::Schema, schema, passing)
        }
        S::CreateDatabase { db_name, .. } => create(Kind::Database, Name::of(db_name), false),
        S::CreateType { name, .. } => create(Kind::Type, Name::of(name), false),
        S::CreateSequence {
            name, temporary, ..
        } => vec![create_sequence(Name::of(name), *temporary, toks)],
        S::Drop {
            object_type,
            names,
            table,
            ..
        } => {
            let object_type = object_type.to_string();
            let words = tokens(&object_type);
            let Some(kind) = Cursor::new(&words).kind() else {
                return Vec::new();
            };
            // sqlparser reads DROP INDEX CONCURRENTLY only with the word blanked out.
            let concurrently = words_are(toks, &["DROP", "INDEX", "CONCURRENTLY"]);
            let drop = |name| Change::Drop {
                kind,
                name: Name::of(name),
                on: table.as_ref().map(Name::of),
                concurrently,
            };
            names.iter().map(drop).collect()
        }
        S::Truncate(t) => {
            let truncate = |t: &ast::TruncateTableTarget| Change::Truncate {
                table: Name::of(&t.name),
            };
            t.table_names.iter().map(truncate).collect()
        }
        S::Delete(d) => {
            let (ast::FromTable::WithFromKeyword(from) | ast::FromTable::WithoutKeyword(from)) =
                &d.from;
            let joined = from.iter().any(|t| !t.joins.is_empty());
            let table = d.tables.first().map(Name::of);
            let table = table.or_else(|| from.first().and_then(|t| table_name(&t.relation)));
            let everything = d.selection.is_none() && !joined;
            let table = table.filter(|_| everything);
            Vec::from_iter(table.map(|table| Change::DeleteAll { table }))
        }
        S::Update(u) => {
            let everything = u.selection.is_none() && u.table.joins.is_empty();
            let table = table_name(&u.table.relation).filter(|_| everything);
            let update = |table| Change::UpdateAll {
                table,
                columns: set_columns(toks),
            };
            Vec::from_iter(table.map(update))
        }
        S::RenameTable(renames) => {
            let rename = |r: &ast::RenameTable| Change::RenameTable {
                from: Name::of(&r.old_name),
                to: Name::of(&r.new_name),
            };
            renames.iter().map(rename).collect()
        }
        S::AlterTable(a) => {
            let table = Name::of(&a.name);
            let words = a.operations.iter().flat_map(operation_words);
            let changes = words.map(|w| alter_table_action(&table, &tokens(&w)));
            changes.flatten().collect()
        }
        _ => Vec::new(),
    }
}

fn table_name(factor: &TableFactor) -> Option<Name> {
    match factor {
        TableFactor::Table { name, .. } => Some(Name::of(name)),
        _ => None,
    }
}

/// The operations of an `ALTER TABLE` the rules read, as `sqlparser` prints them, for
/// `alter_table_action`. ADD and DROP spell COLUMN out, so that a column named like a
/// keyword (`key`) still reads as a column.
fn operation_words(op: &Op) -> Vec<String> {
    match op {
        Op::AddColumn { column_def, .. } => vec![format!("ADD COLUMN {column_def}")],
        Op::DropColumn { column_names, .. } => {
            let drop = |c| format!("DROP COLUMN {c}");
            column_names.iter().map(drop).collect()
        }
        Op::AddConstraint { .. }
        | Op::AlterColumn { .. }
        | Op::ChangeColumn { .. }
        | Op::ModifyColumn { .. }
        | Op::DropIndex { .. }
        | Op::RenameColumn { .. }
        | Op::RenameTable { .. } => vec![op.to_string()],
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------
// From tokens: statements without a tree. Reads the leading words only; anything it
// does not recognise changes nothing.

struct Cursor<'t, 'a> {
    toks: &'t [Token<'a>],
    i: usize,
}

impl<'t, 'a> Cursor<'t, 'a> {
    fn new(toks: &'t [Token<'a>]) -> Self {
        Cursor { toks, i: 0 }
    }

    fn rest(&self) -> &'t [Token<'a>] {
        &self.toks[self.i.min(self.toks.len())..]
    }

    /// Consumes the words if they come next.
    fn eat(&mut self, words: &[&str]) -> bool {
        let hit = words_are(self.rest(), words);
        if hit {
            self.i += words.len();
        }
        hit
    }

    /// Consumes a comma if it comes next.
    fn comma(&mut self) -> bool {
        let hit = self.rest().first().is_some_and(|t| t.is_punct(","));
        self.i += usize::from(hit);
        hit
    }

    fn name(&mut self) -> Option<Name> {
        let end = name_end(self.toks, self.i)?;
        let name = Name::from_tokens(&self.toks[self.i..end]);
        self.i = end;
        Some(name)
    }

    /// Comma-separated names.
    fn names(&mut self) -> Vec<Name> {
        let mut out = Vec::new();
        while let Some(name) = self.name() {
            out.push(name);
            if !self.comma() {
                break;
            }
        }
        out
    }

    /// The column an `ALTER TABLE` action names next: `[COLUMN] [IF [NOT] EXISTS] name`,
    /// unless the action is about something else (a constraint, an index...).
    fn column(&mut self) -> Option<Name> {
        if not_a_column(self.rest()) {
            return None;
        }
        self.eat(&["COLUMN"]);
        let _ = self.eat(&["IF", "EXISTS"]) || self.eat(&["IF", "NOT", "EXISTS"]);
        self.name()
    }

    /// The kind of object a CREATE or DROP names next: `TABLE`, `[MATERIALIZED] VIEW`...
    fn kind(&mut self) -> Option<Kind> {
        self.eat(&["MATERIALIZED"]);
        let (kind, _) = Kind::WORDS.into_iter().find(|(_, w)| self.eat(&[w]))?;
        Some(kind)
    }
}

fn has_word(toks: &[Token<'_>], word: &str) -> bool {
    toks.iter().any(|t| t.is_word(word))
}

/// True when `word` occurs outside parentheses.
fn top_level_word(toks: &[Token<'_>], word: &str) -> bool {
    top_level(toks).any(|(_, t)| t.is_word(word))
}

fn from_tokens(toks: &[Token<'_>]) -> Vec<Change> {
    let mut c = Cursor::new(toks);
    // A DELETE or UPDATE with a WHERE, or a JOIN (whose ON filters), keeps some rows.
    let filtered = top_level_word(toks, "WHERE") || top_level_word(toks, "JOIN");
    let mut out = Vec::new();
    if c.eat(&["DROP"]) {
        c.eat(&["TEMPORARY"]);
        let Some(kind) = c.kind() else { return out };
        let concurrently = c.eat(&["CONCURRENTLY"]);
        c.eat(&["IF", "EXISTS"]);
        let names = c.names();
        let on = if c.eat(&["ON"]) { c.name() } else { None };
        for name in names {
            let on = on.clone();
            out.push(Change::Drop {
                kind,
                name,
                on,
                concurrently,
            });
        }
    } else if c.eat(&["TRUNCATE"]) {
        c.eat(&["TABLE"]);
        c.eat(&["ONLY"]);
        let truncate = |table| Change::Truncate { table };
        out.extend(c.names().into_iter().map(truncate));
    } else if c.eat(&["DELETE", "FROM"]) {
        let delete = |table| Change::DeleteAll { table };
        out.extend(c.name().filter(|_| !filtered).map(delete));
    } else if c.eat(&["UPDATE"]) {
        c.eat(&["ONLY"]);
        let update = |table| Change::UpdateAll {
            table,
            columns: set_columns(toks),
        };
        out.extend(c.name().filter(|_| !filtered).map(update));
    } else if c.eat(&["RENAME", "TABLE"]) {
        while let Some(from) = c.name() {
            let Some(to) = c.eat(&["TO"]).then(|| c.name()).flatten() else {
                break;
            };
            out.push(Change::RenameTable { from, to });
            if !c.comma() {
                break;
            }
        }
    } else if let Some((table, actions)) = alter_table(toks) {
        let table = Name::from_tokens(table);
        let changes = actions.into_iter().map(|a| alter_table_action(&table, a));
        out.extend(changes.flatten());
    } else if c.eat(&["CREATE"]) {
        out.extend(create(&mut c));
    } else if c.eat(&["REINDEX"]) && has_word(toks, "CONCURRENTLY") {
        out.push(Change::OutsideTransaction {
            what: "REINDEX CONCURRENTLY",
        });
    } else if c.eat(&["VACUUM"]) {
        out.push(Change::OutsideTransaction { what: "VACUUM" });
    } else if c.eat(&["ALTER", "SEQUENCE"]) {
        c.eat(&["IF", "EXISTS"]);
        let sequence = c.name();
        let owner = owned_by(c.rest());
        if let (Some(sequence), Some((table, column))) = (sequence, owner) {
            out.push(Change::OwnedBy {
                sequence,
                table,
                column,
            });
        }
    }
    out
}

/// A schema `CREATE SCHEMA` may find already there, which `down` need not drop: one made
/// `IF NOT EXISTS` (a namespace several migrations share), or `public`.
fn shared_schema(schema: &Name, if_not_exists: bool) -> bool {
    if_not_exists || schema.parts == ["public"]
}

/// `CREATE SEQUENCE name ...`, owned by a column when its options say so.
fn create_sequence(name: Name, temporary: bool, options: &[Token<'_>]) -> Change {
    let (on, columns) = match owned_by(options) {
        Some((table, column)) => (Some(table), vec![column]),
        None => (None, Vec::new()),
    };
    Change::Create {
        kind: Kind::Sequence,
        name,
        on,
        columns,
        concurrently: false,
        lasting: !temporary,
    }
}

fn create(c: &mut Cursor<'_, '_>) -> Option<Change> {
    let replaces = c.eat(&["OR", "REPLACE"]);
    let temporary = c.eat(&["TEMP"]) || c.eat(&["TEMPORARY"]);
    c.eat(&["CONSTRAINT"]);
    c.eat(&["UNLOGGED"]);
    c.eat(&["UNIQUE"]);
    let kind = c.kind()?;
    let concurrently = c.eat(&["CONCURRENTLY"]);
    let if_not_exists = c.eat(&["IF", "NOT", "EXISTS"]);
    if kind == Kind::Index {
        let name = if words_are(c.rest(), &["ON"]) {
            None
        } else {
            Some(c.name()?)
        };
        if !c.eat(&["ON"]) {
            return None;
        }
        c.eat(&["ONLY"]);
        let on = c.name();
        let columns = index_columns(c.rest());
        return Some(Change::create_index(name, on, columns, concurrently));
    }
    let name = c.name()?;
    if kind == Kind::Schema {
        let passing = shared_schema(&name, if_not_exists);
        return Some(Change::create(kind, name, Vec::new(), passing));
    }
    if kind == Kind::Sequence {
        return Some(create_sequence(name, temporary, c.rest()));
    }
    if kind == Kind::Trigger {
        // `ON table` follows the timing and events.
        let at = c.rest().iter().position(|t| t.is_word("ON"))?;
        let on = name_end(c.rest(), at + 1).map(|e| Name::from_tokens(&c.rest()[at + 1..e]));
        return Some(Change::Create {
            kind,
            name,
            on,
            columns: Vec::new(),
            concurrently: false,
            lasting: !(temporary || replaces),
        });
    }
    let columns = match kind {
        Kind::Table => table_columns(c.rest()),
        _ => Vec::new(),
    };
    Some(Change::create(kind, name, columns, temporary || replaces))
}

/// Column names of `( col type ..., CONSTRAINT ..., ...)`: the name each element that
/// is not a table constraint starts with.
fn table_columns(toks: &[Token<'_>]) -> Vec<Name> {
    if toks.first().is_none_or(|t| !t.is_punct("(")) {
        return Vec::new();
    }
    let elements = split_commas(parenthesized(toks));
    let columns = elements.into_iter().filter(|e| !not_a_column(e));
    let column = |e: &[Token<'_>]| name_end(e, 0).map(|end| Name::from_tokens(&e[..end]));
    columns.filter_map(column).collect()
}

/// What one `ALTER TABLE` action changes, read from its words: the tokens of a
/// statement without a tree, or how `sqlparser` prints an operation of its tree.
fn alter_table_action(table: &Name, action: &[Token<'_>]) -> Option<Change> {
    let mut c = Cursor::new(action);
    let table = table.clone();
    if c.eat(&["DROP"]) {
        if c.eat(&["INDEX"]) || c.eat(&["KEY"]) {
            return Some(Change::Drop {
                kind: Kind::Index,
                name: c.name()?,
                on: Some(table),
                concurrently: false,
            });
        }
        let column = c.column()?;
        Some(Change::DropColumn { table, column })
    } else if c.eat(&["RENAME"]) {
        if c.eat(&["TO"]) || c.eat(&["AS"]) {
            let to = c.name()?;
            return Some(Change::RenameTable { from: table, to });
        }
        let from = c.column()?;
        let to = c.eat(&["TO"]).then(|| c.name()).flatten()?;
        Some(Change::RenameColumn { table, from, to })
    } else if c.eat(&["ALTER"]) {
        let column = c.column()?;
        let change = ColumnChange::from_words(c.rest())?;
        Some(Change::AlterColumn {
            table,
            column,
            change,
        })
    } else if c.eat(&["MODIFY"]) || c.eat(&["CHANGE"]) {
        // MySQL's MODIFY and CHANGE give the column's whole definition; CHANGE names the
        // column twice, and renames it unless both names are the same.
        let column = c.column()?;
        let to = match action[0].is_word("CHANGE") {
            true => c.name()?,
            false => column.clone(),
        };
        if to.parts != column.parts {
            let from = column;
            return Some(Change::RenameColumn { table, from, to });
        }
        let change = ColumnChange::Type;
        Some(Change::AlterColumn {
            table,
            column,
            change,
        })
    } else if c.eat(&["ADD"]) {
        let constraint = if top_level_word(action, "FOREIGN") {
            Some(Constraint::ForeignKey)
        } else if top_level_word(action, "CHECK") {
            Some(Constraint::Check)
        } else {
            None
        };
        let names_constraint = ["CONSTRAINT", "FOREIGN", "CHECK"]
            .iter()
            .any(|w| words_are(c.rest(), &[w]));
        if let Some(constraint) = constraint.filter(|_| names_constraint) {
            return Some(Change::AddConstraint { table, constraint });
        }
        let column = c.column()?;
        let volatile_default = volatile_default(c.rest());
        Some(Change::AddColumn {
            table,
            column,
            volatile_default,
        })
    } else if c.eat(&["DETACH", "PARTITION"]) && has_word(action, "CONCURRENTLY") {
        Some(Change::OutsideTransaction {
            what: "DETACH PARTITION CONCURRENTLY",
        })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_script;

    /// A change as `Debug` prints it, without the fields that hold their usual value.
    fn describe(change: &Change) -> String {
        let mut text = format!("{change:?}");
        for usual in [
            ", on: None",
            ", columns: []",
            ", concurrently: false",
            ", lasting: true",
            ", volatile_default: None",
        ] {
            text = text.replace(usual, "");
        }
        text
    }

    /// The changes of each case of a table (see [`crate::cases`]), and whether they come
    /// from the tree.
    fn read(table: &str) -> Vec<(&str, Vec<String>, Vec<&str>, bool)> {
        let mut out = Vec::new();
        for (dialect, sql, expected) in crate::cases(table) {
            let statements = parse_script(sql, dialect);
            assert_eq!(statements.len(), 1, "{sql}");
            let from_tree = matches!(statements[0].parsed, Parsed::Tree(_));
            let changes = changes(&statements[0]).iter().map(describe).collect();
            out.push((sql, changes, expected, from_tree));
        }
        out
    }

    /// Each statement is read from the tree, then from tokens once junk at its end
    /// stops `sqlparser`: both readers give the same changes.
    #[test]
    fn both_readers_read_alike() {
        let table = r#"
            CREATE TABLE s.t (id INT PRIMARY KEY, "Name" TEXT, CONSTRAINT c UNIQUE (id)) => Create { kind: Table, name: s.t, columns: [id, "Name"] }
            CREATE TEMPORARY TABLE t (x INT) => Create { kind: Table, name: t, columns: [x], lasting: false }
            CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (x) => Create { kind: Index, name: i, on: Some(t), columns: [x], concurrently: true }
            CREATE INDEX ON t USING btree (x, lower(y), z DESC) => Create { kind: Index, name: _, on: Some(t), columns: [x, z] }
            CREATE OR REPLACE VIEW v AS SELECT 1 => Create { kind: View, name: v, lasting: false }
            CREATE TEMP VIEW v AS SELECT 1 => Create { kind: View, name: v, lasting: false }
            CREATE MATERIALIZED VIEW v AS SELECT 1 => Create { kind: View, name: v }
            CREATE SCHEMA app => Create { kind: Schema, name: app }
            CREATE DATABASE d => Create { kind: Database, name: d, lasting: false }
            CREATE TYPE mood AS ENUM ('a') => Create { kind: Type, name: mood }
            CREATE SEQUENCE s => Create { kind: Sequence, name: s }
            DROP TABLE IF EXISTS a, s.b CASCADE => Drop { kind: Table, name: a }; Drop { kind: Table, name: s.b }
            mysql: DROP INDEX i ON t => Drop { kind: Index, name: i, on: Some(t) }
            DROP MATERIALIZED VIEW v => Drop { kind: View, name: v }
            DROP SCHEMA app => Drop { kind: Schema, name: app }
            DROP TYPE mood => Drop { kind: Type, name: mood }
            DROP SEQUENCE s => Drop { kind: Sequence, name: s }
            TRUNCATE TABLE a, b => Truncate { table: a }; Truncate { table: b }
            DELETE FROM a => DeleteAll { table: a }
            DELETE FROM a WHERE x = 1 =>
            mysql: DELETE t FROM t JOIN u ON t.id = u.id =>
            UPDATE a SET x = 1 => UpdateAll { table: a, columns: [x] }
            UPDATE s.a SET a.x = 1, (y, "Z") = (2, 3) => UpdateAll { table: s.a, columns: [x, y, "Z"] }
            UPDATE a SET x = 1 WHERE y = 2 =>
            mysql: UPDATE a JOIN b ON a.id = b.id SET a.x = 1 =>
            mysql: RENAME TABLE a TO b, c TO d => RenameTable { from: a, to: b }; RenameTable { from: c, to: d }
            ALTER TABLE a RENAME TO b => RenameTable { from: a, to: b }
            ALTER TABLE a ADD COLUMN x uuid DEFAULT gen_random_uuid() => AddColumn { table: a, column: x, volatile_default: Some("gen_random_uuid()") }
            ALTER TABLE a ADD COLUMN n bigserial => AddColumn { table: a, column: n, volatile_default: Some("bigserial (nextval)") }
            ALTER TABLE a ADD COLUMN x INT NOT NULL DEFAULT 0 => AddColumn { table: a, column: x }
            ALTER TABLE a DROP COLUMN IF EXISTS x => DropColumn { table: a, column: x }
            ALTER TABLE a DROP COLUMN x, DROP COLUMN y => DropColumn { table: a, column: x }; DropColumn { table: a, column: y }
            ALTER TABLE a DROP CONSTRAINT c =>
            ALTER TABLE a RENAME COLUMN x TO y => RenameColumn { table: a, from: x, to: y }
            ALTER TABLE a ALTER COLUMN x TYPE bigint => AlterColumn { table: a, column: x, change: Type }
            ALTER TABLE a ALTER COLUMN x SET DATA TYPE bigint => AlterColumn { table: a, column: x, change: Type }
            ALTER TABLE a ALTER x DROP NOT NULL => AlterColumn { table: a, column: x, change: DropNotNull }
            ALTER TABLE a ALTER COLUMN x DROP DEFAULT => AlterColumn { table: a, column: x, change: DropDefault }
            ALTER TABLE a ALTER COLUMN x SET NOT NULL => AlterColumn { table: a, column: x, change: SetNotNull }
            ALTER TABLE a ALTER COLUMN x SET DEFAULT 0 =>
            mysql: ALTER TABLE a MODIFY x VARCHAR(10) => AlterColumn { table: a, column: x, change: Type }
            mysql: ALTER TABLE a CHANGE x x INT => AlterColumn { table: a, column: x, change: Type }
            mysql: ALTER TABLE a CHANGE COLUMN x y INT => RenameColumn { table: a, from: x, to: y }
            mysql: ALTER TABLE a DROP INDEX i => Drop { kind: Index, name: i, on: Some(a) }
            ALTER TABLE a ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES b (id) NOT VALID => AddConstraint { table: a, constraint: ForeignKey }
            ALTER TABLE a ADD CONSTRAINT c CHECK (x > 0) => AddConstraint { table: a, constraint: Check }
            ALTER TABLE a ADD PRIMARY KEY (x) =>
            sqlite: ALTER TABLE [t] DROP COLUMN [my col] => DropColumn { table: [t], column: [my col] }
            sqlite: CREATE TABLE 'Users' ("Id" INTEGER, [e mail] TEXT) => Create { kind: Table, name: 'Users', columns: ["Id", [e mail]] }
        "#;
        for (sql, read, expected, from_tree) in read(table) {
            assert_eq!(read, expected, "{sql}");
            assert!(from_tree, "{sql} is not read from the tree");
        }
        let broken: Vec<String> = table
            .lines()
            .map(|l| l.replace(" =>", " FROB ( =>"))
            .collect();
        for (sql, read, expected, from_tree) in read(&broken.join("\n")) {
            assert_eq!(read, expected, "{sql}");
            assert!(!from_tree, "{sql} parses");
        }
    }

    /// Statements `sqlparser` has no tree for, or reads only in part.
    #[test]
    fn what_one_reader_tells() {
        let from_tokens = r#"
            REINDEX INDEX CONCURRENTLY i => OutsideTransaction { what: "REINDEX CONCURRENTLY" }
            REINDEX INDEX i =>
            VACUUM (ANALYZE) t => OutsideTransaction { what: "VACUUM" }
            ALTER TABLE m DETACH PARTITION m1 CONCURRENTLY => OutsideTransaction { what: "DETACH PARTITION CONCURRENTLY" }
            mysql: ALTER TABLE a ADD COLUMN x INT, ENGINE = InnoDB => AddColumn { table: a, column: x }
            ALTER TABLE a DROP x, ADD y serial8, SET SCHEMA s => DropColumn { table: a, column: x }; AddColumn { table: a, column: y, volatile_default: Some("serial8 (nextval)") }
            ALTER TABLE a ADD CHECK (x > 0), ADD UNIQUE (x), SET SCHEMA s => AddConstraint { table: a, constraint: Check }
            mysql: ALTER TABLE a RENAME INDEX i TO j, ALTER INDEX k INVISIBLE, ADD FULLTEXT f (body), ENGINE = InnoDB =>
            ALTER TABLE a ALTER COLUMN x SET STATISTICS 100 =>
            CREATE TABLE t (LIKE u) FROB => Create { kind: Table, name: t }
            SELEC 1 =>
        "#;
        for (sql, read, expected, from_tree) in read(from_tokens) {
            assert_eq!(read, expected, "{sql}");
            assert!(!from_tree, "{sql} parses");
        }
        // What only the tree tells: DROP INDEX CONCURRENTLY (parsed with the word blanked
        // out), and columns named like keywords.
        let from_tree = "
            DROP INDEX CONCURRENTLY IF EXISTS i => Drop { kind: Index, name: i, concurrently: true }
            ALTER TABLE a ADD key INT => AddColumn { table: a, column: key }
            ALTER TABLE a DROP exclude => DropColumn { table: a, column: exclude }
        ";
        for (sql, read, expected, from_tree) in read(from_tree) {
            assert_eq!(read, expected, "{sql}");
            assert!(from_tree, "{sql} is not read from the tree");
        }
    }

    #[test]
    fn names_fold_unquoted_parts_only() {
        let name = |sql: &str| Name::of(&sql);
        assert!(name("Users").same(&name("users")));
        assert!(name("public.users").same(&name("USERS")));
        assert!(!name("a.users").same(&name("b.users")));
        assert!(!name("\"Users\"").same(&name("users")));
        assert!(name("`order`").same(&name("ORDER")));
        assert_eq!(name("\"a\"\"b\"").parts, ["a\"b"]);
        assert!(name("app.t").in_schema(&name("APP")));
    }

    #[test]
    fn volatile_calls_in_defaults() {
        assert_eq!(
            volatile_call(&tokens("(gen_random_uuid())")),
            Some("gen_random_uuid()".into())
        );
        assert_eq!(volatile_call(&tokens("'random()'")), None);
        assert_eq!(volatile_call(&tokens("now()")), None);
        assert_eq!(volatile_call(&tokens("random")), None);
    }

    #[test]
    fn table_columns_from_tokens() {
        let toks = tokens(
            "(id INT PRIMARY KEY, \"Email\" TEXT CHECK (x IN (1, 2)), CONSTRAINT c UNIQUE (id), KEY k (id), at DATE)",
        );
        let columns: Vec<String> = table_columns(&toks).into_iter().map(|n| n.shown).collect();
        assert_eq!(columns, ["id", "\"Email\"", "at"]);
    }
}
