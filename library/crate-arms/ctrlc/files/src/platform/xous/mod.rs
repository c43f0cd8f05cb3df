//! Xous delivers no signals: there is no Ctrl-C or termination request a
//! process could be told about. A handler can be set, and it is never called.

use crate::error::Error as CtrlcError;
use std::fmt;

/// Never returned; `crate::error` names `EEXIST` on every platform but Windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error(());

impl Error {
    pub const EEXIST: Error = Error(());
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Xous delivers no signals")
    }
}

impl std::error::Error for Error {}

/// No signal numbers exist on Xous; this type only names `SignalType::Other`'s payload.
pub type Signal = i32;

/// Nothing to install: no signal will come.
pub unsafe fn init_os_handler(_overwrite: bool) -> Result<(), Error> {
    Ok(())
}

/// Waits for a Ctrl-C that never comes: the handler thread sleeps for good.
pub unsafe fn block_ctrl_c() -> Result<(), CtrlcError> {
    loop {
        std::thread::park();
    }
}
