//! Which crate `new` writes into: the package of the nearest `Cargo.toml` from the current
//! directory up, or the workspace member named by `--package`. Manifests are read as TOML,
//! without running cargo.

use std::fs;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

use crate::args::NewArgs;
use crate::exit::Failure;

/// The directory `new` writes into, relative to `cwd` where it can be: `--dir` as given,
/// or `src/migrations` of the package found.
pub(crate) fn migrations_dir(args: &NewArgs, cwd: &Path) -> Result<PathBuf, Failure> {
    if let Some(dir) = &args.dir {
        return Ok(dir.clone());
    }
    let package = match &args.package {
        Some(name) => named(name, cwd)?,
        None => nearest(cwd)?,
    };
    Ok(relative(cwd, &package.dir.join("src").join("migrations")))
}

/// A package: its name and the directory of its `Cargo.toml`.
#[derive(Debug)]
struct Package {
    name: String,
    dir: PathBuf,
}

/// The parts of a `Cargo.toml` that say which packages there are.
#[derive(Debug, Deserialize)]
struct Manifest {
    package: Option<PackageTable>,
    workspace: Option<WorkspaceTable>,
}

#[derive(Debug, Deserialize)]
struct PackageTable {
    name: String,
}

#[derive(Debug, Deserialize)]
struct WorkspaceTable {
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
}

/// The manifest in `dir`, if it has one.
fn read_manifest(dir: &Path) -> Result<Option<Manifest>, Failure> {
    let path = dir.join("Cargo.toml");
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Failure::Usage(format!(
                "cannot read `{}`: {e}",
                path.display()
            )));
        }
    };
    toml::from_str(&text)
        .map(Some)
        .map_err(|e| Failure::Usage(format!("cannot read `{}`: {e}", path.display())))
}

/// The package of the nearest manifest from `cwd` up.
fn nearest(cwd: &Path) -> Result<Package, Failure> {
    let Some((dir, manifest)) = up_to_manifest(cwd, |_| true)? else {
        return Err(no_manifest(cwd));
    };
    if let Some(package) = manifest.package {
        return Ok(Package {
            name: package.name,
            dir,
        });
    }
    let members = members(&dir, &manifest)?;
    Err(Failure::Usage(format!(
        "`{}` is a workspace without a package of its own; pass `--package NAME` with one of its members ({}), or `--dir DIR`",
        dir.join("Cargo.toml").display(),
        names(&members)
    )))
}

/// The package called `name`: the nearest one, or a member of the workspace around `cwd`.
fn named(name: &str, cwd: &Path) -> Result<Package, Failure> {
    let Some((dir, manifest)) = up_to_manifest(cwd, |_| true)? else {
        return Err(no_manifest(cwd));
    };
    if manifest.package.as_ref().is_some_and(|p| p.name == name) {
        return Ok(Package {
            name: name.to_owned(),
            dir,
        });
    }
    let (root, workspace) = match manifest.workspace {
        Some(_) => (dir, manifest),
        None => match up_to_manifest(&dir, |m| m.workspace.is_some())? {
            Some(found) => found,
            None => (dir, manifest),
        },
    };
    let mut members = members(&root, &workspace)?;
    match members.iter().position(|p| p.name == name) {
        Some(i) => Ok(members.swap_remove(i)),
        None => Err(Failure::Usage(format!(
            "no package `{name}` in `{}`; its packages: {}",
            root.join("Cargo.toml").display(),
            names(&members)
        ))),
    }
}

/// The first directory from `start` up whose manifest `wanted` accepts.
fn up_to_manifest(
    start: &Path,
    wanted: impl Fn(&Manifest) -> bool,
) -> Result<Option<(PathBuf, Manifest)>, Failure> {
    for dir in start.ancestors() {
        if let Some(manifest) = read_manifest(dir)?
            && wanted(&manifest)
        {
            return Ok(Some((dir.to_path_buf(), manifest)));
        }
    }
    Ok(None)
}

