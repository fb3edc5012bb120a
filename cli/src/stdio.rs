//! Printing that never panics: a reader that goes away (`status | head`, `history |
//! true`) ends what is printed, not the command, whose exit code stays its own.

use std::io::Write;

/// `println!` that ignores a closed or failing stdout.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::stdio::write_line(&mut ::std::io::stdout().lock(), ::std::format_args!($($arg)*))
    };
}

/// `eprintln!` that ignores a closed or failing stderr.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::stdio::write_line(&mut ::std::io::stderr().lock(), ::std::format_args!($($arg)*))
    };
}

pub(crate) use {errln, outln};

/// Writes one line; an error (the reader closed the pipe, the disk is full) is dropped,
/// since there is nowhere left to report it.
pub(crate) fn write_line(to: &mut dyn Write, line: std::fmt::Arguments<'_>) {
    let _ = writeln!(to, "{line}").and_then(|()| to.flush());
}

/// Writes `bytes` as they are, dropping an error as [`write_line`] does.
pub(crate) fn write_out(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(bytes).and_then(|()| out.flush());
}
