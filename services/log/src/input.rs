//! The console's input: what the runner's stdin sends down the UART,
//! kept for std's `stdin()` (STDIN_READ) until a reader takes it.
//!
//! Bytes reach this process through the kernel (CONSOLE_INPUT: the UART is
//! the kernel's). The UART's receive interrupt runs `on_interrupt`, which
//! only switches it off and wakes the main loop; the main loop takes what
//! fits into a buffer of `log::INPUT_BUFFER` bytes, decodes the runner's
//! marks (`xous_abi::console::input`) and answers the waiting readers.
//! When the buffer is full it takes no more, so the kernel leaves the
//! interrupt off, the UART's FIFO fills and the runner stops reading its
//! stdin: input waits, nothing is dropped, however long no one reads.
//!
//! Readers wait in the order they came, at most `MAX_WAITING` (one more is
//! answered BUSY at once); a reader's request goes with its process (exit
//! notices), so bytes are never handed to the dead.

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use xous_abi::console::input::{Decoder, Event};
use xous_abi::message::{InvokeType, MessageSender};
use xous_abi::platform;
use xous_abi::services::log;
use xous_rt::{error_of, reply, return_scalar, syscall, Envelope, Syscall, SyscallResult};

/// Requests that may wait at once (STDIN_READ and STDIN_IS_TERMINAL each).
const MAX_WAITING: usize = 32;
/// The most bytes taken from the kernel in one call.
const CHUNK: usize = 256;

/// Our own connection, for the interrupt handler's wake-up.
static SELF_CONNECTION: AtomicUsize = AtomicUsize::new(0);
/// A wake-up is queued and not yet received: the handler sends no other.
static WAKE_QUEUED: AtomicBool = AtomicBool::new(false);

pub struct Input {
    buffer: [u8; log::INPUT_BUFFER],
    /// Where the oldest byte is, and how many there are.
    start: usize,
    len: usize,
    decoder: Decoder,
    /// The runner's stdin ended (or there is no console input at all).
    ended: bool,
    /// Whether the runner's stdin is a terminal, once it has said.
    terminal: Option<bool>,
    /// The console's interrupt is ours: there is input to take.
    claimed: bool,
    readers: Waiting,
    queries: Waiting,
}

/// Requests waiting for an answer, oldest first.
struct Waiting {
    slots: [Option<Envelope>; MAX_WAITING],
    len: usize,
}

impl Waiting {
    const fn new() -> Waiting {
        Waiting { slots: [None; MAX_WAITING], len: 0 }
    }

    fn push(&mut self, message: Envelope) -> Result<(), Envelope> {
        if self.len == MAX_WAITING {
            return Err(message);
        }
        self.slots[self.len] = Some(message);
        self.len += 1;
        Ok(())
    }

    fn front(&self) -> Option<Envelope> {
        self.slots[..self.len].first().copied().flatten()
    }

    fn pop_front(&mut self) {
        if self.len > 0 {
            self.slots[..self.len].rotate_left(1);
            self.len -= 1;
            self.slots[self.len] = None;
        }
    }

    /// Forgets the requests of process `pid` (it ended).
    fn forget(&mut self, pid: u8) {
        let mut kept = 0;
        for i in 0..self.len {
            let message = self.slots[i].take();
            if let Some(m) = message.filter(|m| MessageSender(m.sender).pid() != pid) {
                self.slots[kept] = Some(m);
                kept += 1;
            }
        }
        self.len = kept;
    }
}

impl Input {
    pub const fn new() -> Input {
        Input {
            buffer: [0; log::INPUT_BUFFER],
            start: 0,
            len: 0,
            decoder: Decoder::new(),
            ended: false,
            terminal: None,
            claimed: false,
            readers: Waiting::new(),
            queries: Waiting::new(),
        }
    }

    /// Claims the console's receive interrupt. Without it (another process
    /// has it) there is no input here: reads see the end at once.
    pub fn start(&mut self, myself: usize) -> bool {
        SELF_CONNECTION.store(myself, Ordering::Relaxed);
        let claim = syscall(Syscall::ClaimInterrupt, &[board::UART_IRQ, on_interrupt as *const () as usize, 0]);
        self.claimed = error_of(claim).is_none() && myself != 0;
        if !self.claimed {
            self.ended = true;
            self.terminal = Some(false);
        }
        self.claimed
    }

    /// The main loop received a message: a later interrupt needs a wake-up
    /// of its own.
    pub fn woken(&self) {
        WAKE_QUEUED.store(false, Ordering::Release);
    }

    /// STDIN_READ and STDIN_IS_TERMINAL: answered now if they can be, else
    /// kept. One request too many is answered BUSY.
    pub fn request(&mut self, message: Envelope) {
        let waiting = match message.id {
            log::STDIN_READ if message.kind == xous_abi::message::kind::MUTABLE_BORROW => &mut self.readers,
            log::STDIN_IS_TERMINAL if message.kind == xous_abi::message::kind::BLOCKING_SCALAR => &mut self.queries,
            _ => return reply(&message, log::STDIN_BAD_REQUEST, 0, log::STDIN_BAD_REQUEST),
        };
        if let Err(message) = waiting.push(message) {
            reply(&message, log::STDIN_BUSY, 0, log::STDIN_BUSY);
        }
        self.answer();
    }

    /// Process `pid` ended: its waiting requests go.
    pub fn process_ended(&mut self, pid: u8) {
        self.readers.forget(pid);
        self.queries.forget(pid);
    }

    /// Takes what the UART has received, as much as fits, then answers
    /// whom it can.
    pub fn pump(&mut self) {
        while self.claimed && !self.ended && self.len < self.buffer.len() {
            let room = (self.buffer.len() - self.len).min(CHUNK);
            let mut chunk = [0u8; CHUNK];
            let r = syscall(Syscall::PlatformSpecific, &[platform::CONSOLE_INPUT, chunk.as_mut_ptr() as usize, room]);
            if r[0] != SyscallResult::Scalar1 as usize {
                break;
            }
            let n = r[1].min(room);
            for &byte in &chunk[..n] {
                self.decode(byte);
            }
            if n < room {
                break;
            }
        }
        self.answer();
    }

    fn decode(&mut self, byte: u8) {
        match self.decoder.push(byte) {
            Some(Event::Data(b)) if !self.ended => {
                let at = (self.start + self.len) % self.buffer.len();
                self.buffer[at] = b;
                self.len += 1;
            }
            Some(Event::Terminal(is)) => self.terminal = self.terminal.or(Some(is)),
            Some(Event::End) => self.ended = true,
            _ => {}
        }
    }

    fn answer(&mut self) {
        while let (Some(query), Some(terminal)) = (self.queries.front(), self.terminal) {
            let _ = return_scalar(query.sender, &[terminal as usize]);
            self.queries.pop_front();
        }
        while let Some(mut message) = self.readers.front() {
            let wanted = message.args[3].min(message.args[1]);
            if wanted > 0 && self.len == 0 && !self.ended {
                break;
            }
            let n = wanted.min(self.len);
            let out = message.bytes_mut();
            for (i, o) in out[..n].iter_mut().enumerate() {
                *o = self.buffer[(self.start + i) % self.buffer.len()];
            }
            self.start = (self.start + n) % self.buffer.len();
            self.len -= n;
            reply(&message, 0, n, 0);
            self.readers.pop_front();
        }
    }
}

/// The console's receive interrupt: runs in this process ahead of its
/// threads, so it only switches the interrupt off (a CONSOLE_INPUT with no
/// room) and wakes the main loop, which takes the bytes.
extern "C" fn on_interrupt(_irq: usize, _arg: usize) {
    syscall(Syscall::PlatformSpecific, &[platform::CONSOLE_INPUT, 0, 0]);
    if WAKE_QUEUED.swap(true, Ordering::AcqRel) {
        return;
    }
    let connection = SELF_CONNECTION.load(Ordering::Relaxed);
    let sent = syscall(Syscall::TrySendMessage, &[connection, InvokeType::Scalar as usize, log::INPUT_WAKE, 0, 0, 0, 0]);
    if error_of(sent).is_some() {
        // The queue is full: the main loop has messages to handle and
        // looks at the input after each.
        WAKE_QUEUED.store(false, Ordering::Release);
    }
}
