    la t0, mtrap
    csrw mtvec, t0
    li s0, SRAM
    li t1, 10
    sw t1, 0(s0)
    lr.w a3, (s0)
    CHECK a3, 10, 1
    li t2, 20
    sc.w a4, t2, (s0)
    CHECK a4, 0, 2
    lw a3, 0(s0)
    CHECK a3, 20, 3
    sc.w a4, t2, (s0)
    CHECK a4, 1, 4
    lr.w a3, (s0)
    sw zero, 0(s0)
    sc.w a4, t2, (s0)
    CHECK a4, 1, 5
    li t1, 5
    sw t1, 0(s0)
    li t2, 3
    amoadd.w a3, t2, (s0)
    CHECK a3, 5, 6
    lw a3, 0(s0)
    CHECK a3, 8, 7
    li t2, -1
    amomax.w a3, t2, (s0)
    lw a3, 0(s0)
    CHECK a3, 8, 8
    amomaxu.w a3, t2, (s0)
    lw a3, 0(s0)
    CHECK a3, -1, 9
    li t2, 7
    amominu.w a3, t2, (s0)
    lw a3, 0(s0)
    CHECK a3, 7, 10
    li t2, -9
    amomin.w a3, t2, (s0)
    lw a3, 0(s0)
    CHECK a3, -9, 11
    li t2, 0xF0
    amoswap.w a3, t2, (s0)
    CHECK a3, -9, 12
    lw a3, 0(s0)
    CHECK a3, 0xF0, 13
    li t2, 0x3C
    amoand.w a3, t2, (s0)
    lw a3, 0(s0)
    CHECK a3, 0x30, 14
    amoor.w a3, t2, (s0)
    lw a3, 0(s0)
    CHECK a3, 0x3C, 15
    li t2, 0xFF
    amoxor.w a3, t2, (s0)
    lw a3, 0(s0)
    CHECK a3, 0xC3, 16
    # An AMO where nothing answers faults as a store; a misaligned one as a
    # store too.
    li s10, 0
    li t3, 0x70000000
    amoadd.w a3, t2, (t3)
    CHECK s10, 7, 17
    li s10, 0
    amoadd.w a3, t2, (s0)
    addi t3, s0, 2
    amoadd.w a3, t2, (t3)
    CHECK s10, 6, 18
    PASS
    SKIPPING_HANDLER
