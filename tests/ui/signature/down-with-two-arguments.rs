use updown::prelude::*;

#[migration(version = 20250101_120000)]
mod create_users {
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {
        db.execute("CREATE TABLE users (id BIGINT PRIMARY KEY)")
    }

    pub fn down(db: &mut Db, force: bool) -> Result<()> {
        let _ = force;
        db.execute("DROP TABLE users")
    }
}

fn main() {}
