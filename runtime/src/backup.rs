//! Logical backups taken before a run, and putting one back: SQLite through `VACUUM
//! INTO`, PostgreSQL through `pg_dump`, MySQL and MariaDB through `mariadb-dump` or
//! `mysqldump`. Each is gzip-compressed, readable by its owner only (mode 0600), and the
//! folder's `latest` file names the newest.
//!
//! A backup is written under a temporary name in its folder and renamed into place once
//! complete, so that a failed one leaves nothing behind. A restore reads the whole file
//! once before touching the database, so that a truncated or foreign file changes nothing.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::error::Error;
use crate::url::{Backend, DatabaseUrl};

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

/// The file in a backup folder that names the newest backup.
const LATEST: &str = "latest";

/// Takes a backup of the database at `url` into `dir` (created, mode 0700, if missing)
/// and points `dir/latest` at it. The file is named after the database and the moment
/// (UTC, to the millisecond), as in `app-20250102T030405.678Z.sql.gz`, so that backups
/// sort by time and never overwrite one another.
pub fn take(url: &DatabaseUrl, dir: &Path) -> Result<Backup, Error> {
    let (started, now) = (Instant::now(), SystemTime::now());
    let failed = |cause: String| Error::Backup {
        context: format!("backing up {} into `{}`", url.redacted(), dir.display()),
        cause: url.scrub(&cause),
        fix: "no backup file was written".to_owned(),
    };
    let source = Source::of(url)?;
    create_private_dir(dir).map_err(|e| failed(format!("creating the folder: {e}")))?;
    let mut temp = private_temp_file(dir, ".updown-backup-")
        .map_err(|e| failed(format!("creating a file there: {e}")))?;
    let mut gzip = GzEncoder::new(temp.as_file_mut(), Compression::default());
    let tool = source.dump(url, dir, &mut gzip).map_err(failed)?;
    gzip.finish()
        .and_then(|file| file.sync_all())
        .map_err(|e| failed(format!("writing the backup: {e}")))?;
    let name = |at| file_name(&source.database, source.extension(), at);
    let file = publish(temp, dir, name, now).map_err(failed)?;
    let bytes = std::fs::metadata(&file).map_or(0, |m| m.len());
    Ok(Backup {
        file,
        bytes,
        duration: started.elapsed(),
        tool,
    })
}

/// The newest backup in `dir`, as `dir/latest` names it.
pub fn latest(dir: &Path) -> Result<PathBuf, Error> {
    let failed = |cause: String, fix: &str| Error::Backup {
        context: format!("finding the latest backup in `{}`", dir.display()),
        cause,
        fix: fix.to_owned(),
    };
    let name = match std::fs::read_to_string(dir.join(LATEST)) {
        Ok(name) => name.trim().to_owned(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(failed(
                "there is no backup in that folder (it has no `latest` file)".to_owned(),
                "`migrate --backup` writes one there",
            ));
        }
        Err(e) => {
            return Err(failed(
                format!("reading its `latest` file: {e}"),
                "check that the folder and the file are readable",
            ));
        }
    };
    let plain = Path::new(&name).file_name() == Some(OsStr::new(&name));
    if name.is_empty() || !plain {
        return Err(failed(
            format!("its `latest` file does not name a file in it: {name:?}"),
            "give the backup file to restore instead",
        ));
    }
    let file = dir.join(&name);
    if !file.is_file() {
        return Err(failed(
            format!("its `latest` file names `{name}`, which is gone"),
            "give the backup file to restore instead",
        ));
    }
    Ok(file)
}

/// The newest backup in `dir` of the database at `url`: `dir/latest` may name a backup of
/// another database that shares the folder, which is refused rather than restored here.
pub fn latest_for(url: &DatabaseUrl, dir: &Path) -> Result<PathBuf, Error> {
    let file = latest(dir)?;
    let database = match url.backend() {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => sqlite::path_of(url)
            .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .unwrap_or_default(),
        Backend::Postgres => postgres::Target::of(url)?.database,
        Backend::Mysql => mysql::Target::of(url)?.database,
        #[allow(unreachable_patterns)]
        other => {
            return Err(Error::BackendNotCompiled {
                backend: other.name(),
                feature: other.feature(),
            });
        }
    };
    let stem = file_stem(&database);
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
    let of = name
        .as_deref()
        .and_then(|n| n.rsplit_once('-'))
        .map(|(db, _)| db);
    if of != Some(stem.as_str()) {
        return Err(Error::Backup {
            context: format!(
                "finding the latest backup of {} in `{}`",
                url.redacted(),
                dir.display()
            ),
            cause: format!(
                "its `latest` file names `{}`, a backup of another database",
                name.unwrap_or_default()
            ),
            fix: "nothing was changed; give the backup file to restore, and give each database a `--backup-dir` of its own".to_owned(),
        });
    }
    Ok(file)
}

/// Puts the backup `file` back into the database at `url`, replacing what is there: the
/// schema and the data are again what they were when the backup was taken, and what was
/// created since is gone.
///
/// The file is read through once first: one that is cut short, not a backup, or of
/// another kind of database is refused before anything is changed. SQLite and
/// PostgreSQL restore all or nothing. MySQL and MariaDB cannot (their DDL commits at
/// once): there the database is cleared and then reloaded, and a failure in between,
/// unlikely once the file has been read, leaves it partly restored.
pub fn restore(url: &DatabaseUrl, file: &Path) -> Result<(), Error> {
    match url.backend() {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => sqlite::restore(url, file),
        Backend::Postgres => postgres::restore(url, file),
        Backend::Mysql => mysql::restore(url, file),
        #[allow(unreachable_patterns)]
        other => Err(Error::BackendNotCompiled {
            backend: other.name(),
            feature: other.feature(),
        }),
    }
}

// ---------------------------------------------------------------------------------------
// Taking one.

/// What a backup is taken from: the database's name for the file, and how.
struct Source {
    /// The database, as it appears in the backup's file name.
    database: String,
    how: How,
}

enum How {
    #[cfg(feature = "sqlite")]
    Vacuum,
    /// A dump program at this path, and its name.
    Dump(PathBuf, &'static str),
}

impl Source {
    /// Checks there is something to back up and a program to do it, changing nothing.
    fn of(url: &DatabaseUrl) -> Result<Source, Error> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let (database, how) = match url.backend() {
            #[cfg(feature = "sqlite")]
            Backend::Sqlite => (sqlite::source_name(url)?, How::Vacuum),
            Backend::Postgres => {
                let (tool, name) = find_tool(&PG_DUMP, &path, "a backup")?;
                (postgres::Target::of(url)?.database, How::Dump(tool, name))
            }
            Backend::Mysql => {
                let (tool, name) = find_tool(&MYSQL_DUMP, &path, "a backup")?;
                (mysql::Target::of(url)?.database, How::Dump(tool, name))
            }
            #[allow(unreachable_patterns)]
            other => {
                return Err(Error::BackendNotCompiled {
                    backend: other.name(),
                    feature: other.feature(),
                });
            }
        };
        Ok(Source {
            database: file_stem(&database),
            how,
        })
    }

