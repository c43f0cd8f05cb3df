//! Booting a UF2 file as boot1 does: checked with the developer key,
//! refused with boot1's reason when damaged, entered with boot1's hand-off.

use crate::machine::{BOOT1_A0, IMAGE_BASE};
use crate::{Machine, Outcome};
use bao1x_image::{build_uf2, developer_key, SignOptions};

/// `lui t0, 0x40081; sw a0, 0(t0)`: exits with a0 (0x6009_FD00 from boot1).
const PAYLOAD: [u32; 2] = [0x4008_12b7, 0x00a2_a023];

fn payload() -> Vec<u8> {
    PAYLOAD.iter().flat_map(|w| w.to_le_bytes()).collect()
}

#[test]
fn a_signed_image_boots_with_boot1s_hand_off() {
    let uf2 = build_uf2(&payload(), &developer_key(), SignOptions::default()).unwrap();
    let mut machine = Machine::default();
    machine.boot_uf2(&uf2).unwrap();
    assert_eq!(machine.cpu.pc, IMAGE_BASE);
    assert_eq!(machine.cpu.csr.medeleg, 0xB3FF, "every delegable exception to S");
    assert_eq!(machine.cpu.csr.mideleg, 0x222, "every supervisor interrupt to S");
    // The first instruction is the block's jump over itself to the payload.
    assert_eq!(machine.run(100), Outcome::Exit(BOOT1_A0));
}

#[test]
fn a_damaged_image_is_refused_with_boot1s_reason() {
    let mut uf2 = build_uf2(&payload(), &developer_key(), SignOptions::default()).unwrap();
    uf2[3 * 512 + 32] ^= 1; // block 3: the first payload bytes
    let why = Machine::default().boot_uf2(&uf2).unwrap_err();
    assert!(why.starts_with("boot1 refuses the image: bad signature:"), "{why}");
    let other = bao1x_image::SigningKey::from_bytes(&[3; 32]);
    let uf2 = build_uf2(&payload(), &other, SignOptions::default()).unwrap();
    assert!(Machine::default().boot_uf2(&uf2).unwrap_err().contains("none of boot1's keys"));
}

#[test]
fn a_files_flash_blocks_fill_the_baosec_boards_nor_flash_and_a_dabao_refuses_them() {
    let flash: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    let uf2 = bao1x_image::build_uf2_with_flash(&payload(), &flash, &developer_key(), SignOptions::default()).unwrap();
    let mut baosec = Machine::default();
    baosec.cpu.bus.spim1 = Some(crate::devices::spim::Spim::default());
    baosec.boot_uf2(&uf2).unwrap();
    let nor = baosec.cpu.bus.spim1.as_ref().unwrap().nor.bytes();
    assert_eq!(&nor[..flash.len()], &flash[..], "the flash's bytes from address 0");
    assert!(nor[flash.len()..5120].iter().all(|&b| b == 0), "the last block's padding");
    assert!(nor[5120..].iter().all(|&b| b == 0xff), "erased after them");
    assert_eq!(baosec.run(100), Outcome::Exit(BOOT1_A0));
    let why = Machine::default().boot_uf2(&uf2).unwrap_err();
    assert!(why.contains("writes 5120 bytes to the external flash, which the dabao board lacks"), "{why}");
    // A flash given by file as well: one of them, said so.
    let mut both = Machine::default();
    let mut spim = crate::devices::spim::Spim::default();
    spim.nor = crate::devices::nor::Nor::with_contents(&[1, 2, 3]).unwrap();
    both.cpu.bus.spim1 = Some(spim);
    assert!(both.boot_uf2(&uf2).unwrap_err().contains("give it without --flash"));
}
