//! Targeted garbage for every service the hostile process can reach (log,
//! names, ticktimer, system time, entropy, filesystem, the block driver's
//! wake server, the network service if it runs, the process manager) and
//! for its own servers:
//! each protocol's opcodes with random arguments, random page contents,
//! the right message kind most of the time and any other kind otherwise.
//! A well-formed request whose answer is certain is checked: a service
//! that answers it wrongly (or not at all) is a finding.

use crate::raw::{self, FOREIGN_SIDS};
use crate::shared::{self, found, Finding, FS_HANDLES, LOCK_ADDRESSES, OWN_CIDS, OWN_SIDS, SERVICE_CIDS};
use crate::worker::{Received, Worker, PAGE, REQUEST_LEN};
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel_target_tests::{Regs, Syscall, SyscallResult};
use xous_abi::message::InvokeType;
use xous_abi::services::{fs as proto, log, names, net, rng, systime, ticktimer};

pub const LOG: usize = 0;
pub const NAMES: usize = 1;
pub const TICKTIMER: usize = 2;
pub const SYSTIME: usize = 3;
pub const RNG: usize = 4;
pub const FS: usize = 5;
pub const NET: usize = 6;
pub const BLK: usize = 7;
pub const PROC: usize = 8;

/// The hostile's own files live here (and nothing else it makes).
pub const HOME: &[u8] = b"/h";
const NAMES_IN_HOME: [&[u8]; 10] = [b"a", b"b", b"c", b"d", b"dir", b"dir/e", b"dir/f", b"dir/sub", b"dir/sub/g", b"l"];

/// The services that were there when we started (bit per index): a SID
/// of one that was not may later be a server of ours (a random
/// CreateServerWithAddress), which is not that service.
static PRESENT: AtomicUsize = AtomicUsize::new(0);

/// Connects to every service there is, before any random call: by SID
/// to those running, then by name to the boot image's on-demand services,
/// which starts them (as a std program's first file or socket does), then
/// by SID to those.
pub fn discover(w: &mut Worker) {
    let by_sid = |w: &mut Worker| {
        for s in 0..FOREIGN_SIDS.len() {
            PRESENT.fetch_or(1 << s, Ordering::Relaxed);
            if reconnect(w, s).is_none() {
                PRESENT.fetch_and(!(1 << s), Ordering::Relaxed);
            }
        }
    };
    by_sid(w);
    for service in xous_abi::services::ON_DEMAND {
        try_connect_by_name(w, service.names[0].as_bytes());
    }
    by_sid(w);
}

/// A TryConnect to `name` through the name server: whether it connected.
pub fn try_connect_by_name(w: &mut Worker, name: &[u8]) -> bool {
    let Some(cid) = reconnect(w, NAMES) else { return false };
    let page = w.request();
    page[..PAGE].fill(0);
    page[..name.len()].copy_from_slice(name);
    page[names::LENGTH_AT..names::LENGTH_AT + 4].copy_from_slice(&(name.len() as u32).to_le_bytes());
    let r = w.call(Syscall::SendMessage, &[cid, InvokeType::LendMut as usize, names::TRY_CONNECT, w.page, PAGE, 0, name.len()]);
    r[0] == SyscallResult::MemoryReturned as usize && w.request()[..4] == names::OK.to_le_bytes()
}

/// Whether service `s` was there when we started.
pub fn present(s: usize) -> bool {
    PRESENT.load(Ordering::Relaxed) & 1 << s != 0
}

/// The connection to service `s`; None if the service does not exist.
pub fn connection(w: &mut Worker, s: usize) -> Option<usize> {
    let cid = SERVICE_CIDS[s].load(Ordering::Relaxed);
    if cid != 0 {
        return Some(cid);
    }
    reconnect(w, s)
}

/// Connects (again) to service `s` (the same number if we are connected).
pub fn reconnect(w: &mut Worker, s: usize) -> Option<usize> {
    if PRESENT.load(Ordering::Relaxed) & 1 << s == 0 {
        return None;
    }
    let r = w.call(Syscall::TryConnect, &FOREIGN_SIDS[s].map(|x| x as usize));
    if r[0] != SyscallResult::ConnectionId as usize {
        return None;
    }
    SERVICE_CIDS[s].store(r[1], Ordering::Relaxed);
    Some(r[1])
}

