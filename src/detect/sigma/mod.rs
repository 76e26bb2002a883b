//! Sigma detection rules over `CloudTrail` records, by the specification (SigmaHQ
//! `sigma-specification`: the rules specification, its value-modifiers appendix and the
//! correlation rules specification).
//!
//! [`load`] reads rule files into a [`RuleSet`]: rules whose logsource is not AWS
//! `CloudTrail` are skipped, rules that use something this engine does not implement are
//! refused by name with the reason (never evaluated approximately). A record meets only the
//! rules that can match it ([`RuleSet::candidates`], an index of the literal `eventName` /
//! `eventSource` values a rule requires), then [`RuleSet::matches`] decides. Correlation
//! rules are fed with the base rules' matches ([`Correlator`]) and decided at the end, when
//! every record has been seen: files arrive in path order, not time order.
//!
//! Pure: no I/O, no clock. Times are given by the caller, in milliseconds since the epoch.

mod condition;
mod correlation;
mod rule;
mod value;
pub mod yaml;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use correlation::{CorrelationHit, Correlator};
use rule::{Compiled, Parsed};

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
    fn parse(text: &str) -> Option<Self> {
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

/// The result of [`load`].
#[derive(Debug)]
pub struct Loaded {
    /// The rules that load.
    pub rules: RuleSet,
    /// Rules for another logsource: passed over, listed.
    pub skipped: Vec<NotLoaded>,
    /// Rules refused: invalid, or using something not supported (named in the reason).
    pub refused: Vec<NotLoaded>,
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

    fn path(self) -> &'static str {
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

/// The loaded rules, indexed.
#[derive(Debug, Default)]
pub struct RuleSet {
    metas: Vec<RuleMeta>,
    /// Detection rules, `metas[i]` for `i < compiled.len()`.
    compiled: Vec<Compiled>,
    correlations: Vec<correlation::Correlation>,
    /// Correlations reading each detection rule: (correlation, position in its `rules`).
    feeds: Vec<Vec<(usize, usize)>>,
    always: Vec<usize>,
    /// Rules requiring one of some literal values of a field.
    by: HashMap<(QuickField, String), Vec<usize>>,
    /// Per field, every rule indexed by its values.
    indexed: HashMap<QuickField, Vec<usize>>,
    /// Rules requiring only that a field have a value.
    present: HashMap<QuickField, Vec<usize>>,
}

impl RuleSet {
    /// Every loaded rule: detection rules (indices of [`Self::matches`]) then correlations.
    #[must_use]
    pub fn rules(&self) -> &[RuleMeta] {
        &self.metas
    }

    /// The number of detection rules (the correlations follow them in [`Self::rules`]).
    #[must_use]
    pub fn detection_rules(&self) -> usize {
        self.compiled.len()
    }

    /// Whether no rule loaded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.metas.is_empty()
    }

    /// The detection rules a record can match, given its [`QuickField`]s, in rule order,
    /// into `out` (cleared first). A superset: [`Self::matches`] decides.
    pub fn candidates<'q>(
        &self,
        quick: &dyn Fn(QuickField) -> QuickValue<'q>,
        out: &mut Vec<usize>,
    ) {
        out.clear();
        out.extend_from_slice(&self.always);
        for field in QuickField::ALL {
            let all = self.indexed.get(&field);
            let present = self.present.get(&field);
            if all.is_none() && present.is_none() {
                continue;
            }
            match quick(field) {
                QuickValue::Absent | QuickValue::Null => {}
                QuickValue::Other => {
                    out.extend(all.into_iter().flatten());
                    out.extend(present.into_iter().flatten());
                }
                QuickValue::Str(s) => {
                    out.extend(present.into_iter().flatten());
                    if all.is_some() {
                        let key = (field, value::fold(s).into_owned());
                        if let Some(rules) = self.by.get(&key) {
                            out.extend_from_slice(rules);
                        }
                    }
                }
            }
        }
        if out.len() > self.always.len() {
            out.sort_unstable();
        }
    }

    /// Whether detection rule `rule` matches `record`.
    #[must_use]
    pub fn matches(&self, rule: usize, record: &Value) -> bool {
        self.compiled.get(rule).is_some_and(|r| r.matches(record))
    }

    /// Whether a correlation reads detection rule `rule` (its matches must be observed).
    #[must_use]
    pub fn feeds_correlation(&self, rule: usize) -> bool {
        self.feeds.get(rule).is_some_and(|f| !f.is_empty())
    }

    /// A correlator for one run.
    #[must_use]
    pub fn correlator(&self) -> Correlator<'_> {
        Correlator::new(self)
    }

    /// Indexes rule `i` by the literal values its condition requires.
    fn index(&mut self, i: usize) {
        match self.compiled[i].need() {
            Some((field, rule::Need::Values(values))) => {
                for v in values {
                    self.by.entry((field, v)).or_default().push(i);
                }
                self.indexed.entry(field).or_default().push(i);
            }
            Some((field, rule::Need::Present)) => self.present.entry(field).or_default().push(i),
            None => self.always.push(i),
        }
    }
}

/// Loads every document of every file.
#[must_use]
pub fn load(files: &[RuleText]) -> Loaded {
    let mut set = RuleSet::default();
    let mut skipped = Vec::new();
    let mut refused = Vec::new();
    let mut pending_correlations = Vec::new();
    let mut skipped_refs: Vec<String> = Vec::new();
    for file in files {
        let docs = match yaml::documents(&file.text) {
            Ok(d) => d,
            Err(e) => {
                refused.push(NotLoaded {
                    file: file.file.clone(),
                    line: e.line,
                    rule: None,
                    reason: e.message,
                });
                continue;
            }
        };
        let several = docs.len() > 1;
        for (n, doc) in docs.iter().enumerate() {
            let fallback_id = if several {
                format!("{}#{}", file.file, n + 1)
            } else {
                file.file.clone()
            };
            match rule::parse(doc, &file.file, fallback_id) {
                Parsed::Rule(meta, compiled) => {
                    if let Some(prev) = set.metas.iter().find(|m| m.id == meta.id) {
                        refused.push(NotLoaded {
                            file: file.file.clone(),
                            line: Some(meta.line),
                            rule: Some(meta.id.clone()),
                            reason: format!("the id is already used by a rule in {}", prev.file),
                        });
                        continue;
                    }
                    set.metas.push(*meta);
                    set.compiled.push(*compiled);
                }
                Parsed::Correlation(meta, body) => pending_correlations.push((*meta, *body)),
                Parsed::Skipped(problem, names) => {
                    skipped_refs.extend(names);
                    skipped.push(problem);
                }
                Parsed::Refused(problem) => refused.push(problem),
            }
        }
    }
    set.feeds = vec![Vec::new(); set.compiled.len()];
    correlation::resolve(
        &mut set,
        pending_correlations,
        &skipped_refs,
        &mut skipped,
        &mut refused,
    );
    for i in 0..set.compiled.len() {
        set.index(i);
    }
    Loaded {
        rules: set,
        skipped,
        refused,
    }
}
