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
    /// Passes, but takes minutes under QEMU (the reason says why): run alone
    /// with a stall limit of 15 minutes by `./x std-tests` on QEMU; counted
    /// as failed without running in `./x test`'s slice, on a board of the
    /// chip, and in a run of the std as shipped.
    Slow(&'static str),
}

use Verdict::*;

const LARGE_DIR: &str = "creates 32,768 files in one directory and reads them back: about 4 minutes under \
    QEMU (the cost per file does not grow with the directory: its index, docs/benchmarks.md), so only \
    `./x std-tests` runs it";
const MAX_READERS: &str = "takes read locks up to the platform's maximum reader count, over a billion: hours \
    under QEMU";

const LEMIRE_ROUNDING: &str = "a code generation bug of the compiler's LLVM for riscv32 at opt-level 3, not the \
    OS: `compute_float::<f64>(0, 2^53 + 2)` inlined with constant arguments gives mantissa 0 instead of 1 \
    (found 2026-11-24 with a standalone `#[inline(never)] fn` calling it: wrong at opt-level 3, right at 0, 1, 2, \
    s and z, and right at 3 when the arguments pass through `black_box`); `str::parse::<f64>` of the same \
    numbers is right";

const NO_LINGER: &str = "SO_LINGER is not supported (smoltcp has no linger): `set_linger`/`linger` return \
    Unsupported, as listed in library/std-xous/README.md";

/// Below this much guest RAM (`--memory`, or a board of the chip, 2 MiB),
/// the tests of SMALL_MEMORY are not run.
pub const SMALL_MEMORY_MIB: u64 = 8;
/// How the failure of a test not run for want of memory begins.
pub const NOT_RUN_SMALL: &str = "not run below 8 MiB of RAM: ";

const SORT_1K: &str = "sorts up to 10,000 elements of 1 KiB (10 MiB) and checks them against a sorted copy: \
    about 20 MiB touched in the order of the comparisons, so with 2 MiB of RAM nearly every comparison brings a \
    page back from swap; five of these sixteen did not finish within the 2-minute stall limit there (2026-12-05), \
    so none runs below 8 MiB; all pass at 8 MiB and at 256 MiB";
const UTF8_COUNTS: &str = "formats 5 x 17 x 64 strings of up to 640 KiB each and counts their characters: about \
    3.5 GB written, each new string's pages taken fresh while older ones go to swap; it did not finish within the \
    2-minute stall limit with 2 MiB of RAM (2026-12-05), and passes at 8 MiB and at 256 MiB";

const LARGE_DIR_SMALL: &str = "creates 32,768 files in one directory and reads them back (243 s with 256 MiB of \
    RAM); with 2 MiB, the filesystem service's cache and tables and the test's own 32,768 names take turns in \
    swap, and it did not finish within its 15-minute stall limit (2026-12-05, with the CPU shared with a second \
    run)";

/// `sort::tests::{stable,unstable}::correct_1k_PATTERN` for each pattern.
macro_rules! sort_1k {
    ($($pattern:literal),*) => {
        [$(
            ("alloc", "alloctests", concat!("sort::tests::stable::correct_1k_", $pattern), SORT_1K),
            ("alloc", "alloctests", concat!("sort::tests::unstable::correct_1k_", $pattern), SORT_1K),
        )*]
    };
}

/// (suite, program, test, why): tests whose working set or churn is many
/// times 2 MiB, so that a run with less than SMALL_MEMORY_MIB spends hours
/// swapping in them; such a run counts them as failed without running them.
const SMALL_MEMORY: &[(&str, &str, &str, &str)] = &{
    let sorts = sort_1k!("random", "random_z1", "random_d2", "random_d20", "random_s95", "ascending", "descending", "saw_mixed");
    let mut all = [("alloc", "alloctests", "str::utf8_char_counts", UTF8_COUNTS); 18];
    all[1] = ("std", "std", "fs::tests::read_large_dir", LARGE_DIR_SMALL);
    let mut i = 0;
    while i < sorts.len() {
        all[i + 2] = sorts[i];
        i += 1;
    }
    all
};

/// How the failure of a test not run on the baosec board for want of memory begins.
pub const NOT_RUN_BOARD: &str = "not run on the baosec board: ";