/// The kind to send: usually `right`, else any (valid or not).
fn kind(w: &mut Worker, right: InvokeType) -> usize {
    if w.rng.one_in(4) { w.rng.below(7) } else { right as usize }
}

/// Sends one message (TrySendMessage one time in eight). A memory kind
/// lends `pages` of the request pages, or, for a move, a scratch region.
fn send(w: &mut Worker, cid: usize, kind: usize, id: usize, pages: usize, args: [usize; 4]) -> Regs {
    let call = if w.rng.one_in(8) { Syscall::TrySendMessage } else { Syscall::SendMessage };
    let mut a = [call as usize, cid, kind, id, args[0], args[1], args[2], args[3]];
    let mut moved = None;
    match kind {
        1 | 2 => (a[4], a[5]) = (w.page, pages.clamp(1, REQUEST_LEN / PAGE) * PAGE),
        3 => match w.scratch.iter().position(Option::is_some) {
            Some(i) => {
                let r = w.scratch[i].expect("some");
                (a[4], a[5]) = (r.addr, r.pages * PAGE);
                moved = Some(i);
            }
            None => a[2] = InvokeType::Scalar as usize,
        },
        _ => {}
    }
    raw::quiet_log(w, &mut a, 2);
    let service = SERVICE_CIDS.iter().position(|c| c.load(Ordering::Relaxed) == cid);
    shared::WAITING_ON[w.index].store(service.map_or(0, |s| s + 1), Ordering::Relaxed);
    let r = w.ecall(a);
    shared::WAITING_ON[w.index].store(0, Ordering::Relaxed);
    if moved.is_some() && r[0] == SyscallResult::Ok as usize {
        w.forget(a[4], a[5]);
    }
    r
}

/// A finding unless `ok`: a request whose answer was certain got another
/// (`line` says which check, `r` the answer).
fn expect(ok: bool, line: u32, r: [usize; 4]) {
    if !ok {
        found(Finding::BadAnswer, line, r);
    }
}

/// One targeted request to a service or to our own servers.
pub fn request(w: &mut Worker) {
    match w.rng.below(10) {
        0 => log_request(w),
        1 => names_request(w),
        2 => ticktimer_request(w),
        3 => systime_request(w),
        4 => rng_request(w),
        5 | 6 => fs_request(w),
        7 => blk_request(w),
        8 if w.rng.one_in(2) => net_request(w),
        8 => proc_request(w),
        _ => own_traffic(w),
    }
}

