//! The services std reaches by fixed name, and the opcodes it sends them.
//! Names of 16 bytes or less double as server IDs (SIDs).

/// A 128-bit server ID as the four words `Connect` and friends take.
pub type Sid = [u32; 4];

/// The SID for a name of 1..=16 bytes: the bytes, zero-padded, read as four
/// little-endian words (as std's `ServerAddress::try_from(&str)` does).
pub const fn sid_from_name(name: &str) -> Option<Sid> {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > 16 {
        return None;
    }
    let mut padded = [0u8; 16];
    let mut i = 0;
    while i < bytes.len() {
        padded[i] = bytes[i];
        i += 1;
    }
    let mut sid = [0u32; 4];
    let mut w = 0;
    while w < 4 {
        sid[w] = u32::from_le_bytes([padded[4 * w], padded[4 * w + 1], padded[4 * w + 2], padded[4 * w + 3]]);
        w += 1;
    }
    Some(sid)
}

const fn sid(name: &str) -> Sid {
    match sid_from_name(name) {
        Some(sid) => sid,
        None => panic!("a SID name has 1..=16 bytes"),
    }
}

/// The name server: maps names to connections.
pub mod names {
    pub const SID: super::Sid = super::sid("xous-name-server");
    /// MutableBorrow of one page: name bytes at 0..64, length (u32 LE) at
    /// 64..68, `valid` = length. The reply overwrites the page: u32 0 at 0..4
    /// and the CID at 4..8 on success, a nonzero u32 at 0..4 otherwise.
    pub const BLOCKING_CONNECT: usize = 6;
    pub const TRY_CONNECT: usize = 7;
    pub const NAME_MAX_LENGTH: usize = 64;
    /// Ours (services register their names): MutableBorrow of one page with
    /// the name as for a connect, then the server's SID as four u32 LE at
    /// 68..84. The reply writes a u32 result at 0..4. Numbered apart from
    /// Xous's own name-server opcodes below.
    pub const REGISTER: usize = 0x100;
    /// What the published `xous-api-names` client sends: a MutableBorrow of
    /// an rkyv-archived request (`offset` = the archive's length), answered
    /// in place with an archived `Return` (the layouts are in the name
    /// server's `xous_api` module). Register asks the name server for a new
    /// SID under a name (with an optional limit on connections); the client
    /// then creates its server at that SID itself.
    pub const XOUS_REGISTER: usize = 0;
    /// Connects the caller to a registered name at once, or fails.
    pub const XOUS_LOOKUP: usize = 1;
    /// Offsets in the request page.
    pub const LENGTH_AT: usize = 64;
    pub const SID_AT: usize = 68;
    pub const CID_AT: usize = 4;
    /// Results written at 0..4 of the page.
    pub const OK: u32 = 0;
    pub const NOT_FOUND: u32 = 1;
    pub const BAD_REQUEST: u32 = 2;
    pub const NAME_TAKEN: u32 = 3;
    pub const TABLE_FULL: u32 = 4;
    /// The name was registered with a connection limit, and it is used up.
    pub const LIMIT_REACHED: u32 = 5;
    /// Ours, internal: the id of the kernel's exit notices (a process's
    /// names, and its waiting connects, go when it ends).
    pub const PROCESS_ENDED: usize = 0x7f01;
}

