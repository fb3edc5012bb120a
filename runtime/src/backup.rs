//! Logical backups taken before a run, and putting one back: SQLite through `VACUUM
//! INTO`, PostgreSQL through `pg_dump`, MySQL and MariaDB through `mariadb-dump` or
//! `mysqldump`. Each is gzip-compressed, readable by its owner only (mode 0600), and the
//! folder's `latest` file names the newest.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::Error;
use crate::url::DatabaseUrl;

/// A backup written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    /// The file, gzip-compressed.
    pub file: PathBuf,
    /// Its size on disk, in bytes.
    pub bytes: u64,
    /// How long taking it took.
    pub duration: Duration,
    /// What took it: `VACUUM INTO`, `pg_dump`, `mariadb-dump`, `mysqldump`.
    pub tool: String,
}

/// Takes a backup of the database at `url` into `dir` (created, mode 0700, if missing)
/// and points `dir/latest` at it.
pub fn take(url: &DatabaseUrl, dir: &Path) -> Result<Backup, Error> {
    let _ = (url, dir);
    todo!()
}

/// The newest backup in `dir`, as `dir/latest` names it.
pub fn latest(dir: &Path) -> Result<PathBuf, Error> {
    let _ = dir;
    todo!()
}

/// Puts the backup `file` back into the database at `url`, replacing what is there.
pub fn restore(url: &DatabaseUrl, file: &Path) -> Result<(), Error> {
    let _ = (url, file);
    todo!()
}
