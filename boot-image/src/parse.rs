//! `parse`: every check of the image's structure, before any of it is used.
//! The header first (so that every offset read later is known to be in
//! bounds), then the CRC of header and directory, then each process on its
//! own (`process::read_process`), then what relates processes to each other.
//! `verify_data` checks the CRC of each process's data, for the host tools.
//! Checked arithmetic throughout; no panics and no allocation on any input.

use crate::crc32::{crc32, Crc32};
use crate::error::{ImageError, Name, ProcessError};
use crate::image::{Header, Image};
use crate::layout::{self, entry, header, read_u32, segment};
use crate::process::read_process;
use xous_abi::memory::is_page_aligned;

/// Checks `bytes` as a boot image and returns a view of it. `bytes` may run
/// past the image (the kernel may pass the rest of RAM); only the first
/// `image_len` bytes the header declares are the image.
pub fn parse(bytes: &[u8]) -> Result<Image<'_>, ImageError> {
    let header = read_header(bytes)?;
    let image_len = header.image_len as usize;
    if image_len > xous_abi::memory::BOOT_IMAGE_MAX {
        return Err(ImageError::ImageTooLarge { declared: header.image_len });
    }
    if image_len > bytes.len() {
        return Err(ImageError::Truncated { declared: header.image_len, available: bytes.len() });
    }
    if image_len < layout::HEADER_PAGE_LEN {
        return Err(ImageError::ImageLenTooSmall { declared: header.image_len });
    }
    let bytes = &bytes[..image_len];
    let directory = directory(bytes, &header)?;

    let mut crc = Crc32::new();
    crc.update(&bytes[..header::CRC]);
    crc.update(&[0; 4]);
    crc.update(&bytes[header::CRC + 4..layout::HEADER_PAGE_LEN]);
    crc.update(directory);
    let computed = crc.finish();
    if computed != header.crc {
        return Err(ImageError::HeaderCrc { stored: header.crc, computed });
    }

    check_kernel(&header)?;
    check_directory_placement(&header)?;
    let tables_end = check_processes(bytes, &header)?;
    check_store(&header, tables_end)?;
    Ok(Image { bytes, header })
}

/// The fixed part of the header: jump, magic, version, then the fields.
fn read_header(bytes: &[u8]) -> Result<Header, ImageError> {
    if bytes.len() < layout::HEADER_PAGE_LEN {
        return Err(ImageError::TooShort { len: bytes.len() });
    }
    // In bounds: the header page is there.
    let field = |at: usize| read_u32(bytes, at).unwrap_or(0);
    let jump = field(header::JUMP);
    if jump != layout::JUMP_TO_KERNEL {
        return Err(ImageError::BadJump { found: jump });
    }
    let mut magic = [0; 8];
    magic.copy_from_slice(&bytes[header::MAGIC..header::MAGIC + 8]);
    if magic != layout::MAGIC {
        return Err(ImageError::BadMagic { found: magic });
    }
    let version = field(header::VERSION);
    if version != layout::VERSION {
        return Err(ImageError::UnsupportedVersion { found: version });
    }
    let flags = field(header::FLAGS);
    if flags & !layout::flags::ALL != 0 {
        return Err(ImageError::UnknownFlags { found: flags });
    }
    Ok(Header {
        version,
        flags,
        load_address: field(header::LOAD_ADDRESS),
        image_len: field(header::IMAGE_LEN),
        kernel_offset: field(header::KERNEL_OFFSET),
        kernel_file_size: field(header::KERNEL_FILE_SIZE),
        kernel_memory_size: field(header::KERNEL_MEMORY_SIZE),
        directory_offset: field(header::DIRECTORY_OFFSET),
        directory_len: field(header::DIRECTORY_LEN),
        process_count: field(header::PROCESS_COUNT),
        crc: field(header::CRC),
        store_pages: field(header::STORE_PAGES),
        store_digests: field(header::STORE_DIGESTS),
    })
}

/// The directory's bytes, if the image holds them.
fn directory<'a>(bytes: &'a [u8], header: &Header) -> Result<&'a [u8], ImageError> {
    let start = header.directory_offset as usize;
    start.checked_add(header.directory_len as usize).and_then(|end| bytes.get(start..end)).ok_or(
        ImageError::DirectoryOutOfBounds {
            offset: header.directory_offset,
            len: header.directory_len,
            image_len: header.image_len,
        },
    )
}

