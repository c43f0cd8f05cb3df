//! bench-net: what std::net achieves against the host's loopback (reached
//! as 10.0.2.2; xtask's net_bench.rs runs the servers), and, in the same
//! run, what the network service achieves with no message per chunk (its
//! RAW_BENCH request), so that the cost of the IPC shows. Wall-clock
//! figures from the guest's clock: throughputs the best of five rounds,
//! their ratios the median of the rounds, the rest the best of three tries.
//! Prints `bench: NAME=VALUE` lines.

use checks::raw::ecall;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};
use xous_abi::message::InvokeType;
use xous_abi::services::net;
use xous_abi::{Syscall, SyscallResult};

const HOST: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 2);
const BYTES: usize = 8 << 20;
const TRIES: usize = 3;
/// Turns of raw and std transfers (see main).
const ROUNDS: usize = 5;
const CONNECTIONS: usize = 50;
const ROUND_TRIPS: usize = 200;

#[repr(C, align(4096))]
struct Page([u8; 4096]);

fn env_port(name: &str) -> u16 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{name} is not set"))
}

fn mbps(bytes: usize, took: Duration) -> f64 {
    bytes as f64 / took.as_secs_f64() / 1e6
}

/// The best (largest) of TRIES results of `f`.
fn best(f: impl Fn() -> f64) -> f64 {
    (0..TRIES).map(|_| f()).fold(0.0, f64::max)
}

fn command(at: SocketAddr, line: &str) -> TcpStream {
    let mut s = TcpStream::connect_timeout(&at, Duration::from_secs(10)).expect("connect to the host");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(line.as_bytes()).unwrap();
    s
}

fn std_to_host(at: SocketAddr) -> f64 {
    let chunk = vec![0x5au8; 64 * 1024];
    let start = Instant::now();
    let mut s = command(at, &format!("sink {BYTES}\n"));
    let mut sent = 0;
    while sent < BYTES {
        let n = chunk.len().min(BYTES - sent);
        s.write_all(&chunk[..n]).unwrap();
        sent += n;
    }
    let mut hash = [0u8; 8];
    s.read_exact(&mut hash).unwrap();
    mbps(BYTES, start.elapsed())
}

fn std_from_host(at: SocketAddr) -> f64 {
    let mut chunk = vec![0u8; 64 * 1024];
    let start = Instant::now();
    let mut s = command(at, &format!("source {BYTES}\n"));
    let mut got = 0;
    loop {
        let n = s.read(&mut chunk).unwrap();
        if n == 0 {
            break;
        }
        got += n;
    }
    assert_eq!(got, BYTES, "bytes from the host");
    mbps(BYTES, start.elapsed())
}

/// The service's own transfer: one request, the whole of BYTES.
fn raw(cid: usize, at: SocketAddr, to_host: bool) -> f64 {
    let mut page = Page([0; 4096]);
    page.0[0] = if to_host { 0 } else { 1 };
    page.0[1..5].copy_from_slice(&(BYTES as u32).to_le_bytes());
    page.0[5..7].copy_from_slice(&at.port().to_le_bytes());
    page.0[7..11].copy_from_slice(&HOST.octets());
    let start = Instant::now();
    let r = ecall([Syscall::SendMessage as usize, cid, InvokeType::LendMut as usize, net::RAW_BENCH, page.0.as_mut_ptr() as usize, 4096, 0, 0]);
    let took = start.elapsed();
    assert!(r[0] == SyscallResult::MemoryReturned as usize && page.0[0] == 0, "RAW_BENCH: {r:?} {:?}", &page.0[..2]);
    mbps(BYTES, took)
}

fn main() {
    let tcp = SocketAddr::new(IpAddr::V4(HOST), env_port("HOST_TCP_PORT"));
    let udp_server = SocketAddr::new(IpAddr::V4(HOST), env_port("HOST_UDP_PORT"));
    // By name, as std connects (it starts the service, one of those the
    // boot image starts on demand).
    let cid: u32 = std::os::xous::services::connect(net::NAME).expect("connect by name").into();
    let cid = cid as usize;

    // Raw and std take turns, so that both see the same load on the host
    // (QEMU's user network runs there, in its own thread, and competes for
    // the machine's cores with the guest): each ratio is the median of
    // ROUNDS pairs measured back to back, not of bests taken at different
    // times.
    let mut rounds = Vec::new();
    for _ in 0..ROUNDS {
        let (raw_to, std_to) = (raw(cid, tcp, true), std_to_host(tcp));
        let (raw_from, std_from) = (raw(cid, tcp, false), std_from_host(tcp));
        rounds.push([std_to, std_from, raw_to, raw_from]);
    }
    let fastest = |i: usize| rounds.iter().map(|r| r[i]).fold(0.0, f64::max);
    let median_ratio = |raw: usize, std: usize| {
        let mut ratios: Vec<f64> = rounds.iter().map(|r| r[raw] / r[std]).collect();
        ratios.sort_by(f64::total_cmp);
        ratios[ratios.len() / 2]
    };
    println!("bench: net_tcp_to_host_mbps={:.3}", fastest(0));
    println!("bench: net_tcp_from_host_mbps={:.3}", fastest(1));
    println!("bench: net_raw_tcp_to_host_mbps={:.3}", fastest(2));
    println!("bench: net_raw_tcp_from_host_mbps={:.3}", fastest(3));
    println!("bench: net_raw_over_std_to_host={:.3}", median_ratio(2, 0));
    println!("bench: net_raw_over_std_from_host={:.3}", median_ratio(3, 1));

    let per_second = best(|| {
        let start = Instant::now();
        for _ in 0..CONNECTIONS {
            let mut s = command(tcp, "echo\n");
            s.shutdown(Shutdown::Write).unwrap();
            let mut rest = Vec::new();
            s.read_to_end(&mut rest).unwrap();
        }
        CONNECTIONS as f64 / start.elapsed().as_secs_f64()
    });
    println!("bench: net_tcp_connections_per_s={per_second:.1}");

    let socket = UdpSocket::bind("0.0.0.0:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    socket.connect(udp_server).unwrap();
    let per_second = best(|| {
        let mut buf = [0u8; 64];
        let start = Instant::now();
        for i in 0..ROUND_TRIPS {
            let sent = (i as u32).to_le_bytes();
            socket.send(&sent).unwrap();
            // A datagram lost on the way costs the timeout, once.
            while let Ok(n) = socket.recv(&mut buf) {
                if buf[..n] == sent {
                    break;
                }
            }
        }
        ROUND_TRIPS as f64 / start.elapsed().as_secs_f64()
    });
    println!("bench: net_udp_round_trip_us={:.1}", 1e6 / per_second);
}
