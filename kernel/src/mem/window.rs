//! How the kernel reaches a frame's contents: the low RAM it maps directly,
//! or any other frame through a one-page window that is remapped only when
//! it must show another frame. This is the decision alone, plain logic
//! tested here; arch/riscv/hw.rs does the mapping and says why the kernel
//! works this way.

/// Where a frame is reachable now.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// In the direct map, this many bytes from its start.
    Direct(usize),
    /// In the window, which shows it already.
    Shown,
    /// In the window, which must be remapped to show it first.
    Remap,
}

pub struct Window {
    /// The physical address the direct map starts at, and how many bytes it covers.
    base: usize,
    direct: usize,
    /// The frame the window shows (0: none).
    shown: usize,
}

impl Window {
    /// Nothing mapped directly yet, nothing shown.
    pub const fn new() -> Window {
        Window { base: 0, direct: 0, shown: 0 }
    }

    /// The direct map covers `[base, base + bytes)`.
    pub fn set_direct(&mut self, base: usize, bytes: usize) {
        self.base = base;
        self.direct = bytes;
    }

    /// Bytes of RAM the direct map covers.
    pub fn direct(&self) -> usize {
        self.direct
    }

    /// How to reach frame `pa`; after `Remap` the window counts as showing it.
    #[inline(always)]
    pub fn reach(&mut self, pa: usize) -> Reach {
        let offset = pa.wrapping_sub(self.base);
        if offset < self.direct {
            Reach::Direct(offset)
        } else if self.shown == pa {
            Reach::Shown
        } else {
            self.shown = pa;
            Reach::Remap
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_frames_are_direct_and_the_window_remaps_only_for_a_new_frame() {
        let mut w = Window::new();
        w.set_direct(0x8000_0000, 0xc0_0000);
        assert_eq!(w.reach(0x8000_0000), Reach::Direct(0));
        assert_eq!(w.reach(0x80bf_f000), Reach::Direct(0xbf_f000));
        assert_eq!(w.reach(0x80c0_0000), Reach::Remap, "the first frame past the direct map");
        assert_eq!(w.reach(0x80c0_0000), Reach::Shown);
        assert_eq!(w.reach(0x8000_1000), Reach::Direct(0x1000), "direct frames leave the window as it is");
        assert_eq!(w.reach(0x80c0_0000), Reach::Shown);
        assert_eq!(w.reach(0x8fff_f000), Reach::Remap);
        assert_eq!(w.reach(0x80c0_0000), Reach::Remap, "shown before, but not any more");
        assert_eq!(w.reach(0x7fff_f000), Reach::Remap, "below the direct map");
    }

    #[test]
    fn nothing_is_direct_before_boot_says_so() {
        let mut w = Window::new();
        assert_eq!(w.reach(0x8000_0000), Reach::Remap);
        assert_eq!(w.direct(), 0);
    }
}