    fn extension(&self) -> &'static str {
        match self.how {
            #[cfg(feature = "sqlite")]
            How::Vacuum => "sqlite",
            How::Dump(..) => "sql",
        }
    }

    /// Writes the backup, uncompressed, into `out`; returns what took it.
    #[cfg_attr(not(feature = "sqlite"), allow(unused_variables))]
    fn dump(&self, url: &DatabaseUrl, dir: &Path, out: &mut dyn Write) -> Result<String, String> {
        match &self.how {
            #[cfg(feature = "sqlite")]
            How::Vacuum => sqlite::dump(url, dir, out).map(|()| "VACUUM INTO".to_owned()),
            How::Dump(tool, name) => {
                let mut prepared = match url.backend() {
                    Backend::Mysql => mysql::dump_command(url, tool)?,
                    _ => postgres::dump_command(url, tool)?,
                };
                run_to(&mut prepared.command, out).map(|()| (*name).to_owned())
            }
        }
    }
}

/// A database name made safe for a file name: `[A-Za-z0-9_-]`, others as `_`.
fn file_stem(database: &str) -> String {
    let safe: String = database
        .chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '_' | '-' => c,
            _ => '_',
        })
        .collect();
    if safe.is_empty() {
        "database".to_owned()
    } else {
        safe
    }
}

/// `app-20250102T030405.678Z.sql.gz` for `app` and `sql` at that moment (UTC).
fn file_name(database: &str, extension: &str, at: SystemTime) -> String {
    let stamp: String = humantime::format_rfc3339_millis(at)
        .to_string()
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect();
    format!("{database}-{stamp}.{extension}.gz")
}

/// Renames the finished `temp` to its timestamped name, never over another backup (a
/// name taken moves on by a millisecond), then points `latest` at it.
fn publish(
    mut temp: tempfile::NamedTempFile,
    dir: &Path,
    name: impl Fn(SystemTime) -> String,
    at: SystemTime,
) -> Result<PathBuf, String> {
    for step in 0..1000 {
        let name = name(at + Duration::from_millis(step));
        match temp.persist_noclobber(dir.join(&name)) {
            Ok(_) => {
                let file = dir.join(name);
                // A backup `latest` does not name would not be the one restored: it goes.
                if let Err(e) = write_latest(dir, file.file_name().unwrap_or_default()) {
                    let _ = std::fs::remove_file(&file);
                    return Err(e);
                }
                sync_dir(dir);
                return Ok(file);
            }
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => temp = e.file,
            Err(e) => {
                return Err(format!(
                    "renaming the finished backup into place: {}",
                    e.error
                ));
            }
        }
    }
    Err("every name for this moment is taken".to_owned())
}

/// Replaces `dir/latest` at once: a reader sees the old name or the new, never half.
fn write_latest(dir: &Path, name: &OsStr) -> Result<(), String> {
    let failed = |e: io::Error| format!("pointing `{LATEST}` at the backup: {e}");
    let mut temp = private_temp_file(dir, ".updown-latest-").map_err(failed)?;
    temp.write_all(name.as_encoded_bytes())
        .and_then(|()| temp.as_file().sync_all())
        .map_err(failed)?;
    temp.persist(dir.join(LATEST))
        .map(drop)
        .map_err(|e| failed(e.error))
}

/// Makes a rename in `dir` durable; a folder that cannot be synced is left as it is.
fn sync_dir(dir: &Path) {
    if let Ok(folder) = File::open(dir) {
        let _ = folder.sync_all();
    }
}

/// Creates `dir` readable by its owner only; an existing folder keeps its mode.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// A new file in `dir`, removed unless persisted. It is created with mode 0600 (tempfile
/// opens it with `OpenOptionsExt::mode`), so that no one else can read it at any moment.
fn private_temp_file(dir: &Path, prefix: &str) -> io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600));
    builder.tempfile_in(dir)
}

// ---------------------------------------------------------------------------------------
// Programs.

/// A program a backend needs, by the names it goes by (the first found wins).
struct Tool {
    names: &'static [&'static str],
    backend: Backend,
    package: &'static str,
}

const PG_DUMP: Tool = Tool {
    names: &["pg_dump"],
    backend: Backend::Postgres,
    package: "postgresql-client",
};
const PSQL: Tool = Tool {
    names: &["psql"],
    backend: Backend::Postgres,
    package: "postgresql-client",
};
const MYSQL_DUMP: Tool = Tool {
    names: &["mariadb-dump", "mysqldump"],
    backend: Backend::Mysql,
    package: "mariadb-client",
};
const MYSQL_CLIENT: Tool = Tool {
    names: &["mariadb", "mysql"],
    backend: Backend::Mysql,
    package: "mariadb-client",
};

/// The first of `tool`'s names found in the folders of `path` (a `PATH` value, passed in
/// so that tests need not change the environment), with the name found.
fn find_tool(
    tool: &Tool,
    path: &OsStr,
    what: &'static str,
) -> Result<(PathBuf, &'static str), Error> {
    let folders: Vec<PathBuf> = std::env::split_paths(path)
        .filter(|folder| !folder.as_os_str().is_empty())
        .collect();
    for name in tool.names {
        if let Some(found) = folders.iter().map(|f| f.join(name)).find(|p| executable(p)) {
            return Ok((found, name));
        }
    }
    let yourself = match what {
        "a backup" => "take the backup yourself",
        _ => "restore the backup yourself",
    };
    Err(Error::ToolMissing {
        what,
        tool: tool.names.join("` or `"),
        backend: tool.backend.name(),
        fix: format!(
            "Install it (`apt-get install {}`, or your system's package of it), or {yourself}.",
            tool.package
        ),
    })
}

fn executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    let runnable = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o111 != 0;
    #[cfg(not(unix))]
    let runnable = true;
    meta.is_file() && runnable
}

/// A command to run, with the files it needs while it runs (a MySQL defaults file).
struct Prepared {
    command: Command,
    _files: Option<tempfile::NamedTempFile>,
}

