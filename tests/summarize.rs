//! `trailproof summarize --logs`: every accepted shape, gzip and plain, skipped files, exact
//! counts in the JSON document, exit codes and escaping of hostile strings.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trailproof"))
        .arg("summarize")
        .args(args)
        .output()
        .expect("run trailproof");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn rec(name: &str, source: &str, identity: &Value) -> Value {
    json!({
        "eventVersion": "1.08", "eventTime": "2024-05-01T10:00:00Z", "eventName": name,
        "eventSource": source, "awsRegion": "us-east-1", "userIdentity": identity,
        "sourceIPAddress": "203.0.113.7", "recipientAccountId": "111122223333",
        "eventType": "AwsApiCall"
    })
}

fn root() -> Value {
    json!({"type": "Root", "accountId": "111122223333", "arn": "arn:aws:iam::111122223333:root"})
}

fn user() -> Value {
    json!({"type": "IAMUser", "accountId": "111122223333", "arn": "arn:aws:iam::111122223333:user/alice"})
}

fn login(identity: &Value, outcome: &str, mfa: &str, time: &str) -> Value {
    let mut r = rec("ConsoleLogin", "signin.amazonaws.com", identity);
    r["eventType"] = json!("AwsConsoleSignIn");
    r["eventTime"] = json!(time);
    r["responseElements"] = json!({"ConsoleLogin": outcome});
    r["additionalEventData"] = json!({"MFAUsed": mfa});
    if outcome == "Failure" {
        r["errorMessage"] = json!("Failed authentication");
    }
    r
}

fn denied(name: &str, code: &str) -> Value {
    let mut r = rec(name, "s3.amazonaws.com", &user());
    r["errorCode"] = json!(code);
    r
}

/// Writes the good fixtures (13 records in five shapes) under `dir`.
fn write_good(dir: &Path) {
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::create_dir_all(dir.join("b/deep")).unwrap();
    // CloudTrail shape, gzip, named without .gz: detected by magic bytes. 6 records.
    let ct = json!({"Records": [
        login(&root(), "Success", "No", "2024-05-01T08:00:00Z"),
        login(&user(), "Failure", "No", "2024-05-01T09:00:00Z"),
        login(&user(), "Success", "YES", "2024-05-01T09:30:00Z"),
        denied("GetObject", "AccessDenied"),
        denied("HeadBucket", "AccessDenied"),
        rec("StopLogging", "cloudtrail.amazonaws.com", &root()),
    ]});
    std::fs::write(dir.join("a/ct.json"), gz(ct.to_string().as_bytes())).unwrap();
    // Bare array, plain, pretty. 2 records.
    let mut ec2 = rec("RunInstances", "ec2.amazonaws.com", &user());
    ec2["errorCode"] = json!("Client.UnauthorizedOperation");
    let arr = json!([rec("CreateTrail", "cloudtrail.amazonaws.com", &user()), ec2]);
    std::fs::write(
        dir.join("a/array.json"),
        serde_json::to_string_pretty(&arr).unwrap(),
    )
    .unwrap();
    // JSON Lines, gzip with a .gz name. 3 records, one a root service event (not root use).
    let mut svc = rec("Decrypt", "kms.amazonaws.com", &root());
    svc["eventType"] = json!("AwsServiceEvent");
    let mut last = rec("DisableKey", "kms.amazonaws.com", &user());
    last["eventTime"] = json!("2024-05-02T23:59:59Z");
    let lines = format!(
        "{}\n{}\n{}\n",
        last,
        rec(
            "AuthorizeSecurityGroupIngress",
            "ec2.amazonaws.com",
            &user()
        ),
        svc
    );
    std::fs::write(dir.join("b/lines.jsonl.gz"), gz(lines.as_bytes())).unwrap();
    // lookup-events output. 1 record.
    let lookup = json!({"Events": [{
        "EventId": "x", "EventName": "PutBucketPolicy",
        "CloudTrailEvent": rec("PutBucketPolicy", "s3.amazonaws.com", &user()).to_string()
    }]});
    std::fs::write(dir.join("b/deep/lookup.json"), lookup.to_string()).unwrap();
    // EventBridge envelope. 1 record.
    let eb = json!({"version": "0", "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.ec2", "account": "111122223333", "region": "us-east-1",
        "detail": rec("CreateVpc", "ec2.amazonaws.com", &user())});
    std::fs::write(dir.join("b/deep/eventbridge.json"), eb.to_string()).unwrap();
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).expect("JSON output")
}

