//! One rule document: its metadata, logsource, detection and condition.

use std::collections::BTreeSet;

use serde_json::Value;

use super::condition::{self, Cond};
use super::correlation::Body;
use super::meta::{Kind, Level, NotLoaded, QuickField, RuleMeta};
use super::value::{FieldTests, Test};
use super::yaml::Node;

/// A compiled detection rule.
#[derive(Debug, Clone)]
pub(crate) struct Compiled {
    /// The searches, by name (index = position).
    searches: Vec<Search>,
    cond: Cond,
}

/// A search identifier's body: a list of maps is OR, a map is AND.
#[derive(Debug, Clone)]
struct Search {
    maps: Vec<Vec<FieldTests>>,
}

impl Search {
    fn matches(&self, record: &Value) -> bool {
        self.maps
            .iter()
            .any(|fields| fields.iter().all(|f| f.matches(record)))
    }

    /// What this search requires of `field`, when every map requires something of it.
    fn need(&self, field: QuickField) -> Option<Need> {
        let mut values = BTreeSet::new();
        let mut only_values = true;
        for fields in &self.maps {
            let f = fields.iter().find(|f| f.path.join(".") == field.path())?;
            if f.tests.is_empty() {
                return None;
            }
            for t in &f.tests {
                match t {
                    Test::Text(p) => match p.exact() {
                        Some(v) => {
                            values.insert(super::value::fold(v).into_owned());
                        }
                        None => only_values = false,
                    },
                    Test::Re(_) | Test::Cidr(_) | Test::Number(..) | Test::FieldRef { .. } => {
                        only_values = false;
                    }
                    Test::Null | Test::Exists(_) => return None,
                }
            }
        }
        Some(if only_values {
            Need::Values(values)
        } else {
            Need::Present
        })
    }
}

/// What a rule requires of a quick field for it to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Need {
    /// One of these (case-folded) values.
    Values(BTreeSet<String>),
    /// Some non-null value.
    Present,
}

impl Compiled {
    pub(crate) fn matches(&self, record: &Value) -> bool {
        let mut memo: Vec<Option<bool>> = vec![None; self.searches.len()];
        self.cond.eval(&mut |i| {
            if let Some(v) = memo[i] {
                return v;
            }
            let v = self.searches[i].matches(record);
            memo[i] = Some(v);
            v
        })
    }

    /// The quick field and what the condition requires of it for this rule to match: the
    /// first field with required values, else the first with a required presence.
    pub(crate) fn need(&self) -> Option<(QuickField, Need)> {
        let needs: Vec<(QuickField, Need)> = QuickField::ALL
            .iter()
            .filter_map(|f| need(&self.cond, &self.searches, *f).map(|n| (*f, n)))
            .collect();
        let values = needs.iter().position(|(_, n)| matches!(n, Need::Values(_)));
        let mut needs = needs;
        match values {
            Some(i) => Some(needs.swap_remove(i)),
            None => needs.into_iter().next(),
        }
    }
}

fn need(cond: &Cond, searches: &[Search], field: QuickField) -> Option<Need> {
    match cond {
        Cond::Search(i) => searches.get(*i)?.need(field),
        Cond::Not(_) => None,
        Cond::And(cs) => {
            let needs: Vec<Need> = cs.iter().filter_map(|c| need(c, searches, field)).collect();
            let smallest = needs
                .iter()
                .filter_map(|n| match n {
                    Need::Values(v) => Some(v),
                    Need::Present => None,
                })
                .min_by_key(|v| v.len());
            match smallest {
                Some(v) => Some(Need::Values(v.clone())),
                None => needs.into_iter().next(),
            }
        }
        Cond::Or(cs) => {
            let mut all = BTreeSet::new();
            let mut only_values = true;
            for c in cs {
                match need(c, searches, field)? {
                    Need::Values(v) => all.extend(v),
                    Need::Present => only_values = false,
                }
            }
            Some(if only_values {
                Need::Values(all)
            } else {
                Need::Present
            })
        }
    }
}

/// What one document is.
pub(crate) enum Parsed {
    Rule(Box<RuleMeta>, Box<Compiled>),
    Correlation(Box<RuleMeta>, Box<Body>),
    /// Not for `CloudTrail`; with the id and name others may refer to it by.
    Skipped(NotLoaded, Vec<String>),
    Refused(NotLoaded),
}

