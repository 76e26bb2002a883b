//! What a control evaluation produces: a [`Verdict`] from each evaluator, and one
//! [`ControlResult`] per control and resource (the verdict with the control's metadata).
//! Data only: the document that gathers them is [`crate::report::check`]'s.

use serde::Serialize;

use super::catalog::{FrameworkRef, Severity};
use crate::snapshot::model::{Call, Outcome};

/// The one status enum of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// The setting is as required.
    Pass,
    /// The setting is not as required (with evidence).
    Fail,
    /// Cannot be decided from what this account can see (another account owns the resource,
    /// an organization trail seen from a member account); the reason says where to look.
    Manual,
    /// A call in this account's own reach was denied or failed; the reason names the action.
    Error,
    /// The control does not apply (a disabled region, no event data stores, …).
    NotApplicable,
}

impl Status {
    /// `PASS`, `FAIL`, `MANUAL`, `ERROR`, `NOT_APPLICABLE`.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Fail => "FAIL",
            Self::Manual => "MANUAL",
            Self::Error => "ERROR",
            Self::NotApplicable => "NOT_APPLICABLE",
        }
    }
}

/// One fact a result rests on: which call answered, and the field and value that decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The IAM action of the call, e.g. `cloudtrail:GetTrailStatus`.
    pub source: String,
    /// Region the call was sent to.
    pub region: String,
    /// When it answered.
    pub at: String,
    /// Its request id, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The field (API name), e.g. `IsLogging`.
    pub field: String,
    /// Its value (or the error, for a failed call).
    pub value: serde_json::Value,
}

impl Evidence {
    /// Evidence from a call's answer.
    pub fn of<T>(call: &Call<T>, field: &str, value: impl Into<serde_json::Value>) -> Self {
        Self {
            source: call.action.clone(),
            region: call.region.clone(),
            at: call.at.clone(),
            request_id: call.request_id.clone(),
            field: field.to_owned(),
            value: value.into(),
        }
    }

    /// Evidence of a call that did not answer: its outcome as the value.
    pub fn failed<T>(call: &Call<T>) -> Self {
        let value = match &call.outcome {
            Outcome::Ok { .. } => serde_json::json!("ok"),
            Outcome::Absent { code } => serde_json::json!({ "absent": code }),
            Outcome::Denied { code, message } => {
                serde_json::json!({ "denied": code, "message": message })
            }
            Outcome::Failed { code, message } => {
                serde_json::json!({ "failed": code, "message": message })
            }
            Outcome::Skipped { reason } => serde_json::json!({ "skipped": reason }),
        };
        Self::of(call, "error", value)
    }
}

/// What one evaluator decided about one resource: the status, why, and the facts it rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The status.
    pub status: Status,
    /// One sentence saying why.
    pub reason: String,
    /// The facts it rests on.
    pub evidence: Vec<Evidence>,
}

impl Verdict {
    /// A verdict of `status`.
    #[must_use]
    pub fn new(status: Status, reason: impl Into<String>, evidence: Vec<Evidence>) -> Self {
        Self {
            status,
            reason: reason.into(),
            evidence,
        }
    }

    /// [`Status::Pass`].
    #[must_use]
    pub fn pass(reason: impl Into<String>, evidence: Vec<Evidence>) -> Self {
        Self::new(Status::Pass, reason, evidence)
    }

    /// [`Status::Fail`].
    #[must_use]
    pub fn fail(reason: impl Into<String>, evidence: Vec<Evidence>) -> Self {
        Self::new(Status::Fail, reason, evidence)
    }

    /// [`Status::Error`].
    #[must_use]
    pub fn error(reason: impl Into<String>, evidence: Vec<Evidence>) -> Self {
        Self::new(Status::Error, reason, evidence)
    }

    /// [`Status::NotApplicable`], with no evidence.
    #[must_use]
    pub fn not_applicable(reason: impl Into<String>) -> Self {
        Self::new(Status::NotApplicable, reason, Vec::new())
    }

    /// Whether the status is [`Status::Pass`].
    #[must_use]
    pub fn passed(&self) -> bool {
        self.status == Status::Pass
    }
}

/// A waiver that applied to a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverNote {
    /// Why the exception was accepted.
    pub reason: String,
    /// Last day it applies (`YYYY-MM-DD`).
    pub expires: String,
}

/// The result of one control for one resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlResult {
    /// `CT-01` … `CT-28`.
    pub control_id: &'static str,
    /// For controls with several checks per resource (CT-21's CIS monitoring patterns),
    /// which one, e.g. `cis-4.1`; `None` otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    /// Control title.
    pub title: &'static str,
    /// The trail, bucket, key, log group, policy or event data store ARN; account- and
    /// region-level results use `arn:<partition>:cloudtrail:<region>:<account>:trail`.
    pub resource: String,
    /// Account the result is about.
    pub account: String,
    /// Region the result is about (`global` for account-level ones).
    pub region: String,
    /// The verdict.
    pub status: Status,
    /// Severity of a failure (escalated where the spec says so).
    pub severity: Severity,
    /// One sentence saying why.
    pub reason: String,
    /// The facts it rests on.
    pub evidence: Vec<Evidence>,
    /// How to fix a failure.
    pub remediation: &'static str,
    /// The framework requirements it provides evidence for (only the selected framework's,
    /// when one was selected).
    pub frameworks: Vec<FrameworkRef>,
    /// Whether an accepted exception (waiver) covers it; the status is kept.
    pub waived: bool,
    /// The waiver, when one applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverNote>,
}
