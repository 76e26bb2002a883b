//! `trailproof check` on snapshot fixtures: the answers moto cannot give (delivery times and
//! errors, `CloudTrail` Lake, MFA Delete, the account-level public access block), the
//! organization member view, a cross-account bucket, denied calls and advanced selectors.
//! Each fixture is the generated compliant sample (`trailproof::controls::sample`) with one
//! thing changed, and each test asserts exact verdicts and evidence.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

use std::path::PathBuf;
use std::process::Command;

use trailproof::controls::catalog::Severity;
use trailproof::controls::config::CheckConfig;
use trailproof::controls::result::{ControlResult, Status};
use trailproof::controls::sample::{self, ACCOUNT, BUCKET, TRAIL_ARN, absent, denied, ok};
use trailproof::report::check::{CheckReport, CheckRequest, build};
use trailproof::snapshot::model::{
    AdvancedSelector, BasicSelector, EventDataStore, FieldSelector, Grant, Outcome, Snapshot,
};
use trailproof::vocab::Outcome as RunOutcome;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check(snap: &Snapshot) -> CheckReport {
    let as_of = trailproof::time::parse_user_time(&snap.taken_at).unwrap();
    build(snap, &CheckRequest::default(), as_of)
}

fn one<'a>(r: &'a CheckReport, id: &str, resource: &str) -> &'a ControlResult {
    let found: Vec<&ControlResult> = r
        .results
        .iter()
        .filter(|x| x.control_id == id && x.resource == resource)
        .collect();
    assert_eq!(found.len(), 1, "{id} {resource}: {:#?}", r.results);
    found[0]
}

fn account_level() -> String {
    format!("arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail")
}

fn bucket_arn() -> String {
    format!("arn:aws:s3:::{BUCKET}")
}

fn trail_mut(s: &mut Snapshot) -> &mut trailproof::snapshot::model::TrailDetails {
    s.trails.get_mut(TRAIL_ARN).unwrap()
}

fn field(name: &str, equals: &[&str], not_equals: &[&str]) -> FieldSelector {
    FieldSelector {
        field: name.to_owned(),
        equals: equals.iter().map(|s| (*s).to_owned()).collect(),
        not_equals: not_equals.iter().map(|s| (*s).to_owned()).collect(),
        ..FieldSelector::default()
    }
}

fn adv(fields: Vec<FieldSelector>) -> AdvancedSelector {
    AdvancedSelector {
        name: Some("renamed by someone".to_owned()),
        field_selectors: fields,
    }
}

#[test]
fn sample_snapshot_file_is_the_generators_output() {
    let path = repo().join("testdata/sample/snapshot.json");
    let want = serde_json::to_string_pretty(&sample::compliant()).unwrap() + "\n";
    if std::env::var_os("TRAILPROOF_WRITE_FIXTURES").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is stale: regenerate with TRAILPROOF_WRITE_FIXTURES=1 cargo test --all-features --test check",
        path.display()
    );
}

#[test]
fn compliant_sample_passes_every_control() {
    let r = check(&sample::compliant());
    let not_pass: Vec<(&str, &str, Status)> = r
        .results
        .iter()
        .filter(|x| x.status != Status::Pass)
        .map(|x| (x.control_id, x.resource.as_str(), x.status))
        .collect();
    assert_eq!(
        not_pass,
        vec![
            (
                "CT-03",
                "arn:aws:cloudtrail:af-south-1:111122223333:trail",
                Status::NotApplicable
            ),
            ("CT-16", TRAIL_ARN, Status::NotApplicable),
        ]
    );
    let ids: std::collections::BTreeSet<&str> = r.results.iter().map(|x| x.control_id).collect();
    assert_eq!(ids.len(), 28, "every control has a result");
    assert_eq!(
        r.results.iter().filter(|x| x.control_id == "CT-21").count(),
        14
    );
    assert_eq!(r.outcome, RunOutcome::Clean);
    let ct02 = one(&r, "CT-02", &account_level());
    assert_eq!(
        ct02.reason,
        format!(
            "multi-Region trail {TRAIL_ARN} is logging all read and write management events with no exclusions"
        )
    );
    assert!(
        ct02.evidence
            .iter()
            .any(|e| e.source == "cloudtrail:GetEventSelectors"
                && e.request_id.as_deref() == Some("req-cloudtrail-GetEventSelectors"))
    );
}

