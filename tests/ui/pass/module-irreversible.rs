use updown::prelude::*;

#[migration(version = 20250105_100000, irreversible = "the purged sessions cannot be restored")]
mod purge_sessions {
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {
        db.execute("DELETE FROM sessions WHERE expires_at < CURRENT_TIMESTAMP")
    }
}

fn main() {}
