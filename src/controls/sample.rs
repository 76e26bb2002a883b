//! A generated snapshot of an account that passes every control, matching the bundled
//! sample trail (`testdata/sample`): the base every snapshot fixture test mutates, and the
//! sample `trailproof check --snapshot` reads. It lives with the controls because it is
//! compliant by their definition (its metric filters implement [`CIS_ITEMS`]). Test
//! support only (feature `fixture`); it must never be used to decide a verdict.

use std::collections::BTreeMap;

use super::monitoring::CIS_ITEMS;
use crate::snapshot::model::{
    AdvancedSelector, Alarm, BucketDetails, Call, EventDataStore, EventSelectors, FieldSelector,
    Grant, IamPolicy, Identity, KeyDetails, KeyMetadata, LifecycleRule, LogGroup, LogGroupDetails,
    LoggingTarget, MetricFilter, MetricName, ObjectLock, Outcome, PublicAccessBlock, RegionState,
    SCHEMA, Snapshot, Subscription, Trail, TrailDetails, TrailStatus, Transition, Versioning,
};

/// The sample account.
pub const ACCOUNT: &str = "111122223333";
/// The sample trail.
pub const TRAIL_ARN: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/sample-trail";
/// Its bucket.
pub const BUCKET: &str = "trailproof-sample";
/// Its KMS key.
pub const KEY_ARN: &str =
    "arn:aws:kms:us-east-1:111122223333:key/0b7e4f61-3c2a-4d8e-9f10-5a6b7c8d9e0f";
/// Its log group.
pub const LOG_GROUP_ARN: &str =
    "arn:aws:logs:us-east-1:111122223333:log-group:aws-cloudtrail-logs-sample:*";
/// The alarm topic.
pub const TOPIC_ARN: &str = "arn:aws:sns:us-east-1:111122223333:security-alerts";
/// When the sample snapshot was taken.
pub const TAKEN_AT: &str = "2026-03-02T00:30:00Z";

fn call<T>(action: &str, region: &str, outcome: Outcome<T>) -> Call<T> {
    Call {
        action: action.to_owned(),
        region: region.to_owned(),
        at: TAKEN_AT.to_owned(),
        request_id: Some(format!("req-{}", action.replace(':', "-"))),
        outcome,
    }
}

/// An answered call.
#[must_use]
pub fn ok<T>(action: &str, region: &str, value: T) -> Call<T> {
    call(action, region, Outcome::Ok { value })
}

/// A call answered with a "does not exist" code.
#[must_use]
pub fn absent<T>(action: &str, region: &str, code: &str) -> Call<T> {
    call(
        action,
        region,
        Outcome::Absent {
            code: code.to_owned(),
        },
    )
}

/// A call denied to the sample auditor role.
#[must_use]
pub fn denied<T>(action: &str, region: &str) -> Call<T> {
    call(
        action,
        region,
        Outcome::Denied {
            code: "AccessDenied".to_owned(),
            message: format!(
                "User: arn:aws:sts::{ACCOUNT}:assumed-role/audit/trailproof is not authorized to perform: {action}"
            ),
        },
    )
}

fn field(name: &str, equals: &[&str]) -> FieldSelector {
    FieldSelector {
        field: name.to_owned(),
        equals: equals.iter().map(|s| (*s).to_owned()).collect(),
        ..FieldSelector::default()
    }
}

/// The sample trail as `DescribeTrails` lists it.
#[must_use]
pub fn trail() -> Trail {
    Trail {
        name: "sample-trail".to_owned(),
        arn: TRAIL_ARN.to_owned(),
        home_region: "us-east-1".to_owned(),
        s3_bucket_name: Some(BUCKET.to_owned()),
        s3_key_prefix: None,
        sns_topic_arn: None,
        include_global_service_events: true,
        is_multi_region_trail: true,
        is_organization_trail: false,
        log_file_validation_enabled: true,
        cloud_watch_logs_log_group_arn: Some(LOG_GROUP_ARN.to_owned()),
        cloud_watch_logs_role_arn: Some(format!(
            "arn:aws:iam::{ACCOUNT}:role/CloudTrailToCloudWatchLogs"
        )),
        kms_key_id: Some(KEY_ARN.to_owned()),
        has_custom_event_selectors: true,
        has_insight_selectors: true,
    }
}

