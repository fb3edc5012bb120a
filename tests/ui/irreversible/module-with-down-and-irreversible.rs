use updown::prelude::*;

#[migration(version = 20250101_120000, irreversible = "the dropped rows cannot be restored")]
mod purge_sessions {
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {
        db.execute("DELETE FROM sessions WHERE expired")
    }

    pub fn down(db: &mut Db) -> Result<()> {
        db.execute("SELECT 1")
    }
}

fn main() {}
