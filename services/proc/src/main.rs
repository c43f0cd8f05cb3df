//! The process manager: `std::process` and `std::io::pipe` for every
//! program, over IPC (the protocol is `xous_abi::services::proc`).
//!
//! Why a service, and not a loader inside std: a child must outlive
//! nothing of its parent's but be answered for by someone: waited on,
//! killed, its pipes kept while either side lives. A service that is the
//! kernel's parent of every child it starts watches all process ends once
//! (one exit watch, where the kernel has 16), holds the pipes between any
//! two programs (a pipe must survive the process that made it, as when a
//! parent hands both ends to two children), and reads the ELF file with
//! the same few requests for every program, whatever std its caller has.
//! std stays a thin client: it resolves the path (working directory,
//! `PATH`) and sends the request.
//!
//! Children of a process that ends live on (as on Unix), owned by no one:
//! their end is dropped when it comes. A parent waiting on a child that
//! faults gets the end `FAULTED` (std: an `ExitStatus` with no code).
//!
//! One server, registered with the name server as `_Process Manager_`;
//! requests are served one at a time. A READ of an empty pipe, a WRITE to a
//! full one and a WAIT on a running child are kept (their senders wait)
//! and answered when the pipe or the child changes.
#![no_std]
#![no_main]

extern crate alloc;

mod file;
mod loader;
mod mem;

use alloc::vec::Vec;
use proc::children::Children;
use proc::pipes::{Moved, Pipes};
use xous_abi::message::{kind, MessageSender};
use xous_abi::platform::{self, ExitNotice};
use xous_abi::services::proc::{self as proto, state, status, stdio};
use xous_rt::{reply, return_scalar, say, syscall, Envelope, Server, Syscall};

#[global_allocator]
static HEAP: service_heap::Heap = service_heap::Heap::new();

/// A request kept until it can be answered.
enum Kept {
    /// WAIT for `child` (its name, see `children.rs`) by `owner`.
    Wait { sender: usize, child: usize, owner: u8 },
    /// A READ or WRITE on `pipe` by `owner`.
    Data { message: Envelope, pipe: usize, owner: u8 },
}

struct Service {
    fs: Option<file::Fs>,
    children: Children,
    pipes: Pipes,
    kept: Vec<Kept>,
}

fn answer(sender: usize, words: [usize; 5]) {
    let _ = return_scalar(sender, &words);
}

impl Service {
    fn handle(&mut self, mut message: Envelope) {
        let caller = MessageSender(message.sender).pid();
        let word = message.args[0];
        match (message.kind, message.id) {
            (kind::MUTABLE_BORROW, proto::SPAWN) => {
                self.spawn(&mut message, caller);
                reply(&message, 0, 0, 0);
            }
            (kind::MUTABLE_BORROW, proto::READ) | (kind::BORROW, proto::WRITE) => self.data(message, caller),
            (kind::BLOCKING_SCALAR, proto::WAIT | proto::TRY_WAIT) => match self.children.take_end(word, caller) {
                Ok(Some((state, code))) => answer(message.sender, [status::OK, state, code as usize, 0, 0]),
                Ok(None) if message.id == proto::TRY_WAIT => answer(message.sender, [status::OK, state::RUNNING, 0, 0, 0]),
                Ok(None) => self.kept.push(Kept::Wait { sender: message.sender, child: word, owner: caller }),
                Err(e) => answer(message.sender, [e, 0, 0, 0, 0]),
            },
            (kind::BLOCKING_SCALAR, proto::KILL) => {
                let result = if self.children.is_running_child(word, caller) {
                    syscall(Syscall::PlatformSpecific, &[platform::KILL_CHILD, proto::child_pid(word) as usize]);
                    status::OK
                } else if self.children.owns(word, caller) {
                    status::OK
                } else {
                    status::NOT_CHILD
                };
                answer(message.sender, [result, 0, 0, 0, 0]);
            }
            (kind::BLOCKING_SCALAR, proto::PIPE) => match self.pipes.create(caller) {
                Ok((r, w)) => answer(message.sender, [status::OK, r, w, 0, 0]),
                Err(e) => answer(message.sender, [e, 0, 0, 0, 0]),
            },
            (kind::BLOCKING_SCALAR, proto::DUPLICATE) => match self.pipes.duplicate(word, caller, caller) {
                Ok(end) => answer(message.sender, [status::OK, end, 0, 0, 0]),
                Err(e) => answer(message.sender, [e, 0, 0, 0, 0]),
            },
            (kind::BLOCKING_SCALAR, proto::CLOSE) => match self.pipes.close(word, caller) {
                Ok(pipe) => {
                    answer(message.sender, [status::OK, 0, 0, 0, 0]);
                    self.retry(&[pipe]);
                }
                Err(e) => answer(message.sender, [e, 0, 0, 0, 0]),
            },
            (kind::BLOCKING_SCALAR, _) => answer(message.sender, [status::INVALID, 0, 0, 0, 0]),
            _ => reply(&message, status::INVALID, 0, 0),
        }
    }

