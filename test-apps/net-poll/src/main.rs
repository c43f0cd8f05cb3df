//! `std::os::xous::net::poll` on 127.0.0.1, through std alone: what a
//! listener, a stream and a UDP socket report and when, a waker woken from
//! another thread (and before the poll), timeouts, a socket closed while
//! a poll waits, bad requests, and the network service answering another
//! thread's echo while a poll waits in it.

use checks::Checks;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::os::xous::net::{poll, AsRawSocket, Events, Interest, PollFd, PollWaker, Polled};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const LONG: Option<Duration> = Some(Duration::from_secs(10));
const NOW: Option<Duration> = Some(Duration::ZERO);

/// Polls one socket; its events and the outcome.
fn one(socket: &impl AsRawSocket, interest: Interest, timeout: Option<Duration>) -> std::io::Result<(Events, Polled)> {
    let mut fds = [PollFd::new(socket.as_raw_socket(), interest)];
    let polled = poll(&mut fds, None, timeout)?;
    Ok((fds[0].events(), polled))
}

fn pair(listener: &TcpListener) -> std::io::Result<(TcpStream, TcpStream)> {
    let client = TcpStream::connect(listener.local_addr()?)?;
    let (server, _) = listener.accept()?;
    Ok((client, server))
}

fn main() {
    let mut c = Checks::new("net-poll");
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");

    // A listener: nothing to accept, then a connection.
    let start = Instant::now();
    let r = one(&listener, Interest::READABLE, Some(Duration::from_millis(300)));
    let waited = start.elapsed();
    c.check(matches!(r, Ok((e, p)) if e.is_empty() && p.ready() == 0 && !p.woken()) && waited >= Duration::from_millis(300),
        format!("a listener with no connection: nothing after the 300 ms timeout ({waited:?}): {r:?}"));
    let client = TcpStream::connect(listener.local_addr().unwrap()).expect("connect");
    let r = one(&listener, Interest::READABLE, LONG);
    c.check(matches!(r, Ok((e, p)) if e.is_readable() && p.ready() == 1), format!("a connection waiting: the listener is readable: {r:?}"));
    let (server, _) = listener.accept().expect("accept");

    // A stream: writable at once, readable once bytes come, not before.
    let r = one(&client, Interest::WRITABLE, LONG);
    c.check(matches!(r, Ok((e, _)) if e.is_writable() && !e.is_readable()), format!("a new stream is writable (and only writable asked): {r:?}"));
    let r = one(&server, Interest::READABLE, NOW);
    c.check(matches!(r, Ok((e, p)) if e.is_empty() && p.ready() == 0), format!("no bytes yet: not readable (timeout 0 answers at once): {r:?}"));
    let waiter = {
        let number = server.as_raw_socket();
        thread::spawn(move || {
            let mut fds = [PollFd::new(number, Interest::READABLE)];
            poll(&mut fds, None, LONG).map(|p| (fds[0].events(), p))
        })
    };
    thread::sleep(Duration::from_millis(200));
    (&client).write_all(b"ping").unwrap();
    let r = waiter.join().unwrap();
    c.check(matches!(r, Ok((e, p)) if e.is_readable() && !e.is_read_closed() && p.ready() == 1),
        format!("a poll waiting on another thread ends when bytes arrive: {r:?}"));
    let mut got = [0u8; 4];
    (&server).read_exact(&mut got).unwrap();
    let r = one(&server, Interest::READABLE, NOW);
    c.check(matches!(r, Ok((e, _)) if e.is_empty()), format!("read out: not readable again (level-triggered): {r:?}"));

    // Nonblocking calls say WouldBlock where a poll says not ready.
    server.set_nonblocking(true).unwrap();
    listener.set_nonblocking(true).unwrap();
    let read = (&server).read(&mut got).map_err(|e| e.kind());
    let accepted = listener.accept().map(|_| ()).map_err(|e| e.kind());
    c.check(read == Err(ErrorKind::WouldBlock) && accepted == Err(ErrorKind::WouldBlock),
        format!("nonblocking read and accept with nothing there: {read:?} {accepted:?}"));
    listener.set_nonblocking(false).unwrap();

    // Writable again once the peer reads: fill the connection first.
    client.set_nonblocking(true).unwrap();
    let chunk = [7u8; 16 * 1024];
    let mut sent = 0usize;
    let full = loop {
        match (&client).write(&chunk) {
            Ok(n) => sent += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break true,
            Err(_) => break false,
        }
        if sent > 64 * 1024 * 1024 {
            break false;
        }
    };
    let r = one(&client, Interest::WRITABLE, NOW);
    c.check(full && matches!(r, Ok((e, _)) if e.is_empty()), format!("after {sent} bytes the stream is full: not writable: {r:?}"));
    let drain = {
        let server = server.try_clone().unwrap();
        thread::spawn(move || {
            server.set_nonblocking(false).unwrap();
            let mut buffer = vec![0u8; 64 * 1024];
            let mut left = sent;
            while left > 0 {
                match (&server).read(&mut buffer[..left.min(64 * 1024)]) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => left -= n,
                }
            }
            left
        })
    };
    let r = one(&client, Interest::WRITABLE, LONG);
    c.check(matches!(r, Ok((e, _)) if e.is_writable()), format!("writable again once the peer reads: {r:?}"));
    let left = drain.join().unwrap();
    c.check(left == 0, format!("the peer read all {sent} bytes ({left} left)"));

    // Hang-up: the peer's shutdown(Write) reads as readable and read-closed.
    client.shutdown(Shutdown::Write).unwrap();
    let r = one(&server, Interest::READABLE, LONG);
    let eof = (&server).read(&mut got).map_err(|e| e.kind());
    c.check(matches!(r, Ok((e, _)) if e.is_readable() && e.is_read_closed() && !e.is_error()) && eof == Ok(0),
        format!("the peer's FIN: readable, read closed, and a read gives the end: {r:?} {eof:?}"));
    let r = one(&client, Interest::WRITABLE, NOW);
    c.check(matches!(r, Ok((e, _)) if e.is_write_closed()), format!("after our shutdown(Write): write closed: {r:?}"));
    drop(client);
    drop(server);

    // A reset: the peer closes with bytes it never read.
    let (client, server) = pair(&listener).unwrap();
    (&server).write_all(b"never read").unwrap();
    thread::sleep(Duration::from_millis(100));
    drop(client);
    let r = one(&server, Interest::READABLE, LONG);
    let after = (&server).read(&mut got).map_err(|e| e.kind());
    c.check(matches!(r, Ok((e, _)) if e.is_error() && e.is_read_closed()) && after == Err(ErrorKind::ConnectionReset),
        format!("the peer's reset: error and read closed, and a read says ConnectionReset: {r:?} {after:?}"));
    drop(server);

    // Many sockets: only the one with bytes is ready; interest NONE shows nothing.
    let pairs: Vec<_> = (0..12).map(|_| pair(&listener).unwrap()).collect();
    (&pairs[7].0).write_all(b"x").unwrap();
    let mut fds: Vec<_> = pairs.iter().map(|(_, s)| PollFd::new(s.as_raw_socket(), Interest::READABLE)).collect();
    fds.push(PollFd::new(pairs[3].1.as_raw_socket(), Interest::NONE));
    let r = poll(&mut fds, None, LONG);
    let ready: Vec<usize> = fds.iter().enumerate().filter(|(_, f)| !f.events().is_empty()).map(|(i, _)| i).collect();
    c.check(matches!(r, Ok(p) if p.ready() == 1) && ready == [7], format!("13 entries, bytes on one: only it is ready: {r:?} {ready:?}"));

    // A socket closed while a poll waits on it: the poller says when it
    // is about to poll, and the socket is closed 200 ms after that.
    let (a, b) = pairs.into_iter().nth(0).unwrap();
    let number = b.as_raw_socket();
    let (polling, about_to) = std::sync::mpsc::channel();
    let waiter = thread::spawn(move || {
        let mut fds = [PollFd::new(number, Interest::READABLE)];
        polling.send(()).unwrap();
        poll(&mut fds, None, LONG).map(|p| (fds[0].events(), p))
    });
    about_to.recv().unwrap();
    thread::sleep(Duration::from_millis(200));
    drop(b);
    let r = waiter.join().unwrap();
    c.check(matches!(r, Ok((e, _)) if e.is_invalid()), format!("closed while polled: the poll ends, the entry invalid: {r:?}"));
    drop(a);

    wakers(&mut c, &listener);
    udp(&mut c);
    serving_meanwhile(&mut c, &listener);

    // A socket number not open (or closed by another thread just before
    // the poll, as an event loop's may): invalid at once, the others as
    // they are; no error (tokio's driver panicked on one). Then bad
    // requests: too many entries.
    let mut fds = [PollFd::new(1000, Interest::READABLE), PollFd::new(listener.as_raw_socket(), Interest::READABLE)];
    let r = poll(&mut fds, None, LONG);
    let events = (fds[0].events().is_invalid(), fds[1].events().is_invalid());
    c.check(matches!(r, Ok(p) if p.ready() == 1) && events == (true, false), format!("a socket number not open is invalid at once: {r:?}, {events:?}"));
    let mut fds = vec![PollFd::new(listener.as_raw_socket(), Interest::READABLE); 1025];
    let r = poll(&mut fds, None, LONG).map_err(|e| e.kind());
    c.check(r == Err(ErrorKind::InvalidInput), format!("1025 entries: {r:?}"));
    let mut fds = vec![PollFd::new(listener.as_raw_socket(), Interest::READABLE); 1024];
    let r = poll(&mut fds, None, NOW);
    c.check(matches!(r, Ok(p) if p.ready() == 0), format!("1024 entries (three pages): answered: {r:?}"));
    c.finish();
}

