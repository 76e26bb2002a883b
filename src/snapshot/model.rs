//! The snapshot: every answer the compliance controls need, as recorded from the AWS APIs.
//!
//! A snapshot is plain data (serde, `trailproof.snapshot/1`). Each API answer is a [`Call`]:
//! the IAM action that was asked, the region, when, the request id, and its [`Outcome`]:
//! a value, a "feature absent" code (`NoSuchBucketPolicy` …), a denial, or a failure. The
//! evaluator in [`crate::controls::eval`] reads only this model, so `check` live and
//! `check --snapshot FILE` give identical results.
//!
//! Field names mirror the AWS API (in `snake_case`); times are RFC 3339 UTC strings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The schema tag of a snapshot document.
pub const SCHEMA: &str = "trailproof.snapshot/1";

/// The outcome of one API call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome<T> {
    /// The call answered.
    Ok {
        /// The part of the answer the controls use.
        value: T,
    },
    /// The call answered that the thing asked about does not exist
    /// (`NoSuchBucketPolicy`, `NoSuchLifecycleConfiguration`, `NoSuchBucket`, …).
    Absent {
        /// The AWS error code.
        code: String,
    },
    /// The caller was not allowed to ask (`AccessDenied`, an SCP, a key policy).
    Denied {
        /// The AWS error code.
        code: String,
        /// The AWS error message.
        message: String,
    },
    /// The call failed for another reason (throttled after retries, network, server error).
    Failed {
        /// The AWS error code, or `""` when there was no service answer.
        code: String,
        /// What went wrong.
        message: String,
    },
    /// The call was not made (its input was unavailable or it does not apply).
    Skipped {
        /// Why.
        reason: String,
    },
}

/// One recorded API call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call<T> {
    /// The IAM action, e.g. `cloudtrail:GetTrailStatus`.
    pub action: String,
    /// The region the call was sent to.
    pub region: String,
    /// When the answer arrived (RFC 3339 UTC).
    pub at: String,
    /// The `x-amzn-RequestId` of the answer, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// What came back.
    pub outcome: Outcome<T>,
}

impl<T> Call<T> {
    /// The value, when the call answered.
    #[must_use]
    pub fn value(&self) -> Option<&T> {
        match &self.outcome {
            Outcome::Ok { value } => Some(value),
            _ => None,
        }
    }

    /// The "absent" code, when the call answered that the thing does not exist.
    #[must_use]
    pub fn absent(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Absent { code } => Some(code),
            _ => None,
        }
    }

    /// A call that was not made.
    #[must_use]
    pub fn skipped(action: &str, region: &str, at: &str, reason: impl Into<String>) -> Self {
        Self {
            action: action.to_owned(),
            region: region.to_owned(),
            at: at.to_owned(),
            request_id: None,
            outcome: Outcome::Skipped {
                reason: reason.into(),
            },
        }
    }
}

