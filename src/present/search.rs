//! The outputs of `search`: a table (one line per match), JSON Lines (`{"file", "verified",
//! "record"}` with the record as read), CSV, a Markdown ticket, OCSF API Activity, and the
//! `--count-by` tables. Every string from a record is attacker-controlled: neutralised for
//! the terminal, escaped for Markdown and unable to ping or link in chat tools, never a
//! formula in a spreadsheet. Formatting only.

use std::fmt::Write as _;

use serde_json::value::RawValue;

use super::escape::{csv_cell, escape_ticket, neutralise};
use crate::search::consumer::{CountKey, Match, Row};

fn dash(v: Option<&String>) -> &str {
    v.map_or("-", String::as_str)
}

/// The table's header line.
#[must_use]
pub fn table_header() -> String {
    "TIME\tACTOR\tEVENT\tSOURCE\tSOURCE IP\tERROR\tRESOURCE\tFILE\n".to_owned()
}

/// One line of the table (tab-separated; the file carries its verified mark).
#[must_use]
pub fn table_line(m: &Match) -> String {
    let r = &m.row;
    let cells = [
        dash(r.time.as_ref()),
        &r.actor,
        dash(r.event.as_ref()),
        dash(r.source.as_ref()),
        dash(r.source_ip.as_ref()),
        dash(r.error.as_ref()),
        dash(r.resource.as_ref()),
    ];
    let mut o: Vec<String> = cells
        .iter()
        .map(|c| neutralise(c).replace('\t', " "))
        .collect();
    o.push(format!(
        "{} ({})",
        neutralise(&m.file).replace('\t', " "),
        if m.verified { "verified" } else { "UNVERIFIED" }
    ));
    o.join("\t") + "\n"
}

/// One JSON Lines object: `{"file", "verified", "record"}`, the record as read (keys in the
/// file's order).
#[must_use]
pub fn jsonl_line(m: &Match) -> String {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        file: &'a str,
        verified: bool,
        record: &'a RawValue,
    }
    let Ok(record) = serde_json::from_str::<&RawValue>(&m.raw) else {
        return String::new();
    };
    serde_json::to_string(&Line {
        file: &m.file,
        verified: m.verified,
        record,
    })
    .map(|s| s + "\n")
    .unwrap_or_default()
}

const CSV_COLUMNS: [&str; 11] = [
    "time",
    "actor",
    "event_name",
    "event_source",
    "source_ip",
    "error_code",
    "resource",
    "region",
    "account",
    "file",
    "verified",
];

