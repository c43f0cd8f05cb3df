//! What the hostile process's threads share: the servers and connections
//! they fuzz with, the reply words and server IDs they have seen, what
//! random calls left behind for the supervisor to clean up (mappings,
//! servers, threads, waiting connects), and the counters. All atomics:
//! a torn read only makes one more random argument.

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A ring of words that random calls fill and the supervisor drains.
pub struct Ring<const N: usize> {
    next: AtomicUsize,
    slots: [AtomicUsize; N],
}

impl<const N: usize> Ring<N> {
    pub const fn new() -> Ring<N> {
        Ring { next: AtomicUsize::new(0), slots: [const { AtomicUsize::new(0) }; N] }
    }

    /// Keeps `value` (not 0); returns what it displaced (0: nothing).
    pub fn push(&self, value: usize) -> usize {
        let at = self.next.fetch_add(1, Ordering::Relaxed) % N;
        self.slots[at].swap(value, Ordering::Relaxed)
    }

    /// Any kept value (0 if that slot is empty).
    pub fn any(&self, index: usize) -> usize {
        self.slots[index % N].load(Ordering::Relaxed)
    }

    /// Takes the value of slot `index` out.
    pub fn take(&self, index: usize) -> usize {
        self.slots[index % N].swap(0, Ordering::Relaxed)
    }

    pub const fn len(&self) -> usize {
        N
    }
}

/// A SID kept in four words.
pub struct SharedSid([AtomicUsize; 4]);

impl SharedSid {
    pub const fn new() -> SharedSid {
        SharedSid([const { AtomicUsize::new(0) }; 4])
    }
    pub fn get(&self) -> [usize; 4] {
        core::array::from_fn(|i| self.0[i].load(Ordering::Relaxed))
    }
    pub fn set(&self, sid: [usize; 4]) {
        for (slot, w) in self.0.iter().zip(sid) {
            slot.store(w, Ordering::Relaxed);
        }
    }
}

/// The hostile's own servers, which the supervisor makes and replaces.
pub const OWN_SERVERS: usize = 4;
pub static OWN_SIDS: [SharedSid; OWN_SERVERS] = [const { SharedSid::new() }; OWN_SERVERS];
pub static OWN_CIDS: [AtomicUsize; OWN_SERVERS] = [const { AtomicUsize::new(0) }; OWN_SERVERS];

/// Connections to the services, by `crate::services::Service` index (0: none yet).
pub static SERVICE_CIDS: [AtomicUsize; 9] = [const { AtomicUsize::new(0) }; 9];

/// Reply words seen in received envelopes (kept for made-up replies).
pub static SENDERS: Ring<16> = Ring::new();
/// Servers random calls created (first SID word | index in EXTRA_SIDS).
pub static EXTRA_SIDS: [SharedSid; 8] = [const { SharedSid::new() }; 8];
pub static EXTRA_NEXT: AtomicUsize = AtomicUsize::new(0);
/// Open file handles of the filesystem service (any worker's).
pub static FS_HANDLES: Ring<16> = Ring::new();

pub static CHILDREN: AtomicUsize = AtomicUsize::new(0);
pub static STOP: AtomicBool = AtomicBool::new(false);

/// Workers at most (the supervisor is thread 1).
pub const MAX_WORKERS: usize = 24;
/// Per worker: syscalls made (its progress), and whether it is running.
pub static CALLS: [AtomicUsize; MAX_WORKERS] = [const { AtomicUsize::new(0) }; MAX_WORKERS];
/// Things a worker found wrong (kept apart per kind, see `Finding`).
pub static FINDINGS: [AtomicUsize; 4] = [const { AtomicUsize::new(0) }; 4];

#[derive(Copy, Clone)]
#[repr(usize)]
pub enum Finding {
    /// A page of ours did not hold what we wrote (another party wrote it,
    /// or we reach someone else's frame).
    MemoryChanged = 0,
    /// A service gave an answer that cannot be (a good request refused).
    BadAnswer = 1,
    /// A service never answered a request of ours.
    NoAnswer = 2,
}

/// The first findings' details (line of the check, four words each), for the report.
pub static FINDING_DETAILS: [[AtomicUsize; 5]; 4] = [const { [const { AtomicUsize::new(0) }; 5] }; 4];

pub fn found(f: Finding, line: u32, words: [usize; 4]) {
    let n = FINDINGS.iter().map(|c| c.load(Ordering::Relaxed)).sum::<usize>();
    FINDINGS[f as usize].fetch_add(1, Ordering::Relaxed);
    if let Some(slot) = FINDING_DETAILS.get(n) {
        slot[0].store(line as usize, Ordering::Relaxed);
        for (s, w) in slot[1..].iter().zip(words) {
            s.store(w, Ordering::Relaxed);
        }
    }
}

/// Per worker: the service (index + 1) a well-formed request of it waits
/// on now, 0 if none: one still waiting at the end was never answered.
pub static WAITING_ON: [AtomicUsize; MAX_WORKERS] = [const { AtomicUsize::new(0) }; MAX_WORKERS];

/// Per worker: the syscall it made last (a0..a4), to say where a stuck one
/// waits (and to make the server a Connect waits for).
pub static LAST_CALL: [[AtomicUsize; 5]; MAX_WORKERS] = [const { [const { AtomicUsize::new(0) }; 5] }; MAX_WORKERS];

/// Addresses the ticktimer's lock and condition calls use (never dereferenced).
pub const LOCK_ADDRESSES: [usize; 4] = [0x7100_0000, 0x7100_0004, 0x7100_0040, 0x7100_1000];
