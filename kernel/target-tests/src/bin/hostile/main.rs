//! The hostile process of `./x fuzz`: booted beside an innocent program
//! (test-apps/innocent), it makes random syscalls from many threads at once
//! for a given time (`fuzz` mode), or takes all it can of every resource
//! and holds it (`exhaust` mode, exhaust.rs), while the innocent program
//! checks that nothing it does is disturbed. Its configuration is its name
//! (argv[0], which `xous-run --service NAME=PATH` sets):
//! `hostile-MODE-SEED-SECONDS[-WORKERS]` (seed in hex), so a seed replays.
//!
//! The main thread is the supervisor: it makes and replaces our servers,
//! lets go what random calls left waiting (connects to servers that do not
//! exist, mutex waits, messages nobody answers), joins finished threads,
//! replaces a worker that has been stuck for two seconds, and at the end
//! checks that every service still answers, prints the figures and leaves
//! a file for the innocent program (`/h/done`), which then ends the run.
#![no_std]
#![no_main]

mod exhaust;
mod rand;
mod raw;
mod services;
mod shared;
mod worker;

use core::fmt::Write;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use kernel_target_tests::{counters, entry, println, Line, Syscall, SyscallResult};
use shared::{Finding, CALLS, FINDINGS, MAX_WORKERS, OWN_CIDS, OWN_SIDS, STOP};
use worker::{Worker, PAGE, REQUEST_LEN, REQUEST_PAGES, REQUEST_STRIDE, STACKS, STACK_SIZE, STACK_STRIDE};
use xous_abi::memory::flags;
use xous_abi::services::ticktimer;

/// The seed, in two halves (no 64-bit atomics here).
static SEED: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
/// Set by a worker when it has left its loop.
static DONE: [AtomicBool; MAX_WORKERS] = [const { AtomicBool::new(false) }; MAX_WORKERS];

pub fn seed() -> u64 {
    (SEED[1].load(Ordering::Relaxed) as u64) << 32 | SEED[0].load(Ordering::Relaxed) as u64
}

#[derive(Copy, Clone, PartialEq)]
pub enum Mode {
    Fuzz,
    Exhaust,
}

pub struct Config {
    pub mode: Mode,
    pub seed: u64,
    pub seconds: u64,
    pub workers: usize,
}

/// `hostile-MODE-SEED-SECONDS[-WORKERS]`; defaults for what is missing.
fn config(params: usize) -> Config {
    let mut c = Config { mode: Mode::Fuzz, seed: 1, seconds: 10, workers: 16 };
    let Some(name) = argv0(params) else { return c };
    let mut parts = name.split('-').skip(1);
    if parts.next() == Some("exhaust") {
        c.mode = Mode::Exhaust;
    }
    if let Some(seed) = parts.next().and_then(|s| u64::from_str_radix(s, 16).ok()) {
        c.seed = seed;
    }
    if let Some(seconds) = parts.next().and_then(|s| s.parse().ok()) {
        c.seconds = seconds;
    }
    if let Some(workers) = parts.next().and_then(|s| s.parse::<usize>().ok()) {
        c.workers = workers.clamp(1, FIRST_ANSWERER - 1);
    }
    c
}

fn argv0(params: usize) -> Option<&'static str> {
    xous_rt::arguments(params)?.next()
}

/// Seconds since boot, from the time counter.
pub fn now() -> f64 {
    counters::time() as f64 / board::TIMEBASE_HZ as f64
}

/// The stack the exception handler runs on (after the request pages, away
/// from every window random calls draw from).
pub const FAULT_STACK_TOP: usize = worker::REQUEST_PAGES + shared::MAX_WORKERS * worker::REQUEST_STRIDE + 0x1_0000;
const FAULT_STACK_SIZE: usize = 0x4000;

