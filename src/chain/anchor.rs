//! Anchored runs: the newest verified digest of a chain, kept between scheduled runs.
//!
//! A run with `--state` starts at the anchored digest, verifies the newer ones, and must
//! find the anchor again, unchanged and linked: a deleted or rewritten anchor means history
//! that was already proven has been altered since. Pure: the caller reads and writes the file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::digest::CheckedDigest;
use super::findings::{Finding, FindingCode, Judged, Severity};
use super::walk::Visit;
use crate::time::UtcTime;
use crate::vocab::Location;

/// Version of the state file.
pub const STATE_SCHEMA: &str = "trailproof.state/1";

/// The newest verified digest of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// Bucket of the digest.
    pub bucket: String,
    /// Key of the digest.
    pub key: String,
    /// Its signature (hex, from the S3 metadata).
    pub signature: String,
    /// SHA-256 of its inflated bytes (hex).
    pub sha256: String,
    /// Its `digestEndTime`.
    pub end: UtcTime,
}

impl Anchor {
    /// The anchor of a verified digest.
    #[must_use]
    pub fn of(d: &CheckedDigest) -> Self {
        Self {
            bucket: d.location.bucket.clone(),
            key: d.location.key.clone(),
            signature: d.facts.signature.clone(),
            sha256: d.facts.inflated_sha256.clone(),
            end: d.end.instant,
        }
    }

    /// Where it is.
    #[must_use]
    pub fn location(&self) -> Location {
        Location::new(&self.bucket, &self.key)
    }
}

/// The state file: one anchor per chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    /// [`STATE_SCHEMA`].
    pub schema_version: String,
    /// Chain id (`<trail ARN>|s3://<bucket>/<digest folder>`) → anchor.
    pub chains: BTreeMap<String, Anchor>,
}

impl Default for StateFile {
    fn default() -> Self {
        Self {
            schema_version: STATE_SCHEMA.to_owned(),
            chains: BTreeMap::new(),
        }
    }
}

/// The id of a chain in the state file.
#[must_use]
pub fn chain_id(trail_arn: &str, bucket: &str, list_prefix: &str) -> String {
    format!("{trail_arn}|s3://{bucket}/{list_prefix}")
}

/// Checks that the anchored digest is still there, unchanged, and reached by the walk.
#[must_use]
#[allow(clippy::implicit_hasher)]
pub fn check_anchor(
    anchor: &Anchor,
    visits: &[Visit],
    judged: &std::collections::HashMap<Location, Judged>,
) -> Option<Finding> {
    let location = anchor.location();
    let finding = |message: &str| Finding {
        code: FindingCode::AnchorChanged,
        severity: Severity::Invalid,
        kind: "Anchored digest file",
        subject: location.uri(),
        message: message.to_owned(),
    };
    if !visits.iter().any(|v| v.location == location) {
        return Some(finding(
            "the chain no longer leads back to the digest verified last run (state file)",
        ));
    }
    match judged.get(&location) {
        Some(Judged::Missing) => Some(finding(
            "deleted since it was verified last run (state file)",
        )),
        Some(Judged::Valid(d))
            if d.facts.signature.eq_ignore_ascii_case(&anchor.signature)
                && d.facts.inflated_sha256.eq_ignore_ascii_case(&anchor.sha256) =>
        {
            None
        }
        Some(Judged::Valid(_) | Judged::Other) => Some(finding(
            "rewritten since it was verified last run (signature or content differs from the state file)",
        )),
        Some(Judged::Unreadable) | None => None,
    }
}
