//! The requests of std's net and DNS clients, served on smoltcp's sockets.
//!
//! A request that can be answered now is answered now; one that must wait
//! (a blocking receive, accept or connect, a send into a full buffer, a DNS
//! query) is held, its page still lent to us, and tried again after every
//! event until it completes, fails, or reaches its deadline. Replies keep
//! std's layouts (`wire.rs`); where std cannot read an error we answer the
//! nearest one it can (see the header of main.rs for the list).

use crate::nic::Nic;
use crate::sockets::{Entry, Kind, Table};
use crate::wire;
use alloc::vec;
use alloc::vec::Vec;
use smoltcp::iface::{Interface, SocketHandle, SocketSet};
use smoltcp::socket::dns::{self, GetQueryResultError};
use smoltcp::socket::{tcp, udp, Socket};
use smoltcp::time::Instant;
use smoltcp::wire::{DnsQueryType, IpAddress, IpEndpoint, IpListenEndpoint, Ipv4Address};
use xous_abi::message::{kind, MessageSender};

#[cfg(feature = "bench")]
mod bench;
mod poll;
use xous_abi::services::net::{self, error};
use xous_abi::services::net_poll;
use xous_rt::{reply, return_scalar, Envelope};

/// A stream's receive buffer, which is also the window it offers: data
/// keeps coming while its reader is between reads (a std read takes up to
/// 64 KiB at once). Half of it gave std reads from the host about 15 %
/// less (`./x bench net`).
const TCP_RX_BUFFER: usize = 64 * 1024;
/// Twice this made sending to the host slower, not faster (raw: about 20
/// instead of 25 MB/s in `./x bench net`; not looked into further).
const TCP_TX_BUFFER: usize = 32 * 1024;
const UDP_BUFFER: usize = 16 * 1024;
const UDP_PACKETS: usize = 16;
/// What one TCP socket's buffers take.
const TCP_BYTES: usize = TCP_RX_BUFFER + TCP_TX_BUFFER;
/// What one UDP socket's buffers take (both ways, data and packet records).
const UDP_BYTES: usize = 2 * (UDP_BUFFER + UDP_PACKETS * core::mem::size_of::<udp::PacketMetadata>());
/// The socket buffers of all sockets together (streams being closed
/// included) stay within this, so that no client can make the heap grow
/// until an allocation fails, which would end the service: a socket that
/// would go beyond it is refused with an error (see main.rs). 12 MiB is
/// 16 listeners, or about 130 streams; std's own net tests stay well
/// below it. Buffers are also allocated fallibly, so a machine out of
/// memory below the budget gets the same error.
const BUFFER_BUDGET: usize = 12 * 1024 * 1024;
/// Of that budget, what one process's sockets may hold: one that opens
/// sockets without end gets errors, and the others still get sockets.
const PROCESS_BUFFER_BUDGET: usize = BUFFER_BUDGET * 3 / 4;
/// Connections a listener holds before they are accepted.
const BACKLOG: usize = 8;
/// Sockets a listener keeps listening (not yet taken by a connection)
/// whenever the budget allows, while it holds fewer than BACKLOG_MAX in
/// all: see `top_up_listeners`.
const LISTEN_SPARE: usize = BACKLOG / 2;
const BACKLOG_MAX: usize = 2 * BACKLOG;
/// A connect with no timeout gives up after this long (as BSD does).
const CONNECT_TIMEOUT_MS: u64 = 75_000;
const DNS_TIMEOUT_MS: u64 = 10_000;
const FIRST_EPHEMERAL_PORT: u16 = 49152;

/// The bytes of buffers a socket holds.
fn buffer_bytes(socket: &Socket) -> usize {
    let metadata = core::mem::size_of::<udp::PacketMetadata>();
    match socket {
        Socket::Tcp(t) => t.recv_capacity() + t.send_capacity(),
        Socket::Udp(u) => u.payload_recv_capacity() + u.payload_send_capacity() + (u.packet_recv_capacity() + u.packet_send_capacity()) * metadata,
        _ => 0,
    }
}

#[derive(Clone, Copy)]
enum Wait {
    Connect(u16),
    Read { socket: u16, peek: bool, nonblocking: bool },
    /// `sent` bytes of the lent ones are in the socket already: a
    /// blocking write is answered once all are (or at its deadline or an
    /// error, with what went), as on Linux.
    Write { socket: u16, nonblocking: bool, sent: u32 },
    Accept { socket: u16, nonblocking: bool, relisten: bool },
    UdpReceive { socket: u16, peek: bool, nonblocking: bool },
    UdpSend(u16),
    Dns(dns::QueryHandle),
    /// POLL (`service/poll.rs`), with its waker key (0: none).
    Poll { key: u32 },
    /// RAW_BENCH, in a build for `./x bench` only (`service/bench.rs`).
    #[cfg(feature = "bench")]
    Bench(bench::Transfer),
}

#[derive(Clone, Copy)]
struct Held {
    message: Envelope,
    wait: Wait,
    /// ms since boot.
    deadline: Option<u64>,
}

