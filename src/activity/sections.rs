//! The security-relevant sections of the activity summary (activity.md §1): logging and
//! monitoring tampering, IAM changes, network exposure, S3/KMS protection changes and
//! snapshot sharing, source-address classes, user-agent families, hourly spikes, and
//! dormant identities from an IAM inventory.
//!
//! Memory stays bounded: counts are keyed by event name (a closed set per section) and each
//! section keeps at most [`MAX_EXAMPLES`] occurrences.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use serde::Serialize;
use serde_json::Value;

use super::tally::{add_maps, count, insert_capped, slot, union};
use crate::records::record::{Flag, Record};

/// Occurrences kept per section (the counts are complete; the list is a sample, oldest
/// first in file order).
pub const MAX_EXAMPLES: usize = 100;

/// One occurrence of a notable call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Occurrence {
    /// `eventTime` as written.
    pub time: String,
    /// `eventSource`.
    pub source: String,
    /// `eventName`.
    pub name: String,
    /// Actor key.
    pub actor: String,
    /// `sourceIPAddress` as written.
    pub source_ip: String,
    /// `awsRegion`.
    pub region: String,
    /// `success`, or the `errorCode` (a denied attempt is still an attempt).
    pub outcome: String,
    /// What made it notable, when more than the name (e.g. `0.0.0.0/0`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// Counts and a bounded sample of one section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Matching calls.
    pub total: u64,
    /// Of which failed (`errorCode` set: denied or invalid).
    pub failed: u64,
    /// Matching calls per `eventName`.
    pub by_event_name: BTreeMap<String, u64>,
    /// The first [`MAX_EXAMPLES`] occurrences.
    pub examples: Vec<Occurrence>,
}

/// An identity from the IAM inventory that made no call in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dormant {
    /// ARN.
    pub arn: String,
    /// `user` or `role`.
    pub kind: &'static str,
    /// When it was created, as the inventory says.
    pub created: Option<String>,
    /// Last use the inventory knows of (password / access key / role last used).
    pub last_used: Option<String>,
    /// What its policies allow (authorization-details JSON only; not in the dormant list).
    #[serde(skip)]
    pub grants: Option<super::access::Grants>,
}

/// All sections.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Sections {
    /// Stopping, deleting or blinding logging and monitoring: `CloudTrail`, Config,
    /// `GuardDuty`, VPC flow logs, `CloudWatch` alarms and log groups, Organizations.
    pub logging_tampering: Section,
    /// Write calls to IAM.
    pub iam_changes: Section,
    /// Security-group ingress opened to `0.0.0.0/0` or `::/0`.
    pub network_exposure: Section,
    /// Bucket policies, ACLs and public access blocks; KMS key disable, deletion and
    /// policy; EBS/RDS snapshot sharing.
    pub protection_changes: Section,
    /// Records per class of `sourceIPAddress`: `public`, `private`, `aws_service`
    /// (a hostname such as `s3.amazonaws.com`), `other` (kept verbatim elsewhere).
    pub source_ip_classes: BTreeMap<&'static str, u64>,
    /// Records per user-agent family (`aws-cli`, `boto3`, `console`, `terraform`, …).
    pub user_agent_families: BTreeMap<&'static str, u64>,
    /// Hours whose event count exceeds the mean by more than three standard deviations.
    pub spikes: Vec<String>,
    /// Identities in the IAM inventory that made no call in the window (empty without
    /// `--iam-inventory`).
    pub dormant_identities: Vec<Dormant>,
    /// With an authorization-details inventory: per user and role, the services its
    /// policies allow, those it called in the window, and those it did not.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub access_review: Vec<super::access::Access>,
    /// `CloudTrail` Insights events (`eventType` `AwsCloudTrailInsight`), as recorded.
    pub insight_events: Section,
    /// Per source address, the actors that used it (at most [`MAX_ACTORS_PER_IP`] each).
    pub actors_by_source_ip: BTreeMap<String, BTreeSet<String>>,
}

/// Actors kept per source address.
pub const MAX_ACTORS_PER_IP: usize = 10;

