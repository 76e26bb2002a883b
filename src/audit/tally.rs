//! The counts of a run, kept as items go by: valid, invalid and unreadable files per kind,
//! gaps, findings, warnings, pending logs; and each region's "found" window (the reference's
//! `Results found for … to …`). Every item is classified once, by [`Item::file_verdict`].

use serde::Serialize;

use super::item::{FileStatus, Item};
use crate::chain::findings::{FindingCode, Severity};
use crate::chain::layout::ChainKind;
use crate::time::{RecordTime, UtcTime};
use crate::vocab::Outcome;

/// Valid / invalid / error counts of one kind of file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Tally {
    /// Verified intact.
    pub valid: u64,
    /// INVALID or missing: findings.
    pub invalid: u64,
    /// Could not be read: neither.
    pub error: u64,
}

impl Tally {
    /// All files counted.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.valid + self.invalid + self.error
    }

    /// Adds another tally.
    pub fn add(&mut self, other: &Self) {
        self.valid += other.valid;
        self.invalid += other.invalid;
        self.error += other.error;
    }
}

/// Counts of a region or a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Counts {
    /// Standard digests.
    pub digests: Tally,
    /// Backfill digests.
    pub backfill_digests: Tally,
    /// Log files.
    pub logs: Tally,
    /// Gap notes.
    pub gaps: u64,
    /// Findings the reference does not make (tampering: exit 1).
    pub findings: u64,
    /// Warnings (unverifiable log files, unconfirmed tail).
    pub warnings: u64,
    /// Log files newer than the newest digest (not yet covered).
    pub pending_logs: u64,
    /// Extra checks that could not be completed (a log folder that could not be listed):
    /// counted as warnings too, and make the run incomplete.
    #[serde(default)]
    pub incomplete_checks: u64,
}

impl Counts {
    /// Adds another region's counts.
    pub fn add(&mut self, other: &Self) {
        self.digests.add(&other.digests);
        self.backfill_digests.add(&other.backfill_digests);
        self.logs.add(&other.logs);
        self.gaps += other.gaps;
        self.findings += other.findings;
        self.warnings += other.warnings;
        self.pending_logs += other.pending_logs;
        self.incomplete_checks += other.incomplete_checks;
    }

    /// Any invalid or missing file.
    #[must_use]
    pub fn has_findings(&self) -> bool {
        self.digests.invalid + self.backfill_digests.invalid + self.logs.invalid + self.findings > 0
    }

    /// Any file that could not be read.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.digests.error + self.backfill_digests.error + self.logs.error + self.incomplete_checks
            > 0
    }

    /// The outcome of a verification with these counts, of which `failed_regions` could not
    /// be verified at all: findings win over errors; gaps are not findings.
    #[must_use]
    pub fn outcome(&self, failed_regions: usize) -> Outcome {
        if self.has_findings() {
            Outcome::Findings
        } else if self.has_errors() || failed_regions > 0 {
            Outcome::Incomplete
        } else {
            Outcome::Clean
        }
    }
}

/// Running summary of one region, fed item by item (the reference's counters and its
/// "found" window).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionSummary {
    /// Counts.
    pub counts: Counts,
    /// Earliest max(digest start, requested start) over valid digests.
    pub found_start: Option<RecordTime>,
    /// Latest min(digest end, requested end) over valid digests.
    pub found_end: Option<RecordTime>,
    /// Newest verified standard digest (the next anchor).
    pub head: Option<crate::chain::anchor::Anchor>,
}

impl Tally {
    fn count(&mut self, status: FileStatus) {
        match status {
            FileStatus::Valid => self.valid += 1,
            FileStatus::Invalid => self.invalid += 1,
            FileStatus::Error => self.error += 1,
        }
    }
}

impl RegionSummary {
    /// Accounts for one item.
    pub fn record(&mut self, item: &Item, requested: (UtcTime, UtcTime)) {
        if let Some(verdict) = item.file_verdict() {
            let tally = match item {
                Item::Digest {
                    kind: ChainKind::Standard,
                    ..
                } => &mut self.counts.digests,
                Item::Digest {
                    kind: ChainKind::Backfill,
                    ..
                } => &mut self.counts.backfill_digests,
                _ => &mut self.counts.logs,
            };
            tally.count(verdict.status);
        }
        match item {
            Item::Digest {
                status: super::item::DigestStatus::Valid { start, end },
                ..
            } => {
                // Python's max/min keep the first argument on ties and compare instants;
                // the reference prints the winner's own clock digits.
                let req_start = RecordTime::utc(requested.0);
                let req_end = RecordTime::utc(requested.1);
                let s = if req_start.instant > start.instant {
                    req_start
                } else {
                    *start
                };
                let e = if req_end.instant < end.instant {
                    req_end
                } else {
                    *end
                };
                if self.found_start.is_none_or(|f| s.instant < f.instant) {
                    self.found_start = Some(s);
                }
                if self.found_end.is_none_or(|f| e.instant > f.instant) {
                    self.found_end = Some(e);
                }
            }
            Item::Gap { .. } => self.counts.gaps += 1,
            Item::Finding(f) => match f.severity {
                Severity::Invalid => self.counts.findings += 1,
                Severity::Warning => {
                    self.counts.warnings += 1;
                    if f.code == FindingCode::LogFolderUnlisted {
                        self.counts.incomplete_checks += 1;
                    }
                }
            },
            Item::PendingLog(_) => self.counts.pending_logs += 1,
            Item::Head(h) => self.head = Some(h.clone()),
            Item::Digest { .. } | Item::Log { .. } => {}
        }
    }
}
