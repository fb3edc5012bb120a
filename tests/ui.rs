//! Compile-time guarantees of the macros (DESIGN.md section 3): every case under
//! `tests/ui/<category>/` is one mistake with its reviewed `.stderr`.
//! Regenerate with `TRYBUILD=overwrite cargo test --test ui`, then read every diff.

/// Puts the SQL files the cases read beside the crate trybuild generates, since a path
/// in `up_file` is relative to that crate's directory, wherever the target directory is.
fn place_sql_files() {
    let target = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the temporary directory is inside the target directory");
    let to = target.join("tests/trybuild/updown-tests/ui-files");
    std::fs::create_dir_all(&to).expect("the trybuild directory can be written");
    let from = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ui/sql/files");
    for file in std::fs::read_dir(from).expect("tests/ui/sql/files is readable") {
        let file = file.expect("a readable entry");
        std::fs::copy(file.path(), to.join(file.file_name())).expect("copied");
    }
}

#[test]
fn ui() {
    place_sql_files();
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/missing/*.rs");
    t.compile_fail("tests/ui/irreversible/*.rs");
    t.compile_fail("tests/ui/signature/*.rs");
    t.compile_fail("tests/ui/item/*.rs");
    t.compile_fail("tests/ui/version/*.rs");
    t.compile_fail("tests/ui/keys/*.rs");
    t.compile_fail("tests/ui/noop_down/*.rs");
    t.compile_fail("tests/ui/placeholder_up/*.rs");
    t.compile_fail("tests/ui/transaction/*.rs");
    t.compile_fail("tests/ui/sql/*.rs");
    t.compile_fail("tests/ui/duplicate/*.rs");
    t.compile_fail("tests/ui/destructive/*.rs");
    t.compile_fail("tests/ui/collected/*.rs");
    t.compile_fail("tests/ui/test_attribute/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
