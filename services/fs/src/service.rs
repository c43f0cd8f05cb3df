//! The requests, served one at a time on the filesystem: data through
//! READ and WRITE, everything else through the request page. Whatever a
//! request holds (unknown opcodes, wrong kinds, bad lengths, another
//! process's handle) gets an error reply, never a crash.
//!
//! When things become durable: a request that changes names or
//! attributes (create, remove, rename, link, readonly, times) commits before it
//! answers; file content (WRITE, SET_LEN) is committed by SYNC, by closing
//! a handle that wrote, by the next committing request, or when much is
//! pending.
//!
//! A disk refused at boot (`fs::Refusal`: not ours, damaged, too small,
//! blank and write-protected) is never written: every request gets the
//! refusal's status (`DISK_NOT_OURS`, ...), which std turns into an error
//! naming the reason.
//!
//! On a write-protected disk the filesystem is mounted read-only: every
//! request that would change it gets READ_ONLY_FILESYSTEM (std's
//! `ErrorKind::ReadOnlyFilesystem`) and nothing is ever written.
//!
//! RAW_BENCH (the block device alone, `Fs::raw_bench`) is served only by
//! a build with the `bench` feature, which only `./x bench` makes
//! (xtask/src/bench.rs, `bench_service`) and boots in place of this
//! service; here it is an unknown opcode. A feature rather than a program
//! of its own: the raw figure must come from the same driver, device
//! queue and free blocks the filesystem writes through, which only this
//! process holds (it owns the disk), and std::fs's protocol cannot ask
//! for the device without the filesystem.

use crate::clock::Clock;
use crate::disk::Disk;
use crate::handles::{Handle, Handles};
use crate::request::{wire_kind, Request};
use alloc::rc::Rc;
use core::cell::Cell;
use fs::{Fs, FsError, Refusal, KIND_DIR};
use xous_abi::message::{kind, MessageSender};
use xous_abi::services::fs::{self as proto, error, open};
use xous_rt::{reply, return_scalar, Envelope};

pub struct Service {
    /// The filesystem, or why the disk was refused: every request then
    /// gets the refusal's status.
    fs: core::result::Result<Fs<Disk>, Refusal>,
    handles: Handles,
    clock: Clock,
}


impl Service {
    pub fn new(fs: core::result::Result<Fs<Disk>, Refusal>, clock: Clock) -> Service {
        Service { fs, handles: Handles::new(), clock }
    }

    /// A process ended: its handles close.
    pub fn process_ended(&mut self, pid: u8) {
        let Ok(fs) = &mut self.fs else { return };
        let closed = self.handles.remove_all_of(pid);
        let dirty = closed.iter().any(|h| h.dirty);
        for handle in closed {
            let _ = fs.close_ref(handle.inode);
        }
        if dirty {
            let _ = fs.sync();
        }
    }

    pub fn handle(&mut self, mut message: Envelope) {
        let pid = MessageSender(message.sender).pid();
        match (message.kind, message.id) {
            (kind::MUTABLE_BORROW, proto::READ) => {
                let (status, count) = match self.read(&mut message, pid) {
                    Ok(count) => (0, count),
                    Err(e) => (e, 0),
                };
                reply(&message, status as usize, count, 0);
            }
            (kind::BORROW, proto::WRITE) => {
                let (status, count) = match self.write(&message, pid) {
                    Ok(count) => (0, count),
                    Err(e) => (e, 0),
                };
                reply(&message, status as usize, count, 0);
            }
            (kind::MUTABLE_BORROW, id) if message.args[1] >= 4096 => {
                let mut request = Request { page: message.bytes_mut() };
                if let Err(status) = self.request(id, &mut request, pid) {
                    request.reply(status);
                }
                reply(&message, 0, 0, 0);
            }
            (kind::BLOCKING_SCALAR, _) => {
                let _ = return_scalar(message.sender, &[error::BAD_REQUEST as usize]);
            }
            _ => reply(&message, error::BAD_REQUEST as usize, 0, 0),
        }
    }

    fn read(&mut self, message: &mut Envelope, pid: u8) -> core::result::Result<usize, u32> {
        let fs = self.fs.as_mut().map_err(|refusal| refusal.code())?;
        let handle = self.handles.get(message.args[2], pid).ok_or(error::BAD_HANDLE)?;
        if !handle.read {
            return Err(error::PERMISSION_DENIED);
        }
        let wanted = message.args[3].min(message.args[1]).min(proto::DATA_MAX);
        let (inode, position) = (handle.inode, handle.position.get());
        let count = fs.read(inode, position, &mut message.bytes_mut()[..wanted]).map_err(FsError::code)?;
        handle.position.set(position + count as u64);
        Ok(count)
    }

