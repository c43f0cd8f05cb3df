//! Error codes: a0 = `SyscallResult::Error`, a1 = the code. std knows 0..=27.

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Error {
    NoError = 0,
    BadAlignment = 1,
    BadAddress = 2,
    OutOfMemory = 3,
    MemoryInUse = 4,
    InterruptNotFound = 5,
    InterruptInUse = 6,
    InvalidString = 7,
    ServerExists = 8,
    ServerNotFound = 9,
    ProcessNotFound = 10,
    ProcessNotChild = 11,
    ProcessTerminated = 12,
    Timeout = 13,
    InternalError = 14,
    ServerQueueFull = 15,
    ThreadNotAvailable = 16,
    UnhandledSyscall = 17,
    InvalidSyscall = 18,
    ShareViolation = 19,
    InvalidThread = 20,
    InvalidPid = 21,
    UnknownError = 22,
    AccessDenied = 23,
    UseBeforeInit = 24,
    DoubleFree = 25,
    DebugInProgress = 26,
    InvalidLimit = 27,
    NotFound = 28,
    InvalidCoding = 29,
    HardwareError = 30,
    SerializationError = 31,
    InvalidArgument = 32,
    NetworkError = 33,
    StorageError = 34,
    Unavailable = 35,
    ParseError = 36,
    InvalidCore = 37,
    VerificationError = 38,
    SecurityError = 39,
}

impl Error {
    /// Decodes a code; anything unknown is `UnknownError`.
    pub fn from_usize(code: usize) -> Error {
        use Error::*;
        const ALL: [Error; 40] = [
            NoError, BadAlignment, BadAddress, OutOfMemory, MemoryInUse, InterruptNotFound,
            InterruptInUse, InvalidString, ServerExists, ServerNotFound, ProcessNotFound,
            ProcessNotChild, ProcessTerminated, Timeout, InternalError, ServerQueueFull,
            ThreadNotAvailable, UnhandledSyscall, InvalidSyscall, ShareViolation, InvalidThread,
            InvalidPid, UnknownError, AccessDenied, UseBeforeInit, DoubleFree, DebugInProgress,
            InvalidLimit, NotFound, InvalidCoding, HardwareError, SerializationError,
            InvalidArgument, NetworkError, StorageError, Unavailable, ParseError, InvalidCore,
            VerificationError, SecurityError,
        ];
        ALL.get(code).copied().unwrap_or(UnknownError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_decode_to_themselves() {
        for code in 0..40 {
            assert_eq!(Error::from_usize(code) as usize, code);
        }
        assert_eq!(Error::from_usize(40), Error::UnknownError);
        assert_eq!(Error::from_usize(usize::MAX), Error::UnknownError);
    }
}
