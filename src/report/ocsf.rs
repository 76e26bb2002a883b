//! Findings and events in OCSF 1.5.0, the schema security data lakes ingest (Open
//! Cybersecurity Schema Framework, <https://schema.ocsf.io/1.5.0/>): typed models of the
//! three classes trailproof writes, and the functions that build them.
//!
//! - [`ComplianceFinding`] (class 2003, category 2 Findings): one per `check` result, built by
//!   [`compliance_finding`] / [`compliance_findings`].
//! - [`DetectionFinding`] (class 2004, category 2 Findings): one per hunt [`Hit`], built by
//!   [`detection_finding`].
//! - [`ApiActivity`] (class 6003, category 6 Application Activity): one per `CloudTrail`
//!   record, built by [`api_activity`].
//!
//! Every class carries what OCSF 1.5.0 requires of it (the base event's `activity_id`,
//! `category_uid`, `class_uid`, `metadata`, `severity_id`, `time`, `type_uid`; the finding's
//! `finding_info`; 2003's `compliance`; 6003's `actor`, `api` and `src_endpoint`) and the
//! `cloud` profile (`cloud` required, named in `metadata.profiles`). `type_uid` is always
//! `class_uid * 100 + activity_id`, computed in one place ([`Classification`]). Optional
//! attributes are left out when there is nothing to put in them. `tests/ocsf.rs` checks the
//! output against a list taken from the schema (`tests/ocsf_1_5_0.toml`).
//!
//! Values copied from a record are attacker-controlled; they only ever reach JSON strings,
//! which serde escapes. This module decides no outcome: a result's status, a rule's level and
//! a record's fields are mapped, never judged. It does no I/O and reads no clock (the time a
//! finding is created is an argument).

use std::net::IpAddr;

use serde::ser::SerializeMap as _;
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::check::CheckReport;
use super::hunt::{Hit, Level};
use crate::controls::catalog;
use crate::controls::result::{self, ControlResult, Status, WaiverNote};
use crate::time::UtcTime;

/// The OCSF schema version written in `metadata.version`.
pub const OCSF_VERSION: &str = "1.5.0";

/// The profiles every event here applies (`metadata.profiles`): `cloud` (which makes the
/// `cloud` object required).
const PROFILES: &[&str] = &["cloud"];

/// `cloud.provider` of every event.
const PROVIDER: &str = "AWS";

/// An enumerated OCSF attribute: its normalized id, the caption the schema gives the id, and
/// the label written beside it (the caption, except for `Other` (99), whose label is the
/// source's own word).
pub trait Enumerated {
    /// The normalized id.
    fn id(&self) -> u32;
    /// The schema's caption of [`Self::id`].
    fn caption(&self) -> &'static str;
    /// The label written in the sibling attribute (`severity`, `status`, …).
    fn label(&self) -> &str {
        self.caption()
    }
}

/// Writes an [`Enumerated`] value as its two attributes (`severity_id` and `severity`, …);
/// the struct holding it flattens it.
macro_rules! id_and_label {
    ($t:ty, $id:literal, $label:literal) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry($id, &self.id())?;
                m.serialize_entry($label, self.label())?;
                m.end()
            }
        }
    };
}

/// `severity_id` of every class (base event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// 1.
    Informational,
    /// 2.
    Low,
    /// 3.
    Medium,
    /// 4.
    High,
    /// 5.
    Critical,
}

impl Enumerated for Severity {
    fn id(&self) -> u32 {
        match self {
            Self::Informational => 1,
            Self::Low => 2,
            Self::Medium => 3,
            Self::High => 4,
            Self::Critical => 5,
        }
    }
    fn caption(&self) -> &'static str {
        match self {
            Self::Informational => "Informational",
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
            Self::Critical => "Critical",
        }
    }
}
id_and_label!(Severity, "severity_id", "severity");

impl From<Level> for Severity {
    fn from(level: Level) -> Self {
        match level {
            Level::Informational => Self::Informational,
            Level::Low => Self::Low,
            Level::Medium => Self::Medium,
            Level::High => Self::High,
            Level::Critical => Self::Critical,
        }
    }
}

impl From<catalog::Severity> for Severity {
    fn from(s: catalog::Severity) -> Self {
        match s {
            catalog::Severity::Info => Self::Informational,
            catalog::Severity::Low => Self::Low,
            catalog::Severity::Medium => Self::Medium,
            catalog::Severity::High => Self::High,
            catalog::Severity::Critical => Self::Critical,
        }
    }
}

/// A finding's `status_id`: where it stands in the triage workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FindingStatus {
    /// 1: to be reviewed.
    New,
    /// 3: reviewed and accepted (a waived result).
    Suppressed,
    /// 4: nothing to do (a passed or not-applicable result).
    Resolved,
}

impl Enumerated for FindingStatus {
    fn id(&self) -> u32 {
        match self {
            Self::New => 1,
            Self::Suppressed => 3,
            Self::Resolved => 4,
        }
    }
    fn caption(&self) -> &'static str {
        match self {
            Self::New => "New",
            Self::Suppressed => "Suppressed",
            Self::Resolved => "Resolved",
        }
    }
}
id_and_label!(FindingStatus, "status_id", "status");

/// `compliance.status_id`: the result of the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ComplianceStatus {
    /// 0: the check could not be made (an `ERROR` result).
    Unknown,
    /// 1.
    Pass,
    /// 2: no result for lack of information (a `MANUAL` result).
    Warning,
    /// 3.
    Fail,
    /// 99, with the source's label (`Not Applicable`).
    Other(&'static str),
}

