//! The std as shipped speaks our ABI: every number of the compiler's own
//! Xous platform layer (`std/src/os/xous`, `std/src/sys/*/xous*`, the
//! library source `library/std-xous/VERSION` names) that our kernel and
//! services must answer is read from that source here and compared with
//! this crate's. A number that differs, and a syscall, error, opcode or
//! flag upstream has and this table does not name, fails the test: std as
//! shipped (the `xous-upstream` toolchain, which `./x test` runs too) has
//! no copy of its own to keep in step, so this is where drift shows.
//!
//! Our own std layer (library/std-xous) needs no such test: it includes
//! this crate's source (library/std-xous/MODULES).

use std::path::PathBuf;
use xous_abi::memory::{flags, RETURN_FROM_THREAD};
use xous_abi::message::InvokeType;
use xous_abi::services::{log, names, net, sid_from_name, systime, ticktimer};
use xous_abi::syscall::{Limit, Syscall, SyscallResult};
use xous_abi::Error;

/// The library source the overlay is written for (Debian's rust-web-src).
fn library() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let release = std::fs::read_to_string(root.join("library/std-xous/VERSION")).expect("library/std-xous/VERSION");
    PathBuf::from(format!("/usr/src/rustc-{}/library/std/src", release.trim()))
}

fn source(path: &str) -> String {
    let full = library().join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("cannot read the std as shipped, {}: {e}", full.display()))
}

/// The leading number of `text` (decimal, or `0x`/`0b` with `_`s).
fn number(text: &str) -> Option<usize> {
    let text = text.trim_start();
    let (digits, radix) = match text.get(..2) {
        Some("0x") => (&text[2..], 16),
        Some("0b") => (&text[2..], 2),
        _ => (text, 10),
    };
    let end = digits.find(|c: char| !(c.is_digit(radix) || c == '_')).unwrap_or(digits.len());
    usize::from_str_radix(&digits[..end].replace('_', ""), radix).ok()
}

/// `Variant = N` lines of `enum NAME { ... }` in `file` (comments skipped).
fn enum_values(file: &str, name: &str) -> Vec<(String, usize)> {
    let text = source(file);
    let start = text.find(&format!("enum {name} {{")).unwrap_or_else(|| panic!("{file}: no enum {name}"));
    let body = &text[start..start + text[start..].find("\n}").expect("the enum ends")];
    body.lines()
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.starts_with("//"))
        .filter_map(|l| {
            let (variant, value) = l.split_once('=')?;
            Some((variant.trim().to_string(), number(value)?))
        })
        .collect()
}

/// The first word of each `ENUM::Variant... => [N, ...]` (or `=> N`) arm of
/// the conversions in `file`: the opcodes std sends.
fn opcodes(file: &str, enumeration: &str) -> Vec<(String, usize)> {
    let text = source(file);
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(at) = line.find(&format!("{enumeration}::")) else { continue };
        let Some((pattern, value)) = line[at..].split_once("=>") else { continue };
        let variant = pattern[enumeration.len() + 2..].split(|c: char| !c.is_alphanumeric()).next().unwrap();
        // The value may open a block or a list and start on a later line.
        let opening = |l: &str| l.trim().trim_start_matches(['[', '{', ' ']).to_string();
        let value = std::iter::once(opening(value))
            .chain(lines[i + 1..].iter().map(|l| opening(l)))
            .find(|l| !l.is_empty() && !l.starts_with("//"))
            .unwrap();
        let value = number(&value).unwrap_or_else(|| panic!("{file}:{}: no opcode", i + 1));
        found.push((variant.to_string(), value));
    }
    assert!(!found.is_empty(), "{file}: no {enumeration} arms");
    found
}

/// Upstream's names and values against ours, both ways: every name on
/// each side is on the other, with the same value.
fn agree(what: &str, upstream: Vec<(String, usize)>, ours: &[(&str, usize)]) {
    let mut differences = Vec::new();
    for (name, value) in &upstream {
        match ours.iter().find(|(n, _)| n == name) {
            Some((_, our)) if our == value => {}
            Some((_, our)) => differences.push(format!("{name}: upstream {value}, ours {our}")),
            None => differences.push(format!("{name} = {value}: upstream only (name it in this test, and serve it)")),
        }
    }
    for (name, _) in ours {
        if !upstream.iter().any(|(n, _)| n == name) {
            differences.push(format!("{name}: no longer upstream"));
        }
    }
    assert!(differences.is_empty(), "{what} differs from the std as shipped:\n  {}", differences.join("\n  "));
}

