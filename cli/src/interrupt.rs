//! Ctrl-C and SIGTERM. During `verify` the scratch database is dropped before the process
//! exits, so an interrupted run leaves nothing behind. During a run of migrations the
//! first signal lets the migration running finish (or roll back), then the run stops,
//! releases the lock and reports; a second signal aborts at once.

/// The exit code of a run stopped by a signal, as shells report SIGINT.
pub const INTERRUPTED: u8 = 130;

use crate::stdio::errln;
use std::sync::Arc;
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
        std::process::exit(INTERRUPTED.into());
    });
    // Another handler of the program's own stays in charge.
    let _ = installed;
}

/// Installs the handler of a run: the first signal sets the returned flag, which the
/// migrator reads before each migration; the second exits at once. `sqlite`: the run is
/// one transaction there, so an abort keeps nothing of it.
pub fn stop_after_current(sqlite: bool) -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let set = flag.clone();
    let installed = ctrlc::set_handler(move || {
        if set.swap(true, Ordering::SeqCst) {
            let lost = if sqlite {
                "the database rolls back everything this run applied (on SQLite a run is one transaction)"
            } else {
                "the database rolls back the migration that was running if it ran in a transaction; one that ran outside a transaction is left marked running, which `status` shows as dirty"
            };
            errln!("\naborted by a second signal: {lost}; the lock goes with the connection");
            std::process::exit(INTERRUPTED.into());
        }
        errln!(
            "\nstopping: the migration running now finishes (or rolls back), then the run stops and releases the lock; a second Ctrl-C aborts at once"
        );
    });
    let _ = installed;
    flag
}

/// Waits for the handler to exit the process if a signal arrived: dropping the scratch
/// database ends the run's own connection (MySQL's `KILL`, PostgreSQL's `FORCE`), and the
/// run must not exit before the drop is done.
pub fn wait_if_interrupted() {
    while SIGNALLED.load(Ordering::SeqCst) {
        std::thread::park_timeout(std::time::Duration::from_millis(100));
    }
}
