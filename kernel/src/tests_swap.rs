//! Host tests of swap (swap/mod.rs) through the syscalls and faults a
//! process makes, on a fake swap device the tests can read and tamper with:
//! more memory touched than there is RAM comes back whole; the device never
//! sees a page's plaintext; a flipped bit, a replayed slot or a wiped device
//! ends only the processes whose pages were there, with the report; pinned,
//! lent and DMA pages stay in RAM; slots go back when pages or processes go.

use crate::fault::Fault;
use crate::kernel::Kernel;
use crate::mem::pte;
use crate::mem::PAGE_SIZE;
use crate::sched::ThreadRef;
use crate::tests::{call, err, head, kernel_with, FakePlatform};
use xous_abi::console::Channel;
use xous_abi::memory::flags;
use xous_abi::{platform, Error, Syscall};

const KEY: [u8; 32] = [0x5a; 32];

/// A kernel with `ram` frames and a swap device of `slots` pages, started.
fn swapping(ram: usize, slots: usize) -> Box<Kernel<FakePlatform>> {
    let mut k = kernel_with(ram);
    k.hw.swap = vec![(Vec::new(), [0; 16]); slots];
    k.start_swap(&KEY).unwrap();
    k
}

fn process(k: &mut Kernel<FakePlatform>, name: &str) -> ThreadRef {
    let pid = k.create_process(name, false).unwrap();
    let tid = k.spawn_thread(pid, 0x1_0000, 0x7fff_f000, [0; 4]).unwrap();
    ThreadRef { pid, tid }
}

/// Maps `pages` pages (lazily) for `t`; their address.
fn map(k: &mut Kernel<FakePlatform>, t: ThreadRef, pages: usize) -> usize {
    let r = call(k, t, &[Syscall::MapMemory as usize, 0, 0, pages * PAGE_SIZE, flags::R | flags::W]);
    assert_eq!(r[0], xous_abi::SyscallResult::MemoryRange as usize, "{r:x?}");
    r[1]
}

/// What page `i` of process `pid` holds in these tests: no two pages alike.
fn pattern(pid: u8, i: usize) -> Vec<u8> {
    (0..PAGE_SIZE).map(|b| (b as u32).wrapping_mul(2_654_435_761).wrapping_add((i as u32) << 8 | pid as u32).to_le_bytes()[1]).collect()
}

/// `t` touches each page (the fault backs it) and fills it with its pattern.
fn fill(k: &mut Kernel<FakePlatform>, t: ThreadRef, va: usize, pages: usize) {
    for i in 0..pages {
        k.fault(t, Fault::StorePage, 0x1_0000, va + i * PAGE_SIZE);
        assert!(k.procs.get(t.pid).is_some(), "page {i}: {}", last_line(k));
        k.write_user(t.pid, va + i * PAGE_SIZE, &pattern(t.pid, i)).unwrap();
    }
}

/// Each page of `t`'s is its pattern, read as the process reads: its
/// fault first if it is not mapped, then the bytes.
fn check(k: &mut Kernel<FakePlatform>, t: ThreadRef, va: usize, pages: usize) {
    check_written_by(k, t, va, pages, t.pid);
}

/// The same for pages process `writer` filled (and handed to `t`).
fn check_written_by(k: &mut Kernel<FakePlatform>, t: ThreadRef, va: usize, pages: usize, writer: u8) {
    for i in 0..pages {
        let page = va + i * PAGE_SIZE;
        let e = k.procs.get(t.pid).unwrap().space.entry(&mut k.hw, page);
        if !pte::is_valid(e) {
            k.fault(t, Fault::LoadPage, 0x1_0000, page);
        }
        assert!(pte::is_valid(k.procs.get(t.pid).unwrap().space.entry(&mut k.hw, page)), "page {i} came back");
        let mut got = vec![0; PAGE_SIZE];
        k.read_user(t.pid, page, &mut got).unwrap();
        assert!(got == pattern(writer, i), "page {i} of process {} is what process {writer} wrote", t.pid);
    }
}

