use updown::prelude::*;

#[migration(version = 20250101_120000)]
mod create_users;

fn main() {}
