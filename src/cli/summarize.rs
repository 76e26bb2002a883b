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
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::verify::{Format, VerifyArgs};
use super::{exit, fail, neutralise};
use crate::activity::parse::Skip;
use crate::activity::summary::{Summarizer, Summary, to_sorted_json};
use crate::limits::MAX_ACTIVITY_INFLATED_BYTES;

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
    /// Verified input: the trail and window to verify first (the options of `verify`).
    #[command(flatten)]
    pub source: VerifySource,
}

/// The source options of `verify`, for a verified summary.
#[derive(Debug, Args)]
pub struct VerifySource {
    /// ARN of the trail whose verified log files are summarised.
    #[arg(long)]
    pub trail_arn: Option<String>,
    /// Window start.
    #[arg(long, requires = "trail_arn")]
    pub start_time: Option<String>,
    /// Window end (default: now, or the bundle's end).
    #[arg(long, requires = "trail_arn")]
    pub end_time: Option<String>,
    /// Digest bucket (default: the trail's).
    #[arg(long, requires = "trail_arn")]
    pub s3_bucket: Option<String>,
    /// Key prefix (default: the trail's).
    #[arg(long, requires = "trail_arn")]
    pub s3_prefix: Option<String>,
    /// Account (organization trails).
    #[arg(long, requires = "trail_arn")]
    pub account_id: Option<String>,
    /// Source region (default: the trail's home region).
    #[arg(long, requires = "trail_arn", conflicts_with = "all_regions")]
    pub region: Option<String>,
    /// Every region of the trail.
    #[arg(long, requires = "trail_arn")]
    pub all_regions: bool,
    /// Saved `list-public-keys` output.
    #[arg(long, value_name = "FILE", requires = "trail_arn")]
    pub public_keys: Option<PathBuf>,
    /// An evidence bundle instead of S3.
    #[arg(long, value_name = "DIR", requires = "trail_arn")]
    pub bundle: Option<PathBuf>,
    /// AWS profile.
    #[arg(long, requires = "trail_arn")]
    pub profile: Option<String>,
    /// `CloudTrail` endpoint.
    #[arg(long, requires = "trail_arn")]
    pub endpoint_url: Option<String>,
}