    /// A READ or WRITE: answered now, or kept until the pipe changes.
    fn data(&mut self, mut message: Envelope, caller: u8) {
        let end = message.args[2];
        match self.pipes.pipe_of(end, caller) {
            Ok((pipe, _)) => {
                if !self.try_data(&mut message, caller) {
                    self.kept.push(Kept::Data { message, pipe, owner: caller });
                }
            }
            Err(e) => reply(&message, e, 0, 0),
        }
    }

    /// Moves what it can for a READ or WRITE and answers it; false if it
    /// must wait.
    fn try_data(&mut self, message: &mut Envelope, owner: u8) -> bool {
        let (end, wanted) = (message.args[2], message.args[3].min(message.args[1]));
        let moved = if message.id == proto::READ {
            self.pipes.read(end, owner, &mut message.bytes_mut()[..wanted])
        } else {
            self.pipes.write(end, owner, &message.bytes()[..wanted])
        };
        match moved {
            Ok(Moved::Wait) => return false,
            Ok(Moved::Bytes(n)) => reply(message, status::OK, n, 0),
            Err(e) => reply(message, e, 0, 0),
        }
        let (pipe, _) = self.pipes.pipe_of(end, owner).unwrap_or((usize::MAX, false));
        self.retry(&[pipe]);
        true
    }

    /// The kept READs and WRITEs on `pipes` try again (the pipes changed).
    fn retry(&mut self, pipes: &[usize]) {
        let mut i = 0;
        while i < self.kept.len() {
            if let Kept::Data { pipe, .. } = self.kept[i] {
                if pipes.contains(&pipe) {
                    let Kept::Data { mut message, owner, .. } = self.kept.remove(i) else { unreachable!() };
                    if !self.try_data(&mut message, owner) {
                        self.kept.insert(i, Kept::Data { message, pipe, owner });
                        i += 1;
                    }
                    continue;
                }
            }
            i += 1;
        }
    }

    fn process_ended(&mut self, notice: ExitNotice) {
        let pid = notice.pid;
        // What the ended process kept waiting is dropped (the reply frees
        // the kernel's record of the message; it goes nowhere).
        self.kept.retain(|k| match k {
            Kept::Wait { owner, sender, .. } if *owner == pid => {
                answer(*sender, [status::NOT_CHILD, 0, 0, 0, 0]);
                false
            }
            Kept::Data { owner, message, .. } if *owner == pid => {
                reply(message, status::NOT_CHILD, 0, 0);
                false
            }
            _ => true,
        });
        if let Some((owner, name)) = self.children.ended(pid, notice.code, notice.ending) {
            let waits = |k: &Kept| matches!(k, Kept::Wait { child, owner: o, .. } if *child == name && *o == owner);
            if self.kept.iter().any(waits) {
                let end = self.children.take_end(name, owner);
                self.kept.retain(|k| match k {
                    Kept::Wait { sender, .. } if waits(k) => {
                        match end {
                            Ok(Some((state, code))) => answer(*sender, [status::OK, state, code as usize, 0, 0]),
                            _ => answer(*sender, [status::NOT_CHILD, 0, 0, 0, 0]),
                        }
                        false
                    }
                    _ => true,
                });
            }
        }
        let changed = self.pipes.owner_ended(pid);
        self.retry(&changed);
    }

    /// SPAWN: the request as the module `xous_abi::services::proc` lays it
    /// out; the answer written in place.
    fn spawn(&mut self, message: &mut Envelope, caller: u8) {
        let page = message.bytes_mut();
        let (result, ends) = match self.start(page, caller) {
            Ok((child, ends)) => ((status::OK, child), ends),
            Err(e) => ((e, 0), [0; 3]),
        };
        if page.len() >= proto::PATH_AT {
            put(page, proto::STATUS_AT, result.0);
            put(page, proto::PID_AT, result.1);
            for (i, end) in ends.iter().enumerate() {
                put(page, proto::ENDS_AT + 4 * i, *end);
            }
        }
    }

