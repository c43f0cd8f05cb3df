# The CPU-bound loop `./x bench emu` runs on the model and on QEMU virt:
# ITERATIONS times round 10 instructions (ALU, a store and a load to the
# stack), then the machine's exit. Assembled twice: for the model (linked at
# RRAM, stack in SRAM, the model's exit device) and with --defsym QEMU=1
# (linked at virt's RAM, its test device ends QEMU with status 0).
.option norvc
.text
.globl _start
_start:
.ifdef QEMU
    li sp, 0x80100000
.else
    li sp, 0x61000100
.endif
    li a0, ITERATIONS
    li a1, 0
    li a2, 0x12345
loop:
    add a1, a1, a2
    xor a2, a2, a1
    slli a3, a1, 3
    srli a4, a2, 5
    add a1, a1, a3
    sub a2, a2, a4
    sw a1, 0(sp)
    lw a5, 0(sp)
    addi a0, a0, -1
    bnez a0, loop
.ifdef QEMU
    li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
.else
    li t0, 0x40081000
    sw zero, 0(t0)
.endif
1:  j 1b
