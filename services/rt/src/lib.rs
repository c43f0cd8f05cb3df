//! The no_std user runtime shared by the services and the kernel's on-target
//! tests: the entry point, raw syscalls (the one place with `asm!`), console
//! output, exit, and the panic handler.

#![no_std]

pub use xous_abi::{Error, Syscall, SyscallResult};
use xous_abi::console::Channel;
use xous_abi::message::kind;
use xous_abi::platform;

/// The eight registers a syscall returns.
pub type Regs = [usize; 8];

/// Raw `ecall`: a0 = number, a1..a7 = arguments.
pub fn syscall(call: Syscall, args: &[usize]) -> Regs {
    let mut r = [0usize; 8];
    r[0] = call as usize;
    r[1..1 + args.len()].copy_from_slice(args);
    raw(r)
}

/// `ecall` with all eight registers as given.
pub fn raw(mut r: Regs) -> Regs {
    // SAFETY: ecall traps to the kernel, which reads a0..a7 and writes them
    // back; it touches no memory of ours except as the syscall says.
    unsafe {
        core::arch::asm!(
            "ecall",
            inlateout("a0") r[0], inlateout("a1") r[1], inlateout("a2") r[2], inlateout("a3") r[3],
            inlateout("a4") r[4], inlateout("a5") r[5], inlateout("a6") r[6], inlateout("a7") r[7],
        )
    };
    r
}

/// Writes bytes to the console (stdout or stderr channel).
pub fn write(channel: Channel, bytes: &[u8]) {
    let r = syscall(Syscall::PlatformSpecific, &[platform::CONSOLE_WRITE, channel as usize, bytes.as_ptr() as usize, bytes.len()]);
    if r[0] != SyscallResult::Ok as usize {
        exit(90);
    }
}

/// A line for whoever runs the system (a service's warnings), on stderr.
pub fn say(text: &str) {
    write(Channel::Stderr, text.as_bytes());
}

pub struct Stdout;

impl core::fmt::Write for Stdout {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        write(Channel::Stdout, s.as_bytes());
        Ok(())
    }
}

#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {{
        use core::fmt::Write;
        let _ = writeln!($crate::Stdout, $($arg)*);
    }};
}

pub fn exit(code: usize) -> ! {
    syscall(Syscall::TerminateProcess, &[code]);
    loop {
        syscall(Syscall::Yield, &[]);
    }
}

/// A fixed buffer for one message.
pub struct Line {
    buf: [u8; 256],
    len: usize,
}

impl Line {
    pub const fn new() -> Line {
        Line { buf: [0; 256], len: 0 }
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl core::fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// The error code of a failed syscall, or `None` if it did not fail.
pub fn error_of(r: Regs) -> Option<Error> {
    (r[0] == SyscallResult::Error as usize).then(|| Error::from_usize(r[1]))
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let mut line = Line::new();
    let _ = core::fmt::Write::write_fmt(&mut line, format_args!("panic: {info}\n"));
    write(Channel::Stderr, line.as_bytes());
    exit(101)
}

/// Each test program defines `main() -> usize` (its exit code).
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        pub extern "C" fn _start(_eh_frame: usize, params: usize) -> ! {
            let f: fn(usize) -> usize = $main;
            $crate::exit(f(params))
        }
    };
}

/// The xous target's `core` is built for unwinding and names a personality
/// routine; these programs abort on panic, so it is never called.
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}

/// A received message (the registers of `ReceiveMessage`).
#[derive(Clone, Copy, Debug)]
pub struct Envelope {
    /// Who to reply to.
    pub sender: usize,
    /// 0 MutableBorrow, 1 Borrow, 2 Move, 3 Scalar, 4 BlockingScalar
    /// (`xous_abi::message::kind`).
    pub kind: usize,
    pub id: usize,
    /// Scalars: the four words. Memory: address, length, offset, valid.
    pub args: [usize; 4],
}

impl Envelope {
    /// The message a receiving syscall's registers `r` hold, if they hold one.
    fn received(r: Regs) -> Option<Envelope> {
        (r[0] == SyscallResult::MessageEnvelope as usize)
            .then(|| Envelope { sender: r[1], kind: r[2], id: r[3], args: [r[4], r[5], r[6], r[7]] })
    }

    pub fn is_memory(&self) -> bool {
        self.kind <= kind::MOVE
    }

    /// The borrowed bytes of a Borrow or MutableBorrow message.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: for a memory message the kernel mapped `args[1]` bytes at
        // `args[0]` into this process, readable, until we reply.
        unsafe { core::slice::from_raw_parts(self.args[0] as *const u8, self.args[1]) }
    }

    /// The lent bytes of a MutableBorrow message.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        assert_eq!(self.kind, kind::MUTABLE_BORROW, "only a mutable borrow is writable");
        // SAFETY: as `bytes`; a MutableBorrow's pages are mapped writable and
        // no one else can reach them until we reply.
        unsafe { core::slice::from_raw_parts_mut(self.args[0] as *mut u8, self.args[1]) }
    }
}

/// A server: creates itself at a fixed SID and hands out messages.
pub struct Server {
    sid: [usize; 4],
}

