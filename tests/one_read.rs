//! One read, one stream: the analyses of a verified run read exactly the bytes whose hash
//! was checked. The fault proxy (`tests/harness/fault_proxy.py`, mode `substitute`) serves
//! other, well-formed log bytes from the second GET of every object on: a verified
//! `summarize` and `report` must show none of those records (each object is read once), and
//! must count exactly what `summarize --logs` counts over the original objects.
//!
//! Runs under `scripts/test` (which starts the moto server); needs the `fixture` feature.

#![cfg(feature = "fixture")]
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

mod support {
    pub mod case;
    pub mod default_trail;
    pub mod moto;
    #[allow(dead_code)] // the fault tests use the rest of the proxy's API
    pub mod proxy;
    pub mod run;
    pub mod trail;
}

use std::collections::BTreeMap;
use std::process::Command;

use base64::Engine as _;
use serde_json::{Value, json};
use support::case::{Case, case, verify_args};
use support::default_trail::base;
use support::moto::{put_world, sdk_config};
use support::proxy::FaultProxy;
use support::run::{Run, bin};
use support::trail::{ACCOUNT, repo};

/// A record nobody delivered: if it shows up, a second read was analysed.
const FORGED: &str = "SubstitutedByTheProxy";

async fn world(name: &str) -> Case {
    let (spec, world) = base(name, None);
    let c = case(name, spec, world);
    put_world(&c).await;
    let ct = aws_sdk_cloudtrail::Client::new(&sdk_config(&c.spec.home_region).await);
    let _ = ct
        .create_trail()
        .name(&c.spec.trail_name)
        .s3_bucket_name(&c.spec.bucket)
        .enable_log_file_validation(true)
        .send()
        .await;
    c
}

fn command(proxy: &FaultProxy, args: &[String]) -> Command {
    let ep = proxy.endpoint();
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .env("AWS_ENDPOINT_URL", &ep)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env_remove("AWS_ENDPOINT_URL_S3")
        .env_remove("AWS_PROFILE");
    cmd
}

fn trail_args(c: &Case, proxy: &FaultProxy) -> Vec<String> {
    let mut a: Vec<String> = verify_args(c)
        .into_iter()
        .filter(|a| a != "--verbose")
        .collect();
    a.extend(["--endpoint-url".to_owned(), proxy.endpoint()]);
    a
}

/// A well-formed log file with one record of its own.
fn forged_log() -> Vec<u8> {
    let record = json!({
        "eventVersion": "1.09",
        "eventTime": "2026-03-01T01:00:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": FORGED,
        "awsRegion": "us-east-1",
        "eventID": "00000000-0000-0000-0000-000000000000",
        "userIdentity": {"type": "Root", "accountId": ACCOUNT},
        "recipientAccountId": ACCOUNT,
    });
    trailproof::fixture::gzip(json!({ "Records": [record] }).to_string().as_bytes())
}

/// The proxy's GETs per object key.
fn gets_per_key(proxy: &FaultProxy, bucket: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in proxy.requests() {
        if r.method == "GET"
            && r.service.as_deref() == Some("s3")
            && let Some(key) = r.path.strip_prefix(&format!("/{bucket}/"))
            && !key.is_empty()
        {
            *out.entry(key.to_owned()).or_insert(0) += 1;
        }
    }
    out
}

