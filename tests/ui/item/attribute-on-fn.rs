use updown::prelude::*;

#[migration(version = 20250101_120000)]
pub fn up(db: &mut Db) -> Result<()> {
    db.execute("CREATE TABLE users (id BIGINT PRIMARY KEY)")
}

fn main() {}
