use updown::prelude::*;

#[derive(Migration)]
#[migration(
    version = 20250101_120000,
    allow = ["set-not-null", "no-such-rule"],
    up = "CREATE TABLE users (id BIGINT PRIMARY KEY)",
    down = "DROP TABLE users"
)]
struct CreateUsers;

fn main() {}