/// Everything gathered for one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// [`SCHEMA`].
    pub schema: String,
    /// Version of the tool that took it.
    pub tool_version: String,
    /// When it was taken (RFC 3339 UTC); the default "now" of time-dependent rules.
    pub taken_at: String,
    /// `aws`, `aws-cn` or `aws-us-gov`.
    pub partition: String,
    /// `sts:GetCallerIdentity`.
    pub identity: Call<Identity>,
    /// `account:ListRegions`: every region and its opt-in status.
    pub regions: Call<Vec<RegionState>>,
    /// The regions that were scanned (the enabled ones, or those asked for).
    pub scanned_regions: Vec<String>,
    /// Whether the user limited the regions (`--regions`); then a failed `ListRegions` does
    /// not leave anything asked for unchecked.
    #[serde(default)]
    pub regions_limited: bool,
    /// `organizations:DescribeOrganization` (absent: not in an organization).
    pub organization: Call<Organization>,
    /// `cloudtrail:DescribeTrails` (shadow trails included), per scanned region.
    pub describe_trails: BTreeMap<String, Call<Vec<Trail>>>,
    /// Per de-duplicated trail ARN: the calls made in its home region.
    pub trails: BTreeMap<String, TrailDetails>,
    /// `s3:ListAllMyBuckets`: the names of the buckets this account owns.
    pub list_buckets: Call<Vec<String>>,
    /// `s3:GetAccountPublicAccessBlock` (S3 Control).
    pub account_public_access_block: Call<PublicAccessBlock>,
    /// Per trail bucket name.
    pub buckets: BTreeMap<String, BucketDetails>,
    /// Per trail KMS key (as the trail names it: a key ARN).
    pub keys: BTreeMap<String, KeyDetails>,
    /// Per trail log group ARN.
    pub log_groups: BTreeMap<String, LogGroupDetails>,
    /// `cloudwatch:DescribeAlarms`, per region that holds a trail log group.
    pub alarms: BTreeMap<String, Call<Vec<Alarm>>>,
    /// `sns:ListSubscriptionsByTopic`, per topic ARN named by an alarm.
    pub topics: BTreeMap<String, Call<Vec<Subscription>>>,
    /// `cloudtrail:ListEventDataStores` (+ `GetEventDataStore`), per scanned region.
    pub event_data_stores: BTreeMap<String, Call<Vec<EventDataStore>>>,
    /// `iam:GetAccountAuthorizationDetails`: attached customer managed and inline policies.
    pub iam_policies: Call<Vec<IamPolicy>>,
}

impl Snapshot {
    /// How many recorded calls were denied or failed (each becomes an ERROR or MANUAL
    /// result).
    #[must_use]
    pub fn failed_calls(&self) -> usize {
        // Count through the serialised form: every `Call` has an `outcome` with a `result`
        // tag, wherever it sits in the document.
        fn walk(v: &serde_json::Value, n: &mut usize) {
            match v {
                serde_json::Value::Object(m) => {
                    if let Some(serde_json::Value::Object(o)) = m.get("outcome")
                        && matches!(
                            o.get("result").and_then(serde_json::Value::as_str),
                            Some("denied" | "failed")
                        )
                    {
                        *n += 1;
                    }
                    m.values().for_each(|x| walk(x, n));
                }
                serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, n)),
                _ => {}
            }
        }
        let mut n = 0;
        walk(&serde_json::to_value(self).unwrap_or_default(), &mut n);
        n
    }
}

/// `sts:GetCallerIdentity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The account id.
    pub account: String,
    /// The caller's ARN.
    pub arn: String,
}

/// One region and its opt-in status (`ENABLED`, `ENABLED_BY_DEFAULT`, `DISABLED`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionState {
    /// Region name.
    pub name: String,
    /// `account:ListRegions` `RegionOptStatus`.
    pub status: String,
}

impl RegionState {
    /// Whether the region can be used (enabled by default or opted in).
    #[must_use]
    pub fn enabled(&self) -> bool {
        matches!(self.status.as_str(), "ENABLED" | "ENABLED_BY_DEFAULT")
    }
}

/// `organizations:DescribeOrganization`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// `o-…`.
    pub id: String,
    /// The management account id.
    pub management_account: String,
}

/// A trail as `DescribeTrails` lists it.
#[allow(clippy::struct_excessive_bools)] // mirrors the API's flags one for one
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Trail {
    /// Name.
    pub name: String,
    /// ARN (the de-duplication key).
    pub arn: String,
    /// Home region.
    pub home_region: String,
    /// Bucket.
    pub s3_bucket_name: Option<String>,
    /// Key prefix.
    pub s3_key_prefix: Option<String>,
    /// SNS topic for delivery notifications.
    pub sns_topic_arn: Option<String>,
    /// `IncludeGlobalServiceEvents`.
    pub include_global_service_events: bool,
    /// `IsMultiRegionTrail`.
    pub is_multi_region_trail: bool,
    /// `IsOrganizationTrail`.
    pub is_organization_trail: bool,
    /// `LogFileValidationEnabled`.
    pub log_file_validation_enabled: bool,
    /// `CloudWatchLogsLogGroupArn`.
    pub cloud_watch_logs_log_group_arn: Option<String>,
    /// `CloudWatchLogsRoleArn`.
    pub cloud_watch_logs_role_arn: Option<String>,
    /// `KmsKeyId` (a key ARN).
    pub kms_key_id: Option<String>,
    /// `HasCustomEventSelectors`.
    pub has_custom_event_selectors: bool,
    /// `HasInsightSelectors`.
    pub has_insight_selectors: bool,
}

