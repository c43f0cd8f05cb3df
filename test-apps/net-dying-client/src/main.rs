//! net-dying-client: run as an extra process beside net-protocol. It takes
//! 127.0.0.1:7700 (a TCP listener with a connection to itself, accepted)
//! and UDP 127.0.0.1:7701, leaves an accept blocked in the network service
//! on a second listener (7702), tells net-protocol, and once answered
//! faults, so the kernel ends it. net-protocol then checks that the
//! service, told of the end by the kernel, let those ports go.

use checks::raw::ecall;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::thread;
use std::time::Duration;
use xous_abi::message::InvokeType;
use xous_abi::services::sid_from_name;
use xous_abi::{Syscall, SyscallResult};

/// net-protocol's server (the same name is in its main.rs).
const WITNESS: &str = "net-dying-wit";

fn main() {
    let listener = TcpListener::bind("127.0.0.1:7700").expect("bind 127.0.0.1:7700");
    let client = TcpStream::connect_timeout(&listener.local_addr().unwrap(), Duration::from_secs(10)).expect("connect to itself");
    let (server, _) = listener.accept().expect("accept");
    let udp = UdpSocket::bind("127.0.0.1:7701").expect("bind UDP 127.0.0.1:7701");
    let waiting = TcpListener::bind("127.0.0.1:7702").expect("bind 127.0.0.1:7702");
    thread::spawn(move || waiting.accept());
    thread::sleep(Duration::from_millis(100));

    let sid = sid_from_name(WITNESS).expect("a short name").map(|w| w as usize);
    let r = ecall([Syscall::Connect as usize, sid[0], sid[1], sid[2], sid[3], 0, 0, 0]);
    assert_eq!(r[0], SyscallResult::ConnectionId as usize, "Connect to {WITNESS}: {r:?}");
    let r = ecall([Syscall::SendMessage as usize, r[1], InvokeType::BlockingScalar as usize, 0, 0, 0, 0, 0]);
    assert_eq!(r[0], SyscallResult::Scalar1 as usize, "the witness's answer: {r:?}");
    println!("net-dying-client: dying with sockets open");
    let held = (&listener, &client, &server, &udp);
    // SAFETY: none; the point is the fault (address 0 is never mapped).
    unsafe { std::ptr::null_mut::<usize>().write_volatile(&held as *const _ as usize) };
    unreachable!("the write faults");
}
