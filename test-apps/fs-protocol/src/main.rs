//! The filesystem service's protocol spoken with raw syscalls, as std never
//! would: unknown opcodes, lengths past the page, the wrong message kinds,
//! handle numbers that are not the caller's (fs-holder's, a process booted
//! beside this one), link requests with missing, oversized or wrong paths. Each gets an error (never a hang or a crash), and the
//! service serves a good request afterwards; RAW_BENCH (the bench's raw
//! device path) is not served: only `./x bench` boots a build with it.
//! Then fs-holder ends holding its files open, and their handle slots must
//! come free.

use checks::raw::ecall;
use checks::Checks;
use std::time::{Duration, Instant};
use xous_abi::message::InvokeType;
use xous_abi::services::fs::{self as proto, error};
use xous_abi::{Syscall, SyscallResult};

#[repr(C, align(4096))]
struct Page([u8; 4096]);

/// Connects by name, as std does (which starts the service: it is one
/// the boot image starts on demand).
fn connect() -> usize {
    let cid: u32 = std::os::xous::services::connect(proto::NAME).expect("connect by name").into();
    cid as usize
}

/// A memory message; (result tag, offset, valid).
fn lend(cid: usize, kind: InvokeType, id: usize, page: &mut Page, offset: usize, valid: usize) -> (usize, usize, usize) {
    let r = ecall([Syscall::SendMessage as usize, cid, kind as usize, id, page.0.as_mut_ptr() as usize, 4096, offset, valid]);
    (r[0], r[1], r[2])
}

/// A request page: (status, value) after it is answered.
fn request(cid: usize, id: usize, handle: u32, a: u64, path: &[u8]) -> (u32, u64) {
    let mut page = Page([0; 4096]);
    page.0[proto::HANDLE_AT..][..4].copy_from_slice(&handle.to_le_bytes());
    page.0[proto::A_AT..][..8].copy_from_slice(&a.to_le_bytes());
    page.0[proto::PATH1_LEN_AT..][..4].copy_from_slice(&(path.len() as u32).to_le_bytes());
    page.0[proto::PATHS_AT..][..path.len()].copy_from_slice(path);
    lend(cid, InvokeType::LendMut, id, &mut page, 0, 0);
    let status = u32::from_le_bytes(page.0[proto::STATUS_AT..][..4].try_into().unwrap());
    (status, u64::from_le_bytes(page.0[proto::VALUE_AT..][..8].try_into().unwrap()))
}

/// A request with two paths: (status, value, the reply page).
fn request2(cid: usize, id: usize, path1: &[u8], path2: &[u8]) -> (u32, u64, Box<Page>) {
    let mut page = Box::new(Page([0; 4096]));
    page.0[proto::PATH1_LEN_AT..][..4].copy_from_slice(&(path1.len() as u32).to_le_bytes());
    page.0[proto::PATH2_LEN_AT..][..4].copy_from_slice(&(path2.len() as u32).to_le_bytes());
    page.0[proto::PATHS_AT..][..path1.len()].copy_from_slice(path1);
    page.0[proto::PATHS_AT + path1.len()..][..path2.len()].copy_from_slice(path2);
    lend(cid, InvokeType::LendMut, id, &mut page, 0, 0);
    let status = u32::from_le_bytes(page.0[proto::STATUS_AT..][..4].try_into().unwrap());
    (status, u64::from_le_bytes(page.0[proto::VALUE_AT..][..8].try_into().unwrap()), page)
}

/// A request with only a and b set: (status, value).
fn request_ab(cid: usize, id: usize, a: u64, b: u64) -> (u32, u64) {
    let mut page = Page([0; 4096]);
    page.0[proto::A_AT..][..8].copy_from_slice(&a.to_le_bytes());
    page.0[proto::B_AT..][..8].copy_from_slice(&b.to_le_bytes());
    lend(cid, InvokeType::LendMut, id, &mut page, 0, 0);
    let status = u32::from_le_bytes(page.0[proto::STATUS_AT..][..4].try_into().unwrap());
    (status, u64::from_le_bytes(page.0[proto::VALUE_AT..][..8].try_into().unwrap()))
}

