//! The terminal on Xous: stdout and stderr go to the console (the log service), which the runner
//! passes to the host's terminal, so both are terminals. The console has no window size to ask for
//! and no raw mode: the size is unknown (the crate's defaults apply) and keys cannot be read one at
//! a time; lines typed come through stdin, edited and echoed by the host's terminal.

use std::env;
use std::fmt::Display;
use std::io;

use crate::kb::Key;
use crate::term::{Term, TermTarget};

pub(crate) use crate::common_term::*;

pub(crate) const DEFAULT_WIDTH: u16 = 80;

#[inline]
pub(crate) fn is_a_terminal(out: &Term) -> bool {
    match out.target() {
        TermTarget::Stdout | TermTarget::Stderr => true,
    }
}

/// As for a Unix terminal: colors unless `NO_COLOR` is set, when `TERM` names a terminal other
/// than `dumb` (there is no terminal database to ask).
pub(crate) fn is_a_color_terminal(out: &Term) -> bool {
    if !is_a_terminal(out) || env::var_os("NO_COLOR").is_some() {
        return false;
    }
    matches!(env::var("TERM"), Ok(term) if term != "dumb")
}

pub(crate) fn is_a_true_color_terminal(out: &Term) -> bool {
    is_a_color_terminal(out)
        && matches!(env::var("COLORTERM").as_deref(), Ok("truecolor") | Ok("24bit"))
}

/// The console does not know the size of the host's window.
#[inline]
pub(crate) fn terminal_size(_out: &Term) -> Option<(u16, u16)> {
    None
}

fn no_raw_mode() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "the Xous console has no raw mode: keys cannot be read one at a time",
    )
}

pub(crate) fn read_secure() -> io::Result<String> {
    Err(no_raw_mode())
}

pub(crate) fn read_single_key(_ctrlc_key: bool) -> io::Result<Key> {
    Err(no_raw_mode())
}

/// As on Linux: emoji when `LANG` says UTF-8.
pub(crate) fn wants_emoji() -> bool {
    matches!(env::var("LANG"), Ok(lang) if lang.to_uppercase().ends_with("UTF-8"))
}

pub(crate) fn set_title<T: Display>(title: T) {
    print!("\x1b]0;{title}\x07");
}