/// Management events plus S3 and Lambda data events, as the console's templates write them.
#[must_use]
pub fn selectors() -> EventSelectors {
    EventSelectors {
        basic: vec![],
        advanced: vec![
            AdvancedSelector {
                name: Some("Management events".to_owned()),
                field_selectors: vec![field("eventCategory", &["Management"])],
            },
            AdvancedSelector {
                name: Some("S3 objects, all buckets".to_owned()),
                field_selectors: vec![
                    field("eventCategory", &["Data"]),
                    field("resources.type", &["AWS::S3::Object"]),
                ],
            },
            AdvancedSelector {
                name: Some("Lambda invocations".to_owned()),
                field_selectors: vec![
                    field("eventCategory", &["Data"]),
                    field("resources.type", &["AWS::Lambda::Function"]),
                ],
            },
        ],
    }
}

/// A healthy `GetTrailStatus`.
#[must_use]
pub fn status() -> TrailStatus {
    TrailStatus {
        is_logging: Some(true),
        latest_delivery_time: Some("2026-03-02T00:22:10Z".to_owned()),
        latest_delivery_error: None,
        latest_digest_delivery_time: Some("2026-03-02T00:17:42Z".to_owned()),
        latest_digest_delivery_error: None,
        latest_cloud_watch_logs_delivery_time: Some("2026-03-02T00:25:01Z".to_owned()),
        latest_cloud_watch_logs_delivery_error: None,
        latest_notification_error: None,
        start_logging_time: Some("2025-06-01T09:00:00Z".to_owned()),
        stop_logging_time: None,
    }
}

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"AWSCloudTrailAclCheck","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::trailproof-sample","Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/sample-trail"}}},{"Sid":"AWSCloudTrailWrite","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::trailproof-sample/AWSLogs/111122223333/*","Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/sample-trail"}}},{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::trailproof-sample","arn:aws:s3:::trailproof-sample/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;

const ALL_BLOCKED: PublicAccessBlock = PublicAccessBlock {
    block_public_acls: true,
    ignore_public_acls: true,
    block_public_policy: true,
    restrict_public_buckets: true,
};

/// The sample trail bucket, locked down.
#[must_use]
pub fn bucket() -> BucketDetails {
    let r = "us-east-1";
    BucketDetails {
        location: ok("s3:GetBucketLocation", r, "us-east-1".to_owned()),
        public_access_block: ok("s3:GetBucketPublicAccessBlock", r, ALL_BLOCKED),
        policy_status: ok("s3:GetBucketPolicyStatus", r, false),
        policy: ok("s3:GetBucketPolicy", r, POLICY.to_owned()),
        acl: ok(
            "s3:GetBucketAcl",
            r,
            vec![Grant {
                grantee_type: "CanonicalUser".to_owned(),
                uri: None,
                id: Some(
                    "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be".to_owned(),
                ),
                permission: "FULL_CONTROL".to_owned(),
            }],
        ),
        ownership_controls: ok(
            "s3:GetBucketOwnershipControls",
            r,
            "BucketOwnerEnforced".to_owned(),
        ),
        logging: ok(
            "s3:GetBucketLogging",
            r,
            Some(LoggingTarget {
                bucket: "trailproof-sample-access-logs".to_owned(),
                prefix: "trailproof-sample/".to_owned(),
            }),
        ),
        versioning: ok(
            "s3:GetBucketVersioning",
            r,
            Versioning {
                status: Some("Enabled".to_owned()),
                mfa_delete: Some("Enabled".to_owned()),
            },
        ),
        object_lock: ok(
            "s3:GetBucketObjectLockConfiguration",
            r,
            ObjectLock {
                enabled: true,
                mode: Some("COMPLIANCE".to_owned()),
                days: Some(400),
                years: None,
            },
        ),
        lifecycle: ok(
            "s3:GetLifecycleConfiguration",
            r,
            vec![LifecycleRule {
                id: Some("archive-after-120-days".to_owned()),
                status: "Enabled".to_owned(),
                prefix: Some("AWSLogs/".to_owned()),
                narrowed: false,
                expiration_days: None,
                expiration_date: None,
                transitions: vec![Transition {
                    days: Some(120),
                    date: None,
                    storage_class: "GLACIER".to_owned(),
                }],
                noncurrent_expiration_days: Some(30),
            }],
        ),
        encryption: ok(
            "s3:GetEncryptionConfiguration",
            r,
            vec!["aws:kms".to_owned()],
        ),
    }
}

/// A metric filter implementing each CIS monitoring item, in the benchmark's pattern form.
#[must_use]
pub fn cis_filters() -> Vec<MetricFilter> {
    CIS_ITEMS
        .iter()
        .map(|item| {
            let clauses: Vec<String> = item
                .clauses
                .iter()
                .map(|c| {
                    let readable = c
                        .replace('=', " = ")
                        .replace("! = ", " != ")
                        .replace("NOTEXISTS", " NOT EXISTS")
                        .replace("Failedauthentication", "\"Failed authentication\"");
                    format!("({readable})")
                })
                .collect();
            let joiner = if item.clauses.iter().all(|c| c.starts_with("$.eventName")) {
                " || "
            } else {
                " && "
            };
            MetricFilter {
                name: format!("cis-{}", item.id),
                pattern: format!("{{ {} }}", clauses.join(joiner)),
                metrics: vec![MetricName {
                    namespace: "CISBenchmark".to_owned(),
                    name: format!("cis-{}", item.id),
                }],
            }
        })
        .collect()
}

/// The whole compliant sample snapshot.
#[must_use]
#[allow(clippy::too_many_lines)] // one literal of data
pub fn compliant() -> Snapshot {
    let regions = ["eu-west-1", "us-east-1"];
    let mut describe = BTreeMap::new();
    let mut lake = BTreeMap::new();
    for r in regions {
        describe.insert(
            r.to_owned(),
            ok("cloudtrail:DescribeTrails", r, vec![trail()]),
        );
        lake.insert(
            r.to_owned(),
            ok("cloudtrail:ListEventDataStores", r, vec![]),
        );
    }
    lake.insert(
        "us-east-1".to_owned(),
        ok(
            "cloudtrail:ListEventDataStores",
            "us-east-1",
            vec![EventDataStore {
                arn: format!("arn:aws:cloudtrail:us-east-1:{ACCOUNT}:eventdatastore/6f1d3e2a-0c4b-4a8e-9d7f-1b2c3d4e5f60"),
                name: "audit-lake".to_owned(),
                status: Some("ENABLED".to_owned()),
                kms_key_id: Some(KEY_ARN.to_owned()),
                retention_period: Some(2557),
                termination_protection_enabled: Some(true),
                multi_region_enabled: Some(true),
                organization_enabled: Some(false),
            }],
        ),
    );
    let home = "us-east-1";
    let trails = BTreeMap::from([(
        TRAIL_ARN.to_owned(),
        TrailDetails {
            trail: trail(),
            seen_in: regions.iter().map(|r| (*r).to_owned()).collect(),
            status: ok("cloudtrail:GetTrailStatus", home, status()),
            event_selectors: ok("cloudtrail:GetEventSelectors", home, selectors()),
            insight_selectors: ok(
                "cloudtrail:GetInsightSelectors",
                home,
                vec![
                    "ApiCallRateInsight".to_owned(),
                    "ApiErrorRateInsight".to_owned(),
                ],
            ),
            tags: ok(
                "cloudtrail:ListTags",
                home,
                BTreeMap::from([("owner".to_owned(), "security".to_owned())]),
            ),
        },
    )]);
    let filters = cis_filters();
    let alarms: Vec<Alarm> = filters
        .iter()
        .map(|f| Alarm {
            name: format!("{}-alarm", f.name),
            namespace: Some("CISBenchmark".to_owned()),
            metric_name: Some(f.name.clone()),
            actions_enabled: true,
            alarm_actions: vec![TOPIC_ARN.to_owned()],
        })
        .collect();
    Snapshot {
        schema: SCHEMA.to_owned(),
        tool_version: "sample".to_owned(),
        taken_at: TAKEN_AT.to_owned(),
        partition: "aws".to_owned(),
        identity: ok(
            "sts:GetCallerIdentity",
            home,
            Identity {
                account: ACCOUNT.to_owned(),
                arn: format!("arn:aws:sts::{ACCOUNT}:assumed-role/audit/trailproof"),
            },
        ),
        regions: ok(
            "account:ListRegions",
            home,
            vec![
                RegionState {
                    name: "af-south-1".to_owned(),
                    status: "DISABLED".to_owned(),
                },
                RegionState {
                    name: "eu-west-1".to_owned(),
                    status: "ENABLED_BY_DEFAULT".to_owned(),
                },
                RegionState {
                    name: "us-east-1".to_owned(),
                    status: "ENABLED_BY_DEFAULT".to_owned(),
                },
            ],
        ),
        scanned_regions: regions.iter().map(|r| (*r).to_owned()).collect(),
        regions_limited: false,
        organization: absent(
            "organizations:DescribeOrganization",
            home,
            "AWSOrganizationsNotInUseException",
        ),
        describe_trails: describe,
        trails,
        list_buckets: ok(
            "s3:ListAllMyBuckets",
            home,
            vec![
                BUCKET.to_owned(),
                "trailproof-sample-access-logs".to_owned(),
            ],
        ),
        account_public_access_block: ok("s3:GetAccountPublicAccessBlock", home, ALL_BLOCKED),
        buckets: BTreeMap::from([(BUCKET.to_owned(), bucket())]),
        keys: BTreeMap::from([(
            KEY_ARN.to_owned(),
            KeyDetails {
                describe: ok(
                    "kms:DescribeKey",
                    home,
                    KeyMetadata {
                        arn: KEY_ARN.to_owned(),
                        key_manager: "CUSTOMER".to_owned(),
                        key_state: "Enabled".to_owned(),
                        key_spec: "SYMMETRIC_DEFAULT".to_owned(),
                    },
                ),
                rotation: ok("kms:GetKeyRotationStatus", home, true),
            },
        )]),
        log_groups: BTreeMap::from([(
            LOG_GROUP_ARN.to_owned(),
            LogGroupDetails {
                region: home.to_owned(),
                name: "aws-cloudtrail-logs-sample".to_owned(),
                group: ok(
                    "logs:DescribeLogGroups",
                    home,
                    Some(LogGroup {
                        retention_in_days: Some(400),
                        kms_key_id: Some(KEY_ARN.to_owned()),
                    }),
                ),
                metric_filters: ok("logs:DescribeMetricFilters", home, filters),
            },
        )]),
        alarms: BTreeMap::from([(
            home.to_owned(),
            ok("cloudwatch:DescribeAlarms", home, alarms),
        )]),
        topics: BTreeMap::from([(
            TOPIC_ARN.to_owned(),
            ok(
                "sns:ListSubscriptionsByTopic",
                home,
                vec![Subscription {
                    arn: format!("{TOPIC_ARN}:2f0c6a4e-8b1d-4e3f-9a7c-5d6e7f8a9b0c"),
                    protocol: "email".to_owned(),
                    endpoint: "soc@example.com".to_owned(),
                }],
            ),
        )]),
        event_data_stores: lake,
        iam_policies: ok(
            "iam:GetAccountAuthorizationDetails",
            home,
            vec![IamPolicy {
                arn: format!("arn:aws:iam::{ACCOUNT}:policy/CloudTrailReadOnly"),
                kind: "managed".to_owned(),
                attached_to: vec![format!("arn:aws:iam::{ACCOUNT}:role/auditor")],
                document: serde_json::json!({
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Action": ["cloudtrail:Describe*", "cloudtrail:Get*", "cloudtrail:LookupEvents"],
                        "Resource": "*"
                    }]
                }),
            }],
        ),
    }
}
