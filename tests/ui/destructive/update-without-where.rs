use updown::prelude::*;

#[derive(Migration)]
#[migration(
    version = 20250101_120000,
    up = "UPDATE users SET active = 0",
    down = "UPDATE users SET active = 1 WHERE id > 0"
)]
struct DeactivateUsers;

fn main() {}
