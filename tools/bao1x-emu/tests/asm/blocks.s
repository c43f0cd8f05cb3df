# What running decoded blocks must not change: code rewritten by a store
# runs as rewritten at once (even the next instruction of the block that
# stores, even without fence.i); a call through a block already decoded
# runs the new code; a run of instructions across a page boundary, one of
# them straddling it, runs whole.
    li s0, SRAM + 0x2000
    # 1. A function that rewrites its own third instruction, then runs it.
    #    0: sw t1, 8(s0)   4: addi a0, x0, 1   8: addi a0, x0, 2   12: ret
    li t0, 0x00642423       # sw t1, 8(s0)
    sw t0, 0(s0)
    li t0, 0x00100513       # addi a0, x0, 1
    sw t0, 4(s0)
    li t0, 0x00200513       # addi a0, x0, 2
    sw t0, 8(s0)
    li t0, 0x00008067       # ret
    sw t0, 12(s0)
    fence.i
    li t1, 0x00300513       # addi a0, x0, 3: what the store writes
    jalr ra, 0(s0)
    CHECK a0, 3, 1
    # 2. Run again with another word to write: the block decoded in the
    #    first run is stale, and so is the one its store started.
    li t1, 0x00400513       # addi a0, x0, 4
    jalr ra, 0(s0)
    CHECK a0, 4, 2
    # 3. Rewritten from outside, no fence.i: the new code runs.
    li t0, 0x00500513       # addi a0, x0, 5
    sw t0, 4(s0)
    li t0, 0x00008067       # ret
    sw t0, 8(s0)
    li t0, 0x00000013       # nop: the first instruction no longer stores
    sw t0, 0(s0)
    jalr ra, 0(s0)
    CHECK a0, 5, 3
    # 4. A function of five additions across a page of RRAM, the fourth
    #    straddling it (two bytes on each side): 1 + 2 + 3 + 4 + 5 = 15.
    li a0, 0
    jal ra, across
    CHECK a0, 15, 4
    # 5. A loop of 300 rounds of a 3-instruction block, the bench's shape.
    li a0, 0
    li t0, 300
1:  addi a0, a0, 2
    addi t0, t0, -1
    bnez t0, 1b
    CHECK a0, 600, 5
    PASS
bad:
    FAIL 99

    .balign 4096
    .skip 4096 - 12
across:
    addi a0, a0, 1          # page offset 0xFF4
    addi a0, a0, 2          # 0xFF8
.option push
.option rvc
    c.addi a0, 3            # 0xFFC
.option pop
    addi a0, a0, 4          # 0xFFE: straddles
    addi a0, a0, 5          # 0x002 of the next page
    ret
