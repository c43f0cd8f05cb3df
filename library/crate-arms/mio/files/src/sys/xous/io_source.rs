//! What an `IoSource` keeps on Xous: the selector it is registered with
//! and its socket, so that a `WouldBlock` arms its interests again.

use std::io;
use std::os::xous::net::RawSocket;
use std::sync::Arc;

use super::selector::Shared;
use crate::{Interest, Registry, Token};

pub(crate) struct IoSourceState {
    registered: Option<(Arc<Shared>, RawSocket)>,
}

impl IoSourceState {
    pub(crate) fn new() -> IoSourceState {
        IoSourceState { registered: None }
    }

    pub(crate) fn do_io<T, F, R>(&self, f: F, io: &T) -> io::Result<R>
    where
        F: FnOnce(&T) -> io::Result<R>,
    {
        let result = f(io);
        if let (Err(err), Some((shared, socket))) = (&result, &self.registered) {
            if err.kind() == io::ErrorKind::WouldBlock {
                shared.rearm(*socket)?;
            }
        }
        result
    }

    pub(crate) fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
        socket: RawSocket,
    ) -> io::Result<()> {
        let shared = registry.selector().shared();
        shared.register(socket, token, interests)?;
        self.registered = Some((shared, socket));
        Ok(())
    }

    pub(crate) fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interests: Interest,
        socket: RawSocket,
    ) -> io::Result<()> {
        registry.selector().shared().reregister(socket, token, interests)
    }

    pub(crate) fn deregister(&mut self, registry: &Registry, socket: RawSocket) -> io::Result<()> {
        self.registered = None;
        registry.selector().shared().deregister(socket)
    }
}
