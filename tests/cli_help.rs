//! How the program presents itself: its name and version, the help's headings and
//! defaults, and its shell completions.

use updown_tests::{bin, sqlite};

#[test]
fn help_names_the_program_and_groups_the_global_options() {
    let db = sqlite();
    let help = db.run_bare(bin!("app"), &["--help"], &[]);
    help.expect(0).stdout_has(&[
        "Usage: app [OPTIONS] <COMMAND>",
        "completions",
        "Global options:",
        "--database-url <URL>",
        "--lock-timeout <DURATION>",
    ]);
    // The global options come after the heading, the command's own before it.
    let heading = help.stdout.find("Global options:").unwrap();
    assert!(help.stdout.find("--database-url").unwrap() > heading);
    assert!(help.stdout.find("--help").unwrap() < heading);

    db.run_bare(bin!("app"), &["migrate", "--help"], &[])
        .expect(0)
        .stdout_has(&[
            "Usage: app migrate [OPTIONS]",
            "--dry-run",
            "Global options:",
        ]);
}

#[test]
fn without_a_version_of_its_own_the_program_has_no_version_flag() {
    let db = sqlite();
    let run = db.run_bare(bin!("app"), &["--version"], &[]);
    run.expect(5).stderr_has(&["--version"]);
    assert!(!run.stdout.contains("0.1.0"), "{}", run.stdout);
}

#[test]
fn cli_macro_takes_the_name_and_version_of_the_calling_crate() {
    let db = sqlite();
    let run = db.run_bare(bin!("app_named"), &["--version"], &[]);
    assert_eq!(run.expect(0).stdout.trim(), "app_named 0.1.0");

    // The default URL is in the help, without its password.
    let help = db.run_bare(bin!("app_named"), &["status", "--help"], &[]);
    help.expect(0).stdout_has(&[
        "Usage: app_named status",
        "[default: postgres://app:***@127.0.0.1:1/app]",
    ]);
    assert!(!help.stdout.contains("hunter2"), "{}", help.stdout);
}

#[test]
fn completions_print_a_script_for_each_shell() {
    let db = sqlite();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = db.run_bare(bin!("app"), &["completions", shell], &[]);
        run.expect(0)
            .stdout_has(&["app", "migrate", "rollback", "dry-run", "database-url"]);
        assert!(run.stderr.is_empty(), "{shell}: {}", run.stderr);
    }
    // No database is needed, nor a good URL.
    db.run_bare(
        bin!("app"),
        &["completions", "bash"],
        &[("DATABASE_URL", "http://nowhere")],
    )
    .expect(0)
    .stdout_has(&["complete -F _app"]);

    db.run_bare(bin!("app"), &["completions", "tcsh"], &[])
        .expect(5)
        .stderr_has(&[
            "invalid value 'tcsh'",
            "bash, elvish, fish, powershell, zsh",
        ]);
    db.run_bare(bin!("app"), &["completions"], &[]).expect(5);
}
