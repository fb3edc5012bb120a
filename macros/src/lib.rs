//! The macros of updown: `#[migration(...)]` on an inline module of Rust code and
//! `#[derive(Migration)]` on a struct carrying SQL. Use them through the `updown` crate,
//! which re-exports them.
//!
//! Each runs in stages: parse (`ast`, `attr`) -> check (`check`) -> expand (`expand`).
//! Every error of an item is collected and reported together, spanned on the offending
//! token; on error the user's item is still emitted, so one mistake gives one message.

mod ast;
mod attr;
mod check;
mod checksum;
mod ctxt;
mod expand;
mod test;

use proc_macro::TokenStream;

use crate::ctxt::{Ctxt, with_original};

/// Declares a migration written as Rust code. See the `updown` crate for the keys.
#[proc_macro_attribute]
pub fn migration(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_module(args.into(), item.into()).into()
}

/// A test that gets a fresh database with every registered migration applied: a
/// temporary SQLite file, or a new database on the server `UPDOWN_TEST_DATABASE_URL`
/// (or `url = "..."`) names, dropped after the test, also when it fails. It takes
/// `&mut Db`, `&mut AnyConnection` or `&mut TestDatabase`. Keys: `to = VERSION`,
/// `skip_migrations = true`, `fixtures = ["tests/fixtures/users.sql"]` (run after the
/// migrations), `url = "postgres://..."`.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    test::expand(args.into(), item.into()).into()
}

/// Declares a migration written as SQL, in `#[migration(...)]` beside the derive.
#[proc_macro_derive(Migration, attributes(migration))]
pub fn derive_migration(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand_sql(&input).into()
}

fn expand_module(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let cx = Ctxt::new();
    let migration = ast::ModuleMigration::from_tokens(&cx, args, item.clone());
    let sql = migration.as_ref().map(|m| check::module(&cx, m));
    match (cx.check(), migration) {
        (Ok(()), Some(m)) => expand::module(m, sql.unwrap_or_default()),
        (Err(e), Some(m)) => with_original(e, expand::fallback(m)),
        (Err(e), None) => with_original(e, item),
        (Ok(()), None) => unreachable!("an item that is not a module is an error"),
    }
}

fn expand_sql(input: &syn::DeriveInput) -> proc_macro2::TokenStream {
    let cx = Ctxt::new();
    let migration = ast::SqlMigration::from_derive(&cx, input);
    let texts = migration.as_ref().map(|m| check::sql(&cx, m));
    match cx.check() {
        Ok(()) => expand::sql(
            migration.expect("no error means parsed"),
            texts.unwrap_or_default(),
        ),
        // A derive cannot re-emit its item: the compiler keeps the struct as written.
        Err(e) => e.to_compile_error(),
    }
}
