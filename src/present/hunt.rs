//! The outputs of `hunt`, from its document ([`HuntReport`]): text (per rule, then its
//! hits), JSON Lines (one hit per line, nothing else on stdout), JSON (the document),
//! Markdown (one ticket per rule that fired), CSV, and OCSF Detection Findings.
//!
//! Every string from a record is attacker-controlled: neutralised for the terminal,
//! escaped for Markdown and made unable to ping or link in chat tools, and never a formula
//! in a spreadsheet. Formatting only: what fired and the outcome are decided elsewhere.

use std::fmt::Write as _;

use super::escape::{csv_cell, escape_ticket, neutralise};
use crate::report::hunt::{Hit, HuntReport, Level, RuleSummary};

/// Most hits listed under each rule in text and Markdown (every hit is in the other
/// formats).
pub const HITS_SHOWN: usize = 20;

fn level_word(l: Level) -> &'static str {
    match l {
        Level::Informational => "INFO",
        Level::Low => "LOW",
        Level::Medium => "MEDIUM",
        Level::High => "HIGH",
        Level::Critical => "CRITICAL",
    }
}

fn opt(v: Option<&String>) -> &str {
    v.map_or("-", String::as_str)
}

fn verified_word(v: bool) -> &'static str {
    if v { "verified" } else { "UNVERIFIED" }
}

/// The hits of one rule, in input order.
fn hits_of<'h>(report: &'h HuntReport, rule: &RuleSummary) -> impl Iterator<Item = &'h Hit> {
    let id = rule.rule_id.clone();
    report.hits.iter().filter(move |h| h.rule_id == id)
}

/// The text: the rules loaded, skipped and refused, then each rule that fired (level,
/// title, hits, first and last time, top actors) with its first hits.
#[must_use]
pub fn text(report: &HuntReport) -> String {
    let mut o = String::new();
    let r = &report.rules;
    let _ = writeln!(
        o,
        "{} rules loaded, {} skipped (not CloudTrail), {} refused; {} log files ({} verified), {} records",
        r.loaded.len(),
        r.skipped.len(),
        r.refused.len(),
        report.input.files,
        report.input.verified_files,
        report.input.records
    );
    for x in &r.refused {
        let _ = writeln!(
            o,
            "  refused {}{}{}: {}",
            neutralise(&x.file),
            x.line.map(|l| format!(":{l}")).unwrap_or_default(),
            x.rule
                .as_ref()
                .map(|n| format!(" ({})", neutralise(n)))
                .unwrap_or_default(),
            neutralise(&x.reason)
        );
    }
    for f in report.input.skipped.iter().filter(|f| f.lost) {
        let _ = writeln!(o, "  skipped {}: {}", neutralise(&f.file), f.reason);
    }
    let hits: u64 = report.fired.iter().map(|f| f.hits).sum();
    let _ = writeln!(o, "{} hits from {} rules", hits, report.fired.len());
    for rule in &report.fired {
        let _ = writeln!(
            o,
            "\n[{}] {} ({})\n  {} hits ({} in verified files), {} to {}",
            level_word(rule.level),
            neutralise(&rule.rule_title),
            neutralise(&rule.rule_id),
            rule.hits,
            rule.verified_hits,
            opt(rule.first.as_ref()),
            opt(rule.last.as_ref())
        );
        if !rule.top_actors.is_empty() {
            let actors: Vec<String> = rule
                .top_actors
                .iter()
                .map(|(a, n)| format!("{} ({n})", neutralise(a)))
                .collect();
            let _ = writeln!(o, "  top actors: {}", actors.join(", "));
        }
        for h in hits_of(report, rule).take(HITS_SHOWN) {
            let _ = writeln!(
                o,
                "  {}  {}  {}  {}  {}  {} ({})",
                opt(h.event_time.as_ref()),
                neutralise(opt(h.actor.as_ref())),
                neutralise(opt(h.event_name.as_ref())),
                neutralise(opt(h.source_ip.as_ref())),
                neutralise(opt(h.event_id.as_ref())),
                neutralise(&h.file),
                verified_word(h.verified)
            );
        }
        if rule.hits > HITS_SHOWN as u64 {
            let _ = writeln!(
                o,
                "  … {} more (--format jsonl lists every hit)",
                rule.hits - HITS_SHOWN as u64
            );
        }
    }
    o
}

/// One hit per line (`--format jsonl`): nothing else goes to stdout.
#[must_use]
pub fn jsonl(hits: &[Hit]) -> String {
    let mut o = String::new();
    for h in hits {
        if let Ok(line) = serde_json::to_string(h) {
            o.push_str(&line);
            o.push('\n');
        }
    }
    o
}

/// The document (`--format json`).
#[must_use]
pub fn json(report: &HuntReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default() + "\n"
}

