use updown::prelude::*;

#[derive(Migration)]
#[migration(
    version = 20250103_090000,
    dialect = "postgres",
    up = "CREATE INDEX CONCURRENTLY users_email ON users (email)",
    down = "DROP INDEX CONCURRENTLY users_email"
)]
struct IndexUserEmail;

fn main() {}
