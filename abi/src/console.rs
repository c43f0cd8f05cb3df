//! The console stream: how the one serial line carries several channels.
//!
//! The kernel owns the UART. Everything it sends is framed:
//! `SYNC, channel, length (u16 LE), payload`. 0xF5 never occurs in UTF-8
//! text, so a reader can tell frames from stray bytes (early boot text before
//! framing, say), which it treats as kernel output. The runner (xous-run)
//! splits the stream: stdout to its stdout, the rest to its stderr.
//!
//! The other way, the runner's stdin reaches the UART's receive side
//! encoded as [`input`] defines (an escape for 0xF5, an end-of-input mark,
//! and whether the runner's stdin is a terminal). The runner sends nothing
//! before the kernel's [`INPUT_READY`] frame: until the kernel has set up
//! the UART's receive FIFO, a byte could be lost.

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

/// An empty Kernel frame, which the kernel writes once at boot when its
/// console can receive: the runner starts sending input after it.
pub const INPUT_READY: [u8; HEADER_LEN] = [SYNC, Channel::Kernel as u8, 0, 0];

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
    /// An [`INPUT_READY`] frame has been seen.
    pub input_ready: bool,
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
                0 => {
                    self.input_ready |= ch == Channel::Kernel as u8;
                    (State::Idle, None)
                }
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

/// The runner's stdin as it travels to the guest: the bytes as they are,
/// except 0xF5 ([`SYNC`]), which starts a two-byte mark. The first mark
/// says whether the runner's stdin is a terminal; [`input::END`] says it
/// ended (nothing follows).
pub mod input {
    use super::SYNC;

    /// `SYNC, LITERAL`: one data byte 0xF5.
    pub const LITERAL: u8 = 0x00;
    /// `SYNC, END`: the runner's stdin ended (end of file).
    pub const END: u8 = 0x01;
    /// `SYNC, TERMINAL`: the runner's stdin is a terminal (sent first).
    pub const TERMINAL: u8 = 0x02;
    /// `SYNC, NOT_TERMINAL`: it is a pipe, a file or /dev/null (sent first).
    pub const NOT_TERMINAL: u8 = 0x03;

    /// Appends `data`, escaped, to `out`.
    pub fn encode(data: &[u8], out: &mut impl Extend<u8>) {
        for &b in data {
            match b {
                SYNC => out.extend([SYNC, LITERAL]),
                b => out.extend([b]),
            }
        }
    }

    /// What one received byte meant.
    #[derive(Copy, Clone, Debug, PartialEq, Eq)]
    pub enum Event {
        Data(u8),
        Terminal(bool),
        End,
    }

    /// Turns received bytes back into data and marks. An unknown mark is
    /// dropped (a newer runner's; never data).
    #[derive(Default)]
    pub struct Decoder {
        escaped: bool,
    }

    impl Decoder {
        pub const fn new() -> Decoder {
            Decoder { escaped: false }
        }

        pub fn push(&mut self, byte: u8) -> Option<Event> {
            if !self.escaped {
                self.escaped = byte == SYNC;
                return (byte != SYNC).then_some(Event::Data(byte));
            }
            self.escaped = false;
            match byte {
                LITERAL => Some(Event::Data(SYNC)),
                END => Some(Event::End),
                TERMINAL => Some(Event::Terminal(true)),
                NOT_TERMINAL => Some(Event::Terminal(false)),
                _ => None,
            }
        }
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

    #[test]
    fn the_ready_frame_is_noticed_and_prints_nothing() {
        let mut d = Decoder::default();
        let mut stream = Vec::from(*b"x");
        stream.extend(header(Channel::Stderr, 0));
        assert!(stream.iter().filter_map(|b| d.push(*b)).count() == 1 && !d.input_ready, "an empty stderr frame is not it");
        assert!(INPUT_READY.iter().filter_map(|b| d.push(*b)).next().is_none());
        assert!(d.input_ready);
    }

    #[test]
    fn input_round_trips_every_byte_and_the_marks() {
        use input::{Event, END, NOT_TERMINAL};
        let data: Vec<u8> = (0..=255u8).chain([SYNC, SYNC, 0, SYNC]).collect();
        let mut wire = Vec::from([SYNC, NOT_TERMINAL]);
        input::encode(&data, &mut wire);
        wire.extend([SYNC, 0x7e, SYNC, END]);
        let mut d = input::Decoder::default();
        let events: Vec<Event> = wire.iter().filter_map(|b| d.push(*b)).collect();
        assert_eq!(events[0], Event::Terminal(false));
        let bytes: Vec<u8> = events.iter().filter_map(|e| match e { Event::Data(b) => Some(*b), _ => None }).collect();
        assert_eq!(bytes, data);
        assert_eq!(events.last(), Some(&Event::End), "an unknown mark is dropped");
        assert_eq!(events.len(), data.len() + 2);
    }
}
