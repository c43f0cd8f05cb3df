//! The network service's protocol spoken with raw syscalls, as std never
//! would: unknown opcodes, socket numbers that do not exist, out-of-range
//! lengths and values, the wrong message kinds. Each must get an error
//! reply (never a hang or a crash), and the service must still serve a
//! good request afterwards. Then sockets are opened until the service
//! refuses them (its socket buffer budget), which must be a clean error.

use checks::raw::ecall;
use checks::Checks;
use xous_abi::message::InvokeType;
use xous_abi::services::net::{self, error};
use xous_abi::{Syscall, SyscallResult};

#[repr(C, align(4096))]
struct Page([u8; 4096]);

/// Connects by name, as std does (which starts the service: it is one
/// the boot image starts on demand).
fn connect() -> usize {
    let cid: u32 = std::os::xous::services::connect(net::NAME).expect("connect by name").into();
    cid as usize
}

/// A memory request; (result tag, offset, valid) and the page after it.
fn lend(cid: usize, kind: InvokeType, id: usize, page: &mut Page, offset: usize, valid: usize) -> (usize, usize, usize) {
    let r = ecall([Syscall::SendMessage as usize, cid, kind as usize, id, page.0.as_mut_ptr() as usize, 4096, offset, valid]);
    (r[0], r[1], r[2])
}

fn blocking(cid: usize, id: usize, args: [usize; 4]) -> Option<usize> {
    let r = ecall([Syscall::SendMessage as usize, cid, InvokeType::BlockingScalar as usize, id, args[0], args[1], args[2], args[3]]);
    (r[0] == SyscallResult::Scalar1 as usize).then_some(r[1])
}

fn id(opcode: usize, socket: usize) -> usize {
    opcode | (socket << net::SOCKET_SHIFT)
}

fn udp_bind(cid: usize, port: u16) -> (usize, Page) {
    let mut page = Page([0; 4096]);
    page.0[..2].copy_from_slice(&port.to_le_bytes());
    page.0[2] = 4;
    let (_, _, valid) = lend(cid, InvokeType::LendMut, net::UDP_BIND, &mut page, 0, 4096);
    (valid, page)
}

