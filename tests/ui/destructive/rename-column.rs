use updown::prelude::*;

#[derive(Migration)]
#[migration(
    version = 20250101_120000,
    up = "ALTER TABLE users RENAME COLUMN nick TO handle",
    down = "ALTER TABLE users RENAME COLUMN handle TO nick"
)]
struct RenameNick;

fn main() {}