impl Server {
    /// Registers the server; ends the process if the SID is taken.
    pub fn create(sid: xous_abi::services::Sid) -> Server {
        let sid = sid.map(|w| w as usize);
        let r = syscall(Syscall::CreateServerWithAddress, &sid);
        if r[0] != SyscallResult::NewServerId as usize {
            write(Channel::Stderr, b"cannot create server\n");
            exit(2);
        }
        Server { sid }
    }

    /// The next message if one is queued; never waits.
    pub fn try_receive(&self) -> Option<Envelope> {
        Envelope::received(syscall(Syscall::TryReceiveMessage, &self.sid))
    }

    /// Answers a BlockingScalar from `sender` with one, two or five words
    /// and waits for the next message, in one call (ReplyAndReceiveNext:
    /// a trap fewer than the answer and ReceiveMessage apart). If the answer
    /// cannot be given (its sender is gone, or another word count), it only
    /// waits, as `receive`.
    pub fn answer_and_receive(&self, sender: usize, values: &[usize]) -> Envelope {
        // The words go in a0..a4 (args 1..=5): ReturnScalar1's in a1,
        // ReturnScalar2's in a1 and a2, ReturnScalar5's in all five.
        let mut args = [sender, 0, 0, 0, 0, 0, values.len()];
        match values.len() {
            1 | 2 => args[2..2 + values.len()].copy_from_slice(values),
            5 => args[1..6].copy_from_slice(values),
            _ => return self.receive(),
        }
        Envelope::received(syscall(Syscall::ReplyAndReceiveNext, &args)).unwrap_or_else(|| self.receive())
    }

    /// Waits for the next message.
    pub fn receive(&self) -> Envelope {
        loop {
            if let Some(message) = Envelope::received(syscall(Syscall::ReceiveMessage, &self.sid)) {
                return message;
            }
        }
    }
}

/// Answers a message as its kind requires, so a sender never waits for a
/// reply that will not come: memory goes back with (offset, valid),
/// a BlockingScalar gets `scalar`; the others need nothing.
pub fn reply(message: &Envelope, offset: usize, valid: usize, scalar: usize) {
    match message.kind {
        kind::MUTABLE_BORROW | kind::BORROW => {
            syscall(Syscall::ReturnMemory, &[message.sender, message.args[0], message.args[1], offset, valid]);
        }
        kind::BLOCKING_SCALAR => {
            syscall(Syscall::ReturnScalar1, &[message.sender, scalar]);
        }
        kind::MOVE => {
            syscall(Syscall::UnmapMemory, &[message.args[0], message.args[1]]);
        }
        _ => {}
    }
}

/// Answers a BlockingScalar with one, two or five words (ReturnScalar1/2/5).
/// An error means no such message awaits a reply (or another word count).
pub fn return_scalar(sender: usize, values: &[usize]) -> Result<(), Error> {
    let call = match values.len() {
        1 => Syscall::ReturnScalar1,
        2 => Syscall::ReturnScalar2,
        5 => Syscall::ReturnScalar5,
        _ => return Err(Error::InvalidArgument),
    };
    let mut args = [0usize; 6];
    args[0] = sender;
    args[1..=values.len()].copy_from_slice(values);
    error_of(syscall(call, &args[..=values.len()])).map_or(Ok(()), Err)
}

/// Asks the kernel to tell our server `sid` whenever a process ends: a
/// Scalar with message id `id` from the kernel (`xous_abi::platform`:
/// WATCH_EXITS, and `ExitNotice::from_envelope` to recognise one).
pub fn watch_exits(sid: xous_abi::services::Sid, id: usize) -> Result<(), Error> {
    let [a, b, c, d] = sid.map(|w| w as usize);
    error_of(syscall(Syscall::PlatformSpecific, &[platform::WATCH_EXITS, a, b, c, d, id])).map_or(Ok(()), Err)
}

/// The program's arguments (the parameter block's `ArgL`, argv[0] first),
/// from the block the kernel mapped at `params` (what `entry!` hands to
/// main); None without a block or an argument list.
pub fn arguments(params: usize) -> Option<impl Iterator<Item = &'static str>> {
    if params == 0 {
        return None;
    }
    // SAFETY: the kernel maps the parameter block at `params`, readable;
    // its 12-byte header says how long it is.
    let header = unsafe { core::slice::from_raw_parts(params as *const u8, 12) };
    let total = xous_abi::params::declared_len(header)?;
    // SAFETY: as above, `total` bytes as the header says.
    let block: &'static [u8] = unsafe { core::slice::from_raw_parts(params as *const u8, total) };
    xous_abi::params::arguments(block)
}

/// Asks the kernel to power off only once server `sid` (the caller's) has
/// received everything queued for it (DRAIN_AT_POWER_OFF).
pub fn drain_at_power_off(sid: xous_abi::services::Sid) -> Result<(), Error> {
    let [a, b, c, d] = sid.map(|w| w as usize);
    error_of(syscall(Syscall::PlatformSpecific, &[platform::DRAIN_AT_POWER_OFF, a, b, c, d])).map_or(Ok(()), Err)
}

