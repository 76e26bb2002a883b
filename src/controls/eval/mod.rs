//! Evaluates every control of the catalog against a [`Snapshot`] (pure: no I/O, no clock;
//! "now" is an argument).
//!
//! Rules follow `controls.md` §4 and §5. Each group of controls lives in the file named
//! after what it checks, and each evaluator after its control's question:
//!
//! - [`coverage`]: CT-01 … CT-07, trail coverage and logging;
//! - [`log_files`]: CT-08 … CT-10, log file validation and encryption;
//! - [`bucket`]: CT-11 … CT-17, the trail bucket;
//! - [`cloudwatch`]: CT-18 … CT-21, log groups, metric filters and alarms;
//! - [`events`]: CT-22 … CT-25, Insights and data events;
//! - [`governance`]: CT-26 … CT-28, Lake, tags and IAM.
//!
//! [`context`] holds what they share, including the error-to-status mapping of §5.6: an
//! answer this account could not get for a resource another account owns is MANUAL; a call
//! in this account's own reach that was denied or failed is ERROR and names the action;
//! "feature absent" answers are evaluated, never errors.

// Each control reads best as one `match` over what is known, with every branch visible.
#![allow(clippy::single_match_else, clippy::too_many_lines)]

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::controls::catalog::{self, Framework, Severity};
use crate::controls::config::Settings;
use crate::controls::result::ControlResult;
use crate::snapshot::model::Snapshot;

mod bucket;
mod cloudwatch;
mod context;
mod coverage;
mod events;
mod governance;
mod log_files;

/// Evaluates every control. Results come in catalog order, then by resource; each carries
/// all its framework references (see [`select_framework`] to narrow them).
#[must_use]
pub fn evaluate(snap: &Snapshot, settings: &Settings, as_of: DateTime<Utc>) -> Vec<ControlResult> {
    let mut cx = context::Cx::new(snap, settings, as_of);
    cx.a_trail_is_logging(); // CT-01
    cx.multi_region_management_events(); // CT-02
    cx.every_region_covered(); // CT-03
    cx.global_service_events(); // CT-04
    cx.no_trail_stopped(); // CT-05
    cx.delivery_healthy(); // CT-06
    cx.security_trail(); // CT-07
    cx.log_file_validation(); // CT-08
    cx.kms_encryption(); // CT-09
    cx.kms_key_usable(); // CT-10
    cx.trail_buckets(); // CT-11 … CT-15, CT-17
    cx.separate_log_account(); // CT-16
    cx.log_group_retention_and_encryption(); // CT-18
    cx.cloudwatch_logs_integration(); // CT-19
    cx.cis_monitoring_alarms(); // CT-20, CT-21
    cx.insights(); // CT-22
    cx.data_events(); // CT-23 … CT-25
    cx.lake_event_data_stores(); // CT-26
    cx.trail_tags(); // CT-27
    cx.no_broad_tamper_permission(); // CT-28
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
