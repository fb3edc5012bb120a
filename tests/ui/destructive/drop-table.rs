use updown::prelude::*;

#[derive(Migration)]
#[migration(
    version = 20250101_120000,
    up = "DROP TABLE sessions",
    down = "CREATE TABLE sessions (id BIGINT PRIMARY KEY)"
)]
struct DropSessions;

fn main() {}
