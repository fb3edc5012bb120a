use updown::prelude::*;

#[migration(version = 20250104_090000, dialect = "postgres")]
mod compact_events {
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {
        db.batch_execute("DELETE FROM events WHERE at < now() - interval '1 year';\nVACUUM (ANALYZE) events;\nREINDEX TABLE CONCURRENTLY events")
    }

    pub fn down(db: &mut Db) -> Result<()> {
        db.execute("SELECT 1")
    }
}

fn main() {}