/// The process manager: SPAWN pages of garbage (no program it can name is
/// on the disk), waits and kills of pids that are not our children (we
/// start none through it), pipes whose write end we close at once (so no
/// read of ours can wait for good), data to and from any end number, and
/// ends closed that may be ours.
fn proc_request(w: &mut Worker) {
    use xous_abi::services::proc::{self as pm, status};
    let Some(cid) = connection(w, PROC) else { return };
    match w.rng.below(6) {
        0 => {
            let page = w.request();
            w.rng.fill(&mut page[..PAGE]);
            let any = w.rng.word();
            let path_len = w.rng.pick(&[0, 1, 5, 100, PAGE, usize::MAX, any]);
            page[pm::PATH_LEN_AT..pm::PATH_LEN_AT + 4].copy_from_slice(&(path_len as u32).to_le_bytes());
            if w.rng.one_in(2) {
                page[pm::PATH_AT..pm::PATH_AT + 3].copy_from_slice(b"/h/");
            }
            let k = kind(w, InvokeType::LendMut);
            let valid = w.rng.pick(&[0, 8, PAGE, 4 * PAGE, usize::MAX]);
            let pages = 1 + w.rng.below(4);
            let r = send(w, cid, k, pm::SPAWN, pages, [0, 0, 0, valid]);
            if k == InvokeType::LendMut as usize && r[0] == SyscallResult::MemoryReturned as usize {
                let answer = u32::from_le_bytes(w.request()[..4].try_into().expect("4 bytes")) as usize;
                expect(answer != status::OK, line!(), [pm::SPAWN, answer, r[1], r[2]]);
            }
        }
        1 => {
            let id = w.rng.pick(&[pm::WAIT, pm::TRY_WAIT, pm::KILL]);
            let pid = w.rng.pick(&[0, 1, 2, 3, 10, 64, 65, 255, 256, usize::MAX]);
            let k = kind(w, InvokeType::BlockingScalar);
            let r = send(w, cid, k, id, 1, [pid, 0, 0, 0]);
            if k == InvokeType::BlockingScalar as usize && r[0] != SyscallResult::Error as usize {
                expect(r[0] == SyscallResult::Scalar5 as usize && r[1] == status::NOT_CHILD, line!(), [id, r[0], r[1], pid]);
            }
        }
        2 => {
            let r = send(w, cid, InvokeType::BlockingScalar as usize, pm::PIPE, 1, [0; 4]);
            if r[0] == SyscallResult::Scalar5 as usize && r[1] == status::OK {
                send(w, cid, InvokeType::BlockingScalar as usize, pm::CLOSE, 1, [r[3], 0, 0, 0]);
                if w.rng.one_in(2) {
                    let r2 = send(w, cid, InvokeType::LendMut as usize, pm::READ, 1, [0, 0, r[2], PAGE]);
                    // The end of the data; or NOT_CHILD when a sibling
                    // worker's random CLOSE (below) took the read end
                    // first, as it may: ends are small numbers.
                    let ended = (r2[1], r2[2]) == (status::OK, 0) || r2[1] == status::NOT_CHILD;
                    expect(r2[0] != SyscallResult::MemoryReturned as usize || ended, line!(), [pm::READ, r2[0], r2[1], r2[2]]);
                    send(w, cid, InvokeType::BlockingScalar as usize, pm::CLOSE, 1, [r[2], 0, 0, 0]);
                }
            }
        }
        3 | 4 => {
            let id = w.rng.pick(&[pm::READ, pm::WRITE]);
            let right = if id == pm::READ { InvokeType::LendMut } else { InvokeType::Lend };
            let end = w.rng.pick_or_word(&[0, 1, 2, 3, 100, 256, 257]);
            let k = kind(w, right);
            let valid = w.rng.pick(&[0, 1, PAGE, 20 * PAGE, usize::MAX]);
            let pages = 1 + w.rng.below(4);
            send(w, cid, k, id, pages, [0, 0, end, valid]);
        }
        _ => {
            // (No DUPLICATE of a number that may be one of our own write
            // ends: a second write end would keep a pipe we read open.)
            let id = w.rng.pick_or_word(&[pm::CLOSE, 0, 10, 100, pm::PROCESS_ENDED]);
            let k = kind(w, InvokeType::BlockingScalar);
            let end = w.rng.pick_or_word(&[0, 1, 2, 200]);
            send(w, cid, k, id, 1, [end, 0, 0, 0]);
        }
    }
}

fn log_request(w: &mut Worker) {
    let Some(cid) = connection(w, LOG) else { return };
    let page = w.request();
    match w.rng.below(4) {
        0 => {
            // A few printable bytes on stderr, rarely; else nothing printed.
            let text = b"hostile: log garbage\n";
            page[..text.len()].copy_from_slice(text);
            let valid = if w.rng.one_in(32) { text.len() } else { w.rng.pick(&[0, REQUEST_LEN + 1, usize::MAX, 0x1_0001]) };
            let k = kind(w, InvokeType::Lend);
            let id = if valid == 0 || valid > REQUEST_LEN { w.rng.pick(&[log::STDOUT, log::STDERR]) } else { log::STDERR };
            let pages = 1 + w.rng.below(4);
            let r = send(w, cid, k, id, pages, [0, 0, 0, valid]);
            if k == InvokeType::Lend as usize && r[0] == SyscallResult::Error as usize && r[1] == xous_abi::Error::ServerNotFound as usize {
                reconnect(w, LOG);
            }
        }
        1 => {
            // Bytes of panic text (printed) one time in sixteen; else none.
            let n = if w.rng.one_in(16) { w.rng.below(20) } else { w.rng.pick(&[0, 17, 100]) };
            let words: [usize; 4] = core::array::from_fn(|_| 0x2020_2020 | (w.rng.word() & 0x1f1f_1f1f) | 0x4040_4040);
            let id = if w.rng.one_in(4) { log::BEGIN_PANIC } else { log::APPEND_PANIC_MESSAGE + n };
            let k = if w.rng.one_in(4) { InvokeType::BlockingScalar } else { InvokeType::Scalar };
            send(w, cid, k as usize, id, 0, words);
        }
        _ => {
            let id = w.rng.pick_or_word(&[0, 3, 999, 1001, 1099, 1117, 5000]);
            let k = w.rng.below(7);
            let (pages, offset) = (1 + w.rng.below(4), w.rng.word());
            send(w, cid, k, id, pages, [0, 0, offset, usize::MAX]);
        }
    }
}

