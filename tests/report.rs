//! `trailproof report` end to end: the sample bundle and snapshot give a deterministic,
//! self-contained report; hostile `CloudTrail` text stays text in a real headless browser
//! (Debian's Chromium, installed by `scripts/test`; a missing browser fails, it does not
//! skip).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use trailproof::fixture::{TestKey, TrailSpec, World};

const SAMPLE_TRAIL: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/sample-trail";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trailproof"))
        .args(args)
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn sample_report(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let bundle = repo().join("testdata/sample/bucket");
    let snapshot = repo().join("testdata/sample/snapshot.json");
    let keys = repo().join("testdata/sample/public-keys.json");
    let out = dir.join("report.html");
    let json = dir.join("report.json");
    let mut args = vec![
        "report",
        "--trail-arn",
        SAMPLE_TRAIL,
        "--start-time",
        "2026-03-01T00:00:00Z",
        "--end-time",
        "2026-03-02T00:00:00Z",
        "--all-regions",
        "--bundle",
        bundle.to_str().unwrap(),
        "--public-keys",
        keys.to_str().unwrap(),
        "--snapshot",
        snapshot.to_str().unwrap(),
        "--as-of",
        "2026-03-02T01:00:00Z",
        "--out",
        out.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let r = run(&args);
    (
        r.0,
        std::fs::read_to_string(out).unwrap_or_default(),
        std::fs::read_to_string(json).unwrap_or_default() + &r.2,
    )
}

fn chromium() -> String {
    std::env::var("TRAILPROOF_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned())
}

/// Loads `page` in headless Chromium and returns the DOM after parsing and any script.
fn dump_dom(page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    // A page whose script opened a dialog would hang the browser: bound it, and fail.
    let out = Command::new("timeout")
        .args(["-k", "5", "60"])
        .arg(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "headless Chromium ({}) must be installed for the report tests (scripts/test installs Debian's chromium): {e}",
                chromium()
            )
        });
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn sample_report_is_deterministic_self_contained_and_hashes_its_json() {
    let dir = tempfile::tempdir().unwrap();
    let (code, html, json_and_err) = sample_report(dir.path(), &[]);
    assert_eq!(code, 0, "{json_and_err}");
    let (code2, html2, json2) = sample_report(dir.path(), &[]);
    assert_eq!(code2, 0);
    assert_eq!(html, html2, "same inputs, same HTML");
    assert_eq!(json_and_err, json2, "same inputs, same JSON");

    let json = std::fs::read(dir.path().join("report.json")).unwrap();
    let model: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(model["schema"], "trailproof.report/1");
    assert_eq!(model["generated_at"], "2026-03-02T01:00:00Z");
    assert_eq!(model["headline"]["integrity"], "clean");
    assert_eq!(model["headline"]["compliance"], "clean");
    assert_eq!(model["integrity"]["totals"]["logs"]["valid"], 96);
    assert_eq!(model["activity"]["records"], 288);
    assert_eq!(model["activity"]["verification"], "verified");
    let inputs = model["inputs"].as_array().unwrap();
    assert_eq!(
        inputs.len(),
        96 + 48 + 2,
        "logs, digests, snapshot and keys"
    );
    assert!(
        inputs
            .iter()
            .all(|i| i["sha256"].as_str().unwrap().len() == 64)
    );

    let digest = trailproof::hash::sha256_hex(&json);
    assert!(html.contains(&format!("SHA-256 <code>{digest}</code>")));
    assert!(
        html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';")
    );
    for external in ["<script", "src=", "href=", "url(", "@import"] {
        assert!(
            !html.contains(external),
            "no external or scripted content: {external}"
        );
    }
    for section in [
        "id=\"headline\"",
        "id=\"integrity\"",
        "id=\"compliance\"",
        "id=\"activity\"",
        "id=\"detections\"",
        "id=\"evidence\"",
    ] {
        assert!(html.contains(section), "{section}");
    }
    assert!(html.contains("@media print"));
}

#[test]
fn sample_report_renders_in_chromium_and_a_screenshot_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = sample_report(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let page = dir.path().join("report.html");
    let dom = dump_dom(&page);
    assert!(dom.contains("<title>CloudTrail audit report</title>"));
    assert!(dom.contains("CT-21"), "the compliance matrix is in the DOM");
    // The Detections section: the built-in rules over the same records.
    assert!(
        dom.contains("4. Detections"),
        "the Detections section is in the DOM"
    );
    assert!(dom.contains("CIS AWS Foundations v3.0 4.4: IAM policy changes"));
    assert!(dom.contains("45 hit(s), 45 in verified log files"));
    let shot = dir.path().join("report.png");
    let profile = tempfile::tempdir().unwrap();
    let status = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--hide-scrollbars",
            "--window-size=1280,2200",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(status.status.success());
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 20_000, "a real rendering, not a blank page");
}

