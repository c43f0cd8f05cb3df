//! Xous: sockets of the network service, through the standard library.
//!
//! The network service only knows sockets that are listening, connected, or
//! (UDP) bound; it has nothing for `socket(2)` to return. So a socket here
//! is an entry of a table in this process: a new one keeps its domain, type
//! and options until `bind`, `listen` or `connect` makes the real socket (a
//! std `TcpListener`, `TcpStream` or `UdpSocket`), which then takes the
//! options kept so far. A `RawSocket` is the entry's key (from 0x10000 up,
//! above the service's own socket numbers). A `SockRef` made from anything
//! with `std::os::xous::net::AsRawSocket` finds the entry that holds that
//! service socket; a socket this crate does not hold has no options to
//! reach (`Unsupported`).
//!
//! `connect` waits until the connection is made or refused, whatever the
//! nonblocking mode (the service has no connection in progress to hand
//! back). Options the service does not have (`SO_LINGER`, keepalive, buffer
//! sizes, multicast, broadcast, TOS, ...) and messages with flags other
//! than `MSG_PEEK` are `Unsupported`.

use std::collections::BTreeMap;
use std::io::{self, IoSlice, Read, Write};
use std::mem::{self, size_of, MaybeUninit};
use std::net::{self, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr};
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use std::{fmt, slice};

use crate::{Domain, MsgHdr, MsgHdrMut, Protocol, RecvFlags, SockAddr, TcpKeepalive, Type};

pub(crate) use std::ffi::c_int;

// The numbers are Linux's, so that a `Domain`, `Type`, ... prints the same.
pub(crate) const AF_UNIX: c_int = 1;
pub(crate) const AF_INET: c_int = 2;
pub(crate) const AF_INET6: c_int = 10;
pub(crate) const SOCK_STREAM: c_int = 1;
pub(crate) const SOCK_DGRAM: c_int = 2;
pub(crate) const SOCK_RAW: c_int = 3;
pub(crate) const SOCK_SEQPACKET: c_int = 5;
pub(crate) const IPPROTO_ICMP: c_int = 1;
pub(crate) const IPPROTO_TCP: c_int = 6;
pub(crate) const IPPROTO_UDP: c_int = 17;
pub(crate) const IPPROTO_ICMPV6: c_int = 58;
pub(crate) const IPPROTO_IP: c_int = 0;
pub(crate) const IPPROTO_IPV6: c_int = 41;
pub(crate) const SOL_SOCKET: c_int = 1;
pub(crate) const SO_REUSEADDR: c_int = 2;
pub(crate) const SO_TYPE: c_int = 3;
pub(crate) const SO_ERROR: c_int = 4;
pub(crate) const SO_BROADCAST: c_int = 6;
pub(crate) const SO_SNDBUF: c_int = 7;
pub(crate) const SO_RCVBUF: c_int = 8;
pub(crate) const SO_KEEPALIVE: c_int = 9;
pub(crate) const SO_OOBINLINE: c_int = 10;
pub(crate) const SO_LINGER: c_int = 13;
pub(crate) const SO_RCVTIMEO: c_int = 20;
pub(crate) const SO_SNDTIMEO: c_int = 21;
pub(crate) const TCP_NODELAY: c_int = 1;
pub(crate) const IP_TOS: c_int = 1;
pub(crate) const IP_TTL: c_int = 2;
pub(crate) const IP_HDRINCL: c_int = 3;
pub(crate) const IP_RECVTOS: c_int = 13;
pub(crate) const IP_MULTICAST_IF: c_int = 32;
pub(crate) const IP_MULTICAST_TTL: c_int = 33;
pub(crate) const IP_MULTICAST_LOOP: c_int = 34;
pub(crate) const IP_ADD_MEMBERSHIP: c_int = 35;
pub(crate) const IP_DROP_MEMBERSHIP: c_int = 36;
pub(crate) const IP_ADD_SOURCE_MEMBERSHIP: c_int = 39;
pub(crate) const IP_DROP_SOURCE_MEMBERSHIP: c_int = 40;
pub(crate) const IPV6_UNICAST_HOPS: c_int = 16;
pub(crate) const IPV6_MULTICAST_IF: c_int = 17;
pub(crate) const IPV6_MULTICAST_HOPS: c_int = 18;
pub(crate) const IPV6_MULTICAST_LOOP: c_int = 19;
pub(crate) const IPV6_ADD_MEMBERSHIP: c_int = 20;
pub(crate) const IPV6_DROP_MEMBERSHIP: c_int = 21;
pub(crate) const IPV6_V6ONLY: c_int = 26;
pub(crate) const IPV6_RECVTCLASS: c_int = 66;
pub(crate) const IPV6_RECVHOPLIMIT: c_int = 51;
pub(crate) const MSG_OOB: c_int = 1;
pub(crate) const MSG_PEEK: c_int = 2;
pub(crate) const MSG_TRUNC: c_int = 0x20;