fn main() {
    let mut c = Checks::new("net-protocol");
    let cid = connect();
    let returned = SyscallResult::MemoryReturned as usize;

    let mut page = Page([0xaa; 4096]);
    let r = lend(cid, InvokeType::LendMut, id(net::TCP_RX, 999), &mut page, 0, 100);
    c.check(r == (returned, 0, 0) && page.0[0] == 1 && page.0[1] == error::BAD_SOCKET, format!("receive on socket 999: {r:?} {:?}", &page.0[..2]));
    let r = lend(cid, InvokeType::LendMut, id(net::TCP_TX, 0), &mut page, 0, 100);
    c.check(r.0 == returned && page.0[0] == 1 && page.0[4] == error::BAD_SOCKET, format!("send on socket 0: {r:?}"));
    let r = lend(cid, InvokeType::LendMut, id(net::TCP_ACCEPT, 65535), &mut page, 0, 0);
    c.check(r.0 == returned && page.0[0] == 1 && page.0[1] == error::BAD_SOCKET, format!("accept on socket 65535: {r:?}"));
    let r = lend(cid, InvokeType::LendMut, 0x7ffe, &mut page, 0, 0);
    c.check(r.0 == returned && page.0[0] == 1 && page.0[1] == error::INVALID, format!("unknown opcode: {r:?}"));
    let r = blocking(cid, id(net::TCP_CLOSE, 77), [0; 4]);
    c.check(r == Some(error::BAD_SOCKET as usize), format!("close of socket 77: {r:?}"));
    let r = blocking(cid, 0x7ffe, [1, 2, 3, 4]);
    c.check(r.is_some_and(|v| v != 0), format!("unknown blocking opcode: {r:?}"));
    let r = ecall([Syscall::SendMessage as usize, cid, InvokeType::Scalar as usize, id(net::TCP_RX, 5), 1, 2, 3, 4]);
    c.check(r[0] == SyscallResult::Ok as usize, "a scalar where a lend belongs is dropped".into());

    // A connect: to [::]:0, to an IPv6 address not ours (only ::1 is), to
    // an address of version 5; and one lent read-only.
    for (what, version, last) in [("[::]:0", 6, 0), ("[2001::1]:80", 6, 1), ("version 5", 5, 1)] {
        let mut page = Page([0; 4096]);
        page.0[..2].copy_from_slice(&(last as u16 * 80).to_le_bytes());
        page.0[10] = version;
        (page.0[11], page.0[12], page.0[26]) = (0x20 * last, 0x01 * last, last);
        let r = lend(cid, InvokeType::LendMut, net::TCP_CONNECT, &mut page, 0, 4096);
        c.check(r.0 == returned && page.0[0] == error::UNADDRESSABLE, format!("connect to {what}: {r:?} {}", page.0[0]));
    }
    let mut page = Page([0; 4096]);
    let r = lend(cid, InvokeType::Lend, net::TCP_CONNECT, &mut page, 0, 4096);
    c.check(r.0 == returned, format!("a read-only lend is returned: {r:?}"));

    // UDP: a send whose length runs past the page; TTLs out of range.
    let (valid, bound) = udp_bind(cid, 5353);
    let socket = bound.0[1] as usize;
    c.check(valid != 0 && bound.0[0] == 0 && socket != 0, format!("UDP bind: valid {valid}, {:?}", &bound.0[..4]));
    let (valid, again) = udp_bind(cid, 5353);
    c.check(valid == 0 && again.0[0] == 1 && again.0[1] == error::SOCKET_IN_USE, format!("the same port twice: {:?}", &again.0[..2]));
    let mut page = Page([0; 4096]);
    page.0[..2].copy_from_slice(&9u16.to_le_bytes());
    page.0[2..7].copy_from_slice(&[4, 10, 0, 2, 2]);
    page.0[19..21].copy_from_slice(&5000u16.to_le_bytes());
    let r = lend(cid, InvokeType::LendMut, id(net::UDP_TX, socket), &mut page, 0, 4096);
    c.check(r.0 == returned && page.0[0] == 1 && page.0[1] == error::INVALID, format!("UDP send of 5000 bytes in a page: {r:?}"));
    for ttl in [0, 256, usize::MAX] {
        let r = blocking(cid, id(net::SET_TTL, socket), [ttl, 0, 0, 1]);
        c.check(r == Some(error::INVALID as usize), format!("TTL {ttl}: {r:?}"));
    }
    let r = blocking(cid, id(net::GET_TTL, socket), [0, 0, 0, 0]);
    c.check(r == Some(error::BAD_SOCKET as usize), format!("a UDP socket asked for a TCP TTL: {r:?}"));
    let r = blocking(cid, id(net::GET_TTL, socket), [0, 0, 0, 1]);
    c.check(r == Some(64), format!("its UDP TTL: {r:?}"));
    let r = blocking(cid, id(net::TCP_SHUTDOWN, socket), [3, 0, 0, 0]);
    c.check(r == Some(error::BAD_SOCKET as usize), format!("shutdown of a UDP socket: {r:?}"));

    // DNS: no name, a name too long, not UTF-8.
    for (what, bytes, length) in [("empty", &b""[..], 0), ("4000 bytes", &[b'a'; 4000][..], 4000), ("not UTF-8", &[0xff, 0xfe][..], 2)] {
        let mut page = Page([0; 4096]);
        page.0[..bytes.len()].copy_from_slice(bytes);
        let r = lend(cid, InvokeType::LendMut, net::DNS_RAW_LOOKUP, &mut page, 0, length);
        c.check(r.0 == returned && page.0[0] != 0, format!("DNS lookup of a name {what}: {r:?}"));
    }

    // Still serving: close the socket and bind its port again.
    let r = blocking(cid, id(net::UDP_CLOSE, socket), [0; 4]);
    let (valid, _) = udp_bind(cid, 5353);
    c.check(r == Some(0) && valid != 0, format!("after all that, close and bind again: {r:?} {valid}"));
    // RAW_BENCH (ours, for ./x bench) exists only in the service's bench
    // build: here a well-formed one is an unknown request, as are the
    // malformed ones that build refuses.
    for (what, direction, port) in [("a transfer to the host", 0u8, 9u16), ("direction 7", 7, 9), ("port 0", 0, 0)] {
        let mut page = Page([0; 4096]);
        page.0[0] = direction;
        page.0[1..5].copy_from_slice(&100u32.to_le_bytes());
        page.0[5..7].copy_from_slice(&port.to_le_bytes());
        page.0[7..11].copy_from_slice(&[10, 0, 2, 2]);
        let r = lend(cid, InvokeType::LendMut, net::RAW_BENCH, &mut page, 0, 0);
        c.check(r.0 == returned && page.0[0] == 1 && page.0[1] == error::INVALID, format!("RAW_BENCH with {what}: {r:?} {:?}", &page.0[..2]));
    }
    // A listen from a client that reads two-byte numbers (std-xous, byte
    // 19 = 1) and one from a client that reads one (upstream): both get a
    // number the client can read back, the high byte at 4 for the first.
    for wide in [1u8, 0] {
        let mut page = Page([0xee; 4096]);
        page.0[..2].copy_from_slice(&0u16.to_le_bytes());
        page.0[2..7].copy_from_slice(&[4, 0, 0, 0, 0]);
        page.0[19] = wide;
        let r = lend(cid, InvokeType::LendMut, net::TCP_LISTEN, &mut page, 0, 4096);
        let number = if wide == 1 { u16::from_le_bytes([page.0[1], page.0[4]]) as usize } else { page.0[1] as usize };
        let closed = blocking(cid, id(net::TCP_CLOSE, number), [0; 4]);
        c.check(r.0 == returned && page.0[0] == 0 && number != 0 && closed == Some(0), format!("listen (wide {wide}): socket {number}, closed {closed:?}"));
    }
    versions(&mut c);
    poll_requests(&mut c, cid);
    dying_client(&mut c);
    budget(&mut c, cid);
    c.finish();
}

