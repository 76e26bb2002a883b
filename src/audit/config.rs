//! What one verification covers once everything is resolved: the trail, the window, where
//! the digests are, the limits and the switches. Built by [`super::plan`] from a request;
//! read by the region runs. Data only.

use crate::chain::findings::TrailStatus;
use crate::chain::layout::{DigestScope, TrailArn};
use crate::limits::Limits;
use crate::time::UtcTime;

/// What a verification run covers.
#[derive(Debug, Clone)]
pub struct VerifyConfig {
    /// The trail.
    pub arn: TrailArn,
    /// Requested window start.
    pub start: UtcTime,
    /// Requested window end.
    pub end: UtcTime,
    /// Bucket holding the digests.
    pub bucket: String,
    /// Key prefix.
    pub prefix: Option<String>,
    /// Organization id for organization trails.
    pub organization_id: Option<String>,
    /// Account whose digests are verified.
    pub account_id: String,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Size limits.
    pub limits: Limits,
    /// Run the checks the reference lacks (forged logs, broken links, deleted runs and
    /// tails, sanity). On by default.
    pub detect: bool,
    /// `GetTrailStatus`, when it could be read (head-truncation check).
    pub trail_status: Option<TrailStatus>,
    /// Other trails delivering to the same folder without log file validation.
    pub unvalidated_trails: Vec<String>,
    /// Anchors from the state file, by chain id.
    pub anchors: std::collections::BTreeMap<String, crate::chain::anchor::Anchor>,
}

impl VerifyConfig {
    /// The digest scope of one source region.
    #[must_use]
    pub fn scope(&self, region: &str) -> DigestScope {
        DigestScope {
            prefix: self.prefix.clone(),
            organization_id: self.organization_id.clone(),
            account_id: self.account_id.clone(),
            source_region: region.to_owned(),
            home_region: self.arn.home_region.clone(),
            trail_name: self.arn.name.clone(),
        }
    }
}
