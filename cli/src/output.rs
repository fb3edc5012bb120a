//! Printing: tables for people, JSON of the documented shape for programs.

use crate::stdio::errln;
use serde::Serialize;
use updown::check::CheckReport;
use updown::{Action, Event, HistoryEntry, Phase, Report, Status, VerifyProgress, VerifyReport};

use crate::args::LogFormat;

/// Columns padded to their widest cell.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push('\n');
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

fn or_dash<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

pub fn status_table(
    database: &str,
    status: &Status,
    schema: Option<&updown::SchemaChecksum>,
) -> String {
    let rows: Vec<Vec<String>> = status
        .migrations
        .iter()
        .map(|m| {
            vec![
                m.version.to_string(),
                m.name.clone(),
                m.state.to_string(),
                or_dash(m.batch),
                or_dash(m.applied_at.as_deref()),
            ]
        })
        .collect();
    let s = status.summary();
    let mut counts = vec![
        format!("{} applied", s.applied),
        format!("{} pending", s.pending),
    ];
    for (n, label) in [
        (s.modified, "modified"),
        (s.missing, "missing"),
        (s.dirty, "dirty"),
        (s.running, "running"),
    ] {
        if n > 0 {
            counts.push(format!("{n} {label}"));
        }
    }
    let mut out = format!(
        "database: {database}\n{}\n{} migrations: {}",
        table(&["VERSION", "NAME", "STATE", "BATCH", "APPLIED AT"], &rows),
        s.total,
        counts.join(", ")
    );
    if let Some(schema) = schema {
        out.push_str(&format!(
            "\nschema checksum: {} (recorded after batch {} at {})",
            schema.checksum,
            or_dash(schema.batch),
            schema.at
        ));
    }
    out
}

#[derive(Serialize)]
struct StatusJson<'a> {
    database: &'a str,
    migrations: Vec<MigrationJson<'a>>,
    summary: SummaryJson,
    schema_checksum: Option<SchemaChecksumJson<'a>>,
}

#[derive(Serialize)]
struct SchemaChecksumJson<'a> {
    checksum: &'a str,
    batch: Option<i64>,
    at: &'a str,
}

#[derive(Serialize)]
struct MigrationJson<'a> {
    version: i64,
    name: &'a str,
    state: &'static str,
    applied_at: Option<&'a str>,
    batch: Option<i64>,
    checksum: &'a str,
    duration_ms: Option<i64>,
}

#[derive(Serialize)]
struct SummaryJson {
    total: usize,
    applied: usize,
    pending: usize,
    modified: usize,
    missing: usize,
    dirty: usize,
    running: usize,
}

pub fn status_json(
    database: &str,
    status: &Status,
    schema: Option<&updown::SchemaChecksum>,
) -> String {
    let s = status.summary();
    let doc = StatusJson {
        database,
        migrations: status
            .migrations
            .iter()
            .map(|m| MigrationJson {
                version: m.version,
                name: &m.name,
                state: m.state.as_str(),
                applied_at: m.applied_at.as_deref(),
                batch: m.batch,
                checksum: &m.checksum,
                duration_ms: m.duration_ms,
            })
            .collect(),
        summary: SummaryJson {
            total: s.total,
            applied: s.applied,
            pending: s.pending,
            modified: s.modified,
            missing: s.missing,
            dirty: s.dirty,
            running: s.running,
        },
        schema_checksum: schema.map(|c| SchemaChecksumJson {
            checksum: &c.checksum,
            batch: c.batch,
            at: &c.at,
        }),
    };
    serde_json::to_string_pretty(&doc).expect("serialisable")
}

pub fn history_table(database: &str, history: &[HistoryEntry]) -> String {
    if history.is_empty() {
        return format!("database: {database}\nno history yet: nothing was ever applied");
    }
    let rows: Vec<Vec<String>> = history
        .iter()
        .map(|h| {
            let error = h
                .error
                .as_deref()
                .and_then(|e| e.lines().next())
                .unwrap_or("");
            vec![
                h.id.to_string(),
                h.at.clone(),
                h.action.to_string(),
                h.version.to_string(),
                h.name.clone(),
                or_dash(h.batch),
                h.outcome.to_string(),
                format!("{} ms", h.duration_ms),
                truncate(error, 80),
            ]
        })
        .collect();
    format!(
        "database: {database}\n{}",
        table(
            &[
                "ID", "AT", "ACTION", "VERSION", "NAME", "BATCH", "OUTCOME", "DURATION", "ERROR"
            ],
            &rows
        )
    )
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        text.chars().take(max - 3).collect::<String>() + "..."
    }
}

