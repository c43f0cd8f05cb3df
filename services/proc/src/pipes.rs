//! Pipes: a bounded buffer each, and ends that processes hold.
//!
//! An end is a number that names one side (read or write) of one pipe for
//! one process; a process uses only its own ends. A pipe holds at most
//! `CAPACITY` bytes: a write takes what fits, and waits (the caller keeps
//! the request) when nothing does; a read takes what is there, and waits
//! when nothing is. Once no write end is left a read of an empty pipe is
//! the end of the data (0 bytes); once no read end is left a write is
//! BROKEN_PIPE. A pipe goes when its last end does.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use xous_abi::services::proc::status;

/// Bytes a pipe holds (four pages, as a page is what one message carries).
pub const CAPACITY: usize = 4 * 4096;
/// Ends in the whole system (a bound, as every table has).
pub const MAX_ENDS: usize = 256;
/// Ends one process may hold (so no process takes the whole table; a
/// child being started counts as its parent's until it has its own).
pub const PROCESS_ENDS: usize = 64;

struct Pipe {
    data: VecDeque<u8>,
    readers: usize,
    writers: usize,
}

#[derive(Clone, Copy)]
struct End {
    pipe: usize,
    write: bool,
    owner: u8,
}

/// What a read or write did: moved bytes, or must wait.
#[derive(Debug, PartialEq, Eq)]
pub enum Moved {
    Bytes(usize),
    Wait,
}

#[derive(Default)]
pub struct Pipes {
    pipes: Vec<Option<Pipe>>,
    /// By end number - 1 (0 names no end).
    ends: Vec<Option<End>>,
}

impl Pipes {
    fn held_by(&self, owner: u8) -> usize {
        self.ends.iter().filter(|e| e.is_some_and(|e| e.owner == owner)).count()
    }

    fn new_end(&mut self, end: End) -> Result<usize, usize> {
        if end.owner != 0 && self.held_by(end.owner) >= PROCESS_ENDS {
            return Err(status::OUT_OF_MEMORY);
        }
        let slot = match self.ends.iter().position(Option::is_none) {
            Some(i) => i,
            None if self.ends.len() < MAX_ENDS => {
                self.ends.push(None);
                self.ends.len() - 1
            }
            None => return Err(status::OUT_OF_MEMORY),
        };
        self.ends[slot] = Some(end);
        let pipe = self.pipes[end.pipe].as_mut().expect("an end names a pipe");
        if end.write {
            pipe.writers += 1;
        } else {
            pipe.readers += 1;
        }
        Ok(slot + 1)
    }

    fn end(&self, end: usize, owner: u8) -> Result<End, usize> {
        let e = end.checked_sub(1).and_then(|i| *self.ends.get(i)?).ok_or(status::NOT_CHILD)?;
        if e.owner == owner { Ok(e) } else { Err(status::NOT_CHILD) }
    }

    /// A new pipe: (read end, write end), both `owner`'s.
    pub fn create(&mut self, owner: u8) -> Result<(usize, usize), usize> {
        let free = self.ends.iter().filter(|e| e.is_none()).count() + MAX_ENDS.saturating_sub(self.ends.len());
        if free < 2 || self.held_by(owner) + 2 > PROCESS_ENDS {
            return Err(status::OUT_OF_MEMORY);
        }
        let pipe = Pipe { data: VecDeque::new(), readers: 0, writers: 0 };
        let index = match self.pipes.iter().position(Option::is_none) {
            Some(i) => {
                self.pipes[i] = Some(pipe);
                i
            }
            None => {
                self.pipes.push(Some(pipe));
                self.pipes.len() - 1
            }
        };
        let read = self.new_end(End { pipe: index, write: false, owner })?;
        let write = self.new_end(End { pipe: index, write: true, owner })?;
        Ok((read, write))
    }

    /// A second end like `end` (`owner`'s) on the same pipe, for `to`.
    pub fn duplicate(&mut self, end: usize, owner: u8, to: u8) -> Result<usize, usize> {
        let e = self.end(end, owner)?;
        self.new_end(End { owner: to, ..e })
    }

    /// Gives `end` (now `owner`'s) to `to` (a child, once it has a pid).
    pub fn hand_over(&mut self, end: usize, owner: u8, to: u8) -> Result<(), usize> {
        self.end(end, owner)?;
        if let Some(Some(e)) = self.ends.get_mut(end - 1) {
            e.owner = to;
        }
        Ok(())
    }

    /// The pipe of `end`, and whether it is a write end.
    pub fn pipe_of(&self, end: usize, owner: u8) -> Result<(usize, bool), usize> {
        self.end(end, owner).map(|e| (e.pipe, e.write))
    }

    pub fn close(&mut self, end: usize, owner: u8) -> Result<usize, usize> {
        let e = self.end(end, owner)?;
        self.ends[end - 1] = None;
        let slot = &mut self.pipes[e.pipe];
        let pipe = slot.as_mut().expect("an end names a pipe");
        if e.write {
            pipe.writers -= 1;
        } else {
            pipe.readers -= 1;
        }
        if pipe.readers + pipe.writers == 0 {
            *slot = None;
        }
        Ok(e.pipe)
    }

