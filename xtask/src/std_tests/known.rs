//! The written reasons: tests we do not run (each with why), and failures
//! we understand (each with why, and what would fix it). A failure not
//! listed here makes `./x std-tests` fail; a skip is never silent.

/// How we treat a test, and why.
#[derive(Clone, Copy)]
pub enum Verdict {
    /// Not run, counted as skipped: it cannot apply to this machine (the
    /// reason is mandatory).
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
const NO_LINKS: &str = "makes a symbolic or hard link (or a junction) and tests what it does: the Xous \
    filesystem's format has no links by design (issue 6), so `fs::soft_link`/`fs::hard_link` return \
    Unsupported (test-apps/fs checks that error); run, each of these fails at its first link";
const LARGE_DIR: &str = "creates 32,768 files in one directory: the service finds a name by scanning the \
    directory's entries (15 per block), so this is quadratic (hours under QEMU), and the entries alone \
    (8.6 MiB) exceed the 4 MiB RAM device the service uses when there is no disk; fix: an indexed directory";
const MAX_READERS: &str = "takes read locks up to the platform's maximum reader count, over a billion: hours \
    under QEMU";
const SLOW_INSTANT: &str = "40 million `Instant::now()` calls, each a message to the ticktimer: minutes under \
    QEMU; fix: std-xous reads the time without a message";

const ISQRT_HANGS: &str = "hangs on this target: spins at full speed with no progress, as does every test of \
    `num::int_sqrt` (a small program computing `isqrt` of a few values works, and these take milliseconds on \
    x86-64); not understood yet, worth its own issue";

const LEMIRE_ROUNDING: &str = "integer-only code (128-bit products) gives a different rounding bit on \
    riscv32imac than on x86-64; like the int_sqrt hangs, points at 128-bit arithmetic on this target \
    (compiler_builtins or codegen), not at the OS: worth its own issue";

/// (suite, program, test, verdict).
const KNOWN: &[(&str, &str, &str, Verdict)] = &[
    ("std", "sync", "mpmc::shared_chan_stress", Fails(THREADS_31)),
    ("std", "sync", "mpmc::stress_recv_timeout_shared", Fails(THREADS_31)),
    ("std", "sync", "mpsc::shared_chan_stress", Fails(THREADS_31)),
    ("std", "sync", "mpsc::stress_recv_timeout_shared", Fails(THREADS_31)),
    ("std", "sync", "mpsc_sync::shared_chan_stress", Fails(THREADS_31)),
    ("std", "sync", "rwlock::test_rwlock_max_readers", FailWithoutRunning(MAX_READERS)),
    ("std", "std", "fs::tests::copy_file_follows_dst_symlink", Skip(NO_LINKS)),
    ("std", "std", "fs::tests::create_dir_all_with_junctions", Skip(NO_LINKS)),
    ("std", "std", "fs::tests::links_work", Skip(NO_LINKS)),
    ("std", "std", "fs::tests::read_link", Skip(NO_LINKS)),
    ("std", "std", "fs::tests::realpath_works", Skip(NO_LINKS)),
    ("std", "std", "fs::tests::realpath_works_tricky", Skip(NO_LINKS)),
    ("std", "std", "fs::tests::recursive_rmdir", Skip(NO_LINKS)),
    ("std", "std", "fs::tests::recursive_rmdir_of_symlink", Skip(NO_LINKS)),
    ("std", "std", "fs::tests::symlink_hard_link", Skip(NO_LINKS)),
    ("std", "std", "fs::tests::symlink_noexist", Skip(NO_LINKS)),
    ("std", "std", "fs::tests::symlinks_work", Skip(NO_LINKS)),
    ("std", "std", "fs::tests::test_fs_set_times_follows_symlink", Skip(NO_LINKS)),
    ("std", "std", "fs::tests::test_fs_set_times_nofollow", Skip(NO_LINKS)),
    ("std", "std", "fs::tests::test_rename_symlink", Skip(NO_LINKS)),
    ("std", "std", "fs::tests::read_large_dir", FailWithoutRunning(LARGE_DIR)),
    ("std", "time", "instant_monotonic_concurrent", FailWithoutRunning(SLOW_INSTANT)),
    ("std", "env", "test", Fails(NO_PROCESS)),
    ("std", "env", "test_self_exe_path", Fails(NO_PROCESS)),
    ("std", "process_spawning", "issue_15149", Fails(NO_PROCESS)),
    ("core", "coretests", "num::int_sqrt::i8::isqrt", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::i8::isqrt_extended", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::i16::isqrt", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::i16::isqrt_extended", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::i32::isqrt", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::i32::isqrt_extended", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::i64::isqrt", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::i64::isqrt_extended", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::i128::isqrt", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::i128::isqrt_extended", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::u8::isqrt", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::u8::isqrt_extended", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::u16::isqrt", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::u16::isqrt_extended", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::u32::isqrt", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::u32::isqrt_extended", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::u64::isqrt", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::u64::isqrt_extended", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::u128::isqrt", FailWithoutRunning(ISQRT_HANGS)),
    ("core", "coretests", "num::int_sqrt::u128::isqrt_extended", FailWithoutRunning(ISQRT_HANGS)),
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
