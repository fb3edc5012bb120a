//! The checks around a run: before it (what is pending, what would refuse it, what other
//! sessions are doing) and after it (foreign keys, dirty marks, the schema's checksum).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::activity::{Activity, Touched};
use crate::error::{Error, Problem};
use crate::keys::{ForeignKey, KeyFinding};
use crate::plan::Planned;
use crate::registry::Registry;
use crate::schema::Scope;
use crate::session::Session;
use crate::status::State;
use crate::tracking::{HistoryAction, NewHistory};

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
    /// Checks that could not run, with the database's reason.
    pub errors: Vec<String>,
    /// How long the checks took.
    pub duration: Duration,
}

impl Postflight {
    /// Whether a check failed: rows that break a foreign key, or a dirty mark.
    pub fn failed(&self) -> bool {
        !self.dirty.is_empty()
            || !self.errors.is_empty()
            || self
                .keys
                .iter()
                .any(|k| matches!(k, KeyFinding::Orphans { .. }))
    }

    /// Every failure, one per line, with what to do.
    pub fn failure_text(&self) -> String {
        let mut lines =
            vec!["the checks after the run failed; what it applied stays applied:".to_owned()];
        for finding in &self.keys {
            if let KeyFinding::Orphans { key, rows, capped } = finding {
                let (more, row, breaks) = match (*capped, *rows) {
                    (true, _) => (" or more", "rows", "break"),
                    (false, 1) => ("", "row", "breaks"),
                    (false, _) => ("", "rows", "break"),
                };
                // Only PostgreSQL keeps a key unchecked until told to check it.
                let then = match key.validated {
                    true => String::new(),
                    false => format!(
                        ", then `ALTER TABLE {} VALIDATE CONSTRAINT {}`",
                        key.table, key.name
                    ),
                };
                lines.push(format!(
                    "  - {rows}{more} {row} of {} {breaks} the foreign key {} ({}) -> {}({}), no parent row matching: fix or delete them{then}",
                    key.table,
                    key.name,
                    key.columns.join(", "),
                    key.parent,
                    key.parent_columns.join(", ")
                ));
            }
        }
        for e in &self.errors {
            lines.push(format!("  - {e}: check them by hand"));
        }
        for m in &self.dirty {
            lines.push(format!(
                "  - migration {m} is marked dirty: check what of it ran, then `repair`"
            ));
        }
        lines.push(match self.batch {
            Some(b) => {
                format!("  then run `postflight` to check again, or `rollback` to undo batch {b}")
            }
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

/// The checks and the backup around `migrate`, `rollback`, `redo` and `reset`
/// ([`Migrator::checks`](crate::Migrator::checks)).
#[derive(Debug, Clone)]
pub struct RunChecks {
    /// Look at the server's other sessions before a run (PostgreSQL, MySQL): long
    /// transactions, and locks held or awaited on the tables the run touches. Default on.
    pub server_activity: bool,
    /// How long another session's transaction may have been open (default 30 s).
    pub long_transaction: Duration,
    /// Run even though other sessions were found (they are still reported).
    pub force: bool,
    /// Take a backup into this folder before anything runs (see [`crate::backup`]).
    pub backup: Option<std::path::PathBuf>,
    /// After a run that changed something: check the foreign keys it added and that
    /// nothing is left dirty, and record the schema checksum. Default on.
    pub postflight: bool,
}

impl Default for RunChecks {
    fn default() -> Self {
        RunChecks {
            server_activity: true,
            long_transaction: Duration::from_secs(30),
            force: false,
            backup: None,
            postflight: true,
        }
    }
}

/// What a run will touch, for the preflight's look at locks: the names in the SQL of
/// each migration in `planned`, or every table when one of them is Rust.
pub(crate) fn touched(planned: &[Planned<'_>]) -> Touched {
    let mut all = BTreeSet::new();
    for p in planned {
        let names = crate::verify::names_of(p.migration)?;
        all.extend(names.into_iter().map(|n| n.to_lowercase()));
    }
    Some(all)
}

/// Other sessions of the server a run touching `tables` should not start beside.
pub(crate) fn activity(
    session: &mut Session,
    tables: &Touched,
    threshold: Duration,
) -> Result<Vec<Activity>, Error> {
    let backend = session.backend;
    let found = crate::activity::server_activity(session.conn(), backend, tables, threshold)
        .map_err(|e| Error::database("reading the server's sessions and locks", e))?;
    for a in &found {
        tracing::warn!(
            target: "updown",
            event = "preflight finding",
            pid = a.pid.as_str(),
            duration_ms = crate::session::millis(a.duration),
            state = a.state.as_str(),
            query = a.query.as_str(),
            "{a}"
        );
    }
    Ok(found)
}

/// The foreign keys a run could have let orphan rows in under: those it added since
/// `before`, and those of the tables its SQL names (`touched`: rebuilt with keys off,
/// parent rows deleted with `FOREIGN_KEY_CHECKS = 0`), but for PostgreSQL keys it has
/// validated, which it enforces whatever the session says.
fn keys_to_check(
    keys: Vec<ForeignKey>,
    before: &[ForeignKey],
    touched: &Touched,
    backend: crate::url::Backend,
) -> Vec<ForeignKey> {
    let named = |table: &str| {
        touched.as_ref().is_some_and(|names| {
            let table = table.to_lowercase();
            let bare = table.rsplit('.').next().unwrap_or(&table).to_owned();
            names.contains(&table) || names.contains(&bare)
        })
    };
    let before: std::collections::HashSet<&ForeignKey> = before.iter().collect();
    keys.into_iter()
        .filter(|k| {
            !before.contains(k)
                || ((named(&k.table) || named(&k.parent))
                    && !(backend == crate::url::Backend::Postgres && k.validated))
        })
        .collect()
}

/// The checks after a run, recorded in the history: the foreign keys it could have
/// broken (see `keys_to_check`; every key when `keys_before` is `None`), dirty marks,
/// and the schema checksum.
pub(crate) fn postflight(
    session: &mut Session,
    registry: &Registry,
    batch: Option<i64>,
    keys_before: Option<(&[ForeignKey], &Touched)>,
) -> Result<Postflight, Error> {
    let started = Instant::now();
    let backend = session.backend;
    // What ran is committed: a check that cannot run is a failure of the checks, to
    // report with them, not an error that would hide what ran.
    let mut errors = Vec::new();
    let mut to_check = Vec::new();
    let mut findings = Vec::new();
    match crate::keys::foreign_keys(session.conn(), backend) {
        Ok(keys) => {
            to_check = match keys_before {
                Some((before, touched)) => keys_to_check(keys, before, touched, backend),
                None => keys,
            };
            match crate::keys::check_keys(session.conn(), backend, &to_check) {
                Ok(found) => findings = found,
                Err(e) => errors.push(format!("the foreign keys could not be checked: {e}")),
            }
        }
        Err(e) => errors.push(format!("the foreign keys could not be listed: {e}")),
    }
    let status = session.status(registry)?;
    let dirty: Vec<String> = status
        .migrations
        .iter()
        .filter(|m| m.state == State::Dirty)
        .map(|m| format!("{} {}", m.version, m.name))
        .collect();
    let schema_checksum = session.snapshot(Scope::Everything)?.hash();
    // Alone, the checks are of the last batch; after a rollback, of no batch of its own.
    let last = status.migrations.iter().filter_map(|m| m.batch).max();
    let alone = keys_before.is_none();
    let mut report = Postflight {
        batch: if alone { batch.or(last) } else { batch },
        schema_checksum,
        keys_checked: to_check.len(),
        keys: findings,
        dirty,
        errors,
        duration: Duration::ZERO,
    };
    report.duration = started.elapsed();
    // The row names the newest migration applied: the schema is that of after it.
    let newest = status
        .migrations
        .iter()
        .filter(|m| m.batch.is_some())
        .filter_map(|m| registry.position(m.version).map(|at| (at, m)))
        .max_by_key(|(at, _)| *at)
        .map(|(_, m)| m);
    let (version, name) = newest.map_or((0, ""), |m| (m.version, m.name.as_str()));
    let error = report.failed().then(|| report.failure_text());
    let note = format!(
        "schema checksum; {} foreign key{} checked",
        report.keys_checked,
        if report.keys_checked == 1 { "" } else { "s" }
    );
    session.record(&NewHistory {
        version,
        name,
        action: HistoryAction::Postflight,
        batch: batch.or(last),
        checksum: &report.schema_checksum,
        duration_ms: crate::session::millis(report.duration),
        error: error.as_deref(),
        note: Some(&note),
    })?;
    let outcome = if report.failed() { "failed" } else { "ok" };
    tracing::info!(
        target: "updown",
        event = "postflight",
        batch,
        checksum = report.schema_checksum.as_str(),
        duration_ms = crate::session::millis(report.duration),
        outcome,
        error = error.as_deref(),
        "postflight {outcome}: schema checksum {}, {} foreign keys checked",
        crate::error::short(&report.schema_checksum),
        report.keys_checked
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url::Backend;

    fn key(table: &str, parent: &str, validated: bool) -> ForeignKey {
        ForeignKey {
            table: table.into(),
            name: format!("{table}_{parent}_fk"),
            columns: vec![format!("{parent}_id")],
            parent: parent.into(),
            parent_columns: vec!["id".into()],
            validated,
        }
    }

    fn names(list: &[&str]) -> Touched {
        Some(list.iter().map(|n| (*n).to_owned()).collect())
    }

    #[test]
    fn a_run_checks_the_keys_it_added_and_those_of_the_tables_it_names() {
        let old = key("pet", "owner", true);
        let elsewhere = key("invoice", "customer", true);
        let added = key("toy", "pet", true);
        let before = vec![old.clone(), elsewhere.clone()];
        let now = vec![old.clone(), elsewhere.clone(), added.clone()];
        let checked =
            |touched: &Touched, backend| keys_to_check(now.clone(), &before, touched, backend);
        // Added: always. Named, as child or parent: also, where a session can turn
        // enforcement off. Neither: not.
        assert_eq!(
            checked(&names(&["toy"]), Backend::Sqlite),
            std::slice::from_ref(&added)
        );
        assert_eq!(
            checked(&names(&["pet"]), Backend::Mysql),
            [old.clone(), added.clone()]
        );
        assert_eq!(
            checked(&names(&["customer"]), Backend::Sqlite),
            [elsewhere.clone(), added.clone()]
        );
        // A key of a table in another schema, named without it.
        let other_schema = key("app.pet", "app.owner", true);
        assert_eq!(
            keys_to_check(
                vec![other_schema.clone()],
                std::slice::from_ref(&other_schema),
                &names(&["pet"]),
                Backend::Mysql
            ),
            [other_schema]
        );
        // A validated PostgreSQL key is enforced whatever the session: not scanned again.
        assert_eq!(
            checked(&names(&["pet"]), Backend::Postgres),
            std::slice::from_ref(&added)
        );
        let unvalidated = key("pet", "owner", false);
        assert_eq!(
            keys_to_check(
                vec![unvalidated.clone()],
                std::slice::from_ref(&unvalidated),
                &names(&["owner"]),
                Backend::Postgres
            ),
            [unvalidated]
        );
        // A Rust body's tables are not known: only what it added.
        assert_eq!(checked(&None, Backend::Mysql), [added]);
    }
}
