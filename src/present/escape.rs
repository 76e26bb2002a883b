//! Escaping of attacker-controlled text for the outputs that read it: every `CloudTrail`
//! field, object key and account answer can be written by an attacker.

/// Replaces control characters (C0, DEL, C1) and bidirectional overrides with U+FFFD, so an
/// attacker-chosen string cannot move the cursor, fake lines or reorder text in a terminal.
#[must_use]
pub fn neutralise(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}
