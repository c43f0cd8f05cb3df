//! Talking to the name server from no_std test programs: register a name,
//! connect by name. One lent page per request, as xous_abi::services::names says.

use crate::{syscall, Syscall, SyscallResult};
use xous_abi::message::InvokeType;
use xous_abi::services::names;

#[repr(C, align(4096))]
struct Page([u8; 4096]);

fn name_server() -> usize {
    let r = syscall(Syscall::Connect, &names::SID.map(|w| w as usize));
    assert_eq!(r[0], SyscallResult::ConnectionId as usize, "connecting to the name server");
    r[1]
}

/// Sends one request; returns (result, cid) from the answered page.
pub fn request(opcode: usize, name: &[u8], claimed_length: usize, sid: [u32; 4]) -> (u32, u32) {
    let mut page = Page([0; 4096]);
    let n = name.len().min(names::NAME_MAX_LENGTH);
    page.0[..n].copy_from_slice(&name[..n]);
    page.0[names::LENGTH_AT..names::LENGTH_AT + 4].copy_from_slice(&(claimed_length as u32).to_le_bytes());
    for (i, w) in sid.iter().enumerate() {
        page.0[names::SID_AT + 4 * i..names::SID_AT + 4 * i + 4].copy_from_slice(&w.to_le_bytes());
    }
    let r = syscall(
        Syscall::SendMessage,
        &[name_server(), InvokeType::LendMut as usize, opcode, page.0.as_mut_ptr() as usize, 4096, 0, claimed_length],
    );
    assert_eq!(r[0], SyscallResult::MemoryReturned as usize, "the name server answers");
    let word = |at: usize| u32::from_le_bytes(page.0[at..at + 4].try_into().unwrap());
    (word(0), word(names::CID_AT))
}

/// A request in the dialect of the published Xous client (an rkyv archive
/// of `offset` bytes), here with whatever bytes a test wants; returns the
/// `offset` of the answer and the tag of the archived `Return` in it.
pub fn xous_request(opcode: usize, bytes: &[u8], offset: usize) -> (usize, u8) {
    let mut page = Page([0; 4096]);
    page.0[..bytes.len()].copy_from_slice(bytes);
    let r = syscall(Syscall::SendMessage, &[name_server(), InvokeType::LendMut as usize, opcode, page.0.as_mut_ptr() as usize, 4096, offset, 4096]);
    assert_eq!(r[0], SyscallResult::MemoryReturned as usize, "the name server answers");
    (r[1], page.0[0])
}
