//! The documents of `hunt`: the one-line-per-match model [`Hit`] (the `jsonl` line), the
//! rule [`Level`] it carries, and the whole run's document [`HuntReport`]
//! (`trailproof.hunt/1`) with its per-rule summaries. Data only: which record matches which
//! rule is decided by the detection engine, never here, and no output is formatted here
//! (the presenters write the lines, [`super::ocsf`] maps a hit to OCSF).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::audit::tally::Counts;
use crate::vocab::{Outcome, Tool};

use crate::detect::hunt::lost_input;
pub use crate::detect::hunt::{Hit, HuntOutcome, Input, RuleSummary, SkippedFile, summarise};
use crate::detect::sigma;
pub use crate::detect::sigma::Level;

/// JSON schema tag of a [`HuntReport`].
pub const SCHEMA: &str = "trailproof.hunt/1";

/// A rule (or correlation) that was loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadedRule {
    /// Its `id` (else its file path).
    pub id: String,
    /// Its `title`.
    pub title: String,
    /// Its `level`.
    pub level: Level,
    /// The file it came from (`builtin:…` for the built-in pack).
    pub file: String,
    /// `rule` or `correlation`.
    pub kind: RuleKind,
    /// Whether its matches are reported (a rule a correlation reads, and does not ask to
    /// generate, reports nothing itself).
    pub reports: bool,
}

/// What a loaded rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// A detection rule.
    Rule,
    /// A correlation rule.
    Correlation,
}

/// A rule that was not loaded, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotLoaded {
    /// The file.
    pub file: String,
    /// The line, where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The rule (id, else title), where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Why: for a skipped rule, its logsource; for a refused one, what is not supported or
    /// what is wrong, by name.
    pub reason: String,
}

/// The rules of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Rules {
    /// Loaded and evaluated.
    pub loaded: Vec<LoadedRule>,
    /// Not for AWS `CloudTrail` (their logsource): passed over.
    pub skipped: Vec<NotLoaded>,
    /// Refused: unsupported or invalid (the run is incomplete).
    pub refused: Vec<NotLoaded>,
}

/// The hunt document (`--format json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HuntReport {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// Tool identity.
    pub tool: Tool,
    /// What was hunted: the `--logs` paths, or the trail (`trail_arn`, window…).
    pub inputs: BTreeMap<String, serde_json::Value>,
    /// The rules.
    pub rules: Rules,
    /// What was read.
    pub input: Input,
    /// The verification's counts, when the logs came from a trail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<Counts>,
    /// Hits per rule id.
    pub hits_by_rule: BTreeMap<String, u64>,
    /// The rules that fired, highest level first, then most hits.
    pub fired: Vec<RuleSummary>,
    /// Every hit, in input order (correlation hits after the others).
    pub hits: Vec<Hit>,
    /// `findings` when a hit was reported (or the verification found tampering), `incomplete`
    /// when input was lost, a rule refused or the verification incomplete, else `clean`.
    pub outcome: Outcome,
    /// The process exit code, written by the command line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u8>,
}

impl NotLoaded {
    fn from_engine(p: &sigma::NotLoaded) -> Self {
        Self {
            file: p.file.clone(),
            line: p.line,
            rule: p.rule.clone(),
            reason: p.reason.clone(),
        }
    }
}

impl Rules {
    /// The rules of a load, as the document lists them.
    #[must_use]
    pub fn from_loaded(loaded: &sigma::Loaded) -> Self {
        Self {
            loaded: loaded
                .rules
                .rules()
                .iter()
                .map(|m| LoadedRule {
                    id: m.id.clone(),
                    title: m.title.clone(),
                    level: m.level,
                    file: m.file.clone(),
                    kind: match m.kind {
                        sigma::Kind::Rule => RuleKind::Rule,
                        sigma::Kind::Correlation => RuleKind::Correlation,
                    },
                    reports: m.reports,
                })
                .collect(),
            skipped: loaded.skipped.iter().map(NotLoaded::from_engine).collect(),
            refused: loaded.refused.iter().map(NotLoaded::from_engine).collect(),
        }
    }
}

/// A hunt's outcome: findings when a hit was reported or the verification found
/// tampering; else incomplete when input was lost, a rule was refused, a correlation match
/// could not be placed in time, or the verification was incomplete; else clean.
#[must_use]
pub fn outcome(
    hits: u64,
    rules: &Rules,
    done: &HuntOutcome,
    verification: Option<Outcome>,
) -> Outcome {
    if hits > 0 || verification == Some(Outcome::Findings) {
        Outcome::Findings
    } else if lost_input(&done.input)
        || !rules.refused.is_empty()
        || done.untimed > 0
        || matches!(verification, Some(Outcome::Incomplete | Outcome::NotRun))
    {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    }
}

impl HuntReport {
    /// The document of a finished hunt. `hits` are the hits kept for it (every hit for
    /// `--format json`; the first of each rule for the formats that show only those).
    #[must_use]
    pub fn new(
        inputs: BTreeMap<String, serde_json::Value>,
        rules: Rules,
        done: HuntOutcome,
        hits: Vec<Hit>,
        verification: Option<(Counts, Outcome)>,
    ) -> Self {
        let hits_by_rule = done.tally.by_rule();
        let total: u64 = hits_by_rule.values().sum();
        let outcome = outcome(total, &rules, &done, verification.as_ref().map(|v| v.1));
        Self {
            schema: SCHEMA,
            tool: Tool::default(),
            inputs,
            rules,
            fired: done.tally.summaries(),
            input: done.input,
            verification: verification.map(|v| v.0),
            hits_by_rule,
            hits,
            outcome,
            exit_code: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_line_has_the_issue_keys_in_order_and_lowercase_level() {
        let hit = Hit {
            rule_id: "r-1".to_owned(),
            rule_title: "Root use".to_owned(),
            level: Level::High,
            correlation: None,
            event_id: Some("e-1".to_owned()),
            event_time: Some("2026-03-01T10:00:00Z".to_owned()),
            event_name: Some("ConsoleLogin".to_owned()),
            event_source: Some("signin.amazonaws.com".to_owned()),
            actor: Some("root".to_owned()),
            source_ip: Some("198.51.100.7".to_owned()),
            account: Some("111122223333".to_owned()),
            region: None,
            file: "logs/a.json.gz".to_owned(),
            verified: true,
        };
        let line = serde_json::to_string(&hit).unwrap();
        assert_eq!(
            line,
            r#"{"rule_id":"r-1","rule_title":"Root use","level":"high","event_id":"e-1","event_time":"2026-03-01T10:00:00Z","event_name":"ConsoleLogin","event_source":"signin.amazonaws.com","actor":"root","source_ip":"198.51.100.7","account":"111122223333","region":null,"file":"logs/a.json.gz","verified":true}"#
        );
        let back: Hit = serde_json::from_str(&line).unwrap();
        assert_eq!(back, hit);
        assert!(Level::Informational < Level::Critical);
    }
}
