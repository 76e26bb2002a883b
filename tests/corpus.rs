//! The hostile-input corpus (`testdata/malformed/`): every case is an offline bundle run
//! through the real binary, and must give exactly the verdict recorded in
//! `testdata/malformed/cases.json` — the exit code, the same set of `INVALID`/`ERROR`/
//! `WARNING` lines on stderr (no more, no fewer), and the summary lines listed. No case may
//! panic, run out of memory or read outside its bundle.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/malformed")
}

fn manifest() -> Vec<Value> {
    let text = std::fs::read_to_string(corpus().join("cases.json")).expect("cases.json");
    let doc: Value = serde_json::from_str(&text).expect("cases.json is JSON");
    doc["cases"].as_array().expect("cases").clone()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|s| s.as_str().expect("a string").to_owned())
        .collect()
}

/// Runs one case; returns a description of every way it differs from its verdict.
fn run_case(case: &Value) -> Vec<String> {
    let name = case["name"].as_str().expect("name");
    let dir = corpus().join(name);
    let bundle = dir.join("bucket");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trailproof"));
    cmd.arg("verify")
        .args(strings(&case["args"]))
        .arg("--bundle")
        .arg(&bundle)
        .arg("--public-keys")
        .arg(dir.join("public-keys.json"))
        .env_remove("AWS_ENDPOINT_URL");
    for (k, _) in std::env::vars() {
        if k.starts_with("TRAILPROOF_MAX_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in case["env"].as_object().expect("env") {
        cmd.env(k, v.as_str().expect("env value"));
    }
    let out = cmd.output().expect("run trailproof");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expect = &case["expect"];
    let mut problems = Vec::new();
    let want_exit = expect["exit"].as_i64().expect("exit");
    if i64::from(out.status.code().unwrap_or(-1)) != want_exit {
        problems.push(format!(
            "exit {:?}, expected {want_exit}",
            out.status.code()
        ));
    }
    let bundle_text = bundle.display().to_string();
    let mut want: Vec<String> = strings(&expect["lines"])
        .iter()
        .map(|l| l.replace("<bundle>", &bundle_text))
        .collect();
    let mut got: Vec<String> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(ToOwned::to_owned)
        .collect();
    want.sort();
    got.sort();
    if got != want {
        problems.push(format!(
            "stderr lines differ\n  got:\n    {}\n  expected:\n    {}",
            got.join("\n    "),
            want.join("\n    ")
        ));
    }
    for line in strings(&expect["stdout"]) {
        if !stdout.lines().any(|l| l == line) {
            problems.push(format!("stdout lacks {line:?}:\n{stdout}"));
        }
    }
    if stderr.contains("panicked") {
        problems.push("panicked".to_owned());
    }
    problems
}

#[test]
fn corpus_every_case_gives_its_recorded_verdict() {
    let cases = manifest();
    assert!(cases.len() >= 40, "the corpus lost cases: {}", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let problems = run_case(case);
        if !problems.is_empty() {
            failures.push(format!(
                "{}: {}",
                case["name"].as_str().unwrap_or("?"),
                problems.join("; ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn corpus_manifest_lists_every_case_folder_and_each_once() {
    let mut listed: Vec<String> = manifest()
        .iter()
        .map(|c| c["name"].as_str().expect("name").to_owned())
        .collect();
    let before = listed.len();
    listed.sort();
    listed.dedup();
    assert_eq!(listed.len(), before, "a case name is listed twice");
    let mut folders: Vec<String> = std::fs::read_dir(corpus())
        .expect("corpus folder")
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    assert_eq!(listed, folders);
}

/// Each limit that applies to `verify` has a case that breaches it, and every breach is
/// an `ERROR` line (exit 3), never `INVALID`.
#[test]
fn corpus_covers_every_verify_limit_as_error_never_invalid() {
    use trailproof::limits::Limit;
    let cases = manifest();
    for limit in [
        Limit::DigestBytes,
        Limit::LogBytes,
        Limit::DigestInflatedBytes,
        Limit::LogInflatedBytes,
        Limit::ChainSteps,
    ] {
        let breaching: Vec<&Value> = cases
            .iter()
            .filter(|c| c["env"].get(limit.env_var()).is_some())
            .collect();
        assert!(
            !breaching.is_empty(),
            "no case breaches {}",
            limit.env_var()
        );
        for c in breaching {
            assert_eq!(c["expect"]["exit"], 3, "{}", c["name"]);
            let lines = strings(&c["expect"]["lines"]);
            assert!(
                lines
                    .iter()
                    .any(|l| l.contains("\tERROR: over size limit (")),
                "{}",
                c["name"]
            );
            assert!(
                !lines.iter().any(|l| l.contains("\tINVALID")),
                "{}: a limit gave INVALID",
                c["name"]
            );
        }
    }
}
