//! Paths as the protocol carries them: bytes, `/`-separated, relative ones
//! taken from the root. `.` is dropped and `..` goes up a level (there are
//! no links, so this is where the path really leads; above the root is the
//! root). Names must be 1..=255 bytes without NUL.

use crate::error::{FsError, Result};
use crate::layout::NAME_MAX;
use alloc::vec::Vec;

/// The names from the root to what `path` names; whether it ended in `/`.
pub fn components(path: &[u8]) -> Result<(Vec<&[u8]>, bool)> {
    let mut names = Vec::new();
    for name in path.split(|&b| b == b'/') {
        match name {
            b"" | b"." => {}
            b".." => {
                names.pop();
            }
            _ if name.len() > NAME_MAX || name.contains(&0) => return Err(FsError::InvalidFilename),
            _ => names.push(name),
        }
    }
    if path.contains(&0) {
        return Err(FsError::InvalidFilename);
    }
    Ok((names, path.ends_with(b"/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_and_slashes() {
        let (names, slash) = components(b"/a/./b//../c/").unwrap();
        assert_eq!(names, [&b"a"[..], b"c"]);
        assert!(slash);
        assert_eq!(components(b"../../x").unwrap().0, [&b"x"[..]]);
        assert!(components(b"").unwrap().0.is_empty());
        assert_eq!(components(b"a\0b"), Err(FsError::InvalidFilename));
        assert_eq!(components(&[b'n'; 256]), Err(FsError::InvalidFilename));
        assert!(components(&[b'n'; 255]).is_ok());
    }
}
