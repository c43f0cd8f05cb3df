//! Sockets come from std, made nonblocking: the network service has no
//! socket that is neither listening nor connected, so `connect` waits for
//! the connection (on loopback, one round trip through the service).

use std::io;
use std::net::{self, SocketAddr};

pub(crate) fn connect(addr: SocketAddr) -> io::Result<net::TcpStream> {
    let stream = net::TcpStream::connect(addr)?;
    stream.set_nonblocking(true)?;
    Ok(stream)
}

pub(crate) fn bind(addr: SocketAddr) -> io::Result<net::TcpListener> {
    let listener = net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

pub(crate) fn accept(listener: &net::TcpListener) -> io::Result<(net::TcpStream, SocketAddr)> {
    let (stream, addr) = listener.accept()?;
    stream.set_nonblocking(true)?;
    Ok((stream, addr))
}