/// The ticktimer: time since boot, sleeping, and std's mutex/condvar slow path.
pub mod ticktimer {
    pub const SID: super::Sid = super::sid("ticktimer-server");
    /// BlockingScalar -> Scalar2(ms low, ms high).
    pub const ELAPSED_MS: usize = 0;
    /// (ms): the answer comes once `ms` have passed.
    pub const SLEEP_MS: usize = 1;
    /// (address): the answer means the caller now holds the mutex. std
    /// counts waiters in the mutex itself, so an UnlockMutex may arrive
    /// before the LockMutex it releases; the next LockMutex takes it.
    pub const LOCK_MUTEX: usize = 6;
    /// (address): hands the mutex to the longest waiter.
    pub const UNLOCK_MUTEX: usize = 7;
    /// (address, timeout ms; 0 = forever) -> `OK` if notified, else nonzero.
    pub const WAIT_FOR_CONDITION: usize = 8;
    /// (address, count) -> Scalar1(threads woken, at most count).
    pub const NOTIFY_CONDITION: usize = 9;
    /// (address): std no longer uses this mutex or condition (it was
    /// dropped); whatever the service remembers for it goes.
    pub const FREE_MUTEX: usize = 10;
    pub const FREE_CONDITION: usize = 11;
    /// Ours: BlockingScalar -> Scalar2(ns low, ns high), the real-time
    /// clock (nanoseconds since the Unix epoch). The ticktimer owns the RTC
    /// for its alarm; the system-time service reads the clock through this.
    pub const RTC_TIME_NS: usize = 100;
    /// Ours, internal: the Scalar the ticktimer's alarm interrupt handler
    /// sends to its own server to wake the main loop. From anyone else it
    /// only makes the ticktimer look at its deadlines early; harmless.
    pub const ALARM: usize = 101;
    /// Ours, internal: the id of the exit notices the ticktimer asks the
    /// kernel for (`crate::platform::WATCH_EXITS`). On one, everything it
    /// holds for that process goes. Only the kernel can send a notice; the
    /// same id from a process is a bad request.
    pub const PROCESS_ENDED: usize = 102;
    /// Ours, for tests: BlockingScalar(pid) -> Scalar2(entries, deadlines):
    /// how many entries the ticktimer's table for `pid` holds (held
    /// requests and remembered unlocks) and how many of them wait in the
    /// deadline queue. A PID no process can have holds nothing: (0, 0).
    /// (Scalar2, so no count can be taken for a Scalar1 BAD_REQUEST.)
    pub const HELD_FOR: usize = 103;
    /// Ours: BlockingScalar -> Scalar2(rate, TIME_SOURCE_TAG): the `time`
    /// CSR, which ElapsedMs counts from, ticks `rate` times a second and
    /// user mode may read it, so std reads the time since boot itself
    /// instead of sending ElapsedMs. A rate of 0 means no counter user mode
    /// can read (std keeps asking). The tag tells this answer from
    /// Scalar1(BAD_REQUEST), what a ticktimer without the opcode answers.
    pub const TIME_SOURCE: usize = 104;
    pub const TIME_SOURCE_TAG: usize = u32::from_be_bytes(*b"TIME") as usize;

    /// Scalar1 results. WaitForCondition: `OK` when notified, anything else
    /// when not (std reads nonzero as "timed out"). NotifyCondition answers
    /// the number of threads woken instead.
    pub const OK: usize = 0;
    pub const TIMED_OUT: usize = 1;
    /// The caller's process has as many requests held as it has threads
    /// (see the ticktimer service); the request was not kept.
    pub const TABLE_FULL: usize = 2;
    /// Unknown opcode, wrong message kind, or a sender the service cannot place.
    pub const BAD_REQUEST: usize = 3;
}

/// The log: stdout, stderr and panic messages.
pub mod log {
    /// Note the trailing space: the name is exactly 16 bytes.
    pub const SID: super::Sid = super::sid("xous-log-server ");
    /// Borrow of text pages; `valid` = byte count.
    pub const STDOUT: usize = 1;
    pub const STDERR: usize = 2;
    /// Scalar: a panic message follows.
    pub const BEGIN_PANIC: usize = 1000;
    /// Scalar `1100 + n`: n (1..=16) bytes of panic text packed in the four words.
    pub const APPEND_PANIC_MESSAGE: usize = 1100;
    /// Ours, std-xous's stdin (the log service is the console both ways;
    /// the input comes from the UART, `crate::console::input`):
    /// MutableBorrow of whole pages, `valid` = the most bytes wanted. The
    /// answer waits until at least one byte is there or the input has
    /// ended; it carries valid = bytes written at the start of the buffer,
    /// 0 only at the end of input (and for a request wanting 0 bytes).
    /// Requests are answered in the order they came.
    pub const STDIN_READ: usize = 10;
    /// Ours: BlockingScalar -> Scalar1(1 if the runner's stdin is a
    /// terminal, else 0). Answered once the runner has said which (its
    /// first mark, sent before any input).
    pub const STDIN_IS_TERMINAL: usize = 11;
    /// Errors of the two: a read's `offset` (else 0), a terminal query's
    /// Scalar1. BUSY: as many requests wait as the service keeps (32);
    /// BAD_REQUEST: another message kind.
    pub const STDIN_BUSY: usize = 2;
    pub const STDIN_BAD_REQUEST: usize = 3;
    /// Ours, internal: the id of the kernel's exit notices (a process's
    /// waiting reads go when it ends).
    pub const PROCESS_ENDED: usize = 0x7f01;
    /// Ours, internal: the Scalar the service's console interrupt handler
    /// sends its own server to have the main loop read the UART. From
    /// anyone else it only makes the service look early; harmless.
    pub const INPUT_WAKE: usize = 0x7f00;
    /// How many received bytes the service keeps for readers; when full,
    /// it stops taking bytes from the UART (`platform::CONSOLE_INPUT`).
    pub const INPUT_BUFFER: usize = 4096;
}

