//! The text of `verify`: byte-identical to `aws cloudtrail validate-logs` for the conditions
//! the reference knows (spec §1.10): same lines, same streams, same blank-line rules. Lines
//! the reference never prints (`ERROR`, region headers, totals) only appear in their
//! conditions; the findings the reference does not make are printed on stderr after each
//! region's summary, so every reference line stays exactly as the reference prints it.
//!
//! A presenter: it observes a run and formats what it sees; it decides nothing.

use std::fmt::Write as _;

use crate::audit::fetcher::Stored;
use crate::audit::item::{FileStatus, Item};
use crate::audit::plan::Plan;
use crate::audit::run::{Observer, RegionDone, RunResult};
use crate::audit::tally::{Counts, Tally};
use crate::time::format_display;

/// Where the text goes: the reference writes verdicts of valid files (verbose) and its
/// summary on stdout, everything else on stderr. Each call is one whole piece of text.
pub trait Lines: Send {
    /// Writes to standard output.
    fn stdout(&mut self, text: &str);
    /// Writes to standard error.
    fn stderr(&mut self, text: &str);
}

/// The reference's text, written as a run goes.
#[derive(Debug)]
pub struct VerifyText<L> {
    lines: L,
    verbose: bool,
    multi: bool,
    last_double_space: bool,
    /// Findings the reference does not make: printed after its summary.
    findings: Vec<String>,
}

impl<L: Lines> VerifyText<L> {
    /// A presenter writing to `lines`; `verbose` prints a line for every valid file.
    pub fn new(lines: L, verbose: bool) -> Self {
        Self {
            lines,
            verbose,
            multi: false,
            last_double_space: true,
            findings: Vec::new(),
        }
    }

    fn status(&mut self, message: &str, is_error: bool) {
        if is_error {
            let lead = if self.last_double_space { "" } else { "\n" };
            self.lines.stderr(&format!("{lead}{message}\n\n"));
            self.last_double_space = true;
        } else if self.verbose {
            self.last_double_space = false;
            self.lines.stdout(&format!("{message}\n"));
        }
    }

    fn summary(&mut self, done: &RegionDone<'_>) {
        let mut s = String::new();
        if !self.last_double_space {
            s.push('\n');
        }
        let _ = writeln!(
            s,
            "Results requested for {} to {}",
            format_display(&done.cfg.start),
            format_display(&done.cfg.end)
        );
        let c = &done.summary.counts;
        if c.digests.total() + c.backfill_digests.total() == 0 {
            s.push_str("No digests found\n");
        } else {
            match (done.summary.found_start, done.summary.found_end) {
                (Some(fs), Some(fe)) => {
                    let _ = writeln!(
                        s,
                        "Results found for {} to {}:",
                        format_display(&fs.clock),
                        format_display(&fe.clock)
                    );
                }
                _ => s.push_str("No valid digests found in range\n"),
            }
            s.push_str(&ratios(c));
            s.push('\n');
        }
        self.lines.stdout(&s);
        self.last_double_space = true;
        let lines = std::mem::take(&mut self.findings);
        if !lines.is_empty() {
            let text = lines.iter().fold(String::new(), |mut s, l| {
                let _ = write!(s, "{l}\n\n");
                s
            });
            self.lines.stderr(&text);
        }
    }
}

impl<L: Lines> Observer for VerifyText<L> {
    fn begin(&mut self, plan: &Plan) {
        self.multi = plan.multi;
        self.lines.stdout(&format!(
            "Validating log files for trail {} between {} and {}\n\n",
            plan.cfg.arn.arn,
            format_display(&plan.cfg.start),
            format_display(&plan.cfg.end)
        ));
    }

    fn region_started(&mut self, region: &str, index: usize) {
        if self.multi {
            let lead = if index > 0 { "\n" } else { "" };
            self.lines
                .stdout(&format!("{lead}Source region {region}\n\n"));
        }
    }

    fn item(&mut self, item: &Item, _stored: Option<&Stored>) {
        if let Some(verdict) = item.file_verdict() {
            let (head, uri) = match item {
                Item::Digest { kind, location, .. } => {
                    (format!("{}Digest file", kind.label()), location.uri())
                }
                Item::Log { location, .. } => ("Log file".to_owned(), location.uri()),
                _ => return,
            };
            let text = match verdict.status {
                FileStatus::Valid => "valid".to_owned(),
                FileStatus::Invalid => format!("INVALID: {}", verdict.message),
                FileStatus::Error => format!("ERROR: {}", verdict.message),
            };
            self.status(
                &format!("{head}\t{uri}\t{text}"),
                verdict.status != FileStatus::Valid,
            );
            return;
        }
        match item {
            Item::Finding(f) => self.findings.push(f.line()),
            Item::Gap { kind, from, to } => self.status(
                &format!(
                    "{}No log files were delivered by CloudTrail between {} and {}",
                    kind.label(),
                    format_display(from),
                    format_display(to)
                ),
                true,
            ),
            Item::PendingLog(_) | Item::Head(_) | Item::Digest { .. } | Item::Log { .. } => {}
        }
    }

    fn region_finished(&mut self, done: &RegionDone<'_>) {
        match done.error {
            None => self.summary(done),
            Some(e) if self.multi => {
                self.status(&format!("Source region {}\tERROR: {e}", done.region), true);
            }
            // A single region that cannot run: the reason closes the run (`end`).
            Some(_) => {}
        }
    }

    fn end(&mut self, plan: &Plan, result: &RunResult) {
        if let Some(fatal) = &result.fatal {
            self.lines.stderr(&format!("\n{fatal}\n"));
            return;
        }
        if self.multi {
            let not_verified = if result.failed_regions > 0 {
                format!(" ({} could not be verified)", result.failed_regions)
            } else {
                String::new()
            };
            self.lines.stdout(&format!(
                "\nTotal for {} regions{not_verified}:\n{}\n",
                plan.regions.len(),
                ratios(&result.totals)
            ));
        }
    }
}

/// The reference's ratio lines (`\n3/3 digest files valid` …) for every kind with files.
#[must_use]
pub fn ratios(counts: &Counts) -> String {
    let mut s = String::new();
    for (tally, name) in [
        (&counts.digests, "digest"),
        (&counts.backfill_digests, "backfill digest"),
        (&counts.logs, "log"),
    ] {
        s.push_str(&ratio(tally, name));
    }
    s
}

fn ratio(t: &Tally, name: &str) -> String {
    let total = t.total();
    if total == 0 {
        return String::new();
    }
    let mut s = format!("\n{}/{total} {name} files valid", t.valid);
    if t.invalid > 0 {
        let _ = write!(s, ", {}/{total} {name} files INVALID", t.invalid);
    }
    if t.error > 0 {
        let _ = write!(s, ", {}/{total} {name} files ERROR", t.error);
    }
    s
}
