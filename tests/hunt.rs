//! `trailproof hunt` from the outside: every format, every exit code, files that are not
//! logs beside the logs, refused and invalid rules, repeated records, the built-in pack,
//! and escaping of attacker-controlled text.

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

fn hunt(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trailproof"))
        .arg("hunt")
        .args(args)
        .output()
        .expect("run trailproof");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn rec(id: &str, name: &str, extra: &Value) -> Value {
    let mut r = json!({
        "eventVersion": "1.08", "eventTime": "2024-05-01T10:00:00Z", "eventID": id,
        "eventName": name, "eventSource": "iam.amazonaws.com", "awsRegion": "us-east-1",
        "userIdentity": {"type": "IAMUser", "accountId": "111122223333",
                          "arn": "arn:aws:iam::111122223333:user/alice", "userName": "alice"},
        "sourceIPAddress": "203.0.113.7", "recipientAccountId": "111122223333",
        "eventType": "AwsApiCall"
    });
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

/// A folder of logs: two files, the same record in both (a repeat), a hostile record, and
/// a README beside them.
fn logs(dir: &Path) {
    let a = json!({"Records": [
        rec("e-1", "CreateAccessKey", &json!({"requestParameters": {"userName": "bob"}})),
        rec("e-2", "ListUsers", &json!({})),
    ]});
    let b = json!({"Records": [
        rec("e-1", "CreateAccessKey", &json!({"requestParameters": {"userName": "bob"}})),
        rec("e-3", "=HYPERLINK(\"http://evil\")", &json!({
            "sourceIPAddress": "@everyone [x](http://evil) \u{1b}[31m"
        })),
    ]});
    std::fs::write(dir.join("a.json.gz"), gz(a.to_string().as_bytes())).unwrap();
    std::fs::write(dir.join("b.json"), b.to_string()).unwrap();
    std::fs::write(dir.join("README.md"), "# logs\nthese are logs\n").unwrap();
}

const OTHER_USER_KEY: &str = r"title: Access key for another user
id: t-key
level: high
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventName: CreateAccessKey
  own:
    requestParameters.userName|fieldref: userIdentity.userName
  condition: sel and not own
";

const HOSTILE: &str = r"title: Hostile names
id: t-hostile
level: low
logsource: {product: aws, service: cloudtrail}
detection:
  sel:
    eventName|startswith: '='
  condition: sel
";

const WINDOWS: &str = r"title: Not ours
id: t-win
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4625}
  condition: sel
";

const REFUSED: &str = r"title: Uses an aggregation
id: t-agg
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: ListUsers}
  condition: sel | count() > 5
";

const NONE_MATCH: &str = r"title: Never here
id: t-none
logsource: {product: aws, service: cloudtrail}
detection:
  sel: {eventName: DeleteTrail}
  condition: sel
";

fn rules(dir: &Path, files: &[(&str, &str)]) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

struct World {
    _tmp: tempfile::TempDir,
    logs: String,
    rules: String,
}

fn world(rule_files: &[(&str, &str)]) -> World {
    let tmp = tempfile::tempdir().unwrap();
    let l = tmp.path().join("logs");
    std::fs::create_dir_all(&l).unwrap();
    logs(&l);
    let r = tmp.path().join("rules");
    rules(&r, rule_files);
    World {
        logs: l.display().to_string(),
        rules: r.display().to_string(),
        _tmp: tmp,
    }
}

#[test]
fn jsonl_holds_only_hits_one_per_rule_and_record_repeats_included() {
    let w = world(&[
        ("key.yml", OTHER_USER_KEY),
        ("win.yaml", WINDOWS),
        ("n.txt", "x"),
    ]);
    let (code, out, err) = hunt(&["--rules", &w.rules, "--logs", &w.logs, "--format", "jsonl"]);
    assert_eq!(code, 1, "{err}");
    let hits: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The same record in two files is two hits.
    assert_eq!(hits.len(), 2, "{out}");
    for h in &hits {
        for key in [
            "rule_id",
            "rule_title",
            "level",
            "event_id",
            "event_time",
            "event_name",
            "event_source",
            "actor",
            "source_ip",
            "account",
            "region",
            "file",
            "verified",
        ] {
            assert!(h.get(key).is_some(), "{key} missing in {h}");
        }
        assert_eq!(h["rule_id"], "t-key");
        assert_eq!(h["event_id"], "e-1");
        assert_eq!(h["verified"], false);
        assert_eq!(h["level"], "high");
    }
    assert!(hits[0]["file"].as_str().unwrap().ends_with("a.json.gz"));
    assert!(hits[1]["file"].as_str().unwrap().ends_with("b.json"));
    // The README is listed, and changes nothing; the Windows rule is skipped and counted;
    // a folder's non-YAML file is not a rule.
    assert!(
        err.contains("not a log file, skipped: ") && err.contains("README.md"),
        "{err}"
    );
    assert!(
        err.contains("1 rules skipped: not for AWS CloudTrail"),
        "{err}"
    );
}

