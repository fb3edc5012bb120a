//! Planning: what `migrate` and `rollback` would do, and every reason they must not,
//! from the code's migrations and the database's rows alone. No database here.

use crate::error::{Error, Problem};
use crate::migration::Migration;
use crate::migrator::RECORDED_WITHOUT_RUNNING;
use crate::registry::Registry;
use crate::run::{Action, MigrateOptions, RollbackOptions, RollbackTarget};
use crate::status::{State, Status};
use crate::tracking::AppliedRow;

/// What a plan is asked for: see [`Migrator::plan`](crate::Migrator::plan).
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    /// What [`Migrator::migrate`](crate::Migrator::migrate) would apply.
    Migrate(&'a MigrateOptions),
    /// What [`Migrator::rollback`](crate::Migrator::rollback) would undo.
    Rollback(&'a RollbackOptions),
}

/// What a command would do, in order, and what refuses it. A plan with problems runs
/// nothing.
#[derive(Debug, Clone)]
pub struct Plan<'r> {
    /// Whether the steps apply or roll back.
    pub action: Action,
    /// The migrations it would run, in order: oldest first to apply, newest first to
    /// roll back.
    pub steps: Vec<Planned<'r>>,
    /// Everything that stops the command, all at once.
    pub problems: Vec<Problem>,
}

/// One migration of a plan.
#[derive(Debug, Clone)]
pub struct Planned<'r> {
    /// The migration, from the registry.
    pub migration: &'r Migration,
    /// For a rollback, the batch it was applied in (its history row keeps it).
    pub batch: Option<i64>,
}

impl<'r> Plan<'r> {
    /// The plan, or [`Error::Refused`] listing its problems.
    pub(crate) fn or_refuse(self, command: &'static str) -> Result<Plan<'r>, Error> {
        if self.problems.is_empty() {
            Ok(self)
        } else {
            Err(Error::Refused {
                command,
                problems: self.problems,
            })
        }
    }

    /// The planned migrations, in the order they would run.
    pub fn migrations(&self) -> impl Iterator<Item = &'r Migration> + '_ {
        self.steps.iter().map(|s| s.migration)
    }
}

/// The pending migrations `migrate` applies (up to `options.to`), by version, with what
/// refuses it: dirty, modified or missing migrations, pending ones older than the latest
/// applied, each unless its option allows it.
pub(crate) fn migrate<'r>(
    registry: &'r Registry,
    status: &Status,
    options: &MigrateOptions,
) -> Plan<'r> {
    // Pending migrations placed before the last recorded one are out of order.
    let last_recorded = status.last_recorded();
    let in_range = |version: i64| {
        options
            .to
            .is_none_or(|to| registry.at_or_before(version, to))
    };
    let mut problems = Vec::new();
    let mut steps = Vec::new();
    for (i, m) in status.migrations.iter().enumerate() {
        let (version, name) = (m.version, m.name.clone());
        match m.state {
            State::Dirty => problems.push(Problem::Dirty { version, name }),
            State::Running => problems.push(Problem::Running { version, name }),
            State::Modified if !options.allow_drift => problems.push(Problem::Drift {
                version,
                name,
                recorded: m.recorded_checksum.clone().unwrap_or_default(),
                current: m.checksum.clone(),
            }),
            State::Missing if !options.allow_missing => {
                problems.push(Problem::Missing { version, name })
            }
            State::Pending if in_range(version) => {
                if let Some(last) = last_recorded.filter(|&last| last > i)
                    && !options.allow_out_of_order
                {
                    problems.push(Problem::OutOfOrder {
                        version,
                        name,
                        latest_applied: status.migrations[last].version,
                    });
                }
                if let Some(migration) = registry.get(version) {
                    steps.push(Planned {
                        migration,
                        batch: None,
                    });
                }
            }
            _ => {}
        }
    }
    Plan {
        action: Action::Apply,
        steps,
        problems,
    }
}

