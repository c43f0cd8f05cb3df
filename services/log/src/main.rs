//! The log service, at SID `xous-log-server ` (the name std connects to):
//! stdout and stderr arrive as lent pages (opcode 1 and 2, `valid` = bytes)
//! and go to the console's stdout and stderr channels, whole: a write is
//! never truncated, only framed. Panic messages arrive as scalars (1000
//! begins one, 1100 + n carries n bytes) and go to stderr in whole lines
//! (`panic_text.rs`: so nothing else on the console cuts one).
//!
//! Nothing sent is lost at the end: the kernel powers off only once this
//! server has received everything queued for it (DRAIN_AT_POWER_OFF), the
//! panic text of a process that has ended included.
//!
//! It is the console's input too (`input.rs`): the runner's stdin, for
//! std's `stdin()` (STDIN_READ, STDIN_IS_TERMINAL).
//!
//! no_std: std's own println is a client of this service.
//! A malformed request (unknown opcode, `valid` beyond the buffer, a panic
//! chunk of more than 16 bytes) is answered and ignored, never fatal.
#![no_std]
#![no_main]

mod input;

use ::log::panic_text::PanicText;
use xous_abi::console::Channel;
use xous_abi::message::MessageSender;
use xous_abi::platform::ExitNotice;
use xous_abi::services::log;
use xous_abi::message::kind;
use xous_rt::{reply, write, Envelope, Server};

fn main(_params: usize) -> usize {
    // The console is how everyone, the kernel's reports aside, is heard:
    // never in swap, so it speaks whatever happens to the swap device.
    let _ = xous_rt::pin_whole_process();
    let server = Server::create(log::SID);
    if xous_rt::drain_at_power_off(log::SID).is_err() {
        write(Channel::Kernel, b"log: the kernel will not wait for the log at power-off; the last output may be lost\n");
    }
    let mut input = input::Input::new();
    let mut panic_text = PanicText::new();
    let myself = xous_rt::connect(log::SID).unwrap_or(0);
    if !input.start(myself) {
        write(Channel::Kernel, b"log: cannot claim the console's input; stdin reads see its end\n");
    }
    // Takes what came already, and lets the UART interrupt from now on.
    input.pump();
    if xous_rt::watch_exits(log::SID, log::PROCESS_ENDED).is_err() {
        write(Channel::Kernel, b"log: cannot watch for process exits; a dead reader's request stays\n");
    }
    loop {
        let message = server.receive();
        input.woken();
        handle(&mut input, &mut panic_text, message);
        while let Some(message) = server.try_receive() {
            handle(&mut input, &mut panic_text, message);
        }
        input.pump();
    }
}

/// Panic text goes to stderr.
fn to_stderr(bytes: &[u8]) {
    write(Channel::Stderr, bytes);
}

fn handle(input: &mut input::Input, panic_text: &mut PanicText, message: Envelope) {
    if let Some(notice) = ExitNotice::from_envelope(message.sender, message.kind, message.id, message.args, log::PROCESS_ENDED) {
        panic_text.before(notice.pid, &mut to_stderr);
        input.process_ended(notice.pid);
        return;
    }
    let pid = MessageSender(message.sender).pid();
    match (message.kind, message.id) {
        (kind::BORROW | kind::MUTABLE_BORROW, log::STDOUT | log::STDERR) => {
            let channel = if message.id == log::STDOUT { Channel::Stdout } else { Channel::Stderr };
            let bytes = message.bytes();
            let valid = message.args[3];
            if valid <= bytes.len() {
                panic_text.before(pid, &mut to_stderr);
                write(channel, &bytes[..valid]);
            }
            reply(&message, 0, 0, 0);
        }
        (kind::SCALAR | kind::BLOCKING_SCALAR, id) if (log::APPEND_PANIC_MESSAGE + 1..=log::APPEND_PANIC_MESSAGE + 16).contains(&id) => {
            let len = id - log::APPEND_PANIC_MESSAGE;
            let mut text = [0u8; 16];
            for (i, word) in message.args.iter().enumerate() {
                text[i * 4..i * 4 + 4].copy_from_slice(&(*word as u32).to_le_bytes());
            }
            panic_text.append(pid, &text[..len], &mut to_stderr);
            reply(&message, 0, 0, 0);
        }
        (_, log::STDIN_READ | log::STDIN_IS_TERMINAL) => input.request(message),
        // The input is looked at after every message anyway.
        (_, log::INPUT_WAKE) => reply(&message, 0, 0, 0),
        _ => reply(&message, 0, 0, 0),
    }
}

xous_rt::entry!(main);
