//! The network service: std's `TcpStream`, `TcpListener`, `UdpSocket` and
//! name lookups, served on smoltcp (IPv4, IPv6 loopback, TCP, UDP, DNS) over QEMU's
//! virtio-net device. One server, registered with the name server under
//! both names std connects to, `_Middleware Network Server_` and
//! `_DNS Resolver Middleware_`: the DNS opcode (6) and the network ones
//! (30..=46) do not overlap, and the resolver must share the stack's
//! interface anyway.
//!
//! Configuration: QEMU's user network has a fixed plan, so the address is
//! static: 10.0.2.15/24, 127.0.0.1/8 and ::1/128 (both looped back in
//! `nic.rs`; IPv6 has no other address or route), gateway
//! 10.0.2.2 (the host's loopback), DNS
//! server 10.0.2.3 (QEMU's forwarder) unless the boot arguments say
//! `--dns IP` (xous-run's `--dns`). No DHCP: it would only wait for the
//! same answer.
//!
//! Events: the main thread waits in ReceiveMessage for requests; the
//! device's interrupt (ClaimInterrupt) has a handler that lowers it and
//! sends the server a WAKE (one at a time, `WAKE_QUEUED`); a timer thread (`timer.rs`) sends WAKE when the
//! next deadline comes (smoltcp's timers, request timeouts). After each
//! message the stack runs until idle and the held requests are retried
//! (`service.rs`). If the interrupt cannot be claimed, the timer alone
//! drives the stack, every few milliseconds. With no device at all, the
//! service still answers every request, with errors.
//!
//! A process that ends has its sockets closed (the kernel's exit notices,
//! `WATCH_EXITS`). Malformed requests, unknown opcodes and socket numbers
//! that are not the caller's get error replies, never a crash.
//!
//! Error codes: a read or write timeout is WOULD_BLOCK (9; Linux's
//! EAGAIN); a write to a connection closed for writing is TIMED_OUT (8),
//! which both clients read as BrokenPipe; a refused connect is
//! CONNECTION_REFUSED (10), a reset CONNECTION_RESET (11), a bad socket
//! BAD_SOCKET (12): std-xous (library/std-xous) reads these, the upstream
//! client reads them as generic errors. An IPv6 connect to anything but
//! ::1 is refused as unaddressable; DNS answers carry IPv4 records only.
//!
//! Memory: socket buffers are allocated fallibly and all of them together
//! stay within a budget (`service.rs`), so no client can end the service
//! by exhausting its heap. A socket beyond it is refused: a listen or UDP
//! bind with LIBRARY_ERROR (6; both clients read Other), a connect with
//! SOCKET_IN_USE (2; both read ResourceBusy). A listener whose backlog
//! could not be refilled after an accept refills it later.
#![no_std]
#![no_main]

extern crate alloc;

mod nic;
mod service;
mod sockets;
mod timer;
mod wire;

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use smoltcp::iface::{Config, Interface};
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpCidr, Ipv4Address, Ipv6Address};
use xous_abi::message::{kind, InvokeType};
use xous_abi::platform::ExitNotice;
use xous_abi::services::{net, ticktimer};
use xous_rt::{connect, error_of, reply, say, syscall, Server, Syscall};

#[global_allocator]
static HEAP: service_heap::Heap = service_heap::Heap::new();

const ADDRESS: Ipv4Address = Ipv4Address::new(10, 0, 2, 15);
const GATEWAY: Ipv4Address = Ipv4Address::new(10, 0, 2, 2);
const DNS_SERVER: Ipv4Address = Ipv4Address::new(10, 0, 2, 3);

/// Our connection to our own server, for the interrupt handler.
static SELF_CONNECTION: AtomicUsize = AtomicUsize::new(0);
/// An interrupt's WAKE is queued and the main loop has not polled since.
/// One is enough: a device that interrupts for every frame would otherwise
/// fill our message queue with WAKEs, and a client's request would wait
/// for room (the kernel makes a sender retry when a server's queue is full).
static WAKE_QUEUED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_irq: usize, registers: usize) {
    virtio::acknowledge_interrupt(registers);
    if WAKE_QUEUED.swap(true, Ordering::AcqRel) {
        return;
    }
    let connection = SELF_CONNECTION.load(Ordering::Relaxed);
    let sent = syscall(Syscall::TrySendMessage, &[connection, InvokeType::Scalar as usize, net::WAKE, 0, 0, 0, 0]);
    // A full queue loses nothing: the main loop is awake then anyway.
    if error_of(sent).is_some() {
        WAKE_QUEUED.store(false, Ordering::Release);
    }
}