/// UDP between IP versions: a socket bound to 127.0.0.1 sending to [::1]
/// and one bound to [::1] sending to 127.0.0.1 get an error (InvalidInput),
/// and the service lives on: a datagram on [::1] still goes through.
fn versions(c: &mut Checks) {
    use std::net::UdpSocket;
    let r = (|| -> std::io::Result<_> {
        let v4 = UdpSocket::bind("127.0.0.1:0")?;
        let v6 = UdpSocket::bind("[::1]:0")?;
        let across = (v4.send_to(b"x", v6.local_addr()?).map_err(|e| e.kind()), v6.send_to(b"x", v4.local_addr()?).map_err(|e| e.kind()));
        let other = UdpSocket::bind("[::1]:0")?;
        other.send_to(b"v6", v6.local_addr()?)?;
        v6.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
        let mut buf = [0u8; 4];
        let (n, from) = v6.recv_from(&mut buf)?;
        Ok((across, &buf[..n] == b"v6" && from == other.local_addr()?))
    })();
    let invalid = Err(std::io::ErrorKind::InvalidInput);
    c.check(matches!(&r, Ok((a, true)) if *a == (invalid, invalid)), format!("UDP from 127.0.0.1 to [::1] and back refused, then [::1] to [::1] works: {r:?}"));
}

