//! Test-support generator: `trailproof-fixture keys DIR` writes throwaway keys;
//! `trailproof-fixture trail OUT [--hours N] [--logs-per-hour N] [--records N] [--regions a,b]
//! [--start T] [--bucket B] [--trail NAME] [--organization o-ID --accounts N]` writes a
//! signed trail mirror (with `--organization`, an organization trail's: N member accounts
//! under `AWSLogs/o-ID/`, owned by a management account), its
//! `public-keys.json` and `world.json` (ARN, window) under OUT;
//! `trailproof-fixture malformed OUT [--keys DIR]` writes the hostile-input corpus
//! (`testdata/malformed/`, see `malformed.rs`);
//! `trailproof-fixture incident OUT [--keys DIR]` writes the incident sample
//! (`testdata/incident/`, see `trailproof::fixture::incident`).

use std::path::PathBuf;
use std::process::ExitCode;

#[path = "trailproof-fixture/malformed.rs"]
mod malformed;

use trailproof::fixture::{TestKey, TrailSpec, World, committed_keys};
use trailproof::time::{format_display, parse_user_time};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The committed keys, or those of `--keys DIR`.
fn keys(args: &[String]) -> Result<Vec<TestKey>, String> {
    let dir = PathBuf::from(arg(args, "--keys").unwrap_or_else(|| "testdata/keys".to_owned()));
    committed_keys(&dir).map_err(|e| e.to_string())
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("keys") => {
            let dir = PathBuf::from(args.get(1).ok_or("keys DIR")?);
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            let n: usize = arg(&args, "--count")
                .map_or(Ok(3), |s| s.parse())
                .map_err(|e| format!("{e}"))?;
            for i in 1..=n {
                use rsa::pkcs8::EncodePrivateKey as _;
                let key = TestKey::generate(2048).map_err(|e| e.to_string())?;
                let pem = key
                    .private
                    .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
                    .map_err(|e| e.to_string())?;
                std::fs::write(dir.join(format!("key-{i}.pem")), pem.as_bytes())
                    .map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        Some("trail") => {
            let out = PathBuf::from(args.get(1).ok_or("trail OUT")?);
            let keys = keys(&args)?;
            let start = parse_user_time(
                &arg(&args, "--start").unwrap_or_else(|| "2026-03-01T00:17:42Z".to_owned()),
            )
            .map_err(|e| e.to_string())?;
            let hours: u32 = arg(&args, "--hours")
                .map_or(Ok(24), |s| s.parse())
                .map_err(|e| format!("{e}"))?;
            let bucket = arg(&args, "--bucket").unwrap_or_else(|| "trailproof-sample".to_owned());
            let trail = arg(&args, "--trail").unwrap_or_else(|| "sample-trail".to_owned());
            let mut spec = TrailSpec::small(&bucket, &trail, start, hours);
            if let Some(r) = arg(&args, "--regions") {
                spec.regions = r.split(',').map(str::to_owned).collect();
            }
            spec.logs_per_hour = arg(&args, "--logs-per-hour")
                .map_or(Ok(2), |s| s.parse())
                .map_err(|e| format!("{e}"))?;
            spec.records_per_log = arg(&args, "--records")
                .map_or(Ok(3), |s| s.parse())
                .map_err(|e| format!("{e}"))?;
            let org = arg(&args, "--organization");
            let accounts: u64 = arg(&args, "--accounts")
                .map_or(Ok(1), |s| s.parse())
                .map_err(|e| format!("{e}"))?;
            let mut members = Vec::new();
            let mut world = World::default();
            if let Some(o) = &org {
                spec.organization_id = Some(o.clone());
                spec.owner_account_id = Some(spec.account_id.clone());
                for i in 0..accounts {
                    let mut one = spec.clone();
                    one.account_id = format!("{:012}", 500_000_000_000 + i);
                    one.seed = spec.seed + i;
                    let w = World::build(&one, &keys).map_err(|e| e.to_string())?;
                    world.objects.extend(w.objects);
                    world.public_keys = w.public_keys;
                    members.push(one.account_id);
                }
            } else {
                world = World::build(&spec, &keys).map_err(|e| e.to_string())?;
            }
            world
                .write_mirror(&out.join("bucket"))
                .map_err(|e| e.to_string())?;
            let keys_json =
                serde_json::to_vec_pretty(&world.public_keys_json()).map_err(|e| e.to_string())?;
            std::fs::write(out.join("public-keys.json"), keys_json).map_err(|e| e.to_string())?;
            let end = start + chrono::Duration::hours(i64::from(hours));
            let info = serde_json::json!({
                "trail_arn": spec.arn(),
                "bucket": bucket,
                "regions": spec.regions,
                "organization_id": org,
                "accounts": members,
                "start_time": format_display(&start),
                "end_time": format_display(&end),
                "digests": world.objects.keys().filter(|l| l.key.contains("CloudTrail-Digest")).count(),
                "logs": world.objects.keys().filter(|l| l.key.contains("/CloudTrail/")).count(),
            });
            std::fs::write(
                out.join("world.json"),
                serde_json::to_vec_pretty(&info).map_err(|e| e.to_string())?,
            )
            .map_err(|e| e.to_string())?;
            Ok(())
        }
        Some("malformed") => malformed::run(&args),
        Some("incident") => {
            let out = PathBuf::from(args.get(1).ok_or("incident OUT")?);
            trailproof::fixture::incident::write(&out, &keys(&args)?).map_err(|e| e.to_string())
        }
        _ => Err(
            "usage: trailproof-fixture keys DIR | trail OUT [options] | malformed OUT | incident OUT"
                .to_owned(),
        ),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trailproof-fixture: {e}");
            ExitCode::from(2)
        }
    }
}