/// Runs `command`, streaming its standard output into `out`.
fn run_to(command: &mut Command, out: &mut dyn Write) -> Result<(), String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", program(command)))?;
    let errors = drain(child.stderr.take());
    let copied = match child.stdout.take() {
        Some(mut stdout) => io::copy(&mut stdout, out).map(drop),
        None => Ok(()),
    };
    if let Err(e) = copied {
        // The backup cannot be written (a full disk, say): that is the cause, not the
        // signal that stops the program.
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!("writing what {} printed: {e}", program(command)));
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    let stderr = errors.join().unwrap_or_default();
    match status.success() {
        true => Ok(()),
        false => Err(exited(command, status, &stderr)),
    }
}

/// Runs `command`, feeding it `prelude`, the decompressed `file`, then `postlude` only
/// once the whole file went through.
fn run_from(
    command: &mut Command,
    prelude: &str,
    file: &Path,
    postlude: &str,
) -> Result<(), String> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting {}: {e}", program(command)))?;
    let errors = drain(child.stderr.take());
    let fed = match child.stdin.take() {
        Some(stdin) => feed(stdin, prelude, file, postlude),
        None => Ok(()),
    };
    let status = child.wait().map_err(|e| e.to_string())?;
    let stderr = errors.join().unwrap_or_default();
    if !status.success() {
        return Err(exited(command, status, &stderr));
    }
    fed.map_err(|e| format!("feeding the backup to {}: {e}", program(command)))
}

/// Writes `prelude` then the dump. A MariaDB dump opens with a sandbox-mode command that
/// an older client refuses: it goes first, so that such a client stops before the
/// prelude has changed anything.
fn feed(stdin: impl Write, prelude: &str, file: &Path, postlude: &str) -> io::Result<()> {
    let mut stdin = io::BufWriter::new(stdin);
    let mut dump = BufReader::new(GzDecoder::new(BufReader::new(File::open(file)?)));
    let mut first = Vec::new();
    dump.read_until(b'\n', &mut first)?;
    if first.starts_with(b"/*M!999999") {
        stdin.write_all(&first)?;
        stdin.write_all(prelude.as_bytes())?;
    } else {
        stdin.write_all(prelude.as_bytes())?;
        stdin.write_all(&first)?;
    }
    io::copy(&mut dump, &mut stdin)?;
    stdin.write_all(postlude.as_bytes())?;
    stdin.flush()
}

/// Reads a child's standard error on a thread of its own, so that neither side blocks.
fn drain(stderr: Option<std::process::ChildStderr>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = Vec::new();
        if let Some(mut stderr) = stderr {
            let _ = stderr.read_to_end(&mut text);
        }
        String::from_utf8_lossy(&text).into_owned()
    })
}

/// `pg_dump exited with exit status: 1: <the end of what it said>`.
fn exited(command: &Command, status: std::process::ExitStatus, stderr: &str) -> String {
    let said = stderr.trim();
    let start = said.char_indices().rev().nth(4000).map_or(0, |(at, _)| at);
    match said.is_empty() {
        true => format!("{} failed ({status})", program(command)),
        false => format!("{} failed ({status}): {}", program(command), &said[start..]),
    }
}

fn program(command: &Command) -> String {
    let program = Path::new(command.get_program());
    program
        .file_name()
        .unwrap_or(program.as_os_str())
        .to_string_lossy()
        .into_owned()
}

// ---------------------------------------------------------------------------------------
// Reading one back.

/// What a pass through a backup saw: its first and last bytes and its length.
#[derive(Default)]
struct Scan {
    head: Vec<u8>,
    tail: Vec<u8>,
    bytes: u64,
    /// Whether it sets `GTID_PURGED` (MySQL's mysqldump, GTIDs on).
    sets_gtid_purged: bool,
}

const GTID_PURGED: &[u8] = b"GTID_PURGED";

const HEAD: usize = 1024;
const TAIL: usize = 4096;

/// Decompresses `file` into `sink`, through to its end, which proves the gzip stream
/// complete (its length and checksum are checked there).
fn scan(file: &Path, sink: &mut dyn Write) -> Result<Scan, String> {
    let mut opened = BufReader::new(File::open(file).map_err(|e| format!("opening it: {e}"))?);
    let magic = opened.fill_buf().map_err(|e| format!("reading it: {e}"))?;
    if magic.is_empty() {
        return Err("it is empty".to_owned());
    }
    if !magic.starts_with(&[0x1f, 0x8b]) {
        return Err("it is not a gzip file".to_owned());
    }
    let mut gzip = GzDecoder::new(opened);
    let mut buf = vec![0; 64 * 1024];
    let mut scan = Scan::default();
    loop {
        let n = match gzip.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("its gzip stream is cut short or damaged ({e})")),
        };
        scan.see(&buf[..n]);
        sink.write_all(&buf[..n])
            .map_err(|e| format!("writing a temporary copy of it: {e}"))?;
    }
    Ok(scan)
}

impl Scan {
    fn see(&mut self, chunk: &[u8]) {
        // The end of the last chunk with this one: the word may straddle the two.
        let mut window = self.tail[self.tail.len().saturating_sub(GTID_PURGED.len())..].to_vec();
        window.extend_from_slice(chunk);
        self.sets_gtid_purged |= window.windows(GTID_PURGED.len()).any(|w| w == GTID_PURGED);
        let room = HEAD.saturating_sub(self.head.len()).min(chunk.len());
        self.head.extend_from_slice(&chunk[..room]);
        self.tail
            .extend_from_slice(&chunk[chunk.len().saturating_sub(TAIL)..]);
        let extra = self.tail.len().saturating_sub(TAIL);
        self.tail.drain(..extra);
        self.bytes += chunk.len() as u64;
    }

    /// The kind of database the backup is of, by its first bytes.
    fn backend(&self) -> Option<Backend> {
        let text = String::from_utf8_lossy(&self.head);
        if self.head.starts_with(b"SQLite format 3\0") {
            Some(Backend::Sqlite)
        } else if text.contains("-- PostgreSQL database dump\n") {
            Some(Backend::Postgres)
        } else if text.contains("-- MariaDB dump") || text.contains("-- MySQL dump") {
            Some(Backend::Mysql)
        } else {
            None
        }
    }

    /// Whether it ends as a whole backup does: a dump's closing comment, or as many
    /// pages as a SQLite file's header counts.
    fn complete(&self, backend: Backend) -> bool {
        let tail = String::from_utf8_lossy(&self.tail);
        match backend {
            Backend::Postgres => tail.contains("-- PostgreSQL database dump complete"),
            Backend::Mysql => tail.contains("-- Dump completed"),
            _ => self.sqlite_complete(),
        }
    }

