use updown::prelude::*;

#[migration(
    version = 20250106_080000,
    name = "drop_legacy_tables",
    transaction = false,
    destructive = "the legacy tables were archived to cold storage"
)]
mod drop_legacy {
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {
        db.batch_execute("DROP TABLE legacy_users; DROP TABLE legacy_posts;")
    }

    pub fn down(db: &mut Db) -> Result<()> {
        db.batch_execute(
            "CREATE TABLE legacy_users (id BIGINT PRIMARY KEY);
             CREATE TABLE legacy_posts (id BIGINT PRIMARY KEY);",
        )
    }
}

fn main() {}
