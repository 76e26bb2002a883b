//! The audit report: one model ([`ReportModel`], written as JSON `trailproof.report/1`) and
//! one self-contained HTML rendering of it (askama, `templates/report.html`).
//!
//! Pure: the model is built by the CLI from the three results (integrity, compliance,
//! activity); this module only reads it. Every string that came from `CloudTrail`, S3 or
//! the account goes through askama's HTML escaping — nothing is marked safe — and charts
//! are inline SVG whose geometry is computed here from numbers only.

use serde::Serialize;

use crate::activity::summary::Summary;
use crate::report::check::CheckReport;
use crate::report::verify::VerifyReport;
use crate::vocab::Tool;

/// The schema tag of the report JSON.
pub const SCHEMA: &str = "trailproof.report/1";

/// One input file and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputFile {
    /// Path (or `s3://bucket/key`).
    pub path: String,
    /// Size.
    pub bytes: u64,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
}

/// The one-line answers at the top.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Headline {
    /// `clean`, `findings`, `incomplete` or `not_run` (the verify outcome).
    pub integrity: String,
    /// `clean`, `findings`, `incomplete` (the check outcome).
    pub compliance: String,
    /// Notable activity, one sentence each (root use, console sign-ins without MFA,
    /// logging tampering, denials …); empty when nothing stands out.
    pub notable: Vec<String>,
}

/// Everything the report shows.
#[derive(Debug, Serialize)]
pub struct ReportModel {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// Tool identity.
    pub tool: Tool,
    /// Generation time (`--as-of`, else the clock), RFC 3339 UTC.
    pub generated_at: String,
    /// The command line that produced it.
    pub command_line: Vec<String>,
    /// The trail.
    pub trail_arn: String,
    /// Requested window start.
    pub window_start: String,
    /// Requested window end.
    pub window_end: String,
    /// Headline verdicts.
    pub headline: Headline,
    /// `verify` result (`trailproof.verify/1`).
    pub integrity: VerifyReport,
    /// `check` result (`trailproof.check/1`).
    pub compliance: CheckReport,
    /// Activity summary of the log files the verification read (`trailproof.summary/1`).
    pub activity: Summary,
    /// Every input file with its SHA-256 (digests, logs, snapshot, keys, config).
    pub inputs: Vec<InputFile>,
}

impl ReportModel {
    /// The report of one run: the headline is decided here from the three results.
    #[must_use]
    #[allow(clippy::too_many_arguments)] // the report's parts, each its own document
    pub fn new(
        tool: Tool,
        generated_at: String,
        command_line: Vec<String>,
        trail_arn: String,
        integrity: VerifyReport,
        compliance: CheckReport,
        activity: Summary,
        inputs: Vec<InputFile>,
    ) -> Self {
        let window = |f: fn(&crate::report::verify::Coverage) -> &String| {
            integrity
                .regions
                .first()
                .map(|r| f(&r.coverage).clone())
                .unwrap_or_default()
        };
        Self {
            schema: SCHEMA,
            tool,
            generated_at,
            command_line,
            trail_arn,
            window_start: window(|c| &c.requested_start),
            window_end: window(|c| &c.requested_end),
            headline: Headline {
                integrity: integrity.outcome.word().to_owned(),
                compliance: compliance.outcome.word().to_owned(),
                notable: notable(&activity),
            },
            integrity,
            compliance,
            activity,
            inputs,
        }
    }
}

/// Notable activity sentences for the headline, from the summary (pure, deterministic).
#[must_use]
pub fn notable(s: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    if s.root_events > 0 {
        out.push(format!(
            "{} action(s) by the root user (CIS 4.3)",
            s.root_events
        ));
    }
    if s.console_logins.without_mfa > 0 {
        out.push(format!(
            "{} console sign-in(s) without MFA (CIS 4.2)",
            s.console_logins.without_mfa
        ));
    }
    if s.console_logins.failure > 0 {
        out.push(format!(
            "{} failed console sign-in(s) (CIS 4.6)",
            s.console_logins.failure
        ));
    }
    for (id, what) in [
        ("4.5", "change(s) to CloudTrail configuration"),
        ("4.4", "IAM policy change(s)"),
        ("4.7", "KMS key disable or deletion event(s)"),
        ("4.9", "AWS Config change(s)"),
    ] {
        if let Some(c) = s.cis_monitoring.get(id).filter(|c| c.count > 0) {
            out.push(format!("{} {what} (CIS {id})", c.count));
        }
    }
    let tamper: u64 = [
        "PutEventSelectors",
        "PutInsightSelectors",
        "DeleteTrail",
        "StopLogging",
    ]
    .iter()
    .filter_map(|n| s.by_event_name.get(*n))
    .sum();
    if tamper > 0 {
        out.push(format!(
            "{tamper} call(s) that can blind or stop a trail (StopLogging, DeleteTrail, PutEventSelectors, PutInsightSelectors)"
        ));
    }
    if s.access_denied > 0 {
        out.push(format!(
            "{} unauthorized API call(s) (CIS 4.1)",
            s.access_denied
        ));
    }
    out
}