/// POLL and WAKE (`xous_abi::services::net_poll`) as std never sends
/// them: a count past the lent buffer or past the limit, an interest bit
/// that does not exist, a read-only lend; WAKE with key 0, an unknown
/// action, and more remembered wakes than allowed. Each gets an error
/// reply, and a good poll is answered afterwards. A socket that is not
/// open is no error: its entry comes back invalid and ready.
fn poll_requests(c: &mut Checks, cid: usize) {
    use xous_abi::services::net_poll as poll;
    let request = |count: u32, entries: &[(u16, u16)]| {
        let mut page = Page([0; 4096]);
        page.0[poll::COUNT_AT..poll::COUNT_AT + 4].copy_from_slice(&count.to_le_bytes());
        page.0[poll::TIMEOUT_AT..poll::TIMEOUT_AT + 8].copy_from_slice(&0u64.to_le_bytes());
        for (i, (socket, interest)) in entries.iter().enumerate() {
            let at = poll::HEADER + i * poll::ENTRY;
            page.0[at..at + 2].copy_from_slice(&socket.to_le_bytes());
            page.0[at + 2..at + 4].copy_from_slice(&interest.to_le_bytes());
        }
        page
    };
    let listener = listen_any(cid).expect("a listener") as u16;
    let cases: [(&str, u32, Vec<(u16, u16)>, u8); 3] = [
        ("a count of 2^32-1", u32::MAX, vec![], error::INVALID),
        ("600 entries in one page", 600, vec![], error::INVALID),
        ("interest bit 0x80", 1, vec![(listener, 0x80)], error::INVALID),
    ];
    for (what, count, entries, code) in cases {
        let mut page = request(count, &entries);
        let r = lend(cid, InvokeType::LendMut, poll::POLL, &mut page, 0, 4096);
        c.check(r.0 == SyscallResult::MemoryReturned as usize && page.0[poll::STATUS_AT] == 1 && page.0[poll::ERROR_AT] == code,
            format!("POLL with {what}: {r:?} {:?}", &page.0[..2]));
    }
    // A socket that is not the caller's (never opened, or closed while a
    // poller held its list) is an invalid entry, ready at once, as
    // poll(2)'s POLLNVAL: the rest of the poll is answered.
    let events = |page: &Page, i: usize| {
        let at = poll::HEADER + i * poll::ENTRY + poll::EVENTS_AT;
        u16::from_le_bytes([page.0[at], page.0[at + 1]])
    };
    for (what, entries) in [("socket 999, not open", vec![(999u16, 1u16)]), ("a good socket, then socket 0", vec![(listener, 1), (0, 1)])] {
        let mut page = request(entries.len() as u32, &entries);
        let r = lend(cid, InvokeType::LendMut, poll::POLL, &mut page, 0, 4096);
        let ready = u32::from_le_bytes(page.0[poll::READY_AT..poll::READY_AT + 4].try_into().unwrap());
        let last = entries.len() - 1;
        let good_quiet = last == 0 || events(&page, 0) == 0;
        c.check(r.0 == SyscallResult::MemoryReturned as usize && page.0[poll::STATUS_AT] == 0 && ready == 1
                && events(&page, last) == poll::event::INVALID && good_quiet,
            format!("POLL with {what}: answered, that entry invalid and ready: {r:?} {:?}, ready {ready}, events {:?}",
                &page.0[..2], (0..entries.len()).map(|i| events(&page, i)).collect::<Vec<_>>()));
    }
    let mut page = request(1, &[(listener, 1)]);
    let r = lend(cid, InvokeType::Lend, poll::POLL, &mut page, 0, 4096);
    c.check(r.0 == SyscallResult::MemoryReturned as usize, format!("POLL lent read-only is returned: {r:?}"));
    for (what, key, action) in [("key 0", 0, poll::WAKE_SET), ("action 7", 5, 7)] {
        let r = blocking(cid, poll::WAKE, [key, action, 0, 0]);
        c.check(r.is_some_and(|v| v != 0), format!("WAKE with {what}: {r:?}"));
    }
    let set: Vec<_> = (1..=poll::MAX_PENDING_WAKES + 1).map(|key| blocking(cid, poll::WAKE, [key, poll::WAKE_SET, 0, 0])).collect();
    let refused = set.iter().filter(|r| **r == Some(error::LIBRARY_ERROR as usize)).count();
    let accepted = set.iter().filter(|r| **r == Some(0)).count();
    c.check(accepted == poll::MAX_PENDING_WAKES && refused == 1, format!("{} wakes of distinct keys: {accepted} remembered, {refused} refused", set.len()));
    for key in 1..=poll::MAX_PENDING_WAKES {
        blocking(cid, poll::WAKE, [key, poll::WAKE_FORGET, 0, 0]);
    }
    let again = blocking(cid, poll::WAKE, [9999, poll::WAKE_SET, 0, 0]);
    let forgot = blocking(cid, poll::WAKE, [9999, poll::WAKE_FORGET, 0, 0]);
    c.check(again == Some(0) && forgot == Some(0), format!("once forgotten, a wake is remembered again: {again:?} {forgot:?}"));
    let mut page = request(1, &[(listener, 1)]);
    let r = lend(cid, InvokeType::LendMut, poll::POLL, &mut page, 0, 4096);
    let ready = u32::from_le_bytes(page.0[poll::READY_AT..poll::READY_AT + 4].try_into().unwrap());
    c.check(r.0 == SyscallResult::MemoryReturned as usize && page.0[poll::STATUS_AT] == 0 && ready == 0,
        format!("then a good POLL, timeout 0, is answered: nothing ready: {r:?} {:?}", &page.0[..8]));
    let closed = blocking(cid, id(net::TCP_CLOSE, listener as usize), [0; 4]);
    c.check(closed == Some(0), format!("its listener closed: {closed:?}"));
}

