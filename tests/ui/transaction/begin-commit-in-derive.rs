use updown::prelude::*;

#[derive(Migration)]
#[migration(
    version = 20250102_090000,
    up = "BEGIN;\nALTER TABLE users ADD COLUMN name TEXT;\nCOMMIT;",
    down = "ALTER TABLE users DROP COLUMN name"
)]
struct AddUserName;

fn main() {}
