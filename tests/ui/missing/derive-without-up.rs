use updown::prelude::*;

#[derive(Migration)]
#[migration(version = 20250102_090000, down = "ALTER TABLE users DROP COLUMN name")]
struct AddUserName;

fn main() {}
