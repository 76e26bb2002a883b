//! The model of a `verify` run: the stable JSON document (`trailproof.verify/1`), built by
//! [`Builder`] from what the run emits. Nothing here decides a verdict: items are classed
//! by [`Item::file_verdict`], outcomes by the run's counts.

use serde::Serialize;

use crate::audit::fetcher::Stored;
use crate::audit::item::{DigestStatus, FileStatus, Item};
use crate::audit::plan::{Inputs, Plan};
use crate::audit::run::{Observer, RegionDone, RunResult};
use crate::audit::tally::Counts;
use crate::chain::findings::Finding;
use crate::chain::layout::ChainKind;
use crate::time::format_rfc3339;
use crate::vocab::{Outcome, Tool};

/// Version of the JSON document; bumped on any incompatible change.
pub const SCHEMA_VERSION: &str = "trailproof.verify/1";

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
        status: FileStatus,
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
        status: FileStatus,
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
        let verdict = || {
            item.file_verdict()
                .map_or((FileStatus::Error, "", String::new()), |v| {
                    (v.status, v.reason, v.message)
                })
        };
        match item {
            Item::Digest {
                kind,
                location,
                status,
            } => {
                let (status_word, reason, message) = verdict();
                let (digest_start, digest_end) = match status {
                    DigestStatus::Valid { start, end } => (
                        Some(format_rfc3339(&start.instant)),
                        Some(format_rfc3339(&end.instant)),
                    ),
                    _ => (None, None),
                };
                Self::Digest {
                    chain: *kind,
                    uri: location.uri(),
                    status: status_word,
                    reason,
                    message,
                    digest_start,
                    digest_end,
                }
            }
            Item::Log { location, .. } => {
                let (status, reason, message) = verdict();
                Self::Log {
                    uri: location.uri(),
                    status,
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
    pub status: RegionStatus,
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
    /// `clean`, `findings`, `incomplete`, or `not_run` when the one region asked for could
    /// not be verified at all.
    pub outcome: Outcome,
    /// The process exit code, written by the command line (a library caller maps
    /// [`Self::outcome`] itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u8>,
}

impl VerifyReport {
    /// The integrity document of a report over local files (`report --logs`): nothing was
    /// verified, because local files carry no digests; `sources` names them.
    #[must_use]
    pub fn not_verified(sources: &str) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            tool: Tool::default(),
            inputs: crate::audit::plan::Inputs {
                trail_arn: String::new(),
                start_time: String::new(),
                end_time: String::new(),
                bucket: String::new(),
                prefix: None,
                account_id: String::new(),
                organization_id: None,
                regions: Vec::new(),
                object_source: format!("local files (--logs): {sources}"),
                key_source: "none: local files carry no digests".to_owned(),
            },
            regions: Vec::new(),
            totals: Counts::default(),
            outcome: Outcome::NotRun,
            exit_code: None,
        }
    }

    /// Whether this is the document of a report over local files: nothing was verified.
    #[must_use]
    pub fn is_not_verified(&self) -> bool {
        self.outcome == Outcome::NotRun && self.regions.is_empty()
    }
}

/// Whether a region was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionStatus {
    /// Verified to the end (whatever was found).
    Complete,
    /// Could not be verified at all (its digests could not be listed, no keys).
    Failed,
}

impl RegionStatus {
    /// The word in the JSON document.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            Self::Complete => "complete",
            Self::Failed => "failed",
        }
    }
}

/// Builds the document from what a run emits: one [`RegionReport`] per region, with its
/// events in output order, then the totals and the outcome.
#[derive(Debug, Default)]
pub struct Builder {
    regions: Vec<RegionReport>,
    events: Vec<Event>,
}

impl Observer for Builder {
    fn item(&mut self, item: &Item, _stored: Option<&Stored>) {
        self.events.push(Event::from_item(item));
    }

    fn region_finished(&mut self, finished: &RegionDone<'_>) {
        self.regions.push(RegionReport {
            region: finished.region.to_owned(),
            status: if finished.error.is_some() {
                RegionStatus::Failed
            } else {
                RegionStatus::Complete
            },
            error: finished.error.map(ToString::to_string),
            coverage: Coverage {
                requested_start: format_rfc3339(&finished.cfg.start),
                requested_end: format_rfc3339(&finished.cfg.end),
                found_start: finished
                    .summary
                    .found_start
                    .map(|t| format_rfc3339(&t.instant)),
                found_end: finished
                    .summary
                    .found_end
                    .map(|t| format_rfc3339(&t.instant)),
            },
            counts: finished.summary.counts,
            events: std::mem::take(&mut self.events),
        });
    }
}

impl Builder {
    /// The region reports built so far.
    #[must_use]
    pub fn into_regions(self) -> Vec<RegionReport> {
        self.regions
    }

    /// The document of a finished run.
    #[must_use]
    pub fn finish(self, plan: &Plan, result: &RunResult) -> VerifyReport {
        VerifyReport {
            schema_version: SCHEMA_VERSION,
            tool: Tool::default(),
            inputs: plan.inputs.clone(),
            regions: self.regions,
            totals: result.totals,
            outcome: result.outcome,
            exit_code: None,
        }
    }
}
