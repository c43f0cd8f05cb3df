//! UART2 over the UDMA at 0x5010_3000, the dabao's visible console. Its
//! two DMA channels (RX at 0x00, TX at 0x10: SADDR, SIZE, CFG) move bytes
//! between memory and the line; the custom registers from 0x20 give the
//! status, the setup and a byte at a time (VALID, DATA). In the model a
//! transmit completes at once, to the console output; a receive takes
//! bytes from the model's input as they are there. SADDR reads 0 once its
//! transfer is done, which is how drivers poll. The line's baud rate and
//! the channels' events (irqarray5 bits 8-11) are not modelled.

use std::collections::VecDeque;

pub const BASE: u32 = 0x5010_3000;
/// The UDMA's control page (clock gates, resets): stored, otherwise ignored.
pub const UDMA_CONTROL: u32 = 0x5010_0000;
/// The receive event: irqarray bank 5, event 8 (chip event 88), raised
/// while a received byte waits.
pub const RX_BANK: usize = 5;
pub const RX_EVENT: u32 = 1 << 8;
const RX_SADDR: u32 = 0x00;
const RX_SIZE: u32 = 0x04;
const RX_CFG: u32 = 0x08;
const TX_SADDR: u32 = 0x10;
const TX_SIZE: u32 = 0x14;
const TX_CFG: u32 = 0x18;
const STATUS: u32 = 0x20;
const SETUP: u32 = 0x24;
const VALID: u32 = 0x30;
const DATA: u32 = 0x34;
const CFG_EN: u32 = 1 << 4;
const CFG_CLEAR: u32 = 1 << 6;

/// A transfer the bus must carry out: bytes from memory to the line.
pub struct Transmit {
    pub addr: u32,
    pub len: u32,
}

#[derive(Default)]
pub struct Uart2 {
    pub output: Vec<u8>,
    /// Bytes the host has sent, not yet received by the guest.
    pub input: VecDeque<u8>,
    pub echo: bool,
    tx_saddr: u32,
    tx_size: u32,
    rx_saddr: u32,
    rx_size: u32,
    /// The receive in progress: where the next byte goes, how many remain.
    rx_next: u32,
    rx_left: u32,
    setup: u32,
}

impl Uart2 {
    pub fn read(&mut self, offset: u32) -> u32 {
        match offset {
            RX_SADDR => if self.rx_left > 0 { self.rx_next } else { 0 },
            RX_SIZE => self.rx_left,
            RX_CFG => if self.rx_left > 0 { CFG_EN } else { 0 },
            TX_SADDR | TX_SIZE | TX_CFG | STATUS => 0,
            SETUP => self.setup,
            VALID => !self.input.is_empty() as u32,
            DATA => self.input.pop_front().unwrap_or(0) as u32,
            _ => 0,
        }
    }

    /// A register write; a transmit started is returned for the bus to do.
    pub fn write(&mut self, offset: u32, value: u32) -> Option<Transmit> {
        match offset {
            RX_SADDR => self.rx_saddr = value,
            RX_SIZE => self.rx_size = value,
            RX_CFG if value & CFG_CLEAR != 0 => self.rx_left = 0,
            RX_CFG if value & CFG_EN != 0 => {
                self.rx_next = self.rx_saddr;
                self.rx_left = self.rx_size;
            }
            TX_SADDR => self.tx_saddr = value,
            TX_SIZE => self.tx_size = value,
            TX_CFG if value & CFG_EN != 0 && value & CFG_CLEAR == 0 => {
                return Some(Transmit { addr: self.tx_saddr, len: self.tx_size });
            }
            SETUP => self.setup = value,
            _ => {}
        }
        None
    }

    /// Sends bytes the bus read from memory.
    pub fn send(&mut self, bytes: &[u8]) {
        self.output.extend_from_slice(bytes);
        if self.echo {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(bytes);
            let _ = out.flush();
        }
    }

    /// The next byte of the receive in progress, and where it goes.
    pub fn receive(&mut self) -> Option<(u32, u8)> {
        if self.rx_left == 0 {
            return None;
        }
        let byte = self.input.pop_front()?;
        let at = self.rx_next;
        self.rx_next = self.rx_next.wrapping_add(1);
        self.rx_left -= 1;
        Some((at, byte))
    }
}
