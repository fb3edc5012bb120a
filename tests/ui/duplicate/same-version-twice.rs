use updown::prelude::*;

#[migration(version = 20250101_120000)]
mod create_users {
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {
        db.execute("CREATE TABLE users (id BIGINT PRIMARY KEY)")
    }

    pub fn down(db: &mut Db) -> Result<()> {
        db.execute("DROP TABLE users")
    }
}

#[derive(Migration)]
#[migration(
    version = 20250101_120000,
    up = "CREATE TABLE posts (id BIGINT PRIMARY KEY)",
    down = "DROP TABLE posts"
)]
struct CreatePosts;

fn main() {}
