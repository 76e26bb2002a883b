//! The serialisable model of a `verify` run: the stable JSON document and the counters both
//! renderers share. Presentation only: nothing here decides a verdict.

use serde::Serialize;

use crate::audit::{DigestStatus, Item, LogStatus};
use crate::chain::findings::Finding;
use crate::chain::layout::ChainKind;
use crate::time::{RecordTime, UtcTime, format_rfc3339};
use crate::vocab::Outcome;

/// Version of the JSON document; bumped on any incompatible change.
pub const SCHEMA_VERSION: &str = "trailproof.verify/1";

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

    fn add(&mut self, other: &Self) {
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

impl RegionSummary {
    /// Accounts for one item.
    pub fn record(&mut self, item: &Item, requested: (UtcTime, UtcTime)) {
        match item {
            Item::Digest { kind, status, .. } => {
                let tally = match kind {
                    ChainKind::Standard => &mut self.counts.digests,
                    ChainKind::Backfill => &mut self.counts.backfill_digests,
                };
                match status {
                    DigestStatus::Valid { start, end } => {
                        tally.valid += 1;
                        // Python's max/min keep the first argument on ties and compare
                        // instants; the reference prints the winner's own clock digits.
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
                    DigestStatus::Invalid(_) | DigestStatus::Missing => tally.invalid += 1,
                    DigestStatus::Error(_) => tally.error += 1,
                }
            }
            Item::Log { status, .. } => match status {
                LogStatus::Verdict(crate::chain::log::LogVerdict::Valid) => {
                    self.counts.logs.valid += 1;
                }
                LogStatus::Verdict(_) | LogStatus::Missing => self.counts.logs.invalid += 1,
                LogStatus::Error(_) => self.counts.logs.error += 1,
            },
            Item::Gap { .. } => self.counts.gaps += 1,
            Item::Finding(f) => match f.severity {
                crate::chain::findings::Severity::Invalid => self.counts.findings += 1,
                crate::chain::findings::Severity::Warning => {
                    self.counts.warnings += 1;
                    if f.code == crate::chain::findings::FindingCode::LogFolderUnlisted {
                        self.counts.incomplete_checks += 1;
                    }
                }
            },
            Item::PendingLog(_) => self.counts.pending_logs += 1,
            Item::Head(h) => self.head = Some(h.clone()),
        }
    }
}

/// One event of the JSON document, in output order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A digest file.
    Digest {
        /// `standard` or `backfill`.
        chain: ChainKind,
        /// `s3://bucket/key`.
        uri: String,
        /// `valid`, `invalid` or `error`.
        status: &'static str,
        /// Stable reason code (`valid`, `not_found`, `signature_verification_failed`, …).
        reason: &'static str,
        /// Human text (the reference's wording for INVALID).
        message: String,
        /// `digestStartTime` of a valid digest.
        #[serde(skip_serializing_if = "Option::is_none")]
        digest_start: Option<String>,
        /// `digestEndTime` of a valid digest.
        #[serde(skip_serializing_if = "Option::is_none")]
        digest_end: Option<String>,
    },
    /// A log file.
    Log {
        /// `s3://bucket/key`.
        uri: String,
        /// `valid`, `invalid` or `error`.
        status: &'static str,
        /// Stable reason code.
        reason: &'static str,
        /// Human text.
        message: String,
    },
    /// A finding the reference does not make.
    Finding(Finding),
    /// The newest verified standard digest (the anchor a `--state` run keeps).
    Head {
        /// `s3://bucket/key`.
        uri: String,
        /// Its `digestEndTime`.
        end: String,
    },
    /// A log file newer than the newest digest.
    PendingLog {
        /// `s3://bucket/key`.
        uri: String,
    },
    /// A chain restart with no deliveries in between.
    Gap {
        /// `standard` or `backfill`.
        chain: ChainKind,
        /// End of the older digest.
        from: String,
        /// Start of the newer digest.
        to: String,
    },
}

impl Event {
    /// The JSON event of an item.
    #[must_use]
    pub fn from_item(item: &Item) -> Self {
        match item {
            Item::Digest {
                kind,
                location,
                status,
            } => {
                let (st, reason, message, times) = match status {
                    DigestStatus::Valid { start, end } => (
                        "valid",
                        "valid",
                        "valid".to_owned(),
                        Some((format_rfc3339(&start.instant), format_rfc3339(&end.instant))),
                    ),
                    DigestStatus::Invalid(f) => ("invalid", f.code(), f.message(), None),
                    DigestStatus::Missing => ("invalid", "not_found", "not found".to_owned(), None),
                    DigestStatus::Error(e) => ("error", e.kind.code(), e.verdict_text(), None),
                };
                let (digest_start, digest_end) = times.unzip();
                Self::Digest {
                    chain: *kind,
                    uri: location.uri(),
                    status: st,
                    reason,
                    message,
                    digest_start,
                    digest_end,
                }
            }
            Item::Log { location, status } => {
                let (st, reason, message) = match status {
                    LogStatus::Verdict(v) => (
                        if *v == crate::chain::log::LogVerdict::Valid {
                            "valid"
                        } else {
                            "invalid"
                        },
                        v.code(),
                        v.message().to_owned(),
                    ),
                    LogStatus::Missing => ("invalid", "not_found", "not found".to_owned()),
                    LogStatus::Error(e) => ("error", e.kind.code(), e.verdict_text()),
                };
                Self::Log {
                    uri: location.uri(),
                    status: st,
                    reason,
                    message,
                }
            }
            Item::Finding(f) => Self::Finding(f.clone()),
            Item::PendingLog(l) => Self::PendingLog { uri: l.uri() },
            Item::Head(h) => Self::Head {
                uri: h.location().uri(),
                end: format_rfc3339(&h.end),
            },
            Item::Gap { kind, from, to } => Self::Gap {
                chain: *kind,
                from: format_rfc3339(from),
                to: format_rfc3339(to),
            },
        }
    }
}

/// The inputs of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inputs {
    /// Trail ARN as given.
    pub trail_arn: String,
    /// Requested start.
    pub start_time: String,
    /// Requested end.
    pub end_time: String,
    /// Digest bucket.
    pub bucket: String,
    /// Key prefix.
    pub prefix: Option<String>,
    /// Account verified.
    pub account_id: String,
    /// Organization id (organization trails).
    pub organization_id: Option<String>,
    /// Source regions verified.
    pub regions: Vec<String>,
    /// `s3` or `bundle:<dir>`.
    pub object_source: String,
    /// `cloudtrail:ListPublicKeys` or `file:<path>`.
    pub key_source: String,
}

