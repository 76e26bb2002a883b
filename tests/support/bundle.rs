//! A case as an evidence bundle on disk (mirror, trail status and served keys), verified
//! offline by the binary.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use super::case::{Case, verify_args};
use super::run::{Run, bin};

/// Writes the case as a bundle (mirror + served keys) and runs `verify --bundle`.
pub fn run_bundle(c: &Case, dir: &Path, extra: &[&str]) -> Run {
    c.world.write_mirror(&dir.join("mirror")).expect("mirror");
    let meta = dir.join("mirror").join(".trailproof");
    std::fs::create_dir_all(&meta).expect("meta dir");
    std::fs::write(
        meta.join("trail-status.json"),
        json!({"is_logging": c.logging}).to_string(),
    )
    .expect("status");
    let keys_json: serde_json::Map<String, Value> = c
        .served_keys
        .iter()
        .map(|(r, recs)| (r.clone(), trailproof::source::keys::to_cli_json(recs)))
        .collect();
    let keys_path = dir.join("keys.json");
    std::fs::write(
        &keys_path,
        serde_json::to_vec(&Value::Object(keys_json)).expect("json"),
    )
    .expect("write");
    let mut cmd = Command::new(bin());
    cmd.arg("verify")
        .args(verify_args(c))
        .arg("--bundle")
        .arg(dir.join("mirror"))
        .arg("--public-keys")
        .arg(&keys_path)
        .arg("--s3-bucket")
        .arg(&c.spec.bucket)
        .args(extra);
    if let Some(p) = &c.spec.prefix {
        cmd.arg("--s3-prefix").arg(p);
    }
    Run::from_output(&cmd.output().expect("run trailproof"))
}
