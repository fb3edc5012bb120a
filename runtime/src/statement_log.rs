//! Remembers the statement that failed, whatever issued it: `Db::execute` or diesel's
//! query builder in a Rust migration. Fed by diesel's instrumentation.

use std::sync::{Arc, Mutex};

use diesel::connection::{Instrumentation, InstrumentationEvent};

#[derive(Clone, Default)]
pub(crate) struct StatementLog {
    failed: Arc<Mutex<Option<String>>>,
}

impl StatementLog {
    pub fn clear(&self) {
        *self.failed.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The last statement that failed since `clear`, without its bind values (they may
    /// hold user data).
    pub fn failed(&self) -> Option<String> {
        self.failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl Instrumentation for StatementLog {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::FinishQuery {
            query,
            error: Some(_),
            ..
        } = event
        {
            let text = query.to_string();
            let sql = text
                .split(" -- binds: ")
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            *self.failed.lock().unwrap_or_else(|p| p.into_inner()) = Some(sql);
        }
    }
}
