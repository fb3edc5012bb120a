//! The keys of `#[migration(...)]`, parsed with their spans. Unknown, duplicate and
//! ill-typed keys are reported on the key or value itself.

use proc_macro2::{Span, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprUnary, Lit, LitBool, LitStr, Meta, Token, UnOp};
use updown_sql::rules::{Category, Rule};

use crate::ctxt::Ctxt;

/// Which macro the keys belong to: some keys only make sense on one of them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `#[migration(...)]` on an inline module with Rust `up`/`down`.
    Module,
    /// `#[derive(Migration)]` with SQL in `up`/`down` or `up_file`/`down_file`.
    Sql,
}

/// A positive version number and where it was written.
pub struct Version {
    pub value: i64,
    pub span: Span,
}

/// Where the SQL of one direction comes from.
pub enum SqlSource {
    Inline(LitStr),
    File(LitStr),
}

impl SqlSource {
    pub fn lit(&self) -> &LitStr {
        match self {
            SqlSource::Inline(lit) | SqlSource::File(lit) => lit,
        }
    }
}

#[derive(Default)]
pub struct Attrs {
    pub version: Option<Version>,
    pub name: Option<LitStr>,
    pub transaction: Option<LitBool>,
    pub destructive: Option<LitStr>,
    pub irreversible: Option<LitStr>,
    /// The `irreversible` key itself, to span errors that concern it.
    pub irreversible_key: Option<syn::Path>,
    pub up: Option<SqlSource>,
    pub down: Option<SqlSource>,
    /// `dialect = "postgres" | "mysql" | "sqlite"`: how the SQL is parsed.
    pub dialect: Option<(updown_sql::Dialect, LitStr)>,
    /// `unchecked_sql = "why"`: SQL the parser cannot read but the database accepts.
    pub unchecked_sql: Option<LitStr>,
    /// `allow = ["rule", ...]`: lint rules `check` does not report for this migration.
    pub allow: Vec<LitStr>,
    /// Every key written, valid or not, so that a bad value is not also reported as a
    /// missing key.
    pub written: Vec<String>,
    /// Keys an unknown key was probably meant to be (`verison` -> `version`).
    pub misspelled: Vec<&'static str>,
}

impl Attrs {
    /// The dialect the SQL is checked in (`Generic` without the key).
    pub fn dialect(&self) -> updown_sql::Dialect {
        self.dialect.as_ref().map(|(d, _)| *d).unwrap_or_default()
    }

    /// False when the migration declares `transaction = false`.
    pub fn transactional(&self) -> bool {
        self.transaction.as_ref().is_none_or(|t| t.value)
    }

    /// Whether `key` was written, or probably meant by a misspelled key (already reported).
    pub fn has(&self, key: &str) -> bool {
        self.written.iter().any(|k| k == key) || self.misspelled.contains(&key)
    }
}

const MODULE_KEYS: &[&str] = &[
    "version",
    "name",
    "transaction",
    "destructive",
    "irreversible",
    "dialect",
    "unchecked_sql",
    "allow",
];
const SQL_KEYS: &[&str] = &[
    "version",
    "name",
    "dialect",
    "unchecked_sql",
    "allow",
    "transaction",
    "destructive",
    "irreversible",
    "up",
    "down",
    "up_file",
    "down_file",
];

