//! Shared scenario definitions and runners for the integration tests.
//!
//! Every scenario is a generated trail (signed with the committed throwaway keys) damaged
//! the way its name says. The same scenario runs offline (`--bundle`), against the moto
//! server on loopback, and — where no deliberate difference applies — through the real
//! `aws cloudtrail validate-logs`, whose output ours must equal byte for byte.
#![allow(
    dead_code,
    clippy::missing_panics_doc,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Value, json};
use trailproof::chain::digest::{FetchedObject, Location};
use trailproof::chain::keys::{PublicKeyRecord, fingerprint_of};
use trailproof::fixture::{TestKey, TrailSpec, World, committed_keys, gzip};
use trailproof::time::{UtcTime, parse_user_time};

/// moto's default account, so trail ARNs match the ones moto creates.
pub const ACCOUNT: &str = "123456789012";
/// A member account for organization trails.
pub const MEMBER: &str = "111122223333";
/// The organization id used offline (online, moto's own id is used).
pub const OFFLINE_ORG: &str = "o-exampleorg1";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn keys() -> &'static [TestKey] {
    static KEYS: OnceLock<Vec<TestKey>> = OnceLock::new();
    KEYS.get_or_init(|| committed_keys(&repo().join("testdata/keys")).expect("committed keys"))
}

pub fn t(s: &str) -> UtcTime {
    parse_user_time(s).expect("time")
}

/// What a run printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from_output(out: &std::process::Output) -> Self {
        Self {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// A scenario: a damaged world plus how to run it and what must come out.
pub struct Case {
    pub name: String,
    pub spec: TrailSpec,
    pub world: World,
    /// Keys the key service serves (may differ from the world's, e.g. unknown key).
    pub served_keys: BTreeMap<String, Vec<PublicKeyRecord>>,
    pub start: String,
    pub end: String,
    pub verbose: bool,
    /// Extra verify arguments (e.g. `--region`, `--account-id`).
    pub args: Vec<String>,
    /// Extra buckets the world uses besides `spec.bucket`.
    pub extra_buckets: Vec<String>,
    pub expect_code: i32,
    /// Lines that must appear in stderr (tab-separated verdict lines, gap notes…).
    pub expect_stderr: Vec<String>,
    /// Lines that must appear in stdout.
    pub expect_stdout: Vec<String>,
    /// False where a deliberate difference from the reference applies.
    pub reference_comparable: bool,
}

pub fn bucket_name(name: &str) -> String {
    format!("tp-{}", name.replace('_', "-"))
}

/// The default scenario shape: 6 hourly digests in us-east-1, two logs an hour, window
/// `00:00`–`06:40` around digests ending at `hh:17:42`.
pub fn base(name: &str, org: Option<&str>) -> (TrailSpec, World) {
    let mut spec = TrailSpec::small(
        &bucket_name(name),
        &name.replace('_', "-"),
        t("2026-03-01T00:17:42Z"),
        6,
    );
    ACCOUNT.clone_into(&mut spec.account_id);
    if let Some(o) = org {
        spec.organization_id = Some(o.to_owned());
        MEMBER.clone_into(&mut spec.account_id);
        spec.owner_account_id = Some(ACCOUNT.to_owned());
    }
    let world = World::build(&spec, keys()).expect("world");
    (spec, world)
}

pub fn case(name: &str, spec: TrailSpec, world: World) -> Case {
    Case {
        name: name.to_owned(),
        served_keys: world.public_keys.clone(),
        spec,
        world,
        start: "2026-03-01T00:00:00Z".to_owned(),
        end: "2026-03-01T06:40:00Z".to_owned(),
        verbose: true,
        args: Vec::new(),
        extra_buckets: Vec::new(),
        expect_code: 0,
        expect_stderr: Vec::new(),
        expect_stdout: Vec::new(),
        reference_comparable: true,
    }
}

fn body_mut<'a>(world: &'a mut World, loc: &Location) -> &'a mut FetchedObject {
    world.objects.get_mut(loc).expect("object exists")
}

fn line(kind: &str, loc: &Location, verdict: &str) -> String {
    format!("{kind}\t{}\t{verdict}", loc.uri())
}