fn names_request(w: &mut Worker) {
    let Some(cid) = connection(w, NAMES) else { return };
    let id = w.rng.pick_or_word(&[names::REGISTER, names::BLOCKING_CONNECT, names::TRY_CONNECT, names::XOUS_REGISTER, names::XOUS_LOOKUP, 2, 5, 8]);
    let page = w.request();
    page[..PAGE].fill(0);
    let name: &[u8] = match w.rng.below(5) {
        0 => proto::NAME.as_bytes(),
        1 => net::NAME.as_bytes(),
        2 => b"hostile-name",
        _ => &[],
    };
    let mut length = name.len();
    page[..name.len()].copy_from_slice(name);
    if name.is_empty() {
        length = w.rng.below(80);
        w.rng.fill(&mut page[..length]);
        if w.rng.one_in(2) {
            // Printable, so some are valid names (registered or not).
            for b in page[..length].iter_mut() {
                *b = b'a' + *b % 26;
            }
        }
    }
    let claimed = if w.rng.one_in(4) { w.rng.pick(&[0, 65, 4096, usize::MAX]) } else { length };
    page[names::LENGTH_AT..names::LENGTH_AT + 4].copy_from_slice(&(claimed as u32).to_le_bytes());
    w.rng.fill(&mut page[names::SID_AT..names::SID_AT + 16]);
    if id == names::XOUS_REGISTER || id == names::XOUS_LOOKUP {
        let n = w.rng.below(128);
        w.rng.fill(&mut page[..n]);
    }
    if w.rng.one_in(8) {
        let n = w.rng.below(PAGE);
        w.rng.fill(&mut page[..n]);
    }
    let k = kind(w, InvokeType::LendMut);
    let valid = if w.rng.one_in(4) { w.rng.below(100) } else { claimed };
    let offset = w.rng.below(200);
    // A blocking connect is held until its name is registered: only for
    // a name that is (else the thread would wait for good).
    let page = w.request();
    let fs_name = proto::NAME.as_bytes();
    let registered = page[..fs_name.len()] == *fs_name && claimed == fs_name.len() && valid >= claimed;
    let id = if id == names::BLOCKING_CONNECT && !registered { names::TRY_CONNECT } else { id };
    let r = send(w, cid, k, id, 1, [0, 0, offset, valid]);
    if registered && id == names::TRY_CONNECT && k == InvokeType::LendMut as usize && r[0] == SyscallResult::MemoryReturned as usize {
        let page = w.request();
        // TABLE_FULL: our own connection table is full (a random call's doing).
        let result = u32::from_le_bytes(page[..4].try_into().expect("4 bytes")) as usize;
        expect(result == names::OK as usize || result == names::TABLE_FULL as usize, line!(), [id, result, r[0], r[1]]);
    }
}

fn ticktimer_request(w: &mut Worker) {
    let Some(cid) = connection(w, TICKTIMER) else { return };
    let lock = w.rng.pick(&LOCK_ADDRESSES);
    let (id, right, args) = match w.rng.below(12) {
        0 => (ticktimer::ELAPSED_MS, InvokeType::BlockingScalar, [0; 4]),
        1 => (ticktimer::SLEEP_MS, InvokeType::BlockingScalar, [w.rng.below(8), 0, 0, 0]),
        2 => (ticktimer::LOCK_MUTEX, InvokeType::BlockingScalar, [lock, 0, 0, 0]),
        3 => (ticktimer::UNLOCK_MUTEX, InvokeType::BlockingScalar, [lock, 0, 0, 0]),
        4 => (ticktimer::WAIT_FOR_CONDITION, InvokeType::BlockingScalar, [lock, w.rng.pick(&[0, 1, 5, 20]), 0, 0]),
        5 => (ticktimer::NOTIFY_CONDITION, InvokeType::BlockingScalar, [lock, w.rng.pick(&[0, 1, 100, usize::MAX]), 0, 0]),
        6 => (w.rng.pick(&[ticktimer::FREE_MUTEX, ticktimer::FREE_CONDITION]), InvokeType::Scalar, [lock, 0, 0, 0]),
        7 => (ticktimer::RTC_TIME_NS, InvokeType::BlockingScalar, [0; 4]),
        8 => (w.rng.pick(&[ticktimer::ALARM, ticktimer::PROCESS_ENDED]), InvokeType::Scalar, [w.rng.below(70), 0, 0, 0]),
        9 => (ticktimer::HELD_FOR, InvokeType::BlockingScalar, [w.rng.pick(&[0, 1, 2, 63, 64, 255, usize::MAX]), 0, 0, 0]),
        10 => (ticktimer::TIME_SOURCE, InvokeType::BlockingScalar, [0; 4]),
        _ => {
            let id = w.rng.pick_or_word(&[2, 3, 4, 5, 12, 99, 105]);
            (id, InvokeType::BlockingScalar, [w.rng.word(), w.rng.word(), 0, 0])
        }
    };
    let k = kind(w, right);
    let r = send(w, cid, k, id, 1, args);
    if k == right as usize && r[0] != SyscallResult::Error as usize {
        match id {
            ticktimer::ELAPSED_MS | ticktimer::RTC_TIME_NS => expect(r[0] == SyscallResult::Scalar2 as usize, line!(), [id, r[0], r[1], r[2]]),
            ticktimer::TIME_SOURCE => expect(r[0] == SyscallResult::Scalar2 as usize && r[2] == ticktimer::TIME_SOURCE_TAG, line!(), [id, r[0], r[1], r[2]]),
            _ => {}
        }
    }
}