const SORT_MILLION: &str = "sorts 1,100,000 elements (4.4 MB of i32, 8.8 MB of u64) and checks them against a \
    copy, with the stable sort's scratch as large again: more than the board's 10 MiB of RAM and swap together; \
    on the model (2026-12-06) each ended in an allocation failure or 'out of memory backing' after minutes of \
    swapping; all pass at 2 MiB of RAM with 64 MiB of swap on QEMU (docs/std-tests-2m.md)";

/// `sort::tests::KIND::correct_TYPE_PATTERN` for each pattern.
macro_rules! sort_million {
    ($kind:literal $ty:literal: $($pattern:literal),*) => {
        [$(("alloc", "alloctests", concat!("sort::tests::", $kind, "::correct_", $ty, "_", $pattern), SORT_MILLION),)*]
    };
}

const BIG_STRINGS: &str = "builds strings of 3 MB and 1.5 MB (growing by doubling) and compares slices of them and \
    of copies: about the board's 10 MiB of RAM and swap together; on the model (2026-12-06) it did not finish within \
    the 2-minute stall limit; passes at 2 MiB of RAM with 64 MiB of swap on QEMU";
const INSTANT_TRAPS: &str = "40 million `Instant::now()` calls in 8 threads: the chip has no `time` CSR, so each \
    is a trap the kernel answers from the ticktimer, not a register read: longer than the 2-minute stall limit on the \
    model (2026-12-06); passes on QEMU";

/// (suite, program, test, why): tests that need more memory than the
/// baosec board has at all (2 MiB of RAM and 8 MiB of the PSRAM's swap),
/// or far more time there; a run on the board counts them as failed
/// without running them (each would swap, or trap, for minutes first).
const BOARD_MEMORY: &[(&str, &str, &str, &str)] = &{
    let i32s = sort_million!("stable" "i32": "all_equal", "ascending", "descending", "narrow", "pipe_organ", "random",
        "random_d1024", "random_d2", "random_d20", "random_d311", "random_d4", "random_d8", "random_s50", "random_s95",
        "random_z1", "random_z1_03", "random_z2", "saw_mixed", "saw_mixed_range");
    let u64s = sort_million!("stable" "u64": "ascending", "descending", "random", "random_d2", "random_d20", "random_s95", "random_z1", "saw_mixed");
    // In place, but 8.8 MB sorted and 8.8 MB of copy: more than 10 MiB too.
    let unstable = sort_million!("unstable" "u64": "ascending", "descending", "random", "random_d2", "random_d20", "random_s95", "random_z1", "saw_mixed");
    let others = [
        ("alloc", "alloctests", "str::slice_index::simple_big", BIG_STRINGS),
        ("std", "time", "instant_monotonic_concurrent", INSTANT_TRAPS),
    ];
    let mut all = [others[0]; 37];
    let mut i = 0;
    while i < all.len() {
        all[i] = match i {
            0..19 => i32s[i],
            19..27 => u64s[i - 19],
            27..35 => unstable[i - 27],
            _ => others[i - 35],
        };
        i += 1;
    }
    all
};

/// Why `test` is not run with less than SMALL_MEMORY_MIB of RAM, if it is not.
pub fn too_big(suite: &str, program: &str, test: &str) -> Option<&'static str> {
    SMALL_MEMORY.iter().find(|(s, p, t, _)| *s == suite && *p == program && *t == test).map(|(_, _, _, why)| *why)
}

/// The tests of `program` that a small-memory run leaves out (with
/// `board`, a run on the baosec board, those it has not the memory for
/// too), each with the start of its failure's text and why.
pub fn too_big_of_program<'a>(suite: &'a str, program: &'a str, board: bool) -> impl Iterator<Item = (&'static str, &'static str, &'static str)> + 'a {
    let small = SMALL_MEMORY.iter().map(|e| (NOT_RUN_SMALL, e));
    let board = BOARD_MEMORY.iter().filter(move |_| board).map(|e| (NOT_RUN_BOARD, e));
    small.chain(board).filter(move |(_, (s, p, _, _))| *s == suite && *p == program).map(|(lead, (_, _, t, why))| (*t, lead, *why))
}

// Failures of the library as shipped only (`./x std-tests --pristine`),
// each fixed by our overlay (library/std-xous/README.md says how).
const SLOW_UNWIND: &str = "catches hundreds of panics, and the shipped unwinder parses `.eh_frame` from its start for \
    every frame (about 115 ms a caught panic in coretests): minutes per test; std-xous 0004 searches `.eh_frame_hdr`";
const INSTANT_BY_MESSAGE: &str = "40 million `Instant::now()` calls, each a message to the ticktimer as shipped: \
    minutes under QEMU; std-xous 0005 reads the time counter";
