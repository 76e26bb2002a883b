//! What the trails record beyond management events (CT-22 … CT-25): Insights, S3
//! object-level writes and reads, and Lambda invocations.

use std::collections::BTreeMap;

use super::context::{Cx, arn_account};
use crate::controls::result::{Evidence, Status, Verdict};
use crate::controls::selectors::{self, Access};
use crate::snapshot::model::Outcome;

/// The data-event controls: id, resource type, service, access, and what they are called.
const DATA_EVENT_CONTROLS: [(&str, &str, &str, Access, &str); 3] = [
    (
        "CT-23",
        "AWS::S3::Object",
        "s3",
        Access::Write,
        "S3 object-level write events",
    ),
    (
        "CT-24",
        "AWS::S3::Object",
        "s3",
        Access::Read,
        "S3 object-level read events",
    ),
    (
        "CT-25",
        "AWS::Lambda::Function",
        "lambda",
        // Invoke, the one Lambda data event, is recorded with readOnly = false.
        Access::Write,
        "Lambda Invoke data events",
    ),
];

impl Cx<'_> {
    /// CT-22: a logging trail has Insights selectors.
    pub(super) fn insights(&mut self) {
        if let Some(v) = self.all_trails_failed() {
            return self.push_account("CT-22", v);
        }
        let answers: Vec<Verdict> = self
            .trails()
            .map(|d| {
                let arn = &d.trail.arn;
                let insights = match &d.insight_selectors.outcome {
                    Outcome::Ok { value } => Ok((
                        value.clone(),
                        Evidence::of(&d.insight_selectors, "InsightSelectors", value.clone()),
                    )),
                    Outcome::Absent { .. } => Ok((vec![], Evidence::failed(&d.insight_selectors))),
                    _ if !d.trail.has_insight_selectors => Ok((
                        vec![],
                        self.trail_ev(d, "HasInsightSelectors", false.into()),
                    )),
                    _ => Err(self.unknown(
                        &d.insight_selectors,
                        arn_account(arn),
                        &format!("trail {arn}"),
                    )),
                };
                match (insights, self.logging(d)) {
                    (Err(v), _) | (_, Err(v)) => v,
                    (Ok((types, e)), Ok(logging)) => {
                        if types.is_empty() {
                            Verdict::fail(format!("trail {arn} has no Insights selectors"), vec![e])
                        } else if !logging {
                            Verdict::fail(
                                format!(
                                    "trail {arn} has Insights ({}) but is stopped",
                                    types.join(", ")
                                ),
                                vec![e],
                            )
                        } else {
                            Verdict::pass(
                                format!("logging trail {arn} has Insights: {}", types.join(", ")),
                                vec![e],
                            )
                        }
                    }
                }
            })
            .collect();
        let v = self.any_of(answers, "no trail exists in the scanned regions");
        self.push_account("CT-22", v);
    }

    /// CT-23, CT-24 and CT-25: data events for all current and future resources.
    pub(super) fn data_events(&mut self) {
        for (id, rtype, service, access, what) in DATA_EVENT_CONTROLS {
            self.data_events_of(id, rtype, service, access, what);
        }
    }

    /// One data-event control: account-level, and per owned bucket when S3's fails.
    fn data_events_of(
        &mut self,
        id: &'static str,
        rtype: &str,
        service: &str,
        access: Access,
        what: &str,
    ) {
        if let Some(v) = self.all_trails_failed() {
            return self.push_account(id, v);
        }
        let mut named: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let answers: Vec<Verdict> = self
            .trails()
            .map(|d| {
                let arn = &d.trail.arn;
                let sel = match d.event_selectors.value() {
                    Some(s) => s,
                    None if !d.trail.has_custom_event_selectors => {
                        return Verdict::fail(format!("trail {arn} has the default selectors (no data events)"), vec![self.trail_ev(d, "HasCustomEventSelectors", false.into())]);
                    }
                    None => {
                        return self.unknown(&d.event_selectors, arn_account(arn), &format!("event selectors of trail {arn}"));
                    }
                };
                let c = selectors::data(sel, rtype, service, access);
                let ev = vec![Evidence::of(&d.event_selectors, "EventSelectors", serde_json::to_value(sel).unwrap_or_default())];
                match self.logging(d) {
                    Err(v) => return Verdict { evidence: [ev, v.evidence].concat(), ..v },
                    Ok(false) => return Verdict::fail(format!("trail {arn} is stopped"), ev),
                    Ok(true) => {}
                }
                for n in &c.named {
                    named.entry(n.clone()).or_default().push(arn.clone());
                }
                if !c.all {
                    let partial = if c.partial.is_empty() { String::new() } else { format!(" ({})", c.partial.join("; ")) };
                    return Verdict::fail(format!("trail {arn} does not log {what} for all resources{partial}"), ev);
                }
                if !d.trail.is_multi_region_trail {
                    return Verdict::fail(format!("trail {arn} logs {what} for all resources but is single-Region"), ev);
                }
                let except = if c.excluded.is_empty() { String::new() } else { format!(", except {}", c.excluded.join(", ")) };
                Verdict::pass(format!("logging multi-Region trail {arn} logs {what} for all current and future resources{except}"), ev)
            })
            .collect();
        let v = self.any_of(answers, "no trail exists in the scanned regions");
        if v.status != Status::Fail || service != "s3" {
            return self.push_account(id, v);
        }
        // Per-bucket view (controls.md §4 CT-23/24): which owned buckets are named.
        match self.snap.list_buckets.value() {
            Some(buckets) if !buckets.is_empty() => {
                for b in buckets {
                    let by: Vec<&String> = named
                        .iter()
                        .filter(|(n, _)| selectors::names_bucket(n, b))
                        .flat_map(|(_, t)| t)
                        .collect();
                    let resource = format!("arn:{}:s3:::{b}", self.partition);
                    let ev = vec![Evidence::of(&self.snap.list_buckets, "Buckets", b.clone())];
                    let r = if let Some(t) = by.first() {
                        Verdict::pass(format!("bucket {b}: {what} are logged by trail {t}"), ev)
                    } else {
                        Verdict::fail(
                            format!("bucket {b}: {what} are not logged ({})", v.reason),
                            [ev, v.evidence.clone()].concat(),
                        )
                    };
                    let region = self
                        .snap
                        .buckets
                        .get(b)
                        .map_or_else(|| self.home.clone(), Self::bucket_region);
                    self.push(id, resource, &region, r);
                }
            }
            _ => self.push_account(id, v),
        }
    }
}