#[test]
fn delivery_errors_and_stale_digests_fail_ct06_while_the_settings_controls_pass() {
    let mut s = sample::compliant();
    let st = trail_mut(&mut s).status.value().cloned().unwrap();
    trail_mut(&mut s).status = ok(
        "cloudtrail:GetTrailStatus",
        "us-east-1",
        trailproof::snapshot::model::TrailStatus {
            latest_delivery_error: Some("AccessDenied".to_owned()),
            latest_digest_delivery_time: Some("2026-03-01T19:17:42Z".to_owned()),
            latest_cloud_watch_logs_delivery_time: None,
            ..st
        },
    );
    let r = check(&s);
    let ct06 = one(&r, "CT-06", TRAIL_ARN);
    assert_eq!(ct06.status, Status::Fail);
    assert_eq!(
        ct06.reason,
        format!(
            "trail {TRAIL_ARN}: LatestDeliveryError AccessDenied; LatestDigestDeliveryTime 2026-03-01T19:17:42Z is more than 2 h old; no LatestCloudWatchLogsDeliveryTime recorded"
        )
    );
    assert!(
        ct06.evidence
            .iter()
            .any(|e| e.field == "LatestDeliveryError" && e.value == "AccessDenied")
    );
    for id in ["CT-08", "CT-19"] {
        assert_eq!(one(&r, id, TRAIL_ARN).status, Status::Pass, "{id}");
    }
    assert_eq!(r.outcome, RunOutcome::Findings);
}

#[test]
fn lake_stores_need_a_customer_key_and_retention_and_denials_are_errors() {
    let mut s = sample::compliant();
    let store = EventDataStore {
        arn: format!("arn:aws:cloudtrail:eu-west-1:{ACCOUNT}:eventdatastore/short"),
        name: "short".to_owned(),
        kms_key_id: None,
        retention_period: Some(90),
        termination_protection_enabled: Some(false),
        ..EventDataStore::default()
    };
    s.event_data_stores.insert(
        "eu-west-1".to_owned(),
        ok("cloudtrail:ListEventDataStores", "eu-west-1", vec![store]),
    );
    let r = check(&s);
    let bad = one(
        &r,
        "CT-26",
        "arn:aws:cloudtrail:eu-west-1:111122223333:eventdatastore/short",
    );
    assert_eq!(bad.status, Status::Fail);
    assert_eq!(
        bad.reason,
        "event data store short: uses an AWS owned key, not a customer managed key; retention is 90 days (< 365); termination protection is off"
    );

    s.event_data_stores.insert(
        "eu-west-1".to_owned(),
        denied("cloudtrail:ListEventDataStores", "eu-west-1"),
    );
    let r = check(&s);
    let err = one(
        &r,
        "CT-26",
        "arn:aws:cloudtrail:eu-west-1:111122223333:trail",
    );
    assert_eq!(err.status, Status::Error);
    assert!(
        err.reason
            .starts_with("cloudtrail:ListEventDataStores was denied (AccessDenied"),
        "{}",
        err.reason
    );
    assert_eq!(r.outcome, RunOutcome::Incomplete);

    for v in s.event_data_stores.values_mut() {
        *v = ok("cloudtrail:ListEventDataStores", "us-east-1", vec![]);
    }
    let r = check(&s);
    assert_eq!(
        one(&r, "CT-26", &account_level()).status,
        Status::NotApplicable
    );
}

