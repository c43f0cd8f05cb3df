# RRAM's write protocol: 8 words staged by plain stores (RRAM unchanged),
# then RRCCR in command mode, 0x5200 and 0x9528 to the row's first word,
# RRCCR back: the row is written. A one-word change keeps the rest of the
# row; a write command without a load changes nothing. Code in RRAM,
# rewritten this way, runs as rewritten.
.equ RRC, 0x40000000
.equ ROW, 0x60300000
.macro COMMIT row
    li t0, 0xFC02
    sw t0, 0(s0)
    li t0, 0x5200
    sw t0, 0(\row)
    li t0, 0x9528
    sw t0, 0(\row)
    li t0, 0xFC00
    sw t0, 0(s0)
.endm
    li s0, RRC
    li s1, ROW
    li t1, 0x11111111
    li t2, 0
1:  add t3, s1, t2
    sw t1, 0(t3)
    addi t2, t2, 4
    li t4, 32
    bne t2, t4, 1b
    lw a1, 4(s1)
    bnez a1, bad
    COMMIT s1
    lw a1, 28(s1)
    li t0, 0x11111111
    bne a1, t0, bad
    # One word of the row changed; the rest stays.
    li t1, 0x22222222
    sw t1, 8(s1)
    COMMIT s1
    lw a1, 8(s1)
    bne a1, t1, bad
    lw a1, 12(s1)
    li t0, 0x11111111
    bne a1, t0, bad
    # A write command without the load: nothing.
    li t1, 0x33333333
    sw t1, 0(s1)
    li t0, 0xFC02
    sw t0, 0(s0)
    li t0, 0x9528
    sw t0, 0(s1)
    li t0, 0xFC00
    sw t0, 0(s0)
    lw a1, 0(s1)
    li t0, 0x11111111
    bne a1, t0, bad
    # A function written to RRAM (8 bytes into its row, away from the word
    # the commands go to), run, rewritten, run again.
    addi s2, s1, 32
    addi s3, s2, 8
    li t0, 0x00700513       # addi a0, x0, 7
    sw t0, 0(s3)
    li t0, 0x00008067       # ret
    sw t0, 4(s3)
    COMMIT s2
    jalr ra, 0(s3)
    li t0, 7
    bne a0, t0, bad
    li t0, 0x00900513       # addi a0, x0, 9
    sw t0, 0(s3)
    # Staged only: the function still returns 7.
    jalr ra, 0(s3)
    li t0, 7
    bne a0, t0, bad
    COMMIT s2
    fence.i
    jalr ra, 0(s3)
    li t0, 9
    bne a0, t0, bad
    PASS
bad:
    FAIL 100
