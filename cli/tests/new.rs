//! `updown new NAME`: the scaffolding binary.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

fn updown(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_updown"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// A crate called `name` in `dir`.
fn package(dir: &Path, name: &str) {
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::write(
        dir.join("Cargo.toml"),
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n"),
    )
    .unwrap();
}

/// A workspace without a package of its own: `a`, and `b` under `crates/`.
fn workspace() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    fs::write(
        root.path().join("Cargo.toml"),
        "[workspace]\nmembers = [\n  \"a\",\n  \"crates/*\",\n]\nexclude = [\"crates/old\"]\nresolver = \"3\"\n",
    )
    .unwrap();
    package(&root.path().join("a"), "a");
    package(&root.path().join("crates/b"), "b");
    package(&root.path().join("crates/old"), "old");
    root
}

/// The migration files (not mod.rs) in `dir`.
fn migrations(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "mod.rs")
        .collect();
    files.sort();
    files
}

#[track_caller]
fn succeeded(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn new_writes_a_timestamped_migration_and_declares_it() {
    let dir = tempfile::tempdir().unwrap();
    package(dir.path(), "app");
    let out = updown(dir.path(), &["new", "create_users"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("add `mod migrations;`"), "{stdout}");

    let migrations = dir.path().join("src/migrations");
    let files: Vec<String> = std::fs::read_dir(&migrations)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "mod.rs")
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let file = &files[0];
    assert!(
        file.starts_with('m') && file.ends_with("_create_users.rs"),
        "{file}"
    );
    let version = file[1..16].replace('_', "");
    let text = std::fs::read_to_string(migrations.join(file)).unwrap();
    assert!(
        text.contains(&format!("#[migration(version = {})]", &file[1..16])),
        "{text}"
    );
    assert!(text.contains("mod create_users {"), "{text}");
    assert_eq!(version.len(), 14);
    let module = std::fs::read_to_string(migrations.join("mod.rs")).unwrap();
    assert!(
        module.contains(&format!("mod {};", file.trim_end_matches(".rs"))),
        "{module}"
    );
}

#[test]
fn new_rejects_a_bad_name_with_exit_5() {
    let dir = tempfile::tempdir().unwrap();
    package(dir.path(), "app");
    let out = updown(dir.path(), &["new", "9lives"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a usable migration name"));
    assert!(!dir.path().join("src/migrations").exists());
}

#[test]
fn new_with_package_writes_into_that_workspace_member() {
    let root = workspace();
    let stdout = succeeded(&updown(
        root.path(),
        &["new", "create_users", "--package", "b"],
    ));
    assert!(
        stdout.contains("created crates/b/src/migrations/m"),
        "{stdout}"
    );
    let written = migrations(&root.path().join("crates/b/src/migrations"));
    assert_eq!(written.len(), 1, "{written:?}");
    assert!(written[0].ends_with("_create_users.rs"), "{written:?}");
    assert!(!root.path().join("a/src/migrations").exists());
    assert!(!root.path().join("src").exists());

    // From inside another member, too.
    let inside_a = root.path().join("a/src");
    succeeded(&updown(&inside_a, &["new", "add_index", "-p", "b"]));
    assert_eq!(
        migrations(&root.path().join("crates/b/src/migrations")).len(),
        2
    );
}

#[test]
fn new_inside_a_member_finds_that_member() {
    let root = workspace();
    let deep = root.path().join("a/src/handlers/deep");
    fs::create_dir_all(&deep).unwrap();
    let stdout = succeeded(&updown(&deep, &["new", "create_users"]));
    assert!(stdout.contains("created ../../migrations/m"), "{stdout}");
    assert_eq!(migrations(&root.path().join("a/src/migrations")).len(), 1);
    assert!(!deep.join("src").exists());
    assert!(!root.path().join("crates/b/src/migrations").exists());

    // `--dir` stays relative to the current directory.
    succeeded(&updown(&deep, &["new", "elsewhere", "--dir", "here"]));
    assert_eq!(migrations(&deep.join("here")).len(), 1);
}

#[test]
fn new_at_a_workspace_root_without_a_package_lists_the_members_with_exit_5() {
    let root = workspace();
    let out = updown(root.path(), &["new", "create_users"]);
    assert_eq!(out.status.code(), Some(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is a workspace without a package of its own")
            && stderr.contains("pass `--package NAME` with one of its members (a, b)"),
        "{stderr}"
    );

    let out = updown(root.path(), &["new", "create_users", "--package", "old"]);
    assert_eq!(out.status.code(), Some(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no package `old` in") && stderr.contains("its packages: a, b"),
        "{stderr}"
    );

    let nowhere = tempfile::tempdir().unwrap();
    let out = updown(nowhere.path(), &["new", "create_users"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Cargo.toml in"));

    for dir in [root.path(), nowhere.path()] {
        assert!(!dir.join("src").exists());
    }
    assert!(!root.path().join("a/src/migrations").exists());
    assert!(!root.path().join("crates/b/src/migrations").exists());
}

/// `m<YYYYMMDD_HHMMSS>` of a time.
fn module_version(at: SystemTime) -> String {
    let digits: String = humantime::format_rfc3339_seconds(at)
        .to_string()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    format!("{}_{}", &digits[..8], &digits[8..14])
}

#[test]
fn new_never_reuses_the_version_of_a_migration_in_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    package(dir.path(), "app");
    let migrations_dir = dir.path().join("src/migrations");
    fs::create_dir_all(&migrations_dir).unwrap();
    // Every second from now to ten seconds ahead is taken.
    let now = SystemTime::now();
    let taken: Vec<String> = (0..10)
        .map(|s| module_version(now + Duration::from_secs(s)))
        .collect();
    for version in &taken {
        fs::write(migrations_dir.join(format!("m{version}_earlier.rs")), "").unwrap();
    }
    succeeded(&updown(dir.path(), &["new", "first"]));
    succeeded(&updown(dir.path(), &["new", "second"]));

    let written = migrations(&migrations_dir);
    let version_of = |suffix: &str| {
        let file = written.iter().find(|f| f.ends_with(suffix)).unwrap();
        file[1..16].to_owned()
    };
    let (first, second) = (version_of("_first.rs"), version_of("_second.rs"));
    assert!(!taken.contains(&first), "{first} reused: {written:?}");
    assert!(first > *taken.last().unwrap(), "{first}: {written:?}");
    assert!(second > first, "{second} after {first}: {written:?}");
}

#[test]
fn the_scaffolding_binary_explains_where_the_other_commands_live() {
    let dir = tempfile::tempdir().unwrap();
    let out = updown(dir.path(), &["--help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("updown_cli::cli!().main()"));
    assert_eq!(updown(dir.path(), &["migrate"]).status.code(), Some(5));
}

#[test]
fn the_scaffolding_binary_prints_its_own_completions() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = succeeded(&updown(dir.path(), &["completions", shell]));
        assert!(
            script.contains("updown") && script.contains("new") && script.contains("package"),
            "{shell}: {script}"
        );
    }
    assert_eq!(
        updown(dir.path(), &["completions", "tcsh"]).status.code(),
        Some(5)
    );
}
