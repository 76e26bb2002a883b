//! `trailproof verify` and `trailproof fetch`: arguments → request → library run → presenter
//! → exit code.
//!
//! Text output is byte-identical to `aws cloudtrail validate-logs` for the conditions the
//! reference knows ([`crate::present::verify_text`]); JSON is `trailproof.verify/1`.

use std::io::{IsTerminal as _, Write};
use std::path::PathBuf;

use clap::Args;

use super::common::{Format, now};
use super::exit;
use super::trail::TrailArgs;
use crate::audit::fetch::fetch;
use crate::audit::fetcher::Stored;
use crate::audit::item::Item;
use crate::audit::plan::{Plan, PlanError};
use crate::audit::request::{Checks, VerifyRequest};
use crate::audit::run::{Observer, Observers, RegionDone, RunResult, verify};
use crate::audit::stream::NoAnalysis;
use crate::audit::tally::RegionSummary;
use crate::limits::Limits;
use crate::present::verify_text::{Lines, VerifyText, ratios};
use crate::report::verify::Builder;

/// Options of `verify`: those of `aws cloudtrail validate-logs` plus the globals scripts pass.
#[derive(Debug, Clone, Args)]
#[allow(clippy::struct_excessive_bools)] // flags mirror the reference's command line
pub struct VerifyArgs {
    /// What to verify.
    #[command(flatten)]
    pub trail: TrailArgs,
    /// Print a line for every valid file.
    #[arg(long)]
    pub verbose: bool,
    /// Verify every account and region folder of an organization trail
    /// (`AWSLogs/<o-id>/<account>/CloudTrail-Digest/<region>/`) in one run, with a summary per
    /// account and region (JSON schema `trailproof.verify-org/1`).
    #[arg(long, conflicts_with_all = ["region", "all_regions", "account_id"])]
    pub organization: bool,
    /// Only these accounts (comma-separated); many-chain mode, as `--organization`.
    #[arg(long, value_delimiter = ',', value_name = "ID,...", conflicts_with_all = ["account_id", "region", "all_regions"])]
    pub accounts: Vec<String>,
    /// Only these source regions (comma-separated); many-chain mode, as `--organization`.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "REGION,...",
        conflicts_with = "region"
    )]
    pub regions: Vec<String>,
    /// Verify share K of N of the chains (account × region), split deterministically;
    /// `trailproof merge` combines the N JSON documents. Needs `--end-time`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::audit::org::Shard>,
    /// Many-chain mode: also write the result as a self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// State file for scheduled runs: records, per chain, the newest verified digest; the
    /// next run starts there and proves the newer digests link back to it.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Make only the checks `aws cloudtrail validate-logs` makes: no findings of forged log
    /// files, broken links, deleted runs or tails (the output is then the reference's alone).
    #[arg(long)]
    pub reference_only: bool,
    /// Accepted for compatibility with `aws` invocations; ignored.
    #[arg(long, hide = true)]
    pub output: Option<String>,
    /// Accepted for compatibility; ignored.
    #[arg(long, hide = true)]
    pub no_paginate: bool,
    /// Accepted for compatibility; ignored.
    #[arg(long, hide = true)]
    pub color: Option<String>,
    /// Accepted for compatibility; ignored.
    #[arg(long, hide = true)]
    pub no_cli_pager: bool,
}

impl VerifyArgs {
    /// The library request, with "now" read once here.
    ///
    /// # Errors
    /// The one-line reason when a time cannot be read, or the limits from the environment
    /// are not numbers.
    pub fn request(&self) -> Result<VerifyRequest, String> {
        Ok(VerifyRequest {
            trail: self.trail.request()?,
            now: now(),
            checks: if self.reference_only {
                Checks::ReferenceOnly
            } else {
                Checks::Full
            },
            state: self.state.clone(),
            // `TRAILPROOF_MAX_*` override a limit for one run (docs/limits.md).
            limits: Limits::from_lookup(|k| std::env::var(k).ok()).map_err(|e| e.to_string())?,
        })
    }
}

