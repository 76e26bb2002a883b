//! `trailproof timeline` from the outside: a role session read before the `AssumeRole` that
//! started it, a console session, an access key created for another user and its use, an
//! unrelated identity left out; every format; hostile records through the ticket and the
//! page; exit codes 0, 2 and 3.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

const ACCT: &str = "111122223333";
const HOSTILE: &str =
    "@channel <!here> [x](http://evil.example) <script>alert(1)</script> `x` $(rm -rf ~)";

fn timeline(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trailproof"))
        .arg("timeline")
        .args(args)
        .output()
        .expect("run trailproof");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn user(name: &str, key: Option<&str>) -> Value {
    let mut u = json!({"type": "IAMUser", "accountId": ACCT, "principalId": format!("AIDA{name}"),
        "arn": format!("arn:aws:iam::{ACCT}:user/{name}"), "userName": name});
    if let Some(k) = key {
        u["accessKeyId"] = json!(k);
    }
    u
}

fn rec(id: &str, time: &str, name: &str, source: &str, who: &Value, extra: &Value) -> Value {
    let mut r = json!({
        "eventVersion": "1.08", "eventTime": time, "eventID": id,
        "eventName": name, "eventSource": source, "awsRegion": "us-east-1",
        "userIdentity": who, "sourceIPAddress": "203.0.113.7",
        "recipientAccountId": ACCT, "readOnly": false, "eventType": "AwsApiCall"
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

/// Alice signs in to the console, assumes a role (whose calls are in a file read before
/// the `AssumeRole`), and creates an access key for eve, who uses it with hostile strings;
/// bob, unrelated, works beside them.
fn logs() -> Logs {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let alice_cli = user("alice", Some("AKIAALICE"));
    let mut alice_console = user("alice", Some("ASIACONSOLE"));
    alice_console["sessionContext"] = json!({"attributes": {"mfaAuthenticated": "false", "creationDate": "2024-05-01T10:00:00Z"}});
    let session = json!({"type": "AssumedRole", "accountId": ACCT,
        "principalId": "AROAADMIN:alice-s",
        "arn": format!("arn:aws:sts::{ACCT}:assumed-role/Admin/alice-s"),
        "accessKeyId": "ASIASESSION",
        "sessionContext": {"sessionIssuer": {"type": "Role",
            "arn": format!("arn:aws:iam::{ACCT}:role/Admin"), "userName": "Admin"}}});
    let first = json!({"Records": [
        rec("s-1", "2024-05-01T10:05:00Z", "ListBuckets", "s3.amazonaws.com", &session,
            &json!({"readOnly": true, "awsRegion": "eu-west-1"})),
        rec("s-2", "2024-05-01T10:06:00Z", "DeleteBucket", "s3.amazonaws.com", &session,
            &json!({"awsRegion": "eu-west-1", "requestParameters": {"bucketName": "evidence"}})),
        rec("x-1", "2024-05-01T10:05:00Z", "ListBuckets", "s3.amazonaws.com",
            &user("bob", Some("AKIABOB")), &json!({"readOnly": true})),
    ]});
    let second = json!({"Records": [
        rec("a-0", "2024-05-01T09:00:00Z", "ListUsers", "iam.amazonaws.com", &alice_cli,
            &json!({"readOnly": true})),
        rec("l-1", "2024-05-01T10:00:00Z", "ConsoleLogin", "signin.amazonaws.com",
            &user("alice", None),
            &json!({"sourceIPAddress": "198.51.100.9", "responseElements": {"ConsoleLogin": "Success"},
                    "additionalEventData": {"MFAUsed": "No"}})),
        rec("c-1", "2024-05-01T10:01:00Z", "CreateUser", "iam.amazonaws.com", &alice_console,
            &json!({"requestParameters": {"userName": "backdoor"}})),
        rec("a-2", "2024-05-01T10:02:00Z", "AssumeRole", "sts.amazonaws.com", &alice_cli,
            &json!({"requestParameters": {"roleArn": format!("arn:aws:iam::{ACCT}:role/Admin"),
                        "roleSessionName": "alice-s", "sourceIdentity": HOSTILE},
                    "responseElements": {"credentials": {"accessKeyId": "ASIASESSION",
                        "expiration": "May 1, 2024, 11:02:00 AM"},
                        "assumedRoleUser": {"assumedRoleId": "AROAADMIN:alice-s",
                            "arn": format!("arn:aws:sts::{ACCT}:assumed-role/Admin/alice-s")}}})),
        rec("k-1", "2024-05-01T10:03:00Z", "CreateAccessKey", "iam.amazonaws.com", &alice_cli,
            &json!({"requestParameters": {"userName": "eve"},
                    "responseElements": {"accessKey": {"accessKeyId": "AKIAEVE",
                        "userName": "eve", "status": "Active"}}})),
        rec("e-1", "2024-05-01T10:04:00Z", "PutUserPolicy", "iam.amazonaws.com",
            &user("eve", Some("AKIAEVE")),
            &json!({"sourceIPAddress": "10.1.2.3", "requestParameters": {"userName": HOSTILE}})),
    ]});
    std::fs::write(d.join("a-eu-west-1.json"), first.to_string()).unwrap();
    std::fs::write(d.join("b-us-east-1.json"), second.to_string()).unwrap();
    std::fs::write(d.join("README.md"), "# exported logs\n").unwrap();
    Logs {
        dir: d.display().to_string(),
        _tmp: tmp,
    }
}

fn lines(jsonl: &str) -> Vec<Value> {
    jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids(jsonl: &str) -> Vec<String> {
    lines(jsonl)
        .iter()
        .map(|v| v["record"]["eventID"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn jsonl_stitches_sessions_console_and_keys_in_time_order_and_leaves_others_out() {
    let l = logs();
    let (code, out, err) =
        timeline(&["--identity", "alice", "--logs", &l.dir, "--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        ids(&out),
        ["a-0", "l-1", "c-1", "a-2", "k-1", "e-1", "s-1", "s-2"]
    );
    let v = lines(&out);
    let why = |i: usize| v[i]["why"].as_str().unwrap().to_owned();
    assert_eq!(why(0), "the identity itself");
    assert!(
        why(2).starts_with(&format!(
            "console session of arn:aws:iam::{ACCT}:user/alice signed in at 2024-05-01T10:00:00Z"
        )),
        "{}",
        why(2)
    );
    assert_eq!(why(3), "the identity itself");
    assert!(why(5).starts_with("access key AKIAEVE created at 2024-05-01T10:03:00Z by arn:aws:iam::111122223333:user/alice (for user eve)"), "{}", why(5));
    assert!(why(6).starts_with(&format!(
        "session arn:aws:sts::{ACCT}:assumed-role/Admin/alice-s started by AssumeRole at 2024-05-01T10:02:00Z by arn:aws:iam::{ACCT}:user/alice"
    )), "{}", why(6));
    for (i, line) in out.lines().enumerate() {
        for key in [
            "time",
            "why",
            "actor",
            "event_name",
            "event_source",
            "source_ip",
            "file",
            "verified",
            "record",
        ] {
            assert!(v[i].get(key).is_some(), "{key} missing: {line}");
        }
        assert_eq!(v[i]["verified"], false);
        // The record as read: keys in the file's order.
        assert!(line.find("\"eventVersion\"").unwrap() < line.find("\"eventTime\"").unwrap());
    }
    assert_eq!(v[0]["time"], "2024-05-01T09:00:00Z");
    assert!(v[6]["file"].as_str().unwrap().ends_with("a-eu-west-1.json"));
    assert!(
        err.contains("not a log file, skipped: ") && err.contains("README.md"),
        "{err}"
    );
    assert!(
        err.contains("8 step(s), 3 session(s) or key(s) followed"),
        "{err}"
    );
    // The window limits the steps, not the links: the session started before it.
    let (code, out, _) = timeline(&[
        "--identity",
        "alice",
        "--logs",
        &l.dir,
        "--format",
        "jsonl",
        "--since",
        "2024-05-01T10:05:00Z",
        "--until",
        "2024-05-01T11:00:00Z",
    ]);
    assert_eq!(code, 0);
    assert_eq!(ids(&out), ["s-1", "s-2"]);
    // Bob's timeline has none of alice's.
    let (_, out, _) = timeline(&["--identity", "bob", "--logs", &l.dir, "--format", "jsonl"]);
    assert_eq!(ids(&out), ["x-1"]);
}

#[test]
fn text_says_who_what_from_where_why_and_which_file() {
    let l = logs();
    let (code, out, err) = timeline(&["--identity", "alice", "--logs", &l.dir]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(
            "Timeline of alice: 8 step(s), 2024-05-01T09:00:00Z to 2024-05-01T10:06:00Z\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("Sessions and keys followed:\n  #1 console session: "),
        "{out}"
    );
    assert!(
        out.contains("\n2024-05-01T10:06:00Z  DeleteBucket (s3.amazonaws.com)\n"),
        "{out}"
    );
    assert!(out.contains("    about: evidence\n"), "{out}");
    assert!(out.contains("    why:   session arn:aws:sts::111122223333:assumed-role/Admin/alice-s started by AssumeRole"), "{out}");
    assert!(out.contains("a-eu-west-1.json (UNVERIFIED)"), "{out}");
    assert!(
        !out.contains("AKIABOB") && !out.contains("user/bob"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'));
}

#[test]
fn the_ticket_is_readable_and_nothing_in_it_pings_links_or_runs() {
    let l = logs();
    let (code, out, err) = timeline(&[
        "--identity",
        "alice",
        "--logs",
        &l.dir,
        "--format",
        "markdown",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("## CloudTrail timeline: alice (8 step(s))"),
        "{out}"
    );
    for needle in [
        "- **Who:**",
        "- **When:** 2024-05-01T09:00:00Z to 2024-05-01T10:06:00Z",
        "- **From where:**",
        "- **What changed:**",
        "- **Log files verified:** 0 of the 8 step(s)",
        "Sessions and keys followed:",
        "| When (UTC) | Who | What | Where from | What changed | Why it belongs | Verified |",
        "console session #1",
        "role session #2",
        "access key #3",
        "To reproduce:",
    ] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
    for bad in ["@channel", "<!here>", "http://", "<script>", "evil.example"] {
        assert!(!out.contains(bad), "{bad} in {out}");
    }
    assert!(
        out.match_indices("](")
            .all(|(i, _)| out[..i].ends_with('\\')),
        "an unescaped link: {out}"
    );
    assert!(
        out.contains("trailproof timeline --identity alice --logs"),
        "{out}"
    );
    // A pasted reproduce command never runs what was typed or read.
    let (code, out, _) = timeline(&[
        "--identity",
        "$(rm -rf ~)",
        "--logs",
        &l.dir,
        "--format",
        "markdown",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("'$(rm -rf ~)'"), "{out}");
    assert!(
        out.contains("Nothing in the logs read was done by this identity."),
        "{out}"
    );
}

#[test]
fn the_page_is_self_contained_and_hostile_strings_stay_text() {
    let l = logs();
    let page = Path::new(&l.dir).join("out").join("alice.html");
    let (code, out, err) = timeline(&[
        "--identity",
        "alice",
        "--logs",
        &l.dir,
        "--format",
        "html",
        "--out",
        page.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "{out}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("Content-Security-Policy"), "the report's CSP");
    assert!(html.contains("<style>"), "the report's stylesheet");
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<a "), "no link can form");
    assert!(
        html.contains("&#60;script&#62;alert(1)") || html.contains("&lt;script&gt;alert(1)"),
        "escaped as text"
    );
    assert!(
        !html.contains("src=") && !html.contains("href="),
        "nothing is fetched or linked"
    );
    assert!(html.contains("role session #2"));
    assert!(html.contains("UNVERIFIED"));
    // The page needs a file; --out is only for the page.
    let (code, _, err) = timeline(&["--identity", "alice", "--logs", &l.dir, "--format", "html"]);
    assert_eq!(code, 2);
    assert!(err.contains("--out"), "{err}");
    let (code, _, err) = timeline(&["--identity", "alice", "--logs", &l.dir, "--out", "x.html"]);
    assert_eq!(code, 2);
    assert!(err.contains("--out"), "{err}");
}

#[test]
fn bad_options_missing_paths_damaged_logs_and_a_full_buffer() {
    let l = logs();
    for (args, what) in [
        (
            vec!["--identity", "alice", "--since", "yesterday-ish"],
            "--since",
        ),
        (vec!["--identity", ""], "--identity"),
        (
            vec![
                "--identity",
                "alice",
                "--since",
                "2024-05-02",
                "--until",
                "2024-05-01",
            ],
            "--since",
        ),
    ] {
        let mut a = args.clone();
        a.extend(["--logs", &l.dir]);
        let (code, _, err) = timeline(&a);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(what), "{args:?}: {err}");
    }
    let (code, _, err) = timeline(&["--identity", "alice", "--logs", "/no/such/path"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no such file or folder: /no/such/path"),
        "{err}"
    );
    // The session's calls come before the AssumeRole: with no buffer they are not kept,
    // and the run says so (exit 3) and names the credential.
    let (code, out, err) =
        timeline(&["--identity", "alice", "--logs", &l.dir, "--buffer-mib", "0"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("not complete: 2 record(s) made with ASIASESSION"),
        "{err}"
    );
    assert!(
        out.contains("NOT COMPLETE: 2 record(s) made with ASIASESSION"),
        "{out}"
    );
    assert!(
        out.contains("trailproof timeline --identity ASIASESSION"),
        "{out}"
    );
    // Which that command then lists.
    let (code, out, _) = timeline(&[
        "--identity",
        "ASIASESSION",
        "--logs",
        &l.dir,
        "--format",
        "jsonl",
        "--buffer-mib",
        "0",
    ]);
    assert_eq!(code, 0);
    assert_eq!(ids(&out), ["s-1", "s-2"]);
    std::fs::write(Path::new(&l.dir).join("c.json.gz"), b"\x1f\x8b\x08 broken").unwrap();
    let (code, out, err) =
        timeline(&["--identity", "alice", "--logs", &l.dir, "--format", "jsonl"]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(out.lines().count(), 8, "the readable files are still read");
    assert!(err.contains("c.json.gz"), "{err}");
}

#[test]
fn on_the_incident_sample_root_sign_in_what_followed_and_the_role_session_traced_back() {
    let root = env!("CARGO_MANIFEST_DIR");
    let bundle = format!("{root}/testdata/incident/bucket");
    let keys = format!("{root}/testdata/incident/public-keys.json");
    // Verified: the options of verify over the incident bundle (the forged log makes it 1).
    let (code, out, err) = timeline(&[
        "--identity",
        "arn:aws:iam::111122223333:root",
        "--format",
        "jsonl",
        "--trail-arn",
        "arn:aws:cloudtrail:us-east-1:111122223333:trail/sample-trail",
        "--start-time",
        "2026-03-02T00:00:00Z",
        "--end-time",
        "2026-03-03T00:00:00Z",
        "--all-regions",
        "--bundle",
        &bundle,
        "--public-keys",
        &keys,
    ]);
    assert_eq!(code, 1, "the forged log is tampering: {err}");
    let steps = lines(&out);
    let names: Vec<&str> = steps
        .iter()
        .map(|s| s["event_name"].as_str().unwrap())
        .collect();
    // Root's console sign-in, then what it did next.
    let login = names.iter().position(|n| *n == "ConsoleLogin").unwrap();
    for next in ["CreateUser", "AttachUserPolicy", "CreateAccessKey"] {
        let at = names
            .iter()
            .position(|n| *n == next)
            .unwrap_or_else(|| panic!("{next}: {names:?}"));
        assert!(at > login, "{next} after the sign-in");
    }
    // The role session started with the key root created, traced back to who assumed it.
    let session: Vec<&Value> = steps
        .iter()
        .filter(|s| {
            s["actor"]
                .as_str()
                .unwrap()
                .contains("ops-automation/maintenance")
        })
        .collect();
    assert!(!session.is_empty(), "{names:?}");
    for s in &session {
        let why = s["why"].as_str().unwrap();
        assert!(why.contains("started by AssumeRole"), "{why}");
        assert!(why.contains("user/svc-backup"), "{why}");
    }
    assert!(
        steps.iter().all(|s| s["verified"] == true),
        "the intrusion's own files verify"
    );
}
