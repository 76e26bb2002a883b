//! `trailproof summarize`: reads log files, feeds them to [`crate::activity`] and renders
//! the summary as text, JSON or Markdown.
//!
//! Two inputs: `--logs PATH...` (local files and folders; records unverified), or the source
//! options of `verify` (`--trail-arn … --start-time …`, from S3 or `--bundle`): the chain is
//! verified first and every log file it lists is summarised, marked verified when it passed.
//!
//! Exit codes: 0 normally; 1 when the verification found tampering; 2 when no input could
//! be read at all; 3 when some files were
//! skipped because they were unreadable or malformed (not JSON, corrupt gzip, too large). Files
//! that are merely not logs (digests, empty files, other JSON documents) are listed as skipped
//! but do not change the exit code.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::trail::TrailArgs;
use super::{exit, fail, neutralise};
use crate::activity::consumer::SummaryConsumer;
use crate::activity::summary::{Summarizer, Summary, to_sorted_json};
use crate::audit::request::{Checks, VerifyRequest};
use crate::audit::run::verify;
use crate::limits::{Limits, MAX_ACTIVITY_INFLATED_BYTES};

/// Output format of `summarize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    /// A short human summary.
    Text,
    /// One JSON document (schema `trailproof.summary/1`).
    Json,
    /// A plain-language summary to paste into a ticket.
    Markdown,
}

/// Options of `summarize`.
#[derive(Debug, Args)]
pub struct SummarizeArgs {
    /// Local log files or folders (walked recursively, in sorted order); gzip or plain.
    /// Records read this way are marked unverified.
    #[arg(long, value_name = "PATH", num_args = 1.., required_unless_present = "trail_arn", conflicts_with = "trail_arn")]
    pub logs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
    /// IAM inventory: the JSON of `aws iam get-account-authorization-details`, or a
    /// credential report CSV; its users and roles that made no call are listed as dormant.
    #[arg(long, value_name = "FILE")]
    pub iam_inventory: Option<PathBuf>,
    /// Verified input: the trail and window to verify first (the options of `verify`); each
    /// log file is read once, and summarised from the bytes whose hash was checked.
    #[command(flatten)]
    pub trail: TrailArgs,
}

fn render(args: &SummarizeArgs, summary: &Summary) {
    let rendered = match args.format {
        SummaryFormat::Json => {
            serde_json::to_string_pretty(&to_sorted_json(summary)).unwrap_or_default() + "\n"
        }
        SummaryFormat::Text => render_text(summary),
        SummaryFormat::Markdown => render_markdown(summary),
    };
    let _ = std::io::stdout().lock().write_all(rendered.as_bytes());
}

fn inventory(args: &SummarizeArgs, s: &mut Summarizer) -> Result<(), String> {
    if let Some(path) = &args.iam_inventory {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let inv = crate::activity::sections::parse_inventory(&bytes)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        s.set_inventory(inv);
    }
    Ok(())
}

/// The limits of this run (`TRAILPROOF_MAX_*` override the defaults).
pub(super) fn limits() -> Result<Limits, String> {
    Limits::from_lookup(|k| std::env::var(k).ok()).map_err(|e| e.to_string())
}

/// The summary consumer of this run, with its limits.
pub(super) fn consumer(limits: &Limits, s: Summarizer) -> SummaryConsumer {
    SummaryConsumer::new(s, MAX_ACTIVITY_INFLATED_BYTES, limits.max_record_bytes)
}

/// An empty aggregator with the limits of this run.
pub(super) fn summarizer(limits: &Limits) -> Summarizer {
    let mut s = Summarizer::new(MAX_ACTIVITY_INFLATED_BYTES);
    s.set_record_limit(limits.max_record_bytes);
    s
}

/// Whether a skipped file may have hidden records (unreadable or malformed), as opposed to
/// not being a log at all.
fn lost_input(summary: &Summary) -> bool {
    summary
        .skipped
        .files
        .iter()
        .any(|f| !matches!(f.reason, "digest_file" | "empty" | "unknown_shape"))
}

