//! Evaluates every control of the catalog against a [`Snapshot`] (pure: no I/O, no clock).
//!
//! Rules follow `controls.md` §4 and §5. The error-to-status mapping of §5.6 is applied
//! everywhere: an answer this account could not get for a resource another account owns is
//! MANUAL; a call in this account's own reach that was denied or failed is ERROR and names
//! the action; "feature absent" answers are evaluated, never errors.

// Each control reads best as one `match` over what is known, with every branch visible.
#![allow(clippy::single_match_else, clippy::too_many_lines)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::catalog::{self, Framework, Severity};
use super::monitoring::{self, CisItem};
use super::policy;
use super::result::{ControlResult, Evidence, Status};
use super::selectors::{self, Access, Management};
use crate::snapshot::model::{
    BucketDetails, Call, EventSelectors, LogGroupDetails, Outcome, Snapshot, Trail, TrailDetails,
};

/// Thresholds and organisation policy; `[settings]` of the `check` configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// CT-06: oldest acceptable `LatestDeliveryTime` / `LatestCloudWatchLogsDeliveryTime`.
    pub delivery_max_age_hours: i64,
    /// CT-06: oldest acceptable `LatestDigestDeliveryTime` (digests are hourly).
    pub digest_max_age_hours: i64,
    /// CT-17: days logs must be kept in the trail bucket.
    pub retention_days: i32,
    /// CT-17: days logs must stay immediately readable (no archive transition before).
    pub hot_days: i32,
    /// CT-18: minimum log group retention.
    pub log_group_retention_days: i32,
    /// CT-26: minimum event data store retention.
    pub lake_retention_days: i32,
    /// CT-27: tag keys every trail must carry (empty: any tag).
    pub required_tags: Vec<String>,
    /// CT-28: principal ARNs allowed to hold broad `CloudTrail` permissions (break-glass).
    pub break_glass_principals: Vec<String>,
    /// CT-16: the organisation requires logs in a separate log-archive account.
    pub require_separate_log_account: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            delivery_max_age_hours: 24,
            digest_max_age_hours: 2,
            retention_days: 365,
            hot_days: 90,
            log_group_retention_days: 365,
            lake_retention_days: 365,
            required_tags: Vec::new(),
            break_glass_principals: Vec::new(),
            require_separate_log_account: false,
        }
    }
}

/// Evaluates every control. Results come in catalog order, then by resource; each carries
/// all its framework references (see [`select_framework`] to narrow them).
#[must_use]
pub fn evaluate(snap: &Snapshot, settings: &Settings, as_of: DateTime<Utc>) -> Vec<ControlResult> {
    let mut cx = Cx::new(snap, settings, as_of);
    cx.ct01();
    cx.ct02();
    cx.ct03();
    cx.ct04();
    cx.ct05();
    cx.ct06();
    cx.ct07();
    cx.ct08_09_19();
    cx.ct10();
    cx.buckets();
    cx.ct16();
    cx.ct18();
    cx.ct20_21();
    cx.ct22();
    cx.ct23_24_25();
    cx.ct26();
    cx.ct27();
    cx.ct28();
    let order: BTreeMap<&str, usize> = catalog::CATALOG
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id, i))
        .collect();
    let mut out = cx.out;
    out.sort_by(|a, b| {
        (
            order.get(a.control_id),
            check_order(a.check.as_deref()),
            &a.resource,
        )
            .cmp(&(
                order.get(b.control_id),
                check_order(b.check.as_deref()),
                &b.resource,
            ))
    });
    out
}

fn check_order(check: Option<&str>) -> (u32, u32) {
    // "cis-4.10" sorts after "cis-4.9".
    let Some(id) = check.and_then(|c| c.strip_prefix("cis-")) else {
        return (0, 0);
    };
    let mut parts = id.split('.').map(|p| p.parse::<u32>().unwrap_or(u32::MAX));
    (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    )
}

/// Keeps only the results of controls mapped to `framework`, and only that framework's
/// references on each. CT-17 is raised to High when PCI DSS is the framework in scope.
#[must_use]
pub fn select_framework(results: Vec<ControlResult>, framework: &Framework) -> Vec<ControlResult> {
    results
        .into_iter()
        .filter_map(|mut r| {
            r.frameworks.retain(|f| f.framework == *framework);
            if r.frameworks.is_empty() {
                return None;
            }
            if r.control_id == "CT-17" && *framework == Framework::PciDss4 {
                r.severity = Severity::High;
            }
            Some(r)
        })
        .collect()
}

/// A per-trail (or per-resource) answer to an any-of question.
enum Tri {
    Yes(String, Vec<Evidence>),
    No(String, Vec<Evidence>),
    Unknown(Status, String, Vec<Evidence>),
}

/// A fact that may not be known.
enum Known<T> {
    Yes(T),
    Unknown(Status, String, Vec<Evidence>),
}

struct Cx<'a> {
    snap: &'a Snapshot,
    s: &'a Settings,
    as_of: DateTime<Utc>,
    account: String,
    partition: String,
    home: String,
    out: Vec<ControlResult>,
}

/// `"cloudtrail:GetTrailStatus was denied (AccessDenied: …)"`.
fn problem<T>(call: &Call<T>) -> String {
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

fn is_denied<T>(call: &Call<T>) -> bool {
    matches!(call.outcome, Outcome::Denied { .. })
}

/// The account id inside an ARN (`arn:p:service:region:account:…`).
fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|a| !a.is_empty())
}

