//! Resolves a request once into what a run needs: the source (a bundle, S3, or S3 through a
//! recorder), the keys, the trail's bucket, prefix and organization folder, its status, the
//! regions to verify and where each one starts (the anchors of a state file). Every command
//! that verifies plans through here, so the defaults and the order of checks (the window,
//! then the trail ARN, as the reference) are the same everywhere.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::config::VerifyConfig;
use super::region::discover_regions;
use super::request::{Checks, Regions, TrailRequest, VerifyRequest};
use crate::chain::anchor::StateFile;
use crate::chain::findings::TrailStatus;
use crate::chain::layout::TrailArn;
use crate::limits::Limits;
use crate::source::any::{AnySource, RunKeys};
use crate::source::keys::{AnyKeys, CloudTrailKeys, FileKeys};
use crate::source::local::LocalSource;
use crate::source::pace::Pace;
use crate::source::record::{Recorder, RecordingKeys};
use crate::source::s3::S3Source;
use crate::source::{KeyProvider, ObjectSource, sdk, trail};
use crate::time::{UtcTime, format_rfc3339, parse_user_time};

/// Folder of a bundle that holds what is not an object: keys, trail answers, manifest.
pub const BUNDLE_META: &str = ".trailproof";

/// Why a run could not be planned: one line, in the reference's wording where it has one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

impl PlanError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// What a bundle records about the trail, so that `verify --bundle` needs no AWS call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BundleTrail {
    /// Trail ARN.
    pub trail_arn: String,
    /// Digest bucket.
    pub bucket: String,
    /// Key prefix.
    pub prefix: Option<String>,
    /// Organization id (organization trails).
    pub organization_id: Option<String>,
    /// Other trails delivering there without log file validation.
    #[serde(default)]
    pub unvalidated_trails: Vec<String>,
}

/// Where a trail's objects are, once resolved.
#[derive(Debug)]
pub struct Located {
    /// The trail.
    pub arn: TrailArn,
    /// Digest bucket.
    pub bucket: String,
    /// Key prefix.
    pub prefix: Option<String>,
    /// Organization id, when the trail or the layout is an organization trail's.
    pub org: Option<String>,
    /// `GetTrailStatus`, when it could be read (or the bundle recorded it).
    pub status: Option<TrailStatus>,
    /// Other trails delivering to the same folder without log file validation.
    pub unvalidated_trails: Vec<String>,
    /// Where objects are read.
    pub source: Arc<AnySource>,
    /// Where public keys come from.
    pub keys: Arc<RunKeys>,
    /// The AWS configuration (S3 runs), for the calls made later (e.g. per chain).
    pub aws: Option<aws_config::SdkConfig>,
}

impl Located {
    /// What a bundle records about this trail.
    #[must_use]
    pub fn bundle_trail(&self) -> BundleTrail {
        BundleTrail {
            trail_arn: self.arn.arn.clone(),
            bucket: self.bucket.clone(),
            prefix: self.prefix.clone(),
            organization_id: self.org.clone(),
            unvalidated_trails: self.unvalidated_trails.clone(),
        }
    }
}

/// The inputs of a run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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

/// A planned verification: its configuration, regions and the resolved source.
#[derive(Debug)]
pub struct Plan {
    /// The configuration (window start: the earliest region start).
    pub cfg: VerifyConfig,
    /// Source regions, in order.
    pub regions: Vec<String>,
    /// Whether the output has one block per region (every region was asked for, or more
    /// than one was found).
    pub multi: bool,
    /// Start of each region's window (the anchored digest's end with a state file).
    pub region_starts: BTreeMap<String, UtcTime>,
    /// The inputs, as the report records them.
    pub inputs: Inputs,
    /// Where everything is read (shared by the chains of a many-chain run).
    pub located: Arc<Located>,
}

