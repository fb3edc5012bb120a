//! `embed_diesel_migrations!("migrations")`: every diesel migration folder found when the
//! crate compiles, registered as a migration with its checksum computed now. The SQL is
//! included with `include_str!`, so editing a file rebuilds the crate.

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::LitStr;
use updown_sql::diesel::{Folder, read_dir};

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let dir: LitStr = match syn::parse2(input) {
        Ok(dir) => dir,
        Err(e) => {
            return syn::Error::new(
                e.span(),
                "expected the migrations folder as a string, relative to the crate: `embed_diesel_migrations!(\"migrations\")`",
            )
            .to_compile_error();
        }
    };
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let path = manifest.join(dir.value());
    let folders = match read_dir(&path) {
        Ok(folders) => folders,
        Err(e) => {
            let message = format!("{e} (looked in `{}`)", path.display());
            return syn::Error::new(dir.span(), message).to_compile_error();
        }
    };
    if let Some(message) = same_versions(&folders) {
        return syn::Error::new(dir.span(), message).to_compile_error();
    }
    let migrations = folders.iter().map(|f| migration(f, &manifest));
    quote! { #(#migrations)* }
}

/// Two folders diesel would record under one version: it would run only one of them.
fn same_versions(folders: &[Folder]) -> Option<String> {
    let mut sorted: Vec<&Folder> = folders.iter().collect();
    sorted.sort_by_key(|f| f.version);
    let pair = sorted.windows(2).find(|w| w[0].version == w[1].version)?;
    Some(format!(
        "`{}` and `{}` have the same version {}; diesel would run only one of them, updown refuses both: rename one",
        pair[0].path.display(),
        pair[1].path.display(),
        pair[0].version
    ))
}

fn migration(folder: &Folder, manifest: &Path) -> TokenStream {
    let (version, name, checksum) = (folder.version, &folder.name, folder.checksum());
    let version_text = &folder.version_text;
    let file = |name: &str| {
        let path = folder.path.join(name);
        LitStr::new(&path.to_string_lossy(), Span::call_site())
    };
    let up = file("up.sql");
    let down_file = file("down.sql");
    let shown = folder.path.strip_prefix(manifest).unwrap_or(&folder.path);
    let shown = shown.to_string_lossy();
    let (down, watch) = match (folder.reversible_down(), folder.irreversible()) {
        (Some(_), _) => (
            quote! { .with_down(::updown::__private::Body::sql(::core::include_str!(#down_file))) },
            None,
        ),
        (None, reason) => {
            let reason = reason.unwrap_or_default();
            // A `down.sql` that does nothing is still included, so that writing it
            // rebuilds the crate.
            let watch = folder
                .down
                .is_some()
                .then(|| quote! { const _: &str = ::core::include_str!(#down_file); });
            (quote! { .with_irreversible(#reason) }, watch)
        }
    };
    let transaction = (!folder.transactional()).then(|| quote! { .with_transaction(false) });
    quote! {
        const _: () = {
            #watch
            ::updown::__private::inventory::submit! {
                ::updown::__private::Migration::compiled(
                    #version, #name, #checksum, ::core::file!(), ::core::line!(),
                    ::updown::__private::Body::sql(::core::include_str!(#up)),
                )
                #down
                #transaction
                .with_diesel_folder(#shown, #version_text)
            }
        };
    }
}
