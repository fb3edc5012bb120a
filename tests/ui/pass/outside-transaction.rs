use updown::prelude::*;

// With `transaction = false` the SQL may manage its own transactions and run what
// PostgreSQL refuses inside one.
#[derive(Migration)]
#[migration(
    version = 20250103_090000,
    dialect = "postgres",
    transaction = false,
    up = "CREATE INDEX CONCURRENTLY users_email ON users (email);\nBEGIN;\nUPDATE users SET email = lower(email) WHERE email <> lower(email);\nCOMMIT;\nVACUUM (ANALYZE) users",
    down = "DROP INDEX CONCURRENTLY users_email"
)]
struct IndexUserEmail;

// Savepoints, trigger bodies and PL/pgSQL blocks are not transaction control.
#[derive(Migration)]
#[migration(
    version = 20250104_090000,
    dialect = "postgres",
    up = "SAVEPOINT before_backfill;\nUPDATE users SET email = lower(email) WHERE email IS NOT NULL;\nRELEASE SAVEPOINT before_backfill;\nDO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app') THEN CREATE ROLE app; END IF; END $$",
    down = "SELECT 1"
)]
struct LowercaseEmails;

// On MySQL no migration runs in a transaction (DDL commits implicitly there): the SQL may
// hold its own.
#[derive(Migration)]
#[migration(
    version = 20250105_090000,
    dialect = "mysql",
    up = "START TRANSACTION;\nUPDATE users SET email = LOWER(email) WHERE email <> LOWER(email);\nCOMMIT",
    down = "SELECT 1"
)]
struct LowercaseEmailsOnMysql;

fn main() {}
