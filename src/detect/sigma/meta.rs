//! The vocabulary of the engine: rule files, rule identities, levels, what was not loaded,
//! and the quick fields the rule index reads.

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

impl Level {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "informational" => Self::Informational,
            "low" => Self::Low,
            "medium" => Self::Medium,
            "high" => Self::High,
            "critical" => Self::Critical,
            _ => return None,
        })
    }

    /// The level as Sigma writes it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Informational => "informational",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

/// One rule file's text and the name it is reported under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleText {
    /// The file, as the user named it (or `builtin:…`).
    pub file: String,
    /// Its contents.
    pub text: String,
}

/// What a loaded rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A detection rule.
    Rule,
    /// A correlation rule.
    Correlation,
}

/// A loaded rule's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMeta {
    /// Its `id`, or its file path when it has none (with `#n` for the n-th document of a
    /// file holding several).
    pub id: String,
    /// Its `name`, when given (what correlations may refer to).
    pub name: Option<String>,
    /// Its `title`.
    pub title: String,
    /// Its `level` (`informational` when the rule gives none).
    pub level: Level,
    /// Its `description`.
    pub description: Option<String>,
    /// Its `tags`.
    pub tags: Vec<String>,
    /// The file it came from.
    pub file: String,
    /// The line its document starts on.
    pub line: usize,
    /// Rule or correlation.
    pub kind: Kind,
    /// Whether its matches are reported: false for a rule marked `generate: false`, and for
    /// a rule a correlation reads when that correlation does not ask for `generate: true`.
    pub reports: bool,
}

/// A rule file or document that was not loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotLoaded {
    /// The file.
    pub file: String,
    /// The line, where known.
    pub line: Option<usize>,
    /// The rule (id, else title), where known.
    pub rule: Option<String>,
    /// Why.
    pub reason: String,
}

/// A field a record is indexed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuickField {
    /// `eventName`.
    EventName,
    /// `eventSource`.
    EventSource,
    /// `errorCode`.
    ErrorCode,
    /// `userIdentity.type`.
    IdentityType,
}

impl QuickField {
    /// Every quick field, in the order a rule is indexed by (the first it requires).
    pub const ALL: [Self; 4] = [
        Self::EventName,
        Self::EventSource,
        Self::ErrorCode,
        Self::IdentityType,
    ];

    pub(crate) fn path(self) -> &'static str {
        match self {
            Self::EventName => "eventName",
            Self::EventSource => "eventSource",
            Self::ErrorCode => "errorCode",
            Self::IdentityType => "userIdentity.type",
        }
    }
}

/// What a record holds in a [`QuickField`], as the caller's typed decoding saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuickValue<'a> {
    /// No such key.
    Absent,
    /// JSON null.
    Null,
    /// A string.
    Str(&'a str),
    /// Anything else (a number, a list, an object): every rule indexed by the field is a
    /// candidate.
    Other,
}
