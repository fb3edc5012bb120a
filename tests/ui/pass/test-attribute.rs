use updown::prelude::*;
use updown::testing::TestDatabase;

#[updown::test(to = 20250101_120000, skip_migrations = false, url = "sqlite::memory:")]
fn takes_a_db(db: &mut Db) -> Result<()> {
    db.execute("SELECT 1")
}

#[updown::test]
fn takes_a_connection(conn: &mut AnyConnection) {
    let _ = conn.backend();
}

#[updown::test]
fn takes_the_database(database: &mut TestDatabase) {
    let _ = database.db().backend();
}

fn main() {}