fn no_manifest(cwd: &Path) -> Failure {
    Failure::Usage(format!(
        "no Cargo.toml in `{}` or above; run this inside your crate, or pass `--dir DIR`",
        cwd.display()
    ))
}

/// The packages of the workspace at `root`: the root's own, then its members (globs
/// such as `crates/*` expanded), sorted by name.
fn members(root: &Path, manifest: &Manifest) -> Result<Vec<Package>, Failure> {
    let mut packages = Vec::new();
    if let Some(package) = &manifest.package {
        packages.push(Package {
            name: package.name.clone(),
            dir: root.to_path_buf(),
        });
    }
    let Some(workspace) = &manifest.workspace else {
        return Ok(packages);
    };
    let excluded: Vec<PathBuf> = workspace
        .exclude
        .iter()
        .map(|e| normalize(&root.join(e)))
        .collect();
    for pattern in &workspace.members {
        for dir in expand(root, pattern) {
            let dir = normalize(&dir);
            if dir == root || excluded.iter().any(|e| dir.starts_with(e)) {
                continue;
            }
            if let Some(Manifest {
                package: Some(package),
                ..
            }) = read_manifest(&dir)?
            {
                packages.push(Package {
                    name: package.name,
                    dir,
                });
            }
        }
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    packages.dedup_by(|a, b| a.dir == b.dir);
    Ok(packages)
}

/// The directories a member pattern names: `*` and `?` match within one path component.
fn expand(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut dirs = vec![root.to_path_buf()];
    for part in Path::new(pattern).components() {
        let part = part.as_os_str().to_string_lossy();
        if !part.contains(['*', '?']) {
            dirs.iter_mut().for_each(|d| d.push(&*part));
            continue;
        }
        let mut next = Vec::new();
        for dir in &dirs {
            let Ok(entries) = fs::read_dir(dir) else {
                continue;
            };
            let mut matched: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .filter(|e| e.path().is_dir())
                .filter(|e| wildcard(&part, &e.file_name().to_string_lossy()))
                .map(|e| e.path())
                .collect();
            matched.sort();
            next.extend(matched);
        }
        dirs = next;
    }
    dirs
}

/// Whether `name` matches `pattern`, where `*` is any run of characters and `?` one.
fn wildcard(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // The classic two-pointer match with backtracking to the last `*`.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

fn names(packages: &[Package]) -> String {
    if packages.is_empty() {
        return "none found".to_owned();
    }
    packages
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `path` with `.` and `..` folded away, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` as seen from `cwd` (both absolute): `b/src/migrations`, `../src/migrations`;
/// absolute when they share no root.
fn relative(cwd: &Path, path: &Path) -> PathBuf {
    let (cwd, path) = (normalize(cwd), normalize(path));
    let common = cwd
        .components()
        .zip(path.components())
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return path;
    }
    if common == cwd.components().count() && common == path.components().count() {
        return PathBuf::from(".");
    }
    let mut out = PathBuf::new();
    for _ in cwd.components().skip(common) {
        out.push("..");
    }
    for part in path.components().skip(common) {
        out.push(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_within_a_component() {
        assert!(wildcard("*", "a"));
        assert!(wildcard("crate-*", "crate-b"));
        assert!(wildcard("a?c", "abc"));
        assert!(wildcard("*-cli*", "updown-cli"));
        assert!(!wildcard("crate-*", "other"));
        assert!(!wildcard("a?c", "ac"));
    }

    #[test]
    fn paths_are_shown_from_the_current_directory() {
        let ws = Path::new("/ws");
        assert_eq!(
            relative(ws, Path::new("/ws/b/src/migrations")),
            Path::new("b/src/migrations")
        );
        assert_eq!(
            relative(
                Path::new("/ws/a/src/deep"),
                Path::new("/ws/a/src/migrations")
            ),
            Path::new("../migrations")
        );
        assert_eq!(relative(ws, Path::new("/ws/x/../b")), Path::new("b"));
    }
}
