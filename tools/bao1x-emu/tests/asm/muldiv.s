    li a1, -7
    li a2, 3
    mul a3, a1, a2
    CHECK a3, -21, 1
    mulh a3, a1, a2
    CHECK a3, -1, 2
    li a4, 0x80000000
    mulhu a3, a4, a4
    CHECK a3, 0x40000000, 3
    mulh a3, a4, a4
    CHECK a3, 0x40000000, 4
    mulhsu a3, a1, a2
    CHECK a3, -1, 5
    li a6, -1
    mulhsu a3, a6, a6
    CHECK a3, -1, 6
    div a3, a1, a2
    CHECK a3, -2, 7
    rem a3, a1, a2
    CHECK a3, -1, 8
    divu a3, a1, a2
    CHECK a3, 0x55555553, 9
    remu a3, a1, a2
    CHECK a3, 0, 10
    div a3, a1, zero
    CHECK a3, -1, 11
    divu a3, a1, zero
    CHECK a3, -1, 12
    rem a3, a1, zero
    CHECK a3, -7, 13
    remu a3, a1, zero
    CHECK a3, -7, 14
    div a3, a4, a6
    CHECK a3, 0x80000000, 15
    rem a3, a4, a6
    CHECK a3, 0, 16
    mulhu a3, a6, a6
    CHECK a3, 0xFFFFFFFE, 17
    PASS
