//! Escaping for the text and Markdown presenters: strings from `CloudTrail`, S3 or a
//! snapshot are attacker-controlled (STYLE.md rule 17), so every one is passed through here
//! before it reaches a terminal or a Markdown document.
//!
//! Pure string functions: they change how a value is shown, never what it says. HTML is
//! escaped by askama in the HTML presenters, not here.

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

/// [`neutralise`], then backslash-escapes the characters Markdown gives meaning to.
#[must_use]
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in neutralise(s).chars() {
        if matches!(
            c,
            '\\' | '|' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_strings_are_neutralised_and_escaped() {
        assert_eq!(
            neutralise("a\u{1b}[2Jb\nc\u{202E}"),
            "a\u{FFFD}[2Jb\u{FFFD}c\u{FFFD}"
        );
        assert_eq!(
            escape_markdown("<script>|`x`*_[l](u)\\"),
            "\\<script\\>\\|\\`x\\`\\*\\_\\[l\\](u)\\\\"
        );
    }
}
