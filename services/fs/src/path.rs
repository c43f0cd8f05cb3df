//! Paths as the protocol carries them: bytes, `/`-separated, relative ones
//! taken from the root (a symbolic link's relative target: from the link's
//! directory). Here a path is only split into names; the walk in `fs.rs`
//! gives `.`, `..` and links their meaning, since with links `..` depends
//! on where the path really led. Names must be 1..=255 bytes without NUL.

use crate::error::{FsError, Result};
use crate::layout::NAME_MAX;
use alloc::vec::Vec;

/// Pushes the names of `path` onto `pending` so that popping gives them in
/// order (empty names, from `//` and the ends, are dropped; `.` and `..`
/// stay). A NUL anywhere is an invalid name.
pub fn push_names(pending: &mut Vec<Vec<u8>>, path: &[u8]) -> Result<()> {
    if path.contains(&0) {
        return Err(FsError::InvalidFilename);
    }
    pending.extend(path.split(|&b| b == b'/').rev().filter(|n| !n.is_empty()).map(<[u8]>::to_vec));
    Ok(())
}

/// Whether `name` may be a directory entry's name.
pub fn check_name(name: &[u8]) -> Result<()> {
    if name.is_empty() || name.len() > NAME_MAX || name.contains(&0) || name == b"." || name == b".." {
        return Err(FsError::InvalidFilename);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_order_dots_kept() {
        let mut pending = Vec::new();
        push_names(&mut pending, b"/a/./b//../c/").unwrap();
        pending.reverse();
        assert_eq!(pending, [&b"a"[..], b".", b"b", b"..", b"c"]);
        let mut none = Vec::new();
        push_names(&mut none, b"").unwrap();
        assert!(none.is_empty());
        assert_eq!(push_names(&mut none, b"a\0b"), Err(FsError::InvalidFilename));
        assert_eq!(check_name(&[b'n'; 256]), Err(FsError::InvalidFilename));
        assert!(check_name(&[b'n'; 255]).is_ok());
        assert_eq!(check_name(b".."), Err(FsError::InvalidFilename));
    }
}