/// Parses the tokens inside `#[migration(...)]`.
pub fn parse(cx: &Ctxt, tokens: TokenStream, form: Form) -> Attrs {
    let mut attrs = Attrs::default();
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(metas) => metas,
        Err(e) => {
            cx.syn_error(e);
            return attrs;
        }
    };
    let mut seen: Vec<(String, Span)> = Vec::new();
    for meta in metas {
        let path = meta.path().clone();
        let Some(key) = path.get_ident().map(|i| i.to_string()) else {
            cx.error_spanned_by(
                &path,
                format!(
                    "unknown key `{}`; {}",
                    path_text(&path),
                    expected_keys(form)
                ),
            );
            continue;
        };
        let allowed = match form {
            Form::Module => MODULE_KEYS,
            Form::Sql => SQL_KEYS,
        };
        if !allowed.contains(&key.as_str()) {
            cx.error_spanned_by(&path, unknown_key_message(&key, form));
            if let Some(meant) = closest_key(&key, allowed) {
                attrs.misspelled.push(meant);
            }
            continue;
        }
        if seen.iter().any(|(k, _)| *k == key) {
            cx.error_spanned_by(&path, format!("duplicate key `{key}`; keep one of them"));
            continue;
        }
        seen.push((key.clone(), path.span()));
        attrs.written.push(key.clone());
        let value = match meta {
            Meta::NameValue(nv) => nv.value,
            other => {
                cx.error_spanned_by(&other, format!("`{key}` needs a value: {}", example(&key)));
                continue;
            }
        };
        match key.as_str() {
            "version" => attrs.version = parse_version(cx, &value),
            "name" => attrs.name = string(cx, &key, &value),
            "transaction" => attrs.transaction = boolean(cx, &key, &value),
            "destructive" => attrs.destructive = reason(cx, &key, &value),
            "unchecked_sql" => attrs.unchecked_sql = reason(cx, &key, &value),
            "dialect" => attrs.dialect = dialect(cx, &value),
            "allow" => attrs.allow = allow(cx, &value),
            "irreversible" => {
                attrs.irreversible = reason(cx, &key, &value);
                attrs.irreversible_key = Some(path);
            }
            "up" | "up_file" | "down" | "down_file" => {
                let Some(lit) = string(cx, &key, &value) else {
                    continue;
                };
                let source = if key.ends_with("_file") {
                    SqlSource::File(lit)
                } else {
                    SqlSource::Inline(lit)
                };
                let (slot, other) = if key.starts_with("up") {
                    (&mut attrs.up, "up")
                } else {
                    (&mut attrs.down, "down")
                };
                if slot.is_some() {
                    cx.error_spanned_by(
                        &path,
                        format!("`{other}` and `{other}_file` are both set; keep one of them"),
                    );
                } else {
                    *slot = Some(source);
                }
            }
            _ => unreachable!("every allowed key is handled"),
        }
    }
    attrs
}