#[test]
fn mfa_delete_off_fails_and_says_object_lock_compensates() {
    let mut s = sample::compliant();
    s.buckets.get_mut(BUCKET).unwrap().versioning = ok(
        "s3:GetBucketVersioning",
        "us-east-1",
        trailproof::snapshot::model::Versioning {
            status: Some("Enabled".to_owned()),
            mfa_delete: Some("Disabled".to_owned()),
        },
    );
    let r = check(&s);
    let ct13 = one(&r, "CT-13", &bucket_arn());
    assert_eq!(ct13.status, Status::Fail);
    assert_eq!(
        ct13.reason,
        "bucket trailproof-sample is versioned but MFA Delete is off; compensated by Object Lock default retention (see CT-14)"
    );
    assert!(
        ct13.evidence
            .iter()
            .any(|e| e.field == "MFADelete" && e.value == "Disabled")
    );
}

fn public_acl(s: &mut Snapshot) {
    let b = s.buckets.get_mut(BUCKET).unwrap();
    b.public_access_block = absent(
        "s3:GetBucketPublicAccessBlock",
        "us-east-1",
        "NoSuchPublicAccessBlockConfiguration",
    );
    b.ownership_controls = ok(
        "s3:GetBucketOwnershipControls",
        "us-east-1",
        "ObjectWriter".to_owned(),
    );
    b.acl = ok(
        "s3:GetBucketAcl",
        "us-east-1",
        vec![Grant {
            grantee_type: "Group".to_owned(),
            uri: Some("http://acs.amazonaws.com/groups/global/AllUsers".to_owned()),
            id: None,
            permission: "READ".to_owned(),
        }],
    );
}

#[test]
fn account_level_public_access_block_decides_a_public_acl() {
    // Account BPA on: the public grant is inert.
    let mut s = sample::compliant();
    public_acl(&mut s);
    let r = check(&s);
    let ct11 = one(&r, "CT-11", &bucket_arn());
    assert_eq!(ct11.status, Status::Pass);
    assert!(
        ct11.evidence
            .iter()
            .any(|e| e.source == "s3:GetAccountPublicAccessBlock")
    );

    // Account BPA unreadable: not proven public, not proven safe.
    s.account_public_access_block = denied("s3:GetAccountPublicAccessBlock", "us-east-1");
    let r = check(&s);
    let ct11 = one(&r, "CT-11", &bucket_arn());
    assert_eq!(ct11.status, Status::Error);
    assert!(
        ct11.reason.contains("its ACL grants READ to http://acs.amazonaws.com/groups/global/AllUsers")
            && ct11.reason.contains("account-level Block Public Access unknown: s3:GetAccountPublicAccessBlock was denied"),
        "{}",
        ct11.reason
    );

    // No account BPA either: public.
    s.account_public_access_block = absent(
        "s3:GetAccountPublicAccessBlock",
        "us-east-1",
        "NoSuchPublicAccessBlockConfiguration",
    );
    let r = check(&s);
    let ct11 = one(&r, "CT-11", &bucket_arn());
    assert_eq!(ct11.status, Status::Fail);
    assert_eq!(
        ct11.reason,
        "bucket trailproof-sample is public: its ACL grants READ to http://acs.amazonaws.com/groups/global/AllUsers"
    );
}

fn member_view() -> Snapshot {
    let mut s = sample::compliant();
    let member = "444455556666";
    s.identity = ok(
        "sts:GetCallerIdentity",
        "us-east-1",
        trailproof::snapshot::model::Identity {
            account: member.to_owned(),
            arn: format!("arn:aws:sts::{member}:assumed-role/audit/trailproof"),
        },
    );
    s.organization = ok(
        "organizations:DescribeOrganization",
        "us-east-1",
        trailproof::snapshot::model::Organization {
            id: "o-a1b2c3d4e5".to_owned(),
            management_account: ACCOUNT.to_owned(),
        },
    );
    s.list_buckets = ok("s3:ListAllMyBuckets", "us-east-1", vec![]);
    let t = trail_mut(&mut s);
    t.trail.is_organization_trail = true;
    t.status = denied("cloudtrail:GetTrailStatus", "us-east-1");
    t.event_selectors = denied("cloudtrail:GetEventSelectors", "us-east-1");
    t.insight_selectors = denied("cloudtrail:GetInsightSelectors", "us-east-1");
    t.tags = denied("cloudtrail:ListTags", "us-east-1");
    for d in s.describe_trails.values_mut() {
        let region = d.region.clone();
        let mut trail = sample::trail();
        trail.is_organization_trail = true;
        *d = ok("cloudtrail:DescribeTrails", &region, vec![trail]);
    }
    let k = s.keys.values_mut().next().unwrap();
    k.describe = denied("kms:DescribeKey", "us-east-1");
    k.rotation = denied("kms:GetKeyRotationStatus", "us-east-1");
    let g = s.log_groups.values_mut().next().unwrap();
    g.group = denied("logs:DescribeLogGroups", "us-east-1");
    g.metric_filters = denied("logs:DescribeMetricFilters", "us-east-1");
    s
}