fn last_line(k: &Kernel<FakePlatform>) -> String {
    let (channel, line) = k.hw.console.last().expect("a line");
    assert_eq!(*channel, Channel::Kernel);
    String::from_utf8_lossy(line).into_owned()
}

/// Slots holding a page of anyone now.
fn used_slots(k: &Kernel<FakePlatform>) -> usize {
    k.swap.slots.used()
}

#[test]
fn four_times_ram_comes_back_whole() {
    let mut k = swapping(64, 512);
    let t = process(&mut k, "big");
    let pages = 4 * 64;
    let va = map(&mut k, t, pages);
    fill(&mut k, t, va, pages);
    assert!(k.swap.pages_out as usize >= pages - 64, "most pages went out: {}", k.swap.pages_out);
    check(&mut k, t, va, pages);
    // And again, the other way round, with the fault path only.
    for i in (0..pages).rev() {
        let page = va + i * PAGE_SIZE;
        if !pte::is_valid(k.procs.get(t.pid).unwrap().space.entry(&mut k.hw, page)) {
            k.fault(t, Fault::LoadPage, 0x1_0000, page);
        }
    }
    check(&mut k, t, va, pages);
    assert!(k.frames.in_use() <= 64, "RAM is all there is");
}

#[test]
fn the_device_never_sees_a_page_as_it_was_written() {
    let mut k = swapping(48, 256);
    let t = process(&mut k, "secret");
    let va = map(&mut k, t, 128);
    fill(&mut k, t, va, 128);
    let written: Vec<&(Vec<u8>, [u8; 16])> = k.hw.swap.iter().filter(|(p, _)| !p.is_empty()).collect();
    assert!(written.len() >= 64, "{} slots written", written.len());
    for i in 0..128 {
        let plain = pattern(t.pid, i);
        for (page, _) in &written {
            // Not the page, nor any 32 bytes of it where they were.
            assert!(page.chunks(32).zip(plain.chunks(32)).all(|(a, b)| a != b), "page {i}'s plaintext is on the device");
        }
    }
}

/// `t` maps a device page (the fake platform's first), as a driver does.
fn drive_a_device(k: &mut Kernel<FakePlatform>, t: ThreadRef) {
    let r = call(k, t, &[Syscall::MapMemory as usize, 0x1000_1000, 0, PAGE_SIZE, flags::R | flags::W]);
    assert_eq!(r[0], xous_abi::SyscallResult::MemoryRange as usize, "{r:x?}");
}

/// Memory pressure from elsewhere: `rounds` processes, each filling all of
/// RAM's worth of pages and ending.
fn pressure(k: &mut Kernel<FakePlatform>, rounds: usize) {
    for _ in 0..rounds {
        let f = process(k, "filler");
        let fv = map(k, f, 64);
        fill(k, f, fv, 64);
        k.tear_down(f.pid);
    }
}

/// Swaps out the first page of `va` (moving the hand until it goes), and
/// gives the slot it went to.
fn push_out(k: &mut Kernel<FakePlatform>, t: ThreadRef, va: usize) -> usize {
    for _ in 0..10_000 {
        let e = k.procs.get(t.pid).unwrap().space.entry(&mut k.hw, va);
        if pte::is_swapped(e) {
            return pte::swap_slot(e);
        }
        let filler = process(k, "filler");
        let f = map(k, filler, 32);
        fill(k, filler, f, 32);
    }
    panic!("the page never went out");
}

#[test]
fn a_flipped_bit_ends_only_the_owner_with_the_report() {
    let mut k = swapping(64, 1024);
    let victim = process(&mut k, "victim");
    let other = process(&mut k, "other");
    let va = map(&mut k, victim, 4);
    fill(&mut k, victim, va, 4);
    let ov = map(&mut k, other, 4);
    fill(&mut k, other, ov, 4);
    let slot = push_out(&mut k, victim, va);
    k.hw.swap[slot].0[1234] ^= 0x10;
    k.fault(victim, Fault::LoadPage, 0x1_0000, va);
    assert!(k.procs.get(victim.pid).is_none(), "the owner ended");
    let line = last_line(&k);
    assert!(line.contains(&format!("process {} (victim) terminated: swap page {va:#010x} failed authentication", victim.pid)), "{line}");
    assert!(k.procs.get(other.pid).is_some());
    check(&mut k, other, ov, 4);
    assert_eq!(k.halted, None, "the system goes on");
}

