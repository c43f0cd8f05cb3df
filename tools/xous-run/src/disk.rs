//! `--disk PATH`: the raw image behind the guest's virtio-blk disk. A
//! missing image is created, 16 MiB of zeros (the filesystem service
//! formats a blank disk on first use); an existing one is used as it is,
//! so what the guest stored is there on the next run. With `--format` it
//! is formatted here first, with the service's own format library (as
//! `xous-fs format`): the service refuses, and never writes, a disk that
//! is neither blank nor its filesystem.

use std::fs::OpenOptions;
use std::path::Path;

/// The size of a new image.
pub const NEW_IMAGE_BYTES: u64 = 16 << 20;

/// Creates the image if it does not exist yet; formats it if asked.
pub fn prepare(path: &Path, format: bool) -> Result<(), String> {
    if !path.exists() {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| format!("cannot create the disk image {}: {e}", path.display()))?;
        file.set_len(NEW_IMAGE_BYTES).map_err(|e| format!("cannot size the disk image {}: {e}", path.display()))?;
    }
    if format {
        let blocks = xous_fs::format_image(path, None)?;
        eprintln!("xous-run: formatted {}: an empty filesystem of {blocks} blocks of 4 KiB", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_image_is_made_once_and_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("disk.img");
        prepare(&path, false).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), NEW_IMAGE_BYTES);
        std::fs::write(&path, b"kept").unwrap();
        prepare(&path, false).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"kept");
        assert!(prepare(&dir.path().join("no/such/dir.img"), false).is_err());
    }

    #[test]
    fn format_makes_a_filesystem_of_whatever_the_image_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("noise.img");
        std::fs::write(&path, vec![0xa5u8; 1 << 20]).unwrap();
        let device = xous_fs::image::Image::open(&path, false).unwrap();
        assert!(!fs::check(device).clean(), "noise is not a filesystem");
        prepare(&path, true).unwrap();
        let device = xous_fs::image::Image::open(&path, false).unwrap();
        assert!(fs::check(device).clean(), "formatted");
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 1 << 20, "the image keeps its size");
        let new = dir.path().join("new.img");
        prepare(&new, true).unwrap();
        assert!(fs::check(xous_fs::image::Image::open(&new, false).unwrap()).clean());
    }
}
