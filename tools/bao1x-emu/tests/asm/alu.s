    li a1, 5
    li a2, -3
    add a3, a1, a2
    CHECK a3, 2, 1
    sub a3, a1, a2
    CHECK a3, 8, 2
    slt a3, a2, a1
    CHECK a3, 1, 3
    sltu a3, a2, a1
    CHECK a3, 0, 4
    xor a3, a1, a2
    CHECK a3, -8, 5
    or a3, a1, a2
    CHECK a3, -3, 6
    and a3, a1, a2
    CHECK a3, 5, 7
    li a4, 0x80000000
    srai a3, a4, 4
    CHECK a3, 0xF8000000, 8
    srli a3, a4, 4
    CHECK a3, 0x08000000, 9
    slli a3, a1, 31
    CHECK a3, 0x80000000, 10
    li a5, 33
    sll a3, a1, a5
    CHECK a3, 10, 11
    sra a3, a4, a5
    CHECK a3, 0xC0000000, 12
    srl a3, a4, a5
    CHECK a3, 0x40000000, 13
    slti a3, a2, -2
    CHECK a3, 1, 14
    sltiu a3, a1, -1
    CHECK a3, 1, 15
    xori a3, a1, -1
    CHECK a3, -6, 16
    lui a3, 0xABCDE
    CHECK a3, 0xABCDE000, 17
here:
    auipc a3, 1
    la a4, here
    sub a3, a3, a4
    CHECK a3, 0x1000, 18
    addi x0, x0, 5
    CHECK x0, 0, 19
    andi a3, a2, 0x7F0
    CHECK a3, 0x7F0, 20
    ori a3, a1, -16
    CHECK a3, -11, 21
    PASS
