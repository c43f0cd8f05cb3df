//! std::net on the target, against the host side of `./x test` (xtask's
//! net check), which runs on the host's loopback: a TCP server speaking a
//! one-line command protocol (`echo`, `sink N`, `source N`) and a UDP echo
//! server, both reached as 10.0.2.2; a DNS responder behind `--dns
//! 10.0.2.2`; and clients that reach this program's listener and UDP
//! socket through `--hostfwd`; and itself over 127.0.0.1 and ::1, which
//! the service loops back. The ports come in the environment. Every
//! wait is bounded by a timeout, so a broken service fails a check rather
//! than hanging the run.

use checks::Checks;
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

const HOST: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 2);
const BIG: usize = 16 << 20;
const LIMIT: Duration = Duration::from_secs(20);

fn port(name: &str) -> u16 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{name} is not set"))
}

/// The byte at `i` of a transfer, so both ends can check what came.
fn pattern(i: usize) -> u8 {
    (i as u8).wrapping_mul(31) ^ (i >> 11) as u8
}

fn fnv(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}
const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

fn host(port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(HOST), port)
}

fn command(port: u16, line: &str) -> std::io::Result<TcpStream> {
    let mut s = TcpStream::connect_timeout(&host(port), Duration::from_secs(10))?;
    s.set_read_timeout(Some(LIMIT))?;
    s.write_all(line.as_bytes())?;
    Ok(s)
}

fn echo_once(port: u16, text: &[u8]) -> std::io::Result<bool> {
    let mut s = command(port, "echo\n")?;
    s.write_all(text)?;
    let mut back = vec![0; text.len()];
    s.read_exact(&mut back)?;
    Ok(back == text)
}