#[test]
fn every_shape_counts_exactly_and_malformed_files_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    write_good(dir.path());
    std::fs::write(
        dir.path().join("b/broken.gz"),
        b"\x1f\x8b\x08\x00not really gzip",
    )
    .unwrap();
    std::fs::write(dir.path().join("b/notes.txt"), b"hello, not json\n").unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["--logs", d, "--format", "json"]);
    assert_eq!(code, 3, "stderr: {err}");
    let v = json_of(&out);
    assert_eq!(v["schema"], "trailproof.summary/1");
    assert_eq!(v["verification"], "unverified");
    assert_eq!(v["benchmark"], "CIS AWS Foundations v3.0");
    assert_eq!(v["records"], 13);
    assert_eq!(v["files"].as_array().unwrap().len(), 5);
    assert_eq!(
        v["skipped"]["by_reason"],
        // notes.txt is not JSON and not named like a log: listed, but not lost input.
        json!({"gzip_invalid": 1, "not_a_log": 1})
    );
    let skipped: Vec<&str> = v["skipped"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(skipped[0].ends_with("broken.gz") && skipped[1].ends_with("notes.txt"));
    let shapes: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["shape"].as_str().unwrap())
        .collect();
    // Sorted walk: a/array.json, a/ct.json, b/deep/eventbridge.json, b/deep/lookup.json, b/lines.jsonl.gz
    assert_eq!(
        shapes,
        [
            "json_array",
            "cloudtrail",
            "event_bridge",
            "lookup_events",
            "json_lines"
        ]
    );
    assert_eq!(v["files"][1]["gzip"], true);
    assert_eq!(v["first_event_time"], "2024-05-01T08:00:00Z");
    assert_eq!(v["last_event_time"], "2024-05-02T23:59:59Z");
    assert_eq!(v["root_events"], 2);
    assert_eq!(
        v["console_logins"],
        json!({"total": 3, "success": 2, "failure": 1, "without_mfa": 2,
               "success_without_mfa": 1, "root": 1, "by_actor": {
                   "arn:aws:iam::111122223333:user/alice":
                       {"success": 1, "failure": 1, "without_mfa": 1, "source_ips": ["203.0.113.7"]},
                   "root@111122223333":
                       {"success": 1, "failure": 0, "without_mfa": 1, "source_ips": ["203.0.113.7"]}}})
    );
    assert_eq!(v["access_denied"], 2);
    assert_eq!(v["access_denied_excluded"], 1);
    assert_eq!(v["by_event_name"]["ConsoleLogin"], 3);
    assert_eq!(v["by_event_source"]["kms.amazonaws.com"], 2);
    assert_eq!(v["by_region"]["us-east-1"], 13);
    let cis = |id: &str| v["cis_monitoring"][id]["count"].as_u64().unwrap();
    assert_eq!(cis("4.1"), 2);
    assert_eq!(cis("4.2"), 2);
    assert_eq!(cis("4.3"), 2);
    assert_eq!(cis("4.4"), 0);
    assert_eq!(cis("4.5"), 2);
    assert_eq!(cis("4.6"), 1);
    assert_eq!(cis("4.7"), 1);
    assert_eq!(cis("4.8"), 1);
    assert_eq!(cis("4.10"), 1);
    assert_eq!(cis("4.14"), 1);
    assert_eq!(v["cis_monitoring"].as_object().unwrap().len(), 15);
    assert_eq!(v["cis_monitoring"]["4.3"]["actors"]["root@111122223333"], 2);
    let alice = &v["identities"]["arn:aws:iam::111122223333:user/alice"];
    assert_eq!(alice["events"], 10);
    assert_eq!(alice["errors"], 4);
}

#[test]
fn clean_input_exits_0_and_json_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    write_good(dir.path());
    // A digest file is listed as skipped but is not input loss.
    std::fs::write(
        dir.path().join("b/digest.json"),
        r#"{"digestStartTime":"2024-05-01T00:00:00Z","logFiles":[],"digestPublicKeyFingerprint":"ab"}"#,
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, first, _) = run(&["--logs", d, "--format", "json"]);
    assert_eq!(code, 0);
    let (_, second, _) = run(&["--logs", d, "--format", "json"]);
    assert_eq!(first, second);
    let v = json_of(&first);
    assert_eq!(v["records"], 13);
    assert_eq!(v["skipped"]["by_reason"], json!({"digest_file": 1}));
}

#[test]
fn files_and_folders_mix_and_a_missing_path_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    write_good(dir.path());
    let a = dir.path().join("a");
    let one = dir.path().join("b/deep/lookup.json");
    let missing = dir.path().join("nope.json");
    let (code, out, _) = run(&[
        "--logs",
        a.to_str().unwrap(),
        one.to_str().unwrap(),
        missing.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 3);
    let v = json_of(&out);
    assert_eq!(v["records"], 9);
    assert_eq!(v["skipped"]["by_reason"], json!({"unreadable": 1}));
}

