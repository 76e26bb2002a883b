//! `trailproof verify`: arguments, source set-up, and the text/JSON renderers.
//!
//! Text output is byte-identical to `aws cloudtrail validate-logs` for the conditions the
//! reference knows (spec §1.10): same lines, same streams, same blank-line rules. Lines the
//! reference never prints (`ERROR`, region headers, totals) only appear in their conditions.

use std::fmt::Write as _;
use std::io::{IsTerminal as _, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use clap::{Args, ValueEnum};

use super::exit;
use crate::audit::{self, DigestStatus, Item, LogStatus, VerifyConfig};
use crate::chain::findings::TrailStatus;
use crate::chain::layout::TrailArn;
use crate::limits::Limits;
use crate::report::verify::{
    Counts, Coverage, Event, Inputs, RegionReport, RegionSummary, Tally, Tool, VerifyReport,
};
use crate::source::keys::{AnyKeys, CloudTrailKeys, FileKeys};
use crate::source::local::LocalSource;
use crate::source::pace::{DEFAULT_CAP, Pace};
use crate::source::s3::S3Source;
use crate::source::{KeyProvider, ObjectSource, trail};
use crate::time::{UtcTime, format_display, format_rfc3339, parse_user_time};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The reference's text.
    Text,
    /// One JSON document (schema `trailproof.verify/1`).
    Json,
}

/// Options of `verify`: those of `aws cloudtrail validate-logs` plus the globals scripts pass.
#[derive(Debug, Clone, Args)]
#[allow(clippy::struct_excessive_bools)] // flags mirror the reference's command line
pub struct VerifyArgs {
    /// ARN of the trail to validate.
    #[arg(long)]
    pub trail_arn: String,
    /// Validate log files delivered on or after this time (e.g. 2015-01-08T05:21:42Z).
    /// Optional with `--state`: the run then starts at the digest anchored by the last run.
    #[arg(long, required_unless_present = "state")]
    pub start_time: Option<String>,
    /// Validate log files delivered on or before this time (default: now).
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
    /// Print a line for every valid file.
    #[arg(long)]
    pub verbose: bool,
    /// Source region whose chain is verified (default: the trail's home region).
    #[arg(long, conflicts_with = "all_regions")]
    pub region: Option<String>,
    /// Verify every region found under the trail's digest folder.
    #[arg(long)]
    pub all_regions: bool,
    /// Verify every account and region folder of an organization trail
    /// (`AWSLogs/<o-id>/<account>/CloudTrail-Digest/<region>/`) in one run, with a summary per
    /// account and region (JSON schema `trailproof.verify-org/1`).
    #[arg(long, conflicts_with_all = ["region", "all_regions", "account_id"])]
    pub organization: bool,
    /// Only these accounts (comma-separated); many-chain mode, as `--organization`.
    #[arg(long, value_delimiter = ',', value_name = "ID,...", conflicts_with_all = ["account_id", "region", "all_regions"])]
    pub accounts: Vec<String>,
    /// Only these source regions (comma-separated); many-chain mode, as `--organization`.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "REGION,...",
        conflicts_with = "region"
    )]
    pub regions: Vec<String>,
    /// Verify share K of N of the chains (account × region), split deterministically;
    /// `trailproof merge` combines the N JSON documents. Needs `--end-time`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<super::org::Shard>,
    /// Many-chain mode: also write the result as a self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Saved `aws cloudtrail list-public-keys` output (or a JSON object region → output);
    /// no `ListPublicKeys` call is made.
    #[arg(long, value_name = "FILE")]
    pub public_keys: Option<PathBuf>,
    /// Verify a local folder mirroring the bucket(s) (`DIR/<bucket>/<key>` plus
    /// `<key>.meta.json` metadata sidecars) instead of S3.
    #[arg(long, value_name = "DIR")]
    pub bundle: Option<PathBuf>,
    /// State file for scheduled runs: records, per chain, the newest verified digest; the
    /// next run starts there and proves the newer digests link back to it.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Make only the checks `aws cloudtrail validate-logs` makes: no findings of forged log
    /// files, broken links, deleted runs or tails (the output is then the reference's alone).
    #[arg(long)]
    pub reference_only: bool,
    /// Requests in flight at most. The number in flight adapts to the throughput measured
    /// while the run goes (it starts at 32, grows while throughput rises and halves on
    /// throttling and connection errors) and never exceeds this cap; 1 sends one at a time.
    #[arg(long, default_value_t = DEFAULT_CAP, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// AWS profile.
    #[arg(long)]
    pub profile: Option<String>,
    /// `CloudTrail` endpoint (as the reference, S3 is configured with `AWS_ENDPOINT_URL_S3`).
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Accepted for compatibility with `aws` invocations; ignored.
    #[arg(long, hide = true)]
    pub output: Option<String>,
    /// Accepted for compatibility; ignored.
    #[arg(long, hide = true)]
    pub no_paginate: bool,
    /// Accepted for compatibility; ignored.
    #[arg(long, hide = true)]
    pub color: Option<String>,
    /// Accepted for compatibility; ignored.
    #[arg(long, hide = true)]
    pub no_cli_pager: bool,
    /// Set by `report`: the JSON document is handed back here instead of printed.
    #[arg(skip)]
    pub capture: Option<Capture>,
    /// Set by a many-chain run: the organization folder it found, so each chain need not
    /// resolve it again (and a bundle without a trail description still finds it).
    #[arg(skip)]
    pub organization_id: Option<String>,
}