/// What was asked about one trail, in its home region, by ARN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrailDetails {
    /// The `DescribeTrails` entry (from its home region when that region was scanned).
    pub trail: Trail,
    /// The scanned regions whose `DescribeTrails` listed it.
    pub seen_in: Vec<String>,
    /// `cloudtrail:GetTrailStatus`.
    pub status: Call<TrailStatus>,
    /// `cloudtrail:GetEventSelectors`.
    pub event_selectors: Call<EventSelectors>,
    /// `cloudtrail:GetInsightSelectors`: the enabled insight types
    /// (absent code `InsightNotEnabledException` means none).
    pub insight_selectors: Call<Vec<String>>,
    /// `cloudtrail:ListTags`.
    pub tags: Call<BTreeMap<String, String>>,
}

/// `GetTrailStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TrailStatus {
    /// `IsLogging`.
    pub is_logging: Option<bool>,
    /// `LatestDeliveryTime`.
    pub latest_delivery_time: Option<String>,
    /// `LatestDeliveryError`.
    pub latest_delivery_error: Option<String>,
    /// `LatestDigestDeliveryTime`.
    pub latest_digest_delivery_time: Option<String>,
    /// `LatestDigestDeliveryError`.
    pub latest_digest_delivery_error: Option<String>,
    /// `LatestCloudWatchLogsDeliveryTime`.
    pub latest_cloud_watch_logs_delivery_time: Option<String>,
    /// `LatestCloudWatchLogsDeliveryError`.
    pub latest_cloud_watch_logs_delivery_error: Option<String>,
    /// `LatestNotificationError`.
    pub latest_notification_error: Option<String>,
    /// `StartLoggingTime`.
    pub start_logging_time: Option<String>,
    /// `StopLoggingTime`.
    pub stop_logging_time: Option<String>,
}

/// `GetEventSelectors`: a trail has basic or advanced selectors (or neither).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EventSelectors {
    /// `EventSelectors`.
    pub basic: Vec<BasicSelector>,
    /// `AdvancedEventSelectors`.
    pub advanced: Vec<AdvancedSelector>,
}

/// One basic event selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BasicSelector {
    /// `ReadWriteType`: `All`, `ReadOnly`, `WriteOnly` (absent means `All`).
    pub read_write_type: Option<String>,
    /// `IncludeManagementEvents` (absent means true).
    pub include_management_events: Option<bool>,
    /// `ExcludeManagementEventSources`.
    pub exclude_management_event_sources: Vec<String>,
    /// `DataResources`.
    pub data_resources: Vec<DataResource>,
}

/// A basic selector's data resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DataResource {
    /// `Type`, e.g. `AWS::S3::Object`.
    pub r#type: String,
    /// `Values`, e.g. `arn:aws:s3` or `arn:aws:s3:::bucket/`.
    pub values: Vec<String>,
}

/// One advanced event selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AdvancedSelector {
    /// `Name` (free text: never used to decide anything).
    pub name: Option<String>,
    /// `FieldSelectors`.
    pub field_selectors: Vec<FieldSelector>,
}

