//! `trailproof check` and `trailproof snapshot` end to end: the real binary against the moto
//! server on loopback (started by `scripts/test`, which exports `TRAILPROOF_TEST_ENDPOINT`).
//!
//! Account-level controls (CT-01, CT-02, CT-03, CT-28 …) look at everything in an account,
//! and the tests run in parallel against one server, so every test works in an account of
//! its own: it assumes `arn:aws:iam::<id>:role/audit` with moto's default credentials (moto
//! then treats the temporary credentials as account `<id>`), builds the account through the
//! SDK with those credentials, and runs the binary with them.
//!
//! What moto cannot model, and so what these tests expect instead of a PASS:
//! * `GetTrailStatus` never reports `LatestDigestDeliveryTime` or
//!   `LatestCloudWatchLogsDeliveryTime`; CT-06 accepts that only while the trail started
//!   less than the delivery threshold ago, which a freshly built account always did (the
//!   stale and failing cases are snapshot fixtures in `tests/check.rs`).
//! * `GetBucketVersioning` never reports `MFADelete`, so CT-13 fails (compensated by Object
//!   Lock when there is one). moto 5.2.5 also names the root element of that answer
//!   `GetBucketVersioningResponse`, which the Rust SDK rejects; the harness rewrites it, and
//!   `Account::versioning_readable` asserts that it does.
//! * S3 Control puts the account id in the host name, which a loopback endpoint cannot serve,
//!   so the account-level Block Public Access is always unknown: a bucket is proven private
//!   only by its own Block Public Access, and a public grant is an ERROR, not a FAIL.
//! * Every SNS subscription is confirmed; `ListEventDataStores` is always empty.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::too_many_lines,
    clippy::many_single_char_names
)] // test code

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_cloudtrail::types::{
    AdvancedEventSelector, AdvancedFieldSelector, EventSelector, InsightSelector, InsightType,
    ReadWriteType, Tag,
};
use aws_sdk_s3::config::Credentials;
use aws_sdk_s3::types::{
    BucketCannedAcl, BucketLifecycleConfiguration, BucketLocationConstraint, BucketLoggingStatus,
    BucketVersioningStatus, CreateBucketConfiguration, DefaultRetention, ExpirationStatus,
    LifecycleExpiration, LifecycleRule, LifecycleRuleFilter, LoggingEnabled, MfaDelete,
    ObjectLockConfiguration, ObjectLockEnabled, ObjectLockRetentionMode, ObjectLockRule,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Transition,
    TransitionStorageClass, VersioningConfiguration,
};
use serde_json::{Value, json};
use trailproof::controls::monitoring::CIS_ITEMS;

/// The regions the tests scan (except the one about the default).
const REGIONS: &str = "us-east-1,eu-west-1";

fn endpoint() -> String {
    std::env::var("TRAILPROOF_TEST_ENDPOINT").unwrap_or_else(|_| {
        panic!("TRAILPROOF_TEST_ENDPOINT is not set: run the suite with scripts/test, which starts the moto server")
    })
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_trailproof"))
}

/// Six digits of this run, so that reruns against a long-lived server get fresh accounts.
#[allow(clippy::disallowed_methods)] // a nonce, not a time the code under test sees
fn run_prefix() -> &'static str {
    static PREFIX: OnceLock<String> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_nanos();
        format!(
            "{:06}",
            (nanos ^ u128::from(std::process::id())) % 1_000_000
        )
    })
}

async fn sdk_config(creds: Credentials) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(creds)
        .endpoint_url(endpoint())
        .load()
        .await
}

/// A client of one service in one region of the account.
macro_rules! client {
    ($name:ident, $krate:ident) => {
        fn $name(&self, region: &str) -> $krate::Client {
            $krate::Client::from_conf(
                $krate::config::Builder::from(&self.conf)
                    .region($krate::config::Region::new(region.to_owned()))
                    .build(),
            )
        }
    };
}

/// One moto account of one test, and its temporary credentials.
struct Account {
    id: String,
    creds: Credentials,
    conf: aws_config::SdkConfig,
}

/// What `trailproof check --format json` said.
struct Checked {
    code: i32,
    report: Value,
    account: String,
}