/// Every scenario, by name. `org` is the organization id to lay out organization trails
/// with (moto's own id when online).
#[allow(clippy::too_many_lines)]
pub fn scenario(name: &str, org: &str) -> Case {
    let region = "us-east-1";
    match name {
        "valid_day" => {
            let (spec, world) = base(name, None);
            let mut c = case(name, spec, world);
            c.expect_stdout = vec![
                "6/6 digest files valid".into(),
                "12/12 log files valid".into(),
            ];
            c
        }
        "log_modified" | "log_deleted" | "log_emptied" | "log_appended_member" | "log_not_gzip" => {
            let (spec, mut world) = base(name, None);
            let log = world.logs(&spec, region)[5].clone();
            let verdict = match name {
                "log_modified" => {
                    body_mut(&mut world, &log).body =
                        gzip(b"{\"Records\":[{\"eventName\":\"forged\"}]}");
                    "INVALID: hash value doesn't match"
                }
                "log_deleted" => {
                    world.objects.remove(&log);
                    "INVALID: not found"
                }
                "log_emptied" => {
                    body_mut(&mut world, &log).body.clear();
                    "INVALID: hash value doesn't match"
                }
                "log_appended_member" => {
                    body_mut(&mut world, &log)
                        .body
                        .extend(gzip(b"{\"Records\":[]}"));
                    "INVALID: unexpected data after end of compressed stream"
                }
                _ => {
                    body_mut(&mut world, &log).body = b"{\"Records\":[]}".to_vec();
                    "INVALID: invalid format"
                }
            };
            let mut c = case(name, spec, world);
            c.expect_code = 1;
            c.expect_stderr = vec![line("Log file", &log, verdict)];
            c.expect_stdout = vec!["11/12 log files valid, 1/12 log files INVALID".into()];
            c
        }
        "digest_modified" | "digest_deleted" | "digest_unsigned" | "digest_not_json" => {
            let (spec, mut world) = base(name, None);
            let d = world.digests(&spec, region, false)[3].clone();
            let verdict = match name {
                "digest_modified" => {
                    let mut json = world.digest_json(&d).expect("json");
                    json["logFiles"][0]["hashValue"] = json!("00".repeat(32));
                    body_mut(&mut world, &d).body = gzip(&serde_json::to_vec(&json).expect("json"));
                    "INVALID: signature verification failed"
                }
                "digest_deleted" => {
                    world.objects.remove(&d);
                    "INVALID: not found"
                }
                "digest_unsigned" => {
                    body_mut(&mut world, &d).metadata.clear();
                    "INVALID: signature verification failed"
                }
                _ => {
                    body_mut(&mut world, &d).body = gzip(b"this is not json");
                    "INVALID: invalid format"
                }
            };
            let mut c = case(name, spec, world);
            c.expect_code = 1;
            c.expect_stderr = vec![line("Digest file", &d, verdict)];
            c.expect_stdout = vec!["5/6 digest files valid, 1/6 digest files INVALID".into()];
            c
        }
        "two_digests_deleted" => {
            let (spec, mut world) = base(name, None);
            let ds = world.digests(&spec, region, false);
            world.objects.remove(&ds[3]);
            world.objects.remove(&ds[2]);
            let mut c = case(name, spec, world);
            c.expect_code = 1;
            c.expect_stderr = vec![line("Digest file", &ds[3], "INVALID: not found")];
            c
        }
        "digest_moved" => {
            let (spec, mut world) = base(name, None);
            let newest = world.digests(&spec, region, false)[5].clone();
            let obj = world.objects[&newest].clone();
            let moved = Location::new(&newest.bucket, newest.key.replace("T061742Z", "T061842Z"));
            world.objects.insert(moved.clone(), obj);
            let mut c = case(name, spec, world);
            c.expect_code = 1;
            c.expect_stderr = vec![line(
                "Digest file",
                &moved,
                "INVALID: has been moved from its original location",
            )];
            c
        }
        "unknown_key" => {
            let (spec, mut world) = base(name, None);
            let newest = world.digests(&spec, region, false)[5].clone();
            let k3 = &keys()[2];
            world
                .resign(&newest, k3, |j| {
                    j["digestPublicKeyFingerprint"] = json!(k3.fingerprint);
                })
                .expect("resign");
            let mut c = case(name, spec, world);
            c.expect_code = 1;
            c.expect_stderr = vec![line(
                "Digest file",
                &newest,
                &format!(
                    "INVALID: public key not found in region us-east-1 for fingerprint {}",
                    k3.fingerprint
                ),
            )];
            c
        }
        "gap" => {
            let (mut spec, _) = base(name, None);
            spec.stopped_hours = vec![3];
            let world = World::build(&spec, keys()).expect("world");
            let mut c = case(name, spec, world);
            c.expect_stderr = vec![
                "No log files were delivered by CloudTrail between 2026-03-01T03:17:42Z and 2026-03-01T04:17:42Z".into(),
            ];
            c
        }
        "key_rotation" => {
            let (mut spec, _) = base(name, None);
            spec.key_schedule = vec![(0, 0), (3, 1)];
            let world = World::build(&spec, keys()).expect("world");
            let mut c = case(name, spec, world);
            c.expect_stdout = vec!["6/6 digest files valid".into()];
            c
        }
        "prefix" => {
            let (mut spec, _) = base(name, None);
            spec.prefix = Some("team/trails".into());
            let world = World::build(&spec, keys()).expect("world");
            let mut c = case(name, spec, world);
            c.expect_stdout = vec!["6/6 digest files valid".into()];
            c
        }
        "organization" => {
            let (spec, world) = base(name, Some(org));
            let mut c = case(name, spec, world);
            c.args = vec!["--account-id".into(), MEMBER.into()];
            c.expect_stdout = vec!["6/6 digest files valid".into()];
            c
        }
        "empty_hours" => {
            let (mut spec, _) = base(name, None);
            spec.empty_hours = vec![1, 2];
            let world = World::build(&spec, keys()).expect("world");
            let mut c = case(name, spec, world);
            c.expect_stdout = vec!["8/8 log files valid".into()];
            c
        }
        "all_hours_empty" => {
            let (mut spec, _) = base(name, None);
            spec.empty_hours = (0..6).collect();
            let world = World::build(&spec, keys()).expect("world");
            let mut c = case(name, spec, world);
            c.expect_stdout = vec!["6/6 digest files valid".into()];
            c
        }
        "window_inside_chain" => {
            let (mut spec, _) = base(name, None);
            spec.hours = 12;
            let world = World::build(&spec, keys()).expect("world");
            let mut c = case(name, spec, world);
            c.start = "2026-03-01T04:00:00Z".into();
            c.end = "2026-03-01T07:30:00Z".into();
            c
        }
        "backfill" => {
            let (mut spec, _) = base(name, None);
            spec.backfill_hours = vec![1, 3];
            let world = World::build(&spec, keys()).expect("world");
            let mut c = case(name, spec, world);
            c.expect_stdout = vec!["2/2 backfill digest files valid".into()];
            c
        }
        "no_digests_found" => {
            let (spec, world) = base(name, None);
            let mut c = case(name, spec, world);
            c.start = "2026-02-20T00:00:00Z".into();
            c.end = "2026-02-20T05:00:00Z".into();
            c.expect_stdout = vec!["No digests found".into()];
            c
        }
        "no_valid_digests" => {
            let (spec, mut world) = base(name, None);
            for d in world.digests(&spec, region, false) {
                body_mut(&mut world, &d).metadata.clear();
            }
            let mut c = case(name, spec, world);
            c.expect_code = 1;
            c.expect_stdout = vec!["No valid digests found in range".into()];
            c
        }
        "bucket_change" => {
            let (spec, mut world) = base(name, None);
            let other = format!("{}-old", spec.bucket);
            let chain: Vec<(Location, Location)> = world
                .digests(&spec, region, false)
                .into_iter()
                .enumerate()
                .map(|(i, l)| {
                    let to = if i < 3 {
                        Location::new(&other, &l.key)
                    } else {
                        l.clone()
                    };
                    (l, to)
                })
                .collect();
            world.rechain(&chain, &keys()[0]).expect("rechain");
            let mut c = case(name, spec, world);
            c.extra_buckets = vec![other];
            c.expect_stdout = vec!["6/6 digest files valid".into()];
            c
        }
        "other_region" => {
            let (mut spec, _) = base(name, None);
            spec.regions = vec!["us-east-1".into(), "us-west-2".into()];
            let world = World::build(&spec, keys()).expect("world");
            let mut c = case(name, spec, world);
            c.args = vec!["--region".into(), "us-west-2".into()];
            c.expect_stdout = vec!["6/6 digest files valid".into()];
            c
        }
        // Deliberate differences from the reference below.
        "spki_key" => {
            use rsa::pkcs8::EncodePublicKey as _;
            let (spec, mut world) = base(name, None);
            let k = &keys()[0];
            let spki = k
                .private
                .to_public_key()
                .to_public_key_der()
                .expect("spki")
                .as_bytes()
                .to_vec();
            let fp = fingerprint_of(&spki);
            let chain: Vec<(Location, Location)> = world
                .digests(&spec, region, false)
                .into_iter()
                .map(|l| (l.clone(), l))
                .collect();
            for (l, _) in &chain {
                world
                    .resign(l, k, |j| j["digestPublicKeyFingerprint"] = json!(fp))
                    .expect("resign");
            }
            world.rechain(&chain, k).expect("rechain");
            let mut c = case(name, spec, world);
            for recs in c.served_keys.values_mut() {
                recs.push(PublicKeyRecord {
                    fingerprint: fp.clone(),
                    der: spki.clone(),
                    valid_from: recs[0].valid_from,
                    valid_to: recs[0].valid_to,
                });
            }
            c.reference_comparable = false;
            c.expect_stdout = vec!["6/6 digest files valid".into()];
            c
        }
        "small_key" => {
            let (spec, mut world) = base(name, None);
            let small = TestKey::generate(1024).expect("keygen");
            let newest = world.digests(&spec, region, false)[5].clone();
            world
                .resign(&newest, &small, |j| {
                    j["digestPublicKeyFingerprint"] = json!(small.fingerprint);
                })
                .expect("resign");
            let mut c = case(name, spec, world);
            for recs in c.served_keys.values_mut() {
                recs.push(small.record(t("2026-01-01T00:00:00Z"), t("2027-01-01T00:00:00Z")));
            }
            c.reference_comparable = false;
            c.expect_code = 1;
            c.expect_stderr = vec![line(
                "Digest file",
                &newest,
                &format!(
                    "INVALID: public key with fingerprint {} is 1024 bits, below the 2048-bit minimum",
                    small.fingerprint
                ),
            )];
            c
        }
        "uppercase_hash" => {
            let (spec, mut world) = base(name, None);
            let newest = world.digests(&spec, region, false)[5].clone();
            world
                .resign(&newest, &keys()[0], |j| {
                    let h = j["logFiles"][0]["hashValue"]
                        .as_str()
                        .unwrap_or_default()
                        .to_uppercase();
                    j["logFiles"][0]["hashValue"] = json!(h);
                })
                .expect("resign");
            let mut c = case(name, spec, world);
            c.reference_comparable = false;
            c.expect_stdout = vec!["12/12 log files valid".into()];
            c
        }
        other => panic!("unknown scenario {other}"),
    }
}

