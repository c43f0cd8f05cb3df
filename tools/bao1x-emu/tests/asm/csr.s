    la t0, mtrap
    csrw mtvec, t0
    csrr a3, misa
    CHECK a3, 0x40141105, 1
    li a1, 0x1234
    csrrw a3, mscratch, a1
    csrr a3, mscratch
    CHECK a3, 0x1234, 2
    csrrsi a3, mscratch, 3
    CHECK a3, 0x1234, 3
    csrr a3, mscratch
    CHECK a3, 0x1237, 4
    csrrci a3, mscratch, 1
    csrr a3, mscratch
    CHECK a3, 0x1236, 5
    # The chip has no time CSR: rdtime is illegal, as on silicon.
    li s10, 0
    rdtime a3
    CHECK s10, 2, 6
    CHECK s11, 0xC01026F3, 7
    li s10, 0
    csrr a3, 0x306
    CHECK s10, 2, 8
    li s10, 0
    csrr a3, 0x3A0
    CHECK s10, 2, 9
    li s10, 0
    csrw 0xF11, zero
    CHECK s10, 2, 10
    rdinstret a3
    nop
    nop
    rdinstret a4
    sub a4, a4, a3
    CHECK a4, 3, 11
    li a1, 0xFFFF
    csrw 0x9C0, a1
    csrr a3, 0x9C0
    CHECK a3, 0xFFFF, 12
    li s10, 0
    csrw 0xDC0, a1
    CHECK s10, 2, 13
    csrr a3, 0xDC0
    CHECK a3, 0, 14
    li a1, -1
    csrw medeleg, a1
    csrr a3, medeleg
    CHECK a3, 0xB3FF, 15
    csrw mideleg, a1
    csrr a3, mideleg
    CHECK a3, 0x222, 16
    PASS
    SKIPPING_HANDLER