const TAMPERING: &[(&str, &str)] = &[
    ("cloudtrail.amazonaws.com", "StopLogging"),
    ("cloudtrail.amazonaws.com", "DeleteTrail"),
    ("cloudtrail.amazonaws.com", "UpdateTrail"),
    ("cloudtrail.amazonaws.com", "PutEventSelectors"),
    ("cloudtrail.amazonaws.com", "PutInsightSelectors"),
    ("cloudtrail.amazonaws.com", "DeleteEventDataStore"),
    ("cloudtrail.amazonaws.com", "StopEventDataStoreIngestion"),
    ("config.amazonaws.com", "StopConfigurationRecorder"),
    ("config.amazonaws.com", "DeleteConfigurationRecorder"),
    ("config.amazonaws.com", "DeleteDeliveryChannel"),
    ("config.amazonaws.com", "DeleteConfigRule"),
    ("guardduty.amazonaws.com", "DeleteDetector"),
    ("guardduty.amazonaws.com", "UpdateDetector"),
    ("guardduty.amazonaws.com", "DisassociateFromMasterAccount"),
    (
        "guardduty.amazonaws.com",
        "DisassociateFromAdministratorAccount",
    ),
    ("guardduty.amazonaws.com", "DeleteMembers"),
    ("guardduty.amazonaws.com", "CreateIPSet"),
    ("guardduty.amazonaws.com", "UpdateIPSet"),
    ("ec2.amazonaws.com", "DeleteFlowLogs"),
    ("monitoring.amazonaws.com", "DeleteAlarms"),
    ("monitoring.amazonaws.com", "DisableAlarmActions"),
    ("logs.amazonaws.com", "DeleteLogGroup"),
    ("logs.amazonaws.com", "DeleteLogStream"),
    ("logs.amazonaws.com", "DeleteMetricFilter"),
    ("logs.amazonaws.com", "PutRetentionPolicy"),
    ("organizations.amazonaws.com", "LeaveOrganization"),
    (
        "organizations.amazonaws.com",
        "RemoveAccountFromOrganization",
    ),
    ("securityhub.amazonaws.com", "DisableSecurityHub"),
    ("access-analyzer.amazonaws.com", "DeleteAnalyzer"),
];

const PROTECTION: &[(&str, &str)] = &[
    ("s3.amazonaws.com", "PutBucketPolicy"),
    ("s3.amazonaws.com", "DeleteBucketPolicy"),
    ("s3.amazonaws.com", "PutBucketAcl"),
    ("s3.amazonaws.com", "PutObjectAcl"),
    ("s3.amazonaws.com", "PutBucketPublicAccessBlock"),
    ("s3.amazonaws.com", "DeleteBucketPublicAccessBlock"),
    ("s3.amazonaws.com", "PutAccountPublicAccessBlock"),
    ("s3.amazonaws.com", "DeleteAccountPublicAccessBlock"),
    ("s3.amazonaws.com", "PutBucketVersioning"),
    ("s3.amazonaws.com", "PutBucketLifecycle"),
    ("s3.amazonaws.com", "PutBucketReplication"),
    ("s3.amazonaws.com", "PutBucketEncryption"),
    ("s3.amazonaws.com", "DeleteBucketEncryption"),
    ("s3.amazonaws.com", "PutObjectLockConfiguration"),
    ("kms.amazonaws.com", "DisableKey"),
    ("kms.amazonaws.com", "ScheduleKeyDeletion"),
    ("kms.amazonaws.com", "PutKeyPolicy"),
    ("kms.amazonaws.com", "DisableKeyRotation"),
    ("kms.amazonaws.com", "CreateGrant"),
    ("ec2.amazonaws.com", "ModifySnapshotAttribute"),
    ("ec2.amazonaws.com", "ModifyImageAttribute"),
    ("rds.amazonaws.com", "ModifyDBSnapshotAttribute"),
    ("rds.amazonaws.com", "ModifyDBClusterSnapshotAttribute"),
];

impl Section {
    /// Adds a later shard's counts; its examples follow this one's (file order kept).
    fn merge(&mut self, later: Self) {
        self.total += later.total;
        self.failed += later.failed;
        add_maps(&mut self.by_event_name, later.by_event_name);
        self.examples.extend(later.examples);
        self.examples.truncate(MAX_EXAMPLES);
    }

    fn add(&mut self, r: &Record<'_>, actor: &str, detail: String) {
        self.total += 1;
        let error = r.error_code.text.or_empty();
        if !error.is_empty() {
            self.failed += 1;
        }
        let name = r.event_name.or_empty();
        count(&mut self.by_event_name, name);
        if self.examples.len() < MAX_EXAMPLES {
            self.examples.push(Occurrence {
                time: r.event_time.or_empty().to_owned(),
                source: r.event_source.or_empty().to_owned(),
                name: name.to_owned(),
                actor: actor.to_owned(),
                source_ip: r.source_ip_address.or_empty().to_owned(),
                region: r.aws_region.or_empty().to_owned(),
                outcome: if error.is_empty() {
                    "success".to_owned()
                } else {
                    error.to_owned()
                },
                detail,
            });
        }
    }
}