/// `--dns IP` from our boot arguments.
fn dns_server(params: usize) -> Option<Ipv4Address> {
    let mut strings = xous_rt::arguments(params)?;
    strings.find(|&s| s == "--dns")?;
    strings.next()?.parse().ok()
}

fn main(params: usize) -> usize {
    let server = Server::create(net::SID);
    for name in [net::NAME, net::DNS_NAME] {
        if !xous_rt::register_name(name, net::SID) {
            say("net: cannot register with the name server\n");
        }
    }
    let myself = connect(net::SID).unwrap_or(0);
    SELF_CONNECTION.store(myself, Ordering::Relaxed);
    let ticktimer = connect(ticktimer::SID).unwrap_or(0);
    if let Err(e) = xous_rt::watch_exits(net::SID, net::PROCESS_ENDED) {
        let _ = e;
        say("net: cannot watch for process exits; dead clients' sockets stay open\n");
    }
    let Ok(mut nic) = nic::Nic::find(ADDRESS.octets()) else {
        say("net: no virtio-net device; every request will fail\n");
        return serve_without_network(server);
    };
    if timer::start(myself, ticktimer).is_err() {
        say("net: cannot start the timer thread\n");
    }
    let claim = syscall(Syscall::ClaimInterrupt, &[nic.irq(), on_interrupt as *const () as usize, nic.registers()]);
    let polling = error_of(claim).is_some();
    if polling {
        say("net: cannot claim the device's interrupt; polling\n");
    }

    let mut config = Config::new(HardwareAddress::Ethernet(EthernetAddress(nic.mac)));
    config.random_seed = xous_rt::counters::time();
    let now = timer::now_ms();
    let mut iface = Interface::new(config, &mut nic, Instant::from_millis(now as i64));
    iface.update_ip_addrs(|addrs| {
        let _ = addrs.push(IpCidr::new(ADDRESS.into(), 24));
        let _ = addrs.push(IpCidr::new(Ipv4Address::new(127, 0, 0, 1).into(), 8));
        let _ = addrs.push(IpCidr::new(Ipv6Address::LOCALHOST.into(), 128));
    });
    let _ = iface.routes_mut().add_default_ipv4_route(GATEWAY);
    let mut net = service::Net::new(iface, nic, dns_server(params).unwrap_or(DNS_SERVER));

    loop {
        let message = server.receive();
        let now = timer::now_ms();
        // The stack polls the device below: a later interrupt needs a WAKE of its own.
        WAKE_QUEUED.store(false, Ordering::Release);
        dispatch(&mut net, message, now);
        while let Some(message) = server.try_receive() {
            dispatch(&mut net, message, timer::now_ms());
        }
        let next = net.run(timer::now_ms());
        let next = if polling { Some(next.unwrap_or(u64::MAX).min(timer::now_ms() + 5)) } else { next };
        timer::wake_at(next, ticktimer);
    }
}

fn dispatch(net: &mut service::Net, message: xous_rt::Envelope, now: u64) {
    if let Some(notice) = ExitNotice::from_envelope(message.sender, message.kind, message.id, message.args, net::PROCESS_ENDED) {
        net.process_ended(notice.pid);
        return;
    }
    net.handle(message, now);
}

/// No device: every request gets an error reply.
fn serve_without_network(server: Server) -> usize {
    loop {
        let mut message = server.receive();
        match message.kind {
            kind::MUTABLE_BORROW if message.args[1] >= 4096 => {
                let page = message.bytes_mut();
                page[..8].fill(0);
                page[0] = 1;
                page[1] = net::error::UNADDRESSABLE;
                page[4] = net::error::UNADDRESSABLE;
                reply(&message, 0, 0, 0);
            }
            _ => reply(&message, 0, 0, net::error::UNADDRESSABLE as usize),
        }
    }
}

xous_rt::entry!(main);