impl VerifySource {
    fn verify_args(&self, trail_arn: String) -> VerifyArgs {
        VerifyArgs {
            trail_arn,
            start_time: self.start_time.clone(),
            end_time: self.end_time.clone(),
            s3_bucket: self.s3_bucket.clone(),
            s3_prefix: self.s3_prefix.clone(),
            account_id: self.account_id.clone(),
            verbose: false,
            region: self.region.clone(),
            all_regions: self.all_regions,
            organization: false,
            accounts: Vec::new(),
            regions: Vec::new(),
            shard: None,
            html: None,
            format: Format::Json,
            public_keys: self.public_keys.clone(),
            bundle: self.bundle.clone(),
            state: None,
            reference_only: false,
            concurrency: crate::source::pace::DEFAULT_CAP,
            profile: self.profile.clone(),
            endpoint_url: self.endpoint_url.clone(),
            output: None,
            no_paginate: false,
            color: None,
            no_cli_pager: false,
            capture: None,
            organization_id: None,
        }
    }
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

/// The record limit (`TRAILPROOF_MAX_RECORD_BYTES`, else the default).
pub(super) fn record_limit() -> Result<u64, String> {
    crate::limits::Limits::from_lookup(|k| std::env::var(k).ok())
        .map(|l| l.max_record_bytes)
        .map_err(|e| e.to_string())
}

/// An empty aggregator with the limits of this run.
pub(super) fn summarizer(record_limit: u64) -> Summarizer {
    let mut s = Summarizer::new(MAX_ACTIVITY_INFLATED_BYTES);
    s.set_record_limit(record_limit);
    s
}

/// Runs `summarize`.
pub async fn run(args: &SummarizeArgs) -> u8 {
    let limit = match record_limit() {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let Some(arn) = args.source.trail_arn.clone() else {
        return run_local(args, limit);
    };
    let mut s = summarizer(limit);
    if let Err(e) = inventory(args, &mut s) {
        return fail(&e);
    }
    let (integrity, source) =
        match Box::pin(super::verify::verify_report(args.source.verify_args(arn))).await {
            Ok(r) => r,
            Err(e) => return fail(&e),
        };
    let summary = super::report::summarize_listed(&source, &integrity, &mut Vec::new(), s).await;
    render(args, &summary);
    let lost = summary
        .skipped
        .files
        .iter()
        .any(|f| !matches!(f.reason, "digest_file" | "empty" | "unknown_shape"));
    let code = if lost { exit::INCOMPLETE } else { exit::CLEAN };
    exit::worst(integrity.exit_code, code)
}

/// Reads and summarises `files` in order: the summarizer, how many were read, and whether
/// one was unreadable or malformed.
fn summarize_files(files: &[PathBuf], record_limit: u64) -> (Summarizer, usize, bool) {
    let mut s = summarizer(record_limit);
    let (mut read_ok, mut lost) = (0, false);
    for p in files {
        let name = p.display().to_string();
        match read_capped(p, MAX_ACTIVITY_INFLATED_BYTES) {
            Err(reason) => {
                lost |= reason.is_loss();
                s.skip(&name, reason);
            }
            Ok(body) => {
                read_ok += 1;
                if let Some(reason) = s.add_file(&name, &body) {
                    lost |= reason.is_loss();
                }
            }
        }
    }
    (s, read_ok, lost)
}

fn run_local(args: &SummarizeArgs, record_limit: u64) -> u8 {
    let mut files = Vec::new();
    let mut missing = Vec::new();
    for p in &args.logs {
        collect(p, &mut files, &mut missing);
    }
    let mut s = summarizer(record_limit);
    if let Err(e) = inventory(args, &mut s) {
        return fail(&e);
    }
    let mut read_ok = 0usize;
    let mut lost = false;
    for p in &missing {
        s.skip(&p.display().to_string(), Skip::Unreadable);
        lost = true;
    }
    // Contiguous shares of the (sorted) files on every core, merged in file order: the
    // result is the same as one pass, whatever the number of cores.
    let shards = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, files.len().max(1));
    let chunk = files.len().div_ceil(shards).max(1);
    let results: Vec<(Summarizer, usize, bool)> = std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| scope.spawn(move || summarize_files(part, record_limit)))
            .collect();
        workers.into_iter().filter_map(|w| w.join().ok()).collect()
    });
    for (shard, ok, shard_lost) in results {
        s.merge(shard);
        read_ok += ok;
        lost |= shard_lost;
    }
    let summary = s.finish();
    render(args, &summary);
    if read_ok == 0 {
        return fail("no input could be read");
    }
    if lost { exit::INCOMPLETE } else { exit::CLEAN }
}

/// Adds `p` (a file) or every file under `p` (a folder, sorted) to `files`; paths that cannot
/// be listed go to `missing`. Symbolic links to folders are not followed (no cycles). In a
/// folder, an evidence bundle's own files (`*.meta.json` / `*.error.json` sidecars and the
/// `.trailproof/` index) are not logs and are passed over silently.
fn collect(p: &Path, files: &mut Vec<PathBuf>, missing: &mut Vec<PathBuf>) {
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => {
            let Ok(rd) = std::fs::read_dir(p) else {
                missing.push(p.to_path_buf());
                return;
            };
            let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
            entries.sort_by_key(std::fs::DirEntry::file_name);
            for e in entries {
                let path = e.path();
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name == ".trailproof"
                    || name.ends_with(".meta.json")
                    || name.ends_with(".error.json")
                {
                    continue;
                }
                match e.file_type() {
                    Ok(t) if t.is_dir() => collect(&path, files, missing),
                    Ok(t) if t.is_symlink() => {
                        if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                            files.push(path);
                        }
                    }
                    Ok(_) => files.push(path),
                    Err(_) => missing.push(path),
                }
            }
        }
        Ok(_) => files.push(p.to_path_buf()),
        Err(_) => missing.push(p.to_path_buf()),
    }
}

fn read_capped(p: &Path, cap: u64) -> Result<Vec<u8>, Skip> {
    let f = std::fs::File::open(p).map_err(|_| Skip::Unreadable)?;
    let mut body = Vec::new();
    f.take(cap.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|_| Skip::Unreadable)?;
    if body.len() as u64 > cap {
        return Err(Skip::TooLarge);
    }
    Ok(body)
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
