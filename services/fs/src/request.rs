//! The request page of every non-data request (`xous_abi::services::fs`):
//! its fields read with bounds checked, so a malformed page is an error
//! reply, and the reply written back into it.

use fs::{Attr, FsError};
use xous_abi::services::fs::*;

pub struct Request<'a> {
    pub page: &'a mut [u8],
}

fn u32_at(page: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(page[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(page: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(page[at..at + 8].try_into().expect("8 bytes"))
}

/// The protocol's number (`xous_abi::services::fs`) for a kind of the
/// on-disk format, in attributes and directory entries: two contracts,
/// numbered alike today, each free to change apart.
pub fn wire_kind(kind: u8) -> u8 {
    match kind {
        fs::KIND_FILE => KIND_FILE,
        fs::KIND_DIR => KIND_DIR,
        fs::KIND_SYMLINK => KIND_SYMLINK,
        // None: a free inode has no attributes and is in no directory (a
        // mount refuses a tree with any other kind). std reads 0 as none.
        _ => 0,
    }
}

impl Request<'_> {
    pub fn handle(&self) -> usize {
        u32_at(self.page, HANDLE_AT) as usize
    }
    pub fn a(&self) -> u64 {
        u64_at(self.page, A_AT)
    }
    pub fn b(&self) -> u64 {
        u64_at(self.page, B_AT)
    }

    fn lengths(&self) -> Option<(usize, usize)> {
        let (one, two) = (u32_at(self.page, PATH1_LEN_AT) as usize, u32_at(self.page, PATH2_LEN_AT) as usize);
        (one.checked_add(two)? <= self.page.len() - PATHS_AT).then_some((one, two))
    }

    /// Path 1 (an empty path names nothing).
    pub fn path(&self) -> Result<&[u8], FsError> {
        let (one, _) = self.lengths().ok_or(FsError::InvalidInput)?;
        match &self.page[PATHS_AT..PATHS_AT + one] {
            [] => Err(FsError::NotFound),
            path => Ok(path),
        }
    }

    /// Path 2 (RENAME's target, the new name of SYMLINK and HARD_LINK).
    pub fn path2(&self) -> Result<&[u8], FsError> {
        let (one, two) = self.lengths().ok_or(FsError::InvalidInput)?;
        match &self.page[PATHS_AT + one..PATHS_AT + one + two] {
            [] => Err(FsError::NotFound),
            path => Ok(path),
        }
    }

    /// The page cleared for a reply with `status`.
    pub fn reply(&mut self, status: u32) -> &mut [u8] {
        self.page[..ENTRIES_AT].fill(0);
        self.page[STATUS_AT..STATUS_AT + 4].copy_from_slice(&status.to_le_bytes());
        self.page
    }

    pub fn value(&mut self, value: u64) {
        self.reply(0)[VALUE_AT..VALUE_AT + 8].copy_from_slice(&value.to_le_bytes());
    }

    /// A path in the reply (READ_LINK, CANONICALIZE): its length as the
    /// value, its bytes at ENTRIES_AT. `false` when it does not fit the page.
    pub fn path_reply(&mut self, path: &[u8]) -> bool {
        let Some(room) = self.page.get_mut(ENTRIES_AT..ENTRIES_AT + path.len()) else { return false };
        room.copy_from_slice(path);
        self.value(path.len() as u64);
        true
    }

    pub fn attributes(&mut self, value: u64, attr: &Attr) {
        self.value(value);
        self.page[KIND_AT] = wire_kind(attr.kind);
        self.page[READONLY_AT] = attr.readonly as u8;
        for (at, v) in [(SIZE_AT, attr.size), (MODIFIED_AT, attr.modified), (ACCESSED_AT, attr.accessed), (CREATED_AT, attr.created)] {
            self.page[at..at + 8].copy_from_slice(&v.to_le_bytes());
        }
        self.page[LINKS_AT..LINKS_AT + 4].copy_from_slice(&attr.links.to_le_bytes());
    }
}
