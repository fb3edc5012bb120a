//! Where each migration stands: code and database compared.

use crate::registry::{Registry, merge_in_diesel_order};
use crate::tracking::{AppliedRow, RowState};

/// The state of one migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Applied, and its code is unchanged since.
    Applied,
    /// In the code, not yet applied.
    Pending,
    /// Applied, but its code changed since (checksum drift).
    Modified,
    /// Applied in the database, absent from the code.
    Missing,
    /// Failed or interrupted outside a transaction: may be half-applied.
    Dirty,
    /// Being run outside a transaction by another migrator right now.
    Running,
}

impl State {
    /// The word `status` shows.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Modified => "modified",
            State::Missing => "missing",
            State::Dirty => "dirty",
            State::Running => "running",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One migration's line in `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// The migration's version.
    pub version: i64,
    /// Its name: from the code, or as recorded for a missing migration.
    pub name: String,
    /// Where it stands.
    pub state: State,
    /// When it was applied (RFC 3339, UTC), if it was.
    pub applied_at: Option<String>,
    /// The batch it was applied in, if it was.
    pub batch: Option<i64>,
    /// The checksum of the code, or the recorded one for a missing migration.
    pub checksum: String,
    /// The checksum recorded when it was applied, if it was.
    pub recorded_checksum: Option<String>,
    /// How long applying it took, in milliseconds, if it was applied.
    pub duration_ms: Option<i64>,
}

/// Every migration in the code or the database, in order: what
/// [`Migrator::status`](crate::Migrator::status) returns.
///
/// ```no_run
/// # fn main() -> Result<(), updown::Error> {
/// use updown::{Migrator, Registry, State};
/// let status = Migrator::new(Registry::collect()?, "sqlite://app.db")?.status()?;
/// for m in status.migrations.iter().filter(|m| m.state != State::Applied) {
///     println!("{} {} is {}", m.version, m.name, m.state);
/// }
/// println!("{} pending", status.summary().pending);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// One entry per version, in the order migrations apply (see
    /// [`Registry`](crate::Registry)); migrations only in the database are placed by
    /// their version, compared as the registry compares them.
    pub migrations: Vec<MigrationStatus>,
    /// Indexes into `migrations`, by version.
    by_version: Vec<usize>,
}

/// How many migrations are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Every migration, in the code or only in the database.
    pub total: usize,
    /// How many are [`State::Applied`].
    pub applied: usize,
    /// How many are [`State::Pending`].
    pub pending: usize,
    /// How many are [`State::Modified`].
    pub modified: usize,
    /// How many are [`State::Missing`].
    pub missing: usize,
    /// How many are [`State::Dirty`].
    pub dirty: usize,
    /// How many are [`State::Running`].
    pub running: usize,
}

impl Status {
    /// The registry's migrations in their order, each with its tracking row if any;
    /// rows whose code is gone merged in as the registry merges its sources: O(N log N).
    pub(crate) fn compute(registry: &Registry, rows: &[AppliedRow]) -> Status {
        Self::from_rows(registry, rows.to_vec())
    }

    /// [`compute`](Self::compute), taking the rows' text instead of copying it: each
    /// row found by binary search, the merge done only when some code is gone.
    pub(crate) fn from_rows(registry: &Registry, mut rows: Vec<AppliedRow>) -> Status {
        rows.sort_unstable_by_key(|r| r.version);
        let versions: Vec<i64> = rows.iter().map(|r| r.version).collect();
        let mut rows: Vec<Option<AppliedRow>> = rows.into_iter().map(Some).collect();
        let code: Vec<MigrationStatus> = registry
            .migrations()
            .iter()
            .map(|m| {
                let row = versions
                    .binary_search(&m.version)
                    .ok()
                    .and_then(|i| rows[i].take());
                let Some(r) = row else {
                    return MigrationStatus {
                        version: m.version,
                        name: m.name().to_owned(),
                        state: State::Pending,
                        applied_at: None,
                        batch: None,
                        checksum: m.checksum().to_owned(),
                        recorded_checksum: None,
                        duration_ms: None,
                    };
                };
                let state = if r.state == RowState::Running {
                    State::Running
                } else if r.is_dirty() {
                    State::Dirty
                } else if r.checksum != m.checksum {
                    State::Modified
                } else {
                    State::Applied
                };
                let name = match r.name == m.name() {
                    true => None,
                    false => Some(m.name().to_owned()),
                };
                from_row(r, name, Some(m.checksum().to_owned()), state)
            })
            .collect();
        let gone: Vec<MigrationStatus> = rows
            .into_iter()
            .flatten()
            .map(|r| {
                let state = match r.state {
                    RowState::Running => State::Running,
                    RowState::Dirty => State::Dirty,
                    RowState::Applied => State::Missing,
                };
                from_row(r, None, None, state)
            })
            .collect();
        let migrations = match gone.is_empty() {
            true => code,
            false => merge_in_diesel_order(
                registry
                    .migrations()
                    .iter()
                    .map(|m| m.version_text().into_owned())
                    .zip(code)
                    .collect(),
                gone.into_iter()
                    .map(|m| (m.version.to_string(), m))
                    .collect(),
            ),
        };
        let mut by_version: Vec<usize> = (0..migrations.len()).collect();
        by_version.sort_by_key(|&i| migrations[i].version);
        Status {
            migrations,
            by_version,
        }
    }

    /// Where in `migrations` the last migration recorded in the database (any state but
    /// pending) is, in the order migrations apply.
    pub(crate) fn last_recorded(&self) -> Option<usize> {
        self.migrations
            .iter()
            .rposition(|m| m.state != State::Pending)
    }

    /// Where in `migrations` the entry for `version` is.
    pub(crate) fn position(&self, version: i64) -> Option<usize> {
        self.by_version
            .binary_search_by_key(&version, |&i| self.migrations[i].version)
            .ok()
            .map(|i| self.by_version[i])
    }

    /// How many migrations are in each state.
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            total: self.migrations.len(),
            ..Summary::default()
        };
        for m in &self.migrations {
            match m.state {
                State::Applied => s.applied += 1,
                State::Pending => s.pending += 1,
                State::Modified => s.modified += 1,
                State::Missing => s.missing += 1,
                State::Dirty => s.dirty += 1,
                State::Running => s.running += 1,
            }
        }
        s
    }

    /// The latest version recorded in the database in the order migrations apply, if
    /// any.
    pub fn latest_applied(&self) -> Option<i64> {
        self.last_recorded().map(|i| self.migrations[i].version)
    }

    /// The entry for `version`, if the code or the database has it.
    pub fn get(&self, version: i64) -> Option<&MigrationStatus> {
        self.position(version).map(|i| &self.migrations[i])
    }
}

/// A migration's line from its row; `name` and `checksum` are the code's where it has
/// them (`None`: the row's, or for a name, the same as the row's).
fn from_row(
    r: AppliedRow,
    name: Option<String>,
    checksum: Option<String>,
    state: State,
) -> MigrationStatus {
    let recorded_checksum = match &checksum {
        Some(_) => r.checksum,
        None => r.checksum.clone(),
    };
    MigrationStatus {
        version: r.version,
        name: name.unwrap_or(r.name),
        state,
        applied_at: Some(r.applied_at),
        batch: Some(r.batch),
        checksum: checksum.unwrap_or_else(|| recorded_checksum.clone()),
        recorded_checksum: Some(recorded_checksum),
        duration_ms: Some(r.duration_ms),
    }
}