fn systime_request(w: &mut Worker) {
    let Some(cid) = connection(w, SYSTIME) else { return };
    let id = if w.rng.one_in(2) { systime::GET_UTC_TIME_MS } else { w.rng.pick_or_word(&[0, 1, 2, 4, 100]) };
    let k = kind(w, InvokeType::BlockingScalar);
    let arg = w.rng.word();
    let r = send(w, cid, k, id, 1, [arg, 0, 0, 0]);
    if id == systime::GET_UTC_TIME_MS && k == InvokeType::BlockingScalar as usize && r[0] != SyscallResult::Error as usize {
        // After 2020-01-01, as a Scalar2.
        let ms = (r[2] as u64) << 32 | r[1] as u64;
        expect(r[0] == SyscallResult::Scalar2 as usize && ms > 1_577_836_800_000, line!(), [id, r[0], r[1], r[2]]);
    }
}

fn rng_request(w: &mut Worker) {
    let Some(cid) = connection(w, RNG) else { return };
    let (id, right) = match w.rng.below(3) {
        0 => (rng::FILL, InvokeType::LendMut),
        1 => (rng::U64, InvokeType::BlockingScalar),
        _ => (w.rng.pick_or_word(&[2, 3, 100]), InvokeType::LendMut),
    };
    let k = kind(w, right);
    let pages = 1 + w.rng.below(4);
    let valid = w.rng.pick(&[0, 1, 8, PAGE, pages * PAGE, pages * PAGE + 1, usize::MAX]);
    let r = send(w, cid, k, id, pages, [0, 0, 0, valid]);
    if k == right as usize && r[0] != SyscallResult::Error as usize {
        match id {
            rng::U64 => expect(r[0] == SyscallResult::Scalar2 as usize, line!(), [id, r[0], r[1], r[2]]),
            rng::FILL => expect(r[0] == SyscallResult::MemoryReturned as usize && r[2] == valid.min(pages * PAGE), line!(), [id, r[0], r[1], r[2]]),
            _ => {}
        }
    }
}

/// A path of ours (under HOME, from a few names), or garbage (random
/// bytes that never contain a dot, so never climb out with `..`, and are
/// never only slashes, so never the root).
fn path(w: &mut Worker, out: &mut [u8], creating: bool) -> usize {
    let mut n = 0;
    let mut put = |bytes: &[u8], n: &mut usize| {
        let m = bytes.len().min(out.len() - *n);
        out[*n..*n + m].copy_from_slice(&bytes[..m]);
        *n += m;
    };
    let choice = if creating { w.rng.below(3) } else { w.rng.below(6) };
    match choice {
        0..=2 => {
            put(HOME, &mut n);
            put(b"/", &mut n);
            let name = w.rng.pick(&NAMES_IN_HOME);
            put(name, &mut n);
            if w.rng.one_in(8) {
                put(b"/", &mut n);
            }
        }
        3 | 4 => {
            if choice == 3 {
                put(HOME, &mut n);
                put(b"/", &mut n);
            }
            let len = w.rng.pick(&[1, 2, 8, 40, 255, 256, 300]).min(out.len() - n);
            w.rng.fill(&mut out[n..n + len]);
            for b in out[n..n + len].iter_mut() {
                if *b == b'.' {
                    *b = b'_';
                }
            }
            n += len;
            if out[..n].iter().all(|b| *b == b'/') {
                out[0] = b'h';
            }
        }
        _ => {}
    }
    n
}

