//! What a caller asks of a verification, as plain data with one set of defaults: the trail
//! and window ([`TrailRequest`], shared by every command that verifies: `verify`, `fetch`,
//! `summarize`, `report`, and the analyses that follow), and what `verify` adds
//! ([`VerifyRequest`]). The command line builds these from its arguments; a library caller
//! builds them directly. No parsing of user text and no clock here.

use std::path::PathBuf;

use crate::limits::Limits;
use crate::time::UtcTime;

/// The most requests in flight by default: the cap of the adaptive limit
/// ([`crate::source::pace`]): a run starts at 32, grows while throughput rises and halves on
/// throttling and connection errors; `--concurrency N` lowers the cap.
pub const DEFAULT_CONCURRENCY: usize = crate::source::pace::DEFAULT_CAP as usize;

/// Which source regions of the trail are verified.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Regions {
    /// The trail's home region (from its ARN).
    #[default]
    Home,
    /// One source region.
    One(String),
    /// Every region found under the trail's digest folder.
    All,
}

/// How AWS is reached (the standard credential chain and endpoints otherwise).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsOptions {
    /// Named profile.
    pub profile: Option<String>,
    /// `CloudTrail` endpoint (as the reference: S3 takes `AWS_ENDPOINT_URL_S3`).
    pub endpoint_url: Option<String>,
}

/// The trail and window to verify, and where its objects are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailRequest {
    /// ARN of the trail (checked when the run is planned, after the window, as the
    /// reference does).
    pub trail_arn: String,
    /// Window start; `None` only with a state file (the anchored digest's end).
    pub start: Option<UtcTime>,
    /// Window end; `None`: the bundle's end, else "now".
    pub end: Option<UtcTime>,
    /// Digest bucket (default: the trail's).
    pub s3_bucket: Option<String>,
    /// Key prefix (default: the trail's; honoured with or without `s3_bucket`).
    pub s3_prefix: Option<String>,
    /// Account whose logs are verified (required for organization trails).
    pub account_id: Option<String>,
    /// Source regions.
    pub regions: Regions,
    /// A local evidence bundle instead of S3 (offline: no AWS call).
    pub bundle: Option<PathBuf>,
    /// Saved `list-public-keys` output instead of `ListPublicKeys`.
    pub public_keys: Option<PathBuf>,
    /// Most requests in flight.
    pub concurrency: usize,
    /// AWS profile and endpoint.
    pub aws: AwsOptions,
}

impl TrailRequest {
    /// A request for `trail_arn` with every default: home region, the trail's bucket and
    /// prefix, S3 with the standard AWS configuration, [`DEFAULT_CONCURRENCY`].
    #[must_use]
    pub fn new(trail_arn: impl Into<String>) -> Self {
        Self {
            trail_arn: trail_arn.into(),
            start: None,
            end: None,
            s3_bucket: None,
            s3_prefix: None,
            account_id: None,
            regions: Regions::Home,
            bundle: None,
            public_keys: None,
            concurrency: DEFAULT_CONCURRENCY,
            aws: AwsOptions::default(),
        }
    }
}

/// Which checks a verification makes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Checks {
    /// The reference's checks plus the tampering it misses (forged logs, broken links,
    /// deleted runs and tails, sanity).
    #[default]
    Full,
    /// Only what `aws cloudtrail validate-logs` checks (`--reference-only`).
    ReferenceOnly,
}

/// A verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyRequest {
    /// The trail, window and source.
    pub trail: TrailRequest,
    /// "Now", the end of a window without one (the caller reads the clock).
    pub now: UtcTime,
    /// The checks.
    pub checks: Checks,
    /// State file of scheduled runs: the anchors the run starts from, and records.
    pub state: Option<PathBuf>,
    /// Size limits.
    pub limits: Limits,
}

impl VerifyRequest {
    /// A full verification of `trail`, with default limits and no state file.
    #[must_use]
    pub fn new(trail: TrailRequest, now: UtcTime) -> Self {
        Self {
            trail,
            now,
            checks: Checks::Full,
            state: None,
            limits: Limits::default(),
        }
    }
}
