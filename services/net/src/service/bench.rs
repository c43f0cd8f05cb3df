//! RAW_BENCH (`xous_abi::services::net`): the service itself moves bytes
//! over TCP to or from the host's command server, one request for the whole
//! transfer, so `./x bench net` can compare std::net's throughput with the
//! stack's own, without IPC.
//!
//! Only a build with the `bench` feature has it, and only `./x bench`
//! makes that build (xtask/src/bench.rs, `bench_service`) and boots it in
//! place of the service (`xous-run --service net=...`); the service booted
//! everywhere else answers RAW_BENCH as any unknown opcode. A feature, not a
//! program of its own: the raw figure must come from the very stack,
//! driver, buffers and loop that serve std, which a separate program would
//! have to copy; and not measured through the std protocol, whose
//! messages are what the comparison leaves out.

use super::{bad, fail, Held, Net, Wait};
use crate::sockets::{Entry, Kind};
use crate::wire;
use smoltcp::socket::tcp;
use smoltcp::wire::{IpAddress, IpEndpoint, Ipv4Address};
use xous_abi::message::MessageSender;
use xous_abi::services::net::{self, error};
use xous_rt::{reply, Envelope};

/// A transfer gives up after this long.
const TIMEOUT_MS: u64 = 120_000;
/// What a transfer to the host sends: any bytes do (the host only hashes them).
static CHUNK: [u8; 4096] = [0x5a; 4096];

/// A transfer on stream `socket`: the command line is sent once
/// `commanded`; `moved` of `total` bytes are through.
#[derive(Clone, Copy)]
pub struct Transfer {
    socket: u16,
    to_host: bool,
    total: u32,
    moved: u32,
    commanded: bool,
}

impl Net {
    /// Connects to the host's command server; `bench_step` does the rest.
    pub(super) fn bench_start(&mut self, m: &mut Envelope, pid: u8, now: u64) -> Option<(Wait, Option<u64>)> {
        let page = m.bytes_mut();
        let (Some(total), Some(port)) = (page.get(1..5), wire::u16_at(page, 5)) else { return bad(m, net::RAW_BENCH, error::INVALID) };
        let total = u32::from_le_bytes(total.try_into().expect("four bytes"));
        let to_host = page[0] == 0;
        let b = &page[7..11];
        let remote = IpEndpoint::new(IpAddress::Ipv4(Ipv4Address::new(b[0], b[1], b[2], b[3])), port);
        if page[0] > 1 || port == 0 {
            return bad(m, net::RAW_BENCH, error::INVALID);
        }
        let socket = match self.open_stream(remote, pid) {
            Ok(socket) => socket,
            Err(code) => return bad(m, net::RAW_BENCH, code),
        };
        let transfer = Transfer { socket, to_host, total, moved: 0, commanded: false };
        Some((Wait::Bench(transfer), Some(now.saturating_add(TIMEOUT_MS))))
    }

    /// Moves what can be moved now; true once answered.
    pub(super) fn bench_step(&mut self, held: &mut Held, now: u64) -> bool {
        let Wait::Bench(Transfer { socket, to_host, total, mut moved, mut commanded }) = held.wait else { unreachable!() };
        let m = &mut held.message;
        let pid = MessageSender(m.sender).pid();
        let Some(Entry { kind: Kind::Stream { handle, .. }, .. }) = self.table.get(socket as usize, pid) else {
            fail(m, net::RAW_BENCH, error::BAD_SOCKET);
            return true;
        };
        let handle = *handle;
        let tcp = self.sockets.get_mut::<tcp::Socket>(handle);
        let mut finished = false;
        let mut code = None;
        if matches!(tcp.state(), tcp::State::SynSent | tcp::State::SynReceived) {
        } else if tcp.state() == tcp::State::Closed {
            code = Some(error::CONNECTION_RESET);
        } else {
            if !commanded && tcp.can_send() {
                let mut line = [0u8; 24];
                let word: &[u8] = if to_host { b"sink " } else { b"source " };
                line[..word.len()].copy_from_slice(word);
                let mut at = word.len();
                let digits = decimal(total, &mut line[at..]);
                at += digits;
                line[at] = b'\n';
                commanded = tcp.send_slice(&line[..at + 1]) == Ok(at + 1);
            }
            if commanded && to_host {
                while moved < total && tcp.can_send() {
                    let n = CHUNK.len().min((total - moved) as usize);
                    match tcp.send_slice(&CHUNK[..n]) {
                        Ok(0) | Err(_) => break,
                        Ok(sent) => moved += sent as u32,
                    }
                }
                // The host answers its hash once it has everything.
                finished = moved == total && tcp.recv_queue() >= 8;
            } else if commanded {
                let mut scratch = [0u8; 4096];
                while let Ok(n @ 1..) = tcp.recv_slice(&mut scratch) {
                    moved += n as u32;
                }
                finished = moved >= total;
                if !finished && !tcp.may_recv() {
                    code = Some(error::CONNECTION_RESET);
                }
            }
        }
        if !finished && code.is_none() && held.deadline.is_some_and(|d| now >= d) {
            code = Some(error::TIMED_OUT);
        }
        if !finished && code.is_none() {
            held.wait = Wait::Bench(Transfer { socket, to_host, total, moved, commanded });
            return false;
        }
        let entry = self.table.remove(socket as usize, pid).expect("just found");
        self.drop_entry(entry, code.is_none());
        match code {
            None => {
                m.bytes_mut()[..2].fill(0);
                reply(m, 0, 0, 0);
            }
            Some(code) => fail(m, net::RAW_BENCH, code),
        }
        true
    }
}

/// `value` in decimal at the start of `out`; how many digits.
fn decimal(mut value: u32, out: &mut [u8]) -> usize {
    let mut digits = [0u8; 10];
    let mut n = 0;
    loop {
        digits[n] = b'0' + (value % 10) as u8;
        n += 1;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    for i in 0..n {
        out[i] = digits[n - 1 - i];
    }
    n
}