#[test]
fn a_forged_tag_or_an_old_copy_of_a_slot_does_not_open() {
    let mut k = swapping(64, 1024);
    let t = process(&mut k, "app");
    let va = map(&mut k, t, 2);
    fill(&mut k, t, va, 2);
    let slot = push_out(&mut k, t, va);
    let old = k.hw.swap[slot].clone();
    // Back in, changed, out again (to whichever slot): the old copy put
    // there instead is refused, even though it was once genuine.
    k.write_user(t.pid, va, &[0xee; 16]).unwrap();
    let again = push_out(&mut k, t, va);
    k.hw.swap[again] = old;
    k.fault(t, Fault::LoadPage, 0x1_0000, va);
    assert!(k.procs.get(t.pid).is_none(), "a replayed page is forged: {}", last_line(&k));
    assert!(last_line(&k).contains("failed authentication"));

    let t = process(&mut k, "tag");
    let va = map(&mut k, t, 1);
    fill(&mut k, t, va, 1);
    let slot = push_out(&mut k, t, va);
    k.hw.swap[slot].1[15] ^= 1;
    k.fault(t, Fault::InstructionPage, 0x1_0000, va);
    assert!(k.procs.get(t.pid).is_none());
}

#[test]
fn another_processs_sealed_page_copied_into_a_slot_does_not_open() {
    // The device shows a's page (genuine, sealed by this kernel) in b's
    // slot: the nonce holds the slot, so it is refused; a lives on.
    let mut k = swapping(64, 1024);
    let (a, b) = (process(&mut k, "a"), process(&mut k, "b"));
    let (va, vb) = (map(&mut k, a, 1), map(&mut k, b, 1));
    fill(&mut k, a, va, 1);
    fill(&mut k, b, vb, 1);
    let (sa, sb) = (push_out(&mut k, a, va), push_out(&mut k, b, vb));
    assert_ne!(sa, sb);
    k.hw.swap[sb] = k.hw.swap[sa].clone();
    k.fault(b, Fault::LoadPage, 0x1_0000, vb);
    assert!(k.procs.get(b.pid).is_none(), "b's page is forged: {}", last_line(&k));
    assert!(last_line(&k).contains("failed authentication"));
    check(&mut k, a, va, 1);
}

#[test]
fn a_wiped_device_ends_just_the_processes_with_pages_there() {
    let mut k = swapping(64, 1024);
    let a = process(&mut k, "a");
    let b = process(&mut k, "b");
    let va = map(&mut k, a, 8);
    fill(&mut k, a, va, 8);
    push_out(&mut k, a, va);
    // b's pages are all in RAM: pinned.
    let vb = map(&mut k, b, 2);
    fill(&mut k, b, vb, 2);
    assert_eq!(head(call(&mut k, b, &[Syscall::PlatformSpecific as usize, platform::PIN, vb, 2 * PAGE_SIZE, 1])), [0, 0]);
    for (page, tag) in k.hw.swap.iter_mut() {
        page.fill(0);
        tag.fill(0);
    }
    // a reads its page through a syscall (a copy the kernel makes): it ends too.
    let mut word = [0; 4];
    assert_eq!(k.read_user(a.pid, va, &mut word), Err(Error::ProcessNotFound));
    assert!(k.procs.get(a.pid).is_none(), "{}", last_line(&k));
    check(&mut k, b, vb, 2);
}

