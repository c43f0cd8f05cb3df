//! A small, strict unified-diff applier for the overlay's edits to existing
//! library files. Strict on purpose: a hunk applies only where its context and
//! removed lines match exactly (it may have moved, as in `patch`'s offset, but
//! no fuzz), so an edit written for other code stops the build with the file
//! and hunk named instead of landing somewhere plausible.

use crate::error::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::Path;

/// The edits a diff makes to one file.
#[derive(Debug, PartialEq, Eq)]
pub struct FilePatch {
    /// Path relative to the library root, without the `a/` or `b/` prefix.
    pub path: String,
    pub hunks: Vec<Hunk>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Hunk {
    /// The `@@ -l,s +l,s @@` line, for error messages.
    pub header: String,
    /// 1-based line where the old text starts, as the diff says.
    pub old_start: usize,
    /// Lines the file must have (context and removed), in order.
    pub old: Vec<String>,
    /// Lines that replace them (context and added).
    pub new: Vec<String>,
}

/// The full contents of every file that `new_files` (path → bytes) and
/// `patches` ((name, diff), applied in order) add to or change in the tree
/// at `root`, computed without touching it. `tree` names the tree in errors
/// ("the library source", "the crate"). A new file may not replace one the
/// tree has, and no path may leave the tree. Used by the std overlay and by
/// the crate arms alike.
pub fn changes(
    root: &Path,
    tree: &str,
    new_files: &BTreeMap<String, Vec<u8>>,
    patches: &[(String, String)],
) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut changed = BTreeMap::new();
    for (path, bytes) in new_files {
        if root.join(path).exists() {
            bail!("files/{path} already exists in {tree}; change its files with a diff in patches/");
        }
        changed.insert(path.clone(), bytes.clone());
    }
    for (name, text) in patches {
        for file in parse(name, text)? {
            if file.path.contains("..") || file.path.starts_with('/') {
                bail!("{name}: path {} leaves {tree}", file.path);
            }
            let current = match changed.get(&file.path) {
                Some(bytes) => bytes.clone(),
                None => std::fs::read(root.join(&file.path))
                    .context(|| format!("{name} changes {}, which {tree} lacks", file.path))?,
            };
            let current = String::from_utf8(current).context(|| format!("{name}: {} is not UTF-8", file.path))?;
            changed.insert(file.path.clone(), apply(name, &file, &current)?.into_bytes());
        }
    }
    Ok(changed)
}

fn strip_prefix_dir(path: &str) -> &str {
    let path = path.split('\t').next().unwrap_or(path).trim_end();
    path.strip_prefix("a/").or_else(|| path.strip_prefix("b/")).unwrap_or(path)
}

fn parse_range(text: &str) -> Option<(usize, usize)> {
    let (start, len) = match text.split_once(',') {
        Some((s, l)) => (s, l),
        None => (text, "1"),
    };
    Some((start.parse().ok()?, len.parse().ok()?))
}

/// Parses a unified diff (one or more files). `name` is used in errors.
pub fn parse(name: &str, text: &str) -> Result<Vec<FilePatch>> {
    let lines: Vec<&str> = text.lines().collect();
    let mut patches: Vec<FilePatch> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(old_path) = line.strip_prefix("--- ") {
            let Some(new_path) = lines.get(i + 1).and_then(|l| l.strip_prefix("+++ ")) else {
                bail!("{name}:{}: `---` line not followed by `+++`", i + 1);
            };
            if old_path.starts_with("/dev/null") || new_path.starts_with("/dev/null") {
                bail!(
                    "{name}:{}: diffs may only change existing files; \
                     put new files under the overlay's files/ directory",
                    i + 1
                );
            }
            let (old_path, new_path) = (strip_prefix_dir(old_path), strip_prefix_dir(new_path));
            if old_path != new_path {
                bail!("{name}:{}: renames are not supported ({old_path} -> {new_path})", i + 1);
            }
            patches.push(FilePatch { path: new_path.to_string(), hunks: Vec::new() });
            i += 2;
        } else if line.starts_with("@@ ") {
            let Some(file) = patches.last_mut() else {
                bail!("{name}:{}: hunk before any `---`/`+++` file header", i + 1);
            };
            let ranges: Vec<&str> = line.split_whitespace().collect();
            let (old_range, new_range) = match ranges.as_slice() {
                ["@@", old, new, "@@", ..] if old.starts_with('-') && new.starts_with('+') => {
                    (parse_range(&old[1..]), parse_range(&new[1..]))
                }
                _ => (None, None),
            };
            let (Some((old_start, old_len)), Some((_, new_len))) = (old_range, new_range) else {
                bail!("{name}:{}: malformed hunk header {line:?}", i + 1);
            };
            let mut hunk = Hunk { header: line.to_string(), old_start, old: vec![], new: vec![] };
            i += 1;
            while hunk.old.len() < old_len || hunk.new.len() < new_len {
                let Some(body) = lines.get(i) else {
                    bail!("{name}: hunk {line:?} of {} ends early", file.path);
                };
                match body.chars().next() {
                    Some(' ') | None => {
                        let text = body.get(1..).unwrap_or("").to_string();
                        hunk.old.push(text.clone());
                        hunk.new.push(text);
                    }
                    Some('-') => hunk.old.push(body[1..].to_string()),
                    Some('+') => hunk.new.push(body[1..].to_string()),
                    Some('\\') => {}
                    Some(_) => bail!("{name}:{}: unexpected line in hunk: {body:?}", i + 1),
                }
                i += 1;
            }
            if hunk.old.len() != old_len || hunk.new.len() != new_len {
                bail!("{name}: hunk {line:?} of {} has the wrong line counts", file.path);
            }
            file.hunks.push(hunk);
        } else {
            // Commentary between files (git's `diff --git`, `index` lines, prose).
            i += 1;
        }
    }
    if patches.is_empty() {
        bail!("{name}: no file changes found; is it a unified diff?");
    }
    Ok(patches)
}