/// A fault in the hostile process is a finding of its own (it touches
/// only what it owns): say where, and what each worker did last, and end.
pub extern "C" fn on_fault(cause: usize, address: usize, pc: usize) -> ! {
    let tid = kernel_target_tests::syscall(Syscall::GetThreadId, &[])[1];
    println!("hostile: FAULT cause {cause} at pc {pc:#x}, address {address:#x}, thread {tid}");
    for (i, c) in shared::LAST_CALL.iter().enumerate() {
        let c: [usize; 4] = core::array::from_fn(|j| c[j].load(Ordering::Relaxed));
        if c[0] != 0 {
            println!("hostile: worker {i} last called {} ({:#x}, {:#x}, {:#x})", c[0], c[1], c[2], c[3]);
        }
    }
    kernel_target_tests::exit(3)
}

/// Maps (and touches) a worker's stack and request pages.
fn prepare_worker(sup: &mut Worker, index: usize) -> bool {
    let stack = STACKS + index * STACK_STRIDE;
    let page = REQUEST_PAGES + index * REQUEST_STRIDE;
    for (at, len) in [(stack, STACK_SIZE), (page, REQUEST_LEN)] {
        let r = sup.call(Syscall::MapMemory, &[0, at, len, flags::R | flags::W]);
        if r[0] != SyscallResult::MemoryRange as usize {
            return false;
        }
        for p in (at..at + len).step_by(PAGE) {
            if sup.call(Syscall::VirtToPhys, &[p])[0] != SyscallResult::Scalar1 as usize {
                return false;
            }
        }
    }
    true
}

fn start_worker(sup: &mut Worker, index: usize, generation: usize) -> bool {
    start_thread(sup, worker_main as *const () as usize, index, [index, generation])
}

/// Starts a thread at `entry` on the stack of slot `index`, with `args`.
fn start_thread(sup: &mut Worker, entry: usize, index: usize, args: [usize; 2]) -> bool {
    if !prepare_worker(sup, index) {
        return false;
    }
    let stack = STACKS + index * STACK_STRIDE;
    let r = sup.call(Syscall::CreateThread, &[entry, stack, STACK_SIZE, args[0], args[1]]);
    r[0] == SyscallResult::ThreadId as usize
}

extern "C" fn worker_main(index: usize, generation: usize) -> usize {
    let mut w = Worker::new(index, seed(), generation);
    while !w.stopping() {
        match w.rng.below(100) {
            0..=59 => raw::random_call(&mut w),
            60..=87 => services::request(&mut w),
            88..=91 => w.map_scratch(),
            92..=94 => {
                let i = w.rng.below(w.scratch.len());
                w.unmap_scratch(i);
            }
            _ => w.check_scratch(),
        }
    }
    for i in 0..w.received.len() {
        if let Some(m) = w.received[i].take() {
            w.answer(m);
        }
    }
    for i in 0..w.scratch.len() {
        w.unmap_scratch(i);
    }
    DONE[index].store(true, Ordering::Relaxed);
    0
}

/// The threads that answer our own servers' messages (one per server),
/// so that a worker's blocking message to one is answered soon: their
/// indices in CALLS, after the workers'.
pub const FIRST_ANSWERER: usize = MAX_WORKERS - shared::OWN_SERVERS;

/// Answers every message of our own server `server` (most rightly, some
/// first wrongly), for as long as the run lasts; a replaced server's
/// successor is served from then on.
extern "C" fn answerer_main(server: usize, index: usize) -> usize {
    let mut w = Worker::new(index, seed(), 0);
    while !w.stopping() {
        let sid = OWN_SIDS[server].get();
        let r = w.call(Syscall::ReceiveMessage, &sid);
        if r[0] != SyscallResult::MessageEnvelope as usize {
            // The server is being replaced.
            sleep(&mut w, 2);
            continue;
        }
        let m = worker::Received { sender: r[1], kind: r[2], id: r[3], args: [r[4], r[5], r[6], r[7]] };
        shared::SENDERS.push(m.sender);
        // (The pages are not touched: the supervisor may replace the server
        // meanwhile, which takes them away. The services write lent pages
        // all the time.)
        if w.rng.one_in(8) {
            // Wrong first: the other reply call, the wrong range.
            w.call(Syscall::ReturnScalar1, &[m.sender, 7]);
            w.call(Syscall::ReturnMemory, &[m.sender, m.args[0] ^ PAGE, m.args[1], 0, 0]);
        }
        match m.kind {
            2 => {
                w.call(Syscall::UnmapMemory, &[m.args[0], m.args[1]]);
            }
            _ => w.answer(m),
        }
    }
    DONE[index].store(true, Ordering::Relaxed);
    0
}

