//! Fuzzing boot-time loading: the boot image is the kernel's one outside
//! input at boot, and what `boot_image::parse` accepts goes straight into
//! `load_all`. Each case writes an image of random processes (segments of
//! random places, sizes and permissions, parameters, entry points; what the
//! writer refuses is a refused case), sometimes damages it (re-sealed),
//! and loads what parses into a host kernel with a random amount of RAM.
//! The image lies in the host kernel's RAM on frames the kernel owns, as at
//! boot on QEMU, or (every other case) in read-only memory outside RAM, as
//! on the Baochip-1x. Loading must start every process with exactly its
//! segments' bytes (their image pages mapped in place; from read-only
//! memory only the pages of read-only segments, the writable ones copied),
//! zeros after them and its parameter block, or fail with an error; either
//! way, once the image's other pages are freed as boot frees them, ending
//! the processes gives back every frame.

use crate::kernel::Kernel;
use crate::loader::{load_all, params_base, Stored};
use crate::mem::PAGE_SIZE;
use crate::mem::frames::KERNEL;
use crate::tests::{kernel_with_image, kernel_with_rom_image, FakePlatform};
use boot_image::layout::segment::{FLAG_R, FLAG_W, FLAG_X};
use boot_image::{parse, reseal, write, KernelSegment, ProcessInput, ProcessSegment};
use fuzz_kit::{Field, Mutator, Rng, Verdict};
use xous_abi::Error;

const LOAD: u32 = 0x8000_0000;
/// Where an image stored in read-only memory lies (outside the host
/// kernel's RAM, which starts at LOAD).
const ROM: usize = 0x6006_1000;

/// A process's segments: ascending, page-separated or not, of any size.
fn segments(rng: &mut Rng) -> Vec<(u32, u32, u32, Vec<u8>)> {
    let mut at = (rng.range(1, 0x40) * PAGE_SIZE + rng.below(PAGE_SIZE)) as u32;
    (0..rng.range(1, 4))
        .map(|_| {
            let mem_size = *rng.pick(&[1, 4, 0x800, 0xfff, 0x1000, 0x1001, 0x3000]) + rng.below(0x40) as u32;
            let file_size = match rng.below(3) {
                0 => 0,
                1 => mem_size,
                _ => rng.below(mem_size as usize + 1) as u32,
            };
            let flags = *rng.pick(&[FLAG_R, FLAG_R | FLAG_X, FLAG_R | FLAG_W, FLAG_X, FLAG_R | FLAG_W | FLAG_X]);
            let segment = (at, mem_size, flags, rng.bytes(file_size as usize));
            // The next one mostly on pages of its own; sometimes (refused)
            // right after this one, on its last page.
            let end = at + mem_size;
            let page = PAGE_SIZE as u32;
            at = match rng.one_in(8) {
                true => end,
                false => end.next_multiple_of(page) + page * rng.below(3) as u32 + rng.below(PAGE_SIZE) as u32,
            };
            segment
        })
        .collect()
}

/// A random image, as the writer makes it (None: the writer refused).
fn image(rng: &mut Rng) -> Option<Vec<u8>> {
    let kernel_len = rng.range(4, 0x1800);
    let kernel_text = rng.bytes(kernel_len);
    let kernel = [KernelSegment { paddr: LOAD + 0x1000, mem_size: kernel_text.len() as u32 + 0x2000, bytes: &kernel_text }];
    let count = rng.range(1, 4);
    let all: Vec<_> = (0..count).map(|_| segments(rng)).collect();
    let rows: Vec<Vec<ProcessSegment>> = all
        .iter()
        .map(|s| s.iter().map(|(vaddr, mem_size, flags, bytes)| ProcessSegment { vaddr: *vaddr, mem_size: *mem_size, flags: *flags, bytes }).collect())
        .collect();
    let names = ["init", "log", "a-much-longer-process-name", "x"];
    let args: Vec<&str> = vec!["prog", "an argument", ""];
    let env = [("KEY", "value"), ("EMPTY", "")];
    let processes: Vec<ProcessInput> = (0..count)
        .map(|i| {
            let executable = rows[i].iter().find(|s| s.flags & FLAG_X != 0).unwrap_or(&rows[i][0]);
            let entry = executable.vaddr + rng.below(executable.mem_size as usize) as u32 & !1;
            let eh_frame = if rng.one_in(2) { 0 } else { rows[i][rng.below(rows[i].len())].vaddr };
            let args = &args[..rng.below(args.len() + 1)];
            ProcessInput { name: names[i], main: i + 1 == count, on_demand: false, entry, eh_frame, args, env: &env[..rng.below(3)], blocks: &[], in_store: false, segments: &rows[i] }
        })
        .collect();
    write(LOAD, &kernel, &processes).ok()
}

