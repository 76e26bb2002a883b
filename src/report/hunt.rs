//! The documents of `hunt`: for now the one-line-per-match model [`Hit`] (issue 12, item 5:
//! the `jsonl` line) and the rule [`Level`] it carries. Data only: which record matches
//! which rule is decided by the detection engine, never here, and no output is formatted
//! here (the presenters write the lines, [`super::ocsf`] maps a hit to OCSF).

use serde::{Deserialize, Serialize};

/// A Sigma rule's `level` (Sigma rules specification, "level"), lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// No threat by itself; for enrichment or context.
    Informational,
    /// Notable, rarely a threat.
    Low,
    /// Relevant; to be reviewed.
    Medium,
    /// Should be reviewed soon.
    High,
    /// To be reviewed at once; a very low false-positive rate is expected.
    Critical,
}

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