/// Makes (or replaces) our own server `i`. Should our share of servers
/// (or our connections) be taken by random calls, one of their servers
/// goes first; the old connection number is never left to lead elsewhere.
pub fn renew_server(sup: &mut Worker, i: usize) {
    let old = OWN_SIDS[i].get();
    OWN_CIDS[i].store(0, Ordering::Relaxed);
    if old != [0; 4] {
        sup.call(Syscall::DestroyServer, &old);
    }
    for _ in 0..shared::EXTRA_SIDS.len() + 1 {
        let r = sup.call(Syscall::CreateServer, &[]);
        if r[0] == SyscallResult::NewServerId as usize {
            OWN_SIDS[i].set([r[1], r[2], r[3], r[4]]);
            OWN_CIDS[i].store(r[5], Ordering::Relaxed);
            return;
        }
        let extra = shared::EXTRA_NEXT.fetch_add(1, Ordering::Relaxed) % shared::EXTRA_SIDS.len();
        let gone = shared::EXTRA_SIDS[extra].get();
        shared::EXTRA_SIDS[extra].set([0; 4]);
        sup.call(Syscall::DestroyServer, &gone);
    }
}

/// Sleeps `ms` through the ticktimer.
pub fn sleep(sup: &mut Worker, ms: usize) {
    match services::reconnect(sup, services::TICKTIMER) {
        Some(cid) => {
            sup.call(Syscall::SendMessage, &[cid, xous_abi::message::InvokeType::BlockingScalar as usize, ticktimer::SLEEP_MS, ms, 0, 0, 0]);
        }
        None => {
            sup.call(Syscall::Yield, &[]);
        }
    }
}

/// Servers made for Connects that wait for them: destroyed half a second
/// later, when the waiters have surely had the processor. (A process has
/// 32 servers: 4 of ours, 8 of random calls, 12 of these.)
struct Waited {
    servers: [([usize; 4], f64); 12],
    /// Each worker's syscall count at the last look.
    seen: [usize; MAX_WORKERS],
}

impl Waited {
    const fn new() -> Waited {
        Waited { servers: [([0; 4], 0.0); 12], seen: [0; MAX_WORKERS] }
    }

    /// Destroys those made more than half a second ago (all, with `all`).
    fn expire(&mut self, sup: &mut Worker, all: bool) {
        let t = now();
        for (sid, made) in self.servers.iter_mut() {
            if *sid != [0; 4] && (all || t - *made > 0.5) {
                sup.call(Syscall::DestroyServer, sid);
                *sid = [0; 4];
            }
        }
    }
}