/// Requested and verified time window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Requested start.
    pub requested_start: String,
    /// Requested end.
    pub requested_end: String,
    /// Start of what valid digests cover (clamped to the request).
    pub found_start: Option<String>,
    /// End of what valid digests cover (clamped to the request).
    pub found_end: Option<String>,
}

/// One source region's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionReport {
    /// Source region.
    pub region: String,
    /// `complete`, or `failed` when the region could not be verified at all.
    pub status: &'static str,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Coverage window.
    pub coverage: Coverage,
    /// Counts.
    pub counts: Counts,
    /// Events in output order.
    pub events: Vec<Event>,
}

/// Tool identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tool {
    /// `trailproof`.
    pub name: &'static str,
    /// Crate version.
    pub version: &'static str,
}

impl Default for Tool {
    fn default() -> Self {
        Self {
            name: "trailproof",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// The whole `verify --format json` document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: &'static str,
    /// Tool identity.
    pub tool: Tool,
    /// Inputs.
    pub inputs: Inputs,
    /// Per-region results.
    pub regions: Vec<RegionReport>,
    /// Sum over regions.
    pub totals: Counts,
    /// `clean`, `findings` or `incomplete`.
    pub outcome: &'static str,
    /// The process exit code.
    pub exit_code: u8,
}
