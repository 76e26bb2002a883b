//! What every evaluator shares: the snapshot and settings being evaluated, the results so
//! far, and the questions many controls ask (is this trail logging, what management events
//! does it record, could a call be answered, which account owns a resource).
//!
//! The error-to-status mapping of `controls.md` §5.6 lives here: an answer this account
//! could not get for a resource another account owns is MANUAL; a call in this account's
//! own reach that was denied or failed is ERROR and names the action.

use chrono::{DateTime, Utc};

use crate::controls::catalog::{self, Severity};
use crate::controls::config::Settings;
use crate::controls::result::{ControlResult, Evidence, Status, Verdict};
use crate::controls::selectors::{self, Management};
use crate::snapshot::model::{
    BucketDetails, Call, EventSelectors, Outcome, Snapshot, Trail, TrailDetails,
};

/// One evaluation: its inputs and the results pushed so far.
pub(super) struct Cx<'a> {
    /// The snapshot.
    pub(super) snap: &'a Snapshot,
    /// Thresholds and organisation policy.
    pub(super) s: &'a Settings,
    /// "Now" of the time-dependent rules.
    pub(super) as_of: DateTime<Utc>,
    /// The account evaluated (`unknown` when the identity call failed).
    pub(super) account: String,
    /// Its partition.
    pub(super) partition: String,
    /// The region of the account-level results.
    pub(super) home: String,
    /// The results, in the order they were decided.
    pub(super) out: Vec<ControlResult>,
}

/// `"cloudtrail:GetTrailStatus was denied (AccessDenied: …)"`.
pub(super) fn problem<T>(call: &Call<T>) -> String {
    match &call.outcome {
        Outcome::Ok { .. } => format!("{} answered", call.action),
        Outcome::Absent { code } => format!("{} answered {code}", call.action),
        Outcome::Denied { code, message } => {
            format!("{} was denied ({})", call.action, join_code(code, message))
        }
        Outcome::Failed { code, message } => {
            format!("{} failed ({})", call.action, join_code(code, message))
        }
        Outcome::Skipped { reason } => format!("{} was not called: {reason}", call.action),
    }
}

fn join_code(code: &str, message: &str) -> String {
    match (code.is_empty(), message.is_empty()) {
        (true, _) => message.to_owned(),
        (false, true) => code.to_owned(),
        (false, false) => format!("{code}: {message}"),
    }
}

/// The account id inside an ARN (`arn:p:service:region:account:…`).
pub(super) fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// The region inside an ARN.
pub(super) fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|a| !a.is_empty())
}

/// A value as evidence, `null` when there is none.
pub(super) fn or_null<T: Into<serde_json::Value>>(v: Option<T>) -> serde_json::Value {
    v.map_or(serde_json::Value::Null, Into::into)
}

impl<'a> Cx<'a> {
    pub(super) fn new(snap: &'a Snapshot, s: &'a Settings, as_of: DateTime<Utc>) -> Self {
        let account = snap
            .identity
            .value()
            .map_or_else(|| "unknown".to_owned(), |i| i.account.clone());
        Self {
            snap,
            s,
            as_of,
            account,
            partition: snap.partition.clone(),
            home: snap.identity.region.clone(),
            out: Vec::new(),
        }
    }

    /// The resource of an account- or region-level result:
    /// `arn:<partition>:cloudtrail:<region>:<account>:trail`.
    pub(super) fn synthetic(&self, region: &str) -> String {
        format!(
            "arn:{}:cloudtrail:{region}:{}:trail",
            self.partition, self.account
        )
    }

    /// Records the result of control `id` for `resource`: for one `check` of it, and with
    /// the catalog's severity unless `severity` escalates it.
    pub(super) fn push_with(
        &mut self,
        id: &'static str,
        check: Option<String>,
        resource: String,
        region: &str,
        verdict: Verdict,
        severity: Option<Severity>,
    ) {
        let Some(def) = catalog::control(id) else {
            return;
        };
        let account = arn_account(&resource)
            .filter(|a| a.chars().all(|c| c.is_ascii_digit()))
            .map_or_else(|| self.account.clone(), ToOwned::to_owned);
        self.out.push(ControlResult {
            control_id: def.id,
            check,
            title: def.title,
            resource,
            account,
            region: region.to_owned(),
            status: verdict.status,
            severity: severity.unwrap_or(def.severity),
            reason: verdict.reason,
            evidence: verdict.evidence,
            remediation: def.remediation,
            frameworks: def.refs.to_vec(),
            waived: false,
            waiver: None,
        });
    }