pub(crate) type Bool = c_int;
#[allow(non_camel_case_types)]
pub(crate) type sa_family_t = u16;
#[allow(non_camel_case_types)]
pub(crate) type socklen_t = u32;

// Address layouts as Linux's; `SockAddr` keeps every address in a
// `sockaddr_storage`.
#[allow(non_camel_case_types)]
#[derive(Copy, Clone)]
#[repr(C)]
pub(crate) struct in_addr {
    pub(crate) s_addr: u32,
}

#[allow(non_camel_case_types)]
#[derive(Copy, Clone)]
#[repr(C)]
pub(crate) struct in6_addr {
    pub(crate) s6_addr: [u8; 16],
}

#[allow(non_camel_case_types)]
#[derive(Copy, Clone)]
#[repr(C)]
pub(crate) struct sockaddr_in {
    pub(crate) sin_family: sa_family_t,
    pub(crate) sin_port: u16,
    pub(crate) sin_addr: in_addr,
    pub(crate) sin_zero: [u8; 8],
}

#[allow(non_camel_case_types)]
#[derive(Copy, Clone)]
#[repr(C)]
pub(crate) struct sockaddr_in6 {
    pub(crate) sin6_family: sa_family_t,
    pub(crate) sin6_port: u16,
    pub(crate) sin6_flowinfo: u32,
    pub(crate) sin6_addr: in6_addr,
    pub(crate) sin6_scope_id: u32,
}

#[allow(non_camel_case_types)]
#[derive(Copy, Clone)]
#[repr(C, align(8))]
pub(crate) struct sockaddr_storage {
    pub(crate) ss_family: sa_family_t,
    _data: [u8; 126],
}

#[allow(non_camel_case_types)]
#[derive(Copy, Clone)]
#[repr(C)]
pub(crate) struct linger {
    pub(crate) l_onoff: c_int,
    pub(crate) l_linger: c_int,
}

#[derive(Copy, Clone)]
#[repr(C)]
pub(crate) struct IpMreq {
    pub(crate) imr_multiaddr: in_addr,
    pub(crate) imr_interface: in_addr,
}

#[derive(Copy, Clone)]
#[repr(C)]
pub(crate) struct IpMreqSource {
    pub(crate) imr_multiaddr: in_addr,
    pub(crate) imr_interface: in_addr,
    pub(crate) imr_sourceaddr: in_addr,
}

#[derive(Copy, Clone)]
#[repr(C)]
pub(crate) struct Ipv6Mreq {
    pub(crate) ipv6mr_multiaddr: in6_addr,
    pub(crate) ipv6mr_interface: u32,
}

#[derive(Copy, Clone)]
#[repr(C)]
pub(crate) struct IpMreqn {
    imr_multiaddr: in_addr,
    imr_address: in_addr,
    imr_ifindex: c_int,
}

/// Multicast is `Unsupported` (`setsockopt`); the request is still made.
pub(crate) fn to_mreqn(multiaddr: &Ipv4Addr, interface: &crate::socket::InterfaceIndexOrAddress) -> IpMreqn {
    let (address, index) = match interface {
        crate::socket::InterfaceIndexOrAddress::Index(index) => (Ipv4Addr::UNSPECIFIED, *index as c_int),
        crate::socket::InterfaceIndexOrAddress::Address(address) => (*address, 0),
    };
    IpMreqn { imr_multiaddr: to_in_addr(multiaddr), imr_address: to_in_addr(&address), imr_ifindex: index }
}

pub(crate) fn to_in_addr(addr: &Ipv4Addr) -> in_addr {
    in_addr { s_addr: u32::from_ne_bytes(addr.octets()) }
}

pub(crate) fn from_in_addr(in_addr: in_addr) -> Ipv4Addr {
    Ipv4Addr::from(in_addr.s_addr.to_ne_bytes())
}

pub(crate) fn to_in6_addr(addr: &Ipv6Addr) -> in6_addr {
    in6_addr { s6_addr: addr.octets() }
}

pub(crate) fn from_in6_addr(addr: in6_addr) -> Ipv6Addr {
    Ipv6Addr::from(addr.s6_addr)
}

pub(crate) fn unix_sockaddr(_: &Path) -> io::Result<SockAddr> {
    Err(unsupported("Unix domain sockets"))
}

impl_debug!(Domain, self::AF_INET, self::AF_INET6, self::AF_UNIX);
impl_debug!(
    Type,
    self::SOCK_STREAM,
    self::SOCK_DGRAM,
    self::SOCK_RAW,
    self::SOCK_SEQPACKET
);
impl_debug!(
    Protocol,
    self::IPPROTO_ICMP,
    self::IPPROTO_ICMPV6,
    self::IPPROTO_TCP,
    self::IPPROTO_UDP
);

impl RecvFlags {
    /// Whether the end of a record was received (always true: streams and
    /// datagrams have no records of their own here).
    pub const fn is_end_of_record(self) -> bool {
        true
    }

    /// Whether out-of-band data was received (never on Xous).
    pub const fn is_out_of_band(self) -> bool {
        false
    }
}

