//! Functionality that is only available on Xous.

use std::io;
use std::net::{TcpListener, TcpStream, UdpSocket};

/// A socket that can be put in non-blocking mode, which [`Async::new`] does.
///
/// On Xous a socket's blocking mode belongs to the object that holds it, not
/// to the socket's number, so `Async::new` needs the object to set it: std's
/// `TcpListener`, `TcpStream` and `UdpSocket` are `Nonblocking`, and a type of
/// your own that wraps one can forward to it. [`Async::new_nonblocking`]
/// takes any `AsRawSocket` already in non-blocking mode.
///
/// [`Async::new`]: crate::Async::new
/// [`Async::new_nonblocking`]: crate::Async::new_nonblocking
pub trait Nonblocking {
    /// Puts the socket in non-blocking mode (or takes it out).
    fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()>;
}

impl Nonblocking for TcpListener {
    fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        TcpListener::set_nonblocking(self, nonblocking)
    }
}

impl Nonblocking for TcpStream {
    fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        TcpStream::set_nonblocking(self, nonblocking)
    }
}

impl Nonblocking for UdpSocket {
    fn set_nonblocking(&self, nonblocking: bool) -> io::Result<()> {
        UdpSocket::set_nonblocking(self, nonblocking)
    }
}
