//! Splits the console stream (QEMU's serial output, framed by the kernel as
//! `xous_abi::console` defines) into the runner's stdout and stderr, chunk by
//! chunk as the pipe delivers it: each run of bytes for one destination is
//! written, and flushed, as soon as the chunk is decoded, so where both are
//! one terminal it shows them in the stream's order (the runner's stdout is
//! line-buffered: a prompt without a newline, kept back until the chunk's
//! end, came out after the stderr line that followed it).
//! It also keeps the first line of any Crash frame for the closing message,
//! and says when the kernel's console starts receiving (`INPUT_READY`).

use std::io::{self, Write};
use xous_abi::console::{Channel, Decoder};

/// The most of a crash message kept for the one-line summary.
const CRASH_LINE_MAX: usize = 200;

pub struct Demux<O: Write, E: Write> {
    decoder: Decoder,
    stdout: Sink<O>,
    stderr: Sink<E>,
    crashed: bool,
    crash_line: Vec<u8>,
    crash_line_done: bool,
    /// Told once, when the kernel says its console receives.
    input_ready: Option<std::sync::mpsc::Sender<()>>,
}

/// A destination that stops being written to after its first error (a
/// closed pipe, say) while the stream goes on being drained.
struct Sink<W: Write> {
    writer: W,
    failed: bool,
}

impl<W: Write> Sink<W> {
    fn write(&mut self, bytes: &[u8]) {
        if !self.failed && !bytes.is_empty() {
            self.failed = self.writer.write_all(bytes).is_err();
        }
    }

    fn flush(&mut self) {
        if !self.failed {
            self.failed = self.writer.flush().is_err();
        }
    }
}

impl<O: Write, E: Write> Demux<O, E> {
    pub fn new(stdout: O, stderr: E) -> Demux<O, E> {
        Demux {
            decoder: Decoder::default(),
            stdout: Sink { writer: stdout, failed: false },
            stderr: Sink { writer: stderr, failed: false },
            crashed: false,
            crash_line: Vec::new(),
            crash_line_done: false,
            input_ready: None,
        }
    }

    /// `ready` hears once when the guest's console can receive input.
    pub fn when_input_ready(&mut self, ready: std::sync::mpsc::Sender<()>) {
        self.input_ready = Some(ready);
    }

    /// Decodes one chunk and writes it out, run by run, in stream order.
    pub fn feed(&mut self, chunk: &[u8]) {
        let mut run: Vec<u8> = Vec::with_capacity(chunk.len());
        let mut run_is_stdout = false;
        for &byte in chunk {
            let Some((channel, byte)) = self.decoder.push(byte) else {
                continue;
            };
            if channel == Channel::Crash {
                self.note_crash(byte);
            }
            let is_stdout = channel == Channel::Stdout;
            if is_stdout != run_is_stdout && !run.is_empty() {
                self.write(run_is_stdout, &run);
                run.clear();
            }
            run_is_stdout = is_stdout;
            run.push(byte);
        }
        self.write(run_is_stdout, &run);
        if self.decoder.input_ready {
            if let Some(ready) = self.input_ready.take() {
                let _ = ready.send(());
            }
        }
    }

    fn write(&mut self, to_stdout: bool, bytes: &[u8]) {
        if to_stdout {
            self.stdout.write(bytes);
            self.stdout.flush();
        } else {
            self.stderr.write(bytes);
            self.stderr.flush();
        }
    }

    fn note_crash(&mut self, byte: u8) {
        self.crashed = true;
        if self.crash_line_done {
            return;
        }
        match byte {
            b'\n' if !self.crash_line.is_empty() => self.crash_line_done = true,
            b'\n' | b'\r' => {}
            _ if self.crash_line.len() < CRASH_LINE_MAX => self.crash_line.push(byte),
            _ => self.crash_line_done = true,
        }
    }

    /// The first line of what the Crash channel said, if it said anything.
    pub fn crash(&self) -> Option<String> {
        self.crashed.then(|| String::from_utf8_lossy(&self.crash_line).trim().to_string())
    }

