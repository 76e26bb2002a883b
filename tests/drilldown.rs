//! Drill-down: every figure of the summary carries the `trailproof search` command that
//! lists its records. Running each command (through `sh`, as a person pasting it would)
//! counts exactly its figure, on the sample and on hostile records whose names would run
//! commands if they were not quoted.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

use std::process::Command;

use serde_json::{Value, json};

fn bin() -> String {
    env!("CARGO_BIN_EXE_trailproof").to_owned()
}

fn summarize(logs: &str) -> Value {
    let out = Command::new(bin())
        .args(["summarize", "--logs", logs, "--format", "json"])
        .output()
        .unwrap();
    serde_json::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap()
}

/// Runs a drill-down command through `sh` (with this build's binary) and returns the
/// number of records it matched.
fn matches(command: &str, cwd: &std::path::Path) -> u64 {
    let rest = command
        .strip_prefix("trailproof ")
        .unwrap_or_else(|| panic!("not a trailproof command: {command}"));
    let script = format!("'{}' {rest} --format json", bin());
    let out = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(cwd)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    d["input"]["matches"].as_u64().unwrap()
}

fn check_every_figure(summary: &Value, cwd: &std::path::Path) -> usize {
    let drill = summary["drilldown"]
        .as_object()
        .expect("a drilldown object");
    for (pointer, command) in drill {
        let figure = summary
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{pointer} is not a figure"))
            .as_u64()
            .unwrap_or_else(|| panic!("{pointer} is not a count"));
        assert_eq!(
            matches(command.as_str().unwrap(), cwd),
            figure,
            "{pointer}: {command}"
        );
    }
    drill.len()
}

#[test]
fn every_drilldown_command_counts_exactly_its_figure_on_the_sample() {
    let root = env!("CARGO_MANIFEST_DIR");
    let s = summarize("testdata/sample/bucket");
    let n = check_every_figure(&s, std::path::Path::new(root));
    assert!(n > 30, "{n} figures");
    // The keys and value types of the summary are unchanged; drilldown is beside them.
    assert!(s["records"].is_u64() && s["by_event_name"].is_object());
    assert_eq!(
        s["drilldown"]["/records"],
        "trailproof search --logs 'testdata/sample/bucket'"
    );
}

#[test]
fn hostile_names_never_run_when_a_command_is_pasted() {
    let tmp = tempfile::tempdir().unwrap();
    let canary = tmp.path().join("pwned");
    let evil = format!(
        "$(touch {}) `touch {}` ' ; touch {} #",
        canary.display(),
        canary.display(),
        canary.display()
    );
    let records = json!({"Records": [
        {"eventVersion": "1.08", "eventTime": "2024-05-01T10:00:00Z", "eventName": evil,
         "eventSource": "*", "awsRegion": "us-east-1'", "recipientAccountId": "1",
         "userIdentity": {"type": "IAMUser", "arn": evil}},
        {"eventVersion": "1.08", "eventTime": "2024-05-01T10:00:00Z", "eventName": "List*",
         "eventSource": "a?b", "awsRegion": "us-east-1", "recipientAccountId": "1",
         "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/x"}},
    ]});
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(logs.join("a.json"), records.to_string()).unwrap();
    let s = summarize(&logs.display().to_string());
    check_every_figure(&s, tmp.path());
    assert!(!canary.exists(), "a record's text ran as a command");
}