fn check_kernel(header: &Header) -> Result<(), ImageError> {
    let (file_size, memory_size) = (header.kernel_file_size, header.kernel_memory_size);
    if header.kernel_offset as usize != layout::KERNEL_OFFSET {
        return Err(ImageError::KernelOffset { found: header.kernel_offset });
    }
    if memory_size == 0 || !is_page_aligned(memory_size as usize) {
        return Err(ImageError::KernelMemoryUnaligned { memory_size });
    }
    if file_size > memory_size {
        return Err(ImageError::KernelFileLargerThanMemory { file_size, memory_size });
    }
    if memory_size as usize > layout::KERNEL_WINDOW - layout::KERNEL_OFFSET {
        return Err(ImageError::KernelTooLarge { memory_size });
    }
    Ok(())
}

/// The directory follows the kernel's memory; the image fits below 4 GiB
/// where it is loaded; the directory holds the entries it claims.
fn check_directory_placement(header: &Header) -> Result<(), ImageError> {
    // Cannot overflow: check_kernel bounded the memory size by 4 MiB.
    let kernel_end = (layout::KERNEL_OFFSET + header.kernel_memory_size as usize) as u32;
    if header.directory_offset < kernel_end {
        return Err(ImageError::DirectoryOverlapsKernel { offset: header.directory_offset, kernel_end });
    }
    if !header.directory_offset.is_multiple_of(4) {
        return Err(ImageError::DirectoryUnaligned { offset: header.directory_offset });
    }
    let address = header.load_address;
    if !is_page_aligned(address as usize) || address.checked_add(header.image_len).is_none() {
        return Err(ImageError::LoadAddress { address, image_len: header.image_len });
    }
    let count = header.process_count;
    if count as usize > layout::MAX_PROCESSES {
        return Err(ImageError::TooManyProcesses { count });
    }
    if count as usize * entry::LEN > header.directory_len as usize {
        return Err(ImageError::DirectoryTooSmall { count, len: header.directory_len });
    }
    Ok(())
}

/// The program store's digest table: one digest a page, in the directory
/// after the segment tables (so the CRC covers it); none without a store.
fn check_store(header: &Header, tables_end: usize) -> Result<(), ImageError> {
    let (pages, offset) = (header.store_pages, header.store_digests);
    let bad = ImageError::StoreDigests { pages, offset };
    if pages == 0 {
        return if offset == 0 { Ok(()) } else { Err(bad) };
    }
    let directory_end = header.directory_offset as usize + header.directory_len as usize;
    let end = (pages as usize).checked_mul(layout::store::DIGEST_LEN).and_then(|len| (offset as usize).checked_add(len));
    let inside = end.is_some_and(|end| end <= directory_end);
    if pages > layout::store::MAX_PAGES || (offset as usize) < tables_end || !offset.is_multiple_of(4) || !inside {
        return Err(bad);
    }
    Ok(())
}

/// Each process on its own, then: data areas and segment tables in boot
/// order without overlap, one MAIN at most. Where the last table ends.
fn check_processes(bytes: &[u8], header: &Header) -> Result<usize, ImageError> {
    let directory_end = header.directory_offset as usize + header.directory_len as usize;
    let mut data_bound = directory_end;
    let mut table_bound = header.directory_offset as usize + header.process_count as usize * entry::LEN;
    let mut main = None;
    for index in 0..header.process_count {
        let process = read_process(bytes, header, index)?;
        let fail = |error| ImageError::Process { index, name: Name::new(process.name), error };
        if (process.data_offset as usize) < data_bound {
            let bound = data_bound as u32;
            return Err(fail(ProcessError::DataOverlap { offset: process.data_offset, bound }));
        }
        data_bound = process.data_offset as usize + process.data.len();
        if (process.segment_table_offset as usize) < table_bound {
            let (offset, bound) = (process.segment_table_offset, table_bound as u32);
            return Err(fail(ProcessError::SegmentTableOverlap { offset, bound }));
        }
        table_bound = process.segment_table_offset as usize + process.segment_count as usize * segment::LEN;
        if process.is_main() {
            if let Some(first) = main {
                return Err(fail(ProcessError::SecondMain { first }));
            }
            main = Some(index);
        }
    }
    Ok(table_bound)
}

/// Checks the CRC of every process's data (its parameter block and segment
/// bytes) in an image `parse` accepted. Not part of `parse`: it reads every
/// byte of the image (about 7 instructions a byte, most of a boot when the
/// kernel did it), and nothing the kernel does depends on those bytes being
/// the ones written: `parse` has checked every place and size they go to.
/// Whoever moves the image checks it: the host tools after writing and
/// before handing an image over (`xous-image`, xous-run), the chip's boot1
/// with its signature over the whole image.
pub fn verify_data(image: &Image) -> Result<(), ImageError> {
    for (index, process) in image.processes().enumerate() {
        let computed = crc32(process.data);
        if computed != process.data_crc {
            let error = ProcessError::DataCrc { stored: process.data_crc, computed };
            return Err(ImageError::Process { index: index as u32, name: Name::new(process.name), error });
        }
    }
    Ok(())
}
