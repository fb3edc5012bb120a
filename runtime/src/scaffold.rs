//! Writing a new migration file: what `updown new NAME` does.
//!
//! ```no_run
//! use std::path::Path;
//! use std::time::SystemTime;
//! use updown::scaffold::{Kind, new_migration};
//!
//! let made = new_migration(Path::new("src/migrations"), "create_users", Kind::Rust, SystemTime::now())?;
//! println!("wrote {}, declared in {}", made.file.display(), made.module_file.display());
//! # Ok::<(), updown::scaffold::ScaffoldError>(())
//! ```

use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use heck::{ToSnakeCase, ToUpperCamelCase};

/// The files a scaffold wrote.
#[derive(Debug)]
pub struct Scaffold {
    /// The new migration's version, from the time it was written.
    pub version: i64,
    /// The new migration file.
    pub file: PathBuf,
    /// The file that now declares it (`mod.rs` or `<dir>.rs`).
    pub module_file: PathBuf,
    /// Whether that file was created (then the crate must declare the directory's module).
    pub module_file_created: bool,
}

/// Why nothing was written.
#[derive(Debug)]
pub enum ScaffoldError {
    /// The name, once in snake_case, is not lower-case letters, digits and underscores
    /// starting with a letter.
    InvalidName {
        /// The name, in snake_case.
        name: String,
    },
    /// A migration file of that name and second already exists.
    Exists {
        /// The file that is in the way.
        path: PathBuf,
    },
    /// A file or directory could not be written.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error the system gave.
        error: std::io::Error,
    },
}

impl fmt::Display for ScaffoldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScaffoldError::InvalidName { name } => write!(
                f,
                "`{name}` is not a usable migration name; use lower-case letters, digits and underscores, starting with a letter, such as `create_users`"
            ),
            ScaffoldError::Exists { path } => {
                write!(
                    f,
                    "`{}` already exists; run the command again",
                    path.display()
                )
            }
            ScaffoldError::Io { path, error } => {
                write!(f, "cannot write `{}`: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for ScaffoldError {}

/// Which kind of migration to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `#[migration]` on a module with Rust `up` and `down`.
    Rust,
    /// `#[derive(Migration)]` with SQL strings.
    Sql,
}

/// Writes `<dir>/m<version>_<name>.rs` and declares it in the directory's module file.
///
/// The version is the UTC time `now` as `YYYYMMDD_HHMMSS`, or the first second after it
/// that no `m<version>_*` migration in `dir` has: two migrations written in the same second
/// get distinct versions. The bodies are placeholders that do not compile until they are
/// written: a `down` that does nothing is rejected.
pub fn new_migration(
    dir: &Path,
    name: &str,
    kind: Kind,
    now: SystemTime,
) -> Result<Scaffold, ScaffoldError> {
    let name = name.trim().to_snake_case();
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(ScaffoldError::InvalidName { name });
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| ScaffoldError::Io { path, error }
    };
    fs::create_dir_all(dir).map_err(io(dir))?;
    let sibling = dir.with_extension("rs");
    let module_file = if sibling.is_file() {
        sibling
    } else {
        dir.join("mod.rs")
    };
    let mut out = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&module_file)
        .map_err(io(&module_file))?;
    // Held until the module is declared: two `new` at once take versions one after the
    // other, never the same.
    out.lock().map_err(io(&module_file))?;
    // Only for the machine's own clock: a clock set elsewhere, as in tests, is left alone.
    let real = SystemTime::now();
    let gap = now
        .duration_since(real)
        .or_else(|_| real.duration_since(now));
    let live = gap.is_ok_and(|gap| gap < Duration::from_secs(60));
    let mut issued = live.then(LastIssued::lock).flatten();
    let module_file_created = out.metadata().map_err(io(&module_file))?.len() == 0;
    let taken = versions_in(dir);
    // After the last version given here, when that was moments ago.
    let start = issued
        .as_ref()
        .and_then(LastIssued::time)
        .map(|last| last + Duration::from_secs(1))
        .filter(|next| {
            next.duration_since(now)
                .is_ok_and(|ahead| ahead < Duration::from_secs(3600))
        })
        .unwrap_or(now);
    let (date, time) = (0..)
        .map(|second| timestamp(start + Duration::from_secs(second)))
        .find(|(date, time)| !taken.contains(&format!("{date}_{time}")))
        .expect("a free second");
    let version: i64 = format!("{date}{time}").parse().expect("digits");
    if let Some(issued) = &mut issued {
        issued.record(version);
    }
    let module = format!("m{date}_{time}_{name}");
    let file = dir.join(format!("{module}.rs"));
    let text = match kind {
        Kind::Rust => rust_template(&date, &time, &name),
        Kind::Sql => sql_template(&date, &time, &name),
    };
    // The version is free; a file of that name can still appear meanwhile (written by
    // hand): never overwritten.
    let created = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file);
    let mut migration = created.map_err(|error| match error.kind() {
        std::io::ErrorKind::AlreadyExists => ScaffoldError::Exists { path: file.clone() },
        _ => ScaffoldError::Io {
            path: file.clone(),
            error,
        },
    })?;
    std::io::Write::write_all(&mut migration, text.as_bytes()).map_err(io(&file))?;
    if module_file_created {
        writeln!(
            out,
            "//! Migrations, one module each; `updown new NAME` adds them here.\n"
        )
        .map_err(io(&module_file))?;
    }
    writeln!(out, "mod {module};").map_err(io(&module_file))?;
    Ok(Scaffold {
        version,
        file,
        module_file,
        module_file_created,
    })
}