impl fmt::Debug for RecvFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFlags")
            .field("is_truncated", &self.is_truncated())
            .finish()
    }
}

/// A buffer of `recv_vectored` (the layout of `IoSliceMut` is not needed:
/// buffers are filled one by one).
#[repr(transparent)]
pub struct MaybeUninitSlice<'a>(&'a mut [MaybeUninit<u8>]);

impl<'a> MaybeUninitSlice<'a> {
    pub(crate) fn new(buf: &'a mut [MaybeUninit<u8>]) -> MaybeUninitSlice<'a> {
        MaybeUninitSlice(buf)
    }

    pub(crate) fn as_slice(&self) -> &[MaybeUninit<u8>] {
        self.0
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [MaybeUninit<u8>] {
        self.0
    }
}

/// What a `MsgHdr` was given; `sendmsg` and `recvmsg` are `Unsupported`.
#[allow(non_camel_case_types)]
#[repr(C)]
pub(crate) struct msghdr {
    name: *const SockAddr,
    iov: *mut u8,
    iov_len: usize,
    control: *mut u8,
    control_len: usize,
    flags: c_int,
}

pub(crate) fn set_msghdr_name(msg: &mut msghdr, name: &SockAddr) {
    msg.name = name;
}

pub(crate) fn set_msghdr_iov(msg: &mut msghdr, ptr: *mut u8, len: usize) {
    msg.iov = ptr;
    msg.iov_len = len;
}

pub(crate) fn set_msghdr_control(msg: &mut msghdr, ptr: *mut u8, len: usize) {
    msg.control = ptr;
    msg.control_len = len;
}

pub(crate) fn set_msghdr_flags(msg: &mut msghdr, flags: c_int) {
    msg.flags = flags;
}

pub(crate) fn msghdr_flags(msg: &msghdr) -> RecvFlags {
    RecvFlags(msg.flags)
}

pub(crate) fn msghdr_control_len(msg: &msghdr) -> usize {
    msg.control_len
}

pub(crate) fn sendmsg(_: RawSocket, _: &MsgHdr<'_, '_, '_>, _: c_int) -> io::Result<usize> {
    Err(unsupported("sendmsg"))
}

pub(crate) fn recvmsg(_: RawSocket, _: &mut MsgHdrMut<'_, '_, '_>, _: c_int) -> io::Result<usize> {
    Err(unsupported("recvmsg"))
}

fn unsupported(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!("{what} is not supported by the Xous network service"),
    )
}

fn invalid(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what)
}

/// What a socket is: a new one with its address (set by `bind` but not yet
/// used), or the std socket that `bind`, `listen` or `connect` made.
enum State {
    New { bound: Option<SocketAddr> },
    Listener(Arc<net::TcpListener>),
    Stream(Arc<net::TcpStream>),
    Udp(Arc<net::UdpSocket>),
}

/// Options kept in the process, given to the std socket when it is made.
#[derive(Default)]
struct Options {
    nonblocking: bool,
    reuse_address: bool,
    nodelay: Option<bool>,
    ttl: Option<u32>,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

struct Entry {
    domain: c_int,
    ty: c_int,
    state: State,
    options: Options,
    /// Bound to port 0 and not yet told to listen: a `connect` may still
    /// drop the listener the bind made (any port will do).
    any_port: bool,
}

type Shared = Arc<Mutex<Entry>>;

/// Every socket this crate holds, by its key; clones share an entry.
static SOCKETS: Mutex<BTreeMap<RawSocket, Shared>> = Mutex::new(BTreeMap::new());
/// Keys start above the service's socket numbers (u16).
static NEXT_KEY: AtomicI32 = AtomicI32::new(0x1_0000);

fn table() -> MutexGuard<'static, BTreeMap<RawSocket, Shared>> {
    SOCKETS.lock().unwrap_or_else(|e| e.into_inner())
}

fn insert(entry: Shared) -> RawSocket {
    let key = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
    table().insert(key, entry);
    key
}

fn new_entry(domain: c_int, ty: c_int, state: State, options: Options) -> RawSocket {
    insert(Arc::new(Mutex::new(Entry { domain, ty, state, options, any_port: false })))
}

impl Entry {
    fn service_number(&self) -> Option<u16> {
        use std::os::xous::net::AsRawSocket;
        match &self.state {
            State::New { .. } => None,
            State::Listener(l) => Some(l.as_raw_socket()),
            State::Stream(s) => Some(s.as_raw_socket()),
            State::Udp(u) => Some(u.as_raw_socket()),
        }
    }
}

/// The entry of a key, or (for a `SockRef` of a std socket) of a service
/// socket number.
fn entry(fd: RawSocket) -> io::Result<Shared> {
    let table = table();
    if let Some(entry) = table.get(&fd) {
        return Ok(entry.clone());
    }
    if let Ok(number) = u16::try_from(fd) {
        for entry in table.values() {
            if lock(entry).service_number() == Some(number) {
                return Ok(entry.clone());
            }
        }
    }
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "socket2 on Xous reaches only the sockets it holds (made with Socket::new or from a std socket)",
    ))
}