const INSTANT_FROM_BOOT: &str = "`Instant` counts from boot as shipped, so subtracting a second from an early \
    instant overflows; std-xous 0002 starts instants a year after their origin";
const WINDOWS_SEPARATOR: &str = "the test expects `\\` as the separator on every target that is not unix; \
    std-xous 0003 lists xous with the `/` targets";
const NO_CWD: &str = "needs a working directory, which the shipped std does not have for xous (`sys/paths` \
    unsupported); std-xous 0011";
const PARAMS_TESTS: &str = "std's own `sys/pal/xous/params/tests.rs` does not compile as shipped (two errors), so \
    none of std's unit tests can run; std-xous 0001";

/// `num::int_sqrt::TYPE::isqrt` and `isqrt_extended` for each TYPE.
macro_rules! int_sqrt {
    ($($ty:literal),*) => {
        [$(
            ("core", "coretests", concat!("num::int_sqrt::", $ty, "::isqrt"), FailWithoutRunning(SLOW_UNWIND)),
            ("core", "coretests", concat!("num::int_sqrt::", $ty, "::isqrt_extended"), FailWithoutRunning(SLOW_UNWIND)),
        )*]
    };
}
const INT_SQRT: [(&str, &str, &str, Verdict); 20] =
    int_sqrt!("i8", "i16", "i32", "i64", "i128", "u8", "u16", "u32", "u64", "u128");

/// (suite, program, test, verdict), of the library as shipped only.
const PRISTINE_ONLY: &[(&str, &str, &str, Verdict)] = &[
    ("std", "std", "std (did not compile)", Fails(PARAMS_TESTS)),
    ("std", "time", "instant_monotonic_concurrent", FailWithoutRunning(INSTANT_BY_MESSAGE)),
    ("std", "time", "instant_checked_duration_since_nopanic", Fails(INSTANT_FROM_BOOT)),
    ("std", "time", "instant_duration_since_saturates", Fails(INSTANT_FROM_BOOT)),
    ("std", "time", "instant_math", Fails(INSTANT_FROM_BOOT)),
    ("std", "time", "instant_saturating_duration_since_nopanic", Fails(INSTANT_FROM_BOOT)),
    ("std", "path", "test_push", Fails(WINDOWS_SEPARATOR)),
    ("std", "path", "test_set_file_name", Fails(WINDOWS_SEPARATOR)),
    ("std", "create_dir_all_bare", "create_dir_all_bare", Fails(NO_CWD)),
];

/// (suite, program, test, verdict), of both our std and the one shipped.
const KNOWN: &[(&str, &str, &str, Verdict)] = &[
    ("std", "std", "net::tcp::tests::linger", Fails(NO_LINGER)),
    ("std", "sync", "rwlock::test_rwlock_max_readers", FailWithoutRunning(MAX_READERS)),
    ("std", "std", "fs::tests::read_large_dir", Slow(LARGE_DIR)),
    ("core", "coretests", "num::dec2flt::lemire::compute_float_f64_rounding", Fails(LEMIRE_ROUNDING)),
];

/// The verdicts that apply: ours, and with `pristine` those of the library as shipped.
fn entries(pristine: bool) -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str, Verdict)> {
    let shipped: &'static [_] = if pristine { PRISTINE_ONLY } else { &[] };
    let sqrt: &'static [_] = if pristine { &INT_SQRT } else { &[] };
    KNOWN.iter().chain(shipped).chain(sqrt)
}

/// Every test of `program` with a verdict.
pub fn of_program<'a>(suite: &'a str, program: &'a str, pristine: bool) -> impl Iterator<Item = (&'static str, Verdict)> + 'a {
    entries(pristine).filter(move |(s, p, _, _)| *s == suite && *p == program).map(|(_, _, test, v)| (*test, *v))
}

pub fn verdict(suite: &str, program: &str, test: &str, pristine: bool) -> Option<Verdict> {
    entries(pristine).find(|(s, p, t, _)| *s == suite && *p == program && *t == test).map(|(_, _, _, v)| *v)
}

/// Why `test` is skipped by us, if it is.
pub fn skip_reason(suite: &str, program: &str, test: &str, pristine: bool) -> Option<&'static str> {
    match verdict(suite, program, test, pristine) {
        Some(Skip(why)) => Some(why),
        _ => None,
    }
}

/// How the failure of a slow test that was not run begins.
pub const NOT_RUN: &str = "not run here: ";