impl Enumerated for ComplianceStatus {
    fn id(&self) -> u32 {
        match self {
            Self::Unknown => 0,
            Self::Pass => 1,
            Self::Warning => 2,
            Self::Fail => 3,
            Self::Other(_) => 99,
        }
    }
    fn caption(&self) -> &'static str {
        match self {
            Self::Unknown => "Unknown",
            Self::Pass => "Pass",
            Self::Warning => "Warning",
            Self::Fail => "Fail",
            Self::Other(_) => "Other",
        }
    }
    fn label(&self) -> &str {
        match self {
            Self::Other(label) => label,
            other => other.caption(),
        }
    }
}
id_and_label!(ComplianceStatus, "status_id", "status");

/// An API activity's `status_id`: whether the call succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiStatus {
    /// 1: no `errorCode`.
    Success,
    /// 2: an `errorCode`.
    Failure,
}

impl Enumerated for ApiStatus {
    fn id(&self) -> u32 {
        match self {
            Self::Success => 1,
            Self::Failure => 2,
        }
    }
    fn caption(&self) -> &'static str {
        match self {
            Self::Success => "Success",
            Self::Failure => "Failure",
        }
    }
}
id_and_label!(ApiStatus, "status_id", "status");

/// A finding's `activity_id`: trailproof creates findings; it never updates or closes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FindingActivity {
    /// 1.
    Create,
}

impl Enumerated for FindingActivity {
    fn id(&self) -> u32 {
        1
    }
    fn caption(&self) -> &'static str {
        "Create"
    }
}

/// An API activity's `activity_id`, from the record's `readOnly` and the verb its
/// `eventName` starts with (see [`api_activity_id`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ApiActivityId {
    /// 1.
    Create,
    /// 2.
    Read,
    /// 3.
    Update,
    /// 4.
    Delete,
    /// 99, labelled with the `eventName`.
    Other(String),
}

impl Enumerated for ApiActivityId {
    fn id(&self) -> u32 {
        match self {
            Self::Create => 1,
            Self::Read => 2,
            Self::Update => 3,
            Self::Delete => 4,
            Self::Other(_) => 99,
        }
    }
    fn caption(&self) -> &'static str {
        match self {
            Self::Create => "Create",
            Self::Read => "Read",
            Self::Update => "Update",
            Self::Delete => "Delete",
            Self::Other(_) => "Other",
        }
    }
    fn label(&self) -> &str {
        match self {
            Self::Other(label) => label,
            other => other.caption(),
        }
    }
}

/// The three classes written here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OcsfClass {
    /// 2003, in category 2 Findings.
    ComplianceFinding,
    /// 2004, in category 2 Findings.
    DetectionFinding,
    /// 6003, in category 6 Application Activity.
    ApiActivity,
}

impl OcsfClass {
    /// `class_uid`.
    #[must_use]
    pub fn uid(self) -> u32 {
        match self {
            Self::ComplianceFinding => 2003,
            Self::DetectionFinding => 2004,
            Self::ApiActivity => 6003,
        }
    }

    /// `class_name`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::ComplianceFinding => "Compliance Finding",
            Self::DetectionFinding => "Detection Finding",
            Self::ApiActivity => "API Activity",
        }
    }

    /// `category_uid` and `category_name`.
    #[must_use]
    pub fn category(self) -> (u32, &'static str) {
        match self {
            Self::ComplianceFinding | Self::DetectionFinding => (2, "Findings"),
            Self::ApiActivity => (6, "Application Activity"),
        }
    }

    /// `type_uid` of an activity of this class: `class_uid * 100 + activity_id` (OCSF,
    /// base event `type_uid`).
    #[must_use]
    pub fn type_uid(self, activity: &impl Enumerated) -> u64 {
        u64::from(self.uid()) * 100 + u64::from(activity.id())
    }
}

/// What an event is: class, category, activity and the `type_uid` derived from them, written
/// as `category_uid`, `category_name`, `class_uid`, `class_name`, `activity_id`,
/// `activity_name`, `type_uid` and `type_name`, which therefore always agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification<A> {
    /// The class.
    pub class: OcsfClass,
    /// The activity.
    pub activity: A,
}

impl<A: Enumerated> Serialize for Classification<A> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (category_uid, category_name) = self.class.category();
        let mut m = s.serialize_map(Some(8))?;
        m.serialize_entry("category_uid", &category_uid)?;
        m.serialize_entry("category_name", category_name)?;
        m.serialize_entry("class_uid", &self.class.uid())?;
        m.serialize_entry("class_name", self.class.name())?;
        m.serialize_entry("activity_id", &self.activity.id())?;
        m.serialize_entry("activity_name", self.activity.label())?;
        m.serialize_entry("type_uid", &self.class.type_uid(&self.activity))?;
        m.serialize_entry(
            "type_name",
            &format!("{}: {}", self.class.name(), self.activity.caption()),
        )?;
        m.end()
    }
}

/// `metadata`: the schema version, the product that reported the event, the profiles applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Metadata {
    /// [`OCSF_VERSION`].
    pub version: &'static str,
    /// Who reported the event: trailproof for findings, `CloudTrail` for API activity.
    pub product: Product,
    /// `cloud`.
    pub profiles: Vec<&'static str>,
    /// The event's own id (`eventID`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// The event time as the source wrote it (`eventTime`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_time: Option<String>,
}