    fn sqlite_complete(&self) -> bool {
        let h = &self.head;
        if h.len() < 100 {
            return false;
        }
        let page_size = match u16::from_be_bytes([h[16], h[17]]) {
            1 => 65_536,
            n => u64::from(n),
        };
        let pages = u64::from(u32::from_be_bytes([h[28], h[29], h[30], h[31]]));
        // The page count is trusted only where the header says it is current.
        let counted = h[24..28] == h[92..96] && pages > 0;
        match counted {
            true => self.bytes == page_size * pages,
            false => page_size >= 512 && self.bytes.is_multiple_of(page_size),
        }
    }
}

/// Reads `file` through into `sink` and refuses it, changing nothing, unless it is a
/// complete backup of `url`'s kind of database.
fn validate(url: &DatabaseUrl, file: &Path, sink: &mut dyn Write) -> Result<(), Error> {
    let scan = scan(file, sink).map_err(|cause| refused(url, file, cause))?;
    let backend = url.backend();
    match scan.backend() {
        None if scan.bytes == 0 => Err(refused(url, file, "it holds nothing".to_owned())),
        None => Err(refused(
            url,
            file,
            "it is not a backup: it has no SQLite, pg_dump or mariadb-dump/mysqldump header"
                .to_owned(),
        )),
        Some(other) if other != backend => Err(refused(
            url,
            file,
            format!("it is a backup of a {other} database, and this is a {backend} one"),
        )),
        Some(_) if !scan.complete(backend) => Err(refused(
            url,
            file,
            "it is cut short: its end is missing".to_owned(),
        )),
        // Refused before the tables are dropped, not by the server after.
        Some(Backend::Mysql) if scan.sets_gtid_purged => Err(refused(
            url,
            file,
            "it sets GTID_PURGED (a mysqldump of a server with GTIDs on), which a server that has run those transactions refuses; take it again with `--set-gtid-purged=OFF`, or load it yourself with the mysql client".to_owned(),
        )),
        Some(_) => Ok(()),
    }
}

fn restoring(url: &DatabaseUrl, file: &Path) -> String {
    format!("restoring `{}` into {}", file.display(), url.redacted())
}

/// A restore refused or failed before the database was touched.
fn refused(url: &DatabaseUrl, file: &Path, cause: String) -> Error {
    Error::Backup {
        context: restoring(url, file),
        cause: url.scrub(&cause),
        fix: "nothing was changed".to_owned(),
    }
}

// ---------------------------------------------------------------------------------------
// SQLite.

#[cfg(feature = "sqlite")]
mod sqlite {
    use std::ffi::{CStr, CString, c_int};
    use std::io::Write;
    use std::path::{Path, PathBuf};

    use diesel::connection::SimpleConnection;
    use libsqlite3_sys as ffi;

    use super::{private_temp_file, refused, restoring, validate};
    use crate::error::Error;
    use crate::url::DatabaseUrl;

    /// How long the restore waits for other connections to let go of the file.
    const BUSY_TIMEOUT_MS: c_int = 10_000;

    /// The file a SQLite URL names, without a `file:` URI's scheme and query; `None` for
    /// an in-memory database.
    pub(super) fn path_of(url: &DatabaseUrl) -> Option<PathBuf> {
        let file = url.file().unwrap_or(":memory:");
        let Some(uri) = file.strip_prefix("file:") else {
            return (file != ":memory:").then(|| PathBuf::from(file));
        };
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        let memory = path == ":memory:" || query.split('&').any(|p| p == "mode=memory");
        // `file:///abs` and `file://localhost/abs`: the authority goes.
        let path = match path.strip_prefix("//") {
            Some(rest) => &rest[rest.find('/').unwrap_or(rest.len())..],
            None => path,
        };
        (!memory && !path.is_empty()).then(|| PathBuf::from(crate::url::percent_decode(path)))
    }

    /// The name of the file to back up, after checking there is one.
    pub(super) fn source_name(url: &DatabaseUrl) -> Result<String, Error> {
        let nothing = |cause: String| Error::Backup {
            context: format!("backing up {}", url.redacted()),
            cause,
            fix: "there is nothing to back up, and no backup file was written".to_owned(),
        };
        let path = path_of(url).ok_or_else(|| nothing("it is an in-memory database".into()))?;
        if !path.exists() {
            return Err(nothing(format!("`{}` does not exist", path.display())));
        }
        let stem = path.file_stem().unwrap_or(path.as_os_str());
        Ok(stem.to_string_lossy().into_owned())
    }

    /// `VACUUM INTO` a file of a private folder in `dir` on a connection of its own: a
    /// read transaction, which another connection's `BEGIN IMMEDIATE` does not block.
    pub(super) fn dump(url: &DatabaseUrl, dir: &Path, out: &mut dyn Write) -> Result<(), String> {
        let scratch = tempfile::Builder::new()
            .prefix(".updown-vacuum-")
            .tempdir_in(dir)
            .map_err(|e| format!("creating a temporary folder: {e}"))?;
        let copy = scratch.path().join("copy.sqlite");
        let target = copy
            .to_str()
            .ok_or("the backup folder's path is not UTF-8")?;
        let (mut conn, _) = crate::backend::connect(url, false).map_err(|e| e.to_string())?;
        conn.batch_execute(&format!(
            "VACUUM INTO {}",
            crate::schema::sql_literal(target)
        ))
        .map_err(|e| format!("VACUUM INTO failed: {e}"))?;
        drop(conn);
        let mut vacuumed =
            std::fs::File::open(&copy).map_err(|e| format!("reading the copy: {e}"))?;
        std::io::copy(&mut vacuumed, out).map_err(|e| format!("compressing the copy: {e}"))?;
        Ok(())
    }

    /// Decompresses the backup beside the target, then copies it in with SQLite's backup
    /// API: one write transaction, so the target is replaced whole or not at all, and
    /// other connections and WAL mode are dealt with by SQLite itself.
    pub(super) fn restore(url: &DatabaseUrl, file: &Path) -> Result<(), Error> {
        let target = path_of(url)
            .ok_or_else(|| refused(url, file, "it names an in-memory database".to_owned()))?;
        let folder = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let mut copy = private_temp_file(folder, ".updown-restore-").map_err(|e| {
            refused(
                url,
                file,
                format!("creating a file beside the database: {e}"),
            )
        })?;
        validate(url, file, copy.as_file_mut())?;
        copy.as_file()
            .sync_all()
            .map_err(|e| refused(url, file, format!("writing the copy: {e}")))?;
        let into = url.file().unwrap_or_default();
        copy_into(copy.path(), into).map_err(|cause| Error::Backup {
            context: restoring(url, file),
            cause,
            fix: "nothing was changed; run the restore again once no other connection \
                  is writing to the database"
                .to_owned(),
        })
    }

