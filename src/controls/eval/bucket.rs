//! The trail bucket (CT-11 … CT-17): not public, access-logged, versioned with MFA Delete,
//! locked, TLS-only, kept long enough, and in a separate log-archive account.
//!
//! [`BUCKET_CONTROLS`] is the one list of the controls evaluated per trail bucket: when
//! there is no bucket, when it was not examined, when it does not exist or belongs to
//! another account, every control of the list gets the same verdict.

use std::collections::BTreeMap;

use super::context::{Cx, arn_account, or_null, problem};
use crate::controls::policy;
use crate::controls::result::{Evidence, Status, Verdict};
use crate::controls::selectors::{self, Access};
use crate::snapshot::model::{BucketDetails, Call, Outcome, TrailDetails};

/// A trail bucket, as the per-bucket evaluators see it.
pub(super) struct TrailBucket<'a> {
    /// Its name.
    name: &'a str,
    /// What the snapshot recorded about it.
    details: &'a BucketDetails,
    /// The trails that deliver to it.
    trails: &'a [&'a TrailDetails],
}

/// An evaluator of one trail bucket.
type BucketEvaluator = fn(&Cx<'_>, &TrailBucket<'_>) -> Verdict;

/// The controls evaluated per trail bucket, in catalog order, with their evaluators.
const BUCKET_CONTROLS: [(&str, BucketEvaluator); 6] = [
    ("CT-11", not_public),
    ("CT-12", access_logging),
    ("CT-13", versioned_with_mfa_delete),
    ("CT-14", object_lock_retention),
    ("CT-15", tls_only_policy),
    ("CT-17", log_retention),
];

