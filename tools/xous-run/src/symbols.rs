//! Names for the addresses the guest prints: a backtrace frame of a std
//! program (std-xous prints `  N: [0x0001abcd]`, having no symbols in its
//! memory) and the kernel's report of a faulting process (`kernel: process
//! P (NAME) terminated: ... at pc 0x..., ra 0x..., ...`). Each such line
//! is written as it came, followed by lines naming the function, file and
//! line of each address, read from the ELF of the program or of the process
//! NAME, as espflash's monitor does for ESP32 programs. Addresses of
//! another process, or an ELF without debug information, add nothing.
//!
//! It sits between the console's stderr channel and the runner's stderr:
//! bytes pass through at once; only complete lines are looked at.

use object::{Object, ObjectSection, ObjectSymbol, ObjectSymbolTable, SymbolKind};
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The longest line looked at; longer ones pass through unread.
const LINE_MAX: usize = 300;

/// The ELF files of one run: the program's, and each process's by name.
pub struct Symbols {
    program: PathBuf,
    processes: HashMap<String, PathBuf>,
    /// Loaded on first use; None when the file has no usable DWARF.
    loaded: HashMap<PathBuf, Option<Elf>>,
}

/// What one ELF file says of addresses: its DWARF, and its symbol table's
/// functions, by start address.
struct Elf {
    dwarf: addr2line::Context<gimli::EndianArcSlice<gimli::RunTimeEndian>>,
    functions: Vec<(u64, String)>,
}

impl Elf {
    /// The ELF at `path` (32- or 64-bit), if it can be read and has DWARF
    /// that parses. Compressed debug sections read as absent (the linker
    /// leaves them uncompressed unless asked).
    fn load(path: &Path) -> Option<Elf> {
        let data = std::fs::read(path).ok()?;
        let file = object::File::parse(&*data).ok()?;
        let endian = if file.is_little_endian() { gimli::RunTimeEndian::Little } else { gimli::RunTimeEndian::Big };
        let section = |id: gimli::SectionId| -> Result<_, gimli::Error> {
            let bytes = match file.section_by_name(id.name()) {
                Some(section) if section.compressed_file_range().is_ok_and(|r| r.format == object::CompressionFormat::None) => {
                    section.data().unwrap_or(&[])
                }
                _ => &[],
            };
            Ok(gimli::EndianArcSlice::new(Arc::from(bytes), endian))
        };
        let dwarf = addr2line::Context::from_dwarf(gimli::Dwarf::load(section).ok()?).ok()?;
        let mut functions: Vec<(u64, String)> = file
            .symbol_table()
            .into_iter()
            .flat_map(|table| table.symbols())
            .filter(|symbol| symbol.kind() == SymbolKind::Text && symbol.address() != 0)
            .filter_map(|symbol| Some((symbol.address(), symbol.name().ok()?.to_string())))
            .collect();
        functions.sort();
        Some(Elf { dwarf, functions })
    }

    /// The name of the function symbol at or last before `address`.
    fn symbol(&self, address: u64) -> Option<&str> {
        let after = self.functions.partition_point(|(start, _)| *start <= address);
        after.checked_sub(1).map(|i| self.functions[i].1.as_str())
    }
}

impl Symbols {
    pub fn new(program: PathBuf, processes: impl IntoIterator<Item = (String, PathBuf)>) -> Symbols {
        Symbols { program, processes: processes.into_iter().collect(), loaded: HashMap::new() }
    }

    /// The lines to add after `line`, if it names addresses.
    fn explain(&mut self, line: &str) -> Vec<String> {
        if let Some(address) = frame_address(line) {
            let program = self.program.clone();
            return self.describe(&program, address, "      ");
        }
        let Some((name, pc, ra)) = fault_addresses(line) else { return Vec::new() };
        let Some(path) = self.processes.get(name).cloned() else { return Vec::new() };
        let mut lines = Vec::new();
        for (what, address, return_address) in [("pc", pc, false), ("ra", ra, true)] {
            let Some(address) = address else { continue };
            // A return address is the instruction after the call.
            let at = if return_address { address.saturating_sub(1) } else { address };
            let described = self.describe(&path, at, "      ");
            if !described.is_empty() {
                lines.push(format!("    {what} {address:#010x}:"));
                lines.extend(described);
            }
        }
        lines
    }