/// `summarize --logs` over the world's original log objects (written to a folder).
fn local_summary(c: &Case) -> Value {
    let dir = tempfile::tempdir().unwrap();
    for loc in c.world.logs(&c.spec, &c.spec.home_region) {
        let path = dir.path().join(loc.key.replace('/', "_"));
        std::fs::write(path, &c.world.objects[&loc].body).unwrap();
    }
    let out = Command::new(bin())
        .args(["summarize", "--format", "json", "--logs"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn substitute_every_second_read(c: &Case, proxy: &FaultProxy) {
    proxy.rule(&json!({
        "fault": "substitute",
        "service": "s3",
        "method": "GET",
        "bucket": c.spec.bucket,
        "body_b64": base64::engine::general_purpose::STANDARD.encode(forged_log()),
    }));
}

fn assert_one_get_per_object(c: &Case, proxy: &FaultProxy, what: &str) {
    let gets = gets_per_key(proxy, &c.spec.bucket);
    let logs = c.world.logs(&c.spec, &c.spec.home_region);
    assert!(!logs.is_empty());
    for loc in &logs {
        assert_eq!(
            gets.get(&loc.key),
            Some(&1),
            "{what}: {} was not read exactly once: {gets:#?}",
            loc.key
        );
    }
    for (key, n) in &gets {
        assert_eq!(*n, 1, "{what}: {key} read {n} times");
    }
}

#[tokio::test]
async fn verified_summarize_reads_each_object_once_and_never_a_substitute() {
    let c = world("one_read_summarize").await;
    let proxy = FaultProxy::start();
    substitute_every_second_read(&c, &proxy);
    let mut args = vec![
        "summarize".to_owned(),
        "--format".to_owned(),
        "json".to_owned(),
    ];
    args.extend(trail_args(&c, &proxy));
    let run = Run::from_output(&command(&proxy, &args).output().unwrap());
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stdout.contains(FORGED), "a second read was analysed");
    let verified: Value = serde_json::from_str(&run.stdout).unwrap();
    let local = local_summary(&c);
    assert_eq!(verified["records"], local["records"]);
    assert_eq!(verified["by_event_name"], local["by_event_name"]);
    assert_eq!(verified["verification"], "verified");
    assert_one_get_per_object(&c, &proxy, "summarize");
}

#[tokio::test]
async fn verified_report_reads_each_object_once_and_never_a_substitute() {
    let c = world("one_read_report").await;
    let proxy = FaultProxy::start();
    substitute_every_second_read(&c, &proxy);
    let dir = tempfile::tempdir().unwrap();
    let snapshot = repo().join("testdata/sample/snapshot.json");
    let mut args = vec![
        "report".to_owned(),
        "--out".to_owned(),
        dir.path().join("r.html").display().to_string(),
        "--json".to_owned(),
        dir.path().join("r.json").display().to_string(),
        "--snapshot".to_owned(),
        snapshot.display().to_string(),
    ];
    args.extend(trail_args(&c, &proxy));
    let run = Run::from_output(&command(&proxy, &args).output().unwrap());
    assert!(matches!(run.code, 0 | 1), "{run:?}");
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    let json = std::fs::read_to_string(dir.path().join("r.json")).unwrap();
    assert!(!html.contains(FORGED) && !json.contains(FORGED));
    let report: Value = serde_json::from_str(&json).unwrap();
    let local = local_summary(&c);
    assert_eq!(report["activity"]["records"], local["records"]);
    assert_eq!(report["activity"]["by_event_name"], local["by_event_name"]);
    // The evidence appendix lists every log with the SHA-256 of its bytes as stored.
    for loc in c.world.logs(&c.spec, &c.spec.home_region) {
        let want = trailproof::hash::sha256_hex(&c.world.objects[&loc].body);
        let listed = report["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["path"] == loc.uri())
            .unwrap_or_else(|| panic!("{} missing from the inputs", loc.uri()));
        assert_eq!(listed["sha256"], want);
    }
    assert_one_get_per_object(&c, &proxy, "report");
}

/// `summarize` over the verified sample bundle with the given extra arguments.
fn sample_summary(extra: &[&str]) -> Run {
    let sample = repo().join("testdata/sample");
    let out = Command::new(bin())
        .args([
            "summarize",
            "--format",
            "json",
            "--trail-arn",
            "arn:aws:cloudtrail:us-east-1:111122223333:trail/sample-trail",
            "--start-time",
            "2026-03-01T00:00:00Z",
            "--end-time",
            "2026-03-02T00:00:00Z",
            "--all-regions",
        ])
        .arg("--bundle")
        .arg(sample.join("bucket"))
        .arg("--public-keys")
        .arg(sample.join("public-keys.json"))
        .args(extra)
        .output()
        .unwrap();
    Run::from_output(&out)
}

/// The verified summary does not depend on which download finishes first: one request at a
/// time and the default give the same bytes.
#[test]
fn verified_summary_is_identical_at_concurrency_one_and_the_default() {
    let one = sample_summary(&["--concurrency", "1"]);
    let default = sample_summary(&[]);
    assert_eq!(one.code, 0, "{one:?}");
    assert_eq!(one, default);
    let doc: Value = serde_json::from_str(&default.stdout).unwrap();
    assert_eq!(doc["verification"], "verified");
    assert!(doc["records"].as_u64().unwrap() > 0);
}