/// Keeps all of this process in RAM, now and later (PIN of the whole
/// process): for the services the system cannot speak or keep time
/// without, which must work while swap fails. Only a boot image's service may.
pub fn pin_whole_process() -> Result<(), Error> {
    error_of(syscall(Syscall::PlatformSpecific, &[platform::PIN, 0, 0, 1])).map_or(Ok(()), Err)
}

/// Starts the boot image's on-demand service `process` (START_SERVICE):
/// its PID, or 0 if it was started before.
pub fn start_service(process: &str) -> Result<u8, Error> {
    let r = syscall(Syscall::PlatformSpecific, &[platform::START_SERVICE, process.as_ptr() as usize, process.len()]);
    match error_of(r) {
        Some(e) => Err(e),
        None => Ok(r[1] as u8),
    }
}

/// Connects to the server `sid`, waiting until it exists; its connection id.
pub fn connect(sid: xous_abi::services::Sid) -> Result<usize, Error> {
    let r = syscall(Syscall::Connect, &sid.map(|w| w as usize));
    match error_of(r) {
        Some(e) => Err(e),
        None if r[0] == SyscallResult::ConnectionId as usize => Ok(r[1]),
        None => Err(Error::InternalError),
    }
}

/// Registers `name` for the server at `sid` with the name server (our
/// REGISTER request, see `xous_abi::services::names`); whether it was taken.
pub fn register_name(name: &str, sid: xous_abi::services::Sid) -> bool {
    name_request(xous_abi::services::names::REGISTER, name, sid).is_some()
}

/// Connects to the server registered as `name` through the name server,
/// without waiting for a name no one has (TRY_CONNECT; the name server
/// starts an on-demand service of the boot image and waits for it): the
/// connection id.
pub fn try_connect_name(name: &str) -> Option<usize> {
    name_request(xous_abi::services::names::TRY_CONNECT, name, [0; 4])
}

/// Sends the name server request `opcode` for `name` (and `sid`) in a
/// fresh page; the CID of its answer if it says OK.
fn name_request(opcode: usize, name: &str, sid: xous_abi::services::Sid) -> Option<usize> {
    use xous_abi::services::names;
    if name.is_empty() || name.len() > names::NAME_MAX_LENGTH {
        return None;
    }
    let r = syscall(Syscall::MapMemory, &[0, 0, 4096, xous_abi::memory::flags::R | xous_abi::memory::flags::W]);
    if r[0] != SyscallResult::MemoryRange as usize {
        return None;
    }
    let page = r[1];
    // SAFETY: a fresh page of ours, mapped read-write, unmapped below.
    let bytes = unsafe { core::slice::from_raw_parts_mut(page as *mut u8, 4096) };
    bytes[..name.len()].copy_from_slice(name.as_bytes());
    bytes[names::LENGTH_AT..names::LENGTH_AT + 4].copy_from_slice(&(name.len() as u32).to_le_bytes());
    for (i, word) in sid.iter().enumerate() {
        bytes[names::SID_AT + 4 * i..names::SID_AT + 4 * i + 4].copy_from_slice(&word.to_le_bytes());
    }
    let lend = xous_abi::message::InvokeType::LendMut as usize;
    let answer = connect(names::SID).ok().and_then(|cid| {
        let r = syscall(Syscall::SendMessage, &[cid, lend, opcode, page, 4096, 0, name.len()]);
        let cid = u32::from_le_bytes([bytes[names::CID_AT], bytes[names::CID_AT + 1], bytes[names::CID_AT + 2], bytes[names::CID_AT + 3]]);
        (r[0] == SyscallResult::MemoryReturned as usize && bytes[..4] == names::OK.to_le_bytes()).then_some(cid as usize)
    });
    syscall(Syscall::UnmapMemory, &[page, 4096]);
    answer
}

/// The 64-bit counters the kernel lets user mode read (scounteren). On RV32
/// each is two CSRs: read high, low, high again, and retry if a carry moved
/// the high half in between.
pub mod counters {
    macro_rules! read_counter {
        ($high:literal, $low:literal) => {
            loop {
                let (hi, lo, hi_again): (u32, u32, u32);
                // SAFETY: reads a counter user mode may read; no memory is
                // touched. Not `pure`: callers that measure rely on it
                // staying in place among the code they measure.
                unsafe {
                    core::arch::asm!(
                        concat!($high, " {0}"), concat!($low, " {1}"), concat!($high, " {2}"),
                        out(reg) hi, out(reg) lo, out(reg) hi_again,
                        options(nomem, nostack),
                    )
                };
                if hi == hi_again {
                    break (u64::from(hi) << 32) | u64::from(lo);
                }
            }
        };
    }

    /// The `time` counter (the board's timebase, from boot).
    #[inline(always)]
    pub fn time() -> u64 {
        read_counter!("rdtimeh", "rdtime")
    }

    /// Retired instructions (exact under QEMU's `-icount`).
    #[inline(always)]
    pub fn instret() -> u64 {
        read_counter!("rdinstreth", "rdinstret")
    }
}
