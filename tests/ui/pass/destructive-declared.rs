use updown::prelude::*;

#[derive(Migration)]
#[migration(
    version = 20250101_120000,
    destructive = "sessions are recreated at the next login",
    up = "DROP TABLE sessions",
    down = "CREATE TABLE sessions (id BIGINT PRIMARY KEY)"
)]
struct DropSessions;

#[migration(version = 20250102_120000, destructive = "the counters restart from zero")]
mod reset_counters {
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {
        db.execute("DELETE FROM counters")
    }

    pub fn down(db: &mut Db) -> Result<()> {
        db.execute("INSERT INTO counters (id) VALUES (0)")
    }
}

fn main() {}
