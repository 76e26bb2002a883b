//! The compliance document (`trailproof.check/1`): every control's result on one snapshot,
//! the waivers in effect, counts per status and the [`Outcome`], built by [`build`] from a
//! snapshot and a [`CheckRequest`]. Pure: no I/O, no clock ("now" is an argument), and no
//! exit code (the command line maps the outcome and stamps it).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::controls::catalog::Framework;
use crate::controls::config::CheckConfig;
use crate::controls::eval;
use crate::controls::result::{ControlResult, Status};
use crate::controls::waivers::{self, WaiverReport};
use crate::snapshot::model::Snapshot;
use crate::time::UtcTime;
use crate::vocab::Outcome;

/// Schema of the compliance document.
pub const SCHEMA: &str = "trailproof.check/1";

/// What to evaluate a snapshot against: the options of `check` (and of `report`'s
/// compliance part). The default evaluates every control with the default settings and no
/// waivers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckRequest {
    /// Only the controls mapped to this framework, with only its references.
    pub framework: Option<Framework>,
    /// Thresholds and accepted exceptions.
    pub config: CheckConfig,
    /// MANUAL results count as findings.
    pub strict: bool,
}

/// A selected framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrameworkLabel {
    /// What was typed, e.g. `cis-3.0`.
    pub selector: String,
    /// Display name, e.g. `CIS 3.0`.
    pub name: String,
}

/// The outcome of `check` as a document (`trailproof.check/1`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// Tool version.
    pub tool_version: &'static str,
    /// Account evaluated.
    pub account: String,
    /// When the snapshot was taken.
    pub snapshot_taken_at: String,
    /// "Now" of the time-dependent rules.
    pub as_of: String,
    /// Regions scanned.
    pub regions: Vec<String>,
    /// The framework selected, if any.
    pub framework: Option<FrameworkLabel>,
    /// Unwaived results per status word (`PASS`, `FAIL`, `MANUAL`, `ERROR`,
    /// `NOT_APPLICABLE`), and `WAIVED`: how many were waived.
    pub summary: BTreeMap<&'static str, usize>,
    /// The process exit code, written by the command line (a library caller maps
    /// [`Self::outcome`] itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u8>,
    /// `clean`, `findings` or `incomplete`.
    pub outcome: Outcome,
    /// What happened to the waivers.
    pub waivers: WaiverReport,
    /// One result per control and resource.
    pub results: Vec<ControlResult>,
}

impl CheckReport {
    /// The compliance document when no snapshot was given to a report over local files:
    /// nothing evaluated (no result is guessed).
    #[must_use]
    pub fn not_evaluated(as_of: String) -> Self {
        Self {
            schema: SCHEMA,
            tool_version: env!("CARGO_PKG_VERSION"),
            account: String::new(),
            snapshot_taken_at: "not evaluated: no --snapshot".to_owned(),
            as_of,
            regions: Vec::new(),
            framework: None,
            summary: BTreeMap::new(),
            exit_code: None,
            outcome: Outcome::NotRun,
            waivers: crate::controls::waivers::WaiverReport::default(),
            results: Vec::new(),
        }
    }
}

/// The outcome of results: findings on an unwaived FAIL (or, when `strict`, an unwaived
/// MANUAL with no ERROR); else incomplete on an unwaived ERROR; else clean.
#[must_use]
pub fn outcome_of(results: &[ControlResult], strict: bool) -> Outcome {
    let live = |s: Status| results.iter().any(|r| !r.waived && r.status == s);
    if live(Status::Fail) || (strict && live(Status::Manual) && !live(Status::Error)) {
        Outcome::Findings
    } else if live(Status::Error) {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    }
}

