//! `trailproof hunt` and `trailproof search` over a trail served by the moto server on
//! loopback (started by `scripts/test`): every object read once through the verified
//! stream, and each hit or match marked verified only when its log file's hash matched a
//! signed digest. The world holds the
//! default scenario's logs (verified), foreign objects and an unreferenced log carrying
//! forged records (analysed, never verified).

#![cfg(feature = "fixture")]
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

mod support {
    pub mod case;
    pub mod default_trail;
    pub mod expect;
    pub mod moto;
    pub mod run;
    pub mod trail;
    pub use case::{Case, case, verify_args};
    pub use default_trail::base;
    pub use run::{Run, bin};
    pub use trail::ACCOUNT;
}
mod foreign_world;

use std::process::Command;

use serde_json::Value;
use support::moto::{endpoint, put_world, sdk_config};
use support::{ACCOUNT, Run};

const RULES: &str = r"title: Forged records
id: t-forged
level: critical
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventName: ForgedEvent
  condition: sel
---
title: Every record with a version
id: t-all
level: informational
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventVersion|exists: true
  filter:
    eventName: ForgedEvent
  condition: sel and not filter
";

/// The world: the foreign-object case plus an unreferenced log, uploaded with its trail.
/// Returns the case and the unreferenced log's location.
async fn world(name: &str) -> (support::Case, trailproof::vocab::Location) {
    let mut c = foreign_world::foreign_case(name);
    c.verbose = false; // a verify option; hunt and search do not take it
    let day = foreign_world::day_folder();
    // A log named as CloudTrail names them, that no digest lists: unreferenced.
    let unreferenced = foreign_world::put_forged(
        &mut c,
        &format!("{day}{ACCOUNT}_CloudTrail_us-east-1_20260301T0245Z_UNREFunrefUNREF0.json.gz"),
    );
    put_world(&c).await;
    let ct = aws_sdk_cloudtrail::Client::new(&sdk_config(&c.spec.home_region).await);
    ct.create_trail()
        .name(&c.spec.trail_name)
        .s3_bucket_name(&c.spec.bucket)
        .enable_log_file_validation(true)
        .send()
        .await
        .expect("create trail");
    (c, unreferenced)
}

/// Runs `trailproof <args> <the case's verify options>` against moto.
fn online(c: &support::Case, args: &[&std::ffi::OsStr]) -> Run {
    let ep = endpoint();
    let out = Command::new(support::bin())
        .args(args)
        .args(support::verify_args(c))
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
async fn hits_say_whether_their_log_file_was_verified() {
    let (c, unreferenced) = world("hunt_moto").await;
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules.yml");
    std::fs::write(&rules, RULES).unwrap();
    let run = online(
        &c,
        &[
            "hunt".as_ref(),
            "--rules".as_ref(),
            rules.as_os_str(),
            "--format".as_ref(),
            "jsonl".as_ref(),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let hits: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a hit per line"))
        .collect();
    let forged: Vec<&Value> = hits.iter().filter(|h| h["rule_id"] == "t-forged").collect();
    let real: Vec<&Value> = hits.iter().filter(|h| h["rule_id"] == "t-all").collect();
    // Six foreign objects and one unreferenced log, each holding one forged record.
    assert_eq!(forged.len(), 7, "{forged:#?}");
    assert!(forged.iter().all(|h| h["verified"] == false));
    assert!(
        forged.iter().any(|h| h["file"] == unreferenced.uri()),
        "the unreferenced log is hunted: {forged:#?}"
    );
    assert!(!real.is_empty());
    assert!(
        real.iter().all(|h| h["verified"] == true),
        "{:#?}",
        real.iter().find(|h| h["verified"] != true)
    );
    assert!(
        real.iter()
            .all(|h| h["file"].as_str().unwrap().starts_with("s3://"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_matches_say_whether_their_log_file_was_verified() {
    let (c, unreferenced) = world("search_moto").await;
    let run = online(
        &c,
        &["search".as_ref(), "--format".as_ref(), "jsonl".as_ref()],
    );
    // The verification finds the foreign objects: tampering, exit 1; matches are results.
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one record per line"))
        .collect();
    let forged: Vec<&Value> = lines
        .iter()
        .filter(|l| l["record"]["eventName"] == "ForgedEvent")
        .collect();
    assert_eq!(forged.len(), 7);
    assert!(forged.iter().all(|l| l["verified"] == false));
    assert!(forged.iter().any(|l| l["file"] == unreferenced.uri()));
    let real: Vec<&Value> = lines
        .iter()
        .filter(|l| l["record"]["eventName"] != "ForgedEvent")
        .collect();
    assert!(!real.is_empty());
    assert!(real.iter().all(|l| l["verified"] == true));
}
