# The data TLB's round-robin replacement, seen through loads and stores in
# S mode: twelve pages read in turn (more than the TLB's 8 entries) give
# the right words three times over; a PTE changed without sfence.vma is
# seen only once its entry has been pushed out: a store to a page whose D
# was cleared works while the old leaf is cached and faults after 8 other
# pages have been walked. Every trap goes to M (nothing delegated), which
# records mcause and skips the access; an ecall from S ends the S part.
#   root 0x61010000: identity 4 MiB pages for RRAM (rx), SRAM and the
#   exit device (rw); VA 0x1000_0000 + 4 KiB * i -> 0x6102_0000 + 4 KiB * i
#   (i < 12, rw A D) through the leaf table at 0x61011000.
.equ V, 1
.equ R, 2
.equ W, 4
.equ X, 8
.equ A, 64
.equ D, 128
.equ ROOT, 0x61010000
.equ LEAF, 0x61011000
.macro PTE table, index, ppn, flags
    li t0, (\ppn << 10) | \flags
    li t1, \table + 4 * \index
    sw t0, 0(t1)
.endm
    la t0, mhandler
    csrw mtvec, t0
    PTE ROOT, 0x180, 0x60000, V|R|X|A
    PTE ROOT, 0x184, 0x61000, V|R|W|A|D
    PTE ROOT, 0x100, 0x40000, V|R|W|A|D
    PTE ROOT, 0x40, 0x61011, V
    # Leaves 0-11, and the number i at the start of page i.
    li t2, 0
    li t3, LEAF
    li t4, 0x61020
1:  slli t0, t4, 10
    ori t0, t0, V|R|W|A|D
    sw t0, 0(t3)
    slli t5, t4, 12
    sw t2, 0(t5)
    addi t2, t2, 1
    addi t3, t3, 4
    addi t4, t4, 1
    li t0, 12
    bne t2, t0, 1b
    li t0, 0x80000000 | (ROOT >> 12)
    csrw satp, t0
    sfence.vma
    li t0, 0x1800
    csrc mstatus, t0
    li t0, 0x0800
    csrs mstatus, t0
    la t0, supervisor
    csrw mepc, t0
    mret

supervisor:
    # 1. Pages 0-11 three times: (0 + ... + 11) * 3 = 198.
    li a0, 0
    li s1, 3
2:  li s0, 0x10000000
    li s2, 12
3:  lw t0, 0(s0)
    add a0, a0, t0
    li t1, 0x1000
    add s0, s0, t1
    addi s2, s2, -1
    bnez s2, 3b
    addi s1, s1, -1
    bnez s1, 2b
    CHECK a0, 198, 1
    # 2. Page 0 stored to, its leaf's D cleared without sfence.vma: the
    #    TLB's leaf still has D, the next store works.
    li s0, 0x10000000
    li s10, 0
    sw zero, 4(s0)
    PTE LEAF, 0, 0x61020, V|R|W|A
    sw zero, 4(s0)
    CHECK s10, 0, 2
    # 3. Eight other pages walked push page 0's entry out: the store now
    #    walks, finds no D and faults.
    li s2, 8
    li s3, 0x10001000
4:  lw t0, 0(s3)
    li t1, 0x1000
    add s3, s3, t1
    addi s2, s2, -1
    bnez s2, 4b
    sw zero, 4(s0)
    CHECK s10, 15, 3
    ecall
    j bad

mhandler:
    csrr s10, mcause
    li t0, 9
    beq s10, t0, done
    csrr t6, mepc
    addi t6, t6, 4
    csrw mepc, t6
    mret
done:
    PASS
bad:
    FAIL 100