    /// Every end `owner` holds closes; the pipes that changed.
    pub fn owner_ended(&mut self, owner: u8) -> Vec<usize> {
        let mine: Vec<usize> = (1..=self.ends.len()).filter(|&n| self.ends[n - 1].is_some_and(|e| e.owner == owner)).collect();
        mine.into_iter().filter_map(|n| self.close(n, owner).ok()).collect()
    }

    pub fn read(&mut self, end: usize, owner: u8, out: &mut [u8]) -> Result<Moved, usize> {
        let e = self.end(end, owner)?;
        if e.write {
            return Err(status::INVALID);
        }
        let pipe = self.pipes[e.pipe].as_mut().expect("an end names a pipe");
        if pipe.data.is_empty() {
            return Ok(if pipe.writers == 0 || out.is_empty() { Moved::Bytes(0) } else { Moved::Wait });
        }
        let n = out.len().min(pipe.data.len());
        for (o, b) in out.iter_mut().zip(pipe.data.drain(..n)) {
            *o = b;
        }
        Ok(Moved::Bytes(n))
    }

    pub fn write(&mut self, end: usize, owner: u8, data: &[u8]) -> Result<Moved, usize> {
        let e = self.end(end, owner)?;
        if !e.write {
            return Err(status::INVALID);
        }
        let pipe = self.pipes[e.pipe].as_mut().expect("an end names a pipe");
        if pipe.readers == 0 {
            return Err(status::BROKEN_PIPE);
        }
        let n = data.len().min(CAPACITY - pipe.data.len());
        if n == 0 && !data.is_empty() {
            return Ok(Moved::Wait);
        }
        pipe.data.extend(&data[..n]);
        Ok(Moved::Bytes(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_flow_and_a_full_pipe_waits() {
        let mut p = Pipes::default();
        let (r, w) = p.create(2).unwrap();
        assert_eq!(p.read(r, 2, &mut [0; 8]), Ok(Moved::Wait), "empty, a writer left");
        assert_eq!(p.write(w, 2, b"hello"), Ok(Moved::Bytes(5)));
        let mut buf = [0; 3];
        assert_eq!(p.read(r, 2, &mut buf), Ok(Moved::Bytes(3)));
        assert_eq!(&buf, b"hel");
        let big = alloc::vec![7u8; CAPACITY];
        assert_eq!(p.write(w, 2, &big), Ok(Moved::Bytes(CAPACITY - 2)), "what fits");
        assert_eq!(p.write(w, 2, &big), Ok(Moved::Wait), "full");
        assert_eq!(p.read(w, 2, &mut buf), Err(status::INVALID), "not a read end");
        assert_eq!(p.write(r, 2, b"x"), Err(status::INVALID), "not a write end");
        assert_eq!(p.read(r, 3, &mut buf), Err(status::NOT_CHILD), "another's end");
        assert_eq!(p.read(0, 2, &mut buf), Err(status::NOT_CHILD));
        assert_eq!(p.read(9999, 2, &mut buf), Err(status::NOT_CHILD));
    }

    #[test]
    fn the_last_writer_gone_is_the_end_the_last_reader_gone_breaks_it() {
        let mut p = Pipes::default();
        let (r, w) = p.create(2).unwrap();
        let w2 = p.duplicate(w, 2, 5).unwrap();
        p.write(w2, 5, b"ab").unwrap();
        p.close(w, 2).unwrap();
        assert_eq!(p.read(r, 2, &mut [0; 1]), Ok(Moved::Bytes(1)));
        assert_eq!(p.owner_ended(5).len(), 1);
        assert_eq!(p.read(r, 2, &mut [0; 4]), Ok(Moved::Bytes(1)), "what was written stays");
        assert_eq!(p.read(r, 2, &mut [0; 4]), Ok(Moved::Bytes(0)), "then the end");
        let (r, w) = p.create(3).unwrap();
        p.hand_over(r, 3, 6).unwrap();
        assert_eq!(p.close(r, 3), Err(status::NOT_CHILD), "handed over");
        p.close(r, 6).unwrap();
        assert_eq!(p.write(w, 3, b"x"), Err(status::BROKEN_PIPE));
        p.close(w, 3).unwrap();
        assert_eq!(p.close(w, 3), Err(status::NOT_CHILD), "closed twice");
    }

    #[test]
    fn the_end_table_is_bounded_and_reused() {
        let mut p = Pipes::default();
        let mut made = Vec::new();
        while let Ok(pair) = p.create(2) {
            made.push(pair);
        }
        assert_eq!(made.len(), PROCESS_ENDS / 2, "one process's share");
        assert_eq!(p.duplicate(made[0].0, 2, 2), Err(status::OUT_OF_MEMORY));
        for owner in 3..=6 {
            while let Ok(pair) = p.create(owner) {
                made.push(pair);
            }
        }
        assert_eq!(made.len(), MAX_ENDS / 2, "the whole table");
        let (r, w) = made[0];
        p.close(r, 2).unwrap();
        assert_eq!(p.create(2), Err(status::OUT_OF_MEMORY), "one free end is not two");
        p.close(w, 2).unwrap();
        assert!(p.create(2).is_ok());
    }
}
