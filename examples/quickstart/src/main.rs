//! A small app whose migrations live next to its code. Its binary is the migration CLI:
//!
//! ```text
//! cargo run -p quickstart -- migrate
//! cargo run -p quickstart -- status
//! ```
//!
//! Without `--database-url` or `DATABASE_URL` it uses `quickstart.db` in the working
//! directory.

mod migrations;
mod schema;

use std::process::ExitCode;

fn main() -> ExitCode {
    updown_cli::Cli::new()
        .default_database_url("sqlite://quickstart.db")
        .main()
}