/// The open-to-the-world CIDRs of a security-group request, if any.
fn world_open(r: &Record<'_>) -> Vec<&'static str> {
    let Some(params) = r.request_parameters_value() else {
        return Vec::new();
    };
    // The rule lists nest differently across API versions; look at every string value.
    let mut found = BTreeSet::new();
    let mut stack = vec![&params];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => match s.trim() {
                "0.0.0.0/0" => {
                    found.insert("0.0.0.0/0");
                }
                "::/0" => {
                    found.insert("::/0");
                }
                _ => {}
            },
            Value::Array(a) => stack.extend(a.iter()),
            Value::Object(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    found.into_iter().collect()
}

/// `public`, `private`, `aws_service` or `other`.
#[must_use]
pub fn ip_class(ip: &str) -> &'static str {
    match ip.trim().parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) if a.is_private() || a.is_loopback() || a.is_link_local() => "private",
        Ok(IpAddr::V6(a))
            if a.is_loopback()
                || (a.segments()[0] & 0xfe00) == 0xfc00
                || (a.segments()[0] & 0xffc0) == 0xfe80 =>
        {
            "private"
        }
        Ok(_) => "public",
        Err(_) if ip.ends_with(".amazonaws.com") || ip == "AWS Internal" => "aws_service",
        Err(_) => "other",
    }
}

/// The family of a user agent string.
#[must_use]
pub fn agent_family(ua: &str) -> &'static str {
    let l = ua.to_ascii_lowercase();
    let has = |s: &str| l.contains(s);
    if l.is_empty() {
        "(none)"
    } else if has("aws-cli") {
        "aws-cli"
    } else if has("terraform") {
        "terraform"
    } else if has("boto3") || has("botocore") {
        "boto3"
    } else if has("cloudformation") {
        "cloudformation"
    } else if l.ends_with(".amazonaws.com") || has("aws internal") {
        "aws-service"
    } else if has("console.amazonaws.com") || has("signin.amazonaws.com") || has("mozilla") {
        "console/browser"
    } else if has("aws-sdk-") || has("aws-sdk/") {
        "aws-sdk"
    } else if has("powershell") {
        "powershell"
    } else {
        "other"
    }
}

/// What a `PutEventSelectors` call switched off, when it narrowed management events.
fn selector_detail(r: &Record<'_>) -> String {
    let Some(params) = r.request_parameters_value() else {
        return String::new();
    };
    let body = params.to_string();
    let mut out = Vec::new();
    if body.contains("\"includeManagementEvents\":false") {
        out.push("management events switched off");
    }
    if body.contains("\"readWriteType\":\"ReadOnly\"") {
        out.push("write events no longer logged");
    }
    if body.contains("\"readWriteType\":\"WriteOnly\"") {
        out.push("read events no longer logged");
    }
    if body.contains("excludeManagementEventSources\":[\"") {
        out.push("management event sources excluded");
    }
    out.join("; ")
}