fn lock(entry: &Shared) -> MutexGuard<'_, Entry> {
    entry.lock().unwrap_or_else(|e| e.into_inner())
}

/// The std socket of `fd`, taken out of its entry so that no lock is held
/// while it waits.
enum Real {
    Listener(Arc<net::TcpListener>),
    Stream(Arc<net::TcpStream>),
    Udp(Arc<net::UdpSocket>),
}

fn real(fd: RawSocket) -> io::Result<Real> {
    let entry = entry(fd)?;
    let entry = lock(&entry);
    match &entry.state {
        State::New { .. } => Err(io::Error::from(io::ErrorKind::NotConnected)),
        State::Listener(l) => Ok(Real::Listener(l.clone())),
        State::Stream(s) => Ok(Real::Stream(s.clone())),
        State::Udp(u) => Ok(Real::Udp(u.clone())),
    }
}

/// An owned socket: dropping it removes its key (the std socket closes
/// when no clone shares the entry).
pub(crate) struct Socket(RawSocket);

impl Drop for Socket {
    fn drop(&mut self) {
        let entry = table().remove(&self.0);
        drop(entry);
    }
}

pub(crate) type RawSocket = c_int;

pub(crate) unsafe fn socket_from_raw(socket: RawSocket) -> Socket {
    Socket(socket)
}

pub(crate) fn socket_as_raw(socket: &Socket) -> RawSocket {
    socket.0
}

pub(crate) fn socket_into_raw(socket: Socket) -> RawSocket {
    let raw = socket.0;
    mem::forget(socket);
    raw
}

pub(crate) fn socket(family: c_int, ty: c_int, protocol: c_int) -> io::Result<RawSocket> {
    if family != AF_INET && family != AF_INET6 {
        return Err(unsupported("a domain other than IPv4 and IPv6"));
    }
    match (ty, protocol) {
        (SOCK_STREAM, 0 | IPPROTO_TCP) | (SOCK_DGRAM, 0 | IPPROTO_UDP) => {}
        _ => return Err(unsupported("a socket type other than TCP streams and UDP datagrams")),
    }
    Ok(new_entry(family, ty, State::New { bound: None }, Options::default()))
}

pub(crate) fn socketpair(_: c_int, _: c_int, _: c_int) -> io::Result<[RawSocket; 2]> {
    Err(unsupported("socketpair"))
}

fn socket_addr(addr: &SockAddr, domain: c_int) -> io::Result<SocketAddr> {
    let addr = addr.as_socket().ok_or_else(|| invalid("not an IPv4 or IPv6 address"))?;
    if (domain == AF_INET) != addr.is_ipv4() {
        return Err(invalid("the address is not of the socket's domain"));
    }
    Ok(addr)
}

fn unspecified(domain: c_int) -> SocketAddr {
    if domain == AF_INET6 {
        SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0))
    } else {
        SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))
    }
}

/// The kept options, given to a std socket just made.
impl Options {
    fn apply_stream(&self, s: &net::TcpStream) -> io::Result<()> {
        s.set_nonblocking(self.nonblocking)?;
        if let Some(nodelay) = self.nodelay {
            s.set_nodelay(nodelay)?;
        }
        if let Some(ttl) = self.ttl {
            s.set_ttl(ttl)?;
        }
        s.set_read_timeout(self.read_timeout)?;
        s.set_write_timeout(self.write_timeout)
    }

    fn apply_listener(&self, l: &net::TcpListener) -> io::Result<()> {
        l.set_nonblocking(self.nonblocking)?;
        if let Some(ttl) = self.ttl {
            l.set_ttl(ttl)?;
        }
        Ok(())
    }

    fn apply_udp(&self, u: &net::UdpSocket) -> io::Result<()> {
        u.set_nonblocking(self.nonblocking)?;
        if let Some(ttl) = self.ttl {
            u.set_ttl(ttl)?;
        }
        u.set_read_timeout(self.read_timeout)?;
        u.set_write_timeout(self.write_timeout)
    }
}

fn listen_on(entry: &mut Entry, addr: SocketAddr) -> io::Result<()> {
    let listener = net::TcpListener::bind(addr)?;
    entry.options.apply_listener(&listener)?;
    entry.state = State::Listener(Arc::new(listener));
    Ok(())
}

fn bind_udp(entry: &mut Entry, addr: SocketAddr) -> io::Result<()> {
    let socket = net::UdpSocket::bind(addr)?;
    entry.options.apply_udp(&socket)?;
    entry.state = State::Udp(Arc::new(socket));
    Ok(())
}

