use updown::prelude::*;

#[derive(Migration)]
#[migration(version = 20250102_090000, up = "ALTER TABLE users ADD COLUMN name TEXT")]
struct AddUserName;

fn main() {}
