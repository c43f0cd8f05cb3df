//! no-network: std::net on a system that runs no network service (the
//! Baochip-1x's dabao and baosec boards). Each way into the network — a
//! connect, a listener, a UDP socket, a name lookup — must answer an
//! `Unsupported` error saying so, and at once: the name server knows the
//! boot image has no such service, so nothing waits for one to come.

use checks::Checks;
use std::io::ErrorKind;
use std::net::{TcpListener, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

/// Whether `result` is the error a system without a network gives.
fn no_network<T>(result: std::io::Result<T>) -> (bool, String) {
    match result {
        Ok(_) => (false, "succeeded".into()),
        Err(e) => (e.kind() == ErrorKind::Unsupported && e.to_string().contains("no network"), format!("{:?}: {e}", e.kind())),
    }
}

fn main() {
    let mut c = Checks::new("no-network");
    let started = Instant::now();
    let calls: [(&str, (bool, String)); 4] = [
        ("TcpStream::connect(127.0.0.1:7)", no_network(TcpStream::connect("127.0.0.1:7"))),
        ("TcpListener::bind(0.0.0.0:0)", no_network(TcpListener::bind("0.0.0.0:0"))),
        ("UdpSocket::bind(0.0.0.0:0)", no_network(UdpSocket::bind("0.0.0.0:0"))),
        ("(\"example.com\", 80).to_socket_addrs()", no_network(("example.com", 80).to_socket_addrs())),
    ];
    for (call, (ok, what)) in calls {
        c.check(ok, format!("{call}: {what}"));
    }
    // A second connect asks nothing more of the name server's answer.
    let (ok, what) = no_network(TcpStream::connect("127.0.0.1:7"));
    c.check(ok, format!("a second TcpStream::connect: {what}"));
    let took = started.elapsed();
    c.check(took < Duration::from_secs(5), format!("all five answered in {took:?}"));
    c.finish();
}