/// The end of the window a bundle was fetched for (its manifest's `inputs.end_time`).
#[must_use]
pub fn bundle_end(dir: &Path) -> Option<UtcTime> {
    let bytes = std::fs::read(dir.join(BUNDLE_META).join("manifest.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    parse_user_time(manifest.get("inputs")?.get("end_time")?.as_str()?).ok()
}

/// What a bundle recorded about its trail, if anything.
#[must_use]
pub fn bundle_trail(dir: &Path) -> Option<BundleTrail> {
    std::fs::read(dir.join(BUNDLE_META).join("trail.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<BundleTrail>(&b).ok())
}

fn single_bucket(dir: &Path) -> Result<String, PlanError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| PlanError(format!("cannot read bundle folder {}: {e}", dir.display())))?;
    let buckets: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    match buckets.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(PlanError(format!(
            "{} holds {} bucket folders; name the digest bucket with --s3-bucket",
            dir.display(),
            buckets.len()
        ))),
    }
}

/// Finds the organization segment from the layout: `AWSLogs/<o-…>/<account>/`.
async fn infer_org<S: ObjectSource>(
    source: &S,
    bucket: &str,
    prefix: Option<&str>,
    account: &str,
) -> Option<String> {
    let base = match prefix {
        Some(p) if !p.is_empty() => format!("{p}/AWSLogs/"),
        _ => "AWSLogs/".to_owned(),
    };
    let dirs = source.list_dirs(bucket, &base).await.ok()?;
    if dirs.iter().any(|d| d == account) {
        return None;
    }
    for org in dirs.iter().filter(|d| d.starts_with("o-")) {
        let inner = source
            .list_dirs(bucket, &format!("{base}{org}/"))
            .await
            .ok()?;
        if inner.iter().any(|d| d == account) {
            return Some(org.clone());
        }
    }
    None
}

/// The one organization folder under the bucket's `AWSLogs/`, for runs over every account.
///
/// # Errors
/// [`PlanError`] when the folder cannot be listed or holds several organizations.
pub async fn find_org<S: ObjectSource>(
    source: &S,
    bucket: &str,
    prefix: Option<&str>,
) -> Result<Option<String>, PlanError> {
    let base = match prefix {
        Some(p) if !p.is_empty() => format!("{}/AWSLogs/", p.trim_end_matches('/')),
        _ => "AWSLogs/".to_owned(),
    };
    let dirs = source
        .list_dirs(bucket, &base)
        .await
        .map_err(|e| PlanError(format!("cannot list s3://{bucket}/{base}: {e}")))?;
    let orgs: Vec<String> = dirs.into_iter().filter(|d| d.starts_with("o-")).collect();
    match orgs.as_slice() {
        [one] => Ok(Some(one.clone())),
        [] => Ok(None),
        _ => Err(PlanError(format!(
            "s3://{bucket}/{base} holds {} organization folders ({}); name the prefix with --s3-prefix",
            orgs.len(),
            orgs.join(", ")
        ))),
    }
}

/// Bucket, prefix and organization id of the trail, from the request or the trail itself.
async fn resolve_trail(
    req: &TrailRequest,
    conf: &aws_config::SdkConfig,
    arn: &TrailArn,
) -> Result<(String, Option<String>, Option<String>), PlanError> {
    let endpoint = req.aws.endpoint_url.as_deref();
    if let Some(bucket) = &req.s3_bucket {
        // Best effort: learn whether it is an organization trail (the reference cannot).
        let info = trail::fetch_trail(conf, endpoint, arn).await.ok().flatten();
        let org = match info {
            Some(t) if t.is_organization => trail::fetch_organization_id(conf).await.ok(),
            _ => None,
        };
        return Ok((bucket.clone(), req.s3_prefix.clone(), org));
    }
    let info = trail::fetch_trail(conf, endpoint, arn)
        .await
        .map_err(|e| PlanError(e.to_string()))?
        .ok_or_else(|| PlanError(format!("A trail could not be found for {}", arn.arn)))?;
    let prefix = req.s3_prefix.clone().or(info.prefix);
    let org = if info.is_organization {
        if req.account_id.as_deref().is_none_or(str::is_empty) {
            return Err(PlanError::new(
                "Missing required parameter for organization trail: '--account-id'",
            ));
        }
        Some(
            trail::fetch_organization_id(conf)
                .await
                .map_err(|e| PlanError(e.to_string()))?,
        )
    } else {
        None
    };
    Ok((info.bucket, prefix, org))
}

/// How objects are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading<'a> {
    /// From the bundle of the request, or S3.
    Plain,
    /// From S3, recording every answer into a bundle at this folder (`fetch`).
    RecordingInto(&'a Path),
}

/// Where the trail's objects and keys are: reads the bundle's description, or asks AWS for
/// the trail (`GetTrail`), its status and the trails that deliver to the same folder.
///
/// `probe_account` is the account the trail is resolved for when the request names none (an
/// organization trail needs one; any of its accounts will do).
///
/// # Errors
/// [`PlanError`] when the trail cannot be found or the bundle cannot be read.
#[allow(clippy::too_many_lines)] // the two source set-ups (bundle, S3) side by side
pub async fn locate(
    req: &TrailRequest,
    reading: Reading<'_>,
    probe_account: Option<&str>,
) -> Result<Located, PlanError> {
    let arn = TrailArn::parse(&req.trail_arn).map_err(|e| PlanError(e.to_string()))?;
    // One adaptive limit for every request of the run (S3 and the key service), shared by
    // the chains of an organization run.
    let pace = Arc::new(Pace::new(req.concurrency.max(1)));
    let file_keys = |path: &Path| {
        FileKeys::load(path)
            .map(AnyKeys::File)
            .map_err(|e| PlanError(e.to_string()))
    };
    if let Some(dir) = &req.bundle {
        if matches!(reading, Reading::RecordingInto(_)) {
            return Err(PlanError::new(
                "fetch reads from S3; --bundle is for verify",
            ));
        }
        let meta = dir.join(BUNDLE_META);
        let described = bundle_trail(dir);
        let key_path = req
            .public_keys
            .clone()
            .or_else(|| Some(meta.join("public-keys.json")).filter(|p| p.exists()))
            .ok_or_else(|| {
                PlanError::new("--bundle needs --public-keys (no AWS calls are made offline)")
            })?;
        let keys = file_keys(&key_path)?;
        tracing::info!(
            bundle = %dir.display(),
            keys = %key_path.display(),
            "source: evidence bundle, offline (no AWS call)"
        );
        let bucket = match (&req.s3_bucket, &described) {
            (Some(b), _) => b.clone(),
            (None, Some(d)) => d.bucket.clone(),
            (None, None) => single_bucket(dir)?,
        };
        let status = std::fs::read(meta.join("trail-status.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<TrailStatus>(&b).ok());
        return Ok(Located {
            arn,
            bucket,
            prefix: req
                .s3_prefix
                .clone()
                .or_else(|| described.as_ref().and_then(|d| d.prefix.clone())),
            org: described.as_ref().and_then(|d| d.organization_id.clone()),
            status,
            unvalidated_trails: described.map(|d| d.unvalidated_trails).unwrap_or_default(),
            source: Arc::new(AnySource::Bundle(LocalSource::new(dir))),
            keys: Arc::new(RunKeys::Plain(keys)),
            aws: None,
        });
    }

    let phase = std::time::Instant::now();
    let region = match &req.regions {
        Regions::One(r) => Some(r.as_str()),
        Regions::Home | Regions::All => None,
    };
    let conf = sdk::load(
        req.aws.profile.as_deref(),
        region,
        std::time::Duration::from_mins(2),
    )
    .await;
    sdk::log_loaded(&conf, req.aws.profile.as_deref(), phase);
    let s3 = S3Source::new(
        conf.clone(),
        sdk::s3_endpoint_overridden(&conf),
        Arc::clone(&pace),
    );
    let mut probe = req.clone();
    if probe.account_id.is_none() {
        probe.account_id = probe_account.map(str::to_owned);
    }
    let (bucket, prefix, org) = resolve_trail(&probe, &conf, &arn).await?;
    tracing::info!(
        bucket,
        prefix,
        organization_id = org,
        from_trail = req.s3_bucket.is_none(),
        "source: S3, trail resolved"
    );
    let org = match org {
        Some(o) => Some(o),
        None if req.s3_bucket.is_some() => {
            let account = req
                .account_id
                .clone()
                .unwrap_or_else(|| arn.account_id.clone());
            infer_org(&s3, &bucket, prefix.as_deref(), &account).await
        }
        None => None,
    };
    let endpoint = req.aws.endpoint_url.as_deref();
    let status = trail::fetch_trail_status(&conf, endpoint, &arn).await.ok();
    let unvalidated_trails =
        trail::unvalidated_neighbours(&conf, endpoint, &arn, &bucket, prefix.as_deref())
            .await
            .unwrap_or_default();
    let keys = match &req.public_keys {
        Some(path) => file_keys(path)?,
        None => AnyKeys::Api(Box::new(CloudTrailKeys::new(
            conf.clone(),
            req.aws.endpoint_url.clone(),
            pace,
        ))),
    };
    let (source, keys) = match reading {
        Reading::Plain => (AnySource::S3(s3), RunKeys::Plain(keys)),
        Reading::RecordingInto(dir) => (
            AnySource::Recording(Recorder::new(
                s3,
                dir,
                req.concurrency.max(1),
                Limits::default().max_log_bytes,
            )),
            RunKeys::Recording(RecordingKeys::new(keys)),
        ),
    };
    Ok(Located {
        arn,
        bucket,
        prefix,
        org,
        status,
        unvalidated_trails,
        source: Arc::new(source),
        keys: Arc::new(keys),
        aws: Some(conf),
    })
}

/// The window of a request: `(start, end)`, the end defaulting to the bundle's, else now.
///
/// # Errors
/// [`PlanError`] with the reference's message when the start is after the end.
pub fn window(req: &TrailRequest, now: UtcTime) -> Result<(Option<UtcTime>, UtcTime), PlanError> {
    let end = match (req.end, &req.bundle) {
        (Some(t), _) => t,
        // A bundle answers for the window it was fetched for, not for "now".
        (None, Some(dir)) => bundle_end(dir).unwrap_or(now),
        (None, None) => now,
    };
    if req.start.is_some_and(|s| s > end) {
        return Err(PlanError::new(
            "Invalid time range specified: start-time must occur before end-time",
        ));
    }
    Ok((req.start, end))
}

/// Plans a verification: the window, then the trail (as the reference checks them), the
/// source, the regions and their starts.
///
/// # Errors
/// [`PlanError`] when the run cannot start (bad window, unknown trail, no keys offline,
/// a region folder that cannot be listed, a bad state file).
pub async fn plan(req: &VerifyRequest, reading: Reading<'_>) -> Result<Plan, PlanError> {
    let (start, end) = window(&req.trail, req.now)?;
    let located = locate(&req.trail, reading, None).await?;
    plan_located(req, Arc::new(located), start, end, None).await
}

/// Plans a verification of one chain of an already located trail (organization runs
/// locate once, then plan each account and region).
///
/// # Errors
/// As [`plan`].
pub async fn plan_located(
    req: &VerifyRequest,
    located: Arc<Located>,
    start: Option<UtcTime>,
    end: UtcTime,
    org: Option<String>,
) -> Result<Plan, PlanError> {
    let account_id = req
        .trail
        .account_id
        .clone()
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| located.arn.account_id.clone());
    let org = match org.or_else(|| located.org.clone()) {
        Some(o) => Some(o),
        None if req.trail.bundle.is_some() => {
            infer_org(
                located.source.as_ref(),
                &located.bucket,
                located.prefix.as_deref(),
                &account_id,
            )
            .await
        }
        None => None,
    };
    let mut cfg = VerifyConfig {
        arn: located.arn.clone(),
        start: start.unwrap_or(end),
        end,
        bucket: located.bucket.clone(),
        prefix: located.prefix.clone(),
        organization_id: org,
        account_id,
        concurrency: req.trail.concurrency.max(1),
        limits: req.limits,
        detect: req.checks == Checks::Full,
        trail_status: located.status.clone(),
        unvalidated_trails: located.unvalidated_trails.clone(),
        anchors: BTreeMap::new(),
    };
    let phase = std::time::Instant::now();
    let regions = match &req.trail.regions {
        Regions::All => {
            let found = discover_regions(located.source.as_ref(), &cfg)
                .await
                .map_err(|e| {
                    PlanError(format!(
                        "cannot list regions under s3://{}/{}/: {e}",
                        cfg.bucket,
                        cfg.scope("").list_prefix()
                    ))
                })?;
            if found.is_empty() {
                return Err(PlanError(format!(
                    "no digest folders under s3://{}/{}/",
                    cfg.bucket,
                    cfg.scope("").list_prefix()
                )));
            }
            found
        }
        Regions::One(r) => vec![r.clone()],
        Regions::Home => vec![cfg.arn.home_region.clone()],
    };
    let state = match &req.state {
        Some(path) => Some(load_state(path)?),
        None => None,
    };
    let region_starts = anchor_starts(&mut cfg, &regions, start, state)?;
    tracing::info!(
        regions = ?regions,
        keys = %located.keys.describe(),
        elapsed_ms = u64::try_from(phase.elapsed().as_millis()).unwrap_or(u64::MAX),
        "regions to verify"
    );
    let inputs = Inputs {
        trail_arn: cfg.arn.arn.clone(),
        start_time: format_rfc3339(&cfg.start),
        end_time: format_rfc3339(&cfg.end),
        bucket: cfg.bucket.clone(),
        prefix: cfg.prefix.clone(),
        account_id: cfg.account_id.clone(),
        organization_id: cfg.organization_id.clone(),
        regions: regions.clone(),
        object_source: located.source.describe(),
        key_source: located.keys.describe(),
    };
    Ok(Plan {
        multi: regions.len() > 1 || req.trail.regions == Regions::All,
        cfg,
        regions,
        region_starts,
        inputs,
        located,
    })
}

/// Each region's window start: the request's start, or with a state file the end of the
/// digest the last run anchored. Loads the anchors into `cfg` and sets its start to the
/// earliest.
fn anchor_starts(
    cfg: &mut VerifyConfig,
    regions: &[String],
    start: Option<UtcTime>,
    state: Option<StateFile>,
) -> Result<BTreeMap<String, UtcTime>, PlanError> {
    let anchor_of = |region: &str| {
        let id = crate::chain::anchor::chain_id(
            &cfg.arn.arn,
            &cfg.bucket,
            &cfg.scope(region).list_prefix(),
        );
        state
            .as_ref()
            .and_then(|s| s.chains.get(&id))
            .map(|a| a.end)
    };
    // A region that appeared since the last run (no anchor of its own) starts where the
    // earliest anchored region does, so a scheduled all-regions job keeps running.
    let earliest_anchor = regions.iter().filter_map(|r| anchor_of(r)).min();
    let mut region_starts = BTreeMap::new();
    for region in regions {
        let region_start = match (start, anchor_of(region), earliest_anchor) {
            (Some(s), _, _) => s,
            (None, Some(end), _) | (None, None, Some(end)) => end,
            (None, None, None) => {
                return Err(PlanError::new(
                    "no --start-time and no anchor in the state file: give --start-time for the first run",
                ));
            }
        };
        if region_start > cfg.end {
            return Err(PlanError::new(
                "Invalid time range specified: start-time must occur before end-time",
            ));
        }
        region_starts.insert(region.clone(), region_start);
    }
    if let Some(first) = region_starts.values().min() {
        cfg.start = *first;
    }
    if let Some(s) = state {
        cfg.anchors = s.chains;
    }
    Ok(region_starts)
}

/// Reads a state file; a missing one is an empty state (the first run).
///
/// # Errors
/// [`PlanError`] when it cannot be read or is not a state file.
pub fn load_state(path: &Path) -> Result<StateFile, PlanError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            PlanError(format!(
                "state file {} is not a trailproof state: {e}",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StateFile::default()),
        Err(e) => Err(PlanError(format!(
            "cannot read state file {}: {e}",
            path.display()
        ))),
    }
}

/// Records each region's newest verified digest as its chain's anchor (atomically). Called
/// only after a clean run: a run that found tampering, or could not check everything, keeps
/// the old anchor, so the next run covers that period again instead of building on
/// unproven history.
///
/// # Errors
/// [`PlanError`] when the state file cannot be read or written.
pub fn save_state(
    path: &Path,
    plan: &Plan,
    heads: &BTreeMap<String, crate::chain::anchor::Anchor>,
) -> Result<(), PlanError> {
    let mut state = load_state(path)?;
    for (region, head) in heads {
        let id = crate::chain::anchor::chain_id(
            &plan.cfg.arn.arn,
            &plan.cfg.bucket,
            &plan.cfg.scope(region).list_prefix(),
        );
        state.chains.insert(id, head.clone());
    }
    let mut bytes = serde_json::to_vec_pretty(&state)
        .map_err(|e| PlanError(format!("cannot encode state: {e}")))?;
    bytes.push(b'\n');
    crate::source::record::write_atomic(path, &bytes)
        .map_err(|e| PlanError(format!("cannot write state file {}: {e}", path.display())))
}
