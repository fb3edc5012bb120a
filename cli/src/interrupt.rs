//! Ctrl-C and SIGTERM during `verify`: the scratch database is dropped before the
//! process exits, so an interrupted run leaves nothing behind.

/// The exit code of a run stopped by a signal, as shells report SIGINT.
pub const INTERRUPTED: i32 = 130;

/// Installs the handler: drop every scratch database this process holds, say so, and
/// exit with [`INTERRUPTED`].
pub fn drop_scratch_on_signal() {
    let installed = ctrlc::set_handler(|| {
        let dropped = updown::drop_scratch_databases();
        let what = match dropped {
            0 => "no scratch database was left".to_owned(),
            1 => "its scratch database was dropped".to_owned(),
            n => format!("{n} scratch databases were dropped"),
        };
        eprintln!("\ninterrupted: verify stopped; {what}; nothing was changed on the target");
        std::process::exit(INTERRUPTED);
    });
    // Another handler of the program's own stays in charge.
    let _ = installed;
}
