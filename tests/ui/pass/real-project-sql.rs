use updown::prelude::*;

// Valid SQL of each database that sqlparser alone rejects: it needs no `unchecked_sql`.
#[derive(Migration)]
#[migration(
    version = 20250101_000001,
    dialect = "postgres",
    up = "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
          CREATE SEQUENCE public.users_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
          ALTER INDEX IF EXISTS users_email_key RENAME TO users_email_unique;
          COMMENT ON CONSTRAINT users_email_unique ON users IS 'one account per address';
          ALTER TABLE orders ALTER CONSTRAINT orders_user_fk DEFERRABLE INITIALLY DEFERRED;
          CREATE TABLE users_copy (LIKE users INCLUDING ALL, CONSTRAINT users_copy_email_not_null NOT NULL email)",
    down = "DROP TABLE users_copy;
            ALTER TABLE orders ALTER CONSTRAINT orders_user_fk NOT DEFERRABLE;
            ALTER INDEX IF EXISTS users_email_unique RENAME TO users_email_key;
            DROP SEQUENCE public.users_id_seq;
            DROP EXTENSION IF EXISTS pg_trgm"
)]
struct PostgresOnly;

#[derive(Migration)]
#[migration(
    version = 20250101_000002,
    dialect = "mysql",
    up = "ALTER TABLE users ADD COLUMN (nickname VARCHAR(64), age INT);
          SET @ddl = 'CREATE INDEX users_age ON users (age)';
          PREPARE stmt FROM @ddl;
          EXECUTE stmt;
          DEALLOCATE PREPARE stmt",
    down = "ALTER TABLE `users` DROP KEY `users_age`;
            ALTER TABLE users DROP COLUMN nickname, DROP COLUMN age"
)]
struct MysqlOnly;

#[derive(Migration)]
#[migration(
    version = 20250101_000003,
    dialect = "sqlite",
    up = "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT, size INT GENERATED ALWAYS AS (length(body)) STORED) STRICT;
          CREATE VIRTUAL TABLE docs_search USING fts5(body)",
    down = "DROP TABLE docs_search; DROP TABLE docs"
)]
struct SqliteOnly;

fn main() {}