fn main() {
    let mut c = Checks::new("net");
    let server = port("HOST_TCP_PORT");
    let udp_server = port("HOST_UDP_PORT");
    let guest_tcp = port("GUEST_TCP_PORT");
    let guest_udp = port("GUEST_UDP_PORT");

    // Serve first: the host's clients keep trying until we are there.
    let listener = TcpListener::bind(("0.0.0.0", guest_tcp));
    c.check(listener.is_ok(), format!("TcpListener::bind(0.0.0.0:{guest_tcp}): {:?}", listener.as_ref().err()));
    let udp_in = UdpSocket::bind(("0.0.0.0", guest_udp));
    c.check(udp_in.is_ok(), format!("UdpSocket::bind(0.0.0.0:{guest_udp}): {:?}", udp_in.as_ref().err()));

    // The host's clients, through --hostfwd.
    if let Ok(quiet) = TcpListener::bind("0.0.0.0:0") {
        let _ = quiet.set_nonblocking(true);
        let r = quiet.accept();
        c.check(matches!(&r, Err(e) if e.kind() == ErrorKind::WouldBlock), format!("nonblocking accept with no one there: {:?}", r.as_ref().err()));
    }
    if let Ok(listener) = listener {
        for round in 0..3 {
            let served = listener.accept().and_then(|(mut s, peer)| {
                s.set_read_timeout(Some(LIMIT))?;
                let mut buf = [0u8; 4096];
                let mut total = 0;
                loop {
                    let n = s.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    s.write_all(&buf[..n])?;
                    total += n;
                }
                Ok((peer, total))
            });
            c.check(served.is_ok(), format!("accepted and echoed the host's connection {round}: {served:?}"));
        }
    }
    if let Ok(u) = udp_in {
        let _ = u.set_read_timeout(Some(LIMIT));
        let mut buf = [0u8; 512];
        let echoed = u.recv_from(&mut buf).and_then(|(n, from)| u.send_to(&buf[..n], from).map(|_| n));
        c.check(echoed.is_ok(), format!("UDP datagram from the host through --hostfwd, echoed: {echoed:?}"));
    }
    // A client to the host.
    c.check(matches!(echo_once(server, b"hello, host"), Ok(true)), "TCP echo through the host's loopback (10.0.2.2)".into());
    match command(server, "echo\n") {
        Ok(s) => {
            c.check(s.peer_addr().ok() == Some(host(server)), format!("peer_addr {:?}", s.peer_addr()));
            let local = s.local_addr();
            c.check(local.as_ref().is_ok_and(|a| a.ip() == IpAddr::V4(Ipv4Addr::new(10, 0, 2, 15))), format!("local_addr {local:?}"));
            c.check(s.set_nodelay(true).is_ok() && s.nodelay().ok() == Some(true), "set_nodelay(true), nodelay()".into());
            c.check(s.set_ttl(33).is_ok() && s.ttl().ok() == Some(33), format!("set_ttl(33), ttl() = {:?}", s.ttl()));
            // Nothing to read: the timeout ends the read.
            let _ = s.set_read_timeout(Some(Duration::from_millis(300)));
            let start = Instant::now();
            let mut buf = [0u8; 16];
            let r = (&s).read(&mut buf);
            let waited = start.elapsed();
            c.check(
                matches!(&r, Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut)
                    && waited >= Duration::from_millis(250) && waited < Duration::from_secs(3),
                format!("read timeout of 300 ms: {r:?} after {waited:?}"),
            );
            let _ = s.set_nonblocking(true);
            let r = (&s).read(&mut buf);
            c.check(matches!(&r, Err(e) if e.kind() == ErrorKind::WouldBlock), format!("nonblocking read with nothing there: {r:?}"));
            let _ = s.set_nonblocking(false);
            let _ = s.set_read_timeout(Some(LIMIT));
            let peeked = (&s).write_all(b"peek me").and_then(|_| {
                std::thread::sleep(Duration::from_millis(200));
                (&s).peek(&mut buf)
            });
            c.check(matches!(peeked, Ok(n) if n > 0 && buf[..n] == b"peek me"[..n]), format!("peek: {peeked:?}"));
            let mut all = Vec::new();
            let shut = s.shutdown(Shutdown::Write).and_then(|_| (&s).read_to_end(&mut all));
            c.check(shut.is_ok() && all == b"peek me", format!("shutdown(Write): the host echoes, then end of stream: {shut:?} {all:?}"));
        }
        Err(e) => c.check(false, format!("connect for the stream checks: {e}")),
    }
    let refused = TcpStream::connect_timeout(&host(port("HOST_CLOSED_PORT")), Duration::from_secs(10));
    c.check(
        matches!(&refused, Err(e) if e.kind() == ErrorKind::ConnectionRefused),
        format!("connect to a closed port of the host: ConnectionRefused: {:?}", refused.err()),
    );

    // 32 connections at once: 8 threads with 4 each.
    let workers: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                let streams: Vec<_> = (0..4).map(|_| command(server, "echo\n")).collect::<Result<_, _>>()?;
                for round in 0..3u8 {
                    for (i, mut s) in streams.iter().enumerate() {
                        s.write_all(&[t, i as u8, round])?;
                    }
                    for (i, mut s) in streams.iter().enumerate() {
                        let mut b = [0u8; 3];
                        s.read_exact(&mut b)?;
                        if b != [t, i as u8, round] {
                            return Err(std::io::Error::other("wrong echo"));
                        }
                    }
                }
                Ok::<_, std::io::Error>(())
            })
        })
        .collect();
    let results: Vec<_> = workers.into_iter().map(|w| w.join().map_err(|_| "panicked").and_then(|r| r.map_err(|_| "failed"))).collect();
    c.check(results.iter().all(|r| r.is_ok()), format!("32 concurrent connections from 8 threads: {results:?}"));

    // 16 MiB each way, with a checksum.
    let start = Instant::now();
    let up = command(server, &format!("sink {BIG}\n")).and_then(|mut s| {
        let mut chunk = vec![0u8; 64 * 1024];
        let mut sent = 0;
        let mut hash = FNV_START;
        while sent < BIG {
            let n = chunk.len().min(BIG - sent);
            for (i, b) in chunk[..n].iter_mut().enumerate() {
                *b = pattern(sent + i);
            }
            hash = fnv(hash, &chunk[..n]);
            s.write_all(&chunk[..n])?;
            sent += n;
        }
        let mut answer = [0u8; 8];
        s.read_exact(&mut answer)?;
        Ok(u64::from_le_bytes(answer) == hash)
    });
    c.check(matches!(up, Ok(true)), format!("16 MiB to the host, checksum matches: {up:?} in {:?}", start.elapsed()));
    let start = Instant::now();
    let down = command(server, &format!("source {BIG}\n")).and_then(|mut s| {
        let mut chunk = vec![0u8; 64 * 1024];
        let (mut got, mut good) = (0, true);
        loop {
            let n = s.read(&mut chunk)?;
            if n == 0 {
                break;
            }
            good &= chunk[..n].iter().enumerate().all(|(i, &b)| b == pattern(got + i));
            got += n;
        }
        Ok(good && got == BIG)
    });
    c.check(matches!(down, Ok(true)), format!("16 MiB from the host, every byte right: {down:?} in {:?}", start.elapsed()));

    // UDP to the host's echo server.
    match UdpSocket::bind("0.0.0.0:0") {
        Ok(u) => {
            let local = u.local_addr();
            c.check(local.as_ref().is_ok_and(|a| a.port() != 0), format!("UdpSocket::bind(0.0.0.0:0) reports the port it got: {local:?}"));
            let _ = u.set_read_timeout(Some(Duration::from_secs(5)));
            let sent = u.send_to(b"datagram", host(udp_server));
            let mut buf = [0u8; 64];
            let got = u.recv_from(&mut buf);
            c.check(
                sent.is_ok() && matches!(got, Ok((8, from)) if from == host(udp_server)) && &buf[..8] == b"datagram",
                format!("UDP send_to and recv_from the host: {sent:?} {got:?}"),
            );
            let _ = u.connect(host(udp_server));
            let peeked = u.send(b"again").and_then(|_| u.peek(&mut buf));
            let got = u.recv(&mut buf);
            c.check(matches!(peeked, Ok(5)) && matches!(got, Ok(5)) && &buf[..5] == b"again", format!("UDP connect, send, peek, recv: {peeked:?} {got:?}"));
            let _ = u.set_read_timeout(Some(Duration::from_millis(300)));
            let r = u.recv(&mut buf);
            c.check(matches!(&r, Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut), format!("UDP read timeout: {r:?}"));
            let _ = u.set_nonblocking(true);
            let r = u.recv(&mut buf);
            c.check(matches!(&r, Err(e) if e.kind() == ErrorKind::WouldBlock), format!("UDP nonblocking recv: {r:?}"));
        }
        Err(e) => c.check(false, format!("UdpSocket::bind(0.0.0.0:0): {e}")),
    }

    loopback(&mut c, IpAddr::V4(Ipv4Addr::LOCALHOST));
    loopback(&mut c, IpAddr::V6(Ipv6Addr::LOCALHOST));

    // DNS, answered by the host's responder.
    let found = ("net-test.xous.test", 80).to_socket_addrs().map(|a| a.collect::<Vec<_>>());
    let expected = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)), 80);
    c.check(matches!(&found, Ok(a) if a.contains(&expected)), format!("lookup of net-test.xous.test: {found:?}"));

    c.finish();
}