/// Lets go of whatever random calls may have left waiting.
fn release_waiters(sup: &mut Worker, waited: &mut Waited) {
    use xous_abi::message::InvokeType;
    if let Some(cid) = services::connection(sup, services::TICKTIMER) {
        for lock in shared::LOCK_ADDRESSES {
            sup.call(Syscall::TrySendMessage, &[cid, InvokeType::BlockingScalar as usize, ticktimer::UNLOCK_MUTEX, lock, 0, 0, 0]);
            sup.call(Syscall::TrySendMessage, &[cid, InvokeType::BlockingScalar as usize, ticktimer::NOTIFY_CONDITION, lock, usize::MAX, 0, 0]);
        }
    }
    // A server at each SID a Connect of a worker has waited for (for a
    // round at least), which lets it go on.
    waited.expire(sup, false);
    for i in 1..FIRST_ANSWERER {
        let c: [usize; 5] = core::array::from_fn(|j| shared::LAST_CALL[i][j].load(Ordering::Relaxed));
        let calls = CALLS[i].load(Ordering::Relaxed);
        let waiting = calls == waited.seen[i] && !DONE[i].load(Ordering::Relaxed);
        waited.seen[i] = calls;
        let sid = [c[1], c[2], c[3], c[4]];
        if waiting && c[0] == Syscall::ReceiveMessage as usize && !OWN_SIDS.iter().any(|s| s.get() == sid) {
            // A server of ours nothing is sent to: destroying it wakes the receiver.
            sup.call(Syscall::DestroyServer, &sid);
        }
        if !waiting || c[0] != Syscall::Connect as usize || waited.servers.iter().any(|(s, _)| *s == sid) {
            continue;
        }
        let Some(free) = waited.servers.iter().position(|(s, _)| *s == [0; 4]) else { break };
        let mut r = sup.call(Syscall::CreateServerWithAddress, &sid);
        if kernel_target_tests::error_of(r) == Some(xous_abi::Error::OutOfMemory) {
            // Our connections are all taken (a server's creator is
            // connected to it): one of the servers random calls made goes.
            let extra = shared::EXTRA_NEXT.fetch_add(1, Ordering::Relaxed) % shared::EXTRA_SIDS.len();
            let old = shared::EXTRA_SIDS[extra].get();
            shared::EXTRA_SIDS[extra].set([0; 4]);
            sup.call(Syscall::DestroyServer, &old);
            r = sup.call(Syscall::CreateServerWithAddress, &sid);
        }
        if r[0] == SyscallResult::NewServerId as usize {
            waited.servers[free] = (sid, now());
            // Its creator's connection is not needed (our table is small).
            sup.call(Syscall::Disconnect, &[r[5]]);
        }
    }
}

/// Frees the interrupts random calls claimed.
fn reap(sup: &mut Worker) {
    for irq in 1..board::IRQ_COUNT {
        sup.call(Syscall::FreeInterrupt, &[irq]);
    }
}

/// The hostile's files go (so its share of the disk stays small).
fn clean_files(sup: &mut Worker) {
    use xous_abi::services::fs as proto;
    if let Some(cid) = services::connection(sup, services::FS) {
        for i in 0..shared::FS_HANDLES.len() {
            let handle = shared::FS_HANDLES.take(i);
            if handle != 0 {
                services::fs_close(sup, cid, handle);
            }
        }
    }
    for name in [&b"/h/dir/sub/g"[..], b"/h/dir/sub", b"/h/dir/e", b"/h/dir/f", b"/h/dir", b"/h/a", b"/h/b", b"/h/c", b"/h/d", b"/h/l"] {
        services::fs_call(sup, proto::REMOVE_FILE, 0, 0, name, &[]);
        services::fs_call(sup, proto::REMOVE_DIR, 0, 0, name, &[]);
    }
}

fn total_calls() -> u64 {
    CALLS.iter().map(|c| c.load(Ordering::Relaxed) as u64).sum()
}

