//! Diesel's migration folders, read exactly as diesel reads them: every directory of the
//! folder whose name does not start with `.` is a migration `<version>_<name>` holding
//! `up.sql`, an optional `down.sql` and an optional `metadata.toml`; files beside them
//! are ignored. Used by the macros (at compile time) and the runtime (at run time), so
//! that both see the same migrations with the same checksums.

use std::cmp::Ordering;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::statements::{is_empty, own_transaction};

/// One diesel migration folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// The folder's path, as given joined with its name.
    pub path: PathBuf,
    /// The version as diesel records it in `__diesel_schema_migrations`: the part of the
    /// folder's name before the first `_`, dashes removed (`2018-07-25-165754` gives
    /// `20180725165754`). Diesel orders migrations by comparing these as text.
    pub version_text: String,
    /// The same version as a number, which updown tracks.
    pub version: i64,
    /// The part of the folder's name after the first `_` (the whole name if none).
    pub name: String,
    /// `up.sql`.
    pub up: String,
    /// `down.sql`, if the folder has one.
    pub down: Option<String>,
    /// What `metadata.toml` says, as diesel reads it: `true` without the file; with the
    /// file, its `run_in_transaction` key, `false` when the key is absent.
    pub run_in_transaction: bool,
}

impl Folder {
    /// Whether the migration runs in a transaction: as its metadata says, and never
    /// when its own SQL begins or ends one.
    pub fn transactional(&self) -> bool {
        self.run_in_transaction && !own_transaction(&self.up, self.down.as_deref())
    }

    /// Why the folder cannot be rolled back, if it cannot: no `down.sql`, or one that
    /// does nothing. The folder is named `shown` (its path, or the path relative to
    /// where it is embedded from).
    pub fn irreversible(&self, shown: &Path) -> Option<String> {
        let down = shown.join("down.sql");
        match &self.down {
            None => Some(format!("`{}` does not exist", down.display())),
            Some(sql) if is_empty(sql) => {
                Some(format!("`{}` is empty or only comments", down.display()))
            }
            Some(_) => None,
        }
    }

    /// The `down.sql` that undoes the migration, if it has one that does something.
    pub fn reversible_down(&self) -> Option<&str> {
        self.down.as_deref().filter(|sql| !is_empty(sql))
    }

    /// The checksum updown records: the same as a `#[derive(Migration)]` with this SQL.
    pub fn checksum(&self) -> String {
        crate::checksum::sql_migration(&self.up, self.reversible_down())
    }
}

/// Why a diesel folder could not be read.
#[derive(Debug)]
pub enum FolderError {
    /// A file or directory could not be read.
    Io {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A directory without `up.sql`, which diesel refuses too.
    NoUp {
        /// The directory.
        path: PathBuf,
    },
    /// A version updown cannot track as a number.
    Version {
        /// The folder.
        path: PathBuf,
        /// Its version, dashes removed.
        version: String,
    },
}

impl fmt::Display for FolderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FolderError::Io { path, source } => {
                write!(f, "cannot read `{}`: {source}", path.display())
            }
            FolderError::NoUp { path } => write!(
                f,
                "`{}` is not a diesel migration: it has no `up.sql` (diesel refuses it too); add one, or move the directory out of the migrations folder",
                path.display()
            ),
            FolderError::Version { path, version } => write!(
                f,
                "the version `{version}` of `{}` is not a number of 1 to 18 digits, which updown needs to track it; rename the folder to `<digits>_<name>` (dashes are allowed)",
                path.display()
            ),
        }
    }
}

impl std::error::Error for FolderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FolderError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Every migration of a diesel folder, in diesel's order (see [`diesel_order`]).
pub fn read_dir(dir: &Path) -> Result<Vec<Folder>, FolderError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| FolderError::Io { path, source }
    };
    let mut folders = Vec::new();
    for entry in fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let path = entry.path();
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if file_name.starts_with('.') || entry.metadata().map_err(io(&path))?.is_file() {
            continue;
        }
        folders.push(read_folder(&path, &file_name)?);
    }
    folders.sort_by(|a, b| diesel_order(&a.version_text, &b.version_text));
    Ok(folders)
}

/// Diesel's order of two versions: as text, so `20170821` comes after `20170318181441`.
pub fn diesel_order(a: &str, b: &str) -> Ordering {
    a.cmp(b)
}