/// One advanced field selector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FieldSelector {
    /// `Field`, e.g. `eventCategory`, `readOnly`, `resources.type`, `resources.ARN`.
    pub field: String,
    /// `Equals`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
    /// `StartsWith`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starts_with: Vec<String>,
    /// `EndsWith`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ends_with: Vec<String>,
    /// `NotEquals`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_equals: Vec<String>,
    /// `NotStartsWith`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_starts_with: Vec<String>,
    /// `NotEndsWith`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ends_with: Vec<String>,
}

/// S3 Block Public Access flags (bucket or account level).
#[allow(clippy::struct_excessive_bools)] // mirrors the API's four flags
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PublicAccessBlock {
    /// `BlockPublicAcls`.
    pub block_public_acls: bool,
    /// `IgnorePublicAcls`.
    pub ignore_public_acls: bool,
    /// `BlockPublicPolicy`.
    pub block_public_policy: bool,
    /// `RestrictPublicBuckets`.
    pub restrict_public_buckets: bool,
}

/// What was asked about one trail bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BucketDetails {
    /// `s3:GetBucketLocation` (normalised: empty is `us-east-1`, `EU` is `eu-west-1`).
    pub location: Call<String>,
    /// `s3:GetBucketPublicAccessBlock`.
    pub public_access_block: Call<PublicAccessBlock>,
    /// `s3:GetBucketPolicyStatus`: `IsPublic`.
    pub policy_status: Call<bool>,
    /// `s3:GetBucketPolicy`: the policy document text.
    pub policy: Call<String>,
    /// `s3:GetBucketAcl`.
    pub acl: Call<Vec<Grant>>,
    /// `s3:GetBucketOwnershipControls`: the `ObjectOwnership` of its rule.
    pub ownership_controls: Call<String>,
    /// `s3:GetBucketLogging`: the target, when logging is enabled.
    pub logging: Call<Option<LoggingTarget>>,
    /// `s3:GetBucketVersioning`.
    pub versioning: Call<Versioning>,
    /// `s3:GetBucketObjectLockConfiguration`.
    pub object_lock: Call<ObjectLock>,
    /// `s3:GetLifecycleConfiguration`.
    pub lifecycle: Call<Vec<LifecycleRule>>,
    /// `s3:GetEncryptionConfiguration`: the `SSEAlgorithm` of each rule.
    pub encryption: Call<Vec<String>>,
}

/// One ACL grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// `CanonicalUser`, `Group` or `AmazonCustomerByEmail`.
    pub grantee_type: String,
    /// Group URI (for `Group` grantees).
    pub uri: Option<String>,
    /// Canonical id (for `CanonicalUser` grantees).
    pub id: Option<String>,
    /// `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP`, `FULL_CONTROL`.
    pub permission: String,
}

/// Server access logging target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggingTarget {
    /// `TargetBucket`.
    pub bucket: String,
    /// `TargetPrefix`.
    pub prefix: String,
}

/// `GetBucketVersioning`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Versioning {
    /// `Status`: `Enabled`, `Suspended`, or absent (never enabled).
    pub status: Option<String>,
    /// `MFADelete`: `Enabled`, `Disabled`, or absent.
    pub mfa_delete: Option<String>,
}

/// `GetObjectLockConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ObjectLock {
    /// `ObjectLockEnabled == Enabled`.
    pub enabled: bool,
    /// Default retention mode: `GOVERNANCE` or `COMPLIANCE`.
    pub mode: Option<String>,
    /// Default retention days.
    pub days: Option<i32>,
    /// Default retention years.
    pub years: Option<i32>,
}

/// One lifecycle rule, reduced to what retention needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LifecycleRule {
    /// `ID`.
    pub id: Option<String>,
    /// `Enabled` or `Disabled`.
    pub status: String,
    /// The key prefix the rule applies to (`Filter.Prefix`, `Filter.And.Prefix` or the legacy
    /// `Prefix`); `None` or `""` means every key.
    pub prefix: Option<String>,
    /// Whether the rule's filter also requires tags or object sizes (so it may not match
    /// `CloudTrail`'s objects, which carry no tags).
    pub narrowed: bool,
    /// `Expiration.Days`.
    pub expiration_days: Option<i32>,
    /// `Expiration.Date` (RFC 3339).
    pub expiration_date: Option<String>,
    /// `Transitions` of current versions.
    pub transitions: Vec<Transition>,
    /// `NoncurrentVersionExpiration.NoncurrentDays`.
    pub noncurrent_expiration_days: Option<i32>,
}

