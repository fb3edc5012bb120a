use updown::prelude::*;

#[migration(version = 20250101_120000, irreversible = "")]
mod purge_sessions {
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {
        db.execute("DELETE FROM sessions WHERE expired")
    }
}

fn main() {}