    /// Records the result of control `id` for `resource`.
    pub(super) fn push(&mut self, id: &'static str, resource: String, region: &str, v: Verdict) {
        self.push_with(id, None, resource, region, v, None);
    }

    /// Records an account-level result (in the home region).
    pub(super) fn push_account(&mut self, id: &'static str, v: Verdict) {
        let home = self.home.clone();
        let resource = self.synthetic(&home);
        self.push(id, resource, &home, v);
    }

    // ---- trails -------------------------------------------------------------------

    /// Every de-duplicated trail.
    pub(super) fn trails(&self) -> impl Iterator<Item = &'a TrailDetails> + use<'a> {
        self.snap.trails.values()
    }

    /// Whether this account owns the resource `arn`.
    pub(super) fn owned(&self, arn: &str) -> bool {
        arn_account(arn) == Some(self.account.as_str())
    }

    /// The `DescribeTrails` call the trail's entry came from.
    fn describe_call(&self, d: &TrailDetails) -> Option<&'a Call<Vec<Trail>>> {
        let region = if d.seen_in.contains(&d.trail.home_region) {
            &d.trail.home_region
        } else {
            d.seen_in.first()?
        };
        self.snap.describe_trails.get(region)
    }

    /// Evidence of a trail's field, from the `DescribeTrails` answer it came from.
    pub(super) fn trail_ev(
        &self,
        d: &TrailDetails,
        field: &str,
        value: serde_json::Value,
    ) -> Evidence {
        match self.describe_call(d) {
            Some(call) => Evidence::of(call, field, value),
            None => Evidence {
                source: "cloudtrail:DescribeTrails".to_owned(),
                region: d.trail.home_region.clone(),
                at: self.snap.taken_at.clone(),
                request_id: None,
                field: field.to_owned(),
                value,
            },
        }
    }

    /// The verdict when `call` about `what` did not answer: MANUAL when another account
    /// (`owner`) owns it and the call was denied or not made, else ERROR naming the action.
    pub(super) fn unknown<T>(&self, call: &Call<T>, owner: Option<&str>, what: &str) -> Verdict {
        let foreign = owner.is_some_and(|o| o != self.account);
        let denied = matches!(
            call.outcome,
            Outcome::Denied { .. } | Outcome::Skipped { .. }
        );
        let evidence = vec![Evidence::failed(call)];
        if foreign && denied {
            Verdict::new(
                Status::Manual,
                format!(
                    "{what} belongs to account {}: {}; check it from that account",
                    owner.unwrap_or_default(),
                    problem(call)
                ),
                evidence,
            )
        } else {
            Verdict::error(format!("{what}: {}", problem(call)), evidence)
        }
    }

    /// Whether the trail is logging (`GetTrailStatus` `IsLogging`), or why that is unknown.
    pub(super) fn logging(&self, d: &TrailDetails) -> Result<bool, Verdict> {
        let what = format!("trail {}", d.trail.arn);
        match d.status.value() {
            Some(st) => st.is_logging.ok_or_else(|| {
                Verdict::new(
                    if self.owned(&d.trail.arn) {
                        Status::Error
                    } else {
                        Status::Manual
                    },
                    format!("{what}: GetTrailStatus returned no IsLogging"),
                    vec![Evidence::of(
                        &d.status,
                        "IsLogging",
                        serde_json::Value::Null,
                    )],
                )
            }),
            None => Err(self.unknown(&d.status, arn_account(&d.trail.arn), &what)),
        }
    }

    /// Evidence of `IsLogging`.
    pub(super) fn logging_ev(d: &TrailDetails, value: bool) -> Evidence {
        Evidence::of(&d.status, "IsLogging", value)
    }

    /// The management events the trail records (and the evidence), or why that is unknown.
    pub(super) fn management(&self, d: &TrailDetails) -> Result<(Management, Evidence), Verdict> {
        if let Some(sel) = d.event_selectors.value() {
            let m = selectors::management(sel);
            let ev = Evidence::of(
                &d.event_selectors,
                "EventSelectors",
                serde_json::to_value(sel).unwrap_or_default(),
            );
            return Ok((m, ev));
        }
        if !d.trail.has_custom_event_selectors {
            // controls.md §4 CT-02: HasCustomEventSelectors=false proves the default.
            let ev = self.trail_ev(d, "HasCustomEventSelectors", false.into());
            return Ok((selectors::management(&EventSelectors::default()), ev));
        }
        let what = format!("event selectors of trail {}", d.trail.arn);
        Err(self.unknown(&d.event_selectors, arn_account(&d.trail.arn), &what))
    }

    /// Listing failures that could hide a trail.
    fn listing_gaps(&self) -> Vec<(String, Evidence)> {
        self.snap
            .describe_trails
            .values()
            .filter(|c| c.value().is_none())
            .map(|c| (problem(c), Evidence::failed(c)))
            .collect()
    }

    /// An account-level "does any trail …?" from one verdict per trail: PASS on the first
    /// trail that passes; else MANUAL or ERROR when a trail's answer (or a region's listing)
    /// is unknown; else FAIL with every trail's reason, or `none` when there is no trail.
    pub(super) fn any_of(&self, answers: Vec<Verdict>, none: &str) -> Verdict {
        let mut no = Vec::new();
        let mut unknown: Option<(Status, Vec<String>, Vec<Evidence>)> = None;
        let mut no_ev = Vec::new();
        for a in answers {
            match a.status {
                Status::Pass => return a,
                Status::Fail => {
                    no.push(a.reason);
                    no_ev.extend(a.evidence);
                }
                st => {
                    let u = unknown.get_or_insert((st, Vec::new(), Vec::new()));
                    if st == Status::Error {
                        u.0 = Status::Error;
                    }
                    u.1.push(a.reason);
                    u.2.extend(a.evidence);
                }
            }
        }
        let gaps = self.listing_gaps();
        if !gaps.is_empty() {
            let u = unknown.get_or_insert((Status::Error, Vec::new(), Vec::new()));
            u.0 = Status::Error;
            for (r, e) in gaps {
                u.1.push(format!("{r}; a trail there may be missing"));
                u.2.push(e);
            }
        }
        if let Some((st, reasons, ev)) = unknown {
            return Verdict::new(st, reasons.join("; "), [ev, no_ev].concat());
        }
        if no.is_empty() {
            Verdict::fail(none, no_ev)
        } else {
            Verdict::fail(no.join("; "), no_ev)
        }
    }

    /// ERROR when no region's trails could be listed at all.
    pub(super) fn all_trails_failed(&self) -> Option<Verdict> {
        let calls: Vec<&Call<Vec<Trail>>> = self.snap.describe_trails.values().collect();
        if calls.is_empty() || calls.iter().any(|c| c.value().is_some()) {
            return None;
        }
        let reason = calls
            .iter()
            .map(|c| problem(c))
            .collect::<Vec<_>>()
            .join("; ");
        Some(Verdict::error(
            format!("no region's trails could be listed: {reason}"),
            calls.iter().map(|c| Evidence::failed(c)).collect(),
        ))
    }

    // ---- buckets ------------------------------------------------------------------

    /// `Some(true)`: in this account's `ListBuckets`; `Some(false)`: another account's.
    pub(super) fn bucket_owned(&self, bucket: &str) -> Option<bool> {
        self.snap
            .list_buckets
            .value()
            .map(|names| names.iter().any(|n| n == bucket))
    }

    /// The bucket's region (`GetBucketLocation`, else where that call was sent).
    pub(super) fn bucket_region(b: &BucketDetails) -> String {
        b.location
            .value()
            .cloned()
            .unwrap_or_else(|| b.location.region.clone())
    }
}
