# Code that writes code: a function in SRAM, run, rewritten, run again
# (after fence.i, as the chip needs) runs the new instruction.
    li s0, SRAM
    li t0, 0x00100513       # addi a0, x0, 1
    sw t0, 0(s0)
    li t0, 0x00008067       # jalr x0, 0(ra)
    sw t0, 4(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK a0, 1, 1
    li t0, 0x00200513       # addi a0, x0, 2
    sw t0, 0(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK a0, 2, 2
    # Half of a 32-bit instruction rewritten by a byte store.
    li t0, 0x01             # byte 3 holds imm[11:4]: addi a0, x0, 0x12
    sb t0, 3(s0)
    fence.i
    jalr ra, 0(s0)
    CHECK a0, 0x12, 3
    PASS