    /// Copies the database at `from` over `into` (a path or `file:` URI) in one step.
    fn copy_into(from: &Path, into: &str) -> Result<(), String> {
        let from = from
            .to_str()
            .ok_or("the temporary copy's path is not UTF-8")?;
        let source = Handle::open(from, ffi::SQLITE_OPEN_READWRITE)?;
        let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE | ffi::SQLITE_OPEN_URI;
        let target = Handle::open(into, flags)?;
        let main = c"main";
        // SAFETY: both handles are open connections, alive until the end of this function,
        // and the names are NUL-terminated.
        let backup =
            unsafe { ffi::sqlite3_backup_init(target.0, main.as_ptr(), source.0, main.as_ptr()) };
        if backup.is_null() {
            return Err(target.message());
        }
        // SAFETY: `backup` came from `sqlite3_backup_init` and is finished exactly once.
        let (step, finish) = unsafe {
            let step = ffi::sqlite3_backup_step(backup, -1);
            (step, ffi::sqlite3_backup_finish(backup))
        };
        match (step, finish) {
            (ffi::SQLITE_DONE, ffi::SQLITE_OK) => Ok(()),
            _ => Err(format!("copying into the database: {}", target.message())),
        }
    }

    /// A connection opened through the C API, closed on drop.
    struct Handle(*mut ffi::sqlite3);

    impl Handle {
        fn open(path: &str, flags: c_int) -> Result<Handle, String> {
            let name = CString::new(path).map_err(|_| format!("`{path}` holds a NUL byte"))?;
            let mut db = std::ptr::null_mut();
            // SAFETY: `name` is NUL-terminated and `db` a valid out-pointer; a handle is
            // returned (and closed by `Handle`'s drop) even when opening fails.
            let rc =
                unsafe { ffi::sqlite3_open_v2(name.as_ptr(), &mut db, flags, std::ptr::null()) };
            let handle = Handle(db);
            if rc != ffi::SQLITE_OK {
                return Err(format!("opening `{path}`: {}", handle.message()));
            }
            // SAFETY: the handle is open.
            unsafe { ffi::sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS) };
            Ok(handle)
        }

        fn message(&self) -> String {
            if self.0.is_null() {
                return "out of memory".to_owned();
            }
            // SAFETY: the handle is open; SQLite returns a NUL-terminated string it owns,
            // copied out before any other call on the handle.
            unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.0)) }
                .to_string_lossy()
                .into_owned()
        }
    }

    impl Drop for Handle {
        fn drop(&mut self) {
            // SAFETY: closing NULL is a no-op; otherwise the handle is open and not used
            // again, and no backup object on it is left unfinished.
            unsafe { ffi::sqlite3_close(self.0) };
        }
    }
}

// ---------------------------------------------------------------------------------------
// PostgreSQL.

mod postgres {
    use std::path::Path;
    use std::process::Command;

    use super::{PSQL, Prepared, find_tool, restoring, run_from, validate};
    use crate::error::Error;
    use crate::url::DatabaseUrl;
    use crate::url::percent_decode;

    /// A connection for libpq's programs: the URL or `key=value` string without its
    /// password, which goes in `PGPASSWORD`, out of sight of `ps`.
    pub(super) struct Target {
        pub(super) conninfo: String,
        pub(super) password: Option<String>,
        /// The database's name, for the backup's file name.
        pub(super) database: String,
    }

    impl Target {
        pub(super) fn of(url: &DatabaseUrl) -> Result<Target, Error> {
            url.with_secret(|full| {
                let scheme = full.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
                match scheme.as_deref() {
                    Some("postgres" | "postgresql") => from_uri(full),
                    _ => Ok(from_key_value(full)),
                }
            })
            .map_err(|cause| Error::InvalidUrl {
                url: url.redacted().to_owned(),
                reason: cause,
            })
        }

        fn command(&self, program: &Path) -> Command {
            let mut command = Command::new(program);
            if let Some(password) = &self.password {
                command.env("PGPASSWORD", password);
            }
            command
        }

        fn dbname(&self) -> String {
            format!("--dbname={}", self.conninfo)
        }
    }

    fn from_uri(full: &str) -> Result<Target, String> {
        let mut url = url::Url::parse(full).map_err(|e| e.to_string())?;
        let mut password = url.password().map(percent_decode);
        let _ = url.set_password(None);
        // Other parameters stay as written: libpq does not read `+` as a space.
        let query = url.query().map(|q| {
            let mut kept = Vec::new();
            for pair in q.split('&') {
                match pair.split_once('=') {
                    Some(("password", value)) => password = Some(percent_decode(value)),
                    _ => kept.push(pair),
                }
            }
            kept.join("&")
        });
        url.set_query(query.as_deref().filter(|q| !q.is_empty()));
        let in_query = url
            .query_pairs()
            .find(|(k, _)| k == "dbname")
            .map(|(_, v)| v.into_owned());
        let database = in_query.unwrap_or_else(|| percent_decode(url.path().trim_matches('/')));
        Ok(Target {
            conninfo: url.to_string(),
            password,
            database,
        })
    }

    fn from_key_value(full: &str) -> Target {
        let mut target = Target {
            conninfo: String::new(),
            password: None,
            database: String::new(),
        };
        let mut kept = Vec::new();
        for (key, value) in key_value_pairs(full) {
            match key.as_str() {
                "password" => target.password = Some(value),
                _ => {
                    if key == "dbname" {
                        target.database = value.clone();
                    }
                    let quoted = value.replace('\\', "\\\\").replace('\'', "\\'");
                    kept.push(format!("{key}='{quoted}'"));
                }
            }
        }
        target.conninfo = kept.join(" ");
        target
    }