/// A waker ends a poll from another thread; a wake before the poll ends
/// the next one at once, once.
fn wakers(c: &mut Checks, listener: &TcpListener) {
    let waker = Arc::new(PollWaker::new().unwrap());
    let number = listener.as_raw_socket();
    let poller = {
        let waker = waker.clone();
        thread::spawn(move || {
            let mut fds = [PollFd::new(number, Interest::READABLE)];
            poll(&mut fds, Some(&waker), None)
        })
    };
    thread::sleep(Duration::from_millis(300));
    let woke = waker.wake();
    let r = poller.join().unwrap();
    c.check(woke.is_ok() && matches!(r, Ok(p) if p.woken() && p.ready() == 0), format!("a poll with no timeout ends when another thread wakes it: {woke:?} {r:?}"));
    waker.wake().unwrap();
    waker.wake().unwrap();
    let mut fds = [PollFd::new(number, Interest::READABLE)];
    let first = poll(&mut fds, Some(&waker), LONG);
    let second = poll(&mut fds, Some(&waker), NOW);
    c.check(matches!(first, Ok(p) if p.woken()) && matches!(second, Ok(p) if !p.woken()),
        format!("two wakes before the poll: the next poll ends at once, the one after does not: {first:?} {second:?}"));
    let other = PollWaker::new().unwrap();
    other.wake().unwrap();
    let r = poll(&mut fds, Some(&waker), NOW);
    let theirs = poll(&mut fds, Some(&other), NOW);
    c.check(matches!(r, Ok(p) if !p.woken()) && matches!(theirs, Ok(p) if p.woken()), format!("a wake is its own waker's: {r:?} {theirs:?}"));
}

