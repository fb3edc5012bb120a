use updown::prelude::*;

/// A SQL migration: a nullable column, filled in by the next migration.
#[derive(Migration)]
#[migration(
    version = 20250102_090000,
    up = "ALTER TABLE users ADD COLUMN display_name VARCHAR(255)",
    down = "ALTER TABLE users DROP COLUMN display_name"
)]
pub struct AddDisplayName;
