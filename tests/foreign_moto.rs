//! Foreign objects and bundle paths against the moto server on loopback (started by
//! `scripts/test`): a foreign object in the log folder exits 1 naming it over S3 exactly as
//! offline, and a bucket holding both `a//b` and `a/b` (a log file and a forged twin whose
//! key differs only by a doubled `/`) fetched into a bundle verifies offline exactly as
//! online.

#![cfg(feature = "fixture")]
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

mod support {
    pub mod bundle;
    pub mod case;
    pub mod default_trail;
    pub mod expect;
    pub mod moto;
    pub mod run;
    pub mod trail;
    pub use bundle::run_bundle;
    pub use case::{Case, case, verify_args};
    pub use default_trail::base;
    pub use expect::{check_expectations, extras};
    pub use run::{Run, bin};
    pub use trail::ACCOUNT;
}
mod foreign_world;

use std::path::Path;
use std::process::Command;

use support::moto::{endpoint, put_world, sdk_config};
use support::{Case, Run, check_expectations, run_bundle, verify_args};
use trailproof::source::local::key_path;

/// Puts the case's world into moto and creates its trail (validation on).
async fn upload(c: &Case) {
    put_world(c).await;
    let ct = aws_sdk_cloudtrail::Client::new(&sdk_config(&c.spec.home_region).await);
    ct.create_trail()
        .name(&c.spec.trail_name)
        .s3_bucket_name(&c.spec.bucket)
        .enable_log_file_validation(true)
        .send()
        .await
        .expect("create trail");
}

/// Runs `trailproof <command>` against moto.
fn run_online(command: &str, c: &Case, extra: &[&str]) -> Run {
    let ep = endpoint();
    let out = Command::new(support::bin())
        .arg(command)
        .args(extra)
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_objects_in_the_log_folder_are_findings_over_s3_as_offline() {
    let c = foreign_world::foreign_case("foreign_moto");
    upload(&c).await;
    let reference_only = run_online("verify", &c, &["--reference-only"]);
    check_expectations(&c, &reference_only);
    let default = run_online("verify", &c, &[]);
    let lines = support::extras(&c, &default, &reference_only);
    assert_eq!(default.code, 1, "{}", default.stderr);
    assert_eq!(lines.len(), 6, "{lines:#?}");

    let dir = tempfile::tempdir().expect("tmp");
    assert_eq!(
        run_bundle(&c, dir.path(), &["--reference-only"]),
        reference_only,
        "S3 and bundle differ (--reference-only)"
    );
    assert_eq!(
        run_bundle(&c, dir.path(), &[]),
        default,
        "S3 and bundle differ"
    );
    // JSON: the same document but for where objects and keys came from.
    let documents = [
        run_online("verify", &c, &["--format", "json"]),
        run_bundle(&c, dir.path(), &["--format", "json"]),
    ]
    .map(|run| {
        assert_eq!(run.code, 1);
        let mut doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        doc.as_object_mut().expect("object").remove("inputs");
        doc
    });
    assert_eq!(documents[0], documents[1]);
    let foreign = documents[0]["regions"][0]["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["code"] == "foreign_object")
        .count();
    assert_eq!(foreign, 6);
}

/// Splits the bundle summary off a fetch run's stderr.
fn without_summary(run: &Run) -> (Run, String) {
    let (rest, summary) = run
        .stderr
        .rsplit_once("Evidence bundle ")
        .expect("fetch prints its bundle summary");
    (
        Run {
            code: run.code,
            stdout: run.stdout.clone(),
            stderr: rest.to_owned(),
        },
        summary.to_owned(),
    )
}

fn verify_offline(c: &Case, dir: &Path) -> Run {
    let out = Command::new(support::bin())
        .arg("verify")
        .args(verify_args(c))
        .arg("--bundle")
        .arg(dir)
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("run trailproof verify --bundle");
    Run::from_output(&out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twins_by_a_doubled_slash_are_two_objects_in_the_bundle() {
    let (spec, world) = support::base("bundle_twins", None);
    let mut c = support::case("bundle_twins", spec, world);
    let real = c.world.logs(&c.spec, "us-east-1")[3].clone();
    let day = foreign_world::day_folder();
    let name = real.key.strip_prefix(&day).expect("in the day folder");
    // `…/01//<name>` is `a//b` to the real log's `a/b`; `…/01/./<name>` would be the same
    // file too if paths were normalised; `…/exports/` is a folder marker (trailing `/`).
    let twins = [
        format!("{day}/{name}"),
        format!("{day}./{name}"),
        format!("{day}exports/"),
    ];
    let mut lines: Vec<String> = twins
        .iter()
        .map(|k| {
            foreign_world::foreign_line(
                &foreign_world::put_forged(&mut c, k),
                "it is not directly inside a day folder YYYY/MM/DD/ of the log folder",
            )
        })
        .collect();
    lines.sort();
    c.expect_findings = lines;
    c.only_expected_findings = true;
    upload(&c).await;

    let online = run_online("verify", &c, &[]);
    let reference_only = run_online("verify", &c, &["--reference-only"]);
    support::extras(&c, &online, &reference_only);
    assert_eq!(online.code, 1, "{}", online.stderr);

    let dir = tempfile::tempdir().expect("tmp");
    let fetch = run_online("fetch", &c, &["--out", dir.path().to_str().unwrap()]);
    let (fetched, summary) = without_summary(&fetch);
    assert_eq!(fetched, online, "fetch prints the same verification");
    assert!(
        summary.contains(", 0 could not be read;"),
        "every object recorded: {summary}"
    );
    // Each object has a file of its own, holding its own bytes.
    let bucket = dir.path().join(&c.spec.bucket);
    for key in twins.iter().chain(std::iter::once(&real.key)) {
        let loc = trailproof::vocab::Location::new(&c.spec.bucket, key);
        let file = bucket.join(key_path(key));
        assert_eq!(
            std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display())),
            c.world.objects[&loc].body,
            "{key}"
        );
    }

    // Offline, with nothing but the bundle: the same stdout, stderr and exit code.
    assert_eq!(verify_offline(&c, dir.path()), online);
    let mut ro = verify_args(&c);
    ro.push("--reference-only".into());
    let out = Command::new(support::bin())
        .arg("verify")
        .args(ro)
        .arg("--bundle")
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(Run::from_output(&out), reference_only);
}
