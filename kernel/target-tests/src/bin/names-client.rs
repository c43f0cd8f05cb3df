//! The name-server test (main process): connect by name to names-echo,
//! which may register only later (BlockingConnect waits); TryConnect to an
//! unknown name; a taken name; malformed requests. Exits 0 when all hold.
#![no_std]
#![no_main]

use kernel_target_tests::{check, entry, names, println, syscall, Syscall, SyscallResult};
use xous_abi::message::InvokeType;
use xous_abi::services::names as ns;

fn main(_params: usize) -> usize {
    let (result, _) = names::request(ns::TRY_CONNECT, b"no-such-service", 15, [0; 4]);
    check!(result == ns::NOT_FOUND, "TryConnect to an unknown name: {}", result);
    let (result, cid) = names::request(ns::BLOCKING_CONNECT, b"names-test-echo", 15, [0; 4]);
    check!(result == ns::OK && cid != 0, "BlockingConnect: {} {}", result, cid);
    let r = syscall(Syscall::SendMessage, &[cid as usize, InvokeType::BlockingScalar as usize, 0, 41, 0, 0, 0]);
    check!(r[0] == SyscallResult::Scalar1 as usize && r[1] == 42, "echo through the named connection: {:?}", r);
    let (again, cid2) = names::request(ns::TRY_CONNECT, b"names-test-echo", 15, [0; 4]);
    check!(again == ns::OK && cid2 == cid, "the same connection twice: {} {}", again, cid2);
    let (taken, _) = names::request(ns::REGISTER, b"names-test-echo", 15, [1, 2, 3, 4]);
    check!(taken == ns::NAME_TAKEN, "registering a taken name: {}", taken);
    let (bad, _) = names::request(ns::TRY_CONNECT, b"x", 65, [0; 4]);
    check!(bad == ns::BAD_REQUEST, "a 65-byte name: {}", bad);
    let (bad, _) = names::request(99, b"x", 1, [0; 4]);
    check!(bad == ns::BAD_REQUEST, "an unknown opcode: {}", bad);
    let (bad, _) = names::request(ns::TRY_CONNECT, b"x", 0, [0; 4]);
    check!(bad == ns::BAD_REQUEST, "an empty name: {}", bad);
    // The published client's dialect, malformed: each answered with an
    // archived `Return::Failure` (tag 1, 48 bytes), and the server lives on.
    let garbage = [0xa5u8; 64];
    for (opcode, offset, what) in [
        (ns::XOUS_LOOKUP, 0, "an empty archive"),
        (ns::XOUS_LOOKUP, 6, "an archive shorter than a string"),
        (ns::XOUS_LOOKUP, 5000, "an archive longer than the page"),
        (ns::XOUS_LOOKUP, 64, "a string pointing outside the archive"),
        (ns::XOUS_REGISTER, 64, "a registration whose name points outside"),
        (ns::XOUS_REGISTER, 3, "a misaligned archive"),
    ] {
        let answer = names::xous_request(opcode, &garbage, offset);
        check!(answer == (48, 1), "{}: answered {:?}", what, answer);
    }
    let (result, _) = names::request(ns::TRY_CONNECT, b"names-test-echo", 15, [0; 4]);
    check!(result == ns::OK, "the name server still serves: {}", result);
    println!("names: all checks passed");
    0
}

entry!(main);