#[test]
fn syscall_numbers_results_and_kinds() {
    use Syscall::*;
    let defs = "os/xous/ffi/definitions.rs";
    agree("syscall numbers", enum_values(defs, "Syscall"), &[
        ("MapMemory", MapMemory as usize),
        ("Yield", Yield as usize),
        ("UpdateMemoryFlags", UpdateMemoryFlags as usize),
        ("ReceiveMessage", ReceiveMessage as usize),
        ("SendMessage", SendMessage as usize),
        ("Connect", Connect as usize),
        ("CreateThread", CreateThread as usize),
        ("UnmapMemory", UnmapMemory as usize),
        ("ReturnMemory", ReturnMemory as usize),
        ("TerminateProcess", TerminateProcess as usize),
        ("TrySendMessage", TrySendMessage as usize),
        ("TryConnect", TryConnect as usize),
        ("GetThreadId", GetThreadId as usize),
        ("JoinThread", JoinThread as usize),
        ("AdjustProcessLimit", AdjustProcessLimit as usize),
        ("ReturnScalar", ReturnScalar5 as usize),
    ]);
    agree("syscall results", enum_values(defs, "SyscallResult"), &[
        ("Ok", SyscallResult::Ok as usize),
        ("Error", SyscallResult::Error as usize),
        ("MemoryRange", SyscallResult::MemoryRange as usize),
        ("ConnectionId", SyscallResult::ConnectionId as usize),
        ("Message", SyscallResult::MessageEnvelope as usize),
        ("ThreadId", SyscallResult::ThreadId as usize),
        ("Scalar1", SyscallResult::Scalar1 as usize),
        ("Scalar2", SyscallResult::Scalar2 as usize),
        ("MemoryReturned", SyscallResult::MemoryReturned as usize),
        ("Scalar5", SyscallResult::Scalar5 as usize),
    ]);
    agree("message kinds", enum_values(defs, "InvokeType"), &[
        ("LendMut", InvokeType::LendMut as usize),
        ("Lend", InvokeType::Lend as usize),
        ("Move", InvokeType::Move as usize),
        ("Scalar", InvokeType::Scalar as usize),
        ("BlockingScalar", InvokeType::BlockingScalar as usize),
    ]);
    agree("process limits", enum_values(defs, "Limits"), &[
        ("HeapMaximum", Limit::HeapMaximum as usize),
        ("HeapSize", Limit::HeapSize as usize),
    ]);
}

#[test]
fn error_codes() {
    let upstream = enum_values("os/xous/ffi/definitions.rs", "Error");
    let ours: Vec<(String, usize)> = (0..upstream.len()).map(|code| (format!("{:?}", Error::from_usize(code)), code)).collect();
    let ours: Vec<(&str, usize)> = ours.iter().map(|(n, c)| (n.as_str(), *c)).collect();
    agree("error codes", upstream, &ours);
}

#[test]
fn memory_flags_and_the_thread_exit_address() {
    let text = source("os/xous/ffi/definitions/memoryflags.rs");
    let upstream: Vec<(String, usize)> = text
        .lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix("pub const ")?;
            let (name, bits) = rest.split_once(": Self = Self { bits: ")?;
            Some((name.to_string(), number(bits)?))
        })
        .collect();
    agree("memory flags", upstream, &[("FREE", 0), ("RESERVE", flags::RESERVE), ("R", flags::R), ("W", flags::W), ("X", flags::X)]);
    let thread = source("sys/thread/xous.rs");
    let at = thread.find("in(\"ra\") ").expect("a new thread returns to the exit address");
    assert_eq!(number(&thread[at + 9..]), Some(RETURN_FROM_THREAD), "the address a std thread returns to");
}

