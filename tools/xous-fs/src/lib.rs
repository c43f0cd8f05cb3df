//! xous-fs: the disk images of `xous-run --disk` on the host. Formatting,
//! checking, and moving files in and out, with the very format library the
//! filesystem service runs (services/fs's lib, host-built), over the image
//! file (`image.rs`). The command line is `main.rs`; the commands' work is
//! here (`ops.rs`), so that xous-run formats an image (`--format`) with
//! the same code.
//!
//! An image is used as it is: a blank one (all zeros, as xous-run makes
//! it) is formatted by the first command that writes, as the service
//! would; one holding anything that is not our filesystem, or ours damaged
//! beyond repair, is refused and not written (`check` says what is wrong).

pub mod image;
pub mod ops;

use block::BlockDevice;
use fs::{Fs, Refusal};
use image::Image;
use std::path::Path;

/// Nanoseconds since the Unix epoch: the filesystem's times.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

/// Why an image was refused, with what to do about it.
pub fn refused(path: &Path, refusal: &Refusal) -> String {
    let hint = match refusal {
        Refusal::NotOurs { .. } => format!(" (`xous-fs format {}` formats it)", path.display()),
        Refusal::Damaged(_) => format!(" (`xous-fs check {}` lists the damage)", path.display()),
        _ => String::new(),
    };
    format!("{}: refused and left as it is: {refusal}{hint}", path.display())
}

/// Mounts the filesystem on the image at `path`; read-only unless
/// `writable` (then a blank image is formatted, as the service does).
pub fn mount(path: &Path, writable: bool) -> Result<Fs<Image>, String> {
    let image = Image::open(path, writable).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    Fs::mount(image, now()).map_err(|refusal| match refusal {
        Refusal::ReadOnly if !writable => {
            format!("{}: blank (all zeros): no filesystem yet (`xous-fs format`, a `put` or a `mkdir` makes one)", path.display())
        }
        refusal => refused(path, &refusal),
    })
}

/// Formats the image at `path`, whatever it holds: created if missing
/// (`size` bytes, else 16 MiB), resized first if `size` is given. The
/// filesystem's size in blocks.
pub fn format_image(path: &Path, size: Option<u64>) -> Result<u32, String> {
    let exists = path.try_exists().map_err(|e| format!("cannot look at {}: {e}", path.display()))?;
    let sized = match (exists, size) {
        (false, size) => image::create(path, size.unwrap_or(image::NEW_IMAGE_BYTES)),
        (true, Some(size)) => image::resize(path, size),
        (true, None) => Ok(()),
    };
    sized.map_err(|e| format!("cannot {} {}: {e}", if exists { "resize" } else { "create" }, path.display()))?;
    let image = Image::open(path, true).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let mut fs = Fs::format(image, now()).map_err(|refusal| format!("cannot format {}: {refusal}", path.display()))?;
    Ok(fs.device().block_count())
}