impl Cx<'_> {
    /// CT-11 … CT-15 and CT-17, per trail bucket.
    pub(super) fn trail_buckets(&mut self) {
        let trail_buckets: BTreeMap<String, Vec<&TrailDetails>> =
            self.trails().fold(BTreeMap::new(), |mut m, d| {
                if let Some(b) = &d.trail.s3_bucket_name {
                    m.entry(b.clone()).or_default().push(d);
                }
                m
            });
        if trail_buckets.is_empty() {
            for (id, _) in BUCKET_CONTROLS {
                let reason = "no trail exists, so there is no trail bucket";
                self.push_account(id, Verdict::not_applicable(reason));
            }
            return;
        }
        for (name, trails) in trail_buckets {
            let resource = format!("arn:{}:s3:::{name}", self.partition);
            let Some(details) = self.snap.buckets.get(&name) else {
                let reason = format!("bucket {name} was not examined");
                let home = self.home.clone();
                for (id, _) in BUCKET_CONTROLS {
                    let v = Verdict::error(reason.clone(), vec![]);
                    self.push(id, resource.clone(), &home, v);
                }
                continue;
            };
            let region = Self::bucket_region(details);
            let bucket = TrailBucket {
                name: &name,
                details,
                trails: &trails,
            };
            let gate = self.bucket_gate(&bucket);
            for (id, evaluate) in BUCKET_CONTROLS {
                let v = match &gate {
                    Some(g) => g.clone(),
                    None => evaluate(self, &bucket),
                };
                self.push(id, resource.clone(), &region, v);
            }
        }
    }

    /// A verdict shared by every bucket control when the bucket cannot be examined.
    fn bucket_gate(&self, b: &TrailBucket<'_>) -> Option<Verdict> {
        let name = b.name;
        if b.details.location.absent() == Some("NoSuchBucket") {
            return Some(Verdict::fail(
                format!("trail bucket {name} does not exist: the trail cannot deliver"),
                vec![Evidence::failed(&b.details.location)],
            ));
        }
        if self.bucket_owned(name) == Some(false) {
            return Some(Verdict::new(
                Status::Manual,
                format!(
                    "trail bucket {name} is not in this account's ListBuckets: it belongs to another account (cross-account or out of scope); check it from the account that owns it"
                ),
                vec![Evidence::of(
                    &self.snap.list_buckets,
                    "Buckets",
                    "bucket not listed",
                )],
            ));
        }
        None
    }

    /// A bucket call's value (`None`: the feature is absent), or the verdict for its failure.
    fn need<'c, T>(&self, name: &str, call: &'c Call<T>) -> Result<Option<&'c T>, Verdict> {
        match &call.outcome {
            Outcome::Ok { value } => Ok(Some(value)),
            Outcome::Absent { .. } => Ok(None),
            _ => {
                // Ownership unknown (ListBuckets failed) and the call was denied: say both.
                let owner = match self.bucket_owned(name) {
                    Some(true) | None => None,
                    Some(false) => Some("another account"),
                };
                Err(self.unknown(call, owner, &format!("bucket {name}")))
            }
        }
    }

    /// CT-16: logs go to a bucket in a separate log-archive account, per trail.
    pub(super) fn separate_log_account(&mut self) {
        let trails: Vec<&TrailDetails> = self.trails().collect();
        if trails.is_empty() {
            return self.push_account("CT-16", Verdict::not_applicable("no trail exists"));
        }
        for d in trails {
            let t = &d.trail;
            let Some(bucket) = &t.s3_bucket_name else {
                continue;
            };
            let mut ev = vec![self.trail_ev(d, "S3BucketName", bucket.clone().into())];
            let (status, reason) = if t.is_organization_trail && !self.owned(&t.arn) {
                (
                    Status::Pass,
                    format!(
                        "organization trail {} is owned by account {}, not this one",
                        t.arn,
                        arn_account(&t.arn).unwrap_or_default()
                    ),
                )
            } else {
                match self.bucket_owned(bucket) {
                    None => {
                        ev.push(Evidence::failed(&self.snap.list_buckets));
                        (
                            Status::Error,
                            format!(
                                "whether bucket {bucket} is in this account is unknown: {}",
                                problem(&self.snap.list_buckets)
                            ),
                        )
                    }
                    Some(false) => {
                        ev.push(Evidence::of(
                            &self.snap.list_buckets,
                            "Buckets",
                            "bucket not listed",
                        ));
                        (
                            Status::Pass,
                            format!(
                                "trail {} delivers to bucket {bucket} in another account",
                                t.arn
                            ),
                        )
                    }
                    Some(true) => {
                        ev.push(Evidence::of(
                            &self.snap.list_buckets,
                            "Buckets",
                            bucket.clone(),
                        ));
                        if self.s.require_separate_log_account {
                            (
                                Status::Fail,
                                format!(
                                    "trail {} delivers to bucket {bucket} in this same account",
                                    t.arn
                                ),
                            )
                        } else {
                            (
                                Status::NotApplicable,
                                format!(
                                    "trail {} delivers to bucket {bucket} in this same account; a separate log-archive account is not required by the configuration (require_separate_log_account)",
                                    t.arn
                                ),
                            )
                        }
                    }
                }
            };
            let v = Verdict::new(status, reason, ev);
            self.push("CT-16", t.arn.clone(), &t.home_region, v);
        }
    }
}

