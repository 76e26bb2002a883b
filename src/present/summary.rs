//! The activity summary presenters: the [`Summary`] document as JSON, as a short text for a
//! terminal, or as Markdown for a ticket (`trailproof summarize --format …`).
//!
//! They only format: every count, skip reason and verdict comes from the model. Every string
//! that came from a record or a path goes through [`super::escape`] first.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::escape::{escape_markdown, neutralise};
use crate::activity::summary::{Summary, Verification, to_sorted_json};
use crate::controls::monitoring::CIS_ITEMS;

/// The JSON document (`summarize --format json`): every object's keys sorted, pretty-printed,
/// one trailing newline.
#[must_use]
pub fn render_json(s: &Summary) -> String {
    serde_json::to_string_pretty(&to_sorted_json(s)).unwrap_or_default() + "\n"
}

/// The `n` largest counts, largest first, ties by key.
fn top(map: &BTreeMap<String, u64>, n: usize) -> Vec<(&str, u64)> {
    let mut v: Vec<(&str, u64)> = map.iter().map(|(k, c)| (k.as_str(), *c)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.truncate(n);
    v
}

/// The window of event times, in words.
fn range(s: &Summary) -> String {
    match (&s.first_event_time, &s.last_event_time) {
        (Some(f), Some(l)) => format!("{f} to {l}"),
        _ => "no event times".to_owned(),
    }
}

/// The CIS item ids in the benchmark's order (4.1 … 4.15, not string order).
fn cis_ids() -> impl Iterator<Item = &'static str> {
    CIS_ITEMS.iter().map(|i| i.id)
}

/// What the Markdown says of the records' integrity.
fn verified_sentence(v: Verification) -> &'static str {
    match v {
        Verification::Verified => {
            "Every log file's SHA-256 matched a validly signed digest: the records are **integrity-verified**."
        }
        Verification::PartiallyVerified => {
            "**Only some** log files were integrity-verified (each file's mark is in the JSON summary)."
        }
        Verification::Unverified => "The records were **not** integrity-verified.",
    }
}

/// The short human summary (`summarize --format text`): counts, the skipped files that may
/// hide records, the CIS items with matches and the sections' totals.
#[must_use]
pub fn render_text(s: &Summary) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} records from {} files ({} skipped), {}; {}",
        s.records,
        s.files.len(),
        s.skipped.files.len(),
        range(s),
        match s.verification {
            Verification::Verified => "records verified",
            Verification::PartiallyVerified => "records partially verified",
            Verification::Unverified => "records unverified",
        }
    );
    // Files that are merely not logs (digests, empty, other documents) are counted by
    // reason; unreadable or malformed ones are named, since they may hide records.
    for (reason, n) in &s.skipped.by_reason {
        let _ = writeln!(o, "  skipped {n} file(s): {}", reason.code());
    }
    for f in s.skipped.files.iter().filter(|f| f.reason.is_loss()) {
        let _ = writeln!(o, "  skipped {}: {}", neutralise(&f.file), f.reason.code());
    }
    let c = &s.console_logins;
    let _ = writeln!(
        o,
        "root use: {}; console sign-ins: {} success, {} failure, {} without MFA; access denied: {}",
        s.root_events, c.success, c.failure, c.without_mfa, s.access_denied
    );
    let _ = writeln!(o, "top event names:");
    for (k, n) in top(&s.by_event_name, 10) {
        let _ = writeln!(o, "  {n:>8}  {}", neutralise(k));
    }
    let _ = writeln!(o, "{} monitoring items with matches:", s.benchmark);
    for id in cis_ids() {
        if let Some(item) = s.cis_monitoring.get(id).filter(|i| i.count > 0) {
            let _ = writeln!(o, "  {id:<5} {:>6}  {}", item.count, item.topic);
        }
    }
    let x = &s.sections;
    for (title, sec) in [
        ("logging/monitoring tampering", &x.logging_tampering),
        ("IAM changes", &x.iam_changes),
        ("ingress opened to the world", &x.network_exposure),
        ("S3/KMS/snapshot protection changes", &x.protection_changes),
    ] {
        let _ = writeln!(o, "{title}: {} ({} failed)", sec.total, sec.failed);
    }
    if !x.dormant_identities.is_empty() {
        let _ = writeln!(o, "dormant identities: {}", x.dormant_identities.len());
        for d in &x.dormant_identities {
            let _ = writeln!(o, "  {}", neutralise(&d.arn));
        }
    }
    if !x.access_review.is_empty() {
        let _ = writeln!(
            o,
            "access review (services allowed / called / allowed and not called):"
        );
        for a in &x.access_review {
            let _ = writeln!(
                o,
                "  {} ({}): allowed {}; called {}; not called {}",
                neutralise(&a.arn),
                a.kind,
                list_or_none(&a.allowed),
                list_or_none(&a.used),
                list_or_none(&a.unused)
            );
        }
    }
    let shown = drilldown_rows(s);
    if !shown.is_empty() {
        let _ = writeln!(
            o,
            "drill down (each figure, by its JSON Pointer, and the command that lists its records):"
        );
        for (figure, n, command) in shown {
            let _ = writeln!(
                o,
                "  {} ({n}): {}",
                neutralise(&figure),
                neutralise(command)
            );
        }
    }
    o
}

