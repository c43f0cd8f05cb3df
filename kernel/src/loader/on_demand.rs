//! The boot image's on-demand services (FORMAT.md's ON_DEMAND flag): boot
//! leaves them out, and the kernel starts one, from the image where it is
//! stored, when a process of the image asks (START_SERVICE: the name server
//! does, when a client first connects to one of the service's names). So a
//! program that never opens a file pays none of the filesystem's memory.
//!
//! Only an image in read-only memory can be read again after boot; one in
//! RAM has given its pages away, so there boot starts every process.
//! Each on-demand process starts at most once a boot: a second request is
//! answered with PID 0, whether the service still runs or has ended.

use super::{load, Stored};
use crate::kernel::{Kernel, Platform};
use crate::process::NameArg;
use crate::sched::ThreadRef;
use crate::syscall::Handled;
use xous_abi::{Error, SyscallResult};

// A bit per process of an image.
const _: () = assert!(boot_image::layout::MAX_PROCESSES <= 64);

/// Which of the image's processes wait to be asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pending {
    /// The image's physical address in read-only memory.
    image_at: usize,
    /// By index in the image: not started yet.
    waiting: u64,
    /// By index: started (at most once).
    started: u64,
}

impl Pending {
    pub const fn none() -> Pending {
        Pending { image_at: 0, waiting: 0, started: 0 }
    }

    /// Whether boot leaves a process marked `on_demand` of an image stored
    /// as `stored` for later.
    pub fn defers(stored: Stored, on_demand: bool) -> bool {
        on_demand && matches!(stored, Stored::Rom(_))
    }

    /// Notes process `index` as left for later if boot leaves it (`defers`).
    pub fn defer(&mut self, stored: Stored, index: usize, on_demand: bool) -> bool {
        let Stored::Rom(at) = stored else { return false };
        if !Self::defers(stored, on_demand) {
            return false;
        }
        self.image_at = at;
        self.waiting |= 1 << index;
        true
    }

    /// How many processes wait to be asked for.
    pub fn count(&self) -> u32 {
        self.waiting.count_ones()
    }
}

/// START_SERVICE(address, length): see `xous_abi::platform::START_SERVICE`.
pub fn start_service<P: Platform>(k: &mut Kernel<P>, t: ThreadRef, at: usize, len: usize) -> Handled {
    if !k.procs.get(t.pid).is_some_and(|p| p.from_image) {
        return Err(Error::AccessDenied);
    }
    let name = NameArg::read(k, t.pid, at, len)?;
    let name = name.as_str();
    let pending = k.on_demand;
    if pending.waiting | pending.started == 0 {
        // Nothing waits to be asked for: an image kept in RAM started
        // every process at boot, so one of that name that runs is as good
        // as started before. ProcessNotFound then means the image has no
        // such process, and its names will never be registered by it.
        // (Only here: in an image in read-only memory the program may
        // bear a service's name, and only its on-demand processes count.)
        if k.procs.iter().any(|p| p.from_image && p.name() == name) {
            return k.answered(t, SyscallResult::Scalar1, &[0]);
        }
        return Err(Error::ProcessNotFound);
    }
    let image = k.hw.open_rom(pending.image_at).ok_or(Error::ProcessNotFound);
    let started = image.and_then(|bytes| {
        let image = boot_image::parse(bytes).map_err(|_| Error::ProcessNotFound)?;
        let process = image
            .processes()
            .find(|p| p.name == name && (pending.waiting | pending.started) & (1 << p.index) != 0)
            .ok_or(Error::ProcessNotFound)?;
        let bit = 1u64 << process.index;
        if pending.started & bit != 0 {
            return Ok(0);
        }
        // Not started if it fails (no memory now): it may be asked again.
        let pid = load(k, &image, &process, Stored::Rom(pending.image_at))?;
        k.on_demand.waiting &= !bit;
        k.on_demand.started |= bit;
        Ok(pid)
    });
    k.hw.close_rom();
    let pid = started?;
    k.answered(t, SyscallResult::Scalar1, &[pid as usize])
}