pub struct Net {
    pub iface: Interface,
    pub nic: Nic,
    pub sockets: SocketSet<'static>,
    table: Table,
    held: Vec<Held>,
    dns: SocketHandle,
    /// Streams the client closed, kept until their FIN is through.
    closing: Vec<SocketHandle>,
    next_port: u16,
    /// Wakes not yet taken by a poll: (process, key) (`service/poll.rs`).
    wakes: Vec<(u8, u32)>,
}

/// Writes an error reply in the place std reads it for `opcode`, and answers.
fn fail(message: &mut Envelope, opcode: usize, code: u8) {
    let page = message.bytes_mut();
    page[..8].fill(0);
    match opcode {
        net::TCP_CONNECT => page[0] = code,
        net::TCP_TX => (page[0], page[4]) = (1, code),
        net::GET_ADDRESS => {}
        _ => (page[0], page[1]) = (1, code),
    }
    reply(message, 0, 0, 0);
}

/// `n` copies of `value`, or `None` if the heap cannot have them (instead
/// of the allocation failure that would end the service).
fn filled<T: Clone>(n: usize, value: T) -> Option<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).ok()?;
    v.resize(n, value);
    Some(v)
}

fn tcp_socket() -> Option<tcp::Socket<'static>> {
    Some(tcp::Socket::new(tcp::SocketBuffer::new(filled(TCP_RX_BUFFER, 0)?), tcp::SocketBuffer::new(filled(TCP_TX_BUFFER, 0)?)))
}

fn udp_socket() -> Option<udp::Socket<'static>> {
    let buffer = || Some(udp::PacketBuffer::new(filled(UDP_PACKETS, udp::PacketMetadata::EMPTY)?, filled(UDP_BUFFER, 0)?));
    Some(udp::Socket::new(buffer()?, buffer()?))
}

impl Net {
    pub fn new(iface: Interface, nic: Nic, dns_server: Ipv4Address) -> Net {
        let mut sockets = SocketSet::new(vec![]);
        let dns = sockets.add(dns::Socket::new(&[IpAddress::Ipv4(dns_server)], vec![]));
        Net { iface, nic, sockets, table: Table::new(), held: Vec::new(), dns, closing: Vec::new(), next_port: FIRST_EPHEMERAL_PORT, wakes: Vec::new() }
    }

    /// Runs the stack until it has nothing more to do now, and the held
    /// requests with it; returns when to run it again (ms since boot).
    pub fn run(&mut self, now: u64) -> Option<u64> {
        for _ in 0..64 {
            let changed = self.iface.poll(Instant::from_millis(now as i64), &mut self.nic, &mut self.sockets);
            self.top_up_listeners();
            let answered = self.serve_held(now);
            if changed == smoltcp::iface::PollResult::None && !answered {
                break;
            }
        }
        self.closing.retain(|&handle| {
            let state = self.sockets.get::<tcp::Socket>(handle).state();
            let done = matches!(state, tcp::State::Closed | tcp::State::TimeWait);
            if done {
                self.sockets.remove(handle);
            }
            !done
        });
        let stack = self.iface.poll_at(Instant::from_millis(now as i64), &self.sockets).map(|at| at.total_millis().max(0) as u64);
        self.held.iter().filter_map(|h| h.deadline).chain(stack).min()
    }

    /// Whether sockets with `bytes` more of buffers for process `pid` fit
    /// the budget, and `pid`'s share of it.
    fn afford(&self, bytes: usize, pid: u8) -> bool {
        let held: usize = self.sockets.iter().map(|(_, socket)| buffer_bytes(socket)).sum();
        let own: usize = self.table.handles_of(pid).map(|h| buffer_bytes(self.sockets.get::<Socket>(h))).sum();
        held.saturating_add(bytes) <= BUFFER_BUDGET && own.saturating_add(bytes) <= PROCESS_BUFFER_BUDGET
    }

    fn ephemeral_port(&mut self) -> u16 {
        for _ in 0..(u16::MAX - FIRST_EPHEMERAL_PORT) {
            let port = self.next_port;
            self.next_port = if port == u16::MAX { FIRST_EPHEMERAL_PORT } else { port + 1 };
            if !self.table.port_taken(port, false) && !self.table.port_taken(port, true) {
                return port;
            }
        }
        self.next_port
    }

    /// A client process ended: its sockets go, its held requests are let go.
    pub fn process_ended(&mut self, pid: u8) {
        self.forget_wakes_of(pid);
        for entry in self.table.remove_all_of(pid) {
            self.drop_entry(entry, false);
        }
        self.held.retain(|h| {
            let theirs = MessageSender(h.message.sender).pid() == pid;
            if theirs {
                reply(&h.message, 0, 0, 0);
            }
            !theirs
        });
    }