/// A listen for 127.0.0.1:0 as std-xous asks it: the socket number, or
/// the error code.
fn listen_any(cid: usize) -> Result<usize, u8> {
    let mut page = Page([0; 4096]);
    page.0[2..7].copy_from_slice(&[4, 127, 0, 0, 1]);
    page.0[19] = 1;
    let (_, _, valid) = lend(cid, InvokeType::LendMut, net::TCP_LISTEN, &mut page, 0, 4096);
    if valid == 0 || page.0[0] != 0 {
        return Err(page.0[1]);
    }
    Ok(u16::from_le_bytes([page.0[1], page.0[4]]) as usize)
}

/// The service's socket buffer budget (services/net/src/service.rs), tried
/// this way: listeners (the biggest: a backlog of sockets each) are opened
/// until one is refused, then UDP sockets (smaller) until refused, so
/// that the budget is spent down to less than one socket. Each refusal
/// must be an error reply with the code std reads as `Other` (listen, UDP
/// bind) or `ResourceBusy` (connect), and std's own calls must read them
/// so. Bounded: more than 400 of either is a failure (the budget would
/// not be there). Once everything is closed, a new listener, connection
/// and echo must work: the service lives and has its memory back.
fn budget(c: &mut Checks, cid: usize) {
    use std::io::{ErrorKind, Read, Write};
    use std::net::{TcpListener, TcpStream, UdpSocket};
    let mut listeners = Vec::new();
    let listen_refused = loop {
        match listen_any(cid) {
            Ok(number) if listeners.len() < 400 => listeners.push(number),
            Ok(_) => break None,
            Err(code) => break Some(code),
        }
    };
    let mut udp = Vec::new();
    let udp_refused = loop {
        let mut page = Page([0; 4096]);
        page.0[2..7].copy_from_slice(&[4, 127, 0, 0, 1]);
        page.0[19] = 1;
        let (_, _, valid) = lend(cid, InvokeType::LendMut, net::UDP_BIND, &mut page, 0, 4096);
        if valid == 0 || page.0[0] != 0 {
            break Some(page.0[1]);
        }
        udp.push(u16::from_le_bytes([page.0[1], page.0[4]]) as usize);
        if udp.len() > 400 {
            break None;
        }
    };
    println!("net-protocol: the service refused the listener after {} and the UDP socket after {}", listeners.len(), udp.len());
    c.check(
        !listeners.is_empty() && listen_refused == Some(error::LIBRARY_ERROR) && udp_refused == Some(error::LIBRARY_ERROR),
        format!("sockets until refused: {} listeners then {listen_refused:?}, {} UDP sockets then {udp_refused:?}", listeners.len(), udp.len()),
    );
    // The budget spent, std's calls get errors of the kinds they should.
    let tcp = TcpListener::bind("127.0.0.1:0").map(|_| ());
    let datagram = UdpSocket::bind("127.0.0.1:0").map(|_| ());
    let stream = TcpStream::connect("127.0.0.1:9").map(|_| ());
    let kind = |r: &std::io::Result<()>| r.as_ref().err().map(|e| e.kind());
    c.check(
        kind(&tcp) == Some(ErrorKind::Other) && kind(&datagram) == Some(ErrorKind::Other) && kind(&stream) == Some(ErrorKind::ResourceBusy),
        format!("std, the budget spent: TcpListener::bind {tcp:?}, UdpSocket::bind {datagram:?}, TcpStream::connect {stream:?}"),
    );
    let closed = listeners.iter().chain(&udp).filter(|&&n| {
        let opcode = if udp.contains(&n) { net::UDP_CLOSE } else { net::TCP_CLOSE };
        blocking(cid, id(opcode, n), [0; 4]) == Some(0)
    });
    let closed = closed.count();
    c.check(closed == listeners.len() + udp.len(), format!("all {closed} closed"));
    let echo = (|| -> std::io::Result<Vec<u8>> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let mut client = TcpStream::connect(listener.local_addr()?)?;
        let (mut server, _) = listener.accept()?;
        client.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
        server.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
        client.write_all(b"still here")?;
        let mut got = [0u8; 10];
        server.read_exact(&mut got)?;
        server.write_all(&got)?;
        client.read_exact(&mut got)?;
        Ok(got.to_vec())
    })();
    c.check(matches!(&echo, Ok(b) if b == b"still here"), format!("after closing them, a new listener, connection and echo: {echo:?}"));
}

