//! Every scenario end to end against the moto server on loopback (S3 + `CloudTrail` +
//! Organizations, `ListPublicKeys` added by the harness), started by `scripts/test`.
//!
//! For each scenario: our S3 run must equal our offline bundle run byte for byte, and —
//! unless a deliberate difference applies — the real `aws cloudtrail validate-logs`
//! (aws-cli 1.46, installed in the test venv) on the same server must print exactly what we
//! print, on the same streams, with the same exit code.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::missing_panics_doc
)] // test code

// The parts of `tests/support/` this binary uses.
#[macro_use]
mod support {
    pub mod bundle;
    pub mod case;
    pub mod default_trail;
    pub mod expect;
    pub mod moto;
    pub mod run;
    #[macro_use]
    pub mod scenarios;
    pub mod trail;
}

use std::process::Command;

use aws_sdk_s3::primitives::ByteStream;
use serde_json::json;
use support::bundle::run_bundle;
use support::case::{Case, case, verify_args};
use support::default_trail::base;
use support::expect::{check_expectations, extras};
use support::moto::{control, endpoint, put_world, sdk_config};
use support::run::{Run, bin};
use support::scenarios::scenario;
use support::trail::{ACCOUNT, keys};

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
    put_world(c).await;
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
    if c.logging {
        ct.start_logging()
            .name(&c.spec.trail_name)
            .send()
            .await
            .expect("start logging");
    }
}

fn run_ours(c: &Case) -> Run {
    run_ours_with(c, &[])
}