impl Metadata {
    /// The metadata of a finding trailproof reports.
    #[must_use]
    pub fn trailproof() -> Self {
        Self {
            version: OCSF_VERSION,
            product: Product {
                name: "trailproof".to_owned(),
                vendor_name: "trailproof".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            },
            profiles: PROFILES.to_vec(),
            uid: None,
            original_time: None,
        }
    }
}

/// `metadata.product`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Product {
    /// Product name.
    pub name: String,
    /// Vendor name.
    pub vendor_name: String,
    /// Product version (or the record's `eventVersion`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// `cloud`: always AWS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cloud {
    /// [`PROVIDER`].
    pub provider: &'static str,
    /// The region (absent for account-wide results).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
}

impl Cloud {
    fn aws(region: Option<&str>, account: Option<&str>) -> Self {
        Self {
            provider: PROVIDER,
            region: region.map(str::to_owned),
            account: account.map(Account::aws),
        }
    }
}

/// An AWS account (`account`, `type_id` 10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// The account id.
    pub uid: String,
    /// `AWS Account`.
    #[serde(flatten)]
    pub kind: AccountType,
}

impl Account {
    fn aws(uid: &str) -> Self {
        Self {
            uid: uid.to_owned(),
            kind: AccountType::AwsAccount,
        }
    }
}

/// `account.type_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountType {
    /// 10.
    AwsAccount,
}

impl Enumerated for AccountType {
    fn id(&self) -> u32 {
        10
    }
    fn caption(&self) -> &'static str {
        "AWS Account"
    }
}
id_and_label!(AccountType, "type_id", "type");

/// `finding_info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingInfo {
    /// A deterministic id: the same finding has the same id in every run.
    pub uid: String,
    /// The rule's or control's title.
    pub title: String,
    /// The rule or control that produced it.
    pub analytic: Analytic,
    /// What kind of finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    /// Time of the earliest event behind it (epoch milliseconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen_time: Option<i64>,
    /// Time of the latest event behind it (epoch milliseconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen_time: Option<i64>,
    /// The correlation rule a detection is part of.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_analytics: Vec<Analytic>,
    /// The record behind a detection.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_events: Vec<RelatedEvent>,
}

/// `analytic`: a rule (`type_id` 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Analytic {
    /// The rule's or control's id.
    pub uid: String,
    /// Its title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Rule`.
    #[serde(flatten)]
    pub kind: AnalyticType,
}

impl Analytic {
    fn rule(uid: &str, name: Option<&str>) -> Self {
        Self {
            uid: uid.to_owned(),
            name: name.map(str::to_owned),
            kind: AnalyticType::Rule,
        }
    }
}

/// `analytic.type_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnalyticType {
    /// 1.
    Rule,
}

impl Enumerated for AnalyticType {
    fn id(&self) -> u32 {
        1
    }
    fn caption(&self) -> &'static str {
        "Rule"
    }
}
id_and_label!(AnalyticType, "type_id", "type");

/// `related_event`: the `CloudTrail` record behind a detection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelatedEvent {
    /// Its `eventID`.
    pub uid: String,
    /// The `type_uid` of its [`ApiActivity`].
    pub type_uid: u64,
}

/// `actor`, from `userIdentity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// The identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// Its session (`sessionContext`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
    /// `invokedBy`: the service that made the call on the identity's behalf.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoked_by: Option<String>,
}

/// `user`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// `arn` (or `principalId` when there is no ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// `principalId`, beside an ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid_alt: Option<String>,
    /// `userName`, or the role name of a role session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// From `type`.
    #[serde(flatten)]
    pub kind: Option<UserType>,
    /// `accountId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
    /// `accessKeyId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_uid: Option<String>,
}

/// `user.type_id`, from `userIdentity.type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UserType {
    /// 0: no identity in the record.
    Unknown,
    /// 1: `IAMUser`.
    User,
    /// 2: `Root`.
    Admin,
    /// 3: `AWSService`.
    System,
    /// 99: any other type (`AssumedRole`, `FederatedUser`, …), labelled with it.
    Other(String),
}

impl UserType {
    fn of_cloudtrail(kind: &str) -> Self {
        match kind {
            "IAMUser" => Self::User,
            "Root" => Self::Admin,
            "AWSService" => Self::System,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl Enumerated for UserType {
    fn id(&self) -> u32 {
        match self {
            Self::Unknown => 0,
            Self::User => 1,
            Self::Admin => 2,
            Self::System => 3,
            Self::Other(_) => 99,
        }
    }
    fn caption(&self) -> &'static str {
        match self {
            Self::Unknown => "Unknown",
            Self::User => "User",
            Self::Admin => "Admin",
            Self::System => "System",
            Self::Other(_) => "Other",
        }
    }
    fn label(&self) -> &str {
        match self {
            Self::Other(label) => label,
            other => other.caption(),
        }
    }
}
id_and_label!(UserType, "type_id", "type");

/// `session`, from `userIdentity.sessionContext`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    /// `sessionIssuer.arn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// `attributes.creationDate` (epoch milliseconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_time: Option<i64>,
    /// `attributes.mfaAuthenticated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_mfa: Option<bool>,
}

/// `api`: the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Api {
    /// `eventName` (or the action of a control's evidence).
    pub operation: String,
    /// `eventSource`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<Service>,
    /// `requestID` and `requestParameters`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Request>,
    /// `errorCode`, `errorMessage` and `responseElements`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Response>,
}

/// `service`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    /// `eventSource`, e.g. `iam.amazonaws.com`.
    pub name: String,
}

