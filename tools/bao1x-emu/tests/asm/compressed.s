.option rvc
    la t0, mtrap
    csrw mtvec, t0
    li s0, SRAM
    c.li a0, 7
    c.addi a0, -2
    CHECK a0, 5, 1
    c.mv a1, a0
    c.add a1, a0
    CHECK a1, 10, 2
    c.sub a1, a0
    CHECK a1, 5, 3
    c.slli a1, 4
    CHECK a1, 80, 4
    c.srli a1, 2
    CHECK a1, 20, 5
    li a2, -64
    c.srai a2, 3
    CHECK a2, -8, 6
    c.andi a2, 12
    CHECK a2, 8, 7
    li a3, 6
    li a4, 3
    c.xor a3, a4
    CHECK a3, 5, 8
    c.or a3, a4
    CHECK a3, 7, 9
    c.and a3, a4
    CHECK a3, 3, 10
    c.lui a5, 0x12
    CHECK a5, 0x12000, 11
    li sp, 0x61000100
    c.addi16sp sp, -32
    CHECK sp, 0x610000E0, 12
    c.addi4spn a0, sp, 16
    CHECK a0, 0x610000F0, 13
    c.swsp a1, 4(sp)
    c.lwsp a2, 4(sp)
    CHECK a2, 20, 14
    c.sw a1, 8(s0)
    c.lw a3, 8(s0)
    CHECK a3, 20, 15
    c.beqz a4, bad
    c.bnez a4, 1f
    j bad
1:  c.li a5, 0
    c.beqz a5, 1f
    j bad
1:  c.j 1f
    j bad
1:  li s1, 0
    c.jal sub
    CHECK s1, 9, 16
    li s1, 0
    la t0, sub
    c.jalr t0
    CHECK s1, 9, 17
    # The all-zero parcel is illegal (then a c.nop, so skipping 4 bytes lands after).
    li s10, 0
    .half 0
    .half 1
    CHECK s10, 2, 18
    PASS
sub:
    li s1, 9
    c.jr ra
bad:
    FAIL 99
    SKIPPING_HANDLER
