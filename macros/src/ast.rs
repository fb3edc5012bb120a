//! Typed model of an annotated item. It keeps the original syn nodes, so that checks
//! can span their errors on the user's own tokens.

use proc_macro2::TokenStream;
use syn::{DeriveInput, Item, ItemFn, ItemMod};

use crate::attr::{self, Attrs, Form};
use crate::ctxt::Ctxt;

/// `#[migration(...)] mod name { pub fn up(..) .. pub fn down(..) .. }`
pub struct ModuleMigration {
    pub attrs: Attrs,
    pub item: ItemMod,
    pub name: String,
}

impl ModuleMigration {
    /// Parses the attribute's arguments and the annotated item; `None` when the item is
    /// not an inline module (the error is recorded).
    pub fn from_tokens(cx: &Ctxt, args: TokenStream, item: TokenStream) -> Option<Self> {
        let item = match syn::parse2::<Item>(item) {
            Ok(Item::Mod(m)) if m.content.is_some() => m,
            Ok(Item::Mod(m)) => {
                cx.error_spanned_by(
                    &m,
                    format!(
                        "`#[migration]` needs the module's body inline: move the contents of its file into `mod {0} {{ ... }}`",
                        m.ident
                    ),
                );
                return None;
            }
            Ok(Item::Struct(s)) => {
                cx.error_spanned_by(
                    &s.ident,
                    "`#[migration]` goes on an inline module; for a SQL migration on a struct, put `#[derive(Migration)]` above the `#[migration(...)]` line",
                );
                return None;
            }
            Ok(other) => {
                cx.error_spanned_by(
                    item_head(&other),
                    "`#[migration]` goes on an inline module: `#[migration(version = ...)] mod name { pub fn up(..) .. pub fn down(..) .. }`",
                );
                return None;
            }
            Err(e) => {
                cx.syn_error(e);
                return None;
            }
        };
        // Keys are read only once the item is known to be a module, so that a migration
        // on the wrong item gets one error, not one per SQL key.
        let attrs = attr::parse(cx, args, Form::Module);
        let name = match &attrs.name {
            Some(lit) => lit.value(),
            None => item.ident.to_string().trim_start_matches("r#").to_owned(),
        };
        Some(ModuleMigration { attrs, item, name })
    }

    pub fn items(&self) -> &[Item] {
        self.item
            .content
            .as_ref()
            .map(|(_, items)| items.as_slice())
            .unwrap_or_default()
    }

    /// The module's `fn up` or `fn down`, if it has one.
    pub fn function(&self, which: &str) -> Option<&ItemFn> {
        self.items().iter().find_map(|item| match item {
            Item::Fn(f) if f.sig.ident == which => Some(f),
            _ => None,
        })
    }
}

/// `#[derive(Migration)] #[migration(version = ..., up = "..", down = "..")] struct Name;`
pub struct SqlMigration {
    pub attrs: Attrs,
    pub ident: syn::Ident,
    pub name: String,
    /// Whether a `#[migration(...)]` attribute was present at all.
    pub has_attribute: bool,
}

impl SqlMigration {
    pub fn from_derive(cx: &Ctxt, input: &DeriveInput) -> Option<Self> {
        let unit =
            matches!(&input.data, syn::Data::Struct(s) if matches!(s.fields, syn::Fields::Unit));
        if !unit || !input.generics.params.is_empty() {
            cx.error_spanned_by(
                &input.ident,
                "`#[derive(Migration)]` goes on a unit struct, such as `struct AddUserName;`; for Rust code use `#[migration(...)]` on an inline module",
            );
            return None;
        }
        let mut attrs = Attrs::default();
        let mut has_attribute = false;
        for a in input
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("migration"))
        {
            if has_attribute {
                cx.error_spanned_by(
                    a,
                    "more than one `#[migration(...)]` attribute; put every key in one of them",
                );
                continue;
            }
            has_attribute = true;
            match &a.meta {
                syn::Meta::List(list) => attrs = attr::parse(cx, list.tokens.clone(), Form::Sql),
                other => cx.error_spanned_by(
                    other,
                    "expected `#[migration(version = ..., up = \"...\", down = \"...\")]`",
                ),
            }
        }
        let name = match &attrs.name {
            Some(lit) => lit.value(),
            None => snake_case(&input.ident.to_string()),
        };
        Some(SqlMigration {
            attrs,
            ident: input.ident.clone(),
            name,
            has_attribute,
        })
    }
}

/// The tokens that introduce an item (`fn name`, `struct Name`...), for spanning an
/// error on the item without underlining its whole body.
fn item_head(item: &Item) -> TokenStream {
    use quote::quote;
    match item {
        Item::Fn(f) => {
            let (fn_token, ident) = (&f.sig.fn_token, &f.sig.ident);
            quote!(#fn_token #ident)
        }
        Item::Enum(e) => {
            let (t, i) = (&e.enum_token, &e.ident);
            quote!(#t #i)
        }
        Item::Impl(i) => {
            let t = &i.impl_token;
            quote!(#t)
        }
        Item::Const(c) => {
            let (t, i) = (&c.const_token, &c.ident);
            quote!(#t #i)
        }
        Item::Static(s) => {
            let (t, i) = (&s.static_token, &s.ident);
            quote!(#t #i)
        }
        Item::Trait(t) => {
            let (k, i) = (&t.trait_token, &t.ident);
            quote!(#k #i)
        }
        other => quote::ToTokens::to_token_stream(other),
    }
}

/// `AddUserName` -> `add_user_name`, `HTTPServer` -> `http_server`.
pub fn snake_case(ident: &str) -> String {
    let ident = ident.trim_start_matches("r#");
    let chars: Vec<char> = ident.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_uppercase();
            if i > 0 && !out.ends_with('_') && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake_case_of_struct_names() {
        assert_eq!(snake_case("AddUserName"), "add_user_name");
        assert_eq!(snake_case("HTTPServerLogs"), "http_server_logs");
        assert_eq!(snake_case("AddV2Index"), "add_v2_index");
        assert_eq!(snake_case("already_snake"), "already_snake");
    }
}