/// 127.0.0.1 and ::1 are the guest's own (the service loops them back):
/// a listener and a client on one, TCP and UDP; `lo` is which.
fn loopback(c: &mut Checks, lo: IpAddr) {
    let listener = TcpListener::bind((lo, 0));
    let at = listener.as_ref().ok().and_then(|l| l.local_addr().ok());
    c.check(at.is_some_and(|a| a.ip() == lo && a.port() != 0), format!("TcpListener::bind({lo}:0): {at:?} {:?}", listener.as_ref().err()));
    if let (Ok(listener), Some(at)) = (listener, at) {
        let client = TcpStream::connect_timeout(&at, Duration::from_secs(10));
        // Accepted only once connected: a failed connect must not leave
        // the accept waiting for good.
        let talked = client.and_then(|mut client| {
            let (mut server, peer) = listener.accept()?;
            client.set_read_timeout(Some(LIMIT))?;
            server.set_read_timeout(Some(LIMIT))?;
            client.write_all(b"to myself")?;
            let mut buf = [0u8; 9];
            server.read_exact(&mut buf)?;
            server.write_all(&buf)?;
            let mut back = [0u8; 9];
            client.read_exact(&mut back)?;
            let local = client.local_addr()?;
            Ok((back == *b"to myself", peer == local && local.ip() == lo && client.peer_addr()? == at && server.local_addr()?.ip() == lo))
        });
        c.check(matches!(talked, Ok((true, true))), format!("TCP over loopback ({lo}), both ends in this process, their addresses: {talked:?}"));
    }
    ends(c, lo);
    let pair = UdpSocket::bind((lo, 0)).and_then(|a| Ok((UdpSocket::bind((lo, 0))?, a)));
    let udp = pair.and_then(|(a, b)| {
        a.set_read_timeout(Some(LIMIT))?;
        b.send_to(b"loop", a.local_addr()?)?;
        let mut buf = [0u8; 2];
        let (n, from) = a.recv_from(&mut buf)?;
        Ok((n, buf, from == b.local_addr()?))
    });
    c.check(matches!(udp, Ok((2, [b'l', b'o'], true))), format!("UDP over loopback ({lo}), a 4-byte datagram into a 2-byte buffer: {udp:?}"));
}

