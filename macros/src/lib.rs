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
mod diesel;
mod expand;
mod test;

use proc_macro::TokenStream;

use crate::ctxt::{Ctxt, with_original};

/// Declares a migration written as Rust code: an inline module with `pub fn up` and
/// `pub fn down`, each taking `&mut Db` and returning `Result<()>` (both from
/// `updown::prelude`).
///
/// ```ignore
/// use updown::prelude::*;
///
/// /// Creates the users table.
/// #[migration(version = 20250101_120000)]
/// mod create_users {
///     use super::*;
///
///     pub fn up(db: &mut Db) -> Result<()> {
///         db.execute("CREATE TABLE users (id BIGINT PRIMARY KEY, email TEXT NOT NULL)")
///     }
///
///     pub fn down(db: &mut Db) -> Result<()> {
///         db.execute("DROP TABLE users")
///     }
/// }
/// ```
///
/// The module may hold helpers and `use` what it needs; all of it counts in the checksum.
/// A missing `down`, or one that does nothing (`Ok(())`, `todo!()`, empty SQL), is a
/// compile error unless the migration declares `irreversible`. The string literals passed
/// to `execute` and `batch_execute` are parsed as SQL when the crate compiles; those of
/// `up` are also checked for destructive statements.
///
/// # Keys
///
/// - `version = 20250101_120000` (required): a positive integer, unique in the program.
///   A timestamp `YYYYMMDD_HHMMSS` keeps versions unique and in the order written.
/// - `name = "create_users"`: the name in messages and in updown's tables; by default the
///   module's name (the struct's in snake_case for `#[derive(Migration)]`).
/// - `transaction = false`: run the body outside a transaction, for statements that
///   cannot run in one (`CREATE INDEX CONCURRENTLY`, `VACUUM`) and SQL that begins and
///   ends its own transactions: in a transactional migration both are compile errors.
///   The migration is marked dirty before its body and clean after, so a failure
///   half-way is seen and refused.
/// - `destructive = "why"`: permits destructive statements in `up` (DROP of what existed
///   before, TRUNCATE, DELETE or UPDATE without WHERE, type changes, renames...). The
///   reason is kept in the history.
/// - `irreversible = "why"`: the migration has no `down`; a rollback that would pass it
///   is refused before anything is undone, quoting the reason.
/// - `dialect = "postgres" | "mysql" | "sqlite"`: the grammar for its SQL: PostgreSQL's
///   and SQLite's own, and for MySQL an approximation whose doubts are `check` warnings
///   rather than compile errors. Without it a statement passes if any of them reads it.
///   With `postgres`, `check` applies its PostgreSQL lock-risk rules.
/// - `unchecked_sql = "why"`: SQL a grammar here wrongly rejects; its syntax is not
///   checked.
/// - `allow = ["rule-name", ...]`: rules of `check` not reported for this migration,
///   such as `create-index-without-concurrently`.
///
/// ```ignore
/// /// CONCURRENTLY cannot run in a transaction; the index does not block writes.
/// #[migration(
///     version = 20250110_090000,
///     name = "index_users_by_email",
///     transaction = false,
///     dialect = "postgres",
/// )]
/// mod users_email_index {
///     use super::*;
///
///     pub fn up(db: &mut Db) -> Result<()> {
///         db.execute("CREATE INDEX CONCURRENTLY users_email_idx ON users (email)")
///     }
///
///     pub fn down(db: &mut Db) -> Result<()> {
///         db.execute("DROP INDEX CONCURRENTLY users_email_idx")
///     }
/// }
///
/// #[migration(version = 20250111_090000, irreversible = "purged sessions cannot be restored")]
/// mod purge_sessions {
///     use super::*;
///
///     pub fn up(db: &mut Db) -> Result<()> {
///         db.execute("DELETE FROM sessions WHERE expires_at < CURRENT_TIMESTAMP")
///     }
/// }
/// ```
///
/// Every mistake in an item (an unknown or duplicate key, a wrong signature, SQL that
/// does not parse) is reported at once, on the offending token. The `updown` crate's
/// documentation has these examples as compiled tests, and shows how to run migrations.
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

/// Registers every diesel migration folder of a directory (relative to the crate's
/// `Cargo.toml`), as diesel's `embed_migrations!` finds them: `<version>_<name>/up.sql`,
/// optional `down.sql` and `metadata.toml`; files and `.`-directories beside them are
/// ignored. Use it once, at item level:
///
/// ```ignore
/// updown::embed_diesel_migrations!("migrations");
/// ```
///
/// Checksums are computed when the crate compiles, the SQL is included in the binary,
/// and editing a file rebuilds the crate. A new folder is seen on the next build of the
/// crate: add a `build.rs` with `println!("cargo:rerun-if-changed=migrations");` to
/// rebuild when one appears. A folder without a `down.sql` that does something is
/// irreversible (reported by `check`, refused by rollback).
#[proc_macro]
pub fn embed_diesel_migrations(input: TokenStream) -> TokenStream {
    diesel::expand(input.into()).into()
}

/// Declares a migration written as SQL: a unit struct with the SQL in
/// `#[migration(...)]` below the derive.
///
/// ```ignore
/// use updown::prelude::*;
///
/// #[derive(Migration)]
/// #[migration(
///     version = 20250102_090000,
///     up = "ALTER TABLE users ADD COLUMN name TEXT",
///     down = "ALTER TABLE users DROP COLUMN name"
/// )]
/// struct AddUserName;
///
/// /// The SQL in files, relative to the crate's `Cargo.toml`: editing them rebuilds the
/// /// crate and changes the checksum.
/// #[derive(Migration)]
/// #[migration(
///     version = 20250105_080000,
///     up_file = "sql/create_post_authors_view.up.sql",
///     down_file = "sql/create_post_authors_view.down.sql"
/// )]
/// struct CreatePostAuthorsView;
///
/// #[derive(Migration)]
/// #[migration(
///     version = 20250112_090000,
///     destructive = "nickname was replaced by display_name",
///     up = "ALTER TABLE users DROP COLUMN nickname",
///     down = "ALTER TABLE users ADD COLUMN nickname TEXT"
/// )]
/// struct DropNickname;
///
/// #[derive(Migration)]
/// #[migration(
///     version = 20250113_090000,
///     dialect = "postgres",
///     up = "CREATE TABLE users_copy (LIKE users INCLUDING ALL)",
///     down = "DROP TABLE users_copy"
/// )]
/// struct CopyUsers;
///
/// #[derive(Migration)]
/// #[migration(
///     version = 20250114_090000,
///     dialect = "postgres",
///     allow = ["create-index-without-concurrently"],
///     up = "CREATE INDEX posts_title_idx ON posts (title)",
///     down = "DROP INDEX posts_title_idx"
/// )]
/// struct IndexPostsByTitle;
/// ```
///
/// # Keys
///
/// Those of [`macro@migration`] (`version`, `name`, `transaction`, `destructive`,
/// `irreversible`, `dialect`, `unchecked_sql`, `allow`), and:
///
/// - `up = "SQL"` or `up_file = "path"` (one of them required): the script `migrate`
///   runs, one statement at a time.
/// - `down = "SQL"` or `down_file = "path"` (one of them, unless `irreversible`): the
///   script a rollback runs.
///
/// The SQL is parsed when the crate compiles, a file's errors naming its line. The
/// checksum is that of the SQL with comments and whitespace folded, so
/// `updown::Migration::sql` with the same SQL gives the same one.
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