/// `request` (only when there is a request id, which OCSF requires of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    /// `requestID`.
    pub uid: String,
    /// `requestParameters`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// `response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Response {
    /// `errorCode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `errorMessage`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// `responseElements`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// `network_endpoint`, from `sourceIPAddress`: an address, a service's host name, or
/// another word (`AWS Internal`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoint {
    /// An IPv4 or IPv6 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// A host name, e.g. `s3.amazonaws.com`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Anything else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `http_request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpRequest {
    /// `userAgent`.
    pub user_agent: String,
}

/// `resource_details`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resource {
    /// The ARN.
    pub uid: String,
    /// The record's resource type, e.g. `AWS::S3::Bucket`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The region of a check result's resource.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// `evidences`: what a finding rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Who made the call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<Actor>,
    /// The call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api: Option<Api>,
    /// Where it came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_endpoint: Option<Endpoint>,
    /// A control's evidence: the region and time of the answer, the field and its value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// `compliance`: the control and what it was checked against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Compliance {
    /// The control id, `CT-01` … `CT-28`.
    pub control: String,
    /// The frameworks it gives evidence for, e.g. `CIS 3.0`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub standards: Vec<String>,
    /// Their requirements, e.g. `CIS 3.0 3.5`, `NIST 800-53 AU-9(3)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<String>,
    /// CT-21's check, e.g. `cis-4.1`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// The status.
    #[serde(flatten)]
    pub status: ComplianceStatus,
    /// trailproof's status word (`PASS`, `FAIL`, `MANUAL`, `ERROR`, `NOT_APPLICABLE`).
    pub status_code: &'static str,
    /// Why.
    pub status_detail: String,
}

/// `check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The check id.
    pub uid: String,
}

/// `remediation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remediation {
    /// How to fix it.
    pub desc: String,
}

/// A `check` result as OCSF Compliance Finding (class 2003).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplianceFinding {
    /// Class 2003, activity Create.
    #[serde(flatten)]
    pub classification: Classification<FindingActivity>,
    /// The control's severity when it did not pass; Informational when it did.
    #[serde(flatten)]
    pub severity: Severity,
    /// New, Suppressed (waived) or Resolved (passed).
    #[serde(flatten)]
    pub status: FindingStatus,
    /// When the finding was made: the evaluation's "now" (epoch milliseconds).
    pub time: i64,
    /// The result's reason.
    pub message: String,
    /// Schema version and product.
    pub metadata: Metadata,
    /// Id, title and control.
    pub finding_info: FindingInfo,
    /// Account and region.
    pub cloud: Cloud,
    /// Control, frameworks and status.
    pub compliance: Compliance,
    /// The resource checked.
    pub resources: Vec<Resource>,
    /// How to fix a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<Remediation>,
    /// The calls that answered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidences: Vec<Evidence>,
    /// trailproof's own words.
    pub unmapped: ComplianceUnmapped,
}

/// What a Compliance Finding has no attribute for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplianceUnmapped {
    /// The status word.
    pub status: Status,
    /// The control's severity word (`critical` … `info`).
    pub severity: catalog::Severity,
    /// Whether an accepted exception covers the result.
    pub waived: bool,
    /// The waiver.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverNote>,
    /// When the snapshot evaluated was taken.
    pub snapshot_taken_at: String,
}

/// A hunt hit as OCSF Detection Finding (class 2004).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectionFinding {
    /// Class 2004, activity Create.
    #[serde(flatten)]
    pub classification: Classification<FindingActivity>,
    /// From the rule's level.
    #[serde(flatten)]
    pub severity: Severity,
    /// New.
    #[serde(flatten)]
    pub status: FindingStatus,
    /// When the finding was made (epoch milliseconds).
    pub time: i64,
    /// Rule title and event name.
    pub message: String,
    /// Always true: every hit is an alert (OCSF 1.4 `is_alert`).
    pub is_alert: bool,
    /// Schema version and product.
    pub metadata: Metadata,
    /// Id, title, rule, event.
    pub finding_info: FindingInfo,
    /// Account and region of the record.
    pub cloud: Cloud,
    /// The record's actor, call and source.
    pub evidences: Vec<Evidence>,
    /// The record's `resources`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resource>,
    /// The record, as compact JSON.
    pub raw_data: String,
    /// What has no attribute.
    pub unmapped: DetectionUnmapped,
}

/// What a Detection Finding has no attribute for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetectionUnmapped {
    /// The log file.
    pub file: String,
    /// Whether it was verified.
    pub verified: bool,
    /// The rule's level word.
    pub level: Level,
}

/// A `CloudTrail` record as OCSF API Activity (class 6003).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiActivity {
    /// Class 6003 and the activity of [`api_activity_id`].
    #[serde(flatten)]
    pub classification: Classification<ApiActivityId>,
    /// Informational: a record is an observation, not a finding.
    #[serde(flatten)]
    pub severity: Severity,
    /// Success, or Failure when there is an `errorCode`.
    #[serde(flatten)]
    pub status: ApiStatus,
    /// `errorCode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    /// `errorMessage`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_detail: Option<String>,
    /// `eventTime` (epoch milliseconds; 0 when it is missing or not a time, kept as written
    /// in `metadata.original_time`).
    pub time: i64,
    /// Schema version, `CloudTrail` as the product, `eventID`.
    pub metadata: Metadata,
    /// `userIdentity`.
    pub actor: Actor,
    /// The call.
    pub api: Api,
    /// `sourceIPAddress`.
    pub src_endpoint: Endpoint,
    /// `userAgent`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_request: Option<HttpRequest>,
    /// `awsRegion` and `recipientAccountId`.
    pub cloud: Cloud,
    /// `resources`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resource>,
    /// File, verified, and what has no attribute.
    pub unmapped: ApiUnmapped,
}

