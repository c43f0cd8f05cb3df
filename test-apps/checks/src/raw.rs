//! A raw syscall, for the test apps that speak the ABI directly rather than
//! through std (timer-protocol, dying-client): one copy of the `ecall`.

/// `ecall` with a0..a7 as given; a0..a7 as the kernel leaves them.
pub fn ecall(mut r: [usize; 8]) -> [usize; 8] {
    // SAFETY: a syscall: the kernel reads a0..a7 and writes them back, and
    // touches no memory of ours except what the call names; callers name
    // only memory that is theirs and stays alive for the call.
    unsafe {
        std::arch::asm!(
            "ecall",
            inlateout("a0") r[0], inlateout("a1") r[1], inlateout("a2") r[2], inlateout("a3") r[3],
            inlateout("a4") r[4], inlateout("a5") r[5], inlateout("a6") r[6], inlateout("a7") r[7],
        )
    };
    r
}
