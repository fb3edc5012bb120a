//! Rules that need more than one key or item: a migration must be reversible (or say
//! why not), its functions must have the signature the runtime calls, and its SQL must
//! say something.

use std::path::PathBuf;

use syn::visit::Visit;
use syn::{Block, Expr, FnArg, ItemFn, LitStr, ReturnType, Stmt, Type};

use crate::ast::{ModuleMigration, SqlMigration};
use crate::attr::{Attrs, SqlSource};
use crate::ctxt::Ctxt;

const MISSING_VERSION: &str = "missing `version`; add `version = 20250101_120000` (a positive integer; a timestamp keeps versions unique and ordered)";

/// The SQL string literals of a module migration's `up` and `down`, in order: what
/// `check` lints at run time.
#[derive(Default)]
pub struct RustSql {
    pub up: Vec<String>,
    pub down: Vec<String>,
}

pub fn module(cx: &Ctxt, m: &ModuleMigration) -> RustSql {
    let ident = &m.item.ident;
    if !m.attrs.has("version") {
        cx.error_at(proc_macro2::Span::call_site(), MISSING_VERSION);
    }
    common(cx, &m.attrs, &m.name, ident);

    match m.function("up") {
        Some(up) => {
            signature(cx, up, "up");
            if let Some((mac, what)) = only_placeholder(&up.block) {
                cx.error_spanned_by(
                    mac,
                    format!(
                        "the `up` of migration `{}` only panics ({what}): it would compile and fail when the migration runs; write the statements that apply the change",
                        m.name
                    ),
                );
            }
        }
        None => cx.error_spanned_by(
            ident,
            format!("migration `{}` has no `up`; add `pub fn up(db: &mut Db) -> Result<()>` to the module", m.name),
        ),
    }
    match (m.function("down"), &m.attrs.irreversible) {
        (Some(down), None) => {
            signature(cx, down, "down");
            let down_block = &down.block;
            if let Some(what) = does_nothing(&down.block) {
                let span_on = match down.block.stmts.as_slice() {
                    [only] => quote::quote!(#only),
                    _ => quote::quote!(#down_block),
                };
                cx.error_spanned_by(
                    span_on,
                    format!(
                        "the `down` of migration `{}` does nothing ({what}); write the statements that undo `up`, or remove `down` and declare `irreversible = \"why\"`",
                        m.name
                    ),
                );
            }
        }
        (Some(down), Some(_)) => {
            let key = m.attrs.irreversible_key.as_ref().expect("set with irreversible");
            cx.error_spanned_by(
                key,
                format!("migration `{}` declares `irreversible` and also has a `down`; remove one of them", m.name),
            );
            cx.error_spanned_by(&down.sig.ident, "`down` defined here while the migration is declared `irreversible`");
        }
        (None, Some(_)) => {}
        (None, None) => cx.error_spanned_by(
            ident,
            format!(
                "migration `{}` has no `down`; add `pub fn down(db: &mut Db) -> Result<()>` that undoes `up`, or declare `irreversible = \"why\"`",
                m.name
            ),
        ),
    }

    // Every literal is checked for syntax; those of `up` also for destructive statements.
    let mut literals = SqlLiterals::default();
    literals.visit_item_mod(&m.item);
    for lit in &literals.found {
        let text = lit.value();
        if updown_sql::is_empty(&text) {
            cx.error_spanned_by(
                lit,
                "this SQL is empty or only comments; write the statement to run",
            );
        } else {
            syntax(cx, &m.attrs, lit, &text, None);
            in_transaction(cx, &m.attrs, &m.name, lit, &text, None);
        }
    }
    let up = literals_of(m.function("up"));
    let parts: Vec<(&LitStr, String)> = up.iter().map(|l| (l, l.value())).collect();
    destructive(cx, &m.attrs, &m.name, &parts);
    RustSql {
        up: up.iter().map(LitStr::value).collect(),
        down: literals_of(m.function("down"))
            .iter()
            .map(LitStr::value)
            .collect(),
    }
}

fn literals_of(f: Option<&ItemFn>) -> Vec<LitStr> {
    let mut literals = SqlLiterals::default();
    if let Some(f) = f {
        literals.visit_item_fn(f);
    }
    literals.found
}

/// A syntax error in SQL, spanned on its literal (for a file: the `*_file` value, with the
/// file's line in the message).
fn syntax(cx: &Ctxt, attrs: &Attrs, lit: &LitStr, text: &str, file: Option<&str>) {
    if attrs.unchecked_sql.is_some() {
        return;
    }
    let dialect = attrs.dialect();
    if let Err(e) = updown_sql::check_syntax(text, dialect) {
        let what = match file {
            Some(path) => format!("`{path}`"),
            None => "this SQL".to_owned(),
        };
        let way_out = match dialect {
            updown_sql::Dialect::Generic => {
                "declare the migration's `dialect` (`\"postgres\"`, `\"mysql\"` or `\"sqlite\"`) if your database accepts it"
            }
            _ => "if the database accepts it, declare `unchecked_sql = \"why\"`",
        };
        cx.error_spanned_by(
            lit,
            format!(
                "{what} does not parse as {} SQL at {e}; fix it, or {way_out}",
                dialect.name()
            ),
        );
    }
}

/// In a migration that runs in a transaction, statements that cannot: transaction
/// control of the SQL's own, and what PostgreSQL refuses inside a transaction block.
fn in_transaction(
    cx: &Ctxt,
    attrs: &Attrs,
    name: &str,
    lit: &LitStr,
    text: &str,
    file: Option<&str>,
) {
    let dialect = attrs.dialect();
    // On MySQL updown runs no migration in a transaction (DDL commits implicitly there).
    if !attrs.transactional() || dialect == updown_sql::Dialect::Mysql {
        return;
    }
    let place = |line: usize| match file {
        Some(path) => format!(" (`{path}`, line {line})"),
        None if text.lines().nth(1).is_some() => format!(" (line {line})"),
        None => String::new(),
    };
    for found in updown_sql::not_in_transaction(text, dialect) {
        let (statement, what, at) = (&found.statement, found.what, place(found.line));
        let message = if found.control {
            format!(
                "migration `{name}` runs in a transaction, which its SQL cannot begin or end: `{statement}`{at}; remove `{what}` (updown commits the migration together with its tracking row), or declare `transaction = false` to let the SQL manage its own transactions"
            )
        } else {
            format!(
                "migration `{name}` runs in a transaction, and the database refuses {what} inside one: `{statement}`{at}; declare `transaction = false` on this migration"
            )
        };
        cx.error_spanned_by(lit, message);
    }
}

/// Destructive statements in `up` are errors unless the migration declares
/// `destructive = "why"`. The parts are read in order as one script, so that a table
/// created by one statement may be dropped by a later one.
fn destructive(cx: &Ctxt, attrs: &Attrs, name: &str, parts: &[(&LitStr, String)]) {
    if attrs.destructive.is_some() || parts.is_empty() {
        return;
    }
    let dialect = attrs.dialect();
    let mut script = String::new();
    let mut first_lines = Vec::with_capacity(parts.len());
    for (_, text) in parts {
        first_lines.push(1 + script.matches('\n').count());
        script.push_str(text);
        script.push_str(";\n");
    }
    for f in updown_sql::destructive(&script, dialect) {
        let part = first_lines.iter().rposition(|&l| l <= f.line).unwrap_or(0);
        cx.error_spanned_by(
            parts[part].0,
            format!(
                "destructive statement in the `up` of migration `{name}`: `{}` {} (rule `{}`)",
                f.statement, f.message, f.rule
            ),
        );
    }
}

pub fn sql(cx: &Ctxt, m: &SqlMigration) -> SqlTexts {
    let ident = &m.ident;
    if !m.has_attribute {
        cx.error_spanned_by(
            ident,
            "`#[derive(Migration)]` needs `#[migration(version = ..., up = \"...\", down = \"...\")]` below it",
        );
        return SqlTexts::default();
    }
    if !m.attrs.has("version") {
        cx.error_spanned_by(ident, MISSING_VERSION);
    }
    common(cx, &m.attrs, &m.name, ident);

    let up = m.attrs.up.as_ref().and_then(|s| sql_text(cx, s));
    let down = m.attrs.down.as_ref().and_then(|s| sql_text(cx, s));
    if m.attrs.up.is_none() && !m.attrs.has("up") && !m.attrs.has("up_file") {
        cx.error_spanned_by(
            ident,
            format!(
                "migration `{}` has no `up`; add `up = \"...\"` or `up_file = \"sql/....up.sql\"`",
                m.name
            ),
        );
    }
    for (source, text) in [(&m.attrs.up, &up), (&m.attrs.down, &down)] {
        if let (Some(source), Some(text)) = (source, text)
            && !updown_sql::is_empty(text)
        {
            let file = matches!(source, SqlSource::File(_)).then(|| source.lit().value());
            syntax(cx, &m.attrs, source.lit(), text, file.as_deref());
            in_transaction(cx, &m.attrs, &m.name, source.lit(), text, file.as_deref());
        }
    }
    if let (Some(source), Some(text)) = (&m.attrs.up, &up) {
        destructive(cx, &m.attrs, &m.name, &[(source.lit(), text.clone())]);
    }
    if let (Some(source), Some(text)) = (&m.attrs.up, &up)
        && updown_sql::is_empty(text)
    {
        cx.error_spanned_by(
            source.lit(),
            format!(
                "the `up` of migration `{}` is empty or only comments; write the statements to run",
                m.name
            ),
        );
    }
    match (&m.attrs.down, &m.attrs.irreversible) {
        (Some(source), None) => {
            if down.as_deref().is_some_and(updown_sql::is_empty) {
                cx.error_spanned_by(
                    source.lit(),
                    format!(
                        "the `down` of migration `{}` does nothing (its SQL is empty or only comments); write the statements that undo `up`, or remove `down` and declare `irreversible = \"why\"`",
                        m.name
                    ),
                );
            }
        }
        (Some(source), Some(_)) => {
            let key = m.attrs.irreversible_key.as_ref().expect("set with irreversible");
            cx.error_spanned_by(
                key,
                format!("migration `{}` declares `irreversible` and also has a `down`; remove one of them", m.name),
            );
            cx.error_spanned_by(source.lit(), "`down` given here while the migration is declared `irreversible`");
        }
        (None, Some(_)) => {}
        (None, None) if m.attrs.has("down") || m.attrs.has("down_file") => {}
        (None, None) => cx.error_spanned_by(
            ident,
            format!(
                "migration `{}` has no `down`; add `down = \"...\"` (SQL that undoes `up`) or `down_file = \"...\"`, or declare `irreversible = \"why\"`",
                m.name
            ),
        ),
    }
    SqlTexts { up, down }
}

/// The SQL of each direction as read at compile time (file contents for `*_file`).
#[derive(Default)]
pub struct SqlTexts {
    pub up: Option<String>,
    pub down: Option<String>,
}

/// Rules shared by both forms.
fn common(cx: &Ctxt, attrs: &Attrs, name: &str, ident: &syn::Ident) {
    if name.trim().is_empty() {
        let span = attrs
            .name
            .as_ref()
            .map(|l| l.span())
            .unwrap_or(ident.span());
        cx.error_at(
            span,
            "`name` is empty; give the migration a name such as `create_users`",
        );
    }
}

/// Reads the SQL of an inline string or of a file relative to the crate's manifest.
fn sql_text(cx: &Ctxt, source: &SqlSource) -> Option<String> {
    match source {
        SqlSource::Inline(lit) => Some(lit.value()),
        SqlSource::File(lit) => {
            let path = manifest_relative(&lit.value());
            match std::fs::read_to_string(&path) {
                Ok(text) => Some(text),
                Err(e) => {
                    cx.error_spanned_by(
                        lit,
                        format!(
                            "cannot read `{}`: {}; the path is relative to the directory of the crate's Cargo.toml",
                            lit.value(),
                            io_reason(&e),
                        ),
                    );
                    None
                }
            }
        }
    }
}

/// The error without the OS's error code, which differs between systems.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::InvalidData => "it is not UTF-8 text".to_owned(),
        _ => e.to_string(),
    }
}

