# Shared by every test program: the model's exit device, PASS/FAIL/CHECK,
# and a machine-mode trap handler that records mcause (s10) and mtval (s11)
# and skips the trapping 4-byte instruction.
.option norvc
.equ EXIT, 0x40081000
.equ SRAM, 0x61000000
.macro PASS
    li t6, EXIT
    sw zero, 0(t6)
1:  j 1b
.endm
.macro FAIL n
    li a0, \n
    li t6, EXIT
    sw a0, 0(t6)
1:  j 1b
.endm
# Fails with `n` unless `reg` holds `value`.
.macro CHECK reg, value, n
    li t5, \value
    beq \reg, t5, 99f
    FAIL \n
99:
.endm
.macro SKIPPING_HANDLER
mtrap:
    csrr s10, mcause
    csrr s11, mtval
    csrr t6, mepc
    addi t6, t6, 4
    csrw mepc, t6
    mret
.endm
.text
.globl _start
_start:
