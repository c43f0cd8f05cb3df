//! The image builder: reads a kernel ELF and process ELFs from disk, takes
//! from each what the boot image needs, and writes the image with
//! `boot_image::write`. Used by `xous-run` and by the `xous-image` command.
//! Every error names the file (or the process) it is about.

mod elf;

pub use elf::{read_executable, Executable, LoadSegment};

use boot_image::{ImageError, KernelSegment, ProcessInput, ProcessSegment, WriteError};
use std::fmt;
use std::path::{Path, PathBuf};

/// Where the board has RAM, and so loads the image: the board crate's
/// `RAM_BASE` (the machine's facts live there, not here).
pub const BOARD_LOAD_ADDRESS: u32 = {
    assert!(board::RAM_BASE <= u32::MAX as usize, "the boot image format has 32-bit addresses");
    board::RAM_BASE as u32
};

/// An initial process: which ELF, under what name, with what parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessSpec {
    /// At most 64 bytes of UTF-8.
    pub name: String,
    pub path: PathBuf,
    /// Its whole argv, argv\[0\] first.
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Its exit ends the run (at most one process).
    pub main: bool,
    /// A service started when first asked for, not at boot (never MAIN).
    pub on_demand: bool,
    /// The working directory it starts in (`/` if none), given as std's
    /// `Proc` parameter block with console stdio, as the process manager
    /// gives a child's (`xous_abi::services::proc`).
    pub cwd: Option<String>,
    /// Its segments' bytes go to the program store (the board's external
    /// flash), not the image: a program larger than the board's read-only
    /// memory (`build_image_split`).
    pub in_store: bool,
}

/// The `Proc` block of a process started in `cwd` with the console as its
/// stdin, stdout and stderr.
pub fn proc_block(cwd: &str) -> Vec<u8> {
    use xous_abi::services::proc as p;
    let mut data = vec![0u8; p::PROC_CWD_AT];
    for n in 0..3 {
        data[p::PROC_KINDS_AT + 4 * n..][..4].copy_from_slice(&p::stdio::CONSOLE.to_le_bytes());
    }
    data[p::PROC_CWD_LEN_AT..][..4].copy_from_slice(&(cwd.len() as u32).to_le_bytes());
    data.extend_from_slice(cwd.as_bytes());
    data
}

/// Why an image could not be built, ready to show.
#[derive(Debug, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// Builds the image of `kernel` and `processes` (in boot order), to be
/// loaded at `load_address`.
pub fn build_image(load_address: u32, kernel: &Path, processes: &[ProcessSpec]) -> Result<Vec<u8>, Error> {
    build_image_with(load_address, 0, kernel, processes)
}

/// `build_image`, with the header's flags (`boot_image::layout::flags`:
/// MODEL for a run on a model of the machine under xous-run).
pub fn build_image_with(load_address: u32, flags: u32, kernel: &Path, processes: &[ProcessSpec]) -> Result<Vec<u8>, Error> {
    let written = build_image_split(load_address, flags, kernel, processes)?;
    if !written.store.is_empty() {
        return Err(Error(format!("cannot build the boot image: {}", WriteError::StoreNotKept)));
    }
    Ok(written.image)
}

