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

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::common::fail;
use super::exit;
use super::trail::TrailArgs;
use crate::activity::aggregate::Summarizer;
use crate::activity::consumer::SummaryConsumer;
use crate::activity::summary::Summary;
use crate::audit::request::{Checks, VerifyRequest};
use crate::audit::run::verify;
use crate::limits::{Limits, MAX_ACTIVITY_INFLATED_BYTES};
use crate::present::escape::neutralise;
use crate::present::summary::{render_json, render_markdown, render_text};
use crate::records::file::Skip;

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

/// Names the files that are not logs on stderr (they change nothing else).
fn list_not_logs(summary: &Summary) {
    let mut err = std::io::stderr().lock();
    for f in summary
        .skipped
        .files
        .iter()
        .filter(|f| f.reason == Skip::NotALog)
    {
        let _ = writeln!(err, "not a log file, skipped: {}", neutralise(&f.file));
    }
}

/// The input options of this run as `search` takes them: the command line after
/// `summarize`, without the options that do not choose records.
fn input_words() -> Vec<String> {
    let argv: Vec<String> = std::env::args().collect();
    let Some(at) = argv.iter().position(|a| a == "summarize") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut words = argv.into_iter().skip(at + 1);
    while let Some(w) = words.next() {
        // Options that change how the summary is made or shown, never which records it
        // counts (the same command at another --concurrency lists the same records).
        const SUMMARY_ONLY: [&str; 3] = ["--format", "--iam-inventory", "--concurrency"];
        if SUMMARY_ONLY.contains(&w.as_str()) {
            words.next();
        } else if !SUMMARY_ONLY.iter().any(|o| w.starts_with(&format!("{o}="))) {
            out.push(w);
        }
    }
    out
}

/// Sets the drill-down command of every figure that has one.
fn add_drilldown(summary: &mut Summary) {
    set_drilldown(summary, &input_words());
}

/// Sets the drill-down command of every figure, with `input` as the search's input options.
pub(super) fn set_drilldown(summary: &mut Summary, input: &[String]) {
    summary.drilldown = crate::activity::drilldown::filters(summary)
        .into_iter()
        .map(|(figure, filters)| {
            (
                figure,
                crate::present::search::drilldown_command(input, &filters),
            )
        })
        .collect();
}

fn render(args: &SummarizeArgs, summary: &Summary) {
    list_not_logs(summary);
    let rendered = match args.format {
        SummaryFormat::Json => render_json(summary),
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

/// The summary consumer of the verified stream, with the limits of this run.
pub(super) fn stream_consumer(limits: &Limits, s: Summarizer) -> SummaryConsumer {
    SummaryConsumer::for_stream(s, MAX_ACTIVITY_INFLATED_BYTES, limits.max_record_bytes)
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
    summary.skipped.files.iter().any(|f| f.reason.is_loss())
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
    if args.trail.trail_arn.is_none() {
        if args.trail.any_given() {
            return fail(
                "the options of verify (--start-time, --bundle, …) need --trail-arn; --logs reads local files, unverified",
            );
        }
        let consumer =
            SummaryConsumer::new(s, MAX_ACTIVITY_INFLATED_BYTES, limits.max_record_bytes);
        return run_local(args, consumer);
    }
    let mut consumer = stream_consumer(&limits, s);
    let trail = match args.trail.request() {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let req = VerifyRequest {
        trail,
        now: super::common::now(),
        checks: Checks::Full,
        state: None,
        limits,
    };
    let mut tracker = super::verify::Tracker::new(false);
    let verified = match verify(&req, &mut consumer, &mut tracker).await {
        Ok(v) => v,
        Err(e) => return fail(&e.to_string()),
    };
    let mut summary = consumer.finish();
    add_drilldown(&mut summary);
    render(args, &summary);
    super::common::note_verification(verified.result.outcome);
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
    let mut summary = consumer.finish();
    add_drilldown(&mut summary);
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
