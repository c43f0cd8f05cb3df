//! Panic text arrives in scalars of at most 16 bytes (std's PanicWriter:
//! APPEND_PANIC_MESSAGE + n), each its own message. Written out one by
//! one, a line of it could be cut by anything else on the console between
//! two of them: the kernel's report of the same process's end, which the
//! kernel writes at once while the pieces still wait in this service's
//! queue, came out in the middle of `thread 'main' has overflowed its
//! stack`. So the pieces are gathered into whole lines, per process, and a
//! line goes out when it ends; what is left of one goes out when the same
//! process writes anything else (keeping its order), when another process's
//! panic text comes, when the line outgrows the buffer, or when the
//! process ends.

/// Bytes of one unfinished line kept; a longer line goes out in pieces this size.
pub const LINE_MAX: usize = 512;

pub struct PanicText {
    /// The process the kept bytes are of (0: none).
    pid: u8,
    kept: [u8; LINE_MAX],
    len: usize,
}

impl Default for PanicText {
    fn default() -> Self {
        Self::new()
    }
}

impl PanicText {
    pub const fn new() -> PanicText {
        PanicText { pid: 0, kept: [0; LINE_MAX], len: 0 }
    }

    /// Takes a piece of `pid`'s panic text; `out` gets whatever is ready
    /// to be written (whole lines, or an older process's rest first).
    pub fn append(&mut self, pid: u8, mut bytes: &[u8], out: &mut impl FnMut(&[u8])) {
        if self.pid != pid {
            self.flush(out);
            self.pid = pid;
        }
        while !bytes.is_empty() {
            let room = LINE_MAX - self.len;
            let take = bytes.len().min(room);
            self.kept[self.len..self.len + take].copy_from_slice(&bytes[..take]);
            self.len += take;
            bytes = &bytes[take..];
            // Out to the last line end, or all of it when the buffer is full.
            let upto = match self.kept[..self.len].iter().rposition(|&b| b == b'\n') {
                Some(end) => end + 1,
                None if self.len == LINE_MAX => LINE_MAX,
                None => 0,
            };
            if upto > 0 {
                out(&self.kept[..upto]);
                self.kept.copy_within(upto..self.len, 0);
                self.len -= upto;
            }
        }
    }

    /// Before anything else of `pid`'s (its stdout or stderr, its end):
    /// its unfinished line goes out first.
    pub fn before(&mut self, pid: u8, out: &mut impl FnMut(&[u8])) {
        if self.pid == pid {
            self.flush(out);
        }
    }

    /// Writes out whatever is kept.
    pub fn flush(&mut self, out: &mut impl FnMut(&[u8])) {
        if self.len > 0 {
            out(&self.kept[..self.len]);
            self.len = 0;
        }
        self.pid = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(text: &mut PanicText, steps: &[(u8, &str)]) -> Vec<String> {
        let mut written = Vec::new();
        for (pid, piece) in steps {
            text.append(*pid, piece.as_bytes(), &mut |b| written.push(String::from_utf8_lossy(b).into_owned()));
        }
        written
    }

    #[test]
    fn sixteen_byte_pieces_come_out_as_whole_lines() {
        let mut text = PanicText::new();
        let message = "thread 'main' has overflowed its stack\nfatal runtime error: stack overflow, aborting\n";
        let pieces: Vec<(u8, &str)> = message.as_bytes().chunks(16).map(|c| (5, core::str::from_utf8(c).unwrap())).collect();
        let written = collect(&mut text, &pieces);
        assert_eq!(written.concat(), message, "every byte, in order");
        assert!(written.iter().all(|w| w.ends_with('\n')), "only whole lines: {written:?}");
        assert!(written.iter().any(|w| w == "thread 'main' has overflowed its stack\n"), "{written:?}");
    }

    #[test]
    fn the_rest_of_a_line_goes_out_before_anything_else_of_its_process() {
        let mut text = PanicText::new();
        let mut written = collect(&mut text, &[(5, "no newline yet")]);
        assert!(written.is_empty());
        text.before(6, &mut |b| written.push(String::from_utf8_lossy(b).into_owned()));
        assert!(written.is_empty(), "another process's write does not flush it");
        text.before(5, &mut |b| written.push(String::from_utf8_lossy(b).into_owned()));
        assert_eq!(written, ["no newline yet"]);
        text.before(5, &mut |b| written.push(String::from_utf8_lossy(b).into_owned()));
        assert_eq!(written.len(), 1, "nothing twice");
    }

    #[test]
    fn another_processs_panic_text_comes_after_the_first_ones_rest() {
        let mut text = PanicText::new();
        let written = collect(&mut text, &[(5, "first, unfinish"), (6, "second\n"), (5, "ed\n")]);
        assert_eq!(written, ["first, unfinish", "second\n", "ed\n"]);
    }

    #[test]
    fn a_line_longer_than_the_buffer_goes_out_in_pieces_whole() {
        let mut text = PanicText::new();
        let long = "x".repeat(3 * LINE_MAX + 7) + "\n";
        let written = collect(&mut text, &[(5, &long)]);
        assert_eq!(written.concat(), long);
        assert!(written.iter().all(|w| w.len() <= LINE_MAX));
    }
}
