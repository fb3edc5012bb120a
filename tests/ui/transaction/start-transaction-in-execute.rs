use updown::prelude::*;

#[migration(version = 20250101_120000)]
mod create_users {
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {
        db.execute("START TRANSACTION")?;
        db.execute("CREATE TABLE users (id BIGINT PRIMARY KEY)")
    }

    pub fn down(db: &mut Db) -> Result<()> {
        db.execute("DROP TABLE users")?;
        db.execute("ROLLBACK")
    }
}

fn main() {}