fn fs_request(w: &mut Worker) {
    let Some(cid) = connection(w, FS) else { return };
    let id = match w.rng.below(16) {
        0 => proto::READ,
        1 => proto::WRITE,
        2 => w.rng.pick_or_word(&[0, 24, 25, 100, proto::PROCESS_ENDED, proto::RAW_BENCH]),
        _ => 1 + w.rng.below(23),
    };
    let handle = match w.rng.below(4) {
        0 => 0,
        1 => w.rng.pick(&[1, 2, 100, 511, 512, 513, usize::MAX]),
        _ => FS_HANDLES.any(w.rng.word()),
    };
    if id == proto::READ || id == proto::WRITE {
        let right = if id == proto::READ { InvokeType::LendMut } else { InvokeType::Lend };
        let pages = 1 + w.rng.below(4);
        let any = w.rng.below(0x1_1000);
        let valid = w.rng.pick(&[0, 1, 100, PAGE, pages * PAGE, usize::MAX, any]);
        let k = kind(w, right);
        send(w, cid, k, id, pages, [0, 0, handle, valid]);
        return;
    }
    let page = w.request();
    if w.rng.one_in(8) {
        w.rng.fill(&mut page[..PAGE]);
    } else {
        page[..proto::PATHS_AT].fill(0);
    }
    let flags = w.rng.below(64) as u64;
    let creating = matches!(id, proto::OPEN | proto::CREATE_DIR | proto::RENAME | proto::SYMLINK | proto::HARD_LINK);
    let a: u64 = match w.rng.below(6) {
        0 => flags,
        1 => w.rng.below(0x10_0000) as u64,
        2 => (w.rng.next() as i64 % 0x10_0000) as u64,
        3 if w.rng.one_in(16) => w.rng.next(),
        _ => w.rng.below(8) as u64,
    };
    let a = if id == proto::RAW_BENCH { a.min(4) } else { a };
    let any = w.rng.next();
    let b = w.rng.pick(&[0u64, 1, 2, 3, proto::KEEP, any]);
    page[proto::HANDLE_AT..proto::HANDLE_AT + 4].copy_from_slice(&(handle as u32).to_le_bytes());
    page[proto::A_AT..proto::A_AT + 8].copy_from_slice(&a.to_le_bytes());
    page[proto::B_AT..proto::B_AT + 8].copy_from_slice(&b.to_le_bytes());
    let mut buffer = [0u8; 320];
    let one = path(w, &mut buffer, creating);
    page[proto::PATHS_AT..proto::PATHS_AT + one].copy_from_slice(&buffer[..one]);
    let two = path(w, &mut buffer, creating);
    page[proto::PATHS_AT + one..proto::PATHS_AT + one + two].copy_from_slice(&buffer[..two]);
    let (len1, len2) = if w.rng.one_in(8) { (w.rng.pick(&[0, 4000, 5000, u32::MAX as usize]), w.rng.below(5000)) } else { (one, two) };
    page[proto::PATH1_LEN_AT..proto::PATH1_LEN_AT + 4].copy_from_slice(&(len1 as u32).to_le_bytes());
    page[proto::PATH2_LEN_AT..proto::PATH2_LEN_AT + 4].copy_from_slice(&(len2 as u32).to_le_bytes());
    let k = kind(w, InvokeType::LendMut);
    let pages = 1 + w.rng.below(2);
    let r = send(w, cid, k, id, pages, [0, 0, 0, 0]);
    if k == InvokeType::LendMut as usize && r[0] == SyscallResult::MemoryReturned as usize {
        let page = w.request();
        let status = u32::from_le_bytes(page[..4].try_into().expect("4 bytes"));
        if id == proto::OPEN && status == 0 {
            let number = u64::from_le_bytes(page[proto::VALUE_AT..proto::VALUE_AT + 8].try_into().expect("8 bytes")) as usize;
            let old = FS_HANDLES.push(number);
            if old != 0 {
                fs_close(w, cid, old);
            }
        }
    }
}