/// What std's sockets answer where the system runs no network service
/// (std-xous 0048), which a board's tests of `net::` fail with.
const NO_NETWORK_ERROR: &str = "no network: this system runs no network service";
const NO_NETWORK: &str = "the board has no network, so its image has no network service: std's sockets and name \
    lookups answer Unsupported \"no network\" (std-xous 0048; README, the dabao table); these pass on QEMU";

const NOT_ON_FS: &str = "needs the program's own file (`current_exe`), which xous-run copies to QEMU's disk; the \
    board's filesystem is the RRAM's last MiB, smaller than std's test programs; passes on QEMU";
const THREAD_LIMIT_ANY: &str = "has more threads alive at once than the 64 a process may have on the Baochip-1x \
    (the kernel's 256 messages in flight, a quarter a process, so that all its threads can wait in calls at once: \
    kernel/src/threads.rs): a spawn is refused; passes on QEMU";

/// (suite, program, start of the test's name, why): failures of a run on
/// the board, for what the board has not (a network, room in its
/// filesystem for a test program); elsewhere these must pass. (More
/// threads than a process may have there: by std's refusal, below.)
const BOARD_FAILS: &[(&str, &str, &str, &str)] = &[
    ("std", "std", "net::", NO_NETWORK),
    ("std", "process_spawning", "issue_15149", NOT_ON_FS),
    ("std", "env", "test_self_exe_path", NOT_ON_FS),
];

