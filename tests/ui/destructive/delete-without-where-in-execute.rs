use updown::prelude::*;

#[migration(version = 20250101_120000)]
mod clear_sessions {
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {
        db.execute("DELETE FROM sessions")
    }

    pub fn down(db: &mut Db) -> Result<()> {
        db.execute("INSERT INTO sessions (id) VALUES (0)")
    }
}

fn main() {}
