//! The loaded rules ([`RuleSet`]), their index, and [`load`].

use std::collections::{BTreeSet, HashMap};

use rustc_hash::FxHashMap;

use serde_json::Value;

use super::correlation::{self, Correlation, CorrelationHit, Correlator};
use super::meta::{NotLoaded, QuickField, QuickValue, RuleMeta, RuleText};
use super::rule::{self, Compiled, Parsed};
use super::value;
use super::yaml;

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

/// The loaded rules, indexed.
#[derive(Debug, Default)]
pub struct RuleSet {
    metas: Vec<RuleMeta>,
    /// Detection rules, `metas[i]` for `i < compiled.len()`.
    compiled: Vec<Compiled>,
    correlations: Vec<Correlation>,
    /// Correlations reading each detection rule: (correlation, position in its `rules`).
    feeds: Vec<Vec<(usize, usize)>>,
    always: Vec<usize>,
    /// Rules requiring one of some literal values of a field.
    by: HashMap<QuickField, FxHashMap<String, Vec<usize>>>,
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
                    if let Some(rules) = self.by.get(&field).and_then(|m| lookup_folded(m, s)) {
                        out.extend_from_slice(rules);
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
    pub fn correlator(&self) -> Correlator {
        Correlator::new(self.correlations.len())
    }

    /// Records that detection rule `rule` matched `record` (at `time`, ms since the epoch)
    /// under the caller's id `hit`, for the correlations that read it.
    pub fn observe(
        &self,
        correlator: &mut Correlator,
        rule: usize,
        record: &Value,
        time: Option<i64>,
        hit: u64,
    ) {
        if let (Some(feeds), Some(meta)) = (self.feeds.get(rule), self.metas.get(rule)) {
            correlator.observe(
                &self.correlations,
                feeds,
                meta.name.as_deref(),
                record,
                time,
                hit,
            );
        }
    }

    /// Decides every correlation: its matches with the ids of the hits that make them up.
    #[must_use]
    pub fn finish(&self, correlator: Correlator) -> Vec<CorrelationHit> {
        correlator.finish(&self.correlations)
    }

    /// Indexes rule `i` by the literal values its condition requires.
    fn index(&mut self, i: usize) {
        match self.compiled[i].need() {
            Some((field, rule::Need::Values(values))) => {
                for v in values {
                    self.by
                        .entry(field)
                        .or_default()
                        .entry(v)
                        .or_default()
                        .push(i);
                }
                self.indexed.entry(field).or_default().push(i);
            }
            Some((field, rule::Need::Present)) => self.present.entry(field).or_default().push(i),
            None => self.always.push(i),
        }
    }
}

/// The entry of `key` folded to lower case, without allocating for short ASCII keys (every
/// `eventName` and `eventSource`).
fn lookup_folded<'m>(map: &'m FxHashMap<String, Vec<usize>>, key: &str) -> Option<&'m Vec<usize>> {
    let mut buf = [0u8; 128];
    if key.is_ascii()
        && let Some(dst) = buf.get_mut(..key.len())
    {
        dst.copy_from_slice(key.as_bytes());
        dst.make_ascii_lowercase();
        return std::str::from_utf8(dst).ok().and_then(|k| map.get(k));
    }
    map.get(value::fold(key).as_ref())
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
    resolve(
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

/// Resolves the correlations against the loaded detection rules and adds them to `set`.
pub(crate) fn resolve(
    set: &mut RuleSet,
    pending: Vec<(RuleMeta, correlation::Body)>,
    skipped_names: &[String],
    skipped: &mut Vec<NotLoaded>,
    refused: &mut Vec<NotLoaded>,
) {
    let correlation_names: BTreeSet<String> = pending
        .iter()
        .flat_map(|(m, _)| std::iter::once(m.id.clone()).chain(m.name.clone()))
        .collect();
    for (mut meta, body) in pending {
        let problem = |reason: String| NotLoaded {
            file: meta.file.clone(),
            line: Some(meta.line),
            rule: Some(meta.id.clone()),
            reason,
        };
        let mut rules = Vec::new();
        let mut outcome = Ok(());
        for r in body.rules() {
            let found = set.metas[..set.compiled.len()]
                .iter()
                .position(|m| m.id == *r || m.name.as_deref() == Some(r.as_str()));
            match found {
                Some(i) => rules.push(i),
                None if correlation_names.contains(r) => {
                    outcome = Err((
                        false,
                        format!(
                            "correlation over the correlation `{r}` (chaining) is not supported"
                        ),
                    ));
                    break;
                }
                None if skipped_names.contains(r) => {
                    outcome = Err((
                        true,
                        format!("reads `{r}`, a rule that is not for AWS CloudTrail"),
                    ));
                    break;
                }
                None => {
                    outcome = Err((false, format!("reads `{r}`, which is not a loaded rule")));
                    break;
                }
            }
        }
        if let Some(alias) = body.aliases().iter().find_map(|(alias, per_rule)| {
            per_rule
                .keys()
                .find(|name| {
                    !rules
                        .iter()
                        .any(|i| set.metas[*i].name.as_deref() == Some(name.as_str()))
                })
                .map(|n| format!("alias `{alias}` names `{n}`, which is not a rule it reads"))
        }) && outcome.is_ok()
        {
            outcome = Err((false, alias));
        }
        if set.metas.iter().any(|m| m.id == meta.id) && outcome.is_ok() {
            outcome = Err((false, "the id is already used by another rule".into()));
        }
        match outcome {
            Err((true, reason)) => skipped.push(problem(reason)),
            Err((false, reason)) => refused.push(problem(reason)),
            Ok(()) => {
                let c = set.correlations.len();
                for (pos, r) in rules.iter().enumerate() {
                    set.feeds[*r].push((c, pos));
                    if !body.generate() {
                        set.metas[*r].reports = false;
                    }
                }
                meta.kind = super::meta::Kind::Correlation;
                set.metas.push(meta);
                set.correlations
                    .push(Correlation::new(set.metas.len() - 1, body, rules));
            }
        }
    }
}