/// Why `test`, which failed with `failure`, is known to fail, if it is
/// (with `board`, in a run on the baosec board). A slow test is explained
/// only where it was not run: when it runs, it must pass.
pub fn failure_reason(suite: &str, program: &str, test: &str, pristine: bool, board: bool, failure: &str) -> Option<&'static str> {
    if failure.starts_with(NOT_RUN_SMALL) {
        return too_big(suite, program, test);
    }
    if suite == "std" && test.starts_with("net::") && failure.contains(NO_NETWORK_ERROR) {
        return Some(NO_NETWORK);
    }
    if board {
        if let Some((_, _, _, why)) = BOARD_FAILS.iter().find(|(s, p, t, _)| *s == suite && *p == program && test.starts_with(t)) {
            return Some(why);
        }
        // std's message for a refused spawn (std-xous 0017).
        if failure.contains("no thread slot free") {
            return Some(THREAD_LIMIT_ANY);
        }
    }
    if failure.starts_with(NOT_RUN_BOARD) {
        return BOARD_MEMORY.iter().find(|(s, p, t, _)| *s == suite && *p == program && *t == test).map(|(_, _, _, why)| *why);
    }
    match verdict(suite, program, test, pristine) {
        Some(Fails(why) | FailWithoutRunning(why)) => Some(why),
        Some(Slow(why)) if failure.starts_with(NOT_RUN) => Some(why),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_librarys_verdicts_apply_to_the_pristine_run_only() {
        let sqrt = ("core", "coretests", "num::int_sqrt::u128::isqrt_extended");
        assert_eq!(failure_reason(sqrt.0, sqrt.1, sqrt.2, false, false, ""), None);
        assert_eq!(failure_reason(sqrt.0, sqrt.1, sqrt.2, true, false, ""), Some(SLOW_UNWIND));
        assert_eq!(of_program("core", "coretests", true).filter(|(t, _)| t.starts_with("num::int_sqrt::")).count(), 20);
        // Ours apply to both.
        let lemire = "num::dec2flt::lemire::compute_float_f64_rounding";
        assert!(failure_reason("core", "coretests", lemire, false, false, "").is_some());
        assert!(failure_reason("core", "coretests", lemire, true, false, "").is_some());
    }

    #[test]
    fn tests_too_big_for_small_memory_are_explained_only_where_left_out() {
        assert_eq!(SMALL_MEMORY.len(), 18);
        assert_eq!(too_big("std", "std", "fs::tests::read_large_dir"), Some(LARGE_DIR_SMALL));
        let sort = ("alloc", "alloctests", "sort::tests::unstable::correct_1k_saw_mixed");
        assert_eq!(too_big(sort.0, sort.1, sort.2), Some(SORT_1K));
        assert_eq!(too_big_of_program("alloc", "alloctests", false).count(), 17);
        assert_eq!(failure_reason(sort.0, sort.1, sort.2, false, false, &format!("{NOT_RUN_SMALL}{SORT_1K}")), Some(SORT_1K));
        assert_eq!(failure_reason(sort.0, sort.1, sort.2, false, false, "hung: no output for 120 s"), None, "run and failed: new");
        assert_eq!(too_big("alloc", "alloctests", "sort::tests::stable::correct_i32_random"), None);
    }

    #[test]
    fn on_the_board_the_million_element_sorts_are_left_out_too_and_explained() {
        let left_out: Vec<_> = too_big_of_program("alloc", "alloctests", true).collect();
        assert_eq!(left_out.len(), 17 + 27 + 8 + 1, "alloctests' (instant_monotonic_concurrent is the time program's)");
        assert_eq!(too_big_of_program("std", "time", true).count(), 1);
        assert_eq!(BOARD_MEMORY.iter().filter(|e| e.3 == SORT_MILLION).count(), 35);
        let i32_random = left_out.iter().find(|(t, _, _)| *t == "sort::tests::stable::correct_i32_random").expect("left out on the board");
        assert_eq!((i32_random.1, i32_random.2), (NOT_RUN_BOARD, SORT_MILLION));
        assert!(left_out.iter().any(|(t, lead, _)| *t == "sort::tests::stable::correct_u64_saw_mixed" && *lead == NOT_RUN_BOARD));
        let test = "sort::tests::stable::correct_u64_random";
        assert_eq!(failure_reason("alloc", "alloctests", test, false, false, &format!("{NOT_RUN_BOARD}{SORT_MILLION}")), Some(SORT_MILLION));
        assert_eq!(failure_reason("alloc", "alloctests", test, false, false, "memory allocation of 8800000 bytes failed"), None, "run and failed: new");
    }

    #[test]
    fn a_net_test_failing_for_want_of_a_network_is_explained() {
        let failure = format!("received error for `TcpListener::bind(&addr)`: {NO_NETWORK_ERROR}");
        assert_eq!(failure_reason("std", "std", "net::tcp::tests::connect_loopback", false, false, &failure), Some(NO_NETWORK));
        assert_eq!(failure_reason("std", "std", "net::tcp::tests::connect_loopback", false, false, "connection refused"), None, "another failure: new");
        assert_eq!(failure_reason("std", "std", "fs::tests::copy_file_ok", false, false, &failure), None, "not a test of net");
    }

    #[test]
    fn what_the_board_lacks_explains_failures_on_the_board_only() {
        // The tools are on the board's filesystem now: its process tests must pass there too.
        let refused = "called `Result::unwrap()` on an `Err` value: Error { kind: NotFound, message: \"no such program\" }";
        assert_eq!(failure_reason("std", "std", "process::tests::smoke", false, true, refused), None);
        assert_eq!(failure_reason("std", "process_spawning", "issue_15149", false, true, "no such file"), Some(NOT_ON_FS));
        assert_eq!(failure_reason("std", "std", "net::udp::tests::bind_error", false, true, "left: Unsupported"), Some(NO_NETWORK));
        assert_eq!(failure_reason("std", "env", "test_self_exe_path", false, true, "assertion failed: path.is_ok()"), Some(NOT_ON_FS));
        assert_eq!(failure_reason("std", "std", "fs::tests::copy_file_ok", false, true, "boom"), None);
        let refused = "failed to spawn thread: Kind(WouldBlock): no thread slot free: this process has as many threads";
        assert_eq!(failure_reason("std", "sync", "mpsc::stress_recv_timeout_shared", false, true, refused), Some(THREAD_LIMIT_ANY));
        // std's shared_chan_stress (100 threads) fails so on the board.
        assert_eq!(failure_reason("std", "sync", "mpsc_sync::shared_chan_stress", false, true, refused), Some(THREAD_LIMIT_ANY));
        assert_eq!(failure_reason("std", "sync", "mpsc_sync::shared_chan_stress", false, true, "timed out"), None, "another failure: new");
        assert_eq!(failure_reason("std", "sync", "mpsc::stress_recv_timeout_shared", false, false, refused), None, "on QEMU: new");
    }

    #[test]
    fn a_slow_test_is_explained_only_where_it_did_not_run() {
        let large = ("std", "std", "fs::tests::read_large_dir");
        let not_run = format!("{NOT_RUN}{LARGE_DIR}");
        assert_eq!(failure_reason(large.0, large.1, large.2, false, false, &not_run), Some(LARGE_DIR));
        assert_eq!(failure_reason(large.0, large.1, large.2, false, false, "assertion failed: 32768 == 32767"), None, "it ran and failed: new");
    }
}