/// Where `report` receives the verification document.
pub type Capture = Arc<std::sync::Mutex<Option<VerifyReport>>>;

/// The object source a captured verification read, for reading the same log files again.
#[derive(Debug)]
pub enum ReportSource {
    /// An evidence bundle.
    Bundle(Arc<LocalSource>),
    /// S3.
    S3(Arc<S3Source>),
}

/// Runs a verification as `verify --format json` would, and returns the document instead
/// of printing it (for `report`), with the source it read.
///
/// # Errors
/// The one-line reason when the verification could not run (exit 2 of `verify`).
pub async fn verify_report(mut args: VerifyArgs) -> Result<(VerifyReport, ReportSource), String> {
    let source = if let Some(dir) = &args.bundle {
        ReportSource::Bundle(Arc::new(LocalSource::new(dir)))
    } else {
        let conf = load_aws(&args).await;
        let pace = Arc::new(Pace::new(usize::from(args.concurrency)));
        ReportSource::S3(Arc::new(S3Source::new(
            conf.clone(),
            s3_endpoint_overridden(&conf),
            pace,
        )))
    };
    let slot: Capture = Arc::default();
    args.format = Format::Json;
    args.state = None;
    args.capture = Some(Arc::clone(&slot));
    let code = Box::pin(run_inner(args, None))
        .await
        .map_err(|Fatal(m)| m)?;
    let report = slot.lock().ok().and_then(|mut g| g.take());
    report
        .map(|r| (r, source))
        .ok_or_else(|| format!("the verification ended without a result (exit {code})"))
}

/// Folder of a bundle that holds what is not an object: keys, trail answers, manifest.
pub const BUNDLE_META: &str = ".trailproof";

/// A fatal condition: printed as the reference prints fatal errors, exit 2.
struct Fatal(String);

impl From<anyhow::Error> for Fatal {
    fn from(e: anyhow::Error) -> Self {
        Self(format!("{e:#}"))
    }
}

/// Runs `verify`.
pub async fn run(args: VerifyArgs) -> u8 {
    if super::org::wanted(&args) {
        return Box::pin(super::org::run(args)).await;
    }
    if args.html.is_some() {
        let _ = write!(
            std::io::stderr().lock(),
            "\n--html is for runs over many chains (--organization, --accounts, --regions, --shard); for one trail, trailproof report writes the HTML audit report\n"
        );
        return exit::CANNOT_RUN;
    }
    Box::pin(run_recording(args, None)).await
}

/// Where a many-chain run finds its chains.
pub struct Located {
    /// Digest bucket.
    pub bucket: String,
    /// Key prefix.
    pub prefix: Option<String>,
    /// Organization id, when the bucket holds an organization trail's folders.
    pub org: Option<String>,
    /// The trail's own account (from its ARN).
    pub trail_account: String,
    /// Where objects are read.
    pub source: ReportSource,
}

