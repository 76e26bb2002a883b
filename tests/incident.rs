//! The incident sample (`testdata/incident`): the committed bundle is byte for byte what
//! `trailproof-fixture incident` writes (and the clean sample still what `trail` writes),
//! and every command the README shows on it finds what the README says, with its exit code.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use trailproof::fixture::incident::{ATTACKER_IP, FRAMED_USER, NEW_ACCESS_KEY, NEW_USER};

const TRAIL: &str = "arn:aws:cloudtrail:us-east-1:111122223333:trail/sample-trail";
const ROOT_SIGN_IN: &str = "8a7d2e4c-5b61-4f0e-9c3a-1d2e4f6a8b90";
const NO_MFA: &str = "5e9b1c3d-7f20-4a6b-8c4d-2e1f0a9b7c63";
const TAMPERING: &str = "3c0f6a52-2d0b-4a8f-9a4e-6f2b1b7e0c11";
const KEY_FOR_ANOTHER: &str = "0d4f8b2a-6c1e-4e7a-9b3f-5a2c8d1e6f47";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn incident() -> PathBuf {
    repo().join("testdata/incident")
}

fn run(bin: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin)
        .args(args)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn trailproof(args: &[&str]) -> (i32, String, String) {
    run(env!("CARGO_BIN_EXE_trailproof"), args)
}

/// `command` with the options of `verify` over the incident bundle, then `extra`.
fn verified(command: &str, extra: &[&str]) -> (i32, String, String) {
    let bundle = incident().join("bucket");
    let keys = incident().join("public-keys.json");
    let mut args = vec![
        command,
        "--trail-arn",
        TRAIL,
        "--start-time",
        "2026-03-02T00:00:00Z",
        "--end-time",
        "2026-03-03T00:00:00Z",
        "--all-regions",
        "--bundle",
        bundle.to_str().unwrap(),
        "--public-keys",
        keys.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    trailproof(&args)
}

fn world() -> Value {
    serde_json::from_slice(&std::fs::read(incident().join("world.json")).unwrap()).unwrap()
}

/// `s3://bucket/key` of the forged log file.
fn forged() -> String {
    let w = world();
    let list = w["forged_logs"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    list[0].as_str().unwrap().to_owned()
}

/// Every file under `dir`, by path relative to it, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out).unwrap();
    out
}

/// How two trees must agree.
#[derive(Clone, Copy, PartialEq)]
enum Same {
    /// Every byte.
    Bytes,
    /// Every byte, except that gzip files are compared inflated.
    Content,
}

fn assert_same_tree(have: &Path, want: &Path, same: Same, regenerate: &str) {
    let (have, want) = (tree(have), tree(want));
    let names = |t: &BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&have),
        names(&want),
        "the files differ; regenerate with `{regenerate}`"
    );
    for (name, bytes) in &want {
        let gz = Path::new(name).extension().is_some_and(|e| e == "gz");
        if have[name] == *bytes || (same == Same::Content && gz) {
            if gz {
                assert!(
                    gunzip(&have[name]) == gunzip(bytes),
                    "{name} differs; regenerate with `{regenerate}`"
                );
            }
            continue;
        }
        let only_compression = gz && gunzip(&have[name]) == gunzip(bytes);
        panic!(
            "{name} differs{}; regenerate with `{regenerate}`",
            if only_compression {
                " in its compressed bytes only (the deflate backend changed?)"
            } else {
                ""
            }
        );
    }
}

