//! `verify`: up -> down -> up for every migration, the schema and row counts compared
//! after each step, on a scratch database unless told otherwise.
//!
//! Each snapshot reads only what the migration can have touched: the objects its SQL
//! names (and what depends on them), on both sides of a comparison alike. The snapshot
//! after `up` again is the one before the next migration.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::error::{Error, Failure};
use crate::migration::{Body, Migration};
use crate::registry::Registry;
use crate::run::Action;
use crate::schema::{Comparison, Difference, Scope, Snapshot};
use crate::session::Session;
use crate::status::State;

/// Options of [`Migrator::verify`](crate::Migrator::verify).
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Start at this version; earlier migrations are only applied (a failing `up`
    /// among them still fails verify).
    pub from: Option<i64>,
    /// Stop after this version.
    pub to: Option<i64>,
    /// Run on the target database itself instead of a scratch one. Only its pending
    /// migrations are verified, and they stay applied.
    pub in_place: bool,
    /// Every note is a failure: a change of column order, of an extension's version, a
    /// renamed key with `ignore_names`.
    pub strict: bool,
    /// After a failing migration, go on from a fresh scratch database brought up to
    /// it, so that one run lists every failing migration.
    pub keep_going: bool,
    /// A constraint or index that only changed its name is a note, not a failure.
    pub ignore_names: bool,
    /// SQL run on each scratch database once it is created, before any migration.
    pub scratch_setup: Vec<String>,
}

/// What verify found for one migration.
#[derive(Debug, Clone)]
pub struct VerifyStep {
    /// The migration's version.
    pub version: i64,
    /// The migration's name.
    pub name: String,
    /// Whether it passed, and if not, at which step it failed.
    pub verdict: Verdict,
    /// Time spent on this migration: its three steps and snapshots.
    pub duration: Duration,
    /// Differences found (notes included, which do not fail unless strict).
    pub differences: Vec<Difference>,
}

/// What verify concluded about one migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// `down` restored the schema and row counts; `up` again gave the same schema.
    Reversible,
    /// Irreversible by declaration: applied, not rolled back.
    Irreversible,
    /// Before `from`, or already applied (in place): applied or left as is.
    Skipped,
    /// `down` did not restore what `up` changed.
    DownDiffers,
    /// `up` run again did not give the schema the first `up` gave.
    UpAgainDiffers,
    /// A step failed outright.
    Failed(String),
}

impl Verdict {
    /// `reversible`, `irreversible`, `skipped`, `down-differs`, `up-again-differs` or
    /// `failed`: the word `verify` prints for it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Reversible => "reversible",
            Verdict::Irreversible => "irreversible",
            Verdict::Skipped => "skipped",
            Verdict::DownDiffers => "down-differs",
            Verdict::UpAgainDiffers => "up-again-differs",
            Verdict::Failed(_) => "failed",
        }
    }

    /// True unless `down` or `up` again differed or a step failed.
    pub fn passed(&self) -> bool {
        matches!(
            self,
            Verdict::Reversible | Verdict::Irreversible | Verdict::Skipped
        )
    }
}

/// One migration verified, as it happens: `done` of `total`.
#[derive(Debug, Clone, Copy)]
pub struct VerifyProgress<'a> {
    /// How many migrations have a verdict, this one included.
    pub done: usize,
    /// How many will.
    pub total: usize,
    /// This one's verdict.
    pub step: &'a VerifyStep,
}

/// What verify did, migration by migration.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// Where it ran (redacted): the scratch database or the target.
    pub database: String,
    /// Whether it ran on the target itself ([`VerifyOptions::in_place`]).
    pub in_place: bool,
    /// One per migration, in version order: up to the first failure, or every one
    /// with [`VerifyOptions::keep_going`].
    pub steps: Vec<VerifyStep>,
    /// Time spent in all, the scratch databases included.
    pub duration: Duration,
    /// What verify could not prepare as it should have, such as an extension of the
    /// target that the scratch database could not install.
    pub warnings: Vec<String>,
}