/// CLOSE of handle `number` (ours, or already closed by a random call).
pub fn fs_close(w: &mut Worker, cid: usize, number: usize) {
    let page = w.request();
    page[..proto::PATHS_AT].fill(0);
    page[proto::HANDLE_AT..proto::HANDLE_AT + 4].copy_from_slice(&(number as u32).to_le_bytes());
    w.call(Syscall::SendMessage, &[cid, InvokeType::LendMut as usize, proto::CLOSE, w.page, PAGE, 0, 0]);
}

/// One well-formed filesystem request on the request page; its status, or
/// None if the service did not answer it as a request.
pub fn fs_call(w: &mut Worker, id: usize, handle: u32, a: u64, path1: &[u8], path2: &[u8]) -> Option<(u32, u64)> {
    let cid = reconnect(w, FS)?;
    let page = w.request();
    page[..PAGE].fill(0);
    page[proto::HANDLE_AT..proto::HANDLE_AT + 4].copy_from_slice(&handle.to_le_bytes());
    page[proto::A_AT..proto::A_AT + 8].copy_from_slice(&a.to_le_bytes());
    page[proto::PATH1_LEN_AT..proto::PATH1_LEN_AT + 4].copy_from_slice(&(path1.len() as u32).to_le_bytes());
    page[proto::PATH2_LEN_AT..proto::PATH2_LEN_AT + 4].copy_from_slice(&(path2.len() as u32).to_le_bytes());
    page[proto::PATHS_AT..proto::PATHS_AT + path1.len()].copy_from_slice(path1);
    page[proto::PATHS_AT + path1.len()..proto::PATHS_AT + path1.len() + path2.len()].copy_from_slice(path2);
    let r = w.call(Syscall::SendMessage, &[cid, InvokeType::LendMut as usize, id, w.page, PAGE, 0, 0]);
    if r[0] != SyscallResult::MemoryReturned as usize {
        return None;
    }
    let page = w.request();
    let status = u32::from_le_bytes(page[..4].try_into().expect("4 bytes"));
    Some((status, u64::from_le_bytes(page[proto::VALUE_AT..proto::VALUE_AT + 8].try_into().expect("8 bytes"))))
}

/// Writes `bytes` to a new file at `path` (replacing it): whether it worked.
/// (Written under another name first, then renamed: a reader never sees it half made.)
pub fn fs_write_file(w: &mut Worker, path: &[u8], bytes: &[u8]) -> bool {
    let flags = proto::open::WRITE | proto::open::CREATE | proto::open::TRUNCATE;
    let mut temporary = [0u8; 64];
    let n = path.len().min(60);
    temporary[..n].copy_from_slice(&path[..n]);
    temporary[n..n + 4].copy_from_slice(b".new");
    let temporary = &temporary[..n + 4];
    let mut opened = fs_call(w, proto::OPEN, 0, flags, temporary, &[]);
    if opened.is_some_and(|(status, _)| status == proto::error::TOO_MANY_OPEN) {
        // Random requests left handles open: every number is closed (the
        // service closes only ours).
        let cid = connection(w, FS).unwrap_or(0);
        for number in 1..=512 {
            fs_close(w, cid, number);
        }
        opened = fs_call(w, proto::OPEN, 0, flags, temporary, &[]);
    }
    let Some((0, handle)) = opened else { return false };
    let Some(cid) = connection(w, FS) else { return false };
    let n = bytes.len().min(PAGE);
    w.request()[..n].copy_from_slice(&bytes[..n]);
    let r = w.call(Syscall::SendMessage, &[cid, InvokeType::Lend as usize, proto::WRITE, w.page, PAGE, handle as usize, n]);
    let written = r[0] == SyscallResult::MemoryReturned as usize && r[1] == 0 && r[2] == n;
    let closed = fs_call(w, proto::CLOSE, handle as u32, 0, &[], &[]).is_some_and(|(status, _)| status == 0);
    let renamed = fs_call(w, proto::RENAME, 0, 0, temporary, path).is_some_and(|(status, _)| status == 0);
    written && closed && renamed
}

fn blk_request(w: &mut Worker) {
    let Some(cid) = connection(w, BLK) else { return };
    let k = if w.rng.one_in(2) { InvokeType::Scalar as usize } else { w.rng.below(7) };
    let (id, arg) = (w.rng.below(4), w.rng.word());
    send(w, cid, k, id, 1, [arg, 0, 0, 0]);
}