/// Strings that would become markup, attributes or script if they were not escaped.
const HOSTILE: &[&str] = &[
    "<script>document.title='PWNED'</script>",
    "\"><img src=x onerror=\"document.title='PWNED'\">",
    "'><svg onload=alert(1)>",
    "</td></tr></table><iframe src=\"javascript:alert(1)\"></iframe>",
    "<style>body{display:none}</style>",
    "{{ 7*7 }} &amp; &lt;b&gt;",
];

fn hostile_record(i: usize, s: &str) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "arn": format!("arn:aws:iam::111122223333:user/{s}"),
            "accountId": "111122223333",
            "userName": s,
        },
        "eventTime": "2026-03-01T00:01:00Z",
        // Every other one lands in the tampering section, whose rows show actor and address.
        "eventSource": if i.is_multiple_of(2) { "cloudtrail.amazonaws.com" } else { "s3.amazonaws.com" },
        "eventName": if i.is_multiple_of(2) { "StopLogging".to_owned() } else { format!("Get{s}") },
        "awsRegion": "us-east-1",
        "sourceIPAddress": s,
        "userAgent": s,
        "errorCode": format!("AccessDenied{s}"),
        "errorMessage": s,
        "requestParameters": {"bucketName": s, "key": format!("../../{s}")},
        "eventID": format!("hostile-{i}"),
        "eventType": "AwsApiCall",
        "recipientAccountId": "111122223333",
    })
}

/// The DOM serialisation of a text node: `&`, `<`, `>` escaped, quotes as they are.
fn as_dom_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[test]
fn hostile_records_stay_text_in_a_real_browser() {
    let dir = tempfile::tempdir().unwrap();
    let keys = vec![TestKey::generate(2048).unwrap()];
    let start = trailproof::time::parse_user_time("2026-03-01T00:17:42Z").unwrap();
    let mut spec = TrailSpec::small("hostile-bucket", "hostile", start, 3);
    spec.extra_records = HOSTILE
        .iter()
        .enumerate()
        .map(|(i, s)| hostile_record(i, s))
        .collect();
    let world = World::build(&spec, &keys).unwrap();
    let bundle = dir.path().join("bundle");
    world.write_mirror(&bundle).unwrap();
    let keys_file = dir.path().join("keys.json");
    std::fs::write(
        &keys_file,
        serde_json::to_vec(&world.public_keys_json()).unwrap(),
    )
    .unwrap();

    // Hostile text in the account's own answers too (a tag key on the trail).
    let mut snap = trailproof::controls::sample::compliant();
    for d in snap.trails.values_mut() {
        if let trailproof::snapshot::model::Outcome::Ok { value } = &mut d.tags.outcome {
            for s in HOSTILE {
                value.insert((*s).to_owned(), (*s).to_owned());
            }
        }
    }
    let snap_file = dir.path().join("snap.json");
    std::fs::write(&snap_file, serde_json::to_vec(&snap).unwrap()).unwrap();

    let page = dir.path().join("hostile.html");
    let (code, _, err) = run(&[
        "report",
        "--trail-arn",
        &spec.arn(),
        "--start-time",
        "2026-03-01T00:00:00Z",
        "--end-time",
        "2026-03-01T04:00:00Z",
        "--bundle",
        bundle.to_str().unwrap(),
        "--public-keys",
        keys_file.to_str().unwrap(),
        "--snapshot",
        snap_file.to_str().unwrap(),
        "--as-of",
        "2026-03-01T05:00:00Z",
        "--no-csp",
        "--out",
        page.to_str().unwrap(),
    ]);
    assert!(code == 0 || code == 1, "{err}");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("Content-Security-Policy"),
        "the test runs without the CSP"
    );

    assert!(
        html.contains("Logging and monitoring tampering: 3"),
        "hostile rows are in the tampering table"
    );
    let dom = dump_dom(&page);
    assert!(
        dom.contains("<title>CloudTrail audit report</title>"),
        "no script ran (it would have set the title)"
    );
    for tag in ["<script", "<img", "<svg onload", "<iframe", "<style>body"] {
        assert!(!dom.contains(tag), "injected {tag} in the DOM");
    }
    assert_eq!(
        dom.matches("onerror=").count(),
        dom.matches("&lt;img src=x onerror=").count(),
        "onerror= appears only inside escaped text, never as an attribute"
    );
    for s in HOSTILE {
        assert!(
            dom.contains(&as_dom_text(s)),
            "hostile string {s:?} must appear as text"
        );
    }
}

