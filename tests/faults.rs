//! Faults between `trailproof` and S3: the real binary runs against the moto server through
//! the fault-injecting proxy (`tests/harness/fault_proxy.py`, one per test), which fails
//! chosen requests the way S3 and networks do. What each test proves is in docs/faults.md:
//!
//! * a transient fault (503 `SlowDown` and 500 bursts, one reset, one read timeout, one body
//!   cut short, one failing listing page) is retried, and the run prints exactly what the
//!   fault-free run prints, with the same exit code;
//! * at the default (adaptive) number of requests in flight, bursts of throttling and server
//!   errors on a slow server shrink the pace but change nothing in the output;
//! * a persistent fault on one file is that file's `ERROR` line (never `INVALID`), the run
//!   goes on to the end and exits 3;
//! * a listing page that keeps failing mid-listing is reported, never taken for the end of
//!   the listing;
//! * the binary only reads: S3 sees GET and HEAD, every other call is a read operation;
//! * SIGINT and SIGTERM stop a run with exit 130, the lines printed so far intact, a summary
//!   of what was verified, and no output file (complete or partial).
//!
//! Runs under `scripts/test` (which starts the moto server); needs the `fixture` feature.

#![cfg(feature = "fixture")]
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::missing_panics_doc
)] // test code

// The parts of `tests/support/` this binary uses.
mod support {
    pub mod case;
    pub mod default_trail;
    pub mod moto;
    pub mod proxy;
    pub mod run;
    pub mod trail;
}

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::case::{Case, case, verify_args};
use support::default_trail::base;
use support::moto::{put_world, sdk_config};
use support::proxy::FaultProxy;
use support::run::{Run, bin};
use support::trail::keys;
use trailproof::vocab::Location;

/// Per-attempt timeout given to the binary (`TRAILPROOF_ATTEMPT_TIMEOUT`), so a stalled
/// request is abandoned and retried in seconds rather than the default two minutes.
const ATTEMPT_TIMEOUT: &str = "1.5";

/// Uploads a case's world straight to moto (bucket, objects, served keys, trail).
async fn upload(c: &Case) {
    put_world(c).await;
    let ct = aws_sdk_cloudtrail::Client::new(&sdk_config(&c.spec.home_region).await);
    // Already there when the suite runs twice against one moto server: fine.
    let _ = ct
        .create_trail()
        .name(&c.spec.trail_name)
        .s3_bucket_name(&c.spec.bucket)
        .enable_log_file_validation(true)
        .is_multi_region_trail(c.spec.regions.len() > 1)
        .send()
        .await;
}

/// A fresh world (6 hourly digests, 12 log files in us-east-1, or in each of `regions`),
/// uploaded to moto, and a proxy in front of moto.
async fn world(name: &str, regions: &[&str]) -> (Case, FaultProxy) {
    world_with(name, |spec| {
        if !regions.is_empty() {
            spec.regions = regions.iter().map(|r| (*r).to_owned()).collect();
        }
    })
    .await
}

/// [`world`] with the scenario's spec changed by `tweak`.
async fn world_with(
    name: &str,
    tweak: impl FnOnce(&mut trailproof::fixture::TrailSpec),
) -> (Case, FaultProxy) {
    let (mut spec, _) = base(name, None);
    tweak(&mut spec);
    let world = trailproof::fixture::World::build(&spec, keys()).expect("world");
    let c = case(name, spec, world);
    upload(&c).await;
    (c, FaultProxy::start())
}

/// `trailproof <args>` with every AWS endpoint at the proxy.
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
        .env("TRAILPROOF_ATTEMPT_TIMEOUT", ATTEMPT_TIMEOUT)
        .env_remove("AWS_ENDPOINT_URL_S3")
        .env_remove("AWS_PROFILE");
    cmd
}

fn verify_cmd_args(c: &Case, proxy: &FaultProxy, extra: &[&str]) -> Vec<String> {
    let mut a = vec!["verify".to_owned()];
    a.extend(verify_args(c));
    a.extend(["--endpoint-url".to_owned(), proxy.endpoint()]);
    a.extend(extra.iter().map(|s| (*s).to_owned()));
    a
}

