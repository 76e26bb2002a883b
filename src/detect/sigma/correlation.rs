//! Correlation rules (Sigma correlation rules specification): `event_count`, `value_count`,
//! `temporal` and `temporal_ordered`, with `group-by`, `timespan`, `condition` and
//! `aliases`. The base rules' matches are observed as they come and decided at the end,
//! sorted by time, per group: a window opens at each match and spans `timespan`; when the
//! condition holds, the window's matches are reported and the next window opens after it.
//! Matches without a readable time cannot be placed in a window and are not counted.
//! A correlation over another correlation (chaining) is refused by name.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::yaml::Node;
use crate::records::path;

/// A correlation's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Type {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
}

/// A correlation as written, before its rules are resolved.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    kind: Type,
    rules: Vec<String>,
    group_by: Vec<String>,
    timespan_ms: i64,
    /// (operator, bound); all must hold.
    condition: Vec<(String, i64)>,
    field: Option<String>,
    /// alias → (rule name → field).
    aliases: BTreeMap<String, BTreeMap<String, String>>,
    generate: bool,
}

impl Body {
    /// The rules it reads, by id or name.
    pub(crate) fn rules(&self) -> &[String] {
        &self.rules
    }

    /// Its field-name aliases.
    pub(crate) fn aliases(&self) -> &BTreeMap<String, BTreeMap<String, String>> {
        &self.aliases
    }

    /// Whether the rules it reads also report their own matches.
    pub(crate) fn generate(&self) -> bool {
        self.generate
    }

    /// Reads a `correlation:` section; `generate` is the document's own `generate`.
    pub(crate) fn parse(node: &Node, generate: bool) -> Result<Self, String> {
        let text = |k: &str| node.get(k).and_then(Node::text).map(str::to_owned);
        let kind = match text("type").as_deref() {
            Some("event_count") => Type::EventCount,
            Some("value_count") => Type::ValueCount,
            Some("temporal") => Type::Temporal,
            Some("temporal_ordered") => Type::TemporalOrdered,
            Some(other) => return Err(format!("correlation type `{other}` is not supported")),
            None => return Err("the correlation has no `type`".into()),
        };
        let list = |k: &str| -> Result<Vec<String>, String> {
            match node.get(k) {
                None => Ok(Vec::new()),
                Some(Node::Seq(items, _)) => items
                    .iter()
                    .map(|n| {
                        n.text()
                            .map(str::to_owned)
                            .ok_or_else(|| format!("`{k}` holds something that is not text"))
                    })
                    .collect(),
                Some(n) => n
                    .text()
                    .map(|t| vec![t.to_owned()])
                    .ok_or_else(|| format!("`{k}` is not text or a list")),
            }
        };
        let rules = list("rules")?;
        if rules.is_empty() {
            return Err("the correlation names no `rules`".into());
        }
        let group_by = list("group-by")?;
        let timespan_ms = match text("timespan") {
            Some(t) => timespan(&t)?,
            None => return Err("the correlation has no `timespan`".into()),
        };
        let mut condition = Vec::new();
        let mut field = None;
        match node.get("condition") {
            None if matches!(kind, Type::Temporal | Type::TemporalOrdered) => {}
            None => return Err("the correlation has no `condition`".into()),
            Some(Node::Map(entries, _)) => {
                for (k, v) in entries {
                    let t = v.text().unwrap_or_default();
                    match k.as_str() {
                        "field" => field = Some(t.to_owned()),
                        "gt" | "gte" | "lt" | "lte" | "eq" | "neq" => {
                            let n = t.parse::<i64>().map_err(|_| {
                                format!("correlation condition `{k}: {t}` is not an integer")
                            })?;
                            condition.push((k.clone(), n));
                        }
                        other => {
                            return Err(format!(
                                "correlation condition `{other}` is not supported"
                            ));
                        }
                    }
                }
            }
            Some(_) => return Err("the correlation `condition` is not a mapping".into()),
        }
        if kind == Type::ValueCount && field.is_none() {
            return Err("a value_count correlation needs `field` in its condition".into());
        }
        if matches!(kind, Type::EventCount | Type::ValueCount) && condition.is_empty() {
            return Err("the correlation condition has no operator".into());
        }
        let mut aliases = BTreeMap::new();
        match node.get("aliases") {
            None => {}
            Some(Node::Map(entries, _)) => {
                for (alias, per_rule) in entries {
                    let Node::Map(pairs, _) = per_rule else {
                        return Err(format!("alias `{alias}` is not a mapping"));
                    };
                    let mut m = BTreeMap::new();
                    for (rule, f) in pairs {
                        let f = f
                            .text()
                            .ok_or_else(|| format!("alias `{alias}`: `{rule}` is not text"))?;
                        m.insert(rule.clone(), f.to_owned());
                    }
                    aliases.insert(alias.clone(), m);
                }
            }
            Some(_) => return Err("`aliases` is not a mapping".into()),
        }
        Ok(Self {
            kind,
            rules,
            group_by,
            timespan_ms,
            condition,
            field,
            aliases,
            generate: generate || node.get("generate").and_then(Node::text) == Some("true"),
        })
    }
}

