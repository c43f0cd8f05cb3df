//! `./x test`: every test of the project, host and target, each reported as
//! it finishes, with one closing line `tests: N passed, M failed` that counts
//! every test (each unit test inside a cargo test run counts as one). The
//! checks are one table: a boot on the target is a row that says all of it
//! (see `target_checks::Boot`); a check that needs more is a function.

use crate::boot::Input;
use crate::boot::Text::{Has, Made};
use crate::console_checks;
use crate::elf;
use crate::fs_checks;
use crate::project::{output, run, Project, Std, XOUS_TARGET};
use crate::target_checks::{self, Boot, Program::{App, AppBin, Kernel}};
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

/// What a check that passed reports: a note, and how many tests it ran.
pub struct Passed {
    pub note: String,
    pub tests: usize,
}

impl From<String> for Passed {
    fn from(note: String) -> Passed {
        Passed { note, tests: 1 }
    }
}

/// Why a check failed, and how many of its tests failed.
pub struct Failed {
    pub why: String,
    pub tests: usize,
}

impl From<String> for Failed {
    fn from(why: String) -> Failed {
        Failed { why, tests: 1 }
    }
}

type CheckFn = fn(&Project) -> Result<Passed, Failed>;

/// One check of `./x test`: its name (what `./x test FILTER` matches), and
/// either a boot on the target that the row describes whole, or code.
pub struct Check {
    pub name: &'static str,
    how: How,
}

enum How {
    Boot(Boot),
    Code(CheckFn),
}

impl Check {
    const fn boot(name: &'static str, boot: Boot) -> Check {
        Check { name, how: How::Boot(boot) }
    }

    const fn code(name: &'static str, check: CheckFn) -> Check {
        Check { name, how: How::Code(check) }
    }

    /// The boot this check is, if it is one.
    pub fn boot_row(&self) -> Option<&Boot> {
        match &self.how {
            How::Boot(boot) => Some(boot),
            How::Code(_) => None,
        }
    }

    fn run(&self, project: &Project) -> Result<Passed, Failed> {
        match &self.how {
            How::Boot(boot) => boot.check(project, Std::Ours),
            How::Code(check) => check(project),
        }
    }
}

