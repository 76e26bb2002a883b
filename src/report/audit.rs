//! The audit report: one model ([`ReportModel`], written as JSON `trailproof.report/1`) and
//! one self-contained HTML rendering of it (askama, `templates/report.html`).
//!
//! Pure: the model is built by the CLI from the three results (integrity, compliance,
//! activity); this module only reads it. Every string that came from `CloudTrail`, S3 or
//! the account goes through askama's HTML escaping — nothing is marked safe — and charts
//! are inline SVG whose geometry is computed here from numbers only.

use serde::Serialize;

use crate::activity::summary::Summary;
use crate::detect::sigma::Level;
use crate::report::check::CheckReport;
use crate::report::hunt::{Hit, NotLoaded, RuleSummary};
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
    /// The detection rules run over the same records (the built-in pack and `--rules`).
    pub detections: Detections,
    /// Every input file with its SHA-256 (digests, logs, snapshot, keys, config).
    pub inputs: Vec<InputFile>,
}

/// How many events of each rule that fired the report shows.
pub const FIRST_EVENTS: usize = 5;

/// A detection rule that fired, with its first events (time, actor, event, file, verified).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FiredRule {
    /// The rule's figures.
    #[serde(flatten)]
    pub summary: RuleSummary,
    /// Its first hits in input order (at most [`FIRST_EVENTS`]).
    pub first_events: Vec<Hit>,
}

/// The Detections section: what the rules found in the records that were verified (or
/// read), rules by level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Detections {
    /// Rules loaded (and correlations).
    pub rules_loaded: usize,
    /// Rules refused, with why.
    pub rules_refused: Vec<NotLoaded>,
    /// The rules that fired, highest level first, then most hits.
    pub fired: Vec<FiredRule>,
}

impl Detections {
    /// The section from the rules that fired and the first hits kept of each.
    #[must_use]
    pub fn new(
        rules_loaded: usize,
        rules_refused: Vec<NotLoaded>,
        fired: Vec<RuleSummary>,
        first: &[Hit],
    ) -> Self {
        let fired = fired
            .into_iter()
            .map(|summary| FiredRule {
                first_events: first
                    .iter()
                    .filter(|h| h.rule_id == summary.rule_id)
                    .take(FIRST_EVENTS)
                    .cloned()
                    .collect(),
                summary,
            })
            .collect();
        Self {
            rules_loaded,
            rules_refused,
            fired,
        }
    }

    /// The headline lines: every high and critical rule that fired.
    #[must_use]
    pub fn headline(&self) -> Vec<String> {
        self.fired
            .iter()
            .filter(|f| f.summary.level >= Level::High)
            .map(|f| {
                format!(
                    "{} hit(s) of the {} detection \"{}\"",
                    f.summary.hits,
                    f.summary.level.as_str(),
                    f.summary.rule_title
                )
            })
            .collect()
    }
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
        detections: Detections,
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
                notable: detections
                    .headline()
                    .into_iter()
                    .chain(notable(&activity))
                    .collect(),
            },
            integrity,
            compliance,
            activity,
            detections,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(id: &str, level: Level, hits: u64) -> RuleSummary {
        RuleSummary {
            rule_id: id.to_owned(),
            rule_title: format!("rule {id}"),
            level,
            hits,
            verified_hits: hits,
            first: None,
            last: None,
            top_actors: Vec::new(),
            top_source_ips: Vec::new(),
        }
    }

    #[test]
    fn high_and_critical_detections_reach_the_headline_and_others_do_not() {
        let d = Detections::new(
            3,
            Vec::new(),
            vec![
                summary("c", Level::Critical, 1),
                summary("h", Level::High, 2),
                summary("m", Level::Medium, 9),
            ],
            &[],
        );
        assert_eq!(
            d.headline(),
            [
                "1 hit(s) of the critical detection \"rule c\"",
                "2 hit(s) of the high detection \"rule h\""
            ]
        );
    }
}