fn timespan(t: &str) -> Result<i64, String> {
    let bad = || format!("timespan `{t}` is not a number followed by s, m, h or d");
    let unit = t.chars().last().ok_or_else(bad)?;
    let n: i64 = t[..t.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
    let ms = match unit {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        _ => return Err(bad()),
    };
    n.checked_mul(ms).filter(|v| *v > 0).ok_or_else(bad)
}

/// A resolved correlation.
#[derive(Debug, Clone)]
pub(crate) struct Correlation {
    /// Its index in the rule set's rules.
    meta: usize,
    body: Body,
    /// The detection rules, in `rules` order.
    rules: Vec<usize>,
}

impl Correlation {
    pub(crate) fn new(meta: usize, body: Body, rules: Vec<usize>) -> Self {
        Self { meta, body, rules }
    }
}

/// One observed base-rule match.
#[derive(Debug, Clone)]
struct Obs {
    time: i64,
    hit: u64,
    pos: usize,
    value: Option<String>,
}

/// A correlation that matched, with the hits that make it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrelationHit {
    /// The correlation's index in the rule set's rules.
    pub rule: usize,
    /// The group: each `group-by` field with the value it had.
    pub group: Vec<(String, Option<String>)>,
    /// Time of the first contributing match (ms since the epoch).
    pub first: i64,
    /// Time of the last.
    pub last: i64,
    /// The caller's ids of the contributing matches, in time order.
    pub hits: Vec<u64>,
}

/// Collects base-rule matches for the correlations of a rule set (through
/// `RuleSet::observe` and `RuleSet::finish`).
#[derive(Debug, Default)]
pub struct Correlator {
    /// Per correlation: group → observations.
    groups: Vec<BTreeMap<Vec<Option<String>>, Vec<Obs>>>,
    untimed: u64,
}

impl Correlator {
    pub(crate) fn new(correlations: usize) -> Self {
        Self {
            groups: vec![BTreeMap::new(); correlations],
            untimed: 0,
        }
    }

    /// Records that detection rule `rule` matched `record` (at `time`, ms since the epoch),
    /// under the caller's id `hit`.
    #[allow(clippy::too_many_arguments)] // the rule set's parts, then the match
    pub(crate) fn observe(
        &mut self,
        correlations: &[Correlation],
        feeds: &[(usize, usize)],
        name: Option<&str>,
        record: &Value,
        time: Option<i64>,
        hit: u64,
    ) {
        if feeds.is_empty() {
            return;
        }
        let Some(time) = time else {
            self.untimed += 1;
            return;
        };
        for &(c, pos) in feeds {
            let corr = &correlations[c];
            let field_of = |f: &str| -> Option<String> {
                match corr.body.aliases.get(f) {
                    Some(per_rule) => name.and_then(|n| per_rule.get(n)).cloned(),
                    None => Some(f.to_owned()),
                }
            };
            let group = corr
                .body
                .group_by
                .iter()
                .map(|g| field_of(g).and_then(|f| text_of(record, &f)))
                .collect();
            let value = corr
                .body
                .field
                .as_deref()
                .and_then(field_of)
                .and_then(|f| text_of(record, &f));
            if let Some(g) = self.groups.get_mut(c) {
                g.entry(group).or_default().push(Obs {
                    time,
                    hit,
                    pos,
                    value,
                });
            }
        }
    }