#[test]
fn the_committed_incident_is_the_generators_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("incident");
    let keys = repo().join("testdata/keys");
    let (code, _, err) = run(
        env!("CARGO_BIN_EXE_trailproof-fixture"),
        &[
            "incident",
            out.to_str().unwrap(),
            "--keys",
            keys.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_same_tree(
        &out,
        &incident(),
        Same::Bytes,
        "rm -rf testdata/incident && cargo run --features fixture --bin trailproof-fixture -- incident testdata/incident",
    );
}

/// The generator learnt scripted log files for the incident: the clean sample it wrote
/// before is still what it writes. Compared inflated: the sample was compressed before the
/// switch to zlib-rs, whose deflate output differs (same content, same hashes and
/// signatures); `world.json` aside, whose fields grew since.
#[test]
fn the_clean_sample_is_still_the_generators_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sample");
    let keys = repo().join("testdata/keys");
    let (code, _, err) = run(
        env!("CARGO_BIN_EXE_trailproof-fixture"),
        &[
            "trail",
            out.to_str().unwrap(),
            "--hours",
            "24",
            "--regions",
            "us-east-1,eu-west-1",
            "--bucket",
            "trailproof-sample",
            "--trail",
            "sample-trail",
            "--keys",
            keys.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let sample = repo().join("testdata/sample");
    assert_same_tree(
        &out.join("bucket"),
        &sample.join("bucket"),
        Same::Content,
        "git checkout testdata/sample",
    );
    assert_eq!(
        std::fs::read(out.join("public-keys.json")).unwrap(),
        std::fs::read(sample.join("public-keys.json")).unwrap()
    );
}

/// The snapshot is the sample's account a day later, and still reads as a snapshot.
#[test]
fn the_incident_snapshot_reads_and_shows_the_stop() {
    let snap = trailproof::source::snapshot::read(&incident().join("snapshot.json")).unwrap();
    assert_eq!(snap.taken_at, "2026-03-03T00:30:00Z");
    let (code, out, err) = trailproof(&[
        "check",
        "--snapshot",
        incident().join("snapshot.json").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "the settings look fine the morning after: {err}");
    assert!(out.contains("2026-03-02T09:41:55Z"), "{out}");
}

#[test]
fn verify_reports_the_forged_log_alone() {
    let (code, out, err) = verified("verify", &[]);
    assert_eq!(code, 1, "{out}{err}");
    let verdicts: Vec<&str> = out
        .lines()
        .chain(err.lines())
        .filter(|l| l.contains("\tINVALID") || l.contains("\tERROR") || l.contains("\tWARNING"))
        .collect();
    assert_eq!(
        verdicts,
        vec![
            format!(
                "Unreferenced log file\t{}\tINVALID: referenced by no digest",
                forged()
            )
            .as_str()
        ],
        "{out}{err}"
    );
    let w = world();
    let logs = w["logs"].as_u64().unwrap() - 1;
    let digests = w["digests"].as_u64().unwrap();
    let total = format!(
        "Total for 2 regions:\n\n{digests}/{digests} digest files valid\n{logs}/{logs} log files valid"
    );
    assert!(out.contains(&total), "{out}");
}

fn hits_of<'a>(hits: &'a [Value], rule: &str) -> Vec<&'a Value> {
    hits.iter().filter(|h| h["rule_id"] == rule).collect()
}

#[test]
fn hunt_finds_the_intrusion_verified_and_the_forgery_not() {
    let (code, out, err) = verified("hunt", &["--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    let logs = world()["logs"].as_u64().unwrap();
    assert_eq!(d["input"]["files"], logs);
    assert_eq!(d["input"]["verified_files"], logs - 1);
    let hits = d["hits"].as_array().unwrap();

    let root = hits_of(hits, ROOT_SIGN_IN);
    assert_eq!(root.len(), 2, "a failed and a successful sign-in");
    let no_mfa = hits_of(hits, NO_MFA);
    assert_eq!(no_mfa.len(), 1);
    assert_eq!(no_mfa[0]["event_time"], "2026-03-02T09:12:07Z");
    assert_eq!(no_mfa[0]["source_ip"], ATTACKER_IP);
    let key = hits_of(hits, KEY_FOR_ANOTHER);
    assert_eq!(key.len(), 1);
    assert_eq!(key[0]["event_time"], "2026-03-02T09:15:40Z");
    for h in root.iter().chain(&no_mfa).chain(&key) {
        assert_eq!(h["verified"], true, "{h}");
        assert!(
            h["file"]
                .as_str()
                .unwrap()
                .starts_with("s3://trailproof-sample/")
        );
    }

    let tampering = hits_of(hits, TAMPERING);
    let mut seen: Vec<(&str, bool, bool)> = tampering
        .iter()
        .map(|h| {
            (
                h["event_time"].as_str().unwrap(),
                h["verified"].as_bool().unwrap(),
                h["file"] == forged().as_str(),
            )
        })
        .collect();
    seen.sort_unstable();
    assert_eq!(
        seen,
        vec![
            ("2026-03-02T09:24:30Z", true, false), // the session, denied
            ("2026-03-02T09:26:05Z", false, true), // the forged record blaming user-3
            ("2026-03-02T09:26:12Z", true, false), // svc-backup, success
        ]
    );
    let forged_hit = tampering.iter().find(|h| h["verified"] == false).unwrap();
    assert!(forged_hit["actor"].as_str().unwrap().contains(FRAMED_USER));
}

/// One `search` record per jsonl line: (eventName, verified).
fn listed(out: &str) -> Vec<(String, bool)> {
    out.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["record"]["eventName"].as_str().unwrap().to_owned(),
                v["verified"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[test]
fn search_lists_the_new_users_own_calls() {
    let want = vec![
        ("AssumeRole".to_owned(), true),
        ("StopLogging".to_owned(), true),
    ];
    // Verified: the matches are results, but the verification found the forged file: 1.
    let (code, out, err) = verified(
        "search",
        &[
            "--identity",
            NEW_USER,
            "--sort",
            "time",
            "--format",
            "jsonl",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(listed(&out), want);
    // Its access key finds the same calls.
    let (_, by_key, _) = verified(
        "search",
        &[
            "--identity",
            NEW_ACCESS_KEY,
            "--sort",
            "time",
            "--format",
            "jsonl",
        ],
    );
    assert_eq!(by_key, out);
    // Unverified local files: matches are results, exit 0.
    let bucket = incident().join("bucket");
    let (code, out, err) = trailproof(&[
        "search",
        "--logs",
        bucket.to_str().unwrap(),
        "--identity",
        NEW_USER,
        "--sort",
        "time",
        "--format",
        "jsonl",
    ]);
    assert_eq!(code, 0, "{err}");
    let names: Vec<String> = listed(&out).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["AssumeRole", "StopLogging"]);
}

#[test]
fn search_finds_what_was_done_to_the_new_user() {
    let (code, out, err) = verified(
        "search",
        &[
            "--field",
            &format!("requestParameters.userName={NEW_USER}"),
            "--sort",
            "time",
            "--format",
            "jsonl",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        listed(&out),
        vec![
            ("CreateUser".to_owned(), true),
            ("AttachUserPolicy".to_owned(), true),
            ("CreateAccessKey".to_owned(), true),
        ]
    );
}

#[test]
fn summarize_counts_root_use() {
    let (code, out, err) = verified("summarize", &["--format", "json"]);
    assert_eq!(code, 1, "the forged file: {err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["root_events"], 5, "two sign-ins and three IAM calls");
    let bucket = incident().join("bucket");
    let (code, out, err) = trailproof(&[
        "summarize",
        "--logs",
        bucket.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["root_events"], 5);
}

#[test]
fn report_shows_the_forged_log_and_the_intrusion() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("incident.html");
    let json = dir.path().join("incident.json");
    let snapshot = incident().join("snapshot.json");
    let (code, _, err) = verified(
        "report",
        &[
            "--snapshot",
            snapshot.to_str().unwrap(),
            "--as-of",
            "2026-03-03T01:00:00Z",
            "--out",
            html.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{err}");
    let text = std::fs::read_to_string(&json).unwrap();
    assert!(text.contains(&forged()));
    let d: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(d["activity"]["root_events"], 5);
}