    /// The child's name (`children.rs`) and the caller's pipe ends.
    fn start(&mut self, page: &[u8], caller: u8) -> Result<(usize, [usize; 3]), usize> {
        if page.len() < proto::PATH_AT {
            return Err(status::INVALID);
        }
        if !self.children.may_add(caller) {
            return Err(status::OUT_OF_MEMORY);
        }
        let (path_len, params_len) = (get(page, proto::PATH_LEN_AT), get(page, proto::PARAMS_LEN_AT));
        let end = proto::PATH_AT.checked_add(path_len).and_then(|e| e.checked_add(params_len)).ok_or(status::INVALID)?;
        if end > page.len() || path_len == 0 {
            return Err(status::INVALID);
        }
        let path = &page[proto::PATH_AT..proto::PATH_AT + path_len];
        let mut params = page[proto::PATH_AT + path_len..end].to_vec();
        if xous_abi::params::declared_len(&params) != Some(params.len()) {
            return Err(status::INVALID);
        }
        let block_at = xous_abi::params::block(&params, proto::PROC_BLOCK_MAGIC)
            .filter(|b| b.len() >= proto::PROC_CWD_AT)
            .map(|b| b.as_ptr() as usize - params.as_ptr() as usize)
            .ok_or(status::INVALID)?;
        // The child's ends are made for owner 0 (no process) until it has a
        // pid; any failure closes them again.
        let mut parent_ends = [0; 3];
        let mut setup = || -> Result<(), usize> {
            for i in 0..3 {
                let (kind, end) = (get(page, proto::KINDS_AT + 4 * i) as u32, get(page, proto::ENDS_AT + 4 * i));
                let (child_kind, child_end) = match kind {
                    stdio::CONSOLE | stdio::NULL => (kind, 0),
                    stdio::PIPE => {
                        let (r, w) = self.pipes.create(caller)?;
                        let (mine, theirs) = if i == 0 { (w, r) } else { (r, w) };
                        self.pipes.hand_over(theirs, caller, 0)?;
                        parent_ends[i] = mine;
                        (stdio::END, theirs)
                    }
                    stdio::END => (stdio::END, self.pipes.duplicate(end, caller, 0)?),
                    _ => return Err(status::INVALID),
                };
                put(&mut params, block_at + proto::PROC_KINDS_AT + 4 * i, child_kind as usize);
                put(&mut params, block_at + proto::PROC_ENDS_AT + 4 * i, child_end);
            }
            Ok(())
        };
        if self.fs.is_none() {
            self.fs = file::Fs::connect();
        }
        let fs = self.fs.as_mut().ok_or(status::FILESYSTEM);
        let result = setup().and_then(|()| loader::load(fs?, path, &params));
        match result {
            Ok(pid) => {
                for end in (0..3).map(|i| get(&params, block_at + proto::PROC_ENDS_AT + 4 * i)).filter(|e| *e != 0) {
                    let _ = self.pipes.hand_over(end, 0, pid);
                }
                Ok((self.children.add(pid, caller), parent_ends))
            }
            Err(e) => {
                self.pipes.owner_ended(0);
                for end in parent_ends.into_iter().filter(|e| *e != 0) {
                    let _ = self.pipes.close(end, caller);
                }
                Err(e)
            }
        }
    }
}

fn get(page: &[u8], at: usize) -> usize {
    u32::from_le_bytes([page[at], page[at + 1], page[at + 2], page[at + 3]]) as usize
}

fn put(page: &mut [u8], at: usize, value: usize) {
    page[at..at + 4].copy_from_slice(&(value as u32).to_le_bytes());
}

fn main(_params: usize) -> usize {
    let server = Server::create(proto::SID);
    if xous_rt::watch_exits(proto::SID, proto::PROCESS_ENDED).is_err() {
        say("proc: cannot watch for process exits; no child's end will be known\n");
    }
    if !xous_rt::register_name(proto::NAME, proto::SID) {
        say("proc: cannot register with the name server\n");
    }
    let mut service = Service { fs: None, children: Children::default(), pipes: Pipes::default(), kept: Vec::new() };
    loop {
        let message = server.receive();
        match ExitNotice::from_envelope(message.sender, message.kind, message.id, message.args, proto::PROCESS_ENDED) {
            Some(notice) => service.process_ended(notice),
            None => service.handle(message),
        }
    }
}

xous_rt::entry!(main);
