//! SQL text handling shared by updown's macros (at compile time) and its runtime:
//! splitting scripts into statements and checksumming a canonical form.

pub mod checksum;
pub mod lexer;
pub mod statements;

pub use checksum::Checksum;
pub use statements::{Statement, is_empty, split};
