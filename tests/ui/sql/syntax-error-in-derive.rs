use updown::prelude::*;

#[derive(Migration)]
#[migration(
    version = 20250101_120000,
    up = "CREATE TABLE users (id BIGINT PRIMARY KEY,, email TEXT)",
    down = "DROP TABLE users"
)]
struct CreateUsers;

fn main() {}
