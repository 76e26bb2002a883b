//! `trailproof report`: verify, check and summarize one trail and window, and write one
//! self-contained HTML audit report (plus the same model as JSON).
//!
//! Live (S3, `CloudTrail` and a live snapshot) or offline (`--bundle DIR --snapshot FILE`).
//! The activity summary reads exactly the log files the verification listed, and marks each
//! record with whether its file passed.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;

use super::check::{self, AwsArgs};
use super::exit;
use super::verify::{self, VerifyArgs};
use crate::activity::summary::Summarizer;
use crate::chain::digest::Location;
use crate::controls::catalog;
use crate::controls::waivers::{self, CheckConfig};
use crate::render::{self, Headline, InputFile, ReportModel};
use crate::report::{Event, Tool, VerifyReport};
use crate::source::ObjectSource;
use crate::time::UtcTime;

/// Options of `report`: where to write, the compliance inputs, and those of `verify`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// HTML file to write (atomically).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Also write the report model as JSON (`trailproof.report/1`).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Evaluate the compliance controls from this snapshot instead of asking AWS.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,
    /// `check` configuration (settings and waivers).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Label the compliance matrix for one framework (cis-3.0, pci-dss-4, …).
    #[arg(long)]
    pub framework: Option<String>,
    /// Generation time written into the report and "now" of the compliance rules (default:
    /// the clock, and the snapshot's time for the rules). Same inputs and `--as-of` give
    /// byte-identical JSON and HTML.
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<String>,
    /// Test only: leave the Content-Security-Policy out (the escaping test proves the
    /// escaping alone keeps hostile text inert).
    #[arg(long, hide = true)]
    pub no_csp: bool,
    /// What to verify (the options of `verify`).
    #[command(flatten)]
    pub verify: VerifyArgs,
}

fn fail(message: &str) -> u8 {
    let _ = writeln!(std::io::stderr(), "\n{message}");
    exit::CANNOT_RUN
}

fn now() -> UtcTime {
    #[allow(clippy::disallowed_methods)]
    chrono::Utc::now()
}

fn input_file(path: &Path) -> Option<InputFile> {
    let bytes = std::fs::read(path).ok()?;
    Some(InputFile {
        path: path.display().to_string(),
        bytes: bytes.len() as u64,
        sha256: crate::hash::sha256_hex(&bytes),
    })
}

/// `s3://bucket/key` → its location.
fn location(uri: &str) -> Option<Location> {
    let rest = uri.strip_prefix("s3://")?;
    let (bucket, key) = rest.split_once('/')?;
    Some(Location {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
    })
}

/// Worst of two exit codes: findings, then could-not-run, then incomplete, then clean.
pub(crate) fn worst(a: u8, b: u8) -> u8 {
    let rank = |c: u8| match c {
        exit::FINDINGS => 3,
        exit::CANNOT_RUN => 2,
        exit::INCOMPLETE => 1,
        _ => 0,
    };
    if rank(a) >= rank(b) { a } else { b }
}

/// Reads the log and digest files the verification listed and summarises the logs with
/// `s`, each file marked verified when it passed.
pub(crate) async fn activity<S: ObjectSource>(
    source: &S,
    integrity: &VerifyReport,
    bundle: Option<&Path>,
    inputs: &mut Vec<InputFile>,
    mut s: Summarizer,
) -> crate::activity::summary::Summary {
    for region in &integrity.regions {
        for e in &region.events {
            let (uri, status, is_log) = match e {
                Event::Log { uri, status, .. } => (uri, *status, true),
                Event::Digest { uri, status, .. } => (uri, *status, false),
                _ => continue,
            };
            if status == "error" {
                continue;
            }
            let Some(loc) = location(uri) else { continue };
            let body = match bundle {
                Some(dir) => std::fs::read(dir.join(&loc.bucket).join(&loc.key)).ok(),
                None if is_log => source
                    .get(&loc, crate::limits::Limits::default().max_log_bytes)
                    .await
                    .ok()
                    .map(|o| o.body),
                None => None,
            };
            let Some(body) = body else { continue };
            inputs.push(InputFile {
                path: uri.clone(),
                bytes: body.len() as u64,
                sha256: crate::hash::sha256_hex(&body),
            });
            if is_log {
                s.add_checked_file(uri, &body, status == "valid");
            }
        }
    }
    s.finish()
}

/// The snapshot the compliance matrix is evaluated on: the file, or a live one.
async fn compliance_snapshot(
    args: &ReportArgs,
) -> Result<crate::snapshot::model::Snapshot, String> {
    if let Some(path) = &args.snapshot {
        return check::read_snapshot(path);
    }
    let aws = AwsArgs {
        regions: None,
        profile: args.verify.profile.clone(),
        region: None,
        endpoint_url: args.verify.endpoint_url.clone(),
        concurrency: 16,
    };
    Box::pin(check::take_snapshot(&aws)).await
}