/// System time (UTC).
pub mod systime {
    pub const SID: super::Sid = super::sid("timeserverpublic");
    /// BlockingScalar -> Scalar2(ms low, ms high) since the Unix epoch.
    pub const GET_UTC_TIME_MS: usize = 3;
    /// Scalar1 answer to any other blocking request.
    pub const BAD_REQUEST: usize = 1;
}

/// Random numbers from the machine's entropy device (ours; std-xous's
/// random source connects to it by its SID's name).
pub mod rng {
    pub const NAME: &str = "xous-entropy-src";
    pub const SID: super::Sid = super::sid(NAME);
    /// MutableBorrow of whole pages: `valid` = bytes wanted (at most the
    /// buffer); the reply fills them and answers valid = bytes filled.
    pub const FILL: usize = 0;
    /// BlockingScalar -> Scalar2(low, high): 64 random bits.
    pub const U64: usize = 1;
}

/// The network service (std's `net` client, `sys/net/connection/xous/`)
/// and the DNS resolver, one server known by two names. std connects to
/// them by name through the name server. Every memory request is a
/// MutableBorrow of one page, answered in place; the layouts are std's and
/// are described where the service decodes them (`services/net`).
pub mod net {
    /// The server's own SID (std never sees it; it connects by name).
    pub const SID: super::Sid = super::sid("net-middleware!!");
    pub const NAME: &str = "_Middleware Network Server_";
    pub const DNS_NAME: &str = "_DNS Resolver Middleware_";

    /// The message id: opcode in bits 0..15, bit 15 = nonblocking (TCP
    /// receive and peek), socket number in bits 16..31.
    pub const OPCODE_MASK: usize = 0x7fff;
    pub const NONBLOCKING: usize = 0x8000;
    pub const SOCKET_SHIFT: usize = 16;

    /// DNS: MutableBorrow, the name in the page, `valid` = its length.
    pub const DNS_RAW_LOOKUP: usize = 6;
    pub const TCP_CONNECT: usize = 30;
    pub const TCP_TX: usize = 31;
    pub const TCP_PEEK: usize = 32;
    pub const TCP_RX: usize = 33;
    /// BlockingScalar: closes a TCP stream or listener.
    pub const TCP_CLOSE: usize = 34;
    pub const GET_ADDRESS: usize = 35;
    /// BlockingScalar (fourth word 0 = TCP, 1 = UDP) -> Scalar1(ttl).
    pub const GET_TTL: usize = 36;
    /// BlockingScalar (ttl, _, _, 0 = TCP or 1 = UDP).
    pub const SET_TTL: usize = 37;
    pub const GET_NODELAY: usize = 38;
    pub const SET_NODELAY: usize = 39;
    pub const UDP_BIND: usize = 40;
    pub const UDP_CLOSE: usize = 41;
    pub const UDP_RX: usize = 42;
    pub const UDP_TX: usize = 43;
    pub const TCP_LISTEN: usize = 44;
    pub const TCP_ACCEPT: usize = 45;
    /// BlockingScalar (how: 1 read, 2 write, 3 both).
    pub const TCP_SHUTDOWN: usize = 46;
    /// Ours, sent by std-xous (the upstream client leaves these bytes 0):
    /// in a TCP_LISTEN or UDP_BIND request, 1 at `WIDE_SOCKETS_AT` says the
    /// client reads the socket number's high byte at reply byte
    /// `SOCKET_HIGH_AT`, so it may be given numbers up to 1023 (otherwise
    /// below 256); in a TCP_ACCEPT request, 1 at `KEEP_LISTENER_AT` says
    /// the client keeps its listener and does not bind it again.
    pub const WIDE_SOCKETS_AT: usize = 19;
    pub const SOCKET_HIGH_AT: usize = 4;
    pub const KEEP_LISTENER_AT: usize = 1;
    /// Ours, internal: the Scalars the service sends itself (its device's
    /// interrupt, its timer). From anyone else they only make it look
    /// at its sockets early; harmless.
    pub const WAKE: usize = 0x7f00;
    /// Ours, internal: the id of the kernel's exit notices.
    pub const PROCESS_ENDED: usize = 0x7f01;
    /// Ours, for `./x bench net`, served only by the service built with
    /// its `bench` feature (which only `./x bench` builds; the service as
    /// booted otherwise answers INVALID): MutableBorrow; the service itself
    /// moves bytes over TCP to or from the host side's command server, with
    /// no message per chunk. Page: 0 = direction (0: to the host, `sink N`;
    /// 1: from it, `source N`), 1..5 = N (u32), 5..7 = port, 7..11 = IPv4
    /// address. Answer: 0 at 0 when all N bytes went through, else 1 and
    /// the error code at 1.
    pub const RAW_BENCH: usize = 0x7f02;

