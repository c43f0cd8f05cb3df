//! The chip's devices as the model has them, one file each, with their
//! register offsets from the chip's published register descriptions.

pub mod duart;
pub mod exit;
pub mod irqarray;
pub mod nor;
pub mod psram;
pub mod rram;
pub mod spim;
pub mod ticktimer;
pub mod timer0;
pub mod trng;
pub mod uart2;
