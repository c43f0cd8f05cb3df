//! Ours: waiting on many sockets of the network service at once, the
//! readiness that event loops (mio, and tokio on it) are built on. std-xous
//! offers it as `std::os::xous::net::{poll, PollWaker}`.
//!
//! POLL is a MutableBorrow of one or more pages sent to the network
//! service (`super::net`): a header, then `count` entries of `ENTRY` bytes,
//! each a socket number (any kind: stream, listener, UDP; the caller's
//! own) and the events it waits for. The service answers at once if an
//! entry is ready, the waker key has a wake pending, or the timeout is 0;
//! otherwise it holds the request (serving everyone else meanwhile) until
//! one of those happens or the timeout passes (the service's own timer).
//! The answer is written in place: the status, how many entries are
//! ready, whether a wake ended the wait, and each entry's events.
//!
//! Readiness is level-triggered: an entry is ready while its condition
//! holds (data to read, room to write, a connection to accept, the peer's
//! end). Edge-triggered users (mio) keep their own record of what they
//! have reported.
//!
//! WAKE is a BlockingScalar: (key, `WAKE_SET` or `WAKE_FORGET`). A set
//! ends a POLL of the same process waiting with that key, or, if none is
//! waiting, the next one that comes (a wake is remembered once, not
//! counted). Keys are the caller's choice, per process; nonzero.

/// MutableBorrow: the request below. Socket bits of the message id unused.
pub const POLL: usize = 0x7e00;
/// BlockingScalar (key, what) -> Scalar1(0, or an error code of `net::error`).
pub const WAKE: usize = 0x7e01;
pub const WAKE_SET: usize = 0;
/// Drops a remembered wake of the key (a waker going away).
pub const WAKE_FORGET: usize = 1;

/// Request header: entry count (u32), waker key (u32; 0 = none), timeout
/// in ms (u64; `NO_TIMEOUT` = wait for good, 0 = do not wait).
pub const COUNT_AT: usize = 0;
pub const KEY_AT: usize = 4;
pub const TIMEOUT_AT: usize = 8;
pub const NO_TIMEOUT: u64 = u64::MAX;
pub const HEADER: usize = 16;

/// Reply header: status (u8: 0 = answered, 1 = error, code at `ERROR_AT`
/// as in `net::error`), number of ready entries (u32), 1 if a wake ended
/// the wait (u8).
pub const STATUS_AT: usize = 0;
pub const ERROR_AT: usize = 1;
pub const READY_AT: usize = 4;
pub const WOKEN_AT: usize = 8;

/// An entry: socket number (u16), interest (u16: `READABLE | WRITABLE`, or
/// 0 for errors only), events (u16, written by the service), 2 unused.
pub const ENTRY: usize = 8;
pub const SOCKET_AT: usize = 0;
pub const INTEREST_AT: usize = 2;
pub const EVENTS_AT: usize = 4;
/// At most this many entries in one request (the service's socket table
/// holds fewer sockets than this).
pub const MAX_ENTRIES: usize = 1024;
/// Wakes remembered per process; a wake of a new key beyond them is
/// refused with `net::error::LIBRARY_ERROR`.
pub const MAX_PENDING_WAKES: usize = 64;

/// Events (and interest: only `READABLE` and `WRITABLE` may be asked for;
/// `READ_CLOSED`, `WRITE_CLOSED` come with the interest of their side,
/// `ERROR` and `INVALID` always).
pub mod event {
    /// Stream: bytes to read, or the end of the stream; listener: a
    /// connection to accept; UDP: a datagram.
    pub const READABLE: u16 = 1;
    /// Stream: room to write, or writes closed; UDP: room for a datagram.
    pub const WRITABLE: u16 = 2;
    /// Stream: the peer will send nothing more (its FIN, a reset, or our
    /// own `shutdown(Read)`).
    pub const READ_CLOSED: u16 = 4;
    /// Stream: nothing more can be written (our shutdown, the connection
    /// gone).
    pub const WRITE_CLOSED: u16 = 8;
    /// Stream: the connection was reset.
    pub const ERROR: u16 = 16;
    /// The socket number is not the caller's: closed before the poll or
    /// while it waited, or never open (poll(2)'s POLLNVAL). Such an entry
    /// is ready at once.
    pub const INVALID: u16 = 32;
    /// What a request may ask for.
    pub const INTEREST: u16 = READABLE | WRITABLE;
}