#[cfg(test)]
mod tests {
    use crate::loader::{load_all, Stored};
    use crate::mem::PAGE_SIZE;
    use crate::sched::ThreadRef;
    use crate::tests::{call, err, head, kernel_with_image, kernel_with_rom_image, state, FakePlatform};
    use crate::thread::ThreadState;
    use crate::kernel::Kernel;
    use boot_image::layout::segment::{FLAG_R, FLAG_W, FLAG_X};
    use boot_image::{write, KernelSegment, ProcessInput, ProcessSegment};
    use xous_abi::platform::START_SERVICE;
    use xous_abi::{Error, Syscall, SyscallResult};

    const LOAD: u32 = 0x8000_0000;
    const ROM: usize = 0x6006_1000;

    /// An image of "names", then "fs" and "net" started on demand, then
    /// the program.
    fn image() -> Vec<u8> {
        let text = vec![0x13u8; 0x1800];
        let kernel = [KernelSegment { paddr: LOAD + 0x1000, mem_size: 0x4000, bytes: &text }];
        let data = vec![0x5au8; 0x100];
        let segments = [
            ProcessSegment { vaddr: 0x1_0000, mem_size: 0x1800, flags: FLAG_R | FLAG_X, bytes: &text },
            ProcessSegment { vaddr: 0x2_0000, mem_size: 0x3000, flags: FLAG_R | FLAG_W, bytes: &data },
        ];
        let process = |name, main, on_demand| ProcessInput { name, main, on_demand, entry: 0x1_0000, eh_frame: 0, args: &[], env: &[], blocks: &[], in_store: false, segments: &segments };
        write(LOAD, &kernel, &[process("names", false, false), process("fs", false, true), process("net", false, true), process("app", true, false)]).unwrap()
    }

    /// A kernel booted from the image stored in read-only memory.
    fn booted_from_rom() -> Box<Kernel<FakePlatform>> {
        let bytes = image();
        let mut k = kernel_with_rom_image(&bytes, ROM, 200);
        load_all(&mut k, &boot_image::parse(&bytes).unwrap(), Stored::Rom(ROM)).unwrap();
        k
    }

    fn names_of(k: &Kernel<FakePlatform>) -> Vec<String> {
        k.procs.iter().map(|p| p.name().to_string()).collect()
    }

    /// The name server's thread (the first process booted), and a page of
    /// its memory holding `text` at 0x3000_0000.
    fn asker(k: &mut Kernel<FakePlatform>, text: &[u8]) -> ThreadRef {
        let t = ThreadRef { pid: 2, tid: 1 };
        assert_eq!(k.procs.get(2).unwrap().name(), "names");
        assert_eq!(state(k, t), ThreadState::Ready);
        k.commit(t.pid, 0x3000_0000, PAGE_SIZE, crate::mem::pte::R | crate::mem::pte::W).unwrap();
        k.write_user(t.pid, 0x3000_0000, text).unwrap();
        t
    }

    fn start(k: &mut Kernel<FakePlatform>, t: ThreadRef, at: usize, len: usize) -> [usize; 2] {
        head(call(k, t, &[Syscall::PlatformSpecific as usize, START_SERVICE, at, len]))
    }