#[test]
fn a_device_error_keeps_the_page_in_ram() {
    let mut k = swapping(64, 1024);
    let t = process(&mut k, "app");
    let va = map(&mut k, t, 200);
    k.hw.swap_broken = true;
    let mut ended = false;
    for i in 0..200 {
        k.fault(t, Fault::StorePage, 0x1_0000, va + i * PAGE_SIZE);
        if k.procs.get(t.pid).is_none() {
            ended = true;
            break;
        }
        k.write_user(t.pid, va + i * PAGE_SIZE, &pattern(t.pid, i)).unwrap();
    }
    assert!(ended && last_line(&k).contains("out of memory backing"), "{}", last_line(&k));
    assert_eq!((k.swap.pages_out, used_slots(&k)), (0, 0), "nothing counted as out, no slot kept");
}

#[test]
fn pinned_dma_and_lent_pages_stay_in_ram() {
    let mut k = swapping(64, 1024);
    let t = process(&mut k, "driver");
    drive_a_device(&mut k, t);
    let va = map(&mut k, t, 3);
    fill(&mut k, t, va, 3);
    let pin = [Syscall::PlatformSpecific as usize, platform::PIN, va, PAGE_SIZE, 1];
    assert_eq!(head(call(&mut k, t, &pin)), [0, 0]);
    let phys = call(&mut k, t, &[Syscall::VirtToPhys as usize, va + PAGE_SIZE + 12]);
    assert_eq!(phys[0], xous_abi::SyscallResult::Scalar1 as usize);
    // Everything else goes out, many times over.
    pressure(&mut k, 6);
    for i in 0..2 {
        let e = k.procs.get(t.pid).unwrap().space.entry(&mut k.hw, va + i * PAGE_SIZE);
        assert!(pte::is_valid(e), "page {i} stayed");
    }
    assert!(k.swap.pages_out > 0, "others went");
    assert_eq!(phys[1] & !0xfff, pte::address(k.procs.get(t.pid).unwrap().space.entry(&mut k.hw, va + PAGE_SIZE)), "the device's page is still the process's");
    push_out(&mut k, t, va + 2 * PAGE_SIZE);
    // Unpinned, it may go.
    assert_eq!(head(call(&mut k, t, &[Syscall::PlatformSpecific as usize, platform::PIN, va, PAGE_SIZE, 0])), [0, 0]);
    assert!(!k.frames.is_pinned(pte::address(k.procs.get(t.pid).unwrap().space.entry(&mut k.hw, va))));
    check(&mut k, t, va, 3);
}

#[test]
fn pinning_is_limited_and_checked() {
    let mut k = swapping(64, 1024);
    let t = process(&mut k, "greedy");
    let va = map(&mut k, t, 16);
    let pin = |len| [Syscall::PlatformSpecific as usize, platform::PIN, va, len, 1];
    assert_eq!(head(call(&mut k, t, &pin(16 * PAGE_SIZE))), err(Error::OutOfMemory), "over an eighth of RAM");
    assert_eq!(head(call(&mut k, t, &pin(100))), err(Error::BadAlignment));
    assert_eq!(head(call(&mut k, t, &[Syscall::PlatformSpecific as usize, platform::PIN, 0x7000_0000, PAGE_SIZE, 1])), err(Error::BadAddress), "not mapped");
    assert_eq!(head(call(&mut k, t, &pin(8 * PAGE_SIZE))), [0, 0], "an eighth is allowed (backed first)");
    assert_eq!(k.frames.pinned_by(t.pid), 8);
}

