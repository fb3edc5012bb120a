use updown::prelude::*;

#[migration(version = 20250101_120000)]
mod create_users {
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {
        db.execute("CREATE TABLE users (id BIGINT PRIMARY KEY)")?;
        db.execute("INSERT INTO users VALUES (1) (2)")
    }

    pub fn down(db: &mut Db) -> Result<()> {
        db.execute("DROP TABLE users")
    }
}

fn main() {}