/// Every check, in the order they run.
pub const CHECKS: &[Check] = &[
    Check::code("host unit tests (abi, sysroot-builder, xtask) and target-spec drift", host_unit_tests),
    Check::code("kernel unit tests on the host", kernel_unit_tests),
    Check::code("services' logic unit tests on the host (ticktimer, names, proc, log)", services_unit_tests),
    Check::code("the filesystem's format on the host: operations, errors, a full device, power cuts at every write", fs_unit_tests),
    Check::code("host fuzzing: boot image, boot loading, ELF, device tree, filesystem images, rkyv names, parameter blocks, console stream, exit notices, UF2 files: 10,000 cases each, no panic", crate::fuzz_host::check),
    // The longest check (three minutes on a fresh machine, half of it one
    // QEMU), early: the checks after it run in the other lane beside it.
    Check::code("on QEMU: the standard library's own unit and integration tests (./x std-tests --suite std), every failure explained", std_suite),
    // The longest boot (45 to 50 s of the model at work alone, over 60 s
    // beside the std suite's QEMU), early for the same reason; the baosec
    // board's other checks are at the end.
    Check::boot("on baosec: std alloc's checks, a 2 MiB vector among them, within the chip's 2 MiB of RAM through the PSRAM's swap",
        Boot::of(App("alloc")).options(BAOSEC).stall_limit(300).stdout(&[Has("alloc: all checks passed")]).stderr(&[Has(" pages out, ")])),
    Check::code("on QEMU: a hostile process makes random syscalls and garbage requests to every service from 16 threads for 20 s; an innocent std program beside it (files, sleep, clocks, locks, threads, stdout) passes every check, nothing crashes or hangs", crate::fuzz_target::short_fuzz),
    Check::code("on QEMU: a hostile process takes all it can of threads, servers, connections, names, files, sockets, messages, exit watches and memory, floods every service's queue, and holds it all: each take ends in an error for it, and an innocent std program beside it passes every check", crate::fuzz_target::short_exhaustion),
    Check::code("test-apps/hello builds for the target", hello_builds),
    Check::code("bao1x: ./x image --board dabao hello: a signed UF2 that passes boot1's checks and that the model of the chip boots and runs as silicon would (plain console text, no model-only exit device: the kernel sleeps at the end); a flipped payload byte and a truncated file refused", crate::image::check),
    Check::code("bao1x: ./x image --board baosec big: a program of 3 MiB, larger than the RRAM, goes to the board's NOR flash in the same UF2 file (blocks at 0x7000_0000, after the signed image); boot1's checks pass, and the model boots the file alone and big reads its data twice as built, each page from the flash checked against its digest", crate::image::check_baosec),
    Check::code("a crate outside the repository builds with cargo +xous", outside_crate_builds),
    Check::code("a second setup rebuilds nothing", second_setup_is_a_no_op),
    Check::code("prebuilt sysroot archive: write, install, build with it", archive_round_trip),
    Check::boot("on QEMU: a no_std program's exit code comes back through xous-run",
        Boot::of(Kernel("exit-code")).exit(7).stdout(&[Has("exit-code: leaving with 7")])),
    Check::boot("on QEMU: memory, thread and identity syscalls with their errors",
        Boot::of(Kernel("syscalls")).stdout(&[Has("syscalls: all checks passed")])),
    Check::boot("on QEMU: every message kind between two processes, and bad requests",
        Boot::of(Kernel("ipc-client")).services(&[("ipc-server", Kernel("ipc-server"))]).stdout(&[Has("ipc: all checks passed")])),
    // All of RAM is used, not only what the kernel maps itself; running out
    // is an error for the program, and the kernel reports its peak use.
    Check::boot("on QEMU: 40 MiB touched under --memory 64M, running out is OutOfMemory, peak memory reported",
        Boot::of(Kernel("big-memory")).options(&["--memory", "64M"]).stdout(&[Has("big-memory: all checks passed")])
            .stderr(&[Has("kernel: peak memory"), Has("KiB of 65536 KiB")])),
    Check::boot("on QEMU: faulting processes end with a report, the rest live on",
        Boot::of(Kernel("isolation-main"))
            .services(&[
                ("victim-kernel-read", Kernel("victim-kernel-read")),
                ("victim-null-write", Kernel("victim-null-write")),
                ("victim-illegal-instruction", Kernel("victim-illegal-instruction")),
                ("victim-guard-page", Kernel("victim-guard-page")),
            ])
            .stdout(&[Has("isolation: survived the victims")])
            .stderr(&[
                Has("(victim-kernel-read) terminated: load page fault"),
                Has("address 0xff401000"),
                Has("(victim-null-write) terminated: store page fault"),
                Has("address 0x00000010"),
                Has("(victim-illegal-instruction) terminated: illegal instruction"),
                Has("(victim-guard-page) terminated: load page fault"),
            ])),
    // irq-rtc maps the RTC and claims its interrupt, which the ticktimer owns
    // in the full bundle (and systime waits for the ticktimer): it runs without them.
    Check::boot("on QEMU: a device interrupt handled in a process, device mappings",
        Boot::of(Kernel("irq-rtc")).options(&["--without", "ticktimer", "--without", "systime"])
            .stdout(&[Has("irq: the RTC alarm interrupted twice; all checks passed")])),
    Check::boot("on QEMU: an exception handler repairs a fault and the thread retries",
        Boot::of(Kernel("exception-handler")).stdout(&[Has("exception: the handler mapped the page and the read was retried")])),
    // A parent moves a copy of its image into a child, which prints, answers
    // the parent on its initial server and exits with 42; the parent hears
    // of it as an exit notice. Bad requests are errors.
    Check::boot("on QEMU: CreateProcess: a child from the parent's pages runs, answers and its exit is noticed; bad requests",
        Boot::of(Kernel("spawn"))
            .stdout(&[Has("spawn-child: pid"), Has("started with a0 0x12340, a1 0x5678"), Has("spawn: child"), Has("all checks passed")])),
    Check::boot("on QEMU: the name server: register, connect by name, wait for a name, bad requests",
        Boot::of(Kernel("names-client")).services(&[("names-echo", Kernel("names-echo"))]).stdout(&[Has("names: all checks passed")])),
    Check::boot("on QEMU: the entropy service (virtio-rng): random pages and values, bad requests",
        Boot::of(Kernel("rng-client")).stdout(&[Has("rng: all checks passed")])),
    Check::boot("on QEMU: std hello (upstream std) prints and gets its args",
        Boot::of(App("hello")).args(&["one", "two words"]).both_stds()
            .stdout(&[Has("Hello from Rust std on Xous!"), Has(r#"args: ["hello", "one", "two words"]"#)])),
    // What `./x run` shows must work: the demo ends well.
    Check::boot("on QEMU: the demo of ./x run (threads, channel, mutex, sleep, clocks)",
        Boot::of(App("demo")).both_stds()
            .stdout(&[Has("demo: thread 4 slept 80 ms, summed 1..=4000 = 8002000"), Has("demo: total 15005000 after")])),
    Check::boot("on QEMU: std panic: message on stderr, exit code 101",
        Boot::of(App("panic")).both_stds().exit(101).stdout(&[Has("panic: about to panic")])
            .stderr(&[Has("panicked at"), Has("deliberate panic with None and a number 42")])),
    // The console's input: xous-run's stdin reaches std's stdin().
    Check::boot("on QEMU: stdin through a pipe: lines (UTF-8, an empty one, the last without newline), then the end; not a terminal",
        Boot::of(App("stdin")).args(&["lines"]).stdin(Input::Text("first line\nsecond, with \u{fc}\n\nlast without newline"))
            .stdout(&[Has("stdin: terminal false"), Has("stdin: line 1: first line\n"), Has("stdin: line 2: second, with \u{fc}\n"),
                Has("stdin: line 3: \n"), Has("stdin: line 4: last without newline\n"), Has("stdin: 4 lines, then the end")])),
    Check::boot("on QEMU: stdin through a pipe: 256 KiB of every byte value read raw after 1 s unread (back-pressure), none lost, then the end",
        Boot::of(App("stdin")).args(&["bytes", "1000"]).stdin(Input::Made(console_checks::big_input))
            .stdout(&[Made(console_checks::big_input_summary), Has("stdin: after the end, a read gives 0")])),
    Check::boot("on QEMU: stdin at /dev/null is at its end at once",
        Boot::of(App("stdin")).args(&["bytes"]).both_stds().stdout(&[Has("stdin: terminal false"), Has("stdin: 0 bytes"), Has("stdin: after the end, a read gives 0")])),
    Check::boot("on QEMU: a program that never reads stdin exits while stdin is a pipe that stays open",
        Boot::of(App("stdin")).args(&["ignore"]).both_stds().stdin(Input::OpenPipe).stdout(&[Has("stdin: not read")])),
    Check::code("on QEMU: stdin through a pseudo-terminal (script): a terminal, a typed line, Ctrl-D ends it", console_checks::through_terminal),
    // Backtraces: std prints frame addresses, xous-run names them.
    Check::boot("on QEMU: a panic with RUST_BACKTRACE=1 names the panicking function and its caller, file and line",
        Boot::of(App("backtraces")).args(&["panic"]).env(&["RUST_BACKTRACE=1"]).exit(101)
            .stderr(&[Has("deliberate panic for a backtrace"), Has("stack backtrace:"), Has("backtraces::fail_deep\n"), Has("test-apps/backtraces/src/main.rs:20:"),
                Has("backtraces::call_fail\n"), Has("test-apps/backtraces/src/main.rs:27:")])),
    Check::boot("on QEMU: Backtrace::force_capture printed names its function and caller, file and line",
        Boot::of(App("backtraces")).args(&["capture"])
            .stderr(&[Has("backtraces: captured"), Has("backtraces::capture_here\n"), Has("test-apps/backtraces/src/main.rs:32:"),
                Has("backtraces::call_capture\n"), Has("test-apps/backtraces/src/main.rs:37:")])),
    Check::boot("on QEMU: a faulting process's report carries pc and ra, named from its ELF",
        Boot::of(App("backtraces")).args(&["fault"]).exit(255)
            .stderr(&[Has("(backtraces) terminated: store page fault at pc 0x"), Has(", ra 0x"), Has("    pc 0x"),
                Has("backtraces::store_to_null\n"), Has("test-apps/backtraces/src/main.rs:46:"), Has("    ra 0x"), Has("backtraces::call_store\n"), Has("test-apps/backtraces/src/main.rs:51:")])),
    Check::boot("on QEMU: a faulting service's report is named from the service's own ELF, the program lives on",
        Boot::of(App("stdin")).args(&["bytes", "2000"]).services(&[("crasher", App("backtraces"))])
            .stdout(&[Has("stdin: 0 bytes")])
            .stderr(&[Has("(crasher) terminated: store page fault at pc 0x"), Has("backtraces::store_to_null\n"), Has("test-apps/backtraces/src/main.rs:46:"),
                Has("backtraces::call_store\n"), Has("test-apps/backtraces/src/main.rs:51:")])),
    Check::code("on QEMU: std panics of 2-16 KiB under load (hog processes, chatty threads), every byte on stderr, both sysroots", target_checks::panic_under_load),
    Check::boot("on QEMU: std process::exit(7) is xous-run's exit code, after 12 KiB left unterminated on stdout and stderr arrive whole",
        Boot::of(App("exit")).both_stds().exit(7)
            .stdout(&[Has("exit: leaving with 7"), Made(target_checks::exit_stdout_tail)])
            .stderr(&[Made(target_checks::exit_stderr_tail)])),
    Check::boot("on QEMU: std args and environment from xous-run's arguments and --env",
        Boot::of(App("args-env")).both_stds().args(&["a", "b c"]).env(&["GREETING=hello world", "EMPTY="])
            .stdout(&[Has("args-env: all checks passed")])),
    Check::boot("on QEMU: std heap: mixed allocations, repeated, stay bounded",
        Boot::of(App("alloc")).both_stds().stdout(&[Has("alloc: all checks passed")])),
    // Swap (kernel/src/swap): with 4 MiB of RAM, a program fills 16 MiB.
    Check::boot("on QEMU: swap: a program touches four times the RAM (16 MiB in 4 MiB, a swap disk of 24 MiB) and gets every byte back; pages sealed with the CPU's AES instructions",
        Boot::of(App("swap")).args(&["fill", "16"]).options(&["--memory", "4M", "--swap", "24M"])
            .stdout(&[Has("swap: 16 MiB came back whole")]).stderr(&[Has("kernel: swap on, "), Has("the CPU's AES instructions"), Has(" pages out, ")])),
    // The two test-apps that do not fit the Baochip-1x's 2 MiB without swap
    // (README's dabao table), in 2 MiB of RAM for everything, with swap.
    Check::boot("on QEMU: swap: std heap (a 2 MiB vector among mixed allocations) within 2 MiB of RAM, with a swap disk",
        Boot::of(App("alloc")).options(&["--memory", "2M", "--swap", "32M"])
            .stdout(&[Has("alloc: all checks passed")]).stderr(&[Has("of 2048 KiB; swap: ")])),
    Check::boot("on QEMU: swap: std: 200 threads alive at once within 2 MiB of RAM, with a swap disk",
        Boot::of(App("many-threads")).options(&["--memory", "2M", "--swap", "32M"])
            .stdout(&[Has("many-threads: 200 joined, total 19900"), Has("many-threads: all checks passed")]).stderr(&[Has("of 2048 KiB; swap: ")])),
    Check::code("on QEMU: swap: the swap disk, read by the host while a program's 8 MiB are out, holds no 8 bytes of what the program wrote", crate::swap_checks::no_plaintext),
    Check::code("on QEMU: swap: a bit flipped by the host in every written slot of the swap disk ends the program at the first page it reads back, with the kernel's report 'swap page ... failed authentication'", crate::swap_checks::flipped_bits),
    Check::code("on QEMU: swap: a hostile process makes random syscalls and garbage requests with 16 MiB of RAM and a swap disk (its pages and the innocent's going out and back); the innocent std program passes every check, nothing crashes or hangs", crate::fuzz_target::short_fuzz_swap),
    Check::code("on QEMU: swap: a hostile process takes all it can with swap on (memory backed through VirtToPhys, which pins pages only for a driver, and heap it writes, until RAM and the swap disk are full) and holds it; the innocent std program beside it still gets memory and passes every check", crate::fuzz_target::short_exhaustion_swap),
    Check::code("on QEMU: swap: the swap disk wiped by the host mid-run ends the program with the same report; the console, pinned, still speaks", crate::swap_checks::wiped),
    Check::code("on QEMU: std random: HashMap keys from the entropy service, different on every run", target_checks::std_random),
    Check::code("on QEMU: ecosystem: crates.io crates unmodified through the toolchain's crate arms (getrandom 0.1/0.2/0.3/0.4, rand, uuid, ahash, tempfile, filetime, page_size, atty, is-terminal, errno, home, dirs, ctrlc, signal-hook, console, parking_lot), real results, random bytes differing between boots", crate::ecosystem::small_crates),
    Check::code("ecosystem: the same crates built for the host with the xous toolchain use no crate arm", crate::ecosystem::small_crates_host),
    Check::code("on QEMU: ecosystem: test-apps/c-parts, crates with C parts: ring and psm compiled by the toolchain's RISC-V C compiler; rustls (ring) TLS 1.3 and 1.2 handshakes and 64 KiB each way over 127.0.0.1, a wrong trust anchor refused; stacker on grown stacks", crate::c_parts::on_target),
    Check::code("ecosystem: test-apps/c-parts built for the host by the xous toolchain's cargo: the host's C compiler, no crate arm, the program passes", crate::c_parts::on_host),
    Check::code("ecosystem: a second cargo build compiles nothing, also after a first that made an arm's copy (test-apps/mio-echo, empty arms cache)", crate::async_net::second_build_compiles_nothing),
    Check::code("on QEMU: ecosystem: test-apps/mio-echo, mio (net, os-poll) through its crate arm on the network service's poll: an echo server and 4 concurrent clients (48 KiB each) on 127.0.0.1, a Waker from another thread, a poll timeout, UDP", crate::async_net::mio_on_target),
    Check::code("on QEMU: ecosystem: test-apps/tokio-echo, tokio (rt-multi-thread, net, time, io-util, macros) through the crate arms of tokio, socket2 and mio: an echo server and 4 concurrent clients (48 KiB each) on 127.0.0.1, TcpSocket and socket2 options kept until listen/connect, UDP shared between tasks, timers, hyper serving HTTP/1.1 requests to a hyper client and to hyper-util's pooled client (HttpConnector)", crate::async_net::tokio_on_target),
    Check::code("on QEMU: ecosystem: test-apps/smol-echo, smol through the crate arms of async-io, polling, rustix and async-process: an echo server task and 4 concurrent clients (48 KiB each) on 127.0.0.1, a read losing to a timer, timers and intervals, UDP echoed by a task, a child process fed and read through async pipes with its exit code, child | child through into_stdio, Command::output, async-fs; polling directly (oneshot, modify, delete, notify from another thread, edge mode as supports_edge says)", crate::async_net::smol_on_target),
    Check::code("on QEMU: ecosystem: test-apps/tokio-echo's hyper server answers an HTTP request from the host through xous-run's --hostfwd on 127.0.0.1", crate::async_net::hyper_from_host),
    Check::code("cargo +xous test of a crate outside the repository, passing and failing, and reading its own files with xous-run --mirror-cwd", outside_crate_tests),
    Check::code("on QEMU: the same std programs built with the pristine std (xous-upstream)", target_checks::std_contract_on_upstream),
    // Instant, sleep and timed waits on the ticktimer, and SystemTime from
    // the system-time service against the host's clock now.
    Check::boot("on QEMU: std time: Instant, sleep, timed waits, SystemTime against the host clock",
        Boot::of(App("time")).both_stds().env(&["HOST_UNIX_TIME_MS={host-unix-ms}"])
            .stdout(&[Has("SystemTime is within 5 s of the host clock"), Has("time: all checks passed")])),
    // What std-xous fixed in std's clocks (the std as shipped truncates
    // timeouts to whole milliseconds and has no time before 1970).
    Check::boot("on QEMU: std time: timeouts never end early (sleeps of 0.3, 7.9 and 1.000001 ms, a 2.5 ms Condvar wait), a SystemTime before 1970",
        Boot::of(App("time")).args(&["std-xous"]).stdout(&[Has("UNIX_EPOCH - 1e9 s exists"), Has("time: all checks passed")])),
    Check::boot("on QEMU: std threads: Mutex, Condvar, mpsc, Barrier, RwLock, Once, thread_local!, scoped",
        Boot::of(App("threads")).both_stds().stdout(&[Has("threads: all checks passed")])),
    // Past the old limit of 31 threads a process (kernel/src/threads.rs;
    // the ticktimer holds a Barrier's 200 waiters).
    Check::boot("on QEMU: std: 200 threads alive at once meet at a Barrier, take a Mutex, all joined",
        Boot::of(App("many-threads")).both_stds().stdout(&[Has("many-threads: 200 joined, total 19900"), Has("many-threads: all checks passed")])),
    // A spawn refused inside a thread::scope is an error, and the scope
    // still ends (std-xous 0017: the std as shipped leaked the refused
    // thread's start data, so the scope's count of running threads never
    // went down and it waited forever).
    Check::boot("on QEMU: std: a scoped spawn refused at the thread limit is an error, and the scope still ends",
        Boot::of(App("many-threads")).args(&["scope-refused"]).stdout(&[Has("many-threads: the scope ended"), Has("many-threads: all checks passed")])),
    // A stack overflow is named as on Linux, never a bare page fault
    // (std-xous's exception handler, the kernel's guard-page rule, fault.rs),
    // exit code 134.
    Check::boot("on QEMU: std stack overflow in a spawned thread: the thread named, fatal runtime error, exit code 134",
        Boot::of(App("stack-overflow")).args(&["thread"]).exit(134).stdout(&[Has("stack-overflow: thread")])
            .stderr(&[Has("thread 'deep-thread' has overflowed its stack"), Has("fatal runtime error: stack overflow, aborting"), Has("(stack-overflow) terminated: thread 2 overflowed its stack")])),
    Check::boot("on QEMU: std stack overflow in main (the loader's guard page): named, exit code 134",
        Boot::of(App("stack-overflow")).args(&["main"]).exit(134).stdout(&[Has("stack-overflow: main")])
            .stderr(&[Has("thread 'main' has overflowed its stack"), Has("fatal runtime error: stack overflow, aborting"), Has("(stack-overflow) terminated: thread 1 overflowed its stack")])),
    Check::boot("on QEMU: a 64 KiB frame on a 32 KiB thread stack jumps the guard page and is still a stack overflow (both stds: the kernel's report), exit code 134",
        Boot::of(App("stack-overflow")).args(&["big-frame"]).both_stds().exit(134).stdout(&[Has("stack-overflow: big-frame")])
            .stderr(&[Has("(stack-overflow) terminated: thread 2 overflowed its stack")])),
    // The two services spoken to with raw syscalls, and test-apps/dying-client
    // dying with requests held in the ticktimer, which the kernel's exit
    // notice must make the ticktimer let go of.
    Check::boot("on QEMU: ticktimer and systime protocols (remembered unlocks, counts, full table, bad requests, a client dying)",
        Boot::of(App("timer-protocol")).services(&[("dying-client", App("dying-client"))])
            .stdout(&[Has("timer-protocol: all checks passed")]).stderr(&[Has("(dying-client) terminated: store page fault")])),
    // A program written with the published Xous crates (xous, xous-api-names,
    // xous-api-ticktimer, xous-ipc) registers a server by name and talks to
    // it with scalar and memory messages.
    Check::boot("on QEMU: a program built with the published xous, xous-api-names and xous-api-ticktimer crates",
        Boot::of(App("xous-crates")).both_stds().stdout(&[Has("xous-crates: all checks passed")])),
    Check::code("on QEMU: std net: TCP and UDP both ways with the host's loopback, timeouts, nonblocking, shutdown, 32 connections, 16 MiB each way, DNS", target_checks::std_net),
    // The network service spoken to with raw syscalls: bad socket numbers,
    // unknown opcodes, out-of-range values and wrong message kinds get
    // errors, and the service serves on; and test-apps/net-dying-client dying
    // with sockets open, which the kernel's exit notice must make it close.
    Check::boot("on QEMU: the network service's protocol: bad socket numbers, malformed requests, wrong kinds get errors; a dying client's sockets closed",
        Boot::of(App("net-protocol")).services(&[("net-dying-client", App("net-dying-client"))])
            .stdout(&[Has("net-protocol: all checks passed")]).stderr(&[Has("(net-dying-client) terminated: store page fault")])),
    // Many sockets waited on at once through std-xous's std::os::xous::net
    // (the network service's POLL and WAKE), std alone on 127.0.0.1.
    Check::boot("on QEMU: std::os::xous::net::poll: listener, stream and UDP readiness, hang-up, reset, a socket closed while polled, wakers from other threads, timeouts, the service serving others while a poll waits",
        Boot::of(App("net-poll")).stdout(&[Has("net-poll: all checks passed")])),
    // std::fs on a fresh 16 MiB disk, which it also fills up; the same
    // program booted beside it as `fs-peer` writes files of its own meanwhile.
    Check::boot("on QEMU: std fs: the whole API, every error kind, the working directory, four threads and another process writing at once, a full disk",
        Boot::of(App("fs")).disk("fs-walk.img").services(&[("fs-peer", App("fs"))]).stdout(&[Has("fs: all checks passed")])),
    Check::code("on QEMU: std fs: synced files persist across two boots on one disk image; a third boot, write-protected, reads them and refuses every change with ReadOnlyFilesystem", fs_checks::std_fs_persistence),
    Check::code("on QEMU: std fs: disks not ours (16 MiB of random bytes; ours with both superblocks damaged) refused, unchanged, every call's error naming why, one line from xous-run; --format; files in and out with xous-fs", fs_checks::std_fs_refused_disks),
    Check::code("on QEMU: std fs: 20 power cuts (QEMU killed at random moments of a write workload), every synced file whole after each reboot", fs_checks::std_fs_power_cuts),
    Check::code("on QEMU: std fs beside the kernel's swap disk (xous-run --swap): the kernel finds it by its serial and keeps it, the filesystem service takes its own disk, in a lower or a higher virtio-mmio slot, and the files persist", fs_checks::std_fs_beside_swap_disk),
    // The filesystem service spoken to with raw syscalls, beside fs-holder,
    // a process that holds files open and ends.
    Check::boot("on QEMU: the filesystem service's protocol: malformed requests, wrong kinds, another process's handles get errors; a dead process's handles close",
        Boot::of(App("fs-protocol")).services(&[("fs-holder", AppBin("fs-protocol", "fs-holder"))]).stdout(&[Has("fs-protocol: all checks passed")])),
    Check::code("on QEMU: std process: children from ELF files on the disk with inherited, null and piped stdio, args, env, current_dir, PATH; pipes to, from and between children (1 MiB with back-pressure, end of data, BrokenPipe); exit codes, try_wait, kill, a faulting child; not-an-ELF, truncated, x86-64 and too-big files refused; current_exe started again; home_dir, split_paths/join_paths", crate::process_checks::std_process),
    Check::code("on QEMU: ./x shell: a session typed into xsh through a pseudo-terminal on a fresh disk: a pipe, > and >> and < redirections, mkdir -p, cp, ls, rm, cat, a program from /bin, exit codes ($? of false and of a missing program), cd and pwd, Ctrl-D leaves with exit 0", crate::shell::session),
    Check::code("on QEMU: the kernel refuses a corrupted boot image, in flash and in RAM", target_checks::malformed_image),
    // The dabao board: each program in a boot image signed into a UF2 file,
    // checked and started by the model of the Baochip-1x as boot1 does,
    // the image copied from RRAM to SRAM, on timer0, the interrupt CSRs,
    // the ticktimer (rdtime answered by the kernel) and UART2.
    Check::boot("on dabao (the model of the Baochip-1x, booted from a signed UF2 as boot1 does): std hello prints and gets its args",
        Boot::of(App("hello")).options(DABAO).args(&["one", "two words"])
            .stdout(&[Has("Hello from Rust std on Xous!"), Has(r#"args: ["hello", "one", "two words"]"#)])),
    Check::boot("on dabao: the demo of ./x run (threads, channel, mutex, sleep, clocks)",
        Boot::of(App("demo")).options(DABAO)
            .stdout(&[Has("demo: thread 4 slept 80 ms, summed 1..=4000 = 8002000"), Has("demo: total 15005000 after")])),
    Check::boot("on dabao: std threads: Mutex, Condvar, mpsc, Barrier, RwLock, Once, thread_local!, scoped",
        Boot::of(App("threads")).options(DABAO).stdout(&[Has("threads: all checks passed")])),
    Check::boot("on dabao: std time: Instant, sleep, timed waits, SystemTime against the host clock (set at boot: the chip has no RTC)",
        Boot::of(App("time")).options(DABAO).env(&["HOST_UNIX_TIME_MS={host-unix-ms}"])
            .stdout(&[Has("SystemTime is within 5 s of the host clock"), Has("time: all checks passed")])),
    Check::boot("on dabao: std time: timeouts never end early (sleeps of 0.3, 7.9 and 1.000001 ms, a 2.5 ms Condvar wait), a SystemTime before 1970",
        Boot::of(App("time")).options(DABAO).args(&["std-xous"]).stdout(&[Has("UNIX_EPOCH - 1e9 s exists"), Has("time: all checks passed")])),
    Check::boot("on dabao: std panic: message on stderr, exit code 101",
        Boot::of(App("panic")).options(DABAO).exit(101).stdout(&[Has("panic: about to panic")])
            .stderr(&[Has("panicked at"), Has("deliberate panic with None and a number 42")])),
    Check::boot("on dabao: std process::exit(7) is xous-run's exit code, after 12 KiB left unterminated on stdout and stderr arrive whole",
        Boot::of(App("exit")).options(DABAO).exit(7)
            .stdout(&[Has("exit: leaving with 7"), Made(target_checks::exit_stdout_tail)])
            .stderr(&[Made(target_checks::exit_stderr_tail)])),
    Check::boot("on dabao: std args and environment from xous-run's arguments and --env",
        Boot::of(App("args-env")).options(DABAO).args(&["a", "b c"]).env(&["GREETING=hello world", "EMPTY="])
            .stdout(&[Has("args-env: all checks passed")])),
    Check::code("on dabao: std random: HashMap keys from the entropy service (the chip's TRNG), different on every run", target_checks::std_random_dabao),
    // The board has no network: the name server knows the image has no
    // network service, so std's sockets get an error rather than a connect
    // that waits for ever (services/names/src/starts.rs, std-xous 0048).
    Check::boot("on dabao: std::net with no network on the board: a connect, a listener, a UDP socket and a name lookup each answer Unsupported \"no network\" at once",
        Boot::of(App("no-network")).options(DABAO).stdout(&[Has("no-network: all checks passed")])),
    // The console's input on the chip: UART2's received bytes, read by the
    // kernel, their event (irqarray bank 5) the log service's interrupt.
    Check::boot("on dabao: stdin through a pipe (UART2's receive): lines (UTF-8, an empty one, the last without newline), then the end; not a terminal",
        Boot::of(App("stdin")).options(DABAO).args(&["lines"]).stdin(Input::Text("first line\nsecond, with \u{fc}\n\nlast without newline"))
            .stdout(&[Has("stdin: terminal false"), Has("stdin: line 1: first line\n"), Has("stdin: line 2: second, with \u{fc}\n"),
                Has("stdin: line 3: \n"), Has("stdin: line 4: last without newline\n"), Has("stdin: 4 lines, then the end")])),
    Check::boot("on dabao: stdin through a pipe: 256 KiB of every byte value read raw after 1 s unread, none lost, then the end",
        Boot::of(App("stdin")).options(DABAO).args(&["bytes", "1000"]).stdin(Input::Made(console_checks::big_input))
            .stdout(&[Made(console_checks::big_input_summary), Has("stdin: after the end, a read gives 0")])),
    Check::boot("on dabao: stdin at /dev/null is at its end at once",
        Boot::of(App("stdin")).options(DABAO).args(&["bytes"]).stdout(&[Has("stdin: terminal false"), Has("stdin: 0 bytes"), Has("stdin: after the end, a read gives 0")])),
    Check::boot("on dabao: std fs on the chip's RRAM (its last MiB, written row by row through the RRAM controller): the whole API, every error kind, the working directory, four threads and another process writing at once, a full disk",
        Boot::of(App("fs")).options(DABAO).services(&[("fs-peer", App("fs"))]).stdout(&[Has("fs: all checks passed")])),
    Check::code("on dabao: std fs: synced files persist across two boots in the chip's RRAM (kept in a host file), and the filesystem keeps to its MiB", fs_checks::std_fs_persistence_dabao),
    // The baosec board: the dabao's chip and 8 MiB of SPI PSRAM on the UDMA
    // SPI master, which the kernel swaps to (kernel/src/arch/riscv/machine/
    // dabao/psram.rs), with a key from the chip's TRNG.
    Check::boot("on baosec (the model of the Baochip-1x with the board's 8 MiB SPI PSRAM on the UDMA SPI master): swap: a program touches 7 MiB, more than three times the 1,960 KiB of RAM free at boot, and gets every byte back; pages sealed with a key from the TRNG and the CPU's AES instructions",
        Boot::of(App("swap")).options(BAOSEC).args(&["fill", "7"])
            .stdout(&[Has("swap: 7 MiB came back whole")]).stderr(&[Has("kernel: swap on, 2040 pages"), Has("the CPU's AES instructions"), Has(" pages out, ")])),
    // The chip's kernel has 256 messages in flight, a quarter a process: a
    // process may have as many threads as can all wait in a call at once
    // (kernel/src/threads.rs LIVE_THREADS); before, 100 threads at a
    // barrier waited for ever.
    Check::boot("on baosec: a process has at most 64 threads on the chip: of 100 asked for, the 64th spawn is refused with an error (the threads waiting at a barrier could otherwise hold every message the process may send, and wait for ever)",
        Boot::of(App("many-threads")).options(BAOSEC).args(&["100"]).exit(1).stdout(&[Has("many-threads: spawn 64 refused: no thread slot free")])),
    Check::code("on baosec: swap: the PSRAM, read by the host (the model's dump hook) while a program's 6 MiB are out, holds no 8 bytes of what the program wrote", crate::swap_checks::no_plaintext_baosec),
    Check::code("on baosec: swap: a bit flipped in every written 4 KiB of the PSRAM (the model's tamper hook) ends the program at the first page it reads back, with the kernel's report 'swap page ... failed authentication'; the system lives on to power off", crate::swap_checks::flipped_bits_baosec),
    // The program store: a program too large for the RRAM's room for the
    // boot image keeps its bytes in the board's NOR flash, each page checked
    // against its digest in the image (kernel/src/swap/store.rs).
    Check::code("on baosec: a program of 3 MiB, larger than the RRAM's room for the boot image, runs from the board's NOR flash (the program store): every byte read twice as built, each page checked against its SHA-256 digest in the image", crate::swap_checks::program_store_baosec),
    Check::code("on baosec: a bit flipped in every 4 KiB of the NOR flash (the model's tamper hook) ends the program at the first page it reads from there, with the kernel's report '... does not match its digest in the boot image'; the system lives on to power off", crate::swap_checks::store_tamper_baosec),
];

/// xous-run's options for a boot on the baosec board.
const BAOSEC: &[&str] = &["--board", "baosec"];
/// xous-run's options for a boot on the dabao board.
const DABAO: &[&str] = &["--board", "dabao"];

/// `./x test [--jobs N] [FILTER]`: every check (or those whose name
/// contains FILTER), N at a time (by default one per core, at most two).
pub fn command(project: &Project, args: &[String]) -> Result<(), String> {
    let (lanes, filter) = parse(args)?;
    run_all(project, filter, lanes)
}

fn parse(args: &[String]) -> Result<(usize, Option<&str>), String> {
    let usage = || format!("usage: ./x test [--jobs N] [FILTER] (got {args:?})");
    match args {
        [flag, n, rest @ ..] if flag == "--jobs" => {
            let lanes = n.parse().ok().filter(|&n| n > 0).ok_or_else(usage)?;
            match rest {
                [] => Ok((lanes, None)),
                [filter] => Ok((lanes, Some(filter.as_str()))),
                _ => Err(usage()),
            }
        }
        [] => Ok((crate::lanes::default_lanes(), None)),
        [filter] if !filter.starts_with("--") => Ok((crate::lanes::default_lanes(), Some(filter.as_str()))),
        _ => Err(usage()),
    }
}

/// Runs every check, or with `filter` only those whose name contains it,
/// `lanes` at a time (lanes.rs); each is reported as it finishes.
pub fn run_all(project: &Project, filter: Option<&str>, lanes: usize) -> Result<(), String> {
    let chosen: Vec<&Check> = CHECKS.iter().filter(|check| filter.map_or(true, |f| check.name.contains(f))).collect();
    if chosen.is_empty() {
        return Err(format!("no check's name contains `{}`", filter.unwrap_or_default()));
    }
    let tally = Mutex::new((0, 0));
    crate::lanes::side_by_side(&chosen, lanes, |check| {
        let name = check.name;
        eprintln!("x test: {name} ...");
        let start = Instant::now();
        // A check that panics fails; the others go on.
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| check.run(project)))
            .unwrap_or_else(|panic| Err(Failed::from(format!("the check panicked: {}", panic_text(&*panic)))));
        let mut tally = tally.lock().unwrap_or_else(PoisonError::into_inner);
        match outcome {
            Ok(ok) => {
                tally.0 += ok.tests;
                println!("test {name} ... ok ({:.1} s) {}", start.elapsed().as_secs_f64(), ok.note);
            }
            Err(failure) => {
                tally.1 += failure.tests;
                println!("test {name} ... FAILED\n{}", failure.why);
            }
        }
    });
    let (passed, failed) = tally.into_inner().unwrap_or_else(PoisonError::into_inner);
    println!("tests: {passed} passed, {failed} failed");
    if failed == 0 {
        Ok(())
    } else {
        Err(format!("{failed} test(s) failed"))
    }
}

/// A panic's message, when it is text.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> &str {
    panic.downcast_ref::<&str>().copied().or_else(|| panic.downcast_ref::<String>().map(String::as_str)).unwrap_or("(not text)")
}

fn host_unit_tests(project: &Project) -> Result<Passed, Failed> {
    let mut cmd = project.cargo();
    cmd.current_dir(&project.root).args(["test", "--release", "--locked", "--workspace"]);
    cargo_test(cmd)
}

/// The kernel's hardware-independent logic, built for the host (optimised,
/// with overflow checks and debug assertions: the fuzz targets' build).
fn kernel_unit_tests(project: &Project) -> Result<Passed, Failed> {
    let mut cmd = project.cargo();
    cmd.current_dir(project.root.join("kernel"))
        .args(["test", "--locked", "--lib", "--target", crate::project::HOST_TARGET])
        .args(crate::project::CHECKED);
    cargo_test(cmd)
}

/// The hardware-independent logic of the services (libraries beside their
/// binaries), built for the host.
fn services_unit_tests(project: &Project) -> Result<Passed, Failed> {
    let mut cmd = project.cargo();
    cmd.current_dir(project.root.join("services"))
        .args(["test", "--locked", "--lib", "-p", "ticktimer", "-p", "names", "-p", "proc", "-p", "log", "--target", crate::project::HOST_TARGET])
        .args(crate::project::CHECKED);
    cargo_test(cmd)
}

/// services/fs's library (the on-disk format and the operations) with its
/// power-cut replays, built for the host.
fn fs_unit_tests(project: &Project) -> Result<Passed, Failed> {
    let mut cmd = project.cargo();
    cmd.current_dir(project.root.join("services"))
        .args(["test", "--locked", "--lib", "-p", "fs", "--target", crate::project::HOST_TARGET])
        .args(crate::project::CHECKED);
    cargo_test(cmd)
}

/// The std suite of `./x std-tests`: its passed tests count here.
fn std_suite(project: &Project) -> Result<Passed, Failed> {
    match crate::std_tests::check_suite(project, "std") {
        Ok((tests, note)) => Ok(Passed { note, tests }),
        Err((tests, why)) => Err(Failed { why, tests }),
    }
}

/// Runs a `cargo test` command, showing its output and counting its tests.
fn cargo_test(mut cmd: Command) -> Result<Passed, Failed> {
    let out = cmd.output().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    print!("{stdout}");
    let (passed, failed) = count_cargo_tests(&stdout);
    match (out.status.success(), passed) {
        (true, 0) => Err("cargo test ran no test".to_string().into()),
        (true, tests) => Ok(Passed { note: format!("{tests} tests"), tests }),
        (false, _) => Err(Failed { why: format!("cargo test failed ({})", out.status), tests: failed.max(1) }),
    }
}

/// Sums the `test result: ... N passed; M failed; ...` lines of cargo test.
fn count_cargo_tests(output: &str) -> (usize, usize) {
    let number_before = |line: &str, word: &str| -> usize {
        line.split(';')
            .find_map(|part| part.trim().strip_suffix(word)?.trim().rsplit(' ').next()?.parse().ok())
            .unwrap_or(0)
    };
    output
        .lines()
        .filter(|line| line.starts_with("test result:"))
        .fold((0, 0), |(p, f), line| (p + number_before(line, "passed"), f + number_before(line, "failed")))
}

fn hello_builds(project: &Project) -> Result<Passed, Failed> {
    let hello = project.build_test_app("hello")?;
    Ok(elf::inspect(&hello)?.to_string().into())
}

/// What the README tells a user to do, done in a scratch directory through
/// rustup's `cargo +xous` (not our environment), so the link itself is tested.
fn outside_crate_builds(_project: &Project) -> Result<Passed, Failed> {
    // Outside the repository, so neither its workspace nor its rust-toolchain.toml applies.
    let scratch = std::env::temp_dir().join(format!("xous-outside-crate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    output(user_cargo(&scratch).args(["+xous", "new", "--quiet", "hi"]))?;
    let crate_dir = scratch.join("hi");
    output(user_cargo(&crate_dir).args(["+xous", "build", "--release", "--target", XOUS_TARGET]))?;
    let exe = crate_dir.join("target").join(XOUS_TARGET).join("release/hi");
    let info = elf::inspect(&exe);
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(info?.to_string().into())
}

/// `cargo` as a user outside the repository runs it: rustup's proxy,
/// without the environment ./x set up for the project.
fn user_cargo(dir: &Path) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(dir).env_remove("RUSTC").env_remove("RUSTDOC").env_remove("CARGO");
    cmd
}

/// The README's runner configuration, used as a user would: `cargo +xous
/// test` of a crate outside the repository runs its tests on QEMU; a test
/// reading the crate's own files passes with `--mirror-cwd`; one failing
/// test makes it exit non-zero.
fn outside_crate_tests(project: &Project) -> Result<Passed, Failed> {
    // The runner the README names, as this tree builds it.
    crate::runner::install(project)?;
    let scratch = std::env::temp_dir().join(format!("xous-outside-tests-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let result = run_outside_tests(&scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn run_outside_tests(scratch: &Path) -> Result<Passed, Failed> {
    let write = |path: &Path, text: &str| {
        std::fs::create_dir_all(path.parent().expect("has a parent")).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    let krate = scratch.join("adder");
    write(&krate.join("Cargo.toml"), "[package]\nname = \"adder\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")?;
    write(
        &krate.join(".cargo/config.toml"),
        "[build]\ntarget = \"riscv32imac-unknown-xous-elf\"\n\n[target.riscv32imac-unknown-xous-elf]\nrunner = \"xous-run\"\n",
    )?;
    let tests = "pub fn add(a: u64, b: u64) -> u64 { a + b }\n\
        #[cfg(test)]\nmod tests {\n\
        #[test] fn adds() { assert_eq!(super::add(2, 2), 4); }\n\
        #[test] fn in_a_thread() { assert_eq!(std::thread::spawn(|| super::add(20, 22)).join().unwrap(), 42); }\n\
        #[test] #[should_panic(expected = \"boom\")] fn unwinds() { panic!(\"boom\"); }\n}\n";
    write(&krate.join("src/lib.rs"), tests)?;
    let cargo_test = || {
        user_cargo(&krate).args(["+xous", "test"]).output().map_err(|e| format!("cannot run cargo +xous test: {e}"))
    };
    let passing = cargo_test()?;
    let stdout = String::from_utf8_lossy(&passing.stdout);
    if !passing.status.success() || !stdout.contains("test result: ok. 3 passed; 0 failed") {
        return Err(format!("cargo +xous test failed ({}):\n{stdout}\n{}", passing.status, String::from_utf8_lossy(&passing.stderr)).into());
    }
    // A test reading its crate's own files, relative to the package and
    // through CARGO_MANIFEST_DIR (the host's path), with the README's
    // `--mirror-cwd` runner; it fails without it (no such file).
    let fixture = "#[test] fn reads_its_fixture() {\n\
        assert_eq!(std::fs::read_to_string(\"tests/data/fixture.txt\").unwrap(), \"from the host\\n\");\n\
        let by_manifest = std::path::Path::new(env!(\"CARGO_MANIFEST_DIR\")).join(\"tests/data/fixture.txt\");\n\
        assert_eq!(std::fs::read_to_string(by_manifest).unwrap(), \"from the host\\n\");\n\
        assert_eq!(std::env::current_dir().unwrap(), std::path::Path::new(env!(\"CARGO_MANIFEST_DIR\")));\n}\n";
    write(&krate.join("tests/data/fixture.txt"), "from the host\n")?;
    write(&krate.join("tests/fixture.rs"), fixture)?;
    let unmirrored = cargo_test()?;
    if unmirrored.status.success() {
        return Err("a test reading its crate's files passed without --mirror-cwd: the guest should not see the host's files".to_string().into());
    }
    write(
        &krate.join(".cargo/config.toml"),
        "[build]\ntarget = \"riscv32imac-unknown-xous-elf\"\n\n[target.riscv32imac-unknown-xous-elf]\nrunner = [\"xous-run\", \"--mirror-cwd\"]\n",
    )?;
    let mirrored = cargo_test()?;
    let stdout = String::from_utf8_lossy(&mirrored.stdout);
    if !mirrored.status.success() || !stdout.contains("test result: ok. 1 passed; 0 failed") {
        return Err(format!("with --mirror-cwd, the test reading its fixture failed ({}):\n{stdout}\n{}", mirrored.status, String::from_utf8_lossy(&mirrored.stderr)).into());
    }
    std::fs::remove_file(krate.join("tests/fixture.rs")).map_err(|e| e.to_string())?;
    write(&krate.join("src/failing.rs"), "#[test] fn fails() { assert_eq!(1 + 1, 3); }\n")?;
    write(&krate.join("src/lib.rs"), &format!("{tests}#[cfg(test)]\nmod failing;\n"))?;
    let failing = cargo_test()?;
    let stdout = String::from_utf8_lossy(&failing.stdout);
    if failing.status.success() || !stdout.contains("3 passed; 1 failed") {
        return Err(format!("a failing test did not fail the run ({}):\n{stdout}", failing.status).into());
    }
    Ok(Passed::from("3 tests pass on QEMU; a test reading its crate's files passes with --mirror-cwd (and not without); with a failing one added, cargo exits non-zero".to_string()))
}

/// The two checks that run the sysroot builder on the toolchain's own
/// directory take turns (./x test runs checks side by side).
static TOOLCHAIN_DIR: Mutex<()> = Mutex::new(());

fn second_setup_is_a_no_op(project: &Project) -> Result<Passed, Failed> {
    let _turn = TOOLCHAIN_DIR.lock().unwrap_or_else(PoisonError::into_inner);
    let manifest = project.toolchain.join("manifest.toml");
    let modified = || std::fs::metadata(&manifest).and_then(|m| m.modified()).map_err(|e| e.to_string());
    let before = modified()?;
    let overlay = project.root.join("library/std-xous");
    let log = output(crate::project::yielding(&project.builder).arg("build").arg("--overlay").arg(&overlay))?;
    if !log.contains("is up to date") || modified()? != before {
        return Err(format!("the builder did not treat the toolchain as up to date:\n{log}").into());
    }
    Ok(String::new().into())
}

/// `--archive` from the current toolchain, `install` into a scratch
/// toolchain directory, and hello built against that installed sysroot.
fn archive_round_trip(project: &Project) -> Result<Passed, Failed> {
    let _turn = TOOLCHAIN_DIR.lock().unwrap_or_else(PoisonError::into_inner);
    let scratch = project.root.join("target/test/archive");
    let _ = std::fs::remove_dir_all(&scratch);
    let archive = scratch.join("xous-sysroot.tar.gz");
    let overlay = project.root.join("library/std-xous");
    output(crate::project::yielding(&project.builder).arg("build").arg("--overlay").arg(&overlay).arg("--archive").arg(&archive))?;
    let installed = scratch.join("installed");
    output(Command::new(&project.builder).arg("install").arg(&archive).arg("--toolchain-dir").arg(&installed))?;
    let target_dir = scratch.join("target");
    run(Command::new(installed.join("bin/cargo"))
        .current_dir(project.root.join("test-apps"))
        .env("RUSTC", installed.join("bin/rustc"))
        .args(["build", "--release", "--locked", "-p", "hello", "--target-dir"])
        .arg(&target_dir))?;
    let size = std::fs::metadata(&archive).map_err(|e| e.to_string())?.len();
    let info = elf::inspect(&target_dir.join(XOUS_TARGET).join("release/hello"))?;
    Ok(format!("archive {} KiB; hello: {info}", size / 1024).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_cargo_test_results() {
        let out = "running 2 tests\ntest result: ok. 31 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.03s\n\
                   test result: FAILED. 2 passed; 3 failed; 0 ignored\n";
        assert_eq!(count_cargo_tests(out), (33, 3));
        assert_eq!(count_cargo_tests("no tests here"), (0, 0));
    }

    #[test]
    fn the_table_names_each_check_once_and_swaps_std_only_under_std_programs() {
        let mut names = std::collections::HashSet::new();
        for check in CHECKS {
            assert!(names.insert(check.name), "two checks named {:?}", check.name);
        }
        for row in CHECKS.iter().filter_map(Check::boot_row).filter(|row| row.stds == target_checks::Stds::Both) {
            assert!(!matches!(row.program, Kernel(_)), "a no_std program has no std to swap");
        }
    }

    #[test]
    fn test_takes_jobs_and_a_filter() {
        let args = |text: &str| text.split_whitespace().map(String::from).collect::<Vec<_>>();
        let lanes = crate::lanes::default_lanes();
        assert_eq!(parse(&args("")), Ok((lanes, None)));
        assert_eq!(parse(&args("dabao")), Ok((lanes, Some("dabao"))));
        assert_eq!(parse(&args("--jobs 1")), Ok((1, None)));
        assert_eq!(parse(&args("--jobs 3 fs")), Ok((3, Some("fs"))));
        for bad in ["--jobs", "--jobs 0", "--jobs two", "--jobs 1 a b", "a b", "--lanes"] {
            assert!(parse(&args(bad)).is_err(), "{bad:?} accepted");
        }
    }
}