/// CT-11: Block Public Access covers the bucket, or neither its ACL nor its policy is public.
fn not_public(cx: &Cx<'_>, bucket: &TrailBucket<'_>) -> Verdict {
    let (name, b) = (bucket.name, bucket.details);
    let mut ev = Vec::new();
    let mut flags: [Option<bool>; 2] = [Some(false), Some(false)]; // ignore ACLs, restrict
    let mut pending = Vec::new();
    for (call, level) in [
        (&b.public_access_block, "bucket"),
        (&cx.snap.account_public_access_block, "account"),
    ] {
        match &call.outcome {
            Outcome::Ok { value } => {
                ev.push(Evidence::of(
                    call,
                    "PublicAccessBlockConfiguration",
                    serde_json::to_value(value).unwrap_or_default(),
                ));
                flags[0] = flags[0].map(|f| f || value.ignore_public_acls);
                flags[1] = flags[1].map(|f| f || value.restrict_public_buckets);
            }
            Outcome::Absent { .. } => ev.push(Evidence::failed(call)),
            _ => {
                ev.push(Evidence::failed(call));
                pending.push(format!(
                    "{level}-level Block Public Access unknown: {}",
                    problem(call)
                ));
                flags = flags.map(|f| if f == Some(true) { f } else { None });
            }
        }
    }
    if flags == [Some(true), Some(true)] {
        return Verdict::pass(
            format!(
                "bucket {name}: Block Public Access ignores public ACLs and restricts public policies"
            ),
            ev,
        );
    }
    let mut public = Vec::new();
    let mut unknown = pending;
    // ACL path.
    let enforced = b
        .ownership_controls
        .value()
        .is_some_and(|o| o == "BucketOwnerEnforced");
    if enforced {
        ev.push(Evidence::of(
            &b.ownership_controls,
            "ObjectOwnership",
            "BucketOwnerEnforced",
        ));
    } else if flags[0] != Some(true) {
        match cx.need(name, &b.acl) {
            Ok(grants) => {
                for g in grants.into_iter().flatten() {
                    let uri = g.uri.as_deref().unwrap_or_default();
                    if uri.ends_with("/global/AllUsers")
                        || uri.ends_with("/global/AuthenticatedUsers")
                    {
                        ev.push(Evidence::of(
                            &b.acl,
                            "Grant",
                            serde_json::to_value(g).unwrap_or_default(),
                        ));
                        public.push(format!("its ACL grants {} to {uri}", g.permission));
                    }
                }
            }
            Err(v) => {
                unknown.push(v.reason);
                ev.extend(v.evidence);
            }
        }
    }
    // Policy path.
    if flags[1] != Some(true) {
        match cx.need(name, &b.policy_status) {
            Ok(Some(true)) => {
                ev.push(Evidence::of(&b.policy_status, "IsPublic", true));
                public.push("AWS evaluates its bucket policy as public".to_owned());
            }
            Ok(Some(false)) => ev.push(Evidence::of(&b.policy_status, "IsPublic", false)),
            Ok(None) => {}
            Err(v) => {
                unknown.push(v.reason);
                ev.extend(v.evidence);
            }
        }
        if let Ok(Some(text)) = cx.need(name, &b.policy) {
            for s in policy::public_statements(text) {
                ev.push(Evidence::of(&b.policy, "Statement", s.clone()));
                public.push(format!(
                    "policy statement {s} allows everyone without a restricting condition"
                ));
            }
        }
    }
    public.dedup();
    if !public.is_empty() {
        // A public grant whose blocking flag is unknown is not proven public.
        if flags.contains(&None) {
            return Verdict::error(
                format!(
                    "bucket {name} has a public grant ({}) but {}",
                    public.join("; "),
                    unknown.join("; ")
                ),
                ev,
            );
        }
        return Verdict::fail(
            format!("bucket {name} is public: {}", public.join("; ")),
            ev,
        );
    }
    let failures: Vec<&str> = unknown
        .iter()
        .filter(|u| !u.contains("Block Public Access unknown"))
        .map(String::as_str)
        .collect();
    if !failures.is_empty() {
        return Verdict::error(format!("bucket {name}: {}", failures.join("; ")), ev);
    }
    Verdict::pass(
        format!("bucket {name}: no public ACL grant and no public policy"),
        ev,
    )
}

/// CT-12: server access logging to another bucket.
fn access_logging(cx: &Cx<'_>, bucket: &TrailBucket<'_>) -> Verdict {
    let (name, b) = (bucket.name, bucket.details);
    match cx.need(name, &b.logging) {
        Err(v) => v,
        Ok(Some(Some(t))) => {
            let ev = vec![Evidence::of(&b.logging, "TargetBucket", t.bucket.clone())];
            if t.bucket == name {
                Verdict::fail(
                    format!("bucket {name} writes its access logs into itself (a log loop)"),
                    ev,
                )
            } else {
                Verdict::pass(
                    format!("bucket {name} has server access logging to {}", t.bucket),
                    ev,
                )
            }
        }
        Ok(_) => {
            let ev = vec![Evidence::of(
                &b.logging,
                "LoggingEnabled",
                serde_json::Value::Null,
            )];
            // Data events on the log bucket record who read the logs, like access logs.
            let compensated = cx.trails().any(|d| {
                d.event_selectors.value().is_some_and(|s| {
                    let c = selectors::data(s, "AWS::S3::Object", "s3", Access::Read);
                    (c.all && !c.excluded.iter().any(|x| selectors::names_bucket(x, name)))
                        || c.named.iter().any(|n| selectors::names_bucket(n, name))
                })
            });
            let note = if compensated {
                "; a CloudTrail data-event selector covers it (compensating evidence, not a pass)"
            } else {
                ""
            };
            Verdict::fail(
                format!("bucket {name} has no server access logging{note}"),
                ev,
            )
        }
    }
}

