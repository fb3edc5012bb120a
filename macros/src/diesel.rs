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

/// Two folders with one version number, which updown tracks them by.
fn same_versions(folders: &[Folder]) -> Option<String> {
    let mut sorted: Vec<&Folder> = folders.iter().collect();
    sorted.sort_by_key(|f| f.version);
    let pair = sorted.windows(2).find(|w| w[0].version == w[1].version)?;
    let diesel = if pair[0].version_text == pair[1].version_text {
        "diesel would run only one of them; "
    } else {
        ""
    };
    Some(format!(
        "`{}` and `{}` have the same version number {}; {diesel}updown refuses both: rename one",
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
    let relative = folder.path.strip_prefix(manifest).unwrap_or(&folder.path);
    let shown = relative.to_string_lossy();
    let (down, watch) = match folder.reversible_down() {
        Some(_) => (
            quote! { .with_down(::updown::__private::Body::sql(::core::include_str!(#down_file))) },
            None,
        ),
        None => {
            // Messages name the folder as the crate sees it, not by where it was built.
            let reason = folder.irreversible(relative).unwrap_or_default();
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
    // Editing `metadata.toml` rebuilds the crate too.
    let metadata = folder.path.join("metadata.toml");
    let metadata = metadata.is_file().then(|| {
        let path = LitStr::new(&metadata.to_string_lossy(), Span::call_site());
        quote! { const _: &[u8] = ::core::include_bytes!(#path); }
    });
    quote! {
        const _: () = {
            #watch
            #metadata
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

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(dir: &str) -> String {
        expand(quote! { #dir }).to_string()
    }

    #[test]
    fn errors_are_compile_errors_on_the_literal() {
        let out = expanded("/no/such/dir");
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("cannot read `/no/such/dir`"), "{out}");

        let out = expand(quote! { migrations }).to_string();
        assert!(
            out.contains("expected the migrations folder as a string"),
            "{out}"
        );

        let dir = std::env::temp_dir().join(format!("updown-embed-{}", std::process::id()));
        for name in ["2020-01-01-000000_a", "20200101000000_b"] {
            std::fs::create_dir_all(dir.join(name)).unwrap();
            std::fs::write(dir.join(name).join("up.sql"), "SELECT 1").unwrap();
        }
        let out = expanded(&dir.to_string_lossy());
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            out.contains("have the same version number 20200101000000"),
            "{out}"
        );
        assert!(out.contains("diesel would run only one of them"), "{out}");
    }

    #[test]
    fn each_folder_is_registered_with_its_options() {
        let dir = std::env::temp_dir().join(format!("updown-embed-ok-{}", std::process::id()));
        let write = |rel: &str, text: &str| {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("2020-01-01-000000_a/up.sql", "CREATE TABLE a (x INT)");
        write("2020-01-01-000000_a/down.sql", "DROP TABLE a");
        write(
            "20200102_b/up.sql",
            "BEGIN; CREATE TABLE b (x INT); COMMIT;",
        );
        write("20200102_b/down.sql", "-- nothing");
        write("20200102_b/metadata.toml", "run_in_transaction = true");
        let out = expanded(&dir.to_string_lossy());
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(out.matches("inventory :: submit").count(), 2, "{out}");
        assert!(out.contains(r#"with_diesel_folder ("#), "{out}");
        assert!(out.contains(r#""20200101000000""#), "{out}");
        assert!(out.contains("with_down"), "{out}");
        // `b`: its own transaction, and a down that does nothing.
        assert!(out.contains("with_transaction (false)"), "{out}");
        assert!(out.contains("with_irreversible"), "{out}");
        assert!(out.contains("is empty or only comments"), "{out}");
        // Included, so that editing it rebuilds the crate.
        assert_eq!(out.matches("include_bytes").count(), 1, "{out}");
        assert!(out.contains("20200102_b/metadata.toml"), "{out}");
    }
}