    /// Error codes in the replies (std's `NetError`, and ours after it,
    /// which the upstream client reads as a generic error). 3, 5 and 7,
    /// which std's list names in comments only, are never sent.
    pub mod error {
        pub const UNADDRESSABLE: u8 = 1;
        pub const SOCKET_IN_USE: u8 = 2;
        pub const INVALID: u8 = 4;
        pub const LIBRARY_ERROR: u8 = 6;
        pub const TIMED_OUT: u8 = 8;
        pub const WOULD_BLOCK: u8 = 9;
        /// Ours: the peer refused the connection (RST to our SYN).
        pub const CONNECTION_REFUSED: u8 = 10;
        /// Ours: the connection was reset.
        pub const CONNECTION_RESET: u8 = 11;
        /// Ours: no such socket, or not the caller's, or not of that kind.
        pub const BAD_SOCKET: u8 = 12;
    }
}

pub mod fs;
pub mod net_poll;
pub mod proc;

/// A service of the boot image that starts when first asked for, not at
/// boot: a program that never opens a file or a socket pays neither the
/// filesystem's memory nor the network's (on the Baochip-1x, a tenth of
/// the chip's RAM for the two of fs and proc).
pub struct OnDemand {
    /// Its process's name in the boot image (the runner bundle's name for
    /// the service; the image writer marks that process ON_DEMAND).
    pub process: &'static str,
    /// The names it registers: the name server starts the process
    /// (`platform::START_SERVICE`) when a client connects to one of them
    /// before it is registered. They are only for `sid` (the name
    /// server's reserved names), whoever registers them.
    pub names: &'static [&'static str],
    /// Its server's SID: only the boot image's process named `process`
    /// may create a server there (CreateServerWithAddress answers anyone
    /// else AccessDenied), so no program can stand in for a service that
    /// has not started yet.
    pub sid: Sid,
}

pub const ON_DEMAND: &[OnDemand] = &[
    OnDemand { process: "fs", names: &[fs::NAME], sid: fs::SID },
    OnDemand { process: "proc", names: &[proc::NAME], sid: proc::SID },
    OnDemand { process: "net", names: &[net::NAME, net::DNS_NAME], sid: net::SID },
];

/// Whether the boot image's process `process` is an on-demand service.
pub fn is_on_demand(process: &str) -> bool {
    ON_DEMAND.iter().any(|s| s.process == process)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_are_the_names_bytes() {
        assert_eq!(log::SID[3].to_le_bytes(), *b"ver ");
        assert_eq!(names::SID[0].to_le_bytes(), *b"xous");
        assert_eq!(sid_from_name("ab"), Some([u32::from_le_bytes(*b"ab\0\0"), 0, 0, 0]));
        assert_eq!(sid_from_name(""), None);
        assert_eq!(sid_from_name("seventeen bytes!!"), None);
    }
}
