//! A child's pipe as async I/O on Xous.
//!
//! A pipe to a child goes through the process manager, whose reads and writes
//! block; nothing can wait on them beside other I/O. So a `Pipe` hands its
//! blocking reads or writes to a thread of its own, started on first use, and
//! the task that asked is woken when the thread is done: one read at a time,
//! asked for by `poll_read`, and writes gathered in a buffer of `BUFFER` bytes
//! (back-pressure beyond it). The thread ends when the pipe is closed or
//! dropped (finishing the writes first); `into_inner` takes the pipe back when
//! nothing is in flight, for `into_stdio`.

use futures_lite::io::{AsyncRead, AsyncWrite};

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::thread;

/// Bytes read ahead or written behind, at most.
const BUFFER: usize = 16 * 1024;

/// What the task and the pipe's thread share.
struct State<T> {
    /// The pipe, while no thread holds it.
    io: Option<T>,
    /// The thread holds the pipe.
    running: bool,
    /// Read: the task wants bytes.
    wanted: bool,
    /// Bytes read and not yet taken, or written and not yet sent.
    data: VecDeque<u8>,
    /// The pipe is written to: `data` holds bytes to send.
    writing: bool,
    /// Write: the thread is sending bytes it took from `data`.
    sending: bool,
    /// Read: the end of the stream was reached.
    eof: bool,
    /// The error the last read or write met, for the task.
    error: Option<io::Error>,
    /// The thread must finish and end: give the pipe back (`Some(false)`)
    /// or drop it (`Some(true)`).
    stop: Option<bool>,
    /// The task to wake when the thread has done something.
    waker: Option<Waker>,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    /// Wakes the thread.
    work: Condvar,
    /// Tells `into_inner` the thread has ended.
    ended: Condvar,
}

/// A pipe to or from a child process, as async I/O.
pub(crate) struct Pipe<T> {
    shared: Arc<Shared<T>>,
}

impl<T> fmt::Debug for Pipe<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipe").finish_non_exhaustive()
    }
}

/// Wakes the task after the lock is let go (an executor may poll the task
/// inside `wake`, which takes the lock again).
fn wake_after<T>(mut state: MutexGuard<'_, State<T>>) {
    let waker = state.waker.take();
    drop(state);
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl<T: Send + 'static> Pipe<T> {
    pub(crate) fn new(io: T) -> Pipe<T> {
        Pipe {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    io: Some(io),
                    running: false,
                    wanted: false,
                    data: VecDeque::new(),
                    writing: false,
                    sending: false,
                    eof: false,
                    error: None,
                    stop: None,
                    waker: None,
                }),
                work: Condvar::new(),
                ended: Condvar::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts the thread with `work` if it does not run yet.
    fn start(&self, state: &mut State<T>, work: fn(Arc<Shared<T>>, T)) -> io::Result<()> {
        if state.running {
            return Ok(());
        }
        let io = state.io.take().expect("a pipe with no thread holds its I/O");
        let shared = self.shared.clone();
        // The pipe comes back through `State::io` when the thread ends.
        let (tx, rx) = std::sync::mpsc::channel::<T>();
        let spawned = thread::Builder::new()
            .name("async-process pipe".into())
            .spawn(move || {
                if let Ok(io) = rx.recv() {
                    work(shared, io)
                }
            });
        match spawned {
            Ok(_) => {
                state.running = true;
                let _ = tx.send(io);
                Ok(())
            }
            Err(e) => {
                state.io = Some(io);
                Err(e)
            }
        }
    }

    /// The pipe back (for `into_stdio`): after the writes given to it have
    /// been written; not while a read is in flight or read bytes wait, which
    /// would be lost.
    pub(crate) async fn into_inner(self) -> io::Result<T> {
        // Writes first, as a flush does.
        std::future::poll_fn(|cx| {
            let mut state = self.lock();
            if !state.writing || (state.data.is_empty() && !state.sending) {
                return Poll::Ready(());
            }
            state.waker = Some(cx.waker().clone());
            Poll::Pending
        })
        .await;
        let mut state = self.lock();
        if let Some(e) = state.error.take() {
            return Err(e);
        }
        if !state.data.is_empty() || state.wanted || state.sending {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "the pipe's output was partly read through its thread: it cannot become a Stdio now",
            ));
        }
        if state.running {
            // The thread is idle (nothing wanted, nothing to send): it ends
            // at once, giving the pipe back.
            state.stop = Some(false);
            self.shared.work.notify_all();
            while state.running {
                state = self
                    .shared
                    .ended
                    .wait(state)
                    .unwrap_or_else(|e| e.into_inner());
            }
        }
        state
            .io
            .take()
            .ok_or_else(|| io::Error::new(io::ErrorKind::BrokenPipe, "the pipe was closed"))
    }
}

