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
    clippy::panic,
    clippy::struct_excessive_bools
)]

pub mod moto;
pub mod proxy;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Value, json};
use trailproof::chain::keys::{PublicKeyRecord, fingerprint_of};
use trailproof::fixture::{TestKey, TrailSpec, World, committed_keys, gzip};
use trailproof::time::{UtcTime, parse_user_time};
use trailproof::vocab::{FetchedObject, Location};

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
    /// Extra finding lines (kinds the reference never prints) that must appear by default.
    pub expect_findings: Vec<String>,
    /// Whether the extra findings must be exactly `expect_findings` (none when empty).
    pub only_expected_findings: bool,
    /// Whether the trail reports `IsLogging` (moto: `StartLogging`; bundle: trail status file).
    pub logging: bool,
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
        expect_findings: Vec::new(),
        only_expected_findings: false,
        logging: false,
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
        other => detection_scenario(other).unwrap_or_else(|| extra_scenario(other, org)),
    }
}

// ---------------------------------------------------------------------------
// Edge scenarios compared against the reference (added by the conformance sweep).
// ---------------------------------------------------------------------------

/// Python's `f"{v}"` of a JSON-decoded value (what the reference puts in the string to
/// sign), for the scalar cases used here.
fn py_fmt(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        other => other.to_string(),
    }
}

/// Re-signs a digest whose JSON was edited by `edit` and whose serialised text is then
/// rewritten by `text` (for JSON serde cannot produce: NaN, lone surrogates…). The string
/// to sign is built the way the reference builds it (Python formatting of the fields).
fn resign_text(
    world: &mut World,
    loc: &Location,
    key: &TestKey,
    edit: impl FnOnce(&mut Value),
    text: impl FnOnce(String) -> Vec<u8>,
) {
    let mut json = world.digest_json(loc).expect("digest json");
    edit(&mut json);
    let bytes = text(serde_json::to_string(&json).expect("json"));
    let prev = match json.get("previousDigestSignature") {
        Some(Value::Null) | None => "null".to_owned(),
        Some(v) => py_fmt(v),
    };
    let to_sign = format!(
        "{}\n{}/{}\n{}\n{}",
        py_fmt(&json["digestEndTime"]),
        py_fmt(&json["digestS3Bucket"]),
        py_fmt(&json["digestS3Object"]),
        trailproof::hash::sha256_hex(&bytes),
        prev
    );
    let sig = key.sign_hex(to_sign.as_bytes()).expect("sign");
    let obj = body_mut(world, loc);
    obj.body = gzip(&bytes);
    obj.metadata.insert("signature".into(), sig);
}

fn resign_plain(world: &mut World, loc: &Location, edit: impl FnOnce(&mut Value)) {
    world.resign(loc, &keys()[0], edit).expect("resign");
}

/// A base world in its own region (key registry of the test server is per region and
/// append-only, so scenarios depending on key validity each get a fresh region).
fn base_in(name: &str, region: &str, f: impl FnOnce(&mut TrailSpec)) -> (TrailSpec, World) {
    let (mut spec, _) = base(name, None);
    region.clone_into(&mut spec.home_region);
    spec.regions = vec![region.to_owned()];
    f(&mut spec);
    let world = World::build(&spec, keys()).expect("world");
    (spec, world)
}

fn with_spec(name: &str, f: impl FnOnce(&mut TrailSpec)) -> (TrailSpec, World) {
    let (mut spec, _) = base(name, None);
    f(&mut spec);
    let world = World::build(&spec, keys()).expect("world");
    (spec, world)
}