impl Account {
    /// Assumes `role/audit` in the account numbered `n` (unique per test) and checks that
    /// moto treats the temporary credentials as that account.
    async fn new(n: u32) -> Self {
        let id = format!("{}{n:06}", run_prefix());
        let base = sdk_config(Credentials::new("testing", "testing", None, None, "test")).await;
        let out = aws_sdk_sts::Client::new(&base)
            .assume_role()
            .role_arn(format!("arn:aws:iam::{id}:role/audit"))
            .role_session_name("trailproof-test")
            .send()
            .await
            .expect("assume role");
        let c = out.credentials().expect("temporary credentials");
        let creds = Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_owned()),
            None,
            "assumed",
        );
        let conf = sdk_config(creds.clone()).await;
        let who = aws_sdk_sts::Client::new(&conf)
            .get_caller_identity()
            .send()
            .await
            .expect("caller identity");
        assert_eq!(
            who.account(),
            Some(id.as_str()),
            "moto did not switch account"
        );
        Self { id, creds, conf }
    }

    client!(ct, aws_sdk_cloudtrail);
    client!(kms, aws_sdk_kms);
    client!(logs, aws_sdk_cloudwatchlogs);
    client!(cloudwatch, aws_sdk_cloudwatch);
    client!(sns, aws_sdk_sns);
    client!(iam, aws_sdk_iam);

    fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&self.conf)
                .region(aws_sdk_s3::config::Region::new(region.to_owned()))
                .force_path_style(true)
                .build(),
        )
    }

    fn bucket_name(&self, what: &str) -> String {
        format!("tp-{}-{what}", self.id)
    }

    /// Runs the binary with this account's credentials: (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(bin())
            .args(args)
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_DEFAULT_PROFILE")
            .env("AWS_ACCESS_KEY_ID", self.creds.access_key_id())
            .env("AWS_SECRET_ACCESS_KEY", self.creds.secret_access_key())
            .env(
                "AWS_SESSION_TOKEN",
                self.creds.session_token().expect("session token"),
            )
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .output()
            .expect("run trailproof");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// `check --format json` live, in `regions` (None: the default, every enabled region).
    fn check(&self, regions: Option<&str>, extra: &[&str]) -> Checked {
        let ep = endpoint();
        let mut args = vec!["check", "--format", "json", "--endpoint-url", &ep];
        if let Some(r) = regions {
            args.extend(["--regions", r]);
        }
        args.extend(extra);
        self.checked(&args)
    }

    fn checked(&self, args: &[&str]) -> Checked {
        let (code, stdout, stderr) = self.run(args);
        let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!("check printed no JSON ({e}); exit {code}; stderr:\n{stderr}\nstdout:\n{stdout}")
        });
        if std::env::var_os("TRAILPROOF_TEST_DUMP").is_some() {
            eprintln!("{report:#}");
        }
        assert_eq!(report["exit_code"], code, "exit code vs report");
        assert_eq!(report["account"], self.id.as_str());
        // The summary counts the (unwaived) results by status.
        let results = report["results"].as_array().expect("results");
        for (status, n) in report["summary"].as_object().expect("summary") {
            if status != "WAIVED" {
                let counted = results.iter().filter(|r| r["status"] == *status).count();
                assert_eq!(n, counted, "summary {status}");
            }
        }
        Checked {
            code,
            report,
            account: self.id.clone(),
        }
    }

    // ---- building blocks ----------------------------------------------------------

    /// A bucket in us-east-1 (or another region), optionally with Object Lock.
    async fn bucket(&self, name: &str, region: &str, object_lock: bool) {
        let mut req = self
            .s3(region)
            .create_bucket()
            .bucket(name)
            .object_lock_enabled_for_bucket(object_lock);
        if region != "us-east-1" {
            req = req.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region))
                    .build(),
            );
        }
        req.send().await.expect("create bucket");
    }

    /// A customer managed key with rotation on; its ARN.
    async fn key(&self, region: &str) -> String {
        let kms = self.kms(region);
        let out = kms
            .create_key()
            .description("trail logs")
            .send()
            .await
            .expect("create key");
        let meta = out.key_metadata().expect("key metadata");
        kms.enable_key_rotation()
            .key_id(meta.key_id())
            .send()
            .await
            .expect("enable rotation");
        meta.arn().expect("key arn").to_owned()
    }

    /// A log group in us-east-1; its ARN in the form `CloudTrail` expects (`…:*`).
    async fn log_group(&self, name: &str, kms: Option<&str>, retention: Option<i32>) -> String {
        let logs = self.logs("us-east-1");
        logs.create_log_group()
            .log_group_name(name)
            .set_kms_key_id(kms.map(ToOwned::to_owned))
            .send()
            .await
            .expect("create log group");
        if let Some(days) = retention {
            logs.put_retention_policy()
                .log_group_name(name)
                .retention_in_days(days)
                .send()
                .await
                .expect("retention");
        }
        format!("arn:aws:logs:us-east-1:{}:log-group:{name}:*", self.id)
    }

    /// A role `CloudTrail` could assume (for `CloudWatchLogsRoleArn`); its ARN.
    async fn role(&self, name: &str) -> String {
        let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
        self.iam("us-east-1")
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .expect("create role")
            .role()
            .expect("role")
            .arn()
            .to_owned()
    }

    /// A customer managed policy; its ARN.
    async fn policy(&self, name: &str, document: &Value) -> String {
        self.iam("us-east-1")
            .create_policy()
            .policy_name(name)
            .policy_document(document.to_string())
            .send()
            .await
            .expect("create policy")
            .policy()
            .and_then(|p| p.arn())
            .expect("policy arn")
            .to_owned()
    }

    async fn trail(&self, t: TrailSpec<'_>) -> String {
        let ct = self.ct(t.region);
        let mut req = ct
            .create_trail()
            .name(t.name)
            .s3_bucket_name(t.bucket)
            .is_multi_region_trail(t.multi_region)
            .include_global_service_events(true)
            .enable_log_file_validation(t.validation)
            .set_kms_key_id(t.kms.map(ToOwned::to_owned));
        if let Some((group, role)) = t.logs {
            req = req
                .cloud_watch_logs_log_group_arn(group)
                .cloud_watch_logs_role_arn(role);
        }
        for (k, v) in t.tags {
            req = req.tags_list(Tag::builder().key(*k).value(*v).build().expect("tag"));
        }
        let arn = req
            .send()
            .await
            .expect("create trail")
            .trail_arn()
            .expect("trail arn")
            .to_owned();
        if t.start {
            ct.start_logging()
                .name(t.name)
                .send()
                .await
                .expect("start logging");
        }
        arn
    }

    async fn stop(&self, region: &str, name: &str) {
        self.ct(region)
            .stop_logging()
            .name(name)
            .send()
            .await
            .expect("stop logging");
    }
}

/// What to create a trail with.
#[derive(Clone, Copy)]
struct TrailSpec<'a> {
    name: &'a str,
    region: &'a str,
    bucket: &'a str,
    multi_region: bool,
    validation: bool,
    kms: Option<&'a str>,
    logs: Option<(&'a str, &'a str)>,
    tags: &'a [(&'a str, &'a str)],
    start: bool,
}

impl<'a> TrailSpec<'a> {
    /// A multi-Region trail in us-east-1 with nothing else, started.
    fn plain(name: &'a str, bucket: &'a str) -> Self {
        Self {
            name,
            region: "us-east-1",
            bucket,
            multi_region: true,
            validation: false,
            kms: None,
            logs: None,
            tags: &[],
            start: true,
        }
    }
}

fn field(name: &str, equals: &[&str]) -> AdvancedFieldSelector {
    let mut b = AdvancedFieldSelector::builder().field(name);
    for v in equals {
        b = b.equals(*v);
    }
    b.build().expect("field selector")
}

fn advanced(name: &str, fields: Vec<AdvancedFieldSelector>) -> AdvancedEventSelector {
    AdvancedEventSelector::builder()
        .name(name)
        .set_field_selectors(Some(fields))
        .build()
        .expect("advanced selector")
}

/// A metric filter pattern for a CIS item: the benchmark's own text where it has quotes
/// and spacing worth testing, else every clause of `CIS_ITEMS` as `($.field = value)`.
fn cis_pattern(id: &str, clauses: &[&str]) -> String {
    match id {
        "4.1" => r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }"#.to_owned(),
        "4.2" => r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#.to_owned(),
        "4.3" => r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#.to_owned(),
        "4.5" => "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }".to_owned(),
        "4.6" => r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#.to_owned(),
        _ => {
            let parts: Vec<String> = clauses
                .iter()
                .map(|c| {
                    let (k, v) = c.split_once('=').expect("clause has =");
                    format!("({k} = {v})")
                })
                .collect();
            format!("{{ {} }}", parts.join(" || "))
        }
    }
}

/// Names in the compliant account.
struct Compliant {
    bucket: String,
    access_bucket: String,
    key: String,
    group: String,
    trail: String,
    topic: String,
    policy: String,
}