/// The last version `new` gave for this user, in a file of the user's cache directory held
/// locked while a version is chosen: two `new` in the same second, in one folder or in two
/// (two crates linked into one program), never give the same version. Where the file
/// cannot be used, the versions in the folder are all that is checked.
struct LastIssued(fs::File);

impl LastIssued {
    fn lock() -> Option<LastIssued> {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(std::path::PathBuf::from)
            .filter(|dir| dir.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")))?;
        let dir = cache.join("updown");
        fs::create_dir_all(&dir).ok()?;
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join("new-last-version"))
            .ok()?;
        // Another `new` holds it for milliseconds; one that hangs is not waited for.
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        loop {
            match file.try_lock() {
                Ok(()) => return Some(LastIssued(file)),
                Err(fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(_) => return None,
            }
        }
    }

    /// When the last version given stands for, if the file holds one.
    fn time(&self) -> Option<SystemTime> {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut &self.0, &mut text).ok()?;
        let d = text.trim();
        if d.len() != 14 || !d.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let rfc3339 = format!(
            "{}-{}-{}T{}:{}:{}Z",
            &d[..4],
            &d[4..6],
            &d[6..8],
            &d[8..10],
            &d[10..12],
            &d[12..14]
        );
        humantime::parse_rfc3339(&rfc3339).ok()
    }

    fn record(&mut self, version: i64) {
        use std::io::Seek;
        let _ = self
            .0
            .set_len(0)
            .and_then(|()| self.0.seek(std::io::SeekFrom::Start(0)))
            .and_then(|_| writeln!(self.0, "{version}"));
    }
}

/// The `YYYYMMDD_HHMMSS` versions of the migrations in `dir`, from their names
/// (`m20250101_120000_create_users.rs`, or a directory `m20250101_120000_create_users`).
fn versions_in(dir: &Path) -> HashSet<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return HashSet::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let version = name.strip_prefix('m')?.get(..15)?;
            let (date, time) = version.split_once('_')?;
            let digits = |s: &str, n| s.len() == n && s.chars().all(|c| c.is_ascii_digit());
            (digits(date, 8) && digits(time, 6)).then(|| version.to_owned())
        })
        .collect()
}

/// `("20250101", "120000")` for 2025-01-01T12:00:00Z.
fn timestamp(now: SystemTime) -> (String, String) {
    let text = humantime::format_rfc3339_seconds(now).to_string();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    (digits[..8].to_owned(), digits[8..14].to_owned())
}