/// Runs `summarize`.
pub async fn run(args: &SummarizeArgs) -> u8 {
    let limits = match limits() {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let mut s = summarizer(&limits);
    if let Err(e) = inventory(args, &mut s) {
        return fail(&e);
    }
    let mut consumer = consumer(&limits, s);
    if args.trail.trail_arn.is_none() {
        if args.trail.any_given() {
            return fail(
                "the options of verify (--start-time, --bundle, …) need --trail-arn; --logs reads local files, unverified",
            );
        }
        return run_local(args, consumer);
    }
    let trail = match args.trail.request() {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let req = VerifyRequest {
        trail,
        now: super::now(),
        checks: Checks::Full,
        state: None,
        limits,
    };
    let mut tracker = super::verify::Tracker::new(false);
    let verified = match verify(&req, &mut consumer, &mut tracker).await {
        Ok(v) => v,
        Err(e) => return fail(&e.to_string()),
    };
    let summary = consumer.finish();
    render(args, &summary);
    let code = if lost_input(&summary) {
        exit::INCOMPLETE
    } else {
        exit::CLEAN
    };
    exit::worst(exit::code(verified.result.outcome), code)
}

fn run_local(args: &SummarizeArgs, mut consumer: SummaryConsumer) -> u8 {
    let listed = crate::source::files::list(&args.logs);
    let read = crate::audit::local::read_local(&listed, &mut consumer, MAX_ACTIVITY_INFLATED_BYTES);
    let summary = consumer.finish();
    render(args, &summary);
    if read.read == 0 {
        return fail("no input could be read");
    }
    if lost_input(&summary) {
        exit::INCOMPLETE
    } else {
        exit::CLEAN
    }
}

/// [`super::neutralise`], then backslash-escapes the characters Markdown gives meaning to.
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

fn top(map: &std::collections::BTreeMap<String, u64>, n: usize) -> Vec<(&str, u64)> {
    let mut v: Vec<(&str, u64)> = map.iter().map(|(k, c)| (k.as_str(), *c)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.truncate(n);
    v
}

fn range(s: &Summary) -> String {
    match (&s.first_event_time, &s.last_event_time) {
        (Some(f), Some(l)) => format!("{f} to {l}"),
        _ => "no event times".to_owned(),
    }
}

fn cis_ids() -> impl Iterator<Item = &'static str> {
    crate::controls::monitoring::CIS_ITEMS.iter().map(|i| i.id)
}

fn render_text(s: &Summary) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} records from {} files ({} skipped), {}; records unverified",
        s.records,
        s.files.len(),
        s.skipped.files.len(),
        range(s)
    );
    // Files that are merely not logs (digests, empty, other documents) are counted by
    // reason; unreadable or malformed ones are named, since they may hide records.
    for (reason, n) in &s.skipped.by_reason {
        let _ = writeln!(o, "  skipped {n} file(s): {reason}");
    }
    for f in s
        .skipped
        .files
        .iter()
        .filter(|f| !matches!(f.reason, "digest_file" | "empty" | "unknown_shape"))
    {
        let _ = writeln!(o, "  skipped {}: {}", neutralise(&f.file), f.reason);
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
    o
}

fn render_markdown(s: &Summary) -> String {
    let mut o = String::new();
    let c = &s.console_logins;
    let _ = writeln!(o, "## CloudTrail activity summary\n");
    let _ = writeln!(
        o,
        "- **Scope:** {} records from {} files, {}. The records were **not** integrity-verified.",
        s.records,
        s.files.len(),
        escape_markdown(&range(s))
    );
    if !s.skipped.files.is_empty() {
        let reasons: Vec<String> = s
            .skipped
            .by_reason
            .iter()
            .map(|(r, n)| format!("{n} {}", escape_markdown(r)))
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
    o
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