pub fn manifest_relative(path: &str) -> PathBuf {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    dir.join(path)
}

/// `pub fn up(db: &mut Db) -> Result<()>`: one `&mut` argument and a return type. The
/// exact types are left to the compiler, which names them if they do not match.
fn signature(cx: &Ctxt, f: &ItemFn, which: &str) {
    let sig = &f.sig;
    let fix = format!("write `pub fn {which}(db: &mut Db) -> Result<()>`");
    if let Some(t) = &sig.asyncness {
        cx.error_spanned_by(
            t,
            format!("`{which}` cannot be `async`: migrations run on a blocking connection; {fix}"),
        );
    }
    if let Some(t) = &sig.constness {
        cx.error_spanned_by(t, format!("`{which}` cannot be `const`; {fix}"));
    }
    if let Some(t) = &sig.unsafety {
        cx.error_spanned_by(t, format!("`{which}` cannot be `unsafe`; {fix}"));
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(abi, format!("`{which}` cannot declare an ABI; {fix}"));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(&sig.generics, format!("`{which}` cannot be generic; {fix}"));
    }
    match sig.inputs.len() {
        1 => match sig.inputs.first().expect("one input") {
            FnArg::Receiver(r) => {
                cx.error_spanned_by(
                    r,
                    format!("`{which}` takes `db: &mut Db`, not `self`; {fix}"),
                );
            }
            FnArg::Typed(pat) => match &*pat.ty {
                Type::Reference(r) if r.mutability.is_some() => {}
                other => cx.error_spanned_by(
                    other,
                    format!("the argument of `{which}` must be `&mut Db`; {fix}"),
                ),
            },
        },
        0 => cx.error_spanned_by(
            &sig.ident,
            format!("`{which}` must take the migration context `db: &mut Db`; {fix}"),
        ),
        _ => {
            let extra: Vec<&FnArg> = sig.inputs.iter().skip(1).collect();
            cx.error_spanned_by(
                quote::quote!(#(#extra),*),
                format!("`{which}` takes exactly one argument, `db: &mut Db`; {fix}"),
            )
        }
    }
    if let ReturnType::Default = sig.output {
        cx.error_at(
            sig.paren_token.span.close(),
            format!("`{which}` must return `Result<()>` so that a failure rolls the migration back; {fix}"),
        );
    }
}

/// Why a `down` body does nothing, if it does: an empty body, `Ok(())`, `todo!()` or
/// `unimplemented!()`.
fn does_nothing(block: &Block) -> Option<&'static str> {
    match block.stmts.as_slice() {
        [] => Some("its body is empty"),
        [Stmt::Expr(e, _)] => noop_expr(e),
        [Stmt::Macro(m)] => placeholder_macro(&m.mac),
        _ => None,
    }
}

