//! The documents of `hunt`: the one-line-per-match model [`Hit`] (the `jsonl` line), the
//! rule [`Level`] it carries, and the whole run's document [`HuntReport`]
//! (`trailproof.hunt/1`) with its per-rule summaries. Data only: which record matches which
//! rule is decided by the detection engine, never here, and no output is formatted here
//! (the presenters write the lines, [`super::ocsf`] maps a hit to OCSF).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::audit::tally::Counts;
use crate::vocab::{Outcome, Tool};

pub use crate::detect::sigma::Level;

/// One (rule, record) match: one line of `hunt --format jsonl`. A record matched by two
/// rules is two hits; a record read twice (the same `eventID` in one file or in two) is two
/// hits. A correlation match is one hit per contributing record, each carrying the
/// correlation rule's id in [`Self::correlation`].
///
/// The record's fields are copied as found: attacker-controlled text, escaped only by the
/// presenter of each format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    /// The rule's `id`, or its file path when it has none.
    pub rule_id: String,
    /// The rule's `title`.
    pub rule_title: String,
    /// The rule's `level`.
    pub level: Level,
    /// The correlation rule's id, when this hit is one of the records a correlation matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation: Option<String>,
    /// `eventID`.
    pub event_id: Option<String>,
    /// `eventTime`, as written in the record.
    pub event_time: Option<String>,
    /// `eventName`.
    pub event_name: Option<String>,
    /// `eventSource`.
    pub event_source: Option<String>,
    /// The actor key the summary shows for the record's `userIdentity`.
    pub actor: Option<String>,
    /// `sourceIPAddress`.
    pub source_ip: Option<String>,
    /// `recipientAccountId`.
    pub account: Option<String>,
    /// `awsRegion`.
    pub region: Option<String>,
    /// The log file the record was read from, as `summarize` lists it.
    pub file: String,
    /// Whether that file's hash matched a verified digest.
    pub verified: bool,
}

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

/// A file that gave no records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedFile {
    /// The file.
    pub file: String,
    /// The reason code (`not_a_log` changes nothing; `not_json`, `gzip_invalid`,
    /// `too_large`, `unreadable` mean input was lost).
    pub reason: &'static str,
}

/// What was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Input {
    /// Log files read.
    pub files: u64,
    /// Of which verified (their hash matched a validly signed digest in this run).
    pub verified_files: u64,
    /// Records read (repeats included).
    pub records: u64,
    /// Records whose `eventID` was seen before (read and hunted, never dropped).
    pub repeated_event_ids: u64,
    /// Files that gave no records.
    pub skipped: Vec<SkippedFile>,
}

/// One rule that fired, in short: what the text and Markdown show before the hits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSummary {
    /// The rule's id.
    pub rule_id: String,
    /// Its title.
    pub rule_title: String,
    /// Its level.
    pub level: Level,
    /// Hits.
    pub hits: u64,
    /// Hits whose file was verified.
    pub verified_hits: u64,
    /// Earliest `eventTime` of its hits (as written).
    pub first: Option<String>,
    /// Latest.
    pub last: Option<String>,
    /// Actors by hits, most first (at most five).
    pub top_actors: Vec<(String, u64)>,
    /// Source addresses by hits, most first (at most five).
    pub top_source_ips: Vec<(String, u64)>,
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

/// The rules that fired, from their hits: highest level first, then most hits, then id.
#[must_use]
pub fn summarise(hits: &[Hit]) -> Vec<RuleSummary> {
    let mut by_rule: BTreeMap<&str, Vec<&Hit>> = BTreeMap::new();
    for h in hits {
        by_rule.entry(&h.rule_id).or_default().push(h);
    }
    let top = |values: &mut dyn Iterator<Item = Option<&String>>| {
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for v in values.flatten() {
            *counts.entry(v).or_default() += 1;
        }
        let mut v: Vec<(String, u64)> =
            counts.into_iter().map(|(k, n)| (k.to_owned(), n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v.truncate(5);
        v
    };
    let mut out: Vec<RuleSummary> = by_rule
        .into_iter()
        .map(|(id, hs)| {
            let times = hs.iter().filter_map(|h| h.event_time.as_deref());
            RuleSummary {
                rule_id: id.to_owned(),
                rule_title: hs[0].rule_title.clone(),
                level: hs[0].level,
                hits: hs.len() as u64,
                verified_hits: hs.iter().filter(|h| h.verified).count() as u64,
                first: times.clone().min().map(str::to_owned),
                last: times.max().map(str::to_owned),
                top_actors: top(&mut hs.iter().map(|h| h.actor.as_ref())),
                top_source_ips: top(&mut hs.iter().map(|h| h.source_ip.as_ref())),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.level
            .cmp(&a.level)
            .then(b.hits.cmp(&a.hits))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
    });
    out
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
