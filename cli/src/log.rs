//! The run's events (updown's `tracing` events) on stderr: with `--log-format json` one
//! JSON object per event, with a UTC timestamp; as text, the events that are not a
//! migration's own step (a backup written, a lock waited for, a preflight finding, a
//! stop), since the progress lines show the steps.

use std::fmt::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

use crate::args::LogFormat;
use crate::stdio::errln;

/// Installs the subscriber for `format`, unless the program installed its own.
pub fn init(format: LogFormat, quiet: bool, verbose: bool) {
    let level = if verbose { Level::DEBUG } else { Level::INFO };
    let filter = tracing_subscriber::filter::Targets::new().with_target("updown", level);
    let installed = match format {
        LogFormat::Json => tracing::subscriber::set_global_default(
            tracing_subscriber::registry().with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(false)
                    .with_span_list(false)
                    .with_writer(std::io::stderr)
                    .with_filter(filter),
            ),
        ),
        LogFormat::Text => tracing::subscriber::set_global_default(
            tracing_subscriber::registry().with(TextLines { quiet }.with_filter(filter)),
        ),
    };
    let _ = installed;
}

/// The events a person reads as lines beside the progress of the steps.
struct TextLines {
    quiet: bool,
}

/// The events the progress lines or the summary already show.
const SHOWN_ELSEWHERE: &[&str] = &[
    "started",
    "applied",
    "rolled back",
    "failed",
    "postflight",
    "preflight finding",
];

impl<S: Subscriber> Layer<S> for TextLines {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        if SHOWN_ELSEWHERE.contains(&fields.event.as_str()) {
            return;
        }
        let level = *event.metadata().level();
        if self.quiet && level > Level::WARN {
            return;
        }
        match level {
            _ if fields.event == "backup written" => {
                errln!(
                    "{}; `restore {} --yes` puts it back",
                    fields.message,
                    fields.file
                )
            }
            Level::ERROR => errln!("error: {}", fields.message),
            Level::WARN => errln!("warning: {}", fields.message),
            _ => errln!("{}", fields.message),
        }
    }
}

/// The `event`, `message` and `file` fields of an event.
#[derive(Default)]
struct Fields {
    event: String,
    message: String,
    file: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "event" => self.event = value.to_owned(),
            "message" => self.message = value.to_owned(),
            "file" => self.file = value.to_owned(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.record_str(field, &text);
    }
}

/// The final error of a command, as an event of the log (JSON: with its exit code).
pub fn error(message: &str, exit_code: u8) {
    tracing::error!(target: "updown", event = "error", exit_code, "{message}");
}
