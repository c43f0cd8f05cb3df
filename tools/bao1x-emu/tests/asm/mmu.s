# Sv32 with the chip's semantics, run in S mode. Every trap goes to M
# (nothing delegated), which records mcause/mtval and skips the access;
# an ecall from S (cause 9) ends the S part.
#   root 0x61010000: identity 4 MiB pages for RRAM (rx), SRAM and the exit
#   device (rw); VA 0x1000_0000 through the leaf table at 0x61011000:
#     page 0 -> 0x61020000 rw A D      page 1 -> 0x61021000 rw, no A
#     page 2 -> 0x61022000 rw A, no D  page 3 -> 0x61023000 rw A D U
#   root2 0x61012000: the same, but VA 0x1000_0000 through 0x61013000:
#     page 0 -> 0x61024000.
.equ V, 1
.equ R, 2
.equ W, 4
.equ X, 8
.equ U, 16
.equ A, 64
.equ D, 128
.equ ROOT, 0x61010000
.equ LEAF, 0x61011000
.equ ROOT2, 0x61012000
.equ LEAF2, 0x61013000
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
    PTE LEAF, 0, 0x61020, V|R|W|A|D
    PTE LEAF, 1, 0x61021, V|R|W
    PTE LEAF, 2, 0x61022, V|R|W|A
    PTE LEAF, 3, 0x61023, V|R|W|A|D|U
    PTE ROOT2, 0x180, 0x60000, V|R|X|A
    PTE ROOT2, 0x184, 0x61000, V|R|W|A|D
    PTE ROOT2, 0x100, 0x40000, V|R|W|A|D
    PTE ROOT2, 0x40, 0x61013, V
    PTE LEAF2, 0, 0x61024, V|R|W|A|D
    li t0, 0x61020000
    li t1, 111
    sw t1, 0(t0)
    li t0, 0x61023000
    li t1, 222
    sw t1, 0(t0)
    li t0, 0x61024000
    li t1, 333
    sw t1, 0(t0)
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
    li s0, 0x10000000
    li s1, 0x10001000
    li s2, 0x10002000
    li s3, 0x10003000
    lw a3, 0(s0)
    CHECK a3, 111, 1
    # Page 1 has no A: the hardware does not set it, the access faults.
    li s10, 0
    lw a3, 0(s1)
    CHECK s10, 13, 2
    li t0, 0x10001000
    bne s11, t0, bad
    # Page 2 has A but no D: loads work, stores fault.
    li s10, 0
    lw a3, 0(s2)
    CHECK s10, 0, 3
    sw a3, 0(s2)
    CHECK s10, 15, 4
    # Setting A in page 1's PTE is not seen until sfence.vma: the TLB
    # keeps the leaf it walked.
    PTE LEAF, 1, 0x61021, V|R|W|A|D
    li s10, 0
    lw a3, 0(s1)
    CHECK s10, 13, 5
    sfence.vma
    li s10, 0
    lw a3, 0(s1)
    CHECK s10, 0, 6
    # Page 0 moved to 0x61023000 without sfence.vma: the old translation.
    lw a3, 0(s0)
    PTE LEAF, 0, 0x61023, V|R|W|A|D
    lw a3, 0(s0)
    CHECK a3, 111, 7
    sfence.vma
    lw a3, 0(s0)
    CHECK a3, 222, 8
    # Another address space without sfence.vma: the TLB has no ASIDs and a
    # satp write does not empty it, so the old space's translation stays.
    li t0, 0x80000000 | (ROOT2 >> 12)
    csrw satp, t0
    lw a3, 0(s0)
    CHECK a3, 222, 9
    sfence.vma
    lw a3, 0(s0)
    CHECK a3, 333, 10
    li t0, 0x80000000 | (ROOT >> 12)
    csrw satp, t0
    sfence.vma
    # A user page from S: a fault without SUM, readable with it.
    li s10, 0
    lw a3, 0(s3)
    CHECK s10, 13, 11
    li t0, 0x40000
    csrs sstatus, t0
    li s10, 0
    lw a3, 0(s3)
    CHECK s10, 0, 12
    CHECK a3, 222, 13
    # An unmapped page.
    li s10, 0
    li t0, 0x20000000
    lw a3, 0(t0)
    CHECK s10, 13, 14
    ecall
    j bad

mhandler:
    csrr s10, mcause
    li t0, 9
    beq s10, t0, done
    csrr s11, mtval
    csrr t6, mepc
    addi t6, t6, 4
    csrw mepc, t6
    mret
done:
    PASS
bad:
    FAIL 100
