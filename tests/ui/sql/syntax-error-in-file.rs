use updown::prelude::*;

// The path leaves trybuild's generated crate for this repository's tests/ui/sql/files.
#[derive(Migration)]
#[migration(
    version = 20250101_120000,
    up_file = "ui-files/broken.up.sql",
    down = "DROP TABLE users"
)]
struct CreateUsers;

fn main() {}
