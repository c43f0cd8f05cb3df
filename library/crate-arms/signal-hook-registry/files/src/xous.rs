//! Xous has no POSIX signals: no process is ever interrupted to run a handler, and nothing sends
//! one. The registry still keeps the actions (so `unregister` answers as elsewhere), but no handler
//! is installed and none of them will run.

use std::io::Error;

use libc::c_int;

use super::{Prev, Slot};
use vec_map::VecMap;

/// What a signal would tell about itself. No signal is delivered on Xous, so no value of this type
/// can exist: an action taking one is accepted and never called.
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug)]
pub enum siginfo_t {}

// The numbers of the forbidden signals, as on Linux (libc has no signal numbers for Xous). Nothing
// sends them; they keep `FORBIDDEN` the same list as on other Unix-like targets.
pub const SIGILL: c_int = 4;
pub const SIGFPE: c_int = 8;
pub const SIGKILL: c_int = 9;
pub const SIGSEGV: c_int = 11;
pub const SIGSTOP: c_int = 19;

impl Slot {
    /// Nothing to install with the system: the slot only keeps the actions.
    pub(crate) fn new(signal: c_int) -> Result<Self, Error> {
        Ok(Slot {
            prev: Prev { signal },
            actions: VecMap::new(),
        })
    }
}

impl Prev {
    /// There is never a previous handler to chain to.
    pub(crate) fn detect(signal: c_int) -> Result<Self, Error> {
        Ok(Prev { signal })
    }
}
