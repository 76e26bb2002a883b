//! Trail coverage and logging (CT-01 … CT-07): is a trail logging, does one record every
//! management event in every region, are global service events captured, is any trail
//! stopped, is delivery healthy, and does one trail meet all of it together.

use std::fmt::Write as _;

use super::context::{Cx, arn_account, or_null, problem};
use crate::controls::catalog::Severity;
use crate::controls::result::{Evidence, Status, Verdict};
use crate::snapshot::model::TrailDetails;

impl Cx<'_> {
    /// CT-02's question for one trail: multi-Region, logging, and recording all read and
    /// write management events with no exclusions.
    pub(super) fn logs_all_management_everywhere(&self, d: &TrailDetails) -> Verdict {
        let arn = &d.trail.arn;
        let mut ev = vec![self.trail_ev(
            d,
            "IsMultiRegionTrail",
            d.trail.is_multi_region_trail.into(),
        )];
        if !d.trail.is_multi_region_trail {
            return Verdict::fail(format!("trail {arn} is not multi-Region"), ev);
        }
        match self.logging(d) {
            Err(v) => {
                return Verdict {
                    evidence: [ev, v.evidence].concat(),
                    ..v
                };
            }
            Ok(false) => {
                ev.push(Self::logging_ev(d, false));
                return Verdict::fail(format!("multi-Region trail {arn} is stopped"), ev);
            }
            Ok(true) => ev.push(Self::logging_ev(d, true)),
        }
        match self.management(d) {
            Err(v) => Verdict {
                evidence: [ev, v.evidence].concat(),
                ..v
            },
            Ok((m, e)) => {
                ev.push(e);
                if m.full() {
                    let how = if m.default {
                        " (CloudTrail's default selectors)"
                    } else {
                        ""
                    };
                    Verdict::pass(
                        format!(
                            "multi-Region trail {arn} is logging all read and write management events with no exclusions{how}"
                        ),
                        ev,
                    )
                } else {
                    Verdict::fail(format!("multi-Region trail {arn}: {}", m.shortfall()), ev)
                }
            }
        }
    }

    /// CT-01: at least one trail is logging.
    pub(super) fn a_trail_is_logging(&mut self) {
        if let Some(v) = self.all_trails_failed() {
            return self.push_account("CT-01", v);
        }
        let answers = self
            .trails()
            .map(|d| {
                let mut ev = vec![
                    self.trail_ev(
                        d,
                        "IsOrganizationTrail",
                        d.trail.is_organization_trail.into(),
                    ),
                    self.trail_ev(d, "HomeRegion", d.trail.home_region.clone().into()),
                ];
                match self.logging(d) {
                    Ok(true) => {
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
                        Verdict::pass(format!("{org}trail {} is logging", d.trail.arn), ev)
                    }
                    Ok(false) => {
                        ev.push(Self::logging_ev(d, false));
                        Verdict::fail(format!("trail {} is stopped", d.trail.arn), ev)
                    }
                    Err(v) => Verdict {
                        evidence: [ev, v.evidence].concat(),
                        ..v
                    },
                }
            })
            .collect();
        let v = self.any_of(answers, "no trail exists in the scanned regions");
        self.push_account("CT-01", v);
    }

    /// CT-02: a multi-Region trail logs all read and write management events.
    pub(super) fn multi_region_management_events(&mut self) {
        if let Some(v) = self.all_trails_failed() {
            return self.push_account("CT-02", v);
        }
        let answers: Vec<Verdict> = self
            .trails()
            .map(|d| self.logs_all_management_everywhere(d))
            .collect();
        let none_multi = !self.trails().any(|d| d.trail.is_multi_region_trail);
        let mut v = self.any_of(answers, "no multi-Region trail exists");
        if v.status == Status::Fail && none_multi {
            "no multi-Region trail exists".clone_into(&mut v.reason);
        }
        self.push_account("CT-02", v);
    }

    /// CT-03: every enabled region is covered by a logging trail (one result per region).
    pub(super) fn every_region_covered(&mut self) {
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
                    self.push("CT-03", resource, &home, Verdict::error(reason, ev));
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
                let reason = format!("region {region} is not enabled");
                self.push(
                    "CT-03",
                    resource,
                    &region,
                    Verdict::new(Status::NotApplicable, reason, ev),
                );
                continue;
            }
            let v = self.region_covered(&region);
            self.push("CT-03", resource, &region, v);
        }
    }

    /// CT-03 for one enabled region.
    fn region_covered(&self, region: &str) -> Verdict {
        let Some(call) = self.snap.describe_trails.get(region) else {
            return Verdict::error(
                format!("cloudtrail:DescribeTrails was not called in {region}"),
                vec![],
            );
        };
        if call.value().is_none() {
            return Verdict::error(problem(call), vec![Evidence::failed(call)]);
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
                (Ok(true), Ok((m, e))) if m.any() => {
                    ev.push(Self::logging_ev(d, true));
                    ev.push(e);
                    return Verdict::pass(
                        format!(
                            "region {region} is covered by logging trail {}",
                            d.trail.arn
                        ),
                        ev,
                    );
                }
                (Ok(false), _) => no.push(format!("trail {} is stopped", d.trail.arn)),
                (Ok(true), Ok(_)) => {
                    no.push(format!("trail {} logs no management events", d.trail.arn));
                }
                (Err(v), _) | (_, Err(v)) => {
                    let u = unknown.get_or_insert((v.status, Vec::new(), Vec::new()));
                    if v.status == Status::Error {
                        u.0 = Status::Error;
                    }
                    u.1.push(v.reason);
                    ev.extend(v.evidence);
                    u.2.extend(ev);
                }
            }
        }
        if let Some((st, r, e)) = unknown {
            return Verdict::new(st, r.join("; "), e);
        }
        let reason = if no.is_empty() {
            format!("no multi-Region trail and no trail homed in {region}")
        } else {
            no.join("; ")
        };
        Verdict::fail(
            reason,
            vec![Evidence::of(call, "trailList", "no covering trail")],
        )
    }

    /// CT-04: a logging trail records global service events where they are delivered.
    pub(super) fn global_service_events(&mut self) {
        if let Some(v) = self.all_trails_failed() {
            return self.push_account("CT-04", v);
        }
        let mut count = 0;
        let answers: Vec<Verdict> = self
            .trails()
            .map(|d| {
                let t = &d.trail;
                let ev = vec![
                    self.trail_ev(d, "IncludeGlobalServiceEvents", t.include_global_service_events.into()),
                    self.trail_ev(d, "IsMultiRegionTrail", t.is_multi_region_trail.into()),
                ];
                if !t.include_global_service_events {
                    return Verdict::fail(format!("trail {} excludes global service events", t.arn), ev);
                }
                if !(t.is_multi_region_trail || t.home_region == "us-east-1") {
                    return Verdict::fail(
                        format!("trail {} is single-Region outside us-east-1, where global service events are recorded", t.arn),
                        ev,
                    );
                }
                match self.logging(d) {
                    Ok(true) => {
                        count += 1;
                        Verdict::pass(format!("trail {} is logging global service events", t.arn), ev)
                    }
                    Ok(false) => Verdict::fail(format!("trail {} is stopped", t.arn), ev),
                    Err(v) => Verdict { evidence: [ev, v.evidence].concat(), ..v },
                }
            })
            .collect();
        let mut v = self.any_of(answers, "no trail exists in the scanned regions");
        if v.status == Status::Pass && count > 1 {
            let _ = write!(
                v.reason,
                " ({count} trails record global service events: not a failure, but each copy is billed)"
            );
        }
        self.push_account("CT-04", v);
    }

    /// Whether a trail other than `except` passes CT-02's question.
    fn management_logged_elsewhere(&self, except: &str) -> bool {
        self.trails()
            .filter(|d| d.trail.arn != except)
            .any(|d| self.logs_all_management_everywhere(d).passed())
    }

    /// CT-05: no trail is stopped (High when no other trail covers for it).
    pub(super) fn no_trail_stopped(&mut self) {
        let trails: Vec<&TrailDetails> = self.trails().collect();
        for d in trails {
            let arn = d.trail.arn.clone();
            let home = d.trail.home_region.clone();
            let (v, severity) = match self.logging(d) {
                Ok(true) => (
                    Verdict::pass(
                        format!("trail {arn} is logging"),
                        vec![Self::logging_ev(d, true)],
                    ),
                    None,
                ),
                Ok(false) => {
                    let mut ev = vec![Self::logging_ev(d, false)];
                    let stopped = d.status.value().and_then(|s| s.stop_logging_time.clone());
                    if let Some(t) = &stopped {
                        ev.push(Evidence::of(&d.status, "StopLoggingTime", t.clone()));
                    }
                    let since = stopped.map(|t| format!(" since {t}")).unwrap_or_default();
                    let only = !self.management_logged_elsewhere(&arn);
                    let extra = if only {
                        "; no other trail logs all management events in every region"
                    } else {
                        ""
                    };
                    (
                        Verdict::fail(format!("trail {arn} is stopped{since}{extra}"), ev),
                        only.then_some(Severity::High),
                    )
                }
                Err(v) => (v, None),
            };
            self.push_with("CT-05", None, arn, &home, v, severity);
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

    /// CT-06: no delivery errors and recent deliveries, per trail.
    pub(super) fn delivery_healthy(&mut self) {
        let trails: Vec<&TrailDetails> = self.trails().collect();
        for d in trails {
            let arn = d.trail.arn.clone();
            let home = d.trail.home_region.clone();
            let v = match d.status.value() {
                None => self.unknown(&d.status, arn_account(&arn), &format!("trail {arn}")),
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
                            ev.push(Evidence::of(&d.status, field, or_null(time)));
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
                        Verdict::pass(reason, ev)
                    } else {
                        Verdict::fail(format!("trail {arn}: {}", problems.join("; ")), ev)
                    }
                }
            };
            self.push("CT-06", arn, &home, v);
        }
    }

    /// CT-07: one trail meets CT-02, CT-04, CT-08 and CT-09 together.
    pub(super) fn security_trail(&mut self) {
        if let Some(v) = self.all_trails_failed() {
            return self.push_account("CT-07", v);
        }
        let answers: Vec<Verdict> = self
            .trails()
            .map(|d| {
                let t = &d.trail;
                let v = self.logs_all_management_everywhere(d);
                if !v.passed() {
                    return v;
                }
                let mut ev = v.evidence;
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
                ev.push(self.trail_ev(d, "KmsKeyId", or_null(t.kms_key_id.clone())));
                if missing.is_empty() {
                    Verdict::pass(
                        format!(
                            "trail {} meets CT-02, CT-04, CT-08 and CT-09 together",
                            t.arn
                        ),
                        ev,
                    )
                } else {
                    Verdict::fail(format!("trail {} lacks {}", t.arn, missing.join(", ")), ev)
                }
            })
            .collect();
        let v = self.any_of(answers, "no trail exists in the scanned regions");
        self.push_account("CT-07", v);
    }
}