/// Reads one document.
#[allow(clippy::too_many_lines)] // the rule's attributes, one after the other
pub(crate) fn parse(doc: &Node, file: &str, fallback_id: String) -> Parsed {
    let line = doc.line();
    let refuse = |rule: Option<String>, reason: String| {
        Parsed::Refused(NotLoaded {
            file: file.to_owned(),
            line: Some(line),
            rule,
            reason,
        })
    };
    let Node::Map(..) = doc else {
        return refuse(
            None,
            "not a rule: the document is not a YAML mapping".into(),
        );
    };
    let text = |k: &str| doc.get(k).and_then(Node::text).map(str::to_owned);
    let id = text("id");
    let name = text("name");
    let title = text("title");
    let named = id.clone().or_else(|| title.clone());
    if doc.get("action").is_some() {
        return refuse(
            named,
            "rule collections (`action: global`, `reset`, `repeat`) are not supported".into(),
        );
    }
    if doc.get("filter").is_some() && doc.get("detection").is_none() {
        return refuse(named, "filter rules are not supported".into());
    }
    let Some(title) = title else {
        return refuse(named, "the rule has no `title`".into());
    };
    let level = match doc.get("level").map(|n| n.text()) {
        None | Some(None) => Level::Informational,
        Some(Some(t)) => match Level::parse(t) {
            Some(l) => l,
            None => return refuse(named, format!("unknown level `{t}`")),
        },
    };
    let tags = match doc.get("tags") {
        Some(Node::Seq(items, _)) => items
            .iter()
            .filter_map(|n| n.text().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let generate = match doc.get("generate") {
        None => None,
        Some(n) => match n {
            Node::Scalar(s) => match s.boolean() {
                Some(b) => Some(b),
                None => return refuse(named, "`generate` takes `true` or `false`".into()),
            },
            _ => return refuse(named, "`generate` takes `true` or `false`".into()),
        },
    };
    let is_correlation = doc.get("correlation").is_some();
    let meta = RuleMeta {
        id: id.clone().unwrap_or(fallback_id),
        name: name.clone(),
        title,
        level,
        description: text("description"),
        tags,
        file: file.to_owned(),
        line,
        kind: if is_correlation {
            Kind::Correlation
        } else {
            Kind::Rule
        },
        reports: is_correlation || generate != Some(false),
    };
    if let Some(body) = doc.get("correlation") {
        return match Body::parse(body, generate == Some(true)) {
            Ok(b) => Parsed::Correlation(Box::new(meta), Box::new(b)),
            Err(reason) => refuse(Some(meta.id), reason),
        };
    }
    // Logsource: AWS CloudTrail only.
    let logsource = doc.get("logsource");
    let ls = |k: &str| {
        logsource
            .and_then(|l| l.get(k))
            .and_then(Node::text)
            .map(str::to_owned)
    };
    let (product, service) = (ls("product"), ls("service"));
    let aws = product
        .as_deref()
        .is_some_and(|p| p.eq_ignore_ascii_case("aws"));
    let cloudtrail = service
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("cloudtrail"));
    if !(aws && cloudtrail) {
        let mut described = Vec::new();
        for k in ["product", "service", "category"] {
            if let Some(v) = ls(k) {
                described.push(format!("{k}: {v}"));
            }
        }
        let reason = if described.is_empty() {
            "logsource: none (not AWS CloudTrail)".to_owned()
        } else {
            format!("logsource {} (not AWS CloudTrail)", described.join(", "))
        };
        let mut refs = vec![meta.id.clone()];
        refs.extend(name);
        return Parsed::Skipped(
            NotLoaded {
                file: file.to_owned(),
                line: Some(line),
                rule: Some(meta.id),
                reason,
            },
            refs,
        );
    }
    match compile(doc.get("detection")) {
        Ok(c) => Parsed::Rule(Box::new(meta), Box::new(c)),
        Err(reason) => refuse(Some(meta.id), reason),
    }
}

fn compile(detection: Option<&Node>) -> Result<Compiled, String> {
    let Some(Node::Map(entries, _)) = detection else {
        return Err("the rule has no `detection` mapping".into());
    };
    let mut names = Vec::new();
    let mut searches = Vec::new();
    let mut condition = None;
    for (key, node) in entries {
        match key.as_str() {
            "condition" => condition = Some(node),
            "timeframe" => {
                return Err("`timeframe` is not supported; use a correlation rule".into());
            }
            _ => {
                names.push(key.clone());
                searches.push(search(key, node)?);
            }
        }
    }
    let Some(condition) = condition else {
        return Err("the detection has no `condition`".into());
    };
    let cond = match condition {
        Node::Scalar(s) => condition::parse(&s.text, &names)?,
        Node::Seq(items, _) => {
            // A list of conditions is their disjunction.
            let mut parts = Vec::new();
            for item in items {
                let text = item
                    .text()
                    .ok_or_else(|| "a condition list item that is not text".to_owned())?;
                parts.push(condition::parse(text, &names)?);
            }
            Cond::Or(parts)
        }
        Node::Map(..) => return Err("a condition that is a mapping".into()),
    };
    Ok(Compiled { searches, cond })
}

fn search(name: &str, node: &Node) -> Result<Search, String> {
    let map = |entries: &[(String, Node)]| -> Result<Vec<FieldTests>, String> {
        entries
            .iter()
            .map(|(k, v)| FieldTests::compile(k, v).map_err(|e| e.0))
            .collect()
    };
    match node {
        Node::Map(entries, _) => Ok(Search {
            maps: vec![map(entries)?],
        }),
        Node::Seq(items, _) => {
            let mut maps = Vec::new();
            for item in items {
                match item {
                    Node::Map(entries, _) => maps.push(map(entries)?),
                    _ => {
                        return Err(format!(
                            "`{name}`: keyword searches (values without a field name) are not supported"
                        ));
                    }
                }
            }
            Ok(Search { maps })
        }
        Node::Scalar(_) => Err(format!(
            "`{name}`: keyword searches (values without a field name) are not supported"
        )),
    }
}
