use updown::prelude::*;

/// SQL kept in files beside the crate: editing them rebuilds the binary and changes the
/// checksum.
#[derive(Migration)]
#[migration(
    version = 20250104_080000,
    up_file = "sql/index_posts_by_author.up.sql",
    down_file = "sql/index_posts_by_author.down.sql"
)]
pub struct IndexPostsByAuthor;
