//! `Slot<T>`: an `Option` whose empty state is guaranteed to be all zero
//! bytes (tag 0 first, `repr(u8)`). The kernel's big tables are made of
//! slots, so the empty kernel state is all zeros and lives in .bss: no image
//! bytes, and no stack to build it at boot.

#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot<T> {
    Empty = 0,
    Full(T) = 1,
}

impl<T> Slot<T> {
    pub fn is_empty(&self) -> bool {
        matches!(self, Slot::Empty)
    }

    pub fn as_ref(&self) -> Option<&T> {
        match self {
            Slot::Full(value) => Some(value),
            Slot::Empty => None,
        }
    }

    pub fn as_mut(&mut self) -> Option<&mut T> {
        match self {
            Slot::Full(value) => Some(value),
            Slot::Empty => None,
        }
    }

    pub fn take(&mut self) -> Option<T> {
        match core::mem::replace(self, Slot::Empty) {
            Slot::Full(value) => Some(value),
            Slot::Empty => None,
        }
    }
}

impl<T: Copy> Slot<T> {
    pub fn get(&self) -> Option<T> {
        self.as_ref().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The one `unsafe` outside `arch`: a host test reading a value's bytes.
    #[test]
    #[allow(unsafe_code)]
    fn empty_is_zero_bytes() {
        let empty: Slot<(u8, bool, u32)> = Slot::Empty;
        // SAFETY: reading the bytes of a plain value for the test.
        let bytes = unsafe { core::slice::from_raw_parts(&empty as *const _ as *const u8, 1) };
        assert_eq!(bytes, [0]);
        let mut full = Slot::Full((1, true, 2));
        assert_eq!(full.get(), Some((1, true, 2)));
        assert_eq!(full.take(), Some((1, true, 2)));
        assert!(full.is_empty());
    }
}
