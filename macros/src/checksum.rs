//! The canonical form of a Rust migration: its module's tokens walked one by one, doc
//! comments skipped. Whitespace and comments never reach the token stream, and
//! `TokenStream::to_string()` (whose spacing varies between compiler versions) is
//! never used, so the checksum depends on the tokens alone.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ItemMod;
use updown_sql::Checksum;

/// Checksum of everything inside a module migration: `up`, `down` and any helper
/// they call from the same module.
pub fn module(item: &ItemMod) -> String {
    let mut sum = Checksum::new();
    sum.section("rust-module");
    if let Some((_, items)) = &item.content {
        for it in items {
            tokens(&mut sum, it.to_token_stream());
        }
    }
    sum.finish()
}

pub fn sql(up: &str, down: Option<&str>) -> String {
    updown_sql::checksum::sql_migration(up, down)
}

fn tokens(sum: &mut Checksum, stream: TokenStream) {
    let mut iter = stream.into_iter().peekable();
    while let Some(tree) = iter.next() {
        match tree {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                if iter
                    .peek()
                    .is_some_and(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == '!'))
                {
                    let bang = iter.next().expect("peeked");
                    if iter.peek().is_some_and(is_doc_attribute) {
                        iter.next();
                        continue;
                    }
                    sum.token("#");
                    tokens(sum, TokenStream::from(bang));
                } else if iter.peek().is_some_and(is_doc_attribute) {
                    iter.next();
                } else {
                    sum.token("#");
                }
            }
            TokenTree::Punct(p) => sum.token(p.as_char().encode_utf8(&mut [0; 4])),
            TokenTree::Ident(i) => sum.token(&i.to_string()),
            TokenTree::Literal(l) => sum.token(&l.to_string()),
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("", ""),
                };
                sum.token(open);
                tokens(sum, g.stream());
                sum.token(close);
            }
        }
    }
}

/// `[doc = "..."]` or `[doc(...)]`: what `///` and `//!` comments become.
fn is_doc_attribute(tree: &TokenTree) -> bool {
    match tree {
        TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket => {
            matches!(g.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i == "doc")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::module;

    fn sum(src: &str) -> String {
        module(&syn::parse_str(src).expect("test module parses"))
    }

    const BASE: &str = r#"mod create_users {
        use super::*;
        pub fn up(db: &mut Db) -> Result<()> {
            db.execute("CREATE TABLE users (id BIGINT PRIMARY KEY)")
        }
        pub fn down(db: &mut Db) -> Result<()> {
            db.execute("DROP TABLE users")
        }
    }"#;

    #[test]
    fn ignores_whitespace_comments_and_doc_comments() {
        let reformatted = "mod create_users { //! inner doc\n use super::*;\n\n  /// Creates it.\n  pub fn up(db:&mut Db)->Result<()>{ // a comment\n db.execute(\"CREATE TABLE users (id BIGINT PRIMARY KEY)\") }\n/* block */ pub fn down( db : &mut Db ) -> Result<()> {\n\tdb.execute(\"DROP TABLE users\")\n}\n}";
        assert_eq!(sum(BASE), sum(reformatted));
    }

    #[test]
    fn ignores_crlf_line_endings() {
        assert_eq!(sum(BASE), sum(&BASE.replace('\n', "\r\n")));
    }

    #[test]
    fn ignores_the_module_name_and_its_attributes() {
        let renamed = BASE.replace("mod create_users", "#[allow(unused)] mod make_users");
        assert_eq!(sum(BASE), sum(&renamed));
    }

    #[test]
    fn changes_with_every_token() {
        let base = sum(BASE);
        for (from, to) in [
            ("BIGINT", "INTEGER"),
            ("db.execute(\"DROP", "db.batch_execute(\"DROP"),
            ("use super::*;", "use super::*; use std::fmt;"),
            (
                "Result<()> {\n            db.execute(\"DROP",
                "Result<()> {\n            let _x = 1; db.execute(\"DROP",
            ),
            ("pub fn down", "fn down"),
            (
                "(db: &mut Db) -> Result<()> {\n            db.execute(\"CREATE",
                "(conn: &mut Db) -> Result<()> {\n            conn.execute(\"CREATE",
            ),
        ] {
            let changed = BASE.replacen(from, to, 1);
            assert_ne!(changed, BASE, "replacement {from:?} did not apply");
            assert_ne!(base, sum(&changed), "{from:?} -> {to:?}");
        }
    }

    #[test]
    fn non_doc_attributes_count() {
        let with_attr = BASE.replace("pub fn up", "#[inline] pub fn up");
        assert_ne!(sum(BASE), sum(&with_attr));
    }

    /// Pins the canonical form of Rust migrations: if this changes, every recorded
    /// checksum of a Rust migration changes with it.
    #[test]
    fn golden() {
        assert_eq!(
            sum(BASE),
            "f80c6ecbb34ef6b4a9559c278883ec6ab2842fcbd9eac9672b4e0287d2e818ec"
        );
    }
}