/// What an API Activity has no attribute for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiUnmapped {
    /// The log file.
    pub file: String,
    /// Whether it was verified.
    pub verified: bool,
    /// `requestParameters` of a record without `requestID` (OCSF's `request` needs one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_parameters: Option<Value>,
    /// `additionalEventData`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_event_data: Option<Value>,
}

/// A deterministic finding id: the lowercase hex SHA-256 of its parts, each ended by NUL (so
/// no two lists of parts give the same bytes).
fn finding_uid(parts: &[&str]) -> String {
    let mut h = crate::hash::Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update(&[0]);
    }
    h.finish_hex()
}

/// Milliseconds since the epoch of a record time.
fn millis(s: &str) -> Option<i64> {
    crate::time::parse_record_time(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// The non-empty string at `path`.
fn text<'v>(record: &'v Value, path: &[&str]) -> Option<&'v str> {
    let mut v = record;
    for key in path {
        v = v.get(key)?;
    }
    v.as_str().filter(|s| !s.is_empty())
}

fn owned(record: &Value, path: &[&str]) -> Option<String> {
    text(record, path).map(str::to_owned)
}

/// The value at `key` unless absent or null.
fn present(record: &Value, key: &str) -> Option<Value> {
    record.get(key).filter(|v| !v.is_null()).cloned()
}

/// Builds the Compliance Finding of one result of a `check` report. `time` is the
/// evaluation's "now" (the report's `as_of`); `snapshot_taken_at` is the report's.
///
/// The mapping (severity and finding status follow AWS Security Hub's convention, where a
/// passed control is an informational, resolved finding):
///
/// | result | `compliance.status_id` | `status_id` | `severity_id` |
/// |---|---|---|---|
/// | `PASS` | 1 Pass | 4 Resolved | 1 Informational |
/// | `FAIL` | 3 Fail | 1 New | the control's |
/// | `MANUAL` | 2 Warning | 1 New | the control's |
/// | `ERROR` | 0 Unknown | 1 New | the control's |
/// | `NOT_APPLICABLE` | 99 Other (`Not Applicable`) | 4 Resolved | 1 Informational |
///
/// A waived result is 3 Suppressed whatever its status. The status word stays in
/// `compliance.status_code` and `unmapped.status`.
#[must_use]
pub fn compliance_finding(
    result: &ControlResult,
    snapshot_taken_at: &str,
    time: UtcTime,
) -> ComplianceFinding {
    let (compliance_status, open) = match result.status {
        Status::Pass => (ComplianceStatus::Pass, false),
        Status::Fail => (ComplianceStatus::Fail, true),
        Status::Manual => (ComplianceStatus::Warning, true),
        Status::Error => (ComplianceStatus::Unknown, true),
        Status::NotApplicable => (ComplianceStatus::Other("Not Applicable"), false),
    };
    let status = match (result.waived, open) {
        (true, _) => FindingStatus::Suppressed,
        (false, true) => FindingStatus::New,
        (false, false) => FindingStatus::Resolved,
    };
    let severity = if open {
        Severity::from(result.severity)
    } else {
        Severity::Informational
    };
    let mut standards: Vec<String> = Vec::new();
    let mut requirements = Vec::new();
    for f in &result.frameworks {
        let name = f.framework.name();
        requirements.push(format!("{name} {}", f.id));
        if !standards.contains(&name) {
            standards.push(name);
        }
    }
    let check = result.check.as_deref().unwrap_or("");
    let region = (result.region != "global").then_some(result.region.as_str());
    ComplianceFinding {
        classification: Classification {
            class: OcsfClass::ComplianceFinding,
            activity: FindingActivity::Create,
        },
        severity,
        status,
        time: time.timestamp_millis(),
        message: result.reason.clone(),
        metadata: Metadata::trailproof(),
        finding_info: FindingInfo {
            uid: finding_uid(&[
                &result.account,
                result.control_id,
                check,
                &result.resource,
                &result.region,
            ]),
            title: result.title.to_owned(),
            analytic: Analytic::rule(result.control_id, Some(result.title)),
            types: Vec::new(),
            first_seen_time: None,
            last_seen_time: None,
            related_analytics: Vec::new(),
            related_events: Vec::new(),
        },
        cloud: Cloud::aws(region, Some(&result.account)),
        compliance: Compliance {
            control: result.control_id.to_owned(),
            standards,
            requirements,
            checks: result
                .check
                .iter()
                .map(|c| Check { uid: c.clone() })
                .collect(),
            status: compliance_status,
            status_code: result.status.word(),
            status_detail: result.reason.clone(),
        },
        resources: vec![Resource {
            uid: result.resource.clone(),
            kind: None,
            region: region.map(str::to_owned),
        }],
        remediation: (!result.remediation.is_empty()).then(|| Remediation {
            desc: result.remediation.to_owned(),
        }),
        evidences: result.evidence.iter().map(call_evidence).collect(),
        unmapped: ComplianceUnmapped {
            status: result.status,
            severity: result.severity,
            waived: result.waived,
            waiver: result.waiver.clone(),
            snapshot_taken_at: snapshot_taken_at.to_owned(),
        },
    }
}

