//! The irqarray banks: 20 pages of 16 events each, bank N driving
//! interrupt line N. Events come from software (EV_SOFT) and from the
//! devices that feed theirs in (UART2's receive, `raise`); EV_PENDING is
//! write-1-to-clear, and a line is raised while any event of its bank is
//! pending and enabled.

pub const BANKS: usize = 20;
const EV_SOFT: u32 = 0x00;
const EV_EDGE_TRIGGERED: u32 = 0x04;
const EV_POLARITY: u32 = 0x08;
const EV_STATUS: u32 = 0x0C;
const EV_PENDING: u32 = 0x10;
const EV_ENABLE: u32 = 0x14;

/// The bank whose register page is at `page` (LiteX orders the banks by
/// name: irqarray0, irqarray1, irqarray10..19, irqarray2..9 from 0xE000_4000).
pub fn bank_at(page: u32) -> Option<usize> {
    let index = page.checked_sub(0xE000_4000)? >> 12;
    match index {
        0 | 1 => Some(index as usize),
        2..=11 => Some(index as usize + 8),
        12..=19 => Some(index as usize - 10),
        _ => None,
    }
}

#[derive(Clone, Copy, Default)]
struct Bank {
    edge: u32,
    polarity: u32,
    pending: u32,
    enable: u32,
}

#[derive(Default)]
pub struct IrqArray {
    banks: [Bank; BANKS],
}

impl IrqArray {
    pub fn read(&self, bank: usize, offset: u32) -> u32 {
        let b = &self.banks[bank];
        match offset {
            EV_EDGE_TRIGGERED => b.edge,
            EV_POLARITY => b.polarity,
            EV_STATUS | EV_PENDING => b.pending,
            EV_ENABLE => b.enable,
            _ => 0,
        }
    }

    pub fn write(&mut self, bank: usize, offset: u32, value: u32) {
        let b = &mut self.banks[bank];
        let value = value & 0xFFFF;
        match offset {
            EV_SOFT => b.pending |= value,
            EV_EDGE_TRIGGERED => b.edge = value,
            EV_POLARITY => b.polarity = value,
            EV_PENDING => b.pending &= !value,
            EV_ENABLE => b.enable = value,
            _ => {}
        }
    }

    /// A device's event `bits` in `bank` happened: pending until cleared.
    pub fn raise(&mut self, bank: usize, bits: u32) {
        self.banks[bank].pending |= bits & 0xFFFF;
    }

    /// Lines 0-19.
    pub fn lines(&self) -> u32 {
        self.banks.iter().enumerate().fold(0, |lines, (n, b)| lines | ((b.pending & b.enable != 0) as u32) << n)
    }
}