    /// Boot leaves the on-demand processes out; START_SERVICE starts one
    /// whole (its segments' bytes, from the image in read-only memory), once;
    /// every other request is an error that starts nothing.
    #[test]
    fn an_on_demand_service_starts_when_asked_and_only_once() {
        let mut k = booted_from_rom();
        assert_eq!(names_of(&k), ["names", "app"], "fs and net wait");
        assert_eq!(k.on_demand.count(), 2);
        let t = asker(&mut k, b"fsnetapp\xffnothing");
        let at = 0x3000_0000;

        let r = start(&mut k, t, at, 2);
        assert_eq!(r[0], SyscallResult::Scalar1 as usize, "{r:?}");
        let fs = r[1] as u8;
        assert_eq!(k.procs.get(fs).map(|p| (p.name(), p.from_image)), Some(("fs", true)));
        assert!(!k.hw.rom_open, "the image is let go again");
        let mut data = vec![0u8; 0x3000];
        k.read_user(fs, 0x2_0000, &mut data).unwrap();
        assert!(data[..0x100].iter().all(|&b| b == 0x5a) && data[0x100..].iter().all(|&b| b == 0), "its data, then zeros");
        assert_eq!(state(&mut k, ThreadRef { pid: fs, tid: 1 }), ThreadState::Ready, "its first thread runs");

        assert_eq!(start(&mut k, t, at, 2), [SyscallResult::Scalar1 as usize, 0], "asked again: started before");
        k.terminate(fs, 0);
        assert_eq!(start(&mut k, t, at, 2), [SyscallResult::Scalar1 as usize, 0], "ended: not started twice");
        assert_eq!(start(&mut k, t, at + 5, 3), err(Error::ProcessNotFound), "the program is not on demand (it may bear a service's name)");
        assert_eq!(start(&mut k, t, at + 9, 7), err(Error::ProcessNotFound), "no such process");
        assert_eq!(start(&mut k, t, at + 8, 1), err(Error::InvalidArgument), "not UTF-8");
        assert_eq!(start(&mut k, t, at, 65), err(Error::InvalidArgument), "longer than a name");
        assert_eq!(start(&mut k, t, 0x5000_0000, 2), err(Error::BadAddress), "not readable");
        let child = k.create_process("child", false).unwrap();
        let c = ThreadRef { pid: child, tid: k.spawn_thread(child, 0x1_0000, 0x7fff_f000, [0; 4]).unwrap() };
        assert_eq!(start(&mut k, c, at, 2), err(Error::AccessDenied), "not a process of the image");
        assert!(!k.hw.rom_open);
        assert_eq!(names_of(&k), ["names", "app", "child"], "nothing started by the refused calls");

        let r = start(&mut k, t, at + 2, 3);
        assert_eq!(r[0], SyscallResult::Scalar1 as usize, "net: {r:?}");
        assert_eq!(k.procs.get(r[1] as u8).unwrap().name(), "net");
        assert_eq!(k.on_demand.count(), 0);
    }

    /// Short of memory, the service does not start and its frames come back;
    /// it may be asked again.
    #[test]
    fn a_service_that_finds_no_memory_may_be_asked_again() {
        let mut k = booted_from_rom();
        let t = asker(&mut k, b"fs");
        let mut hoard = Vec::new();
        while let Some(frame) = k.frames.alloc(crate::mem::frames::KERNEL) {
            hoard.push(frame);
        }
        let free = k.frames.free_count();
        assert_eq!(start(&mut k, t, 0x3000_0000, 2), err(Error::OutOfMemory));
        assert_eq!((k.frames.free_count(), names_of(&k).len()), (free, 2), "nothing kept");
        for frame in hoard {
            k.frames.free(frame, crate::mem::frames::KERNEL).unwrap();
        }
        assert_eq!(start(&mut k, t, 0x3000_0000, 2)[0], SyscallResult::Scalar1 as usize);
        assert_eq!(names_of(&k), ["names", "app", "fs"]);
    }

    /// An image in RAM cannot be read after boot: every process starts then.
    #[test]
    fn from_an_image_in_ram_everything_starts_at_boot() {
        let bytes = image();
        let parsed = boot_image::parse(&bytes).unwrap();
        let mut k = kernel_with_image(&bytes, 200);
        load_all(&mut k, &parsed, Stored::Ram(LOAD as usize)).unwrap();
        assert_eq!(names_of(&k), ["names", "fs", "net", "app"]);
        let t = asker(&mut k, b"fsdb");
        assert_eq!(start(&mut k, t, 0x3000_0000, 2), [SyscallResult::Scalar1 as usize, 0], "started at boot: as good as before");
        assert_eq!(start(&mut k, t, 0x3000_0002, 2), err(Error::ProcessNotFound), "the image has no such process");
    }
}