    /// Copies `input` through until it ends.
    pub fn pump(&mut self, mut input: impl io::Read) -> io::Result<()> {
        let mut buffer = vec![0; 64 * 1024];
        loop {
            match input.read(&mut buffer) {
                Ok(0) => return Ok(()),
                Ok(n) => self.feed(&buffer[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xous_abi::console::{header, SYNC};

    fn frame(channel: Channel, text: &[u8]) -> Vec<u8> {
        let mut bytes = header(channel, text.len()).to_vec();
        bytes.extend_from_slice(text);
        bytes
    }

    /// Runs `stream` through a demux in chunks of `size`; returns
    /// (stdout, stderr, crash line).
    fn split(stream: &[u8], size: usize) -> (Vec<u8>, Vec<u8>, Option<String>) {
        let mut demux = Demux::new(Vec::new(), Vec::new());
        for chunk in stream.chunks(size) {
            demux.feed(chunk);
        }
        let crash = demux.crash();
        (demux.stdout.writer, demux.stderr.writer, crash)
    }

    fn sample_stream() -> Vec<u8> {
        let mut stream = b"early boot\n".to_vec();
        stream.extend(frame(Channel::Kernel, b"kernel: up\n"));
        stream.extend(frame(Channel::Stdout, b"hello, "));
        stream.extend(frame(Channel::Stderr, b"warning\n"));
        stream.extend(frame(Channel::Stdout, &[SYNC, b'w', b'o', b'r', b'l', b'd', b'\n']));
        stream
    }

    #[test]
    fn channels_go_to_their_destinations_whatever_the_chunking() {
        let stream = sample_stream();
        for size in [1, 2, 3, 5, 7, 64, stream.len()] {
            let (out, err, crash) = split(&stream, size);
            assert_eq!(out, [b"hello, ".as_slice(), &[SYNC], b"world\n"].concat(), "chunks of {size}");
            assert_eq!(err, b"early boot\nkernel: up\nwarning\n", "chunks of {size}");
            assert_eq!(crash, None);
        }
    }

    /// One terminal behind both: stdout through a LineWriter (as the
    /// runner's own stdout is), stderr straight.
    #[derive(Clone, Default)]
    struct Terminal(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl Write for Terminal {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_terminal_shows_both_channels_in_the_streams_order() {
        // A shell's prompt (stdout, no newline), then its error (stderr),
        // then stdout again, all in one chunk: the prompt must not wait in
        // stdout's line buffer while the error goes out.
        let mut stream = frame(Channel::Stdout, b"/home $ ");
        stream.extend(frame(Channel::Stderr, b"xsh: nosuch: command not found\n"));
        stream.extend(frame(Channel::Stdout, b"gave 127\n"));
        for size in [1, 5, stream.len()] {
            let terminal = Terminal::default();
            let mut demux = Demux::new(io::LineWriter::new(terminal.clone()), terminal.clone());
            for chunk in stream.chunks(size) {
                demux.feed(chunk);
            }
            let shown = terminal.0.borrow().clone();
            assert_eq!(String::from_utf8_lossy(&shown), "/home $ xsh: nosuch: command not found\ngave 127\n", "chunks of {size}");
        }
    }

    #[test]
    fn long_output_is_never_truncated() {
        let text: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let mut stream = Vec::new();
        for piece in text.chunks(xous_abi::console::MAX_PAYLOAD) {
            stream.extend(frame(Channel::Stdout, piece));
        }
        let (out, err, _) = split(&stream, 4096);
        assert_eq!(out, text);
        assert!(err.is_empty());
    }

    #[test]
    fn a_crash_is_shown_and_remembered() {
        let mut stream = frame(Channel::Stdout, b"ok\n");
        stream.extend(frame(Channel::Crash, b"\nkernel panic at sched.rs:42: no thread\nbacktrace...\n"));
        let (out, err, crash) = split(&stream, 3);
        assert_eq!(out, b"ok\n");
        assert_eq!(err, b"\nkernel panic at sched.rs:42: no thread\nbacktrace...\n");
        assert_eq!(crash.as_deref(), Some("kernel panic at sched.rs:42: no thread"));
        let (_, _, crash) = split(&frame(Channel::Crash, b""), 1);
        assert_eq!(crash, None, "an empty frame carries no byte");
        let (_, _, crash) = split(&frame(Channel::Crash, b"\n"), 1);
        assert_eq!(crash.as_deref(), Some(""), "a crash without words is still a crash");
    }

    #[test]
    fn a_closed_stdout_does_not_stop_stderr() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut demux = Demux::new(Closed, Vec::new());
        demux.pump(&sample_stream()[..]).unwrap();
        assert_eq!(demux.stderr.writer, b"early boot\nkernel: up\nwarning\n");
    }
}
