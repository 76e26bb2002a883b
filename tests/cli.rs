//! Command-line behaviour that needs no server: usage errors, fatal messages, formats,
//! time handling, all-regions totals, key files. Runs against the committed sample bundle.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

use std::process::Command;

const ARN: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/sample-trail";

fn sample(args: &[&str]) -> (i32, String, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(env!("CARGO_BIN_EXE_trailproof"))
        .arg("verify")
        .args(args)
        .args(["--bundle", &format!("{root}/testdata/sample/bucket")])
        .args([
            "--public-keys",
            &format!("{root}/testdata/sample/public-keys.json"),
        ])
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("run trailproof");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn missing_trail_arn_is_usage_error_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_trailproof"))
        .args(["verify", "--start-time", "2026-03-01"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--trail-arn"));
}

#[test]
fn bad_arn_prints_reference_message_exit_2() {
    let (code, stdout, stderr) =
        sample(&["--trail-arn", "foo:bar:baz", "--start-time", "2026-03-01"]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(stderr, "\nInvalid trail ARN provided: foo:bar:baz\n");
}

#[test]
fn bad_date_prints_reference_message_exit_2() {
    let (code, _, stderr) = sample(&["--trail-arn", ARN, "--start-time", "the day before"]);
    assert_eq!(code, 2);
    assert_eq!(stderr, "\nUnable to parse date value: the day before\n");
}

#[test]
fn start_after_end_prints_reference_message_exit_2() {
    let (code, _, stderr) = sample(&[
        "--trail-arn",
        ARN,
        "--start-time",
        "2026-03-02",
        "--end-time",
        "2026-03-01",
    ]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "\nInvalid time range specified: start-time must occur before end-time\n"
    );
}

#[test]
fn time_offsets_are_converted_not_dropped() {
    let (code, stdout, _) = sample(&[
        "--trail-arn",
        ARN,
        "--start-time",
        "2026-03-01T02:00:00+02:00",
        "--end-time",
        "March 1, 2026 06:00:00 UTC",
    ]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with(&format!(
        "Validating log files for trail {ARN} between 2026-03-01T00:00:00Z and 2026-03-01T06:00:00Z\n\n"
    )));
}

#[test]
fn sample_day_all_regions_text_has_blocks_and_total() {
    let (code, stdout, stderr) = sample(&[
        "--trail-arn",
        ARN,
        "--start-time",
        "2026-03-01T00:00:00Z",
        "--end-time",
        "2026-03-02T00:00:00Z",
        "--all-regions",
    ]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let block = "Results requested for 2026-03-01T00:00:00Z to 2026-03-02T00:00:00Z\n\
                 Results found for 2026-03-01T00:17:42Z to 2026-03-02T00:00:00Z:\n\n\
                 24/24 digest files valid\n48/48 log files valid\n";
    let expected = format!(
        "Validating log files for trail {ARN} between 2026-03-01T00:00:00Z and 2026-03-02T00:00:00Z\n\n\
         Source region eu-west-1\n\n{block}\nSource region us-east-1\n\n{block}\n\
         Total for 2 regions:\n\n48/48 digest files valid\n96/96 log files valid\n"
    );
    assert_eq!(stdout, expected);
}

#[test]
fn json_format_is_one_stable_document() {
    let (code, stdout, stderr) = sample(&[
        "--trail-arn",
        ARN,
        "--start-time",
        "2026-03-01T00:00:00Z",
        "--end-time",
        "2026-03-01T03:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(v["schema_version"], "trailproof.verify/1");
    assert_eq!(v["outcome"], "clean");
    assert_eq!(v["exit_code"], 0);
    assert_eq!(v["inputs"]["regions"], serde_json::json!(["us-east-1"]));
    let region = &v["regions"][0];
    assert_eq!(region["coverage"]["found_start"], "2026-03-01T00:17:42Z");
    assert_eq!(region["counts"]["digests"]["valid"], 3);
    assert_eq!(region["counts"]["logs"]["valid"], 6);
    let events = region["events"].as_array().expect("events");
    assert_eq!(events.len(), 10);
    assert_eq!(events[9]["type"], "head");
    assert_eq!(region["counts"]["findings"], 0);
    assert_eq!(events[0]["type"], "digest");
    assert_eq!(events[0]["status"], "valid");
    assert_eq!(events[1]["type"], "log");
    // Deterministic: a second run prints the same bytes.
    let (_, again, _) = sample(&[
        "--trail-arn",
        ARN,
        "--start-time",
        "2026-03-01T00:00:00Z",
        "--end-time",
        "2026-03-01T03:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(stdout, again);
}

#[test]
fn bundle_without_keys_cannot_run() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(env!("CARGO_BIN_EXE_trailproof"))
        .args(["verify", "--trail-arn", ARN, "--start-time", "2026-03-01"])
        .args(["--bundle", &format!("{root}/testdata/sample/bucket")])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--public-keys"));
}

#[test]
fn no_keys_for_window_is_fatal_like_the_reference() {
    let dir = tempfile::tempdir().expect("tmp");
    let keys = dir.path().join("keys.json");
    std::fs::write(&keys, r#"{"PublicKeyList": []}"#).expect("write");
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(env!("CARGO_BIN_EXE_trailproof"))
        .args([
            "verify",
            "--trail-arn",
            ARN,
            "--start-time",
            "2026-03-01T00:00:00Z",
            "--end-time",
            "2026-03-01T01:00:00Z",
        ])
        .args(["--bundle", &format!("{root}/testdata/sample/bucket")])
        .arg("--public-keys")
        .arg(&keys)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "\nNo public keys found between 2026-03-01T00:00:00Z and 2026-03-01T03:00:00Z\n"
    );
}

fn controls(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trailproof"))
        .arg("controls")
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn controls_lists_the_whole_catalog_and_filters_by_framework() {
    let (code, all) = controls(&[]);
    assert_eq!(code, 0);
    assert_eq!(all.lines().count(), 28);
    assert!(all.starts_with("CT-01  HIGH"), "{all}");
    let (code, cis) = controls(&["--framework", "cis-7.0"]);
    assert_eq!(code, 0);
    assert!(
        cis.lines()
            .any(|l| l.starts_with("CT-02") && l.contains("CIS 7.0 4.1")),
        "{cis}"
    );
    assert!(cis.lines().count() < 28);
    let (code, json) = controls(&["--framework", "securityhub", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["schema_version"], "trailproof.controls/1");
    let ct08 = v["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .find(|c| c["id"] == "CT-08")
        .expect("CT-08");
    assert_eq!(
        ct08["framework"]["ids"],
        serde_json::json!(["CloudTrail.4"])
    );
    assert_eq!(controls(&["--framework", "cis-9.9"]).0, 2);
}