/// test-apps/net-dying-client's server here (the same name is in its main.rs).
const WITNESS: &str = "net-dying-wit";

/// test-apps/net-dying-client, booted beside this program, holds TCP
/// 127.0.0.1:7700 (listening, with an accepted connection), UDP 7701 and a
/// blocked accept on 7702 when it reports here, and faults once answered.
/// Its ports must be taken while it lives and free once the kernel has
/// told the service of its end (tried for at most 10 s).
fn dying_client(c: &mut Checks) {
    use std::net::{TcpListener, UdpSocket};
    let in_use = |r: std::io::Result<()>| matches!(r, Err(e) if e.kind() == std::io::ErrorKind::AddrInUse);
    let sid = xous_abi::services::sid_from_name(WITNESS).expect("a short name").map(|w| w as usize);
    let r = ecall([Syscall::CreateServerWithAddress as usize, sid[0], sid[1], sid[2], sid[3], 0, 0, 0]);
    assert_eq!(r[0], SyscallResult::NewServerId as usize, "CreateServerWithAddress: {r:?}");
    let message = ecall([Syscall::ReceiveMessage as usize, sid[0], sid[1], sid[2], sid[3], 0, 0, 0]);
    assert_eq!(message[0], SyscallResult::MessageEnvelope as usize, "ReceiveMessage: {message:?}");
    let tcp = TcpListener::bind("127.0.0.1:7700").map(|_| ());
    let udp = UdpSocket::bind("127.0.0.1:7701").map(|_| ());
    c.check(in_use(tcp) && in_use(udp), "while net-dying-client lives, its ports 7700 (TCP) and 7701 (UDP) are taken".into());
    let answered = ecall([Syscall::ReturnScalar1 as usize, message[1], 0, 0, 0, 0, 0, 0]);
    assert_eq!(answered[0], SyscallResult::Ok as usize, "ReturnScalar1: {answered:?}");
    let mut freed = None;
    for _ in 0..100 {
        let all = TcpListener::bind("127.0.0.1:7700")
            .and_then(|a| Ok((a, UdpSocket::bind("127.0.0.1:7701")?, TcpListener::bind("127.0.0.1:7702")?)));
        if let Ok(all) = all {
            freed = Some(all);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    c.check(freed.is_some(), "once net-dying-client faulted, the service closed its sockets: 7700, 7701 and 7702 bind again".into());
}
