//! `TidSet`: a set of thread ids of one process (0..=MAX_THREADS), one bit
//! each: the threads of a server's owner waiting to receive for it, the
//! detached threads of a process. Its first word holds ids 0..=31, the
//! ones every process uses, so the common case tests one word.

use xous_abi::limits::MAX_THREADS;

const WORDS: usize = (MAX_THREADS + 1).div_ceil(32);

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct TidSet([u32; WORDS]);

impl TidSet {
    pub const EMPTY: TidSet = TidSet([0; WORDS]);

    #[inline(always)]
    pub fn insert(&mut self, tid: u8) {
        self.0[tid as usize / 32] |= 1 << (tid % 32);
    }

    #[inline(always)]
    pub fn remove(&mut self, tid: u8) {
        self.0[tid as usize / 32] &= !(1 << (tid % 32));
    }

    #[inline(always)]
    pub fn contains(&self, tid: u8) -> bool {
        self.0[tid as usize / 32] & (1 << (tid % 32)) != 0
    }

    /// The lowest id in the set.
    #[inline(always)]
    pub fn first(&self) -> Option<u8> {
        if self.0[0] != 0 {
            return Some(self.0[0].trailing_zeros() as u8);
        }
        self.0.iter().position(|w| *w != 0).map(|i| (i * 32) as u8 + self.0[i].trailing_zeros() as u8)
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }

    /// Every id in the set, lowest first.
    pub fn iter(&self) -> impl Iterator<Item = u8> + '_ {
        (0..=MAX_THREADS).filter(|t| self.contains(*t as u8)).map(|t| t as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_every_id() {
        let mut s = TidSet::EMPTY;
        assert_eq!((s.first(), s.is_empty()), (None, true));
        for tid in [255u8, 32, 31, 0, 100] {
            s.insert(tid);
        }
        assert_eq!(s.iter().collect::<Vec<_>>(), [0, 31, 32, 100, 255]);
        assert_eq!(s.first(), Some(0));
        s.remove(0);
        s.remove(31);
        assert_eq!(s.first(), Some(32), "past the first word");
        assert!(s.contains(255) && !s.contains(254));
        for tid in [32, 100, 255] {
            s.remove(tid);
        }
        assert!(s.is_empty());
    }
}