impl Account {
    /// Every best practice moto can model (see the module docs for what it cannot).
    async fn build_compliant(&self) -> Compliant {
        let bucket = self.bucket_name("trail");
        let access_bucket = self.bucket_name("access");
        let trail_name = "main";
        let trail_arn = format!(
            "arn:aws:cloudtrail:us-east-1:{}:trail/{trail_name}",
            self.id
        );
        let key = self.key("us-east-1").await;
        self.bucket(&bucket, "us-east-1", true).await;
        self.bucket(&access_bucket, "us-east-1", false).await;
        let s3 = self.s3("us-east-1");
        let access_policy = json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "S3ServerAccessLogs", "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
            "Resource": format!("arn:aws:s3:::{access_bucket}/*")}]});
        s3.put_bucket_policy()
            .bucket(&access_bucket)
            .policy(access_policy.to_string())
            .send()
            .await
            .expect("access log bucket policy");
        let policy = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:GetBucketAcl",
             "Resource": format!("arn:aws:s3:::{bucket}"),
             "Condition": {"StringEquals": {"aws:SourceArn": trail_arn}}},
            {"Sid": "AWSCloudTrailWrite", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
             "Resource": format!("arn:aws:s3:::{bucket}/AWSLogs/{}/*", self.id),
             "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                            "aws:SourceArn": trail_arn}}}]});
        s3.put_bucket_policy()
            .bucket(&bucket)
            .policy(policy.to_string())
            .send()
            .await
            .expect("bucket policy");
        s3.put_public_access_block()
            .bucket(&bucket)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .send()
            .await
            .expect("public access block");
        s3.put_bucket_logging()
            .bucket(&bucket)
            .bucket_logging_status(
                BucketLoggingStatus::builder()
                    .logging_enabled(
                        LoggingEnabled::builder()
                            .target_bucket(&access_bucket)
                            .target_prefix("trail-bucket/")
                            .build()
                            .expect("logging"),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("bucket logging");
        // moto accepts MFA Delete but never reports it back (CT-13 then fails).
        s3.put_bucket_versioning()
            .bucket(&bucket)
            .mfa(format!(
                "arn:aws:iam::{}:mfa/root-account-mfa-device 123456",
                self.id
            ))
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .mfa_delete(MfaDelete::Enabled)
                    .build(),
            )
            .send()
            .await
            .expect("versioning");
        s3.put_object_lock_configuration()
            .bucket(&bucket)
            .object_lock_configuration(
                ObjectLockConfiguration::builder()
                    .object_lock_enabled(ObjectLockEnabled::Enabled)
                    .rule(
                        ObjectLockRule::builder()
                            .default_retention(
                                DefaultRetention::builder()
                                    .mode(ObjectLockRetentionMode::Compliance)
                                    .days(400)
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("object lock");
        s3.put_bucket_lifecycle_configuration()
            .bucket(&bucket)
            .lifecycle_configuration(
                BucketLifecycleConfiguration::builder()
                    .rules(
                        LifecycleRule::builder()
                            .id("archive-after-120-days")
                            .status(ExpirationStatus::Enabled)
                            .filter(LifecycleRuleFilter::builder().prefix("AWSLogs/").build())
                            .transitions(
                                Transition::builder()
                                    .days(120)
                                    .storage_class(TransitionStorageClass::Glacier)
                                    .build(),
                            )
                            .build()
                            .expect("rule"),
                    )
                    .build()
                    .expect("lifecycle"),
            )
            .send()
            .await
            .expect("lifecycle");
        s3.put_bucket_encryption()
            .bucket(&bucket)
            .server_side_encryption_configuration(
                ServerSideEncryptionConfiguration::builder()
                    .rules(
                        ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(
                                ServerSideEncryptionByDefault::builder()
                                    .sse_algorithm(ServerSideEncryption::AwsKms)
                                    .kms_master_key_id(&key)
                                    .build()
                                    .expect("sse default"),
                            )
                            .build(),
                    )
                    .build()
                    .expect("sse"),
            )
            .send()
            .await
            .expect("bucket encryption");

        let group_name = format!("/tp/{}/trail", self.id);
        let group = self.log_group(&group_name, Some(&key), Some(400)).await;
        let topic = self.alerting(&group_name).await;

        let logs_role = self.role("cloudtrail-to-logs").await;
        let trail = self
            .trail(TrailSpec {
                validation: true,
                kms: Some(&key),
                logs: Some((&group, &logs_role)),
                tags: &[("team", "security")],
                ..TrailSpec::plain(trail_name, &bucket)
            })
            .await;
        assert_eq!(trail, trail_arn);
        let ct = self.ct("us-east-1");
        ct.put_event_selectors()
            .trail_name(trail_name)
            .advanced_event_selectors(advanced(
                "Management events selector",
                vec![field("eventCategory", &["Management"])],
            ))
            .advanced_event_selectors(advanced(
                "S3 objects, except the log bucket",
                vec![
                    field("eventCategory", &["Data"]),
                    field("resources.type", &["AWS::S3::Object"]),
                    AdvancedFieldSelector::builder()
                        .field("resources.ARN")
                        .not_starts_with(format!("arn:aws:s3:::{bucket}/"))
                        .build()
                        .expect("field selector"),
                ],
            ))
            .advanced_event_selectors(advanced(
                "Lambda",
                vec![
                    field("eventCategory", &["Data"]),
                    field("resources.type", &["AWS::Lambda::Function"]),
                ],
            ))
            .send()
            .await
            .expect("event selectors");
        ct.put_insight_selectors()
            .trail_name(trail_name)
            .insight_selectors(
                InsightSelector::builder()
                    .insight_type(InsightType::ApiCallRateInsight)
                    .build(),
            )
            .insight_selectors(
                InsightSelector::builder()
                    .insight_type(InsightType::ApiErrorRateInsight)
                    .build(),
            )
            .send()
            .await
            .expect("insight selectors");

        let read_only = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["cloudtrail:Describe*", "cloudtrail:Get*", "cloudtrail:LookupEvents"],
            "Resource": "*"}]});
        let policy = self.policy("trail-readonly", &read_only).await;
        self.role("auditor").await;
        self.iam("us-east-1")
            .attach_role_policy()
            .role_name("auditor")
            .policy_arn(&policy)
            .send()
            .await
            .expect("attach role policy");

        Compliant {
            bucket,
            access_bucket,
            key,
            group,
            trail,
            topic,
            policy,
        }
    }

    /// A metric filter, an alarm and a confirmed SNS subscriber per CIS item on the log
    /// group; the topic ARN.
    async fn alerting(&self, group_name: &str) -> String {
        let sns = self.sns("us-east-1");
        let topic = sns
            .create_topic()
            .name("tp-alerts")
            .send()
            .await
            .expect("create topic")
            .topic_arn()
            .expect("topic arn")
            .to_owned();
        sns.subscribe()
            .topic_arn(&topic)
            .protocol("sqs")
            .endpoint(format!("arn:aws:sqs:us-east-1:{}:tp-alerts", self.id))
            .send()
            .await
            .expect("subscribe");
        let logs = self.logs("us-east-1");
        let cw = self.cloudwatch("us-east-1");
        for item in CIS_ITEMS {
            let name = format!("cis-{}", item.id.replace('.', "-"));
            logs.put_metric_filter()
                .log_group_name(group_name)
                .filter_name(&name)
                .filter_pattern(cis_pattern(item.id, item.clauses))
                .metric_transformations(
                    aws_sdk_cloudwatchlogs::types::MetricTransformation::builder()
                        .metric_namespace("CISBenchmark")
                        .metric_name(&name)
                        .metric_value("1")
                        .build()
                        .expect("transformation"),
                )
                .send()
                .await
                .expect("metric filter");
            cw.put_metric_alarm()
                .alarm_name(&name)
                .namespace("CISBenchmark")
                .metric_name(&name)
                .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
                .period(300)
                .evaluation_periods(1)
                .threshold(1.0)
                .comparison_operator(
                    aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanOrEqualToThreshold,
                )
                .alarm_actions(&topic)
                .send()
                .await
                .expect("metric alarm");
        }
        topic
    }
}

