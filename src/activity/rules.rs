//! The rules of the activity summary: what a record means. The actor key of a record, root
//! use (CIS 4.3), authorization failures and their exclusions (CIS 4.1, v2.0+), the tests of
//! the fifteen CIS v3.0 monitoring items 4.1–4.15 ([`CisRule`]), the commonly abused APIs,
//! `eventVersion` numbers and the canonical `eventTime` form.
//!
//! Pure predicates and keys over one [`Record`]: nothing is counted or kept here (that is
//! [`super::aggregate`]), and nothing is written into the summary document.

use std::borrow::Cow;

use crate::controls::monitoring::CisItem;
use crate::records::record::{Record, Text};
use crate::time::UtcTime;

/// APIs attackers commonly call for reconnaissance, credential access, persistence and
/// exfiltration (our own list, after the public `CloudTrail` threat-detection literature).
pub const ABUSED_APIS: &[&str] = &[
    "AssumeRole",
    "AttachGroupPolicy",
    "AttachRolePolicy",
    "AttachUserPolicy",
    "CreateAccessKey",
    "CreateKeyPair",
    "CreateLoginProfile",
    "CreatePolicyVersion",
    "CreateSnapshot",
    "CreateUser",
    "DeleteTrail",
    "DescribeInstances",
    "GetCallerIdentity",
    "GetConsoleOutput",
    "GetConsoleScreenshot",
    "GetFederationToken",
    "GetParameter",
    "GetParameters",
    "GetPasswordData",
    "GetSecretValue",
    "GetSessionToken",
    "GetAccountAuthorizationDetails",
    "ImportKeyPair",
    "ListAccessKeys",
    "ListBuckets",
    "ListRoles",
    "ListSecrets",
    "ListUsers",
    "ModifyInstanceAttribute",
    "ModifySnapshotAttribute",
    "PutBucketAcl",
    "PutBucketPolicy",
    "PutRolePolicy",
    "PutUserPolicy",
    "SendCommand",
    "SetDefaultPolicyVersion",
    "StartSession",
    "StopLogging",
    "UpdateAssumeRolePolicy",
    "UpdateLoginProfile",
];

/// A non-empty string field.
fn nonempty<'r>(t: &'r Text<'_>) -> Option<&'r str> {
    t.get().filter(|s| !s.is_empty())
}