/// Prints a could-not-run reason the way the reference prints fatal errors; exit 2.
fn cannot_run(message: &str) -> u8 {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "\n{}\n", message.replace('\n', " "));
    exit::CANNOT_RUN
}

/// Runs `verify`.
pub async fn run(args: VerifyArgs) -> u8 {
    if args.html.is_some() {
        let _ = write!(
            std::io::stderr().lock(),
            "\n--html is for runs over many chains (--organization, --accounts, --regions, --shard); for one trail, trailproof report writes the HTML audit report\n"
        );
        return exit::CANNOT_RUN;
    }
    let req = match args.request() {
        Ok(r) => r,
        Err(m) => return cannot_run(&m),
    };
    let text = args.format == Format::Text;
    let mut tracker = Tracker::new(text);
    let mut presenter = VerifyText::new(Terminal(tracker.bar.clone()), args.verbose);
    let mut builder = Builder::default();
    let outcome = {
        let mut observers = Observers(vec![&mut tracker]);
        if text {
            observers.0.push(&mut presenter);
        } else {
            observers.0.push(&mut builder);
        }
        verify(&req, &mut NoAnalysis, &mut observers).await
    };
    tracker.finish();
    match outcome {
        Err(PlanError(m)) => cannot_run(&m),
        Ok(done) => {
            let code = exit::code(done.result.outcome);
            if !text {
                let mut report = builder.finish(&done.plan, &done.result);
                report.exit_code = Some(code);
                print_json(&report);
            }
            match done.state_saved {
                Err(PlanError(m)) => cannot_run(&m),
                Ok(_) => code,
            }
        }
    }
}

/// Runs `fetch`: verifies from S3 while recording an evidence bundle into `out`.
pub async fn run_fetch(args: VerifyArgs, out: PathBuf) -> u8 {
    let req = match args.request() {
        Ok(r) => r,
        Err(m) => return cannot_run(&m),
    };
    let text = args.format == Format::Text;
    let mut tracker = Tracker::new(text);
    let mut presenter = VerifyText::new(Terminal(tracker.bar.clone()), args.verbose);
    let mut builder = Builder::default();
    let outcome = {
        let mut observers = Observers(vec![&mut tracker]);
        if text {
            observers.0.push(&mut presenter);
        } else {
            observers.0.push(&mut builder);
        }
        fetch(&req, &out, &mut observers).await
    };
    tracker.finish();
    match outcome {
        Err(PlanError(m)) => cannot_run(&m),
        Ok(fetched) => {
            if !text {
                let mut report = builder.finish(&fetched.plan, &fetched.result);
                report.exit_code = Some(exit::code(fetched.result.outcome));
                print_json(&report);
            }
            let s = fetched.stats;
            let _ = writeln!(
                std::io::stderr().lock(),
                "Evidence bundle {}: {} objects fetched, {} already present, {} could not be read; {} files in the manifest",
                out.display(),
                s.fetched,
                s.reused,
                s.failed,
                fetched.files
            );
            exit::code(fetched.outcome)
        }
    }
}

fn print_json<T: serde::Serialize>(report: &T) {
    let mut out = std::io::stdout().lock();
    match serde_json::to_writer_pretty(&mut out, report) {
        Ok(()) => {
            let _ = writeln!(out);
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "cannot write JSON: {e}");
        }
    }
}

/// The terminal: text goes out whole, with the progress line (if any) out of its way.
struct Terminal(Option<indicatif::ProgressBar>);

impl Terminal {
    fn write(&self, text: &str, to_stdout: bool) {
        let write = || {
            if to_stdout {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
            } else {
                let mut err = std::io::stderr().lock();
                let _ = err.write_all(text.as_bytes());
                let _ = err.flush();
            }
        };
        match &self.0 {
            Some(pb) => pb.suspend(write),
            None => write(),
        }
    }
}

impl Lines for Terminal {
    fn stdout(&mut self, text: &str) {
        self.write(text, true);
    }

