    li a1, 1
    li a2, -1
    beq a1, a2, bad
    bne a1, a1, bad
    blt a1, a2, bad
    bge a2, a1, bad
    bltu a2, a1, bad
    bgeu a1, a2, bad
    blt a2, a1, 1f
    j bad
1:  bltu a1, a2, 1f
    j bad
1:  bge a1, a2, 1f
    j bad
1:  bgeu a2, a1, 1f
    j bad
1:  beq a1, a1, 1f
    j bad
1:  bne a1, a2, 1f
    j bad
1:  li s1, 0
    jal ra, sub
    CHECK s1, 42, 2
    la t0, target
    addi t0, t0, 1
    jalr t1, 0(t0)
link:
    j bad
target:
    la t2, link
    bne t1, t2, bad
    # A backward branch loop: 10 times round.
    li a3, 0
    li a4, 10
2:  addi a3, a3, 1
    bne a3, a4, 2b
    CHECK a3, 10, 3
    PASS
sub:
    li s1, 42
    ret
bad:
    FAIL 1