/// A stream socket bound to a given address listens at once (the service
/// binds and listens in one step), so `local_addr` and a taken port are
/// known at `bind`; one bound to port 0 of an unspecified address keeps
/// that until `listen` or `connect`. A `connect` after a bind to port 0
/// drops the listener (the service gives the connection a port); after a
/// bind to a given port it is `Unsupported`.
pub(crate) fn bind(fd: RawSocket, addr: &SockAddr) -> io::Result<()> {
    let entry = entry(fd)?;
    let mut entry = lock(&entry);
    let addr = socket_addr(addr, entry.domain)?;
    match (&entry.state, entry.ty) {
        (State::New { bound: None }, SOCK_DGRAM) => bind_udp(&mut entry, addr),
        (State::New { bound: None }, _) if addr.ip().is_unspecified() && addr.port() == 0 => {
            entry.state = State::New { bound: Some(addr) };
            Ok(())
        }
        (State::New { bound: None }, _) => {
            listen_on(&mut entry, addr)?;
            entry.any_port = addr.port() == 0;
            Ok(())
        }
        _ => Err(invalid("the socket is already bound")),
    }
}

/// Waits until the connection is made or refused, whatever the nonblocking
/// mode: the service has no connection in progress to hand back.
pub(crate) fn connect(fd: RawSocket, addr: &SockAddr) -> io::Result<()> {
    let shared = entry(fd)?;
    let mut entry = lock(&shared);
    let addr = socket_addr(addr, entry.domain)?;
    if entry.any_port {
        // Bound to any port: the connection gets one from the service.
        entry.state = State::New { bound: None };
        entry.any_port = false;
    }
    match (&entry.state, entry.ty) {
        (State::New { bound: None }, SOCK_DGRAM) => {
            let domain = entry.domain;
            bind_udp(&mut entry, unspecified(domain))?;
            match &entry.state {
                State::Udp(u) => u.connect(addr),
                _ => unreachable!(),
            }
        }
        (State::Udp(u), _) => u.connect(addr),
        (State::New { .. }, _) => {
            // Not holding the lock while the connection is made.
            drop(entry);
            let stream = net::TcpStream::connect(addr)?;
            let mut entry = lock(&shared);
            if !matches!(entry.state, State::New { .. }) {
                return Err(invalid("the socket was connected or bound meanwhile"));
            }
            entry.options.apply_stream(&stream)?;
            entry.state = State::Stream(Arc::new(stream));
            Ok(())
        }
        (State::Listener(_), _) => Err(unsupported("connecting from a bound address")),
        (State::Stream(_), _) => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "the socket is already connected",
        )),
    }
}

pub(crate) fn poll_connect(socket: &crate::Socket, _: Duration) -> io::Result<()> {
    // `connect` has finished by the time it returns.
    match real(socket.as_raw())? {
        Real::Stream(_) => Ok(()),
        _ => Err(io::Error::from(io::ErrorKind::NotConnected)),
    }
}

pub(crate) fn listen(fd: RawSocket, _backlog: c_int) -> io::Result<()> {
    let entry = entry(fd)?;
    let mut entry = lock(&entry);
    match (&entry.state, entry.ty) {
        (_, SOCK_DGRAM) => Err(unsupported("listen on a datagram socket")),
        (State::New { bound }, _) => {
            let addr = bound.unwrap_or(unspecified(entry.domain));
            listen_on(&mut entry, addr)
        }
        (State::Listener(_), _) => {
            entry.any_port = false;
            Ok(())
        }
        _ => Err(invalid("the socket is connected")),
    }
}

pub(crate) fn accept(fd: RawSocket) -> io::Result<(RawSocket, SockAddr)> {
    let (listener, domain) = match (real(fd)?, lock(&entry(fd)?).domain) {
        (Real::Listener(l), domain) => (l, domain),
        _ => return Err(invalid("the socket is not listening")),
    };
    let (stream, addr) = listener.accept()?;
    // Like accept(2): the new socket waits, whatever the listener does.
    stream.set_nonblocking(false)?;
    let raw = new_entry(domain, SOCK_STREAM, State::Stream(Arc::new(stream)), Options::default());
    Ok((raw, SockAddr::from(addr)))
}

pub(crate) fn getsockname(fd: RawSocket) -> io::Result<SockAddr> {
    let entry = entry(fd)?;
    let entry = lock(&entry);
    let addr = match &entry.state {
        State::New { bound } => bound.unwrap_or(unspecified(entry.domain)),
        State::Listener(l) => l.local_addr()?,
        State::Stream(s) => s.local_addr()?,
        State::Udp(u) => u.local_addr()?,
    };
    Ok(SockAddr::from(addr))
}

pub(crate) fn getpeername(fd: RawSocket) -> io::Result<SockAddr> {
    match real(fd)? {
        Real::Stream(s) => s.peer_addr().map(SockAddr::from),
        Real::Udp(u) => u.peer_addr().map(SockAddr::from),
        Real::Listener(_) => Err(io::Error::from(io::ErrorKind::NotConnected)),
    }
}

pub(crate) fn try_clone(fd: RawSocket) -> io::Result<RawSocket> {
    Ok(insert(entry(fd)?))
}

