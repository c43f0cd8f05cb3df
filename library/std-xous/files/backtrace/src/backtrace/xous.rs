//! std-xous: stack walking for xous, through the unwinder std already has
//! (the `unwinding` crate behind the `unwind` crate, which finds the
//! program's frame tables through `sys/pal/xous/eh_frame_hdr.rs`). The
//! backtrace crate's other walkers expect a C library; upstream sends xous
//! to the one that finds no frame. Symbols are not resolved here (the
//! program's debug information is not in its memory): std prints each
//! frame's address, and xous-run names them from the program's ELF.

use core::ffi::c_void;

#[derive(Clone)]
pub struct Frame {
    ip: usize,
    sp: usize,
    symbol_address: usize,
}

impl Frame {
    pub fn ip(&self) -> *mut c_void {
        self.ip as *mut c_void
    }

    pub fn sp(&self) -> *mut c_void {
        self.sp as *mut c_void
    }

    pub fn symbol_address(&self) -> *mut c_void {
        self.symbol_address as *mut c_void
    }

    pub fn module_base_address(&self) -> Option<*mut c_void> {
        None
    }
}

// The unwinder's entry points, exported by name by the `unwinding` crate;
// the context is opaque here.
unsafe extern "C" {
    fn _Unwind_Backtrace(
        walk: extern "C" fn(context: *mut c_void, state: *mut c_void) -> i32,
        state: *mut c_void,
    ) -> i32;
    fn _Unwind_GetIP(context: *mut c_void) -> usize;
    fn _Unwind_GetCFA(context: *mut c_void) -> usize;
    fn _Unwind_FindEnclosingFunction(pc: *mut c_void) -> *mut c_void;
}

/// What the walker answers to go on, or to stop.
const GO_ON: i32 = 0;
const STOP: i32 = 9;

/// Calls `cb` with each frame, innermost first, until it returns false.
pub unsafe fn trace(mut cb: &mut dyn FnMut(&super::Frame) -> bool) {
    let state = core::ptr::addr_of_mut!(cb).cast::<c_void>();
    // SAFETY: `state` points at `cb`, which outlives the walk; `visit` reads
    // it only during the walk.
    unsafe { _Unwind_Backtrace(visit, state) };
}

extern "C" fn visit(context: *mut c_void, state: *mut c_void) -> i32 {
    // SAFETY: the unwinder hands back the `state` given to it in `trace`,
    // and `context` is the frame it is at, valid during this call.
    let cb = unsafe { &mut *state.cast::<&mut dyn FnMut(&super::Frame) -> bool>() };
    let (ip, sp) = unsafe { (_Unwind_GetIP(context), _Unwind_GetCFA(context)) };
    let symbol_address = unsafe { _Unwind_FindEnclosingFunction(ip as *mut c_void) } as usize;
    let frame = super::Frame { inner: Frame { ip, sp, symbol_address } };
    if cb(&frame) { GO_ON } else { STOP }
}
