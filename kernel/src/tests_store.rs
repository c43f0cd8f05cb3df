//! Host tests of the program store (swap/store.rs): a program whose bytes
//! are in the board's flash, booted from an image in read-only memory that
//! holds their digests. Its pages come in at their first touch, as they
//! were written; a page altered in the store is never mapped and ends only
//! its process, with the report; read-only pages go back to the store for
//! nothing when the clock takes them; a board without the store refuses
//! the program at boot.

use crate::fault::Fault;
use crate::kernel::Kernel;
use crate::loader::{load_all, Stored};
use crate::mem::pte;
use crate::mem::PAGE_SIZE;
use crate::sched::ThreadRef;
use crate::tests::{call, kernel_with_rom_image, FakePlatform};
use boot_image::layout::segment::{FLAG_R, FLAG_W, FLAG_X};
use boot_image::{write_split, KernelSegment, ProcessInput, ProcessSegment, Written};
use xous_abi::console::Channel;
use xous_abi::memory::flags;
use xous_abi::{Error, Syscall};

const LOAD: u32 = 0x8000_0000;
const ROM: usize = 0x6006_1000;
const TEXT: usize = 0x1_0000;
const TEXT_PAGES: usize = 6;
const DATA: usize = 0x4_0000;

/// Byte `i` of the program's text: no two pages alike.
fn text() -> Vec<u8> {
    (0..TEXT_PAGES * PAGE_SIZE).map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[2]).collect()
}

/// An image of "log" (in the image) and "app", whose text and data are
/// in the store (data: 0x100 bytes of 0x5a, then .bss to 0x3000).
fn written() -> Written {
    let kernel_text = vec![0x13u8; 0x1800];
    let kernel = [KernelSegment { paddr: LOAD + 0x1000, mem_size: 0x4000, bytes: &kernel_text }];
    let (text, data) = (text(), vec![0x5au8; 0x100]);
    let log = [ProcessSegment { vaddr: 0x1_0000, mem_size: 0x100, flags: FLAG_R | FLAG_X, bytes: &data }];
    let app = [
        ProcessSegment { vaddr: TEXT as u32, mem_size: text.len() as u32, flags: FLAG_R | FLAG_X, bytes: &text },
        ProcessSegment { vaddr: DATA as u32, mem_size: 0x3000, flags: FLAG_R | FLAG_W, bytes: &data },
    ];
    let process = |name, main, in_store, segments| ProcessInput { name, main, on_demand: false, entry: 0x1_0000, eh_frame: 0, args: &[], env: &[], blocks: &[], in_store, segments };
    write_split(LOAD, 0, &kernel, &[process("log", false, false, &log[..]), process("app", true, true, &app[..])]).unwrap()
}

/// A kernel with `ram` frames booted from the image in read-only memory,
/// the store given to the board (and with `slots`, a swap device).
fn booted(ram: usize, slots: usize) -> (Box<Kernel<FakePlatform>>, ThreadRef, ThreadRef) {
    let Written { image, store } = written();
    let mut k = kernel_with_rom_image(&image, ROM, ram);
    k.hw.store = store;
    if slots > 0 {
        k.hw.swap = vec![(Vec::new(), [0; 16]); slots];
        k.start_swap(&[0x5a; 32]).unwrap();
    }
    load_all(&mut k, &boot_image::parse(&image).unwrap(), Stored::Rom(ROM)).unwrap();
    let pid = |k: &Kernel<FakePlatform>, name| k.procs.iter().find(|p| p.name() == name).unwrap().pid;
    let (log, app) = (pid(&k, "log"), pid(&k, "app"));
    (k, ThreadRef { pid: log, tid: 1 }, ThreadRef { pid: app, tid: 1 })
}

fn entry(k: &mut Kernel<FakePlatform>, t: ThreadRef, va: usize) -> u32 {
    k.procs.get(t.pid).unwrap().space.entry(&mut k.hw, va)
}

/// Reads `len` bytes of `t`'s memory at `va` as the process does: each
/// page's fault first if it is not mapped.
fn read(k: &mut Kernel<FakePlatform>, t: ThreadRef, va: usize, len: usize) -> Vec<u8> {
    for page in (va..va + len).step_by(PAGE_SIZE) {
        if !pte::is_valid(entry(k, t, page)) {
            k.fault(t, Fault::LoadPage, TEXT, page);
        }
    }
    let mut out = vec![0; len];
    k.read_user(t.pid, va, &mut out).unwrap();
    out
}

fn last_line(k: &Kernel<FakePlatform>) -> String {
    let (channel, line) = k.hw.console.last().expect("a line");
    assert_eq!(*channel, Channel::Kernel);
    String::from_utf8_lossy(line).into_owned()
}