#[test]
fn json_document_lists_inputs_rules_counts_and_hits() {
    let w = world(&[("key.yml", OTHER_USER_KEY), ("win.yml", WINDOWS)]);
    let (code, out, err) = hunt(&["--rules", &w.rules, "--logs", &w.logs, "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["schema"], "trailproof.hunt/1");
    assert_eq!(d["inputs"]["logs"][0], w.logs);
    assert_eq!(d["rules"]["loaded"].as_array().unwrap().len(), 1);
    assert_eq!(d["rules"]["skipped"][0]["rule"], "t-win");
    assert!(
        d["rules"]["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("windows")
    );
    assert_eq!(d["input"]["files"], 2);
    assert_eq!(d["input"]["records"], 4);
    assert_eq!(d["input"]["repeated_event_ids"], 1);
    assert_eq!(d["input"]["skipped"][0]["reason"], "not_a_log");
    assert_eq!(d["hits_by_rule"]["t-key"], 2);
    assert_eq!(d["hits"].as_array().unwrap().len(), 2);
    assert_eq!(
        d["fired"][0]["top_actors"][0][0],
        "arn:aws:iam::111122223333:user/alice"
    );
    assert_eq!(d["outcome"], "findings");
    assert_eq!(d["exit_code"], 1);
}

#[test]
fn text_shows_each_rule_that_fired_then_its_hits_neutralised() {
    let w = world(&[("hostile.yml", HOSTILE), ("key.yml", OTHER_USER_KEY)]);
    let (code, out, err) = hunt(&["--rules", &w.rules, "--logs", &w.logs]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("[HIGH] Access key for another user (t-key)"),
        "{out}"
    );
    assert!(
        out.contains("2 hits (0 in verified files), 2024-05-01T10:00:00Z to 2024-05-01T10:00:00Z"),
        "{out}"
    );
    assert!(
        out.contains("top actors: arn:aws:iam::111122223333:user/alice (2)"),
        "{out}"
    );
    assert!(out.contains("[LOW] Hostile names (t-hostile)"), "{out}");
    assert!(
        !out.contains('\u{1b}'),
        "a control character reached the terminal"
    );
    // High first.
    assert!(out.find("[HIGH]").unwrap() < out.find("[LOW]").unwrap());
}

#[test]
fn markdown_tickets_cannot_ping_or_link() {
    let w = world(&[("hostile.yml", HOSTILE)]);
    let (code, out, _) = hunt(&[
        "--rules", &w.rules, "--logs", &w.logs, "--format", "markdown",
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("Hostile names"), "{out}");
    assert!(!out.contains("@everyone"), "{out}");
    assert!(!out.contains("](http://evil)"), "{out}");
    assert!(!out.contains('\u{1b}'));
}

#[test]
fn csv_cells_never_start_a_formula() {
    let w = world(&[("hostile.yml", HOSTILE)]);
    let (code, out, _) = hunt(&["--rules", &w.rules, "--logs", &w.logs, "--format", "csv"]);
    assert_eq!(code, 1);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let headers = r.headers().unwrap().clone();
    assert_eq!(&headers[0], "rule_id");
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    let name = &rows[0][headers.iter().position(|h| h == "event_name").unwrap()];
    assert!(
        name.starts_with('\'') && name.contains("=HYPERLINK"),
        "{name}"
    );
    let ip = &rows[0][headers.iter().position(|h| h == "source_ip").unwrap()];
    assert!(!ip.starts_with('@'), "{ip}");
}

#[test]
fn ocsf_lines_are_detection_findings() {
    let w = world(&[("key.yml", OTHER_USER_KEY)]);
    let (code, out, _) = hunt(&["--rules", &w.rules, "--logs", &w.logs, "--format", "ocsf"]);
    assert_eq!(code, 1);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for l in &lines {
        assert_eq!(l["class_uid"], 2004, "{l}");
        assert_eq!(l["metadata"]["version"], "1.5.0", "{l}");
        assert_eq!(l["finding_info"]["analytic"]["uid"], "t-key", "{l}");
    }
}

#[test]
fn no_hit_exits_0() {
    let w = world(&[("none.yml", NONE_MATCH)]);
    let (code, out, err) = hunt(&["--rules", &w.rules, "--logs", &w.logs]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 hits from 0 rules"), "{out}");
}

#[test]
fn a_refused_rule_is_named_with_its_reason_and_exits_3() {
    let w = world(&[("none.yml", NONE_MATCH), ("agg.yml", REFUSED)]);
    let (code, out, err) = hunt(&["--rules", &w.rules, "--logs", &w.logs, "--format", "json"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("rule refused: ") && err.contains("agg.yml"),
        "{err}"
    );
    assert!(
        err.contains("(t-agg)") && err.contains("aggregation"),
        "{err}"
    );
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["rules"]["refused"][0]["rule"], "t-agg");
    assert_eq!(d["outcome"], "incomplete");
    // A hit outranks the refusal.
    let w = world(&[("key.yml", OTHER_USER_KEY), ("agg.yml", REFUSED)]);
    let (code, _, _) = hunt(&["--rules", &w.rules, "--logs", &w.logs]);
    assert_eq!(code, 1);
}

#[test]
fn an_invalid_rule_file_is_refused_with_its_line() {
    let w = world(&[
        ("none.yml", NONE_MATCH),
        (
            "broken.yml",
            "title: x\ndetection:\n  sel: [a, b\n  condition: sel\n",
        ),
    ]);
    let (code, _, err) = hunt(&["--rules", &w.rules, "--logs", &w.logs]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("broken.yml:"), "{err}");
    assert!(err.contains("not valid YAML"), "{err}");
}

#[test]
fn a_damaged_log_exits_3_and_is_named() {
    let w = world(&[("none.yml", NONE_MATCH)]);
    std::fs::write(
        Path::new(&w.logs).join("c.json.gz"),
        b"\x1f\x8b\x08 not gzip",
    )
    .unwrap();
    let (code, _, err) = hunt(&["--rules", &w.rules, "--logs", &w.logs]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("c.json.gz"), "{err}");
}

#[test]
fn nothing_to_run_exits_2() {
    let w = world(&[("agg.yml", REFUSED)]);
    // No rule loads.
    let (code, _, err) = hunt(&["--rules", &w.rules, "--logs", &w.logs]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no rule loaded"), "{err}");
    // A rules path that does not exist.
    let (code, _, err) = hunt(&["--rules", "/no/such/rules", "--logs", &w.logs]);
    assert_eq!(code, 2);
    assert!(err.contains("/no/such/rules"), "{err}");
    // A logs path that does not exist.
    let (code, _, err) = hunt(&["--logs", "/no/such/logs"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no such file or folder: /no/such/logs"),
        "{err}"
    );
    // No input can be read: only a README.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("README.md"), "hi").unwrap();
    let (code, _, err) = hunt(&["--logs", &tmp.path().display().to_string()]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn the_built_in_pack_runs_by_default_and_with_builtin_adds_it_back() {
    let w = world(&[("none.yml", NONE_MATCH)]);
    let (code, out, err) = hunt(&["--logs", &w.logs, "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    let loaded = d["rules"]["loaded"].as_array().unwrap();
    assert!(
        loaded
            .iter()
            .all(|r| r["file"].as_str().unwrap().starts_with("builtin:"))
    );
    assert!(loaded.len() >= 22, "{}", loaded.len());
    // CreateAccessKey for another user is in the pack.
    assert!(
        d["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["event_name"] == "CreateAccessKey"),
        "{out}"
    );
    let (_, out, _) = hunt(&["--rules", &w.rules, "--logs", &w.logs, "--format", "json"]);
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["rules"]["loaded"].as_array().unwrap().len(), 1);
    let (_, out, _) = hunt(&[
        "--rules",
        &w.rules,
        "--with-builtin",
        "--logs",
        &w.logs,
        "--format",
        "json",
    ]);
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        d["rules"]["loaded"].as_array().unwrap().len(),
        loaded.len() + 1
    );
}

#[test]
fn a_verified_hunt_over_the_sample_bundle_marks_hits_verified() {
    let bundle = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/sample/bucket");
    let keys = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/sample/public-keys.json"
    );
    let (code, out, err) = hunt(&[
        "--trail-arn",
        "arn:aws:cloudtrail:us-east-1:111122223333:trail/sample-trail",
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
    ]);
    assert_eq!(code, 1, "{err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["input"]["files"], 96);
    assert_eq!(d["input"]["verified_files"], 96);
    let hits = d["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["verified"] == true));
    assert!(
        hits[0]["file"]
            .as_str()
            .unwrap()
            .starts_with("s3://trailproof-sample/")
    );
    // The CIS 4.4 figure of the summary is what the engine finds with the same rule.
    assert_eq!(
        d["hits_by_rule"]["76e98e10-ccd6-46b3-aa71-cb355d98f37a"],
        45
    );
}