impl Checked {
    fn results(&self, id: &str) -> Vec<&Value> {
        self.report["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter(|r| r["control_id"] == id)
            .collect()
    }

    /// The only result of a control.
    fn one(&self, id: &str) -> &Value {
        let r = self.results(id);
        assert_eq!(r.len(), 1, "{id}: {r:#?}");
        r[0]
    }

    /// The result of a control for a resource.
    fn of(&self, id: &str, resource: &str) -> &Value {
        let r: Vec<&Value> = self
            .results(id)
            .into_iter()
            .filter(|r| {
                r["resource"]
                    .as_str()
                    .map(|x| x.replace(&self.account, "ACCOUNT"))
                    == Some(resource.replace(&self.account, "ACCOUNT"))
            })
            .collect();
        assert_eq!(r.len(), 1, "{id} {resource}: {r:#?}");
        r[0]
    }

    fn reason(&self, id: &str) -> String {
        self.one(id)["reason"]
            .as_str()
            .expect("reason")
            .replace(&self.account, "ACCOUNT")
    }

    /// The reason of a control's result for a resource, the account id as `ACCOUNT`.
    fn reason_of(&self, id: &str, resource: &str) -> String {
        self.of(id, resource)["reason"]
            .as_str()
            .expect("reason")
            .replace(&self.account, "ACCOUNT")
    }

    /// One line per result: `CT-xx [check] resource STATUS severity`, the account id as
    /// `ACCOUNT`.
    fn table(&self) -> String {
        let lines: Vec<String> = self.report["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| {
                let check = r["check"]
                    .as_str()
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default();
                format!(
                    "{}{check} {} {} {}",
                    r["control_id"].as_str().expect("id"),
                    r["resource"].as_str().expect("resource"),
                    r["status"].as_str().expect("status"),
                    r["severity"].as_str().expect("severity"),
                )
                .replace(&self.account, "ACCOUNT")
            })
            .collect();
        lines.join("\n")
    }
}

/// Evidence of a result with this field.
fn evidence<'a>(result: &'a Value, field: &str) -> &'a Value {
    result["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .find(|e| e["field"] == field)
        .unwrap_or_else(|| panic!("no {field} evidence in {result:#}"))
}

/// Names in the noncompliant account.
struct Noncompliant {
    bucket: String,
    trail: String,
    policy: String,
    user: String,
}

