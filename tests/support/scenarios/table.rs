//! The scenario table: one entry per scenario, its damage and its expectations side by
//! side. Sections: the reference's own verdicts, deliberate differences, the tampering the
//! reference misses (issue 3), and the edge cases of the conformance sweep.

use std::collections::BTreeMap;

use rsa::pkcs8::EncodePublicKey as _;
use serde_json::{Value, json};
use trailproof::chain::keys::{PublicKeyRecord, fingerprint_of};
use trailproof::fixture::{DigestDraft, TestKey, World, gunzip, gzip};
use trailproof::hash::sha256_hex;
use trailproof::vocab::Location;

use super::super::case::Case;
use super::super::default_trail::{MEMBER, as_member_of};
use super::super::trail::{ACCOUNT, keys, t};
use super::damage::{
    FORGED_RECORDS, gzip_header_fields, in_region, line, log_key, py_fmt, string_to_sign,
};
use super::{DELIBERATE, DETECTION, REFERENCE, Scenario};

const LOG_INVALID: &[&str] = &["11/12 log files valid, 1/12 log files INVALID"];
const DIGEST_INVALID: &[&str] = &["5/6 digest files valid, 1/6 digest files INVALID"];
const DIGESTS_VALID: &[&str] = &["6/6 digest files valid"];
const NO_RECORDS: &[u8] = b"{\"Records\":[]}";

/// Re-signs the newest digest of `region` with the second committed key, which the key
/// service serves only from `from` to `to`.
fn newest_signed_by_key_valid(c: &mut Case, region: &str, from: &str, to: &str) {
    let k2 = &keys()[1];
    let d = c.world.digests(&c.spec, region, false)[5].clone();
    c.resign_with(&d, k2, |j| {
        j["digestPublicKeyFingerprint"] = json!(k2.fingerprint);
    });
    c.served_keys
        .get_mut(region)
        .expect("region")
        .push(k2.record(t(from), t(to)));
}

/// Deletes the digests at these positions.
fn delete_digests(c: &mut Case, which: &[usize]) {
    let ds = c.digests();
    for i in which {
        c.remove(&ds[*i]);
    }
}

/// Empties three logs' records and deletes the digest that lists one of them.
fn several_invalid(c: &mut Case) {
    let logs = c.logs();
    for i in [2, 3, 8] {
        c.object(&logs[i]).body = gzip(NO_RECORDS);
    }
    let d = c.digest(2);
    c.remove(&d);
}

/// Replaces the body of the fifth digest (a digest JSON of the wrong shape).
fn fifth_digest_body(c: &mut Case, json: &[u8]) {
    let d = c.digest(4);
    c.object(&d).body = gzip(json);
}

/// Edits the signature metadata of the fifth digest (given with its signature).
fn fifth_digest_metadata(c: &mut Case, edit: impl FnOnce(&mut BTreeMap<String, String>, String)) {
    let d = c.digest(4);
    let meta = &mut c.object(&d).metadata;
    let sig = meta["signature"].clone();
    edit(meta, sig);
}

/// Edits the JSON of the fourth digest and re-signs it.
fn fourth_digest_resigned(c: &mut Case, edit: impl FnOnce(&mut Value)) {
    let d = c.digest(3);
    c.resign(&d, edit);
}

/// Rewrites the text of the fourth digest after its first `{` (kept signed the way the
/// reference checks it).
fn fourth_digest_text(c: &mut Case, text: impl FnOnce(&str) -> Vec<u8>) {
    let d = c.digest(3);
    c.resign_text(&d, |_| {}, |s| text(&s[1..]));
}

/// Edits the JSON of the fourth digest (fields serde can write) and re-signs it the way the
/// reference builds its string to sign.
fn fourth_digest_fields(c: &mut Case, edit: impl FnOnce(&mut Value)) {
    let d = c.digest(3);
    c.resign_text(&d, edit, String::into_bytes);
}

/// Changes the bytes of the sixth log file.
fn sixth_log_bytes(c: &mut Case, edit: impl FnOnce(&mut Vec<u8>)) {
    let log = c.log(5);
    edit(&mut c.object(&log).body);
}

/// Replaces the sixth log file with `body` (of empty content) and re-signs the digest
/// listing it with the hash of empty content.
fn sixth_log_emptied_and_rehashed(c: &mut Case, body: Vec<u8>) {
    let log = c.log(5);
    c.object(&log).body = body;
    let empty_hash = sha256_hex(b"");
    let d = c.digest(2);
    c.resign(&d, |j| {
        for f in j["logFiles"].as_array_mut().expect("list") {
            if f["s3Object"] == json!(log.key) {
                f["hashValue"] = json!(empty_hash);
            }
        }
    });
}

/// Re-signs the `i`-th digest with another `digestStartTime` and re-links its successors.
fn start_time_offset(c: &mut Case, i: usize, start: &str) {
    let ds = c.digests();
    c.resign(&ds[i], |j| j["digestStartTime"] = json!(start));
    let chain: Vec<(Location, Location)> = ds[i..].iter().map(|l| (l.clone(), l.clone())).collect();
    c.rechain(&chain);
}

/// Plants another trail's files (same bucket and prefix) next to ours.
fn other_trail(c: &mut Case, name: &str, hours: Option<u32>) {
    let mut other = c.spec.clone();
    name.clone_into(&mut other.trail_name);
    other.seed = 99;
    if let Some(h) = hours {
        other.hours = h;
    }
    let theirs = World::build(&other, keys()).expect("world");
    c.world.objects.extend(theirs.objects);
}

/// Re-signs the fifth digest with the reference's own string to sign, but with a `SHA-512`
/// `DigestInfo`.
fn signed_sha512(c: &mut Case) {
    use sha2::Digest as _;
    let d = c.digest(4);
    let json = c.world.digest_json(&d).expect("json");
    let bytes = gunzip(&c.world.objects[&d].body);
    let prev = match &json["previousDigestSignature"] {
        Value::Null => "null".to_owned(),
        v => py_fmt(v),
    };
    let to_sign = string_to_sign(&json, &sha256_hex(&bytes), &prev);
    let sig = keys()[0]
        .private
        .sign(
            rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
            &sha2::Sha512::digest(to_sign.as_bytes()),
        )
        .expect("sign");
    c.object(&d)
        .metadata
        .insert("signature".into(), hex::encode(sig));
}

