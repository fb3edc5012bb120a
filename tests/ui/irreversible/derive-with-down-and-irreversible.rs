use updown::prelude::*;

#[derive(Migration)]
#[migration(
    version = 20250101_120000,
    up = "DELETE FROM sessions WHERE expired",
    down = "SELECT 1",
    irreversible = "the dropped rows cannot be restored"
)]
struct PurgeSessions;

fn main() {}