fn rust_template(date: &str, time: &str, name: &str) -> String {
    format!(
        r#"use updown::prelude::*;

#[migration(version = {date}_{time})]
mod {name} {{
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {{
        todo!("make the change, e.g. db.execute(\"CREATE TABLE ...\")")
    }}

    // Until this undoes `up`, the crate does not compile. If it cannot be undone,
    // delete it and declare `irreversible = "why"` in the attribute above.
    pub fn down(db: &mut Db) -> Result<()> {{
        todo!("undo `up`, e.g. db.execute(\"DROP TABLE ...\")")
    }}
}}
"#
    )
}

fn sql_template(date: &str, time: &str, name: &str) -> String {
    let type_name = name.to_upper_camel_case();
    format!(
        r#"use updown::prelude::*;

// Until `up` and `down` hold SQL, the crate does not compile. If the change cannot be
// undone, replace `down` with `irreversible = "why"`.
#[derive(Migration)]
#[migration(
    version = {date}_{time},
    name = "{name}",
    up = "-- the change, e.g. CREATE TABLE ...",
    down = "-- what undoes it, e.g. DROP TABLE ..."
)]
pub struct {type_name};
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at_2025() -> SystemTime {
        // 2025-01-02T03:04:05Z
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_735_787_045)
    }

    #[test]
    fn writes_the_file_and_declares_it() {
        let dir = tempfile::tempdir().unwrap();
        let migrations = dir.path().join("src/migrations");
        let made = new_migration(&migrations, "create-users", Kind::Rust, at_2025()).unwrap();
        assert_eq!(made.version, 20250102030405);
        assert!(made.module_file_created);
        let text = fs::read_to_string(&made.file).unwrap();
        assert!(
            text.contains("#[migration(version = 20250102_030405)]\nmod create_users {"),
            "{text}"
        );
        let decl = fs::read_to_string(migrations.join("mod.rs")).unwrap();
        assert!(
            decl.contains("mod m20250102_030405_create_users;"),
            "{decl}"
        );

        let second = new_migration(
            &migrations,
            "add_index",
            Kind::Sql,
            at_2025() + Duration::from_secs(1),
        )
        .unwrap();
        assert!(!second.module_file_created);
        assert!(
            fs::read_to_string(&second.file)
                .unwrap()
                .contains("pub struct AddIndex;")
        );
        let decl = fs::read_to_string(migrations.join("mod.rs")).unwrap();
        assert_eq!(decl.matches("mod m2025").count(), 2, "{decl}");
    }

    #[test]
    fn refuses_bad_names() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["1st", "", "  "] {
            assert!(
                matches!(
                    new_migration(dir.path(), name, Kind::Rust, at_2025()),
                    Err(ScaffoldError::InvalidName { .. })
                ),
                "{name}"
            );
        }
        assert!(!dir.path().join("mod.rs").exists());
    }

    #[test]
    fn a_taken_second_moves_the_version_to_the_next_free_one() {
        let dir = tempfile::tempdir().unwrap();
        // 03:04:05 taken by a file, 03:04:06 by a directory module; a look-alike that
        // is no migration's name takes nothing.
        new_migration(dir.path(), "first", Kind::Rust, at_2025()).unwrap();
        fs::create_dir(dir.path().join("m20250102_030406_other")).unwrap();
        fs::write(dir.path().join("m2025010203040_x.rs"), "").unwrap();
        let second = new_migration(dir.path(), "second", Kind::Sql, at_2025()).unwrap();
        assert_eq!(second.version, 20250102030407);
        assert!(second.file.ends_with("m20250102_030407_second.rs"));
        let third = new_migration(dir.path(), "second", Kind::Rust, at_2025()).unwrap();
        assert_eq!(third.version, 20250102030408);

        // 23:59:59 rolls over into the next day.
        let late = SystemTime::UNIX_EPOCH + Duration::from_secs(1_735_862_399);
        let a = new_migration(dir.path(), "late", Kind::Rust, late).unwrap();
        let b = new_migration(dir.path(), "later", Kind::Rust, late).unwrap();
        assert_eq!((a.version, b.version), (20250102235959, 20250103000000));
    }
}
