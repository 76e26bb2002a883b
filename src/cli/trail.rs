//! The options that select what to verify (those of `aws cloudtrail validate-logs` plus
//! trailproof's sources), shared by every command that verifies: `verify`, `fetch`,
//! `summarize`, `report`. One struct, one set of defaults, one translation into the
//! library's [`TrailRequest`].

use std::path::PathBuf;

use clap::Args;

use crate::audit::request::{AwsOptions, DEFAULT_CONCURRENCY, Regions, TrailRequest};
use crate::time::parse_user_time;

/// The most requests in flight a user may ask for.
const MAX_CONCURRENCY: u16 = 1024;

/// What to verify: the trail, the window, and where its objects are read.
#[derive(Debug, Clone, Args)]
pub struct TrailArgs {
    /// ARN of the trail to validate.
    #[arg(long)]
    pub trail_arn: Option<String>,
    /// Validate log files delivered on or after this time (e.g. 2015-01-08T05:21:42Z).
    #[arg(long)]
    pub start_time: Option<String>,
    /// Validate log files delivered on or before this time (default: now, or the bundle's
    /// end).
    #[arg(long)]
    pub end_time: Option<String>,
    /// Bucket holding the digests (default: the trail's).
    #[arg(long)]
    pub s3_bucket: Option<String>,
    /// Key prefix (default: the trail's; honoured with or without --s3-bucket).
    #[arg(long)]
    pub s3_prefix: Option<String>,
    /// Account whose logs are validated (required for organization trails).
    #[arg(long)]
    pub account_id: Option<String>,
    /// Source region whose chain is verified (default: the trail's home region).
    #[arg(long, conflicts_with = "all_regions")]
    pub region: Option<String>,
    /// Verify every region found under the trail's digest folder.
    #[arg(long)]
    pub all_regions: bool,
    /// Verify a local folder mirroring the bucket(s) (`DIR/<bucket>/<key>` plus
    /// `<key>.meta.json` metadata sidecars) instead of S3.
    #[arg(long, value_name = "DIR")]
    pub bundle: Option<PathBuf>,
    /// Saved `aws cloudtrail list-public-keys` output (or a JSON object region → output);
    /// no `ListPublicKeys` call is made.
    #[arg(long, value_name = "FILE")]
    pub public_keys: Option<PathBuf>,
    /// Requests in flight at most. The number in flight adapts to the throughput measured
    /// while the run goes (it starts at 32, grows while throughput rises and halves on
    /// throttling and connection errors) and never exceeds this cap; 1 sends one at a time.
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY as u16, value_parser = clap::value_parser!(u16).range(1..=i64::from(MAX_CONCURRENCY)))]
    pub concurrency: u16,
    /// AWS profile.
    #[arg(long)]
    pub profile: Option<String>,
    /// `CloudTrail` endpoint (as the reference, S3 is configured with `AWS_ENDPOINT_URL_S3`).
    #[arg(long)]
    pub endpoint_url: Option<String>,
}

impl TrailArgs {
    /// Whether any option beyond the ARN was given (for commands where the ARN is optional).
    #[must_use]
    pub fn any_given(&self) -> bool {
        self.start_time.is_some()
            || self.end_time.is_some()
            || self.s3_bucket.is_some()
            || self.s3_prefix.is_some()
            || self.account_id.is_some()
            || self.region.is_some()
            || self.all_regions
            || self.bundle.is_some()
            || self.public_keys.is_some()
            || self.profile.is_some()
            || self.endpoint_url.is_some()
    }

    /// The library request: the times are read here (start, then end, as the reference
    /// checks them); the ARN is checked when the run is planned.
    ///
    /// # Errors
    /// The one-line reason when a time cannot be read or no ARN was given.
    pub fn request(&self) -> Result<TrailRequest, String> {
        let start = self
            .start_time
            .as_deref()
            .map(parse_user_time)
            .transpose()
            .map_err(|e| e.to_string())?;
        let end = self
            .end_time
            .as_deref()
            .map(parse_user_time)
            .transpose()
            .map_err(|e| e.to_string())?;
        let trail_arn = self
            .trail_arn
            .clone()
            .ok_or_else(|| "--trail-arn is required".to_owned())?;
        Ok(TrailRequest {
            trail_arn,
            start,
            end,
            s3_bucket: self.s3_bucket.clone(),
            s3_prefix: self.s3_prefix.clone(),
            account_id: self.account_id.clone(),
            regions: match (&self.region, self.all_regions) {
                (_, true) => Regions::All,
                (Some(r), false) => Regions::One(r.clone()),
                (None, false) => Regions::Home,
            },
            bundle: self.bundle.clone(),
            public_keys: self.public_keys.clone(),
            concurrency: usize::from(self.concurrency),
            aws: AwsOptions {
                profile: self.profile.clone(),
                endpoint_url: self.endpoint_url.clone(),
            },
        })
    }
}
