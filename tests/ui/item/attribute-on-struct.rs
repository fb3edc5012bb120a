use updown::prelude::*;

#[migration(
    version = 20250102_090000,
    up = "ALTER TABLE users ADD COLUMN name TEXT",
    down = "ALTER TABLE users DROP COLUMN name"
)]
struct AddUserName;

fn main() {}