/// CT-13: versioning with MFA Delete.
fn versioned_with_mfa_delete(cx: &Cx<'_>, bucket: &TrailBucket<'_>) -> Verdict {
    let (name, b) = (bucket.name, bucket.details);
    let v = match cx.need(name, &b.versioning) {
        Err(v) => return v,
        Ok(v) => v.cloned().unwrap_or_default(),
    };
    let ev = vec![
        Evidence::of(&b.versioning, "Status", or_null(v.status.clone())),
        Evidence::of(&b.versioning, "MFADelete", or_null(v.mfa_delete.clone())),
    ];
    let versioned = v.status.as_deref() == Some("Enabled");
    let mfa = v.mfa_delete.as_deref() == Some("Enabled");
    if versioned && mfa {
        return Verdict::pass(format!("bucket {name} is versioned with MFA Delete"), ev);
    }
    let lock = b
        .object_lock
        .value()
        .is_some_and(|l| l.enabled && l.mode.is_some());
    let comp = if lock {
        "; compensated by Object Lock default retention (see CT-14)"
    } else {
        ""
    };
    let what = if versioned {
        "is versioned but MFA Delete is off"
    } else {
        "is not versioned"
    };
    Verdict::fail(format!("bucket {name} {what}{comp}"), ev)
}

/// CT-14: Object Lock with a default retention rule.
fn object_lock_retention(cx: &Cx<'_>, bucket: &TrailBucket<'_>) -> Verdict {
    let (name, b) = (bucket.name, bucket.details);
    match cx.need(name, &b.object_lock) {
        Err(v) => v,
        Ok(None) => Verdict::fail(
            format!("bucket {name} has no Object Lock configuration"),
            vec![Evidence::failed(&b.object_lock)],
        ),
        Ok(Some(l)) => {
            let ev = vec![Evidence::of(
                &b.object_lock,
                "ObjectLockConfiguration",
                serde_json::to_value(l).unwrap_or_default(),
            )];
            match (&l.mode, l.days.or(l.years.map(|y| y * 365))) {
                _ if !l.enabled => {
                    Verdict::fail(format!("bucket {name}: Object Lock is not enabled"), ev)
                }
                (Some(mode), Some(days)) => Verdict::pass(
                    format!("bucket {name} has Object Lock, default retention {mode} {days} days"),
                    ev,
                ),
                _ => Verdict::fail(
                    format!("bucket {name} has Object Lock but no default retention rule"),
                    ev,
                ),
            }
        }
    }
}

/// CT-15: the bucket policy denies plain HTTP, and scopes `CloudTrail`'s writes.
fn tls_only_policy(cx: &Cx<'_>, bucket: &TrailBucket<'_>) -> Verdict {
    let (name, b) = (bucket.name, bucket.details);
    let text = match cx.need(name, &b.policy) {
        Err(v) => return v,
        Ok(None) => {
            return Verdict::fail(
                format!("bucket {name} has no bucket policy, so plain HTTP is not denied"),
                vec![Evidence::failed(&b.policy)],
            );
        }
        Ok(Some(text)) => text,
    };
    let check = match policy::tls_check(text) {
        Err(e) => {
            return Verdict::error(
                format!("bucket {name}: its policy is not valid JSON ({e})"),
                vec![Evidence::of(&b.policy, "Policy", text.clone())],
            );
        }
        Ok(check) => check,
    };
    let mut ev = vec![];
    let note = if check.unscoped_cloudtrail_grants.is_empty() {
        String::new()
    } else {
        ev.push(Evidence::of(
            &b.policy,
            "Statement",
            check.unscoped_cloudtrail_grants.join(", "),
        ));
        format!(
            "; CloudTrail grants {} carry no aws:SourceArn/aws:SourceAccount condition (confused-deputy risk)",
            check.unscoped_cloudtrail_grants.join(", ")
        )
    };
    match check.deny_insecure {
        Some(sid) => {
            ev.insert(0, Evidence::of(&b.policy, "Statement", sid.clone()));
            Verdict::pass(
                format!("bucket {name} policy denies requests without TLS (statement {sid}){note}"),
                ev,
            )
        }
        None => {
            ev.insert(0, Evidence::of(&b.policy, "Policy", text.clone()));
            Verdict::fail(
                format!("bucket {name} policy has no Deny on aws:SecureTransport = false{note}"),
                ev,
            )
        }
    }
}