/// For credential-creating IAM calls, the target user when it is not the caller.
fn other_user(r: &Record<'_>) -> String {
    let params = r.request_parameters_value();
    let target = params
        .as_ref()
        .and_then(|p| p.get("userName"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let caller = r.identity().map_or("", |u| u.user_name.or_empty());
    if !target.is_empty() && target != caller {
        format!("for another user: {target}")
    } else {
        String::new()
    }
}

impl Sections {
    /// Adds a later shard's sections (spikes and dormant identities are derived at the end).
    pub fn merge(&mut self, later: Self) {
        self.logging_tampering.merge(later.logging_tampering);
        self.iam_changes.merge(later.iam_changes);
        self.network_exposure.merge(later.network_exposure);
        self.protection_changes.merge(later.protection_changes);
        self.insight_events.merge(later.insight_events);
        add_maps(&mut self.source_ip_classes, later.source_ip_classes);
        add_maps(&mut self.user_agent_families, later.user_agent_families);
        for (ip, actors) in later.actors_by_source_ip {
            union(
                self.actors_by_source_ip.entry(ip).or_default(),
                actors,
                MAX_ACTORS_PER_IP,
            );
        }
    }

    /// Adds one record; `actor` is its actor key.
    pub fn observe(&mut self, r: &Record<'_>, actor: &str) {
        let source = r.event_source.or_empty();
        let name = r.event_name.or_empty();
        if TAMPERING.contains(&(source, name)) {
            let detail = if name == "PutEventSelectors" {
                selector_detail(r)
            } else {
                String::new()
            };
            self.logging_tampering.add(r, actor, detail);
        }
        if r.event_type.get() == Some("AwsCloudTrailInsight") {
            let (kind, state) = r.insight();
            let detail = format!("{} {}", kind.unwrap_or_default(), state.unwrap_or_default());
            self.insight_events.add(r, actor, detail.trim().to_owned());
        }
        let ip = r.source_ip_address.or_empty();
        if !ip.is_empty() {
            // The smallest actors are kept: the same set in any record order.
            if let Some(set) = slot(&mut self.actors_by_source_ip, ip) {
                insert_capped(set, actor, MAX_ACTORS_PER_IP);
            }
        }
        if PROTECTION.contains(&(source, name)) {
            self.protection_changes.add(r, actor, String::new());
        }
        if source == "iam.amazonaws.com"
            && r.read_only != Flag::Bool(true)
            && !name.starts_with("Get")
            && !name.starts_with("List")
            && !name.starts_with("Generate")
            && !name.starts_with("Simulate")
        {
            let detail = if matches!(
                name,
                "CreateAccessKey"
                    | "CreateLoginProfile"
                    | "UpdateLoginProfile"
                    | "CreateServiceSpecificCredential"
            ) {
                other_user(r)
            } else {
                String::new()
            };
            self.iam_changes.add(r, actor, detail);
        }
        if source == "ec2.amazonaws.com"
            && matches!(
                name,
                "AuthorizeSecurityGroupIngress" | "ModifySecurityGroupRules"
            )
        {
            let open = world_open(r);
            if !open.is_empty() {
                self.network_exposure.add(r, actor, open.join(", "));
            }
        }
        *self.source_ip_classes.entry(ip_class(ip)).or_insert(0) += 1;
        *self
            .user_agent_families
            .entry(agent_family(r.user_agent.or_empty()))
            .or_insert(0) += 1;
    }

    /// Marks the hours whose count is above mean + 3σ (needs at least six hours).
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    pub fn find_spikes(&mut self, by_hour: &BTreeMap<String, u64>) {
        if by_hour.len() < 6 {
            return;
        }
        let n = by_hour.len() as f64;
        let mean = by_hour.values().map(|v| *v as f64).sum::<f64>() / n;
        let var = by_hour
            .values()
            .map(|v| (*v as f64 - mean).powi(2))
            .sum::<f64>()
            / n;
        let limit = mean + 3.0 * var.sqrt();
        self.spikes = by_hour
            .iter()
            .filter(|(_, v)| **v as f64 > limit)
            .map(|(h, v)| format!("{h} ({v} events)"))
            .collect();
    }
}

/// An IAM inventory that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("IAM inventory: {0}")]
pub struct InventoryError(String);

/// Reads an IAM inventory: the JSON of `aws iam get-account-authorization-details`, or a
/// credential report CSV (`aws iam get-credential-report`, decoded). Returns every user and
/// role with what the inventory knows of its creation and last use.
///
/// # Errors
/// [`InventoryError`] when the bytes are neither.
pub fn parse_inventory(bytes: &[u8]) -> Result<Vec<Dormant>, InventoryError> {
    let text = std::str::from_utf8(bytes).map_err(|_| InventoryError("not UTF-8".to_owned()))?;
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        let grants = super::access::grants(&v);
        let mut out = Vec::new();
        for (list, kind) in [("UserDetailList", "user"), ("RoleDetailList", "role")] {
            for e in v.get(list).and_then(Value::as_array).into_iter().flatten() {
                let Some(arn) = e.get("Arn").and_then(Value::as_str) else {
                    continue;
                };
                out.push(Dormant {
                    arn: arn.to_owned(),
                    kind,
                    created: e
                        .get("CreateDate")
                        .and_then(Value::as_str)
                        .map(ToOwned::to_owned),
                    last_used: e
                        .get("RoleLastUsed")
                        .and_then(|l| l.get("LastUsedDate"))
                        .and_then(Value::as_str)
                        .map(ToOwned::to_owned),
                    grants: grants.get(arn).cloned(),
                });
            }
        }
        if out.is_empty() && v.get("UserDetailList").is_none() {
            return Err(InventoryError(
                "JSON without UserDetailList/RoleDetailList (expected get-account-authorization-details output)".to_owned(),
            ));
        }
        return Ok(out);
    }
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| InventoryError("empty file".to_owned()))?
        .split(',')
        .collect();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let (Some(arn_col), Some(created_col)) = (col("arn"), col("user_creation_time")) else {
        return Err(InventoryError(
            "neither authorization-details JSON nor a credential report CSV".to_owned(),
        ));
    };
    let used_cols: Vec<usize> = [
        "password_last_used",
        "access_key_1_last_used_date",
        "access_key_2_last_used_date",
    ]
    .iter()
    .filter_map(|c| col(c))
    .collect();
    let mut out = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        let Some(arn) = f.get(arn_col) else { continue };
        let last_used = used_cols
            .iter()
            .filter_map(|c| f.get(*c))
            .filter(|v| v.contains('T'))
            .max()
            .map(|s| (*s).to_owned());
        out.push(Dormant {
            arn: (*arn).to_owned(),
            kind: if arn.ends_with(":root") {
                "root"
            } else {
                "user"
            },
            created: f.get(created_col).map(|s| (*s).to_owned()),
            last_used,
            grants: None,
        });
    }
    Ok(out)
}

