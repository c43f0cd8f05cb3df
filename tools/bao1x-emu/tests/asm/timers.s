# The ticktimer counts; its alarm reaches S mode as a supervisor external
# interrupt through sim line 20; timer0's zero event reaches M mode through
# mim line 30; wfi sleeps until a device raises a line.
.equ TICK, 0xE001B000
.equ T0, 0xE001C000
    la t0, mhandler
    csrw mtvec, t0
    la t0, shandler
    csrw stvec, t0
    li s0, TICK
    li s1, T0
    # 1. Ten clocks a tick: 200 instructions later, about 20 ticks more.
    li t0, 10
    sw t0, 0x20(s0)
    lw a1, 0x08(s0)
    li t1, 100
1:  addi t1, t1, -1
    bnez t1, 1b
    lw a2, 0x08(s0)
    sub a2, a2, a1
    li t0, 19
    bltu a2, t0, bad
    li t0, 22
    bgeu a2, t0, bad
    # 2. The alarm, 5 ticks ahead, taken in S mode as scause 9 (line 20).
    li t0, 0x200
    csrw mideleg, t0
    csrw mie, t0
    li t0, 1 << 20
    csrw 0x9C0, t0
    lw t0, 0x08(s0)
    addi t0, t0, 5
    sw zero, 0x0C(s0)
    sw t0, 0x10(s0)
    li t0, 1
    sw t0, 0x1C(s0)
    la s8, 2f
    li t0, 0x1800
    csrc mstatus, t0
    li t0, 0x0800
    csrs mstatus, t0
    la t0, super
    csrw mepc, t0
    mret
2:  li t0, 0x80000009
    bne s7, t0, bad
    li t0, 1 << 20
    bne s6, t0, bad
    # 3. timer0: 300 clocks, then its zero event in M mode (line 30) while
    # the hart sleeps in wfi; mcause 11, pending 0xFC0 bit 30, then cleared.
    csrw mideleg, zero
    li t0, 1 << 30
    csrw 0xBC0, t0
    li t0, 0x800
    csrw mie, t0
    li t0, 300
    sw t0, 0x00(s1)
    sw zero, 0x04(s1)
    li t0, 1
    sw t0, 0x1C(s1)
    sw t0, 0x08(s1)
    la s8, 3f
    csrsi mstatus, 8
    li s10, 0
4:  wfi
    beqz s10, 4b
3:  li t0, 0x8000000B
    bne s10, t0, bad
    li t0, 1 << 30
    bne s9, t0, bad
    csrr t0, 0xFC0
    bnez t0, bad
    # 4. A far alarm (100,000 ticks of 1,000 clocks): wfi sleeps through it
    # well inside the test's budget of instructions.
    csrci mstatus, 8
    li t0, 1000
    sw t0, 0x20(s0)
    lw t0, 0x08(s0)
    li t1, 100000
    add t0, t0, t1
    sw t0, 0x10(s0)
    li t0, 1
    sw t0, 0x1C(s0)
    li t0, 1 << 20
    csrw 0xBC0, t0
5:  wfi
    csrr t0, 0xFC0
    beqz t0, 5b
    lw a1, 0x08(s0)
    lw a2, 0x10(s0)
    bltu a1, a2, bad
    PASS
super:
    csrsi sstatus, 2
6:  j 6b
shandler:
    csrr s7, scause
    csrr s6, 0xDC0
    li t0, TICK
    sw zero, 0x1C(t0)
    ecall
mhandler:
    csrr s10, mcause
    li t0, 9
    beq s10, t0, 7f
    csrr s9, 0xFC0
    li t0, T0
    sw zero, 0x08(t0)
    li t1, 1
    sw t1, 0x18(t0)
    jr s8
7:  jr s8
bad:
    FAIL 100