/// The thread's end: keep or drop the pipe, and say so.
fn end<T>(shared: &Shared<T>, mut state: MutexGuard<'_, State<T>>, io: T) {
    if state.stop == Some(false) {
        state.io = Some(io);
    } else {
        drop(io);
    }
    state.running = false;
    shared.ended.notify_all();
    wake_after(state);
}

fn reader<T: Read>(shared: Arc<Shared<T>>, mut io: T) {
    let mut buf = vec![0; BUFFER];
    let mut state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        while !state.wanted && state.stop.is_none() {
            state = shared.work.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        if state.stop.is_some() {
            return end(&shared, state, io);
        }
        drop(state);
        let read = io.read(&mut buf);
        let mut done = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        done.wanted = false;
        match read {
            Ok(0) => done.eof = true,
            Ok(n) => done.data.extend(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => done.error = Some(e),
        }
        wake_after(done);
        state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
    }
}

fn writer<T: Write>(shared: Arc<Shared<T>>, mut io: T) {
    let mut state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        while state.data.is_empty() && state.stop.is_none() {
            state = shared.work.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        if state.data.is_empty() {
            return end(&shared, state, io);
        }
        let bytes: Vec<u8> = state.data.drain(..).collect();
        state.sending = true;
        drop(state);
        let written = io.write_all(&bytes).and_then(|()| io.flush());
        let mut done = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        done.sending = false;
        if let Err(e) = written {
            done.error = Some(e);
        }
        wake_after(done);
        state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
    }
}

impl<T: Read + Send + 'static> AsyncRead for Pipe<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let mut state = self.lock();
        if !state.data.is_empty() {
            let n = buf.len().min(state.data.len());
            for (to, from) in buf.iter_mut().zip(state.data.drain(..n)) {
                *to = from;
            }
            return Poll::Ready(Ok(n));
        }
        if let Some(e) = state.error.take() {
            return Poll::Ready(Err(e));
        }
        if state.eof || buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.start(&mut state, reader::<T>)?;
        state.wanted = true;
        state.waker = Some(cx.waker().clone());
        self.shared.work.notify_all();
        Poll::Pending
    }
}

impl<T: Write + Send + 'static> AsyncWrite for Pipe<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let mut state = self.lock();
        if let Some(e) = state.error.take() {
            return Poll::Ready(Err(e));
        }
        if state.stop.is_some() {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::BrokenPipe, "the pipe was closed")));
        }
        let room = BUFFER.saturating_sub(state.data.len());
        if room == 0 {
            state.waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        // The thread first: bytes taken are bytes it will write.
        self.start(&mut state, writer::<T>)?;
        state.writing = true;
        let n = room.min(buf.len());
        state.data.extend(&buf[..n]);
        self.shared.work.notify_all();
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = self.lock();
        if let Some(e) = state.error.take() {
            return Poll::Ready(Err(e));
        }
        if state.data.is_empty() && !state.sending {
            return Poll::Ready(Ok(()));
        }
        state.waker = Some(cx.waker().clone());
        Poll::Pending
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut state = self.lock();
        if !state.data.is_empty() || state.sending {
            state.waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        // Close the pipe: the thread drops it, or it is dropped here.
        state.stop = Some(true);
        state.io = None;
        self.shared.work.notify_all();
        match state.error.take() {
            Some(e) => Poll::Ready(Err(e)),
            None => Poll::Ready(Ok(())),
        }
    }
}

impl<T> Drop for Pipe<T> {
    fn drop(&mut self) {
        // The thread finishes the writes it has, then ends and drops the pipe.
        let mut state = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.stop.is_none() {
            state.stop = Some(true);
        }
        self.shared.work.notify_all();
    }
}
