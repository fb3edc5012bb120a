//! What a statement changes in the schema or the data, read from `sqlparser`'s tree or,
//! when it has none, from the statement's tokens. The rules work on these changes only,
//! so they treat both the same.

use sqlparser::ast::{
    self, AlterColumnOperation, AlterTableOperation, ColumnOption, ObjectName, ObjectNamePart,
    ObjectType, RenameTableNameKind, SchemaName, TableConstraint, TableFactor,
};

use crate::lexer::{Token, TokenKind, tokens};
use crate::parse::{Parsed, ParsedStatement, alter_table_actions, name_end, words_are};

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
}

impl Kind {
    /// The word for it in messages and in SQL.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Kind::Table => "table",
            Kind::Index => "index",
            Kind::View => "view",
            Kind::Schema => "schema",
            Kind::Database => "database",
            Kind::Type => "type",
            Kind::Sequence => "sequence",
        }
    }
}

/// An object's name: `parts` compare (unquoted parts in lower case, as the databases
/// fold them), `shown` is as written.
#[derive(Debug, Clone)]
pub(crate) struct Name {
    pub parts: Vec<String>,
    pub shown: String,
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

    fn from_object(name: &ObjectName) -> Name {
        let parts = name
            .0
            .iter()
            .map(|part| match part {
                ObjectNamePart::Identifier(ident) => fold(ident),
                other => other.to_string(),
            })
            .collect();
        Name {
            parts,
            shown: name.to_string(),
        }
    }

    fn from_ident(ident: &ast::Ident) -> Name {
        Name {
            parts: vec![fold(ident)],
            shown: ident.to_string(),
        }
    }

