//! Links the kernel with its linker script (where it lives in memory).
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    if std::env::var("TARGET").unwrap().starts_with("riscv32") {
        println!("cargo:rustc-link-arg-bins=-T{dir}/link.x");
    }
    println!("cargo:rerun-if-changed=link.x");
}