fn wait_for(path: &str) -> bool {
    let start = Instant::now();
    while !std::fs::exists(path).unwrap_or(false) {
        if start.elapsed() > Duration::from_secs(20) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    true
}

fn main() {
    let mut c = Checks::new("fs-protocol");
    let cid = connect();
    let returned = SyscallResult::MemoryReturned as usize;
    c.check(wait_for("/holder/ready"), "fs-holder holds its files".into());

    let mut page = Page([0xaa; 4096]);
    for handle in [0, 1, 2, 999, usize::MAX] {
        let r = lend(cid, InvokeType::LendMut, proto::READ, &mut page, handle, 100);
        c.check(r == (returned, error::BAD_HANDLE as usize, 0), format!("READ on handle {handle} (not ours): {r:?}"));
        let r = lend(cid, InvokeType::Lend, proto::WRITE, &mut page, handle, 100);
        c.check(r == (returned, error::BAD_HANDLE as usize, 0), format!("WRITE on handle {handle} (not ours): {r:?}"));
    }
    for (id, name) in [(proto::SEEK, "SEEK"), (proto::CLOSE, "CLOSE"), (proto::SYNC, "SYNC"), (proto::SET_LEN, "SET_LEN"), (proto::FSTAT, "FSTAT"), (proto::DUPLICATE, "DUPLICATE")] {
        let r = request(cid, id, 1, 0, b"");
        c.check(r.0 == error::BAD_HANDLE, format!("{name} of fs-holder's handle 1: {r:?}"));
    }
    let r = request(cid, proto::SET_READONLY, 2, 1, b"");
    c.check(r.0 == error::BAD_HANDLE, format!("SET_READONLY of fs-holder's handle 2: {r:?}"));
    c.check(request(cid, 0x1234, 0, 0, b"/x").0 == error::BAD_REQUEST, "an unknown opcode: BAD_REQUEST".into());

    let mut page = Page([0; 4096]);
    page.0[proto::PATH1_LEN_AT..][..4].copy_from_slice(&4090u32.to_le_bytes());
    page.0[proto::PATH2_LEN_AT..][..4].copy_from_slice(&u32::MAX.to_le_bytes());
    lend(cid, InvokeType::LendMut, proto::RENAME, &mut page, 0, 0);
    c.check(page.0[0] == error::INVALID_INPUT as u8, format!("path lengths past the page: status {}", page.0[0]));
    c.check(request(cid, proto::STAT, 0, 0, b"/a\0b").0 == error::INVALID_FILENAME, "a NUL in a path: INVALID_FILENAME".into());
    c.check(request(cid, proto::CREATE_DIR, 0, 0, &[b'n'; 300]).0 == error::INVALID_FILENAME, "a 300-byte name: INVALID_FILENAME".into());
    c.check(request(cid, proto::SEEK, 0, 0, b"").0 == error::BAD_HANDLE, "handle 0: BAD_HANDLE".into());

    // Links: missing or oversized paths, the wrong kind of file.
    c.check(request2(cid, proto::SYMLINK, b"/t", b"").0 == error::NOT_FOUND, "SYMLINK without a link path: NOT_FOUND".into());
    c.check(request2(cid, proto::SYMLINK, &[b't'; 4040], b"/l").0 == error::INVALID_FILENAME, "SYMLINK with a 4040-byte target: INVALID_FILENAME".into());
    c.check(request2(cid, proto::HARD_LINK, b"/nothing", b"/l").0 == error::NOT_FOUND, "HARD_LINK of nothing: NOT_FOUND".into());
    c.check(request2(cid, proto::HARD_LINK, b"/", b"/l").0 == error::PERMISSION_DENIED, "HARD_LINK of the root: PERMISSION_DENIED".into());
    c.check(request2(cid, proto::READ_LINK, b"/", b"").0 == error::INVALID_INPUT, "READ_LINK of a directory: INVALID_INPUT".into());
    c.check(request2(cid, proto::LSTAT, b"/a\0b", b"").0 == error::INVALID_FILENAME, "LSTAT with a NUL: INVALID_FILENAME".into());
    let mut page = Page([0; 4096]);
    page.0[proto::PATH1_LEN_AT..][..4].copy_from_slice(&u32::MAX.to_le_bytes());
    lend(cid, InvokeType::LendMut, proto::READ_LINK, &mut page, 0, 0);
    c.check(page.0[0] == error::INVALID_INPUT as u8, format!("READ_LINK with a length past the page: status {}", page.0[0]));
    let (status, _, _) = request2(cid, proto::SYMLINK, b"proto-loop", b"/proto-loop");
    c.check(status == 0 && request(cid, proto::STAT, 0, 0, b"/proto-loop").0 == error::FILESYSTEM_LOOP, "a link to itself: FILESYSTEM_LOOP".into());
    let (status, len, reply) = request2(cid, proto::READ_LINK, b"/proto-loop", b"");
    c.check(status == 0 && &reply.0[proto::ENTRIES_AT..][..len as usize] == b"proto-loop", format!("READ_LINK gives the target: {status}, {len}"));
    let (status, _, reply) = request2(cid, proto::LSTAT, b"/proto-loop", b"");
    let links = u32::from_le_bytes(reply.0[proto::LINKS_AT..][..4].try_into().unwrap());
    c.check(status == 0 && reply.0[proto::KIND_AT] == proto::KIND_SYMLINK && links == 1, format!("LSTAT of the link: {status}, kind {}, {links} names", reply.0[proto::KIND_AT]));
    let (status, _, _) = request2(cid, proto::HARD_LINK, b"/proto-loop", b"/proto-loop-2");
    let (_, _, reply) = request2(cid, proto::LSTAT, b"/proto-loop-2", b"");
    let links = u32::from_le_bytes(reply.0[proto::LINKS_AT..][..4].try_into().unwrap());
    c.check(status == 0 && reply.0[proto::KIND_AT] == proto::KIND_SYMLINK && links == 2, format!("HARD_LINK of the link: {status}, then {links} names"));

    let r = ecall([Syscall::SendMessage as usize, cid, InvokeType::BlockingScalar as usize, proto::OPEN, 1, 2, 3, 4]);
    c.check(r[0] == SyscallResult::Scalar1 as usize && r[1] == error::BAD_REQUEST as usize, format!("a blocking scalar: {r:?}"));
    let r = ecall([Syscall::SendMessage as usize, cid, InvokeType::Scalar as usize, proto::PROCESS_ENDED, 1, 0, 0, 0]);
    c.check(r[0] == SyscallResult::Ok as usize, "a forged exit notice is dropped".into());
    let r = lend(cid, InvokeType::Lend, proto::OPEN, &mut page, 0, 0);
    c.check(r == (returned, error::BAD_REQUEST as usize, 0), format!("a request page lent read-only: {r:?}"));
    let r = lend(cid, InvokeType::LendMut, proto::WRITE, &mut page, 1, 10);
    c.check(r.0 == returned && page.0[0] == error::BAD_REQUEST as u8, format!("WRITE lent mutably is read as a request page: {r:?}, status {}", page.0[0]));
    let moved = Box::new(Page([0; 4096]));
    let at = Box::into_raw(moved) as usize;
    let r = ecall([Syscall::SendMessage as usize, cid, InvokeType::Move as usize, proto::OPEN, at, 4096, 0, 0]);
    c.check(r[0] == SyscallResult::Ok as usize, format!("a page moved to the service: {r:?}"));

    let r = request(cid, proto::SEEK, 0, 0, b"");
    c.check(r.0 == error::BAD_HANDLE, format!("SEEK without a handle: {r:?}"));
    let kept: Vec<u8> = (0..20_000u32).map(|i| (i * 13 % 251) as u8).collect();
    std::fs::write("/kept", &kept).unwrap();
    let (status, handle) = request(cid, proto::OPEN, 0, proto::open::READ, b"/kept");
    let r = request(cid, proto::SEEK, handle as u32, 0, b"");
    c.check(status == 0 && r.0 == 0, "SEEK of our own handle works".into());
    let mut page = Page([0; 4096]);
    page.0[proto::HANDLE_AT..][..4].copy_from_slice(&(handle as u32).to_le_bytes());
    page.0[proto::B_AT..][..8].copy_from_slice(&7u64.to_le_bytes());
    lend(cid, InvokeType::LendMut, proto::SEEK, &mut page, 0, 0);
    c.check(page.0[0] == error::INVALID_INPUT as u8, format!("SEEK with whence 7: status {}", page.0[0]));
    request(cid, proto::CLOSE, handle as u32, 0, b"");
    // RAW_BENCH (the bench's raw device path) exists only in the service's
    // bench build (`./x bench`); the service booted here refuses it, a
    // read as a write, and the files are as they were.
    for (what, write) in [("read", 0), ("write", 1)] {
        let (status, moved) = request_ab(cid, proto::RAW_BENCH, 64, write);
        c.check(status == error::BAD_REQUEST && moved == 0, format!("RAW_BENCH {what} is not served: {status}, {moved} moved"));
    }
    c.check(std::fs::read("/kept").ok() == Some(kept), "a file written before RAW_BENCH reads back whole".into());
    c.check(std::fs::metadata("/holder/ready").is_ok(), "fs-holder's files are still there".into());

    let (status, handle) = request(cid, proto::OPEN, 0, proto::open::READ | proto::open::WRITE | proto::open::CREATE, b"/mine");
    c.check(status == 0 && handle > 2, format!("the service still serves: OPEN gives handle {handle} (status {status})"));
    c.check(request(cid, proto::CLOSE, handle as u32, 0, b"").0 == 0, "and closes it".into());

    std::fs::write("/holder/exit", b"").unwrap();
    let start = Instant::now();
    let freed = loop {
        let (status, handle) = request(cid, proto::OPEN, 0, proto::open::READ, b"/mine");
        request(cid, proto::CLOSE, handle as u32, 0, b"");
        if status == 0 && handle == 1 {
            break true;
        }
        if start.elapsed() > Duration::from_secs(20) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    c.check(freed, "fs-holder ended: its handles were closed (slot 1 is free again)".into());
    c.finish();
}
