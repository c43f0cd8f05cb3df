# Hot loops for the compiled code (jit/): every compiled op in a loop of
# many rounds, loads of every width from SRAM and RRAM, stores to SRAM, a
# device polled in a loop, a loop storing into code, a loop whose load
# traps at one round, and a loop that timer0 interrupts. The tests run it
# against stepping and compare the whole machine; the checks here are the
# ones easy to know by hand.
.equ T0, 0xE001C000
.equ TICK, 0xE001B000
    la t0, mtrap
    csrw mtvec, t0
    li s0, SRAM + 0x3000
    # 1. Every computing op, 1,000 rounds, folded into a1.
    li a0, 1000
    li a1, 0x9E3779B9
    li a2, 0x7F4A7C15
1:  add a3, a1, a2
    sub a4, a3, a0
    sll a5, a4, a0
    slt a6, a4, a5
    sltu a7, a5, a4
    xor a1, a1, a5
    srl t1, a1, a2
    sra t2, a3, a0
    or t3, t1, t2
    and t4, t3, a3
    mul t5, a1, a3
    mulh t6, a1, a4
    mulhsu s2, a4, a1
    mulhu s3, a1, a5
    addi s4, a1, -77
    slti s5, a4, 12
    sltiu s6, a4, -12
    xori s7, a1, 0x555
    ori s8, a1, -256
    andi s9, a1, 0x7F0
    slli s10, a1, 7
    srli s11, a1, 9
    srai t0, a1, 13
    lui t1, 0xABCDE
    auipc t2, 0x12
    add a1, a1, a6
    add a1, a1, a7
    xor a1, a1, t3
    add a1, a1, t4
    xor a1, a1, t5
    add a1, a1, t6
    xor a1, a1, s2
    add a1, a1, s3
    xor a1, a1, s4
    add a1, a1, s5
    xor a1, a1, s6
    add a1, a1, s7
    xor a1, a1, s8
    add a1, a1, s9
    xor a1, a1, s10
    add a1, a1, s11
    xor a1, a1, t0
    add a1, a1, t1
    add a2, a2, a1
    addi a0, a0, -1
    bnez a0, 1b
    # 2. Loads of every width from RRAM (the table below) and SRAM, stores
    #    of every width to SRAM.
    la s1, table
    li a0, 300
    li a1, 0
2:  lb t0, 1(s1)
    lbu t1, 1(s1)
    lh t2, 2(s1)
    lhu t3, 2(s1)
    lw t4, 4(s1)
    add a1, a1, t0
    add a1, a1, t1
    add a1, a1, t2
    add a1, a1, t3
    add a1, a1, t4
    sw a1, 0(s0)
    sh a1, 4(s0)
    sb a1, 6(s0)
    lw t0, 0(s0)
    lh t1, 4(s0)
    lbu t2, 6(s0)
    lb t3, 6(s0)
    lhu t4, 4(s0)
    xor a1, a1, t0
    add a1, a1, t1
    add a1, a1, t2
    add a1, a1, t3
    add a1, a1, t4
    addi a0, a0, -1
    bnez a0, 2b
    lb t0, 1(s1)
    CHECK t0, -128, 1
    lhu t0, 2(s1)
    CHECK t0, 0xFFFE, 2
    # 3. A device read every round: the ticktimer's count moves on.
    li s2, TICK
    lw a3, 8(s2)
    li a0, 200
3:  lw t0, 8(s2)
    addi a0, a0, -1
    bnez a0, 3b
    lw a4, 8(s2)
    beq a3, a4, bad
    # 4. A loop that calls a function in SRAM and rewrites it every round:
    #    each call runs what the round wrote (a0 counts down into it).
    li s3, SRAM + 0x4000
    li t0, 0x00008067       # ret
    sw t0, 4(s3)
    li a0, 100
    li a5, 0
4:  li t0, 0x00050613       # addi a2, a0, 0
    sw t0, 0(s3)
    jalr ra, 0(s3)
    add a5, a5, a2
    addi a0, a0, -1
    bnez a0, 4b
    CHECK a5, 5050, 4
    # 5. A loop whose load is misaligned at round 150 of 200: the trap
    #    (skipped by the handler) is taken at that round.
    li a0, 200
    li s10, 0
    li a6, 0
5:  addi t0, a0, -50
    seqz t0, t0
    add t0, t0, s0
    lw t1, 0(t0)
    bnez s10, 6f
    addi a6, a6, 1
    addi a0, a0, -1
    bnez a0, 5b
    j bad
6:  CHECK a6, 150, 5
    CHECK s10, 4, 6
    # 6. timer0's zero event after 5,000 clocks interrupts a hot loop.
    li t0, 1 << 30
    csrw 0xBC0, t0
    li t0, 0x800
    csrw mie, t0
    li s2, T0
    li t0, 5000
    sw t0, 0x00(s2)
    sw zero, 0x04(s2)
    li t0, 1
    sw t0, 0x1C(s2)
    sw t0, 0x08(s2)
    li s10, 0
    li a0, 0
    csrsi mstatus, 8
7:  addi a0, a0, 1
    beqz s10, 7b
    csrci mstatus, 8
    li t0, 0x8000000B
    bne s10, t0, bad
    li t0, 2400
    bltu a0, t0, bad
    PASS
bad:
    FAIL 99

# Exceptions: skip the 4-byte instruction. timer0: clear its event.
mtrap:
    csrr s10, mcause
    bltz s10, 8f
    csrr t6, mepc
    addi t6, t6, 4
    csrw mepc, t6
    mret
8:  li t6, T0
    sw zero, 0x1C(t6)
    mret

    .balign 4
table:
    .byte 0x11, 0x80, 0xFE, 0xFF
    .word 0xDEADBEEF
