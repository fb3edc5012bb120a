//! Checksums over a canonical form: the same for the same tokens whatever the
//! whitespace, comments or line endings around them.

use sha2::{Digest, Sha256};

use crate::lexer::tokens;

/// Version of the canonical form. Changing how anything is canonicalised changes every
/// checksum users have recorded, so it is part of what is hashed.
const FORM: &[u8] = b"updown-checksum-v1";

/// Incremental checksum: named sections of canonical tokens, hashed with SHA-256.
///
/// Every token is length-prefixed, so no two different token sequences hash alike.
pub struct Checksum(Sha256);

impl Checksum {
    pub fn new() -> Self {
        let mut hasher = Sha256::new();
        hasher.update(FORM);
        Checksum(hasher)
    }

    /// Starts a named part (`up`, `down`...), so that moving a token from one part to
    /// another changes the checksum.
    pub fn section(&mut self, name: &str) {
        self.0.update([0xff]);
        self.token(name);
    }

    /// Adds one canonical token. Carriage returns before a newline are dropped, so a
    /// checkout with CRLF line endings hashes like one with LF.
    pub fn token(&mut self, text: &str) {
        let text = text.replace("\r\n", "\n");
        self.0.update((text.len() as u64).to_le_bytes());
        self.0.update(text.as_bytes());
    }

    /// Adds every token of a SQL script, skipping whitespace and comments.
    pub fn sql(&mut self, sql: &str) {
        for t in tokens(sql) {
            self.token(t.text);
        }
    }

    /// The checksum as 64 lower-case hex digits.
    pub fn finish(self) -> String {
        self.0
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl Default for Checksum {
    fn default() -> Self {
        Self::new()
    }
}

/// Checksum of a SQL migration: its `up` script and, unless irreversible, its `down`.
pub fn sql_migration(up: &str, down: Option<&str>) -> String {
    let mut sum = Checksum::new();
    sum.section("sql-up");
    sum.sql(up);
    if let Some(down) = down {
        sum.section("sql-down");
        sum.sql(down);
    }
    sum.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_whitespace_comments_and_line_endings() {
        let a = sql_migration("CREATE TABLE a (x INT, y TEXT);", Some("DROP TABLE a"));
        let b = sql_migration(
            "-- the a table\r\nCREATE   TABLE a(\r\n  x INT , /* first */\r\n  y TEXT\r\n);\r\n",
            Some("  DROP TABLE a  "),
        );
        assert_eq!(a, b);
    }

    #[test]
    fn changes_with_any_token() {
        let base = sql_migration("CREATE TABLE a (x INT)", Some("DROP TABLE a"));
        for (up, down) in [
            ("CREATE TABLE a (x BIGINT)", "DROP TABLE a"),
            ("CREATE TABLE b (x INT)", "DROP TABLE a"),
            ("create table a (x INT)", "DROP TABLE a"),
            ("CREATE TABLE a (x INT)", "DROP TABLE IF EXISTS a"),
            ("CREATE TABLE a (x INT);", "DROP TABLE a"),
        ] {
            assert_ne!(base, sql_migration(up, Some(down)), "{up} / {down}");
        }
        assert_ne!(base, sql_migration("CREATE TABLE a (x INT)", None));
    }

    #[test]
    fn string_contents_count() {
        assert_ne!(
            sql_migration("INSERT INTO a VALUES ('x  y')", None),
            sql_migration("INSERT INTO a VALUES ('x y')", None)
        );
    }

    #[test]
    fn tokens_moved_between_sections_change_it() {
        assert_ne!(
            sql_migration("SELECT 1; SELECT 2", Some("SELECT 3")),
            sql_migration("SELECT 1", Some("SELECT 2; SELECT 3"))
        );
    }

    /// Pins the canonical form: if this changes, every recorded checksum changes.
    #[test]
    fn golden() {
        assert_eq!(
            sql_migration(
                "CREATE TABLE users (id BIGINT PRIMARY KEY)",
                Some("DROP TABLE users")
            ),
            "cdb023c5957eb8f84fefb3ddea331a7bcee0e0cbe3d6c627acd228b81acae937"
        );
    }
}
