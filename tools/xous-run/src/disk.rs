//! `--disk PATH`: the raw image behind the guest's virtio-blk disk. A
//! missing image is created, 16 MiB of zeros (the filesystem service
//! formats it on first use); an existing one is used as it is, so what
//! the guest stored is there on the next run.

use std::fs::OpenOptions;
use std::path::Path;

/// The size of a new image.
pub const NEW_IMAGE_BYTES: u64 = 16 << 20;

/// Creates the image if it does not exist yet.
pub fn prepare(path: &Path) -> Result<(), String> {
    if path.exists() {
        return Ok(());
    }
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| format!("cannot create the disk image {}: {e}", path.display()))?;
    file.set_len(NEW_IMAGE_BYTES).map_err(|e| format!("cannot size the disk image {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_image_is_made_once_and_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("disk.img");
        prepare(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), NEW_IMAGE_BYTES);
        std::fs::write(&path, b"kept").unwrap();
        prepare(&path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"kept");
        assert!(prepare(&dir.path().join("no/such/dir.img")).is_err());
    }
}