impl VerifyReport {
    /// Whether every migration passed.
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.verdict.passed())
    }

    /// The first failing step, if any.
    pub fn failure(&self) -> Option<&VerifyStep> {
        self.failures().next()
    }

    /// Every failing step, in version order.
    pub fn failures(&self) -> impl Iterator<Item = &VerifyStep> {
        self.steps.iter().filter(|s| !s.verdict.passed())
    }

    /// A readable account of each failure: the migration, the phase, each differing
    /// object.
    pub fn failure_text(&self) -> Option<String> {
        let accounts: Vec<String> = self.failures().map(account).collect();
        match accounts.len() {
            0 => None,
            1 => accounts.into_iter().next(),
            n => Some(format!("{n} migrations failed\n{}", accounts.join("\n"))),
        }
    }
}

fn account(step: &VerifyStep) -> String {
    let phase = match &step.verdict {
        Verdict::DownDiffers => {
            "its `down` did not restore the database as it was before `up`".to_owned()
        }
        Verdict::UpAgainDiffers => {
            "running `up` again after `down` did not give the same schema".to_owned()
        }
        Verdict::Failed(why) => format!("a step failed: {why}"),
        _ => unreachable!("passing verdicts are not failures"),
    };
    let mut out = format!("migration {} {}: {phase}", step.version, step.name);
    for d in &step.differences {
        out.push_str(&format!("\n  - {d}"));
    }
    out
}

/// Words of statements that change objects they do not name: `CASCADE` drops
/// dependents of any kind; on SQLite a `RENAME` rewrites the keys, views and triggers of
/// other tables that name the renamed one, `VACUUM` renumbers the schema's rows and
/// `writable_schema` lets SQL rewrite them.
const CHANGES_UNNAMED: [&str; 4] = ["cascade", "rename", "vacuum", "writable_schema"];

/// What a migration's snapshots read: the names its SQL holds, or everything.
type Names = Option<BTreeSet<String>>;

/// The names a migration's `up` and `down` can touch: every identifier and string
/// literal of their SQL, as written and in lower case. Everything when the SQL is not
/// all known before it runs (a Rust body), builds names at run time (`DO`, `CALL`,
/// `EXECUTE`), or changes objects it does not name ([`CHANGES_UNNAMED`]).
pub(crate) fn names_of(m: &Migration) -> Names {
    use updown_sql::lexer::{TokenKind, tokens};
    let mut names = BTreeSet::new();
    for action in [Action::Apply, Action::Rollback] {
        let sql = match m.body(action) {
            Some(Body::Sql(sql)) => sql,
            Some(Body::Rust(_)) => return None,
            None => continue,
        };
        let toks = tokens(sql);
        let mut statement_start = true;
        for t in &toks {
            if statement_start
                && ["do", "call", "execute"]
                    .iter()
                    .any(|w| t.text.eq_ignore_ascii_case(w))
            {
                return None;
            }
            statement_start = t.kind == TokenKind::Semicolon;
            if t.kind == TokenKind::Word
                && CHANGES_UNNAMED
                    .iter()
                    .any(|w| t.text.eq_ignore_ascii_case(w))
            {
                return None;
            }
            let name = match t.kind {
                TokenKind::Word => t.text.to_owned(),
                TokenKind::QuotedIdent | TokenKind::String => unquoted(t.text),
                // SQLite's `[quoted name]` (or an array subscript): not read here.
                TokenKind::Punct if t.text == "[" => return None,
                _ => continue,
            };
            // A backslash would need each database's own escaping in the catalog queries.
            if name.contains('\\') {
                return None;
            }
            // `"audit.log"` whole, and `'public.users'::regclass` by its parts; `"Users"`
            // is found by PostgreSQL as written, elsewhere without regard to case.
            for part in std::iter::once(name.as_str()).chain(name.split('.')) {
                names.insert(part.to_owned());
                names.insert(part.to_lowercase());
            }
        }
    }
    Some(names)
}

