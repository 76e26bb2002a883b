//! `trailproof report`: verify, check and summarize one trail and window, and write one
//! self-contained HTML audit report (plus the same model as JSON).
//!
//! Live (S3, `CloudTrail` and a live snapshot) or offline (`--bundle DIR --snapshot FILE`).
//! Every object is read once: the activity summary reads the bytes whose hash the
//! verification checked, and marks each record with whether its file was verified.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clap::Args;

use super::check::{self, AwsArgs};
use super::common::{fail, now};
use super::exit;
use super::trail::TrailArgs;
use crate::activity::summary::Summary;
use crate::audit::fetcher::Stored;
use crate::audit::item::Item;
use crate::audit::plan::BUNDLE_META;
use crate::audit::run::{Observer, Observers, verify};
use crate::audit::stream::Both;
use crate::detect::hunt::{Earliest, Hit, HuntConsumer, HuntOutcome, Sink};
use crate::detect::sigma::{Loaded, RuleSet};
use crate::report::audit::{Detections, FIRST_EVENTS, InputFile, ReportModel};
use crate::report::hunt::Rules;
use crate::report::verify::{Builder, VerifyReport};
use crate::vocab::Tool;

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
    /// Local log files or folders (exports from a SIEM or a data lake, which carry no
    /// digests): the same page from them, its integrity section saying nothing was verified.
    #[arg(long, value_name = "PATH", num_args = 1.., conflicts_with = "trail_arn")]
    pub logs: Vec<PathBuf>,
    /// Sigma rule files or folders to run besides the built-in detection rules (see
    /// `hunt`); their hits are listed in the Detections section.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub rules: Vec<PathBuf>,
    /// Test only: leave the Content-Security-Policy out (the escaping test proves the
    /// escaping alone keeps hostile text inert).
    #[arg(long, hide = true)]
    pub no_csp: bool,
    /// What to verify: the trail and window (the options of `verify` that choose what is
    /// read; its output and scheduling options mean nothing to a report).
    #[command(flatten)]
    pub trail: TrailArgs,
}

fn input_file(path: &Path) -> Option<InputFile> {
    let bytes = std::fs::read(path).ok()?;
    Some(InputFile {
        path: path.display().to_string(),
        bytes: bytes.len() as u64,
        sha256: crate::hash::sha256_hex(&bytes),
    })
}

/// The evidence appendix: every digest and log file the run read, with the SHA-256 and size
/// of the bytes as stored (from the one read the verification made).
#[derive(Default)]
struct Evidence(Vec<InputFile>);

impl Observer for Evidence {
    fn item(&mut self, item: &Item, stored: Option<&Stored>) {
        let Some(stored) = stored else { return };
        let path = match item {
            Item::Digest { location, .. }
            | Item::Log { location, .. }
            | Item::PendingLog(location) => location.uri(),
            Item::Finding(f) => f.subject.clone(),
            Item::Head(_) | Item::Gap { .. } => return,
        };
        self.0.push(InputFile {
            path,
            bytes: stored.bytes,
            sha256: stored.sha256.clone(),
        });
    }
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
        profile: args.trail.profile.clone(),
        region: None,
        endpoint_url: args.trail.endpoint_url.clone(),
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

/// The key file the verification reads (given, or the bundle's).
fn key_file(args: &ReportArgs) -> Option<PathBuf> {
    args.trail.public_keys.clone().or_else(|| {
        args.trail
            .bundle
            .as_ref()
            .map(|d| d.join(BUNDLE_META).join("public-keys.json"))
            .filter(|p| p.exists())
    })
}

/// Verifies the trail and summarises its log files in one read of each object: the
/// integrity document, the summary, and the evidence appendix of the objects read.
async fn verify_and_summarise(
    args: &ReportArgs,
    rules: Arc<RuleSet>,
) -> Result<(VerifyReport, Summary, HuntOutcome, Vec<Hit>, Vec<InputFile>), String> {
    let limits = super::summarize::limits()?;
    // The report verifies everything and reads; it never records anchors.
    let req = crate::audit::request::VerifyRequest {
        trail: args.trail.request()?,
        now: now(),
        checks: crate::audit::request::Checks::Full,
        state: None,
        limits,
    };
    let phase = std::time::Instant::now();
    let summary = super::summarize::stream_consumer(&limits, super::summarize::summarizer(&limits));
    let (hunt, first) = detections_consumer(rules, &limits);
    let mut consumer = Both(summary, hunt);
    let mut evidence = Evidence::default();
    let mut builder = Builder::default();
    let mut tracker = super::verify::Tracker::new(false);
    let verified = {
        let mut observers = Observers(vec![&mut tracker, &mut builder, &mut evidence]);
        verify(&req, &mut consumer, &mut observers)
            .await
            .map_err(|e| e.to_string())?
    };
    let mut integrity = builder.finish(&verified.plan, &verified.result);
    integrity.exit_code = Some(exit::code(integrity.outcome));
    let Both(summary, hunt) = consumer;
    let summary = summary.finish();
    let detections = hunt.finish();
    tracing::info!(
        elapsed_ms = super::common::elapsed_ms(phase),
        "verified, summarised and hunted"
    );
    Ok((integrity, summary, detections, earliest(&first), evidence.0))
}

/// The detection rules as a consumer of the same records, keeping the earliest hits of each
/// rule for the section (the rest are only counted).
fn detections_consumer(
    rules: Arc<RuleSet>,
    limits: &crate::limits::Limits,
) -> (HuntConsumer<'static>, Arc<Mutex<Earliest>>) {
    let first = Arc::new(Mutex::new(Earliest::new(FIRST_EVENTS)));
    let kept = Arc::clone(&first);
    let sink: Sink<'static> = Box::new(move |hit: &Hit, _: &serde_json::Value| {
        if let Ok(mut kept) = kept.lock() {
            kept.add(hit);
        }
    });
    let hunt = HuntConsumer::new(
        rules,
        crate::limits::MAX_ACTIVITY_INFLATED_BYTES,
        limits.max_record_bytes,
        false,
        sink,
    );
    (hunt, first)
}

