use updown::prelude::*;

#[derive(Migration)]
#[migration(
    version = 20250102_090000,
    up_file = "sql/does-not-exist.sql",
    down = "ALTER TABLE users DROP COLUMN name"
)]
struct AddUserName;

fn main() {}
