use updown::prelude::*;

#[updown::test(fixture = ["users.sql"])]
fn reads_users(db: &mut Db) {
    let _ = db.backend();
}

fn main() {}