impl Account {
    /// A stopped single-Region trail without validation, KMS or `CloudWatch` Logs, into a
    /// public bucket without logging or versioning that expires logs after 30 days; a
    /// customer managed policy with `cloudtrail:*` on `*` attached to a user.
    async fn build_noncompliant(&self) -> Noncompliant {
        let bucket = self.bucket_name("open");
        self.bucket(&bucket, "us-east-1", false).await;
        let s3 = self.s3("us-east-1");
        s3.put_bucket_acl()
            .bucket(&bucket)
            .acl(BucketCannedAcl::PublicRead)
            .send()
            .await
            .expect("public acl");
        let policy = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": format!("arn:aws:s3:::{bucket}/*")},
            {"Sid": "AWSCloudTrailWrite", "Effect": "Allow",
             "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "s3:PutObject",
             "Resource": format!("arn:aws:s3:::{bucket}/*")}]});
        s3.put_bucket_policy()
            .bucket(&bucket)
            .policy(policy.to_string())
            .send()
            .await
            .expect("bucket policy");
        s3.put_bucket_lifecycle_configuration()
            .bucket(&bucket)
            .lifecycle_configuration(
                BucketLifecycleConfiguration::builder()
                    .rules(
                        LifecycleRule::builder()
                            .id("expire-30")
                            .status(ExpirationStatus::Enabled)
                            .filter(LifecycleRuleFilter::builder().prefix("").build())
                            .expiration(LifecycleExpiration::builder().days(30).build())
                            .build()
                            .expect("rule"),
                    )
                    .build()
                    .expect("lifecycle"),
            )
            .send()
            .await
            .expect("lifecycle");
        let trail = self
            .trail(TrailSpec {
                multi_region: false,
                start: false,
                ..TrailSpec::plain("solo", &bucket)
            })
            .await;
        let admin = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "cloudtrail:*", "Resource": "*"}]});
        let policy = self.policy("trail-admin", &admin).await;
        let iam = self.iam("us-east-1");
        let user = iam
            .create_user()
            .user_name("ops")
            .send()
            .await
            .expect("create user")
            .user()
            .expect("user")
            .arn()
            .to_owned();
        iam.attach_user_policy()
            .user_name("ops")
            .policy_arn(&policy)
            .send()
            .await
            .expect("attach user policy");
        Noncompliant {
            bucket,
            trail,
            policy,
            user,
        }
    }

    /// A bucket for trails that are not about buckets.
    async fn plain_bucket(&self) -> String {
        let b = self.bucket_name("logs");
        self.bucket(&b, "us-east-1", false).await;
        b
    }

    /// Asserts the SDK can read `GetBucketVersioning` from this server (moto 5.2.5 answers
    /// with the root element `GetBucketVersioningResponse`, which the harness rewrites to
    /// `VersioningConfiguration`).
    async fn versioning_readable(&self, bucket: &str) -> bool {
        let answer = self
            .s3("us-east-1")
            .get_bucket_versioning()
            .bucket(bucket)
            .send()
            .await;
        if let Err(e) = &answer {
            panic!(
                "the harness must make moto's GetBucketVersioning readable: {}",
                aws_sdk_s3::error::DisplayErrorContext(e)
            );
        }
        true
    }
}

/// CT-13's expected status and reason start, depending on [`Account::versioning_readable`].
fn ct13_expectation(readable: bool, bucket: &str, verdict: &str) -> (&'static str, String) {
    if readable {
        ("FAIL", format!("bucket {bucket} {verdict}"))
    } else {
        (
            "ERROR",
            format!("bucket {bucket}: s3:GetBucketVersioning failed (HTTP 200: "),
        )
    }
}

/// The 15 CIS monitoring lines of a table: CT-20 (4.5) first, then CT-21 in item order.
fn cis_lines(status: &str) -> String {
    let line = |control: &str, id: &str| {
        format!("{control} cis-{id} arn:aws:cloudtrail:us-east-1:ACCOUNT:trail {status} medium")
    };
    std::iter::once(line("CT-20", "4.5"))
        .chain(
            CIS_ITEMS
                .iter()
                .filter(|i| i.id != "4.5")
                .map(|i| line("CT-21", i.id)),
        )
        .collect::<Vec<_>>()
        .join("\n")
}

/// The report without what differs between two runs over the same account: when each call
/// answered, its request id, when the snapshot was taken, and moto's `LatestDeliveryTime`
/// (moto sets it to "now" on every `GetTrailStatus`).
fn stable(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let volatile_time = m.get("field") == Some(&json!("LatestDeliveryTime"));
            Value::Object(
                m.iter()
                    .filter(|(k, _)| {
                        !matches!(k.as_str(), "at" | "request_id" | "snapshot_taken_at")
                    })
                    .filter(|(k, _)| !(volatile_time && k.as_str() == "value"))
                    .map(|(k, x)| (k.clone(), stable(x)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(stable).collect()),
        other => other.clone(),
    }
}

/// Every `action` value anywhere in a document.
fn actions(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(a)) = m.get("action") {
                out.insert(a.clone());
            }
            m.values().for_each(|x| actions(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| actions(x, out)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

/// Every best practice moto can model: everything passes except what moto cannot report
/// (digest and `CloudWatch` Logs delivery times, MFA Delete).
#[tokio::test]
async fn compliant_account() {
    let a = Account::new(1).await;
    let w = a.build_compliant().await;
    let c = a.check(Some(REGIONS), &[]);
    let b = "tp-ACCOUNT-trail";
    let (ct13, ct13_reason) = ct13_expectation(
        a.versioning_readable(&w.bucket).await,
        b,
        "is versioned but MFA Delete is off; compensated by Object Lock default retention (see CT-14)",
    );
    let key = w.key.replace(&a.id, "ACCOUNT");
    let expected = format!(
        "\
CT-01 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail PASS high
CT-02 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail PASS high
CT-03 arn:aws:cloudtrail:af-south-1:ACCOUNT:trail NOT_APPLICABLE high
CT-03 arn:aws:cloudtrail:eu-west-1:ACCOUNT:trail PASS high
CT-03 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail PASS high
CT-04 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail PASS medium
CT-05 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/main PASS medium
CT-06 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/main PASS high
CT-07 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail PASS medium
CT-08 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/main PASS medium
CT-09 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/main PASS medium
CT-10 {key} PASS medium
CT-11 arn:aws:s3:::{b} PASS critical
CT-12 arn:aws:s3:::{b} PASS medium
CT-13 arn:aws:s3:::{b} {ct13} medium
CT-14 arn:aws:s3:::{b} PASS medium
CT-15 arn:aws:s3:::{b} PASS low
CT-16 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/main NOT_APPLICABLE info
CT-17 arn:aws:s3:::{b} PASS medium
CT-18 arn:aws:logs:us-east-1:ACCOUNT:log-group:/tp/ACCOUNT/trail:* PASS medium
CT-19 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/main PASS low
{cis}
CT-22 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail PASS low
CT-23 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail PASS medium
CT-24 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail PASS medium
CT-25 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail PASS low
CT-26 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail NOT_APPLICABLE medium
CT-27 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/main PASS low
CT-28 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail PASS medium",
        cis = cis_lines("PASS"),
    );
    assert_eq!(c.table(), expected);
    assert_eq!(c.code, 1, "CT-13 fails under moto (no MFA Delete)");

    let t = "arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/main";
    assert_eq!(w.trail.replace(&a.id, "ACCOUNT"), t);
    assert_eq!(c.reason("CT-01"), format!("trail {t} is logging"));
    assert_eq!(
        c.reason("CT-02"),
        format!(
            "multi-Region trail {t} is logging all read and write management events with no exclusions"
        )
    );
    assert_eq!(
        c.results("CT-03")[0]["reason"],
        "region af-south-1 is not enabled",
        "CT-03 results come sorted by resource"
    );
    assert_eq!(
        c.reason_of("CT-03", "arn:aws:cloudtrail:eu-west-1:ACCOUNT:trail"),
        format!("region eu-west-1 is covered by logging trail {t}")
    );
    // moto never delivers digest files or CloudWatch Logs events; the trail started just now.
    assert_eq!(
        c.reason("CT-06"),
        format!("trail {t} reports no delivery errors and recent deliveries")
    );
    assert_eq!(
        evidence(c.one("CT-06"), "LatestDigestDeliveryTime")["value"],
        Value::Null
    );
    assert!(evidence(c.one("CT-06"), "LatestDeliveryTime")["value"].is_string());
    assert_eq!(
        c.reason("CT-07"),
        format!("trail {t} meets CT-02, CT-04, CT-08 and CT-09 together")
    );
    assert_eq!(
        c.reason("CT-09"),
        format!("trail {t} encrypts logs with KMS key {key}")
    );
    assert_eq!(
        c.reason("CT-10"),
        format!("KMS key {key} is an enabled, rotated, customer managed symmetric key")
    );
    // The account-level Block Public Access cannot be read through the loopback endpoint;
    // the bucket's own settings alone make the bucket private.
    assert_eq!(
        c.reason("CT-11"),
        format!(
            "bucket {b}: Block Public Access ignores public ACLs and restricts public policies"
        )
    );
    let ct11 = c.one("CT-11");
    assert_eq!(
        evidence(ct11, "PublicAccessBlockConfiguration")["value"],
        json!({"block_public_acls": true, "ignore_public_acls": true,
               "block_public_policy": true, "restrict_public_buckets": true})
    );
    let account_pab = evidence(ct11, "error");
    assert_eq!(account_pab["source"], "s3:GetAccountPublicAccessBlock");
    assert!(account_pab["value"]["failed"].is_string(), "{ct11:#}");
    assert_eq!(
        c.reason("CT-12"),
        format!("bucket {b} has server access logging to tp-ACCOUNT-access")
    );
    assert_eq!(
        evidence(c.one("CT-12"), "TargetBucket")["value"],
        w.access_bucket.as_str()
    );
    assert!(
        c.reason("CT-13").starts_with(&ct13_reason),
        "{}",
        c.reason("CT-13")
    );
    assert_eq!(
        c.reason("CT-14"),
        format!("bucket {b} has Object Lock, default retention COMPLIANCE 400 days")
    );
    assert_eq!(
        c.reason("CT-15"),
        format!("bucket {b} policy denies requests without TLS (statement DenyInsecureTransport)")
    );
    assert_eq!(
        c.reason("CT-16"),
        format!(
            "trail {t} delivers to bucket {b} in this same account; a separate log-archive account is not required by the configuration (require_separate_log_account)"
        )
    );
    assert_eq!(
        c.reason("CT-17"),
        format!(
            "bucket {b}: no lifecycle rule on the trail prefix expires logs before 365 days or archives them before 90 days; Object Lock keeps them 400 days"
        )
    );
    assert_eq!(
        evidence(c.one("CT-17"), "Rule")["value"]["transitions"],
        json!([{"days": 120, "date": null, "storage_class": "GLACIER"}])
    );
    assert_eq!(
        c.reason("CT-18"),
        "log group /tp/ACCOUNT/trail: events are kept 400 days and are KMS-encrypted"
    );
    assert_eq!(
        evidence(c.one("CT-18"), "kmsKeyId")["value"],
        w.key.as_str()
    );
    assert_eq!(
        c.reason("CT-19"),
        format!(
            "trail {t} delivers to CloudWatch Logs group {}",
            w.group.replace(&a.id, "ACCOUNT")
        )
    );
    let topic = w.topic.replace(&a.id, "ACCOUNT");
    assert_eq!(
        c.reason("CT-20"),
        format!(
            "CIS 4.5 CloudTrail configuration changes: metric filter cis-4-5 on /tp/ACCOUNT/trail, alarm cis-4-5, SNS topic {topic} with 1 confirmed subscription(s)"
        )
    );
    let root = c
        .results("CT-21")
        .into_iter()
        .find(|r| r["check"] == "cis-4.3")
        .expect("cis-4.3");
    assert_eq!(
        evidence(root, "filterPattern")["value"]["filterPattern"],
        cis_pattern("4.3", &[])
    );
    assert_eq!(
        c.reason("CT-22"),
        format!("logging trail {t} has Insights: ApiCallRateInsight, ApiErrorRateInsight")
    );
    assert_eq!(
        c.reason("CT-23"),
        format!(
            "logging multi-Region trail {t} logs S3 object-level write events for all current and future resources, except arn:aws:s3:::{b}/"
        )
    );
    assert_eq!(
        c.reason("CT-24"),
        format!(
            "logging multi-Region trail {t} logs S3 object-level read events for all current and future resources, except arn:aws:s3:::{b}/"
        )
    );
    assert_eq!(
        c.reason("CT-25"),
        format!(
            "logging multi-Region trail {t} logs Lambda Invoke data events for all current and future resources"
        )
    );
    assert_eq!(
        c.reason("CT-26"),
        "no CloudTrail Lake event data store exists in the scanned regions"
    );
    assert_eq!(c.reason("CT-27"), format!("trail {t} is tagged (team)"));
    assert_eq!(
        evidence(c.one("CT-27"), "TagsList")["value"],
        json!({"team": "security"})
    );
    assert_eq!(
        c.reason("CT-28"),
        "none of 1 attached customer managed or inline policies allows stopping, deleting or reconfiguring every trail"
    );
    assert_eq!(
        evidence(c.one("CT-28"), "Policies")["value"],
        1,
        "only {} (attached to role/auditor) is counted",
        w.policy
    );
}

/// Every setting wrong: FAILs with the evidence that decided them, exit code 1.
#[tokio::test]
async fn noncompliant_account() {
    let a = Account::new(2).await;
    let w = a.build_noncompliant().await;
    let c = a.check(Some(REGIONS), &[]);
    let b = "tp-ACCOUNT-open";
    let (ct13, ct13_reason) = ct13_expectation(
        a.versioning_readable(&w.bucket).await,
        b,
        "is not versioned",
    );
    let expected = format!(
        "\
CT-01 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail FAIL high
CT-02 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail FAIL high
CT-03 arn:aws:cloudtrail:af-south-1:ACCOUNT:trail NOT_APPLICABLE high
CT-03 arn:aws:cloudtrail:eu-west-1:ACCOUNT:trail FAIL high
CT-03 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail FAIL high
CT-04 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail FAIL medium
CT-05 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/solo FAIL high
CT-06 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/solo PASS high
CT-07 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail FAIL medium
CT-08 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/solo FAIL medium
CT-09 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/solo FAIL medium
CT-10 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail NOT_APPLICABLE medium
CT-11 arn:aws:s3:::{b} ERROR critical
CT-12 arn:aws:s3:::{b} FAIL medium
CT-13 arn:aws:s3:::{b} {ct13} medium
CT-14 arn:aws:s3:::{b} FAIL medium
CT-15 arn:aws:s3:::{b} FAIL low
CT-16 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/solo NOT_APPLICABLE info
CT-17 arn:aws:s3:::{b} FAIL medium
CT-18 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail NOT_APPLICABLE medium
CT-19 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/solo FAIL low
{cis}
CT-22 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail FAIL low
CT-23 arn:aws:s3:::{b} FAIL medium
CT-24 arn:aws:s3:::{b} FAIL medium
CT-25 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail FAIL low
CT-26 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail NOT_APPLICABLE medium
CT-27 arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/solo FAIL low
CT-28 arn:aws:iam::ACCOUNT:policy/trail-admin FAIL medium",
        cis = cis_lines("FAIL"),
    );
    assert_eq!(c.table(), expected);
    assert_eq!(c.code, 1);

    let t = "arn:aws:cloudtrail:us-east-1:ACCOUNT:trail/solo";
    assert_eq!(c.reason("CT-01"), format!("trail {t} is stopped"));
    assert_eq!(c.reason("CT-02"), "no multi-Region trail exists");
    assert_eq!(
        c.reason_of("CT-03", "arn:aws:cloudtrail:eu-west-1:ACCOUNT:trail"),
        "no multi-Region trail and no trail homed in eu-west-1"
    );
    assert_eq!(
        c.reason_of("CT-03", "arn:aws:cloudtrail:us-east-1:ACCOUNT:trail"),
        format!("trail {t} is stopped")
    );
    // Never started: no StopLoggingTime, and High because no other trail covers CT-02.
    assert_eq!(
        c.reason("CT-05"),
        format!("trail {t} is stopped; no other trail logs all management events in every region")
    );
    assert_eq!(evidence(c.one("CT-05"), "IsLogging")["value"], false);
    assert_eq!(c.reason("CT-07"), format!("trail {t} is not multi-Region"));
    assert_eq!(
        c.reason("CT-08"),
        format!("trail {t} has log file validation disabled")
    );
    assert_eq!(
        c.reason("CT-09"),
        format!("trail {t} uses SSE-S3, not SSE-KMS")
    );
    // Public through the ACL and the policy, but the account-level Block Public Access
    // could not be read (S3 Control through a loopback endpoint), so not proven: ERROR.
    let ct11 = c.reason("CT-11");
    assert!(
        ct11.starts_with(&format!(
            "bucket {b} has a public grant (its ACL grants READ to http://acs.amazonaws.com/groups/global/AllUsers; AWS evaluates its bucket policy as public; policy statement PublicRead allows everyone without a restricting condition) but account-level Block Public Access unknown: s3:GetAccountPublicAccessBlock failed ("
        )),
        "{ct11}"
    );
    let ct11 = c.one("CT-11");
    assert_eq!(
        evidence(ct11, "Grant")["value"]["uri"],
        "http://acs.amazonaws.com/groups/global/AllUsers"
    );
    assert_eq!(evidence(ct11, "IsPublic")["value"], true);
    assert_eq!(evidence(ct11, "Statement")["value"], "PublicRead");
    assert_eq!(
        c.reason("CT-12"),
        format!("bucket {b} has no server access logging")
    );
    assert!(
        c.reason("CT-13").starts_with(&ct13_reason),
        "{}",
        c.reason("CT-13")
    );
    assert_eq!(
        c.reason("CT-14"),
        format!("bucket {b} has no Object Lock configuration")
    );
    assert_eq!(
        c.reason("CT-15"),
        format!(
            "bucket {b} policy has no Deny on aws:SecureTransport = false; CloudTrail grants AWSCloudTrailWrite carry no aws:SourceArn/aws:SourceAccount condition (confused-deputy risk)"
        )
    );
    assert_eq!(
        c.reason("CT-17"),
        format!("bucket {b}: rule expire-30 expires logs after 30 days (< 365)")
    );
    assert_eq!(
        evidence(c.one("CT-17"), "Rule")["value"]["expiration_days"],
        30
    );
    assert_eq!(
        c.reason("CT-18"),
        "no trail delivers to CloudWatch Logs (see CT-19)"
    );
    assert_eq!(
        c.reason("CT-19"),
        format!("trail {t} is not integrated with CloudWatch Logs")
    );
    assert_eq!(
        c.reason("CT-20"),
        "CIS 4.5 CloudTrail configuration changes: no multi-Region trail logs all management events (CT-02), so there is nothing to monitor"
    );
    assert_eq!(
        c.reason("CT-22"),
        format!("trail {t} has no Insights selectors")
    );
    assert_eq!(
        c.reason("CT-23"),
        format!("bucket {b}: S3 object-level write events are not logged (trail {t} is stopped)")
    );
    assert_eq!(c.reason("CT-27"), format!("trail {t} has no tags"));
    assert_eq!(
        c.reason("CT-28"),
        "managed policy arn:aws:iam::ACCOUNT:policy/trail-admin allows cloudtrail:StopLogging, cloudtrail:DeleteTrail, cloudtrail:UpdateTrail, cloudtrail:PutEventSelectors, cloudtrail:PutInsightSelectors on every trail (held by arn:aws:iam::ACCOUNT:user/ops)"
    );
    let doc = &evidence(c.one("CT-28"), "PolicyDocument")["value"];
    assert_eq!(doc["policy"], w.policy.as_str());
    assert_eq!(doc["attached_to"], json!([w.user]));
    assert_eq!(w.trail.replace(&a.id, "ACCOUNT"), t);
}

/// A basic selector logging only read-only management events (and excluding KMS):
/// CT-02 names the first shortfall in the spec's order; the evidence has the selector.
#[tokio::test]
async fn basic_read_only_selectors_fail_ct02() {
    let a = Account::new(3).await;
    let bucket = a.plain_bucket().await;
    let trail = a.trail(TrailSpec::plain("readonly", &bucket)).await;
    a.ct("us-east-1")
        .put_event_selectors()
        .trail_name("readonly")
        .event_selectors(
            EventSelector::builder()
                .read_write_type(ReadWriteType::ReadOnly)
                .include_management_events(true)
                .exclude_management_event_sources("kms.amazonaws.com")
                .build(),
        )
        .send()
        .await
        .expect("event selectors");
    let c = a.check(Some(REGIONS), &[]);
    let ct02 = c.one("CT-02");
    assert_eq!(ct02["status"], "FAIL");
    assert_eq!(
        ct02["reason"],
        format!("multi-Region trail {trail}: only read-only management events are logged")
    );
    assert_eq!(
        evidence(ct02, "EventSelectors")["value"]["basic"],
        json!([{"read_write_type": "ReadOnly", "include_management_events": true,
                "exclude_management_event_sources": ["kms.amazonaws.com"],
                "data_resources": []}])
    );
    // The same shortfall fails the roll-up, but some management events still cover every
    // region.
    assert_eq!(c.one("CT-07")["reason"], ct02["reason"]);
    for r in ["us-east-1", "eu-west-1"] {
        let ct03 = c.of("CT-03", &format!("arn:aws:cloudtrail:{r}:{}:trail", a.id));
        assert_eq!(ct03["status"], "PASS", "{ct03:#}");
    }
    assert_eq!(c.one("CT-01")["status"], "PASS");
    assert_eq!(c.code, 1);
}

/// A multi-Region trail homed in eu-west-1, listed in both scanned regions (a shadow copy
/// in us-east-1), is one trail: one result per per-trail control, in its home region.
#[tokio::test]
async fn shadow_copies_are_one_trail() {
    let a = Account::new(4).await;
    let bucket = a.bucket_name("eu");
    a.bucket(&bucket, "eu-west-1", false).await;
    let trail = a
        .trail(TrailSpec {
            region: "eu-west-1",
            ..TrailSpec::plain("everywhere", &bucket)
        })
        .await;
    assert!(trail.starts_with("arn:aws:cloudtrail:eu-west-1:"));
    let c = a.check(Some(REGIONS), &[]);
    for id in [
        "CT-05", "CT-06", "CT-08", "CT-09", "CT-16", "CT-19", "CT-27",
    ] {
        let r = c.one(id);
        assert_eq!(r["resource"], trail.as_str(), "{id}");
        assert_eq!(r["region"], "eu-west-1", "{id}");
    }
    assert_eq!(c.one("CT-05")["status"], "PASS");
    assert_eq!(
        c.one("CT-05")["reason"],
        format!("trail {trail} is logging")
    );
    for r in ["us-east-1", "eu-west-1"] {
        let ct03 = c.of("CT-03", &format!("arn:aws:cloudtrail:{r}:{}:trail", a.id));
        assert_eq!(ct03["status"], "PASS");
        assert_eq!(
            ct03["reason"],
            format!("region {r} is covered by logging trail {trail}")
        );
    }
    // Its status was read in its home region, by ARN.
    let logging = evidence(c.one("CT-05"), "IsLogging");
    assert_eq!(logging["source"], "cloudtrail:GetTrailStatus");
    assert_eq!(logging["region"], "eu-west-1");
    // The bucket was examined in its own region.
    assert_eq!(c.one("CT-11")["region"], "eu-west-1");
    assert_eq!(c.one("CT-04")["status"], "PASS");
    assert_eq!(
        c.one("CT-04")["reason"],
        format!("trail {trail} is logging global service events")
    );
}

/// CT-18: a group without retention never expires (PASS with a key); a 30-day group
/// without a key fails on both halves.
#[tokio::test]
async fn log_group_retention_and_encryption() {
    let a = Account::new(5).await;
    let bucket = a.plain_bucket().await;
    let key = a.key("us-east-1").await;
    let role = a.role("cloudtrail-to-logs").await;
    let forever = a.log_group("forever", Some(&key), None).await;
    let short = a.log_group("short", None, Some(30)).await;
    a.trail(TrailSpec {
        logs: Some((&forever, &role)),
        ..TrailSpec::plain("to-forever", &bucket)
    })
    .await;
    a.trail(TrailSpec {
        logs: Some((&short, &role)),
        ..TrailSpec::plain("to-short", &bucket)
    })
    .await;
    let c = a.check(Some(REGIONS), &[]);
    assert_eq!(c.results("CT-18").len(), 2);
    let r = c.of("CT-18", &forever);
    assert_eq!(r["status"], "PASS");
    assert_eq!(
        r["reason"],
        "log group forever: events never expire and are KMS-encrypted"
    );
    assert_eq!(evidence(r, "retentionInDays")["value"], Value::Null);
    assert_eq!(evidence(r, "kmsKeyId")["value"], key.as_str());
    let r = c.of("CT-18", &short);
    assert_eq!(r["status"], "FAIL");
    assert_eq!(
        r["reason"],
        "log group short: retention is 30 days (< 365); not encrypted with a KMS key"
    );
    assert_eq!(evidence(r, "retentionInDays")["value"], 30);
    assert_eq!(evidence(r, "kmsKeyId")["value"], Value::Null);
    for t in ["to-forever", "to-short"] {
        let arn = format!("arn:aws:cloudtrail:us-east-1:{}:trail/{t}", a.id);
        assert_eq!(c.of("CT-19", &arn)["status"], "PASS");
    }
}

/// `snapshot --out F`, then `check --snapshot F`, gives what a live `check` gives at the
/// same `--as-of`, with the same exit code.
#[tokio::test]
async fn snapshot_round_trip_equals_live_check() {
    let a = Account::new(6).await;
    let w = a.build_compliant().await;
    // S3 Control is unreachable through a loopback endpoint; GetBucketVersioning may be
    // unreadable (see `versioning_readable`).
    let failed_calls = if a.versioning_readable(&w.bucket).await {
        1
    } else {
        2
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("snap.json");
    let file = file.to_str().expect("utf-8 path");
    let ep = endpoint();
    let (code, _, stderr) = a.run(&[
        "snapshot",
        "--out",
        file,
        "--endpoint-url",
        &ep,
        "--regions",
        REGIONS,
    ]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "snapshot of account {} (2 regions) written to {file}",
            a.id
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{failed_calls} calls were denied or failed")),
        "{stderr}"
    );
    let snap: Value =
        serde_json::from_str(&std::fs::read_to_string(file).expect("snapshot")).expect("json");
    assert_eq!(snap["schema"], "trailproof.snapshot/1");
    assert_eq!(snap["scanned_regions"], json!(["eu-west-1", "us-east-1"]));
    assert_eq!(snap["regions_limited"], true);
    let as_of = snap["taken_at"].as_str().expect("taken_at").to_owned();

    let offline = a.checked(&[
        "check",
        "--snapshot",
        file,
        "--format",
        "json",
        "--as-of",
        &as_of,
    ]);
    let default_as_of = a.checked(&["check", "--snapshot", file, "--format", "json"]);
    let live = a.check(Some(REGIONS), &["--as-of", &as_of]);
    assert_eq!(offline.report["as_of"], as_of.as_str());
    assert_eq!(offline.report["snapshot_taken_at"], as_of.as_str());
    assert_eq!(default_as_of.report, offline.report);
    assert_eq!(live.report["as_of"], as_of.as_str());
    assert_eq!(stable(&offline.report), stable(&live.report));
    assert_eq!(offline.code, live.code);
    assert_eq!(offline.code, 1);
}

/// A trail that was started and stopped fails CT-05 with its `StopLoggingTime`; Medium, as
/// another trail satisfies CT-02.
#[tokio::test]
async fn stopped_trail_reports_stop_time() {
    let a = Account::new(7).await;
    let bucket = a.plain_bucket().await;
    let paused = a
        .trail(TrailSpec {
            multi_region: false,
            ..TrailSpec::plain("paused", &bucket)
        })
        .await;
    a.stop("us-east-1", "paused").await;
    let main = a.trail(TrailSpec::plain("main", &bucket)).await;
    let c = a.check(Some(REGIONS), &[]);
    let r = c.of("CT-05", &paused);
    assert_eq!(r["status"], "FAIL");
    assert_eq!(r["severity"], "medium");
    assert_eq!(evidence(r, "IsLogging")["value"], false);
    let stopped = evidence(r, "StopLoggingTime");
    assert_eq!(stopped["source"], "cloudtrail:GetTrailStatus");
    let when = stopped["value"].as_str().expect("StopLoggingTime");
    trailproof::time::parse_user_time(when).expect("an RFC 3339 time");
    assert_eq!(
        r["reason"],
        format!("trail {paused} is stopped since {when}")
    );
    let r = c.of("CT-05", &main);
    assert_eq!(r["status"], "PASS");
    assert_eq!(c.results("CT-05").len(), 2);
    assert_eq!(c.one("CT-01")["status"], "PASS");
    assert_eq!(c.code, 1);
}

/// Without `--regions` every enabled region of `account:ListRegions` (the harness's default
/// list) is scanned, and the disabled one is `NOT_APPLICABLE` for CT-03.
#[tokio::test]
async fn default_regions_are_the_enabled_ones() {
    let a = Account::new(8).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("snap.json");
    let file = file.to_str().expect("utf-8 path");
    let (code, _, stderr) = a.run(&["snapshot", "--out", file, "--endpoint-url", &endpoint()]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("(18 regions)"), "{stderr}");
    let snap: Value =
        serde_json::from_str(&std::fs::read_to_string(file).expect("snapshot")).expect("json");
    let enabled = json!([
        "ap-east-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ca-central-1",
        "eu-central-1",
        "eu-north-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2"
    ]);
    assert_eq!(snap["scanned_regions"], enabled);
    assert_eq!(snap["regions_limited"], false);
    assert_eq!(
        snap["describe_trails"]
            .as_object()
            .expect("describe_trails")
            .keys()
            .collect::<Vec<_>>(),
        enabled
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect::<Vec<_>>()
    );

    let c = a.checked(&["check", "--snapshot", file, "--format", "json"]);
    assert_eq!(c.report["regions"], enabled);
    let ct03 = c.results("CT-03");
    assert_eq!(ct03.len(), 19);
    let disabled = c.of(
        "CT-03",
        &format!("arn:aws:cloudtrail:af-south-1:{}:trail", a.id),
    );
    assert_eq!(disabled["status"], "NOT_APPLICABLE");
    assert_eq!(disabled["reason"], "region af-south-1 is not enabled");
    assert_eq!(evidence(disabled, "RegionOptStatus")["value"], "DISABLED");
    for r in enabled.as_array().unwrap() {
        let r = r.as_str().unwrap();
        let res = c.of("CT-03", &format!("arn:aws:cloudtrail:{r}:{}:trail", a.id));
        assert_eq!(res["status"], "FAIL", "{r}");
        assert_eq!(
            res["reason"],
            format!("no multi-Region trail and no trail homed in {r}")
        );
    }
    assert_eq!(
        c.one("CT-01")["reason"],
        "no trail exists in the scanned regions"
    );
    assert_eq!(c.code, 1);
}

/// `docs/iam/check-policy.json` allows exactly the calls a snapshot makes (`sts:
/// GetCallerIdentity` needs no permission). `cloudtrail:GetEventDataStore` is only called
/// for an existing Lake store, which moto cannot model, so it is the one action no moto
/// snapshot shows.
#[tokio::test]
async fn read_only_policy_covers_exactly_the_calls() {
    let a = Account::new(9).await;
    a.build_compliant().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("snap.json");
    let file = file.to_str().expect("utf-8 path");
    let (code, _, stderr) = a.run(&[
        "snapshot",
        "--out",
        file,
        "--endpoint-url",
        &endpoint(),
        "--regions",
        REGIONS,
    ]);
    assert_eq!(code, 3, "{stderr}");
    let snap: Value =
        serde_json::from_str(&std::fs::read_to_string(file).expect("snapshot")).expect("json");
    let mut called = BTreeSet::new();
    actions(&snap, &mut called);
    assert!(called.remove("sts:GetCallerIdentity"), "{called:?}");

    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/iam/check-policy.json");
    let policy: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .expect("policy JSON");
    let mut allowed = BTreeSet::new();
    for s in policy["Statement"].as_array().expect("Statement list") {
        assert_eq!(s["Effect"], "Allow");
        match &s["Action"] {
            Value::String(x) => {
                allowed.insert(x.clone());
            }
            Value::Array(xs) => {
                allowed.extend(xs.iter().map(|x| x.as_str().expect("action").to_owned()));
            }
            other => panic!("Action {other}"),
        }
    }
    allowed.remove("sts:GetCallerIdentity");
    let not_called: Vec<&String> = allowed.difference(&called).collect();
    let not_allowed: Vec<&String> = called.difference(&allowed).collect();
    assert_eq!(
        not_allowed,
        Vec::<&String>::new(),
        "calls the policy does not allow"
    );
    assert_eq!(
        not_called,
        vec!["cloudtrail:GetEventDataStore"],
        "actions no snapshot call uses"
    );
}
