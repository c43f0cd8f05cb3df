//! The host side of the std::net check (test-apps/net): servers and
//! clients on the host's loopback only, each in a thread, each wait bounded.
//! - a TCP server with a one-line command per connection: `echo` (echo
//!   until end of stream), `sink N` (read N bytes, answer their FNV-1a
//!   hash, 8 bytes LE), `source N` (send N pattern bytes, then close);
//! - a UDP echo server;
//! - a DNS responder on 127.0.0.1:53 (the guest reaches it as 10.0.2.2:53;
//!   smoltcp asks port 53 only), answering `net-test.xous.test` A 10.1.2.3
//!   and NXDOMAIN to anything else; if another run holds the port, it
//!   waits its turn;
//! - clients of the guest's TCP listener and UDP socket through the
//!   `--hostfwd` ports, retrying until the guest is there.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub const DNS_NAME: &str = "net-test.xous.test";
const DNS_ADDRESS: [u8; 4] = [10, 1, 2, 3];
/// How long anything here waits for the guest.
const LIMIT: Duration = Duration::from_secs(90);

fn pattern(i: usize) -> u8 {
    (i as u8).wrapping_mul(31) ^ (i >> 11) as u8
}

fn fnv(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

/// A free port on 127.0.0.1 (free now; QEMU binds it a moment later).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

pub struct Host {
    pub tcp_port: u16,
    pub udp_port: u16,
    pub closed_port: u16,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<Result<String, String>>>,
}

impl Host {
    /// Starts the servers, and the clients of the guest's forwarded ports.
    pub fn start(guest_tcp_forward: u16, guest_udp_forward: u16) -> Result<Host, String> {
        let stop = Arc::new(AtomicBool::new(false));
        let tcp = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let udp = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let closed_port = free_port().map_err(|e| e.to_string())?;
        let (tcp_port, udp_port) = (tcp.local_addr().unwrap().port(), udp.local_addr().unwrap().port());
        let mut threads = Vec::new();
        let s = stop.clone();
        threads.push(thread::spawn(move || tcp_server(tcp, s)));
        let s = stop.clone();
        threads.push(thread::spawn(move || udp_echo(udp, s)));
        let s = stop.clone();
        threads.push(thread::spawn(move || dns_responder(s)));
        threads.push(thread::spawn(move || tcp_clients(guest_tcp_forward)));
        threads.push(thread::spawn(move || udp_client(guest_udp_forward)));
        Ok(Host { tcp_port, udp_port, closed_port, stop, threads })
    }

    /// Stops the servers; what each part reports, and whether all went well.
    pub fn finish(self) -> (Vec<String>, bool) {
        self.stop.store(true, Ordering::SeqCst);
        let mut ok = true;
        let reports = self
            .threads
            .into_iter()
            .map(|t| match t.join() {
                Ok(Ok(note)) => note,
                Ok(Err(why)) => {
                    ok = false;
                    format!("host: {why}")
                }
                Err(_) => {
                    ok = false;
                    "host: a thread panicked".to_string()
                }
            })
            .collect();
        (reports, ok)
    }
}

pub(crate) fn tcp_server(listener: TcpListener, stop: Arc<AtomicBool>) -> Result<String, String> {
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let mut served = 0;
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                served += 1;
                thread::spawn(move || serve_command(stream));
            }
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
    Ok(format!("host TCP server: {served} connections"))
}

fn serve_command(stream: TcpStream) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(LIMIT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut out = stream;
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["echo"] => {
            let mut buf = [0u8; 65536];
            loop {
                let n = reader.read(&mut buf)?;
                if n == 0 {
                    return out.shutdown(Shutdown::Write);
                }
                out.write_all(&buf[..n])?;
            }
        }
        ["sink", n] => {
            let total: usize = n.parse().unwrap_or(0);
            let (mut got, mut hash) = (0, 0xcbf2_9ce4_8422_2325u64);
            let mut buf = vec![0u8; 65536];
            while got < total {
                let n = reader.read(&mut buf[..(total - got).min(65536)])?;
                if n == 0 {
                    break;
                }
                hash = fnv(hash, &buf[..n]);
                got += n;
            }
            out.write_all(&hash.to_le_bytes())
        }
        ["source", n] => {
            let total: usize = n.parse().unwrap_or(0);
            let mut sent = 0;
            while sent < total {
                let chunk: Vec<u8> = (sent..total.min(sent + 65536)).map(pattern).collect();
                out.write_all(&chunk)?;
                sent += chunk.len();
            }
            out.shutdown(Shutdown::Write)
        }
        _ => Ok(()),
    }
}