/// The applied migrations a rollback undoes, newest first, with everything that would
/// stop it half-way: dirty rows, targets whose code is gone, irreversible targets, and
/// targets whose code changed unless `allow_drift`.
pub(crate) fn rollback<'r>(
    registry: &'r Registry,
    rows: &[AppliedRow],
    options: &RollbackOptions,
) -> Plan<'r> {
    let mut problems: Vec<Problem> = rows
        .iter()
        .filter(|r| r.is_dirty())
        .map(|r| Problem::Dirty {
            version: r.version,
            name: r.name.clone(),
        })
        .collect();
    // Newest batch first; inside a batch, the reverse of the order they apply.
    let status = Status::compute(registry, rows);
    let mut newest_first: Vec<&AppliedRow> = rows.iter().filter(|r| !r.is_dirty()).collect();
    newest_first.sort_by_key(|r| std::cmp::Reverse((r.batch, status.position(r.version))));
    let targets: Vec<&AppliedRow> = match options.target {
        RollbackTarget::LastBatch => {
            // Batch 0 was recorded without running (baseline, adopt): not updown's to undo.
            let last = newest_first
                .first()
                .map(|r| r.batch)
                .filter(|&b| b != RECORDED_WITHOUT_RUNNING);
            newest_first
                .into_iter()
                .filter(|r| Some(r.batch) == last)
                .collect()
        }
        RollbackTarget::Steps(n) => newest_first.into_iter().take(n).collect(),
        RollbackTarget::To(v) => newest_first
            .into_iter()
            .filter(|r| !registry.at_or_before(r.version, v))
            .collect(),
        RollbackTarget::All => newest_first,
    };
    let mut steps = Vec::with_capacity(targets.len());
    for row in targets {
        let (version, name) = (row.version, row.name.clone());
        let Some(m) = registry.get(version) else {
            problems.push(Problem::NotInCode { version, name });
            continue;
        };
        if let Some(reason) = m.irreversible() {
            problems.push(Problem::Irreversible {
                version,
                name,
                reason: reason.to_owned(),
            });
        } else if row.checksum != m.checksum() && !options.allow_drift {
            problems.push(Problem::Drift {
                version,
                name,
                recorded: row.checksum.clone(),
                current: m.checksum().to_owned(),
            });
        }
        steps.push(Planned {
            migration: m,
            batch: Some(row.batch),
        });
    }
    Plan {
        action: Action::Rollback,
        steps,
        problems,
    }
}

