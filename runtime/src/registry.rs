//! Where migrations come from ([`Source`]), merged into one [`Registry`], ordered and
//! validated once before anything runs.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::error::{Duplicate, Error};
use crate::migration::Migration;

/// A place migrations come from: the ones compiled into the program ([`Compiled`]), or
/// any list built at run time.
pub trait Source {
    /// The migrations of this source, in any order.
    fn migrations(&self) -> Result<Vec<Migration>, Error>;
}

/// Every migration registered with `#[migration]` or `#[derive(Migration)]` in the
/// crates linked into this program.
#[derive(Debug, Clone, Copy, Default)]
pub struct Compiled;

impl Source for Compiled {
    fn migrations(&self) -> Result<Vec<Migration>, Error> {
        Ok(inventory::iter::<Migration>.into_iter().cloned().collect())
    }
}

impl Source for Vec<Migration> {
    fn migrations(&self) -> Result<Vec<Migration>, Error> {
        Ok(self.clone())
    }
}

/// The diesel migration folders of a directory, read when the registry is built (the
/// CLI's `--diesel-dir`). Files and `.`-directories beside them are ignored, as diesel
/// ignores them.
#[derive(Debug, Clone)]
pub struct DieselDir {
    path: PathBuf,
}

impl DieselDir {
    /// The folders of `path`, e.g. `migrations`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        DieselDir { path: path.into() }
    }
}

impl Source for DieselDir {
    fn migrations(&self) -> Result<Vec<Migration>, Error> {
        let folders = updown_sql::diesel::read_dir(&self.path)?;
        Ok(folders.iter().map(Migration::diesel).collect())
    }
}

/// The migrations of this program, in the order they apply, versions unique.
///
/// The order: migrations defined in Rust (`#[migration]`, `#[derive(Migration)]`,
/// [`Migration::sql`]) by version number; diesel folders in diesel's own order, which
/// compares versions as text; the two lists merged as a merge sort merges, so each keeps
/// its own order, comparing versions as diesel does (as text: `20240201000000` after
/// `2023071012000000`, a Rust migration of today after a diesel folder of last year,
/// whatever their lengths). Where every version has the same number of digits
/// (timestamps), this is simply version order.
///
/// ```no_run
/// # fn main() -> Result<(), updown::Error> {
/// let registry = updown::Registry::collect()?;
/// for m in registry.migrations() {
///     println!("{}", m.label());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Registry {
    migrations: Vec<Migration>,
    /// Each version's index in `migrations`.
    positions: HashMap<i64, usize>,
}

impl Registry {
    /// The compiled-in migrations ([`Compiled`]).
    ///
    /// Migrations of a library crate are linked only if the program names that crate
    /// (`use my_migrations as _;`); with none found this is [`Error::NoMigrations`].
    pub fn collect() -> Result<Self, Error> {
        Self::from_sources(&[&Compiled])
    }

    /// The migrations of every source, merged and validated as one plan.
    pub fn from_sources(sources: &[&dyn Source]) -> Result<Self, Error> {
        let mut migrations = Vec::new();
        for source in sources {
            migrations.extend(source.migrations()?);
        }
        Self::from_migrations(migrations)
    }

    /// A registry of the given migrations, ordered (see [`Registry`]) and
    /// validated: not empty, versions unique.
    pub fn from_migrations(migrations: Vec<Migration>) -> Result<Self, Error> {
        if migrations.is_empty() {
            return Err(Error::NoMigrations);
        }
        let (diesel, mut rust): (Vec<Migration>, Vec<Migration>) = migrations
            .into_iter()
            .partition(|m| m.diesel_version.is_some());
        rust.sort_by(|a, b| (a.version, &a.origin).cmp(&(b.version, &b.origin)));
        let keyed = |list: Vec<Migration>| -> Vec<(String, Migration)> {
            list.into_iter()
                .map(|m| (m.version_text().into_owned(), m))
                .collect()
        };
        let mut diesel = keyed(diesel);
        diesel.sort_by(|(a, ma), (b, mb)| {
            updown_sql::diesel::diesel_order(a, b).then_with(|| ma.origin.cmp(&mb.origin))
        });
        let migrations = merge_in_diesel_order(keyed(rust), diesel);
        let mut by_version: Vec<&Migration> = migrations.iter().collect();
        by_version.sort_by(|a, b| (a.version, &a.origin).cmp(&(b.version, &b.origin)));
        let mut duplicates: Vec<Duplicate> = Vec::new();
        for pair in by_version.windows(2) {
            if pair[0].version != pair[1].version {
                continue;
            }
            let place = |m: &Migration| format!("{} ({})", m.name, m.origin);
            let same = pair[0].name == pair[1].name && pair[0].checksum == pair[1].checksum;
            match duplicates.last_mut() {
                Some(d) if d.version == pair[1].version => {
                    d.places.push(place(pair[1]));
                    d.identical &= same;
                }
                _ => duplicates.push(Duplicate {
                    version: pair[0].version,
                    places: vec![place(pair[0]), place(pair[1])],
                    identical: same,
                }),
            }
        }
        if !duplicates.is_empty() {
            return Err(Error::DuplicateVersions(duplicates));
        }
        let positions = migrations
            .iter()
            .enumerate()
            .map(|(i, m)| (m.version, i))
            .collect();
        Ok(Registry {
            migrations,
            positions,
        })
    }