    fn drop_entry(&mut self, entry: Entry, graceful: bool) {
        match entry.kind {
            Kind::Stream { handle, .. } if graceful => {
                self.sockets.get_mut::<tcp::Socket>(handle).close();
                self.closing.push(handle);
            }
            Kind::Stream { handle, .. } => {
                self.sockets.get_mut::<tcp::Socket>(handle).abort();
                self.closing.push(handle);
            }
            Kind::Listener { backlog, .. } => {
                for handle in backlog {
                    self.sockets.get_mut::<tcp::Socket>(handle).abort();
                    self.closing.push(handle);
                }
            }
            Kind::Udp { handle, .. } => {
                self.sockets.remove(handle);
            }
        }
    }

    /// One message from a client.
    pub fn handle(&mut self, mut message: Envelope, now: u64) {
        let pid = MessageSender(message.sender).pid();
        let opcode = message.id & net::OPCODE_MASK;
        let socket = message.id >> net::SOCKET_SHIFT;
        let nonblocking = message.id & net::NONBLOCKING != 0;
        match message.kind {
            kind::SCALAR => {}
            kind::BLOCKING_SCALAR => {
                let value = if opcode == net_poll::WAKE { self.wake(pid, message.args) } else { self.scalar(opcode, socket, pid, message.args) };
                let _ = return_scalar(message.sender, &[value]);
            }
            kind::MUTABLE_BORROW if message.args[1] >= 4096 => {
                if let Some((wait, deadline)) = self.start(&mut message, opcode, socket, nonblocking, pid, now) {
                    let mut held = Held { message, wait, deadline };
                    if !self.attempt(&mut held, now) {
                        self.held.push(held);
                    }
                }
            }
            _ => reply(&message, 0, 0, 0),
        }
    }

    /// BlockingScalars: answers Scalar1(value); 0 is success for those
    /// whose answer std ignores, anything else an error.
    fn scalar(&mut self, opcode: usize, socket: usize, pid: u8, args: [usize; 4]) -> usize {
        let Some(entry) = self.table.get(socket, pid) else { return error::BAD_SOCKET as usize };
        let udp = args[3] == 1;
        match (opcode, &mut entry.kind) {
            (net::TCP_CLOSE, Kind::Stream { .. } | Kind::Listener { .. }) | (net::UDP_CLOSE, Kind::Udp { .. }) => {
                let entry = self.table.remove(socket, pid).expect("just found");
                // Closed with data it never read: the peer gets a reset, as
                // from Linux, rather than an end that looks complete.
                let unread = matches!(entry.kind, Kind::Stream { handle, .. } if self.sockets.get::<tcp::Socket>(handle).can_recv());
                self.drop_entry(entry, !unread);
                0
            }
            (net::TCP_SHUTDOWN, Kind::Stream { handle, read_closed, write_closed }) => {
                let how = args[0];
                if !(1..=3).contains(&how) {
                    return error::INVALID as usize;
                }
                if how & 1 != 0 {
                    *read_closed = true;
                }
                if how & 2 != 0 {
                    *write_closed = true;
                    self.sockets.get_mut::<tcp::Socket>(*handle).close();
                }
                0
            }
            (net::GET_TTL, Kind::Stream { handle, .. }) if !udp => {
                self.sockets.get::<tcp::Socket>(*handle).hop_limit().unwrap_or(64) as usize
            }
            (net::GET_TTL, Kind::Listener { ttl, .. }) if !udp => ttl.unwrap_or(64) as usize,
            (net::GET_TTL, Kind::Udp { handle, .. }) if udp => {
                self.sockets.get::<udp::Socket>(*handle).hop_limit().unwrap_or(64) as usize
            }
            (net::SET_TTL, kind) => {
                let Some(ttl) = u8::try_from(args[0]).ok().filter(|&t| t > 0) else { return error::INVALID as usize };
                match kind {
                    Kind::Stream { handle, .. } if !udp => self.sockets.get_mut::<tcp::Socket>(*handle).set_hop_limit(Some(ttl)),
                    Kind::Listener { ttl: t, backlog, .. } if !udp => {
                        *t = Some(ttl);
                        for &handle in backlog.iter() {
                            self.sockets.get_mut::<tcp::Socket>(handle).set_hop_limit(Some(ttl));
                        }
                    }
                    Kind::Udp { handle, .. } if udp => self.sockets.get_mut::<udp::Socket>(*handle).set_hop_limit(Some(ttl)),
                    _ => return error::BAD_SOCKET as usize,
                }
                0
            }
            (net::GET_NODELAY, Kind::Stream { handle, .. }) => !self.sockets.get::<tcp::Socket>(*handle).nagle_enabled() as usize,
            (net::SET_NODELAY, Kind::Stream { handle, .. }) => {
                self.sockets.get_mut::<tcp::Socket>(*handle).set_nagle_enabled(args[0] == 0);
                0
            }
            _ => error::BAD_SOCKET as usize,
        }
    }