#[test]
fn a_report_over_local_logs_says_nothing_was_verified_and_still_shows_activity_and_detections() {
    let dir = tempfile::tempdir().unwrap();
    let logs = repo().join("testdata/incident/bucket");
    let html = dir.path().join("local.html");
    let json_out = dir.path().join("local.json");
    let (code, _, err) = run(&[
        "report",
        "--logs",
        logs.to_str().unwrap(),
        "--out",
        html.to_str().unwrap(),
        "--json",
        json_out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "nothing verified is not a finding: {err}");
    let d: Value = serde_json::from_slice(&std::fs::read(&json_out).unwrap()).unwrap();
    assert_eq!(d["headline"]["integrity"], "not verified");
    assert_eq!(d["headline"]["compliance"], "not evaluated");
    assert_eq!(d["activity"]["verification"], "unverified");
    assert!(d["activity"]["root_events"].as_u64().unwrap() > 0);
    assert!(!d["detections"]["fired"].as_array().unwrap().is_empty());
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("Nothing was verified."),
        "the integrity section says so"
    );
    assert!(page.contains("Not evaluated: no --snapshot was given"));
    // Every figure of the activity section carries the command that lists its records.
    assert!(page.contains("<h3>Drill down</h3>"));
    assert!(
        page.contains("trailproof search --logs"),
        "the report's own input options"
    );
    assert!(
        d["activity"]["drilldown"]["/root_events"]
            .as_str()
            .unwrap()
            .ends_with("--rule 'trailproof_cis_4_3'")
    );
    // With a snapshot, compliance is evaluated; trail options make no sense with --logs.
    let snapshot = repo().join("testdata/incident/snapshot.json");
    let (code, _, err) = run(&[
        "report",
        "--logs",
        logs.to_str().unwrap(),
        "--snapshot",
        snapshot.to_str().unwrap(),
        "--out",
        html.to_str().unwrap(),
        "--json",
        json_out.to_str().unwrap(),
    ]);
    assert!(matches!(code, 0 | 1), "{err}");
    let d: Value = serde_json::from_slice(&std::fs::read(&json_out).unwrap()).unwrap();
    assert!(!d["compliance"]["results"].as_array().unwrap().is_empty());
    let (code, _, _) = run(&[
        "report",
        "--logs",
        logs.to_str().unwrap(),
        "--bundle",
        "x",
        "--out",
        html.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
}

#[test]
fn report_help_offers_only_what_the_report_uses() {
    let (code, out, _) = run(&["report", "--help"]);
    assert_eq!(code, 0);
    for absent in [
        "--html",
        "--format",
        "--shard",
        "--state",
        "--organization",
        "--reference-only",
        "--verbose",
    ] {
        assert!(!out.contains(absent), "{absent} in report --help");
    }
    for present in [
        "--trail-arn",
        "--start-time",
        "--bundle",
        "--logs",
        "--rules",
        "--snapshot",
    ] {
        assert!(
            out.contains(present),
            "{present} missing from report --help"
        );
    }
}

#[test]
fn notable_items_show_their_first_events_and_the_command_that_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("incident.html");
    let root = repo();
    let (code, _, err) = run(&[
        "report",
        "--trail-arn",
        SAMPLE_TRAIL,
        "--start-time",
        "2026-03-02T00:00:00Z",
        "--end-time",
        "2026-03-03T00:00:00Z",
        "--all-regions",
        "--bundle",
        root.join("testdata/incident/bucket").to_str().unwrap(),
        "--public-keys",
        root.join("testdata/incident/public-keys.json")
            .to_str()
            .unwrap(),
        "--snapshot",
        root.join("testdata/incident/snapshot.json")
            .to_str()
            .unwrap(),
        "--out",
        html.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "the forged log: {err}");
    let page = std::fs::read_to_string(&html).unwrap();
    let notable =
        &page[page.find("<h3>Notable</h3>").unwrap()..page.find("id=\"integrity\"").unwrap()];
    let at = notable
        .find("action(s) by the root user (CIS 4.3)")
        .unwrap();
    let item = &notable[notable[..at].rfind("<li>").unwrap() + "<li>".len()..];
    let item = &item[..item.find("</li>").unwrap()];
    assert!(
        item.contains("ConsoleLogin (signin.amazonaws.com)"),
        "{item}"
    );
    assert!(item.contains(">verified<"), "{item}");
    let command = item
        .split("All of them: <code>")
        .nth(1)
        .and_then(|c| c.split("</code>").next())
        .unwrap()
        .replace("&#39;", "'");
    let figure: u64 = item
        .trim_start()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let rest = command.strip_prefix("trailproof ").unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' {rest} --format json",
            env!("CARGO_BIN_EXE_trailproof")
        ))
        .current_dir(&root)
        .output()
        .unwrap();
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["input"]["matches"].as_u64().unwrap(), figure, "{command}");
}
