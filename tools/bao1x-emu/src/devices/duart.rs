//! The DUART, the chip's transmit-only debug UART at 0x4004_2000: a byte
//! written to SFR_TXD goes to the model's console output. The model's UART
//! is never busy (SFR_SR reads 0, as in the chip's own RTL simulation).

pub const BASE: u32 = 0x4004_2000;
const SFR_TXD: u32 = 0x00;
const SFR_CR: u32 = 0x04;
const SFR_SR: u32 = 0x08;
const SFR_ETUC: u32 = 0x0C;

#[derive(Default)]
pub struct Duart {
    /// Bytes transmitted and not yet taken by the host side.
    pub output: Vec<u8>,
    control: u32,
    bit_time: u32,
    /// Copy every byte to the host's stdout as it is sent.
    pub echo: bool,
}

impl Duart {
    pub fn read(&self, offset: u32) -> u32 {
        match offset {
            SFR_CR => self.control,
            SFR_ETUC => self.bit_time,
            SFR_SR | SFR_TXD => 0,
            _ => 0,
        }
    }

    pub fn write(&mut self, offset: u32, value: u32) {
        match offset {
            SFR_TXD => {
                let byte = value as u8;
                self.output.push(byte);
                if self.echo {
                    use std::io::Write;
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(&[byte]);
                    if byte == b'\n' {
                        let _ = out.flush();
                    }
                }
            }
            SFR_CR => self.control = value,
            SFR_ETUC => self.bit_time = value,
            _ => {}
        }
    }
}
