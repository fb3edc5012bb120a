use updown::prelude::*;

#[updown::test]
async fn reads_users(db: &mut Db) {
    let _ = db.backend();
}

fn main() {}