#[test]
fn nothing_readable_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(&["--logs", dir.path().join("missing").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("no input could be read"));
    let empty = tempfile::tempdir().unwrap();
    let (code, _, _) = run(&["--logs", empty.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    let (code, _, err) = run(&[]);
    assert_eq!(code, 2, "--logs is required: {err}");
}

#[test]
fn text_and_markdown_neutralise_hostile_strings() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = json!({"eventName": "Evil\u{1b}[31m|<script>`x`*_[a](b)", "eventTime": "2024-05-01T00:00:00Z",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/<img src=x>\nforged line"}});
    std::fs::write(dir.path().join("h.json"), json!([hostile]).to_string()).unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, text, _) = run(&["--logs", d]);
    assert_eq!(code, 0);
    assert!(text.contains("1 records from 1 files"));
    assert!(!text.contains('\u{1b}'));
    assert!(text.contains("Evil\u{FFFD}[31m"));
    let (code, md, _) = run(&["--logs", d, "--format", "markdown"]);
    assert_eq!(code, 0);
    assert!(md.contains("## CloudTrail activity summary"));
    // The drill-down commands sit in a fenced code block, where Markdown shows text as it
    // is (a command must stay exact to paste); everything outside it is escaped.
    let fence = md.find("```").expect("the drill-down block");
    assert!(!md[fence..].contains('\u{1b}'));
    assert!(
        !md[fence..].contains("\nforged line"),
        "a record's newline cannot start a line"
    );
    let md = md[..fence].to_owned();
    assert!(!md.contains('\u{1b}'));
    assert!(!md.contains("<script>"));
    // Every markdown-significant character coming from a record is escaped.
    for (i, _) in md.match_indices('<') {
        assert_eq!(&md[i - 1..i], "\\", "unescaped < in {md}");
    }
    assert!(md.contains("Evil\u{FFFD}\\[31m\\|\\<script\\>\\`x\\`\\*\\_\\[a\\](b)"));
    assert!(md.contains("\\<img src=x\\>\u{FFFD}forged line"));
    assert!(!md.contains("\nforged line"));
}

#[test]
fn an_evidence_bundle_is_read_without_its_sidecars() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sample/bucket");
    let (code, out, err) = run(&["--logs", dir, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(v["records"], 288);
    assert_eq!(
        v["files"].as_array().unwrap().len(),
        96,
        "48 logs and 48 digests read"
    );
    assert_eq!(
        v["skipped"]["by_reason"],
        serde_json::json!({ "digest_file": 48 })
    );
    assert!(
        !out.contains(".meta.json"),
        "bundle sidecars are not logs and are not listed"
    );
}

const SAMPLE_TRAIL: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/sample-trail";

fn sample_args<'a>(bundle: &'a str, keys: &'a str) -> Vec<&'a str> {
    vec![
        "--trail-arn",
        SAMPLE_TRAIL,
        "--start-time",
        "2026-03-01T00:00:00Z",
        "--end-time",
        "2026-03-02T00:00:00Z",
        "--all-regions",
        "--bundle",
        bundle,
        "--public-keys",
        keys,
        "--format",
        "json",
    ]
}

#[test]
fn a_verified_summary_marks_every_log_file_that_passed() {
    let bundle = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sample/bucket");
    let keys = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/sample/public-keys.json"
    );
    let (code, out, err) = run(&sample_args(bundle, keys));
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    assert_eq!(v["verification"], "verified");
    assert_eq!(v["records"], 288);
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 96, "the log files the verification listed");
    assert!(files.iter().all(|f| f["verified"] == true));
    assert!(
        files[0]["file"]
            .as_str()
            .unwrap()
            .starts_with("s3://trailproof-sample/")
    );
}

#[test]
fn an_iam_inventory_lists_identities_that_made_no_call() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("auth.json");
    std::fs::write(
        &inv,
        serde_json::to_vec(&serde_json::json!({
            "UserDetailList": [
                {"Arn": "arn:aws:iam::111122223333:user/user-0", "CreateDate": "2025-01-01T00:00:00Z"},
                {"Arn": "arn:aws:iam::111122223333:user/former-admin", "CreateDate": "2024-01-01T00:00:00Z"}
            ],
            "RoleDetailList": [{"Arn": "arn:aws:iam::111122223333:role/old-deploy"}]
        }))
        .unwrap(),
    )
    .unwrap();
    let logs = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sample/bucket");
    let (code, out, err) = run(&[
        "--logs",
        logs,
        "--iam-inventory",
        inv.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    let dormant: Vec<&str> = v["dormant_identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["arn"].as_str().unwrap())
        .collect();
    assert_eq!(
        dormant,
        vec![
            "arn:aws:iam::111122223333:user/former-admin",
            "arn:aws:iam::111122223333:role/old-deploy"
        ]
    );
    std::fs::write(&inv, "not an inventory").unwrap();
    let (code, _, err) = run(&["--logs", logs, "--iam-inventory", inv.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("IAM inventory"), "{err}");
}

#[test]
fn actions_identities_and_sign_ins_carry_the_detail_responders_ask_for() {
    let logs = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sample/bucket");
    let (code, out, err) = run(&["--logs", logs, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    // The sample generator marks every Put* call as a write.
    assert_eq!(
        v["read_write"],
        serde_json::json!({"read": 243, "write": 45, "unknown": 0})
    );
    assert_eq!(
        v["writes_by_event_name"],
        serde_json::json!({"PutRolePolicy": 45})
    );
    assert_eq!(
        v["abused_apis"]["AssumeRole"],
        serde_json::json!({"ok": 44, "failed": 0})
    );
    assert_eq!(v["abused_apis"]["ListBuckets"]["ok"], 46);
    assert!(v["abused_apis"].get("GetObject").is_none());
    let user = &v["identities"]["arn:aws:iam::111122223333:user/user-2"];
    assert_eq!(
        user["regions"],
        serde_json::json!(["eu-west-1", "us-east-1"])
    );
    assert_eq!(
        user["access_keys"].as_array().unwrap().len(),
        20,
        "capped at MAX_SET"
    );
    assert_eq!(user["aws_service"], false);
    assert!(
        !v["console_logins"]["by_actor"]["arn:aws:iam::111122223333:user/user-2"]["source_ips"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// A file that is neither JSON nor named like a log (a README beside the logs) is listed on
/// stderr and in the JSON, and changes nothing: the run is complete.
#[test]
fn a_readme_beside_the_logs_is_listed_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_good(dir.path());
    std::fs::write(dir.path().join("a/README.md"), b"# the logs of March\n").unwrap();
    std::fs::write(dir.path().join("a/RECORDS.tsv"), b"id\tname\n1\tx\n").unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["--logs", d, "--format", "json"]);
    assert_eq!(code, 0, "stderr: {err}");
    let v = json_of(&out);
    assert_eq!(v["records"], 13);
    assert_eq!(v["skipped"]["by_reason"], json!({"not_a_log": 2}));
    assert!(
        err.contains("not a log file, skipped: ") && err.contains("README.md"),
        "{err}"
    );
    assert!(err.contains("RECORDS.tsv"), "{err}");
    // A damaged file named like a log is still lost input.
    std::fs::write(dir.path().join("a/cut.json"), b"{\"Records\": [").unwrap();
    let (code, _, _) = run(&["--logs", d, "--format", "json"]);
    assert_eq!(code, 3);
}

#[test]
fn an_authorization_inventory_reviews_services_allowed_against_services_called() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("auth.json");
    std::fs::write(
        &inv,
        serde_json::to_vec(&json!({
            "UserDetailList": [{
                "Arn": "arn:aws:iam::111122223333:user/user-0",
                "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Statement": [
                    {"Effect": "Allow", "Action": ["s3:*", "ec2:Describe*", "kms:Decrypt"]},
                    {"Effect": "Deny", "Action": "dynamodb:*"}
                ]}}],
                "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/NotInThisFile"}]
            }],
            "RoleDetailList": [{
                "Arn": "arn:aws:iam::111122223333:role/admin",
                "RolePolicyList": [{"PolicyDocument": {"Statement": {"Effect": "Allow", "Action": "*"}}}]
            }]
        }))
        .unwrap(),
    )
    .unwrap();
    let logs = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sample/bucket");
    let (code, out, err) = run(&[
        "--logs",
        logs,
        "--iam-inventory",
        inv.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v = json_of(&out);
    let review = v["access_review"].as_array().unwrap();
    let user = review
        .iter()
        .find(|a| a["arn"] == "arn:aws:iam::111122223333:user/user-0")
        .unwrap();
    assert_eq!(user["allowed"], json!(["ec2", "kms", "s3"]));
    assert_eq!(
        user["unused"],
        json!(["kms"]),
        "user-0 never called KMS in the sample"
    );
    assert!(user["used"].as_array().unwrap().contains(&json!("s3")));
    assert_eq!(
        user["unknown_policies"],
        json!(["arn:aws:iam::aws:policy/NotInThisFile"])
    );
    let admin = review
        .iter()
        .find(|a| a["arn"] == "arn:aws:iam::111122223333:role/admin")
        .unwrap();
    assert_eq!(admin["allowed"], json!(["*"]));
    assert_eq!(admin["used"], json!([]));
    assert_eq!(admin["unused"], json!(["*"]));
    // Without an inventory the key is absent: the summary's keys are unchanged.
    let (_, out, _) = run(&["--logs", logs, "--format", "json"]);
    assert!(json_of(&out).get("access_review").is_none());
}