/// Every result of a `check` report as Compliance Findings, in the report's order.
#[must_use]
pub fn compliance_findings(report: &CheckReport, time: UtcTime) -> Vec<ComplianceFinding> {
    report
        .results
        .iter()
        .map(|r| compliance_finding(r, &report.snapshot_taken_at, time))
        .collect()
}

/// A control's evidence: the call that answered (`cloudtrail:GetTrailStatus` is operation
/// `GetTrailStatus` of service `cloudtrail`) and, as data, its region, time, field and value.
fn call_evidence(e: &result::Evidence) -> Evidence {
    let (service, operation) = match e.source.split_once(':') {
        Some((service, operation)) => (Some(service), operation),
        None => (None, e.source.as_str()),
    };
    Evidence {
        actor: None,
        api: Some(Api {
            operation: operation.to_owned(),
            service: service.map(|name| Service {
                name: name.to_owned(),
            }),
            request: e.request_id.as_ref().map(|uid| Request {
                uid: uid.clone(),
                data: None,
            }),
            response: None,
        }),
        src_endpoint: None,
        data: Some(serde_json::json!({
            "region": e.region,
            "at": e.at,
            "field": e.field,
            "value": e.value,
        })),
    }
}

/// Builds the Detection Finding of one hunt hit over `record` (the record the hit is about).
/// `time` is when the finding is made.
///
/// `finding_info.uid` is the SHA-256 of the rule id, the correlation id, the `eventID` and
/// the file, so a run over the same logs gives the same ids (a record repeated within one
/// file gives two findings with one id). The rule is the analytic (a Sigma rule, `type_id`
/// 1 Rule), a correlation rule a related analytic, the record a related event; severity
/// follows the rule's level (informational 1 … critical 5). The evidence is the record's
/// actor, call and source, as [`api_activity`] maps them; the record itself is `raw_data`.
#[must_use]
pub fn detection_finding(hit: &Hit, record: &Value, time: UtcTime) -> DetectionFinding {
    let seen = hit.event_time.as_deref().and_then(millis);
    let (api, _) = api(record);
    DetectionFinding {
        classification: Classification {
            class: OcsfClass::DetectionFinding,
            activity: FindingActivity::Create,
        },
        severity: Severity::from(hit.level),
        status: FindingStatus::New,
        time: time.timestamp_millis(),
        message: match &hit.event_name {
            Some(name) => format!("{}: {name}", hit.rule_title),
            None => hit.rule_title.clone(),
        },
        is_alert: true,
        metadata: Metadata::trailproof(),
        finding_info: FindingInfo {
            uid: finding_uid(&[
                &hit.rule_id,
                hit.correlation.as_deref().unwrap_or(""),
                hit.event_id.as_deref().unwrap_or(""),
                &hit.file,
            ]),
            title: hit.rule_title.clone(),
            analytic: Analytic::rule(&hit.rule_id, Some(&hit.rule_title)),
            types: vec![
                if hit.correlation.is_some() {
                    "Sigma correlation match"
                } else {
                    "Sigma rule match"
                }
                .to_owned(),
            ],
            first_seen_time: seen,
            last_seen_time: seen,
            related_analytics: hit
                .correlation
                .iter()
                .map(|c| Analytic::rule(c, None))
                .collect(),
            related_events: hit
                .event_id
                .iter()
                .map(|uid| RelatedEvent {
                    uid: uid.clone(),
                    type_uid: OcsfClass::ApiActivity.type_uid(&api_activity_id(record)),
                })
                .collect(),
        },
        cloud: Cloud::aws(hit.region.as_deref(), hit.account.as_deref()),
        evidences: vec![Evidence {
            actor: Some(actor(record)),
            api: Some(api),
            src_endpoint: Some(src_endpoint(record)),
            data: None,
        }],
        resources: resources(record),
        raw_data: record.to_string(),
        unmapped: DetectionUnmapped {
            file: hit.file.clone(),
            verified: hit.verified,
            level: hit.level,
        },
    }
}

/// Builds the API Activity of one `CloudTrail` record read from `file` (as `summarize`
/// lists it), `verified` or not.
///
/// `actor` from `userIdentity` (`user.uid` the ARN, `uid_alt` the principal id, `name` the
/// user or role name, `type_id` from `type`: `IAMUser` 1 User, `Root` 2 Admin, `AWSService`
/// 3 System, others 99 Other; `account`; `credential_uid` the access key; `session` from
/// `sessionContext`; `invoked_by`); `api` from `eventName`, `eventSource`, `requestID`,
/// `requestParameters`, `errorCode`, `errorMessage`, `responseElements`; `src_endpoint` from
/// `sourceIPAddress` (`ip` for an address, `domain` for a host name, else `name`);
/// `cloud` from `awsRegion` and `recipientAccountId`; `time` from `eventTime`; status
/// Failure when there is an `errorCode`; `activity_id` from [`api_activity_id`]. A record
/// without `userIdentity`, `eventName` or `sourceIPAddress` gets `unknown` there, since OCSF
/// requires `actor`, `api.operation` and `src_endpoint`.
#[must_use]
pub fn api_activity(record: &Value, file: &str, verified: bool) -> ApiActivity {
    let error = owned(record, &["errorCode"]);
    let (api, request_parameters) = api(record);
    ApiActivity {
        classification: Classification {
            class: OcsfClass::ApiActivity,
            activity: api_activity_id(record),
        },
        severity: Severity::Informational,
        status: if error.is_some() {
            ApiStatus::Failure
        } else {
            ApiStatus::Success
        },
        status_code: error,
        status_detail: owned(record, &["errorMessage"]),
        time: text(record, &["eventTime"]).and_then(millis).unwrap_or(0),
        metadata: Metadata {
            version: OCSF_VERSION,
            product: Product {
                name: "CloudTrail".to_owned(),
                vendor_name: "AWS".to_owned(),
                version: owned(record, &["eventVersion"]),
            },
            profiles: PROFILES.to_vec(),
            uid: owned(record, &["eventID"]),
            original_time: owned(record, &["eventTime"]),
        },
        actor: actor(record),
        api,
        src_endpoint: src_endpoint(record),
        http_request: owned(record, &["userAgent"]).map(|user_agent| HttpRequest { user_agent }),
        cloud: Cloud::aws(
            text(record, &["awsRegion"]),
            text(record, &["recipientAccountId"]),
        ),
        resources: resources(record),
        unmapped: ApiUnmapped {
            file: file.to_owned(),
            verified,
            request_parameters,
            additional_event_data: present(record, "additionalEventData"),
        },
    }
}