    /// All migrations, in the order they apply.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// Lower-case names of the extensions some migration's `up` creates
    /// (`CREATE EXTENSION [IF NOT EXISTS] name`).
    pub(crate) fn created_extensions(&self) -> std::collections::BTreeSet<String> {
        use updown_sql::lexer::tokens;
        let mut names = std::collections::BTreeSet::new();
        for m in &self.migrations {
            for sql in m.scripts(crate::run::Action::Apply) {
                let toks = tokens(sql);
                for (i, t) in toks.iter().enumerate() {
                    let word = |k: usize, w: &str| {
                        toks.get(k).is_some_and(|t| t.text.eq_ignore_ascii_case(w))
                    };
                    if !(t.text.eq_ignore_ascii_case("create") && word(i + 1, "extension")) {
                        continue;
                    }
                    let at = if word(i + 2, "if") { i + 5 } else { i + 2 };
                    if let Some(name) = toks.get(at) {
                        names.insert(name.text.trim_matches('"').to_lowercase());
                    }
                }
            }
        }
        names
    }

    /// The migration with this version.
    pub fn get(&self, version: i64) -> Option<&Migration> {
        self.position(version).map(|i| &self.migrations[i])
    }

    /// The migration diesel records as `version` in `__diesel_schema_migrations`: a
    /// diesel folder by its version text, any other migration by its number.
    pub fn diesel_migration(&self, version: &str) -> Option<&Migration> {
        let m = self.get(version.parse().ok()?)?;
        (m.version_text() == version).then_some(m)
    }

    /// Where the migration with this version comes in the order they apply.
    pub fn position(&self, version: i64) -> Option<usize> {
        self.positions.get(&version).copied()
    }

    /// Whether `version` comes at or before `bound` in the order migrations apply: by
    /// their places when both are registered, by number otherwise (a bound between
    /// versions, say).
    pub fn at_or_before(&self, version: i64, bound: i64) -> bool {
        match (self.position(version), self.position(bound)) {
            (Some(v), Some(b)) => v <= b,
            _ => version <= bound,
        }
    }
}

/// Merges two ordered lists of `(version text, item)`, each kept in its own order: the
/// next one out is the head whose version comes first as diesel compares versions, as
/// text (the first list's on a tie).
pub(crate) fn merge_in_diesel_order<T>(
    first: Vec<(String, T)>,
    second: Vec<(String, T)>,
) -> Vec<T> {
    let (mut a, mut b) = (first.into_iter().peekable(), second.into_iter().peekable());
    let mut out = Vec::with_capacity(a.len() + b.len());
    loop {
        let take_first = match (a.peek(), b.peek()) {
            (Some((x, _)), Some((y, _))) => updown_sql::diesel::diesel_order(x, y).is_le(),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        out.extend(if take_first { a.next() } else { b.next() }.map(|(_, item)| item));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(version: i64, name: &'static str) -> Migration {
        Migration::sql(version, name, "SELECT 1", Some("SELECT 2"))
    }

    #[test]
    fn sources_merge_into_one_sorted_validated_list() {
        let (a, b): (Vec<Migration>, Vec<Migration>) =
            (vec![sql(3, "c"), sql(1, "a")], vec![sql(2, "b")]);
        let registry = Registry::from_sources(&[&a, &b]).unwrap();
        let labels: Vec<String> = registry.migrations().iter().map(Migration::label).collect();
        assert_eq!(labels, ["1 a", "2 b", "3 c"]);
        assert_eq!(registry.get(2).map(Migration::name), Some("b"));
        assert!(registry.get(4).is_none());

        let clash = vec![sql(2, "other")];
        let Err(Error::DuplicateVersions(duplicates)) = Registry::from_sources(&[&a, &b, &clash])
        else {
            panic!("a version used twice across sources is refused");
        };
        assert_eq!(duplicates[0].version, 2);
        assert_eq!(duplicates[0].places.len(), 2);
        let psql = Migration::sql(
            9,
            "psql",
            "BEGIN; CREATE TABLE p (x INT); COMMIT;",
            Some("DROP TABLE p"),
        );
        assert!(
            !psql.transactional(),
            "its own BEGIN/COMMIT: outside updown's transaction"
        );
        assert!(sql(1, "a").transactional());
        let empty: Vec<Migration> = Vec::new();
        assert!(matches!(
            Registry::from_sources(&[&empty]),
            Err(Error::NoMigrations)
        ));
    }
}
