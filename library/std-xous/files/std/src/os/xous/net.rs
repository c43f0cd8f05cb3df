//! std-xous: readiness of sockets for event loops (mio, and tokio on it).
//!
//! [`poll`] waits until one of many sockets is ready, a [`PollWaker`] is
//! woken from another thread, or a timeout passes; the network service
//! holds the request meanwhile (the calling thread sleeps, nothing spins).
//! Readiness is level-triggered: a socket is reported while its condition
//! holds. [`AsRawSocket`] gives the socket number a poll names, and
//! `set_nonblocking` on the std types makes their calls return
//! `WouldBlock` instead of waiting.
//!
//! The protocol is `sys::pal::abi::services::net_poll` (the abi crate).

use crate::sys::AsInner;
use crate::time::Duration;
use crate::{fmt, io, net};

/// The network service's number for a socket.
#[stable(feature = "rust1", since = "1.0.0")]
pub type RawSocket = u16;

/// The socket number of a `TcpStream`, `TcpListener` or `UdpSocket`, as
/// [`PollFd::new`] takes it. It stays valid while the socket is open.
#[stable(feature = "rust1", since = "1.0.0")]
pub trait AsRawSocket {
    /// The socket's number.
    #[stable(feature = "rust1", since = "1.0.0")]
    fn as_raw_socket(&self) -> RawSocket;
}

#[stable(feature = "rust1", since = "1.0.0")]
impl<T: AsRawSocket + ?Sized> AsRawSocket for &T {
    fn as_raw_socket(&self) -> RawSocket {
        T::as_raw_socket(self)
    }
}

#[stable(feature = "rust1", since = "1.0.0")]
impl<T: AsRawSocket + ?Sized> AsRawSocket for &mut T {
    fn as_raw_socket(&self) -> RawSocket {
        T::as_raw_socket(self)
    }
}

#[stable(feature = "rust1", since = "1.0.0")]
impl<T: AsRawSocket + ?Sized> AsRawSocket for crate::boxed::Box<T> {
    fn as_raw_socket(&self) -> RawSocket {
        T::as_raw_socket(self)
    }
}

#[stable(feature = "rust1", since = "1.0.0")]
impl<T: AsRawSocket + ?Sized> AsRawSocket for crate::rc::Rc<T> {
    fn as_raw_socket(&self) -> RawSocket {
        T::as_raw_socket(self)
    }
}

#[stable(feature = "rust1", since = "1.0.0")]
impl<T: AsRawSocket + ?Sized> AsRawSocket for crate::sync::Arc<T> {
    fn as_raw_socket(&self) -> RawSocket {
        T::as_raw_socket(self)
    }
}

#[stable(feature = "rust1", since = "1.0.0")]
impl AsRawSocket for net::TcpStream {
    fn as_raw_socket(&self) -> RawSocket {
        self.as_inner().socket_number()
    }
}

#[stable(feature = "rust1", since = "1.0.0")]
impl AsRawSocket for net::TcpListener {
    fn as_raw_socket(&self) -> RawSocket {
        self.as_inner().socket_number()
    }
}

#[stable(feature = "rust1", since = "1.0.0")]
impl AsRawSocket for net::UdpSocket {
    fn as_raw_socket(&self) -> RawSocket {
        self.as_inner().socket_number()
    }
}

/// A `TcpStream` standing for a socket that a crate keeps itself and has
/// not yet connected, named by the crate's own `key`. The network service
/// makes a stream only when it connects, so a socket library that lets
/// options be set before `connect` (socket2 on Xous) keeps such sockets in
/// the process; this lets one pass through std's type on its way to another
/// layer (socket2 → std → tokio, as hyper-util's HTTP connector does) and be
/// found again with [`stands_for`]. It has no socket of the service: reads,
/// writes, addresses, `shutdown` and socket options are `NotConnected`,
/// its socket number is 0, and dropping it closes nothing (the crate's
/// own record of the socket is the crate's to drop).
#[stable(feature = "rust1", since = "1.0.0")]
pub fn stand_in_stream(key: u32) -> net::TcpStream {
    crate::sys::FromInner::from_inner(crate::sys::net::TcpStream::stand_in(key))
}

/// The key a stream made by [`stand_in_stream`] stands for; `None` for a
/// stream of the network service.
#[stable(feature = "rust1", since = "1.0.0")]
pub fn stands_for(stream: &net::TcpStream) -> Option<u32> {
    stream.as_inner().stands_for()
}

/// What a [`PollFd`] waits for: readable, writable, both, or (empty)
/// errors only.
#[stable(feature = "rust1", since = "1.0.0")]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Interest(u16);

impl Interest {
    /// Errors only.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub const NONE: Interest = Interest(0);
    /// Data to read (or the end of a stream), a connection to accept, a datagram.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub const READABLE: Interest = Interest(crate::sys::net::poll::READABLE);
    /// Room to write.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub const WRITABLE: Interest = Interest(crate::sys::net::poll::WRITABLE);
    /// Both.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub const BOTH: Interest = Interest(crate::sys::net::poll::READABLE | crate::sys::net::poll::WRITABLE);

