//! Nothing in the log folder is skipped silently, offline: an object in a day folder of the
//! trail's log folder that is not a `CloudTrail` log file (by its name, or by a name that
//! almost matches the pattern) is a `foreign_object` finding (exit 1) in text and JSON, after
//! the reference's lines; and the HTML report names every finding it found.

#![cfg(feature = "fixture")]
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

mod support {
    pub mod bundle;
    pub mod case;
    pub mod default_trail;
    pub mod expect;
    pub mod run;
    pub mod trail;
    pub use bundle::run_bundle;
    pub use case::{Case, case, verify_args};
    pub use default_trail::base;
    pub use expect::{check_expectations, extras};
    pub use run::bin;
    pub use trail::ACCOUNT;
}
mod foreign_world;

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use support::{Case, check_expectations, run_bundle};

#[test]
fn foreign_objects_in_the_log_folder_are_findings_offline() {
    let mut c = foreign_world::foreign_case("foreign_offline");
    c.expect_stdout = vec![
        "6/6 digest files valid".into(),
        "12/12 log files valid".into(),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let reference_only = run_bundle(&c, dir.path(), &["--reference-only"]);
    check_expectations(&c, &reference_only);
    assert!(
        !reference_only.stderr.contains("Foreign object"),
        "--reference-only keeps the reference's output alone"
    );
    let default = run_bundle(&c, dir.path(), &[]);
    let lines = support::extras(&c, &default, &reference_only);
    assert_eq!(default.code, 1, "{}", default.stderr);
    assert_eq!(lines.len(), 6);

    // JSON: one finding event per object, its subject the object's s3:// URI.
    let json = run_bundle(&c, dir.path(), &["--format", "json"]);
    assert_eq!(json.code, 1);
    let doc: Value = serde_json::from_str(&json.stdout).expect("json");
    let foreign: Vec<&Value> = doc["regions"][0]["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "finding" && e["code"] == "foreign_object")
        .collect();
    let subjects: Vec<String> = foreign
        .iter()
        .map(|e| e["subject"].as_str().expect("subject").to_owned())
        .collect();
    let want: Vec<String> = lines
        .iter()
        .map(|l| l.split('\t').nth(1).expect("subject").to_owned())
        .collect();
    assert_eq!(subjects, want);
    for e in &foreign {
        assert_eq!(e["severity"], "invalid");
        assert_eq!(e["kind"], "Foreign object");
        assert!(e["subject"].as_str().unwrap().starts_with("s3://"));
    }
    assert_eq!(doc["regions"][0]["counts"]["findings"], 6);
    assert_eq!(doc["outcome"], "findings");
    assert_eq!(doc["exit_code"], 1);
}

#[test]
fn a_foreign_object_outside_the_window_days_is_not_listed() {
    // Only the day folders of the window are listed: a foreign object in the folder of a
    // day the window does not touch is out of scope, like a log file of that day.
    let (spec, world) = support::base("foreign_other_day", None);
    let mut c = support::case("foreign_other_day", spec, world);
    foreign_world::put_forged(
        &mut c,
        &(foreign_world::day_folder().replace("/03/01/", "/03/05/") + "console-export.json.gz"),
    );
    c.only_expected_findings = true;
    let dir = tempfile::tempdir().expect("tempdir");
    let reference_only = run_bundle(&c, dir.path(), &["--reference-only"]);
    let default = run_bundle(&c, dir.path(), &[]);
    support::extras(&c, &default, &reference_only);
    assert_eq!(default.code, 0, "{}", default.stderr);
}

/// Writes the case as a bundle and renders `trailproof report` over it; returns the HTML.
fn report(c: &Case, dir: &Path) -> (i32, String, String) {
    let bundle = dir.join("mirror");
    c.world.write_mirror(&bundle).expect("mirror");
    let meta = bundle.join(".trailproof");
    std::fs::create_dir_all(&meta).expect("meta");
    std::fs::write(
        meta.join("trail-status.json"),
        json!({"is_logging": c.logging}).to_string(),
    )
    .expect("status");
    let keys = dir.join("keys.json");
    std::fs::write(
        &keys,
        serde_json::to_vec(&c.world.public_keys_json()).expect("json"),
    )
    .expect("keys");
    let snapshot = dir.join("snapshot.json");
    std::fs::write(
        &snapshot,
        serde_json::to_vec(&trailproof::controls::sample::compliant()).expect("json"),
    )
    .expect("snapshot");
    let page = dir.join("report.html");
    let out = Command::new(support::bin())
        .arg("report")
        .args(
            support::verify_args(c)
                .into_iter()
                .filter(|a| a != "--verbose"),
        )
        .arg("--bundle")
        .arg(&bundle)
        .arg("--public-keys")
        .arg(&keys)
        .arg("--s3-bucket")
        .arg(&c.spec.bucket)
        .arg("--snapshot")
        .arg(&snapshot)
        .args(["--as-of", "2026-03-01T08:00:00Z", "--out"])
        .arg(&page)
        .output()
        .expect("run report");
    (
        out.status.code().unwrap_or(-1),
        std::fs::read_to_string(&page).unwrap_or_default(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The text of an element's content (tags dropped, entities of `&`, `<`, `>` decoded).
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The part of the page between two markers.
fn between<'a>(html: &'a str, from: &str, to: &str) -> &'a str {
    let start = html.find(from).unwrap_or_else(|| panic!("no {from:?}"));
    let end = html[start..].find(to).map_or(html.len(), |i| start + i);
    &html[start..end]
}

#[test]
fn report_names_a_forged_log_and_no_sentence_contradicts_it() {
    let (spec, world) = support::base("report_forged", None);
    let mut c = support::case("report_forged", spec, world);
    let forged = foreign_world::put_forged(
        &mut c,
        &format!(
            "{}{}_CloudTrail_us-east-1_20260301T0230Z_FORGEDforgedFORG.json.gz",
            foreign_world::day_folder(),
            support::ACCOUNT
        ),
    );
    let dir = tempfile::tempdir().expect("tmp");
    let (code, html, err) = report(&c, dir.path());
    assert_eq!(code, 1, "{err}");

    let headline = text(between(&html, "id=\"headline\"", "</section>"));
    assert!(
        headline.contains("1 other finding: 1 unreferenced_log"),
        "the headline names the finding: {headline}"
    );
    let integrity = text(between(&html, "id=\"integrity\"", "</section>"));
    assert!(
        integrity.contains("1 finding: 1 unreferenced_log"),
        "the region names the finding: {integrity}"
    );
    assert!(
        !integrity.contains("Every digest and log file in the window is valid"),
        "no sentence contradicts the finding: {integrity}"
    );
    assert!(integrity.contains(&forged.uri()));
    // The timeline marks it, in the findings lane, at the time its name carries.
    let svg = between(
        &html,
        "aria-label=\"Digest timeline for us-east-1\"",
        "</svg>",
    );
    assert!(
        svg.contains(&format!(
            "<title>unreferenced_log: {}</title>",
            forged.uri()
        )),
        "{svg}"
    );
    assert!(integrity.contains("The lower lane marks"), "{integrity}");
}

#[test]
fn report_names_every_kind_with_its_count() {
    let mut c = foreign_world::foreign_case("report_foreign");
    let forged = foreign_world::put_forged(
        &mut c,
        &format!(
            "{}{}_CloudTrail_us-east-1_20260301T0230Z_FORGEDforgedFORG.json.gz",
            foreign_world::day_folder(),
            support::ACCOUNT
        ),
    );
    let dir = tempfile::tempdir().expect("tmp");
    let (code, html, err) = report(&c, dir.path());
    assert_eq!(code, 1, "{err}");
    let headline = text(between(&html, "id=\"headline\"", "</section>"));
    assert!(
        headline.contains("7 other findings: 1 unreferenced_log, 6 foreign_object"),
        "{headline}"
    );
    let integrity = text(between(&html, "id=\"integrity\"", "</section>"));
    assert!(
        integrity.contains("7 findings: 1 unreferenced_log, 6 foreign_object"),
        "{integrity}"
    );
    assert!(!integrity.contains("Every digest and log file in the window is valid"));
    assert!(
        integrity.contains("12/12 referenced logs valid"),
        "{integrity}"
    );
    let svg = between(
        &html,
        "aria-label=\"Digest timeline for us-east-1\"",
        "</svg>",
    );
    assert_eq!(svg.matches("<title>foreign_object: ").count(), 6, "{svg}");
    assert!(svg.contains(&format!("<title>unreferenced_log: {}", forged.uri())));
}

#[test]
fn report_of_a_clean_world_keeps_its_sentence() {
    let (spec, world) = support::base("report_clean", None);
    let c = support::case("report_clean", spec, world);
    let dir = tempfile::tempdir().expect("tmp");
    let (code, html, err) = report(&c, dir.path());
    assert_eq!(code, 0, "{err}");
    let integrity = text(between(&html, "id=\"integrity\"", "</section>"));
    assert!(integrity.contains("Every digest and log file in the window is valid"));
    assert!(!integrity.contains("finding:"), "{integrity}");
    assert!(!integrity.contains("The lower lane"), "{integrity}");
}