    /// Takes a memory request in: answers it, or says what it waits for.
    fn start(&mut self, m: &mut Envelope, opcode: usize, socket: usize, nonblocking: bool, pid: u8, now: u64) -> Option<(Wait, Option<u64>)> {
        let page = m.bytes_mut();
        let socket16 = socket as u16;
        let stream_ok = |t: &mut Table| matches!(t.get(socket, pid), Some(Entry { kind: Kind::Stream { .. }, .. }));
        let wait = match opcode {
            net::TCP_CONNECT => {
                let Some((remote, timeout)) = wire::connect(page) else { return bad(m, opcode, error::UNADDRESSABLE) };
                // IPv6 reaches only ::1 (there is no IPv6 route): anything
                // else is refused now rather than timing out.
                if matches!(remote.addr, IpAddress::Ipv6(_)) && !self.iface.has_ip_addr(remote.addr) {
                    return bad(m, opcode, error::UNADDRESSABLE);
                }
                let timeout = if timeout == 0 { CONNECT_TIMEOUT_MS } else { timeout };
                return match self.open_stream(remote, pid) {
                    Ok(number) => Some((Wait::Connect(number), Some(now.saturating_add(timeout)))),
                    Err(code) => bad(m, opcode, code),
                };
            }
            net::TCP_TX | net::TCP_RX | net::TCP_PEEK if !stream_ok(&mut self.table) => return bad(m, opcode, error::BAD_SOCKET),
            net::TCP_TX => Wait::Write { socket: socket16, nonblocking, sent: 0 },
            net::TCP_RX | net::TCP_PEEK => Wait::Read { socket: socket16, peek: opcode == net::TCP_PEEK, nonblocking },
            net::GET_ADDRESS => {
                let Some(Entry { kind: Kind::Stream { handle, .. }, .. }) = self.table.get(socket, pid) else {
                    return bad(m, opcode, error::BAD_SOCKET);
                };
                let local = self.sockets.get::<tcp::Socket>(*handle).local_endpoint();
                let page = m.bytes_mut();
                match local {
                    Some(IpEndpoint { addr, .. }) => {
                        let length = wire::write_address(page, addr);
                        reply(m, 0, length, 0);
                    }
                    None => fail(m, opcode, error::INVALID),
                }
                return None;
            }
            net::TCP_LISTEN => return self.listen(m, pid),
            net::TCP_ACCEPT => match self.table.get(socket, pid) {
                // Byte 1 = 1: the client keeps its listener after an accept
                // (std-xous); otherwise it binds again, see `relisten`.
                Some(Entry { kind: Kind::Listener { .. }, .. }) => {
                    Wait::Accept { socket: socket16, nonblocking: page[0] == 0, relisten: page[net::KEEP_LISTENER_AT] != 1 }
                }
                _ => return bad(m, opcode, error::BAD_SOCKET),
            },
            net::UDP_BIND => return self.udp_bind(m, pid),
            net::UDP_RX | net::UDP_TX if !matches!(self.table.get(socket, pid), Some(Entry { kind: Kind::Udp { .. }, .. })) => {
                return bad(m, opcode, error::BAD_SOCKET)
            }
            net::UDP_RX => {
                let blocking = page[0] != 0;
                let timeout = wire::u64_at(page, 1).unwrap_or(0);
                let wait = Wait::UdpReceive { socket: socket16, peek: m.args[2] != 0, nonblocking: !blocking };
                return Some((wait, (blocking && timeout > 0).then(|| now.saturating_add(timeout))));
            }
            net::UDP_TX => {
                if wire::udp_send(page).is_none() {
                    return bad(m, opcode, error::INVALID);
                }
                Wait::UdpSend(socket16)
            }
            net::DNS_RAW_LOOKUP => return self.lookup(m, now),
            net_poll::POLL => return self.poll_start(m, now),
            #[cfg(feature = "bench")]
            net::RAW_BENCH => return self.bench_start(m, pid, now),
            _ => return bad(m, opcode, error::INVALID),
        };
        // Timeouts of reads and writes come in `offset`, in ms (0: none).
        let timeout = m.args[2] as u64;
        let deadline = matches!(wait, Wait::Read { .. } | Wait::Write { .. }).then_some(timeout).filter(|&t| t > 0);
        Some((wait, deadline.map(|t| now.saturating_add(t))))
    }

    fn listen(&mut self, m: &mut Envelope, pid: u8) -> Option<(Wait, Option<u64>)> {
        let page = m.bytes_mut();
        let narrow = page[net::WIDE_SOCKETS_AT] != 1;
        let Some((address, port)) = wire::bind(page) else { return bad(m, net::TCP_LISTEN, error::INVALID) };
        if !self.is_local(address) {
            return bad(m, net::TCP_LISTEN, error::INVALID);
        }
        let number = match self.table.relisten(port, pid) {
            Some(number) => number,
            None => {
                if port != 0 && self.table.port_taken(port, false) {
                    return bad(m, net::TCP_LISTEN, error::SOCKET_IN_USE);
                }
                let port = if port == 0 { self.ephemeral_port() } else { port };
                // Over the budget: LIBRARY_ERROR, which both clients read as Other.
                if !self.afford(BACKLOG * TCP_BYTES, pid) {
                    return bad(m, net::TCP_LISTEN, error::LIBRARY_ERROR);
                }
                let mut backlog = Vec::new();
                for _ in 0..BACKLOG {
                    match self.listening_socket(address, port) {
                        Some(handle) => backlog.push(handle),
                        None => {
                            for handle in backlog {
                                self.sockets.remove(handle);
                            }
                            return bad(m, net::TCP_LISTEN, error::LIBRARY_ERROR);
                        }
                    }
                }
                match self.table.add(Entry { owner: pid, kind: Kind::Listener { address, port, backlog: backlog.clone(), relistens: 0, ttl: None } }, narrow) {
                    Some(number) => number,
                    None => {
                        for handle in backlog {
                            self.sockets.remove(handle);
                        }
                        return bad(m, net::TCP_LISTEN, error::LIBRARY_ERROR);
                    }
                }
            }
        };
        let Some(Entry { kind: Kind::Listener { port, .. }, .. }) = self.table.get(number as usize, pid) else { unreachable!() };
        let port = *port;
        let page = m.bytes_mut();
        page[0] = 0;
        wire::write_bound(page, number, port);
        reply(m, 0, 1, 0);
        None
    }