    fn stderr(&mut self, text: &str) {
        self.write(text, false);
    }
}

/// The progress line on a terminal, and what an interrupted run reports
/// ([`interruption_report`]).
pub(super) struct Tracker {
    bar: Option<indicatif::ProgressBar>,
    requested: (crate::time::UtcTime, crate::time::UtcTime),
}

impl Tracker {
    /// A tracker, with a progress line when `text` goes to a terminal.
    pub(super) fn new(text: bool) -> Self {
        let bar = (text && std::io::stderr().is_terminal()).then(|| {
            // Cleared (not left behind) also when an interrupted run drops it.
            let pb = indicatif::ProgressBar::new_spinner()
                .with_finish(indicatif::ProgressFinish::AndClear);
            pb.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} {pos} files checked ({per_sec})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            pb.enable_steady_tick(std::time::Duration::from_millis(120));
            pb
        });
        Self {
            bar,
            requested: (chrono::DateTime::UNIX_EPOCH, chrono::DateTime::UNIX_EPOCH),
        }
    }

    fn finish(&self) {
        if let Some(pb) = &self.bar {
            pb.finish_and_clear();
        }
    }
}

impl Observer for Tracker {
    fn begin(&mut self, plan: &Plan) {
        self.requested = (plan.cfg.start, plan.cfg.end);
    }

    fn item(&mut self, item: &Item, _stored: Option<&Stored>) {
        if let Some(pb) = &self.bar {
            pb.inc(1);
        }
        with_progress_state(|p| {
            p.started = true;
            p.summary.record(item, self.requested);
            if let Item::Finding(f) = item {
                p.unprinted_findings.push(f.line());
            }
        });
    }

    fn region_finished(&mut self, _done: &RegionDone<'_>) {
        // The region's summary printed its findings.
        with_progress_state(|p| p.unprinted_findings.clear());
    }

    fn end(&mut self, _plan: &Plan, _result: &RunResult) {
        self.finish();
    }
}

/// What this process has verified so far, across regions and commands, for the summary an
/// interrupted run prints ([`interruption_report`]).
#[derive(Debug, Default)]
struct Progress {
    /// The running counts (the same tallies as the reference's ratio lines).
    summary: RegionSummary,
    /// Finding lines judged but not printed yet (text mode prints them after a region's
    /// summary, which an interrupted run never reaches).
    unprinted_findings: Vec<String>,
    /// Whether any verification started.
    started: bool,
}

static PROGRESS: std::sync::Mutex<Option<Progress>> = std::sync::Mutex::new(None);

fn with_progress_state<T>(f: impl FnOnce(&mut Progress) -> T) -> T {
    let mut guard = match PROGRESS.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    f(guard.get_or_insert_with(Progress::default))
}

/// What an interrupted run prints on stderr after the lines it had already printed: the
/// findings judged but not yet printed, then how many files were verified before the signal
/// with the reference's ratio lines, e.g.
///
/// ```text
///
/// Interrupted by SIGINT: 7 files verified before the signal; the rest was not checked
///
/// 3/3 digest files valid
/// 4/4 log files valid
/// ```
///
/// The verdict lines already printed stay as they were: each is written whole.
#[must_use]
pub fn interruption_report(signal: &str) -> String {
    use std::fmt::Write as _;
    with_progress_state(|p| {
        let mut s = String::new();
        for line in std::mem::take(&mut p.unprinted_findings) {
            let _ = write!(s, "{line}\n\n");
        }
        let c = &p.summary.counts;
        let files = c.digests.total() + c.backfill_digests.total() + c.logs.total();
        if !p.started || files == 0 {
            let _ = write!(
                s,
                "\nInterrupted by {signal} before any file was verified\n"
            );
            return s;
        }
        let _ = write!(
            s,
            "\nInterrupted by {signal}: {files} file{} verified before the signal; the rest was not checked\n{}\n",
            if files == 1 { "" } else { "s" },
            ratios(c)
        );
        s
    })
}