fn net_request(w: &mut Worker) {
    let Some(cid) = connection(w, NET) else { return };
    // Only requests that make no traffic: bad sockets, closes, options,
    // binds and listens on the loopback.
    let socket = w.rng.pick(&[0, 1, 2, 255, 256, 1023, 1024, 0xffff]);
    let opcode = w.rng.pick(&[net::TCP_CLOSE, net::GET_TTL, net::SET_TTL, net::GET_NODELAY, net::SET_NODELAY, net::UDP_CLOSE, net::TCP_SHUTDOWN, net::TCP_PEEK, net::TCP_RX, net::GET_ADDRESS, 0, 29, 47, 0x7f00, 0x7f01]);
    let id = opcode | socket << net::SOCKET_SHIFT | if w.rng.one_in(2) { net::NONBLOCKING } else { 0 };
    let right = if [net::TCP_PEEK, net::TCP_RX, net::GET_ADDRESS].contains(&opcode) { InvokeType::LendMut } else { InvokeType::BlockingScalar };
    let k = kind(w, right);
    let page = w.request();
    w.rng.fill(&mut page[..64]);
    let (arg, valid) = (w.rng.below(300), w.rng.below(0x2000));
    send(w, cid, k, id, 1, [arg, 0, 0, valid]);
}

/// Messages to our own servers (every kind), or receiving and answering
/// them (rightly or not).
fn own_traffic(w: &mut Worker) {
    let server = w.rng.below(OWN_SIDS.len());
    match w.rng.below(5) {
        0 | 1 => {
            let cid = OWN_CIDS[server].load(Ordering::Relaxed);
            let k = 1 + w.rng.below(5);
            let (addr, len) = match w.scratch.iter().flatten().next() {
                Some(r) if k <= 3 => (r.addr, r.pages * PAGE),
                _ => (w.rng.word(), w.rng.below(4) * PAGE),
            };
            let call = if w.rng.one_in(2) { Syscall::TrySendMessage } else { Syscall::SendMessage };
            let (id, offset, valid) = (w.rng.below(16), w.rng.word(), w.rng.below(PAGE));
            let r = w.call(call, &[cid, k, id, addr, len, offset, valid]);
            if k == 1 {
                // Answered or not (a server closed with our pages in it),
                // whoever had them may have written them.
                raw::rewrite_patterns(w, addr, len);
            }
            if k == 3 && r[0] != SyscallResult::Error as usize {
                w.forget(addr, len);
            }
        }
        2 | 3 => {
            let sid = OWN_SIDS[server].get();
            let call = if w.rng.one_in(16) { Syscall::ReceiveMessage } else { Syscall::TryReceiveMessage };
            let r = w.call(call, &sid);
            if r[0] == SyscallResult::MessageEnvelope as usize {
                let mut m = Received { sender: r[1], kind: r[2], id: r[3], args: [r[4], r[5], r[6], r[7]] };
                if m.kind == 4 && w.rng.one_in(2) {
                    m.id = 0;
                }
                w.keep_received(m);
            }
        }
        _ => {
            let Some(i) = (0..w.received.len()).find(|&i| w.received[i].is_some()) else { return };
            let m = w.received[i].take().expect("some");
            match w.rng.below(6) {
                0 => {
                    // The wrong reply call, or the wrong range: an error, and
                    // the message still waits for its answer. (Not checked:
                    // the supervisor may have closed the server meanwhile.)
                    w.call(Syscall::ReturnScalar2, &[m.sender, 1, 2]);
                    if m.kind <= 1 {
                        w.call(Syscall::ReturnMemory, &[m.sender, m.args[0] + PAGE, m.args[1], 0, 0]);
                        w.received[i] = Some(m);
                    }
                }
                1 => {
                    let values = [m.kind, 1, 2, 3, 4, 5];
                    let r = w.call(Syscall::ReplyAndReceiveNext, &[m.sender, values[1], values[2], values[3], values[4], values[5], if m.kind <= 1 { usize::MAX } else { 5 }]);
                    if r[0] == SyscallResult::MessageEnvelope as usize {
                        w.keep_received(Received { sender: r[1], kind: r[2], id: r[3], args: [r[4], r[5], r[6], r[7]] });
                    }
                }
                _ => w.answer(m),
            }
        }
    }
}