#[test]
fn a_program_in_the_store_comes_in_page_by_page_as_written() {
    let (mut k, _, app) = booted(200, 0);
    assert_eq!(k.hw.store_reads, 0, "boot reads nothing of it");
    for i in 0..TEXT_PAGES {
        let e = entry(&mut k, app, TEXT + i * PAGE_SIZE);
        assert!(pte::is_stored(e) && e & pte::RWX == pte::R | pte::X, "text page {i}: {e:#x}");
    }
    k.fault(app, Fault::InstructionPage, TEXT + 2 * PAGE_SIZE, TEXT + 2 * PAGE_SIZE);
    assert_eq!(k.hw.store_reads, 1, "one touch, one page");
    assert!(pte::is_valid(entry(&mut k, app, TEXT + 2 * PAGE_SIZE)));
    assert_eq!(read(&mut k, app, TEXT, TEXT_PAGES * PAGE_SIZE), text(), "the whole text");
    assert_eq!(k.hw.store_reads, TEXT_PAGES);
    // Data: its bytes, then zeros; it is the process's own and writable.
    let data = read(&mut k, app, DATA, 0x3000);
    assert!(data[..0x100].iter().all(|&b| b == 0x5a) && data[0x100..].iter().all(|&b| b == 0));
    k.write_user(app.pid, DATA, b"changed").unwrap();
    assert_eq!(&read(&mut k, app, DATA, 7), b"changed");
    assert_eq!(k.swap.store.pages_in as usize, TEXT_PAGES + 1);
}

#[test]
fn a_page_altered_in_the_store_is_never_mapped_and_ends_only_its_process() {
    let (mut k, log, app) = booted(200, 0);
    let free = k.frames.free_count();
    k.hw.store[3 * PAGE_SIZE + 100] ^= 0x04;
    k.fault(app, Fault::InstructionPage, TEXT + 3 * PAGE_SIZE, TEXT + 3 * PAGE_SIZE);
    assert!(k.procs.get(app.pid).is_none(), "the program ended");
    let line = last_line(&k);
    let page = TEXT + 3 * PAGE_SIZE;
    assert!(line.contains(&format!("(app) terminated: program store page {page:#010x} does not match its digest in the boot image")), "{line}");
    assert!(k.procs.get(log.pid).is_some(), "the others live on");
    assert!(k.frames.free_count() > free, "its frames came back, the rejected one too");
}

#[test]
fn a_store_that_cannot_be_read_ends_the_process_with_the_report() {
    let (mut k, _, app) = booted(200, 0);
    k.hw.store.truncate(2 * PAGE_SIZE);
    k.fault(app, Fault::LoadPage, TEXT, TEXT + 4 * PAGE_SIZE);
    assert!(k.procs.get(app.pid).is_none());
    assert!(last_line(&k).contains(&format!("program store page {:#010x} could not be read", TEXT + 4 * PAGE_SIZE)));
}

/// Another process touches `pages` fresh pages, pushing others out.
fn pressure(k: &mut Kernel<FakePlatform>, t: ThreadRef, pages: usize) {
    let r = call(k, t, &[Syscall::MapMemory as usize, 0, 0, pages * PAGE_SIZE, flags::R | flags::W]);
    assert_eq!(r[0], xous_abi::SyscallResult::MemoryRange as usize, "{r:x?}");
    for i in 0..pages {
        k.fault(t, Fault::StorePage, TEXT, r[1] + i * PAGE_SIZE);
        k.write_user(t.pid, r[1] + i * PAGE_SIZE, &[i as u8 | 1; 64]).unwrap();
    }
}

#[test]
fn read_only_pages_go_back_to_the_store_for_nothing_and_return_whole() {
    let (mut k, log, app) = booted(64, 256);
    assert_eq!(read(&mut k, app, TEXT, TEXT_PAGES * PAGE_SIZE), text());
    k.write_user(app.pid, DATA, b"mine").unwrap();
    pressure(&mut k, log, 128);
    let back_in_store = (0..TEXT_PAGES).filter(|i| pte::is_stored(entry(&mut k, app, TEXT + i * PAGE_SIZE))).count();
    assert_eq!(back_in_store, TEXT_PAGES, "every text page went back to the store");
    assert_eq!(k.swap.store.dropped as usize, TEXT_PAGES);
    assert!(pte::is_swapped(entry(&mut k, app, DATA)), "written data goes to swap, sealed");
    let reads = k.hw.store_reads;
    assert_eq!(read(&mut k, app, TEXT, TEXT_PAGES * PAGE_SIZE), text(), "and comes back whole");
    assert_eq!(k.hw.store_reads, reads + TEXT_PAGES);
    assert_eq!(&read(&mut k, app, DATA, 4), b"mine");
    let line = { k.report_peak_memory(); last_line(&k) };
    assert!(line.contains(&format!("program store: {} pages read, {TEXT_PAGES} let go", 2 * TEXT_PAGES + 1)), "{line}");
}

