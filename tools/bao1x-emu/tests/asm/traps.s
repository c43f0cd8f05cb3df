# Privilege changes and traps: ecall from U to M, delegation to S, the
# status bits a trap and a return move, an ecall from M never delegated,
# and a delegated supervisor software interrupt.
# M handler: records mcause (s10), mepc (s9), mstatus (s11), then jumps to s8.
    la t0, mhandler
    csrw mtvec, t0
    la t0, shandler
    csrw stvec, t0

    # 1. U ecall, not delegated: M with mcause 8, MPP = U, MPIE = the old MIE.
    la s8, 1f
    li t0, 0x1888
    csrc mstatus, t0
    li t0, 0x80
    csrs mstatus, t0
    la t0, user1
    csrw mepc, t0
    mret
1:  CHECK s10, 8, 1
    li t0, 0x1888
    and t1, s11, t0
    CHECK t1, 0x80, 2
    la t0, user1
    bne s9, t0, bad
    # 2. U ecall delegated: S takes it (scause 8, SPP = U), then S's ecall goes to M (9).
    li t0, 0x100
    csrw medeleg, t0
    la s8, 1f
    li s7, 0
    li t0, 0x1800
    csrc mstatus, t0
    la t0, user1
    csrw mepc, t0
    mret
1:  CHECK s7, 8, 3
    CHECK s10, 9, 4
    CHECK s6, 0, 5
    # 3. An illegal instruction in U, delegated: rdtime.
    li t0, 0x104
    csrw medeleg, t0
    la s8, 1f
    li t0, 0x1800
    csrc mstatus, t0
    la t0, user_rdtime
    csrw mepc, t0
    mret
1:  CHECK s7, 2, 6
    # 4. M to S (mret with MPP = S), S to U (sret), U ecall to S, S ecall to M.
    la s8, 1f
    li t0, 0x1800
    csrc mstatus, t0
    li t0, 0x0800
    csrs mstatus, t0
    la t0, super4
    csrw mepc, t0
    mret
1:  CHECK s7, 8, 7
    CHECK s5, 0x44, 8
    # 5. An ecall in M is never delegated, even with every bit of medeleg set.
    li t0, -1
    csrw medeleg, t0
    la s8, 1f
    ecall
1:  CHECK s10, 11, 9
    # 6. A delegated supervisor software interrupt, raised by S writing sip.
    csrw medeleg, zero
    li t0, 2
    csrw mideleg, t0
    csrw mie, t0
    la s8, 1f
    li s7, 0
    li t0, 0x1800
    csrc mstatus, t0
    li t0, 0x0800
    csrs mstatus, t0
    la t0, super6
    csrw mepc, t0
    mret
1:  li t0, 0x80000001
    bne s7, t0, bad
    PASS

user1:
    ecall
    j bad
user_rdtime:
    rdtime a0
    j bad
super4:
    li s5, 0x44
    la t0, user1
    csrw sepc, t0
    li t0, 0x100
    csrc sstatus, t0
    sret
super6:
    csrsi sstatus, 2
    csrsi sie, 2
    csrsi sip, 2
    j bad

# S handler: records scause (s7) and SPP (s6), clears a pending SSIP, then ecalls to M.
shandler:
    csrr s7, scause
    csrr t0, sstatus
    andi s6, t0, 0x100
    csrci sip, 2
    ecall
    j bad
mhandler:
    csrr s10, mcause
    csrr s9, mepc
    csrr s11, mstatus
    jr s8
bad:
    FAIL 100
