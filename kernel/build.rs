//! Links the kernel with its linker script (where it lives in memory): link.x
//! where it runs in RAM (QEMU virt), link_in_place.x where it executes in
//! place from the boot image in read-only memory (the Baochip-1x), with the
//! board's addresses put in, as only the board knows them. The board is the
//! kernel's feature (`dabao`, else QEMU virt): a build script sees its
//! package's features, not those of the `board` it depends on.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let out = std::env::var("OUT_DIR").unwrap();
    let (in_place, ram_base, image, rom) = match std::env::var_os("CARGO_FEATURE_DABAO") {
        Some(_) => (board::dabao::KERNEL_IN_PLACE, board::dabao::RAM_BASE, board::dabao::IMAGE_LOAD_ADDRESS, board::dabao::ROM),
        None => (board::qemu_virt::KERNEL_IN_PLACE, board::qemu_virt::RAM_BASE, board::qemu_virt::IMAGE_LOAD_ADDRESS, board::qemu_virt::ROM),
    };
    let name = if in_place { "link_in_place.x" } else { "link.x" };
    let script = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
    let rom_base = rom.map_or(0, |(base, _)| base);
    let script = script
        .replace("{RAM_BASE}", &format!("{ram_base:#x}"))
        .replace("{IMAGE}", &format!("{image:#x}"))
        .replace("{ROM_BASE}", &format!("{rom_base:#x}"));
    std::fs::write(format!("{out}/link.x"), script).unwrap();
    if std::env::var("TARGET").unwrap().starts_with("riscv32") {
        println!("cargo:rustc-link-arg-bins=-T{out}/link.x");
    }
    println!("cargo:rerun-if-changed=link.x");
    println!("cargo:rerun-if-changed=link_in_place.x");
}