pub(crate) fn nonblocking(fd: RawSocket) -> io::Result<bool> {
    Ok(lock(&entry(fd)?).options.nonblocking)
}

pub(crate) fn set_nonblocking(fd: RawSocket, nonblocking: bool) -> io::Result<()> {
    let entry = entry(fd)?;
    let mut entry = lock(&entry);
    entry.options.nonblocking = nonblocking;
    match &entry.state {
        State::New { .. } => Ok(()),
        State::Listener(l) => l.set_nonblocking(nonblocking),
        State::Stream(s) => s.set_nonblocking(nonblocking),
        State::Udp(u) => u.set_nonblocking(nonblocking),
    }
}

pub(crate) fn shutdown(fd: RawSocket, how: Shutdown) -> io::Result<()> {
    match real(fd)? {
        Real::Stream(s) => s.shutdown(how),
        _ => Err(io::Error::from(io::ErrorKind::NotConnected)),
    }
}

/// std reads into initialised bytes.
fn init(buf: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    buf.fill(MaybeUninit::new(0));
    // SAFETY: every byte was just written.
    unsafe { slice::from_raw_parts_mut(buf.as_mut_ptr().cast(), buf.len()) }
}

fn check_flags(flags: c_int, allowed: c_int) -> io::Result<()> {
    if flags & !allowed != 0 {
        return Err(unsupported("a message flag other than MSG_PEEK"));
    }
    Ok(())
}

pub(crate) fn recv(fd: RawSocket, buf: &mut [MaybeUninit<u8>], flags: c_int) -> io::Result<usize> {
    check_flags(flags, MSG_PEEK)?;
    let buf = init(buf);
    let peek = flags & MSG_PEEK != 0;
    match real(fd)? {
        Real::Stream(s) if peek => s.peek(buf),
        Real::Stream(s) => (&*s).read(buf),
        Real::Udp(u) if peek => u.peek(buf),
        Real::Udp(u) => u.recv(buf),
        Real::Listener(_) => Err(io::Error::from(io::ErrorKind::NotConnected)),
    }
}

pub(crate) fn recv_from(
    fd: RawSocket,
    buf: &mut [MaybeUninit<u8>],
    flags: c_int,
) -> io::Result<(usize, SockAddr)> {
    check_flags(flags, MSG_PEEK)?;
    let peek = flags & MSG_PEEK != 0;
    match real(fd)? {
        Real::Udp(u) => {
            let buf = init(buf);
            let (n, addr) = if peek { u.peek_from(buf)? } else { u.recv_from(buf)? };
            Ok((n, SockAddr::from(addr)))
        }
        Real::Stream(s) => {
            let n = recv(fd, buf, flags)?;
            Ok((n, SockAddr::from(s.peer_addr()?)))
        }
        Real::Listener(_) => Err(io::Error::from(io::ErrorKind::NotConnected)),
    }
}

pub(crate) fn peek_sender(fd: RawSocket) -> io::Result<SockAddr> {
    match real(fd)? {
        Real::Udp(u) => Ok(SockAddr::from(u.peek_from(&mut [])?.1)),
        Real::Stream(s) => s.peer_addr().map(SockAddr::from),
        Real::Listener(_) => Err(io::Error::from(io::ErrorKind::NotConnected)),
    }
}

