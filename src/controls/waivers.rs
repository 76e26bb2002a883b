//! Accepted exceptions applied to results: a waiver in force marks the results it covers.
//!
//! A waived result keeps its status and is marked `waived` with the reason; it no longer
//! counts towards the outcome. A waiver past its expiry date stops applying and is
//! reported; so is one that matched nothing. Pure: "today" is an argument.

use chrono::NaiveDate;
use serde::Serialize;

use super::config::Waiver;
use super::result::{ControlResult, WaiverNote};

/// What happened to the waivers in one evaluation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WaiverReport {
    /// Waivers that covered at least one result.
    pub applied: Vec<Waiver>,
    /// Waivers past their expiry date (they no longer apply).
    pub expired: Vec<Waiver>,
    /// Waivers in force that matched no result.
    pub unused: Vec<Waiver>,
}

/// Whether `w` covers result `r`.
fn covers(w: &Waiver, r: &ControlResult) -> bool {
    w.control == r.control_id
        && (w.resource == "*" || w.resource == r.resource)
        && w.check
            .as_ref()
            .is_none_or(|c| Some(c.as_str()) == r.check.as_deref())
}

/// Marks the results the waivers in force on `today` cover.
pub fn apply(results: &mut [ControlResult], waivers: &[Waiver], today: NaiveDate) -> WaiverReport {
    let mut report = WaiverReport::default();
    for w in waivers {
        if today > w.expires {
            report.expired.push(w.clone());
            continue;
        }
        let mut used = false;
        for r in results.iter_mut().filter(|r| !r.waived && covers(w, r)) {
            r.waived = true;
            r.waiver = Some(WaiverNote {
                reason: w.reason.clone(),
                expires: w.expires.format("%Y-%m-%d").to_string(),
            });
            used = true;
        }
        if used {
            report.applied.push(w.clone());
        } else {
            report.unused.push(w.clone());
        }
    }
    report
}
