//! Takes and reads compliance snapshots: the AWS calls of `trailproof snapshot` (and of a
//! live `check` or `report`), and the snapshot files they write. Read-only: every call is a
//! `Describe*`, `Get*` or `List*`. What the answers mean is decided elsewhere (the pure
//! [`crate::controls`] over the [`crate::snapshot::model`] data); nothing here judges.
//!
//! The order is fixed by what each answer needs: the caller identity first (without it the
//! run cannot start), then the account-wide questions ([`account`]: regions, organization,
//! buckets, IAM), then `DescribeTrails` and the Lake stores in every scanned region, then
//! everything the de-duplicated trails name ([`trails`]: their status and selectors in the
//! home region; [`buckets`]; [`monitoring`]: key, log group, alarms of the log group regions,
//! the alarms' topics).
//!
//! Every call holds a permit of one semaphore while it runs ([`calls`]), so at most
//! [`SnapshotRequest::concurrency`] requests are in flight. Each answer, denial or failure
//! is recorded as a [`Call`]; maps are `BTreeMap`s and lists are sorted, so the same account
//! gives the same document whatever order the answers arrive in.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::snapshot::model::{Call, RegionState, SCHEMA, Snapshot};

mod account;
mod buckets;
mod calls;
mod monitoring;
mod trails;

/// Regions that are enabled in every account (no opt-in), scanned when `account:ListRegions`
/// cannot be read and no regions were asked for.
pub const DEFAULT_REGIONS: [&str; 17] = [
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// What to ask AWS for a snapshot (the AWS configuration itself, credentials and profile,
/// is resolved by the caller and passed to [`gather`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotRequest {
    /// Regions to scan; `None`: every enabled region, from `account:ListRegions`.
    pub regions: Option<Vec<String>>,
    /// Endpoint override (tests point every service at one loopback moto server); `None`
    /// falls back to the shared config's `endpoint_url`, if any.
    pub endpoint_url: Option<String>,
    /// Maximum API calls in flight.
    pub concurrency: usize,
}

impl SnapshotRequest {
    /// The default of [`Self::concurrency`].
    pub const DEFAULT_CONCURRENCY: usize = 16;
}

impl Default for SnapshotRequest {
    fn default() -> Self {
        Self {
            regions: None,
            endpoint_url: None,
            concurrency: Self::DEFAULT_CONCURRENCY,
        }
    }
}

/// Why no snapshot could be taken at all (anything less is recorded in the snapshot).
#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    /// `sts:GetCallerIdentity` failed: no usable credentials, so the run cannot start.
    #[error("cannot identify the caller (sts:GetCallerIdentity): {0}")]
    Identity(String),
}

/// Asks every read-only question the controls need, through `base`, and records the
/// answers.
///
/// `now` is the clock: `taken_at` is read at the start and every [`Call::at`] when its answer
/// arrives.
///
/// # Errors
/// [`GatherError::Identity`] when the caller cannot be identified (no usable credentials).
pub async fn gather(
    base: &aws_config::SdkConfig,
    request: &SnapshotRequest,
    now: &(dyn Fn() -> DateTime<Utc> + Sync),
) -> Result<Snapshot, GatherError> {
    // An endpoint set on the shared config counts as an override too (path-style S3,
    // fail-fast S3 Control).
    let endpoint = request
        .endpoint_url
        .as_deref()
        .or_else(|| base.endpoint_url());
    let ctx = calls::Ctx::new(base, endpoint, request.concurrency, now);
    let taken_at = ctx.at();
    let home = base
        .region()
        .map_or_else(|| "us-east-1".to_owned(), |r| r.as_ref().to_owned());
    let identity = ctx.identity(&home).await;
    let Some(me) = identity.value().cloned() else {
        return Err(GatherError::Identity(calls::describe_outcome(
            &identity.outcome,
        )));
    };
    let partition = partition_of(&me.arn);
    let global = global_region(&partition);

    let (regions, organization, list_buckets, account_pab, iam_policies) = tokio::join!(
        ctx.list_regions(global),
        ctx.organization(global),
        ctx.list_buckets(&home),
        ctx.account_public_access_block(&home, &me.account),
        ctx.iam_policies(global),
    );
    let scanned_regions = scanned(request.regions.as_deref(), &regions);
    let (describe_trails, event_data_stores) = tokio::join!(
        ctx.per_region(&scanned_regions, |r| ctx.describe_trails(r)),
        ctx.per_region(&scanned_regions, |r| ctx.event_data_stores(r)),
    );
    let found = trails::dedupe(&describe_trails);
    let targets = trails::Targets::of(&found);
    let alarm_regions = targets.alarm_regions();
    let (trails, buckets, keys, log_groups, alarms) = tokio::join!(
        ctx.trails(found),
        ctx.buckets(&targets.buckets, &home),
        ctx.keys(&targets.keys),
        ctx.log_groups(&targets.log_groups),
        ctx.per_region(&alarm_regions, |r| ctx.alarms(r)),
    );
    let topics = ctx.topics(&alarms).await;

    Ok(Snapshot {
        schema: SCHEMA.to_owned(),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        taken_at,
        partition,
        identity,
        regions,
        scanned_regions,
        regions_limited: request.regions.is_some(),
        organization,
        describe_trails,
        trails,
        list_buckets,
        account_public_access_block: account_pab,
        buckets,
        keys,
        log_groups,
        alarms,
        topics,
        event_data_stores,
        iam_policies,
    })
}

