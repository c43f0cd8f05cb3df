//! The console stream: how the one serial line carries several channels.
//!
//! The kernel owns the UART. Everything it sends is framed:
//! `SYNC, channel, length (u16 LE), payload`. 0xF5 never occurs in UTF-8
//! text, so a reader can tell frames from stray bytes (early boot text before
//! framing, say), which it treats as kernel output. The runner (xous-run)
//! splits the stream: stdout to its stdout, the rest to its stderr.

pub const SYNC: u8 = 0xf5;
pub const HEADER_LEN: usize = 4;
/// Largest payload of one frame; longer writes are split, never truncated.
pub const MAX_PAYLOAD: usize = u16::MAX as usize;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Channel {
    /// The kernel's own messages (boot, faults).
    Kernel = 0,
    /// A program's standard output.
    Stdout = 1,
    /// A program's standard error (panics included).
    Stderr = 2,
    /// A crash of the kernel or of a service: the system cannot go on.
    Crash = 3,
}

impl Channel {
    pub fn from_u8(n: u8) -> Option<Channel> {
        [Channel::Kernel, Channel::Stdout, Channel::Stderr, Channel::Crash].into_iter().find(|c| *c as u8 == n)
    }
}

/// The header of a frame carrying `len` bytes on `channel`.
pub fn header(channel: Channel, len: usize) -> [u8; HEADER_LEN] {
    assert!(len <= MAX_PAYLOAD, "frame payload too long");
    let len = (len as u16).to_le_bytes();
    [SYNC, channel as u8, len[0], len[1]]
}

/// Splits a byte stream back into channels, one byte at a time (so it works
/// on whatever chunks a pipe delivers).
#[derive(Default)]
pub struct Decoder {
    state: State,
}

#[derive(Default, Clone, Copy)]
enum State {
    #[default]
    Idle,
    Channel,
    LenLow(u8),
    LenHigh(u8, u8),
    Payload(u8, u16),
}

impl Decoder {
    /// Feeds one byte; returns it with its channel when it is payload.
    /// An unknown channel number is reported as `Kernel`.
    pub fn push(&mut self, byte: u8) -> Option<(Channel, u8)> {
        let (next, out) = match self.state {
            State::Idle if byte == SYNC => (State::Channel, None),
            State::Idle => (State::Idle, Some((Channel::Kernel, byte))),
            State::Channel => (State::LenLow(byte), None),
            State::LenLow(ch) => (State::LenHigh(ch, byte), None),
            State::LenHigh(ch, low) => match u16::from_le_bytes([low, byte]) {
                0 => (State::Idle, None),
                len => (State::Payload(ch, len), None),
            },
            State::Payload(ch, left) => {
                let channel = Channel::from_u8(ch).unwrap_or(Channel::Kernel);
                let next = if left == 1 { State::Idle } else { State::Payload(ch, left - 1) };
                (next, Some((channel, byte)))
            }
        };
        self.state = next;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec::Vec;

    #[test]
    fn splits_channels_and_passes_stray_bytes_as_kernel_output() {
        let mut stream = Vec::from(*b"boot\n");
        stream.extend(header(Channel::Stdout, 2));
        stream.extend(b"hi");
        stream.extend(header(Channel::Stderr, 0));
        stream.extend(header(Channel::Stderr, 3));
        stream.extend([SYNC, b'!', 0xff]);
        let mut d = Decoder::default();
        let out: Vec<(Channel, u8)> = stream.iter().filter_map(|b| d.push(*b)).collect();
        let text = |c: Channel| out.iter().filter(|(ch, _)| *ch == c).map(|(_, b)| *b).collect::<Vec<u8>>();
        assert_eq!(text(Channel::Kernel), b"boot\n");
        assert_eq!(text(Channel::Stdout), b"hi");
        assert_eq!(text(Channel::Stderr), [SYNC, b'!', 0xff]);
    }
}