/// `build_image_with`, for processes whose bytes may go to the program
/// store (`ProcessSpec::in_store`): the image and the store.
pub fn build_image_split(load_address: u32, flags: u32, kernel: &Path, processes: &[ProcessSpec]) -> Result<boot_image::Written, Error> {
    let kernel_exe = read_elf(kernel)?;
    check_kernel_entry(load_address, kernel, &kernel_exe)?;
    let kernel_segments: Vec<KernelSegment> = kernel_exe
        .segments
        .iter()
        .filter(|s| !is_memory_outside_image(load_address, s))
        .map(|s| KernelSegment { paddr: s.paddr, mem_size: s.mem_size, bytes: &s.bytes })
        .collect();

    let executables = processes.iter().map(|p| read_elf(&p.path)).collect::<Result<Vec<_>, _>>()?;
    let segments: Vec<Vec<ProcessSegment>> =
        executables.iter().map(|exe| exe.segments.iter().map(process_segment).collect()).collect();
    let args: Vec<Vec<&str>> = processes.iter().map(|p| p.args.iter().map(String::as_str).collect()).collect();
    let env: Vec<Vec<(&str, &str)>> =
        processes.iter().map(|p| p.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()).collect();
    let proc_blocks: Vec<Vec<u8>> = processes.iter().map(|p| p.cwd.as_deref().map(proc_block).unwrap_or_default()).collect();
    let blocks: Vec<Vec<([u8; 4], &[u8])>> = processes
        .iter()
        .zip(&proc_blocks)
        .map(|(p, data)| if p.cwd.is_some() { vec![(xous_abi::services::proc::PROC_BLOCK_MAGIC, &data[..])] } else { Vec::new() })
        .collect();
    let inputs: Vec<ProcessInput> = processes
        .iter()
        .enumerate()
        .map(|(i, p)| ProcessInput {
            name: &p.name,
            main: p.main,
            on_demand: p.on_demand,
            entry: executables[i].entry,
            eh_frame: executables[i].eh_frame,
            args: &args[i],
            env: &env[i],
            blocks: &blocks[i],
            segments: &segments[i],
            in_store: p.in_store,
        })
        .collect();

    boot_image::write_split(load_address, flags, &kernel_segments, &inputs).map_err(|e| explain(e, kernel, processes))
}

/// Puts the writer's error in terms of the file it is about.
fn explain(error: WriteError, kernel: &Path, processes: &[ProcessSpec]) -> Error {
    let process_path = |index: usize| processes.get(index).map(|p| p.path.as_path());
    let path = match &error {
        WriteError::NoKernel
        | WriteError::KernelSegmentOutOfRange { .. }
        | WriteError::KernelSegmentFileLargerThanMemory { .. }
        | WriteError::KernelSegmentsOverlap { .. } => Some(kernel),
        WriteError::NameLength { index, .. } | WriteError::Params { index, .. } | WriteError::ParamsTooLarge { index, .. } => process_path(*index),
        WriteError::Invalid(ImageError::Process { index, .. }) => process_path(*index as usize),
        _ => None,
    };
    match path {
        Some(path) => Error(format!("{}: {error}", path.display())),
        None => Error(format!("cannot build the boot image: {error}")),
    }
}

/// A kernel that executes in place from read-only memory (the
/// Baochip-1x's) keeps its zero-initialised memory (state, stack, tables)
/// in RAM, away from the image: a segment with no bytes to store outside
/// the image's 4 MiB is no part of the image (the kernel clears it at
/// boot; FORMAT.md).
fn is_memory_outside_image(load_address: u32, s: &LoadSegment) -> bool {
    let image = load_address as u64..load_address as u64 + boot_image::layout::KERNEL_WINDOW as u64;
    s.bytes.is_empty() && !image.contains(&(s.paddr as u64))
}

fn process_segment(s: &LoadSegment) -> ProcessSegment<'_> {
    ProcessSegment { vaddr: s.vaddr, mem_size: s.mem_size, flags: s.flags, bytes: &s.bytes }
}

fn read_elf(path: &Path) -> Result<Executable, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error(format!("cannot read {}: {e}", path.display())))?;
    read_executable(&bytes).map_err(|why| Error(format!("{}: {why}", path.display())))
}

/// The image jumps to its offset 0x1000: the kernel's entry point must be
/// the byte loaded there.
fn check_kernel_entry(load_address: u32, path: &Path, kernel: &Executable) -> Result<(), Error> {
    let expected = load_address.wrapping_add(boot_image::layout::KERNEL_OFFSET as u32);
    match kernel.physical(kernel.entry) {
        Some(physical) if physical == expected => Ok(()),
        found => Err(Error(format!(
            "{}: the kernel's entry point {:#x} is {}, but the boot image starts the kernel at physical {expected:#x} \
             (load address + 0x1000): link the entry code first, at that address",
            path.display(),
            kernel.entry,
            found.map_or("in no segment".to_string(), |p| format!("at physical {p:#x}")),
        ))),
    }
}

#[cfg(test)]
mod tests;
