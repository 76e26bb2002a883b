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
use super::verify::{self, VerifyArgs};
use super::{exit, fail, now};
use crate::activity::summary::Summarizer;
use crate::report::audit::{self, Headline, InputFile, ReportModel};
use crate::report::verify::{Event, Tool, VerifyReport};
use crate::source::ObjectSource;
use crate::vocab::Location;

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

fn input_file(path: &Path) -> Option<InputFile> {
    let bytes = std::fs::read(path).ok()?;
    Some(InputFile {
        path: path.display().to_string(),
        bytes: bytes.len() as u64,
        sha256: crate::hash::sha256_hex(&bytes),
    })
}

/// Reads, through the source the verification used, every digest and log file it listed
/// (hashing each into `inputs`), and summarises the logs with `s`, each file marked
/// verified when it passed. Unreadable objects were reported by the verification already.
pub(crate) async fn summarize_listed(
    source: &verify::ReportSource,
    integrity: &VerifyReport,
    inputs: &mut Vec<InputFile>,
    s: Summarizer,
) -> crate::activity::summary::Summary {
    match source {
        verify::ReportSource::Bundle(src) => read_listed(src.as_ref(), integrity, inputs, s).await,
        verify::ReportSource::S3(src) => read_listed(src.as_ref(), integrity, inputs, s).await,
    }
}

async fn read_listed<S: ObjectSource>(
    source: &S,
    integrity: &VerifyReport,
    inputs: &mut Vec<InputFile>,
    mut s: Summarizer,
) -> crate::activity::summary::Summary {
    let limits = crate::limits::Limits::default();
    for region in &integrity.regions {
        for e in &region.events {
            let (uri, status, is_log) = match e {
                Event::Log { uri, status, .. } => (uri, *status, true),
                Event::Digest { uri, status, .. } => (uri, *status, false),
                _ => continue,
            };
            let Some(loc) = Location::from_uri(uri).filter(|_| status != "error") else {
                continue;
            };
            let max = if is_log {
                limits.max_log_bytes
            } else {
                limits.max_digest_bytes
            };
            let Ok(object) = source.get(&loc, max).await else {
                continue;
            };
            inputs.push(InputFile {
                path: uri.clone(),
                bytes: object.body.len() as u64,
                sha256: crate::hash::sha256_hex(&object.body),
            });
            if is_log {
                s.add_checked_file(uri, &object.body, status == "valid");
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
    let html = crate::present::report_html::render_html(model, &digest, csp)
        .map_err(|e| format!("cannot render the report: {e}"))?;
    if let Some(path) = json_out {
        crate::source::record::write_atomic(path, &json)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    crate::source::record::write_atomic(out, html.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", out.display()))
}

/// Runs `report`.
pub async fn run(args: ReportArgs) -> u8 {
    let options = check::options(
        args.framework.as_deref(),
        args.config.as_deref(),
        args.as_of.as_deref(),
    );
    let (request, as_of) = match options {
        Ok(o) => o,
        Err(e) => return fail(&e),
    };
    let phase = std::time::Instant::now();
    let snapshot = match Box::pin(compliance_snapshot(&args)).await {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    tracing::info!(elapsed_ms = super::elapsed_ms(phase), "snapshot ready");

    let bundle = args.verify.bundle.clone();
    let key_file = args.verify.public_keys.clone().or_else(|| {
        bundle
            .as_ref()
            .map(|d| d.join(verify::BUNDLE_META).join("public-keys.json"))
            .filter(|p| p.exists())
    });
    let trail_arn = args.verify.trail_arn.clone();
    let phase = std::time::Instant::now();
    let (integrity, source) = match Box::pin(verify::verify_report(args.verify)).await {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    tracing::info!(elapsed_ms = super::elapsed_ms(phase), "verification done");

    let phase = std::time::Instant::now();
    let mut inputs = Vec::new();
    let summarizer = match super::summarize::record_limit() {
        Ok(limit) => super::summarize::summarizer(limit),
        Err(e) => return fail(&e),
    };
    let summary = summarize_listed(&source, &integrity, &mut inputs, summarizer).await;
    tracing::info!(elapsed_ms = super::elapsed_ms(phase), "summarised");
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
    let mut compliance = crate::report::check::build(&snapshot, &request, rules_now);
    compliance.exit_code = Some(exit::code(compliance.outcome));
    let generated = as_of.unwrap_or_else(now);
    let code = exit::worst(integrity.exit_code, exit::code(compliance.outcome));
    let model = ReportModel {
        schema: audit::SCHEMA,
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
            compliance: compliance.outcome.word().to_owned(),
            notable: audit::notable(&summary),
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