    /// Connections can arrive faster than a program accepts them (a thread
    /// connecting in a loop while the accepting one waits for the
    /// processor), and a SYN that finds no socket listening is refused: the
    /// client saw ConnectionRefused with the listener there, and std's
    /// `multiple_connect_serial` waited for good in accept under load. So
    /// after every round of the stack each listener gets listening sockets
    /// back up to LISTEN_SPARE, budget permitting, while it holds fewer
    /// than BACKLOG_MAX (connected ones not accepted yet included), as an
    /// accept queue on Linux takes connections while the program is busy.
    fn top_up_listeners(&mut self) {
        for (number, owner) in self.table.listeners() {
            loop {
                let Some(Entry { kind: Kind::Listener { backlog, address, port, ttl, .. }, .. }) = self.table.get(number, owner) else { break };
                let listening = backlog.iter().filter(|&&h| self.sockets.get::<tcp::Socket>(h).state() == tcp::State::Listen).count();
                let (address, port, ttl, held) = (*address, *port, *ttl, backlog.len());
                if listening >= LISTEN_SPARE || held >= BACKLOG_MAX || !self.afford(TCP_BYTES, owner) {
                    break;
                }
                let Some(fresh) = self.listening_socket(address, port) else { break };
                if let Some(ttl) = ttl {
                    self.sockets.get_mut::<tcp::Socket>(fresh).set_hop_limit(Some(ttl));
                }
                if let Some(Entry { kind: Kind::Listener { backlog, .. }, .. }) = self.table.get(number, owner) {
                    backlog.push(fresh);
                }
            }
        }
    }

    /// A new socket listening on `port`, or `None` if the heap cannot have it.
    fn listening_socket(&mut self, address: IpAddress, port: u16) -> Option<SocketHandle> {
        let mut tcp = tcp_socket()?;
        let addr = (!address.is_unspecified()).then_some(address);
        // Cannot fail: the port is not 0 and the socket is new.
        let _ = tcp.listen(IpListenEndpoint { addr, port });
        Some(self.sockets.add(tcp))
    }

    fn is_local(&self, address: IpAddress) -> bool {
        address.is_unspecified() || self.iface.has_ip_addr(address)
    }

    fn udp_bind(&mut self, m: &mut Envelope, pid: u8) -> Option<(Wait, Option<u64>)> {
        let page = m.bytes_mut();
        let narrow = page[net::WIDE_SOCKETS_AT] != 1;
        let Some((address, port)) = wire::bind(page) else { return bad(m, net::UDP_BIND, error::INVALID) };
        if !self.is_local(address) {
            return bad(m, net::UDP_BIND, error::INVALID);
        }
        if port != 0 && self.table.port_taken(port, true) {
            return bad(m, net::UDP_BIND, error::SOCKET_IN_USE);
        }
        let port = if port == 0 { self.ephemeral_port() } else { port };
        // Over the budget: LIBRARY_ERROR, which both clients read as Other.
        let Some(mut udp) = self.afford(UDP_BYTES, pid).then(udp_socket).flatten() else {
            return bad(m, net::UDP_BIND, error::LIBRARY_ERROR);
        };
        let addr = (!address.is_unspecified()).then_some(address);
        if udp.bind(IpListenEndpoint { addr, port }).is_err() {
            return bad(m, net::UDP_BIND, error::INVALID);
        }
        let handle = self.sockets.add(udp);
        let Some(number) = self.table.add(Entry { owner: pid, kind: Kind::Udp { handle, port } }, narrow) else {
            self.sockets.remove(handle);
            return bad(m, net::UDP_BIND, error::LIBRARY_ERROR);
        };
        let page = m.bytes_mut();
        page[0] = 0;
        wire::write_bound(page, number, port);
        reply(m, 0, 1, 0);
        None
    }