    /// Whether it includes readable.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn is_readable(self) -> bool {
        self.0 & Self::READABLE.0 != 0
    }

    /// Whether it includes writable.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn is_writable(self) -> bool {
        self.0 & Self::WRITABLE.0 != 0
    }
}

/// The events [`poll`] found for one socket.
#[stable(feature = "rust1", since = "1.0.0")]
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Events(u16);

impl Events {
    /// Nothing happened.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// A read (accept, receive) would not wait.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn is_readable(self) -> bool {
        self.0 & crate::sys::net::poll::READABLE != 0
    }
    /// A write (send) would not wait.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn is_writable(self) -> bool {
        self.0 & crate::sys::net::poll::WRITABLE != 0
    }
    /// The peer sends nothing more (hang-up of the reading side).
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn is_read_closed(self) -> bool {
        self.0 & crate::sys::net::poll::READ_CLOSED != 0
    }
    /// Nothing more can be written.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn is_write_closed(self) -> bool {
        self.0 & crate::sys::net::poll::WRITE_CLOSED != 0
    }
    /// The connection was reset.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn is_error(self) -> bool {
        self.0 & crate::sys::net::poll::ERROR != 0
    }
    /// The socket is not this process's: closed before the poll or while
    /// it waited, or never open (poll(2)'s POLLNVAL).
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn is_invalid(self) -> bool {
        self.0 & crate::sys::net::poll::INVALID != 0
    }
}

#[stable(feature = "rust1", since = "1.0.0")]
impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (self.is_readable(), "READABLE"),
            (self.is_writable(), "WRITABLE"),
            (self.is_read_closed(), "READ_CLOSED"),
            (self.is_write_closed(), "WRITE_CLOSED"),
            (self.is_error(), "ERROR"),
            (self.is_invalid(), "INVALID"),
        ];
        let mut list = f.debug_set();
        for (_, name) in names.iter().filter(|(on, _)| *on) {
            list.entry(&format_args!("{name}"));
        }
        list.finish()
    }
}

/// One socket of a [`poll`]: its number, what it waits for, and (after
/// the poll) what was found.
#[stable(feature = "rust1", since = "1.0.0")]
#[derive(Clone, Copy, Debug)]
pub struct PollFd {
    socket: RawSocket,
    interest: Interest,
    events: Events,
}

impl PollFd {
    /// Waits for `interest` on socket `socket`.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn new(socket: RawSocket, interest: Interest) -> PollFd {
        PollFd { socket, interest, events: Events(0) }
    }
    /// The socket number.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn socket(&self) -> RawSocket {
        self.socket
    }
    /// What it waits for.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn interest(&self) -> Interest {
        self.interest
    }
    /// What the last poll found (empty before one).
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn events(&self) -> Events {
        self.events
    }
}

/// What a [`poll`] ended with.
#[stable(feature = "rust1", since = "1.0.0")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Polled {
    ready: usize,
    woken: bool,
}

impl Polled {
    /// How many of the entries have events.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn ready(&self) -> usize {
        self.ready
    }
    /// Whether the poll's waker was woken (before or during the poll).
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn woken(&self) -> bool {
        self.woken
    }
}

/// Ends a [`poll`] that was given it, from any thread; a wake with no
/// poll waiting ends the next one at once (remembered once, not counted).
#[stable(feature = "rust1", since = "1.0.0")]
#[derive(Debug)]
pub struct PollWaker {
    key: u32,
}

impl PollWaker {
    /// A waker of this process's own, distinct from every other.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn new() -> io::Result<PollWaker> {
        Ok(PollWaker { key: crate::sys::net::poll::new_key()? })
    }

    /// Ends the poll waiting with this waker, or the next one.
    #[stable(feature = "rust1", since = "1.0.0")]
    pub fn wake(&self) -> io::Result<()> {
        crate::sys::net::poll::wake(self.key)
    }
}

#[stable(feature = "rust1", since = "1.0.0")]
impl Drop for PollWaker {
    fn drop(&mut self) {
        crate::sys::net::poll::forget(self.key);
    }
}

/// Waits until one of `fds` is ready, `waker` is woken, or `timeout`
/// passes (`None`: for good; zero: not at all), and records each entry's
/// events. An entry whose socket is not this process's (closed before or
/// while the poll waits) reports `is_invalid`, which ends the wait, as a
/// closed descriptor does in poll(2). At most 1024 entries.
#[stable(feature = "rust1", since = "1.0.0")]
pub fn poll(fds: &mut [PollFd], waker: Option<&PollWaker>, timeout: Option<Duration>) -> io::Result<Polled> {
    let mut raw: crate::vec::Vec<(u16, u16, u16)> = fds.iter().map(|f| (f.socket, f.interest.0, 0)).collect();
    let (ready, woken) = crate::sys::net::poll::poll(&mut raw, waker.map_or(0, |w| w.key), timeout)?;
    for (fd, (_, _, events)) in fds.iter_mut().zip(raw) {
        fd.events = Events(events);
    }
    Ok(Polled { ready, woken })
}