#[derive(Serialize)]
struct HistoryJson<'a> {
    database: &'a str,
    history: Vec<HistoryEntryJson<'a>>,
}

#[derive(Serialize)]
struct HistoryEntryJson<'a> {
    id: i64,
    version: i64,
    name: &'a str,
    action: &'a str,
    batch: Option<i64>,
    checksum: &'a str,
    at: &'a str,
    duration_ms: i64,
    outcome: &'a str,
    error: Option<&'a str>,
    note: Option<&'a str>,
}

pub fn history_json(database: &str, history: &[HistoryEntry]) -> String {
    let doc = HistoryJson {
        database,
        history: history
            .iter()
            .map(|h| HistoryEntryJson {
                id: h.id,
                version: h.version,
                name: &h.name,
                action: h.action.as_str(),
                batch: h.batch,
                checksum: &h.checksum,
                at: &h.at,
                duration_ms: h.duration_ms,
                outcome: h.outcome.as_str(),
                error: h.error.as_deref(),
                note: h.note.as_deref(),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&doc).expect("serialisable")
}

/// The closing line of a run, for stdout.
pub fn report_summary(command: &str, report: &Report) -> String {
    let applied = report
        .steps
        .iter()
        .filter(|s| s.action == Action::Apply)
        .count();
    let rolled_back = report.steps.len() - applied;
    let plural = |n: usize| if n == 1 { "migration" } else { "migrations" };
    match (command, applied, rolled_back) {
        ("migrate", 0, _) => "nothing to apply: the database is up to date".to_owned(),
        ("baseline", 0, _) => {
            "nothing to baseline: no pending migration up to that version".to_owned()
        }
        ("baseline", n, _) => format!(
            "recorded {n} {} as applied without running {}",
            plural(n),
            recorded_as(n, report.batch)
        ),
        ("adopt", 0, _) => {
            "nothing to adopt: updown already records every migration diesel applied".to_owned()
        }
        ("adopt", n, _) => format!(
            "adopted {n} {} diesel applied, recorded without running {}; diesel's table is unchanged",
            plural(n),
            recorded_as(n, report.batch)
        ),
        (_, 0, 0) => "nothing to roll back".to_owned(),
        (_, 0, r) => format!("rolled back {r} {}", plural(r)),
        (_, a, 0) => format!(
            "applied {a} {} as batch {}",
            plural(a),
            or_dash(report.batch)
        ),
        (_, a, r) => format!(
            "rolled back {r} and applied {a} {} again as batch {}",
            plural(a),
            or_dash(report.batch)
        ),
    }
}

/// `them (batch 0, ...)` or `it as batch 3`: where migrations recorded without running
/// went.
fn recorded_as(n: usize, batch: Option<i64>) -> String {
    let them = if n == 1 { "it" } else { "them" };
    match batch {
        Some(0) | None => format!("{them} (batch 0, which `rollback` leaves alone)"),
        Some(b) => format!("{them} as batch {b}"),
    }
}

/// What a dry run would do: each migration and its statements, as SQL.
pub fn dry_run(action: Action, report: &Report) -> String {
    let (action, done) = match action {
        Action::Apply => ("apply", "applied"),
        Action::Rollback => ("rollback", "rolled back"),
    };
    let mut out = String::new();
    for step in &report.steps {
        out.push_str(&format!("-- {action} {} {}", step.version, step.name));
        if !step.rehearsed {
            out.push_str(" (not run: it cannot run inside a transaction; its SQL as written)");
        }
        out.push('\n');
        for statement in &step.statements {
            // Bind values go on a line of their own, so the output stays runnable SQL.
            let (sql, binds) = match statement.split_once(" -- binds: ") {
                Some((sql, binds)) => (sql, Some(binds).filter(|b| *b != "[]")),
                None => (statement.as_str(), None),
            };
            out.push_str(sql.trim_end().trim_end_matches(';'));
            out.push_str(";\n");
            if let Some(binds) = binds {
                out.push_str(&format!("-- binds: {binds}\n"));
            }
        }
    }
    let n = report.steps.len();
    out.push_str(&format!(
        "-- dry run: {n} migration{} would be {done}; nothing was changed",
        if n == 1 { "" } else { "s" }
    ));
    out
}

/// A run's progress on stderr: a bar with n/N, the migration running and the time
/// elapsed when stderr is a terminal, plain lines otherwise; nothing with
/// `--log-format json`, whose events say it all. It keeps each migration done, for the
/// summary of a run that failed.
pub struct RunProgress {
    lines: bool,
    verbose: bool,
    bar: Option<indicatif::ProgressBar>,
    /// Each migration done: (action, version, name, duration).
    pub done: Vec<(Action, i64, String, std::time::Duration)>,
}

impl RunProgress {
    pub fn new(format: LogFormat, quiet: bool, verbose: bool) -> Self {
        use std::io::IsTerminal;
        let lines = !quiet && format == LogFormat::Text;
        let bar = (lines && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            let style =
                indicatif::ProgressStyle::with_template("{pos}/{len} [{bar:30}] {elapsed} {msg}")
                    .expect("a valid template")
                    .progress_chars("=> ");
            bar.set_style(style);
            bar
        });
        RunProgress {
            lines,
            verbose,
            bar,
            done: Vec::new(),
        }
    }

    pub fn event(&mut self, event: Event<'_>) {
        let Event {
            phase,
            action,
            version,
            name,
            duration,
            number,
            total,
        } = event;
        if phase == Phase::Finished {
            self.done.push((
                action,
                version,
                name.to_owned(),
                duration.unwrap_or_default(),
            ));
        }
        if !self.lines {
            return;
        }
        if let Some(bar) = &self.bar {
            bar.set_length(total as u64);
            bar.set_position((number - 1) as u64);
            if phase == Phase::Started {
                bar.set_message(format!("{} {version} {name}", action.doing()));
            } else {
                bar.set_position(number as u64);
            }
        }
        if phase == Phase::Started && !self.verbose {
            return;
        }
        let verb = match phase {
            Phase::Started => action.doing(),
            Phase::Finished => action.done(),
            Phase::Failed => "failed",
        };
        let took = duration
            .map(|d| format!(" ({} ms)", d.as_millis()))
            .unwrap_or_default();
        let line = format!("{verb:<12} {version} {name}{took} [{number}/{total}]");
        match &self.bar {
            Some(bar) => bar.println(line),
            None => errln!("{line}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Verify's progress on stderr: one line per migration verified (n/N, version and name,
/// verdict, time), under a bar when stderr is a terminal.
pub struct VerifyProgressLines {
    quiet: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl VerifyProgressLines {
    pub fn new(quiet: bool) -> Self {
        use std::io::IsTerminal;
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            let style = indicatif::ProgressStyle::with_template(
                "verifying {pos}/{len} [{bar:30}] {elapsed} {msg}",
            )
            .expect("a valid template")
            .progress_chars("=> ");
            bar.set_style(style);
            bar
        });
        VerifyProgressLines { quiet, bar }
    }

    pub fn show(&mut self, p: VerifyProgress<'_>) {
        if self.quiet {
            return;
        }
        let s = p.step;
        let line = format!(
            "verified {}/{} {} {}: {} ({} ms)",
            p.done,
            p.total,
            s.version,
            s.name,
            s.verdict.as_str(),
            s.duration.as_millis()
        );
        match &self.bar {
            Some(bar) => {
                bar.set_length(p.total as u64);
                bar.set_position(p.done as u64);
                bar.set_message(format!("{} {}", s.version, s.name));
                bar.println(line);
            }
            None => errln!("{line}"),
        }
    }

    pub fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

pub fn verify_table(report: &VerifyReport) -> String {
    let rows: Vec<Vec<String>> = report
        .steps
        .iter()
        .map(|s| {
            vec![
                s.version.to_string(),
                s.name.clone(),
                s.verdict.as_str().to_owned(),
                format!("{} ms", s.duration.as_millis()),
            ]
        })
        .collect();
    let notes: Vec<String> = report
        .steps
        .iter()
        .filter(|s| s.verdict.passed())
        .flat_map(|s| {
            s.differences
                .iter()
                .map(move |d| format!("note: {} {}: {d}", s.version, s.name))
        })
        .collect();
    let failed = report.failures().count();
    let verdict = match failed {
        0 => "passed".to_owned(),
        1 => "FAILED".to_owned(),
        n => format!("FAILED ({n} migrations)"),
    };
    let mut out = format!(
        "verified on {}{}\n{}",
        report.database,
        if report.in_place {
            " (in place)"
        } else {
            " (scratch database)"
        },
        table(&["VERSION", "NAME", "VERDICT", "TIME"], &rows)
    );
    for n in notes {
        out.push('\n');
        out.push_str(&n);
    }
    out.push_str(&format!(
        "\nverify {verdict} in {} ms",
        report.duration.as_millis()
    ));
    out
}

#[derive(Serialize)]
struct VerifyJson<'a> {
    database: &'a str,
    in_place: bool,
    verdict: &'static str,
    duration_ms: u64,
    /// The versions of the failing migrations, in order.
    failed: Vec<i64>,
    warnings: &'a [String],
    migrations: Vec<VerifyStepJson<'a>>,
}

#[derive(Serialize)]
struct VerifyStepJson<'a> {
    version: i64,
    name: &'a str,
    verdict: &'static str,
    duration_ms: u64,
    error: Option<&'a str>,
    differences: Vec<DifferenceJson<'a>>,
}

#[derive(Serialize)]
struct DifferenceJson<'a> {
    object: &'a str,
    expected: Option<&'a str>,
    found: Option<&'a str>,
    note: bool,
}

pub fn verify_json(report: &VerifyReport) -> String {
    let doc = VerifyJson {
        database: &report.database,
        in_place: report.in_place,
        verdict: if report.passed() { "passed" } else { "failed" },
        duration_ms: report.duration.as_millis() as u64,
        failed: report.failures().map(|s| s.version).collect(),
        warnings: &report.warnings,
        migrations: report
            .steps
            .iter()
            .map(|s| VerifyStepJson {
                version: s.version,
                name: &s.name,
                verdict: s.verdict.as_str(),
                duration_ms: s.duration.as_millis() as u64,
                error: match &s.verdict {
                    updown::Verdict::Failed(why) => Some(why),
                    _ => None,
                },
                differences: s
                    .differences
                    .iter()
                    .map(|d| DifferenceJson {
                        object: &d.object,
                        expected: d.expected.as_deref(),
                        found: d.found.as_deref(),
                        note: d.note,
                    })
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&doc).expect("serialisable")
}

pub fn check_table(report: &CheckReport) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let (level, tail) = match &f.declared {
            Some(reason) => ("note", format!(" (declared destructive: \"{reason}\")")),
            None if f.in_diesel_folder => (
                "warning",
                " (a diesel folder cannot declare it: reported, not enforced)".to_owned(),
            ),
            None if f.is_warning() => ("warning", String::new()),
            None => ("error", String::new()),
        };
        out.push_str(&format!(
            "{level}: {} {}: {} at line {}{tail}\n  {}\n  {}\n",
            f.version, f.name, f.rule, f.line, f.statement, f.message
        ));
    }
    let (errors, warnings) = (report.errors(), report.warnings());
    out.push_str(&format!(
        "checked {} migrations: {errors} error{}, {} declared",
        report.migrations,
        if errors == 1 { "" } else { "s" },
        report.declared()
    ));
    if warnings > 0 {
        out.push_str(&format!(
            ", {warnings} warning{}",
            if warnings == 1 { "" } else { "s" }
        ));
    }
    out
}

#[derive(Serialize)]
struct CheckJson<'a> {
    migrations: usize,
    findings: Vec<CheckFindingJson<'a>>,
    summary: CheckSummaryJson,
}

#[derive(Serialize)]
struct CheckFindingJson<'a> {
    version: i64,
    name: &'a str,
    rule: &'a str,
    severity: &'static str,
    message: &'a str,
    statement: &'a str,
    line: usize,
    declared: Option<&'a str>,
}