fn earliest(first: &Mutex<Earliest>) -> Vec<Hit> {
    first
        .lock()
        .map(|mut f| std::mem::take(&mut *f).into_hits())
        .unwrap_or_default()
}

/// `report --logs`: the same page from local files, which carry no digests: the integrity
/// section says nothing was verified and why; compliance only with `--snapshot`.
#[allow(clippy::too_many_lines)] // inputs → one read → the model's parts → the page
fn run_local(args: &ReportArgs) -> u8 {
    if args.trail.any_given() {
        return fail(
            "the options of verify (--start-time, --bundle, …) need --trail-arn; --logs reads local files, unverified",
        );
    }
    let (request, as_of) = match check_options(args) {
        Ok(o) => o,
        Err(e) => return fail(&e),
    };
    let limits = match super::summarize::limits() {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let loaded = match super::hunt::read_rules(&args.rules, true) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let listed = crate::source::files::list(&args.logs);
    if let Some((p, crate::vocab::Unreadable::NotFound)) = listed.missing.first() {
        return fail(&format!("no such file or folder: {}", p.display()));
    }
    let rules_doc = Rules::from_loaded(&loaded);
    let summary = crate::activity::consumer::SummaryConsumer::new(
        super::summarize::summarizer(&limits),
        crate::limits::MAX_ACTIVITY_INFLATED_BYTES,
        limits.max_record_bytes,
    );
    let (hunt, first) = detections_consumer(Arc::new(loaded.rules), &limits);
    let mut consumer = Both(summary, hunt);
    crate::audit::local::read_local(
        &listed,
        &mut consumer,
        crate::limits::MAX_ACTIVITY_INFLATED_BYTES,
    );
    let Both(summary, hunt) = consumer;
    let mut summary = summary.finish();
    add_drilldown(&mut summary);
    let hunted = hunt.finish();
    super::hunt::list_problems(
        &Loaded {
            rules: RuleSet::default(),
            skipped: loaded.skipped,
            refused: loaded.refused,
        },
        None,
    );
    if summary.files.is_empty() {
        return fail("no log file could be read from the input");
    }
    let snapshot = match args
        .snapshot
        .as_deref()
        .map(check::read_snapshot)
        .transpose()
    {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let generated = as_of.unwrap_or_else(now);
    let mut compliance = match &snapshot {
        Some(s) => {
            let rules_now = as_of
                .or_else(|| crate::time::parse_user_time(&s.taken_at).ok())
                .unwrap_or_else(now);
            crate::report::check::build(s, &request, rules_now)
        }
        None => crate::report::check::CheckReport::not_evaluated(crate::time::format_rfc3339(
            &generated,
        )),
    };
    compliance.exit_code = snapshot.is_some().then(|| exit::code(compliance.outcome));
    let detections = Detections::new(
        rules_doc.loaded.len(),
        rules_doc.refused.clone(),
        hunted.tally.summaries(),
        &earliest(&first),
    );
    let sources: Vec<String> = args.logs.iter().map(|p| p.display().to_string()).collect();
    let mut inputs: Vec<InputFile> = summary
        .files
        .iter()
        .map(|f| InputFile {
            path: f.file.clone(),
            bytes: f.bytes,
            sha256: f.sha256.clone(),
        })
        .collect();
    inputs.extend(
        [args.snapshot.as_deref(), args.config.as_deref()]
            .into_iter()
            .flatten()
            .filter_map(input_file),
    );
    inputs.extend(rule_inputs(&args.rules));
    let lost = summary.skipped.files.iter().any(|f| f.reason.is_loss());
    let (first_time, last_time) = (
        summary.first_event_time.clone().unwrap_or_default(),
        summary.last_event_time.clone().unwrap_or_default(),
    );
    let mut model = ReportModel::new(
        Tool::default(),
        crate::time::format_rfc3339(&generated),
        std::env::args().collect(),
        "(local files, unverified)".to_owned(),
        VerifyReport::not_verified(&sources.join(", ")),
        compliance,
        summary,
        detections,
        inputs,
    );
    "not verified".clone_into(&mut model.headline.integrity);
    if snapshot.is_none() {
        "not evaluated".clone_into(&mut model.headline.compliance);
    }
    model.window_start = first_time;
    model.window_end = last_time;
    if let Err(e) = write_outputs(&args.out, args.json.as_deref(), !args.no_csp, &model) {
        return fail(&e);
    }
    let _ = writeln!(
        std::io::stderr(),
        "report written to {} (integrity not verified: local files, compliance {}, {} notable)",
        args.out.display(),
        model.headline.compliance,
        model.headline.notable.len()
    );
    let mut code = if snapshot.is_some() {
        exit::code(model.compliance.outcome)
    } else {
        exit::CLEAN
    };
    if lost || !model.detections.rules_refused.is_empty() {
        code = exit::worst(code, exit::INCOMPLETE);
    }
    code
}

/// The drill-down commands of the summary's figures, with this report's input options.
fn add_drilldown(summary: &mut Summary) {
    let command_words: Vec<String> = std::env::args().collect();
    super::summarize::set_drilldown(
        summary,
        &crate::present::report_html::search_input(&command_words),
    );
}

/// The compliance request and `--as-of` of the report's options.
fn check_options(
    args: &ReportArgs,
) -> Result<
    (
        crate::report::check::CheckRequest,
        Option<crate::time::UtcTime>,
    ),
    String,
> {
    check::options(
        args.framework.as_deref(),
        args.config.as_deref(),
        args.as_of.as_deref(),
    )
}

/// The rule files of `--rules`, for the evidence appendix.
fn rule_inputs(paths: &[PathBuf]) -> Vec<InputFile> {
    crate::source::files::list_rules(paths)
        .files
        .iter()
        .filter_map(|p| input_file(p))
        .collect()
}

/// Runs `report`.
pub async fn run(args: ReportArgs) -> u8 {
    if !args.logs.is_empty() {
        return run_local(&args);
    }
    let (request, as_of) = match check_options(&args) {
        Ok(o) => o,
        Err(e) => return fail(&e),
    };
    let phase = std::time::Instant::now();
    let snapshot = match Box::pin(compliance_snapshot(&args)).await {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    tracing::info!(
        elapsed_ms = super::common::elapsed_ms(phase),
        "snapshot ready"
    );

    let trail_arn = args.trail.trail_arn.clone().unwrap_or_default();
    let loaded = match super::hunt::read_rules(&args.rules, true) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let rules_doc = Rules::from_loaded(&loaded);
    let rules = Arc::new(loaded.rules);
    let (integrity, mut summary, hunted, first, mut inputs) =
        match verify_and_summarise(&args, Arc::clone(&rules)).await {
            Ok(r) => r,
            Err(e) => return fail(&e),
        };
    add_drilldown(&mut summary);
    super::hunt::list_problems(
        &Loaded {
            rules: RuleSet::default(),
            skipped: loaded.skipped,
            refused: loaded.refused,
        },
        None,
    );
    inputs.extend(rule_inputs(&args.rules));
    let detections = Detections::new(
        rules_doc.loaded.len(),
        rules_doc.refused.clone(),
        hunted.tally.summaries(),
        &first,
    );
    inputs.extend(
        [
            args.snapshot.as_deref(),
            key_file(&args).as_deref(),
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
    let code = exit::worst(
        exit::code(integrity.outcome),
        exit::code(compliance.outcome),
    );
    // A refused rule leaves the detections incomplete; hits are listed, not a verdict of
    // the report (the built-in pack reports routine calls at low levels).
    let code = if detections.rules_refused.is_empty() {
        code
    } else {
        exit::worst(code, exit::INCOMPLETE)
    };
    let model = ReportModel::new(
        Tool::default(),
        crate::time::format_rfc3339(&generated),
        std::env::args().collect(),
        trail_arn,
        integrity,
        compliance,
        summary,
        detections,
        inputs,
    );
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
