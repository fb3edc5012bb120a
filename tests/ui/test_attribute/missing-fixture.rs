use updown::prelude::*;

#[updown::test(fixtures = ["tests/fixtures/sql/no-such-file.sql"])]
fn reads_users(db: &mut Db) {
    let _ = db.backend();
}

fn main() {}
