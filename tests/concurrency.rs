//! Several instances of an app migrating at start-up, at the same moment: every
//! migration is applied exactly once and every instance exits 0.

use std::process::Stdio;

use updown_tests::{bin, databases};

const PROCESSES: usize = 8;
const ROUNDS: usize = 20;

#[test]
fn eight_processes_migrating_one_database_apply_each_migration_once() {
    for round in 0..ROUNDS {
        for db in databases() {
            let children: Vec<_> = (0..PROCESSES)
                .map(|_| {
                    db.command(bin!("app"), &["migrate"])
                        .stdout(Stdio::piped())
                        .stderr(Stdio::piped())
                        .spawn()
                        .expect("start app")
                })
                .collect();
            for child in children {
                let out = child.wait_with_output().unwrap();
                assert!(
                    out.status.success(),
                    "round {round} on {:?}: a process exited {:?}\n{}",
                    db.backend,
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            let history = db.history_json(bin!("app"));
            let rows = history["history"].as_array().unwrap();
            // One run applied everything, and checked once after.
            let postflights = rows.iter().filter(|h| h["action"] == "postflight").count();
            assert_eq!(postflights, 1, "round {round} on {:?}", db.backend);
            let mut applied: Vec<i64> = rows
                .iter()
                .filter(|h| h["action"] != "postflight")
                .map(|h| {
                    assert_eq!(
                        (&h["action"], &h["outcome"]),
                        (&"apply".into(), &"ok".into()),
                        "{h}"
                    );
                    h["version"].as_i64().unwrap()
                })
                .collect();
            applied.sort();
            assert_eq!(
                applied,
                [1001, 1002, 1003],
                "round {round} on {:?}",
                db.backend
            );
        }
    }
}