/// A lifecycle transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Transition {
    /// `Days`.
    pub days: Option<i32>,
    /// `Date` (RFC 3339).
    pub date: Option<String>,
    /// `StorageClass`.
    pub storage_class: String,
}

/// What was asked about one KMS key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyDetails {
    /// `kms:DescribeKey`.
    pub describe: Call<KeyMetadata>,
    /// `kms:GetKeyRotationStatus`.
    pub rotation: Call<bool>,
}

/// `DescribeKey` metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct KeyMetadata {
    /// Key ARN.
    pub arn: String,
    /// `KeyManager`: `CUSTOMER` or `AWS`.
    pub key_manager: String,
    /// `KeyState`: `Enabled`, `Disabled`, `PendingDeletion`, ….
    pub key_state: String,
    /// `KeySpec`, e.g. `SYMMETRIC_DEFAULT`.
    pub key_spec: String,
}

/// What was asked about one trail log group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogGroupDetails {
    /// Region (from the ARN).
    pub region: String,
    /// Log group name (from the ARN).
    pub name: String,
    /// `logs:DescribeLogGroups` with the name as prefix: the exact match (`None`: no such group).
    pub group: Call<Option<LogGroup>>,
    /// `logs:DescribeMetricFilters` on the group.
    pub metric_filters: Call<Vec<MetricFilter>>,
}

/// A log group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LogGroup {
    /// `retentionInDays` (absent: never expires).
    pub retention_in_days: Option<i32>,
    /// `kmsKeyId`.
    pub kms_key_id: Option<String>,
}

/// A metric filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MetricFilter {
    /// `filterName`.
    pub name: String,
    /// `filterPattern`.
    pub pattern: String,
    /// `metricTransformations`: (namespace, metric name).
    pub metrics: Vec<MetricName>,
}

/// A metric's namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub struct MetricName {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
}

/// A metric alarm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Alarm {
    /// `AlarmName`.
    pub name: String,
    /// `Namespace`.
    pub namespace: Option<String>,
    /// `MetricName`.
    pub metric_name: Option<String>,
    /// `ActionsEnabled`.
    pub actions_enabled: bool,
    /// `AlarmActions`.
    pub alarm_actions: Vec<String>,
}

/// An SNS subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Subscription {
    /// `SubscriptionArn` (`PendingConfirmation` until confirmed).
    pub arn: String,
    /// `Protocol`.
    pub protocol: String,
    /// `Endpoint`.
    pub endpoint: String,
}

/// A `CloudTrail` Lake event data store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EventDataStore {
    /// ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// `Status`.
    pub status: Option<String>,
    /// `KmsKeyId`.
    pub kms_key_id: Option<String>,
    /// `RetentionPeriod` in days.
    pub retention_period: Option<i32>,
    /// `TerminationProtectionEnabled`.
    pub termination_protection_enabled: Option<bool>,
    /// `MultiRegionEnabled`.
    pub multi_region_enabled: Option<bool>,
    /// `OrganizationEnabled`.
    pub organization_enabled: Option<bool>,
}

/// A customer managed policy that is attached, or an inline policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IamPolicy {
    /// Managed policy ARN, or `<principal ARN>/inline/<policy name>` for inline ones.
    pub arn: String,
    /// `managed` or `inline`.
    pub kind: String,
    /// ARNs of the users, groups and roles it is attached to (or embedded in).
    pub attached_to: Vec<String>,
    /// The (default version of the) policy document, URL-decoded and parsed.
    pub document: serde_json::Value,
}
