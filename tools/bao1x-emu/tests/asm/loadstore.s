    la t0, mtrap
    csrw mtvec, t0
    li s0, SRAM
    li t1, 0x8899AABB
    sw t1, 0(s0)
    lb a3, 0(s0)
    CHECK a3, 0xFFFFFFBB, 1
    lbu a3, 0(s0)
    CHECK a3, 0xBB, 2
    lh a3, 2(s0)
    CHECK a3, 0xFFFF8899, 3
    lhu a3, 2(s0)
    CHECK a3, 0x8899, 4
    li t1, 0x11
    sb t1, 1(s0)
    lw a3, 0(s0)
    CHECK a3, 0x889911BB, 5
    li t1, 0x2233
    sh t1, 2(s0)
    lw a3, 0(s0)
    CHECK a3, 0x223311BB, 6
    # Nothing answers just below SRAM: a store access fault.
    li s10, 0
    sw t1, -4(s0)
    CHECK s10, 7, 7
    CHECK s11, 0x60FFFFFC, 8
    # A plain store to RRAM does not fault and does not change it (the
    # controller only stages it).
    li s10, 0
    li t2, 0x60000000
    lw a4, 0(t2)
    sw t1, 0(t2)
    CHECK s10, 0, 9
    lw a3, 0(t2)
    bne a3, a4, bad
    # Misaligned accesses trap.
    li s10, 0
    lw a3, 1(s0)
    CHECK s10, 4, 11
    CHECK s11, 0x61000001, 12
    li s10, 0
    sh t1, 1(s0)
    CHECK s10, 6, 13
    # SRAM's last word, and past it.
    li t2, 0x611FFFFC
    sw t1, 0(t2)
    lw a3, 0(t2)
    CHECK a3, 0x2233, 14
    li s10, 0
    lw a3, 4(t2)
    CHECK s10, 5, 15
    # IFRAM.
    li t2, 0x50000000
    sw t1, 0(t2)
    lw a3, 0(t2)
    CHECK a3, 0x2233, 16
    # The DUART prints.
    li t2, 0x40042000
    li t3, 'o'
    sw t3, 0(t2)
    li t3, 'k'
    sw t3, 0(t2)
    li t3, 10
    sw t3, 0(t2)
    PASS
bad:
    FAIL 99
    SKIPPING_HANDLER