fn read_folder(path: &Path, file_name: &str) -> Result<Folder, FolderError> {
    let (version_part, name) = match file_name.split_once('_') {
        Some((version, name)) => (version, name),
        None => (file_name, file_name),
    };
    let version_text = version_part.replace('-', "");
    let version = parse_version(&version_text).ok_or_else(|| FolderError::Version {
        path: path.to_path_buf(),
        version: version_text.clone(),
    })?;
    let read = |file: &str| -> Result<Option<String>, FolderError> {
        let file = path.join(file);
        match fs::read_to_string(&file) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(FolderError::Io { path: file, source }),
        }
    };
    let up = read("up.sql")?.ok_or_else(|| FolderError::NoUp {
        path: path.to_path_buf(),
    })?;
    let down = read("down.sql")?;
    let run_in_transaction = read("metadata.toml")?.is_none_or(|toml| run_in_transaction(&toml));
    Ok(Folder {
        path: path.to_path_buf(),
        version_text,
        version,
        name: name.to_owned(),
        up,
        down,
        run_in_transaction,
    })
}

/// Diesel reads `metadata.toml` into a struct whose `run_in_transaction` is a
/// `#[serde(default)] bool`: absent means `false`; a file it cannot parse means the
/// default, `true`.
fn run_in_transaction(toml: &str) -> bool {
    match toml.parse::<toml::Table>() {
        Ok(table) => match table.get("run_in_transaction") {
            Some(toml::Value::Boolean(on)) => *on,
            Some(_) => true,
            None => false,
        },
        Err(_) => true,
    }
}

fn parse_version(digits: &str) -> Option<i64> {
    let valid = (1..=18).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| digits.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn reads_folders_in_diesel_order_and_ignores_what_diesel_ignores() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(
            d,
            "20170318181441_create_users/up.sql",
            "CREATE TABLE users (id INT)",
        );
        write(
            d,
            "20170318181441_create_users/down.sql",
            "DROP TABLE users",
        );
        write(
            d,
            "20170821_add name/up.sql",
            "ALTER TABLE users ADD name TEXT",
        );
        write(
            d,
            "2018-07-25-165754_posts/up.sql",
            "CREATE TABLE posts (id INT)",
        );
        write(d, "2018-07-25-165754-0000_more/up.sql", "SELECT 1");
        write(
            d,
            "00000000000000_diesel_initial_setup/up.sql",
            "-- nothing",
        );
        write(d, ".archive/up.sql", "SELECT 1");
        write(d, "README.md", "not a migration");
        write(d, ".keep", "");
        let folders = read_dir(d).unwrap();
        let seen: Vec<(&str, i64, &str)> = folders
            .iter()
            .map(|f| (f.version_text.as_str(), f.version, f.name.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("00000000000000", 0, "diesel_initial_setup"),
                ("20170318181441", 20170318181441, "create_users"),
                ("20170821", 20170821, "add name"),
                ("20180725165754", 20180725165754, "posts"),
                ("201807251657540000", 201807251657540000, "more"),
            ]
        );
        assert_eq!(folders[1].irreversible(&folders[1].path), None);
        let reason = folders[2].irreversible(&folders[2].path).unwrap();
        assert!(
            reason.contains("20170821_add name/down.sql` does not exist"),
            "{reason}"
        );
    }

    #[test]
    fn a_directory_without_up_sql_and_a_version_too_long_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "20200101000000_x/down.sql", "SELECT 1");
        let err = read_dir(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("20200101000000_x` is not a diesel migration"),
            "{err}"
        );

        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "2020010100000000000_x/up.sql", "SELECT 1");
        let err = read_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("is not a number of 1 to 18 digits"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "v1_x/up.sql", "SELECT 1");
        assert!(matches!(
            read_dir(dir.path()),
            Err(FolderError::Version { .. })
        ));
    }

    #[test]
    fn metadata_reads_as_diesel_reads_it() {
        assert!(!run_in_transaction("run_in_transaction = false"));
        assert!(run_in_transaction("run_in_transaction = true"));
        assert!(!run_in_transaction("# no key: serde's default for bool"));
        assert!(run_in_transaction("this is not toml ="));
    }

    #[test]
    fn empty_and_comment_only_downs_are_irreversible() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "1_a/up.sql", "CREATE TABLE a (x INT)");
        write(
            dir.path(),
            "1_a/down.sql",
            "-- This file should undo anything in `up.sql`\n",
        );
        write(dir.path(), "2_b/up.sql", "-- Your SQL goes here\n");
        write(dir.path(), "2_b/down.sql", "");
        let folders = read_dir(dir.path()).unwrap();
        assert!(
            folders[0]
                .irreversible(&folders[0].path)
                .unwrap()
                .contains("is empty or only comments")
        );
        assert!(folders[1].irreversible(&folders[1].path).is_some());
        assert_eq!(folders[0].reversible_down(), None);
        assert_eq!(
            folders[0].checksum(),
            crate::checksum::sql_migration("CREATE TABLE a (x INT)", None)
        );
    }
}