    /// Matches that carried no readable time and could not be correlated.
    #[must_use]
    pub fn untimed(&self) -> u64 {
        self.untimed
    }

    /// Decides every correlation, in rule order then group order.
    pub(crate) fn finish(self, correlations: &[Correlation]) -> Vec<CorrelationHit> {
        let mut out = Vec::new();
        for (c, groups) in self.groups.into_iter().enumerate() {
            let Some(corr) = correlations.get(c) else {
                continue;
            };
            for (group, mut obs) in groups {
                obs.sort_by_key(|o| (o.time, o.hit));
                for window in windows(corr, &obs) {
                    let hits: Vec<u64> = window.iter().map(|o| o.hit).collect();
                    out.push(CorrelationHit {
                        rule: corr.meta,
                        group: corr
                            .body
                            .group_by
                            .iter()
                            .cloned()
                            .zip(group.iter().cloned())
                            .collect(),
                        first: window.first().map_or(0, |o| o.time),
                        last: window.last().map_or(0, |o| o.time),
                        hits,
                    });
                }
            }
        }
        out
    }
}
fn text_of(record: &Value, field: &str) -> Option<String> {
    let found = path::lookup(record, &path::split(field));
    let texts: Vec<String> = found
        .leaves
        .iter()
        .filter_map(|l| l.text().map(std::borrow::Cow::into_owned))
        .collect();
    if texts.is_empty() {
        None
    } else {
        Some(texts.join(", "))
    }
}

fn holds(condition: &[(String, i64)], n: i64) -> bool {
    condition.iter().all(|(op, b)| match op.as_str() {
        "gt" => n > *b,
        "gte" => n >= *b,
        "lt" => n < *b,
        "lte" => n <= *b,
        "eq" => n == *b,
        _ => n != *b,
    })
}

/// The matching windows of one group's time-sorted observations.
fn windows<'o>(corr: &Correlation, obs: &'o [Obs]) -> Vec<Vec<&'o Obs>> {
    let span = corr.body.timespan_ms;
    let mut out = Vec::new();
    let mut i = 0;
    while i < obs.len() {
        let end = obs[i].time.saturating_add(span);
        let j = obs[i..].iter().take_while(|o| o.time <= end).count() + i;
        let window = &obs[i..j];
        let chosen: Option<Vec<&Obs>> = match corr.body.kind {
            Type::EventCount => {
                let n = i64::try_from(window.len()).unwrap_or(i64::MAX);
                holds(&corr.body.condition, n).then(|| window.iter().collect())
            }
            Type::ValueCount => {
                let distinct: BTreeSet<&str> =
                    window.iter().filter_map(|o| o.value.as_deref()).collect();
                let n = i64::try_from(distinct.len()).unwrap_or(i64::MAX);
                holds(&corr.body.condition, n).then(|| window.iter().collect())
            }
            Type::Temporal => {
                let kinds: BTreeSet<usize> = window.iter().map(|o| o.pos).collect();
                let n = i64::try_from(kinds.len()).unwrap_or(i64::MAX);
                let ok = if corr.body.condition.is_empty() {
                    kinds.len() == corr.rules.len()
                } else {
                    holds(&corr.body.condition, n)
                };
                ok.then(|| window.iter().collect())
            }
            Type::TemporalOrdered => ordered(corr.rules.len(), window),
        };
        match chosen {
            Some(w) => {
                out.push(w);
                i = j;
            }
            None => i += 1,
        }
    }
    out
}

/// The matches of the rules in their listed order, starting with the window's first match:
/// every match of rule k that comes after the first match of rule k-1 (and before the
/// first of rule k+1) is part of the sequence.
fn ordered(rules: usize, window: &[Obs]) -> Option<Vec<&Obs>> {
    if window.first()?.pos != 0 {
        return None;
    }
    let mut stage = 0;
    let mut chosen = Vec::new();
    for o in window {
        if o.pos == stage {
            chosen.push(o);
        } else if o.pos == stage + 1 {
            stage += 1;
            chosen.push(o);
        }
    }
    (stage + 1 == rules).then_some(chosen)
}