    fn lookup(&mut self, m: &mut Envelope, now: u64) -> Option<(Wait, Option<u64>)> {
        let length = m.args[3];
        let page = m.bytes_mut();
        let Some(name) = page.get(..length).filter(|n| !n.is_empty() && n.len() <= 255).and_then(|n| core::str::from_utf8(n).ok()) else {
            return bad(m, net::DNS_RAW_LOOKUP, error::INVALID);
        };
        if let Ok(literal) = name.parse::<Ipv4Address>() {
            wire::write_dns_answer(page, &[literal]);
            reply(m, 0, 0, 0);
            return None;
        }
        // RFC 6761: `localhost` and names under it are this machine, never asked of a server.
        let lower = name.trim_end_matches('.');
        if lower.eq_ignore_ascii_case("localhost") || lower.to_ascii_lowercase().ends_with(".localhost") {
            wire::write_dns_answer(page, &[Ipv4Address::new(127, 0, 0, 1)]);
            reply(m, 0, 0, 0);
            return None;
        }
        let mut copy = [0u8; 255];
        copy[..name.len()].copy_from_slice(name.as_bytes());
        let name = core::str::from_utf8(&copy[..length]).expect("checked above");
        let query = self.sockets.get_mut::<dns::Socket>(self.dns).start_query(self.iface.context(), name, DnsQueryType::A);
        match query {
            Ok(query) => Some((Wait::Dns(query), Some(now.saturating_add(DNS_TIMEOUT_MS)))),
            Err(_) => bad(m, net::DNS_RAW_LOOKUP, error::INVALID),
        }
    }

    /// Tries every held request; whether any was answered.
    fn serve_held(&mut self, now: u64) -> bool {
        let mut answered = false;
        let mut i = 0;
        while i < self.held.len() {
            let mut held = self.held[i];
            if self.attempt(&mut held, now) {
                self.held.swap_remove(i);
                answered = true;
            } else {
                // A request may keep progress in its wait (a blocking write).
                self.held[i] = held;
                i += 1;
            }
        }
        answered
    }

