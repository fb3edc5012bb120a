use updown::prelude::*;

#[migration(version = 20250101_120000)]
mod create_users {
    use super::*;

    pub fn up(_db: &mut Db) -> Result<()> {
        unimplemented!("write the table");
    }

    pub fn down(db: &mut Db) -> Result<()> {
        db.execute("DROP TABLE users")
    }
}

fn main() {}
