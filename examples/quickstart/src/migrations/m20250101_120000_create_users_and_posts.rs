use updown::prelude::*;

/// The first tables, with a few rows to work on.
#[migration(version = 20250101_120000)]
mod create_users_and_posts {
    use super::*;

    pub fn up(db: &mut Db) -> Result<()> {
        db.batch_execute(
            "CREATE TABLE users (
                id BIGINT PRIMARY KEY,
                email VARCHAR(255) NOT NULL UNIQUE
            );
            CREATE TABLE posts (
                id BIGINT PRIMARY KEY,
                author_id BIGINT NOT NULL REFERENCES users (id),
                title VARCHAR(255) NOT NULL
            );
            INSERT INTO users (id, email) VALUES (1, 'ada@example.com'), (2, 'grace.hopper@example.com');
            INSERT INTO posts (id, author_id, title) VALUES (1, 1, 'Notes on the engine'), (2, 2, 'Debugging');",
        )
    }

    pub fn down(db: &mut Db) -> Result<()> {
        db.batch_execute("DROP TABLE posts; DROP TABLE users;")
    }
}
