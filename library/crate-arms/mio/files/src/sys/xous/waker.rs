use std::io;
use std::sync::Arc;

use super::selector::{Selector, Shared};
use crate::Token;

/// Ends the selector's wait with an event for `token`.
#[derive(Debug)]
pub(crate) struct Waker {
    shared: Arc<Shared>,
    token: Token,
}

impl Waker {
    pub(crate) fn new(selector: &Selector, token: Token) -> io::Result<Waker> {
        Ok(Waker { shared: selector.shared(), token })
    }

    pub(crate) fn wake(&self) -> io::Result<()> {
        self.shared.wake_with(self.token)
    }
}