#[test]
fn a_lent_page_is_never_taken_and_a_swapped_one_is_brought_back_to_lend() {
    let mut k = swapping(64, 1024);
    let server = process(&mut k, "server");
    let client = process(&mut k, "client");
    let sid = [1usize, 2, 3, 4];
    let created = call(&mut k, server, &[Syscall::CreateServerWithAddress as usize, sid[0], sid[1], sid[2], sid[3]]);
    assert_eq!(created[0], xous_abi::SyscallResult::NewServerId as usize, "{created:x?}");
    let cid = call(&mut k, client, &[Syscall::Connect as usize, sid[0], sid[1], sid[2], sid[3]])[1];
    let va = map(&mut k, client, 2);
    fill(&mut k, client, va, 2);
    push_out(&mut k, client, va);
    // The client lends both pages (one of them swapped out): it waits.
    let lend = call(&mut k, client, &[Syscall::SendMessage as usize, cid, xous_abi::message::InvokeType::LendMut as usize, 7, va, 2 * PAGE_SIZE, 0, 0]);
    assert_ne!(lend[0], xous_abi::SyscallResult::Error as usize, "{lend:x?}");
    let got = call(&mut k, server, &[Syscall::ReceiveMessage as usize, sid[0], sid[1], sid[2], sid[3]]);
    let at = got[4];
    let mut seen = vec![0; PAGE_SIZE];
    k.read_user(server.pid, at, &mut seen).unwrap();
    assert!(seen == pattern(client.pid, 0), "the server sees the page as written");
    let before = k.swap.pages_out;
    pressure(&mut k, 4);
    assert!(k.swap.pages_out > before + 16, "RAM ran short meanwhile");
    for page in [va, va + PAGE_SIZE] {
        let e = k.procs.get(client.pid).unwrap().space.entry(&mut k.hw, page);
        assert!(pte::is_lent(e), "lent pages stay lent (and in RAM)");
    }
    k.write_user(server.pid, at + 8, &[0xab; 8]).unwrap();
    call(&mut k, server, &[Syscall::ReturnMemory as usize, got[1], at, 2 * PAGE_SIZE, 0, 0]);
    let mut back = [0; 8];
    k.read_user(client.pid, va + 8, &mut back).unwrap();
    assert_eq!(back, [0xab; 8], "the server's write came back to the lender");
}

#[test]
fn slots_go_back_when_pages_and_processes_go() {
    let mut k = swapping(64, 1024);
    let t = process(&mut k, "app");
    let va = map(&mut k, t, 100);
    fill(&mut k, t, va, 100);
    let out = used_slots(&k);
    assert!(out > 30, "{out}");
    assert_eq!(head(call(&mut k, t, &[Syscall::UnmapMemory as usize, va, 50 * PAGE_SIZE])), [0, 0]);
    assert!(used_slots(&k) < out);
    k.tear_down(t.pid);
    assert_eq!(used_slots(&k), 0, "every slot back");
}

#[test]
fn swap_starts_once_and_only_with_a_device() {
    let mut k = kernel_with(64);
    assert_eq!(k.start_swap(&KEY), Err(Error::Unavailable), "no swap device");
    assert!(!k.swap.on());
    k.hw.swap = vec![(Vec::new(), [0; 16]); 16];
    assert_eq!(k.start_swap(&KEY), Ok(()));
    assert!(k.swap.on() && k.frames.elastic);
    assert_eq!(k.start_swap(&[1; 32]), Err(Error::AccessDenied), "one key a boot");
}

#[test]
fn a_service_pinned_whole_never_goes_and_only_from_the_image() {
    let mut k = swapping(64, 1024);
    let log = process(&mut k, "log");
    let whole = [Syscall::PlatformSpecific as usize, platform::PIN, 0, 0, 1];
    assert_eq!(head(call(&mut k, log, &whole)), err(Error::AccessDenied), "not from the boot image");
    k.procs.get_mut(log.pid).unwrap().from_image = true;
    assert_eq!(head(call(&mut k, log, &whole)), [0, 0]);
    let va = map(&mut k, log, 8);
    fill(&mut k, log, va, 8);
    let before = k.swap.pages_out;
    pressure(&mut k, 4);
    assert!(k.swap.pages_out > before + 16);
    for i in 0..8 {
        assert!(pte::is_valid(k.procs.get(log.pid).unwrap().space.entry(&mut k.hw, va + i * PAGE_SIZE)), "page {i} stayed");
    }
}

