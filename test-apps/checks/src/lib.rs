//! Named checks for the std test apps: each prints one line (`ok: ...` or
//! `FAILED: ...`), and `finish` ends the program with exit code 1 if any
//! failed, after the line xtask looks for (`<app>: all checks passed`).
//! Also the one raw syscall of the apps that use the ABI directly (`raw`).

pub mod raw;

pub struct Checks {
    app: &'static str,
    failed: usize,
}

impl Checks {
    pub fn new(app: &'static str) -> Checks {
        Checks { app, failed: 0 }
    }

    pub fn check(&mut self, ok: bool, what: String) {
        if ok {
            println!("ok: {what}");
        } else {
            println!("FAILED: {what}");
            self.failed += 1;
        }
    }

    pub fn finish(self) {
        if self.failed == 0 {
            println!("{}: all checks passed", self.app);
        } else {
            println!("{}: {} checks failed", self.app, self.failed);
            std::process::exit(1);
        }
    }
}
