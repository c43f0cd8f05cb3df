//! mio on 127.0.0.1: an echo server on one thread (a listener, every
//! connection, and a `Waker` that stops it, on one `Poll`) and, on another
//! `Poll`, four clients at once, each sending 48 KiB and reading it back;
//! a poll's timeout; UDP datagrams both ways. The same program runs on the
//! host (epoll) and on the target (the network service's poll).

use mio::net::{TcpListener, TcpStream, UdpSocket};
use mio::{Events, Interest, Poll, Token, Waker};
use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const LISTENER: Token = Token(0);
const STOP: Token = Token(1);
const CLIENTS: usize = 4;
const BYTES: usize = 48 * 1024;

struct Checks(usize);

impl Checks {
    fn check(&mut self, ok: bool, what: String) {
        println!("mio-echo: {}: {what}", if ok { "ok" } else { "FAILED" });
        self.0 += !ok as usize;
    }
}

/// One echoed connection: bytes read and not yet written back.
struct Echo {
    stream: TcpStream,
    pending: Vec<u8>,
    closed: bool,
}

/// Echoes until woken through STOP; returns (connections, bytes echoed).
fn serve(mut poll: Poll, mut listener: TcpListener) -> std::io::Result<(usize, usize)> {
    poll.registry().register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut events = Events::with_capacity(64);
    let mut connections: HashMap<Token, Echo> = HashMap::new();
    let (mut accepted, mut echoed, mut next) = (0, 0, 2);
    loop {
        poll.poll(&mut events, None)?;
        for event in events.iter() {
            match event.token() {
                STOP => return Ok((accepted, echoed)),
                LISTENER => loop {
                    match listener.accept() {
                        Ok((mut stream, _)) => {
                            let token = Token(next);
                            next += 1;
                            accepted += 1;
                            poll.registry().register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)?;
                            connections.insert(token, Echo { stream, pending: Vec::new(), closed: false });
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e),
                    }
                },
                token => {
                    let Some(echo) = connections.get_mut(&token) else { continue };
                    // Reads only on a readable event, writes only with bytes
                    // pending: I/O that is not wanted would see WouldBlock,
                    // which asks for the socket's events again.
                    let mut buffer = [0u8; 4096];
                    while event.is_readable() && !echo.closed {
                        match echo.stream.read(&mut buffer) {
                            Ok(0) => echo.closed = true,
                            Ok(n) => echo.pending.extend_from_slice(&buffer[..n]),
                            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                            Err(e) => return Err(e),
                        }
                    }
                    while !echo.pending.is_empty() {
                        match echo.stream.write(&echo.pending) {
                            Ok(n) => {
                                echoed += n;
                                echo.pending.drain(..n);
                            }
                            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                            Err(e) => return Err(e),
                        }
                    }
                    if echo.closed && echo.pending.is_empty() {
                        let mut echo = connections.remove(&token).expect("present");
                        poll.registry().deregister(&mut echo.stream)?;
                    }
                }
            }
        }
    }
}

/// A client: what it sends, how far, and what came back.
struct Client {
    stream: TcpStream,
    data: Vec<u8>,
    sent: usize,
    back: Vec<u8>,
}

/// Four connections at once on one Poll; each sends its bytes and reads
/// them back. Returns how many got exactly their own bytes back.
fn clients(address: std::net::SocketAddr) -> std::io::Result<usize> {
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(64);
    let mut clients = Vec::new();
    for i in 0..CLIENTS {
        let mut stream = TcpStream::connect(address)?;
        poll.registry().register(&mut stream, Token(i), Interest::READABLE | Interest::WRITABLE)?;
        let data = (0..BYTES).map(|b| (b * (i + 3) % 251) as u8).collect();
        clients.push(Client { stream, data, sent: 0, back: Vec::new() });
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while clients.iter().any(|c| c.back.len() < BYTES) {
        if Instant::now() > deadline {
            return Err(std::io::Error::new(ErrorKind::TimedOut, "echo not done in 120 s"));
        }
        poll.poll(&mut events, Some(Duration::from_secs(10)))?;
        for event in events.iter() {
            let client = &mut clients[event.token().0];
            while event.is_writable() && client.sent < BYTES {
                match client.stream.write(&client.data[client.sent..]) {
                    Ok(n) => client.sent += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                }
                if client.sent == BYTES {
                    client.stream.shutdown(std::net::Shutdown::Write)?;
                }
            }
            let mut buffer = [0u8; 4096];
            while event.is_readable() {
                match client.stream.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(n) => client.back.extend_from_slice(&buffer[..n]),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(clients.iter().filter(|c| c.back == c.data).count())
}

fn main() {
    let mut c = Checks(0);
    let poll = Poll::new().expect("Poll::new");
    let waker = Arc::new(Waker::new(poll.registry(), STOP).expect("Waker::new"));
    let listener = TcpListener::bind("127.0.0.1:0".parse().unwrap()).expect("bind");
    let address = listener.local_addr().expect("local_addr");
    let server = thread::spawn(move || serve(poll, listener));

    let r = clients(address);
    c.check(matches!(r, Ok(n) if n == CLIENTS), format!("{CLIENTS} connections at once, {BYTES} bytes each echoed back whole: {r:?}"));
    let woke = waker.wake();
    let served = server.join().expect("server thread");
    c.check(woke.is_ok() && matches!(served, Ok((CLIENTS, n)) if n == CLIENTS * BYTES),
        format!("the server's Waker, woken from this thread, stops it: {woke:?}; (connections, bytes echoed) {served:?}"));

    // A timeout with nothing ready.
    let mut poll = Poll::new().unwrap();
    let mut events = Events::with_capacity(8);
    let mut quiet = UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    poll.registry().register(&mut quiet, Token(9), Interest::READABLE).unwrap();
    let start = Instant::now();
    let r = poll.poll(&mut events, Some(Duration::from_millis(300)));
    let waited = start.elapsed();
    c.check(r.is_ok() && events.is_empty() && waited >= Duration::from_millis(300), format!("nothing ready: the poll ends after its 300 ms timeout ({waited:?}) with no events: {r:?}"));

    // UDP: a datagram makes the socket readable; reading it out and
    // seeing WouldBlock arms it again for the next one.
    let mut sender = UdpSocket::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    poll.registry().register(&mut sender, Token(10), Interest::WRITABLE).unwrap();
    let mut got = Vec::new();
    for round in 0..3u8 {
        sender.send_to(&[round; 5], quiet.local_addr().unwrap()).unwrap();
        poll.poll(&mut events, Some(Duration::from_secs(10))).unwrap();
        if events.iter().any(|e| e.token() == Token(9) && e.is_readable()) {
            let mut buffer = [0u8; 16];
            while let Ok((n, _)) = quiet.recv_from(&mut buffer) {
                got.push(buffer[..n].to_vec());
            }
        }
    }
    c.check(got == [[0u8; 5], [1; 5], [2; 5]], format!("three datagrams, each reported readable once it came: {got:?}"));

    if c.0 == 0 {
        println!("mio-echo: all checks passed");
    } else {
        println!("mio-echo: {} checks failed", c.0);
        std::process::exit(1);
    }
}
