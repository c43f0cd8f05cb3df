//! The long panic message, shared with the host check that looks for it
//! (xtask includes this file), so both sides build the very same text.

/// The panic message of `len` bytes: a header naming the length, lines of
/// a pattern that changes with every line (a lost or repeated chunk shows),
/// and an end mark. The host check (xtask) builds the same text.
pub fn message(len: usize) -> String {
    let tail = ":END";
    let mut text = format!("LONG-PANIC[{len}]:");
    let mut line = 0usize;
    while text.len() < len - tail.len() {
        let row = format!("\n{line:05} {}", (0..57).map(|i| (b'!' + ((line * 7 + i) % 94) as u8) as char).collect::<String>());
        text.push_str(&row);
        line += 1;
    }
    text.truncate(len - tail.len());
    text.push_str(tail);
    text
}
