//! Syscall numbers (a0 on `ecall`) and result tags (a0 on return).

/// A syscall number: `ecall` with a0 = number and a1..a7 = arguments.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Syscall {
    MapMemory = 2,
    Yield = 3,
    ReturnToParent = 4,
    ClaimInterrupt = 5,
    FreeInterrupt = 6,
    SwitchTo = 7,
    ReadyThreads = 8,
    WaitEvent = 9,
    IncreaseHeap = 10,
    DecreaseHeap = 11,
    UpdateMemoryFlags = 12,
    SetMemRegion = 13,
    CreateServerWithAddress = 14,
    ReceiveMessage = 15,
    SendMessage = 16,
    Connect = 17,
    CreateThread = 18,
    UnmapMemory = 19,
    ReturnMemory = 20,
    CreateProcess = 21,
    TerminateProcess = 22,
    Shutdown = 23,
    TrySendMessage = 24,
    TryConnect = 25,
    ReturnScalar1 = 26,
    ReturnScalar2 = 27,
    TryReceiveMessage = 28,
    CreateServer = 29,
    ConnectForProcess = 30,
    CreateServerId = 31,
    GetThreadId = 32,
    GetProcessId = 33,
    DestroyServer = 34,
    Disconnect = 35,
    JoinThread = 36,
    SetExceptionHandler = 37,
    AdjustProcessLimit = 38,
    VirtToPhys = 39,
    ReturnScalar5 = 40,
    ReplyAndReceiveNext = 41,
    VirtToPhysPid = 42,
    SwapOp = 43,
    MapMemoryAsync = 44,
    RawTrng = 45,
    PlatformSpecific = 46,
}

impl Syscall {
    pub fn from_usize(n: usize) -> Option<Syscall> {
        use Syscall::*;
        // A match, not a search: this runs on every syscall.
        Some(match n {
            2 => MapMemory,
            3 => Yield,
            4 => ReturnToParent,
            5 => ClaimInterrupt,
            6 => FreeInterrupt,
            7 => SwitchTo,
            8 => ReadyThreads,
            9 => WaitEvent,
            10 => IncreaseHeap,
            11 => DecreaseHeap,
            12 => UpdateMemoryFlags,
            13 => SetMemRegion,
            14 => CreateServerWithAddress,
            15 => ReceiveMessage,
            16 => SendMessage,
            17 => Connect,
            18 => CreateThread,
            19 => UnmapMemory,
            20 => ReturnMemory,
            21 => CreateProcess,
            22 => TerminateProcess,
            23 => Shutdown,
            24 => TrySendMessage,
            25 => TryConnect,
            26 => ReturnScalar1,
            27 => ReturnScalar2,
            28 => TryReceiveMessage,
            29 => CreateServer,
            30 => ConnectForProcess,
            31 => CreateServerId,
            32 => GetThreadId,
            33 => GetProcessId,
            34 => DestroyServer,
            35 => Disconnect,
            36 => JoinThread,
            37 => SetExceptionHandler,
            38 => AdjustProcessLimit,
            39 => VirtToPhys,
            40 => ReturnScalar5,
            41 => ReplyAndReceiveNext,
            42 => VirtToPhysPid,
            43 => SwapOp,
            44 => MapMemoryAsync,
            45 => RawTrng,
            46 => PlatformSpecific,
            _ => return None,
        })
    }
}

/// The tag in a0 when a syscall returns; a1..a7 carry its payload.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum SyscallResult {
    Ok = 0,
    Error = 1,
    MemoryAddress = 2,
    MemoryRange = 3,
    ReadyThreads = 4,
    ResumeProcess = 5,
    ServerId = 6,
    ConnectionId = 7,
    NewServerId = 8,
    MessageEnvelope = 9,
    ThreadId = 10,
    ProcessId = 11,
    Unimplemented = 12,
    Scalar1 = 14,
    Scalar2 = 15,
    RetryCall = 16,
    None = 17,
    MemoryReturned = 18,
    NewProcess = 19,
    Scalar5 = 20,
    Message = 21,
}

/// `AdjustProcessLimit`'s knobs.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Limit {
    HeapMaximum = 1,
    HeapSize = 2,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_gaps_are_rejected() {
        for n in 0..64 {
            if let Some(s) = Syscall::from_usize(n) {
                assert_eq!(s as usize, n);
            }
        }
        assert_eq!(Syscall::from_usize(0), None);
        assert_eq!(Syscall::from_usize(1), None);
        assert_eq!(Syscall::from_usize(47), None);
        assert_eq!(Syscall::from_usize(22), Some(Syscall::TerminateProcess));
    }
}
