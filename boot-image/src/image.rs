//! The parsed image: the header's fields and a borrowed view of the bytes,
//! from which processes are read on demand (nothing is copied or allocated).
//! An [`Image`] exists only after [`crate::parse`] has checked everything.

use crate::process::Processes;

/// The header's fields (see FORMAT.md for their offsets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub version: u32,
    /// The physical address the image was built to be loaded at.
    pub load_address: u32,
    /// Bytes of the whole image.
    pub image_len: u32,
    /// Always 0x1000.
    pub kernel_offset: u32,
    /// Bytes of the kernel stored at `kernel_offset`.
    pub kernel_file_size: u32,
    /// Bytes of RAM the kernel occupies from `kernel_offset` (its .bss and
    /// boot stack included), whole pages.
    pub kernel_memory_size: u32,
    pub directory_offset: u32,
    pub directory_len: u32,
    pub process_count: u32,
    /// CRC-32 of the header page (this field read as zero) and the directory.
    pub crc: u32,
    /// `layout::flags`.
    pub flags: u32,
    /// Pages of the program store the image's segments use (0: none).
    pub store_pages: u32,
    /// Where the digest table of those pages is (in the directory).
    pub store_digests: u32,
}

/// A validated boot image.
#[derive(Clone, Copy, Debug)]
pub struct Image<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) header: Header,
}

impl<'a> Image<'a> {
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The image's bytes: exactly `header().image_len` of them, even when
    /// `parse` was given more (the rest of RAM, say).
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The SHA-256 digest page `page` of the program store must have.
    pub fn store_digest(&self, page: usize) -> Option<&'a [u8; crate::layout::store::DIGEST_LEN]> {
        if page >= self.header.store_pages as usize {
            return None;
        }
        let at = self.header.store_digests as usize + page * crate::layout::store::DIGEST_LEN;
        self.bytes.get(at..at + crate::layout::store::DIGEST_LEN)?.try_into().ok()
    }

    /// The initial processes, in boot order.
    pub fn processes(&self) -> Processes<'a> {
        Processes::new(*self)
    }
}
