//! Links the kernel with its linker script (where it lives in memory): link.x,
//! with the board's RAM base put in, as only the board knows it. The board
//! is the kernel's feature (`dabao`, else QEMU virt): a build script sees
//! its package's features, not those of the `board` it depends on.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let out = std::env::var("OUT_DIR").unwrap();
    let script = std::fs::read_to_string(format!("{dir}/link.x")).unwrap();
    let ram_base = match std::env::var_os("CARGO_FEATURE_DABAO") {
        Some(_) => board::dabao::RAM_BASE,
        None => board::qemu_virt::RAM_BASE,
    };
    let script = script.replace("{RAM_BASE}", &format!("{ram_base:#x}"));
    std::fs::write(format!("{out}/link.x"), script).unwrap();
    if std::env::var("TARGET").unwrap().starts_with("riscv32") {
        println!("cargo:rustc-link-arg-bins=-T{out}/link.x");
    }
    println!("cargo:rerun-if-changed=link.x");
}
