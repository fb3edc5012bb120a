use updown::prelude::*;

#[derive(Migration)]
#[migration(
    version = 20250101_120000,
    up = "ALTER TABLE users DROP COLUMN nickname",
    down = "ALTER TABLE users ADD COLUMN nickname TEXT"
)]
struct DropNickname;

fn main() {}