/// Applies one file's hunks to its text. `patch_name` names the diff in errors.
pub fn apply(patch_name: &str, file: &FilePatch, original: &str) -> Result<String> {
    let trailing_newline = original.ends_with('\n');
    let mut lines: Vec<String> = original.lines().map(str::to_string).collect();
    // Where hunk N expects to start, after the shifts of hunks 1..N-1.
    let mut shift: isize = 0;
    let mut searched_from = 0;
    for (index, hunk) in file.hunks.iter().enumerate() {
        let expected = (hunk.old_start.saturating_sub(1) as isize + shift).max(0) as usize;
        let Some(at) = find_block(&lines, &hunk.old, expected, searched_from) else {
            bail!(
                "{patch_name}: hunk {} of {} ({}) does not apply: the library source \
                 does not contain its lines{}",
                index + 1,
                file.path,
                hunk.header,
                first_mismatch(&lines, &hunk.old, expected)
            );
        };
        lines.splice(at..at + hunk.old.len(), hunk.new.iter().cloned());
        shift += hunk.new.len() as isize - hunk.old.len() as isize + at as isize - expected as isize;
        searched_from = at + hunk.new.len();
    }
    let mut text = lines.join("\n");
    if trailing_newline && !lines.is_empty() {
        text.push('\n');
    }
    Ok(text)
}

/// The start of the occurrence of `block` nearest to `expected`, at or after `from`.
fn find_block(lines: &[String], block: &[String], expected: usize, from: usize) -> Option<usize> {
    if block.len() > lines.len() {
        return None;
    }
    let last = lines.len() - block.len();
    (from..=last)
        .filter(|&at| lines[at..at + block.len()] == *block)
        .min_by_key(|&at| at.abs_diff(expected))
}

fn first_mismatch(lines: &[String], block: &[String], at: usize) -> String {
    for (offset, want) in block.iter().enumerate() {
        let have = lines.get(at + offset);
        if have != Some(want) {
            return format!(
                " (at line {}: expected {want:?}, found {:?})",
                at + offset + 1,
                have.map(String::as_str).unwrap_or("<end of file>")
            );
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "\
diff --git a/std/src/lib.rs b/std/src/lib.rs
--- a/std/src/lib.rs
+++ b/std/src/lib.rs
@@ -2,3 +2,4 @@
 two
-three
+THREE
+three and a half
 four
@@ -8,2 +9,2 @@
 eight
-nine
+NINE
";

    fn original() -> String {
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
            .join("\n")
            + "\n"
    }

    #[test]
    fn parses_files_and_hunks() {
        let patches = parse("t.diff", DIFF).unwrap();
        assert_eq!(patches.len(), 1);
        assert_eq!(patches[0].path, "std/src/lib.rs");
        assert_eq!(patches[0].hunks.len(), 2);
        assert_eq!(patches[0].hunks[0].old, ["two", "three", "four"]);
        assert_eq!(patches[0].hunks[0].new, ["two", "THREE", "three and a half", "four"]);
    }

    #[test]
    fn applies_hunks_in_order() {
        let patches = parse("t.diff", DIFF).unwrap();
        let out = apply("t.diff", &patches[0], &original()).unwrap();
        assert_eq!(
            out,
            "one\ntwo\nTHREE\nthree and a half\nfour\nfive\nsix\nseven\neight\nNINE\nten\n"
        );
    }

    #[test]
    fn applies_when_the_code_moved() {
        let patches = parse("t.diff", DIFF).unwrap();
        let moved = format!("zero\nminus one\n{}", original());
        let out = apply("t.diff", &patches[0], &moved).unwrap();
        assert!(out.starts_with("zero\nminus one\none\ntwo\nTHREE\n"), "{out}");
        assert!(out.ends_with("eight\nNINE\nten\n"), "{out}");
    }

    #[test]
    fn conflicting_hunk_names_file_and_hunk() {
        let patches = parse("0001-edit.diff", DIFF).unwrap();
        let changed = original().replace("nine", "neun");
        let e = apply("0001-edit.diff", &patches[0], &changed).unwrap_err().to_string();
        assert!(e.contains("0001-edit.diff"), "{e}");
        assert!(e.contains("hunk 2 of std/src/lib.rs"), "{e}");
        assert!(e.contains("@@ -8,2 +9,2 @@"), "{e}");
        assert!(e.contains("expected \"nine\", found \"neun\""), "{e}");
    }

    #[test]
    fn rejects_new_files_renames_and_truncated_hunks() {
        let new_file = "--- /dev/null\n+++ b/x.rs\n@@ -0,0 +1 @@\n+x\n";
        assert!(parse("n.diff", new_file).unwrap_err().to_string().contains("files/"));
        let rename = "--- a/x.rs\n+++ b/y.rs\n@@ -1 +1 @@\n-x\n+y\n";
        assert!(parse("r.diff", rename).unwrap_err().to_string().contains("renames"));
        let short = "--- a/x.rs\n+++ b/x.rs\n@@ -1,3 +1,3 @@\n-x\n+y\n";
        assert!(parse("s.diff", short).unwrap_err().to_string().contains("ends early"));
        assert!(parse("e.diff", "just prose\n").is_err());
    }

    #[test]
    fn keeps_missing_trailing_newline() {
        let diff = "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n";
        let patches = parse("n.diff", diff).unwrap();
        assert_eq!(apply("n.diff", &patches[0], "a").unwrap(), "b");
    }
}