    /// The pairs of a libpq `key=value` string: values bare or `'quoted'`, with `\`
    /// escapes.
    fn key_value_pairs(text: &str) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        let mut rest = text.trim_start();
        while let Some(eq) = rest.find('=') {
            let key = rest[..eq].trim().to_owned();
            rest = rest[eq + 1..].trim_start();
            let quoted = rest.starts_with('\'');
            let mut value = String::new();
            let mut chars = rest.char_indices().skip(usize::from(quoted));
            let mut end = rest.len();
            while let Some((at, c)) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next().map(|(_, c)| c)),
                    '\'' if quoted => {
                        end = at + 1;
                        break;
                    }
                    c if c.is_whitespace() && !quoted => {
                        end = at;
                        break;
                    }
                    c => value.push(c),
                }
            }
            pairs.push((key, value));
            rest = rest[end..].trim_start();
        }
        pairs
    }

    /// `pg_dump` in plain SQL, every identifier quoted so that a newer server reads it
    /// the same way.
    pub(super) fn dump_command(url: &DatabaseUrl, pg_dump: &Path) -> Result<Prepared, String> {
        let target = Target::of(url).map_err(|e| e.to_string())?;
        let mut command = target.command(pg_dump);
        command
            .args(["--format=plain", "--no-password", "--quote-all-identifiers"])
            .arg(target.dbname());
        Ok(Prepared {
            command,
            _files: None,
        })
    }

    /// Clears the database (every schema but the system ones, `public` put back as a new
    /// database has it, which is what the dump's statements about it start from) and runs
    /// the dump, all in one transaction.
    const PRELUDE: &str = r#"SET client_min_messages = warning;
SET lock_timeout = '60s';
DO $updown$
DECLARE
    s name;
BEGIN
    FOR s IN SELECT nspname FROM pg_namespace
        WHERE nspname NOT IN ('pg_catalog', 'information_schema')
          AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp%'
    LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', s);
    END LOOP;
    IF current_setting('server_version_num')::int >= 150000 THEN
        EXECUTE 'CREATE SCHEMA public AUTHORIZATION pg_database_owner';
        EXECUTE 'GRANT USAGE ON SCHEMA public TO PUBLIC';
    ELSE
        EXECUTE format('CREATE SCHEMA public AUTHORIZATION %I',
                       (SELECT rolname FROM pg_roles WHERE oid = 10));
        EXECUTE 'GRANT ALL ON SCHEMA public TO PUBLIC';
    END IF;
    EXECUTE 'COMMENT ON SCHEMA public IS ''standard public schema''';
END
$updown$;
"#;

    /// Replaces the database's contents in one `psql` transaction: a failure leaves it
    /// as it was. The transaction is opened and committed here, not by `psql
    /// --single-transaction`, which commits whatever it read when its input ends early.
    pub(super) fn restore(url: &DatabaseUrl, file: &Path) -> Result<(), Error> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let (psql, _) = find_tool(&PSQL, &path, "a restore")?;
        let target = Target::of(url)?;
        validate(url, file, &mut std::io::sink())?;
        let mut command = target.command(&psql);
        command
            .args([
                "--no-psqlrc",
                "--quiet",
                "--no-password",
                "-v",
                "ON_ERROR_STOP=1",
            ])
            .arg("--file=-")
            .arg(target.dbname());
        let prelude = format!("BEGIN;\n{PRELUDE}");
        run_from(&mut command, &prelude, file, "\nCOMMIT;\n").map_err(|cause| Error::Backup {
            context: restoring(url, file),
            cause: url.scrub(&cause),
            fix: "the transaction was rolled back, so nothing was changed".to_owned(),
        })
    }
}

// ---------------------------------------------------------------------------------------
// MySQL and MariaDB.

mod mysql {
    use std::io::Write;
    use std::path::Path;
    use std::process::Command;

    use super::{MYSQL_CLIENT, Prepared, find_tool, refused, restoring, run_from, validate};
    use crate::error::Error;
    use crate::url::{DatabaseUrl, percent_decode};

    /// Where the database is, read from its URL.
    pub(super) struct Target {
        user: String,
        password: Option<String>,
        pub(super) host: Option<String>,
        pub(super) port: Option<u16>,
        socket: Option<String>,
        /// The database's name.
        pub(super) database: String,
    }

    impl Target {
        pub(super) fn of(url: &DatabaseUrl) -> Result<Target, Error> {
            let parsed = url
                .with_secret(url::Url::parse)
                .map_err(|e| Error::InvalidUrl {
                    url: url.redacted().to_owned(),
                    reason: e.to_string(),
                })?;
            let host = parsed.host_str().filter(|h| !h.is_empty());
            let socket = parsed.query_pairs().find(|(k, _)| k == "unix_socket");
            Ok(Target {
                user: percent_decode(parsed.username()),
                password: parsed.password().map(percent_decode),
                host: host.map(|h| h.trim_start_matches('[').trim_end_matches(']').to_owned()),
                port: parsed.port(),
                socket: socket.map(|(_, v)| v.into_owned()),
                database: percent_decode(parsed.path().trim_matches('/')),
            })
        }

        /// A `[client]` options file (mode 0600) holding the account, so that the
        /// password is on no command line.
        pub(super) fn defaults_file(&self) -> std::io::Result<tempfile::NamedTempFile> {
            let mut file = super::private_temp_file(&std::env::temp_dir(), ".updown-my-")?;
            let mut text = String::from("[client]\n");
            let mut line = |key: &str, value: &str| {
                text.push_str(&format!("{key}=\"{}\"\n", option_value(value)));
            };
            if !self.user.is_empty() {
                line("user", &self.user);
            }
            if let Some(password) = &self.password {
                line("password", password);
            }
            if let Some(host) = &self.host {
                line("host", host);
            }
            if let Some(socket) = &self.socket {
                line("socket", socket);
            }
            if let Some(port) = self.port {
                line("port", &port.to_string());
            }
            file.write_all(text.as_bytes())?;
            file.flush()?;
            Ok(file)
        }

        /// `program --defaults-extra-file=...`: that option is read only when first.
        fn command(&self, program: &Path) -> Result<Prepared, String> {
            let defaults = self
                .defaults_file()
                .map_err(|e| format!("writing a MySQL options file: {e}"))?;
            let mut command = Command::new(program);
            let mut option = std::ffi::OsString::from("--defaults-extra-file=");
            option.push(defaults.path());
            command.arg(option);
            Ok(Prepared {
                command,
                _files: Some(defaults),
            })
        }
    }

