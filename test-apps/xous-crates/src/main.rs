//! A Xous program as Xous programmers write one, with the published crates:
//! a server registers a name with `xous-api-names` (the name server picks
//! its SID), a client finds it by name both ways the crate offers (Lookup,
//! and the blocking connect std also uses), and they exchange a blocking
//! scalar, a lent buffer, a mutably lent buffer, and an rkyv `Buffer` from
//! `xous-ipc`. It also uses `xous-api-ticktimer`, and checks the name
//! server's answers to a name nobody registered and to a connection limit.

use checks::Checks;
use std::time::Duration;
use xous::{MemoryAddress, MemoryFlags, MemorySize, Message};
use xous_api_names::XousNames;
use xous_api_ticktimer::Ticktimer;
use xous_ipc::Buffer;

const NAME: &str = "xous-crates echo";

/// The server's opcodes.
const ADD: usize = 1;
const SUM: usize = 2;
const UPPERCASE: usize = 3;
const GREET: usize = 4;

fn main() {
    let mut checks = Checks::new("xous-crates");
    let names = XousNames::new().expect("connect to the name server");

    let sid = names.register_name(NAME, None);
    checks.check(sid.is_ok(), format!("register_name({NAME:?}) gives a SID: {sid:?}"));
    let sid = sid.expect("a SID");
    let server = std::thread::spawn(move || serve(sid));

    let cid = names.request_connection_blocking(NAME);
    checks.check(cid.is_ok(), format!("request_connection_blocking finds it: {cid:?}"));
    let cid = cid.expect("a connection");
    let looked_up = names.request_connection(NAME);
    checks.check(looked_up == Ok(cid), format!("request_connection (rkyv Lookup) gives the same connection: {looked_up:?}"));

    let sum = xous::send_message(cid, Message::new_blocking_scalar(ADD, 20, 22, 0, 0));
    checks.check(matches!(sum, Ok(xous::Result::Scalar1(42))), format!("blocking scalar 20 + 22: {sum:?}"));

    let mut page = xous::map_memory(None, None, 4096, MemoryFlags::R | MemoryFlags::W).expect("a page");
    let bytes: &mut [u8] = unsafe { page.as_slice_mut() };
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = i as u8;
    }
    let expected: usize = bytes.iter().map(|&b| b as usize).sum();
    let lent = xous::send_message(cid, Message::new_lend(SUM, page, None, MemorySize::new(4096)));
    let summed = match lent {
        Ok(xous::Result::MemoryReturned(offset, _)) => offset.map(|o| o.get()),
        _ => None,
    };
    checks.check(summed == Some(expected), format!("lend: the server sums the page: {summed:?}, expected {expected}"));

    let text = b"hello from a xous program";
    let bytes: &mut [u8] = unsafe { page.as_slice_mut() };
    bytes[..text.len()].copy_from_slice(text);
    let uppercased = xous::send_message(cid, Message::new_lend_mut(UPPERCASE, page, None, MemorySize::new(text.len())));
    let back = &unsafe { page.as_slice::<u8>() }[..text.len()];
    checks.check(
        uppercased.is_ok() && back == b"HELLO FROM A XOUS PROGRAM",
        format!("lend_mut: the server uppercases in place: {:?}", String::from_utf8_lossy(back)),
    );

    let mut greeting = Buffer::into_buf(String::from("world")).expect("a buffer");
    let sent = greeting.lend_mut(cid, GREET as u32);
    let answer: Result<String, _> = greeting.to_original::<String, _>();
    checks.check(
        sent.is_ok() && answer.as_deref() == Ok("hello, world"),
        format!("xous-ipc Buffer (rkyv) lent mutably and rewritten: {answer:?}"),
    );

    let nobody = names.request_connection("nobody registered this");
    checks.check(nobody == Err(xous::Error::ServerNotFound), format!("an unknown name is not found: {nobody:?}"));

    let limited = names.register_name("xous-crates limited", Some(1));
    let first = names.request_connection("xous-crates limited");
    let second = names.request_connection("xous-crates limited");
    checks.check(
        limited.is_ok() && first.is_ok() && second == Err(xous::Error::ServerNotFound),
        format!("a name registered with one connection allowed: {first:?} then {second:?}"),
    );
    let taken = names.register_name(NAME, None);
    checks.check(taken.is_err(), format!("registering a taken name fails: {taken:?}"));

    let ticktimer = Ticktimer::new().expect("the ticktimer");
    let before = ticktimer.elapsed_ms();
    let slept = ticktimer.sleep_ms(50);
    let after = ticktimer.elapsed_ms();
    checks.check(
        slept.is_ok() && after >= before + 50 && after < before + 1000,
        format!("ticktimer: elapsed_ms {before} -> sleep_ms(50) -> {after}"),
    );
    std::thread::sleep(Duration::from_millis(1));

    xous::send_message(cid, Message::new_blocking_scalar(0, 0, 0, 0, 0)).ok();
    let served = server.join().expect("the server thread");
    checks.check(served == 4, format!("the server answered {served} messages before its stop message"));
    checks.finish();
}

/// Answers messages until opcode 0; returns how many it served before.
fn serve(sid: xous::SID) -> usize {
    let mut served = 0;
    loop {
        let mut envelope = xous::receive_message(sid).expect("a message");
        let id = envelope.body.id();
        match &mut envelope.body {
            Message::BlockingScalar(s) if id == ADD => {
                xous::return_scalar(envelope.sender, s.arg1 + s.arg2).expect("reply");
            }
            Message::BlockingScalar(_) if id == 0 => {
                xous::return_scalar(envelope.sender, 0).expect("reply");
                return served;
            }
            Message::Borrow(m) if id == SUM => {
                let sum: usize = unsafe { m.buf.as_slice::<u8>() }.iter().map(|&b| b as usize).sum();
                // The answer travels back in `offset`, as Xous servers do.
                m.offset = MemoryAddress::new(sum);
            }
            Message::MutableBorrow(m) if id == UPPERCASE => {
                let valid = m.valid.map_or(0, |v| v.get());
                let bytes: &mut [u8] = unsafe { m.buf.as_slice_mut() };
                bytes[..valid].make_ascii_uppercase();
            }
            Message::MutableBorrow(m) if id == GREET => {
                let mut buffer = unsafe { Buffer::from_memory_message_mut(m) };
                let name = buffer.to_original::<String, _>().unwrap_or_default();
                buffer.replace(format!("hello, {name}")).expect("fits");
            }
            other => panic!("unexpected message {id}: {other:?}"),
        }
        served += 1;
    }
}
