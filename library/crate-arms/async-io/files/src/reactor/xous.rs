// The reactor's registration of a socket on Xous: the socket's number in the
// network service, which polling's Xous backend waits on.

use polling::{Event, Poller};

use std::fmt;
use std::io::Result;
use std::os::xous::net::{AsRawSocket, RawSocket};

/// The raw registration into the reactor.
#[doc(hidden)]
pub struct Registration {
    /// The socket's number.
    ///
    /// # Invariant
    ///
    /// This names a socket that has not been closed. It will not be closed
    /// while this object is alive.
    raw: RawSocket,
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.raw, f)
    }
}

/// A socket's number as a source for polling.
struct Socket(RawSocket);

impl AsRawSocket for Socket {
    fn as_raw_socket(&self) -> RawSocket {
        self.0
    }
}

impl Registration {
    /// Add this socket into the reactor.
    ///
    /// # Safety
    ///
    /// The socket must stay open while this object is alive.
    pub(crate) unsafe fn new(raw: RawSocket) -> Self {
        Self { raw }
    }

    /// Registers the object into the reactor.
    #[inline]
    pub(crate) fn add(&self, poller: &Poller, token: usize) -> Result<()> {
        // SAFETY: This object's existence validates the invariants of Poller::add
        unsafe { poller.add(self.raw, Event::none(token)) }
    }

    /// Re-registers the object into the reactor.
    #[inline]
    pub(crate) fn modify(&self, poller: &Poller, interest: Event) -> Result<()> {
        poller.modify(Socket(self.raw), interest)
    }

    /// Deregisters the object from the reactor.
    #[inline]
    pub(crate) fn delete(&self, poller: &Poller) -> Result<()> {
        poller.delete(Socket(self.raw))
    }
}
