//! Anchored scheduled runs (`--state`): the second run starts at the digest the first one
//! anchored, and history rewritten or deleted between runs is reported.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

// The parts of `tests/support/` this binary uses.
mod support {
    pub mod run;
    pub mod trail;
}

use std::path::Path;
use std::process::Command;

use serde_json::json;
use support::run::{Run, bin};
use support::trail::{ACCOUNT, keys, t};
use trailproof::fixture::{TrailSpec, World};

fn spec(hours: u32) -> TrailSpec {
    let mut s = TrailSpec::small("tp-anchor", "anchored", t("2026-03-01T00:17:42Z"), hours);
    ACCOUNT.clone_into(&mut s.account_id);
    s
}

/// Writes the world as a bundle (with its keys and a logging trail status) and verifies it.
fn verify(world: &World, dir: &Path, state: &Path, args: &[&str]) -> Run {
    let mirror = dir.join("mirror");
    let _ = std::fs::remove_dir_all(&mirror);
    world.write_mirror(&mirror).expect("mirror");
    let meta = mirror.join(".trailproof");
    std::fs::create_dir_all(&meta).expect("meta");
    std::fs::write(
        meta.join("public-keys.json"),
        world.public_keys_json().to_string(),
    )
    .expect("keys");
    std::fs::write(
        meta.join("trail-status.json"),
        json!({"is_logging": false}).to_string(),
    )
    .expect("status");
    let out = Command::new(bin())
        .args([
            "verify",
            "--trail-arn",
            &spec(1).arn(),
            "--s3-bucket",
            "tp-anchor",
        ])
        .arg("--bundle")
        .arg(&mirror)
        .arg("--state")
        .arg(state)
        .args(args)
        .output()
        .expect("run");
    Run::from_output(&out)
}

/// The first run of a schedule: an explicit window over the first six hours.
fn first_run(world: &World, dir: &Path, state: &Path) -> Run {
    verify(
        world,
        dir,
        state,
        &[
            "--start-time",
            "2026-03-01T00:00:00Z",
            "--end-time",
            "2026-03-01T06:40:00Z",
        ],
    )
}

fn anchored_key(state: &Path) -> String {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state).expect("state")).expect("json");
    assert_eq!(v["schema_version"], "trailproof.state/1");
    let chains = v["chains"].as_object().expect("chains");
    assert_eq!(chains.len(), 1, "{v}");
    chains.values().next().unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn first_run_needs_a_start_time() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::build(&spec(3), keys()).unwrap();
    let run = verify(
        &world,
        dir.path(),
        &dir.path().join("state.json"),
        &["--end-time", "2026-03-01T03:40:00Z"],
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("give --start-time for the first run"),
        "{}",
        run.stderr
    );
}

#[test]
fn second_run_starts_at_the_anchor_and_moves_it_forward() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let day1 = World::build(&spec(6), keys()).unwrap();
    let first = first_run(&day1, dir.path(), &state);
    assert_eq!(first.code, 0, "{first:?}");
    let ds = day1.digests(&spec(6), "us-east-1", false);
    assert_eq!(anchored_key(&state), ds[5].key);

    // Three more hours were delivered; no --start-time this time.
    let later = World::build(&spec(9), keys()).unwrap();
    let second = verify(
        &later,
        dir.path(),
        &state,
        &["--end-time", "2026-03-01T09:40:00Z"],
    );
    assert_eq!(second.code, 0, "{second:?}");
    assert!(
        second
            .stdout
            .contains("Results requested for 2026-03-01T06:17:42Z to 2026-03-01T09:40:00Z\n"),
        "{}",
        second.stdout
    );
    assert!(
        second.stdout.contains("\n4/4 digest files valid\n"),
        "{}",
        second.stdout
    );
    assert_eq!(
        anchored_key(&state),
        later.digests(&spec(9), "us-east-1", false)[8].key
    );
}

#[test]
fn anchored_history_rewritten_between_runs_is_reported_and_the_anchor_kept() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let day1 = World::build(&spec(6), keys()).unwrap();
    let first = first_run(&day1, dir.path(), &state);
    assert_eq!(first.code, 0, "{first:?}");
    let anchor = day1.digests(&spec(6), "us-east-1", false)[5].clone();

    // The anchored digest is replaced by another validly signed version, and the chain
    // re-signed on top of it: every link checks out, only the anchor tells.
    let mut later = World::build(&spec(9), keys()).unwrap();
    let chain: Vec<_> = later
        .digests(&spec(9), "us-east-1", false)
        .into_iter()
        .map(|l| (l.clone(), l))
        .collect();
    later
        .resign(&anchor, &keys()[0], |j| j["logFiles"] = json!([]))
        .unwrap();
    later.rechain(&chain, &keys()[0]).unwrap();
    let second = verify(
        &later,
        dir.path(),
        &state,
        &["--end-time", "2026-03-01T09:40:00Z"],
    );
    assert_eq!(second.code, 1, "{second:?}");
    let line = format!(
        "Anchored digest file\t{}\tINVALID: rewritten since it was verified last run (signature or content differs from the state file)\n\n",
        anchor.uri()
    );
    assert!(second.stderr.contains(&line), "{}", second.stderr);
    assert_eq!(
        anchored_key(&state),
        anchor.key,
        "a run with findings keeps the old anchor"
    );

    // Deleted instead: the reference names it missing, and the anchor check says why it matters.
    later.objects.remove(&anchor);
    let third = verify(
        &later,
        dir.path(),
        &state,
        &["--end-time", "2026-03-01T09:40:00Z"],
    );
    assert_eq!(third.code, 1, "{third:?}");
    assert!(
        third.stderr.contains(&format!(
            "Anchored digest file\t{}\tINVALID: deleted since it was verified last run (state file)",
            anchor.uri()
        )),
        "{}",
        third.stderr
    );
}

#[test]
fn region_appearing_after_the_first_run_starts_at_the_earliest_anchor() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let first = World::build(&spec(6), keys()).unwrap();
    let run = verify(
        &first,
        dir.path(),
        &state,
        &[
            "--all-regions",
            "--start-time",
            "2026-03-01T00:00:00Z",
            "--end-time",
            "2026-03-01T06:40:00Z",
        ],
    );
    assert_eq!(run.code, 0, "{run:?}");
    let mut two = spec(9);
    two.regions = vec!["us-east-1".into(), "eu-west-1".into()];
    let later = World::build(&two, keys()).unwrap();
    let run = verify(
        &later,
        dir.path(),
        &state,
        &["--all-regions", "--end-time", "2026-03-01T09:40:00Z"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout
            .matches("Results requested for 2026-03-01T06:17:42Z to 2026-03-01T09:40:00Z\n")
            .count(),
        2,
        "{}",
        run.stdout
    );
}
