//! The written reasons: tests we do not run (each with why), and failures
//! we understand (each with why, and what would fix it). A failure not
//! listed here makes `./x std-tests` fail; a skip is never silent.

/// How we treat a test, and why.
#[derive(Clone, Copy)]
pub enum Verdict {
    /// Not run, counted as skipped: it cannot apply to this machine (none
    /// so far; the reason is mandatory when one does).
    #[allow(dead_code)]
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
const NO_CWD: &str = "needs a working directory (`env::current_dir`), which std-xous does not have yet: \
    std's `sys/paths` is still the unsupported one for this target";
const MAX_READERS: &str = "takes read locks up to the platform's maximum reader count, over a billion: hours \
    under QEMU";

const LEMIRE_ROUNDING: &str = "a code generation bug of the compiler's LLVM for riscv32 at opt-level 3, not the \
    OS: `compute_float::<f64>(0, 2^53 + 2)` inlined with constant arguments gives mantissa 0 instead of 1 \
    (found 2026-11-24 with a standalone `#[inline(never)] fn` calling it: wrong at opt-level 3, right at 0, 1, 2, \
    s and z, and right at 3 when the arguments pass through `black_box`); `str::parse::<f64>` of the same \
    numbers is right";

/// (suite, program, test, verdict).
const KNOWN: &[(&str, &str, &str, Verdict)] = &[
    ("std", "sync", "mpmc::shared_chan_stress", Fails(THREADS_31)),
    ("std", "sync", "mpmc::stress_recv_timeout_shared", Fails(THREADS_31)),
    ("std", "sync", "mpsc::shared_chan_stress", Fails(THREADS_31)),
    ("std", "sync", "mpsc::stress_recv_timeout_shared", Fails(THREADS_31)),
    ("std", "sync", "mpsc_sync::shared_chan_stress", Fails(THREADS_31)),
    ("std", "sync", "rwlock::test_rwlock_max_readers", FailWithoutRunning(MAX_READERS)),
    ("std", "create_dir_all_bare", "create_dir_all_bare", Fails(NO_CWD)),
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