    fn from_tokens(toks: &[Token<'_>]) -> Name {
        let parts = toks
            .iter()
            .filter(|t| t.text != ".")
            .map(|t| match t.kind {
                TokenKind::QuotedIdent => unquote(t.text),
                _ => t.text.to_lowercase(),
            })
            .collect();
        let shown = toks.iter().map(|t| t.text).collect();
        Name { parts, shown }
    }

    fn unnamed() -> Name {
        Name {
            parts: Vec::new(),
            shown: String::new(),
        }
    }

    pub(crate) fn is_unnamed(&self) -> bool {
        self.parts.is_empty()
    }
}

fn fold(ident: &ast::Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
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
        /// The table of an index.
        on: Option<Name>,
        /// A table's columns, when known.
        columns: Vec<Name>,
        concurrently: bool,
        /// `CREATE OR REPLACE VIEW` may redefine an existing view; temporary objects
        /// vanish with the session. Neither needs undoing in `down`.
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
        not_valid: bool,
    },
    /// A statement with CONCURRENTLY the rules know only from its tokens (`REINDEX`,
    /// `DETACH PARTITION`); `what` names it for messages.
    Concurrently {
        what: &'static str,
    },
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

/// The changes one parsed statement makes.
pub(crate) fn of(statement: &ParsedStatement<'_>) -> Vec<Change> {
    match &statement.parsed {
        Parsed::Tree(tree) => tree
            .iter()
            .flat_map(|s| from_tree(s, &statement.tokens))
            .collect(),
        Parsed::Unsupported | Parsed::Error(_) => from_tokens(&statement.tokens),
    }
}

fn has_word(toks: &[Token<'_>], word: &str) -> bool {
    toks.iter()
        .any(|t| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(word))
}

fn from_tree(statement: &ast::Statement, toks: &[Token<'_>]) -> Vec<Change> {
    use ast::Statement as S;
    let mut out = Vec::new();
    match statement {
        S::CreateTable(t) => out.push(Change::Create {
            kind: Kind::Table,
            name: Name::from_object(&t.name),
            on: None,
            columns: t
                .columns
                .iter()
                .map(|c| Name::from_ident(&c.name))
                .collect(),
            concurrently: false,
            lasting: !t.temporary,
        }),
        S::CreateIndex(i) => out.push(Change::Create {
            kind: Kind::Index,
            name: i
                .name
                .as_ref()
                .map_or_else(Name::unnamed, Name::from_object),
            on: Some(Name::from_object(&i.table_name)),
            columns: Vec::new(),
            concurrently: i.concurrently,
            lasting: true,
        }),
        S::CreateView(v) => out.push(create(
            Kind::View,
            Name::from_object(&v.name),
            !(v.or_replace || v.or_alter),
        )),
        S::CreateSchema { schema_name, .. } => {
            let name = match schema_name {
                SchemaName::Simple(n) | SchemaName::NamedAuthorization(n, _) => {
                    Name::from_object(n)
                }
                SchemaName::UnnamedAuthorization(user) => Name::from_ident(user),
            };
            out.push(create(Kind::Schema, name, true));
        }
        // Creating a database is not undone by a migration's `down`.
        S::CreateDatabase { db_name, .. } => {
            out.push(create(Kind::Database, Name::from_object(db_name), false))
        }
        S::CreateType { name, .. } => out.push(create(Kind::Type, Name::from_object(name), true)),
        S::CreateSequence {
            name, temporary, ..
        } => out.push(create(Kind::Sequence, Name::from_object(name), !temporary)),
        S::Drop {
            object_type,
            names,
            table,
            ..
        } => {
            let kind = match object_type {
                ObjectType::Table => Kind::Table,
                ObjectType::View | ObjectType::MaterializedView => Kind::View,
                ObjectType::Index => Kind::Index,
                ObjectType::Schema => Kind::Schema,
                ObjectType::Database => Kind::Database,
                ObjectType::Type => Kind::Type,
                ObjectType::Sequence => Kind::Sequence,
                _ => return out,
            };
            // sqlparser reads DROP INDEX CONCURRENTLY only with the word blanked out.
            let concurrently =
                kind == Kind::Index && has_word(&toks[..toks.len().min(3)], "CONCURRENTLY");
            for name in names {
                out.push(Change::Drop {
                    kind,
                    name: Name::from_object(name),
                    on: table.as_ref().map(Name::from_object),
                    concurrently,
                });
            }
        }
        S::Truncate(t) => {
            for target in &t.table_names {
                out.push(Change::Truncate {
                    table: Name::from_object(&target.name),
                });
            }
        }
        S::Delete(d) => {
            let (ast::FromTable::WithFromKeyword(from) | ast::FromTable::WithoutKeyword(from)) =
                &d.from;
            let joined = from.iter().any(|t| !t.joins.is_empty());
            if d.selection.is_none() && !joined {
                let table = d
                    .tables
                    .first()
                    .map(Name::from_object)
                    .or_else(|| from.first().and_then(|t| table_name(&t.relation)));
                if let Some(table) = table {
                    out.push(Change::DeleteAll { table });
                }
            }
        }
        S::Update(u) => {
            let everything = u.selection.is_none() && u.table.joins.is_empty();
            if let Some(table) = table_name(&u.table.relation).filter(|_| everything) {
                out.push(Change::UpdateAll { table });
            }
        }
        S::RenameTable(renames) => {
            for r in renames {
                out.push(Change::RenameTable {
                    from: Name::from_object(&r.old_name),
                    to: Name::from_object(&r.new_name),
                });
            }
        }
        S::AlterTable(a) => {
            let table = Name::from_object(&a.name);
            for op in &a.operations {
                alter_table_operation(&table, op, &mut out);
            }
        }
        _ => {}
    }
    out
}

fn create(kind: Kind, name: Name, lasting: bool) -> Change {
    Change::Create {
        kind,
        name,
        on: None,
        columns: Vec::new(),
        concurrently: false,
        lasting,
    }
}

fn table_name(factor: &TableFactor) -> Option<Name> {
    match factor {
        TableFactor::Table { name, .. } => Some(Name::from_object(name)),
        _ => None,
    }
}

fn alter_table_operation(table: &Name, op: &AlterTableOperation, out: &mut Vec<Change>) {
    use AlterTableOperation as Op;
    let alter = |column: &ast::Ident, change| Change::AlterColumn {
        table: table.clone(),
        column: Name::from_ident(column),
        change,
    };
    match op {
        Op::AddColumn { column_def, .. } => out.push(Change::AddColumn {
            table: table.clone(),
            column: Name::from_ident(&column_def.name),
            volatile_default: volatile_default(column_def),
        }),
        Op::DropColumn { column_names, .. } => {
            for column in column_names {
                out.push(Change::DropColumn {
                    table: table.clone(),
                    column: Name::from_ident(column),
                });
            }
        }
        Op::DropIndex { name } => out.push(Change::Drop {
            kind: Kind::Index,
            name: Name::from_ident(name),
            on: Some(table.clone()),
            concurrently: false,
        }),
        Op::RenameColumn {
            old_column_name,
            new_column_name,
        } => out.push(Change::RenameColumn {
            table: table.clone(),
            from: Name::from_ident(old_column_name),
            to: Name::from_ident(new_column_name),
        }),
        Op::RenameTable {
            table_name: RenameTableNameKind::As(to) | RenameTableNameKind::To(to),
        } => out.push(Change::RenameTable {
            from: table.clone(),
            to: Name::from_object(to),
        }),
        // MySQL's CHANGE names the column twice and always gives its full definition.
        Op::ChangeColumn {
            old_name, new_name, ..
        } => {
            if fold(old_name) != fold(new_name) {
                out.push(Change::RenameColumn {
                    table: table.clone(),
                    from: Name::from_ident(old_name),
                    to: Name::from_ident(new_name),
                });
            } else {
                out.push(alter(old_name, ColumnChange::Type));
            }
        }
        Op::ModifyColumn { col_name, .. } => out.push(alter(col_name, ColumnChange::Type)),
        Op::AlterColumn { column_name, op } => {
            let change = match op {
                AlterColumnOperation::SetDataType { .. } => ColumnChange::Type,
                AlterColumnOperation::DropNotNull => ColumnChange::DropNotNull,
                AlterColumnOperation::DropDefault => ColumnChange::DropDefault,
                AlterColumnOperation::SetNotNull => ColumnChange::SetNotNull,
                _ => return,
            };
            out.push(alter(column_name, change));
        }
        Op::AddConstraint {
            constraint,
            not_valid,
        } => {
            let constraint = match constraint {
                TableConstraint::ForeignKey(_) => Constraint::ForeignKey,
                TableConstraint::Check(_) => Constraint::Check,
                _ => return,
            };
            out.push(Change::AddConstraint {
                table: table.clone(),
                constraint,
                not_valid: *not_valid,
            });
        }
        _ => {}
    }
}

/// The volatile function a new column's default calls (`serial` types call `nextval`).
fn volatile_default(column: &ast::ColumnDef) -> Option<String> {
    let data_type = column.data_type.to_string().to_lowercase();
    if SERIAL_TYPES.contains(&data_type.as_str()) {
        return Some(format!("{data_type} (nextval)"));
    }
    column.options.iter().find_map(|o| match &o.option {
        ColumnOption::Default(expr) => volatile_call(&expr.to_string()),
        _ => None,
    })
}

/// The first call of a volatile function in an expression's text.
fn volatile_call(expr: &str) -> Option<String> {
    let toks = tokens(expr);
    toks.windows(2).find_map(|w| {
        let name = w[0].text.to_lowercase();
        (w[0].kind == TokenKind::Word
            && w[1].text == "("
            && VOLATILE_FUNCTIONS.contains(&name.as_str()))
        .then(|| format!("{name}()"))
    })
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

    /// Consumes one of the words if it comes next.
    fn eat_any(&mut self, words: &[&str]) -> bool {
        let hit = words.iter().any(|w| words_are(self.rest(), &[w]));
        if hit {
            self.i += 1;
        }
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
            if self.toks.get(self.i).is_some_and(|t| t.text == ",") {
                self.i += 1;
            } else {
                break;
            }
        }
        out
    }
}

/// True when a DELETE or UPDATE has a WHERE or a JOIN (whose ON filters).
fn filtered(toks: &[Token<'_>]) -> bool {
    top_level_word(toks, "WHERE") || top_level_word(toks, "JOIN")
}

/// True when `word` occurs outside parentheses.
fn top_level_word(toks: &[Token<'_>], word: &str) -> bool {
    let mut depth = 0usize;
    toks.iter().any(|t| {
        match t.text {
            "(" if t.kind == TokenKind::Punct => depth += 1,
            ")" if t.kind == TokenKind::Punct => depth = depth.saturating_sub(1),
            _ => {}
        }
        depth == 0 && t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(word)
    })
}

fn drop_kind(c: &mut Cursor<'_, '_>) -> Option<Kind> {
    c.eat(&["TEMPORARY"]);
    if c.eat(&["INDEX"]) {
        return Some(Kind::Index);
    }
    object_kind(c)
}

/// The kind of object a CREATE or DROP names next, indexes aside.
fn object_kind(c: &mut Cursor<'_, '_>) -> Option<Kind> {
    let kind = if c.eat(&["TABLE"]) {
        Kind::Table
    } else if c.eat(&["MATERIALIZED", "VIEW"]) || c.eat(&["VIEW"]) {
        Kind::View
    } else if c.eat(&["SCHEMA"]) {
        Kind::Schema
    } else if c.eat(&["DATABASE"]) {
        Kind::Database
    } else if c.eat(&["TYPE"]) {
        Kind::Type
    } else if c.eat(&["SEQUENCE"]) {
        Kind::Sequence
    } else {
        return None;
    };
    Some(kind)
}

pub(crate) fn from_tokens(toks: &[Token<'_>]) -> Vec<Change> {
    let mut out = Vec::new();
    let mut c = Cursor::new(toks);
    if c.eat(&["DROP"]) {
        let Some(kind) = drop_kind(&mut c) else {
            return out;
        };
        let concurrently = c.eat(&["CONCURRENTLY"]);
        c.eat(&["IF", "EXISTS"]);
        let names = c.names();
        let on = if c.eat(&["ON"]) { c.name() } else { None };
        for name in names {
            out.push(Change::Drop {
                kind,
                name,
                on: on.clone(),
                concurrently,
            });
        }
    } else if c.eat(&["TRUNCATE"]) {
        c.eat(&["TABLE"]);
        c.eat(&["ONLY"]);
        for table in c.names() {
            out.push(Change::Truncate { table });
        }
    } else if c.eat(&["DELETE", "FROM"]) {
        if let Some(table) = c.name().filter(|_| !filtered(toks)) {
            out.push(Change::DeleteAll { table });
        }
    } else if c.eat(&["UPDATE"]) {
        c.eat(&["ONLY"]);
        if let Some(table) = c.name().filter(|_| !filtered(toks)) {
            out.push(Change::UpdateAll { table });
        }
    } else if c.eat(&["RENAME", "TABLE"]) {
        while let Some(from) = c.name() {
            if !c.eat(&["TO"]) {
                break;
            }
            let Some(to) = c.name() else { break };
            out.push(Change::RenameTable { from, to });
            if c.toks.get(c.i).is_none_or(|t| t.text != ",") {
                break;
            }
            c.i += 1;
        }
    } else if c.eat(&["ALTER", "TABLE"]) {
        c.eat(&["IF", "EXISTS"]);
        c.eat(&["ONLY"]);
        let Some(table) = c.name() else { return out };
        for action in alter_table_actions(toks).unwrap_or_default() {
            alter_table_action(&table, action, &mut out);
        }
    } else if c.eat(&["CREATE"]) {
        create_from_tokens(&mut c, &mut out);
    } else if c.eat(&["REINDEX"]) && has_word(toks, "CONCURRENTLY") {
        out.push(Change::Concurrently {
            what: "REINDEX CONCURRENTLY",
        });
    }
    out
}

fn create_from_tokens(c: &mut Cursor<'_, '_>, out: &mut Vec<Change>) {
    let replaces = c.eat(&["OR", "REPLACE"]);
    let temporary = c.eat_any(&["TEMP", "TEMPORARY"]);
    c.eat(&["UNLOGGED"]);
    let unique_index = c.eat(&["UNIQUE", "INDEX"]);
    if unique_index || c.eat(&["INDEX"]) {
        let concurrently = c.eat(&["CONCURRENTLY"]);
        c.eat(&["IF", "NOT", "EXISTS"]);
        let name = if words_are(c.rest(), &["ON"]) {
            Name::unnamed()
        } else {
            let Some(name) = c.name() else { return };
            name
        };
        if !c.eat(&["ON"]) {
            return;
        }
        c.eat(&["ONLY"]);
        out.push(Change::Create {
            kind: Kind::Index,
            name,
            on: c.name(),
            columns: Vec::new(),
            concurrently,
            lasting: true,
        });
        return;
    }
    let Some(kind) = object_kind(c) else { return };
    c.eat(&["IF", "NOT", "EXISTS"]);
    let Some(name) = c.name() else { return };
    let columns = if kind == Kind::Table {
        columns_from_tokens(c.rest())
    } else {
        Vec::new()
    };
    out.push(Change::Create {
        kind,
        name,
        on: None,
        columns,
        concurrently: false,
        lasting: !temporary && !replaces && kind != Kind::Database,
    });
}

/// Column names of `( col type ..., CONSTRAINT ..., ...)`: the first word of each
/// top-level element that is not a table constraint.
fn columns_from_tokens(toks: &[Token<'_>]) -> Vec<Name> {
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
    ];
    let mut out = Vec::new();
    if toks.first().is_none_or(|t| t.text != "(") {
        return out;
    }
    let mut depth = 0usize;
    let mut at_element = true;
    for t in toks {
        match t.text {
            "(" if t.kind == TokenKind::Punct => {
                depth += 1;
                continue;
            }
            ")" if t.kind == TokenKind::Punct => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
                continue;
            }
            "," if t.kind == TokenKind::Punct && depth == 1 => {
                at_element = true;
                continue;
            }
            _ => {}
        }
        if depth == 1 && at_element {
            at_element = false;
            let is_name = matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent);
            if is_name
                && !NOT_COLUMNS
                    .iter()
                    .any(|w| words_are(std::slice::from_ref(t), &[w]))
            {
                out.push(Name::from_tokens(std::slice::from_ref(t)));
            }
        }
    }
    out
}

fn alter_table_action(table: &Name, action: &[Token<'_>], out: &mut Vec<Change>) {
    let mut c = Cursor::new(action);
    let alter = |column: Name, change| Change::AlterColumn {
        table: table.clone(),
        column,
        change,
    };
    if c.eat(&["DROP"]) {
        if c.eat(&["INDEX"]) || c.eat(&["KEY"]) {
            if let Some(name) = c.name() {
                out.push(Change::Drop {
                    kind: Kind::Index,
                    name,
                    on: Some(table.clone()),
                    concurrently: false,
                });
            }
            return;
        }
        const NOT_COLUMNS: &[&str] = &[
            "CONSTRAINT",
            "PRIMARY",
            "FOREIGN",
            "CHECK",
            "PARTITION",
            "DEFAULT",
        ];
        if NOT_COLUMNS.iter().any(|w| words_are(c.rest(), &[w])) {
            return;
        }
        c.eat(&["COLUMN"]);
        c.eat(&["IF", "EXISTS"]);
        if let Some(column) = c.name() {
            out.push(Change::DropColumn {
                table: table.clone(),
                column,
            });
        }
    } else if c.eat(&["RENAME"]) {
        if c.eat(&["TO"]) || c.eat(&["AS"]) {
            if let Some(to) = c.name() {
                out.push(Change::RenameTable {
                    from: table.clone(),
                    to,
                });
            }
            return;
        }
        if ["INDEX", "KEY", "CONSTRAINT"]
            .iter()
            .any(|w| words_are(c.rest(), &[w]))
        {
            return;
        }
        c.eat(&["COLUMN"]);
        let from = c.name();
        let to = if c.eat(&["TO"]) { c.name() } else { None };
        if let (Some(from), Some(to)) = (from, to) {
            out.push(Change::RenameColumn {
                table: table.clone(),
                from,
                to,
            });
        }
    } else if c.eat(&["ALTER"]) {
        if words_are(c.rest(), &["INDEX"]) {
            return;
        }
        c.eat(&["COLUMN"]);
        let Some(column) = c.name() else { return };
        let change = if c.eat(&["TYPE"]) || c.eat(&["SET", "DATA", "TYPE"]) {
            ColumnChange::Type
        } else if c.eat(&["DROP", "NOT", "NULL"]) {
            ColumnChange::DropNotNull
        } else if c.eat(&["DROP", "DEFAULT"]) {
            ColumnChange::DropDefault
        } else if c.eat(&["SET", "NOT", "NULL"]) {
            ColumnChange::SetNotNull
        } else {
            return;
        };
        out.push(alter(column, change));
    } else if c.eat(&["MODIFY"]) {
        c.eat(&["COLUMN"]);
        if let Some(column) = c.name() {
            out.push(alter(column, ColumnChange::Type));
        }
    } else if c.eat(&["CHANGE"]) {
        c.eat(&["COLUMN"]);
        if let (Some(from), Some(to)) = (c.name(), c.name()) {
            if from.parts == to.parts {
                out.push(alter(from, ColumnChange::Type));
            } else {
                out.push(Change::RenameColumn {
                    table: table.clone(),
                    from,
                    to,
                });
            }
        }
    } else if c.eat(&["ADD"]) {
        let not_valid = action.windows(2).any(|w| words_are(w, &["NOT", "VALID"]));
        let constraint = if top_level_word(action, "FOREIGN") {
            Some(Constraint::ForeignKey)
        } else if top_level_word(action, "CHECK") {
            Some(Constraint::Check)
        } else {
            None
        };
        const NOT_COLUMNS: &[&str] = &[
            "CONSTRAINT",
            "PRIMARY",
            "UNIQUE",
            "FOREIGN",
            "CHECK",
            "INDEX",
            "KEY",
            "EXCLUDE",
            "FULLTEXT",
            "SPATIAL",
            "PARTITION",
        ];
        if let Some(constraint) = constraint.filter(|_| {
            words_are(c.rest(), &["CONSTRAINT"])
                || words_are(c.rest(), &["FOREIGN"])
                || words_are(c.rest(), &["CHECK"])
        }) {
            out.push(Change::AddConstraint {
                table: table.clone(),
                constraint,
                not_valid,
            });
            return;
        }
        if NOT_COLUMNS.iter().any(|w| words_are(c.rest(), &[w])) {
            return;
        }
        c.eat(&["COLUMN"]);
        c.eat(&["IF", "NOT", "EXISTS"]);
        if let Some(column) = c.name() {
            let rest: Vec<&str> = c.rest().iter().map(|t| t.text).collect();
            let data_type = c.rest().first().map(|t| t.text.to_lowercase());
            let volatile_default = match data_type {
                Some(t) if SERIAL_TYPES.contains(&t.as_str()) => Some(format!("{t} (nextval)")),
                _ => volatile_call(&rest.join(" ")),
            };
            out.push(Change::AddColumn {
                table: table.clone(),
                column,
                volatile_default,
            });
        }
    } else if c.eat(&["DETACH", "PARTITION"]) && has_word(action, "CONCURRENTLY") {
        out.push(Change::Concurrently {
            what: "DETACH PARTITION CONCURRENTLY",
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(sql: &str) -> Name {
        let toks = tokens(sql);
        Name::from_tokens(&toks)
    }

    #[test]
    fn names_fold_unquoted_parts_only() {
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
            volatile_call("(gen_random_uuid())"),
            Some("gen_random_uuid()".into())
        );
        assert_eq!(volatile_call("'random()'"), None);
        assert_eq!(volatile_call("now()"), None);
        assert_eq!(volatile_call("random"), None);
    }

    #[test]
    fn table_columns_from_tokens() {
        let toks = tokens(
            "(id INT PRIMARY KEY, \"Email\" TEXT CHECK (x IN (1, 2)), CONSTRAINT c UNIQUE (id), KEY k (id), at DATE)",
        );
        let columns: Vec<String> = columns_from_tokens(&toks)
            .into_iter()
            .map(|n| n.shown)
            .collect();
        assert_eq!(columns, ["id", "\"Email\"", "at"]);
    }
}