/// `trailproof verify --verbose` of the case through the proxy.
fn verify(c: &Case, proxy: &FaultProxy, extra: &[&str]) -> Run {
    let out = command(proxy, &verify_cmd_args(c, proxy, extra))
        .output()
        .expect("run trailproof");
    Run::from_output(&out)
}

fn log(c: &Case, i: usize) -> Location {
    c.world.logs(&c.spec, &c.spec.home_region)[i].clone()
}

fn digest(c: &Case, i: usize) -> Location {
    c.world.digests(&c.spec, &c.spec.home_region, false)[i].clone()
}

/// The digest listing prefix of a region (`ListObjectsV2`'s `prefix`).
fn digest_prefix(c: &Case, region: &str) -> String {
    format!("AWSLogs/{}/CloudTrail-Digest/{region}", c.spec.account_id)
}

/// A rule matching GETs of one object.
fn on(loc: &Location, fault: &Value) -> Value {
    let mut r = fault.clone();
    r["method"] = json!("GET");
    r["bucket"] = json!(loc.bucket);
    r["key"] = json!(loc.key);
    r
}

/// Runs the case fault-free, then with `rules`, and asserts both runs print the same and
/// exit the same (0), and that every rule fired as often as it promised.
async fn transient(name: &str, rules: impl FnOnce(&Case) -> Vec<(Value, Option<u64>)>) {
    let (c, proxy) = world(name, &[]).await;
    let clean = verify(&c, &proxy, &[]);
    assert_eq!(clean.code, 0, "fault-free run: {clean:?}");
    let ids: Vec<(u64, Option<u64>)> = rules(&c)
        .into_iter()
        .map(|(rule, fires)| (proxy.rule(&rule), fires))
        .collect();
    let faulted = verify(&c, &proxy, &[]);
    for (id, fires) in ids {
        if let Some(n) = fires {
            assert_eq!(proxy.hits(id), n, "{name}: rule {id} did not fire as set");
        }
    }
    assert_eq!(
        faulted, clean,
        "{name}: a retried transient fault changed the output"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowdown_503_burst_is_retried_and_output_equals_fault_free_run() {
    transient("fault_503_burst", |c| {
        let slow = json!({"fault": "status", "status": 503, "code": "SlowDown",
                          "message": "Please reduce your request rate.", "times": 3});
        vec![
            (on(&log(c, 3), &slow), Some(3)),
            (on(&digest(c, 2), &slow), Some(3)),
        ]
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_error_500_burst_is_retried_and_output_equals_fault_free_run() {
    transient("fault_500_burst", |c| {
        let boom = json!({"fault": "status", "status": 500, "code": "InternalError",
                          "message": "We encountered an internal error. Please try again.",
                          "times": 3});
        vec![
            (on(&log(c, 7), &boom), Some(3)),
            (on(&digest(c, 4), &boom), Some(3)),
        ]
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_connection_reset_is_retried_and_output_equals_fault_free_run() {
    transient("fault_reset_once", |c| {
        let reset = json!({"fault": "reset", "times": 1});
        vec![
            (on(&log(c, 0), &reset), Some(1)),
            (on(&digest(c, 5), &reset), Some(1)),
        ]
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_read_timeout_is_retried_and_output_equals_fault_free_run() {
    transient("fault_timeout_once", |c| {
        let stall = json!({"fault": "stall", "times": 1});
        vec![
            (on(&log(c, 5), &stall), Some(1)),
            (on(&digest(c, 1), &stall), Some(1)),
        ]
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_body_cut_short_is_retried_and_output_equals_fault_free_run() {
    transient("fault_cut_once", |c| {
        let cut = json!({"fault": "cut", "times": 1});
        vec![
            (on(&log(c, 9), &cut), Some(1)),
            (on(&digest(c, 3), &cut), Some(1)),
        ]
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_page_failing_twice_mid_listing_is_retried_and_output_equals_fault_free_run() {
    transient("fault_list_page_burst", |c| {
        let prefix = digest_prefix(c, "us-east-1");
        vec![
            // Two keys a page, so six digests take three pages; page 2 fails twice.
            (
                json!({"fault": "page_size", "bucket": c.spec.bucket, "prefix": prefix, "max_keys": 2}),
                None,
            ),
            (
                json!({"fault": "status", "bucket": c.spec.bucket, "prefix": prefix, "page": 2,
                       "status": 503, "code": "SlowDown", "message": "Please reduce your request rate.",
                       "times": 2}),
                Some(2),
            ),
        ]
    })
    .await;
}

/// The default number of requests in flight adapts (grows while throughput rises, halves on
/// congestion). On a slow server (every answer 150 ms late) that, late in the run, answers
/// a burst of 20 log requests with 503 `SlowDown` and 6 with 500 (the oldest log files,
/// fetched last), the run prints exactly what the fault-free run prints, and the pace both
/// grew and shrank.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_bursts_on_a_slow_server_at_the_default_concurrency_change_no_output() {
    let (c, proxy) = world_with("fault_pace", |spec| spec.logs_per_hour = 20).await;
    let clean = verify(&c, &proxy, &[]);
    assert_eq!(clean.code, 0, "fault-free run: {clean:?}");
    let logs = c.world.logs(&c.spec, &c.spec.home_region);
    assert_eq!(logs.len(), 120);
    // The key up to the hour of its timestamp (`…_20260301T00`): one hour's log files.
    let hour = |i: usize| {
        let key = &logs[i].key;
        key[..key.rfind('_').expect("log key") - 3].to_owned()
    };
    let (oldest, next) = (hour(0), hour(logs.len() / 6));
    assert_ne!(oldest, next);
    let burst = |key_prefix: &str, status: u16, code: &str, message: &str, times: u64| {
        json!({"fault": "status", "method": "GET", "bucket": c.spec.bucket,
               "key_prefix": key_prefix, "status": status, "code": code,
               "message": message, "times": times})
    };
    let slow_down = proxy.rule(&burst(
        &oldest,
        503,
        "SlowDown",
        "Please reduce your request rate.",
        20,
    ));
    let internal = proxy.rule(&burst(
        &next,
        500,
        "InternalError",
        "We encountered an internal error. Please try again.",
        6,
    ));
    // Every other answer comes late (registered last: the first matching rule applies).
    proxy.rule(&json!({"fault": "delay", "delay_ms": 150, "bucket": c.spec.bucket, "times": null}));
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("pace.log");
    let log_arg = log.display().to_string();
    let faulted = verify(
        &c,
        &proxy,
        &["--log-level", "debug", "--log-file", &log_arg],
    );
    assert_eq!(proxy.hits(slow_down), 20);
    assert_eq!(proxy.hits(internal), 6);
    assert_eq!(
        faulted, clean,
        "congestion at the default concurrency changed the output"
    );
    let diagnostics = std::fs::read_to_string(&log).expect("log file");
    let changes: Vec<&str> = diagnostics
        .lines()
        .filter(|l| l.contains("requests in flight: new limit"))
        .collect();
    assert!(
        changes.iter().any(|l| l.contains("from=32 to=64 ")),
        "the pace never grew: {changes:#?}"
    );
    assert!(
        changes.iter().any(|l| l.contains("why=\"congestion\"")),
        "the pace never shrank: {changes:#?}"
    );
}

/// Runs the case fault-free, then with one persistent fault on `target`, and checks the
/// faulted run: exit 3, `target`'s line is `expected_line`, nothing is INVALID, the ratio line
/// of its kind counts one ERROR, and every other line is the fault-free run's.
async fn persistent(
    name: &str,
    target: impl Fn(&Case) -> Location,
    is_log: bool,
    fault: Value,
    verdict: &str,
) {
    let (c, proxy) = world(name, &[]).await;
    let clean = verify(&c, &proxy, &[]);
    assert_eq!(clean.code, 0, "fault-free run: {clean:?}");
    let loc = target(&c);
    let id = proxy.rule(&on(&loc, &fault));
    let run = verify(&c, &proxy, &[]);
    assert!(proxy.hits(id) >= 1, "{name}: the fault never fired");
    assert_eq!(run.code, 3, "{name}: incomplete, nothing found: {run:?}");
    assert!(!run.stderr.contains("INVALID"), "{name}: {}", run.stderr);
    assert!(!run.stdout.contains("INVALID"), "{name}: {}", run.stdout);
    let kind = if is_log { "Log file" } else { "Digest file" };
    let line = format!("{kind}\t{}\tERROR: {verdict}", loc.uri());
    assert!(
        run.stderr.lines().any(|l| l.starts_with(&line)),
        "{name}: no {line:?} in\n{}",
        run.stderr
    );
    // The run went on: every other file has its fault-free verdict.
    let valid_line = format!("{kind}\t{}\tvalid", loc.uri());
    let expected_stdout: Vec<&str> = clean
        .stdout
        .lines()
        .filter(|l| *l != valid_line && !l.contains(" files valid") && !l.is_empty())
        .collect();
    let got_stdout: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| !l.contains(" files valid") && !l.is_empty())
        .collect();
    if is_log {
        assert_eq!(
            got_stdout, expected_stdout,
            "{name}: other verdicts changed"
        );
        assert!(
            run.stdout
                .contains("\n11/12 log files valid, 1/12 log files ERROR\n"),
            "{name}: {}",
            run.stdout
        );
        assert!(
            run.stdout.contains("\n6/6 digest files valid\n"),
            "{}",
            run.stdout
        );
    } else {
        // The logs of an unreadable digest cannot be checked; the rest of the chain is.
        assert!(
            run.stdout
                .contains("\n5/6 digest files valid, 1/6 digest files ERROR\n"),
            "{name}: {}",
            run.stdout
        );
        for l in &got_stdout {
            assert!(expected_stdout.contains(l), "{name}: new line {l:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_access_denied_is_error_not_invalid_exit_3() {
    persistent(
        "fault_denied_log",
        |c| log(c, 4),
        true,
        json!({"fault": "status", "status": 403, "code": "AccessDenied", "message": "Access Denied"}),
        "access denied (AccessDenied: Access Denied)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_kms_denied_is_error_not_invalid_exit_3() {
    persistent(
        "fault_kms_log",
        |c| log(c, 6),
        true,
        json!({"fault": "status", "status": 403, "code": "KMS.AccessDeniedException",
               "message": "The ciphertext refers to a customer master key that does not exist"}),
        "access denied (KMS.AccessDeniedException: The ciphertext refers to a customer master key that does not exist)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_kms_denied_is_error_not_invalid_exit_3() {
    persistent(
        "fault_kms_digest",
        |c| digest(c, 2),
        false,
        json!({"fault": "status", "status": 403, "code": "KMS.AccessDeniedException", "message": "denied by KMS"}),
        "access denied (KMS.AccessDeniedException: denied by KMS)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowdown_503_forever_is_error_after_retries_exit_3() {
    persistent(
        "fault_503_forever",
        |c| log(c, 2),
        true,
        json!({"fault": "status", "status": 503, "code": "SlowDown", "message": "Please reduce your request rate."}),
        "throttled after retries (SlowDown: Please reduce your request rate.)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_error_500_forever_is_error_after_retries_exit_3() {
    persistent(
        "fault_500_forever",
        |c| log(c, 8),
        true,
        json!({"fault": "status", "status": 500, "code": "InternalError", "message": "We encountered an internal error."}),
        "could not be read (InternalError: We encountered an internal error.)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_reset_forever_is_error_exit_3() {
    persistent(
        "fault_reset_forever",
        |c| log(c, 10),
        true,
        json!({"fault": "reset"}),
        "could not be read (connection failed: ",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_timeout_forever_is_error_exit_3() {
    persistent(
        "fault_timeout_forever",
        |c| log(c, 1),
        true,
        json!({"fault": "stall"}),
        "timed out after retries (request timed out)",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_cut_short_forever_is_error_exit_3() {
    persistent(
        "fault_cut_forever",
        |c| log(c, 11),
        true,
        json!({"fault": "cut"}),
        "body cut short after retries (",
    )
    .await;
}

/// Listing and listing-page rules for the digest folder of `region`: two keys a page (six
/// digests, three pages), and page 2 failing with 503 `SlowDown` for good.
fn failing_second_page(c: &Case, proxy: &FaultProxy, region: &str) -> u64 {
    let prefix = digest_prefix(c, region);
    proxy.rule(
        &json!({"fault": "page_size", "bucket": c.spec.bucket, "prefix": prefix, "max_keys": 2}),
    );
    proxy.rule(&json!({"fault": "status", "bucket": c.spec.bucket, "prefix": prefix, "page": 2,
                       "status": 503, "code": "SlowDown", "message": "Please reduce your request rate."}))
}

/// A listing that fails on its second page is not "the end of the listing": the one region
/// asked for cannot be verified from a partial listing (the chain is walked from its newest
/// digest, which page 1 does not hold), so the run cannot run (exit 2) and says why; it
/// prints no results and no verdicts built on the first page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_page_failing_mid_listing_is_reported_and_cannot_run_exit_2() {
    let (c, proxy) = world("fault_list_page_forever", &[]).await;
    let page2 = failing_second_page(&c, &proxy, "us-east-1");
    let run = verify(&c, &proxy, &[]);
    assert!(proxy.hits(page2) >= 2, "page 2 was not retried");
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.stderr,
        format!(
            "\ncannot list digests in s3://{}/{}: SlowDown: Please reduce your request rate.\n",
            c.spec.bucket,
            digest_prefix(&c, "us-east-1")
        )
    );
    assert!(!run.stdout.contains("Results"), "{}", run.stdout);
    assert!(!run.stdout.contains("Digest file"), "{}", run.stdout);
}

/// With `--all-regions`, a region whose listing fails mid-way is that region's ERROR; the
/// other region is verified in full and the run is incomplete (exit 3).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_page_failing_mid_listing_in_one_region_is_region_error_exit_3() {
    let (c, proxy) = world("fault_list_page_region", &["us-east-1", "us-west-2"]).await;
    let clean = verify(&c, &proxy, &["--all-regions"]);
    assert_eq!(clean.code, 0, "fault-free run: {clean:?}");
    let page2 = failing_second_page(&c, &proxy, "us-west-2");
    let run = verify(&c, &proxy, &["--all-regions"]);
    assert!(proxy.hits(page2) >= 2, "page 2 was not retried");
    assert_eq!(run.code, 3, "{run:?}");
    let line = format!(
        "Source region us-west-2\tERROR: cannot list digests in s3://{}/{}: SlowDown: Please reduce your request rate.",
        c.spec.bucket,
        digest_prefix(&c, "us-west-2")
    );
    assert!(
        run.stderr.lines().any(|l| l == line),
        "no {line:?} in\n{}",
        run.stderr
    );
    assert!(!run.stderr.contains("INVALID"), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("Total for 2 regions (1 could not be verified):"),
        "{}",
        run.stdout
    );
    // us-east-1 printed exactly what the fault-free run printed for it.
    let east = |out: &str| {
        out.split("Source region us-west-2")
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(east(&run.stdout), east(&clean.stdout));
}

/// Operation names of read-only calls.
fn is_read_operation(op: &str) -> bool {
    ["Get", "List", "Describe", "Lookup", "Head", "Search"]
        .iter()
        .any(|p| op.starts_with(p))
}

/// `verify`, `report` (live: S3, `CloudTrail`, the compliance snapshot) and `summarize`
/// (live) through the proxy: S3 sees only GET and HEAD; every other call is a read operation
/// (`CloudTrail`'s JSON calls are POSTs to the same endpoint, told apart by the `SigV4` service).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_report_and_summarize_only_read() {
    let (c, proxy) = world("fault_read_only", &[]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let run = verify(&c, &proxy, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let mut report = vec!["report".to_owned()];
    // `report` takes the options that choose what is read, not verify's `--verbose`.
    report.extend(verify_args(&c).into_iter().filter(|a| a != "--verbose"));
    report.extend([
        "--endpoint-url".to_owned(),
        proxy.endpoint(),
        "--as-of".to_owned(),
        "2026-03-02T01:00:00Z".to_owned(),
        "--out".to_owned(),
        dir.path().join("r.html").display().to_string(),
        "--json".to_owned(),
        dir.path().join("r.json").display().to_string(),
    ]);
    let out = command(&proxy, &report).output().expect("report");
    assert!(
        dir.path().join("r.json").exists(),
        "report wrote nothing: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut summarize = vec!["summarize".to_owned()];
    summarize.extend(verify_args(&c).into_iter().filter(|a| a != "--verbose"));
    summarize.extend(["--endpoint-url".to_owned(), proxy.endpoint()]);
    let out = command(&proxy, &summarize).output().expect("summarize");
    assert!(
        out.status.code().is_some_and(|c| c != 2),
        "summarize could not run: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let seen = proxy.requests();
    let s3: Vec<_> = seen
        .iter()
        .filter(|r| r.service.as_deref() == Some("s3"))
        .collect();
    assert!(s3.iter().any(|r| r.method == "GET"), "no S3 reads recorded");
    for r in &s3 {
        assert!(
            r.method == "GET" || r.method == "HEAD",
            "S3 {} {}?{}: the binary must only read",
            r.method,
            r.path,
            r.query
        );
    }
    for r in seen.iter().filter(|r| r.service.as_deref() != Some("s3")) {
        assert!(
            r.service.is_some(),
            "unsigned request {} {}",
            r.method,
            r.path
        );
        match (&r.operation, r.method.as_str()) {
            (Some(op), _) => assert!(
                is_read_operation(op),
                "{:?} {op}: not a read operation",
                r.service
            ),
            (None, "GET" | "HEAD") => {}
            // REST-JSON reads that are POSTs by protocol (account:ListRegions).
            (None, "POST") if r.path == "/listRegions" => {}
            (None, m) => panic!("{:?} {m} {}: not known to be a read", r.service, r.path),
        }
    }
    let services: std::collections::BTreeSet<_> =
        seen.iter().filter_map(|r| r.service.clone()).collect();
    assert!(services.contains("cloudtrail"), "{services:?}");
}

/// Starts `trailproof <args>` through the proxy with a stalled object, waits until the run
/// hangs on it, sends `signal` and returns what the run printed.
fn interrupted(proxy: &FaultProxy, args: &[String], signal: &str) -> (Run, Duration) {
    let mut cmd = command(proxy, args);
    // The default two minutes: the run hangs on the stalled object until the signal.
    cmd.env_remove("TRAILPROOF_ATTEMPT_TIMEOUT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().expect("spawn trailproof");
    let deadline = Instant::now() + Duration::from_mins(1);
    while !proxy
        .requests()
        .iter()
        .any(|r| r.fault.as_deref() == Some("stall"))
    {
        assert!(Instant::now() < deadline, "the run never reached the stall");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Let everything before the stalled object be judged and printed.
    std::thread::sleep(Duration::from_millis(1500));
    let sent = Instant::now();
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait");
    (Run::from_output(&out), sent.elapsed())
}

/// Verdict lines (`Digest file`/`Log file`) in an output.
fn verdict_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("Digest file\t") || l.starts_with("Log file\t"))
        .collect()
}

/// SIGINT while a log file hangs: exit 130 at once, every line printed before is the
/// fault-free run's (in order, whole), and the closing summary counts exactly those files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_prints_what_was_verified_and_exits_130() {
    let (c, proxy) = world("fault_sigint", &[]).await;
    let clean = verify(&c, &proxy, &[]);
    assert_eq!(clean.code, 0, "{clean:?}");
    proxy.rule(&on(&log(&c, 6), &json!({"fault": "stall"})));
    let (run, took) = interrupted(&proxy, &verify_cmd_args(&c, &proxy, &[]), "INT");
    assert_eq!(run.code, 130, "{run:?}");
    assert!(took < Duration::from_secs(5), "exit took {took:?}");
    let printed = verdict_lines(&run.stdout);
    let all = verdict_lines(&clean.stdout);
    assert!(
        !printed.is_empty(),
        "nothing printed before the signal: {run:?}"
    );
    assert!(printed.len() < all.len(), "{run:?}");
    assert_eq!(
        printed,
        all[..printed.len()],
        "lines changed by the interruption"
    );
    assert!(
        clean.stdout.starts_with(&run.stdout),
        "stdout is not a prefix of the fault-free run's:\n{}",
        run.stdout
    );
    let digests = printed.iter().filter(|l| l.starts_with("Digest")).count();
    let logs = printed.len() - digests;
    assert_eq!(
        run.stderr,
        format!(
            "\nInterrupted by SIGINT: {} files verified before the signal; the rest was not checked\n\n{digests}/{digests} digest files valid\n{logs}/{logs} log files valid\n",
            printed.len()
        )
    );
}

/// SIGTERM during a live `report --out --json`: exit 130, a summary, and neither output file
/// exists, complete or partial (nothing at all is left in the output folder).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_leaves_no_output_files_and_exits_130() {
    let (c, proxy) = world("fault_sigterm", &[]).await;
    proxy.rule(&on(&log(&c, 9), &json!({"fault": "stall"})));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["report".to_owned()];
    args.extend(verify_args(&c).into_iter().filter(|a| a != "--verbose"));
    args.extend([
        "--endpoint-url".to_owned(),
        proxy.endpoint(),
        "--out".to_owned(),
        dir.path().join("report.html").display().to_string(),
        "--json".to_owned(),
        dir.path().join("report.json").display().to_string(),
    ]);
    let (run, _) = interrupted(&proxy, &args, "TERM");
    assert_eq!(run.code, 130, "{run:?}");
    assert!(
        run.stderr.contains("\nInterrupted by SIGTERM: "),
        "{}",
        run.stderr
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(left.is_empty(), "files left behind: {left:?}");

    // And `verify --format json`: no partial JSON document on stdout.
    proxy.clear_requests();
    let (run, _) = interrupted(
        &proxy,
        &verify_cmd_args(&c, &proxy, &["--format", "json"]),
        "TERM",
    );
    assert_eq!(run.code, 130, "{run:?}");
    assert_eq!(run.stdout, "", "partial JSON on stdout");
    assert!(
        run.stderr.starts_with("\nInterrupted by SIGTERM: "),
        "{}",
        run.stderr
    );
}

/// A day folder of the log folder that cannot be listed (the forged-log check lists it) is a
/// WARNING naming the folder, and the run is incomplete (exit 3): every verdict stands, but
/// forged log files there cannot be ruled out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_folder_listing_denied_makes_the_run_incomplete_exit_3() {
    let (c, proxy) = world("fault_log_folder_unlisted", &[]).await;
    let clean = verify(&c, &proxy, &[]);
    assert_eq!(clean.code, 0, "{clean:?}");
    let folder = format!(
        "AWSLogs/{}/CloudTrail/us-east-1/2026/03/01/",
        c.spec.account_id
    );
    proxy.rule(
        &json!({"fault": "status", "bucket": c.spec.bucket, "prefix": folder,
        "status": 403, "code": "AccessDenied", "message": "Access Denied"}),
    );
    let run = verify(&c, &proxy, &[]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "Log folder\ts3://{}/{folder}\tWARNING: could not be listed (",
            c.spec.bucket
        )),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("INVALID"), "{}", run.stderr);
    assert_eq!(run.stdout, clean.stdout, "the verdicts stand");
}