#[derive(Serialize)]
struct CheckSummaryJson {
    errors: usize,
    declared: usize,
    warnings: usize,
}

pub fn check_json(report: &CheckReport) -> String {
    let (errors, warnings) = (report.errors(), report.warnings());
    let doc = CheckJson {
        migrations: report.migrations,
        findings: report
            .findings
            .iter()
            .map(|f| CheckFindingJson {
                version: f.version,
                name: &f.name,
                rule: f.rule.name(),
                severity: f.severity().name(),
                message: &f.message,
                statement: &f.statement,
                line: f.line,
                declared: f.declared.as_deref(),
            })
            .collect(),
        summary: CheckSummaryJson {
            errors,
            declared: report.declared(),
            warnings,
        },
    };
    serde_json::to_string_pretty(&doc).expect("serialisable")
}

#[cfg(test)]
mod tests {
    use updown::Rule;
    use updown::check::{CheckFinding, CheckReport};

    /// SQL the MySQL grammar cannot check is a warning in any migration, not only in a
    /// diesel folder: labelled and counted as one.
    #[test]
    fn unverified_syntax_is_a_warning_in_a_rust_migration() {
        let report = CheckReport {
            migrations: 1,
            findings: vec![CheckFinding {
                version: 7,
                name: "add_nickname".into(),
                rule: Rule::UnverifiedSyntax,
                message: "`up` statement could not be checked".into(),
                statement: "ALTER TABLE t ADD COLUM x INT".into(),
                line: 1,
                declared: None,
                in_diesel_folder: false,
            }],
        };
        let table = super::check_table(&report);
        assert!(
            table.starts_with("warning: 7 add_nickname: unverified-syntax at line 1\n"),
            "{table}"
        );
        assert!(
            table.ends_with("checked 1 migrations: 0 errors, 0 declared, 1 warning"),
            "{table}"
        );
    }
}