#[test]
fn pages_unmapped_from_a_store_range_are_not_the_store_s_any_more() {
    let (mut k, log, app) = booted(64, 256);
    assert_eq!(read(&mut k, app, TEXT, TEXT_PAGES * PAGE_SIZE), text());
    let r = call(&mut k, app, &[Syscall::UnmapMemory as usize, TEXT, PAGE_SIZE]);
    assert_eq!(r[0], xous_abi::SyscallResult::Ok as usize, "{r:x?}");
    pressure(&mut k, log, 128);
    assert_eq!(k.swap.store.dropped, 0, "the range is forgotten: its other pages swap as any other");
    assert!((1..TEXT_PAGES).all(|i| pte::is_swapped(entry(&mut k, app, TEXT + i * PAGE_SIZE))));
    assert_eq!(read(&mut k, app, TEXT + PAGE_SIZE, (TEXT_PAGES - 1) * PAGE_SIZE), text()[PAGE_SIZE..]);
}

#[test]
fn a_board_without_the_store_does_not_start_the_program() {
    let Written { image, store } = written();
    let parsed = boot_image::parse(&image).unwrap();
    let mut k = kernel_with_rom_image(&image, ROM, 200);
    assert_eq!(load_all(&mut k, &parsed, Stored::Rom(ROM)), Err((1, Error::Unavailable)), "no store on the board");
    let mut k = kernel_with_rom_image(&image, ROM, 200);
    k.hw.store = store[..PAGE_SIZE].to_vec();
    assert_eq!(load_all(&mut k, &parsed, Stored::Rom(ROM)), Err((1, Error::Unavailable)), "a store smaller than the image's");
}

#[test]
fn a_program_over_its_share_with_swap_full_still_gets_its_code() {
    let (mut k, _, app) = booted(64, 8);
    // The program takes all it can: its data pages, written, fill the RAM
    // it may hold and the swap device's eight slots.
    let r = call(&mut k, app, &[Syscall::MapMemory as usize, 0, 0, 128 * PAGE_SIZE, flags::R | flags::W]);
    assert_eq!(r[0], xous_abi::SyscallResult::MemoryRange as usize, "{r:x?}");
    let mut filled = 0;
    for i in 0..128 {
        let page = r[1] + i * PAGE_SIZE;
        let full = k.swap.slots.used() == 8 && k.frames.owned_by(app.pid) >= k.frames.hoard() && k.frames.free_count() <= k.frames.reserve();
        if full {
            break;
        }
        k.fault(app, Fault::StorePage, TEXT, page);
        if k.procs.get(app.pid).is_none() || !pte::is_valid(entry(&mut k, app, page)) {
            break;
        }
        k.write_user(app.pid, page, &[i as u8 | 1; 64]).unwrap();
        filled += 1;
    }
    assert!(k.procs.get(app.pid).is_some(), "{}", last_line(&k));
    assert!(filled < 128 && k.swap.slots.used() == 8 && k.frames.owned_by(app.pid) >= k.frames.hoard(), "over its share, swap full: {filled} pages");
    let held = k.frames.owned_by(app.pid);
    // Its code is still in the store: each page comes in past the rule
    // (it cannot go on without it), and the program gives one of its own
    // back for it where it can: the code page before, which costs nothing
    // to let go. So it holds one page more than its share, not more.
    for i in 0..TEXT_PAGES {
        let page = TEXT + i * PAGE_SIZE;
        k.fault(app, Fault::InstructionPage, page, page);
        assert!(k.procs.get(app.pid).is_some(), "code page {i}: {}", last_line(&k));
        assert!(pte::is_valid(entry(&mut k, app, page)), "code page {i}");
        assert!(k.frames.owned_by(app.pid) <= held + 1, "code page {i}: {} frames, it held {held}", k.frames.owned_by(app.pid));
        let mut got = vec![0; PAGE_SIZE];
        k.read_user(app.pid, page, &mut got).unwrap();
        assert!(got == text()[i * PAGE_SIZE..(i + 1) * PAGE_SIZE], "code page {i} as built");
    }
    assert!(k.swap.store.dropped > 0, "code pages let go for the next");
}
