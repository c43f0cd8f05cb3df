//! The C compiler the toolchain offers crates with C parts (ring, psm): the
//! toolchain's `bin/cargo` is a small script that, for our target only,
//! points the `cc` crate at Debian's RISC-V GCC (`gcc-riscv64-unknown-elf`,
//! its rv32imac/ilp32 multilib) and newlib's headers (`libnewlib-dev`), then
//! runs the system cargo. Build scripts inherit cargo's environment, so this
//! is the one place that reaches them without the user's crate or global
//! configuration changing.
//!
//! Every variable is the target's own spelling (`CC_riscv32imac_unknown_xous_elf`),
//! which host builds never read, and each is set only when the caller has not
//! chosen it for the target in any spelling the `cc` crate reads (the dashed
//! and underscored per-target forms, `TARGET_<NAME>`). A plain `CC` or
//! `CFLAGS` is taken to be the host's.
//!
//! No C library is linked (Xous has none): `memcpy`, `memset` and integer
//! helpers such as `__bswapsi2` come from compiler_builtins, and a failed C
//! `assert` traps through our own `assert.h` (newlib's would call its
//! `__assert_func`), which the process's fault report then shows.
//!
//! The sysroot itself is still built without C: the builder runs the system
//! cargo directly with its guard in every spelling of `CC` (cargo_build.rs),
//! so neither this script nor these variables reach it.

use crate::cargo_build::make_executable;
use crate::error::{Context, Result};
use std::path::Path;

/// Debian's bare-metal RISC-V GCC: one compiler for rv32 and rv64.
pub const CC: &str = "/usr/bin/riscv64-unknown-elf-gcc";
pub const AR: &str = "/usr/bin/riscv64-unknown-elf-ar";
/// Newlib's headers (`stdint.h`, `string.h`, ...), which this GCC does not
/// search by itself; C that calls more of libc than compiler_builtins has
/// fails to link, naming the function.
pub const LIBC_HEADERS: &str = "/usr/include/newlib";
/// Our headers, searched before newlib's, relative to the toolchain.
pub const OWN_HEADERS: &str = "lib/xous/c-include";

const ASSERT_H: &str = "\
/* Written by sysroot-builder: assert for C built for Xous, which has no C
   library to print a message and abort. A failed assertion traps
   (__builtin_trap, an ebreak) and Xous ends the process with a fault report.
   NDEBUG turns it off, as everywhere; like every assert.h, it may be included
   again. */
#undef assert
#ifdef NDEBUG
#define assert(e) ((void)0)
#else
#define assert(e) ((e) ? (void)0 : __builtin_trap())
#endif
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(__cplusplus)
#define static_assert _Static_assert
#endif
";

/// rv32imac/ilp32 as rustc builds our target, and `__ILP32__`, which clang
/// predefines for every target of that data model and GCC for RISC-V does
/// not (ring tells 32-bit from 64-bit targets by it); then the headers.
pub fn cflags(toolchain: &Path) -> String {
    format!(
        "-march=rv32imac -mabi=ilp32 -D__ILP32__ -isystem {} -isystem {LIBC_HEADERS}",
        toolchain.join(OWN_HEADERS).display()
    )
}

/// Writes our headers and the toolchain's `bin/cargo` into `staging`, for a
/// toolchain that will live at `dest` and run the system cargo `real`.
pub fn install(staging: &Path, dest: &Path, real: &Path, target: &str) -> Result<()> {
    let headers = staging.join(OWN_HEADERS);
    std::fs::create_dir_all(&headers).context(|| format!("cannot create {}", headers.display()))?;
    std::fs::write(headers.join("assert.h"), ASSERT_H).context(|| "cannot write assert.h".to_string())?;
    let cargo = staging.join("bin/cargo");
    std::fs::write(&cargo, cargo_script(real, target, &cflags(dest)))
        .context(|| format!("cannot write {}", cargo.display()))?;
    make_executable(&cargo)
}