#[test]
fn a_page_of_zeros_goes_lazy_without_a_slot_and_comes_back_zero() {
    let mut k = swapping(64, 1024);
    let t = process(&mut k, "zeros");
    let va = map(&mut k, t, 2);
    // Touched, never written: a zeroed frame; and one written to zeros again.
    k.fault(t, Fault::StorePage, 0x1_0000, va);
    k.fault(t, Fault::StorePage, 0x1_0000, va + PAGE_SIZE);
    k.write_user(t.pid, va + PAGE_SIZE, &[7; 64]).unwrap();
    k.write_user(t.pid, va + PAGE_SIZE, &[0; 64]).unwrap();
    let before = (k.swap.pages_out, used_slots(&k));
    pressure(&mut k, 3);
    for page in [va, va + PAGE_SIZE] {
        let e = k.procs.get(t.pid).unwrap().space.entry(&mut k.hw, page);
        assert!(pte::is_lazy(e) && e & (pte::R | pte::W) == pte::R | pte::W, "{e:#x}: lazy again, with its permissions");
    }
    assert!(k.swap.zero_pages >= 2 && used_slots(&k) == before.1);
    k.fault(t, Fault::LoadPage, 0x1_0000, va + PAGE_SIZE);
    let mut back = vec![1; PAGE_SIZE];
    k.read_user(t.pid, va + PAGE_SIZE, &mut back).unwrap();
    assert!(back.iter().all(|b| *b == 0));
}

#[test]
fn dma_pins_stop_at_an_eighth_of_ram_and_free_pages_unpin() {
    let mut k = swapping(64, 1024);
    let t = process(&mut k, "hoarder");
    drive_a_device(&mut k, t);
    let va = map(&mut k, t, 16);
    let mut pinned = 0;
    for i in 0..16 {
        let r = call(&mut k, t, &[Syscall::VirtToPhys as usize, va + i * PAGE_SIZE]);
        if r[0] == xous_abi::SyscallResult::Error as usize {
            assert_eq!(r[1], Error::OutOfMemory as usize);
            break;
        }
        pinned += 1;
    }
    assert_eq!((pinned, k.frames.pinned_by(t.pid)), (k.frames.reserve(), k.frames.reserve()), "an eighth of 64 frames");
    let again = call(&mut k, t, &[Syscall::VirtToPhys as usize, va]);
    assert_eq!(again[0], xous_abi::SyscallResult::Scalar1 as usize, "a page pinned already is answered");
    assert_eq!(head(call(&mut k, t, &[Syscall::UnmapMemory as usize, va, 16 * PAGE_SIZE])), [0, 0]);
    assert_eq!(k.frames.pinned_by(t.pid), 0, "freed frames are unpinned");
}

#[test]
fn a_process_over_the_line_gets_its_own_pages_back_when_swap_is_full() {
    // 64 frames of RAM, 48 slots: the hog fills both, and the reserve rule
    // (mem/frames.rs) then refuses it new frames; a page of its own that
    // went out still comes back (its slot frees).
    let mut k = swapping(64, 48);
    let hog = process(&mut k, "hog");
    let va = map(&mut k, hog, 200);
    let mut filled = 0;
    for i in 0..200 {
        k.fault(hog, Fault::StorePage, 0x1_0000, va + i * PAGE_SIZE);
        if k.procs.get(hog.pid).is_none() {
            break;
        }
        k.write_user(hog.pid, va + i * PAGE_SIZE, &pattern(hog.pid, i)).unwrap();
        filled += 1;
    }
    assert!(k.procs.get(hog.pid).is_none() && last_line(&k).contains("out of memory backing"), "a new page is refused: {}", last_line(&k));
    assert!(filled > 64 && filled < 200, "{filled}");
    let mut k = swapping(64, 48);
    let hog = process(&mut k, "hog");
    let va = map(&mut k, hog, filled);
    fill(&mut k, hog, va, filled);
    assert_eq!(used_slots(&k), 48, "the swap device is full");
    let free = k.frames.free_count();
    check(&mut k, hog, va, filled);
    assert!(k.frames.free_count() >= free, "its pages came back at its own expense, not the reserve's: {} -> {}", free, k.frames.free_count());
    // Another process still gets memory from the reserve: the hog grew by
    // sending pages out while it was over the line, leaving the reserve free.
    assert!(k.frames.free_count() >= k.frames.reserve(), "{} free", k.frames.free_count());
    let other = process(&mut k, "other");
    let ov = map(&mut k, other, 4);
    fill(&mut k, other, ov, 4);
    check(&mut k, other, ov, 4);
}