#[test]
fn organization_trail_seen_from_a_member_account_is_manual_never_fail() {
    let r = check(&member_view());
    let synthetic = "arn:aws:cloudtrail:us-east-1:444455556666:trail";
    let ct01 = one(&r, "CT-01", synthetic);
    assert_eq!(ct01.status, Status::Manual);
    assert!(
        ct01.reason.starts_with(&format!(
            "trail {TRAIL_ARN} belongs to account 111122223333: cloudtrail:GetTrailStatus was denied"
        )) && ct01.reason.ends_with("check it from that account"),
        "{}",
        ct01.reason
    );
    for (id, resource, want) in [
        ("CT-02", synthetic, Status::Manual),
        ("CT-05", TRAIL_ARN, Status::Manual),
        ("CT-08", TRAIL_ARN, Status::Pass),
        ("CT-09", TRAIL_ARN, Status::Pass),
        ("CT-10", sample::KEY_ARN, Status::Manual),
        ("CT-11", &bucket_arn(), Status::Manual),
        ("CT-16", TRAIL_ARN, Status::Pass),
        ("CT-18", sample::LOG_GROUP_ARN, Status::Manual),
        ("CT-27", TRAIL_ARN, Status::NotApplicable),
    ] {
        assert_eq!(one(&r, id, resource).status, want, "{id}");
    }
    assert!(
        !r.results.iter().any(|x| x.status == Status::Fail),
        "{:#?}",
        r.results
            .iter()
            .filter(|x| x.status == Status::Fail)
            .collect::<Vec<_>>()
    );
    assert_eq!(one(&r, "CT-10", sample::KEY_ARN).account, ACCOUNT);
    assert_eq!(r.outcome, RunOutcome::Clean);
    let strict = build(
        &member_view(),
        &CheckRequest {
            strict: true,
            ..CheckRequest::default()
        },
        trailproof::time::parse_user_time(sample::TAKEN_AT).unwrap(),
    );
    assert_eq!(
        strict.outcome,
        RunOutcome::Findings,
        "--strict: MANUAL counts"
    );
}

#[test]
fn organization_trail_seen_from_the_management_account_is_evaluated() {
    let mut s = sample::compliant();
    trail_mut(&mut s).trail.is_organization_trail = true;
    s.organization = ok(
        "organizations:DescribeOrganization",
        "us-east-1",
        trailproof::snapshot::model::Organization {
            id: "o-a1b2c3d4e5".to_owned(),
            management_account: ACCOUNT.to_owned(),
        },
    );
    let r = check(&s);
    assert_eq!(
        one(&r, "CT-01", &account_level()).reason,
        format!("organization trail {TRAIL_ARN} is logging")
    );
    assert_eq!(r.outcome, RunOutcome::Clean);
}

#[test]
fn a_bucket_in_another_account_is_manual_for_every_bucket_control() {
    let mut s = sample::compliant();
    s.list_buckets = ok(
        "s3:ListAllMyBuckets",
        "us-east-1",
        vec!["some-other-bucket".to_owned()],
    );
    let b = s.buckets.get_mut(BUCKET).unwrap();
    b.policy = denied("s3:GetBucketPolicy", "us-east-1");
    b.versioning = denied("s3:GetBucketVersioning", "us-east-1");
    let r = check(&s);
    for id in ["CT-11", "CT-12", "CT-13", "CT-14", "CT-15", "CT-17"] {
        let x = one(&r, id, &bucket_arn());
        assert_eq!(x.status, Status::Manual, "{id}");
        assert!(
            x.reason
                .contains("belongs to another account (cross-account or out of scope)"),
            "{id}: {}",
            x.reason
        );
    }
    assert_eq!(
        one(&r, "CT-16", TRAIL_ARN).reason,
        format!("trail {TRAIL_ARN} delivers to bucket {BUCKET} in another account")
    );
}