    /// Tries to complete a request; true when it has been answered.
    fn attempt(&mut self, held: &mut Held, now: u64) -> bool {
        let m = &mut held.message;
        let pid = MessageSender(m.sender).pid();
        let expired = held.deadline.is_some_and(|d| now >= d);
        let opcode = m.id & net::OPCODE_MASK;
        match held.wait {
            Wait::Connect(number) => {
                let Some(Entry { kind: Kind::Stream { handle, .. }, .. }) = self.table.get(number as usize, pid) else {
                    fail(m, opcode, error::BAD_SOCKET);
                    return true;
                };
                let tcp = self.sockets.get::<tcp::Socket>(*handle);
                let code = match tcp.state() {
                    tcp::State::SynSent | tcp::State::SynReceived if !expired => return false,
                    tcp::State::SynSent | tcp::State::SynReceived => error::TIMED_OUT,
                    tcp::State::Closed => error::CONNECTION_REFUSED,
                    _ => {
                        let local = tcp.local_endpoint().map_or(0, |e| e.port);
                        let remote = tcp.remote_endpoint().map_or(0, |e| e.port);
                        let page = m.bytes_mut();
                        page[..8].fill(0);
                        page[2..4].copy_from_slice(&number.to_le_bytes());
                        page[4..6].copy_from_slice(&local.to_le_bytes());
                        page[6..8].copy_from_slice(&remote.to_le_bytes());
                        reply(m, 0, 1, 0);
                        return true;
                    }
                };
                let entry = self.table.remove(number as usize, pid).expect("just found");
                self.drop_entry(entry, false);
                fail(m, opcode, code);
                true
            }
            Wait::Read { socket, peek, nonblocking } => {
                let Some(Entry { kind: Kind::Stream { handle, read_closed, write_closed }, .. }) = self.table.get(socket as usize, pid) else {
                    fail(m, opcode, error::BAD_SOCKET);
                    return true;
                };
                let (handle, read_closed, write_closed) = (*handle, *read_closed, *write_closed);
                let wanted = m.args[3].min(m.args[1]);
                let tcp = self.sockets.get_mut::<tcp::Socket>(handle);
                if !read_closed && was_reset(tcp, write_closed) {
                    fail(m, opcode, error::CONNECTION_RESET);
                    return true;
                }
                if wanted == 0 || read_closed || (!tcp.can_recv() && !tcp.may_recv()) {
                    reply(m, 1, 0, 0);
                    return true;
                }
                if tcp.can_recv() {
                    let page = m.bytes_mut();
                    let got = if peek { tcp.peek_slice(&mut page[..wanted]) } else { tcp.recv_slice(&mut page[..wanted]) };
                    reply(m, 1, got.unwrap_or(0), 0);
                    return true;
                }
                give_up(m, opcode, nonblocking || expired)
            }
            Wait::Write { socket, nonblocking, sent } => {
                let Some(Entry { kind: Kind::Stream { handle, write_closed, .. }, .. }) = self.table.get(socket as usize, pid) else {
                    fail(m, opcode, error::BAD_SOCKET);
                    return true;
                };
                let (handle, write_closed) = (*handle, *write_closed);
                // A client may lend more than a page (std-xous lends up to
                // 16); the upstream one lends one.
                let length = m.args[3].min(m.args[1]);
                let mut sent = sent as usize;
                let tcp = self.sockets.get_mut::<tcp::Socket>(handle);
                // An error after part of the bytes went answers that part;
                // the next write finds the error.
                let error = if was_reset(tcp, write_closed) {
                    Some(error::CONNECTION_RESET)
                } else if !tcp.may_send() {
                    // std reads TIMED_OUT here as BrokenPipe.
                    Some(error::TIMED_OUT)
                } else {
                    if tcp.can_send() {
                        sent += tcp.send_slice(&m.bytes_mut()[sent..length]).unwrap_or(0);
                    }
                    None
                };
                if error.is_none() && sent < length && !nonblocking && !expired {
                    held.wait = Wait::Write { socket, nonblocking, sent: sent as u32 };
                    return false;
                }
                match error {
                    Some(code) if sent == 0 => {
                        fail(m, opcode, code);
                        return true;
                    }
                    // Nonblocking, or the deadline passed, with nothing sent.
                    None if sent == 0 && length > 0 => return give_up(m, opcode, true),
                    _ => {}
                }
                let page = m.bytes_mut();
                page[..4].fill(0);
                page[4..8].copy_from_slice(&(sent as u32).to_le_bytes());
                reply(m, 0, 0, 0);
                true
            }
            Wait::Accept { socket, nonblocking, relisten } => self.accept(m, socket, nonblocking, relisten, pid),
            Wait::Poll { key } => self.poll_attempt(m, key, pid, expired),
            #[cfg(feature = "bench")]
            Wait::Bench(_) => self.bench_step(held, now),
            Wait::UdpReceive { socket, peek, nonblocking } => {
                let Some(Entry { kind: Kind::Udp { handle, .. }, .. }) = self.table.get(socket as usize, pid) else {
                    fail(m, opcode, error::BAD_SOCKET);
                    return true;
                };
                let udp = self.sockets.get_mut::<udp::Socket>(*handle);
                if udp.can_recv() {
                    let page = m.bytes_mut();
                    let mut data = [0u8; 4096 - wire::UDP_DATA_AT];
                    let (length, peer) = match if peek { udp.peek().map(|(d, meta)| (d, meta.endpoint)) } else { udp.recv().map(|(d, meta)| (d, meta.endpoint)) } {
                        Ok((bytes, peer)) => {
                            let n = bytes.len().min(data.len());
                            data[..n].copy_from_slice(&bytes[..n]);
                            (n, peer)
                        }
                        Err(_) => {
                            fail(m, opcode, error::LIBRARY_ERROR);
                            return true;
                        }
                    };
                    page[..wire::UDP_DATA_AT].fill(0);
                    page[1..3].copy_from_slice(&(length as u16).to_le_bytes());
                    wire::write_peer(page, peer);
                    page[wire::UDP_DATA_AT..wire::UDP_DATA_AT + length].copy_from_slice(&data[..length]);
                    reply(m, 0, 1, 0);
                    return true;
                }
                give_up(m, opcode, nonblocking || expired)
            }
            Wait::UdpSend(socket) => {
                let Some(Entry { kind: Kind::Udp { handle, .. }, .. }) = self.table.get(socket as usize, pid) else {
                    fail(m, opcode, error::BAD_SOCKET);
                    return true;
                };
                let handle = *handle;
                let page = m.bytes_mut();
                let Some((to, range)) = wire::udp_send(page) else {
                    fail(m, opcode, error::INVALID);
                    return true;
                };
                let udp = self.sockets.get_mut::<udp::Socket>(handle);
                // A socket bound to an address of one version cannot send
                // to the other (smoltcp would panic building the packet).
                let bound = udp.endpoint().addr;
                if to.port == 0 || to.addr.is_unspecified() || bound.is_some_and(|b| b.version() != to.addr.version()) {
                    fail(m, opcode, error::INVALID);
                    return true;
                }
                match udp.send_slice(&page[range], to) {
                    Ok(()) => {
                        page[0] = 0;
                        reply(m, 0, 1, 0);
                        true
                    }
                    Err(udp::SendError::BufferFull) => false,
                    Err(_) => {
                        fail(m, opcode, error::INVALID);
                        true
                    }
                }
            }
            Wait::Dns(query) => {
                let dns = self.sockets.get_mut::<dns::Socket>(self.dns);
                match dns.get_query_result(query) {
                    Ok(addresses) => {
                        let mut v4 = [Ipv4Address::UNSPECIFIED; 4];
                        let mut count = 0;
                        for address in addresses.iter().filter_map(|a| if let IpAddress::Ipv4(a) = a { Some(*a) } else { None }) {
                            if count < v4.len() {
                                v4[count] = address;
                                count += 1;
                            }
                        }
                        wire::write_dns_answer(m.bytes_mut(), &v4[..count]);
                        reply(m, 0, 0, 0);
                        true
                    }
                    Err(GetQueryResultError::Pending) if !expired => false,
                    Err(GetQueryResultError::Pending) => {
                        dns.cancel_query(query);
                        fail(m, opcode, error::TIMED_OUT);
                        true
                    }
                    Err(GetQueryResultError::Failed) => {
                        fail(m, opcode, error::UNADDRESSABLE);
                        true
                    }
                }
            }
        }
    }

