//! Crash points for tests, compiled in by the `fault-injection` feature only: with
//! `UPDOWN_FAULT=POINT` (any migration) or `UPDOWN_FAULT=POINT:VERSION`, the process
//! aborts at that point, as a SIGKILL or a power cut would stop it, so that a test can
//! show what each seam of a run leaves in the database.
//!
//! The points: `before-body` (after a migration is marked running, outside a transaction),
//! `after-body` (its body ran, its tracking row is not written), `after-history` (its
//! tracking and history rows are written, not committed), `before-unlock` (the run is
//! done, the lock not released).

/// Aborts the process when `UPDOWN_FAULT` names this point (and this version, if it
/// names one).
#[cfg(feature = "fault-injection")]
pub(crate) fn point(name: &str, version: Option<i64>) {
    let Ok(wanted) = std::env::var("UPDOWN_FAULT") else {
        return;
    };
    let (point, at) = match wanted.split_once(':') {
        Some((point, at)) => (point, at.parse::<i64>().ok()),
        None => (wanted.as_str(), None),
    };
    if point == name && (at.is_none() || at == version) {
        std::process::abort();
    }
}

#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub(crate) fn point(_name: &str, _version: Option<i64>) {}

/// Whether a crash point is asked for: then every seam between a step's statements runs
/// on its own, so that the point can be reached.
#[cfg(feature = "fault-injection")]
pub(crate) fn armed() -> bool {
    std::env::var_os("UPDOWN_FAULT").is_some()
}

#[cfg(not(feature = "fault-injection"))]
#[inline(always)]
pub(crate) fn armed() -> bool {
    false
}