#[test]
fn virt_to_phys_pins_only_for_a_driver() {
    let mut k = swapping(64, 1024);
    let loader = process(&mut k, "proc");
    let va = map(&mut k, loader, 16);
    for i in 0..16 {
        let r = call(&mut k, loader, &[Syscall::VirtToPhys as usize, va + i * PAGE_SIZE]);
        assert_eq!(r[0], xous_abi::SyscallResult::Scalar1 as usize, "backed, past any pin limit");
    }
    assert_eq!(k.frames.pinned_by(loader.pid), 0, "no device: nothing pinned, all of it may go to swap");
}

#[test]
fn pages_told_before_a_device_is_mapped_are_pinned_when_it_is() {
    // A driver may ask for its DMA pages' addresses before it maps its
    // device (services/virtio's Blk::find does): they must not go to swap
    // once it drives one.
    let mut k = swapping(64, 1024);
    let t = process(&mut k, "fs");
    let va = map(&mut k, t, 2);
    for i in 0..2 {
        let r = call(&mut k, t, &[Syscall::VirtToPhys as usize, va + i * PAGE_SIZE]);
        assert_eq!(r[0], xous_abi::SyscallResult::Scalar1 as usize);
    }
    assert_eq!(k.frames.pinned_by(t.pid), 0, "no device yet");
    drive_a_device(&mut k, t);
    assert_eq!(k.frames.pinned_by(t.pid), 2, "pinned when the device came");
    pressure(&mut k, 3);
    for i in 0..2 {
        assert!(pte::is_valid(k.procs.get(t.pid).unwrap().space.entry(&mut k.hw, va + i * PAGE_SIZE)), "page {i} stayed");
    }
}

#[test]
fn a_program_bigger_than_ram_moves_to_its_child_without_coming_back_in() {
    // A loader prepares a program of four times RAM (std's test programs
    // are 5 MB, the Baochip-1x has 2 MiB) and starts it: the pages in swap
    // move slot and all, the child reads every byte as the loader wrote it.
    let mut k = swapping(64, 1024);
    let loader = process(&mut k, "loader");
    let pages = 4 * 64;
    let va = map(&mut k, loader, pages);
    fill(&mut k, loader, va, pages);
    let out = used_slots(&k);
    assert!(out >= pages - 64, "most of the program is in swap: {out}");
    let pages_in = k.swap.pages_in;
    let (dest, stack) = (0x1_0000, 0x7ffe_0000);
    let r = call(&mut k, loader, &[Syscall::CreateProcess as usize, stack, 0x2_0000, va, pages * PAGE_SIZE, dest, dest, 0]);
    assert_eq!(r[0], xous_abi::SyscallResult::NewProcess as usize, "{r:x?} {}", last_line(&k));
    let child = r[1] as u8;
    assert_eq!(k.swap.pages_in, pages_in, "nothing was read back to start it");
    let mut held = 0;
    for i in 0..pages {
        let e = k.procs.get(child).unwrap().space.entry(&mut k.hw, dest + i * PAGE_SIZE);
        if pte::is_swapped(e) {
            assert!(k.swap.slots.held(&mut k.hw, pte::swap_slot(e), child).is_some(), "page {i}'s slot is the child's");
            held += 1;
        }
    }
    assert!(held >= out - 8, "{held} of {out} pages moved in swap");
    assert_eq!(k.procs.get(loader.pid).unwrap().space.entry(&mut k.hw, va), 0, "the loader's pages are gone");
    check_written_by(&mut k, ThreadRef { pid: child, tid: 1 }, dest, pages, loader.pid);
    assert!(k.frames.in_use() <= 64);
    // The loader ending frees none of the child's slots; the child's does.
    k.tear_down(loader.pid);
    assert!(used_slots(&k) > 0);
    k.tear_down(child);
    assert_eq!(used_slots(&k), 0);
}
