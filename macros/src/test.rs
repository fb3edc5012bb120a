//! `#[updown::test]`: a test function that gets a fresh migrated database. Parse the
//! keys and the function, check them, then expand into a `#[test]` that prepares the
//! database, runs the body on it and drops it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, FnArg, ItemFn, Lit, LitStr, Meta, Token, Type};

use crate::attr::closest_key;
use crate::check::manifest_relative;
use crate::ctxt::{Ctxt, with_original};

const KEYS: &[&str] = &["to", "skip_migrations", "fixtures", "url"];

/// The keys of `#[updown::test(...)]`.
#[derive(Default)]
struct TestAttrs {
    to: Option<i64>,
    skip_migrations: bool,
    fixtures: Vec<LitStr>,
    url: Option<LitStr>,
}

/// What the test function takes.
enum Argument {
    None,
    /// `&mut Db`
    Db,
    /// `&mut AnyConnection`
    Connection,
    /// `&mut TestDatabase`
    Database,
}

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let attrs = parse_attrs(&cx, args);
    let parsed = syn::parse2::<ItemFn>(item.clone());
    let function = match parsed {
        Ok(f) => Some(f),
        Err(e) => {
            cx.error_at(
                e.span(),
                "`#[updown::test]` goes on a test function: `fn my_test(db: &mut Db) { ... }`",
            );
            None
        }
    };
    let argument = function.as_ref().map(|f| check(&cx, f));
    match (cx.check(), function, argument) {
        (Ok(()), Some(f), Some(argument)) => generate(&attrs, f, argument),
        (Err(e), _, _) => with_original(e, item),
        (Ok(()), _, _) => unreachable!("a missing function is an error"),
    }
}

fn parse_attrs(cx: &Ctxt, args: TokenStream) -> TestAttrs {
    let mut attrs = TestAttrs::default();
    let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
        Ok(metas) => metas,
        Err(e) => {
            cx.syn_error(e);
            return attrs;
        }
    };
    for meta in metas {
        let Meta::NameValue(nv) = &meta else {
            cx.error_spanned_by(&meta, "write `key = value`, such as `to = 20250101_120000`");
            continue;
        };
        let key = nv
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let lit = match &nv.value {
            Expr::Lit(ExprLit { lit, .. }) => Some(lit),
            _ => None,
        };
        match (key.as_str(), lit) {
            ("to", Some(Lit::Int(i))) => match i.base10_parse::<i64>() {
                Ok(v) if v > 0 => attrs.to = Some(v),
                _ => cx.error_spanned_by(i, "`to` is a migration's version: a positive integer"),
            },
            ("skip_migrations", Some(Lit::Bool(b))) => attrs.skip_migrations = b.value,
            ("url", Some(Lit::Str(s))) => attrs.url = Some(s.clone()),
            ("fixtures", _) => match &nv.value {
                Expr::Array(array) => {
                    for element in &array.elems {
                        match element {
                            Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => fixture(cx, s, &mut attrs),
                            other => cx.error_spanned_by(other, "a fixture is a path string, such as `\"tests/fixtures/users.sql\"`"),
                        }
                    }
                }
                other => cx.error_spanned_by(other, "`fixtures` takes a list of SQL files: `fixtures = [\"tests/fixtures/users.sql\"]`"),
            },
            (known, _) if KEYS.contains(&known) => cx.error_spanned_by(
                &nv.value,
                match known {
                    "to" => "`to` takes a version: `to = 20250101_120000`",
                    "skip_migrations" => "`skip_migrations` takes `true` or `false`",
                    _ => "`url` takes a database URL string: `url = \"postgres://...\"`",
                },
            ),
            _ => {
                let message = match closest_key(&key, KEYS) {
                    Some(meant) => format!("unknown key `{key}`; did you mean `{meant}`?"),
                    None => format!(
                        "unknown key `{key}`; `#[updown::test]` takes {}",
                        KEYS.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                    ),
                };
                cx.error_spanned_by(&nv.path, message)
            }
        }
    }
    attrs
}

