//! `--disk PATH`: the raw image behind the guest's virtio-blk disk. A
//! missing image is created, 16 MiB of zeros (the filesystem service
//! formats a blank disk on first use); an existing one is used as it is,
//! so what the guest stored is there on the next run. With `--format` it
//! is formatted here first, with the service's own format library (as
//! `xous-fs format`): the service refuses, and never writes, a disk that
//! is neither blank nor its filesystem.
//!
//! A writable disk also gets a copy of the program, at
//! `/run/xous-run/<file name>` (`xous_abi::services::proc::BOOT_EXE_DIR`),
//! so that `std::env::current_exe` names a file `std::process::Command`
//! can start: a program that starts another copy of itself, as test
//! harnesses do. A disk the filesystem refuses is left alone (the service
//! says why at boot).
//!
//! `--mirror-cwd` puts a copy of the host's working directory there, at the
//! same absolute path, and the program starts in it: `cargo test` runs a
//! test program in its package's directory, and many suites read their own
//! files (fixtures, README.md) from it, or from `env!("CARGO_MANIFEST_DIR")`,
//! which holds the host's path.

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

/// Puts `program` at `BOOT_EXE_DIR/<its file name>` in the image at
/// `disk`, unless the image is not (or cannot become) our filesystem.
/// Whether it is there; a failure on our own filesystem (no room) is said
/// on stderr, and the run goes on.
pub fn put_program(disk: &Path, program: &Path) -> bool {
    let Ok(mut fs) = xous_fs::mount(disk, true) else { return false };
    let dir = xous_abi::services::proc::BOOT_EXE_DIR.as_bytes();
    let name = program.file_name().map(|n| n.as_encoded_bytes().to_vec()).unwrap_or_default();
    let mut path = dir.to_vec();
    path.push(b'/');
    path.extend_from_slice(&name);
    let put = xous_fs::ops::mkdir(&mut fs, dir, true).and_then(|()| xous_fs::ops::put(&mut fs, program, &path));
    if let Err(why) = &put {
        eprintln!("xous-run: the program is not on the disk, so current_exe() will not find it: {why}");
    }
    put.is_ok()
}

/// What `--mirror-cwd` copies of `dir`: its files, recursively, but not
/// `target/` (build output, often gigabytes) nor directories whose name
/// starts with a dot (`.git`); symbolic links are followed. Each file's host
/// path and its size.
pub fn mirrored_files(dir: &Path) -> Result<Vec<(std::path::PathBuf, u64)>, String> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(at) = dirs.pop() {
        let entries = std::fs::read_dir(&at).map_err(|e| format!("--mirror-cwd: cannot list {}: {e}", at.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("--mirror-cwd: cannot list {}: {e}", at.display()))?;
            let path = entry.path();
            let meta = std::fs::metadata(&path).map_err(|e| format!("--mirror-cwd: cannot read {}: {e}", path.display()))?;
            let name = entry.file_name();
            if meta.is_dir() {
                let name = name.to_string_lossy();
                if !name.starts_with('.') && !(at == dir && name == "target") {
                    dirs.push(path);
                }
            } else if meta.is_file() {
                files.push((path, meta.len()));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// A disk for `files` and the program's copy (`program` bytes, which
/// `put_program` adds: a debug test program can be tens of MiB): their
/// bytes with room to spare (a quarter more, and 16 MiB for what the
/// program writes), in whole MiB.
pub fn size_for(files: &[(std::path::PathBuf, u64)], program: u64) -> u64 {
    let bytes: u64 = files.iter().map(|(_, len)| len.next_multiple_of(4096) + 4096).sum::<u64>() + program.next_multiple_of(4096);
    (bytes + bytes / 4 + NEW_IMAGE_BYTES).next_multiple_of(1 << 20)
}

/// Copies `files` of host directory `dir` into the image at `disk`, each at
/// its own absolute path (so `dir` is at the same path in the guest as on
/// the host).
pub fn mirror(disk: &Path, dir: &Path, files: &[(std::path::PathBuf, u64)]) -> Result<(), String> {
    let mut fs = xous_fs::mount(disk, true)?;
    let guest = |path: &Path| path.to_str().map(|p| p.as_bytes().to_vec()).ok_or_else(|| format!("--mirror-cwd: {} is not UTF-8", path.display()));
    // Each directory made once (with the ones above it), then the files.
    let dirs: std::collections::BTreeSet<&Path> =
        std::iter::once(dir).chain(files.iter().filter_map(|(path, _)| path.parent())).collect();
    for dir in dirs {
        xous_fs::ops::mkdir(&mut fs, &guest(dir)?, true).map_err(|e| format!("--mirror-cwd: {e}"))?;
    }
    for (path, _) in files {
        xous_fs::ops::put(&mut fs, path, &guest(path)?).map_err(|e| format!("--mirror-cwd: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mirror_disk_has_room_for_the_files_and_the_program() {
        let files = vec![(std::path::PathBuf::from("a"), 1), (std::path::PathBuf::from("b"), 10 << 20)];
        let size = size_for(&files, 40 << 20);
        assert!(size >= (50 << 20) + NEW_IMAGE_BYTES, "{size}");
        assert_eq!(size % (1 << 20), 0);
        assert_eq!(size_for(&[], 0), NEW_IMAGE_BYTES);
    }

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
    fn the_program_is_put_on_a_blank_or_our_disk_and_never_on_another() {
        let dir = tempfile::tempdir().unwrap();
        let program = dir.path().join("app");
        std::fs::write(&program, b"\x7fELF and the rest").unwrap();
        let disk = dir.path().join("disk.img");
        prepare(&disk, false).unwrap();
        assert!(put_program(&disk, &program), "a blank disk");
        std::fs::write(&program, b"a newer build").unwrap();
        assert!(put_program(&disk, &program), "again: replaced");
        let mut fs = xous_fs::mount(&disk, false).unwrap();
        let mut out = Vec::new();
        xous_fs::ops::copy_out(&mut fs, b"/run/xous-run/app", &mut out).unwrap();
        assert_eq!(out, b"a newer build");
        let noise = dir.path().join("noise.img");
        std::fs::write(&noise, vec![0xa5u8; 1 << 20]).unwrap();
        assert!(!put_program(&noise, &program));
        assert_eq!(std::fs::read(&noise).unwrap(), vec![0xa5u8; 1 << 20], "not written");
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