    fn write(&mut self, message: &Envelope, pid: u8) -> core::result::Result<usize, u32> {
        let fs = self.fs.as_mut().map_err(|refusal| refusal.code())?;
        let handle = self.handles.get(message.args[2], pid).ok_or(error::BAD_HANDLE)?;
        if !handle.write {
            return Err(error::PERMISSION_DENIED);
        }
        if handle.append {
            handle.position.set(fs.attr(handle.inode).map_err(FsError::code)?.size);
        }
        let data = &message.bytes()[..message.args[3].min(message.args[1]).min(proto::DATA_MAX)];
        let position = handle.position.get();
        let count = fs.write(handle.inode, position, data, self.clock.now()).map_err(FsError::code)?;
        handle.position.set(position + count as u64);
        handle.dirty = true;
        Ok(count)
    }

    fn request(&mut self, id: usize, request: &mut Request, pid: u8) -> core::result::Result<(), u32> {
        let fs = self.fs.as_mut().map_err(|refusal| refusal.code())?;
        if fs.read_only() && changes(id, request) {
            return Err(error::READ_ONLY_FILESYSTEM);
        }
        let now = self.clock.now();
        let handles = &mut self.handles;
        let code = |e: FsError| e.code();
        match id {
            proto::OPEN => {
                let flags = request.a();
                let write = flags & (open::WRITE | open::APPEND) != 0;
                let changes = write || flags & (open::TRUNCATE | open::CREATE | open::CREATE_NEW) != 0;
                let path = request.path().map_err(code)?;
                let inode = fs
                    .open(path, flags & open::CREATE != 0, flags & open::CREATE_NEW != 0, flags & open::TRUNCATE != 0, changes, now)
                    .map_err(code)?;
                let attr = fs.attr(inode).map_err(code)?;
                let handle = Handle { pid, inode, position: Rc::new(Cell::new(0)), read: flags & open::READ != 0, write, append: flags & open::APPEND != 0, dirty: false };
                let number = handles.add(handle).ok_or(error::TOO_MANY_OPEN)?;
                fs.open_ref(inode);
                if flags & (open::CREATE | open::CREATE_NEW | open::TRUNCATE) != 0 {
                    fs.sync().map_err(code)?;
                }
                request.attributes(number as u64, &attr);
            }
            proto::STAT | proto::LSTAT => {
                let inode = fs.lookup(request.path().map_err(code)?, id == proto::STAT).map_err(code)?;
                let attr = fs.attr(inode).map_err(code)?;
                request.attributes(0, &attr);
            }
            proto::FSTAT => {
                let handle = handles.get(request.handle(), pid).ok_or(error::BAD_HANDLE)?;
                let attr = fs.attr(handle.inode).map_err(code)?;
                request.attributes(0, &attr);
            }
            proto::READ_DIR => {
                let inode = fs.resolve(request.path().map_err(code)?).map_err(code)?;
                let cursor = request.a();
                let page = request.reply(0);
                let (mut at, mut count) = (proto::ENTRIES_AT, 0u32);
                let next = fs
                    .read_dir(inode, cursor, |kind, name| {
                        if at + 2 + name.len() > page.len() {
                            return false;
                        }
                        page[at] = wire_kind(kind);
                        page[at + 1] = name.len() as u8;
                        page[at + 2..at + 2 + name.len()].copy_from_slice(name);
                        at += 2 + name.len();
                        count += 1;
                        true
                    })
                    .map_err(code)?;
                page[proto::COUNT_AT..proto::COUNT_AT + 4].copy_from_slice(&count.to_le_bytes());
                page[proto::VALUE_AT..proto::VALUE_AT + 8].copy_from_slice(&next.unwrap_or(proto::END).to_le_bytes());
            }
            proto::CREATE_DIR => {
                fs.create_dir(request.path().map_err(code)?, now).map_err(code)?;
                fs.sync().map_err(code)?;
                request.reply(0);
            }
            proto::REMOVE_FILE | proto::REMOVE_DIR => {
                let path = request.path().map_err(code)?;
                if id == proto::REMOVE_FILE { fs.remove_file(path, now) } else { fs.remove_dir(path, now) }.map_err(code)?;
                fs.sync().map_err(code)?;
                request.reply(0);
            }
            proto::RENAME => {
                fs.rename(request.path().map_err(code)?, request.path2().map_err(code)?, now).map_err(code)?;
                fs.sync().map_err(code)?;
                request.reply(0);
            }
            proto::SET_READONLY | proto::SET_TIMES | proto::SET_TIMES_NOFOLLOW => {
                let inode = match request.handle() {
                    0 => fs.lookup(request.path().map_err(code)?, id != proto::SET_TIMES_NOFOLLOW).map_err(code)?,
                    number => handles.get(number, pid).ok_or(error::BAD_HANDLE)?.inode,
                };
                let keep = |t: u64| (t != proto::KEEP).then_some(t);
                if id == proto::SET_READONLY {
                    fs.set_readonly(inode, request.a() != 0)
                } else {
                    fs.set_times(inode, keep(request.a()), keep(request.b()))
                }
                .map_err(code)?;
                fs.sync().map_err(code)?;
                request.reply(0);
            }
            proto::SYMLINK | proto::HARD_LINK => {
                let (one, two) = (request.path().map_err(code)?, request.path2().map_err(code)?);
                if id == proto::SYMLINK { fs.symlink(one, two, now) } else { fs.hard_link(one, two, now) }.map_err(code)?;
                fs.sync().map_err(code)?;
                request.reply(0);
            }
            proto::READ_LINK | proto::CANONICALIZE => {
                let path = request.path().map_err(code)?;
                let answer = if id == proto::READ_LINK { fs.read_link(path) } else { fs.canonicalize(path) };
                if !request.path_reply(&answer.map_err(code)?) {
                    return Err(error::INVALID_INPUT);
                }
            }
            proto::SEEK => {
                let handle = handles.get(request.handle(), pid).ok_or(error::BAD_HANDLE)?;
                let offset = request.a() as i64;
                let base = match request.b() {
                    0 => 0,
                    1 => handle.position.get(),
                    2 => fs.attr(handle.inode).map_err(code)?.size,
                    _ => return Err(error::INVALID_INPUT),
                };
                let position = base.checked_add_signed(offset).ok_or(error::INVALID_INPUT)?;
                if position > i64::MAX as u64 {
                    return Err(error::INVALID_INPUT);
                }
                handle.position.set(position);
                request.value(position);
            }
            proto::SET_LEN => {
                let handle = handles.get(request.handle(), pid).ok_or(error::BAD_HANDLE)?;
                if !handle.write {
                    return Err(error::PERMISSION_DENIED);
                }
                if fs.attr(handle.inode).map_err(code)?.kind == KIND_DIR {
                    return Err(error::IS_A_DIRECTORY);
                }
                fs.set_len(handle.inode, request.a(), now).map_err(code)?;
                handle.dirty = true;
                request.reply(0);
            }
            proto::SYNC => {
                let handle = handles.get(request.handle(), pid).ok_or(error::BAD_HANDLE)?;
                handle.dirty = false;
                if !fs.read_only() {
                    fs.sync().map_err(code)?;
                }
                request.reply(0);
            }
            proto::CLOSE => {
                let handle = handles.remove(request.handle(), pid).ok_or(error::BAD_HANDLE)?;
                fs.close_ref(handle.inode).map_err(code)?;
                if handle.dirty {
                    fs.sync().map_err(code)?;
                }
                request.reply(0);
            }
            proto::DUPLICATE => {
                let handle = handles.get(request.handle(), pid).ok_or(error::BAD_HANDLE)?.clone();
                let number = handles.add(Handle { dirty: false, ..handle.clone() }).ok_or(error::TOO_MANY_OPEN)?;
                fs.open_ref(handle.inode);
                request.value(number as u64);
            }
            #[cfg(feature = "bench")]
            proto::RAW_BENCH => {
                let moved = fs.raw_bench(request.a().min(u32::MAX as u64) as u32, request.b() != 0).map_err(code)?;
                request.value(moved as u64);
            }
            _ => return Err(error::BAD_REQUEST),
        }
        Ok(())
    }
}

/// Whether request `id` would change the filesystem (refused with
/// READ_ONLY_FILESYSTEM when the disk is write-protected). OPEN changes it
/// when it asks for write access, creation or truncation, even of a file
/// that turns out not to exist, as on Unix.
fn changes(id: usize, request: &Request) -> bool {
    match id {
        proto::OPEN => request.a() & (open::WRITE | open::APPEND | open::TRUNCATE | open::CREATE | open::CREATE_NEW) != 0,
        proto::CREATE_DIR
        | proto::REMOVE_FILE
        | proto::REMOVE_DIR
        | proto::RENAME
        | proto::SET_READONLY
        | proto::SET_TIMES
        | proto::SET_TIMES_NOFOLLOW
        | proto::SET_LEN
        | proto::SYMLINK
        | proto::HARD_LINK => true,
        #[cfg(feature = "bench")]
        proto::RAW_BENCH => request.b() != 0,
        _ => false,
    }
}