fn fixture(cx: &Ctxt, path: &LitStr, attrs: &mut TestAttrs) {
    if manifest_relative(&path.value()).is_file() {
        attrs.fixtures.push(path.clone());
    } else {
        cx.error_spanned_by(
            path,
            format!(
                "fixture `{}` not found; paths are relative to the crate's Cargo.toml",
                path.value()
            ),
        );
    }
}

/// A plain function with at most one argument, which says what the test is handed.
fn check(cx: &Ctxt, f: &ItemFn) -> Argument {
    let sig = &f.sig;
    if let Some(a) = &sig.asyncness {
        cx.error_spanned_by(
            a,
            "an updown test is not `async`: the database is synchronous (diesel)",
        );
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(&sig.generics, "an updown test takes no generic parameters");
    }
    let mut inputs = sig.inputs.iter();
    let argument = match inputs.next() {
        None => Argument::None,
        Some(FnArg::Typed(arg)) => {
            match reference_target(&arg.ty).as_deref() {
                Some("Db") => Argument::Db,
                Some("AnyConnection") => Argument::Connection,
                Some("TestDatabase") => Argument::Database,
                _ => {
                    cx.error_spanned_by(&arg.ty, "an updown test takes `&mut Db`, `&mut AnyConnection` or `&mut TestDatabase`");
                    Argument::None
                }
            }
        }
        Some(receiver) => {
            cx.error_spanned_by(receiver, "an updown test is a free function, not a method");
            Argument::None
        }
    };
    if let Some(extra) = inputs.next() {
        cx.error_spanned_by(extra, "an updown test takes one argument: the database");
    }
    argument
}

/// `Db` for `&mut Db` (or `&mut updown::Db`).
fn reference_target(ty: &Type) -> Option<String> {
    let Type::Reference(r) = ty else { return None };
    r.mutability?;
    let Type::Path(p) = &*r.elem else { return None };
    p.path.segments.last().map(|s| s.ident.to_string())
}

fn generate(attrs: &TestAttrs, f: ItemFn, argument: Argument) -> TokenStream {
    let name = &f.sig.ident;
    let inner = format_ident!("__updown_test_{}", name);
    let mut body = f.clone();
    body.sig.ident = inner.clone();
    body.attrs.clear();
    let outer_attrs = &f.attrs;
    let vis = &f.vis;
    let output = &f.sig.output;
    let to = match attrs.to {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    };
    let url = match &attrs.url {
        Some(u) => quote!(::core::option::Option::Some(::std::string::String::from(#u))),
        None => quote!(::core::option::Option::None),
    };
    let skip = attrs.skip_migrations;
    let fixtures = attrs.fixtures.iter().map(|lit| {
        // `include_str!` of the absolute path: editing a fixture rebuilds the test.
        let path = manifest_relative(&lit.value());
        let path = LitStr::new(&path.to_string_lossy(), lit.span());
        quote!(::core::include_str!(#path))
    });
    let span = f.sig.ident.span();
    let call = match argument {
        Argument::None => quote_spanned!(span=> #inner()),
        Argument::Db => quote_spanned!(span=> #inner(database.db())),
        Argument::Connection => quote_spanned!(span=> #inner(database.conn())),
        Argument::Database => quote_spanned!(span=> #inner(database)),
    };
    let test_name = name.to_string();
    quote! {
        #[::core::prelude::v1::test]
        #(#outer_attrs)*
        #vis fn #name() #output {
            #body
            let options = ::updown::testing::TestOptions {
                url: #url,
                to: #to,
                skip_migrations: #skip,
                fixtures: ::std::vec![#(#fixtures),*],
            };
            ::updown::testing::run(
                ::core::concat!(::core::module_path!(), "::", #test_name),
                &options,
                |database| #call,
            )
        }
    }
}
