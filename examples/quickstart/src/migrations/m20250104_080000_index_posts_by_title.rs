use updown::prelude::*;

/// An index, and the one place where SQL differs between databases: MySQL names the
/// table in `DROP INDEX`. On PostgreSQL `check` flags an index built without
/// CONCURRENTLY (it blocks writes while it builds); `posts` is small, so that is allowed.
#[migration(version = 20250104_080000, allow = ["create-index-without-concurrently"])]
mod index_posts_by_title {
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {
        db.execute("CREATE INDEX posts_title_idx ON posts (title)")
    }

    pub fn down(db: &mut Db) -> Result<()> {
        match db.backend() {
            Backend::Mysql => db.execute("DROP INDEX posts_title_idx ON posts"),
            _ => db.execute("DROP INDEX posts_title_idx"),
        }
    }
}