impl<'a> Cx<'a> {
    fn new(snap: &'a Snapshot, s: &'a Settings, as_of: DateTime<Utc>) -> Self {
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

    fn synthetic(&self, region: &str) -> String {
        format!(
            "arn:{}:cloudtrail:{region}:{}:trail",
            self.partition, self.account
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn push_full(
        &mut self,
        id: &'static str,
        check: Option<String>,
        resource: String,
        region: &str,
        status: Status,
        reason: String,
        evidence: Vec<Evidence>,
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
            status,
            severity: severity.unwrap_or(def.severity),
            reason,
            evidence,
            remediation: def.remediation,
            frameworks: def.refs.to_vec(),
            waived: false,
            waiver: None,
        });
    }

    fn push(
        &mut self,
        id: &'static str,
        resource: String,
        region: &str,
        (status, reason, evidence): (Status, String, Vec<Evidence>),
    ) {
        self.push_full(id, None, resource, region, status, reason, evidence, None);
    }

    fn push_account(&mut self, id: &'static str, verdict: (Status, String, Vec<Evidence>)) {
        let home = self.home.clone();
        let resource = self.synthetic(&home);
        self.push(id, resource, &home, verdict);
    }

    // ---- trails -------------------------------------------------------------------

    fn trails(&self) -> impl Iterator<Item = &'a TrailDetails> + use<'a> {
        self.snap.trails.values()
    }

    fn owned(&self, arn: &str) -> bool {
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

    fn trail_ev(&self, d: &TrailDetails, field: &str, value: serde_json::Value) -> Evidence {
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

    /// Why a call about another account's resource could not be answered, or this
    /// account's own failure.
    fn unknown<T>(&self, call: &Call<T>, owner: Option<&str>, what: &str) -> (Status, String) {
        let foreign = owner.is_some_and(|o| o != self.account);
        if foreign && (is_denied(call) || matches!(call.outcome, Outcome::Skipped { .. })) {
            (
                Status::Manual,
                format!(
                    "{what} belongs to account {}: {}; check it from that account",
                    owner.unwrap_or_default(),
                    problem(call)
                ),
            )
        } else {
            (Status::Error, format!("{what}: {}", problem(call)))
        }
    }

    fn logging(&self, d: &TrailDetails) -> Known<bool> {
        let what = format!("trail {}", d.trail.arn);
        match d.status.value() {
            Some(st) => match st.is_logging {
                Some(b) => Known::Yes(b),
                None => Known::Unknown(
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
                ),
            },
            None => {
                let (st, reason) = self.unknown(&d.status, arn_account(&d.trail.arn), &what);
                Known::Unknown(st, reason, vec![Evidence::failed(&d.status)])
            }
        }
    }

    fn logging_ev(d: &TrailDetails, value: bool) -> Evidence {
        Evidence::of(&d.status, "IsLogging", value)
    }

    fn management(&self, d: &TrailDetails) -> Known<(Management, Evidence)> {
        if let Some(sel) = d.event_selectors.value() {
            let m = selectors::management(sel);
            let ev = Evidence::of(
                &d.event_selectors,
                "EventSelectors",
                serde_json::to_value(sel).unwrap_or_default(),
            );
            return Known::Yes((m, ev));
        }
        if !d.trail.has_custom_event_selectors {
            // controls.md §4 CT-02: HasCustomEventSelectors=false proves the default.
            let ev = self.trail_ev(d, "HasCustomEventSelectors", false.into());
            return Known::Yes((selectors::management(&EventSelectors::default()), ev));
        }
        let what = format!("event selectors of trail {}", d.trail.arn);
        let (st, reason) = self.unknown(&d.event_selectors, arn_account(&d.trail.arn), &what);
        Known::Unknown(st, reason, vec![Evidence::failed(&d.event_selectors)])
    }

    /// CT-02's question for one trail.
    fn ct02_trail(&self, d: &TrailDetails) -> Tri {
        let arn = &d.trail.arn;
        let mut ev = vec![self.trail_ev(
            d,
            "IsMultiRegionTrail",
            d.trail.is_multi_region_trail.into(),
        )];
        if !d.trail.is_multi_region_trail {
            return Tri::No(format!("trail {arn} is not multi-Region"), ev);
        }
        match self.logging(d) {
            Known::Unknown(st, r, e) => return Tri::Unknown(st, r, [ev, e].concat()),
            Known::Yes(false) => {
                ev.push(Self::logging_ev(d, false));
                return Tri::No(format!("multi-Region trail {arn} is stopped"), ev);
            }
            Known::Yes(true) => ev.push(Self::logging_ev(d, true)),
        }
        match self.management(d) {
            Known::Unknown(st, r, e) => Tri::Unknown(st, r, [ev, e].concat()),
            Known::Yes((m, e)) => {
                ev.push(e);
                if m.full() {
                    let how = if m.default {
                        " (CloudTrail's default selectors)"
                    } else {
                        ""
                    };
                    Tri::Yes(
                        format!(
                            "multi-Region trail {arn} is logging all read and write management events with no exclusions{how}"
                        ),
                        ev,
                    )
                } else {
                    Tri::No(format!("multi-Region trail {arn}: {}", m.shortfall()), ev)
                }
            }
        }
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

    fn any_of(&self, answers: Vec<Tri>, none: &str) -> (Status, String, Vec<Evidence>) {
        let mut no = Vec::new();
        let mut unknown: Option<(Status, Vec<String>, Vec<Evidence>)> = None;
        let mut no_ev = Vec::new();
        for a in answers {
            match a {
                Tri::Yes(r, e) => return (Status::Pass, r, e),
                Tri::No(r, e) => {
                    no.push(r);
                    no_ev.extend(e);
                }
                Tri::Unknown(st, r, e) => {
                    let u = unknown.get_or_insert((st, Vec::new(), Vec::new()));
                    if st == Status::Error {
                        u.0 = Status::Error;
                    }
                    u.1.push(r);
                    u.2.extend(e);
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
            return (st, reasons.join("; "), [ev, no_ev].concat());
        }
        if no.is_empty() {
            (Status::Fail, none.to_owned(), no_ev)
        } else {
            (Status::Fail, no.join("; "), no_ev)
        }
    }

    fn all_trails_failed(&self) -> Option<(Status, String, Vec<Evidence>)> {
        let calls: Vec<&Call<Vec<Trail>>> = self.snap.describe_trails.values().collect();
        if calls.is_empty() || calls.iter().any(|c| c.value().is_some()) {
            return None;
        }
        let reason = calls
            .iter()
            .map(|c| problem(c))
            .collect::<Vec<_>>()
            .join("; ");
        Some((
            Status::Error,
            format!("no region's trails could be listed: {reason}"),
            calls.iter().map(|c| Evidence::failed(c)).collect(),
        ))
    }

    fn ct01(&mut self) {
        if let Some(v) = self.all_trails_failed() {
            return self.push_account("CT-01", v);
        }
        let answers = self
            .trails()
            .map(|d| {
                let ev = vec![
                    self.trail_ev(
                        d,
                        "IsOrganizationTrail",
                        d.trail.is_organization_trail.into(),
                    ),
                    self.trail_ev(d, "HomeRegion", d.trail.home_region.clone().into()),
                ];
                match self.logging(d) {
                    Known::Yes(true) => {
                        let mut ev = ev;
                        ev.push(Self::logging_ev(d, true));
                        if let Some(t) = d.status.value().and_then(|s| s.start_logging_time.clone())
                        {
                            ev.push(Evidence::of(&d.status, "StartLoggingTime", t));
                        }
                        let org = if d.trail.is_organization_trail {
                            "organization "
                        } else {
                            ""
                        };
                        Tri::Yes(format!("{org}trail {} is logging", d.trail.arn), ev)
                    }
                    Known::Yes(false) => {
                        let mut ev = ev;
                        ev.push(Self::logging_ev(d, false));
                        Tri::No(format!("trail {} is stopped", d.trail.arn), ev)
                    }
                    Known::Unknown(st, r, e) => Tri::Unknown(st, r, [ev, e].concat()),
                }
            })
            .collect();
        let v = self.any_of(answers, "no trail exists in the scanned regions");
        self.push_account("CT-01", v);
    }

    fn ct02(&mut self) {
        if let Some(v) = self.all_trails_failed() {
            return self.push_account("CT-02", v);
        }
        let answers: Vec<Tri> = self.trails().map(|d| self.ct02_trail(d)).collect();
        let none_multi = !self.trails().any(|d| d.trail.is_multi_region_trail);
        let mut v = self.any_of(answers, "no multi-Region trail exists");
        if v.0 == Status::Fail && none_multi {
            "no multi-Region trail exists".clone_into(&mut v.1);
        }
        self.push_account("CT-02", v);
    }

    fn ct03(&mut self) {
        let regions: Vec<(String, Option<String>)> = match self.snap.regions.value() {
            Some(all) => all
                .iter()
                .filter(|r| !r.enabled() || self.snap.scanned_regions.contains(&r.name))
                .map(|r| (r.name.clone(), (!r.enabled()).then(|| r.status.clone())))
                .collect(),
            None => {
                if !self.snap.regions_limited {
                    let ev = vec![Evidence::failed(&self.snap.regions)];
                    let reason = format!(
                        "the account's regions could not be listed ({}); opt-in regions were not checked",
                        problem(&self.snap.regions)
                    );
                    let home = self.home.clone();
                    let resource = self.synthetic("*");
                    self.push("CT-03", resource, &home, (Status::Error, reason, ev));
                }
                self.snap
                    .scanned_regions
                    .iter()
                    .map(|r| (r.clone(), None))
                    .collect()
            }
        };
        for (region, disabled) in regions {
            let resource = self.synthetic(&region);
            if let Some(opt) = disabled {
                let ev = vec![Evidence::of(&self.snap.regions, "RegionOptStatus", opt)];
                self.push(
                    "CT-03",
                    resource,
                    &region,
                    (
                        Status::NotApplicable,
                        format!("region {region} is not enabled"),
                        ev,
                    ),
                );
                continue;
            }
            let v = self.ct03_region(&region);
            self.push("CT-03", resource, &region, v);
        }
    }

    fn ct03_region(&self, region: &str) -> (Status, String, Vec<Evidence>) {
        let Some(call) = self.snap.describe_trails.get(region) else {
            return (
                Status::Error,
                format!("cloudtrail:DescribeTrails was not called in {region}"),
                vec![],
            );
        };
        if call.value().is_none() {
            return (Status::Error, problem(call), vec![Evidence::failed(call)]);
        }
        let mut no = Vec::new();
        let mut unknown: Option<(Status, Vec<String>, Vec<Evidence>)> = None;
        for d in self
            .trails()
            .filter(|d| d.seen_in.iter().any(|r| r == region))
        {
            if !(d.trail.is_multi_region_trail || d.trail.home_region == region) {
                continue;
            }
            let mut ev = vec![Evidence::of(call, "TrailARN", d.trail.arn.clone())];
            match (self.logging(d), self.management(d)) {
                (Known::Yes(true), Known::Yes((m, e))) if m.any() => {
                    ev.push(Self::logging_ev(d, true));
                    ev.push(e);
                    return (
                        Status::Pass,
                        format!(
                            "region {region} is covered by logging trail {}",
                            d.trail.arn
                        ),
                        ev,
                    );
                }
                (Known::Yes(false), _) => no.push(format!("trail {} is stopped", d.trail.arn)),
                (Known::Yes(true), Known::Yes(_)) => {
                    no.push(format!("trail {} logs no management events", d.trail.arn));
                }
                (Known::Unknown(st, r, e), _) | (_, Known::Unknown(st, r, e)) => {
                    let u = unknown.get_or_insert((st, Vec::new(), Vec::new()));
                    if st == Status::Error {
                        u.0 = Status::Error;
                    }
                    u.1.push(r);
                    ev.extend(e);
                    u.2.extend(ev);
                }
            }
        }
        if let Some((st, r, e)) = unknown {
            return (st, r.join("; "), e);
        }
        let reason = if no.is_empty() {
            format!("no multi-Region trail and no trail homed in {region}")
        } else {
            no.join("; ")
        };
        (
            Status::Fail,
            reason,
            vec![Evidence::of(call, "trailList", "no covering trail")],
        )
    }

    fn ct04(&mut self) {
        if let Some(v) = self.all_trails_failed() {
            return self.push_account("CT-04", v);
        }
        let mut count = 0;
        let answers: Vec<Tri> = self
            .trails()
            .map(|d| {
                let t = &d.trail;
                let ev = vec![
                    self.trail_ev(d, "IncludeGlobalServiceEvents", t.include_global_service_events.into()),
                    self.trail_ev(d, "IsMultiRegionTrail", t.is_multi_region_trail.into()),
                ];
                if !t.include_global_service_events {
                    return Tri::No(format!("trail {} excludes global service events", t.arn), ev);
                }
                if !(t.is_multi_region_trail || t.home_region == "us-east-1") {
                    return Tri::No(
                        format!("trail {} is single-Region outside us-east-1, where global service events are recorded", t.arn),
                        ev,
                    );
                }
                match self.logging(d) {
                    Known::Yes(true) => {
                        count += 1;
                        Tri::Yes(format!("trail {} is logging global service events", t.arn), ev)
                    }
                    Known::Yes(false) => Tri::No(format!("trail {} is stopped", t.arn), ev),
                    Known::Unknown(st, r, e) => Tri::Unknown(st, r, [ev, e].concat()),
                }
            })
            .collect();
        let mut v = self.any_of(answers, "no trail exists in the scanned regions");
        if v.0 == Status::Pass && count > 1 {
            let _ = write!(
                v.1,
                " ({count} trails record global service events: not a failure, but each copy is billed)"
            );
        }
        self.push_account("CT-04", v);
    }

    fn ct02_passes_elsewhere(&self, except: &str) -> bool {
        self.trails()
            .filter(|d| d.trail.arn != except)
            .any(|d| matches!(self.ct02_trail(d), Tri::Yes(..)))
    }

    fn ct05(&mut self) {
        let trails: Vec<&TrailDetails> = self.trails().collect();
        for d in trails {
            let arn = d.trail.arn.clone();
            let home = d.trail.home_region.clone();
            let (v, severity) = match self.logging(d) {
                Known::Yes(true) => (
                    (
                        Status::Pass,
                        format!("trail {arn} is logging"),
                        vec![Self::logging_ev(d, true)],
                    ),
                    None,
                ),
                Known::Yes(false) => {
                    let mut ev = vec![Self::logging_ev(d, false)];
                    let stopped = d.status.value().and_then(|s| s.stop_logging_time.clone());
                    if let Some(t) = &stopped {
                        ev.push(Evidence::of(&d.status, "StopLoggingTime", t.clone()));
                    }
                    let since = stopped.map(|t| format!(" since {t}")).unwrap_or_default();
                    let only = !self.ct02_passes_elsewhere(&arn);
                    let extra = if only {
                        "; no other trail logs all management events in every region"
                    } else {
                        ""
                    };
                    (
                        (
                            Status::Fail,
                            format!("trail {arn} is stopped{since}{extra}"),
                            ev,
                        ),
                        only.then_some(Severity::High),
                    )
                }
                Known::Unknown(st, r, e) => ((st, r, e), None),
            };
            self.push_full("CT-05", None, arn, &home, v.0, v.1, v.2, severity);
        }
    }

    /// A delivery time missing or older than `max_hours`. A trail started less than
    /// `max_hours` ago may not have delivered yet: a missing time is then not a problem.
    fn age_problem(
        &self,
        field: &str,
        time: Option<&str>,
        max_hours: i64,
        started: Option<&str>,
    ) -> Option<String> {
        let limit = chrono::Duration::hours(max_hours);
        let Some(t) = time else {
            let recent = started
                .and_then(crate::time::parse_rfc3339)
                .is_some_and(|s| self.as_of - s <= limit);
            return (!recent).then(|| format!("no {field} recorded"));
        };
        match crate::time::parse_rfc3339(t) {
            Some(when) if self.as_of - when > limit => {
                Some(format!("{field} {t} is more than {max_hours} h old"))
            }
            Some(_) => None,
            None => Some(format!("{field} {t:?} is not a time")),
        }
    }

    fn ct06(&mut self) {
        let trails: Vec<&TrailDetails> = self.trails().collect();
        for d in trails {
            let arn = d.trail.arn.clone();
            let home = d.trail.home_region.clone();
            let v = match d.status.value() {
                None => {
                    let (st, r) =
                        self.unknown(&d.status, arn_account(&arn), &format!("trail {arn}"));
                    (st, r, vec![Evidence::failed(&d.status)])
                }
                Some(st) => {
                    let mut problems = Vec::new();
                    let mut ev = Vec::new();
                    for (field, value) in [
                        ("LatestDeliveryError", &st.latest_delivery_error),
                        (
                            "LatestDigestDeliveryError",
                            &st.latest_digest_delivery_error,
                        ),
                        (
                            "LatestCloudWatchLogsDeliveryError",
                            &st.latest_cloud_watch_logs_delivery_error,
                        ),
                        ("LatestNotificationError", &st.latest_notification_error),
                    ] {
                        if let Some(e) = value.as_deref().filter(|e| !e.is_empty()) {
                            problems.push(format!("{field} {e}"));
                            ev.push(Evidence::of(&d.status, field, e));
                        }
                    }
                    if st.is_logging == Some(true) {
                        let mut ages = vec![(
                            "LatestDeliveryTime",
                            st.latest_delivery_time.as_deref(),
                            self.s.delivery_max_age_hours,
                        )];
                        if d.trail.log_file_validation_enabled {
                            ages.push((
                                "LatestDigestDeliveryTime",
                                st.latest_digest_delivery_time.as_deref(),
                                self.s.digest_max_age_hours,
                            ));
                        }
                        if d.trail.cloud_watch_logs_log_group_arn.is_some() {
                            ages.push((
                                "LatestCloudWatchLogsDeliveryTime",
                                st.latest_cloud_watch_logs_delivery_time.as_deref(),
                                self.s.delivery_max_age_hours,
                            ));
                        }
                        for (field, time, max) in ages {
                            ev.push(Evidence::of(
                                &d.status,
                                field,
                                time.map_or(serde_json::Value::Null, Into::into),
                            ));
                            let started = st.start_logging_time.as_deref();
                            if let Some(p) = self.age_problem(field, time, max, started) {
                                problems.push(p);
                            }
                        }
                    }
                    if problems.is_empty() {
                        let reason = if st.is_logging == Some(true) {
                            format!("trail {arn} reports no delivery errors and recent deliveries")
                        } else {
                            format!(
                                "trail {arn} reports no delivery errors (delivery age not checked: the trail is stopped, see CT-05)"
                            )
                        };
                        (Status::Pass, reason, ev)
                    } else {
                        (
                            Status::Fail,
                            format!("trail {arn}: {}", problems.join("; ")),
                            ev,
                        )
                    }
                }
            };
            self.push("CT-06", arn, &home, v);
        }
    }

    fn ct07(&mut self) {
        if let Some(v) = self.all_trails_failed() {
            return self.push_account("CT-07", v);
        }
        let answers: Vec<Tri> = self
            .trails()
            .map(|d| {
                let t = &d.trail;
                match self.ct02_trail(d) {
                    Tri::Yes(_, mut ev) => {
                        let mut missing = Vec::new();
                        if !t.include_global_service_events {
                            missing.push("global service events");
                        }
                        if !t.log_file_validation_enabled {
                            missing.push("log file validation");
                        }
                        if t.kms_key_id.is_none() {
                            missing.push("SSE-KMS encryption");
                        }
                        ev.push(self.trail_ev(
                            d,
                            "IncludeGlobalServiceEvents",
                            t.include_global_service_events.into(),
                        ));
                        ev.push(self.trail_ev(
                            d,
                            "LogFileValidationEnabled",
                            t.log_file_validation_enabled.into(),
                        ));
                        ev.push(
                            self.trail_ev(
                                d,
                                "KmsKeyId",
                                t.kms_key_id
                                    .clone()
                                    .map_or(serde_json::Value::Null, Into::into),
                            ),
                        );
                        if missing.is_empty() {
                            Tri::Yes(
                                format!(
                                    "trail {} meets CT-02, CT-04, CT-08 and CT-09 together",
                                    t.arn
                                ),
                                ev,
                            )
                        } else {
                            Tri::No(format!("trail {} lacks {}", t.arn, missing.join(", ")), ev)
                        }
                    }
                    other => other,
                }
            })
            .collect();
        let v = self.any_of(answers, "no trail exists in the scanned regions");
        self.push_account("CT-07", v);
    }

    fn ct08_09_19(&mut self) {
        let trails: Vec<&TrailDetails> = self.trails().collect();
        for d in trails {
            let t = &d.trail;
            let v = if t.log_file_validation_enabled {
                (
                    Status::Pass,
                    format!("trail {} has log file validation enabled", t.arn),
                )
            } else {
                (
                    Status::Fail,
                    format!("trail {} has log file validation disabled", t.arn),
                )
            };
            let ev = vec![self.trail_ev(
                d,
                "LogFileValidationEnabled",
                t.log_file_validation_enabled.into(),
            )];
            self.push("CT-08", t.arn.clone(), &t.home_region, (v.0, v.1, ev));

            let ev = vec![
                self.trail_ev(
                    d,
                    "KmsKeyId",
                    t.kms_key_id
                        .clone()
                        .map_or(serde_json::Value::Null, Into::into),
                ),
            ];
            let v = match &t.kms_key_id {
                Some(k) => (
                    Status::Pass,
                    format!("trail {} encrypts logs with KMS key {k}", t.arn),
                ),
                None => (
                    Status::Fail,
                    format!("trail {} uses SSE-S3, not SSE-KMS", t.arn),
                ),
            };
            self.push("CT-09", t.arn.clone(), &t.home_region, (v.0, v.1, ev));

            let group = t.cloud_watch_logs_log_group_arn.clone();
            let ev = vec![self.trail_ev(
                d,
                "CloudWatchLogsLogGroupArn",
                group.clone().map_or(serde_json::Value::Null, Into::into),
            )];
            let v = match group {
                Some(g) => (
                    Status::Pass,
                    format!("trail {} delivers to CloudWatch Logs group {g}", t.arn),
                ),
                None => (
                    Status::Fail,
                    format!("trail {} is not integrated with CloudWatch Logs", t.arn),
                ),
            };
            self.push("CT-19", t.arn.clone(), &t.home_region, (v.0, v.1, ev));
        }
    }

    fn ct10(&mut self) {
        if self.snap.keys.is_empty() {
            let reason = "no trail uses a KMS key (see CT-09)".to_owned();
            return self.push_account("CT-10", (Status::NotApplicable, reason, vec![]));
        }
        let keys: Vec<(&String, _)> = self.snap.keys.iter().collect();
        for (key, k) in keys {
            let region = arn_region(key).unwrap_or(&self.home).to_owned();
            let v = match k.describe.value() {
                None if k.describe.absent().is_some() => (
                    Status::Fail,
                    format!(
                        "KMS key {key} does not exist ({}): the trail cannot deliver",
                        problem(&k.describe)
                    ),
                    vec![Evidence::failed(&k.describe)],
                ),
                None => {
                    let (st, r) =
                        self.unknown(&k.describe, arn_account(key), &format!("KMS key {key}"));
                    (st, r, vec![Evidence::failed(&k.describe)])
                }
                Some(m) => {
                    let mut problems = Vec::new();
                    let ev = vec![
                        Evidence::of(&k.describe, "KeyManager", m.key_manager.clone()),
                        Evidence::of(&k.describe, "KeyState", m.key_state.clone()),
                        Evidence::of(&k.describe, "KeySpec", m.key_spec.clone()),
                    ];
                    if m.key_state != "Enabled" {
                        problems.push(format!(
                            "key state is {} (CloudTrail cannot encrypt new logs)",
                            m.key_state
                        ));
                    }
                    if m.key_manager != "CUSTOMER" {
                        problems.push(format!(
                            "key is managed by {}, not the customer",
                            m.key_manager
                        ));
                    }
                    if m.key_spec != "SYMMETRIC_DEFAULT" {
                        problems.push(format!("key spec is {}", m.key_spec));
                    }
                    let mut ev = ev;
                    let mut unknown = None;
                    match k.rotation.value() {
                        Some(true) => {
                            ev.push(Evidence::of(&k.rotation, "KeyRotationEnabled", true));
                        }
                        Some(false) => {
                            ev.push(Evidence::of(&k.rotation, "KeyRotationEnabled", false));
                            problems.push("automatic rotation is off".to_owned());
                        }
                        None => {
                            ev.push(Evidence::failed(&k.rotation));
                            unknown = Some(self.unknown(
                                &k.rotation,
                                arn_account(key),
                                &format!("rotation of KMS key {key}"),
                            ));
                        }
                    }
                    if !problems.is_empty() {
                        (
                            Status::Fail,
                            format!("KMS key {key}: {}", problems.join("; ")),
                            ev,
                        )
                    } else if let Some((st, r)) = unknown {
                        (st, r, ev)
                    } else {
                        (
                            Status::Pass,
                            format!(
                                "KMS key {key} is an enabled, rotated, customer managed symmetric key"
                            ),
                            ev,
                        )
                    }
                }
            };
            self.push("CT-10", key.clone(), &region, v);
        }
    }

    // ---- buckets ------------------------------------------------------------------

    /// `Some(true)`: in this account's `ListBuckets`; `Some(false)`: another account's.
    fn bucket_owned(&self, bucket: &str) -> Option<bool> {
        self.snap
            .list_buckets
            .value()
            .map(|names| names.iter().any(|n| n == bucket))
    }

    fn bucket_region(b: &BucketDetails) -> String {
        b.location
            .value()
            .cloned()
            .unwrap_or_else(|| b.location.region.clone())
    }

    fn buckets(&mut self) {
        let trail_buckets: BTreeMap<String, Vec<&TrailDetails>> =
            self.trails().fold(BTreeMap::new(), |mut m, d| {
                if let Some(b) = &d.trail.s3_bucket_name {
                    m.entry(b.clone()).or_default().push(d);
                }
                m
            });
        if trail_buckets.is_empty() {
            for id in ["CT-11", "CT-12", "CT-13", "CT-14", "CT-15", "CT-17"] {
                let reason = "no trail exists, so there is no trail bucket".to_owned();
                self.push_account(id, (Status::NotApplicable, reason, vec![]));
            }
            return;
        }
        for (name, trails) in trail_buckets {
            let resource = format!("arn:{}:s3:::{name}", self.partition);
            let Some(b) = self.snap.buckets.get(&name) else {
                let reason = format!("bucket {name} was not examined");
                for id in ["CT-11", "CT-12", "CT-13", "CT-14", "CT-15", "CT-17"] {
                    self.push(
                        id,
                        resource.clone(),
                        &self.home.clone(),
                        (Status::Error, reason.clone(), vec![]),
                    );
                }
                continue;
            };
            let region = Self::bucket_region(b);
            let gate = self.bucket_gate(&name, b);
            for (id, f) in [
                (
                    "CT-11",
                    Self::ct11
                        as fn(
                            &Self,
                            &str,
                            &BucketDetails,
                            &[&TrailDetails],
                        ) -> (Status, String, Vec<Evidence>),
                ),
                ("CT-12", Self::ct12),
                ("CT-13", Self::ct13),
                ("CT-14", Self::ct14),
                ("CT-15", Self::ct15),
                ("CT-17", Self::ct17),
            ] {
                let v = match &gate {
                    Some(g) => g.clone(),
                    None => f(self, &name, b, &trails),
                };
                self.push(id, resource.clone(), &region, v);
            }
        }
    }

    /// A verdict shared by every bucket control when the bucket cannot be examined.
    fn bucket_gate(
        &self,
        name: &str,
        b: &BucketDetails,
    ) -> Option<(Status, String, Vec<Evidence>)> {
        if b.location.absent() == Some("NoSuchBucket") {
            return Some((
                Status::Fail,
                format!("trail bucket {name} does not exist: the trail cannot deliver"),
                vec![Evidence::failed(&b.location)],
            ));
        }
        if self.bucket_owned(name) == Some(false) {
            return Some((
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

    /// A bucket call's value, or the verdict for its failure.
    fn need<'c, T>(
        &self,
        name: &str,
        call: &'c Call<T>,
    ) -> Result<Option<&'c T>, (Status, String, Vec<Evidence>)> {
        match &call.outcome {
            Outcome::Ok { value } => Ok(Some(value)),
            Outcome::Absent { .. } => Ok(None),
            _ => {
                // Ownership unknown (ListBuckets failed) and the call was denied: say both.
                let owner = match self.bucket_owned(name) {
                    Some(true) | None => None,
                    Some(false) => Some("another account"),
                };
                let (st, r) = self.unknown(call, owner, &format!("bucket {name}"));
                Err((st, r, vec![Evidence::failed(call)]))
            }
        }
    }

    fn ct11(
        &self,
        name: &str,
        b: &BucketDetails,
        _: &[&TrailDetails],
    ) -> (Status, String, Vec<Evidence>) {
        let mut ev = Vec::new();
        let mut flags: [Option<bool>; 2] = [Some(false), Some(false)]; // ignore ACLs, restrict
        let mut pending = Vec::new();
        for (call, level) in [
            (&b.public_access_block, "bucket"),
            (&self.snap.account_public_access_block, "account"),
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
            return (
                Status::Pass,
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
            match self.need(name, &b.acl) {
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
                Err((_, r, e)) => {
                    unknown.push(r);
                    ev.extend(e);
                }
            }
        }
        // Policy path.
        if flags[1] != Some(true) {
            match self.need(name, &b.policy_status) {
                Ok(Some(true)) => {
                    ev.push(Evidence::of(&b.policy_status, "IsPublic", true));
                    public.push("AWS evaluates its bucket policy as public".to_owned());
                }
                Ok(Some(false)) => ev.push(Evidence::of(&b.policy_status, "IsPublic", false)),
                Ok(None) => {}
                Err((_, r, e)) => {
                    unknown.push(r);
                    ev.extend(e);
                }
            }
            if let Ok(Some(text)) = self.need(name, &b.policy) {
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
                return (
                    Status::Error,
                    format!(
                        "bucket {name} has a public grant ({}) but {}",
                        public.join("; "),
                        unknown.join("; ")
                    ),
                    ev,
                );
            }
            return (
                Status::Fail,
                format!("bucket {name} is public: {}", public.join("; ")),
                ev,
            );
        }
        let failures: Vec<&String> = unknown
            .iter()
            .filter(|u| !u.contains("Block Public Access unknown"))
            .collect();
        if !failures.is_empty() {
            let joined: Vec<&str> = failures.iter().map(|s| s.as_str()).collect();
            return (
                Status::Error,
                format!("bucket {name}: {}", joined.join("; ")),
                ev,
            );
        }
        (
            Status::Pass,
            format!("bucket {name}: no public ACL grant and no public policy"),
            ev,
        )
    }

    fn ct12(
        &self,
        name: &str,
        b: &BucketDetails,
        _: &[&TrailDetails],
    ) -> (Status, String, Vec<Evidence>) {
        match self.need(name, &b.logging) {
            Err(v) => v,
            Ok(Some(Some(t))) => {
                let ev = vec![Evidence::of(&b.logging, "TargetBucket", t.bucket.clone())];
                if t.bucket == name {
                    (
                        Status::Fail,
                        format!("bucket {name} writes its access logs into itself (a log loop)"),
                        ev,
                    )
                } else {
                    (
                        Status::Pass,
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
                let compensated = self.trails().any(|d| {
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
                (
                    Status::Fail,
                    format!("bucket {name} has no server access logging{note}"),
                    ev,
                )
            }
        }
    }

    fn ct13(
        &self,
        name: &str,
        b: &BucketDetails,
        _: &[&TrailDetails],
    ) -> (Status, String, Vec<Evidence>) {
        let v = match self.need(name, &b.versioning) {
            Err(v) => return v,
            Ok(v) => v.cloned().unwrap_or_default(),
        };
        let ev = vec![
            Evidence::of(
                &b.versioning,
                "Status",
                v.status.clone().map_or(serde_json::Value::Null, Into::into),
            ),
            Evidence::of(
                &b.versioning,
                "MFADelete",
                v.mfa_delete
                    .clone()
                    .map_or(serde_json::Value::Null, Into::into),
            ),
        ];
        let versioned = v.status.as_deref() == Some("Enabled");
        let mfa = v.mfa_delete.as_deref() == Some("Enabled");
        if versioned && mfa {
            return (
                Status::Pass,
                format!("bucket {name} is versioned with MFA Delete"),
                ev,
            );
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
        (Status::Fail, format!("bucket {name} {what}{comp}"), ev)
    }

    fn ct14(
        &self,
        name: &str,
        b: &BucketDetails,
        _: &[&TrailDetails],
    ) -> (Status, String, Vec<Evidence>) {
        match self.need(name, &b.object_lock) {
            Err(v) => v,
            Ok(None) => (
                Status::Fail,
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
                    _ if !l.enabled => (
                        Status::Fail,
                        format!("bucket {name}: Object Lock is not enabled"),
                        ev,
                    ),
                    (Some(mode), Some(days)) => (
                        Status::Pass,
                        format!(
                            "bucket {name} has Object Lock, default retention {mode} {days} days"
                        ),
                        ev,
                    ),
                    _ => (
                        Status::Fail,
                        format!("bucket {name} has Object Lock but no default retention rule"),
                        ev,
                    ),
                }
            }
        }
    }

    fn ct15(
        &self,
        name: &str,
        b: &BucketDetails,
        _: &[&TrailDetails],
    ) -> (Status, String, Vec<Evidence>) {
        match self.need(name, &b.policy) {
            Err(v) => v,
            Ok(None) => (
                Status::Fail,
                format!("bucket {name} has no bucket policy, so plain HTTP is not denied"),
                vec![Evidence::failed(&b.policy)],
            ),
            Ok(Some(text)) => match policy::tls_check(text) {
                Err(e) => (
                    Status::Error,
                    format!("bucket {name}: its policy is not valid JSON ({e})"),
                    vec![Evidence::of(&b.policy, "Policy", text.clone())],
                ),
                Ok(check) => {
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
                            (
                                Status::Pass,
                                format!(
                                    "bucket {name} policy denies requests without TLS (statement {sid}){note}"
                                ),
                                ev,
                            )
                        }
                        None => {
                            ev.insert(0, Evidence::of(&b.policy, "Policy", text.clone()));
                            (
                                Status::Fail,
                                format!(
                                    "bucket {name} policy has no Deny on aws:SecureTransport = false{note}"
                                ),
                                ev,
                            )
                        }
                    }
                }
            },
        }
    }

    fn ct17(
        &self,
        name: &str,
        b: &BucketDetails,
        trails: &[&TrailDetails],
    ) -> (Status, String, Vec<Evidence>) {
        let lock_days = b
            .object_lock
            .value()
            .filter(|l| l.enabled && l.mode.is_some())
            .and_then(|l| l.days.or(l.years.map(|y| y * 365)));
        let rules = match self.need(name, &b.lifecycle) {
            Err(v) => return v,
            Ok(None) => {
                return (
                    Status::Pass,
                    format!(
                        "bucket {name} has no lifecycle rules: logs are kept until deleted (consider archiving after {} days for cost)",
                        self.s.hot_days
                    ),
                    vec![Evidence::failed(&b.lifecycle)],
                );
            }
            Ok(Some(r)) => r,
        };
        let prefixes: Vec<String> = trails
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
            let kept_by_lock = lock_days.is_some_and(|d| d >= self.s.retention_days);
            if let Some(days) = r.expiration_days.filter(|d| *d < self.s.retention_days)
                && !kept_by_lock
            {
                {
                    problems.push(format!(
                        "rule {id} expires logs after {days} days (< {})",
                        self.s.retention_days
                    ));
                }
            }
            if let Some(date) = &r.expiration_date
                && !kept_by_lock
            {
                {
                    problems.push(format!("rule {id} expires logs on the fixed date {date}"));
                }
            }
            for t in &r.transitions {
                let archive = matches!(t.storage_class.as_str(), "GLACIER" | "DEEP_ARCHIVE");
                if archive && (t.days.is_some_and(|d| d < self.s.hot_days) || t.date.is_some()) {
                    let when = t.days.map_or_else(
                        || t.date.clone().unwrap_or_default(),
                        |d| format!("{d} days"),
                    );
                    problems.push(format!(
                        "rule {id} moves logs to {} after {when} (< {} days immediately readable)",
                        t.storage_class, self.s.hot_days
                    ));
                }
            }
        }
        if problems.is_empty() {
            let lock = lock_days
                .map(|d| format!("; Object Lock keeps them {d} days"))
                .unwrap_or_default();
            (
                Status::Pass,
                format!(
                    "bucket {name}: no lifecycle rule on the trail prefix expires logs before {} days or archives them before {} days{lock}",
                    self.s.retention_days, self.s.hot_days
                ),
                ev,
            )
        } else {
            (
                Status::Fail,
                format!("bucket {name}: {}", problems.join("; ")),
                ev,
            )
        }
    }

    fn ct16(&mut self) {
        let trails: Vec<&TrailDetails> = self.trails().collect();
        if trails.is_empty() {
            let reason = "no trail exists".to_owned();
            return self.push_account("CT-16", (Status::NotApplicable, reason, vec![]));
        }
        for d in trails {
            let t = &d.trail;
            let Some(bucket) = &t.s3_bucket_name else {
                continue;
            };
            let mut ev = vec![self.trail_ev(d, "S3BucketName", bucket.clone().into())];
            let v = if t.is_organization_trail && !self.owned(&t.arn) {
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
            self.push("CT-16", t.arn.clone(), &t.home_region, (v.0, v.1, ev));
        }
    }

    fn ct18(&mut self) {
        if self.snap.log_groups.is_empty() {
            let reason = "no trail delivers to CloudWatch Logs (see CT-19)".to_owned();
            return self.push_account("CT-18", (Status::NotApplicable, reason, vec![]));
        }
        let groups: Vec<(&String, &LogGroupDetails)> = self.snap.log_groups.iter().collect();
        for (arn, g) in groups {
            let v = match &g.group.outcome {
                Outcome::Ok { value: Some(lg) } => {
                    let ev = vec![
                        Evidence::of(
                            &g.group,
                            "retentionInDays",
                            lg.retention_in_days
                                .map_or(serde_json::Value::Null, Into::into),
                        ),
                        Evidence::of(
                            &g.group,
                            "kmsKeyId",
                            lg.kms_key_id
                                .clone()
                                .map_or(serde_json::Value::Null, Into::into),
                        ),
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
                        (
                            Status::Pass,
                            format!("log group {}: events {keep} and are KMS-encrypted", g.name),
                            ev,
                        )
                    } else {
                        (
                            Status::Fail,
                            format!("log group {}: {}", g.name, problems.join("; ")),
                            ev,
                        )
                    }
                }
                Outcome::Ok { value: None } => (
                    Status::Fail,
                    format!("log group {} named by the trail does not exist", g.name),
                    vec![Evidence::of(&g.group, "logGroups", "no such group")],
                ),
                _ => {
                    let (st, r) =
                        self.unknown(&g.group, arn_account(arn), &format!("log group {}", g.name));
                    (st, r, vec![Evidence::failed(&g.group)])
                }
            };
            self.push("CT-18", arn.clone(), &g.region.clone(), v);
        }
    }

    // ---- monitoring -----------------------------------------------------------------

    fn ct20_21(&mut self) {
        // Log groups of trails that pass CT-02 (CIS: multi-Region, logging, all management).
        let mut groups = BTreeSet::new();
        let mut unknown: Vec<(Status, String, Vec<Evidence>)> = Vec::new();
        let mut passing = false;
        for d in self.trails() {
            match self.ct02_trail(d) {
                Tri::Yes(..) => {
                    passing = true;
                    if let Some(g) = &d.trail.cloud_watch_logs_log_group_arn {
                        groups.insert(g.clone());
                    }
                }
                Tri::Unknown(st, r, e) => unknown.push((st, r, e)),
                Tri::No(..) => {}
            }
        }
        for item in monitoring::CIS_ITEMS {
            let id = if item.id == "4.5" { "CT-20" } else { "CT-21" };
            let v = if groups.is_empty() {
                if let Some(u) = unknown.first() {
                    u.clone()
                } else if passing {
                    (Status::Fail, "the multi-Region trail that logs all management events has no CloudWatch Logs group, so no metric filter can watch it".to_owned(), vec![])
                } else {
                    (Status::Fail, "no multi-Region trail logs all management events (CT-02), so there is nothing to monitor".to_owned(), vec![])
                }
            } else {
                self.monitor(item, &groups)
            };
            let resource = self.synthetic(&self.home.clone());
            let home = self.home.clone();
            self.push_full(
                id,
                Some(format!("cis-{}", item.id)),
                resource,
                &home,
                v.0,
                format!("CIS {} {}: {}", item.id, item.topic, v.1),
                v.2,
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

    /// Filter → alarm → SNS topic with a confirmed subscription, on any of `groups`.
    fn monitor(
        &self,
        item: &CisItem,
        groups: &BTreeSet<String>,
    ) -> (Status, String, Vec<Evidence>) {
        let mut best: Option<(Status, String, Vec<Evidence>)> = None;
        let mut keep = |v: (Status, String, Vec<Evidence>)| {
            let rank = |s: Status| match s {
                Status::Pass => 0,
                Status::Error => 1,
                Status::Manual => 2,
                _ => 3,
            };
            if best.as_ref().is_none_or(|b| rank(v.0) < rank(b.0)) {
                best = Some(v);
            }
        };
        for arn in groups {
            let Some(g) = self.snap.log_groups.get(arn) else {
                keep((
                    Status::Error,
                    format!("log group {arn} was not examined"),
                    vec![],
                ));
                continue;
            };
            let Some(filters) = g.metric_filters.value() else {
                let (st, r) = self.unknown(
                    &g.metric_filters,
                    arn_account(arn),
                    &format!("metric filters of log group {}", g.name),
                );
                keep((st, r, vec![Evidence::failed(&g.metric_filters)]));
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
                keep((
                    Status::Fail,
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
                keep((
                    Status::Error,
                    format!("alarms in {} were not examined", g.region),
                    vec![],
                ));
                continue;
            };
            let Some(alarms) = alarms_call.value() else {
                keep((
                    Status::Error,
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
                    keep((
                        Status::Fail,
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
                        keep((
                            Status::Fail,
                            format!("alarm {} notifies no SNS topic", a.name),
                            ev.clone(),
                        ));
                        continue;
                    }
                    for topic in topics {
                        let Some(call) = self.snap.topics.get(topic) else {
                            keep((
                                Status::Error,
                                format!("SNS topic {topic} was not examined"),
                                ev.clone(),
                            ));
                            continue;
                        };
                        match call.value() {
                            None => {
                                let (st, r) = self.unknown(
                                    call,
                                    arn_account(topic),
                                    &format!("SNS topic {topic}"),
                                );
                                let mut e = ev.clone();
                                e.push(Evidence::failed(call));
                                keep((st, r, e));
                            }
                            Some(subs) => {
                                let confirmed = subs
                                    .iter()
                                    .filter(|s| {
                                        s.arn != "PendingConfirmation" && s.arn.starts_with("arn:")
                                    })
                                    .count();
                                let mut e = ev.clone();
                                e.push(Evidence::of(
                                    call,
                                    "Subscriptions",
                                    serde_json::to_value(subs).unwrap_or_default(),
                                ));
                                if confirmed > 0 {
                                    keep((
                                        Status::Pass,
                                        format!(
                                            "metric filter {} on {}, alarm {}, SNS topic {topic} with {confirmed} confirmed subscription(s)",
                                            f.name, g.name, a.name
                                        ),
                                        e,
                                    ));
                                } else {
                                    keep((
                                        Status::Fail,
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
            }
        }
        best.unwrap_or((Status::Fail, "nothing to monitor".to_owned(), vec![]))
    }

    fn ct22(&mut self) {
        if let Some(v) = self.all_trails_failed() {
            return self.push_account("CT-22", v);
        }
        let answers: Vec<Tri> = self
            .trails()
            .map(|d| {
                let arn = &d.trail.arn;
                let insights = match &d.insight_selectors.outcome {
                    Outcome::Ok { value } => Known::Yes((
                        value.clone(),
                        Evidence::of(&d.insight_selectors, "InsightSelectors", value.clone()),
                    )),
                    Outcome::Absent { .. } => {
                        Known::Yes((vec![], Evidence::failed(&d.insight_selectors)))
                    }
                    _ if !d.trail.has_insight_selectors => Known::Yes((
                        vec![],
                        self.trail_ev(d, "HasInsightSelectors", false.into()),
                    )),
                    _ => {
                        let (st, r) = self.unknown(
                            &d.insight_selectors,
                            arn_account(arn),
                            &format!("trail {arn}"),
                        );
                        Known::Unknown(st, r, vec![Evidence::failed(&d.insight_selectors)])
                    }
                };
                match (insights, self.logging(d)) {
                    (Known::Unknown(st, r, e), _) | (_, Known::Unknown(st, r, e)) => {
                        Tri::Unknown(st, r, e)
                    }
                    (Known::Yes((types, e)), Known::Yes(logging)) => {
                        if types.is_empty() {
                            Tri::No(format!("trail {arn} has no Insights selectors"), vec![e])
                        } else if !logging {
                            Tri::No(
                                format!(
                                    "trail {arn} has Insights ({}) but is stopped",
                                    types.join(", ")
                                ),
                                vec![e],
                            )
                        } else {
                            Tri::Yes(
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

    fn ct23_24_25(&mut self) {
        for (id, rtype, service, access, what) in [
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
        ] {
            self.data_control(id, rtype, service, access, what);
        }
    }

    fn data_control(
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
        let answers: Vec<Tri> = self
            .trails()
            .map(|d| {
                let arn = &d.trail.arn;
                let sel = match d.event_selectors.value() {
                    Some(s) => s,
                    None if !d.trail.has_custom_event_selectors => {
                        return Tri::No(format!("trail {arn} has the default selectors (no data events)"), vec![self.trail_ev(d, "HasCustomEventSelectors", false.into())]);
                    }
                    None => {
                        let (st, r) = self.unknown(&d.event_selectors, arn_account(arn), &format!("event selectors of trail {arn}"));
                        return Tri::Unknown(st, r, vec![Evidence::failed(&d.event_selectors)]);
                    }
                };
                let c = selectors::data(sel, rtype, service, access);
                let ev = vec![Evidence::of(&d.event_selectors, "EventSelectors", serde_json::to_value(sel).unwrap_or_default())];
                match self.logging(d) {
                    Known::Unknown(st, r, e) => return Tri::Unknown(st, r, [ev, e].concat()),
                    Known::Yes(false) => return Tri::No(format!("trail {arn} is stopped"), ev),
                    Known::Yes(true) => {}
                }
                for n in &c.named {
                    named.entry(n.clone()).or_default().push(arn.clone());
                }
                if !c.all {
                    let partial = if c.partial.is_empty() { String::new() } else { format!(" ({})", c.partial.join("; ")) };
                    return Tri::No(format!("trail {arn} does not log {what} for all resources{partial}"), ev);
                }
                if !d.trail.is_multi_region_trail {
                    return Tri::No(format!("trail {arn} logs {what} for all resources but is single-Region"), ev);
                }
                let except = if c.excluded.is_empty() { String::new() } else { format!(", except {}", c.excluded.join(", ")) };
                Tri::Yes(format!("logging multi-Region trail {arn} logs {what} for all current and future resources{except}"), ev)
            })
            .collect();
        let v = self.any_of(answers, "no trail exists in the scanned regions");
        if v.0 != Status::Fail || service != "s3" {
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
                        (
                            Status::Pass,
                            format!("bucket {b}: {what} are logged by trail {t}"),
                            ev,
                        )
                    } else {
                        (
                            Status::Fail,
                            format!("bucket {b}: {what} are not logged ({})", v.1),
                            [ev, v.2.clone()].concat(),
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

    fn ct26(&mut self) {
        let mut any = false;
        let calls: Vec<(&String, &Call<Vec<crate::snapshot::model::EventDataStore>>)> =
            self.snap.event_data_stores.iter().collect();
        for (region, call) in calls {
            let Some(stores) = call.value() else {
                let resource = self.synthetic(region);
                self.push(
                    "CT-26",
                    resource,
                    region,
                    (Status::Error, problem(call), vec![Evidence::failed(call)]),
                );
                any = true;
                continue;
            };
            for s in stores {
                any = true;
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
                let v = if problems.is_empty() {
                    (
                        Status::Pass,
                        format!(
                            "event data store {} uses a customer managed key and keeps events {} days{protect}",
                            s.name,
                            s.retention_period.unwrap_or_default()
                        ),
                        ev,
                    )
                } else {
                    (
                        Status::Fail,
                        format!(
                            "event data store {}: {}{protect}",
                            s.name,
                            problems.join("; ")
                        ),
                        ev,
                    )
                };
                self.push("CT-26", s.arn.clone(), region, v);
            }
        }
        if !any {
            let reason =
                "no CloudTrail Lake event data store exists in the scanned regions".to_owned();
            self.push_account("CT-26", (Status::NotApplicable, reason, vec![]));
        }
    }

    fn ct27(&mut self) {
        let trails: Vec<&TrailDetails> = self.trails().collect();
        for d in trails {
            let arn = d.trail.arn.clone();
            let v = if self.owned(&arn) {
                match d.tags.value() {
                    None => {
                        let (st, r) = self.unknown(
                            &d.tags,
                            arn_account(&arn),
                            &format!("tags of trail {arn}"),
                        );
                        (st, r, vec![Evidence::failed(&d.tags)])
                    }
                    Some(tags) => {
                        let ev = vec![Evidence::of(
                            &d.tags,
                            "TagsList",
                            serde_json::to_value(tags).unwrap_or_default(),
                        )];
                        let missing: Vec<&String> = self
                            .s
                            .required_tags
                            .iter()
                            .filter(|k| !tags.contains_key(*k))
                            .collect();
                        if tags.is_empty() {
                            (Status::Fail, format!("trail {arn} has no tags"), ev)
                        } else if !missing.is_empty() {
                            (
                                Status::Fail,
                                format!(
                                    "trail {arn} lacks required tag(s) {}",
                                    missing
                                        .iter()
                                        .map(|s| s.as_str())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                                ev,
                            )
                        } else {
                            (
                                Status::Pass,
                                format!(
                                    "trail {arn} is tagged ({})",
                                    tags.keys().cloned().collect::<Vec<_>>().join(", ")
                                ),
                                ev,
                            )
                        }
                    }
                }
            } else {
                (
                    Status::NotApplicable,
                    format!(
                        "trail {arn} is owned by account {}; tag it there",
                        arn_account(&arn).unwrap_or_default()
                    ),
                    vec![],
                )
            };
            self.push("CT-27", arn, &d.trail.home_region.clone(), v);
        }
    }

    fn ct28(&mut self) {
        let call = &self.snap.iam_policies;
        let Some(policies) = call.value() else {
            let v = (Status::Error, problem(call), vec![Evidence::failed(call)]);
            return self.push_account("CT-28", v);
        };
        let mut failed = false;
        for p in policies {
            let grants =
                policy::cloudtrail_tamper_grants(&p.document, &self.partition, &self.account);
            if grants.is_empty() {
                continue;
            }
            let holders: Vec<&String> = p
                .attached_to
                .iter()
                .filter(|a| !self.s.break_glass_principals.contains(a))
                .collect();
            let ev = vec![Evidence::of(
                call,
                "PolicyDocument",
                serde_json::json!({ "policy": p.arn, "attached_to": p.attached_to, "statements": grants }),
            )];
            let v = if holders.is_empty() {
                (
                    Status::Pass,
                    format!(
                        "policy {} grants {} but only to break-glass principals",
                        p.arn,
                        grants.join(", ")
                    ),
                    ev,
                )
            } else {
                failed = true;
                (
                    Status::Fail,
                    format!(
                        "{} policy {} allows {} on every trail (held by {})",
                        p.kind,
                        p.arn,
                        grants.join(", "),
                        holders
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    ev,
                )
            };
            self.push("CT-28", p.arn.clone(), "global", v);
        }
        if !failed {
            let v = (
                Status::Pass,
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