/// The Markdown "Drill down" section: every figure's command, one code block (each
/// command under a comment naming its figure and count).
fn markdown_drilldown(s: &Summary, o: &mut String) {
    let shown = drilldown_rows(s);
    if shown.is_empty() {
        return;
    }
    let _ = writeln!(o, "\n### Drill down\n");
    let _ = writeln!(
        o,
        "The records behind each figure (by its JSON Pointer in the summary):\n"
    );
    let lines: Vec<String> = shown
        .iter()
        .flat_map(|(figure, n, command)| [format!("# {figure} ({n})"), (*command).clone()])
        .collect();
    o.push_str(&super::search::code_block_lines(&lines));
}

/// The Markdown "Access review" table (with an authorization-details inventory).
fn markdown_access_review(x: &crate::activity::sections::Sections, o: &mut String) {
    if !x.access_review.is_empty() {
        let _ = writeln!(
            o,
            "\n### Access review\n\n| identity | allowed | called | allowed, not called |\n|---|---|---|---|"
        );
        for a in &x.access_review {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                escape_markdown(&a.arn),
                escape_markdown(&list_or_none(&a.allowed)),
                escape_markdown(&list_or_none(&a.used)),
                escape_markdown(&list_or_none(&a.unused))
            );
        }
    }
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "none".to_owned()
    } else {
        v.join(", ")
    }
}

/// Every figure that has a drill-down command and is not zero, with its count, in the
/// order of the JSON `drilldown` object (by JSON Pointer).
#[must_use]
pub fn drilldown_rows(s: &Summary) -> Vec<(String, u64, &String)> {
    if s.drilldown.is_empty() {
        return Vec::new();
    }
    let doc = serde_json::to_value(s).unwrap_or_default();
    s.drilldown
        .iter()
        .filter_map(|(pointer, command)| {
            let n = doc.pointer(pointer)?.as_u64()?;
            (n > 0).then(|| (pointer.clone(), n, command))
        })
        .collect()
}

/// The plain-language summary to paste into a ticket (`summarize --format markdown`).
#[must_use]
pub fn render_markdown(s: &Summary) -> String {
    let mut o = String::new();
    let c = &s.console_logins;
    let _ = writeln!(o, "## CloudTrail activity summary\n");
    let _ = writeln!(
        o,
        "- **Scope:** {} records from {} files, {}. {}",
        s.records,
        s.files.len(),
        escape_markdown(&range(s)),
        verified_sentence(s.verification)
    );
    if !s.skipped.files.is_empty() {
        let reasons: Vec<String> = s
            .skipped
            .by_reason
            .iter()
            .map(|(r, n)| format!("{n} {}", escape_markdown(r.code())))
            .collect();
        let _ = writeln!(
            o,
            "- **Skipped files:** {} ({}).",
            s.skipped.files.len(),
            reasons.join(", ")
        );
    }
    let _ = writeln!(
        o,
        "- **Root account use:** {} calls (CIS 4.3).",
        s.root_events
    );
    let _ = writeln!(
        o,
        "- **Console sign-ins:** {} succeeded, {} failed, {} without MFA.",
        c.success, c.failure, c.without_mfa
    );
    let _ = writeln!(
        o,
        "- **Access denied:** {} calls (CIS 4.1, excluding log delivery and HeadBucket).",
        s.access_denied
    );
    let x = &s.sections;
    for (title, sec) in [
        ("Logging/monitoring tampering", &x.logging_tampering),
        ("IAM changes", &x.iam_changes),
        ("Ingress opened to 0.0.0.0/0 or ::/0", &x.network_exposure),
        ("S3/KMS/snapshot protection changes", &x.protection_changes),
    ] {
        let _ = writeln!(
            o,
            "- **{title}:** {} calls ({} failed).",
            sec.total, sec.failed
        );
    }
    if !x.dormant_identities.is_empty() {
        let _ = writeln!(
            o,
            "- **Dormant identities** (in the IAM inventory, no call in the window): {}.",
            x.dormant_identities.len()
        );
    }
    markdown_access_review(x, &mut o);
    let _ = writeln!(o, "\n### Top actions\n\n| event name | count |\n|---|---:|");
    for (k, n) in top(&s.by_event_name, 10) {
        let _ = writeln!(o, "| {} | {n} |", escape_markdown(k));
    }
    let mut actors: Vec<(&String, u64)> = s.identities.iter().map(|(k, i)| (k, i.events)).collect();
    actors.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let _ = writeln!(
        o,
        "\n### Top identities\n\n| identity | type | events | errors | first seen | last seen |\n|---|---|---:|---:|---|---|"
    );
    for (k, _) in actors.into_iter().take(10) {
        if let Some(i) = s.identities.get(k) {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                escape_markdown(k),
                escape_markdown(&i.identity_type),
                i.events,
                i.errors,
                i.first_seen.as_deref().unwrap_or("-"),
                i.last_seen.as_deref().unwrap_or("-")
            );
        }
    }
    let _ = writeln!(
        o,
        "\n### {} monitoring items\n\n| item | topic | matches |\n|---|---|---:|",
        s.benchmark
    );
    for id in cis_ids() {
        if let Some(item) = s.cis_monitoring.get(id) {
            let _ = writeln!(o, "| {id} | {} | {} |", item.topic, item.count);
        }
    }
    markdown_drilldown(s, &mut o);
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::aggregate::Summarizer;

    #[test]
    fn markdown_escapes_record_values() {
        let mut s = Summarizer::default();
        s.add_value(
            &serde_json::json!({"eventName": "Evil|<img>\n", "eventTime": "2024-01-01T00:00:00Z"}),
        );
        let md = render_markdown(&s.finish());
        assert!(md.contains("Evil\\|\\<img\\>\u{FFFD}"));
        assert!(!md.contains("<img>"));
    }
}