#[test]
fn denied_calls_in_the_accounts_own_reach_are_errors_naming_the_action() {
    let mut s = sample::compliant();
    trail_mut(&mut s).status = denied("cloudtrail:GetTrailStatus", "us-east-1");
    let r = check(&s);
    for (id, resource) in [("CT-01", account_level()), ("CT-05", TRAIL_ARN.to_owned())] {
        let x = one(&r, id, &resource);
        assert_eq!(x.status, Status::Error, "{id}");
        assert!(
            x.reason.contains("cloudtrail:GetTrailStatus was denied (AccessDenied: User: arn:aws:sts::111122223333:assumed-role/audit/trailproof is not authorized to perform: cloudtrail:GetTrailStatus)"),
            "{id}: {}",
            x.reason
        );
    }
    assert_eq!(r.outcome, RunOutcome::Incomplete);

    let mut s = sample::compliant();
    for d in s.describe_trails.values_mut() {
        let region = d.region.clone();
        *d = denied("cloudtrail:DescribeTrails", &region);
    }
    s.trails.clear();
    let r = check(&s);
    let ct01 = one(&r, "CT-01", &account_level());
    assert_eq!(ct01.status, Status::Error);
    assert!(
        ct01.reason
            .starts_with("no region's trails could be listed")
    );
    for region in ["eu-west-1", "us-east-1"] {
        let x = one(
            &r,
            "CT-03",
            &format!("arn:aws:cloudtrail:{region}:111122223333:trail"),
        );
        assert_eq!(x.status, Status::Error);
    }
    assert!(
        !r.results
            .iter()
            .any(|x| x.status == Status::Fail && x.control_id <= "CT-07")
    );
}

#[test]
fn advanced_selectors_read_write_split_exclusions_and_data_access_types() {
    // Read-only plus write-only management selectors combine to full coverage.
    let mut s = sample::compliant();
    let mut sel = sample::selectors();
    sel.advanced[0] = adv(vec![
        field("eventCategory", &["Management"], &[]),
        field("readOnly", &["true"], &[]),
    ]);
    sel.advanced.push(adv(vec![
        field("eventCategory", &["Management"], &[]),
        field("readOnly", &["false"], &[]),
    ]));
    // S3 data events: reads only.
    sel.advanced[1]
        .field_selectors
        .push(field("readOnly", &["true"], &[]));
    trail_mut(&mut s).event_selectors =
        ok("cloudtrail:GetEventSelectors", "us-east-1", sel.clone());
    let r = check(&s);
    assert_eq!(one(&r, "CT-02", &account_level()).status, Status::Pass);
    assert_eq!(one(&r, "CT-24", &account_level()).status, Status::Pass);
    let ct23 = one(&r, "CT-23", &bucket_arn());
    assert_eq!(
        ct23.status,
        Status::Fail,
        "per-bucket view when not all are covered"
    );
    assert!(
        ct23.reason
            .starts_with("bucket trailproof-sample: S3 object-level write events are not logged")
    );

    // Excluding KMS events fails CT-02 with the reason.
    sel.advanced[0] = adv(vec![
        field("eventCategory", &["Management"], &[]),
        field("eventSource", &[], &["kms.amazonaws.com"]),
    ]);
    trail_mut(&mut s).event_selectors = ok("cloudtrail:GetEventSelectors", "us-east-1", sel);
    let r = check(&s);
    let ct02 = one(&r, "CT-02", &account_level());
    assert_eq!(ct02.status, Status::Fail);
    assert_eq!(
        ct02.reason,
        format!(
            "multi-Region trail {TRAIL_ARN}: management events from kms.amazonaws.com are excluded"
        )
    );
    assert_eq!(one(&r, "CT-07", &account_level()).status, Status::Fail);
}

