use updown::prelude::*;

#[migration(version = 20250101_120000)]
mod reset_counters {
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {
        db.execute("CREATE TABLE counters_archive (id BIGINT)")?;
        db.execute("TRUNCATE TABLE counters")
    }

    pub fn down(db: &mut Db) -> Result<()> {
        db.execute("DROP TABLE counters_archive")
    }
}

fn main() {}
