use updown::prelude::*;

/// SQL kept in files beside the crate: editing them rebuilds the binary and changes the
/// checksum.
#[derive(Migration)]
#[migration(
    version = 20250105_080000,
    up_file = "sql/create_post_authors_view.up.sql",
    down_file = "sql/create_post_authors_view.down.sql"
)]
pub struct CreatePostAuthorsView;
