//! The checks around a run: before it (what is pending, what would refuse it, what other
//! sessions are doing) and after it (foreign keys, dirty marks, the schema's checksum).

use std::time::Duration;

use crate::activity::Activity;
use crate::error::Problem;
use crate::keys::KeyFinding;

/// What the checks before a run found. Any problem or activity refuses the run (exit 1)
/// unless it is forced.
#[derive(Debug, Clone, Default)]
pub struct Preflight {
    /// How many migrations the run would apply (or undo, for a rollback).
    pub pending: usize,
    /// What refuses the run in updown's own records: drift, missing, dirty, out of order.
    pub problems: Vec<Problem>,
    /// Other sessions of the server the run should not start beside.
    pub activity: Vec<Activity>,
    /// How long the transaction of another session may have been open.
    pub threshold: Duration,
}

impl Preflight {
    /// Whether nothing stands in the way.
    pub fn clear(&self) -> bool {
        self.problems.is_empty() && self.activity.is_empty()
    }
}

/// What the checks after a run found.
#[derive(Debug, Clone, Default)]
pub struct Postflight {
    /// The batch checked: the one the run recorded, or the last one.
    pub batch: Option<i64>,
    /// SHA-256 (hex) of the normalised schema after the run: equal schemas, equal sums.
    pub schema_checksum: String,
    /// How many foreign keys were checked: those the run added, or every key when the
    /// checks run alone.
    pub keys_checked: usize,
    /// What is wrong with them, and notes (keys not validated).
    pub keys: Vec<KeyFinding>,
    /// Migrations left marked dirty, as `version name`.
    pub dirty: Vec<String>,
    /// How long the checks took.
    pub duration: Duration,
}

impl Postflight {
    /// Whether a check failed: rows that break a foreign key, or a dirty mark.
    pub fn failed(&self) -> bool {
        !self.dirty.is_empty()
            || self
                .keys
                .iter()
                .any(|k| matches!(k, KeyFinding::Orphans { .. }))
    }

    /// Every failure, one per line, with what to do.
    pub fn failure_text(&self) -> String {
        let mut lines = vec!["the checks after the run failed; what it applied stays applied:".to_owned()];
        for finding in &self.keys {
            if let KeyFinding::Orphans { key, rows, capped } = finding {
                let more = if *capped { " or more" } else { "" };
                lines.push(format!(
                    "  - {rows}{more} rows of {} break the foreign key {} ({}) -> {}({}): fix or delete them, then `VALIDATE CONSTRAINT` where it was added NOT VALID",
                    key.table,
                    key.name,
                    key.columns.join(", "),
                    key.parent,
                    key.parent_columns.join(", ")
                ));
            }
        }
        for m in &self.dirty {
            lines.push(format!(
                "  - migration {m} is marked dirty: check what of it ran, then `repair`"
            ));
        }
        lines.push(match self.batch {
            Some(b) => format!(
                "  then run `postflight` to check again, or `rollback` to undo batch {b}"
            ),
            None => "  then run `postflight` to check again".to_owned(),
        });
        lines.join("\n")
    }
}

/// A schema checksum recorded by a postflight, as `status` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaChecksum {
    /// SHA-256 (hex) of the normalised schema.
    pub checksum: String,
    /// The batch it was recorded after.
    pub batch: Option<i64>,
    /// When (RFC 3339, UTC).
    pub at: String,
}