/// UDP: writable with room, readable once a datagram waits.
fn udp(c: &mut Checks) {
    let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    let r = one(&a, Interest::BOTH, NOW);
    c.check(matches!(r, Ok((e, _)) if e.is_writable() && !e.is_readable()), format!("a new UDP socket: writable, not readable: {r:?}"));
    b.send_to(b"datagram", a.local_addr().unwrap()).unwrap();
    let r = one(&a, Interest::READABLE, LONG);
    let mut buffer = [0u8; 16];
    let got = a.recv_from(&mut buffer).map(|(n, _)| n);
    c.check(matches!(r, Ok((e, _)) if e.is_readable()) && matches!(got, Ok(8)), format!("a datagram waiting: readable: {r:?} {got:?}"));
}

/// While one thread's poll waits in the service with no timeout, another
/// connects, echoes 64 KiB and closes; then the poll is woken.
fn serving_meanwhile(c: &mut Checks, listener: &TcpListener) {
    let waker = Arc::new(PollWaker::new().unwrap());
    let idle = UdpSocket::bind("127.0.0.1:0").unwrap();
    let number = idle.as_raw_socket();
    let poller = {
        let waker = waker.clone();
        thread::spawn(move || {
            let mut fds = [PollFd::new(number, Interest::READABLE)];
            poll(&mut fds, Some(&waker), None)
        })
    };
    thread::sleep(Duration::from_millis(100));
    let echo = (|| -> std::io::Result<bool> {
        let (client, server) = pair(listener)?;
        let data: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
        let writer = {
            let data = data.clone();
            let client = client.try_clone()?;
            thread::spawn(move || (&client).write_all(&data))
        };
        let mut back = vec![0u8; data.len()];
        (&server).read_exact(&mut back)?;
        writer.join().unwrap()?;
        Ok(back == data)
    })();
    let still_waiting = !poller.is_finished();
    waker.wake().unwrap();
    let r = poller.join().unwrap();
    c.check(matches!(echo, Ok(true)) && still_waiting && matches!(r, Ok(p) if p.woken()),
        format!("a poll waiting with no timeout: meanwhile a connection and 64 KiB go through ({echo:?}), then its wake ends it: {r:?}"));
}