#[derive(Serialize)]
struct RunJson<'a> {
    command: &'a str,
    database: &'a str,
    /// ok, stopped, refused, failed, postflight failed.
    outcome: &'a str,
    exit_code: u8,
    batch: Option<i64>,
    applied: Vec<StepJson<'a>>,
    rolled_back: Vec<StepJson<'a>>,
    not_run: Vec<VersionJson<'a>>,
    backup: Option<BackupJson>,
    preflight: Option<PreflightJson<'a>>,
    postflight: Option<PostflightJson<'a>>,
    error: Option<&'a str>,
    duration_ms: u64,
}

#[derive(Serialize)]
struct StepJson<'a> {
    version: i64,
    name: &'a str,
    duration_ms: u64,
}

#[derive(Serialize)]
struct VersionJson<'a> {
    version: i64,
    name: &'a str,
}

#[derive(Serialize)]
struct BackupJson {
    file: String,
    bytes: u64,
    tool: String,
    duration_ms: u64,
}

/// How a run ended, for its JSON summary.
pub struct RunEnd<'a> {
    pub command: &'a str,
    pub database: &'a str,
    pub outcome: &'a str,
    pub exit_code: u8,
    pub error: Option<&'a str>,
    pub duration: std::time::Duration,
}

/// The summary of a run as one JSON document: what it applied and rolled back (from the
/// report, or from the progress of a run that failed), what it did not run, its backup
/// and checks.
pub fn run_json(
    end: &RunEnd<'_>,
    report: Option<&Report>,
    done: &[(Action, i64, String, std::time::Duration)],
) -> String {
    let steps = |action: Action| -> Vec<StepJson<'_>> {
        match report {
            Some(r) => r
                .steps
                .iter()
                .filter(|s| s.action == action)
                .map(|s| StepJson {
                    version: s.version,
                    name: &s.name,
                    duration_ms: s.duration.as_millis() as u64,
                })
                .collect(),
            None => done
                .iter()
                .filter(|d| d.0 == action)
                .map(|(_, version, name, duration)| StepJson {
                    version: *version,
                    name,
                    duration_ms: duration.as_millis() as u64,
                })
                .collect(),
        }
    };
    let doc = RunJson {
        command: end.command,
        database: end.database,
        outcome: end.outcome,
        exit_code: end.exit_code,
        batch: report.and_then(|r| r.batch),
        applied: steps(Action::Apply),
        rolled_back: steps(Action::Rollback),
        not_run: report
            .map(|r| {
                r.not_run
                    .iter()
                    .map(|(version, name)| VersionJson {
                        version: *version,
                        name,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        backup: report.and_then(|r| r.backup.as_ref()).map(|b| BackupJson {
            file: b.file.display().to_string(),
            bytes: b.bytes,
            tool: b.tool.clone(),
            duration_ms: b.duration.as_millis() as u64,
        }),
        preflight: report.and_then(|r| r.preflight.as_ref()).map(preflight_doc),
        postflight: report
            .and_then(|r| r.postflight.as_ref())
            .map(postflight_doc),
        error: end.error,
        duration_ms: end.duration.as_millis() as u64,
    };
    serde_json::to_string_pretty(&doc).expect("serialisable")
}

/// What the preflight found and `--force` ran beside, for stderr.
pub fn forced_past(report: &Report) -> Vec<String> {
    let found = report.preflight.iter().flat_map(|p| &p.activity);
    found
        .map(|a| format!("warning: ran beside it (--force): {a}"))
        .collect()
}

/// The lines after a run's summary line: what its checks found.
pub fn run_details(report: &Report) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(p) = &report.postflight {
        let notes = p
            .keys
            .iter()
            .filter(|k| matches!(k, updown::KeyFinding::NotValidated { .. }))
            .count();
        let mut line = format!(
            "postflight {}: {} foreign key{} checked, schema checksum {}",
            if p.failed() { "failed" } else { "ok" },
            p.keys_checked,
            if p.keys_checked == 1 { "" } else { "s" },
            updown::short_checksum(&p.schema_checksum)
        );
        if notes > 0 {
            line.push_str(&format!("; {notes} added NOT VALID (validate them later with `ALTER TABLE ... VALIDATE CONSTRAINT`)"));
        }
        out.push(line);
    }
    out
}

#[derive(Serialize)]
struct PreflightJson<'a> {
    pending: usize,
    clear: bool,
    problems: Vec<String>,
    activity: Vec<ActivityJson<'a>>,
    long_transaction_s: u64,
}

#[derive(Serialize)]
struct ActivityJson<'a> {
    kind: &'static str,
    pid: &'a str,
    user: Option<&'a str>,
    table: Option<&'a str>,
    mode: Option<&'a str>,
    duration_ms: u64,
    state: &'a str,
    query: &'a str,
    message: String,
}

