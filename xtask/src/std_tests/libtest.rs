//! Reading what a libtest program prints, one test at a time: with one
//! test thread libtest writes `test NAME ... ` when a test starts and its
//! result (`ok`, `FAILED`, `ignored[, why]`) when it ends, so a program that
//! hangs or dies leaves the name of the test it was in. After the run it
//! prints a `---- NAME stdout ----` section per failure, with the panic.

use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Passed,
    Failed(String),
    /// `#[ignore]` in the source, with its reason if it gives one.
    Ignored(String),
}

/// What one run of a test program showed.
#[derive(Default, Debug)]
pub struct Run {
    /// Finished tests in the order they ran.
    pub results: Vec<(String, Outcome)>,
    /// The test that had started but not finished when the output ended.
    pub unfinished: Option<String>,
    /// libtest's closing `test result:` line was seen.
    pub completed: bool,
}

impl Run {
    /// Takes the program's stdout, line by line.
    pub fn line(&mut self, line: &str) {
        if line.starts_with("test result: ") {
            self.completed = true;
            return;
        }
        let Some(rest) = line.strip_prefix("test ") else { return };
        let Some((name, result)) = rest.split_once(" ... ") else { return };
        // `#[should_panic]` tests are shown as `NAME - should panic`.
        let name = name.strip_suffix(" - should panic").unwrap_or(name).to_string();
        let result = result.trim_end();
        let outcome = if result == "ok" {
            Outcome::Passed
        } else if result == "FAILED" {
            Outcome::Failed(String::new())
        } else if let Some(why) = result.strip_prefix("ignored") {
            Outcome::Ignored(why.trim_start_matches(',').trim().to_string())
        } else if result.is_empty() {
            self.unfinished = Some(name);
            return;
        } else {
            // A test that printed without capture: the result comes later.
            self.unfinished = Some(name);
            return;
        };
        self.unfinished = None;
        self.results.push((name, outcome));
    }

    /// The same `test NAME ... ` line may end in a later line when a test
    /// wrote to the console itself; `finish_line` sees such a bare result.
    pub fn bare_result(&mut self, line: &str) {
        if let Some(name) = self.unfinished.clone() {
            let outcome = match line.trim() {
                "ok" => Outcome::Passed,
                "FAILED" => Outcome::Failed(String::new()),
                _ => return,
            };
            self.unfinished = None;
            self.results.push((name, outcome));
        }
    }

    /// Fills in each failure's reason from libtest's failure sections.
    pub fn add_failure_reasons(&mut self, stdout: &str) {
        let reasons = failure_reasons(stdout);
        for (name, outcome) in &mut self.results {
            if let Outcome::Failed(why) = outcome {
                if let Some(reason) = reasons.get(name.as_str()) {
                    *why = reason.clone();
                }
            }
        }
    }
}

/// `NAME -> the panic` from the `---- NAME stdout ----` sections: the line
/// with "panicked at" and the message lines after it, joined, shortened.
pub fn failure_reasons(stdout: &str) -> BTreeMap<&str, String> {
    let mut reasons = BTreeMap::new();
    let mut lines = stdout.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(name) = line.strip_prefix("---- ").and_then(|l| l.strip_suffix(" stdout ----")) else { continue };
        let name = name.strip_suffix(" - should panic").unwrap_or(name);
        let mut text = Vec::new();
        let mut in_panic = false;
        while let Some(next) = lines.peek() {
            if next.starts_with("---- ") || next.starts_with("failures:") || next.starts_with("test result:") {
                break;
            }
            let next = lines.next().expect("peeked");
            if next.contains("panicked at") {
                in_panic = true;
                continue;
            }
            if in_panic && !next.trim().is_empty() && !next.starts_with("note: ") {
                text.push(next.trim().to_string());
            }
        }
        let mut reason = text.join(" / ");
        if reason.is_empty() {
            reason = "failed without a panic message".into();
        }
        if reason.len() > 300 {
            let cut = (0..=300).rev().find(|&i| reason.is_char_boundary(i)).unwrap_or(0);
            reason.truncate(cut);
            reason.push_str(" ...");
        }
        reasons.insert(name, reason);
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "\
running 5 tests
test a::passes ... ok
test a::fails ... FAILED
test a::ignored ... ignored
test a::ignored_why ... ignored, needs the internet
test a::panics - should panic ... ok
test b::hangs ... ";

    #[test]
    fn reads_each_result_and_the_test_left_running() {
        let mut run = Run::default();
        for line in OUTPUT.lines() {
            run.line(line);
        }
        assert_eq!(
            run.results,
            [
                ("a::passes".to_string(), Outcome::Passed),
                ("a::fails".to_string(), Outcome::Failed(String::new())),
                ("a::ignored".to_string(), Outcome::Ignored(String::new())),
                ("a::ignored_why".to_string(), Outcome::Ignored("needs the internet".into())),
                ("a::panics".to_string(), Outcome::Passed),
            ]
        );
        assert_eq!(run.unfinished.as_deref(), Some("b::hangs"));
        assert!(!run.completed);
    }

    #[test]
    fn a_result_after_console_output_still_counts() {
        let mut run = Run::default();
        run.line("test prints ... ");
        run.bare_result("hello from the test");
        run.bare_result("ok");
        run.line("test result: ok. 1 passed; 0 failed");
        assert_eq!(run.results, [("prints".to_string(), Outcome::Passed)]);
        assert!(run.completed && run.unfinished.is_none());
    }

    #[test]
    fn takes_the_panic_message_of_each_failure() {
        let stdout = "\
failures:

---- a::fails stdout ----

thread 'a::fails' (3) panicked at library/std/src/x.rs:1:5:
assertion `left == right` failed
  left: 1
 right: 2
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace

---- b::other stdout ----
some output

failures:
    a::fails
    b::other

test result: FAILED. 0 passed; 2 failed";
        let reasons = failure_reasons(stdout);
        assert_eq!(reasons["a::fails"], "assertion `left == right` failed / left: 1 / right: 2");
        assert_eq!(reasons["b::other"], "failed without a panic message");
        let mut run = Run::default();
        run.line("test a::fails ... FAILED");
        run.add_failure_reasons(stdout);
        assert_eq!(run.results[0].1, Outcome::Failed("assertion `left == right` failed / left: 1 / right: 2".into()));
    }
}