/// The inventory identities that made no call in the window. `actors` are the actor keys
/// seen ([`super::rules::actor_key`]): a user's ARN, a role's issuer ARN plus
/// `/<session>`, `root@<account>`.
#[must_use]
pub fn dormant(inventory: Vec<Dormant>, actors: &BTreeSet<String>) -> Vec<Dormant> {
    inventory
        .into_iter()
        .filter(|d| {
            let account = d.arn.split(':').nth(4).unwrap_or_default();
            let role_name = d.arn.rsplit('/').next().unwrap_or_default();
            !actors.iter().any(|a| match d.kind {
                "role" => {
                    a == &d.arn
                        || a.starts_with(&format!("{}/", d.arn))
                        || (a.contains(":assumed-role/") && a.split('/').nth(1) == Some(role_name))
                }
                "root" => *a == format!("root@{account}"),
                _ => a == &d.arn,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn observe(s: &mut Sections, v: &Value, actor: &str) {
        let text = v.to_string();
        let Ok(crate::records::record::Element::Object(r)) = serde_json::from_str(&text) else {
            panic!("not an object: {text}");
        };
        s.observe(&r, actor);
    }

    #[test]
    fn world_open_ingress_is_found_in_any_nesting() {
        let r = json!({"eventSource": "ec2.amazonaws.com", "eventName": "AuthorizeSecurityGroupIngress",
            "requestParameters": {"ipPermissions": {"items": [{"ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]},
            "ipv6Ranges": {"items": [{"cidrIpv6": "::/0"}]}}]}}});
        let mut s = Sections::default();
        observe(&mut s, &r, "arn:aws:iam::1:user/a");
        assert_eq!(s.network_exposure.total, 1);
        assert_eq!(s.network_exposure.examples[0].detail, "0.0.0.0/0, ::/0");
        let closed = json!({"eventSource": "ec2.amazonaws.com", "eventName": "AuthorizeSecurityGroupIngress",
            "requestParameters": {"cidrIp": "10.0.0.0/8"}});
        observe(&mut s, &closed, "a");
        assert_eq!(s.network_exposure.total, 1);
    }

    #[test]
    fn tampering_counts_denied_attempts_too() {
        let mut s = Sections::default();
        observe(
            &mut s,
            &json!({"eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging", "errorCode": "AccessDenied"}),
            "a",
        );
        observe(
            &mut s,
            &json!({"eventSource": "cloudtrail.amazonaws.com", "eventName": "PutEventSelectors"}),
            "a",
        );
        assert_eq!(
            (s.logging_tampering.total, s.logging_tampering.failed),
            (2, 1)
        );
        assert_eq!(s.logging_tampering.examples[0].outcome, "AccessDenied");
    }

    #[test]
    fn blinding_selectors_and_keys_for_others_are_spelled_out() {
        let mut s = Sections::default();
        observe(
            &mut s,
            &json!({"eventSource": "cloudtrail.amazonaws.com", "eventName": "PutEventSelectors",
            "requestParameters": {"eventSelectors": [{"readWriteType": "ReadOnly", "includeManagementEvents": false}]}}),
            "a",
        );
        assert_eq!(
            s.logging_tampering.examples[0].detail,
            "management events switched off; write events no longer logged"
        );
        observe(
            &mut s,
            &json!({"eventSource": "iam.amazonaws.com", "eventName": "CreateAccessKey",
            "userIdentity": {"userName": "mallory"}, "requestParameters": {"userName": "admin"}}),
            "a",
        );
        assert_eq!(s.iam_changes.examples[0].detail, "for another user: admin");
        observe(
            &mut s,
            &json!({"eventType": "AwsCloudTrailInsight", "eventName": "ListBuckets",
            "insightDetails": {"state": "Start", "insightType": "ApiCallRateInsight"}}),
            "a",
        );
        assert_eq!(
            s.insight_events.examples[0].detail,
            "ApiCallRateInsight Start"
        );
    }

    #[test]
    fn iam_reads_are_not_changes() {
        let mut s = Sections::default();
        observe(
            &mut s,
            &json!({"eventSource": "iam.amazonaws.com", "eventName": "GetUser"}),
            "a",
        );
        observe(
            &mut s,
            &json!({"eventSource": "iam.amazonaws.com", "eventName": "CreateAccessKey", "readOnly": false}),
            "a",
        );
        assert_eq!(s.iam_changes.total, 1);
    }

    #[test]
    fn ip_classes_and_agents() {
        assert_eq!(ip_class("10.1.2.3"), "private");
        assert_eq!(ip_class("198.51.100.7"), "public");
        assert_eq!(ip_class("s3.amazonaws.com"), "aws_service");
        assert_eq!(ip_class("010.1.2.3"), "other");
        assert_eq!(agent_family("aws-cli/2.15.0 Python/3.11"), "aws-cli");
        assert_eq!(agent_family("Boto3/1.34 md/Botocore#1.34"), "boto3");
        assert_eq!(
            agent_family("APN/1.0 HashiCorp/1.0 Terraform/1.7"),
            "terraform"
        );
        assert_eq!(agent_family("signin.amazonaws.com"), "aws-service");
    }

    #[test]
    fn spikes_need_three_sigma() {
        let mut h = BTreeMap::new();
        for i in 0..23 {
            h.insert(format!("2026-03-01T{i:02}:00:00Z"), 10);
        }
        h.insert("2026-03-01T23:00:00Z".to_owned(), 500);
        let mut s = Sections::default();
        s.find_spikes(&h);
        assert_eq!(
            s.spikes,
            vec!["2026-03-01T23:00:00Z (500 events)".to_owned()]
        );
    }

    #[test]
    fn inventory_from_authorization_details_and_credential_report() {
        let json = br#"{"UserDetailList":[{"Arn":"arn:aws:iam::1:user/alice","CreateDate":"2025-01-01T00:00:00Z"},{"Arn":"arn:aws:iam::1:user/bob"}],
            "RoleDetailList":[{"Arn":"arn:aws:iam::1:role/deploy","RoleLastUsed":{"LastUsedDate":"2026-02-01T00:00:00Z"}}]}"#;
        let inv = parse_inventory(json).unwrap();
        assert_eq!(inv.len(), 3);
        let actors: BTreeSet<String> = [
            "arn:aws:iam::1:user/alice".to_owned(),
            "arn:aws:iam::1:role/deploy/session".to_owned(),
        ]
        .into();
        let d = dormant(inv, &actors);
        assert_eq!(
            d.iter().map(|x| x.arn.as_str()).collect::<Vec<_>>(),
            vec!["arn:aws:iam::1:user/bob"]
        );
        let csv = b"user,arn,user_creation_time,password_enabled,password_last_used,access_key_1_last_used_date\n<root_account>,arn:aws:iam::1:root,2020-01-01T00:00:00+00:00,not_supported,2026-01-01T00:00:00+00:00,N/A\ncarol,arn:aws:iam::1:user/carol,2024-05-01T00:00:00+00:00,true,no_information,N/A\n";
        let inv = parse_inventory(csv).unwrap();
        assert_eq!(inv.len(), 2);
        assert_eq!(inv[0].kind, "root");
        assert_eq!(
            inv[0].last_used.as_deref(),
            Some("2026-01-01T00:00:00+00:00")
        );
        assert!(parse_inventory(b"hello").is_err());
    }
}