/// The text between the quotes of a quoted name or string literal (`E'...'` too), its
/// doubled quotes undone: `"a""b"` is `a"b`.
fn unquoted(token: &str) -> String {
    let token = token.trim_start_matches(['E', 'e']);
    let Some(quote) = token.chars().next() else {
        return String::new();
    };
    let inner = token
        .get(quote.len_utf8()..token.len().saturating_sub(quote.len_utf8()))
        .unwrap_or_default();
    inner.replace(&format!("{quote}{quote}"), &quote.to_string())
}

fn union(a: &Names, b: &Names) -> Names {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.union(b).cloned().collect()),
        _ => None,
    }
}

fn scope(names: &Names) -> Scope<'_> {
    match names {
        Some(n) => Scope::Named(n),
        None => Scope::Everything,
    }
}

/// The schema and the row count of every table at one moment.
struct Observation {
    schema: Snapshot,
    rows: BTreeMap<String, i64>,
}

fn observe(session: &mut Session, names: &Names) -> Result<Observation, Error> {
    let (schema, rows) = session.observe(scope(names))?;
    Ok(Observation { schema, rows })
}

/// How `after` differs from `before`: schema objects, then the row counts of the tables
/// `before` had.
fn compare(before: &Observation, after: &Observation, comparison: Comparison) -> Vec<Difference> {
    let mut differences = before.schema.compare(&after.schema, comparison);
    let rows = before.rows.iter().filter_map(|(table, n)| {
        let m = after.rows.get(table)?;
        (m != n).then(|| Difference {
            object: format!("rows of {table}"),
            expected: Some(n.to_string()),
            found: Some(m.to_string()),
            note: false,
        })
    });
    differences.extend(rows);
    differences
}

fn failing(differences: &[Difference], strict: bool) -> bool {
    differences.iter().any(|d| strict || !d.note)
}

/// Where one pass over a database ended.
pub(crate) struct Pass {
    pub steps: Vec<VerifyStep>,
    /// With `keep_going`: the failing migration after which a fresh database should
    /// take over.
    pub resume_after: Option<i64>,
}

/// What the passes share: the options and how far the report has got.
pub(crate) struct Verifying<'a> {
    pub options: &'a VerifyOptions,
    pub registry: &'a Registry,
    pub done: usize,
    pub total: usize,
    pub on_step: &'a mut dyn FnMut(VerifyProgress<'_>),
}

impl<'a> Verifying<'a> {
    /// The migrations verify looks at, in order.
    pub(crate) fn migrations(&self) -> Vec<&'a Migration> {
        let (to, registry) = (self.options.to, self.registry);
        registry
            .migrations()
            .iter()
            .take_while(|m| to.is_none_or(|to| registry.at_or_before(m.version, to)))
            .collect()
    }

    fn record(&mut self, steps: &mut Vec<VerifyStep>, step: VerifyStep) {
        self.done += 1;
        (self.on_step)(VerifyProgress {
            done: self.done,
            total: self.total,
            step: &step,
        });
        steps.push(step);
    }
}