scenario_table!(
    // --- The reference's own verdicts ------------------------------------------------
    valid_day = Scenario {
        stdout: &["6/6 digest files valid", "12/12 log files valid"],
        ..REFERENCE
    },
    log_modified = Scenario {
        code: 1,
        stdout: LOG_INVALID,
        damage: |c| {
            let log = c.log(5);
            c.object(&log).body = gzip(b"{\"Records\":[{\"eventName\":\"forged\"}]}");
            c.expect_stderr = vec![line("Log file", &log, "INVALID: hash value doesn't match")];
        },
        ..REFERENCE
    },
    log_deleted = Scenario {
        code: 1,
        stdout: LOG_INVALID,
        damage: |c| {
            let log = c.log(5);
            c.remove(&log);
            c.expect_stderr = vec![line("Log file", &log, "INVALID: not found")];
        },
        ..REFERENCE
    },
    log_emptied = Scenario {
        code: 1,
        stdout: LOG_INVALID,
        damage: |c| {
            let log = c.log(5);
            c.object(&log).body.clear();
            c.expect_stderr = vec![line("Log file", &log, "INVALID: hash value doesn't match")];
        },
        ..REFERENCE
    },
    log_appended_member = Scenario {
        code: 1,
        stdout: LOG_INVALID,
        damage: |c| {
            let log = c.log(5);
            c.object(&log).body.extend(gzip(NO_RECORDS));
            c.expect_stderr = vec![line(
                "Log file",
                &log,
                "INVALID: unexpected data after end of compressed stream",
            )];
        },
        ..REFERENCE
    },
    log_not_gzip = Scenario {
        code: 1,
        stdout: LOG_INVALID,
        damage: |c| {
            let log = c.log(5);
            c.object(&log).body = NO_RECORDS.to_vec();
            c.expect_stderr = vec![line("Log file", &log, "INVALID: invalid format")];
        },
        ..REFERENCE
    },
    digest_modified = Scenario {
        code: 1,
        stdout: DIGEST_INVALID,
        damage: |c| {
            let d = c.digest(3);
            let mut json = c.world.digest_json(&d).expect("json");
            json["logFiles"][0]["hashValue"] = json!("00".repeat(32));
            c.object(&d).body = gzip(&serde_json::to_vec(&json).expect("json"));
            c.expect_stderr = vec![line(
                "Digest file",
                &d,
                "INVALID: signature verification failed",
            )];
        },
        ..REFERENCE
    },
    digest_deleted = Scenario {
        code: 1,
        stdout: DIGEST_INVALID,
        damage: |c| {
            let d = c.digest(3);
            c.remove(&d);
            c.expect_stderr = vec![line("Digest file", &d, "INVALID: not found")];
        },
        ..REFERENCE
    },
    digest_unsigned = Scenario {
        code: 1,
        stdout: DIGEST_INVALID,
        damage: |c| {
            let d = c.digest(3);
            c.object(&d).metadata.clear();
            c.expect_stderr = vec![line(
                "Digest file",
                &d,
                "INVALID: signature verification failed",
            )];
        },
        ..REFERENCE
    },
    digest_not_json = Scenario {
        code: 1,
        stdout: DIGEST_INVALID,
        damage: |c| {
            let d = c.digest(3);
            c.object(&d).body = gzip(b"this is not json");
            c.expect_stderr = vec![line("Digest file", &d, "INVALID: invalid format")];
        },
        ..REFERENCE
    },
    two_digests_deleted = Scenario {
        code: 1,
        damage: |c| {
            let ds = c.digests();
            c.remove(&ds[3]);
            c.remove(&ds[2]);
            c.expect_stderr = vec![line("Digest file", &ds[3], "INVALID: not found")];
        },
        ..REFERENCE
    },
    digest_moved = Scenario {
        code: 1,
        damage: |c| {
            let newest = c.digest(5);
            let obj = c.world.objects[&newest].clone();
            let moved = Location::new(&newest.bucket, newest.key.replace("T061742Z", "T061842Z"));
            c.world.objects.insert(moved.clone(), obj);
            c.expect_stderr = vec![line(
                "Digest file",
                &moved,
                "INVALID: has been moved from its original location",
            )];
        },
        ..REFERENCE
    },
    unknown_key = Scenario {
        code: 1,
        damage: |c| {
            let newest = c.digest(5);
            let k3 = &keys()[2];
            c.resign_with(&newest, k3, |j| {
                j["digestPublicKeyFingerprint"] = json!(k3.fingerprint);
            });
            c.expect_stderr = vec![line(
                "Digest file",
                &newest,
                &format!(
                    "INVALID: public key not found in region us-east-1 for fingerprint {}",
                    k3.fingerprint
                ),
            )];
        },
        ..REFERENCE
    },
    gap = Scenario {
        trail: |s, _| s.stopped_hours = vec![3],
        damage: |c| {
            c.expect_stderr = vec![
                "No log files were delivered by CloudTrail between 2026-03-01T03:17:42Z and 2026-03-01T04:17:42Z".into(),
            ];
        },
        ..REFERENCE
    },
    key_rotation = Scenario {
        trail: |s, _| s.key_schedule = vec![(0, 0), (3, 1)],
        stdout: DIGESTS_VALID,
        ..REFERENCE
    },
    prefix = Scenario {
        trail: |s, _| s.prefix = Some("team/trails".into()),
        stdout: DIGESTS_VALID,
        ..REFERENCE
    },
    organization = Scenario {
        trail: as_member_of,
        args: &["--account-id", MEMBER],
        stdout: DIGESTS_VALID,
        ..REFERENCE
    },
    empty_hours = Scenario {
        trail: |s, _| s.empty_hours = vec![1, 2],
        stdout: &["8/8 log files valid"],
        ..REFERENCE
    },
    all_hours_empty = Scenario {
        trail: |s, _| s.empty_hours = (0..6).collect(),
        stdout: DIGESTS_VALID,
        ..REFERENCE
    },
    window_inside_chain = Scenario {
        trail: |s, _| s.hours = 12,
        window: ("2026-03-01T04:00:00Z", "2026-03-01T07:30:00Z"),
        ..REFERENCE
    },
    backfill = Scenario {
        trail: |s, _| s.backfill_hours = vec![1, 3],
        stdout: &["2/2 backfill digest files valid"],
        ..REFERENCE
    },
    no_digests_found = Scenario {
        window: ("2026-02-20T00:00:00Z", "2026-02-20T05:00:00Z"),
        stdout: &["No digests found"],
        ..REFERENCE
    },
    no_valid_digests = Scenario {
        code: 1,
        stdout: &["No valid digests found in range"],
        damage: |c| {
            for d in c.digests() {
                c.object(&d).metadata.clear();
            }
        },
        ..REFERENCE
    },
    bucket_change = Scenario {
        stdout: DIGESTS_VALID,
        damage: |c| {
            let other = format!("{}-old", c.spec.bucket);
            let chain: Vec<(Location, Location)> = c
                .digests()
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
            c.rechain(&chain);
            c.extra_buckets = vec![other];
        },
        ..REFERENCE
    },
    other_region = Scenario {
        trail: |s, _| s.regions = vec!["us-east-1".into(), "us-west-2".into()],
        args: &["--region", "us-west-2"],
        stdout: DIGESTS_VALID,
        ..REFERENCE
    },
    // --- Deliberate differences from the reference -------------------------------------
    // A key served as SubjectPublicKeyInfo rather than PKCS#1: we accept it.
    spki_key = Scenario {
        stdout: DIGESTS_VALID,
        damage: |c| {
            let k = &keys()[0];
            let spki = k
                .private
                .to_public_key()
                .to_public_key_der()
                .expect("spki")
                .as_bytes()
                .to_vec();
            let fp = fingerprint_of(&spki);
            let chain: Vec<(Location, Location)> =
                c.digests().into_iter().map(|l| (l.clone(), l)).collect();
            for (l, _) in &chain {
                c.resign(l, |j| j["digestPublicKeyFingerprint"] = json!(fp));
            }
            c.rechain(&chain);
            for recs in c.served_keys.values_mut() {
                recs.push(PublicKeyRecord {
                    fingerprint: fp.clone(),
                    der: spki.clone(),
                    valid_from: recs[0].valid_from,
                    valid_to: recs[0].valid_to,
                });
            }
        },
        ..DELIBERATE
    },
    // A validly signed digest under a 1024-bit key: we refuse the key.
    small_key = Scenario {
        code: 1,
        damage: |c| {
            let small = TestKey::generate(1024).expect("keygen");
            let newest = c.digest(5);
            c.resign_with(&newest, &small, |j| {
                j["digestPublicKeyFingerprint"] = json!(small.fingerprint);
            });
            for recs in c.served_keys.values_mut() {
                recs.push(small.record(t("2026-01-01T00:00:00Z"), t("2027-01-01T00:00:00Z")));
            }
            c.expect_stderr = vec![line(
                "Digest file",
                &newest,
                &format!(
                    "INVALID: public key with fingerprint {} is 1024 bits, below the 2048-bit minimum",
                    small.fingerprint
                ),
            )];
        },
        ..DELIBERATE
    },
    // A log hash written in upper case: we compare hex case-insensitively.
    uppercase_hash = Scenario {
        stdout: &["12/12 log files valid"],
        damage: |c| {
            let newest = c.digest(5);
            c.resign(&newest, |j| {
                let h = j["logFiles"][0]["hashValue"]
                    .as_str()
                    .unwrap_or_default()
                    .to_uppercase();
                j["logFiles"][0]["hashValue"] = json!(h);
            });
        },
        ..DELIBERATE
    },
    // `previous_bucket_*`: a signed digest whose previous link names no usable bucket. The
    // reference treats the digest as valid and then fails every older digest with
    // botocore's parameter-validation texts; we report the digest itself as
    // `invalid format`.
    previous_bucket_number = Scenario {
        code: 1,
        stdout: DIGEST_INVALID,
        damage: |c| {
            fourth_digest_fields(c, |j| j["previousDigestS3Bucket"] = json!(5));
            let d = c.digest(3);
            c.expect_stderr = vec![line("Digest file", &d, "INVALID: invalid format")];
        },
        ..DELIBERATE
    },
    previous_bucket_empty_string = Scenario {
        code: 1,
        stdout: DIGEST_INVALID,
        damage: |c| {
            fourth_digest_fields(c, |j| j["previousDigestS3Bucket"] = json!(""));
            let d = c.digest(3);
            c.expect_stderr = vec![line("Digest file", &d, "INVALID: invalid format")];
        },
        ..DELIBERATE
    },
    // --- Tampering the reference misses (issue 3) --------------------------------------
    forged_log = Scenario {
        only_expected_findings: true,
        damage: |c| {
            let key = log_key(&c.spec, "20260301T0230Z", "FORGEDforgedFORG");
            let log = c.put_log(&key);
            c.expect_findings = vec![line(
                "Unreferenced log file",
                &log,
                "INVALID: referenced by no digest",
            )];
        },
        ..DETECTION
    },
    two_trails_sharing_bucket = Scenario {
        only_expected_findings: true,
        damage: |c| other_trail(c, "neighbour-trail", None),
        ..DETECTION
    },
    fork_previous_signature = Scenario {
        damage: |c| {
            let ds = c.digests();
            c.resign(&ds[4], |j| {
                j["previousDigestSignature"] = json!("ab".repeat(256));
            });
            c.expect_findings = vec![line(
                "Digest link",
                &ds[4],
                &format!(
                    "INVALID: previousDigestSignature does not match the signature of {} (fork)",
                    ds[3].uri()
                ),
            )];
        },
        ..DETECTION
    },
    wrong_previous_hash = Scenario {
        damage: |c| {
            let ds = c.digests();
            c.resign(&ds[4], |j| {
                j["previousDigestHashValue"] = json!("cd".repeat(32));
            });
            c.expect_findings = vec![line(
                "Digest link",
                &ds[4],
                &format!(
                    "INVALID: previousDigestHashValue does not match the SHA-256 of {} (fork)",
                    ds[3].uri()
                ),
            )];
        },
        ..DETECTION
    },
    discontinuity = Scenario {
        damage: |c| {
            let ds = c.digests();
            c.resign(&ds[4], |j| {
                j["digestStartTime"] = json!("2026-03-01T04:27:42Z");
            });
            c.expect_findings = vec![line(
                "Digest link",
                &ds[4],
                &format!(
                    "INVALID: starts at 2026-03-01T04:27:42Z but its predecessor {} ends at 2026-03-01T04:17:42Z",
                    ds[3].uri()
                ),
            )];
        },
        ..DETECTION
    },
    account_mismatch = Scenario {
        damage: |c| {
            let ds = c.digests();
            c.resign(&ds[5], |j| j["awsAccountId"] = json!("999999999999"));
            c.expect_findings = vec![line(
                "Digest content",
                &ds[5],
                "INVALID: awsAccountId is 999999999999, expected 123456789012",
            )];
        },
        ..DETECTION
    },
    deleted_run_of_three = Scenario {
        code: 1,
        damage: |c| {
            let ds = c.digests();
            for d in &ds[1..=3] {
                c.remove(d);
            }
            c.expect_stderr = vec![line("Digest file", &ds[3], "INVALID: not found")];
            let log = c.log_at("20260301T0118Z");
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
        },
        ..DETECTION
    },
    deleted_tail = Scenario {
        logging: true,
        only_expected_findings: true,
        damage: |c| {
            delete_digests(c, &[5, 4]);
            c.expect_findings = vec![format!(
                "Digest chain tail\ts3://{}/AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1/\tINVALID: the newest digest ends at 2026-03-01T04:17:42Z, more than 2 h before the requested end 2026-03-01T06:40:00Z while the trail is logging: the newest digests are missing",
                c.spec.bucket
            )];
        },
        ..DETECTION
    },
    stopped_trail_is_not_a_deleted_tail = Scenario {
        only_expected_findings: true,
        damage: |c| delete_digests(c, &[5, 4]),
        ..DETECTION
    },
    digest_trailing_bytes = Scenario {
        only_expected_findings: true,
        damage: |c| {
            let d = c.digest(2);
            c.object(&d).body.extend_from_slice(b"0123456789");
            c.expect_findings = vec![line(
                "Digest content",
                &d,
                "INVALID: 10 bytes after the end of the compressed stream",
            )];
        },
        ..DETECTION
    },
    unlinked_digest = Scenario {
        only_expected_findings: true,
        damage: |c| {
            let d = c.digest(3);
            let forged = Location::new(&c.spec.bucket, d.key.replace("T041742Z", "T044742Z"));
            let mut json = c.world.digest_json(&d).expect("json");
            json["digestS3Object"] = json!(forged.key);
            json["digestEndTime"] = json!("2026-03-01T04:47:42Z");
            let (obj, _) = DigestDraft {
                location: forged.clone(),
                json,
            }
            .seal(&keys()[0], &[])
            .expect("seal");
            c.world.objects.insert(forged.clone(), obj);
            c.expect_findings = vec![line(
                "Unlinked digest file",
                &forged,
                "INVALID: validly signed but not on the chain (fork)",
            )];
        },
        ..DETECTION
    },
    log_outside_path = Scenario {
        damage: |c| {
            let first = c.digest(0);
            let elsewhere = c.put_log("elsewhere/injected.json.gz");
            let hash = sha256_hex(FORGED_RECORDS);
            c.resign(&first, |j| {
                j["logFiles"].as_array_mut().expect("list").push(json!({
                    "s3Bucket": elsewhere.bucket, "s3Object": elsewhere.key,
                    "hashValue": hash, "hashAlgorithm": "SHA-256"
                }));
            });
            c.expect_findings = vec![line(
                "Log reference",
                &elsewhere,
                &format!(
                    "INVALID: referenced by {} outside the trail's log folder AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/",
                    first.uri()
                ),
            )];
        },
        ..DETECTION
    },
    log_in_gap = Scenario {
        trail: |s, _| s.stopped_hours = vec![3],
        only_expected_findings: true,
        damage: |c| {
            let key = log_key(&c.spec, "20260301T0330Z", "INGAPloggedINGAP");
            let log = c.put_log(&key);
            c.expect_findings = vec![line(
                "Unverifiable log file",
                &log,
                "WARNING: delivered during the gap in the digest chain from 2026-03-01T03:17:42Z to 2026-03-01T04:17:42Z; no digest covers it",
            )];
        },
        ..DETECTION
    },
    pending_log = Scenario {
        only_expected_findings: true,
        damage: |c| {
            let key = log_key(&c.spec, "20260301T0630Z", "PENDINGpending00");
            c.put_log(&key);
        },
        ..DETECTION
    },
    // --- Edge cases compared with the reference (the conformance sweep) ------------------
    // Digest JSON of the wrong shape.
    digest_json_list = Scenario {
        code: 1,
        damage: |c| fifth_digest_body(c, b"[1, 2, 3]"),
        ..REFERENCE
    },
    digest_json_string = Scenario {
        code: 1,
        damage: |c| fifth_digest_body(c, b"\"a digest\""),
        ..REFERENCE
    },
    digest_json_number = Scenario {
        code: 1,
        damage: |c| fifth_digest_body(c, b"42"),
        ..REFERENCE
    },
    digest_json_null = Scenario {
        code: 1,
        damage: |c| fifth_digest_body(c, b"null"),
        ..REFERENCE
    },
    digest_json_empty_object = Scenario {
        code: 1,
        damage: |c| fifth_digest_body(c, b"{}"),
        ..REFERENCE
    },
    fingerprint_number = Scenario {
        code: 1,
        damage: |c| {
            let d = c.digest(4);
            c.resign(&d, |j| j["digestPublicKeyFingerprint"] = json!(12345));
        },
        ..REFERENCE
    },
    fingerprint_null = Scenario {
        code: 1,
        damage: |c| {
            let d = c.digest(4);
            c.resign(&d, |j| j["digestPublicKeyFingerprint"] = Value::Null);
        },
        ..REFERENCE
    },
    fingerprint_list = Scenario {
        code: 1,
        damage: |c| {
            let d = c.digest(4);
            c.resign(&d, |j| j["digestPublicKeyFingerprint"] = json!(["a", "b"]));
        },
        ..REFERENCE
    },
    // Signature metadata.
    signature_odd_length = Scenario {
        code: 1,
        damage: |c| {
            fifth_digest_metadata(c, |m, sig| {
                m.insert("signature".into(), sig[..sig.len() - 1].to_owned());
            });
        },
        ..REFERENCE
    },
    signature_non_hex = Scenario {
        code: 1,
        damage: |c| {
            fifth_digest_metadata(c, |m, sig| {
                m.insert("signature".into(), format!("zz{}", &sig[2..]));
            });
        },
        ..REFERENCE
    },
    signature_uppercase_hex = Scenario {
        damage: |c| {
            fifth_digest_metadata(c, |m, sig| {
                m.insert("signature".into(), sig.to_uppercase());
            });
        },
        ..REFERENCE
    },
    signature_leading_zero_byte = Scenario {
        code: 1,
        damage: |c| {
            fifth_digest_metadata(c, |m, sig| {
                m.insert("signature".into(), format!("00{sig}"));
            });
        },
        ..REFERENCE
    },
    signature_exceeds_modulus = Scenario {
        code: 1,
        damage: |c| {
            fifth_digest_metadata(c, |m, _| {
                m.insert("signature".into(), "ff".repeat(256));
            });
        },
        ..REFERENCE
    },
    signature_empty = Scenario {
        code: 1,
        damage: |c| {
            fifth_digest_metadata(c, |m, _| {
                m.insert("signature".into(), String::new());
            });
        },
        ..REFERENCE
    },
    signature_algorithm_missing = Scenario {
        code: 1,
        damage: |c| {
            fifth_digest_metadata(c, |m, _| {
                m.remove("signature-algorithm");
            });
        },
        ..REFERENCE
    },
    signature_algorithm_bogus = Scenario {
        damage: |c| {
            fifth_digest_metadata(c, |m, _| {
                m.insert("signature-algorithm".into(), "MD5withRSA".into());
            });
        },
        ..REFERENCE
    },
    // python-rsa (reference v1) accepts whatever hash the DigestInfo names.
    digest_signed_sha512 = Scenario {
        damage: signed_sha512,
        ..REFERENCE
    },
    // Backfill.
    backfill_no_generation_timestamp = Scenario {
        trail: |s, _| s.backfill_hours = vec![1, 3],
        code: 1,
        damage: |c| {
            let bf = c.backfills();
            c.object(&bf[1])
                .metadata
                .remove("backfill-generation-timestamp");
        },
        ..REFERENCE
    },
    backfill_bad_generation_timestamp = Scenario {
        trail: |s, _| s.backfill_hours = vec![1, 3],
        code: 1,
        damage: |c| {
            let bf = c.backfills();
            c.object(&bf[1])
                .metadata
                .insert("backfill-generation-timestamp".into(), "garbage".into());
        },
        ..REFERENCE
    },
    backfill_bad_generation_timestamp_after_cached_key = Scenario {
        trail: |s, _| s.backfill_hours = vec![1, 3],
        damage: |c| {
            let bf = c.backfills();
            c.object(&bf[0])
                .metadata
                .insert("backfill-generation-timestamp".into(), "garbage".into());
        },
        ..REFERENCE
    },
    backfill_key_from_standard_window_only = Scenario {
        trail: |s, _| {
            in_region(s, "eu-central-1");
            s.backfill_hours = vec![1, 3];
        },
        args: &["--region", "eu-central-1"],
        code: 1,
        damage: |c| {
            let r = "eu-central-1";
            let k2 = &keys()[1];
            for d in c.world.digests(&c.spec, r, true) {
                c.resign_with(&d, k2, |j| {
                    j["digestPublicKeyFingerprint"] = json!(k2.fingerprint);
                });
            }
            c.served_keys
                .get_mut(r)
                .expect("region")
                .push(k2.record(t("2026-03-01T06:00:00Z"), t("2026-03-01T07:00:00Z")));
        },
        ..REFERENCE
    },
    backfill_key_cached_across_backfills = Scenario {
        trail: |s, _| {
            in_region(s, "eu-north-1");
            s.backfill_hours = vec![1, 3];
        },
        args: &["--region", "eu-north-1"],
        damage: |c| {
            let r = "eu-north-1";
            let (k2, k3) = (&keys()[1], &keys()[2]);
            let bf = c.world.digests(&c.spec, r, true);
            c.resign_with(&bf[1], k2, |j| {
                j["digestPublicKeyFingerprint"] = json!(k2.fingerprint);
            });
            c.resign_with(&bf[0], k3, |j| {
                j["digestPublicKeyFingerprint"] = json!(k3.fingerprint);
            });
            let recs = c.served_keys.get_mut(r).expect("region");
            recs.push(k2.record(t("2026-03-01T04:00:00Z"), t("2026-03-01T05:00:00Z")));
            recs.push(k3.record(t("2026-03-01T05:00:00Z"), t("2026-03-01T05:10:00Z")));
        },
        ..REFERENCE
    },
    backfill_no_keys_at_generation = Scenario {
        trail: |s, _| {
            in_region(s, "ca-central-1");
            s.backfill_hours = vec![1, 3];
        },
        args: &["--region", "ca-central-1"],
        code: 1,
        damage: |c| {
            c.served_keys.insert(
                "ca-central-1".into(),
                vec![keys()[0].record(t("2026-02-01T00:00:00Z"), t("2026-03-01T01:00:00Z"))],
            );
        },
        ..REFERENCE
    },
    // Key validity around the standard window [start, end + 2h].
    key_outside_window = Scenario {
        trail: |s, _| in_region(s, "sa-east-1"),
        args: &["--region", "sa-east-1"],
        code: 1,
        damage: |c| {
            newest_signed_by_key_valid(
                c,
                "sa-east-1",
                "2026-02-01T00:00:00Z",
                "2026-02-02T00:00:00Z",
            );
        },
        ..REFERENCE
    },
    key_valid_only_after_end_within_2h = Scenario {
        trail: |s, _| in_region(s, "ap-northeast-1"),
        args: &["--region", "ap-northeast-1"],
        damage: |c| {
            newest_signed_by_key_valid(
                c,
                "ap-northeast-1",
                "2026-03-01T08:00:00Z",
                "2026-03-01T08:40:00Z",
            );
        },
        ..REFERENCE
    },
    key_valid_just_after_fetch_window = Scenario {
        trail: |s, _| in_region(s, "eu-west-3"),
        args: &["--region", "eu-west-3"],
        code: 1,
        damage: |c| {
            newest_signed_by_key_valid(
                c,
                "eu-west-3",
                "2026-03-01T08:40:01Z",
                "2026-03-01T09:00:00Z",
            );
        },
        ..REFERENCE
    },
    key_garbage_der = Scenario {
        code: 1,
        damage: |c| {
            let der = b"this is not a DER public key".to_vec();
            let fp = fingerprint_of(&der);
            let d = c.digest(4);
            c.resign(&d, |j| j["digestPublicKeyFingerprint"] = json!(fp));
            for recs in c.served_keys.values_mut() {
                recs.push(PublicKeyRecord {
                    fingerprint: fp.clone(),
                    der: der.clone(),
                    valid_from: Some(t("2026-02-01T00:00:00Z")),
                    valid_to: Some(t("2027-01-01T00:00:00Z")),
                });
            }
        },
        ..REFERENCE
    },
    // The digest listing.
    junk_keys_in_digest_folder = Scenario {
        damage: |c| {
            let d = c.digest(2);
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
                c.put_junk(&d.bucket, junk);
            }
        },
        ..REFERENCE
    },
    junk_digest_name_stops_listing = Scenario {
        damage: |c| {
            let d = c.digest(1);
            c.put_junk(&d.bucket, d.key.replace("Z.json.gz", "Z_x.json.gz"));
        },
        ..REFERENCE
    },
    other_trail_shared_prefix = Scenario {
        trail: |s, _| s.trail_name = "tp-shared".into(),
        damage: |c| other_trail(c, "tp-shared-archive", Some(8)),
        ..REFERENCE
    },
    other_trail_name_extends_ours = Scenario {
        trail: |s, _| s.trail_name = "tp-shadow".into(),
        damage: |c| other_trail(c, "tp-shadow_us-east-1_evil", Some(8)),
        ..REFERENCE
    },
    other_region_digest_in_folder = Scenario {
        trail: |s, _| s.regions = vec!["us-east-1".into(), "us-west-2".into()],
        damage: |c| {
            let w = c.world.digests(&c.spec, "us-west-2", false)[3].clone();
            let obj = c.world.objects[&w].clone();
            let key = w.key.replace(
                "CloudTrail-Digest/us-west-2/",
                "CloudTrail-Digest/us-east-1/",
            );
            c.world.objects.insert(Location::new(&w.bucket, key), obj);
        },
        ..REFERENCE
    },
    digest_in_wrong_date_folder = Scenario {
        damage: |c| {
            let chain: Vec<(Location, Location)> = c
                .digests()
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
            c.rechain(&chain);
        },
        ..REFERENCE
    },
    // Windows.
    window_starts_at_digest_end = Scenario {
        window: ("2026-03-01T03:17:42Z", "2026-03-01T06:40:00Z"),
        ..REFERENCE
    },
    window_starts_inside_digest = Scenario {
        window: ("2026-03-01T03:30:00Z", "2026-03-01T06:40:00Z"),
        ..REFERENCE
    },
    window_after_newest = Scenario {
        window: ("2026-03-01T07:30:00Z", "2026-03-01T09:00:00Z"),
        ..REFERENCE
    },
    window_end_before_newest = Scenario {
        window: ("2026-03-01T00:00:00Z", "2026-03-01T03:00:00Z"),
        ..REFERENCE
    },
    window_end_inside_last_hour = Scenario {
        window: ("2026-03-01T00:00:00Z", "2026-03-01T05:30:00Z"),
        ..REFERENCE
    },
    start_equals_end = Scenario {
        window: ("2026-03-01T03:30:00Z", "2026-03-01T03:30:00Z"),
        ..REFERENCE
    },
    start_equals_end_at_digest_end = Scenario {
        window: ("2026-03-01T03:17:42Z", "2026-03-01T03:17:42Z"),
        ..REFERENCE
    },
    window_start_fractional = Scenario {
        window: ("2026-03-01T03:17:42.500Z", "2026-03-01T06:40:00Z"),
        ..REFERENCE
    },
    start_time_date_only = Scenario {
        window: ("2026-03-01", "2026-03-01T06:40:00Z"),
        ..REFERENCE
    },
    start_time_space_separated = Scenario {
        window: ("2026-03-01 00:30:00", "2026-03-01 06:40:00"),
        ..REFERENCE
    },
    start_time_plus_zero_offset = Scenario {
        window: ("2026-03-01T00:00:00+00:00", "2026-03-01T06:40:00+00:00"),
        ..REFERENCE
    },
    // Quiet (non-verbose) runs.
    quiet_valid_day = Scenario {
        verbose: false,
        ..REFERENCE
    },
    quiet_log_modified = Scenario {
        verbose: false,
        code: 1,
        damage: |c| sixth_log_bytes(c, |b| *b = gzip(NO_RECORDS)),
        ..REFERENCE
    },
    quiet_digest_deleted = Scenario {
        verbose: false,
        code: 1,
        damage: |c| delete_digests(c, &[3]),
        ..REFERENCE
    },
    quiet_gap = Scenario {
        trail: |s, _| s.stopped_hours = vec![3],
        verbose: false,
        ..REFERENCE
    },
    quiet_several_invalid = Scenario {
        verbose: false,
        code: 1,
        damage: several_invalid,
        ..REFERENCE
    },
    two_logs_modified = Scenario {
        code: 1,
        damage: several_invalid,
        ..REFERENCE
    },
    quiet_backfill = Scenario {
        trail: |s, _| {
            s.backfill_hours = vec![1, 3];
            s.stopped_hours = vec![4];
        },
        verbose: false,
        code: 1,
        damage: |c| {
            let bf = c.backfills()[1].clone();
            c.object(&bf).metadata.remove("signature");
        },
        ..REFERENCE
    },
    many_hours_130 = Scenario {
        trail: |s, _| {
            s.hours = 130;
            s.logs_per_hour = 1;
            s.records_per_log = 1;
        },
        window: ("2026-03-01T00:00:00Z", "2026-03-06T11:00:00Z"),
        verbose: false,
        ..REFERENCE
    },
    // logFiles entries.
    log_referenced_twice = Scenario {
        damage: |c| {
            fourth_digest_resigned(c, |j| {
                let first = j["logFiles"][0].clone();
                j["logFiles"].as_array_mut().expect("list").push(first);
            });
        },
        ..REFERENCE
    },
    log_hash_missing = Scenario {
        code: 1,
        damage: |c| {
            fourth_digest_resigned(c, |j| {
                j["logFiles"][0]
                    .as_object_mut()
                    .expect("obj")
                    .remove("hashValue");
            });
        },
        ..REFERENCE
    },
    log_hash_number = Scenario {
        code: 1,
        damage: |c| fourth_digest_resigned(c, |j| j["logFiles"][0]["hashValue"] = json!(7)),
        ..REFERENCE
    },
    log_hash_null = Scenario {
        code: 1,
        damage: |c| fourth_digest_resigned(c, |j| j["logFiles"][0]["hashValue"] = Value::Null),
        ..REFERENCE
    },
    log_bucket_number = Scenario {
        code: 1,
        damage: |c| fourth_digest_resigned(c, |j| j["logFiles"][0]["s3Bucket"] = json!(5)),
        ..REFERENCE
    },
    log_object_null = Scenario {
        code: 1,
        damage: |c| fourth_digest_resigned(c, |j| j["logFiles"][0]["s3Object"] = Value::Null),
        ..REFERENCE
    },
    logfiles_null = Scenario {
        damage: |c| fourth_digest_resigned(c, |j| j["logFiles"] = Value::Null),
        ..REFERENCE
    },
    logfiles_empty_object = Scenario {
        damage: |c| fourth_digest_resigned(c, |j| j["logFiles"] = json!({})),
        ..REFERENCE
    },
    logfiles_false = Scenario {
        damage: |c| fourth_digest_resigned(c, |j| j["logFiles"] = json!(false)),
        ..REFERENCE
    },
    logfiles_empty_string = Scenario {
        damage: |c| fourth_digest_resigned(c, |j| j["logFiles"] = json!("")),
        ..REFERENCE
    },
    // Chain shapes.
    three_digests_deleted = Scenario {
        code: 1,
        damage: |c| delete_digests(c, &[2, 3, 4]),
        ..REFERENCE
    },
    newest_digest_deleted = Scenario {
        damage: |c| delete_digests(c, &[5]),
        ..REFERENCE
    },
    oldest_digest_deleted = Scenario {
        code: 1,
        damage: |c| delete_digests(c, &[0]),
        ..REFERENCE
    },
    gap_at_window_start_excluded = Scenario {
        trail: |s, _| s.stopped_hours = vec![1],
        window: ("2026-03-01T02:30:00Z", "2026-03-01T06:40:00Z"),
        ..REFERENCE
    },
    gap_at_window_start_included = Scenario {
        trail: |s, _| s.stopped_hours = vec![1],
        window: ("2026-03-01T01:00:00Z", "2026-03-01T06:40:00Z"),
        ..REFERENCE
    },
    two_gaps = Scenario {
        trail: |s, _| s.stopped_hours = vec![1, 3],
        ..REFERENCE
    },
    previous_link_to_unlisted_key = Scenario {
        code: 1,
        damage: |c| {
            let phantom = c.digest(3).key.replace("T041742Z", "T024742Z");
            fourth_digest_resigned(c, |j| j["previousDigestS3Object"] = json!(phantom));
        },
        ..REFERENCE
    },
    previous_key_empty_string = Scenario {
        damage: |c| fourth_digest_resigned(c, |j| j["previousDigestS3Object"] = json!("")),
        ..REFERENCE
    },
    previous_bucket_null_only = Scenario {
        damage: |c| fourth_digest_resigned(c, |j| j["previousDigestS3Bucket"] = Value::Null),
        ..REFERENCE
    },
    previous_link_other_bucket_missing_key = Scenario {
        code: 1,
        damage: |c| {
            let other = format!("{}-gone", c.spec.bucket);
            fourth_digest_resigned(c, |j| j["previousDigestS3Bucket"] = json!(other));
            c.extra_buckets = vec![other];
        },
        ..REFERENCE
    },
    // Digest bytes.
    digest_trailing_member = Scenario {
        damage: |c| {
            let d = c.digest(3);
            c.object(&d).body.extend(gzip(b"{\"forged\":true}"));
        },
        ..REFERENCE
    },
    digest_trailing_garbage = Scenario {
        damage: |c| {
            let d = c.digest(3);
            c.object(&d).body.extend(b"garbage after the member");
        },
        ..REFERENCE
    },
    digest_gzip_trailer_cut = Scenario {
        code: 1,
        damage: |c| {
            let d = c.digest(3);
            let body = &mut c.object(&d).body;
            body.truncate(body.len() - 8);
        },
        ..REFERENCE
    },
    digest_non_utf8 = Scenario {
        code: 1,
        damage: |c| {
            fourth_digest_text(c, |rest| {
                let mut b = b"{\"note\":\"\xff\xfe\",".to_vec();
                b.extend(rest.as_bytes());
                b
            });
        },
        ..REFERENCE
    },
    digest_json_bom = Scenario {
        code: 1,
        damage: |c| {
            fourth_digest_text(c, |rest| {
                let mut b = b"\xef\xbb\xbf{".to_vec();
                b.extend(rest.as_bytes());
                b
            });
        },
        ..REFERENCE
    },
    digest_json_nan = Scenario {
        damage: |c| {
            fourth_digest_text(c, |rest| {
                format!("{{\"note\":NaN,\"other\":-Infinity,{rest}").into_bytes()
            });
        },
        ..REFERENCE
    },
    digest_json_lone_surrogate = Scenario {
        damage: |c| {
            fourth_digest_text(c, |rest| {
                format!("{{\"note\":\"\\ud800\",{rest}").into_bytes()
            });
        },
        ..REFERENCE
    },
    digest_json_deep_nesting = Scenario {
        damage: |c| {
            fourth_digest_text(c, |rest| {
                format!("{{\"note\":{}{},{rest}", "[".repeat(300), "]".repeat(300)).into_bytes()
            });
        },
        ..REFERENCE
    },
    digest_json_huge_number = Scenario {
        damage: |c| {
            fourth_digest_text(c, |rest| {
                format!("{{\"note\":1e400,\"n\":123456789012345678901234567890,{rest}").into_bytes()
            });
        },
        ..REFERENCE
    },
    digest_json_duplicate_keys = Scenario {
        damage: |c| {
            let key = c.digest(3).key;
            fourth_digest_text(c, |rest| {
                format!("{{\"digestS3Object\":\"{key}.moved\",{rest}").into_bytes()
            });
        },
        ..REFERENCE
    },
    digest_json_big_integer = Scenario {
        damage: |c| {
            fourth_digest_text(c, |rest| {
                format!("{{\"note\":123456789012345678901234567890,{rest}").into_bytes()
            });
        },
        ..REFERENCE
    },
    digest_json_nesting_beyond_python_limit = Scenario {
        code: 1,
        damage: |c| {
            fourth_digest_text(c, |rest| {
                format!(
                    "{{\"note\":{}{},{rest}",
                    "[".repeat(100_000),
                    "]".repeat(100_000)
                )
                .into_bytes()
            });
        },
        ..REFERENCE
    },
    digest_end_time_number = Scenario {
        code: 1,
        damage: |c| fourth_digest_fields(c, |j| j["digestEndTime"] = json!(1_772_335_062)),
        ..REFERENCE
    },
    digest_end_time_garbage = Scenario {
        code: 1,
        damage: |c| fourth_digest_fields(c, |j| j["digestEndTime"] = json!("garbage")),
        ..REFERENCE
    },
    digest_start_time_garbage = Scenario {
        code: 1,
        damage: |c| fourth_digest_fields(c, |j| j["digestStartTime"] = json!("soon")),
        ..REFERENCE
    },
    digest_start_time_null = Scenario {
        code: 1,
        damage: |c| fourth_digest_fields(c, |j| j["digestStartTime"] = Value::Null),
        ..REFERENCE
    },
    previous_signature_missing = Scenario {
        code: 1,
        damage: |c| {
            fourth_digest_fields(c, |j| {
                j.as_object_mut()
                    .expect("obj")
                    .remove("previousDigestSignature");
            });
        },
        ..REFERENCE
    },
    digest_bucket_number = Scenario {
        code: 1,
        damage: |c| fourth_digest_fields(c, |j| j["digestS3Bucket"] = json!(5)),
        ..REFERENCE
    },
    fingerprint_bool = Scenario {
        code: 1,
        damage: |c| fourth_digest_fields(c, |j| j["digestPublicKeyFingerprint"] = json!(true)),
        ..REFERENCE
    },
    fingerprint_uppercase = Scenario {
        code: 1,
        damage: |c| {
            let fp = keys()[0].fingerprint.to_uppercase();
            fourth_digest_fields(c, |j| j["digestPublicKeyFingerprint"] = json!(fp));
        },
        ..REFERENCE
    },
    digest_start_time_offset = Scenario {
        damage: |c| start_time_offset(c, 0, "2026-03-01T01:17:42+01:00"),
        ..REFERENCE
    },
    digest_start_time_offset_stops_walk = Scenario {
        window: ("2026-03-01T03:00:00Z", "2026-03-01T06:40:00Z"),
        damage: |c| start_time_offset(c, 3, "2026-03-01T02:17:42-01:00"),
        ..REFERENCE
    },
    // Log bytes.
    log_gzip_name_comment = Scenario {
        damage: |c| sixth_log_bytes(c, |b| *b = gzip_header_fields(&gunzip(b))),
        ..REFERENCE
    },
    log_empty_object_hash_of_empty = Scenario {
        damage: |c| sixth_log_emptied_and_rehashed(c, Vec::new()),
        ..REFERENCE
    },
    log_gzip_of_empty = Scenario {
        damage: |c| sixth_log_emptied_and_rehashed(c, gzip(b"")),
        ..REFERENCE
    },
    log_gzip_trailer_cut = Scenario {
        damage: |c| sixth_log_bytes(c, |b| b.truncate(b.len() - 8)),
        ..REFERENCE
    },
    log_gzip_bad_crc = Scenario {
        code: 1,
        damage: |c| {
            sixth_log_bytes(c, |b| {
                let n = b.len();
                b[n - 8] ^= 0xff;
            });
        },
        ..REFERENCE
    },
    log_trailing_zero_bytes = Scenario {
        code: 1,
        damage: |c| sixth_log_bytes(c, |b| b.extend([0u8, 0, 0, 0])),
        ..REFERENCE
    },
);