/// Into the first buffer that has room (a read may always return less).
pub(crate) fn recv_vectored(
    fd: RawSocket,
    bufs: &mut [crate::MaybeUninitSlice<'_>],
    flags: c_int,
) -> io::Result<(usize, RecvFlags)> {
    match bufs.iter_mut().find(|b| !b.is_empty()) {
        Some(buf) => recv(fd, buf, flags).map(|n| (n, RecvFlags(0))),
        None => Ok((0, RecvFlags(0))),
    }
}

pub(crate) fn recv_from_vectored(
    fd: RawSocket,
    bufs: &mut [crate::MaybeUninitSlice<'_>],
    flags: c_int,
) -> io::Result<(usize, RecvFlags, SockAddr)> {
    match bufs.iter_mut().find(|b| !b.is_empty()) {
        Some(buf) => recv_from(fd, buf, flags).map(|(n, a)| (n, RecvFlags(0), a)),
        None => Err(invalid("no buffer to receive into")),
    }
}

pub(crate) fn send(fd: RawSocket, buf: &[u8], flags: c_int) -> io::Result<usize> {
    check_flags(flags, 0)?;
    match real(fd)? {
        Real::Stream(s) => (&*s).write(buf),
        Real::Udp(u) => u.send(buf),
        Real::Listener(_) => Err(io::Error::from(io::ErrorKind::NotConnected)),
    }
}

pub(crate) fn send_vectored(fd: RawSocket, bufs: &[IoSlice<'_>], flags: c_int) -> io::Result<usize> {
    check_flags(flags, 0)?;
    match real(fd)? {
        Real::Stream(s) => (&*s).write_vectored(bufs),
        Real::Udp(u) => u.send(&concat(bufs)),
        Real::Listener(_) => Err(io::Error::from(io::ErrorKind::NotConnected)),
    }
}

pub(crate) fn send_to(fd: RawSocket, buf: &[u8], addr: &SockAddr, flags: c_int) -> io::Result<usize> {
    check_flags(flags, 0)?;
    {
        // Like sendto(2) on a new datagram socket: bound to any port first.
        let entry = entry(fd)?;
        let mut entry = lock(&entry);
        if let (State::New { bound: None }, SOCK_DGRAM) = (&entry.state, entry.ty) {
            let domain = entry.domain;
            bind_udp(&mut entry, unspecified(domain))?;
        }
    }
    match real(fd)? {
        Real::Udp(u) => {
            let addr = addr.as_socket().ok_or_else(|| invalid("not an IPv4 or IPv6 address"))?;
            u.send_to(buf, addr)
        }
        Real::Stream(s) => (&*s).write(buf),
        Real::Listener(_) => Err(io::Error::from(io::ErrorKind::NotConnected)),
    }
}

pub(crate) fn send_to_vectored(
    fd: RawSocket,
    bufs: &[IoSlice<'_>],
    addr: &SockAddr,
    flags: c_int,
) -> io::Result<usize> {
    send_to(fd, &concat(bufs), addr, flags)
}

/// A datagram is sent whole, from one buffer.
fn concat(bufs: &[IoSlice<'_>]) -> Vec<u8> {
    bufs.iter().flat_map(|b| b.iter().copied()).collect()
}

pub(crate) fn timeout_opt(fd: RawSocket, opt: c_int, val: c_int) -> io::Result<Option<Duration>> {
    let entry = entry(fd)?;
    let entry = lock(&entry);
    match (opt, val) {
        (SOL_SOCKET, SO_RCVTIMEO) => Ok(entry.options.read_timeout),
        (SOL_SOCKET, SO_SNDTIMEO) => Ok(entry.options.write_timeout),
        _ => Err(unsupported("this option")),
    }
}

pub(crate) fn set_timeout_opt(
    fd: RawSocket,
    opt: c_int,
    val: c_int,
    duration: Option<Duration>,
) -> io::Result<()> {
    let entry = entry(fd)?;
    let mut entry = lock(&entry);
    let read = match (opt, val) {
        (SOL_SOCKET, SO_RCVTIMEO) => true,
        (SOL_SOCKET, SO_SNDTIMEO) => false,
        _ => return Err(unsupported("this option")),
    };
    match (&entry.state, read) {
        (State::Stream(s), true) => s.set_read_timeout(duration)?,
        (State::Stream(s), false) => s.set_write_timeout(duration)?,
        (State::Udp(u), true) => u.set_read_timeout(duration)?,
        (State::Udp(u), false) => u.set_write_timeout(duration)?,
        _ => {}
    }
    if read {
        entry.options.read_timeout = duration;
    } else {
        entry.options.write_timeout = duration;
    }
    Ok(())
}

pub(crate) fn tcp_keepalive_time(_: RawSocket) -> io::Result<Duration> {
    Err(unsupported("TCP keepalive"))
}

pub(crate) fn set_tcp_keepalive(_: RawSocket, _: &TcpKeepalive) -> io::Result<()> {
    Err(unsupported("TCP keepalive"))
}

/// The options the service has, as integers (`c_int`, which is what this
/// crate passes for every one of them); any other is `Unsupported`.
pub(crate) unsafe fn getsockopt<T>(fd: RawSocket, opt: c_int, val: c_int) -> io::Result<T> {
    if size_of::<T>() != size_of::<c_int>() {
        return Err(unsupported("this option"));
    }
    let entry = entry(fd)?;
    let entry = lock(&entry);
    let value: c_int = match (opt, val) {
        (SOL_SOCKET, SO_TYPE) => entry.ty,
        (SOL_SOCKET, SO_ERROR) => 0,
        (SOL_SOCKET, SO_REUSEADDR) => entry.options.reuse_address as c_int,
        (IPPROTO_TCP, TCP_NODELAY) => match &entry.state {
            State::Stream(s) => s.nodelay()? as c_int,
            _ => entry.options.nodelay.unwrap_or(false) as c_int,
        },
        (IPPROTO_IP, IP_TTL) => match &entry.state {
            State::Stream(s) => s.ttl()? as c_int,
            State::Listener(l) => l.ttl()? as c_int,
            State::Udp(u) => u.ttl()? as c_int,
            State::New { .. } => entry.options.ttl.unwrap_or(64) as c_int,
        },
        // The service's IPv6 sockets reach IPv6 addresses only.
        (IPPROTO_IPV6, IPV6_V6ONLY) => (entry.domain == AF_INET6) as c_int,
        _ => return Err(unsupported("this option")),
    };
    // SAFETY: `T` is the size of a `c_int`; this crate reads every integer
    // option as `c_int` or `u32`.
    Ok(unsafe { mem::transmute_copy(&value) })
}

pub(crate) unsafe fn setsockopt<T>(fd: RawSocket, opt: c_int, val: c_int, payload: T) -> io::Result<()> {
    if size_of::<T>() != size_of::<c_int>() {
        return Err(unsupported("this option"));
    }
    // SAFETY: as above.
    let value: c_int = unsafe { mem::transmute_copy(&payload) };
    let entry = entry(fd)?;
    let mut entry = lock(&entry);
    match (opt, val) {
        // Recorded; a port in use stays in use (the service decides).
        (SOL_SOCKET, SO_REUSEADDR) => entry.options.reuse_address = value != 0,
        (IPPROTO_TCP, TCP_NODELAY) => {
            if let State::Stream(s) = &entry.state {
                s.set_nodelay(value != 0)?;
            }
            entry.options.nodelay = Some(value != 0);
        }
        (IPPROTO_IP, IP_TTL) => {
            let ttl = u32::try_from(value).map_err(|_| invalid("a negative TTL"))?;
            match &entry.state {
                State::Stream(s) => s.set_ttl(ttl)?,
                State::Listener(l) => l.set_ttl(ttl)?,
                State::Udp(u) => u.set_ttl(ttl)?,
                State::New { .. } => {}
            }
            entry.options.ttl = Some(ttl);
        }
        (IPPROTO_IPV6, IPV6_V6ONLY) if value != 0 && entry.domain == AF_INET6 => {}
        _ => return Err(unsupported("this option")),
    }
    Ok(())
}

/// Conversions between `Socket` and std's sockets (`from!` in lib.rs). A
/// socket becomes a std one once it is what that type is (listening,
/// connected, bound), with one exception: a new stream socket becomes std's
/// stand-in for it (`std::os::xous::net::stand_in_stream`, which keeps only
/// this crate's key), so that `TcpStream::from(socket)` and back, as
/// hyper-util's connector and tokio's `TcpSocket::from_std_stream` do
/// before connecting, give back the same socket with its options.
pub(crate) trait Convert<T> {
    fn convert(self) -> T;
}

/// A new stream socket's key as std's stand-in keeps it.
fn stand_in_key(raw: RawSocket) -> Option<u32> {
    let entry = table().get(&raw)?.clone();
    let entry = lock(&entry);
    match entry.state {
        State::New { .. } if entry.ty == SOCK_STREAM => u32::try_from(raw).ok(),
        _ => None,
    }
}

macro_rules! from_std {
    ($std: ty, $state: ident, $ty: expr) => {
        impl Convert<crate::Socket> for $std {
            fn convert(self) -> crate::Socket {
                if let Some(socket) = StandIn::socket_of(&self) {
                    return socket;
                }
                let domain = if self.local_addr().map_or(false, |a| a.is_ipv6()) {
                    AF_INET6
                } else {
                    AF_INET
                };
                let raw = new_entry(domain, $ty, State::$state(Arc::new(self)), Options::default());
                crate::Socket::from_raw(raw)
            }
        }

        impl Convert<$std> for crate::Socket {
            fn convert(self) -> $std {
                if let Some(stand_in) = <$std as StandIn>::stand_in(&self) {
                    // The entry stays in the table for the way back.
                    let _ = self.into_raw();
                    return stand_in;
                }
                let shared = table().remove(&self.into_raw()).expect("socket2: a socket without its entry");
                let socket = match &lock(&shared).state {
                    State::$state(s) => s.clone(),
                    _ => panic!(
                        "socket2 on Xous: this socket is not a {} yet (std has no socket before it listens, connects or binds)",
                        stringify!($std)
                    ),
                };
                // The std socket is this one's alone unless a clone of the
                // socket still shares the entry.
                drop(shared);
                match Arc::try_unwrap(socket) {
                    Ok(s) => s,
                    Err(s) => s.try_clone().expect("socket2: cloning a std socket"),
                }
            }
        }
    };
}

/// std's stand-in for a new stream socket, both ways (only `TcpStream` has
/// one).
trait StandIn: Sized {
    /// The stand-in for `socket`, if it is a new stream socket.
    fn stand_in(_: &crate::Socket) -> Option<Self> {
        None
    }
    /// The socket a stand-in came from, if it is one whose entry is here.
    fn socket_of(&self) -> Option<crate::Socket> {
        None
    }
}

impl StandIn for net::TcpStream {
    fn stand_in(socket: &crate::Socket) -> Option<Self> {
        stand_in_key(socket.as_raw()).map(std::os::xous::net::stand_in_stream)
    }

    fn socket_of(&self) -> Option<crate::Socket> {
        let key = RawSocket::try_from(std::os::xous::net::stands_for(self)?).ok()?;
        table().contains_key(&key).then(|| crate::Socket::from_raw(key))
    }
}

impl StandIn for net::TcpListener {}
impl StandIn for net::UdpSocket {}

from_std!(net::TcpStream, Stream, SOCK_STREAM);
from_std!(net::TcpListener, Listener, SOCK_STREAM);
from_std!(net::UdpSocket, Udp, SOCK_DGRAM);

