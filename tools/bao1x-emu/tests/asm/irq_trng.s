# An irqarray event raised by software reaches M mode as a machine external
# interrupt through mim (bank 3 is line 3); the TRNG, started, is ready and
# gives words that differ.
.equ BANK3, 0xE0011000
.equ TRNG, 0x4002E000
    la t0, mhandler
    csrw mtvec, t0
    li s0, BANK3
    li t0, 1 << 3
    csrw 0xBC0, t0
    li t0, 0x800
    csrw mie, t0
    li t0, 1
    sw t0, 0x14(s0)         # EV_ENABLE bit 0
    csrsi mstatus, 8
    li s10, 0
    la s8, 1f
    sw t0, 0x00(s0)         # EV_SOFT bit 0
2:  j 2b
1:  li t0, 0x8000000B
    bne s10, t0, bad
    li t0, 1 << 3
    bne s9, t0, bad
    csrr t0, 0xFC0
    bnez t0, bad
    lw t0, 0x10(s0)
    bnez t0, bad
    # Nothing pending while the event is disabled.
    sw zero, 0x14(s0)
    li t0, 1
    sw t0, 0x00(s0)
    csrr t0, 0xFC0
    bnez t0, bad
    # The TRNG.
    li s1, TRNG
    lw t0, 0x10(s1)
    bnez t0, bad
    li t0, 0x5A
    sw t0, 0x14(s1)
3:  lw t0, 0x10(s1)
    srli t0, t0, 28
    andi t0, t0, 1
    beqz t0, 3b
    lw a1, 0x30(s1)
    lw a2, 0x30(s1)
    beq a1, a2, bad
    PASS
mhandler:
    csrr s10, mcause
    csrr s9, 0xFC0
    li t0, BANK3
    li t1, 1
    sw t1, 0x10(t0)         # EV_PENDING: write 1 to clear
    csrci mstatus, 8
    jr s8
bad:
    FAIL 100
