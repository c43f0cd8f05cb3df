//! The name server, at SID `xous-name-server`: services register a name
//! for their SID; clients (std's `os::xous::services::connect`, and our
//! services) connect by name. The name server makes the connection for the
//! client with ConnectForProcess and hands back only the connection id, so
//! clients never see SIDs.
//!
//! Requests are one lent page (see `xous_abi::services::names`). TryConnect
//! to an unknown name answers NOT_FOUND at once; BlockingConnect holds the
//! request until the name is registered. Malformed requests (not a mutable
//! loan, a length over 64 or beyond `valid`, invalid UTF-8) get BAD_REQUEST.
//!
//! no_std: std's connect-by-name is a client of this service.
#![no_std]
#![no_main]

use xous_abi::services::names;
use xous_rt::{kind, reply, syscall, Envelope, Server, Syscall, SyscallResult};

mod table;
use table::{Names, Waiters};

fn main(_params: usize) -> usize {
    let server = Server::create(names::SID);
    let mut registry = Names::new();
    let mut waiting = Waiters::new();
    loop {
        let mut message = server.receive();
        if message.kind != kind::MUTABLE_BORROW || message.args[1] < 4096 {
            reply(&message, 0, 0, 0);
            continue;
        }
        let mut name_buf = [0u8; names::NAME_MAX_LENGTH];
        let Some(length) = request_name(&message, &mut name_buf) else {
            answer(&mut message, names::BAD_REQUEST, 0);
            continue;
        };
        let name = &name_buf[..length];
        match message.id {
            names::REGISTER => {
                let sid = read_sid(message.bytes());
                let result = registry.add(name, sid);
                answer(&mut message, result, 0);
                if result == names::OK {
                    // Everyone who waited for this name gets connected now.
                    while let Some(mut waiter) = waiting.take(name) {
                        connect(&mut waiter, sid);
                    }
                }
            }
            names::BLOCKING_CONNECT | names::TRY_CONNECT => match registry.find(name) {
                Some(sid) => connect(&mut message, sid),
                None if message.id == names::TRY_CONNECT => answer(&mut message, names::NOT_FOUND, 0),
                None => {
                    if let Err(mut refused) = waiting.add(name, message) {
                        answer(&mut refused, names::TABLE_FULL, 0);
                    }
                }
            },
            _ => answer(&mut message, names::BAD_REQUEST, 0),
        }
    }
}

/// Copies the name of a well-formed request into `name`; returns its length.
fn request_name(message: &Envelope, name: &mut [u8; names::NAME_MAX_LENGTH]) -> Option<usize> {
    let page = message.bytes();
    let length = u32::from_le_bytes(page[names::LENGTH_AT..names::LENGTH_AT + 4].try_into().ok()?) as usize;
    if length == 0 || length > names::NAME_MAX_LENGTH || length > message.args[3] {
        return None;
    }
    core::str::from_utf8(&page[..length]).ok()?;
    name[..length].copy_from_slice(&page[..length]);
    Some(length)
}

fn read_sid(page: &[u8]) -> [u32; 4] {
    let word = |i: usize| u32::from_le_bytes(page[names::SID_AT + 4 * i..names::SID_AT + 4 * i + 4].try_into().expect("4 bytes"));
    [word(0), word(1), word(2), word(3)]
}

/// Connects the sender's process to `sid` and answers with the connection id.
fn connect(message: &mut Envelope, sid: [u32; 4]) {
    let pid = xous_abi::message::MessageSender(message.sender).pid() as usize;
    let r = syscall(Syscall::ConnectForProcess, &[pid, sid[0] as usize, sid[1] as usize, sid[2] as usize, sid[3] as usize]);
    if r[0] == SyscallResult::ConnectionId as usize {
        answer(message, names::OK, r[1] as u32);
    } else {
        answer(message, names::NOT_FOUND, 0);
    }
}

/// Writes the result (and connection id) into the page and gives it back.
fn answer(message: &mut Envelope, result: u32, cid: u32) {
    let page = message.bytes_mut();
    page[..4].copy_from_slice(&result.to_le_bytes());
    page[names::CID_AT..names::CID_AT + 4].copy_from_slice(&cid.to_le_bytes());
    reply(message, 0, 0, 0);
}

xous_rt::entry!(main);