/// Scenarios whose output must equal the reference's.
pub const COMPARABLE: &[&str] = &[
    "valid_day",
    "log_modified",
    "log_deleted",
    "log_emptied",
    "log_appended_member",
    "log_not_gzip",
    "digest_modified",
    "digest_deleted",
    "digest_unsigned",
    "digest_not_json",
    "two_digests_deleted",
    "digest_moved",
    "unknown_key",
    "gap",
    "key_rotation",
    "prefix",
    "organization",
    "empty_hours",
    "all_hours_empty",
    "window_inside_chain",
    "backfill",
    "no_digests_found",
    "no_valid_digests",
    "bucket_change",
    "other_region",
];

/// Scenarios with a deliberate difference.
pub const DELIBERATE: &[&str] = &["spki_key", "small_key", "uppercase_hash"];

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_trailproof"))
}

/// The common verify arguments of a case.
pub fn verify_args(c: &Case) -> Vec<String> {
    let mut a = vec![
        "--trail-arn".to_owned(),
        c.spec.arn(),
        "--start-time".to_owned(),
        c.start.clone(),
        "--end-time".to_owned(),
        c.end.clone(),
    ];
    if c.verbose {
        a.push("--verbose".to_owned());
    }
    a.extend(c.args.iter().cloned());
    a
}

/// Writes the case as a bundle (mirror + served keys) and runs `verify --bundle`.
pub fn run_bundle(c: &Case, dir: &Path, extra: &[&str]) -> Run {
    c.world.write_mirror(&dir.join("mirror")).expect("mirror");
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

/// Asserts the case's expectations on a run.
pub fn check_expectations(c: &Case, run: &Run) {
    assert_eq!(
        run.code, c.expect_code,
        "{}: exit code\nstdout:\n{}\nstderr:\n{}",
        c.name, run.stdout, run.stderr
    );
    for l in &c.expect_stderr {
        assert!(
            run.stderr.lines().any(|x| x == l),
            "{}: stderr lacks line {l:?}\nstderr:\n{}",
            c.name,
            run.stderr
        );
    }
    for l in &c.expect_stdout {
        assert!(
            run.stdout.lines().any(|x| x == l),
            "{}: stdout lacks line {l:?}\nstdout:\n{}",
            c.name,
            run.stdout
        );
    }
}
