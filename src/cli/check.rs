//! `trailproof snapshot` (record every answer the controls need) and `trailproof check`
//! (evaluate the control catalog, live or from a snapshot): arguments → [`SnapshotRequest`]
//! and [`CheckRequest`] → [`snapshot_source::gather`] or [`snapshot_source::read`], then
//! [`check_report::build`] → [`crate::present::compliance`] (or, for `--format ocsf`,
//! [`crate::report::ocsf::compliance_findings`] → [`crate::present::ocsf`]) → the exit code
//! of the outcome.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::common::{fail, now};
use super::exit;
use crate::controls::catalog::{self, Framework};
use crate::controls::config::{self, CheckConfig};
use crate::report::check::{self as check_report, CheckRequest};
use crate::snapshot::model::Snapshot;
use crate::source::snapshot::{self as snapshot_source, SnapshotRequest};
use crate::time::UtcTime;

/// Where and how to ask AWS (shared by `snapshot` and live `check`).
#[derive(Debug, Clone, Args)]
pub struct AwsArgs {
    /// Regions to scan, comma-separated (default: every enabled region, from
    /// `account:ListRegions`).
    #[arg(long, value_delimiter = ',', value_name = "REGION,...")]
    pub regions: Option<Vec<String>>,
    /// Named profile of the shared AWS configuration.
    #[arg(long)]
    pub profile: Option<String>,
    /// Region of the global calls (STS, Organizations, IAM).
    #[arg(long)]
    pub region: Option<String>,
    /// Send every API call to this endpoint (a test server).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Maximum API calls in flight.
    #[arg(long, default_value_t = SnapshotRequest::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
}

/// Options of `snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// File to write (JSON, `trailproof.snapshot/1`); written atomically.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// AWS access.
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Output format of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// One line per result with its reason, then the counts.
    Text,
    /// One JSON document (schema `trailproof.check/1`).
    Json,
    /// JSON Lines: one OCSF 1.5.0 Compliance Finding (class 2003) per result.
    Ocsf,
}

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Evaluate this snapshot offline instead of asking AWS.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["regions", "profile", "endpoint_url"])]
    pub snapshot: Option<PathBuf>,
    /// "Now" for time-dependent rules (delivery age, waiver expiry); default: the snapshot's
    /// time.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// Only the controls mapped to this framework, labelled with its ids: cis-1.4 … cis-7.0,
    /// securityhub, config, pci-dss-4, nist-800-53, soc2, hipaa.
    #[arg(long)]
    pub framework: Option<String>,
    /// TOML file with `[settings]` (thresholds) and `[[waiver]]` entries (accepted exceptions).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// MANUAL results count as findings (exit 1).
    #[arg(long)]
    pub strict: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// AWS access (live mode).
    #[command(flatten)]
    pub aws: AwsArgs,
}

async fn load_aws(args: &AwsArgs) -> aws_config::SdkConfig {
    let started = std::time::Instant::now();
    let conf = super::common::aws_config(
        args.profile.as_deref(),
        args.region.as_deref(),
        std::time::Duration::from_mins(1),
    )
    .await;
    super::logging::aws_config_loaded(&conf, args.profile.as_deref(), started);
    if conf.region().is_some() {
        return conf;
    }
    // The global calls (STS, Organizations, IAM) need a region; us-east-1 serves them.
    conf.into_builder()
        .region(aws_config::Region::new("us-east-1"))
        .build()
}

/// Takes a live snapshot with these AWS options.
///
/// # Errors
/// A one-line reason when no snapshot could be taken (credentials).
pub async fn take_snapshot(args: &AwsArgs) -> Result<Snapshot, String> {
    let conf = load_aws(args).await;
    let request = SnapshotRequest {
        regions: args.regions.clone(),
        endpoint_url: args.endpoint_url.clone(),
        concurrency: args.concurrency,
    };
    Box::pin(snapshot_source::gather(&conf, &request, &now))
        .await
        .map_err(|e| format!("cannot take a snapshot: {e}"))
}

