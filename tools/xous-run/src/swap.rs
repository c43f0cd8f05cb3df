//! `--swap SIZE`: the disk the kernel swaps pages to (encrypted) when RAM
//! runs short, on a sparse host file of SIZE bytes. Swap never outlives a
//! boot, so the file starts empty on every run: a temporary one, removed
//! when the run ends, or `--swap-file PATH`, kept afterwards for a test to
//! look at what the kernel wrote, or to change it under the running guest.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;

/// The swap disk's file, for as long as the run lasts.
pub enum SwapFile {
    Kept(PathBuf),
    Temporary(NamedTempFile),
}

impl SwapFile {
    pub fn path(&self) -> &Path {
        match self {
            SwapFile::Kept(path) => path,
            SwapFile::Temporary(file) => file.path(),
        }
    }
}

/// Makes the swap disk's file: `bytes` of zeros (sparse: the host gives it
/// only the blocks written), at `path` (whatever it held is gone) or in a
/// temporary file.
pub fn prepare(bytes: u64, path: Option<&Path>) -> Result<SwapFile, String> {
    match path {
        Some(path) => {
            let file = OpenOptions::new().write(true).create(true).truncate(true).open(path);
            file.and_then(|file| file.set_len(bytes)).map_err(|e| format!("cannot make the swap file {}: {e}", path.display()))?;
            Ok(SwapFile::Kept(path.to_path_buf()))
        }
        None => {
            let file = tempfile::Builder::new().prefix("xous-run-swap-").suffix(".img").tempfile();
            let file = file.and_then(|file| file.as_file().set_len(bytes).map(|()| file));
            Ok(SwapFile::Temporary(file.map_err(|e| format!("cannot make a temporary swap file: {e}"))?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_file_starts_empty_and_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("swap.img");
        std::fs::write(&path, vec![0xa5u8; 3 << 20]).unwrap();
        let swap = prepare(1 << 20, Some(&path)).unwrap();
        assert_eq!(swap.path(), path);
        drop(swap);
        assert_eq!(std::fs::read(&path).unwrap(), vec![0u8; 1 << 20], "emptied, sized, and still there");
        assert!(prepare(1 << 20, Some(&dir.path().join("no/such/dir.img"))).is_err());
    }

    #[test]
    fn a_temporary_file_goes_with_the_run() {
        let swap = prepare(64 << 20, None).unwrap();
        let path = swap.path().to_path_buf();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 64 << 20);
        drop(swap);
        assert!(!path.exists());
    }
}