/// `activity_id` of a record: 2 Read when `readOnly` is `true`; otherwise by the verb that
/// starts `eventName` (the letters before its second capital):
///
/// - 1 Create: `Create`, `Add`, `Allocate`, `Copy`, `Import`, `Register`, `Run`, `Upload`;
/// - 2 Read: `Get`, `List`, `Describe`, `Lookup`, `Head`, `Search`, `Scan`, `Query`,
///   `Select`;
/// - 3 Update: `Update`, `Put`, `Modify`, `Set`, `Change`, `Enable`, `Disable`, `Start`,
///   `Stop`, `Attach`, `Associate`, `Reset`, `Replace`, `Restore`, `Rotate`, `Tag`, `Untag`,
///   `Reboot`;
/// - 4 Delete: `Delete`, `Remove`, `Detach`, `Disassociate`, `Deregister`, `Terminate`,
///   `Revoke`, `Release`, `Purge`;
/// - 99 Other, labelled with the `eventName` (`ConsoleLogin`, `AssumeRole`, …; `Unknown`
///   when there is none).
#[must_use]
pub fn api_activity_id(record: &Value) -> ApiActivityId {
    if record.get("readOnly").and_then(Value::as_bool) == Some(true) {
        return ApiActivityId::Read;
    }
    let name = text(record, &["eventName"]).unwrap_or("Unknown");
    let verb_end = name
        .char_indices()
        .skip(1)
        .find(|(_, c)| c.is_ascii_uppercase())
        .map_or(name.len(), |(i, _)| i);
    match &name[..verb_end] {
        "Create" | "Add" | "Allocate" | "Copy" | "Import" | "Register" | "Run" | "Upload" => {
            ApiActivityId::Create
        }
        "Get" | "List" | "Describe" | "Lookup" | "Head" | "Search" | "Scan" | "Query"
        | "Select" => ApiActivityId::Read,
        "Update" | "Put" | "Modify" | "Set" | "Change" | "Enable" | "Disable" | "Start"
        | "Stop" | "Attach" | "Associate" | "Reset" | "Replace" | "Restore" | "Rotate" | "Tag"
        | "Untag" | "Reboot" => ApiActivityId::Update,
        "Delete" | "Remove" | "Detach" | "Disassociate" | "Deregister" | "Terminate" | "Revoke"
        | "Release" | "Purge" => ApiActivityId::Delete,
        _ => ApiActivityId::Other(name.to_owned()),
    }
}

/// `actor` from `userIdentity`; `user.name` `unknown` when the record names nobody.
fn actor(record: &Value) -> Actor {
    let id = |path: &[&str]| {
        let mut full = vec!["userIdentity"];
        full.extend_from_slice(path);
        owned(record, &full)
    };
    let arn = id(&["arn"]);
    let principal = id(&["principalId"]);
    let (uid, uid_alt) = match arn {
        Some(arn) => (Some(arn), principal),
        None => (principal, None),
    };
    let user = User {
        uid,
        uid_alt,
        name: id(&["userName"]).or_else(|| id(&["sessionContext", "sessionIssuer", "userName"])),
        kind: id(&["type"]).map(|k| UserType::of_cloudtrail(&k)),
        account: id(&["accountId"]).map(|a| Account::aws(&a)),
        credential_uid: id(&["accessKeyId"]),
    };
    let mfa = record
        .pointer("/userIdentity/sessionContext/attributes/mfaAuthenticated")
        .and_then(|v| match v {
            Value::Bool(b) => Some(*b),
            Value::String(s) => s.parse().ok(),
            _ => None,
        });
    let session = Session {
        issuer: id(&["sessionContext", "sessionIssuer", "arn"]),
        created_time: id(&["sessionContext", "attributes", "creationDate"])
            .and_then(|t| millis(&t)),
        is_mfa: mfa,
    };
    let has_session =
        session.issuer.is_some() || session.created_time.is_some() || session.is_mfa.is_some();
    let named = user.uid.is_some() || user.name.is_some() || user.account.is_some();
    let invoked_by = id(&["invokedBy"]);
    let user = if named {
        Some(user)
    } else if invoked_by.is_none() && !has_session {
        // OCSF requires an actor with a user (or session, or invoker) that names someone.
        Some(User {
            uid: None,
            uid_alt: None,
            name: Some("unknown".to_owned()),
            kind: Some(user.kind.unwrap_or(UserType::Unknown)),
            account: None,
            credential_uid: None,
        })
    } else {
        None
    };
    Actor {
        user,
        session: has_session.then_some(session),
        invoked_by,
    }
}