/// Runs `snapshot`.
pub async fn run_snapshot(args: SnapshotArgs) -> u8 {
    let snap = match Box::pin(take_snapshot(&args.aws)).await {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let mut bytes = match serde_json::to_vec_pretty(&snap) {
        Ok(b) => b,
        Err(e) => return fail(&format!("cannot encode the snapshot: {e}")),
    };
    bytes.push(b'\n');
    if let Err(e) = crate::source::record::write_atomic(&args.out, &bytes) {
        return fail(&format!("cannot write {}: {e}", args.out.display()));
    }
    let failed = snap.failed_calls();
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "snapshot of account {} ({} regions) written to {}",
        snap.identity
            .value()
            .map_or("unknown", |i| i.account.as_str()),
        snap.scanned_regions.len(),
        args.out.display()
    );
    if failed > 0 {
        let _ = writeln!(
            err,
            "{failed} calls were denied or failed; `trailproof check --snapshot` will report them as ERROR or MANUAL"
        );
        return exit::INCOMPLETE;
    }
    exit::CLEAN
}

/// Reads a snapshot file.
///
/// # Errors
/// A one-line reason when the file is unreadable, not JSON or not a snapshot.
pub fn read_snapshot(path: &std::path::Path) -> Result<Snapshot, String> {
    snapshot_source::read(path).map_err(|e| e.to_string())
}

/// `--framework`, `--config` and `--as-of`, parsed (shared by `check` and `report`): the
/// request (not strict) and the time asked for.
///
/// # Errors
/// The one-line reason for an unknown framework, an unreadable or invalid configuration, or
/// a time that is not one.
pub fn options(
    framework: Option<&str>,
    config: Option<&std::path::Path>,
    as_of: Option<&str>,
) -> Result<(CheckRequest, Option<UtcTime>), String> {
    let framework = framework.map(parse_framework).transpose()?;
    let config = match config {
        None => CheckConfig::default(),
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| config::parse_config(&t).map_err(|e| e.to_string()))
            .map_err(|e| format!("{}: {e}", path.display()))?,
    };
    let as_of = as_of
        .map(crate::time::parse_user_time)
        .transpose()
        .map_err(|e| format!("--as-of: {e}"))?;
    let request = CheckRequest {
        framework,
        config,
        strict: false,
    };
    Ok((request, as_of))
}

/// A `--framework` selector (shared by `check`, `report` and `controls`).
///
/// # Errors
/// The one-line reason, listing the selectors.
pub fn parse_framework(selector: &str) -> Result<Framework, String> {
    catalog::parse_framework(selector).ok_or_else(|| {
        format!(
            "unknown framework {selector}: use cis-1.4 … cis-7.0, securityhub, config, pci-dss-4, nist-800-53, soc2 or hipaa"
        )
    })
}

/// Runs `check`.
pub async fn run_check(args: CheckArgs) -> u8 {
    let (mut request, as_of) = match options(
        args.framework.as_deref(),
        args.config.as_deref(),
        args.as_of.as_deref(),
    ) {
        Ok(o) => o,
        Err(e) => return fail(&e),
    };
    request.strict = args.strict;
    let snap = match &args.snapshot {
        Some(path) => read_snapshot(path),
        None => Box::pin(take_snapshot(&args.aws)).await,
    };
    let snap = match snap {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let Some(as_of) = as_of.or_else(|| crate::time::parse_user_time(&snap.taken_at).ok()) else {
        return fail(&format!(
            "the snapshot's time {:?} is not a time; give --as-of",
            snap.taken_at
        ));
    };
    let mut report = check_report::build(&snap, &request, as_of);
    let code = exit::code(report.outcome);
    report.exit_code = Some(code);
    let mut out = std::io::stdout().lock();
    let _ = match args.format {
        CheckFormat::Json => crate::present::compliance::write_json(&mut out, &report),
        CheckFormat::Text => crate::present::compliance::write_text(&mut out, &report),
        CheckFormat::Ocsf => crate::present::ocsf::write_lines(
            &mut out,
            &crate::report::ocsf::compliance_findings(&report, as_of),
        ),
    };
    code
}