/// Resolves the bucket, prefix and organization folder of the trail (from the trail, the
/// options, or a bundle's description), for a many-chain run.
///
/// # Errors
/// The one-line reason when they cannot be found.
pub async fn locate(args: &VerifyArgs) -> Result<Located, String> {
    let arn = TrailArn::parse(&args.trail_arn).map_err(|e| e.to_string())?;
    let (bucket, prefix, org, source) = if let Some(dir) = &args.bundle {
        let described = std::fs::read(dir.join(BUNDLE_META).join("trail.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<BundleTrail>(&b).ok());
        let bucket = match (&args.s3_bucket, &described) {
            (Some(b), _) => b.clone(),
            (None, Some(d)) => d.bucket.clone(),
            (None, None) => single_bucket(dir).map_err(|Fatal(m)| m)?,
        };
        let prefix = args
            .s3_prefix
            .clone()
            .or_else(|| described.as_ref().and_then(|d| d.prefix.clone()));
        let org = described.and_then(|d| d.organization_id);
        let source = ReportSource::Bundle(Arc::new(LocalSource::new(dir)));
        (bucket, prefix, org, source)
    } else {
        let conf = load_aws(args).await;
        // An organization trail is resolved for some account; the account does not matter.
        let mut probe = args.clone();
        probe.account_id = Some(
            args.account_id
                .clone()
                .unwrap_or_else(|| arn.account_id.clone()),
        );
        let (bucket, prefix, org) = resolve_trail(&probe, &conf, &arn)
            .await
            .map_err(|Fatal(m)| m)?;
        let pace = Arc::new(Pace::new(usize::from(args.concurrency)));
        let source = ReportSource::S3(Arc::new(S3Source::new(
            conf.clone(),
            s3_endpoint_overridden(&conf),
            pace,
        )));
        (bucket, prefix, org, source)
    };
    let org = match org {
        Some(o) => Some(o),
        None if args.organization => {
            let base = match prefix.as_deref() {
                Some(p) if !p.is_empty() => format!("{}/AWSLogs/", p.trim_end_matches('/')),
                _ => "AWSLogs/".to_owned(),
            };
            let dirs = match &source {
                ReportSource::Bundle(s) => s.list_dirs(&bucket, &base).await,
                ReportSource::S3(s) => s.list_dirs(&bucket, &base).await,
            }
            .map_err(|e| format!("cannot list s3://{bucket}/{base}: {e}"))?;
            let orgs: Vec<String> = dirs.into_iter().filter(|d| d.starts_with("o-")).collect();
            match orgs.as_slice() {
                [one] => Some(one.clone()),
                [] => None,
                _ => {
                    return Err(format!(
                        "s3://{bucket}/{base} holds {} organization folders ({}); name the prefix with --s3-prefix",
                        orgs.len(),
                        orgs.join(", ")
                    ));
                }
            }
        }
        None => None,
    };
    Ok(Located {
        bucket,
        prefix,
        org,
        trail_account: arn.account_id,
        source,
    })
}

/// Runs `verify`, recording an evidence bundle into `record` when given (`trailproof fetch`).
pub async fn run_recording(args: VerifyArgs, record: Option<PathBuf>) -> u8 {
    match run_inner(args, record).await {
        Ok(code) => code,
        Err(Fatal(msg)) => {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\n{}\n", msg.replace('\n', " "));
            exit::CANNOT_RUN
        }
    }
}

/// How the run reads objects and keys.
struct Plan {
    cfg: VerifyConfig,
    regions: Vec<String>,
    inputs: Inputs,
    /// Start of each region's window (the anchored digest's end with `--state`).
    region_starts: std::collections::BTreeMap<String, UtcTime>,
}

fn s3_endpoint_overridden(conf: &aws_config::SdkConfig) -> bool {
    conf.endpoint_url().is_some()
        || ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
}

async fn load_aws(args: &VerifyArgs) -> aws_config::SdkConfig {
    super::aws_config(
        args.profile.as_deref(),
        args.region.as_deref(),
        std::time::Duration::from_mins(2),
    )
    .await
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

#[allow(clippy::too_many_lines)] // the two source set-ups (bundle, S3) side by side
async fn run_inner(args: VerifyArgs, record: Option<PathBuf>) -> Result<u8, Fatal> {
    // Same order of checks as the reference: dates, range, then ARN.
    let start = args
        .start_time
        .as_deref()
        .map(parse_user_time)
        .transpose()
        .map_err(|e| Fatal(e.to_string()))?;
    let end = match (&args.end_time, &args.bundle) {
        (Some(t), _) => parse_user_time(t).map_err(|e| Fatal(e.to_string()))?,
        // A bundle answers for the window it was fetched for, not for "now".
        (None, Some(dir)) => bundle_end(dir).unwrap_or_else(super::now),
        (None, None) => super::now(),
    };
    if start.is_some_and(|s| s > end) {
        return Err(Fatal(
            "Invalid time range specified: start-time must occur before end-time".to_owned(),
        ));
    }
    let arn = TrailArn::parse(&args.trail_arn).map_err(|e| Fatal(e.to_string()))?;
    tracing::debug!(
        trail_arn = %arn.arn,
        start = ?start.as_ref().map(format_rfc3339),
        end = %format_rfc3339(&end),
        "window"
    );
    let pace = Arc::new(Pace::new(usize::from(args.concurrency)));
    let file_keys = |path: &std::path::Path| {
        FileKeys::load(path)
            .map(AnyKeys::File)
            .map_err(|e| Fatal(e.to_string()))
    };

    if let Some(dir) = &args.bundle {
        if record.is_some() {
            return Err(Fatal(
                "fetch reads from S3; --bundle is for verify".to_owned(),
            ));
        }
        let source = Arc::new(LocalSource::new(dir));
        let meta = dir.join(BUNDLE_META);
        let described = std::fs::read(meta.join("trail.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<BundleTrail>(&b).ok());
        let key_path = args
            .public_keys
            .clone()
            .or_else(|| Some(meta.join("public-keys.json")).filter(|p| p.exists()))
            .ok_or_else(|| {
                Fatal("--bundle needs --public-keys (no AWS calls are made offline)".to_owned())
            })?;
        let keys = file_keys(&key_path)?;
        tracing::info!(
            bundle = %dir.display(),
            keys = %key_path.display(),
            "source: evidence bundle, offline (no AWS call)"
        );
        let bucket = match (&args.s3_bucket, &described) {
            (Some(b), _) => b.clone(),
            (None, Some(d)) => d.bucket.clone(),
            (None, None) => single_bucket(dir)?,
        };
        let status = std::fs::read(meta.join("trail-status.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<TrailStatus>(&b).ok());
        let resolved = Resolved {
            arn,
            start,
            end,
            bucket,
            prefix: args
                .s3_prefix
                .clone()
                .or_else(|| described.as_ref().and_then(|d| d.prefix.clone())),
            org: args
                .organization_id
                .clone()
                .or_else(|| described.as_ref().and_then(|d| d.organization_id.clone())),
            status,
            unvalidated_trails: described
                .as_ref()
                .map(|d| d.unvalidated_trails.clone())
                .unwrap_or_default(),
            object_source: format!("bundle:{}", dir.display()),
        };
        let plan = plan(&args, resolved, source.as_ref(), &keys).await?;
        return Ok(execute(&args, &plan, source, &keys).await);
    }

    let phase = std::time::Instant::now();
    let conf = load_aws(&args).await;
    super::logging::aws_config_loaded(&conf, args.profile.as_deref(), phase);
    let source = Arc::new(S3Source::new(
        conf.clone(),
        s3_endpoint_overridden(&conf),
        Arc::clone(&pace),
    ));
    let phase = std::time::Instant::now();
    let (bucket, prefix, org) = resolve_trail(&args, &conf, &arn).await?;
    tracing::info!(
        bucket,
        prefix,
        organization_id = org,
        from_trail = args.s3_bucket.is_none(),
        elapsed_ms = super::elapsed_ms(phase),
        "source: S3, trail resolved"
    );
    let org = match args.organization_id.clone().or(org) {
        Some(o) => Some(o),
        None if args.s3_bucket.is_some() => {
            let account = args
                .account_id
                .clone()
                .unwrap_or_else(|| arn.account_id.clone());
            infer_org(source.as_ref(), &bucket, prefix.as_deref(), &account).await
        }
        None => None,
    };
    let status = trail::fetch_trail_status(&conf, args.endpoint_url.as_deref(), &arn)
        .await
        .ok();
    let unvalidated_trails = trail::unvalidated_neighbours(
        &conf,
        args.endpoint_url.as_deref(),
        &arn,
        &bucket,
        prefix.as_deref(),
    )
    .await
    .unwrap_or_default();
    let keys = match &args.public_keys {
        Some(path) => file_keys(path)?,
        None => AnyKeys::Api(Box::new(CloudTrailKeys::new(
            conf.clone(),
            args.endpoint_url.clone(),
            pace,
        ))),
    };
    let resolved = Resolved {
        arn,
        start,
        end,
        bucket,
        prefix,
        org,
        status,
        unvalidated_trails,
        object_source: "s3".to_owned(),
    };
    if let Some(dir) = record {
        return record_bundle(&args, resolved, source, keys, &dir).await;
    }
    let plan = plan(&args, resolved, source.as_ref(), &keys).await?;
    Ok(execute(&args, &plan, source, &keys).await)
}

/// What a bundle records about the trail, so that `verify --bundle` needs no AWS call.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct BundleTrail {
    trail_arn: String,
    bucket: String,
    prefix: Option<String>,
    organization_id: Option<String>,
    /// Other trails delivering there without log file validation.
    #[serde(default)]
    unvalidated_trails: Vec<String>,
}

/// Writes pretty JSON atomically into the bundle metadata folder.
fn write_json<T: serde::Serialize>(
    meta: &std::path::Path,
    name: &str,
    value: &T,
) -> Result<(), Fatal> {
    let path = meta.join(name);
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| Fatal(format!("cannot encode {name}: {e}")))?;
    bytes.push(b'\n');
    crate::source::record::write_atomic(&path, &bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// `trailproof fetch`: verifies from S3 through a recorder, then writes the keys, the trail
/// answers and a manifest next to the mirrored objects.
async fn record_bundle(
    args: &VerifyArgs,
    resolved: Resolved,
    s3: Arc<S3Source>,
    keys: AnyKeys,
    dir: &std::path::Path,
) -> Result<u8, Fatal> {
    use crate::source::record::{ManifestEntry, Recorder, RecordingKeys, manifest_entries};
    let meta = dir.join(BUNDLE_META);
    std::fs::create_dir_all(&meta).with_context(|| format!("cannot create {}", meta.display()))?;
    let s3 =
        Arc::try_unwrap(s3).map_err(|_| Fatal("internal: S3 source still shared".to_owned()))?;
    let recorder = Arc::new(Recorder::new(
        s3,
        dir,
        usize::from(args.concurrency),
        Limits::default().max_log_bytes,
    ));
    let keys = RecordingKeys::new(keys);
    let trail_answers = BundleTrail {
        trail_arn: resolved.arn.arn.clone(),
        bucket: resolved.bucket.clone(),
        prefix: resolved.prefix.clone(),
        organization_id: resolved.org.clone(),
        unvalidated_trails: resolved.unvalidated_trails.clone(),
    };
    let trail_status = resolved.status.clone();
    let plan = plan(args, resolved, recorder.as_ref(), &keys).await?;
    let mut code = execute(args, &plan, Arc::clone(&recorder), &keys).await;

    write_json(&meta, "public-keys.json", &keys.to_json())?;
    write_json(&meta, "trail.json", &trail_answers)?;
    if let Some(s) = &trail_status {
        write_json(&meta, "trail-status.json", s)?;
    }
    let manifest_path = meta.join("manifest.json");
    let files: Vec<ManifestEntry> = manifest_entries(dir, &manifest_path)
        .with_context(|| format!("cannot hash the files of {}", dir.display()))?;
    let stats = recorder.stats();
    let manifest = serde_json::json!({
        "schema_version": "trailproof.bundle/1",
        "tool": crate::report::verify::Tool::default(),
        "created_at": crate::time::format_rfc3339(&super::now()),
        "inputs": plan.inputs.clone(),
        "complete": stats.failed == 0,
        "files": files,
    });
    write_json(&meta, "manifest.json", &manifest)?;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "Evidence bundle {}: {} objects fetched, {} already present, {} could not be read; {} files in the manifest",
        dir.display(),
        stats.fetched,
        stats.reused,
        stats.failed,
        files.len()
    );
    if stats.failed > 0 && code == exit::CLEAN {
        code = exit::INCOMPLETE;
    }
    Ok(code)
}

/// The end of the window a bundle was fetched for (its manifest's `inputs.end_time`).
fn bundle_end(dir: &std::path::Path) -> Option<UtcTime> {
    let bytes = std::fs::read(dir.join(BUNDLE_META).join("manifest.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    parse_user_time(manifest.get("inputs")?.get("end_time")?.as_str()?).ok()
}

fn single_bucket(dir: &std::path::Path) -> Result<String, Fatal> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read bundle folder {}", dir.display()))?;
    let buckets: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    match buckets.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(Fatal(format!(
            "{} holds {} bucket folders; name the digest bucket with --s3-bucket",
            dir.display(),
            buckets.len()
        ))),
    }
}

/// Bucket, prefix and organization id of the trail.
async fn resolve_trail(
    args: &VerifyArgs,
    conf: &aws_config::SdkConfig,
    arn: &TrailArn,
) -> Result<(String, Option<String>, Option<String>), Fatal> {
    let endpoint = args.endpoint_url.as_deref();
    if let Some(bucket) = &args.s3_bucket {
        // Best effort: learn whether it is an organization trail (the reference cannot).
        let info = trail::fetch_trail(conf, endpoint, arn).await.ok().flatten();
        let org = match info {
            Some(t) if t.is_organization => trail::fetch_organization_id(conf).await.ok(),
            _ => None,
        };
        return Ok((bucket.clone(), args.s3_prefix.clone(), org));
    }
    let info = trail::fetch_trail(conf, endpoint, arn)
        .await
        .map_err(|e| Fatal(e.to_string()))?
        .ok_or_else(|| Fatal(format!("A trail could not be found for {}", arn.arn)))?;
    let prefix = args.s3_prefix.clone().or(info.prefix);
    let org = if info.is_organization {
        if args.account_id.as_deref().is_none_or(str::is_empty) {
            return Err(Fatal(
                "Missing required parameter for organization trail: '--account-id'".to_owned(),
            ));
        }
        Some(
            trail::fetch_organization_id(conf)
                .await
                .map_err(|e| Fatal(e.to_string()))?,
        )
    } else {
        None
    };
    Ok((info.bucket, prefix, org))
}

/// What was resolved about the trail before planning.
struct Resolved {
    arn: TrailArn,
    start: Option<UtcTime>,
    end: UtcTime,
    bucket: String,
    prefix: Option<String>,
    org: Option<String>,
    status: Option<TrailStatus>,
    unvalidated_trails: Vec<String>,
    object_source: String,
}

async fn plan<S: ObjectSource, K: KeyProvider>(
    args: &VerifyArgs,
    resolved: Resolved,
    source: &S,
    keys: &K,
) -> Result<Plan, Fatal> {
    let Resolved {
        arn,
        start,
        end,
        bucket,
        prefix,
        org,
        status,
        unvalidated_trails,
        object_source,
    } = resolved;
    let account_id = args
        .account_id
        .clone()
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| arn.account_id.clone());
    let org = match org {
        Some(o) => Some(o),
        None if args.bundle.is_some() => {
            infer_org(source, &bucket, prefix.as_deref(), &account_id).await
        }
        None => None,
    };
    let mut cfg = VerifyConfig {
        arn,
        start: start.unwrap_or(end),
        end,
        bucket,
        prefix,
        organization_id: org,
        account_id,
        concurrency: usize::from(args.concurrency),
        // `TRAILPROOF_MAX_*` override a limit for one run (docs/limits.md).
        limits: Limits::from_lookup(|k| std::env::var(k).ok()).map_err(|e| Fatal(e.to_string()))?,
        detect: !args.reference_only,
        trail_status: status,
        unvalidated_trails,
        anchors: std::collections::BTreeMap::new(),
    };
    let phase = std::time::Instant::now();
    let regions = if args.all_regions {
        let found = audit::discover_regions(source, &cfg).await.map_err(|e| {
            Fatal(format!(
                "cannot list regions under s3://{}/{}/: {e}",
                cfg.bucket,
                cfg.scope("").list_prefix()
            ))
        })?;
        if found.is_empty() {
            return Err(Fatal(format!(
                "no digest folders under s3://{}/{}/",
                cfg.bucket,
                cfg.scope("").list_prefix()
            )));
        }
        found
    } else {
        vec![
            args.region
                .clone()
                .unwrap_or_else(|| cfg.arn.home_region.clone()),
        ]
    };
    let region_starts = anchor_starts(args, &mut cfg, &regions, start)?;
    tracing::info!(
        regions = ?regions,
        keys = %keys.describe(),
        elapsed_ms = super::elapsed_ms(phase),
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
        object_source,
        key_source: keys.describe(),
    };
    Ok(Plan {
        cfg,
        regions,
        inputs,
        region_starts,
    })
}

/// Each region's window start: `--start-time`, or with `--state` the end of the digest the
/// last run anchored. Loads the anchors into `cfg` and sets its start to the earliest.
fn anchor_starts(
    args: &VerifyArgs,
    cfg: &mut VerifyConfig,
    regions: &[String],
    start: Option<UtcTime>,
) -> Result<std::collections::BTreeMap<String, UtcTime>, Fatal> {
    // With --state: anchors, and each region's start at its anchored digest.
    let state = match &args.state {
        Some(path) => Some(load_state(path)?),
        None => None,
    };
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
    // earliest anchored region does, so a scheduled --all-regions job keeps running.
    let earliest_anchor = regions.iter().filter_map(|r| anchor_of(r)).min();
    let mut region_starts = std::collections::BTreeMap::new();
    for region in regions {
        let region_start = match (start, anchor_of(region), earliest_anchor) {
            (Some(s), _, _) => s,
            (None, Some(end), _) | (None, None, Some(end)) => end,
            (None, None, None) => {
                return Err(Fatal(
                    "no --start-time and no anchor in the state file: give --start-time for the first run"
                        .to_owned(),
                ));
            }
        };
        if region_start > cfg.end {
            return Err(Fatal(
                "Invalid time range specified: start-time must occur before end-time".to_owned(),
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

fn load_state(path: &std::path::Path) -> Result<crate::chain::anchor::StateFile, Fatal> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Fatal(format!(
                "state file {} is not a trailproof state: {e}",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(crate::chain::anchor::StateFile::default())
        }
        Err(e) => Err(Fatal(format!(
            "cannot read state file {}: {e}",
            path.display()
        ))),
    }
}

/// Records each region's newest verified digest as its chain's anchor. Only after a clean run:
/// a run that found tampering, or could not check everything, keeps the old anchor, so the
/// next run covers that period again instead of building on unproven history.
fn save_state(
    path: &std::path::Path,
    plan: &Plan,
    heads: &std::collections::BTreeMap<String, crate::chain::anchor::Anchor>,
) -> Result<(), Fatal> {
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
        .map_err(|e| Fatal(format!("cannot encode state: {e}")))?;
    bytes.push(b'\n');
    crate::source::record::write_atomic(path, &bytes)
        .map_err(|e| Fatal(format!("cannot write state file {}: {e}", path.display())))
}

/// What this process has verified so far, across regions and commands, for the summary an
/// interrupted run prints ([`interruption_report`]).
#[derive(Debug, Default)]
struct Progress {
    /// The running counts (the same tallies as the reference's ratio lines).
    summary: RegionSummary,
    /// Finding lines judged but not printed yet (text mode prints them after a region's
    /// summary, which an interrupted run never reaches).
    unprinted_findings: Vec<String>,
    /// Whether any verification started.
    started: bool,
}

static PROGRESS: std::sync::Mutex<Option<Progress>> = std::sync::Mutex::new(None);

fn with_progress_state<T>(f: impl FnOnce(&mut Progress) -> T) -> T {
    let mut guard = match PROGRESS.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    f(guard.get_or_insert_with(Progress::default))
}

fn note_progress(item: &Item, requested: (UtcTime, UtcTime)) {
    with_progress_state(|p| {
        p.started = true;
        p.summary.record(item, requested);
        if let Item::Finding(f) = item {
            p.unprinted_findings.push(f.line());
        }
    });
}

/// What an interrupted run prints on stderr after the lines it had already printed: the
/// findings judged but not yet printed, then how many files were verified before the signal
/// with the reference's ratio lines, e.g.
///
/// ```text
///
/// Interrupted by SIGINT: 7 files verified before the signal; the rest was not checked
///
/// 3/3 digest files valid
/// 4/4 log files valid
/// ```
///
/// The verdict lines already printed stay as they were: each is written whole.
#[must_use]
pub fn interruption_report(signal: &str) -> String {
    with_progress_state(|p| {
        let mut s = String::new();
        for line in std::mem::take(&mut p.unprinted_findings) {
            let _ = write!(s, "{line}\n\n");
        }
        let c = &p.summary.counts;
        let files = c.digests.total() + c.backfill_digests.total() + c.logs.total();
        if !p.started || files == 0 {
            let _ = write!(
                s,
                "\nInterrupted by {signal} before any file was verified\n"
            );
            return s;
        }
        let _ = write!(
            s,
            "\nInterrupted by {signal}: {files} file{} verified before the signal; the rest was not checked\n{}\n",
            if files == 1 { "" } else { "s" },
            TextOut::ratios(c)
        );
        s
    })
}

/// Writes the reference's text, keeping its blank-line rules.
struct TextOut {
    verbose: bool,
    last_double_space: bool,
    /// Findings the reference does not make: printed after its summary, so that every
    /// reference line (and its blank-line spacing) stays exactly as the reference prints it.
    findings: Vec<String>,
    progress: Option<indicatif::ProgressBar>,
}

impl TextOut {
    fn with_progress(&self, f: impl FnOnce()) {
        match &self.progress {
            Some(pb) => pb.suspend(f),
            None => f(),
        }
    }

    fn status(&mut self, message: &str, is_error: bool) {
        if is_error {
            let lead = if self.last_double_space { "" } else { "\n" };
            self.with_progress(|| {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "{lead}{message}\n\n");
                let _ = err.flush();
            });
            self.last_double_space = true;
        } else if self.verbose {
            self.last_double_space = false;
            self.with_progress(|| {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{message}");
            });
        }
    }

    fn stdout(&self, text: &str) {
        self.with_progress(|| {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        });
    }

    fn item(&mut self, item: &Item) {
        if let Some(pb) = &self.progress {
            pb.inc(1);
        }
        match item {
            Item::Digest {
                kind,
                location,
                status,
            } => {
                let head = format!("{}Digest file\t{}\t", kind.label(), location.uri());
                match status {
                    DigestStatus::Valid { .. } => self.status(&format!("{head}valid"), false),
                    DigestStatus::Invalid(f) => {
                        self.status(&format!("{head}INVALID: {}", f.message()), true);
                    }
                    DigestStatus::Missing => {
                        self.status(&format!("{head}INVALID: not found"), true);
                    }
                    DigestStatus::Error(e) => {
                        self.status(&format!("{head}ERROR: {}", e.verdict_text()), true);
                    }
                }
            }
            Item::Log { location, status } => {
                let head = format!("Log file\t{}\t", location.uri());
                match status {
                    LogStatus::Verdict(v) if *v == crate::chain::log::LogVerdict::Valid => {
                        self.status(&format!("{head}valid"), false);
                    }
                    LogStatus::Verdict(v) => {
                        self.status(&format!("{head}INVALID: {}", v.message()), true);
                    }
                    LogStatus::Missing => self.status(&format!("{head}INVALID: not found"), true),
                    LogStatus::Error(e) => {
                        self.status(&format!("{head}ERROR: {}", e.verdict_text()), true);
                    }
                }
            }
            Item::Finding(f) => self.findings.push(f.line()),
            Item::PendingLog(_) | Item::Head(_) => {}
            Item::Gap { kind, from, to } => self.status(
                &format!(
                    "{}No log files were delivered by CloudTrail between {} and {}",
                    kind.label(),
                    format_display(from),
                    format_display(to)
                ),
                true,
            ),
        }
    }

    fn ratios(counts: &Counts) -> String {
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

    fn summary(&mut self, cfg: &VerifyConfig, summary: &RegionSummary) {
        let mut s = String::new();
        if !self.last_double_space {
            s.push('\n');
        }
        let _ = writeln!(
            s,
            "Results requested for {} to {}",
            format_display(&cfg.start),
            format_display(&cfg.end)
        );
        let c = &summary.counts;
        if c.digests.total() + c.backfill_digests.total() == 0 {
            s.push_str("No digests found\n");
        } else {
            match (summary.found_start, summary.found_end) {
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
            s.push_str(&Self::ratios(c));
            s.push('\n');
        }
        self.stdout(&s);
        self.last_double_space = true;
        self.flush_findings();
    }

    fn flush_findings(&mut self) {
        with_progress_state(|p| p.unprinted_findings.clear());
        let lines = std::mem::take(&mut self.findings);
        if lines.is_empty() {
            return;
        }
        self.with_progress(|| {
            let mut err = std::io::stderr().lock();
            for line in &lines {
                let _ = write!(err, "{line}\n\n");
            }
            let _ = err.flush();
        });
    }
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

#[allow(clippy::too_many_lines)] // one linear pass: banner, regions, totals
async fn execute<S, K>(args: &VerifyArgs, plan: &Plan, source: Arc<S>, keys: &K) -> u8
where
    S: ObjectSource + 'static,
    K: KeyProvider,
{
    let cfg = &plan.cfg;
    let text = args.format == Format::Text;
    let progress = (text && std::io::stderr().is_terminal()).then(|| {
        // Cleared (not left behind) also when an interrupted run drops it.
        let pb =
            indicatif::ProgressBar::new_spinner().with_finish(indicatif::ProgressFinish::AndClear);
        pb.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} files checked ({per_sec})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
        pb
    });
    let mut out = TextOut {
        verbose: args.verbose,
        last_double_space: true,
        findings: Vec::new(),
        progress,
    };
    if text {
        out.stdout(&format!(
            "Validating log files for trail {} between {} and {}\n\n",
            cfg.arn.arn,
            format_display(&cfg.start),
            format_display(&cfg.end)
        ));
    }
    let multi = plan.regions.len() > 1 || args.all_regions;
    let mut totals = Counts::default();
    let mut failed = 0usize;
    let mut reports = Vec::new();
    let mut heads = std::collections::BTreeMap::new();
    for (index, region) in plan.regions.iter().enumerate() {
        if text && multi {
            let lead = if index > 0 { "\n" } else { "" };
            out.stdout(&format!("{lead}Source region {region}\n\n"));
        }
        let mut summary = RegionSummary::default();
        let mut events = Vec::new();
        let cfg = &VerifyConfig {
            start: plan
                .region_starts
                .get(region)
                .copied()
                .unwrap_or(plan.cfg.start),
            ..plan.cfg.clone()
        };
        let requested = (cfg.start, cfg.end);
        let phase = std::time::Instant::now();
        let result = {
            let mut emit = |item: Item| {
                note_progress(&item, requested);
                summary.record(&item, requested);
                if text {
                    out.item(&item);
                } else {
                    events.push(Event::from_item(&item));
                }
            };
            audit::verify_region(Arc::clone(&source), keys, cfg, region, &mut emit).await
        };
        let error = match result {
            Ok(()) => None,
            Err(e) => {
                if !multi {
                    // A single region that cannot be verified at all: the run could not run.
                    if let Some(pb) = &out.progress {
                        pb.finish_and_clear();
                    }
                    let fatal = e.to_string();
                    if text {
                        let mut err = std::io::stderr().lock();
                        let _ = write!(err, "\n{fatal}\n");
                    } else {
                        reports.push(region_report(region, cfg, &summary, events, Some(fatal)));
                        print_json(
                            plan,
                            reports,
                            &totals,
                            exit::CANNOT_RUN,
                            args.capture.as_ref(),
                        );
                    }
                    return exit::CANNOT_RUN;
                }
                failed += 1;
                if text {
                    out.status(&format!("Source region {region}\tERROR: {e}"), true);
                }
                Some(e.to_string())
            }
        };
        if text && error.is_none() {
            out.summary(cfg, &summary);
        }
        totals.add(&summary.counts);
        tracing::info!(
            region = %region,
            digests = summary.counts.digests.total(),
            logs = summary.counts.logs.total(),
            error = error.as_deref(),
            elapsed_ms = super::elapsed_ms(phase),
            "region verified"
        );
        if let Some(head) = summary.head.clone() {
            heads.insert(region.clone(), head);
        }
        reports.push(region_report(region, cfg, &summary, events, error));
    }
    if let Some(pb) = &out.progress {
        pb.finish_and_clear();
    }
    let code = exit::for_verify(&totals, failed);
    if text {
        if multi {
            let not_verified = if failed > 0 {
                format!(" ({failed} could not be verified)")
            } else {
                String::new()
            };
            out.stdout(&format!(
                "\nTotal for {} regions{not_verified}:\n{}\n",
                plan.regions.len(),
                TextOut::ratios(&totals)
            ));
        }
    } else {
        print_json(plan, reports, &totals, code, args.capture.as_ref());
    }
    if let Some(path) = &args.state
        && code == exit::CLEAN
        && let Err(Fatal(msg)) = save_state(path, plan, &heads)
    {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\n{msg}\n");
        return exit::CANNOT_RUN;
    }
    code
}

fn region_report(
    region: &str,
    cfg: &VerifyConfig,
    summary: &RegionSummary,
    events: Vec<Event>,
    error: Option<String>,
) -> RegionReport {
    RegionReport {
        region: region.to_owned(),
        status: if error.is_some() {
            "failed"
        } else {
            "complete"
        },
        error,
        coverage: Coverage {
            requested_start: format_rfc3339(&cfg.start),
            requested_end: format_rfc3339(&cfg.end),
            found_start: summary.found_start.map(|t| format_rfc3339(&t.instant)),
            found_end: summary.found_end.map(|t| format_rfc3339(&t.instant)),
        },
        counts: summary.counts,
        events,
    }
}

fn print_json(
    plan: &Plan,
    regions: Vec<RegionReport>,
    totals: &Counts,
    code: u8,
    capture: Option<&Capture>,
) {
    let report = VerifyReport {
        schema_version: crate::report::verify::SCHEMA_VERSION,
        tool: Tool::default(),
        inputs: plan.inputs.clone(),
        regions,
        totals: *totals,
        outcome: exit::outcome_word(code),
        exit_code: code,
    };
    if let Some(slot) = capture {
        if let Ok(mut g) = slot.lock() {
            *g = Some(report);
        }
        return;
    }
    let mut out = std::io::stdout().lock();
    match serde_json::to_writer_pretty(&mut out, &report) {
        Ok(()) => {
            let _ = writeln!(out);
        }
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "{}",
                anyhow!(e).context("cannot write JSON")
            );
        }
    }
}