pub(crate) fn udp_echo(socket: UdpSocket, stop: Arc<AtomicBool>) -> Result<String, String> {
    socket.set_read_timeout(Some(Duration::from_millis(100))).map_err(|e| e.to_string())?;
    let mut buf = [0u8; 65536];
    let mut echoed = 0;
    while !stop.load(Ordering::SeqCst) {
        if let Ok((n, from)) = socket.recv_from(&mut buf) {
            let _ = socket.send_to(&buf[..n], from);
            echoed += 1;
        }
    }
    Ok(format!("host UDP echo: {echoed} datagrams"))
}

fn dns_responder(stop: Arc<AtomicBool>) -> Result<String, String> {
    let start = Instant::now();
    let socket = loop {
        match UdpSocket::bind("127.0.0.1:53") {
            Ok(socket) => break socket,
            Err(e) if start.elapsed() > LIMIT => return Err(format!("cannot bind the DNS responder on 127.0.0.1:53: {e}")),
            Err(_) if stop.load(Ordering::SeqCst) => return Err("the DNS responder never got 127.0.0.1:53".into()),
            Err(_) => thread::sleep(Duration::from_millis(100)),
        }
    };
    socket.set_read_timeout(Some(Duration::from_millis(100))).map_err(|e| e.to_string())?;
    let mut buf = [0u8; 512];
    let mut answered = 0;
    while !stop.load(Ordering::SeqCst) {
        if let Ok((n, from)) = socket.recv_from(&mut buf) {
            if let Some(answer) = dns_answer(&buf[..n]) {
                let _ = socket.send_to(&answer, from);
                answered += 1;
            }
        }
    }
    Ok(format!("host DNS responder: {answered} answers"))
}

/// The answer to one query: our A record for DNS_NAME, else NXDOMAIN.
pub fn dns_answer(query: &[u8]) -> Option<Vec<u8>> {
    if query.len() < 12 || u16::from_be_bytes([query[4], query[5]]) != 1 {
        return None;
    }
    let mut at = 12;
    let mut labels = Vec::new();
    loop {
        let len = *query.get(at)? as usize;
        at += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(query.get(at..at + len)?).to_lowercase());
        at += len;
    }
    let question_end = at + 4;
    let qtype = u16::from_be_bytes([*query.get(at)?, *query.get(at + 1)?]);
    let ours = labels.join(".") == DNS_NAME && qtype == 1;
    let mut answer = query[..question_end].to_vec();
    answer[2] = 0x81;
    answer[3] = if ours { 0x80 } else { 0x83 };
    answer[6..8].copy_from_slice(&(ours as u16).to_be_bytes());
    answer[8..12].fill(0);
    if ours {
        answer.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
        answer.extend_from_slice(&DNS_ADDRESS);
    }
    Some(answer)
}

/// Three connections to the guest's echo listener, each sending 64 KiB in
/// pieces and reading them back, then closing its half.
fn tcp_clients(port: u16) -> Result<String, String> {
    let deadline = Instant::now() + LIMIT;
    let data: Vec<u8> = (0..65536).map(pattern).collect();
    let mut done = 0;
    while done < 3 {
        if Instant::now() > deadline {
            return Err(format!("only {done} of 3 connections to the guest's listener went through"));
        }
        let attempt = || -> std::io::Result<bool> {
            let mut s = TcpStream::connect(("127.0.0.1", port))?;
            s.set_read_timeout(Some(Duration::from_secs(20)))?;
            let mut back = vec![0u8; 4096];
            for piece in data.chunks(4096) {
                s.write_all(piece)?;
                s.read_exact(&mut back[..piece.len()])?;
                if back[..piece.len()] != *piece {
                    return Ok(false);
                }
            }
            s.shutdown(Shutdown::Write)?;
            let mut rest = Vec::new();
            s.read_to_end(&mut rest)?;
            Ok(rest.is_empty())
        };
        match attempt() {
            Ok(true) => done += 1,
            Ok(false) => return Err("the guest echoed other bytes".into()),
            Err(_) => thread::sleep(Duration::from_millis(200)),
        }
    }
    Ok("host TCP clients: 3 connections echoed by the guest".into())
}

fn udp_client(port: u16) -> Result<String, String> {
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    socket.set_read_timeout(Some(Duration::from_millis(300))).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + LIMIT;
    let mut buf = [0u8; 64];
    while Instant::now() < deadline {
        let _ = socket.send_to(b"from the host", ("127.0.0.1", port));
        if let Ok((n, _)) = socket.recv_from(&mut buf) {
            return match &buf[..n] {
                b"from the host" => Ok("host UDP client: echoed by the guest".into()),
                other => Err(format!("the guest echoed {other:?}")),
            };
        }
    }
    Err("no UDP echo from the guest".into())
}