    /// `function` then `at file:line:column` for `address` in `elf`, for
    /// each function inlined there, innermost first.
    fn describe(&mut self, elf: &PathBuf, address: u64, indent: &str) -> Vec<String> {
        let loaded = self.loaded.entry(elf.clone()).or_insert_with(|| Elf::load(elf));
        let Some(loaded) = loaded else { return Vec::new() };
        // The symbol table's name: the full path, where debug information
        // built with `debug = "line-tables-only"` has only the last part.
        let symbol = loaded.symbol(address).map(|s| strip_hash(&addr2line::demangle_auto(s.into(), None)).to_string());
        let mut frames = Vec::new();
        if let Ok(mut found) = loaded.dwarf.find_frames(address).skip_all_loads() {
            while let Ok(Some(frame)) = found.next() {
                let name = frame.function.as_ref().and_then(|f| f.demangle().ok().map(|n| strip_hash(&n).to_string()));
                frames.push((name, frame.location.map(|l| at_line(indent, &l))));
            }
        }
        if frames.is_empty() {
            // No function entries for the address: the symbol and the line
            // table's file and line.
            let at = loaded.dwarf.find_location(address).ok().flatten().map(|l| at_line(indent, &l));
            frames.push((None, at));
        }
        // The last frame is the function the address is in (the others
        // were inlined into it): its symbol names it best when the debug
        // information gives a bare name.
        if let Some((name, _)) = frames.last_mut() {
            if !name.as_ref().is_some_and(|n| n.contains("::")) && symbol.is_some() {
                *name = symbol;
            }
        }
        let mut lines = Vec::new();
        for (name, at) in frames {
            if name.is_none() && at.is_none() {
                continue;
            }
            lines.push(format!("{indent}{}", name.as_deref().unwrap_or("<unknown>")));
            lines.extend(at);
        }
        lines
    }
}

/// `      at FILE:LINE:COLUMN`, as much of it as is known.
fn at_line(indent: &str, location: &addr2line::Location) -> String {
    let mut at = format!("{indent}      at {}", location.file.unwrap_or("?"));
    if let Some(line) = location.line {
        at.push_str(&format!(":{line}"));
        if let Some(column) = location.column {
            at.push_str(&format!(":{column}"));
        }
    }
    at
}

/// A Rust symbol's name without its trailing hash (`::h0123456789abcdef`).
fn strip_hash(name: &str) -> &str {
    match name.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => head,
        _ => name,
    }
}

/// The address of a backtrace frame line: `  N: [0x0001abcd]`, or with
/// RUST_BACKTRACE=full `  N: 0x1abcd - [0x0001abcd]`. A frame's address
/// is a return address (the instruction after a call), except that of the
/// innermost frame; the one before it is inside the call, which names the
/// right line.
pub fn frame_address(line: &str) -> Option<u64> {
    let (index, rest) = line.trim_start().split_once(": ")?;
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = rest.trim_end();
    let bracketed = rest.rsplit_once(" - ").map_or(rest, |(_, b)| b);
    let hex = bracketed.strip_prefix("[0x")?.strip_suffix(']')?;
    let address = u64::from_str_radix(hex, 16).ok()?;
    Some(address.saturating_sub(1))
}

