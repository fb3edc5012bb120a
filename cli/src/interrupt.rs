//! Ctrl-C and SIGTERM during `verify`: the scratch database is dropped before the
//! process exits, so an interrupted run leaves nothing behind.

/// The exit code of a run stopped by a signal, as shells report SIGINT.
pub const INTERRUPTED: i32 = 130;

use crate::stdio::errln;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a signal arrived: the handler is dropping scratch databases and will exit.
static SIGNALLED: AtomicBool = AtomicBool::new(false);

/// Installs the handler: drop every scratch database this process holds, say so, and
/// exit with [`INTERRUPTED`].
pub fn drop_scratch_on_signal() {
    let installed = ctrlc::set_handler(|| {
        SIGNALLED.store(true, Ordering::SeqCst);
        let dropped = updown::drop_scratch_databases();
        let what = match dropped {
            0 => "no scratch database was left".to_owned(),
            1 => "its scratch database was dropped".to_owned(),
            n => format!("{n} scratch databases were dropped"),
        };
        errln!("\ninterrupted: verify stopped; {what}; nothing was changed on the target");
        std::process::exit(INTERRUPTED);
    });
    // Another handler of the program's own stays in charge.
    let _ = installed;
}

/// Waits for the handler to exit the process if a signal arrived: dropping the scratch
/// database ends the run's own connection (MySQL's `KILL`, PostgreSQL's `FORCE`), and the
/// run must not exit before the drop is done.
pub fn wait_if_interrupted() {
    while SIGNALLED.load(Ordering::SeqCst) {
        std::thread::park_timeout(std::time::Duration::from_millis(100));
    }
}
