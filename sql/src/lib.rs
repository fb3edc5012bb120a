//! SQL text handling shared by updown's macros (at compile time) and its runtime:
//! splitting scripts into statements, checksumming a canonical form, checking syntax
//! and linting migrations.

mod changes;
pub mod checksum;
pub mod lexer;
pub mod parse;
pub mod rules;
pub mod statements;

pub use checksum::Checksum;
pub use parse::{Dialect, ParseError, check_syntax};
pub use rules::{Finding, LintInput, destructive, lint};
pub use statements::{Statement, is_empty, split};