fn preflight_doc(p: &updown::Preflight) -> PreflightJson<'_> {
    use updown::ActivityKind;
    PreflightJson {
        pending: p.pending,
        clear: p.clear(),
        problems: p.problems.iter().map(crate::messages::problem).collect(),
        activity: p
            .activity
            .iter()
            .map(|a| {
                let (kind, table, mode) = match &a.kind {
                    ActivityKind::LongTransaction => ("long transaction", None, None),
                    ActivityKind::HoldsLock { table, mode } => {
                        ("holds lock", Some(table.as_str()), Some(mode.as_str()))
                    }
                    ActivityKind::WaitsForLock { table, mode } => {
                        ("waits for lock", Some(table.as_str()), Some(mode.as_str()))
                    }
                };
                ActivityJson {
                    kind,
                    pid: &a.pid,
                    user: a.user.as_deref(),
                    table,
                    mode,
                    duration_ms: a.duration.as_millis() as u64,
                    state: &a.state,
                    query: &a.query,
                    message: a.to_string(),
                }
            })
            .collect(),
        long_transaction_s: p.threshold.as_secs(),
    }
}

/// `preflight` for people.
pub fn preflight_table(database: &str, what: &str, p: &updown::Preflight) -> String {
    let mut out = vec![format!("database: {database}")];
    out.push(match p.pending {
        0 => format!("nothing to {what}"),
        1 => format!("1 migration to {what}"),
        n => format!("{n} migrations to {what}"),
    });
    for problem in &p.problems {
        out.push(format!("refused: {}", crate::messages::problem(problem)));
    }
    for a in &p.activity {
        out.push(format!("refused: {a}"));
    }
    if p.clear() {
        out.push(format!(
            "clear: no drift, missing or dirty migration, no transaction of another session open over {} s and no lock on the tables it touches",
            p.threshold.as_secs()
        ));
    }
    out.join("\n")
}

