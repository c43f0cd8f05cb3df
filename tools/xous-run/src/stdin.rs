//! Our stdin, sent to the guest's console: through QEMU's stdin, which
//! `-serial stdio` connects to the UART's receive side, encoded as
//! `xous_abi::console::input` says (0xF5 escaped, a first mark saying
//! whether our stdin is a terminal, a last one saying it ended).
//!
//! Nothing is sent before the kernel says its console receives (until it
//! has set up the UART's FIFO a byte could be lost). Back-pressure is the
//! pipe's: QEMU reads its stdin only while the UART's FIFO has room, the
//! guest leaves bytes in the FIFO while its buffer is full, so our writes
//! block and we stop reading our stdin. A terminal is read as it is (its
//! own line editing and echo; Ctrl-D ends the input), and not at all when
//! we run in the background of it (a read would stop us): the guest then
//! sees the end at once.

use std::io::{self, IsTerminal, Read, Write};
use std::sync::mpsc::Receiver;
use xous_abi::console::{input, SYNC};

/// Copies `from` to `to` once `ready` says so; returns when `from` ends
/// (having said so to the guest) or QEMU is gone.
pub fn forward(from: io::Stdin, mut to: impl Write, ready: Receiver<()>) {
    if ready.recv().is_err() {
        return;
    }
    let terminal = from.is_terminal();
    let first = if terminal { input::TERMINAL } else { input::NOT_TERMINAL };
    if to.write_all(&[SYNC, first]).and_then(|_| to.flush()).is_err() {
        return;
    }
    if !(terminal && in_background()) {
        if copy(from, &mut to).is_err() {
            return;
        }
    }
    if to.write_all(&[SYNC, input::END]).and_then(|_| to.flush()).is_err() {
        return;
    }
    // QEMU's stdin stays open until QEMU ends (it is not told of our end
    // any other way than by the mark).
    loop {
        std::thread::park();
    }
}

/// Copies until `from` ends or fails (a failing stdin ends like an empty
/// one); an error only if writing to the guest failed.
fn copy(mut from: impl Read, to: &mut impl Write) -> io::Result<()> {
    let mut buffer = vec![0u8; 16 * 1024];
    let mut encoded = Vec::with_capacity(2 * buffer.len());
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return Ok(()),
        };
        encoded.clear();
        input::encode(&buffer[..n], &mut encoded);
        to.write_all(&encoded)?;
        to.flush()?;
    }
}

/// Whether we are in a background job of our terminal: our process group
/// is not the terminal's foreground group (`/proc/self/stat`, fields 5 and
/// 8). Unknown counts as foreground.
fn in_background() -> bool {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return false };
    // The command name, in parentheses, may hold spaces: count after it.
    let Some((_, rest)) = stat.rsplit_once(')') else { return false };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state(3) ppid(4) pgrp(5) session(6) tty_nr(7) tpgid(8).
    match (fields.get(2), fields.get(5)) {
        (Some(pgrp), Some(tpgid)) => pgrp != tpgid,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xous_abi::console::input::{Decoder, Event};

    #[test]
    fn every_byte_arrives_escaped_and_the_end_is_marked() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 256) as u8).collect();
        let mut wire = Vec::new();
        copy(&data[..], &mut wire).unwrap();
        let mut decoder = Decoder::new();
        let got: Vec<u8> = wire.iter().filter_map(|b| match decoder.push(*b) {
            Some(Event::Data(b)) => Some(b),
            _ => None,
        }).collect();
        assert_eq!(got, data);
    }
}
