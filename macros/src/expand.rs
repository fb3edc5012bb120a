//! Code generation only: every user-facing error has been found by `check` before this
//! runs. Generated code names everything through `::updown::__private`, so it does not
//! depend on what the user imported.

use heck::ToUpperCamelCase;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::LitStr;

use crate::ast::{ModuleMigration, SqlMigration};
use crate::attr::{Attrs, SqlSource};
use crate::check::{RustSql, SqlTexts, manifest_relative};
use crate::checksum;

pub fn module(m: ModuleMigration, sql: RustSql) -> TokenStream {
    let checksum = checksum::module(&m.item);
    let ident = &m.item.ident;
    // Spanned on the user's functions, so a type mismatch is reported on them.
    let fn_span = |which: &str| {
        m.function(which)
            .map_or(ident.span(), |f| f.sig.ident.span())
    };
    let up = quote_spanned!(fn_span("up")=> ::updown::__private::Body::Rust(up));
    let down = m
        .function("down")
        .map(|_| quote_spanned!(fn_span("down")=> ::updown::__private::Body::Rust(down)));
    let registration = registration(&m.attrs, &m.name, &checksum, up, down, &sql, ident.span());
    let duplicate_guard = duplicate_guard(&m.attrs);

    let mut item = m.item;
    let (_, items) = item.content.as_mut().expect("checked: inline module");
    items.push(syn::Item::Verbatim(registration));
    quote! {
        #item
        #duplicate_guard
    }
}

/// The user's module as written, for the error path, except that an empty `up` or
/// `down` body (already reported) gets one that type-checks, so the compiler does not
/// add a second error about the same mistake.
pub fn fallback(m: ModuleMigration) -> TokenStream {
    let mut item = m.item;
    if let Some((_, items)) = item.content.as_mut() {
        for it in items {
            if let syn::Item::Fn(f) = it {
                let ours = f.sig.ident == "up" || f.sig.ident == "down";
                if ours
                    && f.block.stmts.is_empty()
                    && !matches!(f.sig.output, syn::ReturnType::Default)
                {
                    f.block = syn::parse_quote!({ ::core::unimplemented!() });
                }
            }
        }
    }
    quote!(#item)
}

pub fn sql(m: SqlMigration, texts: SqlTexts) -> TokenStream {
    let up_text = texts.up.expect("checked: up present");
    let checksum = checksum::sql(&up_text, texts.down.as_deref());
    let up = body(m.attrs.up.as_ref().expect("checked: up present"));
    let down = m.attrs.down.as_ref().map(body);
    let registration = registration(
        &m.attrs,
        &m.name,
        &checksum,
        up,
        down,
        &RustSql::default(),
        m.ident.span(),
    );
    let duplicate_guard = duplicate_guard(&m.attrs);
    let ident = &m.ident;
    quote! {
        #registration
        #duplicate_guard
        // The struct stands for the migration and is never built by the user.
        const _: () = {
            let _ = #ident;
        };
    }
}

fn body(source: &SqlSource) -> TokenStream {
    match source {
        SqlSource::Inline(lit) => quote!(::updown::__private::Body::sql(#lit)),
        SqlSource::File(lit) => {
            // `include_str!` of the absolute path makes cargo rebuild when the file changes.
            let path = manifest_relative(&lit.value());
            let path = LitStr::new(&path.to_string_lossy(), lit.span());
            quote!(::updown::__private::Body::sql(::core::include_str!(#path)))
        }
    }
}

fn registration(
    attrs: &Attrs,
    name: &str,
    checksum: &str,
    up: TokenStream,
    down: Option<TokenStream>,
    sql: &RustSql,
    span: Span,
) -> TokenStream {
    let version = attrs
        .version
        .as_ref()
        .expect("checked: version present")
        .value;
    let line = quote_spanned!(span=> ::core::line!());
    // Only what differs from the defaults is set, through the registration's builder, so
    // that a new key of the runtime does not change the code generated for the others.
    let mut options = Vec::new();
    if let Some(down) = down {
        options.push(quote!(.with_down(#down)));
    }
    if !attrs.transactional() {
        options.push(quote!(.with_transaction(false)));
    }
    if let Some(reason) = &attrs.destructive {
        options.push(quote!(.with_destructive(#reason)));
    }
    if let Some(reason) = &attrs.irreversible {
        options.push(quote!(.with_irreversible(#reason)));
    }
    if let Some((dialect, _)) = &attrs.dialect {
        let variant = format_ident!("{}", dialect.name().to_upper_camel_case());
        options.push(quote!(.with_dialect(::updown::__private::Dialect::#variant)));
    }
    if let Some(reason) = &attrs.unchecked_sql {
        options.push(quote!(.with_unchecked_sql(#reason)));
    }
    if !attrs.allow.is_empty() {
        // The names were checked against the rule registry, whose variants are the
        // names in UpperCamelCase.
        let rules = attrs.allow.iter().map(|lit| {
            let variant = format_ident!("{}", lit.value().to_upper_camel_case(), span = lit.span());
            quote!(::updown::__private::Rule::#variant)
        });
        options.push(quote!(.with_allow(&[#(#rules),*])));
    }
    let (sql_up, sql_down) = (&sql.up, &sql.down);
    if !sql_up.is_empty() || !sql_down.is_empty() {
        options.push(quote!(.with_sql_literals(&[#(#sql_up),*], &[#(#sql_down),*])));
    }
    quote! {
        const _: () = {
            ::updown::__private::inventory::submit! {
                ::updown::__private::Migration::compiled(
                    #version, #name, #checksum, ::core::file!(), #line, #up,
                )
                #(#options)*
            }
        };
    }
}

/// Two migrations with the same version in one module define the same constant, which
/// the compiler reports at both places. Across modules and crates the registry reports it
/// when the program starts.
fn duplicate_guard(attrs: &Attrs) -> TokenStream {
    let version = attrs.version.as_ref().expect("checked: version present");
    let ident = format_ident!(
        "migration_version_{}_is_used_twice",
        version.value as u64,
        span = version.span
    );
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        const #ident: () = ();
    }
}