/// The process name, pc and ra of a kernel fault report line.
pub fn fault_addresses(line: &str) -> Option<(&str, Option<u64>, Option<u64>)> {
    let rest = line.strip_prefix("kernel: process ")?;
    let (_, rest) = rest.split_once(" (")?;
    let (name, rest) = rest.split_once(") terminated: ")?;
    let word_after = |key: &str| {
        let (_, after) = rest.split_once(key)?;
        let hex = after.strip_prefix("0x")?;
        let hex: String = hex.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
        u64::from_str_radix(&hex, 16).ok()
    };
    let (pc, ra) = (word_after(" pc "), word_after(" ra "));
    (pc.is_some() || ra.is_some()).then_some((name, pc, ra))
}

/// A writer that passes bytes through and, after each line that names
/// addresses, writes what `Symbols` says of them.
pub struct Symbolizing<W: Write> {
    inner: W,
    symbols: Symbols,
    line: Vec<u8>,
    too_long: bool,
}

impl<W: Write> Symbolizing<W> {
    pub fn new(inner: W, symbols: Symbols) -> Symbolizing<W> {
        Symbolizing { inner, symbols, line: Vec::new(), too_long: false }
    }
}

impl<W: Write> Write for Symbolizing<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if b != b'\n' {
                if self.line.len() < LINE_MAX {
                    self.line.push(b);
                } else {
                    self.too_long = true;
                }
                continue;
            }
            self.inner.write_all(&bytes[start..=i])?;
            start = i + 1;
            let line = String::from_utf8_lossy(&self.line).into_owned();
            let extra = if self.too_long { Vec::new() } else { self.symbols.explain(line.trim_end_matches('\r')) };
            for text in extra {
                writeln!(self.inner, "{text}")?;
            }
            self.line.clear();
            self.too_long = false;
        }
        self.inner.write_all(&bytes[start..])?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_lines_are_recognised() {
        assert_eq!(frame_address("   3: [0x0001abcd]"), Some(0x1abcc));
        assert_eq!(frame_address("  12: 0x1abcd - [0x0001abcd]\r"), Some(0x1abcc));
        assert_eq!(frame_address("   3: main::inner"), None);
        assert_eq!(frame_address("note: [0x0001abcd]"), None);
        assert_eq!(frame_address("3: [0xzz]"), None);
    }

    #[test]
    fn fault_reports_are_recognised() {
        let line = "kernel: process 7 (crasher) terminated: store page fault at pc 0x00010234, ra 0x00010400, address 0x00000010";
        assert_eq!(fault_addresses(line), Some(("crasher", Some(0x10234), Some(0x10400))));
        assert_eq!(fault_addresses("kernel: process 7 (x) terminated: out of memory backing 0x60000000"), None);
        assert_eq!(fault_addresses("kernel: booting 9 processes"), None);
    }

    #[test]
    fn bytes_pass_through_whole_and_unknown_addresses_add_nothing() {
        let symbols = Symbols::new(PathBuf::from("/nonexistent.elf"), []);
        let mut out = Symbolizing::new(Vec::new(), symbols);
        let text = b"partial";
        out.write_all(text).unwrap();
        assert_eq!(out.inner, text, "a partial line is not held back");
        out.write_all(b" line\n   0: [0x00010000]\nend").unwrap();
        assert_eq!(out.inner, b"partial line\n   0: [0x00010000]\nend");
    }

    #[test]
    fn addresses_are_named_from_an_elf_with_debug_information() {
        // This very test program, whose ELF has DWARF (test profile); the
        // address is the one the ELF gives `strip_hash` (the program is
        // position-independent, so not the running one).
        let me = std::env::current_exe().unwrap();
        let data = std::fs::read(&me).unwrap();
        let file = object::File::parse(&*data).unwrap();
        let symbol = file.symbols().find(|s| s.name().is_ok_and(|n| n.contains("strip_hash"))).unwrap();
        let mut symbols = Symbols::new(me.clone(), []);
        let lines = symbols.describe(&me, symbol.address(), "");
        assert!(lines.iter().any(|l| l.contains("symbols::strip_hash")), "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("symbols.rs:")), "{lines:?}");
    }
}