/// The pids in use, ascending (the loader takes the lowest free one each time).
fn pids(k: &Kernel<FakePlatform>) -> Vec<u8> {
    (0..=u8::MAX).filter(|&pid| k.procs.get(pid).is_some()).collect()
}

#[test]
fn loading_starts_each_process_whole_or_fails_cleanly() {
    let header: Vec<Field> = (0..0x34).step_by(4).map(Field::le32).collect();
    fuzz_kit::run("kernel-loader", 600, |rng| {
        let Some(mut bytes) = image(rng) else { return Verdict::Refused };
        let damaged = rng.one_in(3);
        if damaged {
            let mut fields = header.clone();
            let directory = Field::le32(0x28).get(&bytes).unwrap_or(0) as usize;
            fields.extend((0..0x6c * 4).step_by(4).map(|o| Field::le32(directory + o)));
            Mutator { fields: &fields, block: PAGE_SIZE, max_len: bytes.len() + PAGE_SIZE }.mutate_some(&mut bytes, rng, 3);
            reseal(&mut bytes);
        }
        let Ok(image) = parse(&bytes) else { return Verdict::Refused };
        // The image in RAM at LOAD on the kernel's frames, as boot has it
        // on QEMU; or in read-only memory, as on the Baochip-1x.
        let image_len = image.header().image_len as usize;
        let stored = if rng.one_in(2) { Stored::Rom(ROM) } else { Stored::Ram(LOAD as usize) };
        let mut k = match stored {
            Stored::Ram(_) => kernel_with_image(&bytes[..image_len], rng.range(16, 160)),
            Stored::Rom(at) => kernel_with_rom_image(&bytes[..image_len], at, rng.range(16, 160)),
        };
        let free = k.frames.free_count();
        let verdict = match load_all(&mut k, &image, stored) {
            Ok(()) => {
                let pids = pids(&k);
                assert_eq!(pids.len(), image.processes().len());
                for (pid, process) in pids.into_iter().zip(image.processes()) {
                    for segment in process.segments() {
                        let mut memory = vec![0xa5u8; segment.mem_size as usize];
                        assert_eq!(k.read_user(pid, segment.vaddr as usize, &mut memory), Ok(()));
                        assert_eq!(&memory[..segment.bytes.len()], segment.bytes, "{}: its bytes", process.name);
                        assert!(memory[segment.bytes.len()..].iter().all(|&b| b == 0), "{}: zeros after", process.name);
                        if let Stored::Rom(at) = stored {
                            // Writable pages are RAM; the read-only ones the
                            // image holds are the stored pages themselves
                            // (unless damage put bytes around a segment's).
                            let space = k.procs.get(pid).unwrap().space;
                            let in_image = segment.image_pages();
                            for (i, page) in segment.pages().step_by(PAGE_SIZE).enumerate() {
                                let frame = crate::mem::pte::address(space.entry(&mut k.hw, page));
                                let image_page = in_image.start + i * PAGE_SIZE;
                                if segment.is_writable() || image_page >= in_image.end {
                                    assert!(k.frames.contains(frame), "{}: page {page:#x} in RAM", process.name);
                                } else if !damaged {
                                    assert_eq!(frame, at + image_page, "{}: page {page:#x} in place", process.name);
                                }
                            }
                        }
                    }
                    let mut params = vec![0u8; process.params.len()];
                    assert_eq!(k.read_user(pid, params_base(params.len()).unwrap(), &mut params), Ok(()));
                    assert_eq!(params, process.params);
                }
                Verdict::Accepted
            }
            Err((index, error)) => {
                assert!(index < image.processes().len());
                assert_eq!(error, Error::OutOfMemory, "only RAM can run short for a valid image");
                Verdict::Refused
            }
        };
        // As boot does: the image's pages no process took are freed (an
        // image in read-only memory has none in RAM).
        let image_pages = match stored {
            Stored::Ram(_) => image_len.div_ceil(PAGE_SIZE),
            Stored::Rom(_) => 0,
        };
        for i in 0..image_pages {
            let _ = k.frames.free(LOAD as usize + i * PAGE_SIZE, KERNEL);
        }
        for pid in pids(&k) {
            k.terminate(pid, 0);
        }
        assert_eq!(k.frames.free_count(), free + image_pages, "every frame comes back, the image's too");
        verdict
    });
}
