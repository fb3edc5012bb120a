//! Compile-time guarantees of the macros (DESIGN.md section 3): every case under
//! `tests/ui/<category>/` is one mistake with its reviewed `.stderr`.
//! Regenerate with `TRYBUILD=overwrite cargo test --test ui`, then read every diff.

#[test]
fn ui() {
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
