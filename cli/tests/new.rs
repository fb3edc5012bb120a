//! `updown new NAME`: the scaffolding binary.

use std::process::Command;

fn updown(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_updown"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn new_writes_a_timestamped_migration_and_declares_it() {
    let dir = tempfile::tempdir().unwrap();
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
    let out = updown(dir.path(), &["new", "9lives"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a usable migration name"));
    assert!(!dir.path().join("src").exists());
}

#[test]
fn the_scaffolding_binary_explains_where_the_other_commands_live() {
    let dir = tempfile::tempdir().unwrap();
    let out = updown(dir.path(), &["--help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("updown_cli::main()"));
    assert_eq!(updown(dir.path(), &["migrate"]).status.code(), Some(5));
}
