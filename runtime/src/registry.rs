//! All migrations linked into the program, sorted and validated before anything runs.

use crate::error::{Duplicate, Error};
use crate::migration::Migration;

/// The migrations of this program, sorted by version, versions unique.
#[derive(Debug, Clone)]
pub struct Registry {
    migrations: Vec<&'static Migration>,
}

impl Registry {
    /// Every migration registered with `#[migration]` or `#[derive(Migration)]` in the
    /// crates linked into this program.
    ///
    /// Migrations of a library crate are linked only if the program names that crate
    /// (`use my_migrations as _;`); with none found this is [`Error::NoMigrations`].
    pub fn collect() -> Result<Self, Error> {
        Self::from_migrations(inventory::iter::<Migration>.into_iter().collect())
    }

    /// A registry of the given migrations, validated: not empty, versions unique.
    pub fn from_migrations(mut migrations: Vec<&'static Migration>) -> Result<Self, Error> {
        if migrations.is_empty() {
            return Err(Error::NoMigrations);
        }
        migrations.sort_by_key(|m| (m.version, m.file, m.line));
        let mut duplicates: Vec<Duplicate> = Vec::new();
        for pair in migrations.windows(2) {
            if pair[0].version != pair[1].version {
                continue;
            }
            let place = |m: &Migration| format!("{} ({})", m.name, m.location());
            match duplicates.last_mut() {
                Some(d) if d.version == pair[1].version => d.places.push(place(pair[1])),
                _ => duplicates.push(Duplicate {
                    version: pair[0].version,
                    places: vec![place(pair[0]), place(pair[1])],
                }),
            }
        }
        if !duplicates.is_empty() {
            return Err(Error::DuplicateVersions(duplicates));
        }
        Ok(Registry { migrations })
    }

    /// All migrations, by version.
    pub fn migrations(&self) -> &[&'static Migration] {
        &self.migrations
    }

    pub fn get(&self, version: i64) -> Option<&'static Migration> {
        self.migrations
            .binary_search_by_key(&version, |m| m.version)
            .ok()
            .map(|i| self.migrations[i])
    }
}