/// Proves every `down` on the locked `session`: for each migration, snapshot, `up`,
/// snapshot, `down`, compare with the first snapshot, `up` again, compare with the
/// second. Stops at the first failure; with `keep_going`, says where to resume.
/// `resume_after`: on a fresh database taking over, the migrations up to it are only
/// applied, their verdicts already given.
pub(crate) fn run(
    session: &mut Session,
    verifying: &mut Verifying<'_>,
    resume_after: Option<i64>,
) -> Result<Pass, Error> {
    let (options, registry) = (verifying.options, verifying.registry);
    let comparison = Comparison {
        ignore_names: options.ignore_names,
    };
    let status = session.status(registry)?;
    let batch = session.next_batch()?;
    let migrations = verifying.migrations();
    let names: Vec<Names> = migrations.iter().map(|m| names_of(m)).collect();
    let mut steps = Vec::new();
    // The database as the last verified migration left it, if known.
    let mut known: Option<Observation> = None;
    for (i, m) in migrations.iter().copied().enumerate() {
        let started = Instant::now();
        if resume_after.is_some_and(|v| registry.at_or_before(m.version, v)) {
            // Its verdict is given; a failing `up` here is the failure being skipped.
            let failed = step(session, m, Action::Apply, batch)?;
            if let Some(why) = failed.filter(|_| Some(m.version) != resume_after) {
                let verdict = Verdict::Failed(format!("up, on a fresh database: {why}"));
                verifying.record(&mut steps, verdict_of(m, verdict, started, Vec::new()));
                return Ok(Pass {
                    steps,
                    resume_after: None,
                });
            }
            continue;
        }
        let pending = status
            .get(m.version)
            .is_none_or(|s| s.state == State::Pending);
        if !pending {
            // The snapshot kept was read for its neighbours' names, not for the next one's.
            known = None;
            verifying.record(
                &mut steps,
                verdict_of(m, Verdict::Skipped, started, Vec::new()),
            );
            continue;
        }
        if options
            .from
            .is_some_and(|from| !registry.at_or_before(from, m.version))
        {
            known = None;
            let verdict = match step(session, m, Action::Apply, batch)? {
                None => Verdict::Skipped,
                Some(why) => Verdict::Failed(format!("up: {why}")),
            };
            let passed = verdict.passed();
            verifying.record(&mut steps, verdict_of(m, verdict, started, Vec::new()));
            if !passed {
                // Nothing after it can be verified from a state that lacks it.
                return Ok(Pass {
                    steps,
                    resume_after: None,
                });
            }
            continue;
        }
        let none = Some(BTreeSet::new());
        let previous = i.checked_sub(1).map_or(&none, |p| &names[p]);
        let next = names.get(i + 1).unwrap_or(&none);
        let scopes = Scopes {
            before: union(previous, &names[i]),
            after: union(&names[i], next),
        };
        let (one, after) = verify_one(
            session,
            m,
            known.take(),
            batch,
            &scopes,
            options,
            comparison,
        )?;
        let up_failed = matches!(after, After::UpFailed);
        known = match after {
            After::Known(observation) => Some(observation),
            After::Unknown | After::UpFailed => None,
        };
        let passed = one.verdict.passed();
        verifying.record(
            &mut steps,
            VerifyStep {
                duration: started.elapsed(),
                ..one
            },
        );
        if !passed {
            let resumable = options.keep_going && !options.in_place;
            let is_last = i + 1 == migrations.len();
            return Ok(Pass {
                steps,
                // A database that cannot get past this `up` cannot check the rest.
                resume_after: (resumable && !is_last && !up_failed).then_some(m.version),
            });
        }
    }
    Ok(Pass {
        steps,
        resume_after: None,
    })
}

/// The database once a migration has its verdict.
enum After {
    /// As the last snapshot read it.
    Known(Observation),
    /// Changed since the last snapshot, or never read.
    Unknown,
    /// Its `up` failed: no database can be brought past it.
    UpFailed,
}

/// What the snapshots of one migration read: before `up` and after `down` alike, after
/// `up` and after `up` again alike (the latter also serving the next migration).
struct Scopes {
    before: Names,
    after: Names,
}

fn verdict_of(
    m: &Migration,
    verdict: Verdict,
    started: Instant,
    differences: Vec<Difference>,
) -> VerifyStep {
    VerifyStep {
        version: m.version,
        name: m.name().to_owned(),
        verdict,
        duration: started.elapsed(),
        differences,
    }
}

/// Runs one step; a migration error becomes a verdict, other errors end verify.
fn step(
    session: &mut Session,
    m: &Migration,
    action: Action,
    batch: i64,
) -> Result<Option<String>, Error> {
    match session.step(
        m,
        action,
        batch,
        crate::session::Position {
            number: 1,
            total: 1,
        },
        &mut |_| {},
    ) {
        Ok(_) => Ok(None),
        Err(Error::MigrationFailed(f) | Error::RollbackFailed(f)) => Ok(Some(describe(&f))),
        Err(other) => Err(other),
    }
}