/// `body`'s fields after `"database"`, as one JSON document.
fn with_database(database: &str, body: impl Serialize) -> String {
    #[derive(Serialize)]
    struct Doc<'a, T> {
        database: &'a str,
        #[serde(flatten)]
        body: T,
    }
    serde_json::to_string_pretty(&Doc { database, body }).expect("serialisable")
}

pub fn preflight_json(database: &str, p: &updown::Preflight) -> String {
    with_database(database, preflight_doc(p))
}

#[derive(Serialize)]
struct PostflightJson<'a> {
    ok: bool,
    batch: Option<i64>,
    schema_checksum: &'a str,
    keys_checked: usize,
    findings: Vec<KeyFindingJson<'a>>,
    dirty: &'a [String],
    errors: &'a [String],
    duration_ms: u64,
}

#[derive(Serialize)]
struct KeyFindingJson<'a> {
    kind: &'static str,
    table: &'a str,
    key: &'a str,
    columns: &'a [String],
    parent: &'a str,
    parent_columns: &'a [String],
    rows: Option<i64>,
    capped: bool,
}

fn postflight_doc(p: &updown::Postflight) -> PostflightJson<'_> {
    use updown::KeyFinding;
    PostflightJson {
        ok: !p.failed(),
        batch: p.batch,
        schema_checksum: &p.schema_checksum,
        keys_checked: p.keys_checked,
        findings: p
            .keys
            .iter()
            .map(|f| {
                let (kind, key, rows, capped) = match f {
                    KeyFinding::Orphans { key, rows, capped } => {
                        ("orphan rows", key, Some(*rows), *capped)
                    }
                    KeyFinding::NotValidated { key } => ("not validated", key, None, false),
                };
                KeyFindingJson {
                    kind,
                    table: &key.table,
                    key: &key.name,
                    columns: &key.columns,
                    parent: &key.parent,
                    parent_columns: &key.parent_columns,
                    rows,
                    capped,
                }
            })
            .collect(),
        dirty: &p.dirty,
        errors: &p.errors,
        duration_ms: p.duration.as_millis() as u64,
    }
}