/// A connected pair on the listener's address: (client, accepted server end).
fn pair(listener: &TcpListener) -> std::io::Result<(TcpStream, TcpStream)> {
    let client = TcpStream::connect_timeout(&listener.local_addr()?, Duration::from_secs(10))?;
    let (server, _) = listener.accept()?;
    client.set_read_timeout(Some(LIMIT))?;
    server.set_read_timeout(Some(LIMIT))?;
    Ok((client, server))
}

/// How connections end, seen from the other side, and the listener's port.
fn ends(c: &mut Checks, lo: IpAddr) {
    let Ok(listener) = TcpListener::bind((lo, 0)) else {
        return c.check(false, format!("TcpListener::bind({lo}:0) for the ends"));
    };
    let at = listener.local_addr().expect("bound");

    // A peer that closes after reading everything: end of stream.
    let closed = pair(&listener).and_then(|(mut client, server)| {
        drop(server);
        let mut buf = [0u8; 8];
        client.read(&mut buf)
    });
    c.check(matches!(closed, Ok(0)), format!("{lo}: the peer closed: read gives end of stream: {closed:?}"));

    // A peer that closes with data it never read: a reset (as from Linux).
    let reset = pair(&listener).and_then(|(mut client, server)| {
        client.write_all(b"never read")?;
        std::thread::sleep(Duration::from_millis(300));
        drop(server);
        let mut buf = [0u8; 8];
        let read = client.read(&mut buf);
        Ok((read.map_err(|e| e.kind()), client.write(b"more").map_err(|e| e.kind())))
    });
    c.check(
        matches!(reset, Ok((Err(ErrorKind::ConnectionReset), Err(ErrorKind::ConnectionReset | ErrorKind::BrokenPipe)))),
        format!("{lo}: the peer reset: read gives ConnectionReset, then write fails: {reset:?}"),
    );

    // A nonblocking write into a peer that does not read: WouldBlock once
    // the buffers are full (at most 1 MiB tried).
    let blocked = pair(&listener).and_then(|(client, _server)| {
        client.set_nonblocking(true)?;
        let chunk = [7u8; 4096];
        let mut written = 0;
        for _ in 0..256 {
            match (&client).write(&chunk) {
                Ok(n) => written += n,
                Err(e) => return Ok((written, Some(e.kind()))),
            }
        }
        Ok((written, None))
    });
    c.check(
        matches!(blocked, Ok((n, Some(ErrorKind::WouldBlock))) if n > 0),
        format!("{lo}: nonblocking write to a peer that does not read: bytes, then WouldBlock: {blocked:?}"),
    );

    // Writes of 64 KiB (std-xous lends them in one message) into a peer
    // that does not read, until the buffers are full: nonblocking, and
    // blocking with a write timeout. The last write that took anything may
    // take part of its bytes; then WouldBlock. Every byte a write counted
    // reaches the peer, in order, and no other.
    for nonblocking in [true, false] {
        let filled = pair(&listener).and_then(|(client, mut server)| {
            if nonblocking {
                client.set_nonblocking(true)?;
            } else {
                client.set_write_timeout(Some(Duration::from_millis(300)))?;
            }
            let mut written = 0;
            let mut partial = false;
            let mut ended = None;
            for _ in 0..32 {
                let chunk: Vec<u8> = (written..written + 65536).map(pattern).collect();
                match (&client).write(&chunk) {
                    Ok(n) => {
                        partial |= n < chunk.len();
                        written += n;
                    }
                    Err(e) => {
                        ended = Some(e.kind());
                        break;
                    }
                }
            }
            drop(client);
            let mut got = Vec::new();
            server.read_to_end(&mut got)?;
            let intact = got.len() == written && got.iter().enumerate().all(|(i, &b)| b == pattern(i));
            Ok((written, partial, ended, intact))
        });
        c.check(
            matches!(filled, Ok((n, _, Some(ErrorKind::WouldBlock), true)) if n >= 32 * 1024),
            format!("{lo}: 64 KiB writes (nonblocking: {nonblocking}) to a peer that does not read: bytes, WouldBlock, and the peer gets exactly what was counted: {filled:?}"),
        );
    }

    // A read with a large buffer gets more than a page at once when that
    // much is there (std-xous lends up to 16 pages per read; upstream one).
    let large = pair(&listener).and_then(|(mut client, mut server)| {
        let sent: Vec<u8> = (0..48 * 1024).map(pattern).collect();
        server.write_all(&sent)?;
        let mut buf = vec![0u8; 64 * 1024];
        let mut most = 0;
        for _ in 0..100 {
            most = client.peek(&mut buf)?;
            if most >= 16 * 1024 {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut got = vec![0u8; sent.len()];
        client.read_exact(&mut got)?;
        Ok((most, got == sent))
    });
    c.check(
        matches!(large, Ok((n, true)) if n >= 16 * 1024),
        format!("{lo}: peek with a 64 KiB buffer returns at least 16 KiB of 48 KiB sent, and reading gives them all: {large:?}"),
    );

    // The listener keeps its port after accepts: a second bind is refused
    // while it lives, and the port is free again once it is dropped.
    let again = TcpListener::bind(at).map(|_| ()).map_err(|e| e.kind());
    c.check(again == Err(ErrorKind::AddrInUse), format!("a second bind of {at} while it listens: {again:?}"));
    drop(listener);
    let rebound = TcpListener::bind(at).map(|_| ());
    c.check(rebound.is_ok(), format!("bind of {at} after the listener was dropped: {rebound:?}"));

    // Nobody listening there: refused.
    let refused = TcpStream::connect_timeout(&at, Duration::from_secs(10)).map(|_| ()).map_err(|e| e.kind());
    c.check(refused == Err(ErrorKind::ConnectionRefused), format!("connect to {at} with no listener: {refused:?}"));
}