/// CT-17: no lifecycle rule on the trail prefix expires logs before the retention period or
/// archives them before the hot period (Object Lock retention counts as keeping them).
fn log_retention(cx: &Cx<'_>, bucket: &TrailBucket<'_>) -> Verdict {
    let (name, b, s) = (bucket.name, bucket.details, cx.s);
    let lock_days = b
        .object_lock
        .value()
        .filter(|l| l.enabled && l.mode.is_some())
        .and_then(|l| l.days.or(l.years.map(|y| y * 365)));
    let rules = match cx.need(name, &b.lifecycle) {
        Err(v) => return v,
        Ok(None) => {
            return Verdict::pass(
                format!(
                    "bucket {name} has no lifecycle rules: logs are kept until deleted (consider archiving after {} days for cost)",
                    s.hot_days
                ),
                vec![Evidence::failed(&b.lifecycle)],
            );
        }
        Ok(Some(r)) => r,
    };
    let prefixes: Vec<String> = bucket
        .trails
        .iter()
        .map(
            |d| match d.trail.s3_key_prefix.as_deref().filter(|p| !p.is_empty()) {
                Some(p) => format!("{p}/AWSLogs/"),
                None => "AWSLogs/".to_owned(),
            },
        )
        .collect();
    let mut problems = Vec::new();
    let mut ev = Vec::new();
    for r in rules
        .iter()
        .filter(|r| r.status == "Enabled" && !r.narrowed)
    {
        let rp = r.prefix.as_deref().unwrap_or_default();
        if !prefixes
            .iter()
            .any(|p| p.starts_with(rp) || rp.starts_with(p.as_str()))
        {
            continue;
        }
        let id = r.id.clone().unwrap_or_else(|| "(no id)".to_owned());
        ev.push(Evidence::of(
            &b.lifecycle,
            "Rule",
            serde_json::to_value(r).unwrap_or_default(),
        ));
        let kept_by_lock = lock_days.is_some_and(|d| d >= s.retention_days);
        if let Some(days) = r.expiration_days.filter(|d| *d < s.retention_days)
            && !kept_by_lock
        {
            problems.push(format!(
                "rule {id} expires logs after {days} days (< {})",
                s.retention_days
            ));
        }
        if let Some(date) = &r.expiration_date
            && !kept_by_lock
        {
            problems.push(format!("rule {id} expires logs on the fixed date {date}"));
        }
        for t in &r.transitions {
            let archive = matches!(t.storage_class.as_str(), "GLACIER" | "DEEP_ARCHIVE");
            if archive && (t.days.is_some_and(|d| d < s.hot_days) || t.date.is_some()) {
                let when = t.days.map_or_else(
                    || t.date.clone().unwrap_or_default(),
                    |d| format!("{d} days"),
                );
                problems.push(format!(
                    "rule {id} moves logs to {} after {when} (< {} days immediately readable)",
                    t.storage_class, s.hot_days
                ));
            }
        }
    }
    if problems.is_empty() {
        let lock = lock_days
            .map(|d| format!("; Object Lock keeps them {d} days"))
            .unwrap_or_default();
        Verdict::pass(
            format!(
                "bucket {name}: no lifecycle rule on the trail prefix expires logs before {} days or archives them before {} days{lock}",
                s.retention_days, s.hot_days
            ),
            ev,
        )
    } else {
        Verdict::fail(format!("bucket {name}: {}", problems.join("; ")), ev)
    }
}