fn main(params: usize) -> usize {
    let c = config(params);
    SEED[0].store(c.seed as u32 as usize, Ordering::Relaxed);
    SEED[1].store((c.seed >> 32) as usize, Ordering::Relaxed);
    let mut sup = Worker::new(0, c.seed, 0);
    let me = sup.call(Syscall::GetProcessId, &[])[1];
    // We detach what we do not join (so an ended thread's slot waits for
    // its join, never taken by a new thread first).
    sup.call(Syscall::PlatformSpecific, &[xous_abi::platform::DETACH_THREAD, 0]);
    sup.call(Syscall::SetMemRegion, &[me, 1, worker::MAP_AREA.0, worker::MAP_AREA.1 - worker::MAP_AREA.0]);
    if !prepare_worker(&mut sup, 0) {
        println!("hostile: cannot map its own pages");
        return 1;
    }
    let fault_stack = FAULT_STACK_TOP - FAULT_STACK_SIZE;
    sup.call(Syscall::MapMemory, &[0, fault_stack, FAULT_STACK_SIZE, flags::R | flags::W]);
    for p in (fault_stack..FAULT_STACK_TOP).step_by(PAGE) {
        sup.call(Syscall::VirtToPhys, &[p]);
    }
    sup.call(Syscall::SetExceptionHandler, &[on_fault as *const () as usize, FAULT_STACK_TOP]);
    services::discover(&mut sup);
    for i in 0..OWN_SIDS.len() {
        renew_server(&mut sup, i);
    }
    services::fs_call(&mut sup, xous_abi::services::fs::CREATE_DIR, 0, 0, services::HOME, &[]);
    let start = now();
    let result = match c.mode {
        Mode::Fuzz => fuzz(&mut sup, &c, start),
        Mode::Exhaust => exhaust::run(&mut sup, &c),
    };
    let elapsed = now() - start;
    let calls = total_calls();
    let mut line = Line::new();
    let mode = if c.mode == Mode::Fuzz { "fuzz" } else { "exhaust" };
    let _ = write!(
        line,
        "hostile: mode {mode}, pid {me}, seed {:#x}, {calls} syscalls in {:.1} s ({:.0}/s), {}; findings: memory {}, answers {}, unanswered {}",
        c.seed,
        elapsed,
        calls as f64 / elapsed,
        core::str::from_utf8(result.as_bytes()).unwrap_or("?"),
        FINDINGS[Finding::MemoryChanged as usize].load(Ordering::Relaxed),
        FINDINGS[Finding::BadAnswer as usize].load(Ordering::Relaxed),
        FINDINGS[Finding::NoAnswer as usize].load(Ordering::Relaxed),
    );
    println!("{}", core::str::from_utf8(line.as_bytes()).unwrap_or("?"));
    for d in &shared::FINDING_DETAILS {
        let d: [usize; 5] = core::array::from_fn(|j| d[j].load(Ordering::Relaxed));
        if d[0] != 0 {
            println!("hostile: finding at line {}: {:#x} {:#x} {:#x} {:#x}", d[0], d[1], d[2], d[3], d[4]);
        }
    }
    let alive = services_answer(&mut sup);
    println!("hostile: services answer:{}", core::str::from_utf8(alive.as_bytes()).unwrap_or("?"));
    let done = services::fs_write_file(&mut sup, b"/h/done", line.as_bytes());
    if !done {
        println!("hostile: cannot write /h/done");
    }
    0
}