fn noop_expr(e: &Expr) -> Option<&'static str> {
    match e {
        Expr::Call(call) if call.args.len() == 1 => {
            let is_ok = matches!(&*call.func, Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Ok"));
            let unit = matches!(call.args.first(), Some(Expr::Tuple(t)) if t.elems.is_empty());
            (is_ok && unit).then_some("it only returns `Ok(())`")
        }
        Expr::Return(r) => r.expr.as_deref().and_then(noop_expr),
        Expr::Macro(m) => placeholder_macro(&m.mac),
        Expr::Block(b) if b.attrs.is_empty() && b.label.is_none() => does_nothing(&b.block),
        _ => None,
    }
}

/// The macro a body consists of, when it is only `todo!()` or `unimplemented!()`.
fn only_placeholder(block: &Block) -> Option<(&syn::Macro, &'static str)> {
    let mac = match block.stmts.as_slice() {
        [Stmt::Expr(Expr::Macro(m), _)] => &m.mac,
        [Stmt::Macro(m)] => &m.mac,
        _ => return None,
    };
    placeholder_macro(mac).map(|what| (mac, what))
}

fn placeholder_macro(mac: &syn::Macro) -> Option<&'static str> {
    let name = mac.path.segments.last()?.ident.to_string();
    match name.as_str() {
        "todo" => Some("it is `todo!()`"),
        "unimplemented" => Some("it is `unimplemented!()`"),
        _ => None,
    }
}

/// String literals passed straight to `execute` or `batch_execute`.
#[derive(Default)]
struct SqlLiterals {
    found: Vec<LitStr>,
}

impl<'ast> Visit<'ast> for SqlLiterals {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if (call.method == "execute" || call.method == "batch_execute")
            && let Some(Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            })) = call.args.first()
        {
            self.found.push(s.clone());
        }
        syn::visit::visit_expr_method_call(self, call);
    }
}
