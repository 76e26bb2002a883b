//! The rules of the activity summary: what a record means. The actor key of a record, root
//! use (CIS 4.3), authorization failures and their exclusions (CIS 4.1, v2.0+), the tests of
//! the fifteen CIS v3.0 monitoring items 4.1–4.15 ([`CisRule`]), the commonly abused APIs,
//! `eventVersion` numbers and the canonical `eventTime` form.
//!
//! Pure predicates and keys over one [`Record`]: nothing is counted or kept here (that is
//! [`super::aggregate`]), and nothing is written into the summary document.

use std::borrow::Cow;

use std::sync::LazyLock;

use crate::controls::monitoring::CIS_ITEMS;
use crate::detect::pack;
use crate::detect::sigma::{self, RuleSet};
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

/// The built-in pack's CIS AWS Foundations v3.0 monitoring rules (`rules/cis/`), loaded once,
/// with the item each rule counts for: the summary's `cis_monitoring` figures are what the
/// detection engine finds with these rules, exactly what `hunt` reports for them.
#[derive(Debug)]
pub struct CisRules {
    /// The rules.
    pub rules: RuleSet,
    /// The item (`"4.1"` … `"4.15"`) of each rule, by rule index.
    pub items: Vec<&'static str>,
}

/// The CIS rules (see [`CisRules`]).
pub static CIS: LazyLock<CisRules> = LazyLock::new(|| {
    let loaded = sigma::load(&pack::cis());
    let items = loaded
        .rules
        .rules()
        .iter()
        .map(|m| {
            let n = m
                .name
                .as_deref()
                .and_then(|n| n.strip_prefix("trailproof_cis_"))
                .map(|n| n.replace('_', "."))
                .unwrap_or_default();
            CIS_ITEMS.iter().find(|i| i.id == n).map_or("", |i| i.id)
        })
        .collect();
    CisRules {
        rules: loaded.rules,
        items,
    }
});

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
    fn the_cis_rules_cover_every_item_and_its_metric_filter_names() {
        assert_eq!(
            CIS.items,
            CIS_ITEMS.iter().map(|i| i.id).collect::<Vec<_>>()
        );
        for (rule, item) in CIS_ITEMS.iter().enumerate() {
            if ["4.1", "4.2", "4.3", "4.6"].contains(&item.id) {
                continue;
            }
            let source = item
                .clauses
                .iter()
                .find_map(|c| c.strip_prefix("$.eventSource="));
            for name in item
                .clauses
                .iter()
                .filter_map(|c| c.strip_prefix("$.eventName="))
            {
                let mut v = json!({"eventName": name});
                if let Some(s) = source {
                    v["eventSource"] = json!(s);
                }
                assert!(CIS.rules.matches(rule, &v), "{} {v}", item.id);
                // The metric filters compare exactly.
                v["eventName"] = json!(name.to_lowercase());
                assert!(!CIS.rules.matches(rule, &v), "{} {v}", item.id);
                if source.is_some() {
                    let w = json!({"eventName": name, "eventSource": "other.amazonaws.com"});
                    assert!(!CIS.rules.matches(rule, &w), "{} {w}", item.id);
                }
            }
        }
    }
}