#[test]
fn service_names_and_opcodes() {
    let services = source("os/xous/services.rs");
    let opcode = |name: &str| number(&services[..services.find(&format!(" /* {name} */")).unwrap()].rsplit(char::is_whitespace).next().unwrap());
    assert_eq!(opcode("BlockingConnect"), Some(names::BLOCKING_CONNECT));
    assert_eq!(opcode("TryConnect"), Some(names::TRY_CONNECT));
    assert!(services.contains(&format!("const NAME_MAX_LENGTH: usize = {};", names::NAME_MAX_LENGTH)));
    assert!(services.contains(&format!("request.data[{}..{}]", names::CID_AT, names::CID_AT + 4)), "the CID in a connect's reply");

    // Each server std reaches by its SID's name, or by name through the name server.
    for (file, sid) in [
        ("os/xous/services.rs", names::SID),
        ("os/xous/services/ticktimer.rs", ticktimer::SID),
        ("os/xous/services/log.rs", log::SID),
        ("os/xous/services/systime.rs", systime::SID),
    ] {
        let text = source(file);
        let name = text.split("connect(\"").nth(1).and_then(|r| r.split('"').next()).unwrap();
        assert_eq!(sid_from_name(name), Some(sid), "{file}: the server `{name}`");
    }
    assert!(source("os/xous/services/net.rs").contains(&format!("connect(\"{}\")", net::NAME)));
    assert!(source("os/xous/services/dns.rs").contains(&format!("connect(\"{}\")", net::DNS_NAME)));

    use ticktimer::*;
    agree("ticktimer opcodes", opcodes("os/xous/services/ticktimer.rs", "TicktimerScalar"), &[
        ("ElapsedMs", ELAPSED_MS),
        ("SleepMs", SLEEP_MS),
        ("LockMutex", LOCK_MUTEX),
        ("UnlockMutex", UNLOCK_MUTEX),
        ("WaitForCondition", WAIT_FOR_CONDITION),
        ("NotifyCondition", NOTIFY_CONDITION),
        ("FreeMutex", FREE_MUTEX),
        ("FreeCondition", FREE_CONDITION),
    ]);
    agree("systime opcodes", opcodes("os/xous/services/systime.rs", "SystimeScalar"), &[("GetUtcTimeMs", systime::GET_UTC_TIME_MS)]);
    agree("log scalars", opcodes("os/xous/services/log.rs", "LogScalar"), &[
        ("BeginPanic", log::BEGIN_PANIC),
        ("AppendPanicMessage", log::APPEND_PANIC_MESSAGE),
    ]);
    agree("log lends", enum_values("os/xous/services/log.rs", "LogLend"), &[
        ("StandardOutput", log::STDOUT),
        ("StandardError", log::STDERR),
    ]);
    agree("dns opcodes", enum_values("os/xous/services/dns.rs", "DnsLendMut"), &[("RawLookup", net::DNS_RAW_LOOKUP)]);
}

#[test]
fn network_opcodes_errors_and_id_layout() {
    let file = "os/xous/services/net.rs";
    let mut lends = opcodes(file, "NetLendMut");
    lends.dedup();
    agree("network lends", lends, &[
        ("StdTcpConnect", net::TCP_CONNECT),
        ("StdTcpTx", net::TCP_TX),
        ("StdTcpPeek", net::TCP_PEEK),
        ("StdTcpRx", net::TCP_RX),
        ("StdGetAddress", net::GET_ADDRESS),
        ("StdUdpBind", net::UDP_BIND),
        ("StdUdpRx", net::UDP_RX),
        ("StdUdpTx", net::UDP_TX),
        ("StdTcpListen", net::TCP_LISTEN),
        ("StdTcpAccept", net::TCP_ACCEPT),
    ]);
    let mut scalars = opcodes(file, "NetBlockingScalar");
    scalars.sort();
    scalars.dedup();
    agree("network scalars", scalars, &[
        ("StdGetNodelay", net::GET_NODELAY),
        ("StdGetTtlTcp", net::GET_TTL),
        ("StdGetTtlUdp", net::GET_TTL),
        ("StdSetNodelay", net::SET_NODELAY),
        ("StdSetTtlTcp", net::SET_TTL),
        ("StdSetTtlUdp", net::SET_TTL),
        ("StdTcpClose", net::TCP_CLOSE),
        ("StdTcpStreamShutdown", net::TCP_SHUTDOWN),
        ("StdUdpClose", net::UDP_CLOSE),
    ]);
    let text = source(file);
    assert!(text.contains(&format!("<< {})", net::SOCKET_SHIFT)), "the socket number's place in the id");
    assert!(text.contains(&format!("if blocking {{ {:#x} }}", net::NONBLOCKING)), "the nonblocking bit");
    use net::error::*;
    let code = |c: u8| c as usize;
    agree("network errors", enum_values("sys/net/connection/xous/mod.rs", "NetError"), &[
        ("Unaddressable", code(UNADDRESSABLE)),
        ("SocketInUse", code(SOCKET_IN_USE)),
        ("Invalid", code(INVALID)),
        ("LibraryError", code(LIBRARY_ERROR)),
        ("TimedOut", code(TIMED_OUT)),
        ("WouldBlock", code(WOULD_BLOCK)),
    ]);
}

#[test]
fn parameter_block_magics() {
    let text = source("sys/pal/xous/params.rs");
    for (name, magic) in [("ENV_MAGIC", xous_abi::params::ENV_MAGIC), ("ARGS_MAGIC", xous_abi::params::ARGS_MAGIC), ("PARAMS_MAGIC", xous_abi::params::APP_MAGIC)] {
        let line = format!("const {name}: [u8; 4] = *b\"{}\";", std::str::from_utf8(&magic).unwrap());
        assert!(text.contains(&line), "sys/pal/xous/params.rs: `{line}`");
    }
}