#[test]
fn basic_selectors_write_only_and_data_values() {
    let mut s = sample::compliant();
    let sel = trailproof::snapshot::model::EventSelectors {
        basic: vec![BasicSelector {
            read_write_type: Some("WriteOnly".to_owned()),
            include_management_events: Some(true),
            exclude_management_event_sources: vec![],
            data_resources: vec![trailproof::snapshot::model::DataResource {
                r#type: "AWS::S3::Object".to_owned(),
                values: vec!["arn:aws:s3".to_owned()],
            }],
        }],
        advanced: vec![],
    };
    trail_mut(&mut s).event_selectors = ok("cloudtrail:GetEventSelectors", "us-east-1", sel);
    let r = check(&s);
    assert_eq!(
        one(&r, "CT-02", &account_level()).reason,
        format!("multi-Region trail {TRAIL_ARN}: only write management events are logged")
    );
    assert_eq!(one(&r, "CT-23", &account_level()).status, Status::Pass);
    assert_eq!(one(&r, "CT-24", &bucket_arn()).status, Status::Fail);
    assert_eq!(one(&r, "CT-25", &account_level()).status, Status::Fail);
}

#[test]
fn a_stopped_only_trail_is_a_high_severity_failure() {
    let mut s = sample::compliant();
    let st = trail_mut(&mut s).status.value().cloned().unwrap();
    trail_mut(&mut s).status = ok(
        "cloudtrail:GetTrailStatus",
        "us-east-1",
        trailproof::snapshot::model::TrailStatus {
            is_logging: Some(false),
            stop_logging_time: Some("2026-03-01T23:59:00Z".to_owned()),
            ..st
        },
    );
    let r = check(&s);
    let ct05 = one(&r, "CT-05", TRAIL_ARN);
    assert_eq!(ct05.status, Status::Fail);
    assert_eq!(ct05.severity, Severity::High);
    assert_eq!(
        ct05.reason,
        format!(
            "trail {TRAIL_ARN} is stopped since 2026-03-01T23:59:00Z; no other trail logs all management events in every region"
        )
    );
    assert_eq!(
        one(&r, "CT-01", &account_level()).reason,
        format!("trail {TRAIL_ARN} is stopped")
    );
    assert_eq!(
        one(&r, "CT-06", TRAIL_ARN).status,
        Status::Pass,
        "delivery age is not judged while stopped"
    );
}

#[test]
fn a_log_group_that_never_expires_passes_retention() {
    let mut s = sample::compliant();
    let g = s.log_groups.values_mut().next().unwrap();
    g.group = ok(
        "logs:DescribeLogGroups",
        "us-east-1",
        Some(trailproof::snapshot::model::LogGroup {
            retention_in_days: None,
            kms_key_id: Some(sample::KEY_ARN.to_owned()),
        }),
    );
    let r = check(&s);
    let ct18 = one(&r, "CT-18", sample::LOG_GROUP_ARN);
    assert_eq!(ct18.status, Status::Pass);
    assert_eq!(
        ct18.reason,
        "log group aws-cloudtrail-logs-sample: events never expire and are KMS-encrypted"
    );
}

#[test]
fn monitoring_needs_a_confirmed_subscriber_and_every_event_name() {
    let mut s = sample::compliant();
    s.topics.values_mut().next().unwrap().outcome = Outcome::Ok {
        value: vec![trailproof::snapshot::model::Subscription {
            arn: "PendingConfirmation".to_owned(),
            protocol: "email".to_owned(),
            endpoint: "soc@example.com".to_owned(),
        }],
    };
    let g = s.log_groups.values_mut().next().unwrap();
    if let Outcome::Ok { value } = &mut g.metric_filters.outcome {
        value[4].pattern = value[4].pattern.replace("StopLogging", "StopLoggingX");
    }
    let r = check(&s);
    let ct20 = r.results.iter().find(|x| x.control_id == "CT-20").unwrap();
    assert_eq!(ct20.check.as_deref(), Some("cis-4.5"));
    assert_eq!(ct20.status, Status::Fail);
    assert_eq!(
        ct20.reason,
        "CIS 4.5 CloudTrail configuration changes: no metric filter on log group aws-cloudtrail-logs-sample matches the pattern (filter cis-4.5 lacks $.eventName=StopLogging)"
    );
    let root = r
        .results
        .iter()
        .find(|x| x.check.as_deref() == Some("cis-4.3"))
        .unwrap();
    assert_eq!(
        root.reason,
        format!(
            "CIS 4.3 usage of the 'root' account: alarm cis-4.3-alarm notifies SNS topic {}, which has no confirmed subscription",
            sample::TOPIC_ARN
        )
    );
}

