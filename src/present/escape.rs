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

/// Word joiner (U+2060): invisible, and breaks what chat tools and trackers would turn into a
/// mention or a link.
const JOINER: char = '\u{2060}';

/// [`escape_markdown`], then made inert for chat tools and ticket trackers (Slack, Teams,
/// Jira, GitHub), which act on more than Markdown: `@channel`, `@here` and `@user` cannot
/// ping (a word joiner follows every `@`), Slack's `<!here>` and `<@U123>` cannot form (the
/// angle brackets are escaped), and no URL or domain becomes a link (`://`, `www.` and
/// every `.` between letters are broken by a word joiner). The text reads the same.
#[must_use]
pub fn escape_ticket(s: &str) -> String {
    let escaped = escape_markdown(s);
    let chars: Vec<char> = escaped.chars().collect();
    let mut out = String::with_capacity(escaped.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        // `example.com`, `www.evil`: a dot between two word characters is preceded by a
        // joiner, so no domain is recognised.
        if c == '.'
            && prev.is_some_and(char::is_alphanumeric)
            && next.is_some_and(char::is_alphanumeric)
        {
            out.push(JOINER);
        }
        out.push(c);
        // `@here`, `<!channel>`, `https://`: a joiner after the marker.
        if matches!(c, '@' | '!' | ':') && next.is_some_and(|n| !n.is_whitespace()) {
            out.push(JOINER);
        }
    }
    out
}

/// A CSV cell that a spreadsheet will not evaluate: a value starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return is prefixed with `'` (OWASP's CSV-injection rule), after
/// [`neutralise`]. Quoting is the CSV writer's business.
#[must_use]
pub fn csv_cell(s: &str) -> String {
    let s = neutralise(s);
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) || s.starts_with('\u{FFFD}') {
        format!("'{s}")
    } else {
        s
    }
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

    #[test]
    fn tickets_cannot_ping_or_link() {
        for hostile in [
            "@channel",
            "@here",
            "<!here>",
            "<!channel|x>",
            "<@U024BE7LH>",
            "https://evil.example/x",
            "www.evil.example",
            "[click](javascript:alert(1))",
        ] {
            let out = escape_ticket(hostile);
            for token in [
                "@channel",
                "@here",
                "!here",
                "!channel",
                "@U0",
                "://",
                "www.",
                "evil.example",
            ] {
                assert!(!out.contains(token), "{token} in {out:?}");
            }
            assert!(!out.contains("](") || out.contains("\\]("), "{out:?}");
            assert_eq!(out.replace([JOINER, '\\'], ""), hostile.replace('\\', ""));
        }
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        for (cell, want) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\u{FFFD}x"),
            ("plain", "plain"),
        ] {
            assert_eq!(csv_cell(cell), want);
        }
    }
}
