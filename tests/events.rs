//! A program running a `Migrator` itself hears every step of a run as a `tracing` event
//! of target `updown`, through its own subscriber, with the documented fields.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use updown::{MigrateOptions, Migration, Migrator, Registry, RollbackOptions};
use updown_tests::databases;

/// One event: its target, level and fields as text.
type Event = (String, tracing::Level, BTreeMap<String, String>);

/// Every event heard.
#[derive(Clone, Default)]
struct Heard(Arc<Mutex<Vec<Event>>>);

struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber> Layer<S> for Heard {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut fields = Fields(BTreeMap::new());
        event.record(&mut fields);
        let meta = event.metadata();
        self.0
            .lock()
            .unwrap()
            .push((meta.target().to_owned(), *meta.level(), fields.0));
    }
}

impl Heard {
    fn events(&self, name: &str) -> Vec<BTreeMap<String, String>> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(target, _, f)| {
                target == "updown" && f.get("event").is_some_and(|e| e == name)
            })
            .map(|(_, _, f)| f.clone())
            .collect()
    }
}

fn migrations(failing: bool) -> Vec<Migration> {
    let mut list = vec![
        Migration::sql(
            1,
            "create_parents",
            "CREATE TABLE parents (id BIGINT PRIMARY KEY)",
            Some("DROP TABLE parents"),
        ),
        Migration::sql(
            2,
            "create_children",
            "CREATE TABLE children (id BIGINT PRIMARY KEY, parent_id BIGINT REFERENCES parents (id))",
            Some("DROP TABLE children"),
        ),
    ];
    if failing {
        list.push(Migration::sql(
            3,
            "seed_missing_table",
            "INSERT INTO no_such_table (id) VALUES (1)",
            Some("DELETE FROM no_such_table"),
        ));
    }
    list
}

#[test]
fn every_step_of_a_run_is_a_tracing_event_with_its_fields() {
    for db in databases() {
        let heard = Heard::default();
        let subscriber = tracing_subscriber::registry().with(heard.clone());
        tracing::subscriber::with_default(subscriber, || {
            let registry = Registry::from_sources(&[&migrations(false)]).unwrap();
            let checksums: Vec<String> = registry
                .migrations()
                .iter()
                .map(|m| m.checksum().to_owned())
                .collect();
            let migrator = Migrator::new(registry, &db.url).unwrap();
            migrator
                .migrate(&MigrateOptions::default(), &mut |_| {})
                .unwrap();

            let started = heard.events("started");
            let applied = heard.events("applied");
            assert_eq!(started.len(), 2, "{}", db.backend);
            assert_eq!(applied.len(), 2, "{}", db.backend);
            for (event, (version, name)) in applied
                .iter()
                .zip([("1", "create_parents"), ("2", "create_children")])
            {
                assert_eq!(event["version"], version);
                assert_eq!(event["name"], name);
                assert_eq!(event["batch"], "1");
                assert_eq!(event["outcome"], "ok");
                assert!(event["duration_ms"].parse::<u64>().is_ok(), "{event:?}");
                assert!(checksums.contains(&event["checksum"]), "{event:?}");
            }
            let postflight = heard.events("postflight");
            assert_eq!(postflight.len(), 1, "{}", db.backend);
            assert_eq!(postflight[0]["outcome"], "ok");
            assert_eq!(postflight[0]["checksum"].len(), 64);

            migrator
                .rollback(&RollbackOptions::default(), &mut |_| {})
                .unwrap();
            let rolled_back = heard.events("rolled back");
            assert_eq!(
                rolled_back
                    .iter()
                    .map(|e| e["version"].as_str())
                    .collect::<Vec<_>>(),
                ["2", "1"],
                "{}",
                db.backend
            );
        });
    }
}

#[test]
fn a_failing_migration_is_an_error_event_naming_it_and_its_error() {
    for db in databases() {
        let heard = Heard::default();
        let subscriber = tracing_subscriber::registry().with(heard.clone());
        tracing::subscriber::with_default(subscriber, || {
            let registry = Registry::from_sources(&[&migrations(true)]).unwrap();
            let migrator = Migrator::new(registry, &db.url).unwrap();
            let error = migrator
                .migrate(&MigrateOptions::default(), &mut |_| {})
                .unwrap_err();
            assert!(
                matches!(error, updown::Error::MigrationFailed(_)),
                "{error}"
            );
            let failed = heard.events("failed");
            assert_eq!(failed.len(), 1, "{}", db.backend);
            let event = &failed[0];
            assert_eq!(event["version"], "3");
            assert_eq!(event["name"], "seed_missing_table");
            assert_eq!(event["outcome"], "failed");
            assert!(event["error"].contains("no_such_table"), "{event:?}");
            let levels: Vec<tracing::Level> = heard
                .0
                .lock()
                .unwrap()
                .iter()
                .filter(|(_, _, f)| f.get("event").is_some_and(|e| e == "failed"))
                .map(|(_, level, _)| *level)
                .collect();
            assert_eq!(levels, [tracing::Level::ERROR]);
            // No postflight after a failed run: what failed is reported, not checked.
            assert!(heard.events("postflight").is_empty());
        });
    }
}
