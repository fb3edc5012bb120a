// The file of the non-inline `mod create_users;` in `../non-inline-module.rs`, so that
// rustc finds it, as it would in a real project. It lives in a folder so that the
// `tests/ui/item/*.rs` glob does not take it for a test case.
