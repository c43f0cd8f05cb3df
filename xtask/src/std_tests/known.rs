//! The written reasons: tests we do not run (each with why), and failures
//! we understand (each with why, and what would fix it). A failure not
//! listed here makes `./x std-tests` fail; a skip is never silent.

/// (suite, program, test, why): not run.
const SKIPS: &[(&str, &str, &str, &str)] = &[];

/// (suite, program, test, why): expected to fail, for the reason given.
const FAILURES: &[(&str, &str, &str, &str)] = &[];

/// The tests of `program` we do not run.
pub fn skips<'a>(suite: &'a str, program: &'a str) -> impl Iterator<Item = &'static str> + 'a {
    SKIPS.iter().filter(move |(s, p, _, _)| *s == suite && *p == program).map(|(_, _, test, _)| *test)
}

pub fn skip_reason(suite: &str, program: &str, test: &str) -> Option<&'static str> {
    SKIPS.iter().find(|(s, p, t, _)| *s == suite && *p == program && *t == test).map(|(_, _, _, why)| *why)
}

/// Why `test` is known to fail, if it is.
pub fn failure_reason(suite: &str, program: &str, test: &str) -> Option<&'static str> {
    FAILURES.iter().find(|(s, p, t, _)| *s == suite && *p == program && *t == test).map(|(_, _, _, why)| *why)
}
