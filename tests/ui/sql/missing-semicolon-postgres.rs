use updown::prelude::*;

#[derive(Migration)]
#[migration(
    version = 20250102_090000,
    dialect = "postgres",
    up = "CREATE TABLE tags (id BIGINT PRIMARY KEY, name TEXT NOT NULL)
          CREATE UNIQUE INDEX tags_name ON tags (name)",
    down = "DROP TABLE tags"
)]
struct CreateTags;

fn main() {}