/// `api` from the record, and its `requestParameters` when there is no `requestID` to hang
/// them on.
fn api(record: &Value) -> (Api, Option<Value>) {
    let parameters = present(record, "requestParameters");
    let (request, leftover) = match owned(record, &["requestID"]) {
        Some(uid) => (
            Some(Request {
                uid,
                data: parameters,
            }),
            None,
        ),
        None => (None, parameters),
    };
    let response = Response {
        error: owned(record, &["errorCode"]),
        error_message: owned(record, &["errorMessage"]),
        data: present(record, "responseElements"),
    };
    let has_response =
        response.error.is_some() || response.error_message.is_some() || response.data.is_some();
    let api = Api {
        operation: owned(record, &["eventName"]).unwrap_or_else(|| "unknown".to_owned()),
        service: owned(record, &["eventSource"]).map(|name| Service { name }),
        request,
        response: has_response.then_some(response),
    };
    (api, leftover)
}

/// `src_endpoint` from `sourceIPAddress`.
fn src_endpoint(record: &Value) -> Endpoint {
    let mut e = Endpoint {
        ip: None,
        domain: None,
        name: None,
    };
    match text(record, &["sourceIPAddress"]) {
        Some(s) if s.parse::<IpAddr>().is_ok() => e.ip = Some(s.to_owned()),
        Some(s) if s.contains('.') && !s.contains(char::is_whitespace) => {
            e.domain = Some(s.to_owned());
        }
        Some(s) => e.name = Some(s.to_owned()),
        None => e.name = Some("unknown".to_owned()),
    }
    e
}

/// The record's `resources` that have an ARN.
fn resources(record: &Value) -> Vec<Resource> {
    record
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some(Resource {
                uid: owned(r, &["ARN"])?,
                kind: owned(r, &["type"]),
                region: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn activity_follows_read_only_then_the_verb() {
        let of = |v: Value| api_activity_id(&v);
        assert_eq!(
            of(json!({"eventName": "DeleteTrail", "readOnly": true})),
            ApiActivityId::Read
        );
        assert_eq!(
            of(json!({"eventName": "CreateAccessKey", "readOnly": false})),
            ApiActivityId::Create
        );
        assert_eq!(
            of(json!({"eventName": "PutBucketPolicy"})),
            ApiActivityId::Update
        );
        assert_eq!(
            of(json!({"eventName": "StopLogging"})),
            ApiActivityId::Update
        );
        assert_eq!(
            of(json!({"eventName": "DetachRolePolicy"})),
            ApiActivityId::Delete
        );
        assert_eq!(of(json!({"eventName": "ListBuckets"})), ApiActivityId::Read);
        // The verb ends at the second capital: `Settle…` is not `Set`.
        assert_eq!(
            of(json!({"eventName": "Settlement"})),
            ApiActivityId::Other("Settlement".to_owned())
        );
        assert_eq!(
            of(json!({"eventName": "ConsoleLogin"})),
            ApiActivityId::Other("ConsoleLogin".to_owned())
        );
        assert_eq!(of(json!({})), ApiActivityId::Other("Unknown".to_owned()));
    }

    #[test]
    fn source_address_is_an_ip_a_domain_or_a_name() {
        let of = |s: &str| src_endpoint(&json!({ "sourceIPAddress": s }));
        assert_eq!(of("2001:db8::1").ip.as_deref(), Some("2001:db8::1"));
        assert_eq!(
            of("s3.amazonaws.com").domain.as_deref(),
            Some("s3.amazonaws.com")
        );
        assert_eq!(of("AWS Internal").name.as_deref(), Some("AWS Internal"));
        assert_eq!(src_endpoint(&json!({})).name.as_deref(), Some("unknown"));
    }

    #[test]
    fn a_service_actor_needs_no_user_and_a_nameless_record_gets_one() {
        let service = actor(
            &json!({"userIdentity": {"type": "AWSService", "invokedBy": "s3.amazonaws.com"}}),
        );
        assert!(service.user.is_none());
        assert_eq!(service.invoked_by.as_deref(), Some("s3.amazonaws.com"));
        let nobody = actor(&json!({}));
        let user = nobody.user.unwrap();
        assert_eq!(user.name.as_deref(), Some("unknown"));
        assert_eq!(user.kind, Some(UserType::Unknown));
    }

    #[test]
    fn enumerated_values_write_their_id_and_label() {
        let v = serde_json::to_value(ComplianceStatus::Other("Not Applicable")).unwrap();
        assert_eq!(v, json!({"status_id": 99, "status": "Not Applicable"}));
        let c = Classification {
            class: OcsfClass::ApiActivity,
            activity: ApiActivityId::Other("ConsoleLogin".to_owned()),
        };
        assert_eq!(
            serde_json::to_value(c).unwrap(),
            json!({
                "category_uid": 6, "category_name": "Application Activity",
                "class_uid": 6003, "class_name": "API Activity",
                "activity_id": 99, "activity_name": "ConsoleLogin",
                "type_uid": 600_399, "type_name": "API Activity: Other",
            })
        );
    }

    #[test]
    fn finding_ids_are_stable_and_parts_cannot_run_together() {
        assert_eq!(finding_uid(&["a", "b"]), finding_uid(&["a", "b"]));
        assert_ne!(finding_uid(&["ab", ""]), finding_uid(&["a", "b"]));
        assert_eq!(finding_uid(&["a"]).len(), 64);
    }
}