/// One ticket per rule that fired (`--format markdown`): what, who, when, from where, how
/// many, whether the log files were verified, and the first hits; every value from a
/// record escaped for Markdown and unable to ping or link.
#[must_use]
pub fn markdown(report: &HuntReport) -> String {
    let mut o = String::new();
    if report.fired.is_empty() {
        let _ = writeln!(
            o,
            "## No detection rule fired\n\n{} rules over {} records from {} log files ({} verified).",
            report.rules.loaded.len(),
            report.input.records,
            report.input.files,
            report.input.verified_files
        );
    }
    for rule in &report.fired {
        let t = escape_ticket;
        let _ = writeln!(
            o,
            "## [{}] {}\n\n- **What:** rule `{}` matched {} CloudTrail record(s).",
            level_word(rule.level),
            t(&rule.rule_title),
            t(&rule.rule_id).replace('`', ""),
            rule.hits
        );
        let who: Vec<String> = rule
            .top_actors
            .iter()
            .map(|(a, n)| format!("{} ({n})", t(a)))
            .collect();
        let _ = writeln!(
            o,
            "- **Who:** {}",
            if who.is_empty() {
                "unknown".to_owned()
            } else {
                who.join(", ")
            }
        );
        let _ = writeln!(
            o,
            "- **When:** {} to {} (UTC)",
            t(opt(rule.first.as_ref())),
            t(opt(rule.last.as_ref()))
        );
        let from: Vec<String> = rule
            .top_source_ips
            .iter()
            .map(|(a, n)| format!("{} ({n})", t(a)))
            .collect();
        let _ = writeln!(
            o,
            "- **From where:** {}",
            if from.is_empty() {
                "unknown".to_owned()
            } else {
                from.join(", ")
            }
        );
        let unverified = rule.hits - rule.verified_hits;
        let _ = writeln!(
            o,
            "- **Evidence:** {}",
            if unverified == 0 {
                "every matching record comes from a log file whose SHA-256 matched a validly signed CloudTrail digest.".to_owned()
            } else {
                format!(
                    "**{unverified} of {} matching records come from log files that were not verified** (no digest vouches for them: they may have been forged).",
                    rule.hits
                )
            }
        );
        let _ = writeln!(
            o,
            "\n| time (UTC) | who | action | from | log file | verified |\n|---|---|---|---|---|---|"
        );
        for h in hits_of(report, rule).take(HITS_SHOWN) {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                t(opt(h.event_time.as_ref())),
                t(opt(h.actor.as_ref())),
                t(opt(h.event_name.as_ref())),
                t(opt(h.source_ip.as_ref())),
                t(&h.file),
                if h.verified { "yes" } else { "**no**" }
            );
        }
        if rule.hits > HITS_SHOWN as u64 {
            let _ = writeln!(
                o,
                "\n{} more hit(s) not shown.",
                rule.hits - HITS_SHOWN as u64
            );
        }
        o.push('\n');
    }
    o
}

/// The columns of [`csv`].
const CSV_COLUMNS: [&str; 14] = [
    "rule_id",
    "rule_title",
    "level",
    "correlation",
    "event_id",
    "event_time",
    "event_name",
    "event_source",
    "actor",
    "source_ip",
    "account",
    "region",
    "file",
    "verified",
];

fn csv_lines(header: bool, hits: &[Hit]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if header {
        w.write_record(CSV_COLUMNS)?;
    }
    for h in hits {
        let cell = |v: Option<&String>| v.map_or_else(String::new, |s| csv_cell(s));
        w.write_record([
            csv_cell(&h.rule_id),
            csv_cell(&h.rule_title),
            level_word(h.level).to_ascii_lowercase(),
            cell(h.correlation.as_ref()),
            cell(h.event_id.as_ref()),
            cell(h.event_time.as_ref()),
            cell(h.event_name.as_ref()),
            cell(h.event_source.as_ref()),
            cell(h.actor.as_ref()),
            cell(h.source_ip.as_ref()),
            cell(h.account.as_ref()),
            cell(h.region.as_ref()),
            csv_cell(&h.file),
            h.verified.to_string(),
        ])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The hits as CSV (`--format csv`), the columns of the JSON Lines; no cell can start a
/// spreadsheet formula.
///
/// # Errors
/// The CSV writer's error (into memory: none in practice).
pub fn csv(hits: &[Hit]) -> Result<String, csv::Error> {
    csv_lines(true, hits)
}

/// The CSV header line alone (streaming output: [`csv_row`] follows for each hit).
///
/// # Errors
/// As [`csv`].
pub fn csv_header() -> Result<String, csv::Error> {
    csv_lines(true, &[])
}

/// One hit as a CSV line (without the header).
///
/// # Errors
/// As [`csv`].
pub fn csv_row(hit: &Hit) -> Result<String, csv::Error> {
    csv_lines(false, std::slice::from_ref(hit))
}
