use updown::prelude::*;

#[derive(Migration)]
#[migration(
    version = 20250101_120000,
    dialect = "postgres",
    up = "CREATE TABLE users_copy (LIKE users INCLUDING ALL)",
    down = "DROP TABLE users_copy"
)]
struct CopyUsers;

fn main() {}
