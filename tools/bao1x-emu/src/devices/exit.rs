//! A device that exists **only in the model**, never on silicon: writing
//! its `done` register ends the run with the written value as the exit
//! code. It sits where the chip's own RTL testbench has its `done` register
//! (0x4008_1000), so one test image ends both simulations; `report`
//! (0x4008_1008) prints a word to the model's stderr, as the testbench's does.

pub const BASE: u32 = 0x4008_1000;
const DONE: u32 = 0x00;
const REPORT: u32 = 0x08;

#[derive(Default)]
pub struct ExitDevice {
    /// Set once the guest has written `done`.
    pub code: Option<u32>,
    pub reports: Vec<u32>,
}

impl ExitDevice {
    pub fn read(&self, _offset: u32) -> u32 {
        0
    }

    pub fn write(&mut self, offset: u32, value: u32) {
        match offset {
            DONE => self.code = Some(value),
            REPORT => self.reports.push(value),
            _ => {}
        }
    }
}
