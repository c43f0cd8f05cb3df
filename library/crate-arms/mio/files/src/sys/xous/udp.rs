use std::io;
use std::net::{self, SocketAddr};

pub(crate) fn bind(addr: SocketAddr) -> io::Result<net::UdpSocket> {
    let socket = net::UdpSocket::bind(addr)?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

/// The service's IPv6 sockets reach IPv6 addresses only.
pub(crate) fn only_v6(socket: &net::UdpSocket) -> io::Result<bool> {
    Ok(socket.local_addr()?.is_ipv6())
}