/// Evaluates `snap` as `request` asks, with `as_of` as the "now" of the time-dependent
/// rules (delivery age, waiver expiry): every control (or the framework's), the waivers in
/// force, the counts and the outcome.
#[must_use]
pub fn build(snap: &Snapshot, request: &CheckRequest, as_of: UtcTime) -> CheckReport {
    let mut results = eval::evaluate(snap, &request.config.settings, as_of);
    if let Some(fw) = &request.framework {
        results = eval::select_framework(results, fw);
    }
    let waivers = waivers::apply(&mut results, &request.config.waivers, as_of.date_naive());
    let mut summary = BTreeMap::new();
    for s in [
        Status::Pass,
        Status::Fail,
        Status::Manual,
        Status::Error,
        Status::NotApplicable,
    ] {
        summary.insert(
            s.word(),
            results
                .iter()
                .filter(|r| !r.waived && r.status == s)
                .count(),
        );
    }
    summary.insert("WAIVED", results.iter().filter(|r| r.waived).count());
    CheckReport {
        schema: SCHEMA,
        tool_version: env!("CARGO_PKG_VERSION"),
        account: snap
            .identity
            .value()
            .map_or_else(|| "unknown".to_owned(), |i| i.account.clone()),
        snapshot_taken_at: snap.taken_at.clone(),
        as_of: crate::time::format_rfc3339(&as_of),
        regions: snap.scanned_regions.clone(),
        framework: request.framework.as_ref().map(|f| FrameworkLabel {
            selector: f.selector(),
            name: f.name(),
        }),
        summary,
        exit_code: None,
        outcome: outcome_of(&results, request.strict),
        waivers,
        results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::catalog::Severity;

    fn result(status: Status, waived: bool) -> ControlResult {
        ControlResult {
            control_id: "CT-01",
            check: None,
            title: "t",
            resource: "r".to_owned(),
            account: "1".to_owned(),
            region: "us-east-1".to_owned(),
            status,
            severity: Severity::High,
            reason: "why".to_owned(),
            evidence: vec![],
            remediation: "fix",
            frameworks: vec![],
            waived,
            waiver: None,
        }
    }

    #[test]
    fn outcome_findings_beat_errors_and_waived_results_do_not_count() {
        use Status::{Error, Fail, Manual, NotApplicable, Pass};
        for (statuses, strict, want) in [
            (
                vec![(Pass, false), (NotApplicable, false)],
                false,
                Outcome::Clean,
            ),
            (
                vec![(Fail, false), (Error, false)],
                false,
                Outcome::Findings,
            ),
            (vec![(Fail, true), (Pass, false)], false, Outcome::Clean),
            (
                vec![(Error, false), (Manual, false)],
                false,
                Outcome::Incomplete,
            ),
            (vec![(Manual, false)], false, Outcome::Clean),
            (vec![(Manual, false)], true, Outcome::Findings),
            (
                vec![(Manual, false), (Error, false)],
                true,
                Outcome::Incomplete,
            ),
        ] {
            let results: Vec<ControlResult> =
                statuses.iter().map(|(s, w)| result(*s, *w)).collect();
            assert_eq!(outcome_of(&results, strict), want, "{statuses:?} {strict}");
        }
    }

    #[test]
    fn exit_code_is_written_only_once_stamped_and_before_the_outcome() {
        let mut report = CheckReport {
            schema: SCHEMA,
            tool_version: "0",
            account: "1".to_owned(),
            snapshot_taken_at: "2026-03-02T00:30:00Z".to_owned(),
            as_of: "2026-03-02T00:30:00Z".to_owned(),
            regions: vec![],
            framework: None,
            summary: BTreeMap::new(),
            exit_code: None,
            outcome: Outcome::Clean,
            waivers: WaiverReport::default(),
            results: vec![],
        };
        let json = serde_json::to_string(&report).unwrap();
        assert!(!json.contains("exit_code"), "{json}");
        assert!(json.contains(r#""summary":{},"outcome":"clean""#), "{json}");
        report.exit_code = Some(0);
        let json = serde_json::to_string(&report).unwrap();
        assert!(
            json.contains(r#""exit_code":0,"outcome":"clean""#),
            "{json}"
        );
    }
}
