use updown::prelude::*;

// MySQL is checked with an approximation, but a statement that begins with no
// statement's word is wrong whatever the grammar.
#[derive(Migration)]
#[migration(
    version = 20250102_090000,
    dialect = "mysql",
    up = "CREATE TABLE tags (id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL);
          ALTR TABLE tags ADD UNIQUE KEY tags_name (name)",
    down = "DROP TABLE tags"
)]
struct CreateTags;

fn main() {}
