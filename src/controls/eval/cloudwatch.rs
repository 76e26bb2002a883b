//! Monitoring through `CloudWatch` (CT-18 … CT-21): the trail delivers to a log group, the
//! group keeps and encrypts its events, and each CIS monitoring item has a metric filter
//! with an alarm that notifies a topic somebody is subscribed to.

use std::collections::BTreeSet;

use super::context::{Cx, arn_account, or_null, problem};
use crate::controls::catalog::Framework;
use crate::controls::monitoring::{self, CIS_ITEMS, CisItem};
use crate::controls::result::{Evidence, Status, Verdict};
use crate::snapshot::model::{LogGroupDetails, Outcome, TrailDetails};

impl Cx<'_> {
    /// CT-19: the trail delivers to a `CloudWatch` Logs group, per trail.
    pub(super) fn cloudwatch_logs_integration(&mut self) {
        let trails: Vec<&TrailDetails> = self.trails().collect();
        for d in trails {
            let t = &d.trail;
            let group = t.cloud_watch_logs_log_group_arn.clone();
            let ev = vec![self.trail_ev(d, "CloudWatchLogsLogGroupArn", or_null(group.clone()))];
            let v = match group {
                Some(g) => Verdict::pass(
                    format!("trail {} delivers to CloudWatch Logs group {g}", t.arn),
                    ev,
                ),
                None => Verdict::fail(
                    format!("trail {} is not integrated with CloudWatch Logs", t.arn),
                    ev,
                ),
            };
            self.push("CT-19", t.arn.clone(), &t.home_region, v);
        }
    }

    /// CT-18: each trail log group keeps events long enough and encrypts them with KMS.
    pub(super) fn log_group_retention_and_encryption(&mut self) {
        if self.snap.log_groups.is_empty() {
            let reason = "no trail delivers to CloudWatch Logs (see CT-19)";
            return self.push_account("CT-18", Verdict::not_applicable(reason));
        }
        let groups: Vec<(&String, &LogGroupDetails)> = self.snap.log_groups.iter().collect();
        for (arn, g) in groups {
            let v = match &g.group.outcome {
                Outcome::Ok { value: Some(lg) } => {
                    let ev = vec![
                        Evidence::of(&g.group, "retentionInDays", or_null(lg.retention_in_days)),
                        Evidence::of(&g.group, "kmsKeyId", or_null(lg.kms_key_id.clone())),
                    ];
                    let mut problems = Vec::new();
                    let keep = match lg.retention_in_days {
                        None => "never expire".to_owned(),
                        Some(d) if d >= self.s.log_group_retention_days => {
                            format!("are kept {d} days")
                        }
                        Some(d) => {
                            problems.push(format!(
                                "retention is {d} days (< {})",
                                self.s.log_group_retention_days
                            ));
                            String::new()
                        }
                    };
                    if lg.kms_key_id.is_none() {
                        problems.push("not encrypted with a KMS key".to_owned());
                    }
                    if problems.is_empty() {
                        Verdict::pass(
                            format!("log group {}: events {keep} and are KMS-encrypted", g.name),
                            ev,
                        )
                    } else {
                        Verdict::fail(format!("log group {}: {}", g.name, problems.join("; ")), ev)
                    }
                }
                Outcome::Ok { value: None } => Verdict::fail(
                    format!("log group {} named by the trail does not exist", g.name),
                    vec![Evidence::of(&g.group, "logGroups", "no such group")],
                ),
                _ => self.unknown(&g.group, arn_account(arn), &format!("log group {}", g.name)),
            };
            self.push("CT-18", arn.clone(), &g.region.clone(), v);
        }
    }

    /// CT-20 (CIS 4.5, trail configuration changes) and CT-21 (the other CIS monitoring
    /// items): one result per item, on the log groups of the trails that pass CT-02.
    pub(super) fn cis_monitoring_alarms(&mut self) {
        // Log groups of trails that pass CT-02 (CIS: multi-Region, logging, all management).
        let mut groups = BTreeSet::new();
        let mut unknown: Vec<Verdict> = Vec::new();
        let mut passing = false;
        for d in self.trails() {
            let v = self.logs_all_management_everywhere(d);
            match v.status {
                Status::Pass => {
                    passing = true;
                    if let Some(g) = &d.trail.cloud_watch_logs_log_group_arn {
                        groups.insert(g.clone());
                    }
                }
                Status::Fail => {}
                _ => unknown.push(v),
            }
        }
        for item in CIS_ITEMS {
            let id = if item.id == "4.5" { "CT-20" } else { "CT-21" };
            let v = if groups.is_empty() {
                if let Some(u) = unknown.first() {
                    u.clone()
                } else if passing {
                    Verdict::fail(
                        "the multi-Region trail that logs all management events has no CloudWatch Logs group, so no metric filter can watch it",
                        vec![],
                    )
                } else {
                    Verdict::fail(
                        "no multi-Region trail logs all management events (CT-02), so there is nothing to monitor",
                        vec![],
                    )
                }
            } else {
                self.item_monitored(item, &groups)
            };
            let v = Verdict {
                reason: format!("CIS {} {}: {}", item.id, item.topic, v.reason),
                ..v
            };
            let resource = self.synthetic(&self.home.clone());
            let home = self.home.clone();
            self.push_with(
                id,
                Some(format!("cis-{}", item.id)),
                resource,
                &home,
                v,
                None,
            );
            // Only this item's CIS numbers: 4.n up to v5.0, 5.n from v6.0.
            let n = item.id.strip_prefix("4.").unwrap_or(item.id);
            if let Some(r) = self.out.last_mut() {
                r.frameworks.retain(|f| match f.framework {
                    Framework::Cis("6.0" | "7.0") => f.id.strip_prefix("5.") == Some(n),
                    Framework::Cis(_) => f.id == item.id,
                    _ => true,
                });
            }
        }
    }

    /// Filter → alarm → SNS topic with a confirmed subscription, on any of `groups`: the
    /// best verdict found (PASS, then ERROR, then MANUAL, then FAIL).
    fn item_monitored(&self, item: &CisItem, groups: &BTreeSet<String>) -> Verdict {
        let mut best: Option<Verdict> = None;
        let mut keep = |v: Verdict| {
            let rank = |s: Status| match s {
                Status::Pass => 0,
                Status::Error => 1,
                Status::Manual => 2,
                _ => 3,
            };
            if best
                .as_ref()
                .is_none_or(|b| rank(v.status) < rank(b.status))
            {
                best = Some(v);
            }
        };
        for arn in groups {
            let Some(g) = self.snap.log_groups.get(arn) else {
                keep(Verdict::error(
                    format!("log group {arn} was not examined"),
                    vec![],
                ));
                continue;
            };
            let Some(filters) = g.metric_filters.value() else {
                keep(self.unknown(
                    &g.metric_filters,
                    arn_account(arn),
                    &format!("metric filters of log group {}", g.name),
                ));
                continue;
            };
            let matching: Vec<_> = filters
                .iter()
                .filter(|f| monitoring::missing_clauses(item, &f.pattern).is_empty())
                .collect();
            if matching.is_empty() {
                let near = filters
                    .iter()
                    .map(|f| (f, monitoring::missing_clauses(item, &f.pattern)))
                    .filter(|(_, m)| m.len() < item.clauses.len())
                    .min_by_key(|(_, m)| m.len());
                let detail = near
                    .map(|(f, m)| format!(" (filter {} lacks {})", f.name, m.join(", ")))
                    .unwrap_or_default();
                keep(Verdict::fail(
                    format!(
                        "no metric filter on log group {} matches the pattern{detail}",
                        g.name
                    ),
                    vec![Evidence::of(
                        &g.metric_filters,
                        "metricFilters",
                        filters.len(),
                    )],
                ));
                continue;
            }
            let Some(alarms_call) = self.snap.alarms.get(&g.region) else {
                keep(Verdict::error(
                    format!("alarms in {} were not examined", g.region),
                    vec![],
                ));
                continue;
            };
            let Some(alarms) = alarms_call.value() else {
                keep(Verdict::error(
                    problem(alarms_call),
                    vec![Evidence::failed(alarms_call)],
                ));
                continue;
            };
            for f in matching {
                let mut ev = vec![Evidence::of(
                    &g.metric_filters,
                    "filterPattern",
                    serde_json::json!({ "filterName": f.name, "filterPattern": f.pattern }),
                )];
                let on_metric: Vec<_> = alarms
                    .iter()
                    .filter(|a| {
                        f.metrics.iter().any(|m| {
                            a.metric_name.as_deref() == Some(m.name.as_str())
                                && a.namespace.as_deref() == Some(m.namespace.as_str())
                        })
                    })
                    .collect();
                if on_metric.is_empty() {
                    keep(Verdict::fail(
                        format!(
                            "metric filter {} on {} has no CloudWatch alarm",
                            f.name, g.name
                        ),
                        ev,
                    ));
                    continue;
                }
                for a in on_metric {
                    ev.push(Evidence::of(alarms_call, "AlarmActions", serde_json::json!({ "AlarmName": a.name, "ActionsEnabled": a.actions_enabled, "AlarmActions": a.alarm_actions })));
                    let topics: Vec<&String> = a
                        .alarm_actions
                        .iter()
                        .filter(|x| x.split(':').nth(2) == Some("sns"))
                        .collect();
                    if topics.is_empty() || !a.actions_enabled {
                        keep(Verdict::fail(
                            format!("alarm {} notifies no SNS topic", a.name),
                            ev.clone(),
                        ));
                        continue;
                    }
                    for topic in topics {
                        let Some(call) = self.snap.topics.get(topic) else {
                            keep(Verdict::error(
                                format!("SNS topic {topic} was not examined"),
                                ev.clone(),
                            ));
                            continue;
                        };
                        let Some(subs) = call.value() else {
                            let v = self.unknown(
                                call,
                                arn_account(topic),
                                &format!("SNS topic {topic}"),
                            );
                            keep(Verdict {
                                evidence: [ev.clone(), v.evidence].concat(),
                                ..v
                            });
                            continue;
                        };
                        let confirmed = subs
                            .iter()
                            .filter(|s| s.arn != "PendingConfirmation" && s.arn.starts_with("arn:"))
                            .count();
                        let mut e = ev.clone();
                        e.push(Evidence::of(
                            call,
                            "Subscriptions",
                            serde_json::to_value(subs).unwrap_or_default(),
                        ));
                        if confirmed > 0 {
                            keep(Verdict::pass(
                                format!(
                                    "metric filter {} on {}, alarm {}, SNS topic {topic} with {confirmed} confirmed subscription(s)",
                                    f.name, g.name, a.name
                                ),
                                e,
                            ));
                        } else {
                            keep(Verdict::fail(
                                format!(
                                    "alarm {} notifies SNS topic {topic}, which has no confirmed subscription",
                                    a.name
                                ),
                                e,
                            ));
                        }
                    }
                }
            }
        }
        best.unwrap_or_else(|| Verdict::fail("nothing to monitor", vec![]))
    }
}
