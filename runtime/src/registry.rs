//! Where migrations come from ([`Source`]), merged into one [`Registry`], sorted and
//! validated once before anything runs.

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

/// The migrations of this program, sorted by version, versions unique.
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

    /// A registry of the given migrations, validated: not empty, versions unique.
    pub fn from_migrations(mut migrations: Vec<Migration>) -> Result<Self, Error> {
        if migrations.is_empty() {
            return Err(Error::NoMigrations);
        }
        migrations.sort_by(|a, b| (a.version, &a.origin).cmp(&(b.version, &b.origin)));
        let mut duplicates: Vec<Duplicate> = Vec::new();
        for pair in migrations.windows(2) {
            if pair[0].version != pair[1].version {
                continue;
            }
            let place = |m: &Migration| format!("{} ({})", m.name, m.origin);
            match duplicates.last_mut() {
                Some(d) if d.version == pair[1].version => d.places.push(place(&pair[1])),
                _ => duplicates.push(Duplicate {
                    version: pair[0].version,
                    places: vec![place(&pair[0]), place(&pair[1])],
                }),
            }
        }
        if !duplicates.is_empty() {
            return Err(Error::DuplicateVersions(duplicates));
        }
        Ok(Registry { migrations })
    }

    /// All migrations, by version.
    pub fn migrations(&self) -> &[Migration] {
        &self.migrations
    }

    /// The migration with this version.
    pub fn get(&self, version: i64) -> Option<&Migration> {
        self.migrations
            .binary_search_by_key(&version, |m| m.version)
            .ok()
            .map(|i| &self.migrations[i])
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
        let empty: Vec<Migration> = Vec::new();
        assert!(matches!(
            Registry::from_sources(&[&empty]),
            Err(Error::NoMigrations)
        ));
    }
}