#[test]
fn broad_cloudtrail_permissions_fail_unless_break_glass() {
    let mut s = sample::compliant();
    if let Outcome::Ok { value } = &mut s.iam_policies.outcome {
        value.push(trailproof::snapshot::model::IamPolicy {
            arn: format!("arn:aws:iam::{ACCOUNT}:user/ops/inline/admin-ish"),
            kind: "inline".to_owned(),
            attached_to: vec![format!("arn:aws:iam::{ACCOUNT}:user/ops")],
            document: serde_json::json!({"Statement": [{"Effect": "Allow", "Action": "cloudtrail:*", "Resource": "*"}]}),
        });
    }
    let r = check(&s);
    let x = one(
        &r,
        "CT-28",
        &format!("arn:aws:iam::{ACCOUNT}:user/ops/inline/admin-ish"),
    );
    assert_eq!(x.status, Status::Fail);
    assert!(x.reason.starts_with("inline policy"), "{}", x.reason);
    assert!(
        !r.results
            .iter()
            .any(|x| x.control_id == "CT-28" && x.resource == account_level())
    );

    let mut config = CheckConfig::default();
    config.settings.break_glass_principals = vec![format!("arn:aws:iam::{ACCOUNT}:user/ops")];
    let as_of = trailproof::time::parse_user_time(sample::TAKEN_AT).unwrap();
    let request = CheckRequest {
        config,
        ..CheckRequest::default()
    };
    let r = build(&s, &request, as_of);
    assert_eq!(r.outcome, RunOutcome::Clean);
}

