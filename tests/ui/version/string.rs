use updown::prelude::*;

#[migration(version = "2025")]
mod create_users {
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {
        db.execute("CREATE TABLE users (id BIGINT PRIMARY KEY)")
    }

    pub fn down(db: &mut Db) -> Result<()> {
        db.execute("DROP TABLE users")
    }
}

fn main() {}
