use updown::prelude::*;

// Every mistake of one migration is reported in the same build.
#[migration(version = 0, verison = 2, transaction = "no")]
mod create_users {
    use super::*;

    pub fn up() -> Result<()> {
        Ok(())
    }

    pub fn down(_db: &mut Db) -> Result<()> {
        todo!()
    }
}

fn main() {}