fn run_ours_with(c: &Case, extra: &[&str]) -> Run {
    let ep = endpoint();
    let out = Command::new(bin())
        .arg("verify")
        .args(verify_args(c))
        .args(extra)
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
    let c = scenario(name).build(&org);
    upload(&c).await;
    let ours = run_ours_with(&c, &["--reference-only"]);
    check_expectations(&c, &ours);
    let default = run_ours(&c);
    extras(&c, &default, &ours);

    let dir = tempfile::tempdir().expect("tempdir");
    let offline = run_bundle(&c, dir.path(), &["--reference-only"]);
    assert_eq!(
        ours, offline,
        "{name}: S3 run and bundle run differ (--reference-only)"
    );
    let offline_default = run_bundle(&c, dir.path(), &[]);
    assert_eq!(
        default, offline_default,
        "{name}: S3 run and bundle run differ"
    );

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

scenario_tests!(tokio);

/// Injects an S3 read fault for one object.
fn fault(bucket: &str, key: &str, spec: &serde_json::Value) {
    let mut body = spec.clone();
    body["bucket"] = json!(bucket);
    body["key"] = json!(key);
    control("/_trailproof/faults", &body);
}

async fn faulted(name: &str, inject: impl FnOnce(&Case)) -> (Case, Run) {
    let (spec, world) = base(name, None);
    let c = case(name, spec, world);
    upload(&c).await;
    inject(&c);
    let run = run_ours(&c);
    (c, run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_access_denied_is_error_not_invalid_and_run_goes_on() {
    let (c, run) = faulted("fault_log_denied", |c| {
        let log = c.world.logs(&c.spec, "us-east-1")[4].clone();
        fault(
            &log.bucket,
            &log.key,
            &json!({"status": 403, "code": "AccessDenied", "message": "Access Denied"}),
        );
    })
    .await;
    let log = c.world.logs(&c.spec, "us-east-1")[4].clone();
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "Log file\t{}\tERROR: access denied (AccessDenied: Access Denied)\n\n",
            log.uri()
        )),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("INVALID"), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("\n11/12 log files valid, 1/12 log files ERROR\n"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_kms_denied_is_error_and_chain_continues() {
    let (c, run) = faulted("fault_digest_denied", |c| {
        let d = c.world.digests(&c.spec, "us-east-1", false)[2].clone();
        fault(&d.bucket, &d.key, &json!({"status": 403, "code": "KMS.AccessDeniedException", "message": "denied by KMS"}));
    })
    .await;
    let d = c.world.digests(&c.spec, "us-east-1", false)[2].clone();
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "Digest file\t{}\tERROR: access denied (KMS.AccessDeniedException: denied by KMS)",
            d.uri()
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("\n5/6 digest files valid, 1/6 digest files ERROR\n"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_throttling_is_retried_and_passes() {
    let (_c, run) = faulted("fault_throttle_once", |c| {
        for log in c.world.logs(&c.spec, "us-east-1").iter().take(3) {
            fault(&log.bucket, &log.key, &json!({"status": 503, "code": "SlowDown", "message": "Please reduce your request rate.", "times": 2}));
        }
    })
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("\n12/12 log files valid\n"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_cut_short_every_time_is_error_after_retries() {
    let (c, run) = faulted("fault_truncated", |c| {
        let log = c.world.logs(&c.spec, "us-east-1")[0].clone();
        fault(&log.bucket, &log.key, &json!({"mode": "truncate"}));
    })
    .await;
    let log = c.world.logs(&c.spec, "us-east-1")[0].clone();
    assert_eq!(run.code, 3, "{run:?}");
    let needle = format!(
        "Log file\t{}\tERROR: body cut short after retries",
        log.uri()
    );
    assert!(run.stderr.contains(&needle), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_cut_short_once_is_retried_and_passes() {
    let (_c, run) = faulted("fault_truncated_once", |c| {
        let log = c.world.logs(&c.spec, "us-east-1")[0].clone();
        fault(
            &log.bucket,
            &log.key,
            &json!({"mode": "truncate", "times": 1}),
        );
    })
    .await;
    assert_eq!(run.code, 0, "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_trail_cannot_run_exit_2() {
    let (mut spec, world) = base("not_created", None);
    spec.trail_name = "never-created".into();
    let c = case("not_created", spec, world);
    let run = run_ours(&c);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr,
        format!("\nA trail could not be found for {}\n", c.spec.arn())
    );
    assert_eq!(run.stdout, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_trail_without_account_id_cannot_run() {
    let org = organization_id().await;
    let mut c = scenario("organization").build(&org);
    c.spec.trail_name = "org-no-account".into();
    upload(&c).await;
    c.args.clear();
    let run = run_ours(&c);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr,
        "\nMissing required parameter for organization trail: '--account-id'\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_trail_with_s3_bucket_keeps_org_layout() {
    // The reference drops the organization segment when --s3-bucket is given (W10).
    let org = organization_id().await;
    let mut c = scenario("organization").build(&org);
    c.spec.trail_name = "org-with-bucket".into();
    c.spec.bucket = "tp-org-with-bucket".into();
    c.world = trailproof::fixture::World::build(&c.spec, keys()).expect("world");
    c.served_keys = c.world.public_keys.clone();
    upload(&c).await;
    c.args
        .extend(["--s3-bucket".to_owned(), c.spec.bucket.clone()]);
    let run = run_ours(&c);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("\n6/6 digest files valid\n"),
        "{}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_regions_verifies_every_region_with_a_total() {
    let (mut spec, _) = base("all_regions", None);
    spec.regions = vec!["us-east-1".into(), "eu-west-1".into(), "ap-south-1".into()];
    let world = trailproof::fixture::World::build(&spec, keys()).expect("world");
    let mut c = case("all_regions", spec, world);
    c.verbose = false;
    c.args = vec!["--all-regions".into()];
    upload(&c).await;
    let run = run_ours(&c);
    assert_eq!(run.code, 0, "{run:?}");
    for r in ["ap-south-1", "eu-west-1", "us-east-1"] {
        assert!(
            run.stdout.contains(&format!("Source region {r}\n")),
            "{}",
            run.stdout
        );
    }
    assert!(
        run.stdout
            .ends_with("Total for 3 regions:\n\n18/18 digest files valid\n36/36 log files valid\n"),
        "{}",
        run.stdout
    );
}

fn run_fetch(c: &Case, out: &std::path::Path) -> Run {
    let ep = endpoint();
    let o = Command::new(bin())
        .arg("fetch")
        .arg("--out")
        .arg(out)
        .args(verify_args(c))
        .args(["--endpoint-url", &ep])
        .env("AWS_ENDPOINT_URL", &ep)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .output()
        .expect("run trailproof fetch");
    Run::from_output(&o)
}

fn verify_bundle(c: &Case, dir: &std::path::Path) -> Run {
    let o = Command::new(bin())
        .arg("verify")
        .args(verify_args(c))
        .arg("--bundle")
        .arg(dir)
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("run trailproof verify --bundle");
    Run::from_output(&o)
}

/// Splits the bundle summary line off a fetch run's stderr.
fn without_summary(run: &Run) -> (Run, String) {
    let (rest, summary) = run
        .stderr
        .rsplit_once("Evidence bundle ")
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .expect("fetch prints its bundle summary");
    (
        Run {
            code: run.code,
            stdout: run.stdout.clone(),
            stderr: rest,
        },
        summary,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_then_verify_offline_gives_identical_results_and_resumes() {
    // A world with tampering of several kinds, so the bundle must carry every answer.
    let (spec, mut world) = base("bundle_round_trip", None);
    let ds = world.digests(&spec, "us-east-1", false);
    world.objects.remove(&ds[2]);
    world.objects.remove(&ds[1]);
    let logs = world.logs(&spec, "us-east-1");
    world.objects.get_mut(&logs[9]).expect("log").body = trailproof::fixture::gzip(b"{}");
    let stem = logs[7].key.trim_end_matches(".json.gz");
    let forged = trailproof::vocab::Location::new(
        &spec.bucket,
        format!("{}FORGEDforgedFORG.json.gz", &stem[..stem.len() - 16]),
    );
    world
        .objects
        .insert(forged.clone(), world.objects[&logs[7]].clone());
    let mut c = case("bundle_round_trip", spec, world);
    c.logging = true;
    upload(&c).await;
    let online = run_ours(&c);
    assert_eq!(online.code, 1, "{online:?}");
    assert!(
        online
            .stderr
            .contains(&format!("Unreferenced log file\t{}\tINVALID", forged.uri()))
    );

    let dir = tempfile::tempdir().expect("tmp");
    let (fetched, summary) = without_summary(&run_fetch(&c, dir.path()));
    assert_eq!(
        fetched, online,
        "fetch prints the same verification as verify"
    );
    assert!(summary.contains("could not be read"), "{summary}");
    let meta = dir.path().join(".trailproof");
    for f in [
        "manifest.json",
        "public-keys.json",
        "trail.json",
        "trail-status.json",
    ] {
        assert!(meta.join(f).is_file(), "bundle lacks {f}");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(meta.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(manifest["schema_version"], "trailproof.bundle/1");
    assert_eq!(manifest["complete"], true);
    let files = manifest["files"].as_array().expect("files");
    let forged_rel = format!("{}/{}", forged.bucket, forged.key);
    let entry = files
        .iter()
        .find(|f| f["path"] == forged_rel.as_str())
        .expect("forged log mirrored");
    let bytes = std::fs::read(dir.path().join(&forged_rel)).expect("read");
    assert_eq!(entry["sha256"], trailproof::hash::sha256_hex(&bytes));

    // Offline, with nothing but the bundle: the same bytes and exit code.
    let offline = verify_bundle(&c, dir.path());
    assert_eq!(
        offline, online,
        "bundle verification differs from the online run"
    );

    // Resume: remove part of the bundle and fetch again.
    std::fs::remove_file(dir.path().join(&forged_rel)).expect("rm");
    std::fs::remove_file(dir.path().join(format!("{}/{}", ds[4].bucket, ds[4].key))).expect("rm");
    let (again, summary) = without_summary(&run_fetch(&c, dir.path()));
    assert_eq!(again, online);
    assert!(summary.contains(": 2 objects fetched,"), "{summary}");
    assert_eq!(verify_bundle(&c, dir.path()), online);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versioned_bucket_reports_overwritten_and_deleted_objects_and_bundles_them() {
    // A bucket of its own per run: versions accumulate on a reused server.
    let (mut spec, _) = base("versioned", None);
    spec.bucket = format!("tp-versioned-{}", std::process::id());
    let world = trailproof::fixture::World::build(&spec, keys()).expect("world");
    let c = case("versioned", spec, world);
    let conf = sdk_config("us-east-1").await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket()
        .bucket(&c.spec.bucket)
        .send()
        .await
        .expect("bucket");
    s3.put_bucket_versioning()
        .bucket(&c.spec.bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .expect("versioning");
    upload(&c).await;
    // After delivery: a log is overwritten, a digest deleted.
    let log = c.world.logs(&c.spec, "us-east-1")[6].clone();
    s3.put_object()
        .bucket(&log.bucket)
        .key(&log.key)
        .body(ByteStream::from(trailproof::fixture::gzip(
            b"{\"Records\":[]}",
        )))
        .send()
        .await
        .expect("overwrite");
    let digest = c.world.digests(&c.spec, "us-east-1", false)[1].clone();
    s3.delete_object()
        .bucket(&digest.bucket)
        .key(&digest.key)
        .send()
        .await
        .expect("delete");

    let online = run_ours(&c);
    assert_eq!(online.code, 1, "{online:?}");
    // The reference's vocabulary keeps the current version's verdict.
    assert!(online.stderr.contains(&format!(
        "Log file\t{}\tINVALID: hash value doesn't match",
        log.uri()
    )));
    assert!(online.stderr.contains(&format!(
        "Digest file\t{}\tINVALID: not found",
        digest.uri()
    )));
    // Earlier versions get lines of their own.
    let overwritten = format!(
        "Overwritten log file\t{}\tINVALID: 2 versions (overwritten 1 time(s) after delivery); the earliest version (",
        log.uri()
    );
    assert!(online.stderr.contains(&overwritten), "{}", online.stderr);
    assert!(
        online.stderr.contains(") matches its digest\n"),
        "{}",
        online.stderr
    );
    let deleted = format!(
        "Deleted digest file\t{}\tINVALID: deleted (delete marker); 1 earlier version(s) kept; the earliest version (",
        digest.uri()
    );
    assert!(online.stderr.contains(&deleted), "{}", online.stderr);
    assert!(
        online.stderr.contains(") is validly signed\n"),
        "{}",
        online.stderr
    );

    // A bundle keeps the versions: offline verification says the same.
    let dir = tempfile::tempdir().expect("tmp");
    let (fetched, _) = without_summary(&run_fetch(&c, dir.path()));
    assert_eq!(fetched, online);
    assert_eq!(verify_bundle(&c, dir.path()), online);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neighbour_trail_without_validation_makes_unreferenced_logs_warnings() {
    let (spec, mut world) = base("unvalidated_neighbour", None);
    // The neighbour's log file: in the same folder, listed by no digest.
    let stem = world.logs(&spec, "us-east-1")[3]
        .key
        .trim_end_matches(".json.gz")
        .to_owned();
    let theirs = trailproof::vocab::Location::new(
        &spec.bucket,
        format!("{}NEIGHBOURneighbo.json.gz", &stem[..stem.len() - 16]),
    );
    let body = world.objects[&world.logs(&spec, "us-east-1")[3]].clone();
    world.objects.insert(theirs.clone(), body);
    let c = case("unvalidated_neighbour", spec, world);
    upload(&c).await;
    let ct = aws_sdk_cloudtrail::Client::new(&sdk_config("us-east-1").await);
    ct.create_trail()
        .name("no-validation-neighbour")
        .s3_bucket_name(&c.spec.bucket)
        .enable_log_file_validation(false)
        .send()
        .await
        .expect("neighbour trail");
    let run = run_ours(&c);
    assert_eq!(run.code, 0, "{run:?}");
    let warning = format!(
        "Unverifiable log file\t{}\tWARNING: referenced by no digest read, but arn:aws:cloudtrail:us-east-1:{}:trail/no-validation-neighbour deliver(s) here without log file validation\n\n",
        theirs.uri(),
        ACCOUNT
    );
    assert!(run.stderr.ends_with(&warning), "{}", run.stderr);
}

/// `report` live (S3, `CloudTrail` and a live snapshot through the SDK) reads the same digests
/// and log files as the offline report of the same world, and summarises them identically.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_live_reads_the_same_logs_as_the_offline_report() {
    let org = organization_id().await;
    let c = scenario("valid_day").build(&org);
    upload(&c).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let _ = run_bundle(&c, dir.path(), &[]); // writes the mirror and keys.json
    let ep = endpoint();
    let report = |extra: &[&str], json: &str| {
        let out = Command::new(bin())
            .arg("report")
            .args(verify_args(&c).into_iter().filter(|a| a != "--verbose"))
            .args(extra)
            .args(["--as-of", "2026-03-02T01:00:00Z", "--json", json])
            .arg("--out")
            .arg(dir.path().join(format!("{json}.html")))
            .env("AWS_ENDPOINT_URL", &ep)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .output()
            .expect("run trailproof");
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(json).unwrap_or_default()).unwrap_or_else(|_| {
                panic!("no report JSON: {}", String::from_utf8_lossy(&out.stderr))
            });
        (out.status.code(), json)
    };
    let live_json = dir.path().join("live.json");
    let (code, live) = report(&["--endpoint-url", &ep], live_json.to_str().expect("utf-8"));
    let offline_json = dir.path().join("offline.json");
    let mirror = dir.path().join("mirror");
    let keys = dir.path().join("keys.json");
    let snapshot = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sample/snapshot.json");
    let (offline_code, offline) = report(
        &[
            "--bundle",
            mirror.to_str().expect("utf-8"),
            "--public-keys",
            keys.to_str().expect("utf-8"),
            "--s3-bucket",
            &c.spec.bucket,
            "--snapshot",
            snapshot,
        ],
        offline_json.to_str().expect("utf-8"),
    );
    assert_eq!(
        offline_code,
        Some(0),
        "{}",
        serde_json::to_string_pretty(&offline["integrity"]["totals"]).unwrap_or_default()
    );
    assert!(
        matches!(code, Some(0 | 1 | 3)),
        "the live compliance part sees the shared moto account"
    );
    assert_eq!(live["integrity"]["totals"], offline["integrity"]["totals"]);
    assert_eq!(live["integrity"]["outcome"], "clean");
    for key in ["files", "records", "by_event_name", "identities", "by_hour"] {
        assert_eq!(live["activity"][key], offline["activity"][key], "{key}");
    }
    assert_eq!(live["activity"]["verification"], "verified");
    assert_eq!(live["compliance"]["schema"], "trailproof.check/1");
    assert!(
        live["compliance"]["regions"]
            .as_array()
            .is_some_and(|r| r.len() > 1),
        "the live snapshot scanned the enabled regions"
    );
}

/// `verify --organization` against S3: three member accounts × two regions of an
/// organization trail, found by listing the bucket; the live document equals the offline
/// one over the same objects.
#[tokio::test(flavor = "multi_thread")]
async fn organization_run_over_s3_equals_the_bundle_run() {
    let org = organization_id().await;
    let (mut spec, mut world) = base("org_wide", Some(&org));
    spec.regions = vec!["us-east-1".into(), "eu-west-1".into()];
    world.objects.clear();
    for i in 0..3u64 {
        let mut one = spec.clone();
        one.account_id = format!("{:012}", 310_000_000_000 + i);
        one.seed = 40 + i;
        let w = trailproof::fixture::World::build(&one, keys()).expect("world");
        world.objects.extend(w.objects);
        world.public_keys = w.public_keys;
    }
    let mut c = case("org_wide", spec, world);
    c.served_keys = c.world.public_keys.clone();
    upload(&c).await;
    let live = run_ours_with(
        &c,
        &[
            "--organization",
            "--s3-bucket",
            &c.spec.bucket,
            "--format",
            "json",
        ],
    );
    assert_eq!(live.code, 0, "{}", live.stderr);
    let doc: serde_json::Value = serde_json::from_str(&live.stdout).expect("json");
    assert_eq!(doc["inputs"]["organization_id"], org.as_str());
    assert_eq!(doc["chains"].as_array().map(Vec::len), Some(6));
    assert_eq!(doc["accounts"].as_array().map(Vec::len), Some(3));
    assert_eq!(doc["totals"]["digests"]["valid"], 36);
    assert_eq!(doc["totals"]["logs"]["invalid"], 0);

    let dir = tempfile::tempdir().expect("tempdir");
    let offline = run_bundle(&c, dir.path(), &["--organization", "--format", "json"]);
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    let mut offline_doc: serde_json::Value = serde_json::from_str(&offline.stdout).expect("json");
    // The same chains with the same verdicts; only the object source differs.
    for chain in offline_doc["chains"].as_array_mut().expect("chains") {
        chain["report"] = serde_json::Value::Null;
    }
    let mut live_doc = doc;
    for chain in live_doc["chains"].as_array_mut().expect("chains") {
        chain["report"] = serde_json::Value::Null;
    }
    assert_eq!(live_doc, offline_doc);
}