/// The fuzzing itself: workers, supervised until the time is up; a summary.
fn fuzz(sup: &mut Worker, c: &Config, start: f64) -> Line {
    for i in 0..shared::OWN_SERVERS {
        start_thread(sup, answerer_main as *const () as usize, FIRST_ANSWERER + i, [i, FIRST_ANSWERER + i]);
    }
    let mut started = 0;
    for i in 1..=c.workers {
        if start_worker(sup, i, 0) {
            started += 1;
        }
    }
    let mut next_index = c.workers + 1;
    let (mut stuck, mut replaced) = (0, 0);
    let mut last = [(0usize, start); MAX_WORKERS];
    let mut counted_stuck = [false; MAX_WORKERS];
    let mut round = 0;
    let mut waited = Waited::new();
    while now() - start < c.seconds as f64 {
        round += 1;
        sleep(sup, 10);
        release_waiters(sup, &mut waited);
        if round % 20 == 0 {
            let i = round / 20 % OWN_SIDS.len();
            renew_server(sup, i);
        }
        if round % 50 == 0 {
            reap(sup);
        }
        if round % 200 == 0 {
            clean_files(sup);
        }
        let t = now();
        for i in 1..next_index {
            let calls = CALLS[i].load(Ordering::Relaxed);
            if calls != last[i].0 || DONE[i].load(Ordering::Relaxed) {
                last[i] = (calls, t);
            } else if t - last[i].1 > 2.0 && !counted_stuck[i] {
                counted_stuck[i] = true;
                stuck += 1;
                if next_index < FIRST_ANSWERER && start_worker(sup, next_index, round) {
                    last[next_index] = (0, t);
                    next_index += 1;
                    replaced += 1;
                }
            }
        }
    }
    STOP.store(true, Ordering::Relaxed);
    // Let everything that waits go, then give the workers a moment to end.
    let give_up = now() + 5.0;
    let mut round = 0;
    while (1..next_index).any(|i| !DONE[i].load(Ordering::Relaxed)) && now() < give_up {
        round += 1;
        release_waiters(sup, &mut waited);
        if round % 10 == 0 {
            renew_server(sup, round / 10 % OWN_SIDS.len());
        }
        sleep(sup, 5);
    }
    for slot in &shared::EXTRA_SIDS {
        sup.call(Syscall::DestroyServer, &slot.get());
    }
    waited.expire(sup, true);
    let give_up = now() + 1.0;
    let answerers = FIRST_ANSWERER..MAX_WORKERS;
    while (1..next_index).chain(answerers.clone()).any(|i| !DONE[i].load(Ordering::Relaxed)) && now() < give_up {
        sleep(sup, 5);
    }
    let still = (1..next_index).chain(answerers.clone()).filter(|i| !DONE[*i].load(Ordering::Relaxed)).count();
    for i in (1..next_index).chain(answerers).filter(|i| !DONE[*i].load(Ordering::Relaxed)) {
        let c: [usize; 5] = core::array::from_fn(|j| shared::LAST_CALL[i][j].load(Ordering::Relaxed));
        let service = shared::WAITING_ON[i].load(Ordering::Relaxed);
        if service != 0 {
            shared::found(Finding::NoAnswer, line!(), [service - 1, c[0], c[1], c[3]]);
        }
        println!("hostile: worker {i} still waits in syscall {} ({:#x}, {:#x}, {:#x}), on service {}", c[0], c[1], c[2], c[3], service as isize - 1);
    }
    reap(sup);
    clean_files(sup);
    let mut line = Line::new();
    let children = shared::CHILDREN.load(Ordering::Relaxed);
    let _ = write!(line, "{started} workers, {stuck} stuck for 2 s ({replaced} replaced), {still} still waiting at the end, {children} children made");
    line
}

/// Checks each service with a request whose answer is certain; the names of those that answered.
fn services_answer(sup: &mut Worker) -> Line {
    use xous_abi::message::InvokeType;
    use xous_abi::services::{rng, systime};
    let mut line = Line::new();
    if let Some(cid) = services::reconnect(sup, services::LOG) {
        let text = b"hostile: the log service answers\n";
        sup.request()[..text.len()].copy_from_slice(text);
        let r = sup.call(Syscall::SendMessage, &[cid, InvokeType::Lend as usize, xous_abi::services::log::STDERR, sup.page, PAGE, 0, text.len()]);
        if r[0] == SyscallResult::MemoryReturned as usize {
            let _ = line.write_str(" log");
        }
    }
    if services::try_connect_by_name(sup, xous_abi::services::fs::NAME.as_bytes()) {
        let _ = line.write_str(" names");
    }
    let scalar2 = |sup: &mut Worker, s: usize, id: usize| {
        services::reconnect(sup, s).is_some_and(|cid| {
            sup.call(Syscall::SendMessage, &[cid, InvokeType::BlockingScalar as usize, id, 0, 0, 0, 0])[0] == SyscallResult::Scalar2 as usize
        })
    };
    if scalar2(sup, services::TICKTIMER, ticktimer::ELAPSED_MS) {
        let _ = line.write_str(" ticktimer");
    }
    if scalar2(sup, services::SYSTIME, systime::GET_UTC_TIME_MS) {
        let _ = line.write_str(" systime");
    }
    if scalar2(sup, services::RNG, rng::U64) {
        let _ = line.write_str(" rng");
    }
    if services::fs_call(sup, xous_abi::services::fs::STAT, 0, 0, b"/", &[]).is_some_and(|(status, _)| status == 0) {
        let _ = line.write_str(" fs");
    }
    line
}

entry!(main);
