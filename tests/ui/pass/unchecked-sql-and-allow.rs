use updown::prelude::*;

#[derive(Migration)]
#[migration(
    version = 20250101_120000,
    dialect = "postgres",
    unchecked_sql = "written by a schema tool whose own tests check it",
    up = "CREATE TABLE users_copy (LIKE users INCLUDING ALL)",
    down = "DROP TABLE users_copy"
)]
struct CopyUsers;

#[derive(Migration)]
#[migration(
    version = 20250102_120000,
    dialect = "postgres",
    allow = ["create-index-without-concurrently"],
    up = "CREATE INDEX users_email_idx ON users (email)",
    down = "DROP INDEX users_email_idx"
)]
struct IndexUsers;

fn main() {}
