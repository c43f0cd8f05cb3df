//! The written reasons: tests we do not run (each with why), and failures
//! we understand (each with why, and what would fix it). A failure not
//! listed here makes `./x std-tests` fail; a skip is never silent.

/// How we treat a test, and why.
#[derive(Clone, Copy)]
pub enum Verdict {
    /// Not run, counted as skipped: it cannot apply to this machine (the
    /// reason is mandatory).
    #[allow(dead_code)] // no test is skipped by us today; upstream #[ignore]s still are
    Skip(&'static str),
    /// Not run, counted as failed: it hangs or takes far too long here, so
    /// running it would only cost the stall timeout.
    FailWithoutRunning(&'static str),
    /// Run; expected to fail for this reason.
    Fails(&'static str),
}

use Verdict::*;

const THREADS_31: &str = "spawns over 100 threads at once; a process has at most 31 threads \
    (the kernel's limit, from the ABI), so `thread::spawn` fails";
const NO_PROCESS: &str = "std::process (spawning, current_exe) is Unsupported on this target until \
    std-xous spawns programs from the filesystem (planned)";
const LARGE_DIR: &str = "creates 32,768 files in one directory: the service finds a name by scanning the \
    directory's entries (15 per block), so this is quadratic (hours under QEMU), and the entries alone \
    (8.6 MiB) exceed the 4 MiB RAM device the service uses when there is no disk; fix: an indexed directory";
const MAX_READERS: &str = "takes read locks up to the platform's maximum reader count, over a billion: hours \
    under QEMU";

const LEMIRE_ROUNDING: &str = "a code generation bug of the compiler's LLVM for riscv32 at opt-level 3, not the \
    OS: `compute_float::<f64>(0, 2^53 + 2)` inlined with constant arguments gives mantissa 0 instead of 1 \
    (found 2026-11-24 with a standalone `#[inline(never)] fn` calling it: wrong at opt-level 3, right at 0, 1, 2, \
    s and z, and right at 3 when the arguments pass through `black_box`); `str::parse::<f64>` of the same \
    numbers is right";

const NO_LINGER: &str = "SO_LINGER is not supported (smoltcp has no linger): `set_linger`/`linger` return \
    Unsupported, as listed in library/std-xous/README.md";

/// (suite, program, test, verdict).
const KNOWN: &[(&str, &str, &str, Verdict)] = &[
    ("std", "std", "net::tcp::tests::linger", Fails(NO_LINGER)),
    ("std", "sync", "mpmc::shared_chan_stress", Fails(THREADS_31)),
    ("std", "sync", "mpmc::stress_recv_timeout_shared", Fails(THREADS_31)),
    ("std", "sync", "mpsc::shared_chan_stress", Fails(THREADS_31)),
    ("std", "sync", "mpsc::stress_recv_timeout_shared", Fails(THREADS_31)),
    ("std", "sync", "mpsc_sync::shared_chan_stress", Fails(THREADS_31)),
    ("std", "sync", "rwlock::test_rwlock_max_readers", FailWithoutRunning(MAX_READERS)),
    ("std", "std", "fs::tests::read_large_dir", FailWithoutRunning(LARGE_DIR)),
    ("std", "env", "test", Fails(NO_PROCESS)),
    ("std", "env", "test_self_exe_path", Fails(NO_PROCESS)),
    ("std", "process_spawning", "issue_15149", Fails(NO_PROCESS)),
    ("core", "coretests", "num::dec2flt::lemire::compute_float_f64_rounding", Fails(LEMIRE_ROUNDING)),
];

/// Every test of `program` with a verdict.
pub fn of_program<'a>(suite: &'a str, program: &'a str) -> impl Iterator<Item = (&'static str, Verdict)> + 'a {
    KNOWN.iter().filter(move |(s, p, _, _)| *s == suite && *p == program).map(|(_, _, test, v)| (*test, *v))
}

pub fn verdict(suite: &str, program: &str, test: &str) -> Option<Verdict> {
    KNOWN.iter().find(|(s, p, t, _)| *s == suite && *p == program && *t == test).map(|(_, _, _, v)| *v)
}

/// Why `test` is skipped by us, if it is.
pub fn skip_reason(suite: &str, program: &str, test: &str) -> Option<&'static str> {
    match verdict(suite, program, test) {
        Some(Skip(why)) => Some(why),
        _ => None,
    }
}

/// Why `test` is known to fail, if it is.
pub fn failure_reason(suite: &str, program: &str, test: &str) -> Option<&'static str> {
    match verdict(suite, program, test) {
        Some(Fails(why) | FailWithoutRunning(why)) => Some(why),
        _ => None,
    }
}