/// `major.minor` as integers (`"1.10"` → `(1, 10)`).
#[must_use]
pub fn event_version(s: &str) -> Option<(u64, u64)> {
    let (a, b) = s.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// The actor key of a record (spec §1): `arn` for IAM and federated users, issuing role ARN
/// plus session name for assumed roles, `root@account` for root, `invokedBy` for services,
/// `accountId/principalId` for `AWSAccount`, `userName@identityProvider` for SAML and web
/// identity, else `invokedBy`, `principalId` or `"unknown"`.
#[must_use]
pub fn actor_key<'r>(record: &'r Record<'_>) -> Cow<'r, str> {
    let Some(u) = record.identity() else {
        return Cow::Borrowed("unknown");
    };
    let fallback = || {
        Cow::Borrowed(
            nonempty(&u.invoked_by.text)
                .or_else(|| nonempty(&u.principal_id))
                .or_else(|| nonempty(&u.arn))
                .unwrap_or("unknown"),
        )
    };
    match nonempty(&u.kind) {
        Some("IAMUser" | "FederatedUser") => nonempty(&u.arn).map_or_else(fallback, Cow::Borrowed),
        Some("AssumedRole") => {
            let issuer = u
                .session_context
                .0
                .as_ref()
                .and_then(|c| c.session_issuer.0.as_ref())
                .and_then(|i| nonempty(&i.arn));
            let session = nonempty(&u.arn).and_then(|a| a.rsplit('/').next());
            match (issuer, session) {
                (Some(i), Some(s)) => Cow::Owned(format!("{i}/{s}")),
                (Some(i), None) => Cow::Borrowed(i),
                (None, _) => nonempty(&u.arn).map_or_else(fallback, Cow::Borrowed),
            }
        }
        Some("Root") => Cow::Owned(format!(
            "root@{}",
            nonempty(&u.account_id).unwrap_or("unknown")
        )),
        Some("AWSService") => nonempty(&u.invoked_by.text).map_or_else(fallback, Cow::Borrowed),
        Some("AWSAccount") => Cow::Owned(format!(
            "{}/{}",
            nonempty(&u.account_id).unwrap_or("unknown"),
            nonempty(&u.principal_id).unwrap_or("")
        )),
        Some("SAMLUser" | "WebIdentityUser") => {
            match (nonempty(&u.user_name), nonempty(&u.identity_provider)) {
                (Some(u), Some(p)) => Cow::Owned(format!("{u}@{p}")),
                (Some(u), None) => Cow::Borrowed(u),
                _ => fallback(),
            }
        }
        _ => fallback(),
    }
}

/// CIS 4.3: `userIdentity.type` Root, no `invokedBy`, `eventType` not `AwsServiceEvent`.
#[must_use]
pub fn is_root_use(r: &Record<'_>) -> bool {
    r.identity()
        .is_some_and(|u| u.kind.get() == Some("Root") && !u.invoked_by.present)
        && r.event_type.get() != Some("AwsServiceEvent")
}

/// The CIS 4.1 error-code test (before the exclusions).
#[must_use]
pub fn is_authorization_failure(r: &Record<'_>) -> bool {
    r.error_code
        .text
        .get()
        .is_some_and(|c| c.ends_with("UnauthorizedOperation") || c.starts_with("AccessDenied"))
}

/// The CIS v2.0+ exclusions of 4.1: log delivery and `HeadBucket`.
#[must_use]
pub fn is_excluded_denial(r: &Record<'_>) -> bool {
    r.source_ip_address.get() == Some("delivery.logs.amazonaws.com")
        || r.event_name.get() == Some("HeadBucket")
}

fn mfa_missing(r: &Record<'_>) -> bool {
    r.mfa_used().is_some_and(|m| !m.eq_ignore_ascii_case("yes"))
}

/// Whether `record` matches CIS monitoring item `item` (v3.0 numbering). 4.1, 4.2, 4.3 and
/// 4.6 have their own semantics; the others are "eventSource equals (if the item names
/// one) and eventName is one of the list", read from the item's metric-filter clauses.
#[must_use]
pub fn cis_matches(item: &CisItem, r: &Record<'_>) -> bool {
    let name = r.event_name.get();
    match item.id {
        "4.1" => is_authorization_failure(r) && !is_excluded_denial(r),
        "4.2" => name == Some("ConsoleLogin") && mfa_missing(r),
        "4.3" => is_root_use(r),
        "4.6" => {
            name == Some("ConsoleLogin") && r.error_message.get() == Some("Failed authentication")
        }
        _ => {
            let source = r.event_source.get();
            let mut want_source = None;
            let mut name_hit = false;
            for clause in item.clauses {
                if let Some(s) = clause.strip_prefix("$.eventSource=") {
                    want_source = Some(s);
                } else if let Some(n) = clause.strip_prefix("$.eventName=") {
                    name_hit |= name == Some(n);
                }
            }
            name_hit && want_source.is_none_or(|s| source == Some(s))
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the form `CloudTrail` writes, read without the general parser
/// (which accepts many more forms and costs more per record). `None` for anything else.
#[must_use]
pub fn canonical_time(s: &str) -> Option<UtcTime> {
    let b = s.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let num = |from: usize, to: usize| {
        b.get(from..to)?.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let date =
        chrono::NaiveDate::from_ymd_opt(i32::try_from(num(0, 4)?).ok()?, num(5, 7)?, num(8, 10)?)?;
    Some(
        date.and_hms_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?)?
            .and_utc(),
    )
}

/// A CIS item's test, with the metric-filter clauses read once.
#[derive(Debug)]
pub struct CisRule {
    /// The item tested.
    pub item: &'static CisItem,
    source: Option<&'static str>,
    names: Vec<&'static str>,
}

impl CisRule {
    /// The test of `item`.
    #[must_use]
    pub fn new(item: &'static CisItem) -> Self {
        let mut source = None;
        let mut names = Vec::new();
        for clause in item.clauses {
            if let Some(s) = clause.strip_prefix("$.eventSource=") {
                source = Some(s);
            } else if let Some(n) = clause.strip_prefix("$.eventName=") {
                names.push(n);
            }
        }
        Self {
            item,
            source,
            names,
        }
    }

    /// As [`cis_matches`].
    #[must_use]
    pub fn matches(&self, r: &Record<'_>) -> bool {
        match self.item.id {
            "4.1" | "4.2" | "4.3" | "4.6" => cis_matches(self.item, r),
            _ => {
                r.event_name.get().is_some_and(|n| self.names.contains(&n))
                    && self.source.is_none_or(|s| r.event_source.get() == Some(s))
            }
        }
    }
}

/// Whether `s` has the form of a dotted-quad IPv4 address (canonical or not: `010.1.2.3`).
#[must_use]
pub fn looks_like_ipv4(s: &str) -> bool {
    s.split('.').count() == 4 && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controls::monitoring::CIS_ITEMS;
    use crate::time::parse_record_time;
    use serde_json::json;

    #[test]
    fn canonical_time_agrees_with_the_general_parser() {
        for s in [
            "2026-03-01T05:07:09Z",
            "1999-12-31T23:59:59Z",
            "2024-02-29T00:00:00Z",
        ] {
            assert_eq!(canonical_time(s), parse_record_time(s).ok(), "{s}");
        }
        for s in [
            "2023-02-29T00:00:00Z",
            "2026-03-01T05:07:09.5Z",
            "2026-03-01 05:07:09Z",
            "2026-13-01T00:00:00Z",
            "+026-03-01T05:07:09Z",
            "2026-03-01T05:07:60Z",
        ] {
            assert_eq!(canonical_time(s), None, "{s}");
        }
    }

    #[test]
    fn precomputed_cis_rules_agree_with_cis_matches() {
        let records = [
            json!({"eventSource": "iam.amazonaws.com", "eventName": "DeleteRolePolicy"}),
            json!({"eventSource": "s3.amazonaws.com", "eventName": "PutBucketPolicy"}),
            json!({"eventSource": "ec2.amazonaws.com", "eventName": "PutBucketPolicy"}),
            json!({"eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging"}),
            json!({"eventSource": "kms.amazonaws.com", "eventName": "ScheduleKeyDeletion"}),
            json!({"eventName": "CreateNetworkAcl"}),
            json!({"eventName": "ConsoleLogin", "errorMessage": "Failed authentication",
                "additionalEventData": {"MFAUsed": "No"}}),
            json!({"errorCode": "AccessDenied", "userIdentity": {"type": "Root"}}),
        ];
        for v in &records {
            let text = v.to_string();
            let Ok(crate::records::record::Element::Object(r)) = serde_json::from_str(&text) else {
                panic!("{text}");
            };
            for item in CIS_ITEMS {
                assert_eq!(
                    CisRule::new(item).matches(&r),
                    cis_matches(item, &r),
                    "{} {text}",
                    item.id
                );
            }
        }
    }
}
