//! Writes the program's read-only data, `pattern::LEN` bytes of
//! `pattern::byte`, to OUT_DIR/pattern.bin, which src/main.rs includes:
//! generated here so that the repository holds no 3 MiB file.

#[path = "src/pattern.rs"]
mod pattern;

fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("pattern.bin");
    let bytes: Vec<u8> = (0..pattern::LEN).map(pattern::byte).collect();
    std::fs::write(&out, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/pattern.rs");
}