    /// A new stream of `pid`'s, connecting to `remote` (the SYN goes out
    /// at the next poll): its number, or the error code to answer.
    fn open_stream(&mut self, remote: IpEndpoint, pid: u8) -> Result<u16, u8> {
        // Over the budget: SOCKET_IN_USE, which both clients read as ResourceBusy.
        if !self.afford(TCP_BYTES, pid) {
            return Err(error::SOCKET_IN_USE);
        }
        let Some(mut tcp) = tcp_socket() else { return Err(error::SOCKET_IN_USE) };
        let local = self.ephemeral_port();
        tcp.connect(self.iface.context(), remote, local).map_err(|_| error::UNADDRESSABLE)?;
        let handle = self.sockets.add(tcp);
        let kind = Kind::Stream { handle, read_closed: false, write_closed: false };
        self.table.add(Entry { owner: pid, kind }, false).ok_or_else(|| {
            self.sockets.remove(handle);
            error::LIBRARY_ERROR
        })
    }

    fn accept(&mut self, m: &mut Envelope, socket: u16, nonblocking: bool, relisten: bool, pid: u8) -> bool {
        let opcode = net::TCP_ACCEPT;
        let Some(Entry { kind: Kind::Listener { backlog, address, port, ttl, .. }, .. }) = self.table.get(socket as usize, pid) else {
            fail(m, opcode, error::BAD_SOCKET);
            return true;
        };
        let (address, port, ttl, mut waiting) = (*address, *port, *ttl, backlog.len());
        // A backlog cut short while the budget was spent (below) grows back.
        while waiting < BACKLOG && self.afford(TCP_BYTES, pid) {
            let Some(fresh) = self.listening_socket(address, port) else { break };
            if let Some(ttl) = ttl {
                self.sockets.get_mut::<tcp::Socket>(fresh).set_hop_limit(Some(ttl));
            }
            if let Some(Entry { kind: Kind::Listener { backlog, .. }, .. }) = self.table.get(socket as usize, pid) {
                backlog.push(fresh);
            }
            waiting += 1;
        }
        let Some(Entry { kind: Kind::Listener { backlog, .. }, .. }) = self.table.get(socket as usize, pid) else { unreachable!() };
        let ready = backlog.iter().position(|&h| {
            matches!(self.sockets.get::<tcp::Socket>(h).state(), tcp::State::Established | tcp::State::CloseWait)
        });
        let Some(at) = ready else {
            if nonblocking {
                fail(m, opcode, error::WOULD_BLOCK);
                return true;
            }
            return false;
        };
        let handle = backlog[at];
        let peer = self.sockets.get::<tcp::Socket>(handle).remote_endpoint();
        let Some(number) = self.table.add(Entry { owner: pid, kind: Kind::Stream { handle, read_closed: false, write_closed: false } }, false) else {
            fail(m, opcode, error::LIBRARY_ERROR);
            return true;
        };
        // The accepted socket's place is taken by a new one, if the budget
        // allows; if not, the backlog is one shorter until it does.
        let fresh = if self.afford(TCP_BYTES, pid) { self.listening_socket(address, port) } else { None };
        if let (Some(fresh), Some(ttl)) = (fresh, ttl) {
            self.sockets.get_mut::<tcp::Socket>(fresh).set_hop_limit(Some(ttl));
        }
        if let Some(Entry { kind: Kind::Listener { backlog, relistens, .. }, .. }) = self.table.get(socket as usize, pid) {
            match fresh {
                Some(fresh) => backlog[at] = fresh,
                None => {
                    backlog.remove(at);
                }
            }
            if relisten {
                *relistens += 1;
            }
        }
        let page = m.bytes_mut();
        page[..wire::UDP_DATA_AT].fill(0);
        page[1..3].copy_from_slice(&number.to_le_bytes());
        if let Some(peer) = peer {
            wire::write_peer(page, peer);
        }
        reply(m, 0, 1, 0);
        true
    }
}

/// Whether the connection ended by a reset (or by giving up on the peer)
/// rather than by the FIN exchange: smoltcp goes to Closed either way, but
/// after an orderly end it does so only once our side has closed too.
fn was_reset(tcp: &tcp::Socket, write_closed: bool) -> bool {
    tcp.state() == tcp::State::Closed && !write_closed
}

/// The end of a read, write or receive that found nothing to do: it keeps
/// waiting (false), unless it may not wait (nonblocking, or its deadline
/// passed), when it answers WOULD_BLOCK (true).
fn give_up(m: &mut Envelope, opcode: usize, now: bool) -> bool {
    if now {
        fail(m, opcode, error::WOULD_BLOCK);
    }
    now
}

/// Answers a request with an error, and holds nothing.
fn bad(m: &mut Envelope, opcode: usize, code: u8) -> Option<(Wait, Option<u64>)> {
    fail(m, opcode, code);
    None
}