/// The scanned regions: those asked for, else the enabled ones, else the default set.
fn scanned(asked: Option<&[String]>, regions: &Call<Vec<RegionState>>) -> Vec<String> {
    let mut out: Vec<String> = match (asked, regions.value()) {
        (Some(asked), _) => asked.to_vec(),
        (None, Some(all)) => all
            .iter()
            .filter(|r| r.enabled())
            .map(|r| r.name.clone())
            .collect(),
        (None, None) => DEFAULT_REGIONS.iter().map(|r| (*r).to_owned()).collect(),
    };
    out.sort();
    out.dedup();
    out
}

/// `aws` from `arn:aws:…` (`aws` when the ARN cannot be read).
fn partition_of(arn: &str) -> String {
    arn.split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
        .to_owned()
}

/// The region of a partition's global services (IAM, Organizations, Account).
fn global_region(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "cn-northwest-1",
        "aws-us-gov" => "us-gov-west-1",
        _ => "us-east-1",
    }
}

/// Why a snapshot file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file cannot be read.
    #[error("cannot read snapshot {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("snapshot {} is not JSON: {source}", path.display())]
    NotJson {
        /// The file.
        path: PathBuf,
        /// Where the JSON breaks.
        source: serde_json::Error,
    },
    /// The file is another document.
    #[error("{} is not a {SCHEMA} document (schema {schema:?})", path.display())]
    Schema {
        /// The file.
        path: PathBuf,
        /// Its `schema`, when it has one.
        schema: Option<String>,
    },
    /// The file says it is a snapshot but does not have a snapshot's shape.
    #[error("snapshot {} is malformed: {source}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What does not fit.
        source: serde_json::Error,
    },
}

/// Reads a snapshot file ([`SCHEMA`]).
///
/// # Errors
/// [`ReadError`] when the file is unreadable, not JSON or not a snapshot.
pub fn read(path: &Path) -> Result<Snapshot, ReadError> {
    let at = || path.to_path_buf();
    let text =
        std::fs::read_to_string(path).map_err(|source| ReadError::Io { path: at(), source })?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| ReadError::NotJson { path: at(), source })?;
    match v.get("schema").and_then(serde_json::Value::as_str) {
        Some(SCHEMA) => {}
        other => {
            return Err(ReadError::Schema {
                path: at(),
                schema: other.map(ToOwned::to_owned),
            });
        }
    }
    serde_json::from_value(v).map_err(|source| ReadError::Malformed { path: at(), source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::model::Outcome;

    #[test]
    fn partitions() {
        assert_eq!(partition_of("arn:aws-cn:iam::1:root"), "aws-cn");
        assert_eq!(global_region("aws-us-gov"), "us-gov-west-1");
    }

    #[test]
    fn scanned_regions() {
        let at = "2026-01-01T00:00:00Z";
        let denied: Call<Vec<RegionState>> = Call {
            action: "account:ListRegions".into(),
            region: "us-east-1".into(),
            at: at.into(),
            request_id: None,
            outcome: Outcome::Denied {
                code: "AccessDeniedException".into(),
                message: String::new(),
            },
        };
        assert_eq!(scanned(None, &denied).len(), DEFAULT_REGIONS.len());
        let asked = [
            "us-west-2".to_owned(),
            "eu-west-1".to_owned(),
            "us-west-2".to_owned(),
        ];
        assert_eq!(scanned(Some(&asked), &denied), ["eu-west-1", "us-west-2"]);
        let listed = Call {
            outcome: Outcome::Ok {
                value: vec![
                    RegionState {
                        name: "af-south-1".into(),
                        status: "DISABLED".into(),
                    },
                    RegionState {
                        name: "ap-east-1".into(),
                        status: "ENABLED".into(),
                    },
                ],
            },
            ..denied
        };
        assert_eq!(scanned(None, &listed), ["ap-east-1"]);
    }
}