    /// A value for an options file, inside double quotes.
    fn option_value(value: &str) -> String {
        let mut out = String::with_capacity(value.len());
        for c in value.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c => out.push(c),
            }
        }
        out
    }

    /// The dump, in one consistent snapshot, with routines and triggers, and binary
    /// values in hex so that no client mangles them.
    pub(super) fn dump_command(url: &DatabaseUrl, dump: &Path) -> Result<Prepared, String> {
        let target = Target::of(url).map_err(|e| e.to_string())?;
        let mut prepared = target.command(dump)?;
        prepared
            .command
            .args(["--single-transaction", "--routines", "--triggers"])
            .args(["--no-tablespaces", "--hex-blob"]);
        // MySQL's own mysqldump writes GTID_PURGED into the dump where GTIDs are on,
        // which the same server refuses to load back; MariaDB's has no such option.
        if !is_mariadb(dump) {
            prepared.command.arg("--set-gtid-purged=OFF");
        }
        prepared.command.arg(&target.database);
        Ok(prepared)
    }

    /// Whether the dump program is MariaDB's, as its `--version` says.
    fn is_mariadb(dump: &Path) -> bool {
        std::process::Command::new(dump)
            .arg("--version")
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).contains("MariaDB"))
            .unwrap_or(true)
    }

    #[derive(diesel::QueryableByName)]
    struct Object {
        #[diesel(sql_type = diesel::sql_types::Text)]
        kind: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }

    /// Everything the dump would recreate: views first, then tables and sequences (their
    /// triggers go with them), then procedures and functions.
    const OBJECTS: &str = "SELECT CAST(CASE table_type WHEN 'VIEW' THEN 'VIEW' \
        WHEN 'SEQUENCE' THEN 'SEQUENCE' ELSE 'TABLE' END AS CHAR) AS kind, \
        CAST(table_name AS CHAR) AS name, CASE table_type WHEN 'VIEW' THEN 0 ELSE 1 END AS o \
        FROM information_schema.tables WHERE table_schema = DATABASE() \
        UNION ALL SELECT CAST(routine_type AS CHAR), CAST(routine_name AS CHAR), 2 \
        FROM information_schema.routines WHERE routine_schema = DATABASE() ORDER BY o";

    /// The statements that empty the database, run by the client just before the dump.
    fn clearing(url: &DatabaseUrl) -> Result<String, String> {
        let (mut conn, _) = crate::backend::connect(url, false).map_err(|e| e.to_string())?;
        let objects: Vec<Object> = diesel::RunQueryDsl::load(diesel::sql_query(OBJECTS), &mut conn)
            .map_err(|e| format!("listing what the database holds: {e}"))?;
        let mut sql = String::from("SET FOREIGN_KEY_CHECKS = 0;\n");
        for Object { kind, name } in objects {
            let name = name.replace('`', "``");
            sql.push_str(&format!("DROP {kind} IF EXISTS `{name}`;\n"));
        }
        Ok(sql)
    }

    /// Empties the database and loads the dump through the client. Not atomic: MySQL
    /// commits each DDL statement at once.
    pub(super) fn restore(url: &DatabaseUrl, file: &Path) -> Result<(), Error> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let (client, _) = find_tool(&MYSQL_CLIENT, &path, "a restore")?;
        let target = Target::of(url)?;
        validate(url, file, &mut std::io::sink())?;
        let prelude = clearing(url).map_err(|cause| refused(url, file, cause))?;
        let mut prepared = target.command(&client).map_err(|c| refused(url, file, c))?;
        prepared.command.arg(&target.database);
        run_from(&mut prepared.command, &prelude, file, "").map_err(|cause| Error::Backup {
            context: restoring(url, file),
            cause: url.scrub(&cause),
            fix: "the database may be partly restored (MySQL commits each schema change \
                  at once); run the restore again"
                .to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder holding empty files of these names, executable or not.
    fn folder_with(files: &[(&str, bool)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, runnable) in files {
            let path = dir.path().join(name);
            std::fs::write(&path, "#!/bin/sh\n").expect("write");
            let mode = if *runnable { 0o755 } else { 0o644 };
            #[cfg(unix)]
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(mode))
                .expect("chmod");
        }
        dir
    }

    fn path_of(dirs: &[&Path]) -> std::ffi::OsString {
        std::env::join_paths(dirs).expect("join paths")
    }

    #[test]
    fn a_mysql_dump_setting_gtid_purged_is_refused_before_anything_is_dropped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = DatabaseUrl::parse("mysql://app:pw@127.0.0.1/app").expect("url");
        let write = |name: &str, body: &str| {
            let path = dir.path().join(name);
            let mut gz = GzEncoder::new(File::create(&path).expect("file"), Compression::fast());
            gz.write_all(body.as_bytes()).expect("write");
            gz.finish().expect("finish");
            path
        };
        // The word straddles the two chunks `scan` reads only in a big dump; a filler
        // puts it past the first 64 KiB.
        let filler = "-- x\n".repeat(13_106);
        let gtid = write(
            "gtid.sql.gz",
            &format!(
                "-- MySQL dump 10.13\n{filler}SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ 'a:1-5';\nCREATE TABLE t (id INT);\n-- Dump completed on 2026-12-01\n"
            ),
        );
        let err = validate(&url, &gtid, &mut io::sink()).unwrap_err();
        assert!(err.to_string().contains("GTID_PURGED"), "{err}");
        let plain = write(
            "plain.sql.gz",
            "-- MySQL dump 10.13\nCREATE TABLE t (id INT);\n-- Dump completed on 2026-12-01\n",
        );
        validate(&url, &plain, &mut io::sink()).expect("a dump without it is accepted");
    }

    #[test]
    fn a_tool_not_on_the_path_is_named_with_how_to_get_it() {
        for path in ["", ":", "/nonexistent-updown-folder"] {
            let err = find_tool(&PG_DUMP, OsStr::new(path), "a backup").unwrap_err();
            let Error::ToolMissing {
                tool, backend, fix, ..
            } = &err
            else {
                panic!("expected ToolMissing, got {err:?}");
            };
            assert_eq!(tool, "pg_dump");
            assert_eq!(*backend, "PostgreSQL");
            assert!(fix.contains("apt-get install postgresql-client"), "{fix}");
            assert!(fix.contains("take the backup yourself"), "{fix}");
            assert!(err.to_string().contains("`pg_dump`"), "{err}");
        }
        let err = find_tool(&MYSQL_CLIENT, OsStr::new(""), "a restore").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("`mariadb` or `mysql`"), "{text}");
        assert!(text.contains("apt-get install mariadb-client"), "{text}");
        assert!(text.contains("restore the backup yourself"), "{text}");
    }

    #[test]
    fn a_tool_on_the_path_is_found_and_one_not_executable_is_not() {
        let empty = folder_with(&[]);
        let tools = folder_with(&[("pg_dump", true), ("psql", false)]);
        let path = path_of(&[empty.path(), tools.path()]);
        let (found, name) = find_tool(&PG_DUMP, &path, "a backup").expect("found");
        assert_eq!((found, name), (tools.path().join("pg_dump"), "pg_dump"));
        assert!(matches!(
            find_tool(&PSQL, &path, "a restore"),
            Err(Error::ToolMissing { .. })
        ));
    }

    #[test]
    fn mariadb_dump_is_preferred_to_mysqldump_wherever_each_is() {
        let first = folder_with(&[("mysqldump", true)]);
        let second = folder_with(&[("mariadb-dump", true)]);
        let both = path_of(&[first.path(), second.path()]);
        let (found, name) = find_tool(&MYSQL_DUMP, &both, "a backup").expect("found");
        assert_eq!(
            (found, name),
            (second.path().join("mariadb-dump"), "mariadb-dump")
        );
        let only = path_of(&[first.path()]);
        let (_, name) = find_tool(&MYSQL_DUMP, &only, "a backup").expect("found");
        assert_eq!(name, "mysqldump");
        let err = find_tool(&MYSQL_DUMP, OsStr::new(""), "a backup").unwrap_err();
        assert!(
            err.to_string().contains("`mariadb-dump` or `mysqldump`"),
            "{err}"
        );
    }

    #[test]
    fn file_names_carry_the_database_and_the_utc_moment_to_the_millisecond() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_735_787_045_678);
        assert_eq!(
            file_name("app", "sql", at),
            "app-20250102T030405.678Z.sql.gz"
        );
        assert_eq!(file_stem("my db.prod/é-x_1"), "my_db_prod__-x_1");
        assert_eq!(file_stem(""), "database");
    }

    #[test]
    fn two_backups_in_one_millisecond_get_two_names_and_latest_names_the_second() {
        let dir = tempfile::tempdir().expect("temp dir");
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_735_787_045_678);
        let name = |at| file_name("app", "sqlite", at);
        let mut files = Vec::new();
        for _ in 0..2 {
            let temp = private_temp_file(dir.path(), ".t-").expect("temp");
            files.push(publish(temp, dir.path(), name, at).expect("published"));
        }
        assert_eq!(
            files,
            [
                dir.path().join("app-20250102T030405.678Z.sqlite.gz"),
                dir.path().join("app-20250102T030405.679Z.sqlite.gz"),
            ]
        );
        assert_eq!(latest(dir.path()).expect("latest"), files[1]);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("read dir")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn latest_says_where_there_is_no_backup_and_what_writes_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let text = latest(dir.path()).unwrap_err().to_string();
        assert!(text.contains(&dir.path().display().to_string()), "{text}");
        assert!(text.contains("no backup"), "{text}");
        assert!(text.contains("`migrate --backup` writes one"), "{text}");
        let gone = latest(&dir.path().join("missing")).unwrap_err().to_string();
        assert!(gone.contains("no backup"), "{gone}");
    }

    #[test]
    fn latest_refuses_a_file_that_is_gone_or_outside_the_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(LATEST), "app-1.sql.gz").expect("write");
        let text = latest(dir.path()).unwrap_err().to_string();
        assert!(text.contains("`app-1.sql.gz`, which is gone"), "{text}");
        for name in ["../app-1.sql.gz", "", "sub/app.sql.gz"] {
            std::fs::write(dir.path().join(LATEST), name).expect("write");
            assert!(
                matches!(latest(dir.path()), Err(Error::Backup { .. })),
                "{name}"
            );
        }
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn an_in_memory_or_missing_sqlite_database_has_nothing_to_back_up() {
        let dir = tempfile::tempdir().expect("temp dir");
        let backups = dir.path().join("backups");
        let missing = format!("sqlite://{}", dir.path().join("none.db").display());
        for url in [
            "sqlite::memory:",
            "sqlite://file::memory:",
            missing.as_str(),
        ] {
            let url = DatabaseUrl::parse(url).expect("url");
            let err = take(&url, &backups).unwrap_err();
            assert!(matches!(err, Error::Backup { .. }), "{err:?}");
            assert!(err.to_string().contains("nothing to back up"), "{err}");
        }
        assert!(!backups.exists(), "a refused backup creates no folder");
    }

    #[test]
    fn a_sqlite_header_counts_the_pages_a_complete_file_has() {
        let mut head = vec![0u8; 100];
        head[..16].copy_from_slice(b"SQLite format 3\0");
        head[16..18].copy_from_slice(&4096u16.to_be_bytes());
        head[24..28].copy_from_slice(&7u32.to_be_bytes());
        head[92..96].copy_from_slice(&7u32.to_be_bytes());
        head[28..32].copy_from_slice(&3u32.to_be_bytes());
        let scan = |bytes| Scan {
            head: head.clone(),
            tail: Vec::new(),
            bytes,
            sets_gtid_purged: false,
        };
        assert_eq!(scan(3 * 4096).backend(), Some(Backend::Sqlite));
        assert!(scan(3 * 4096).complete(Backend::Sqlite));
        assert!(!scan(2 * 4096).complete(Backend::Sqlite));
    }

    #[test]
    fn a_postgres_url_loses_its_password_to_pgpassword() {
        let url = DatabaseUrl::parse("postgres://app:s%40cr:et@db:5433/shop?sslmode=require")
            .expect("url");
        let target = postgres::Target::of(&url).expect("target");
        assert_eq!(
            target.conninfo,
            "postgres://app@db:5433/shop?sslmode=require"
        );
        assert_eq!(target.password.as_deref(), Some("s@cr:et"));
        assert_eq!(target.database, "shop");
        let url = DatabaseUrl::parse("postgres://db/shop?password=p%20w&application_name=a+b")
            .expect("url");
        let target = postgres::Target::of(&url).expect("target");
        assert_eq!(target.conninfo, "postgres://db/shop?application_name=a+b");
        assert_eq!(target.password.as_deref(), Some("p w"));
        let url =
            DatabaseUrl::parse(r"host=db dbname=shop password='it\'s x' user=app").expect("url");
        let target = postgres::Target::of(&url).expect("target");
        assert!(!target.conninfo.contains("password"), "{}", target.conninfo);
        assert!(
            target.conninfo.contains("dbname='shop'"),
            "{}",
            target.conninfo
        );
        assert_eq!(target.database, "shop");
    }

    #[test]
    fn a_mysql_options_file_is_private_and_quotes_its_values() {
        let url = DatabaseUrl::parse(r#"mariadb://app:p%22w%5C%23x@[::1]:3307/shop"#).expect("url");
        let target = mysql::Target::of(&url).expect("target");
        assert_eq!(target.database, "shop");
        assert_eq!(target.host.as_deref(), Some("::1"));
        assert_eq!(target.port, Some(3307));
        let file = target.defaults_file().expect("written");
        let text = std::fs::read_to_string(file.path()).expect("read");
        assert_eq!(
            text,
            "[client]\nuser=\"app\"\npassword=\"p\\\"w\\\\#x\"\nhost=\"::1\"\nport=\"3307\"\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = file
                .as_file()
                .metadata()
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