/// In production, undoing migrations needs a confirmation; a dry run changes nothing
/// and needs none.
pub(crate) fn production_guard(
    command: &'static str,
    options: &RollbackOptions,
    production: bool,
) -> Result<(), Error> {
    if production && !options.yes && !options.dry_run {
        return Err(Error::Refused {
            command,
            problems: vec![Problem::Production { command }],
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracking::RowState;

    fn registry(versions: &[i64]) -> Registry {
        let sql = |v| {
            Migration::sql(
                v,
                format!("m{v}"),
                format!("CREATE TABLE t{v} (x INT)"),
                Some(format!("DROP TABLE t{v}")),
            )
        };
        Registry::from_migrations(versions.iter().map(|&v| sql(v)).collect()).unwrap()
    }

    /// A row as `migrate` records `version` in `batch`; `edited` or `dirty` change it.
    fn row(registry: &Registry, version: i64, batch: i64) -> AppliedRow {
        let checksum = registry
            .get(version)
            .map_or("gone", |m| m.checksum())
            .to_owned();
        let (name, applied_at) = (format!("m{version}"), "2026-01-01T00:00:00.000Z".into());
        let state = RowState::Applied;
        AppliedRow {
            version,
            name,
            checksum,
            applied_at,
            duration_ms: 1,
            batch,
            state,
            runner: None,
        }
    }

    fn edited(mut row: AppliedRow) -> AppliedRow {
        row.checksum = "0123456789abcdef".into();
        row
    }

    fn dirty(mut row: AppliedRow) -> AppliedRow {
        row.state = RowState::Dirty;
        row
    }

    /// The planned versions, and each problem as `kind version`.
    fn outline(plan: &Plan<'_>) -> (Vec<i64>, Vec<String>) {
        let problems = plan.problems.iter().map(|p| {
            let (kind, version) = match p {
                Problem::Drift { version, .. } => ("drift", version),
                Problem::Missing { version, .. } => ("missing", version),
                Problem::NotInCode { version, .. } => ("not in code", version),
                Problem::OutOfOrder { version, .. } => ("out of order", version),
                Problem::Dirty { version, .. } => ("dirty", version),
                Problem::Irreversible { version, .. } => ("irreversible", version),
                Problem::Production { .. } => ("production", &0),
                _ => ("other", &0),
            };
            format!("{kind} {version}")
        });
        (
            plan.migrations().map(Migration::version).collect(),
            problems.collect(),
        )
    }

    fn plan_migrate(
        r: &Registry,
        rows: &[AppliedRow],
        options: MigrateOptions,
    ) -> (Vec<i64>, Vec<String>) {
        outline(&migrate(r, &Status::compute(r, rows), &options))
    }

    fn plan_rollback(
        r: &Registry,
        rows: &[AppliedRow],
        options: RollbackOptions,
    ) -> (Vec<i64>, Vec<String>) {
        outline(&rollback(r, rows, &options))
    }

    fn target(target: RollbackTarget) -> RollbackOptions {
        RollbackOptions {
            target,
            ..Default::default()
        }
    }

    const NONE: [String; 0] = [];

    #[test]
    fn migrate_applies_pending_migrations_in_order_up_to_to() {
        let r = registry(&[3, 1, 2, 4]);
        let rows = [row(&r, 1, 1)];
        assert_eq!(
            plan_migrate(&r, &rows, Default::default()),
            (vec![2, 3, 4], vec![])
        );
        let to = MigrateOptions {
            to: Some(3),
            ..Default::default()
        };
        assert_eq!(plan_migrate(&r, &rows, to).0, [2, 3]);
        let all: Vec<AppliedRow> = [1, 2, 3, 4].iter().map(|&v| row(&r, v, 1)).collect();
        assert_eq!(plan_migrate(&r, &all, Default::default()), (vec![], vec![]));
    }

    #[test]
    fn migrate_refuses_drift_unless_allowed() {
        let r = registry(&[1, 2]);
        let rows = [edited(row(&r, 1, 1))];
        let plan = migrate(&r, &Status::compute(&r, &rows), &MigrateOptions::default());
        let current = r.get(1).unwrap().checksum().to_owned();
        let recorded = "0123456789abcdef".to_owned();
        let name = "m1".to_owned();
        assert_eq!(
            plan.problems,
            [Problem::Drift {
                version: 1,
                name,
                recorded,
                current
            }]
        );
        let allowed = MigrateOptions {
            allow_drift: true,
            ..Default::default()
        };
        assert_eq!(plan_migrate(&r, &rows, allowed), (vec![2], vec![]));
    }

    #[test]
    fn migrate_refuses_missing_unless_allowed() {
        let r = registry(&[1, 3]);
        let rows = [row(&r, 1, 1), row(&r, 2, 1)];
        assert_eq!(
            plan_migrate(&r, &rows, Default::default()),
            (vec![3], vec!["missing 2".into()])
        );
        let allowed = MigrateOptions {
            allow_missing: true,
            ..Default::default()
        };
        assert_eq!(plan_migrate(&r, &rows, allowed).1, NONE);
    }

    #[test]
    fn migrate_refuses_out_of_order_within_its_range_only() {
        let r = registry(&[1, 2, 3, 4]);
        let rows = [row(&r, 1, 1), row(&r, 3, 1)];
        let plan = migrate(&r, &Status::compute(&r, &rows), &MigrateOptions::default());
        let name = "m2".to_owned();
        assert_eq!(
            plan.problems,
            [Problem::OutOfOrder {
                version: 2,
                name,
                latest_applied: 3
            }]
        );
        assert_eq!(outline(&plan).0, [2, 4]);
        let allowed = MigrateOptions {
            allow_out_of_order: true,
            ..Default::default()
        };
        assert_eq!(plan_migrate(&r, &rows, allowed).1, NONE);
        // With `to = 1`, 2 is out of range: only 1 is refused.
        let to = MigrateOptions {
            to: Some(1),
            ..Default::default()
        };
        assert_eq!(
            plan_migrate(&r, &[row(&r, 3, 1)], to),
            (vec![1], vec!["out of order 1".into()])
        );
    }

    #[test]
    fn migrate_refuses_dirty_always_and_lists_every_problem_at_once() {
        let r = registry(&[1, 2, 3]);
        let everything = MigrateOptions {
            allow_drift: true,
            allow_missing: true,
            allow_out_of_order: true,
            ..Default::default()
        };
        let rows = [row(&r, 1, 1), dirty(row(&r, 2, 1))];
        assert_eq!(plan_migrate(&r, &rows, everything).1, ["dirty 2"]);
        let rows = [edited(row(&r, 1, 1)), dirty(row(&r, 2, 1)), row(&r, 9, 1)];
        let problems = plan_migrate(&r, &rows, Default::default()).1;
        assert_eq!(
            problems,
            ["drift 1", "dirty 2", "out of order 3", "missing 9"]
        );
    }

    #[test]
    fn rollback_targets_newest_first() {
        let r = registry(&[1, 2, 3, 4, 5]);
        let batches = [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3)];
        let rows: Vec<AppliedRow> = batches.iter().map(|&(v, b)| row(&r, v, b)).collect();
        let versions = |rows: &[AppliedRow], t| plan_rollback(&r, rows, target(t)).0;
        assert_eq!(versions(&rows, RollbackTarget::LastBatch), [5]);
        assert_eq!(versions(&rows[..4], RollbackTarget::LastBatch), [4, 3]);
        assert_eq!(versions(&rows, RollbackTarget::Steps(3)), [5, 4, 3]);
        assert_eq!(versions(&rows, RollbackTarget::Steps(0)), [0; 0]);
        assert_eq!(versions(&rows, RollbackTarget::To(2)), [5, 4, 3]);
        assert_eq!(versions(&rows, RollbackTarget::All), [5, 4, 3, 2, 1]);
        assert_eq!(versions(&[], RollbackTarget::LastBatch), [0; 0]);
        // Each step keeps the batch it was applied in.
        let plan = rollback(&r, &rows, &target(RollbackTarget::All));
        let kept: Vec<Option<i64>> = plan.steps.iter().map(|s| s.batch).collect();
        assert_eq!(kept, [Some(3), Some(2), Some(2), Some(1), Some(1)]);
        // Applied out of order, after 3: undone before it.
        let rows = [row(&r, 1, 1), row(&r, 2, 3), row(&r, 3, 2)];
        assert_eq!(versions(&rows, RollbackTarget::Steps(2)), [2, 3]);
    }

    #[test]
    fn rollback_refuses_irreversible_in_range_only() {
        let mut migrations = registry(&[1, 3]).migrations().to_vec();
        migrations.push(Migration::sql(2, "m2", "DROP TABLE old", None::<&str>));
        let r = Registry::from_migrations(migrations).unwrap();
        let rows = [row(&r, 1, 1), row(&r, 2, 1), row(&r, 3, 1)];
        let plan = rollback(&r, &rows, &target(RollbackTarget::All));
        let (name, reason) = ("m2".to_owned(), "it has no `down`".to_owned());
        assert_eq!(
            plan.problems,
            [Problem::Irreversible {
                version: 2,
                name,
                reason
            }]
        );
        assert_eq!(
            plan_rollback(&r, &rows, target(RollbackTarget::To(2))),
            (vec![3], vec![])
        );
    }

    #[test]
    fn rollback_refuses_drift_dirty_and_missing_code() {
        let r = registry(&[1, 2]);
        let rows = [row(&r, 1, 1), edited(row(&r, 2, 1))];
        assert_eq!(
            plan_rollback(&r, &rows, target(RollbackTarget::All)).1,
            ["drift 2"]
        );
        let allowed = RollbackOptions {
            allow_drift: true,
            ..target(RollbackTarget::All)
        };
        assert_eq!(plan_rollback(&r, &rows, allowed).1, NONE);
        let rows = [dirty(row(&r, 1, 1)), row(&r, 2, 1), row(&r, 7, 1)];
        let outline = plan_rollback(&r, &rows, target(RollbackTarget::All));
        assert_eq!(
            outline,
            (vec![2], vec!["dirty 1".into(), "not in code 7".into()])
        );
    }

    #[test]
    fn production_needs_a_confirmation_except_for_dry_runs() {
        let plain = RollbackOptions::default();
        assert!(production_guard("rollback", &plain, false).is_ok());
        let err = production_guard("rollback", &plain, true).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Refused {
                    command: "rollback",
                    ..
                }
            ),
            "{err:?}"
        );
        let yes = RollbackOptions {
            yes: true,
            ..Default::default()
        };
        assert!(production_guard("redo", &yes, true).is_ok());
        let dry = RollbackOptions {
            dry_run: true,
            ..Default::default()
        };
        assert!(production_guard("rollback", &dry, true).is_ok());
    }

    /// Rust migrations 20230101000000 and 20230301000000; diesel folders `20230201000000`
    /// and `20230215` (after it as text, a smaller number), and `2023021600000000` and
    /// `202302170000000000` (16 and 18 digits).
    fn mixed() -> Registry {
        let folder = |text: &str| {
            let folder = updown_sql::diesel::Folder {
                path: format!("migrations/{text}_f").into(),
                version_text: text.to_owned(),
                version: text.parse().unwrap(),
                name: format!("f{text}"),
                up: format!("CREATE TABLE f{text} (x INT)"),
                down: Some(format!("DROP TABLE f{text}")),
                run_in_transaction: true,
            };
            Migration::diesel(&folder)
        };
        let rust = |v: i64| Migration::sql(v, format!("m{v}"), "SELECT 1", Some("SELECT 2"));
        Registry::from_migrations(vec![
            rust(20230301000000),
            folder("20230215"),
            folder("202302170000000000"),
            rust(20230101000000),
            folder("2023021600000000"),
            folder("20230201000000"),
        ])
        .unwrap()
    }

    #[test]
    fn diesel_folders_keep_diesels_order_and_merge_with_rust_as_text() {
        let r = mixed();
        let order: Vec<i64> = r.migrations().iter().map(Migration::version).collect();
        // A Rust migration of March goes after February's folders, whatever their lengths.
        let expected = [
            20230101000000,
            20230201000000,
            20230215,
            2023021600000000,
            202302170000000000,
            20230301000000,
        ];
        assert_eq!(order, expected);
        assert!(r.at_or_before(20230201000000, 20230215));
        assert!(!r.at_or_before(20230301000000, 202302170000000000));
        // Up to the 8-digit folder: by place, not by number.
        let to = MigrateOptions {
            to: Some(20230215),
            ..Default::default()
        };
        let (planned, problems) = plan_migrate(&r, &[], to);
        assert_eq!(planned, [20230101000000, 20230201000000, 20230215]);
        assert!(problems.is_empty());
    }

    #[test]
    fn out_of_order_and_rollback_follow_the_order_migrations_apply() {
        let r = mixed();
        // The 8-digit folder applied, the 14-digit one before it pending: out of order,
        // though its number is the larger.
        let rows = [row(&r, 20230101000000, 1), row(&r, 20230215, 1)];
        let (planned, problems) = plan_migrate(&r, &rows, MigrateOptions::default());
        assert_eq!(
            planned,
            [
                20230201000000,
                2023021600000000,
                202302170000000000,
                20230301000000
            ]
        );
        assert_eq!(problems, ["out of order 20230201000000"]);

        let rows: Vec<AppliedRow> = r
            .migrations()
            .iter()
            .map(|m| row(&r, m.version(), 1))
            .collect();
        let (undone, _) = plan_rollback(&r, &rows, target(RollbackTarget::LastBatch));
        let newest_first: Vec<i64> = r
            .migrations()
            .iter()
            .rev()
            .map(Migration::version)
            .collect();
        assert_eq!(undone, newest_first);
        let (undone, _) = plan_rollback(&r, &rows, target(RollbackTarget::To(20230215)));
        assert_eq!(
            undone,
            [20230301000000, 202302170000000000, 2023021600000000]
        );

        // Recorded without running (batch 0): not the last batch, still within reach.
        let adopted: Vec<AppliedRow> = r
            .migrations()
            .iter()
            .map(|m| row(&r, m.version(), 0))
            .collect();
        let (undone, _) = plan_rollback(&r, &adopted, target(RollbackTarget::LastBatch));
        assert!(undone.is_empty());
        let (undone, _) = plan_rollback(&r, &adopted, target(RollbackTarget::Steps(1)));
        assert_eq!(undone, [20230301000000]);
    }
}