/// The script that becomes the toolchain's `bin/cargo`, running `real`.
fn cargo_script(real: &Path, target: &str, cflags: &str) -> String {
    let underscored = target.replace('-', "_");
    let real = real.display().to_string().replace('\'', r"'\''");
    let mut script = format!(
        "#!/bin/bash\n\
         # Written by sysroot-builder: the system cargo. Build scripts that compile C\n\
         # for {target} through the `cc` crate get Debian's RISC-V GCC\n\
         # and newlib's headers, unless the caller chose them for that target.\n\
         # Nothing here is read by host builds. bash, not sh: dash drops\n\
         # variables whose names hold a '-', such as CC_{target}.\n\
         chosen() {{\n\
         \x20   printenv \"$1_{target}\" || printenv \"$1_{underscored}\" || printenv \"TARGET_$1\"\n\
         }} >/dev/null\n"
    );
    for (name, value) in [("CC", CC), ("AR", AR), ("CFLAGS", cflags)] {
        script.push_str(&format!("chosen {name} || export {name}_{underscored}='{value}'\n"));
    }
    script.push_str(&format!("exec '{real}' \"$@\"\n"));
    script
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    const TARGET: &str = "riscv32imac-unknown-xous-elf";

    /// Runs the script around a fake cargo that prints the C variables it got.
    fn run(env: &[(&str, &str)]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("cargo");
        std::fs::write(&fake, "#!/bin/bash\necho \"args $*\"\nenv | grep -E '^(TARGET_)?(CC|AR|CFLAGS)(_|=)' | sort\n").unwrap();
        make_executable(&fake).unwrap();
        let script = dir.path().join("wrapper");
        std::fs::write(&script, cargo_script(&fake, TARGET, "-march=rv32imac -isystem /x")).unwrap();
        make_executable(&script).unwrap();
        let mut cmd = Command::new(&script);
        cmd.args(["build", "--target", TARGET]);
        for name in ["CC", "AR", "CFLAGS"] {
            cmd.env_remove(name).env_remove(format!("TARGET_{name}"));
            cmd.env_remove(format!("{name}_{TARGET}")).env_remove(format!("{name}_{}", TARGET.replace('-', "_")));
        }
        let out = cmd.envs(env.iter().copied()).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn the_target_gets_the_riscv_compiler_and_the_arguments_pass_through() {
        let out = run(&[]);
        assert!(out.starts_with(&format!("args build --target {TARGET}\n")), "{out}");
        assert!(out.contains(&format!("CC_riscv32imac_unknown_xous_elf={CC}\n")), "{out}");
        assert!(out.contains(&format!("AR_riscv32imac_unknown_xous_elf={AR}\n")), "{out}");
        assert!(out.contains("CFLAGS_riscv32imac_unknown_xous_elf=-march=rv32imac -isystem /x\n"), "{out}");
        assert_eq!(out.lines().count(), 4, "only the target's own variables: {out}");
    }

    #[test]
    fn a_choice_the_caller_made_for_the_target_is_kept() {
        let out = run(&[("CC_riscv32imac-unknown-xous-elf", "clang"), ("TARGET_CFLAGS", "-O1")]);
        assert!(out.contains("CC_riscv32imac-unknown-xous-elf=clang\n"), "{out}");
        assert!(!out.contains("CC_riscv32imac_unknown_xous_elf"), "{out}");
        assert!(!out.contains("CFLAGS_riscv32imac"), "{out}");
        assert!(out.contains(&format!("AR_riscv32imac_unknown_xous_elf={AR}\n")), "{out}");
    }

    #[test]
    fn the_hosts_own_cc_is_left_alone() {
        let out = run(&[("CC", "gcc"), ("CFLAGS", "-O2")]);
        assert!(out.contains("CC=gcc\n") && out.contains("CFLAGS=-O2\n"), "{out}");
        assert!(out.contains(&format!("CC_riscv32imac_unknown_xous_elf={CC}\n")), "{out}");
    }
}
