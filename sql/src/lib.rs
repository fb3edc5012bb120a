//! SQL text handling shared by updown's macros (at compile time) and its runtime:
//! splitting scripts into statements, checksumming a canonical form, checking syntax
//! and linting migrations.
//!
//! Lint rules are declared in [`rules`]; `destructive`, `locks` and `reversibility`
//! check them on the changes the statement reader (`reader`) finds.
//!
//! Feature `lint` (on by default) adds [`lint`], everything `check` reports; the macros
//! build without it.

// Without `lint`, some of what the reader and the walk record has no reader.
#![cfg_attr(not(feature = "lint"), allow(dead_code))]

pub mod checksum;
mod destructive;
pub mod diesel;
mod grammar;
pub mod lexer;
#[cfg(feature = "lint")]
mod lint;
#[cfg(feature = "lint")]
mod locks;
pub mod parse;
mod reader;
#[cfg(feature = "lint")]
mod reversibility;
pub mod rules;
pub mod statements;
mod transaction;

pub use checksum::Checksum;
pub use destructive::destructive;
#[cfg(feature = "lint")]
pub use lint::{LintInput, lint};
pub use parse::{Dialect, ParseError, check_syntax};
pub use rules::{Category, Finding, Rule};
pub use statements::{Statement, controls_transaction, is_empty, own_transaction, split};
pub use transaction::{NotInTransaction, not_in_transaction};

/// Test tables, one case a line: `[dialect:] sql => expected; expected`, in PostgreSQL
/// unless a dialect is named.
#[cfg(test)]
pub(crate) fn cases(table: &str) -> Vec<(Dialect, &str, Vec<&str>)> {
    let mut out = Vec::new();
    for row in table.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let named = row
            .split_once(": ")
            .map(|(d, r)| (Dialect::from_name(d), r));
        let (dialect, row) = match named {
            Some((Some(dialect), rest)) => (dialect, rest),
            _ => (Dialect::Postgres, row),
        };
        let (sql, expected) = row.split_once(" =>").expect("a `=>` in every case");
        let expected = expected.split(';').map(str::trim).filter(|e| !e.is_empty());
        out.push((dialect, sql, expected.collect()));
    }
    out
}
