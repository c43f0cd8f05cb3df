# UART2 over the UDMA: "hi\n" transmitted from IFRAM by DMA, then two bytes
# received by DMA (the test gives the model "xy" as input) and sent back.
.equ UART2, 0x50103000
.equ IFRAM, 0x50000000
    li s0, UART2
    li s1, IFRAM
    li t0, 0x0A6968         # "hi\n"
    sw t0, 0(s1)
    sw s1, 0x10(s0)         # TX_SADDR
    li t0, 3
    sw t0, 0x14(s0)         # TX_SIZE
    li t0, 0x10
    sw t0, 0x18(s0)         # TX_CFG: EN
1:  lw t0, 0x10(s0)
    bnez t0, 1b
    addi s2, s1, 0x100
    sw s2, 0x00(s0)         # RX_SADDR
    li t0, 2
    sw t0, 0x04(s0)         # RX_SIZE
    li t0, 0x10
    sw t0, 0x08(s0)         # RX_CFG: EN
2:  lw t0, 0x00(s0)
    bnez t0, 2b
    lhu t1, 0(s2)
    li t2, 0x7978           # "xy"
    bne t1, t2, bad
    sw s2, 0x10(s0)
    li t0, 2
    sw t0, 0x14(s0)
    li t0, 0x10
    sw t0, 0x18(s0)
    PASS
bad:
    FAIL 100
