use updown::prelude::*;

// Dropping a table this same `up` created destroys nothing that existed before.
#[migration(version = 20250101_120000)]
mod rebuild_users {
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {
        db.execute("CREATE TABLE users_staging (id BIGINT PRIMARY KEY)")?;
        db.execute("INSERT INTO users_staging (id) SELECT id FROM users WHERE id > 0")?;
        db.execute("DROP TABLE users_staging")
    }

    pub fn down(db: &mut Db) -> Result<()> {
        db.execute("DELETE FROM users WHERE id < 0")
    }
}

fn main() {}
