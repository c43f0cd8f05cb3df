//! Stage-by-stage progress on stderr, each stage with its elapsed time, so a
//! cold build (about a minute and a half) never looks stuck.

use std::time::Instant;

pub struct Progress {
    started: Instant,
    stage: usize,
    stages: usize,
}

impl Progress {
    pub fn new(stages: usize) -> Self {
        Progress { started: Instant::now(), stage: 0, stages }
    }

    /// Runs one stage, printing its name before and its duration after.
    pub fn stage<T>(&mut self, name: &str, work: impl FnOnce() -> T) -> T {
        self.stage += 1;
        eprintln!("sysroot-builder: [{}/{}] {name} ...", self.stage, self.stages);
        let start = Instant::now();
        let result = work();
        eprintln!(
            "sysroot-builder: [{}/{}] {name}: {:.1} s",
            self.stage,
            self.stages,
            start.elapsed().as_secs_f64()
        );
        result
    }

    pub fn total_seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}
