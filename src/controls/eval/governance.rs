//! The account around the trails (CT-26 … CT-28): `CloudTrail` Lake event data stores,
//! trail tags, and IAM policies that could stop or reconfigure every trail.

use super::context::{Cx, arn_account, problem};
use crate::controls::policy;
use crate::controls::result::{Evidence, Verdict};
use crate::snapshot::model::{Call, EventDataStore, TrailDetails};

impl Cx<'_> {
    /// CT-26: each event data store uses a customer managed key and keeps events long enough.
    pub(super) fn lake_event_data_stores(&mut self) {
        let mut any = false;
        let calls: Vec<(&String, &Call<Vec<EventDataStore>>)> =
            self.snap.event_data_stores.iter().collect();
        for (region, call) in calls {
            let Some(stores) = call.value() else {
                let resource = self.synthetic(region);
                let v = Verdict::error(problem(call), vec![Evidence::failed(call)]);
                self.push("CT-26", resource, region, v);
                any = true;
                continue;
            };
            for s in stores {
                any = true;
                let v = self.event_data_store(call, s);
                self.push("CT-26", s.arn.clone(), region, v);
            }
        }
        if !any {
            let reason = "no CloudTrail Lake event data store exists in the scanned regions";
            self.push_account("CT-26", Verdict::not_applicable(reason));
        }
    }

    /// CT-26 for one store.
    fn event_data_store(&self, call: &Call<Vec<EventDataStore>>, s: &EventDataStore) -> Verdict {
        let ev = vec![Evidence::of(
            call,
            "EventDataStore",
            serde_json::to_value(s).unwrap_or_default(),
        )];
        let mut problems = Vec::new();
        if s.kms_key_id.is_none() {
            problems.push("uses an AWS owned key, not a customer managed key".to_owned());
        }
        match s.retention_period {
            Some(d) if d < self.s.lake_retention_days => problems.push(format!(
                "retention is {d} days (< {})",
                self.s.lake_retention_days
            )),
            None => problems.push("retention period unknown".to_owned()),
            _ => {}
        }
        let protect = if s.termination_protection_enabled == Some(true) {
            ""
        } else {
            "; termination protection is off"
        };
        if problems.is_empty() {
            Verdict::pass(
                format!(
                    "event data store {} uses a customer managed key and keeps events {} days{protect}",
                    s.name,
                    s.retention_period.unwrap_or_default()
                ),
                ev,
            )
        } else {
            Verdict::fail(
                format!(
                    "event data store {}: {}{protect}",
                    s.name,
                    problems.join("; ")
                ),
                ev,
            )
        }
    }

    /// CT-27: every trail this account owns is tagged (with the required keys).
    pub(super) fn trail_tags(&mut self) {
        let trails: Vec<&TrailDetails> = self.trails().collect();
        for d in trails {
            let arn = d.trail.arn.clone();
            let v = if self.owned(&arn) {
                self.tagged(d)
            } else {
                Verdict::not_applicable(format!(
                    "trail {arn} is owned by account {}; tag it there",
                    arn_account(&arn).unwrap_or_default()
                ))
            };
            self.push("CT-27", arn, &d.trail.home_region.clone(), v);
        }
    }

    /// CT-27 for one owned trail.
    fn tagged(&self, d: &TrailDetails) -> Verdict {
        let arn = &d.trail.arn;
        let Some(tags) = d.tags.value() else {
            return self.unknown(&d.tags, arn_account(arn), &format!("tags of trail {arn}"));
        };
        let ev = vec![Evidence::of(
            &d.tags,
            "TagsList",
            serde_json::to_value(tags).unwrap_or_default(),
        )];
        let missing: Vec<&str> = self
            .s
            .required_tags
            .iter()
            .filter(|k| !tags.contains_key(*k))
            .map(String::as_str)
            .collect();
        if tags.is_empty() {
            Verdict::fail(format!("trail {arn} has no tags"), ev)
        } else if !missing.is_empty() {
            Verdict::fail(
                format!("trail {arn} lacks required tag(s) {}", missing.join(", ")),
                ev,
            )
        } else {
            Verdict::pass(
                format!(
                    "trail {arn} is tagged ({})",
                    tags.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
                ev,
            )
        }
    }

    /// CT-28: no attached policy lets anyone but break-glass principals stop, delete or
    /// reconfigure every trail.
    pub(super) fn no_broad_tamper_permission(&mut self) {
        let call = &self.snap.iam_policies;
        let Some(policies) = call.value() else {
            let v = Verdict::error(problem(call), vec![Evidence::failed(call)]);
            return self.push_account("CT-28", v);
        };
        let mut failed = false;
        for p in policies {
            let grants =
                policy::cloudtrail_tamper_grants(&p.document, &self.partition, &self.account);
            if grants.is_empty() {
                continue;
            }
            let holders: Vec<&str> = p
                .attached_to
                .iter()
                .filter(|a| !self.s.break_glass_principals.contains(a))
                .map(String::as_str)
                .collect();
            let ev = vec![Evidence::of(
                call,
                "PolicyDocument",
                serde_json::json!({ "policy": p.arn, "attached_to": p.attached_to, "statements": grants }),
            )];
            let v = if holders.is_empty() {
                Verdict::pass(
                    format!(
                        "policy {} grants {} but only to break-glass principals",
                        p.arn,
                        grants.join(", ")
                    ),
                    ev,
                )
            } else {
                failed = true;
                Verdict::fail(
                    format!(
                        "{} policy {} allows {} on every trail (held by {})",
                        p.kind,
                        p.arn,
                        grants.join(", "),
                        holders.join(", ")
                    ),
                    ev,
                )
            };
            self.push("CT-28", p.arn.clone(), "global", v);
        }
        if !failed {
            let v = Verdict::pass(
                format!(
                    "none of {} attached customer managed or inline policies allows stopping, deleting or reconfiguring every trail",
                    policies.len()
                ),
                vec![Evidence::of(call, "Policies", policies.len())],
            );
            self.push_account("CT-28", v);
        }
    }
}