fn describe(f: &Failure) -> String {
    match &f.statement {
        Some(s) => format!("{} (statement: {s})", f.cause),
        None => f.cause.clone(),
    }
}

/// Verifies one migration starting from `before`, the database as it is now if known
/// (the previous migration's last observation). Returns what is known of the database
/// after it too.
fn verify_one(
    session: &mut Session,
    m: &Migration,
    before: Option<Observation>,
    batch: i64,
    scopes: &Scopes,
    options: &VerifyOptions,
    comparison: Comparison,
) -> Result<(VerifyStep, After), Error> {
    let started = Instant::now();
    // A verdict ends this migration; the database's state after it is unknown.
    let ends = |verdict: Verdict, differences| {
        Ok((verdict_of(m, verdict, started, differences), After::Unknown))
    };
    let failed =
        |phase: &str, why: String| ends(Verdict::Failed(format!("{phase}: {why}")), Vec::new());
    let before = match before {
        Some(known) => known,
        None => observe(session, &scopes.before)?,
    };
    if let Some(why) = step(session, m, Action::Apply, batch)? {
        let verdict = Verdict::Failed(format!("up: {why}"));
        return Ok((verdict_of(m, verdict, started, Vec::new()), After::UpFailed));
    }
    if m.irreversible().is_some() {
        return ends(Verdict::Irreversible, Vec::new());
    }
    let after_up = observe(session, &scopes.after)?;
    if let Some(why) = step(session, m, Action::Rollback, batch)? {
        return failed("down", why);
    }
    let after_down = observe(session, &scopes.before)?;
    let mut notes = compare(&before, &after_down, comparison);
    if failing(&notes, options.strict) {
        return ends(Verdict::DownDiffers, notes);
    }
    if let Some(why) = step(session, m, Action::Apply, batch)? {
        return failed("up again", why);
    }
    let again = observe(session, &scopes.after)?;
    let differences = compare(&after_up, &again, comparison);
    if failing(&differences, options.strict) {
        return ends(Verdict::UpAgainDiffers, differences);
    }
    notes.extend(differences);
    Ok((
        verdict_of(m, Verdict::Reversible, started, notes),
        After::Known(again),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sql_migration_names_what_its_statements_hold() {
        let m = Migration::sql(
            1,
            "users",
            "CREATE TABLE \"Users\" (id INT); SELECT diesel_manage_updated_at('public.users');",
            Some("DROP TABLE \"Users\""),
        );
        let names = names_of(&m).unwrap();
        for name in ["Users", "users", "public", "diesel_manage_updated_at", "id"] {
            assert!(names.contains(name), "{name}: {names:?}");
        }
        let m = Migration::sql(
            1,
            "quoted",
            "CREATE TABLE \"audit.log\" (id INT); CREATE TABLE \"a\"\"b\" (id INT); SELECT 'it''s'",
            Some("DROP TABLE \"audit.log\""),
        );
        let names = names_of(&m).unwrap();
        for name in ["audit.log", "a\"b", "it's"] {
            assert!(names.contains(name), "{name}: {names:?}");
        }
    }

    #[test]
    fn sql_that_changes_what_it_does_not_name_reads_everything() {
        for up in [
            "DROP TYPE mood CASCADE",
            "ALTER TABLE t RENAME TO t_old",
            "INSERT INTO t VALUES ('a\\b')",
            "VACUUM",
            "CREATE TABLE [my table] (id INT)",
        ] {
            let m = Migration::sql(1, "m", up, Some("SELECT 1"));
            assert!(names_of(&m).is_none(), "{up}");
        }
    }

    #[test]
    fn sql_that_builds_names_at_run_time_reads_everything() {
        let m = Migration::sql(
            1,
            "partitions",
            "CREATE TABLE p (id INT); DO $$ BEGIN EXECUTE 'CREATE TABLE p1 ()'; END $$;",
            Some("DROP TABLE p"),
        );
        assert!(names_of(&m).is_none());
    }
}
