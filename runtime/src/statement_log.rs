//! Remembers the statement that failed, whatever issued it (`Db::execute` or diesel's
//! query builder in a Rust migration), and in a dry run every statement a body runs.
//! Fed by diesel's instrumentation.

use std::sync::{Arc, Mutex, MutexGuard};

use diesel::connection::{Instrumentation, InstrumentationEvent};

#[derive(Clone, Default)]
pub(crate) struct StatementLog {
    state: Arc<Mutex<LogState>>,
}

#[derive(Default)]
struct LogState {
    failed: Option<String>,
    /// Keep every statement a body runs (dry run).
    capture: bool,
    in_body: bool,
    captured: Vec<String>,
}

impl StatementLog {
    fn state(&self) -> MutexGuard<'_, LogState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn clear(&self) {
        self.state().failed = None;
    }

    /// The last statement that failed since `clear`, without its bind values (they may
    /// hold user data).
    pub fn failed(&self) -> Option<String> {
        self.state().failed.clone()
    }

    pub fn set_capture(&self, on: bool) {
        self.state().capture = on;
    }

    pub fn start_body(&self) {
        let mut s = self.state();
        s.in_body = true;
        s.captured.clear();
    }

    /// The statements the body ran, when capturing: bind values included, as a dry
    /// run shows them.
    pub fn end_body(&self) -> Vec<String> {
        let mut s = self.state();
        s.in_body = false;
        std::mem::take(&mut s.captured)
    }
}

impl Instrumentation for StatementLog {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                let mut s = self.state();
                if s.capture && s.in_body {
                    s.captured.push(query.to_string().trim().to_owned());
                }
            }
            InstrumentationEvent::FinishQuery {
                query,
                error: Some(_),
                ..
            } => {
                let text = query.to_string();
                let sql = text.split(" -- binds: ").next().unwrap_or_default().trim();
                self.state().failed = Some(sql.to_owned());
            }
            _ => {}
        }
    }
}