fn gzip_header_fields(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut e = flate2::GzBuilder::new()
        .mtime(0)
        .filename("events.json")
        .comment("delivered by a tool that names its members")
        .write(Vec::new(), flate2::Compression::new(6));
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

#[allow(clippy::too_many_lines, clippy::cognitive_complexity)]
fn extra_scenario(name: &str, org: &str) -> Case {
    let _ = org;
    let region = "us-east-1";
    let k1 = &keys()[0];
    match name {
        // --- digest JSON of the wrong shape -------------------------------------------
        "digest_json_list"
        | "digest_json_string"
        | "digest_json_number"
        | "digest_json_null"
        | "digest_json_empty_object" => {
            let (spec, mut world) = base(name, None);
            let d = world.digests(&spec, region, false)[4].clone();
            let body: &[u8] = match name {
                "digest_json_list" => b"[1, 2, 3]",
                "digest_json_string" => b"\"a digest\"",
                "digest_json_number" => b"42",
                "digest_json_null" => b"null",
                _ => b"{}",
            };
            body_mut(&mut world, &d).body = gzip(body);
            let mut c = case(name, spec, world);
            c.expect_code = 1;
            c
        }
        "fingerprint_number" | "fingerprint_null" | "fingerprint_list" => {
            let (spec, mut world) = base(name, None);
            let d = world.digests(&spec, region, false)[4].clone();
            let v = match name {
                "fingerprint_number" => json!(12345),
                "fingerprint_null" => Value::Null,
                _ => json!(["a", "b"]),
            };
            resign_plain(&mut world, &d, |j| j["digestPublicKeyFingerprint"] = v);
            let mut c = case(name, spec, world);
            c.expect_code = 1;
            c
        }
        // --- signature metadata ------------------------------------------------------
        "signature_odd_length"
        | "signature_non_hex"
        | "signature_uppercase_hex"
        | "signature_leading_zero_byte"
        | "signature_exceeds_modulus"
        | "signature_empty"
        | "signature_algorithm_missing"
        | "signature_algorithm_bogus" => {
            let (spec, mut world) = base(name, None);
            let d = world.digests(&spec, region, false)[4].clone();
            let meta = &mut body_mut(&mut world, &d).metadata;
            let sig = meta["signature"].clone();
            let mut code = 1;
            match name {
                "signature_odd_length" => {
                    meta.insert("signature".into(), sig[..sig.len() - 1].to_owned());
                }
                "signature_non_hex" => {
                    meta.insert("signature".into(), format!("zz{}", &sig[2..]));
                }
                "signature_uppercase_hex" => {
                    meta.insert("signature".into(), sig.to_uppercase());
                    code = 0;
                }
                "signature_leading_zero_byte" => {
                    meta.insert("signature".into(), format!("00{sig}"));
                }
                "signature_exceeds_modulus" => {
                    meta.insert("signature".into(), "ff".repeat(256));
                }
                "signature_empty" => {
                    meta.insert("signature".into(), String::new());
                }
                "signature_algorithm_missing" => {
                    meta.remove("signature-algorithm");
                }
                _ => {
                    meta.insert("signature-algorithm".into(), "MD5withRSA".into());
                    code = 0;
                }
            }
            let mut c = case(name, spec, world);
            c.expect_code = code;
            c
        }
        "digest_signed_sha512" => {
            // python-rsa (reference v1) accepts whatever hash the DigestInfo names.
            use sha2::Digest as _;
            let (spec, mut world) = base(name, None);
            let d = world.digests(&spec, region, false)[4].clone();
            let json = world.digest_json(&d).expect("json");
            let bytes = trailproof::fixture::gunzip(&world.objects[&d].body);
            let to_sign = format!(
                "{}\n{}/{}\n{}\n{}",
                py_fmt(&json["digestEndTime"]),
                py_fmt(&json["digestS3Bucket"]),
                py_fmt(&json["digestS3Object"]),
                trailproof::hash::sha256_hex(&bytes),
                match &json["previousDigestSignature"] {
                    Value::Null => "null".to_owned(),
                    v => py_fmt(v),
                }
            );
            let sig = k1
                .private
                .sign(
                    rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                    &sha2::Sha512::digest(to_sign.as_bytes()),
                )
                .expect("sign");
            body_mut(&mut world, &d)
                .metadata
                .insert("signature".into(), hex::encode(sig));
            case(name, spec, world)
        }
        // --- backfill ----------------------------------------------------------------
        "backfill_no_generation_timestamp"
        | "backfill_bad_generation_timestamp"
        | "backfill_bad_generation_timestamp_after_cached_key" => {
            let (spec, mut world) = with_spec(name, |s| s.backfill_hours = vec![1, 3]);
            let bf = world.digests(&spec, region, true);
            let (target, code) = match name {
                "backfill_bad_generation_timestamp_after_cached_key" => (&bf[0], 0),
                _ => (&bf[1], 1),
            };
            let meta = &mut body_mut(&mut world, target).metadata;
            if name == "backfill_no_generation_timestamp" {
                meta.remove("backfill-generation-timestamp");
            } else {
                meta.insert("backfill-generation-timestamp".into(), "garbage".into());
            }
            let mut c = case(name, spec, world);
            c.expect_code = code;
            c
        }
        "backfill_key_from_standard_window_only" => {
            let r = "eu-central-1";
            let (spec, mut world) = base_in(name, r, |s| s.backfill_hours = vec![1, 3]);
            let k2 = &keys()[1];
            for d in world.digests(&spec, r, true) {
                world
                    .resign(&d, k2, |j| {
                        j["digestPublicKeyFingerprint"] = json!(k2.fingerprint);
                    })
                    .expect("resign");
            }
            let mut c = case(name, spec, world);
            c.served_keys
                .get_mut(r)
                .expect("region")
                .push(k2.record(t("2026-03-01T06:00:00Z"), t("2026-03-01T07:00:00Z")));
            c.args = vec!["--region".into(), r.into()];
            c.expect_code = 1;
            c
        }
        "backfill_key_cached_across_backfills" => {
            let r = "eu-north-1";
            let (spec, mut world) = base_in(name, r, |s| s.backfill_hours = vec![1, 3]);
            let (k2, k3) = (&keys()[1], &keys()[2]);
            let bf = world.digests(&spec, r, true);
            world
                .resign(&bf[1], k2, |j| {
                    j["digestPublicKeyFingerprint"] = json!(k2.fingerprint);
                })
                .expect("resign");
            world
                .resign(&bf[0], k3, |j| {
                    j["digestPublicKeyFingerprint"] = json!(k3.fingerprint);
                })
                .expect("resign");
            let mut c = case(name, spec, world);
            let recs = c.served_keys.get_mut(r).expect("region");
            recs.push(k2.record(t("2026-03-01T04:00:00Z"), t("2026-03-01T05:00:00Z")));
            recs.push(k3.record(t("2026-03-01T05:00:00Z"), t("2026-03-01T05:10:00Z")));
            c.args = vec!["--region".into(), r.into()];
            c
        }
        "backfill_no_keys_at_generation" => {
            let r = "ca-central-1";
            let (spec, world) = base_in(name, r, |s| s.backfill_hours = vec![1, 3]);
            let mut c = case(name, spec, world);
            c.served_keys.insert(
                r.into(),
                vec![k1.record(t("2026-02-01T00:00:00Z"), t("2026-03-01T01:00:00Z"))],
            );
            c.args = vec!["--region".into(), r.into()];
            c.expect_code = 1;
            c
        }
        // --- key validity around the standard window [start, end + 2h] ----------------
        "key_outside_window"
        | "key_valid_only_after_end_within_2h"
        | "key_valid_just_after_fetch_window" => {
            let (r, from, to, code) = match name {
                "key_outside_window" => (
                    "sa-east-1",
                    "2026-02-01T00:00:00Z",
                    "2026-02-02T00:00:00Z",
                    1,
                ),
                "key_valid_only_after_end_within_2h" => (
                    "ap-northeast-1",
                    "2026-03-01T08:00:00Z",
                    "2026-03-01T08:40:00Z",
                    0,
                ),
                _ => (
                    "eu-west-3",
                    "2026-03-01T08:40:01Z",
                    "2026-03-01T09:00:00Z",
                    1,
                ),
            };
            let (spec, mut world) = base_in(name, r, |_| {});
            let k2 = &keys()[1];
            let d = world.digests(&spec, r, false)[5].clone();
            world
                .resign(&d, k2, |j| {
                    j["digestPublicKeyFingerprint"] = json!(k2.fingerprint);
                })
                .expect("resign");
            let mut c = case(name, spec, world);
            c.served_keys
                .get_mut(r)
                .expect("region")
                .push(k2.record(t(from), t(to)));
            c.args = vec!["--region".into(), r.into()];
            c.expect_code = code;
            c
        }
        "key_garbage_der" => {
            let (spec, mut world) = base(name, None);
            let der = b"this is not a DER public key".to_vec();
            let fp = fingerprint_of(&der);
            let d = world.digests(&spec, region, false)[4].clone();
            resign_plain(&mut world, &d, |j| {
                j["digestPublicKeyFingerprint"] = json!(fp);
            });
            let mut c = case(name, spec, world);
            for recs in c.served_keys.values_mut() {
                recs.push(PublicKeyRecord {
                    fingerprint: fp.clone(),
                    der: der.clone(),
                    valid_from: Some(t("2026-02-01T00:00:00Z")),
                    valid_to: Some(t("2027-01-01T00:00:00Z")),
                });
            }
            c.expect_code = 1;
            c
        }
        // --- the digest listing ------------------------------------------------------
        "junk_keys_in_digest_folder" => {
            let (spec, mut world) = base(name, None);
            let d = world.digests(&spec, region, false)[2].clone();
            let folder = d.key.rsplit_once('/').expect("folder").0.to_owned();
            for junk in [
                format!("{folder}/README.txt"),
                format!("{folder}/notes/2026.json.gz"),
                d.key.replace(".json.gz", ".json"),
                d.key.replace("_CloudTrail-Digest_", "_CloudTrail_"),
                format!(
                    "{}/CloudTrail-Digest/us-east-1/x/y/z/{}",
                    folder.split("/CloudTrail-Digest/").next().expect("base"),
                    d.key.rsplit('/').next().expect("name")
                ),
            ] {
                world.objects.insert(
                    Location::new(&d.bucket, junk),
                    FetchedObject {
                        body: b"junk".to_vec(),
                        metadata: BTreeMap::new(),
                    },
                );
            }
            case(name, spec, world)
        }
        "junk_digest_name_stops_listing" => {
            let (spec, mut world) = base(name, None);
            let d = world.digests(&spec, region, false)[1].clone();
            let junk = d.key.replace("Z.json.gz", "Z_x.json.gz");
            world.objects.insert(
                Location::new(&d.bucket, junk),
                FetchedObject {
                    body: b"junk".to_vec(),
                    metadata: BTreeMap::new(),
                },
            );
            case(name, spec, world)
        }
        "other_trail_shared_prefix" | "other_trail_name_extends_ours" => {
            let (mut spec, _) = base(name, None);
            spec.trail_name = if name == "other_trail_shared_prefix" {
                "tp-shared".into()
            } else {
                "tp-shadow".into()
            };
            let mut world = World::build(&spec, keys()).expect("world");
            let mut other = spec.clone();
            other.trail_name = if name == "other_trail_shared_prefix" {
                "tp-shared-archive".into()
            } else {
                "tp-shadow_us-east-1_evil".into()
            };
            other.seed = 99;
            other.hours = 8;
            let ow = World::build(&other, keys()).expect("world");
            world.objects.extend(ow.objects);
            case(name, spec, world)
        }
        "other_region_digest_in_folder" => {
            let (spec, mut world) = with_spec(name, |s| {
                s.regions = vec!["us-east-1".into(), "us-west-2".into()];
            });
            let w = world.digests(&spec, "us-west-2", false)[3].clone();
            let obj = world.objects[&w].clone();
            world.objects.insert(
                Location::new(
                    &w.bucket,
                    w.key.replace(
                        "CloudTrail-Digest/us-west-2/",
                        "CloudTrail-Digest/us-east-1/",
                    ),
                ),
                obj,
            );
            case(name, spec, world)
        }
        "digest_in_wrong_date_folder" => {
            let (spec, mut world) = base(name, None);
            let chain: Vec<(Location, Location)> = world
                .digests(&spec, region, false)
                .into_iter()
                .enumerate()
                .map(|(i, l)| {
                    let to = if i == 2 {
                        Location::new(&l.bucket, l.key.replace("/2026/03/01/", "/2026/03/02/"))
                    } else {
                        l.clone()
                    };
                    (l, to)
                })
                .collect();
            world.rechain(&chain, k1).expect("rechain");
            case(name, spec, world)
        }
        // --- windows -----------------------------------------------------------------
        "window_starts_at_digest_end"
        | "window_starts_inside_digest"
        | "window_after_newest"
        | "window_end_before_newest"
        | "window_end_inside_last_hour"
        | "start_equals_end"
        | "start_equals_end_at_digest_end"
        | "window_start_fractional"
        | "start_time_date_only"
        | "start_time_space_separated"
        | "start_time_plus_zero_offset" => {
            let (spec, world) = base(name, None);
            let mut c = case(name, spec, world);
            let (s, e) = match name {
                "window_starts_at_digest_end" => ("2026-03-01T03:17:42Z", "2026-03-01T06:40:00Z"),
                "window_starts_inside_digest" => ("2026-03-01T03:30:00Z", "2026-03-01T06:40:00Z"),
                "window_after_newest" => ("2026-03-01T07:30:00Z", "2026-03-01T09:00:00Z"),
                "window_end_before_newest" => ("2026-03-01T00:00:00Z", "2026-03-01T03:00:00Z"),
                "window_end_inside_last_hour" => ("2026-03-01T00:00:00Z", "2026-03-01T05:30:00Z"),
                "start_equals_end" => ("2026-03-01T03:30:00Z", "2026-03-01T03:30:00Z"),
                "start_equals_end_at_digest_end" => {
                    ("2026-03-01T03:17:42Z", "2026-03-01T03:17:42Z")
                }
                "window_start_fractional" => ("2026-03-01T03:17:42.500Z", "2026-03-01T06:40:00Z"),
                "start_time_date_only" => ("2026-03-01", "2026-03-01T06:40:00Z"),
                "start_time_space_separated" => ("2026-03-01 00:30:00", "2026-03-01 06:40:00"),
                _ => ("2026-03-01T00:00:00+00:00", "2026-03-01T06:40:00+00:00"),
            };
            c.start = s.into();
            c.end = e.into();
            c
        }
        // --- quiet (non-verbose) runs -----------------------------------------------
        "quiet_valid_day" | "quiet_log_modified" | "quiet_digest_deleted" | "quiet_gap" => {
            let (spec, mut world) = with_spec(name, |s| {
                if name == "quiet_gap" {
                    s.stopped_hours = vec![3];
                }
            });
            let mut code = 0;
            match name {
                "quiet_log_modified" => {
                    let log = world.logs(&spec, region)[5].clone();
                    body_mut(&mut world, &log).body = gzip(b"{\"Records\":[]}");
                    code = 1;
                }
                "quiet_digest_deleted" => {
                    let d = world.digests(&spec, region, false)[3].clone();
                    world.objects.remove(&d);
                    code = 1;
                }
                _ => {}
            }
            let mut c = case(name, spec, world);
            c.verbose = false;
            c.expect_code = code;
            c
        }
        "quiet_several_invalid" | "two_logs_modified" => {
            let (spec, mut world) = base(name, None);
            let logs = world.logs(&spec, region);
            for i in [2, 3, 8] {
                body_mut(&mut world, &logs[i]).body = gzip(b"{\"Records\":[]}");
            }
            let d = world.digests(&spec, region, false)[2].clone();
            world.objects.remove(&d);
            let mut c = case(name, spec, world);
            c.verbose = name == "two_logs_modified";
            c.expect_code = 1;
            c
        }
        // --- logFiles entries --------------------------------------------------------
        "log_referenced_twice"
        | "log_hash_missing"
        | "log_hash_number"
        | "log_hash_null"
        | "log_bucket_number"
        | "log_object_null"
        | "logfiles_null"
        | "logfiles_empty_object"
        | "logfiles_false"
        | "logfiles_empty_string" => {
            let (spec, mut world) = base(name, None);
            let d = world.digests(&spec, region, false)[3].clone();
            let mut code = 1;
            resign_plain(&mut world, &d, |j| match name {
                "log_referenced_twice" => {
                    let first = j["logFiles"][0].clone();
                    j["logFiles"].as_array_mut().expect("list").push(first);
                    code = 0;
                }
                "log_hash_missing" => {
                    j["logFiles"][0]
                        .as_object_mut()
                        .expect("obj")
                        .remove("hashValue");
                }
                "log_hash_number" => j["logFiles"][0]["hashValue"] = json!(7),
                "log_hash_null" => j["logFiles"][0]["hashValue"] = Value::Null,
                "log_bucket_number" => j["logFiles"][0]["s3Bucket"] = json!(5),
                "log_object_null" => j["logFiles"][0]["s3Object"] = Value::Null,
                "logfiles_null" => {
                    j["logFiles"] = Value::Null;
                    code = 0;
                }
                "logfiles_empty_object" => {
                    j["logFiles"] = json!({});
                    code = 0;
                }
                "logfiles_false" => {
                    j["logFiles"] = json!(false);
                    code = 0;
                }
                _ => {
                    j["logFiles"] = json!("");
                    code = 0;
                }
            });
            let mut c = case(name, spec, world);
            c.expect_code = code;
            c
        }
        // --- chain shapes ------------------------------------------------------------
        "three_digests_deleted" | "newest_digest_deleted" | "oldest_digest_deleted" => {
            let (spec, mut world) = base(name, None);
            let ds = world.digests(&spec, region, false);
            let gone: &[usize] = match name {
                "three_digests_deleted" => &[2, 3, 4],
                "newest_digest_deleted" => &[5],
                _ => &[0],
            };
            for i in gone {
                world.objects.remove(&ds[*i]);
            }
            let mut c = case(name, spec, world);
            c.expect_code = i32::from(name != "newest_digest_deleted");
            c
        }
        "gap_at_window_start_excluded" | "gap_at_window_start_included" | "two_gaps" => {
            let (spec, world) = with_spec(name, |s| {
                s.stopped_hours = if name == "two_gaps" {
                    vec![1, 3]
                } else {
                    vec![1]
                };
            });
            let mut c = case(name, spec, world);
            c.start = match name {
                "gap_at_window_start_excluded" => "2026-03-01T02:30:00Z".into(),
                "gap_at_window_start_included" => "2026-03-01T01:00:00Z".into(),
                _ => c.start,
            };
            c
        }
        "previous_link_to_unlisted_key"
        | "previous_key_empty_string"
        | "previous_bucket_null_only" => {
            let (spec, mut world) = base(name, None);
            let d = world.digests(&spec, region, false)[3].clone();
            let phantom = d.key.replace("T041742Z", "T024742Z");
            let mut code = 0;
            resign_plain(&mut world, &d, |j| match name {
                "previous_link_to_unlisted_key" => {
                    j["previousDigestS3Object"] = json!(phantom);
                    code = 1;
                }
                "previous_key_empty_string" => j["previousDigestS3Object"] = json!(""),
                _ => j["previousDigestS3Bucket"] = Value::Null,
            });
            let mut c = case(name, spec, world);
            c.expect_code = code;
            c
        }
        "previous_link_other_bucket_missing_key" => {
            let (spec, mut world) = base(name, None);
            let other = format!("{}-gone", spec.bucket);
            let d = world.digests(&spec, region, false)[3].clone();
            resign_plain(&mut world, &d, |j| {
                j["previousDigestS3Bucket"] = json!(other);
            });
            let mut c = case(name, spec, world);
            c.extra_buckets = vec![other];
            c.expect_code = 1;
            c
        }
        // --- digest bytes ------------------------------------------------------------
        "digest_trailing_member" | "digest_trailing_garbage" | "digest_gzip_trailer_cut" => {
            let (spec, mut world) = base(name, None);
            let d = world.digests(&spec, region, false)[3].clone();
            let obj = body_mut(&mut world, &d);
            let mut code = 0;
            match name {
                "digest_trailing_member" => obj.body.extend(gzip(b"{\"forged\":true}")),
                "digest_trailing_garbage" => obj.body.extend(b"garbage after the member"),
                _ => {
                    let n = obj.body.len();
                    obj.body.truncate(n - 8);
                    code = 1;
                }
            }
            let mut c = case(name, spec, world);
            c.expect_code = code;
            c
        }
        "digest_non_utf8"
        | "digest_json_bom"
        | "digest_json_nan"
        | "digest_json_lone_surrogate"
        | "digest_json_deep_nesting"
        | "digest_json_huge_number"
        | "digest_json_duplicate_keys" => {
            let (spec, mut world) = base(name, None);
            let d = world.digests(&spec, region, false)[3].clone();
            let key_str = d.key.clone();
            let mut code = 0;
            let text = |s: String| -> Vec<u8> {
                let rest = &s[1..];
                match name {
                    "digest_non_utf8" => {
                        let mut b = b"{\"note\":\"\xff\xfe\",".to_vec();
                        b.extend(rest.as_bytes());
                        b
                    }
                    "digest_json_bom" => {
                        let mut b = b"\xef\xbb\xbf".to_vec();
                        b.extend(s.as_bytes());
                        b
                    }
                    "digest_json_nan" => {
                        format!("{{\"note\":NaN,\"other\":-Infinity,{rest}").into_bytes()
                    }
                    "digest_json_lone_surrogate" => {
                        format!("{{\"note\":\"\\ud800\",{rest}").into_bytes()
                    }
                    "digest_json_deep_nesting" => {
                        format!("{{\"note\":{}{},{rest}", "[".repeat(300), "]".repeat(300))
                            .into_bytes()
                    }
                    "digest_json_huge_number" => {
                        format!("{{\"note\":1e400,\"n\":123456789012345678901234567890,{rest}")
                            .into_bytes()
                    }
                    _ => format!("{{\"digestS3Object\":\"{key_str}.moved\",{rest}").into_bytes(),
                }
            };
            if matches!(name, "digest_non_utf8" | "digest_json_bom") {
                code = 1;
            }
            resign_text(&mut world, &d, k1, |_| {}, text);
            let mut c = case(name, spec, world);
            c.expect_code = code;
            c
        }
        "digest_end_time_number"
        | "digest_end_time_garbage"
        | "digest_start_time_garbage"
        | "digest_start_time_null"
        | "previous_signature_missing" => {
            let (spec, mut world) = base(name, None);
            let d = world.digests(&spec, region, false)[3].clone();
            resign_text(
                &mut world,
                &d,
                k1,
                |j| match name {
                    "digest_end_time_number" => j["digestEndTime"] = json!(1_772_335_062),
                    "digest_end_time_garbage" => j["digestEndTime"] = json!("garbage"),
                    "digest_start_time_garbage" => j["digestStartTime"] = json!("soon"),
                    "digest_start_time_null" => j["digestStartTime"] = Value::Null,
                    _ => {
                        j.as_object_mut()
                            .expect("obj")
                            .remove("previousDigestSignature");
                    }
                },
                String::into_bytes,
            );
            let mut c = case(name, spec, world);
            c.expect_code = 1;
            c
        }
        "digest_start_time_offset" | "digest_start_time_offset_stops_walk" => {
            let (spec, mut world) = base(name, None);
            let ds = world.digests(&spec, region, false);
            let (i, v) = if name == "digest_start_time_offset" {
                (0, "2026-03-01T01:17:42+01:00")
            } else {
                (3, "2026-03-01T02:17:42-01:00")
            };
            resign_plain(&mut world, &ds[i], |j| j["digestStartTime"] = json!(v));
            // Keep the chain: re-link the successors to the re-signed digest.
            let chain: Vec<(Location, Location)> =
                ds[i..].iter().map(|l| (l.clone(), l.clone())).collect();
            world.rechain(&chain, k1).expect("rechain");
            let mut c = case(name, spec, world);
            if name == "digest_start_time_offset_stops_walk" {
                c.start = "2026-03-01T03:00:00Z".into();
            }
            c
        }
        // --- log bytes ---------------------------------------------------------------
        "log_gzip_name_comment"
        | "log_empty_object_hash_of_empty"
        | "log_gzip_of_empty"
        | "log_gzip_trailer_cut"
        | "log_gzip_bad_crc"
        | "log_trailing_zero_bytes" => {
            let (spec, mut world) = base(name, None);
            let log = world.logs(&spec, region)[5].clone();
            let d = world.digests(&spec, region, false)[2].clone();
            let mut code = 0;
            let content = trailproof::fixture::gunzip(&world.objects[&log].body);
            let empty_hash = trailproof::hash::sha256_hex(b"");
            match name {
                "log_gzip_name_comment" => {
                    body_mut(&mut world, &log).body = gzip_header_fields(&content);
                }
                "log_empty_object_hash_of_empty" | "log_gzip_of_empty" => {
                    body_mut(&mut world, &log).body = if name == "log_gzip_of_empty" {
                        gzip(b"")
                    } else {
                        Vec::new()
                    };
                    let key = log.key.clone();
                    resign_plain(&mut world, &d, |j| {
                        for f in j["logFiles"].as_array_mut().expect("list") {
                            if f["s3Object"] == json!(key) {
                                f["hashValue"] = json!(empty_hash);
                            }
                        }
                    });
                }
                "log_gzip_trailer_cut" => {
                    let b = &mut body_mut(&mut world, &log).body;
                    let n = b.len();
                    b.truncate(n - 8);
                }
                "log_gzip_bad_crc" => {
                    let b = &mut body_mut(&mut world, &log).body;
                    let n = b.len();
                    b[n - 8] ^= 0xff;
                    code = 1;
                }
                _ => {
                    body_mut(&mut world, &log).body.extend([0u8, 0, 0, 0]);
                    code = 1;
                }
            }
            let mut c = case(name, spec, world);
            c.expect_code = code;
            c
        }
        "many_hours_130" => {
            let (spec, world) = with_spec(name, |s| {
                s.hours = 130;
                s.logs_per_hour = 1;
                s.records_per_log = 1;
            });
            let mut c = case(name, spec, world);
            c.end = "2026-03-06T11:00:00Z".into();
            c.verbose = false;
            c
        }
        "digest_bucket_number"
        | "previous_bucket_number"
        | "previous_bucket_empty_string"
        | "fingerprint_bool"
        | "fingerprint_uppercase" => {
            let (spec, mut world) = base(name, None);
            let d = world.digests(&spec, region, false)[3].clone();
            resign_text(
                &mut world,
                &d,
                k1,
                |j| match name {
                    "digest_bucket_number" => j["digestS3Bucket"] = json!(5),
                    "previous_bucket_number" => j["previousDigestS3Bucket"] = json!(5),
                    "previous_bucket_empty_string" => j["previousDigestS3Bucket"] = json!(""),
                    "fingerprint_bool" => j["digestPublicKeyFingerprint"] = json!(true),
                    _ => {
                        let fp = k1.fingerprint.to_uppercase();
                        j["digestPublicKeyFingerprint"] = json!(fp);
                    }
                },
                String::into_bytes,
            );
            let mut c = case(name, spec, world);
            c.expect_code = 1;
            if name.starts_with("previous_bucket_") {
                c.reference_comparable = false;
                c.expect_stderr = vec![line("Digest file", &d, "INVALID: invalid format")];
                c.expect_stdout = vec!["5/6 digest files valid, 1/6 digest files INVALID".into()];
            }
            c
        }
        "digest_json_big_integer" | "digest_json_nesting_beyond_python_limit" => {
            let (spec, mut world) = base(name, None);
            let d = world.digests(&spec, region, false)[3].clone();
            let deep = name == "digest_json_nesting_beyond_python_limit";
            resign_text(
                &mut world,
                &d,
                k1,
                |_| {},
                |s| {
                    let rest = &s[1..];
                    if deep {
                        format!(
                            "{{\"note\":{}{},{rest}",
                            "[".repeat(100_000),
                            "]".repeat(100_000)
                        )
                        .into_bytes()
                    } else {
                        format!("{{\"note\":123456789012345678901234567890,{rest}").into_bytes()
                    }
                },
            );
            let mut c = case(name, spec, world);
            c.expect_code = i32::from(deep);
            c
        }
        "quiet_backfill" => {
            let (spec, mut world) = with_spec(name, |s| {
                s.backfill_hours = vec![1, 3];
                s.stopped_hours = vec![4];
            });
            let bf = world.digests(&spec, region, true)[1].clone();
            body_mut(&mut world, &bf).metadata.remove("signature");
            let mut c = case(name, spec, world);
            c.verbose = false;
            c.expect_code = 1;
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
    "digest_json_list",
    "digest_json_string",
    "digest_json_number",
    "digest_json_null",
    "digest_json_empty_object",
    "fingerprint_number",
    "fingerprint_null",
    "fingerprint_list",
    "signature_odd_length",
    "signature_non_hex",
    "signature_uppercase_hex",
    "signature_leading_zero_byte",
    "signature_exceeds_modulus",
    "signature_empty",
    "signature_algorithm_missing",
    "signature_algorithm_bogus",
    "digest_signed_sha512",
    "backfill_no_generation_timestamp",
    "backfill_bad_generation_timestamp",
    "backfill_bad_generation_timestamp_after_cached_key",
    "backfill_key_from_standard_window_only",
    "backfill_key_cached_across_backfills",
    "backfill_no_keys_at_generation",
    "key_outside_window",
    "key_valid_only_after_end_within_2h",
    "key_valid_just_after_fetch_window",
    "key_garbage_der",
    "junk_keys_in_digest_folder",
    "junk_digest_name_stops_listing",
    "other_trail_shared_prefix",
    "other_trail_name_extends_ours",
    "other_region_digest_in_folder",
    "digest_in_wrong_date_folder",
    "window_starts_at_digest_end",
    "window_starts_inside_digest",
    "window_after_newest",
    "window_end_before_newest",
    "window_end_inside_last_hour",
    "start_equals_end",
    "start_equals_end_at_digest_end",
    "window_start_fractional",
    "start_time_date_only",
    "start_time_space_separated",
    "start_time_plus_zero_offset",
    "quiet_valid_day",
    "quiet_log_modified",
    "quiet_digest_deleted",
    "quiet_gap",
    "quiet_several_invalid",
    "two_logs_modified",
    "log_referenced_twice",
    "log_hash_missing",
    "log_hash_number",
    "log_hash_null",
    "log_bucket_number",
    "log_object_null",
    "logfiles_null",
    "logfiles_empty_object",
    "logfiles_false",
    "logfiles_empty_string",
    "three_digests_deleted",
    "newest_digest_deleted",
    "oldest_digest_deleted",
    "gap_at_window_start_excluded",
    "gap_at_window_start_included",
    "two_gaps",
    "previous_link_to_unlisted_key",
    "previous_key_empty_string",
    "previous_bucket_null_only",
    "previous_link_other_bucket_missing_key",
    "digest_trailing_member",
    "digest_trailing_garbage",
    "digest_gzip_trailer_cut",
    "digest_non_utf8",
    "digest_json_bom",
    "digest_json_nan",
    "digest_json_lone_surrogate",
    "digest_json_deep_nesting",
    "digest_json_huge_number",
    "digest_json_duplicate_keys",
    "digest_end_time_number",
    "digest_end_time_garbage",
    "digest_start_time_garbage",
    "digest_start_time_null",
    "previous_signature_missing",
    "digest_start_time_offset",
    "digest_start_time_offset_stops_walk",
    "log_gzip_name_comment",
    "log_empty_object_hash_of_empty",
    "log_gzip_of_empty",
    "log_gzip_trailer_cut",
    "log_gzip_bad_crc",
    "log_trailing_zero_bytes",
    "many_hours_130",
    "digest_bucket_number",
    "fingerprint_bool",
    "fingerprint_uppercase",
    "digest_json_big_integer",
    "digest_json_nesting_beyond_python_limit",
    "quiet_backfill",
];

/// Scenarios with a deliberate difference.
///
/// `previous_bucket_*`: a signed digest whose previous link names no usable bucket. The
/// reference treats the digest as valid and then fails every older digest with botocore's
/// parameter-validation texts; we report the digest itself as `invalid format`.
pub const DELIBERATE: &[&str] = &[
    "spki_key",
    "small_key",
    "uppercase_hash",
    "previous_bucket_number",
    "previous_bucket_empty_string",
];

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

/// Whether a stderr line belongs to the reference's vocabulary.
pub fn is_reference_line(line: &str) -> bool {
    let line = line.strip_prefix("(backfill) ").unwrap_or(line);
    line.starts_with("Digest file\t")
        || line.starts_with("Log file\t")
        || line.starts_with("No log files were delivered by CloudTrail between ")
}

/// Checks a default run against the `--reference-only` run of the same case: identical
/// stdout; stderr is the reference-only stderr followed by extra findings only (each
/// `line\n\n`, none in the reference's vocabulary); exit 1 when any extra is INVALID.
/// Returns the extra lines.
pub fn extras(c: &Case, default: &Run, reference_only: &Run) -> Vec<String> {
    assert_eq!(
        default.stdout, reference_only.stdout,
        "{}: stdout changed by the extra checks",
        c.name
    );
    let rest = default.stderr.strip_prefix(reference_only.stderr.as_str()).unwrap_or_else(|| {
        panic!(
            "{}: extra findings must follow the reference's lines\ndefault:\n{}\nreference-only:\n{}",
            c.name, default.stderr, reference_only.stderr
        )
    });
    let lines: Vec<String> = rest.split_terminator("\n\n").map(str::to_owned).collect();
    assert_eq!(
        lines.join("\n\n") + if lines.is_empty() { "" } else { "\n\n" },
        rest,
        "{}: spacing",
        c.name
    );
    for l in &lines {
        assert!(
            !is_reference_line(l),
            "{}: extra line in reference vocabulary: {l:?}",
            c.name
        );
        assert_eq!(l.split('\t').count(), 3, "{}: malformed line {l:?}", c.name);
    }
    let invalid = lines.iter().any(|l| l.contains("\tINVALID: "));
    let expected_code = if invalid { 1 } else { reference_only.code };
    assert_eq!(
        default.code, expected_code,
        "{}: exit code with extra findings {lines:#?}",
        c.name
    );
    for f in &c.expect_findings {
        assert!(
            lines.contains(f),
            "{}: missing finding {f:?}\nfound:\n{lines:#?}",
            c.name
        );
    }
    if c.only_expected_findings {
        assert_eq!(
            &lines, &c.expect_findings,
            "{}: unexpected findings",
            c.name
        );
    }
    lines
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

/// A log object at `key` (under the scenario's bucket) with some records.
fn put_log(world: &mut World, bucket: &str, key: &str) -> Location {
    let loc = Location::new(bucket, key);
    world.objects.insert(
        loc.clone(),
        FetchedObject {
            body: gzip(br#"{"Records":[{"eventName":"ForgedEvent"}]}"#),
            metadata: BTreeMap::new(),
        },
    );
    loc
}

fn log_key(spec: &TrailSpec, stamp: &str, suffix: &str) -> String {
    format!(
        "AWSLogs/{0}/CloudTrail/us-east-1/2026/03/01/{0}_CloudTrail_us-east-1_{stamp}_{suffix}.json.gz",
        spec.account_id
    )
}

/// Issue 3: the tampering the reference misses, one scenario per detection. Each is also
/// compared with the reference under `--reference-only`.
#[allow(clippy::too_many_lines)]
fn detection_scenario(name: &str) -> Option<Case> {
    let region = "us-east-1";
    let k1 = &keys()[0];
    let c = match name {
        "forged_log" => {
            let (spec, mut world) = base(name, None);
            let log = put_log(
                &mut world,
                &spec.bucket.clone(),
                &log_key(&spec, "20260301T0230Z", "FORGEDforgedFORG"),
            );
            let mut c = case(name, spec, world);
            c.expect_findings = vec![line(
                "Unreferenced log file",
                &log,
                "INVALID: referenced by no digest",
            )];
            c.only_expected_findings = true;
            c
        }
        "two_trails_sharing_bucket" => {
            let (spec, mut world) = base(name, None);
            let mut other = spec.clone();
            other.trail_name = "neighbour-trail".into();
            other.seed = 99;
            let theirs = World::build(&other, keys()).expect("world");
            world.objects.extend(theirs.objects);
            let mut c = case(name, spec, world);
            c.only_expected_findings = true;
            c
        }
        "fork_previous_signature"
        | "wrong_previous_hash"
        | "discontinuity"
        | "account_mismatch" => {
            let (spec, mut world) = base(name, None);
            let ds = world.digests(&spec, region, false);
            let target = if name == "account_mismatch" { 5 } else { 4 };
            world
                .resign(&ds[target], k1, |j| match name {
                    "fork_previous_signature" => {
                        j["previousDigestSignature"] = json!("ab".repeat(256));
                    }
                    "wrong_previous_hash" => j["previousDigestHashValue"] = json!("cd".repeat(32)),
                    "discontinuity" => j["digestStartTime"] = json!("2026-03-01T04:27:42Z"),
                    _ => j["awsAccountId"] = json!("999999999999"),
                })
                .expect("resign");
            let mut c = case(name, spec, world);
            c.expect_findings = vec![match name {
                "fork_previous_signature" => line(
                    "Digest link",
                    &ds[4],
                    &format!(
                        "INVALID: previousDigestSignature does not match the signature of {} (fork)",
                        ds[3].uri()
                    ),
                ),
                "wrong_previous_hash" => line(
                    "Digest link",
                    &ds[4],
                    &format!(
                        "INVALID: previousDigestHashValue does not match the SHA-256 of {} (fork)",
                        ds[3].uri()
                    ),
                ),
                "discontinuity" => line(
                    "Digest link",
                    &ds[4],
                    &format!(
                        "INVALID: starts at 2026-03-01T04:27:42Z but its predecessor {} ends at 2026-03-01T04:17:42Z",
                        ds[3].uri()
                    ),
                ),
                _ => line(
                    "Digest content",
                    &ds[5],
                    "INVALID: awsAccountId is 999999999999, expected 123456789012",
                ),
            }];
            c
        }
        "deleted_run_of_three" => {
            let (spec, mut world) = base(name, None);
            let ds = world.digests(&spec, region, false);
            for d in &ds[1..=3] {
                world.objects.remove(d);
            }
            let mut c = case(name, spec, world);
            c.expect_code = 1;
            c.expect_stderr = vec![line("Digest file", &ds[3], "INVALID: not found")];
            let log = world_logs_at(&c, "20260301T0118Z");
            c.expect_findings = vec![
                line(
                    "Unreferenced log file",
                    &log,
                    &format!(
                        "INVALID: referenced by no digest: the digest that should list it ({}) was deleted",
                        ds[1].uri()
                    ),
                ),
                line(
                    "Missing digest file",
                    &ds[2],
                    &format!(
                        "INVALID: not found: deleted along with {}; it covered 2026-03-01T02:17:42Z to 2026-03-01T03:17:42Z (expected key, hourly cadence); log files delivered then could not be checked",
                        ds[3].uri()
                    ),
                ),
                line(
                    "Missing digest file",
                    &ds[1],
                    &format!(
                        "INVALID: not found: deleted along with {}; it covered 2026-03-01T01:17:42Z to 2026-03-01T02:17:42Z (expected key, hourly cadence); log files delivered then could not be checked",
                        ds[3].uri()
                    ),
                ),
            ];
            c
        }
        "deleted_tail" => {
            let (spec, mut world) = base(name, None);
            let ds = world.digests(&spec, region, false);
            world.objects.remove(&ds[5]);
            world.objects.remove(&ds[4]);
            let mut c = case(name, spec, world);
            c.logging = true;
            c.expect_findings = vec![format!(
                "Digest chain tail\ts3://{}/AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1/\tINVALID: the newest digest ends at 2026-03-01T04:17:42Z, more than 2 h before the requested end 2026-03-01T06:40:00Z while the trail is logging: the newest digests are missing",
                c.spec.bucket
            )];
            c.only_expected_findings = true;
            c
        }
        "stopped_trail_is_not_a_deleted_tail" => {
            let (spec, mut world) = base(name, None);
            let ds = world.digests(&spec, region, false);
            world.objects.remove(&ds[5]);
            world.objects.remove(&ds[4]);
            let mut c = case(name, spec, world);
            c.logging = false;
            c.only_expected_findings = true;
            c
        }
        "digest_trailing_bytes" => {
            let (spec, mut world) = base(name, None);
            let ds = world.digests(&spec, region, false);
            world
                .objects
                .get_mut(&ds[2])
                .expect("digest")
                .body
                .extend_from_slice(b"0123456789");
            let mut c = case(name, spec, world);
            c.expect_findings = vec![line(
                "Digest content",
                &ds[2],
                "INVALID: 10 bytes after the end of the compressed stream",
            )];
            c.only_expected_findings = true;
            c
        }
        "unlinked_digest" => {
            let (spec, mut world) = base(name, None);
            let ds = world.digests(&spec, region, false);
            let forged = Location::new(&spec.bucket, ds[3].key.replace("T041742Z", "T044742Z"));
            let mut json = world.digest_json(&ds[3]).expect("json");
            json["digestS3Object"] = json!(forged.key);
            json["digestEndTime"] = json!("2026-03-01T04:47:42Z");
            let (obj, _) = trailproof::fixture::DigestDraft {
                location: forged.clone(),
                json,
            }
            .seal(k1, &[])
            .expect("seal");
            world.objects.insert(forged.clone(), obj);
            let mut c = case(name, spec, world);
            c.expect_findings = vec![line(
                "Unlinked digest file",
                &forged,
                "INVALID: validly signed but not on the chain (fork)",
            )];
            c.only_expected_findings = true;
            c
        }
        "log_outside_path" => {
            let (spec, mut world) = base(name, None);
            let ds = world.digests(&spec, region, false);
            let elsewhere = put_log(
                &mut world,
                &spec.bucket.clone(),
                "elsewhere/injected.json.gz",
            );
            let hash =
                trailproof::hash::sha256_hex(br#"{"Records":[{"eventName":"ForgedEvent"}]}"#);
            world
                .resign(&ds[0], k1, |j| {
                    j["logFiles"].as_array_mut().expect("list").push(json!({
                        "s3Bucket": elsewhere.bucket, "s3Object": elsewhere.key,
                        "hashValue": hash, "hashAlgorithm": "SHA-256"
                    }));
                })
                .expect("resign");
            let mut c = case(name, spec, world);
            c.expect_findings = vec![line(
                "Log reference",
                &elsewhere,
                &format!(
                    "INVALID: referenced by {} outside the trail's log folder AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/",
                    ds[0].uri()
                ),
            )];
            c
        }
        "log_in_gap" => {
            let (spec, mut world) = with_spec(name, |s| s.stopped_hours = vec![3]);
            let log = put_log(
                &mut world,
                &spec.bucket.clone(),
                &log_key(&spec, "20260301T0330Z", "INGAPloggedINGAP"),
            );
            let mut c = case(name, spec, world);
            c.expect_findings = vec![line(
                "Unverifiable log file",
                &log,
                "WARNING: delivered during the gap in the digest chain from 2026-03-01T03:17:42Z to 2026-03-01T04:17:42Z; no digest covers it",
            )];
            c.only_expected_findings = true;
            c
        }
        "pending_log" => {
            let (spec, mut world) = base(name, None);
            put_log(
                &mut world,
                &spec.bucket.clone(),
                &log_key(&spec, "20260301T0630Z", "PENDINGpending00"),
            );
            let mut c = case(name, spec, world);
            c.only_expected_findings = true;
            c
        }
        _ => return None,
    };
    Some(c)
}

/// Issue 3 detection scenarios (all compared with the reference under `--reference-only`).
pub const DETECTION: &[&str] = &[
    "forged_log",
    "two_trails_sharing_bucket",
    "fork_previous_signature",
    "wrong_previous_hash",
    "discontinuity",
    "account_mismatch",
    "deleted_run_of_three",
    "deleted_tail",
    "stopped_trail_is_not_a_deleted_tail",
    "digest_trailing_bytes",
    "unlinked_digest",
    "log_outside_path",
    "log_in_gap",
    "pending_log",
];

/// The log of a case whose key carries this minute stamp.
fn world_logs_at(c: &Case, stamp: &str) -> Location {
    c.world
        .logs(&c.spec, "us-east-1")
        .into_iter()
        .find(|l| l.key.contains(&format!("_{stamp}_")))
        .expect("log at stamp")
}

/// Calls `$m!` with the name of every scenario (comparable, deliberate and detection), so the
/// offline and the moto test binaries generate one test per scenario from one list.
#[macro_export]
macro_rules! all_scenarios {
    ($m:ident) => {
        $m!(
            valid_day,
            log_modified,
            log_deleted,
            log_emptied,
            log_appended_member,
            log_not_gzip,
            digest_modified,
            digest_deleted,
            digest_unsigned,
            digest_not_json,
            two_digests_deleted,
            digest_moved,
            unknown_key,
            gap,
            key_rotation,
            prefix,
            organization,
            empty_hours,
            all_hours_empty,
            window_inside_chain,
            backfill,
            no_digests_found,
            no_valid_digests,
            bucket_change,
            other_region,
            spki_key,
            small_key,
            uppercase_hash,
            forged_log,
            two_trails_sharing_bucket,
            fork_previous_signature,
            wrong_previous_hash,
            discontinuity,
            account_mismatch,
            deleted_run_of_three,
            deleted_tail,
            stopped_trail_is_not_a_deleted_tail,
            digest_trailing_bytes,
            unlinked_digest,
            log_outside_path,
            log_in_gap,
            pending_log,
            digest_json_list,
            digest_json_string,
            digest_json_number,
            digest_json_null,
            digest_json_empty_object,
            fingerprint_number,
            fingerprint_null,
            fingerprint_list,
            signature_odd_length,
            signature_non_hex,
            signature_uppercase_hex,
            signature_leading_zero_byte,
            signature_exceeds_modulus,
            signature_empty,
            signature_algorithm_missing,
            signature_algorithm_bogus,
            digest_signed_sha512,
            backfill_no_generation_timestamp,
            backfill_bad_generation_timestamp,
            backfill_bad_generation_timestamp_after_cached_key,
            backfill_key_from_standard_window_only,
            backfill_key_cached_across_backfills,
            backfill_no_keys_at_generation,
            key_outside_window,
            key_valid_only_after_end_within_2h,
            key_valid_just_after_fetch_window,
            key_garbage_der,
            junk_keys_in_digest_folder,
            junk_digest_name_stops_listing,
            other_trail_shared_prefix,
            other_trail_name_extends_ours,
            other_region_digest_in_folder,
            digest_in_wrong_date_folder,
            window_starts_at_digest_end,
            window_starts_inside_digest,
            window_after_newest,
            window_end_before_newest,
            window_end_inside_last_hour,
            start_equals_end,
            start_equals_end_at_digest_end,
            window_start_fractional,
            start_time_date_only,
            start_time_space_separated,
            start_time_plus_zero_offset,
            quiet_valid_day,
            quiet_log_modified,
            quiet_digest_deleted,
            quiet_gap,
            quiet_several_invalid,
            two_logs_modified,
            log_referenced_twice,
            log_hash_missing,
            log_hash_number,
            log_hash_null,
            log_bucket_number,
            log_object_null,
            logfiles_null,
            logfiles_empty_object,
            logfiles_false,
            logfiles_empty_string,
            three_digests_deleted,
            newest_digest_deleted,
            oldest_digest_deleted,
            gap_at_window_start_excluded,
            gap_at_window_start_included,
            two_gaps,
            previous_link_to_unlisted_key,
            previous_key_empty_string,
            previous_bucket_null_only,
            previous_link_other_bucket_missing_key,
            digest_trailing_member,
            digest_trailing_garbage,
            digest_gzip_trailer_cut,
            digest_non_utf8,
            digest_json_bom,
            digest_json_nan,
            digest_json_lone_surrogate,
            digest_json_deep_nesting,
            digest_json_huge_number,
            digest_json_duplicate_keys,
            digest_end_time_number,
            digest_end_time_garbage,
            digest_start_time_garbage,
            digest_start_time_null,
            previous_signature_missing,
            digest_start_time_offset,
            digest_start_time_offset_stops_walk,
            log_gzip_name_comment,
            log_empty_object_hash_of_empty,
            log_gzip_of_empty,
            log_gzip_trailer_cut,
            log_gzip_bad_crc,
            log_trailing_zero_bytes,
            many_hours_130,
            digest_bucket_number,
            previous_bucket_number,
            previous_bucket_empty_string,
            fingerprint_bool,
            fingerprint_uppercase,
            digest_json_big_integer,
            digest_json_nesting_beyond_python_limit,
            quiet_backfill,
        );
    };
}
