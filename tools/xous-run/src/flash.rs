//! The boot image in QEMU virt's flash: the board boots from its first
//! flash bank (pflash0), where the image stays while the kernel runs, so
//! that only what the kernel copies or gives to processes takes guest RAM
//! (`--memory` is all the RAM the kernel manages, however large the
//! program). QEMU wants the bank's file exactly as large as the bank: the
//! image, then zeros up to board::qemu_virt::FLASH_SIZE, in a sparse
//! temporary file removed when the run ends.

use board::qemu_virt::FLASH_SIZE;
use std::io::Write;
use tempfile::NamedTempFile;

// The largest image the kernel accepts fits in the bank.
const _: () = assert!(xous_abi::memory::BOOT_IMAGE_MAX <= FLASH_SIZE);

/// A temporary file holding the flash bank with `image` at its start.
pub fn with_image(image: &[u8]) -> Result<NamedTempFile, String> {
    if image.len() > FLASH_SIZE {
        return Err(format!("the boot image ({} bytes) is larger than QEMU's flash ({FLASH_SIZE} bytes)", image.len()));
    }
    let file = tempfile::Builder::new().prefix("xous-run-flash-").suffix(".img").tempfile();
    let mut file = file.map_err(|e| format!("cannot create a temporary file for the flash: {e}"))?;
    file.write_all(image).map_err(|e| format!("cannot write the image into the flash file: {e}"))?;
    file.as_file().set_len(FLASH_SIZE as u64).map_err(|e| format!("cannot size the flash file: {e}"))?;
    Ok(file)
}

/// QEMU's option for the flash bank in `file`: read-only, as the kernel
/// treats it (it never writes its boot image).
pub fn drive(file: &std::path::Path) -> String {
    format!("if=pflash,unit=0,format=raw,readonly=on,file={}", file.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bank_is_the_image_then_zeros() {
        let file = with_image(b"\x6f\x00\x00\x00image").unwrap();
        let bytes = std::fs::read(file.path()).unwrap();
        assert_eq!(bytes.len(), FLASH_SIZE);
        assert_eq!(&bytes[..9], b"\x6f\x00\x00\x00image");
        assert!(bytes[9..].iter().all(|&b| b == 0));
        let path = file.path().to_path_buf();
        drop(file);
        assert!(!path.exists(), "removed with the run");
    }

    #[test]
    fn an_image_larger_than_the_bank_is_refused() {
        assert!(with_image(&vec![0; FLASH_SIZE + 1]).unwrap_err().contains("larger than QEMU's flash"));
    }

    #[test]
    fn the_drive_is_read_only_pflash0() {
        assert_eq!(drive(std::path::Path::new("/tmp/f.img")), "if=pflash,unit=0,format=raw,readonly=on,file=/tmp/f.img");
    }
}
