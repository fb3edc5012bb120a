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

pub fn status_table(database: &str, status: &Status) -> String {
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
    format!(
        "database: {database}\n{}\n{} migrations: {}",
        table(&["VERSION", "NAME", "STATE", "BATCH", "APPLIED AT"], &rows),
        s.total,
        counts.join(", ")
    )
}

#[derive(Serialize)]
struct StatusJson<'a> {
    database: &'a str,
    migrations: Vec<MigrationJson<'a>>,
    summary: SummaryJson,
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

pub fn status_json(database: &str, status: &Status) -> String {
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

/// Prints progress events to stderr as they happen.
pub struct Progress {
    pub format: LogFormat,
    pub quiet: bool,
    pub verbose: bool,
}

impl Progress {
    pub fn event(&self, event: Event<'_>) {
        if self.quiet {
            return;
        }
        if event.phase == Phase::Started && !self.verbose {
            return;
        }
        let Event {
            phase,
            action,
            version,
            name,
            duration,
        } = event;
        let action_name = match action {
            Action::Apply => "apply",
            Action::Rollback => "rollback",
        };
        match self.format {
            LogFormat::Json => errln!(
                "{}",
                serde_json::json!({
                    "event": phase.as_str(),
                    "action": action_name,
                    "version": version,
                    "name": name,
                    "duration_ms": duration.map(|d| d.as_millis() as u64),
                })
            ),
            LogFormat::Text => {
                let verb = match (phase, action) {
                    (Phase::Started, Action::Apply) => "applying",
                    (Phase::Started, Action::Rollback) => "rolling back",
                    (Phase::Finished, Action::Apply) => "applied",
                    (Phase::Finished, Action::Rollback) => "rolled back",
                    (Phase::Failed, _) => "failed",
                };
                let took = duration
                    .map(|d| format!(" ({} ms)", d.as_millis()))
                    .unwrap_or_default();
                errln!("{verb:<12} {version} {name}{took}");
            }
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
