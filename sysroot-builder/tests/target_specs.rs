//! The compiler's built-in specs for our two targets must match the reference
//! copies in target-specs/: a drift (another compiler, a changed default)
//! would silently change what the kernel and std are built for.

use std::path::Path;
use std::process::Command;

fn built_in_spec(target: &str) -> serde_json::Value {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "/usr/bin/rustc".to_string());
    let out = Command::new(&rustc)
        .args(["-Z", "unstable-options", "--print", "target-spec-json", "--target", target])
        .env("RUSTC_BOOTSTRAP", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {rustc}: {e}"));
    assert!(out.status.success(), "{rustc} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("rustc printed JSON")
}

fn check(target: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target-specs").join(format!("{target}.json"));
    let reference: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let actual = built_in_spec(target);
    let (want, have) = (reference.as_object().unwrap(), actual.as_object().unwrap());
    let mut drift = Vec::new();
    for key in want.keys().chain(have.keys().filter(|k| !want.contains_key(*k))) {
        if want.get(key) != have.get(key) {
            drift.push(format!("  {key}: reference {:?}, compiler {:?}", want.get(key), have.get(key)));
        }
    }
    assert!(
        drift.is_empty(),
        "the compiler's built-in {target} spec drifted from {}:\n{}",
        path.display(),
        drift.join("\n")
    );
}

#[test]
fn xous_target_spec_matches_reference() {
    check("riscv32imac-unknown-xous-elf");
}

#[test]
fn bare_target_spec_matches_reference() {
    check("riscv32imac-unknown-none-elf");
}