fn path_text(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

fn expected_keys(form: Form) -> String {
    let keys = match form {
        Form::Module => MODULE_KEYS,
        Form::Sql => SQL_KEYS,
    };
    let list: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    format!("expected one of {}", list.join(", "))
}

fn unknown_key_message(key: &str, form: Form) -> String {
    if form == Form::Module && ["up", "down", "up_file", "down_file"].contains(&key) {
        let direction = key.trim_end_matches("_file");
        return format!(
            "`{key}` is a key of `#[derive(Migration)]`; in a module migration write `pub fn {direction}(db: &mut Db) -> Result<()>` inside the module"
        );
    }
    let keys = match form {
        Form::Module => MODULE_KEYS,
        Form::Sql => SQL_KEYS,
    };
    match closest_key(key, keys) {
        Some(meant) => format!("unknown key `{key}`; did you mean `{meant}`?"),
        None => format!("unknown key `{key}`; {}", expected_keys(form)),
    }
}

/// The allowed key within two edits of `key`, if there is one.
pub(crate) fn closest_key(key: &str, allowed: &[&'static str]) -> Option<&'static str> {
    allowed
        .iter()
        .map(|k| (strsim::levenshtein(key, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn example(key: &str) -> &'static str {
    match key {
        "version" => "`version = 20250101_120000`",
        "transaction" => "`transaction = false`",
        "name" => "`name = \"create_users\"`",
        "destructive" | "irreversible" => {
            "a reason in a string, like `irreversible = \"the dropped data cannot be restored\"`"
        }
        "up" | "down" => "a SQL string, like `up = \"CREATE TABLE ...\"`",
        "dialect" => "`dialect = \"postgres\"`",
        "unchecked_sql" => {
            "a reason in a string, like `unchecked_sql = \"DO blocks are not parsed\"`"
        }
        "allow" => "a list, like `allow = [\"set-not-null\"]`",
        _ => {
            "a path relative to the crate's Cargo.toml, like `up_file = \"sql/create_users.up.sql\"`"
        }
    }
}

fn parse_version(cx: &Ctxt, value: &Expr) -> Option<Version> {
    const HOW: &str = "use a positive integer, such as a timestamp `20250101_120000`";
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => match int.base10_parse::<i64>() {
            Ok(0) => {
                cx.error_spanned_by(int, format!("`version` must be positive, not 0; {HOW}"));
                None
            }
            // `-5` can arrive as one literal token.
            Ok(n) if n < 0 => {
                cx.error_spanned_by(int, format!("`version` must be positive; {HOW}"));
                None
            }
            Ok(n) if int.suffix().is_empty() => Some(Version {
                value: n,
                span: int.span(),
            }),
            Ok(_) => {
                cx.error_spanned_by(int, format!("`version` takes no type suffix; {HOW}"));
                None
            }
            Err(_) => {
                cx.error_spanned_by(
                    int,
                    format!("`version` does not fit in a 64-bit signed integer; {HOW}"),
                );
                None
            }
        },
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => {
            cx.error_spanned_by(value, format!("`version` must be positive; {HOW}"));
            None
        }
        _ => {
            cx.error_spanned_by(
                value,
                format!("`version` must be an integer literal; {HOW}"),
            );
            None
        }
    }
}

fn string(cx: &Ctxt, key: &str, value: &Expr) -> Option<LitStr> {
    if let Expr::Lit(ExprLit {
        lit: Lit::Str(s), ..
    }) = value
    {
        return Some(s.clone());
    }
    cx.error_spanned_by(
        value,
        format!("`{key}` takes a string literal: {}", example(key)),
    );
    None
}

fn reason(cx: &Ctxt, key: &str, value: &Expr) -> Option<LitStr> {
    let lit = string(cx, key, value)?;
    if lit.value().trim().is_empty() {
        cx.error_spanned_by(
            &lit,
            format!(
                "`{key}` needs a reason, not an empty string: {}",
                example(key)
            ),
        );
    }
    Some(lit)
}

fn dialect(cx: &Ctxt, value: &Expr) -> Option<(updown_sql::Dialect, LitStr)> {
    let lit = string(cx, "dialect", value)?;
    match updown_sql::Dialect::from_name(&lit.value()) {
        Some(d) => Some((d, lit)),
        None => {
            cx.error_spanned_by(
                &lit,
                format!(
                    "unknown dialect `{}`; use `postgres`, `mysql` or `sqlite` (or leave it out for SQL every parser reads)",
                    lit.value()
                ),
            );
            None
        }
    }
}

/// The rules `allow` takes: every rule but the syntax check, which `unchecked_sql`
/// turns off.
fn allowable(rule: &Rule) -> bool {
    rule.category() != Category::Syntax
}

fn allow(cx: &Ctxt, value: &Expr) -> Vec<LitStr> {
    let Expr::Array(array) = value else {
        cx.error_spanned_by(
            value,
            "`allow` takes a list of rule names: `allow = [\"create-index-without-concurrently\"]`",
        );
        return Vec::new();
    };
    let mut rules = Vec::new();
    for element in &array.elems {
        match element {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => match Rule::from_name(&s.value()) {
                Some(rule) if allowable(&rule) => rules.push(s.clone()),
                _ => cx.error_spanned_by(s, unknown_rule_message(&s.value())),
            },
            other => {
                cx.error_spanned_by(other, "a rule name is a string, such as `\"set-not-null\"`")
            }
        }
    }
    rules
}

fn unknown_rule_message(name: &str) -> String {
    // The syntax rules are turned off with `unchecked_sql`, not `allow`.
    if Rule::from_name(name).is_some_and(|rule| !allowable(&rule)) {
        return format!(
            "`{name}` cannot be allowed; declare `unchecked_sql = \"why\"` for SQL the parser cannot read"
        );
    }
    match Rule::closest(name).filter(allowable) {
        Some(meant) => format!("unknown rule `{name}`; did you mean `{meant}`?"),
        None => {
            let known = Rule::ALL.iter().filter(|r| allowable(r));
            let known: Vec<String> = known.map(|r| format!("`{r}`")).collect();
            format!("unknown rule `{name}`; `check` knows {}", known.join(", "))
        }
    }
}

fn boolean(cx: &Ctxt, key: &str, value: &Expr) -> Option<LitBool> {
    if let Expr::Lit(ExprLit {
        lit: Lit::Bool(b), ..
    }) = value
    {
        return Some(b.clone());
    }
    cx.error_spanned_by(
        value,
        format!("`{key}` takes `true` or `false`: {}", example(key)),
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_rules_name_the_closest_or_list_them_all() {
        assert_eq!(
            unknown_rule_message("drop-tabel"),
            "unknown rule `drop-tabel`; did you mean `drop-table`?"
        );
        // As tests/ui/keys/unknown-allow-rule.stderr shows it.
        assert_eq!(
            unknown_rule_message("no-such-rule"),
            "unknown rule `no-such-rule`; `check` knows `drop-table`, `drop-schema`, `drop-database`, `drop-column`, `drop-index`, `drop-view`, `truncate`, `delete-without-where`, `update-without-where`, `alter-column-type`, `drop-not-null`, `drop-default`, `rename-table`, `rename-column`, `create-index-without-concurrently`, `foreign-key-without-not-valid`, `check-without-not-valid`, `set-not-null`, `volatile-default`, `concurrently-in-transaction`, `created-but-not-dropped`, `dropped-column-not-restored`, `missing-down`"
        );
        // The syntax check is turned off with its own key, not `allow`.
        assert!(unknown_rule_message("syntax-error").contains("`unchecked_sql = \"why\"`"));
        assert!(
            unknown_rule_message("unverified-syntax")
                .starts_with("`unverified-syntax` cannot be allowed")
        );
        assert!(!unknown_rule_message("syntax-eror").contains("did you mean"));
    }
}