/// Writes the JSON (when asked) and the HTML rendered from it, atomically.
fn write_outputs(
    out: &Path,
    json_out: Option<&Path>,
    csp: bool,
    model: &ReportModel,
) -> Result<(), String> {
    let mut json =
        serde_json::to_vec_pretty(model).map_err(|e| format!("cannot encode the report: {e}"))?;
    json.push(b'\n');
    let digest = crate::hash::sha256_hex(&json);
    let html = render::render_html(model, &digest, csp)
        .map_err(|e| format!("cannot render the report: {e}"))?;
    if let Some(path) = json_out {
        crate::source::record::write_atomic(path, &json)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    crate::source::record::write_atomic(out, html.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", out.display()))
}

/// The compliance options: framework, configuration and `--as-of`.
fn options(
    args: &ReportArgs,
) -> Result<(Option<catalog::Framework>, CheckConfig, Option<UtcTime>), String> {
    let framework = match args.framework.as_deref() {
        None => None,
        Some(f) => Some(catalog::parse_framework(f).ok_or(format!("unknown framework {f}"))?),
    };
    let config = match &args.config {
        None => CheckConfig::default(),
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| waivers::parse_config(&t).map_err(|e| e.to_string()))
            .map_err(|e| format!("{}: {e}", path.display()))?,
    };
    let as_of = args
        .as_of
        .as_deref()
        .map(crate::time::parse_user_time)
        .transpose()
        .map_err(|e| format!("--as-of: {e}"))?;
    Ok((framework, config, as_of))
}

/// Runs `report`.
pub async fn run(args: ReportArgs) -> u8 {
    let (framework, config, as_of) = match options(&args) {
        Ok(o) => o,
        Err(e) => return fail(&e),
    };
    let snapshot = match Box::pin(compliance_snapshot(&args)).await {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };

    let bundle = args.verify.bundle.clone();
    let key_file = args.verify.public_keys.clone().or_else(|| {
        bundle
            .as_ref()
            .map(|d| d.join(verify::BUNDLE_META).join("public-keys.json"))
            .filter(|p| p.exists())
    });
    let trail_arn = args.verify.trail_arn.clone();
    let (integrity, source) = match Box::pin(verify::verify_report(args.verify)).await {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };

    let mut inputs = Vec::new();
    let summary = match &source {
        verify::ReportSource::Bundle(s) => {
            activity(
                s.as_ref(),
                &integrity,
                bundle.as_deref(),
                &mut inputs,
                Summarizer::default(),
            )
            .await
        }
        verify::ReportSource::S3(s) => {
            activity(
                s.as_ref(),
                &integrity,
                None,
                &mut inputs,
                Summarizer::default(),
            )
            .await
        }
    };
    inputs.extend(
        [
            args.snapshot.as_deref(),
            key_file.as_deref(),
            args.config.as_deref(),
        ]
        .into_iter()
        .flatten()
        .filter_map(input_file),
    );

    let rules_now = as_of
        .or_else(|| crate::time::parse_user_time(&snapshot.taken_at).ok())
        .unwrap_or_else(now);
    let compliance = check::evaluate(&snapshot, &config, framework.as_ref(), rules_now, false);
    let generated = as_of.unwrap_or_else(now);
    let code = worst(integrity.exit_code, compliance.exit_code);
    let model = ReportModel {
        schema: render::SCHEMA,
        tool: Tool::default(),
        generated_at: crate::time::format_rfc3339(&generated),
        command_line: std::env::args().collect(),
        trail_arn,
        window_start: integrity
            .regions
            .first()
            .map(|r| r.coverage.requested_start.clone())
            .unwrap_or_default(),
        window_end: integrity
            .regions
            .first()
            .map(|r| r.coverage.requested_end.clone())
            .unwrap_or_default(),
        headline: Headline {
            integrity: integrity.outcome.to_owned(),
            compliance: compliance.outcome.to_owned(),
            notable: render::notable(&summary),
        },
        integrity,
        compliance,
        activity: summary,
        inputs,
    };
    if let Err(e) = write_outputs(&args.out, args.json.as_deref(), !args.no_csp, &model) {
        return fail(&e);
    }
    let h = &model.headline;
    let _ = writeln!(
        std::io::stderr(),
        "report written to {} (integrity {}, compliance {}, {} notable)",
        args.out.display(),
        h.integrity,
        h.compliance,
        h.notable.len()
    );
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_beat_incomplete_beats_clean() {
        assert_eq!(worst(exit::CLEAN, exit::INCOMPLETE), exit::INCOMPLETE);
        assert_eq!(worst(exit::FINDINGS, exit::INCOMPLETE), exit::FINDINGS);
        assert_eq!(worst(exit::CLEAN, exit::CLEAN), exit::CLEAN);
    }

    #[test]
    fn s3_uris_split_into_bucket_and_key() {
        let l = location("s3://b/AWSLogs/1/x.json.gz").unwrap();
        assert_eq!(
            (l.bucket.as_str(), l.key.as_str()),
            ("b", "AWSLogs/1/x.json.gz")
        );
        assert!(location("file:///x").is_none());
    }
}
