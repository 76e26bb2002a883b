//! `trailproof search` from the outside: every format, every exit code, filters that
//! combine, counting, sorting, a README beside the logs, and hostile records through the
//! ticket and the CSV.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

fn search(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trailproof"))
        .arg("search")
        .args(args)
        .output()
        .expect("run trailproof");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn rec(id: &str, time: &str, name: &str, user: &str, extra: &Value) -> Value {
    let mut r = json!({
        "eventVersion": "1.08", "eventTime": time, "eventID": id,
        "eventName": name, "eventSource": "iam.amazonaws.com", "awsRegion": "us-east-1",
        "userIdentity": {"type": "IAMUser", "accountId": "111122223333",
                          "arn": format!("arn:aws:iam::111122223333:user/{user}"), "userName": user},
        "sourceIPAddress": "203.0.113.7", "recipientAccountId": "111122223333",
        "readOnly": false, "eventType": "AwsApiCall"
    });
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

struct Logs {
    _tmp: tempfile::TempDir,
    dir: String,
}

/// Two files, newest first by name so input order differs from time order, a hostile
/// record, and a README beside them.
fn logs() -> Logs {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let a = json!({"Records": [
        rec("e-3", "2024-05-01T12:00:00Z", "DeleteBucket", "alice",
            &json!({"eventSource": "s3.amazonaws.com", "requestParameters": {"bucketName": "logs"}})),
        rec("e-4", "2024-05-01T13:00:00Z", "ListUsers", "bob",
            &json!({"readOnly": true, "sourceIPAddress": "s3.amazonaws.com"})),
    ]});
    let b = json!({"Records": [
        rec("e-1", "2024-05-01T10:00:00Z", "CreateUser", "alice",
            &json!({"requestParameters": {"userName": "mallory"}, "errorCode": "AccessDenied"})),
        rec("e-2", "2024-05-01T11:00:00Z", "=HYPERLINK(\"http://evil\")", "eve",
            &json!({"sourceIPAddress": "10.1.2.3",
                    "requestParameters": {"userName": "@channel <!here> [x](http://evil) $(rm -rf ~) `x`"}})),
    ]});
    std::fs::write(d.join("a.json"), a.to_string()).unwrap();
    std::fs::write(d.join("b.json"), b.to_string()).unwrap();
    std::fs::write(d.join("README.md"), "# exported logs\n").unwrap();
    Logs {
        dir: d.display().to_string(),
        _tmp: tmp,
    }
}

fn ids(jsonl: &str) -> Vec<String> {
    jsonl
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["record"]["eventID"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn no_filter_lists_every_record_in_input_order_and_jsonl_holds_the_record_as_read() {
    let l = logs();
    let (code, out, err) = search(&["--logs", &l.dir, "--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ids(&out), ["e-3", "e-4", "e-1", "e-2"]);
    let first: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["verified"], false);
    assert!(first["file"].as_str().unwrap().ends_with("a.json"));
    // Keys in the file's order.
    let line = out.lines().next().unwrap();
    assert!(line.find("\"eventVersion\"").unwrap() < line.find("\"eventTime\"").unwrap());
    assert!(
        err.contains("not a log file, skipped: ") && err.contains("README.md"),
        "{err}"
    );
    assert!(
        err.contains("4 matching record(s) in 4 record(s) of 2 log file(s)"),
        "{err}"
    );
}

#[test]
fn filters_and_across_flags_and_or_within_one() {
    let l = logs();
    let run = |args: &[&str]| {
        let mut a = vec!["--logs", &l.dir, "--format", "jsonl"];
        a.extend_from_slice(args);
        let (code, out, err) = search(&a);
        assert_eq!(code, 0, "{err}");
        ids(&out)
    };
    assert_eq!(
        run(&["--event-name", "Create*", "--event-name", "ListUsers"]),
        ["e-4", "e-1"]
    );
    assert_eq!(run(&["--event-name", "create*"]), Vec::<String>::new());
    assert_eq!(run(&["--event-name", "create*", "-i"]), ["e-1"]);
    assert_eq!(run(&["--identity", "alice", "--errors"]), ["e-1"]);
    assert_eq!(
        run(&["--identity", "arn:aws:iam::111122223333:user/bob"]),
        ["e-4"]
    );
    assert_eq!(run(&["--source-ip", "10.0.0.0/8"]), ["e-2"]);
    assert_eq!(run(&["--source-ip", "203.0.113.7"]), ["e-3", "e-1"]);
    assert_eq!(run(&["--read-only", "true"]), ["e-4"]);
    assert_eq!(
        run(&[
            "--since",
            "2024-05-01T11:00:00Z",
            "--until",
            "2024-05-01T13:00:00Z"
        ]),
        ["e-3", "e-2"]
    );
    assert_eq!(
        run(&["--field", "requestParameters.userName=mall*"]),
        ["e-1"]
    );
    assert_eq!(
        run(&["--field", "requestParameters.bucketName!=x"]),
        ["e-3"]
    );
    assert_eq!(run(&["--field", "errorCode exists"]), ["e-1"]);
    assert_eq!(run(&["--field", "eventSource~^s3"]), ["e-3"]);
    assert_eq!(
        run(&["--text", "MALLORY", "--text", "accessdenied"]),
        ["e-1"]
    );
    assert_eq!(
        run(&["--text", "mallory", "--text", "nothere"]),
        Vec::<String>::new()
    );
    assert_eq!(run(&["--error-code", "Access*"]), ["e-1"]);
    assert_eq!(
        run(&[
            "--event-region",
            "us-east-1",
            "--event-account",
            "111122223333",
            "--event-name",
            "DeleteBucket"
        ]),
        ["e-3"]
    );
}

#[test]
fn sort_time_and_limit() {
    let l = logs();
    let (code, out, _) = search(&[
        "--logs", &l.dir, "--format", "jsonl", "--sort", "time", "--limit", "3",
    ]);
    assert_eq!(code, 0);
    assert_eq!(ids(&out), ["e-1", "e-2", "e-3"]);
}

#[test]
fn count_by_most_and_least_common() {
    let l = logs();
    let (code, out, _) = search(&["--logs", &l.dir, "--count-by", "userIdentity.userName"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "COUNT\tuserIdentity.userName");
    assert_eq!(lines[1], "2\talice");
    let (_, out, _) = search(&[
        "--logs",
        &l.dir,
        "--count-by",
        "userIdentity.userName",
        "--rare",
        "--format",
        "jsonl",
    ]);
    let first: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first, json!({"count": 1, "userIdentity.userName": "bob"}));
    let (_, out, _) = search(&[
        "--logs",
        &l.dir,
        "--count-by",
        "errorCode",
        "--format",
        "json",
    ]);
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["counts"][0], json!({"count": 3, "errorCode": null}));
}

#[test]
fn table_json_and_ocsf() {
    let l = logs();
    let (code, out, _) = search(&["--logs", &l.dir, "--event-name", "DeleteBucket"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("TIME\tACTOR\tEVENT\tSOURCE\tSOURCE IP\tERROR\tRESOURCE\tFILE"));
    assert!(
        lines[1].contains("DeleteBucket\ts3.amazonaws.com\t203.0.113.7\t-\tlogs\t"),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with("a.json (UNVERIFIED)"));
    let (_, out, _) = search(&[
        "--logs",
        &l.dir,
        "--event-name",
        "DeleteBucket",
        "--format",
        "json",
    ]);
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["schema"], "trailproof.search/1");
    assert_eq!(d["matches"][0]["record"]["eventID"], "e-3");
    assert_eq!(d["input"]["matches"], 1);
    assert_eq!(d["outcome"], "clean");
    let (_, out, _) = search(&["--logs", &l.dir, "--format", "ocsf"]);
    for line in out.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["class_uid"], 6003, "{v}");
    }
    assert_eq!(out.lines().count(), 4);
}

#[test]
fn hostile_records_cannot_ping_link_run_or_evaluate() {
    let l = logs();
    let (code, out, _) = search(&[
        "--logs",
        &l.dir,
        "--identity",
        "eve",
        "--format",
        "markdown",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("## CloudTrail search: 1 matching record(s)"),
        "{out}"
    );
    assert!(!out.contains("@channel"), "{out}");
    assert!(!out.contains("<!here>"), "{out}");
    assert!(!out.contains("http://"), "{out}");
    assert!(
        out.match_indices("](")
            .all(|(i, _)| out[..i].ends_with('\\')),
        "an unescaped link: {out}"
    );
    assert!(out.contains("To reproduce:"), "{out}");
    assert!(out.contains("trailproof search --logs"), "{out}");
    let (_, out, _) = search(&["--logs", &l.dir, "--identity", "eve", "--format", "csv"]);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    for cell in &rows[0] {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{cell}"
        );
    }
    // A pasted reproduce command never runs what a record carried.
    let (_, out, _) = search(&[
        "--logs",
        &l.dir,
        "--text",
        "$(rm -rf ~)",
        "--format",
        "markdown",
    ]);
    assert!(out.contains("'$(rm -rf ~)'"), "{out}");
}

#[test]
fn rule_lists_the_records_a_detection_rule_matches() {
    let l = logs();
    // Built-in: the CIS 4.1 rule (unauthorized API calls).
    let (code, out, err) = search(&[
        "--logs",
        &l.dir,
        "--rule",
        "trailproof_cis_4_1",
        "--format",
        "jsonl",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ids(&out), ["e-1"]);
    let (code, _, err) = search(&["--logs", &l.dir, "--rule", "no-such-rule"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-rule"), "{err}");
}

#[test]
fn bad_filters_missing_paths_and_damaged_logs() {
    let l = logs();
    for (args, what) in [
        (vec!["--source-ip", "10.0.0"], "--source-ip"),
        (vec!["--source-ip", "s3.amazonaws.com"], "--source-ip"),
        (vec!["--field", "x~("], "--field"),
        (vec!["--field", "novalue"], "--field"),
        (vec!["--since", "yesterday-ish"], "--since"),
        (vec!["--text", ""], "--text"),
    ] {
        let mut a = vec!["--logs", &l.dir];
        a.extend(args.iter());
        let (code, _, err) = search(&a);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(what), "{args:?}: {err}");
    }
    let (code, _, err) = search(&["--logs", "/no/such/path"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no such file or folder: /no/such/path"),
        "{err}"
    );
    std::fs::write(Path::new(&l.dir).join("c.json.gz"), b"\x1f\x8b\x08 broken").unwrap();
    let (code, out, err) = search(&["--logs", &l.dir, "--format", "jsonl"]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(
        out.lines().count(),
        4,
        "the readable files are still searched"
    );
    assert!(err.contains("c.json.gz"), "{err}");
}