/// `postflight` for people.
pub fn postflight_table(database: &str, p: &updown::Postflight) -> String {
    let mut out = vec![format!("database: {database}")];
    out.push(format!("schema checksum: {}", p.schema_checksum));
    out.push(format!("foreign keys checked: {}", p.keys_checked));
    for f in &p.keys {
        if let updown::KeyFinding::NotValidated { key } = f {
            out.push(format!(
                "note: the foreign key {} on {} is NOT VALID and its rows all match: `ALTER TABLE {} VALIDATE CONSTRAINT {}` would pass",
                key.name, key.table, key.table, key.name
            ));
        }
    }
    if p.failed() {
        out.push(p.failure_text());
    } else {
        out.push("ok: every foreign key checked holds, nothing is dirty".to_owned());
    }
    out.join("\n")
}

pub fn postflight_json(database: &str, p: &updown::Postflight) -> String {
    with_database(database, postflight_doc(p))
}

/// What a run stopped by a signal did and did not do.
pub fn stopped_text(command: &str, report: &Report) -> String {
    let done = report.steps.len();
    let total = done + report.not_run.len();
    let mut out = format!(
        "{command} stopped by a signal after {done} of {total} migrations; the lock is released"
    );
    if let Some(batch) = report
        .batch
        .filter(|_| report.steps.iter().any(|s| s.action == Action::Apply))
    {
        out.push_str(&format!(" and what ran is recorded (batch {batch})"));
    }
    if !report.not_run.is_empty() {
        let names: Vec<String> = report
            .not_run
            .iter()
            .map(|(v, n)| format!("{v} {n}"))
            .collect();
        out.push_str(&format!("\n  not run: {}", names.join(", ")));
        // Running a rollback again would count its steps afresh.
        out.push_str(match command {
            "migrate" => "\n  run `migrate` again to apply the rest",
            _ => "\n  `status` shows where it stands; `migrate` applies what is pending",
        });
    }
    out
}

/// What a dry run would do, as one JSON document: each migration with its statements.
pub fn dry_run_json(command: &str, database: &str, report: &Report) -> String {
    let migrations: Vec<serde_json::Value> = report
        .steps
        .iter()
        .map(|s| {
            serde_json::json!({
                "version": s.version,
                "name": s.name,
                "rehearsed": s.rehearsed,
                "statements": s.statements,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "command": command,
        "database": database,
        "dry_run": true,
        "outcome": "ok",
        "exit_code": 0,
        "migrations": migrations,
    });
    serde_json::to_string_pretty(&doc).expect("serialisable")
}