// ---- through the binary -----------------------------------------------------------------

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_trailproof"))
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin())
        .args(args)
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write_snapshot(dir: &std::path::Path, s: &Snapshot) -> String {
    let p = dir.join("snap.json");
    std::fs::write(&p, serde_json::to_vec_pretty(s).unwrap()).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn cli_sample_snapshot_is_clean_and_the_table_lists_every_result() {
    let snap = repo().join("testdata/sample/snapshot.json");
    let (code, out, err) = run(&["check", "--snapshot", snap.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with(
        "Compliance of account 111122223333 as of 2026-03-02T00:30:00Z (snapshot 2026-03-02T00:30:00Z; regions: eu-west-1, us-east-1)"
    ));
    assert!(out.contains("\nCT-21 cis-4.15  PASS           medium   arn:aws:cloudtrail:us-east-1:111122223333:trail\n"));
    assert!(
        out.trim_end()
            .ends_with("Results: 2 NOT_APPLICABLE, 41 PASS (clean)"),
        "{out}"
    );
}

#[test]
fn cli_framework_filters_and_labels_with_that_frameworks_ids() {
    let snap = repo().join("testdata/sample/snapshot.json");
    let (code, out, _) = run(&[
        "check",
        "--snapshot",
        snap.to_str().unwrap(),
        "--framework",
        "cis-3.0",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "trailproof.check/1");
    assert_eq!(v["framework"]["name"], "CIS 3.0");
    let results = v["results"].as_array().unwrap();
    assert!(!results.iter().any(|r| r["control_id"] == "CT-25"));
    let ct02 = results.iter().find(|r| r["control_id"] == "CT-02").unwrap();
    assert_eq!(
        ct02["frameworks"],
        serde_json::json!([{ "framework": "CIS 3.0", "id": "3.1" }])
    );
    for key in [
        "control_id",
        "resource",
        "status",
        "severity",
        "evidence",
        "frameworks",
        "waived",
    ] {
        assert!(ct02.get(key).is_some(), "{key}");
    }
    let (code, _, err) = run(&[
        "check",
        "--snapshot",
        snap.to_str().unwrap(),
        "--framework",
        "cis-9",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown framework cis-9"));
}

#[test]
fn cli_waivers_keep_the_status_and_expired_ones_stop_applying() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = sample::compliant();
    s.buckets.get_mut(BUCKET).unwrap().versioning = ok(
        "s3:GetBucketVersioning",
        "us-east-1",
        trailproof::snapshot::model::Versioning {
            status: Some("Enabled".to_owned()),
            mfa_delete: None,
        },
    );
    let snap = write_snapshot(dir.path(), &s);
    let config = dir.path().join("check.toml");
    let waiver = |expires: &str| {
        format!(
            "[[waiver]]\ncontrol = \"CT-13\"\nresource = \"arn:aws:s3:::{BUCKET}\"\nreason = \"Object Lock instead of MFA Delete (SEC-12)\"\nexpires = {expires}\n"
        )
    };
    std::fs::write(&config, waiver("2026-06-30")).unwrap();
    let (code, out, _) = run(&[
        "check",
        "--snapshot",
        &snap,
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "a waived FAIL is not a finding");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ct13 = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["control_id"] == "CT-13")
        .unwrap();
    assert_eq!(ct13["status"], "FAIL");
    assert_eq!(ct13["waived"], true);
    assert_eq!(
        ct13["waiver"]["reason"],
        "Object Lock instead of MFA Delete (SEC-12)"
    );
    assert_eq!(v["summary"]["WAIVED"], 1);

    std::fs::write(&config, waiver("2026-03-01")).unwrap();
    let (code, out, _) = run(&[
        "check",
        "--snapshot",
        &snap,
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(out.contains(&format!(
        "waiver for CT-13 arn:aws:s3:::{BUCKET} expired on 2026-03-01 and no longer applies: Object Lock instead of MFA Delete (SEC-12)"
    )), "{out}");
    // --as-of moves "today" back inside the waiver.
    let (code, _, _) = run(&[
        "check",
        "--snapshot",
        &snap,
        "--config",
        config.to_str().unwrap(),
        "--as-of",
        "2026-03-01T12:00:00Z",
    ]);
    assert_eq!(code, 0);

    std::fs::write(
        &config,
        "[[waiver]]\ncontrol = \"CT-99\"\nreason = \"x\"\nexpires = 2027-01-01\n",
    )
    .unwrap();
    let (code, _, err) = run(&[
        "check",
        "--snapshot",
        &snap,
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("waiver 1: unknown control \"CT-99\""), "{err}");
}

#[test]
fn cli_rejects_a_file_that_is_not_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.json");
    std::fs::write(&p, "{\"schema\": \"trailproof.verify/1\"}").unwrap();
    let (code, _, err) = run(&["check", "--snapshot", p.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("is not a trailproof.snapshot/1 document"),
        "{err}"
    );
}

#[test]
fn cli_text_output_neutralises_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = sample::compliant();
    if let Outcome::Ok { value } = &mut trail_mut(&mut s).tags.outcome {
        value.clear();
        value.insert("owner\u{1b}[31m".to_owned(), "x".to_owned());
    }
    let snap = write_snapshot(dir.path(), &s);
    let (_, out, _) = run(&["check", "--snapshot", &snap]);
    assert!(!out.contains('\u{1b}'));
    assert!(out.contains("owner\u{fffd}[31m"));
}

#[test]
fn cli_each_cis_monitoring_result_carries_only_its_own_item_numbers() {
    let snap = repo().join("testdata/sample/snapshot.json");
    let (code, out, _) = run(&[
        "check",
        "--snapshot",
        snap.to_str().unwrap(),
        "--framework",
        "cis-6.0",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let root = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "cis-4.3")
        .unwrap();
    assert_eq!(
        root["frameworks"],
        serde_json::json!([{ "framework": "CIS 6.0", "id": "5.3" }])
    );
}
