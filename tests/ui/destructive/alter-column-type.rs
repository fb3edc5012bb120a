use updown::prelude::*;

#[derive(Migration)]
#[migration(
    version = 20250101_120000,
    dialect = "postgres",
    up = "ALTER TABLE users ALTER COLUMN age TYPE SMALLINT",
    down = "ALTER TABLE users ALTER COLUMN age TYPE INT"
)]
struct ShrinkAge;

fn main() {}