fn csv_lines(header: bool, rows: &[(&Row, &str, bool)]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    if header {
        let _ = w.write_record(CSV_COLUMNS);
    }
    for (r, file, verified) in rows {
        let c = |v: Option<&String>| v.map_or_else(String::new, |s| csv_cell(s));
        let _ = w.write_record([
            c(r.time.as_ref()),
            csv_cell(&r.actor),
            c(r.event.as_ref()),
            c(r.source.as_ref()),
            c(r.source_ip.as_ref()),
            c(r.error.as_ref()),
            c(r.resource.as_ref()),
            c(r.region.as_ref()),
            c(r.account.as_ref()),
            csv_cell(file),
            verified.to_string(),
        ]);
    }
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// The CSV header.
#[must_use]
pub fn csv_header() -> String {
    csv_lines(true, &[])
}

/// One CSV row; no cell can start a formula.
#[must_use]
pub fn csv_row(m: &Match) -> String {
    csv_lines(false, &[(&m.row, &m.file, m.verified)])
}

/// Quotes a word for POSIX `sh`: nothing in it can run when the command is pasted.
#[must_use]
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+".contains(&b))
    {
        return s.to_owned();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A word single-quoted for POSIX `sh`, always (a value from a record).
#[must_use]
pub fn sh_single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The drill-down command of one figure: `trailproof search`, the input options of the run
/// (flags as written, values single-quoted), then the figure's filters (values
/// single-quoted).
#[must_use]
pub fn drilldown_command(input: &[String], filters: &[String]) -> String {
    let mut words = vec!["trailproof".to_owned(), "search".to_owned()];
    for w in input.iter().chain(filters) {
        let flag = w.starts_with("--")
            && w.len() > 2
            && w.bytes()
                .skip(2)
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        words.push(if flag { w.clone() } else { sh_single_quote(w) });
    }
    words.join(" ")
}

/// A command line, each word quoted for `sh`.
#[must_use]
pub fn command_line(words: &[String]) -> String {
    words
        .iter()
        .map(|w| sh_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A fenced code block that its content cannot close (the fence is longer than any run of
/// backticks inside), control characters neutralised. Chat tools and trackers neither
/// mention nor link inside code, and the command must stay byte-exact to paste.
#[must_use]
pub fn code_block(content: &str) -> String {
    let longest = content.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}sh\n{}\n{fence}\n", neutralise(content))
}

/// A fenced code block of several lines, each neutralised on its own (a control character
/// inside a line, a newline included, can never start a line of its own).
#[must_use]
pub fn code_block_lines(lines: &[String]) -> String {
    let text: Vec<String> = lines.iter().map(|l| neutralise(l)).collect();
    let joined = text.join("\n");
    let longest = joined.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}sh\n{joined}\n{fence}\n")
}

/// Most records listed in a ticket.
pub const TICKET_RECORDS: usize = 50;

#[allow(clippy::many_single_char_names)] // t: the escape every cell goes through
/// The ticket (`--format markdown`): who, what, when, from where, what changed, whether
/// the log files were verified, and the command to reproduce.
#[must_use]
pub fn markdown(
    matches: &[Match],
    total: u64,
    records: u64,
    files: u64,
    command: &[String],
) -> String {
    let t = escape_ticket;
    let mut o = String::new();
    let verified = matches.iter().filter(|m| m.verified).count();
    let _ = writeln!(
        o,
        "## CloudTrail search: {total} matching record(s)\n\nOut of {records} record(s) in {files} log file(s).\n"
    );
    if matches.is_empty() {
        let _ = writeln!(o, "No record matched.\n");
    } else {
        let times: Vec<&String> = matches.iter().filter_map(|m| m.row.time.as_ref()).collect();
        let mut who: Vec<&str> = matches.iter().map(|m| m.row.actor.as_str()).collect();
        who.sort_unstable();
        who.dedup();
        let mut from: Vec<&str> = matches
            .iter()
            .filter_map(|m| m.row.source_ip.as_deref())
            .collect();
        from.sort_unstable();
        from.dedup();
        let list = |v: &[&str]| {
            let shown: Vec<String> = v.iter().take(10).map(|s| t(s)).collect();
            let more = v.len().saturating_sub(10);
            if more > 0 {
                format!("{} and {more} more", shown.join(", "))
            } else {
                shown.join(", ")
            }
        };
        let _ = writeln!(o, "- **Who:** {}", list(&who));
        let _ = writeln!(
            o,
            "- **When:** {} to {} (UTC)",
            t(times.iter().min().map_or("-", |s| s.as_str())),
            t(times.iter().max().map_or("-", |s| s.as_str()))
        );
        let _ = writeln!(
            o,
            "- **From where:** {}",
            if from.is_empty() {
                "-".to_owned()
            } else {
                list(&from)
            }
        );
        let _ = writeln!(
            o,
            "- **Log files verified:** {verified} of the {} record(s) listed come from log files whose hash matched a signed digest{}\n",
            matches.len(),
            if verified == matches.len() {
                ""
            } else {
                " (the others are unverified: treat them as claims, not proof)"
            }
        );
        let _ = writeln!(
            o,
            "| When (UTC) | Who | What | Where from | What changed | Verified |"
        );
        let _ = writeln!(o, "|---|---|---|---|---|---|");
        for m in matches.iter().take(TICKET_RECORDS) {
            let r = &m.row;
            let what = match (&r.event, &r.source) {
                (Some(e), Some(s)) => format!("{} ({})", t(e), t(s)),
                (Some(e), None) => t(e),
                _ => "-".to_owned(),
            };
            let changed = match (&r.resource, &r.error) {
                (Some(res), None) => t(res),
                (Some(res), Some(err)) => format!("{} (failed: {})", t(res), t(err)),
                (None, Some(err)) => format!("nothing (failed: {})", t(err)),
                (None, None) => "-".to_owned(),
            };
            let cell = |s: String| s.replace('|', "\\|");
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                cell(t(dash(r.time.as_ref()))),
                cell(t(&r.actor)),
                cell(what),
                cell(t(dash(r.source_ip.as_ref()))),
                cell(changed),
                if m.verified { "yes" } else { "**no**" }
            );
        }
        if matches.len() > TICKET_RECORDS {
            let _ = writeln!(
                o,
                "\n{} more record(s): run the command below.",
                matches.len() - TICKET_RECORDS
            );
        }
        o.push('\n');
    }
    let _ = writeln!(o, "To reproduce:\n");
    o.push_str(&code_block(&command_line(command)));
    o
}

/// The `--count-by` table: count, then the key's values, tab-separated.
#[must_use]
pub fn counts_table(paths: &[String], counts: &[(CountKey, u64)]) -> String {
    let mut o = format!(
        "COUNT\t{}\n",
        paths
            .iter()
            .map(|p| neutralise(p))
            .collect::<Vec<_>>()
            .join("\t")
    );
    for (k, n) in counts {
        let cells: Vec<String> = k
            .iter()
            .map(|v| {
                v.as_deref()
                    .map_or_else(|| "-".to_owned(), |s| neutralise(s).replace('\t', " "))
            })
            .collect();
        let _ = writeln!(o, "{n}\t{}", cells.join("\t"));
    }
    o
}

/// The `--count-by` lines as JSON: `{"count": n, PATH: value, …}` (the count is called
/// `_count` when a path is itself `count`; a value the records lack is null).
#[must_use]
pub fn counts_json(paths: &[String], counts: &[(CountKey, u64)]) -> Vec<serde_json::Value> {
    let count = if paths.iter().any(|p| p == "count") {
        "_count"
    } else {
        "count"
    };
    counts
        .iter()
        .map(|(k, n)| {
            let mut line = serde_json::Map::new();
            line.insert(count.to_owned(), serde_json::Value::from(*n));
            for (p, v) in paths.iter().zip(k) {
                line.insert(
                    p.clone(),
                    v.clone()
                        .map_or(serde_json::Value::Null, serde_json::Value::String),
                );
            }
            serde_json::Value::Object(line)
        })
        .collect()
}

/// The `--count-by` CSV.
#[must_use]
pub fn counts_csv(paths: &[String], counts: &[(CountKey, u64)]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["count".to_owned()];
    header.extend(paths.iter().map(|p| csv_cell(p)));
    let _ = w.write_record(&header);
    for (k, n) in counts {
        let mut row = vec![n.to_string()];
        row.extend(
            k.iter()
                .map(|v| v.as_deref().map_or_else(String::new, csv_cell)),
        );
        let _ = w.write_record(&row);
    }
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sh_quote_leaves_nothing_to_run() {
        assert_eq!(sh_quote("ListUsers"), "ListUsers");
        assert_eq!(sh_quote("a b"), "'a b'");
        assert_eq!(sh_quote("$(rm -rf ~)"), "'$(rm -rf ~)'");
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(sh_quote("`x`"), "'`x`'");
        assert_eq!(sh_quote(""), "''");
    }

    #[test]
    fn a_code_block_cannot_be_closed_by_its_content() {
        let b = code_block("a ``` b \u{1b}[2J");
        assert!(b.starts_with("````sh\n"), "{b}");
        assert!(b.ends_with("\n````\n"), "{b}");
        assert!(!b.contains('\u{1b}'));
    }

    #[test]
    fn drilldown_commands_single_quote_every_value() {
        let c = drilldown_command(
            &["--logs".into(), "my logs".into()],
            &["--event-name".into(), "x'; rm -rf ~ #".into()],
        );
        assert_eq!(
            c,
            "trailproof search --logs 'my logs' --event-name 'x'\\''; rm -rf ~ #'"
        );
    }
}
