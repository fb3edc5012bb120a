//! Planning: what `migrate` and `rollback` would do, and every reason they must not,
//! from the code's migrations and the database's rows alone. No database here.

use crate::error::{Error, Problem};
use crate::migration::Migration;
use crate::registry::Registry;
use crate::run::{Action, MigrateOptions, RollbackOptions, RollbackTarget};
use crate::status::{State, Status};
use crate::tracking::AppliedRow;

/// What a plan is asked for: see [`Migrator::plan`](crate::Migrator::plan).
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    Migrate(&'a MigrateOptions),
    Rollback(&'a RollbackOptions),
}

/// What a command would do, in order, and what refuses it. A plan with problems runs
/// nothing.
#[derive(Debug, Clone)]
pub struct Plan<'r> {
    pub action: Action,
    pub steps: Vec<Planned<'r>>,
    /// Everything that stops the command, all at once.
    pub problems: Vec<Problem>,
}

/// One migration of a plan.
#[derive(Debug, Clone)]
pub struct Planned<'r> {
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
    let latest = status.latest_applied();
    let in_range = |version: i64| options.to.is_none_or(|to| version <= to);
    let mut problems = Vec::new();
    let mut steps = Vec::new();
    for m in &status.migrations {
        let (version, name) = (m.version, m.name.clone());
        match m.state {
            State::Dirty => problems.push(Problem::Dirty { version, name }),
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
                if let Some(latest_applied) = latest.filter(|&l| l > version)
                    && !options.allow_out_of_order
                {
                    problems.push(Problem::OutOfOrder {
                        version,
                        name,
                        latest_applied,
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
    let mut newest_first: Vec<&AppliedRow> = rows.iter().filter(|r| !r.is_dirty()).collect();
    newest_first.sort_by_key(|r| std::cmp::Reverse((r.batch, r.version)));
    let targets: Vec<&AppliedRow> = match options.target {
        RollbackTarget::LastBatch => {
            let last = newest_first.first().map(|r| r.batch);
            newest_first
                .into_iter()
                .filter(|r| Some(r.batch) == last)
                .collect()
        }
        RollbackTarget::Steps(n) => newest_first.into_iter().take(n).collect(),
        RollbackTarget::To(v) => newest_first.into_iter().filter(|r| r.version > v).collect(),
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
        let migrations = versions
            .iter()
            .map(|&v| {
                Migration::sql(
                    v,
                    format!("m{v}"),
                    format!("CREATE TABLE t{v} (x INT)"),
                    Some(format!("DROP TABLE t{v}")),
                )
            })
            .collect();
        Registry::from_migrations(migrations).unwrap()
    }

    /// A row as `migrate` would have recorded `version` in `batch`.
    fn row(registry: &Registry, version: i64, batch: i64) -> AppliedRow {
        let checksum = registry
            .get(version)
            .map_or("gone".to_owned(), |m| m.checksum().to_owned());
        AppliedRow {
            version,
            name: format!("m{version}"),
            checksum,
            applied_at: "2026-01-01T00:00:00.000Z".into(),
            duration_ms: 1,
            batch,
            state: RowState::Applied,
        }
    }

    fn versions(plan: &Plan<'_>) -> Vec<i64> {
        plan.migrations().map(Migration::version).collect()
    }

    fn plan_migrate(
        registry: &Registry,
        rows: &[AppliedRow],
        options: &MigrateOptions,
    ) -> (Vec<i64>, Vec<Problem>) {
        let plan = migrate(registry, &Status::compute(registry, rows), options);
        (versions(&plan), plan.problems)
    }

    #[test]
    fn migrate_applies_pending_migrations_in_order_up_to_to() {
        let r = registry(&[3, 1, 2, 4]);
        let rows = [row(&r, 1, 1)];
        assert_eq!(
            plan_migrate(&r, &rows, &MigrateOptions::default()),
            (vec![2, 3, 4], vec![])
        );
        let to = MigrateOptions {
            to: Some(3),
            ..Default::default()
        };
        assert_eq!(plan_migrate(&r, &rows, &to).0, [2, 3]);
        let done = [row(&r, 1, 1), row(&r, 2, 1), row(&r, 3, 2), row(&r, 4, 2)];
        assert_eq!(
            plan_migrate(&r, &done, &MigrateOptions::default()),
            (vec![], vec![])
        );
    }

    #[test]
    fn migrate_refuses_drift_unless_allowed() {
        let r = registry(&[1, 2]);
        let mut edited = row(&r, 1, 1);
        edited.checksum = "0123456789abcdef".into();
        let (_, problems) = plan_migrate(&r, &[edited.clone()], &MigrateOptions::default());
        assert_eq!(
            problems,
            [Problem::Drift {
                version: 1,
                name: "m1".into(),
                recorded: "0123456789abcdef".into(),
                current: r.get(1).unwrap().checksum().into(),
            }]
        );
        let allowed = MigrateOptions {
            allow_drift: true,
            ..Default::default()
        };
        assert_eq!(plan_migrate(&r, &[edited], &allowed), (vec![2], vec![]));
    }

    #[test]
    fn migrate_refuses_missing_unless_allowed() {
        let r = registry(&[1, 3]);
        let rows = [row(&r, 1, 1), row(&r, 2, 1)];
        let (steps, problems) = plan_migrate(&r, &rows, &MigrateOptions::default());
        assert_eq!(steps, [3]);
        assert_eq!(
            problems,
            [Problem::Missing {
                version: 2,
                name: "m2".into()
            }]
        );
        let allowed = MigrateOptions {
            allow_missing: true,
            ..Default::default()
        };
        assert_eq!(plan_migrate(&r, &rows, &allowed).1, []);
    }

    #[test]
    fn migrate_refuses_out_of_order_within_its_range_only() {
        let r = registry(&[1, 2, 3, 4]);
        let rows = [row(&r, 1, 1), row(&r, 3, 1)];
        let (steps, problems) = plan_migrate(&r, &rows, &MigrateOptions::default());
        assert_eq!(steps, [2, 4]);
        assert_eq!(
            problems,
            [Problem::OutOfOrder {
                version: 2,
                name: "m2".into(),
                latest_applied: 3
            }]
        );
        let allowed = MigrateOptions {
            allow_out_of_order: true,
            ..Default::default()
        };
        assert_eq!(plan_migrate(&r, &rows, &allowed).1, []);
        // 2 is beyond `--to 1`: nothing to refuse.
        let rows = [row(&r, 3, 1)];
        let to = MigrateOptions {
            to: Some(1),
            ..Default::default()
        };
        assert_eq!(
            plan_migrate(&r, &rows, &to),
            (
                vec![1],
                vec![Problem::OutOfOrder {
                    version: 1,
                    name: "m1".into(),
                    latest_applied: 3
                }]
            )
        );
    }

    #[test]
    fn migrate_refuses_dirty_always_and_lists_every_problem() {
        let r = registry(&[1, 2, 3]);
        let mut dirty = row(&r, 2, 1);
        dirty.state = RowState::Dirty;
        let mut edited = row(&r, 1, 1);
        edited.checksum = "edited".into();
        let everything = MigrateOptions {
            allow_drift: true,
            allow_missing: true,
            allow_out_of_order: true,
            ..Default::default()
        };
        assert_eq!(
            plan_migrate(&r, &[row(&r, 1, 1), dirty.clone()], &everything).1,
            [Problem::Dirty {
                version: 2,
                name: "m2".into()
            }]
        );
        let (_, problems) = plan_migrate(
            &r,
            &[edited, dirty, row(&r, 9, 1)],
            &MigrateOptions::default(),
        );
        let kinds: Vec<(&str, i64)> = problems
            .iter()
            .map(|p| match p {
                Problem::Drift { version, .. } => ("drift", *version),
                Problem::Dirty { version, .. } => ("dirty", *version),
                Problem::OutOfOrder { version, .. } => ("out of order", *version),
                Problem::Missing { version, .. } => ("missing", *version),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("drift", 1),
                ("dirty", 2),
                ("out of order", 3),
                ("missing", 9)
            ]
        );
    }

    fn plan_rollback(
        r: &Registry,
        rows: &[AppliedRow],
        target: RollbackTarget,
    ) -> (Vec<i64>, Vec<Problem>) {
        let options = RollbackOptions {
            target,
            ..Default::default()
        };
        let plan = rollback(r, rows, &options);
        (versions(&plan), plan.problems)
    }

    #[test]
    fn rollback_targets() {
        let r = registry(&[1, 2, 3, 4, 5]);
        let rows = [
            row(&r, 1, 1),
            row(&r, 2, 1),
            row(&r, 3, 2),
            row(&r, 4, 2),
            row(&r, 5, 3),
        ];
        let last = plan_rollback(&r, &rows, RollbackTarget::LastBatch);
        assert_eq!(last, (vec![5], vec![]));
        assert_eq!(
            plan_rollback(&r, &rows[..4], RollbackTarget::LastBatch).0,
            [4, 3]
        );
        assert_eq!(
            plan_rollback(&r, &rows, RollbackTarget::Steps(3)).0,
            [5, 4, 3]
        );
        assert_eq!(
            plan_rollback(&r, &rows, RollbackTarget::Steps(0)).0,
            Vec::<i64>::new()
        );
        assert_eq!(plan_rollback(&r, &rows, RollbackTarget::To(2)).0, [5, 4, 3]);
        assert_eq!(
            plan_rollback(&r, &rows, RollbackTarget::All).0,
            [5, 4, 3, 2, 1]
        );
        assert_eq!(
            plan_rollback(&r, &[], RollbackTarget::LastBatch).0,
            Vec::<i64>::new()
        );
        // Each step keeps the batch it was applied in.
        let plan = rollback(
            &r,
            &rows,
            &RollbackOptions {
                target: RollbackTarget::All,
                ..Default::default()
            },
        );
        let batches: Vec<Option<i64>> = plan.steps.iter().map(|s| s.batch).collect();
        assert_eq!(batches, [Some(3), Some(2), Some(2), Some(1), Some(1)]);
    }

    #[test]
    fn rollback_newest_batch_first_even_when_out_of_order() {
        let r = registry(&[1, 2, 3]);
        // 2 was applied out of order, after 3.
        let rows = [row(&r, 1, 1), row(&r, 2, 3), row(&r, 3, 2)];
        assert_eq!(plan_rollback(&r, &rows, RollbackTarget::Steps(2)).0, [2, 3]);
    }

    #[test]
    fn rollback_refuses_irreversible_in_range_only() {
        let mut migrations: Vec<Migration> = registry(&[1, 3]).migrations().to_vec();
        migrations.push(Migration {
            irreversible: Some("drops data".into()),
            ..Migration::sql(2, "m2", "DROP TABLE old", None::<&str>)
        });
        let r = Registry::from_migrations(migrations).unwrap();
        let rows = [row(&r, 1, 1), row(&r, 2, 1), row(&r, 3, 1)];
        let (_, problems) = plan_rollback(&r, &rows, RollbackTarget::All);
        assert_eq!(
            problems,
            [Problem::Irreversible {
                version: 2,
                name: "m2".into(),
                reason: "drops data".into()
            }]
        );
        assert_eq!(
            plan_rollback(&r, &rows, RollbackTarget::To(2)),
            (vec![3], vec![])
        );
    }

    #[test]
    fn rollback_refuses_drift_dirty_and_missing_code() {
        let r = registry(&[1, 2]);
        let mut edited = row(&r, 2, 1);
        edited.checksum = "edited".into();
        let (_, problems) =
            plan_rollback(&r, &[row(&r, 1, 1), edited.clone()], RollbackTarget::All);
        assert!(
            matches!(problems[..], [Problem::Drift { version: 2, .. }]),
            "{problems:?}"
        );
        let allowed = RollbackOptions {
            target: RollbackTarget::All,
            allow_drift: true,
            ..Default::default()
        };
        assert_eq!(rollback(&r, &[edited], &allowed).problems, []);

        let mut dirty = row(&r, 1, 1);
        dirty.state = RowState::Dirty;
        let (steps, problems) = plan_rollback(
            &r,
            &[dirty, row(&r, 2, 1), row(&r, 7, 1)],
            RollbackTarget::All,
        );
        assert_eq!(steps, [2]);
        assert_eq!(
            problems,
            [
                Problem::Dirty {
                    version: 1,
                    name: "m1".into()
                },
                Problem::NotInCode {
                    version: 7,
                    name: "m7".into()
                },
            ]
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
}
