//! Every scenario end to end against the moto server on loopback (S3 + CloudTrail +
//! Organizations, ListPublicKeys added by the harness), started by `scripts/test`.
//!
//! For each scenario: our S3 run must equal our offline bundle run byte for byte, and —
//! unless a deliberate difference applies — the real `aws cloudtrail validate-logs`
//! (aws-cli 1.46, installed in the test venv) on the same server must print exactly what we
//! print, on the same streams, with the same exit code.

mod support;

use std::io::{Read as _, Write as _};
use std::process::Command;

use aws_sdk_s3::primitives::ByteStream;
use serde_json::json;
use support::{
    COMPARABLE, Case, DELIBERATE, Run, check_expectations, run_bundle, scenario, verify_args,
};

fn endpoint() -> String {
    std::env::var("TRAILPROOF_TEST_ENDPOINT").unwrap_or_else(|_| {
        panic!("TRAILPROOF_TEST_ENDPOINT is not set: run the suite with scripts/test, which starts the moto server")
    })
}

async fn sdk_config(region: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_owned()))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .endpoint_url(endpoint())
        .load()
        .await
}

/// POSTs JSON to the harness control API.
pub fn control(path: &str, body: &serde_json::Value) {
    let ep = endpoint();
    let hostport = ep.trim_start_matches("http://");
    let payload = body.to_string();
    let mut s = std::net::TcpStream::connect(hostport).expect("connect harness");
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    )
    .expect("write");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read");
    assert!(
        resp.starts_with("HTTP/1.1 200") || resp.starts_with("HTTP/1.0 200"),
        "harness said: {resp}"
    );
}

async fn organization_id() -> String {
    let conf = sdk_config("us-east-1").await;
    let org = aws_sdk_organizations::Client::new(&conf);
    let _ = org
        .create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await;
    org.describe_organization()
        .send()
        .await
        .expect("describe organization")
        .organization()
        .and_then(|o| o.id())
        .expect("org id")
        .to_owned()
}

async fn upload(c: &Case) {
    let conf = sdk_config("us-east-1").await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    );
    for b in std::iter::once(&c.spec.bucket).chain(&c.extra_buckets) {
        let _ = s3.create_bucket().bucket(b).send().await;
    }
    let mut puts = Vec::new();
    for (loc, obj) in &c.world.objects {
        let mut req = s3
            .put_object()
            .bucket(&loc.bucket)
            .key(&loc.key)
            .body(ByteStream::from(obj.body.clone()));
        for (k, v) in &obj.metadata {
            req = req.metadata(k, v);
        }
        puts.push(req.send());
    }
    for r in futures::future::join_all(puts).await {
        r.expect("put object");
    }
    for (region, recs) in &c.served_keys {
        let keys = trailproof::source::keys::to_cli_json(recs);
        let list: Vec<serde_json::Value> = keys["PublicKeyList"]
            .as_array()
            .expect("list")
            .iter()
            .zip(recs)
            .map(|(k, r)| {
                json!({
                    "Value": k["Value"],
                    "Fingerprint": k["Fingerprint"],
                    "ValidityStartTime": r.valid_from.map(|t| t.timestamp()),
                    "ValidityEndTime": r.valid_to.map(|t| t.timestamp()),
                })
            })
            .collect();
        control(
            "/_trailproof/public-keys",
            &json!({"region": region, "keys": list}),
        );
    }
    let ct = aws_sdk_cloudtrail::Client::new(&sdk_config(&c.spec.home_region).await);
    let mut req = ct
        .create_trail()
        .name(&c.spec.trail_name)
        .s3_bucket_name(&c.spec.bucket)
        .enable_log_file_validation(true)
        .is_multi_region_trail(c.spec.regions.len() > 1)
        .is_organization_trail(c.spec.organization_id.is_some());
    if let Some(p) = &c.spec.prefix {
        req = req.s3_key_prefix(p);
    }
    req.send().await.expect("create trail");
}

fn run_ours(c: &Case) -> Run {
    let ep = endpoint();
    let out = Command::new(support::bin())
        .arg("verify")
        .args(verify_args(c))
        .args(["--endpoint-url", &ep])
        .env("AWS_ENDPOINT_URL", &ep)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .expect("run trailproof");
    Run::from_output(&out)
}

fn run_reference(c: &Case) -> Option<Run> {
    let aws = std::env::var("TRAILPROOF_TEST_AWS_CLI").ok()?;
    let ep = endpoint();
    let out = Command::new(aws)
        .args(["cloudtrail", "validate-logs"])
        .args(verify_args(c))
        .args(["--endpoint-url", &ep])
        .env("AWS_ENDPOINT_URL_S3", &ep)
        .env("AWS_ENDPOINT_URL_ORGANIZATIONS", &ep)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .expect("run aws cli");
    Some(Run::from_output(&out))
}

async fn run(name: &str) {
    let org = organization_id().await;
    let c = scenario(name, &org);
    upload(&c).await;
    let ours = run_ours(&c);
    check_expectations(&c, &ours);

    let dir = tempfile::tempdir().expect("tempdir");
    let offline = run_bundle(&c, dir.path(), &[]);
    assert_eq!(ours, offline, "{name}: S3 run and bundle run differ");

    if c.reference_comparable {
        let reference = run_reference(&c)
            .expect("TRAILPROOF_TEST_AWS_CLI must point at aws-cli 1.46 (scripts/test sets it)");
        assert_eq!(
            ours.code, reference.code,
            "{name}: exit code differs from the reference\nreference stderr:\n{}",
            reference.stderr
        );
        assert_eq!(
            ours.stdout, reference.stdout,
            "{name}: stdout differs from the reference"
        );
        assert_eq!(
            ours.stderr, reference.stderr,
            "{name}: stderr differs from the reference"
        );
    }
}

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                run(stringify!($name)).await;
            }
        )*

        #[test]
        fn scenario_lists_cover_every_test() {
            let mut tested = vec![$(stringify!($name)),*];
            let mut listed: Vec<&str> = COMPARABLE.iter().chain(DELIBERATE).copied().collect();
            tested.sort_unstable();
            listed.sort_unstable();
            assert_eq!(tested, listed);
        }
    };
}

scenarios!(
    valid_day,
    log_modified,
    log_deleted,
    log_emptied,
    log_appended_member,
    log_not_gzip,
    digest_modified,
    digest_deleted,
    digest_unsigned,
    digest_not_json,
    two_digests_deleted,
    digest_moved,
    unknown_key,
    gap,
    key_rotation,
    prefix,
    organization,
    empty_hours,
    all_hours_empty,
    window_inside_chain,
    backfill,
    no_digests_found,
    no_valid_digests,
    bucket_change,
    other_region,
    spki_key,
    small_key,
    uppercase_hash,
);
