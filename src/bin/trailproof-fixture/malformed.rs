//! `trailproof-fixture malformed OUT`: the hostile-input corpus (`testdata/malformed/`).
//!
//! Every case is a small offline bundle — two hourly digests of one region, one log file
//! each, signed with the committed throwaway key 1 — damaged in one way, plus the verdict
//! `trailproof verify --bundle` must print for it, recorded in `OUT/cases.json`:
//! the exit code, every `INVALID`/`ERROR`/`WARNING` line (exactly that set), and summary
//! lines. The verdicts are written here by hand from the spec (`validate-logs.md` §1.7,
//! §1.10, §1.11) and the README's deliberate differences; `tests/corpus.rs` runs the binary
//! on each case and compares.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};
use trailproof::chain::digest::parse_digest;
use trailproof::chain::keys::{PublicKeyRecord, fingerprint_of};
use trailproof::chain::layout::ChainKind;
use trailproof::fixture::{TestKey, TrailSpec, World, gunzip, gzip};
use trailproof::hash::sha256_hex;
use trailproof::time::parse_user_time;
use trailproof::vocab::{FetchedObject, Location};

const BUCKET: &str = "trailproof-malformed";
const TRAIL: &str = "malformed-trail";
const START: &str = "2026-03-01T00:00:00Z";
const END: &str = "2026-03-01T02:17:42Z";

/// A P-256 public key (`SubjectPublicKeyInfo` DER; made with `openssl genpkey`, private half
/// discarded): a key that is not RSA.
const EC_P256_SPKI: &str = "3059301306072a8648ce3d020106082a8648ce3d030107034200047ff0e9891170e11c6fca20b794a2e69f7f483966e4b6f55c01df97bf21b2523c262c67d94d19df15e73c7323602d1b69f2db4561dc110397adf8b83caf573563";
/// An Ed25519 public key (`SubjectPublicKeyInfo` DER; made the same way).
const ED25519_SPKI: &str =
    "302a300506032b65700321006ed41a9a9579f06ac496537884ee363064af2ead5d146b86aa55d7c7108ad436";

/// One case being built.
struct Case {
    name: String,
    what: String,
    world: World,
    keys: Vec<PublicKeyRecord>,
    env: BTreeMap<String, String>,
    args: Vec<String>,
    /// Files outside the bucket mirror (relative to the case folder): bait for path tricks.
    outside: Vec<(String, Vec<u8>)>,
    /// Symbolic links inside the mirror: (link, target), relative to the case folder.
    links: Vec<(String, String)>,
    exit: i32,
    lines: Vec<String>,
    stdout: Vec<String>,
}

/// The undamaged world and the names of its objects.
struct Base {
    world: World,
    keys: Vec<PublicKeyRecord>,
    d1: Location,
    d2: Location,
    l1: Location,
    l2: Location,
}

fn base(key: &TestKey) -> Result<Base, String> {
    let start = parse_user_time("2026-03-01T00:17:42Z").map_err(|e| e.to_string())?;
    let mut spec = TrailSpec::small(BUCKET, TRAIL, start, 2);
    spec.logs_per_hour = 1;
    spec.records_per_log = 2;
    spec.seed = 61;
    let world = World::build(&spec, std::slice::from_ref(key)).map_err(|e| e.to_string())?;
    let digests = world.digests(&spec, "us-east-1", false);
    let logs = world.logs(&spec, "us-east-1");
    let (Some(d1), Some(d2), Some(l1), Some(l2)) =
        (digests.first(), digests.get(1), logs.first(), logs.get(1))
    else {
        return Err("base world is not two digests and two logs".to_owned());
    };
    let keys = world
        .public_keys
        .get("us-east-1")
        .cloned()
        .unwrap_or_default();
    Ok(Base {
        d1: d1.clone(),
        d2: d2.clone(),
        l1: l1.clone(),
        l2: l2.clone(),
        keys,
        world,
    })
}

/// Stores `inflated` as the digest at `loc`, signed with `key` over the string to sign the
/// verifier itself builds (Python's `str()` of whatever the fields hold, as the reference).
fn seal_bytes(
    world: &mut World,
    loc: &Location,
    inflated: &[u8],
    key: &TestKey,
    extra_meta: &[(&str, &str)],
) -> Result<(), String> {
    let mut metadata: BTreeMap<String, String> = [
        ("signature".to_owned(), String::new()),
        ("signature-algorithm".to_owned(), "SHA256withRSA".to_owned()),
    ]
    .into_iter()
    .collect();
    for (k, v) in extra_meta {
        metadata.insert((*k).to_owned(), (*v).to_owned());
    }
    let mut obj = FetchedObject {
        body: gzip(inflated),
        metadata,
    };
    let kind = if trailproof::chain::layout::is_backfill_key(&loc.key) {
        ChainKind::Backfill
    } else {
        ChainKind::Standard
    };
    let to_sign = match parse_digest(kind, loc, &obj, u64::MAX) {
        Ok(p) => p.string_to_sign(),
        // Fails before the signature check anyway: any signature will do.
        Err(_) => String::new(),
    };
    let sig = key
        .sign_hex(to_sign.as_bytes())
        .map_err(|e| e.to_string())?;
    obj.metadata.insert("signature".to_owned(), sig);
    world.objects.insert(loc.clone(), obj);
    Ok(())
}

/// Edits the digest's JSON and re-signs it.
fn edit_json(
    world: &mut World,
    loc: &Location,
    key: &TestKey,
    edit: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> Result<(), String> {
    let mut json = world
        .digest_json(loc)
        .and_then(|v| v.as_object().cloned())
        .ok_or("no digest")?;
    edit(&mut json);
    let bytes = serde_json::to_vec(&Value::Object(json)).map_err(|e| e.to_string())?;
    seal_bytes(world, loc, &bytes, key, &[])
}

/// Edits the digest's inflated bytes and re-signs them.
fn edit_bytes(
    world: &mut World,
    loc: &Location,
    key: &TestKey,
    edit: impl FnOnce(Vec<u8>) -> Vec<u8>,
) -> Result<(), String> {
    let inflated = gunzip(&world.objects.get(loc).ok_or("no digest")?.body);
    seal_bytes(world, loc, &edit(inflated), key, &[])
}

fn uri(l: &Location) -> String {
    l.uri()
}

fn digest_line(l: &Location, verdict: &str) -> String {
    format!("Digest file\t{}\t{verdict}", uri(l))
}

fn log_line(l: &Location, verdict: &str) -> String {
    format!("Log file\t{}\t{verdict}", uri(l))
}

/// The finding for a log file no valid digest vouches for (its digest was INVALID).
fn unref(l: &Location) -> String {
    format!(
        "Unreferenced log file\t{}\tINVALID: referenced by no digest",
        uri(l)
    )
}

/// The warning for a log file whose digest could not be read (an ERROR).
fn unverifiable(l: &Location, d: &Location) -> String {
    format!(
        "Unverifiable log file\t{}\tWARNING: delivered in the period of {}, which could not be read",
        uri(l),
        uri(d)
    )
}

fn content(d: &Location, message: &str) -> String {
    format!("Digest content\t{}\tINVALID: {message}", uri(d))
}

/// Builds every case.
#[allow(clippy::too_many_lines)] // one table of cases
fn cases(key: &TestKey) -> Result<Vec<Case>, String> {
    let b = base(key)?;
    let fp = key.fingerprint.clone();
    let new = |name: &str, what: &str| Case {
        name: name.to_owned(),
        what: what.to_owned(),
        world: b.world.clone(),
        keys: b.keys.clone(),
        env: BTreeMap::new(),
        args: Vec::new(),
        outside: Vec::new(),
        links: Vec::new(),
        exit: 0,
        lines: Vec::new(),
        stdout: Vec::new(),
    };
    let all_valid = || {
        vec![
            "2/2 digest files valid".to_owned(),
            "2/2 log files valid".to_owned(),
        ]
    };
    let mut out = Vec::new();

    let mut c = new("clean", "the undamaged base bundle");
    c.stdout = all_valid();
    out.push(c);

    // --- gzip ---
    let mut c = new(
        "log_truncated_gzip",
        "the newest log's gzip stream cut in half: what inflated hashes differently",
    );
    let body = &mut c.world.objects.get_mut(&b.l2).ok_or("l2")?.body;
    body.truncate(body.len() / 2);
    c.exit = 1;
    c.lines = vec![log_line(&b.l2, "INVALID: hash value doesn't match")];
    out.push(c);

    let mut c = new(
        "log_not_gzip",
        "the newest log stored as plain JSON, not gzip",
    );
    let obj = c.world.objects.get_mut(&b.l2).ok_or("l2")?;
    obj.body = gunzip(&obj.body);
    c.exit = 1;
    c.lines = vec![log_line(&b.l2, "INVALID: invalid format")];
    out.push(c);

    let mut c = new(
        "digest_truncated_gzip",
        "the newest digest's gzip stream cut in half",
    );
    let body = &mut c.world.objects.get_mut(&b.d2).ok_or("d2")?.body;
    body.truncate(body.len() / 2);
    c.exit = 1;
    c.lines = vec![digest_line(&b.d2, "INVALID: invalid format"), unref(&b.l2)];
    out.push(c);

    let mut c = new(
        "log_gzip_bomb",
        "a log inflating to 16 MiB of zeros (16 KiB stored), referenced with its true hash; \
         the decompressed-log limit is lowered to 1 MiB for the case",
    );
    let bomb = vec![0u8; 16 << 20];
    let bomb_hash = sha256_hex(&bomb);
    c.world.objects.insert(
        b.l2.clone(),
        FetchedObject {
            body: gzip(&bomb),
            metadata: BTreeMap::new(),
        },
    );
    edit_json(&mut c.world, &b.d2, key, |j| {
        j["logFiles"][0]["hashValue"] = json!(bomb_hash);
    })?;
    c.env.insert(
        "TRAILPROOF_MAX_LOG_INFLATED_BYTES".to_owned(),
        (1u64 << 20).to_string(),
    );
    c.exit = 3;
    c.lines = vec![log_line(
        &b.l2,
        "ERROR: over size limit (decompresses to more than 1048576 bytes; limit TRAILPROOF_MAX_LOG_INFLATED_BYTES)",
    )];
    c.stdout = vec!["1/2 log files valid, 1/2 log files ERROR".to_owned()];
    out.push(c);

    let mut c = new(
        "digest_gzip_bomb",
        "the newest digest padded with 2 MiB of JSON whitespace and validly signed; the \
         decompressed-digest limit is lowered to 1 MiB for the case",
    );
    edit_bytes(&mut c.world, &b.d2, key, |mut v| {
        v.extend(std::iter::repeat_n(b' ', 2 << 20));
        v
    })?;
    c.env.insert(
        "TRAILPROOF_MAX_DIGEST_INFLATED_BYTES".to_owned(),
        (1u64 << 20).to_string(),
    );
    c.exit = 3;
    c.lines = vec![
        digest_line(
            &b.d2,
            "ERROR: over size limit (decompresses to more than 1048576 bytes; limit TRAILPROOF_MAX_DIGEST_INFLATED_BYTES)",
        ),
        unverifiable(&b.l2, &b.d2),
    ];
    out.push(c);

    let mut c = new(
        "digest_over_object_limit",
        "the stored digest is larger than the digest object limit (lowered to 256 bytes)",
    );
    let d2_len = c.world.objects.get(&b.d2).ok_or("d2")?.body.len();
    let d1_len = c.world.objects.get(&b.d1).ok_or("d1")?.body.len();
    c.env
        .insert("TRAILPROOF_MAX_DIGEST_BYTES".to_owned(), "256".to_owned());
    c.exit = 3;
    c.lines = vec![
        digest_line(
            &b.d2,
            &format!("ERROR: over size limit ({d2_len} bytes, limit 256)"),
        ),
        digest_line(
            &b.d1,
            &format!("ERROR: over size limit ({d1_len} bytes, limit 256)"),
        ),
        unverifiable(&b.l1, &b.d1),
        unverifiable(&b.l2, &b.d2),
    ];
    out.push(c);

    let mut c = new(
        "log_over_object_limit",
        "the stored logs are larger than the log object limit (lowered to 64 bytes)",
    );
    let l1_len = c.world.objects.get(&b.l1).ok_or("l1")?.body.len();
    let l2_len = c.world.objects.get(&b.l2).ok_or("l2")?.body.len();
    c.env
        .insert("TRAILPROOF_MAX_LOG_BYTES".to_owned(), "64".to_owned());
    c.exit = 3;
    c.lines = vec![
        log_line(
            &b.l2,
            &format!("ERROR: over size limit ({l2_len} bytes, limit 64)"),
        ),
        log_line(
            &b.l1,
            &format!("ERROR: over size limit ({l1_len} bytes, limit 64)"),
        ),
    ];
    out.push(c);

    let mut c = new(
        "chain_over_step_limit",
        "a two-digest chain walked with the chain length limit lowered to 1",
    );
    c.env
        .insert("TRAILPROOF_MAX_CHAIN_STEPS".to_owned(), "1".to_owned());
    c.exit = 3;
    c.lines = vec![
        digest_line(
            &b.d1,
            "ERROR: over size limit (chain walk stopped after 1 digests; limit TRAILPROOF_MAX_CHAIN_STEPS)",
        ),
        unverifiable(&b.l1, &b.d1),
    ];
    out.push(c);

    // --- encodings and JSON ---
    let mut c = new(
        "log_not_utf8",
        "a log whose content is not UTF-8, referenced with its true hash: verify hashes \
         bytes and never decodes them",
    );
    let junk: Vec<u8> = b"{\"Records\":[{\"eventName\":\"\xff\xfe\xc0\xaf\"}]}".to_vec();
    let junk_hash = sha256_hex(&junk);
    c.world.objects.insert(
        b.l2.clone(),
        FetchedObject {
            body: gzip(&junk),
            metadata: BTreeMap::new(),
        },
    );
    edit_json(&mut c.world, &b.d2, key, |j| {
        j["logFiles"][0]["hashValue"] = json!(junk_hash);
    })?;
    c.stdout = all_valid();
    out.push(c);

    let mut c = new(
        "digest_not_utf8",
        "a validly signed digest with invalid UTF-8 inside a string: Python's json.loads \
         raises, so invalid format",
    );
    edit_bytes(&mut c.world, &b.d2, key, |v| {
        let text = String::from_utf8_lossy(&v).into_owned();
        text.replacen("\"SHA256withRSA\"", "\"SHA256with\u{1}RSA\"", 1)
            .into_bytes()
            .into_iter()
            .map(|x| if x == 1 { 0xff } else { x })
            .collect()
    })?;
    c.exit = 1;
    c.lines = vec![digest_line(&b.d2, "INVALID: invalid format"), unref(&b.l2)];
    out.push(c);

    let mut c = new(
        "digest_duplicate_keys_last_wins",
        "digestS3Object twice, a wrong value first and the true one last, validly signed: \
         Python keeps the last, so the digest is valid",
    );
    edit_bytes(&mut c.world, &b.d2, key, |v| {
        let text = String::from_utf8_lossy(&v).into_owned();
        text.replacen(
            "\"digestS3Object\":",
            "\"digestS3Object\":\"elsewhere.json.gz\",\"digestS3Object\":",
            1,
        )
        .into_bytes()
    })?;
    c.stdout = all_valid();
    out.push(c);

    let mut c = new(
        "digest_duplicate_keys_moved",
        "digestS3Object twice, the true value first and a wrong one last, validly signed: \
         the last wins, so the digest has moved",
    );
    let d2_key = b.d2.key.clone();
    edit_bytes(&mut c.world, &b.d2, key, |v| {
        let text = String::from_utf8_lossy(&v).into_owned();
        let needle = format!("\"digestS3Object\":\"{d2_key}\"");
        text.replacen(
            &needle,
            &format!("{needle},\"digestS3Object\":\"elsewhere.json.gz\""),
            1,
        )
        .into_bytes()
    })?;
    c.exit = 1;
    c.lines = vec![
        digest_line(&b.d2, "INVALID: has been moved from its original location"),
        unref(&b.l2),
    ];
    out.push(c);

    let mut c = new(
        "digest_json_too_deep",
        "a validly signed digest nested 2,000 levels deep: beyond Python's recursion limit, \
         INVALID with the reference's RecursionError text (the one limit that is INVALID)",
    );
    edit_bytes(&mut c.world, &b.d2, key, |v| {
        let text = String::from_utf8_lossy(&v).into_owned();
        let deep = format!("{}{}", "[".repeat(2000), "]".repeat(2000));
        text.replacen('{', &format!("{{\"deep\":{deep},"), 1)
            .into_bytes()
    })?;
    c.exit = 1;
    c.lines = vec![
        digest_line(
            &b.d2,
            "INVALID: maximum recursion depth exceeded while decoding a JSON array from a unicode string",
        ),
        unref(&b.l2),
    ];
    out.push(c);

    // --- wrong types for every digest field (newest digest, re-signed) ---
    let fields: [(&str, Value, i32, Vec<String>); 22] = [
        (
            "awsAccountId",
            json!(7),
            1,
            vec![content(&b.d2, "awsAccountId is 7, expected 111122223333")],
        ),
        (
            "digestStartTime",
            json!(7),
            1,
            vec![digest_line(
                &b.d2,
                "INVALID: Parser must be a string or character stream, not int",
            )],
        ),
        (
            "digestEndTime",
            json!(["2026-03-01T02:17:42Z"]),
            1,
            vec![digest_line(
                &b.d2,
                "INVALID: Parser must be a string or character stream, not list",
            )],
        ),
        (
            "digestS3Bucket",
            json!(7),
            1,
            vec![digest_line(
                &b.d2,
                "INVALID: has been moved from its original location",
            )],
        ),
        (
            "digestS3Object",
            json!(null),
            1,
            vec![digest_line(
                &b.d2,
                "INVALID: has been moved from its original location",
            )],
        ),
        (
            "digestPublicKeyFingerprint",
            json!(7),
            1,
            vec![digest_line(
                &b.d2,
                "INVALID: public key not found in region us-east-1 for fingerprint 7",
            )],
        ),
        (
            "digestPublicKeyFingerprint",
            json!([fp]),
            1,
            vec![digest_line(&b.d2, "INVALID: unhashable type: 'list'")],
        ),
        (
            "digestSignatureAlgorithm",
            json!(7),
            1,
            vec![content(
                &b.d2,
                "digestSignatureAlgorithm is 7, expected SHA256withRSA",
            )],
        ),
        ("newestEventTime", json!({"t": 1}), 0, vec![]),
        ("oldestEventTime", json!(true), 0, vec![]),
        (
            "previousDigestS3Bucket",
            json!(7),
            1,
            vec![digest_line(&b.d2, "INVALID: invalid format")],
        ),
        (
            "previousDigestS3Object",
            json!(["k"]),
            1,
            vec![digest_line(&b.d2, "INVALID: invalid format")],
        ),
        (
            "previousDigestHashValue",
            json!(7),
            1,
            vec![format!(
                "Digest link\t{}\tINVALID: previousDigestHashValue does not match the SHA-256 of {} (fork)",
                uri(&b.d2),
                uri(&b.d1)
            )],
        ),
        (
            "previousDigestHashAlgorithm",
            json!(7),
            1,
            vec![content(
                &b.d2,
                "previousDigestHashAlgorithm is 7, expected SHA-256",
            )],
        ),
        (
            "previousDigestSignature",
            json!(7),
            1,
            vec![format!(
                "Digest link\t{}\tINVALID: previousDigestSignature does not match the signature of {} (fork)",
                uri(&b.d2),
                uri(&b.d1)
            )],
        ),
        (
            "logFiles",
            json!(7),
            1,
            vec![digest_line(&b.d2, "INVALID: invalid format")],
        ),
        (
            "logFiles",
            json!({"s3Bucket": BUCKET}),
            1,
            vec![digest_line(&b.d2, "INVALID: invalid format")],
        ),
        (
            "logFiles[0].s3Bucket",
            json!(7),
            1,
            vec![
                format!("Log file\ts3://7/{}\tINVALID: invalid format", b.l2.key),
                unref(&b.l2),
            ],
        ),
        (
            "logFiles[0].s3Object",
            json!(7),
            1,
            vec![
                format!("Log file\ts3://{BUCKET}/7\tINVALID: invalid format"),
                format!(
                    "Log reference\ts3://{BUCKET}/7\tINVALID: referenced by {} outside the trail's log folder AWSLogs/111122223333/CloudTrail/us-east-1/",
                    uri(&b.d2)
                ),
                unref(&b.l2),
            ],
        ),
        (
            "logFiles[0].hashValue",
            json!(7),
            1,
            vec![log_line(&b.l2, "INVALID: hash value doesn't match")],
        ),
        (
            "logFiles[0].hashAlgorithm",
            json!(7),
            1,
            vec![format!(
                "Log reference\t{}\tINVALID: hashAlgorithm in {} is 7, expected SHA-256",
                uri(&b.l2),
                uri(&b.d2)
            )],
        ),
        (
            "logFiles[0]",
            json!("a string"),
            1,
            vec![digest_line(&b.d2, "INVALID: invalid format")],
        ),
    ];
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (field, value, exit, lines) in fields {
        let n = seen.entry(field.to_owned()).or_insert(0);
        *n += 1;
        let slug = field
            .replace("[0].", "_")
            .replace("[0]", "_entry")
            .to_lowercase();
        let name = if *n == 1 {
            format!("field_{slug}_wrong_type")
        } else {
            format!("field_{slug}_wrong_type_{n}")
        };
        let mut c = new(
            &name,
            &format!("{field} of the newest digest set to {value}, validly signed"),
        );
        let v = value.clone();
        edit_json(&mut c.world, &b.d2, key, |j| {
            match field.split_once("[0]") {
                None => {
                    j.insert(field.to_owned(), v);
                }
                Some((list, "")) => j[list][0] = v,
                Some((list, rest)) => {
                    j[list][0][rest.trim_start_matches('.')] = v;
                }
            }
        })?;
        c.exit = exit;
        c.lines = lines;
        // An INVALID newest digest vouches for nothing: its log is then unreferenced.
        let d2_invalid = digest_line(&b.d2, "INVALID");
        if c.lines.iter().any(|l| l.starts_with(&d2_invalid)) {
            c.lines.push(unref(&b.l2));
        }
        out.push(c);
    }

    // --- signatures and hashes ---
    let mut c = new(
        "signature_odd_length",
        "the newest digest's signature metadata has an odd number of hex digits",
    );
    c.world
        .objects
        .get_mut(&b.d2)
        .ok_or("d2")?
        .metadata
        .insert("signature".to_owned(), "abc".to_owned());
    c.exit = 1;
    c.lines = vec![
        digest_line(&b.d2, "INVALID: Odd-length string"),
        unref(&b.l2),
    ];
    out.push(c);

    let mut c = new(
        "signature_not_hex",
        "the newest digest's signature metadata is not hex",
    );
    c.world
        .objects
        .get_mut(&b.d2)
        .ok_or("d2")?
        .metadata
        .insert("signature".to_owned(), "zz".repeat(256));
    c.exit = 1;
    c.lines = vec![
        digest_line(&b.d2, "INVALID: Non-hexadecimal digit found"),
        unref(&b.l2),
    ];
    out.push(c);

    let mut c = new(
        "hashes_upper_case",
        "every hex hash in the digests in upper case (log hashValue, previousDigestHashValue), \
         validly signed: accepted, hex compares case-insensitively",
    );
    edit_json(&mut c.world, &b.d2, key, |j| {
        let up = |v: &Value| json!(v.as_str().unwrap_or_default().to_uppercase());
        j["logFiles"][0]["hashValue"] = up(&j["logFiles"][0]["hashValue"]);
        j["previousDigestHashValue"] = up(&j["previousDigestHashValue"]);
    })?;
    c.stdout = all_valid();
    out.push(c);

    // --- keys ---
    let key_case =
        |name: &str, what: &str, der: Vec<u8>, verdict: String| -> Result<Case, String> {
            let mut c = new(name, what);
            let fingerprint = fingerprint_of(&der);
            c.keys.push(PublicKeyRecord {
                fingerprint: fingerprint.clone(),
                der,
                valid_from: b.keys.first().and_then(|k| k.valid_from),
                valid_to: b.keys.first().and_then(|k| k.valid_to),
            });
            edit_json(&mut c.world, &b.d2, key, |j| {
                j["digestPublicKeyFingerprint"] = json!(fingerprint);
            })?;
            c.exit = 1;
            c.lines = vec![
                digest_line(
                    &b.d2,
                    &format!("INVALID: {}", verdict.replace("{fp}", &fingerprint)),
                ),
                unref(&b.l2),
            ];
            Ok(c)
        };
    out.push(key_case(
        "key_ec_p256",
        "the newest digest names a key that is an EC P-256 key (SPKI DER)",
        hex::decode(EC_P256_SPKI).map_err(|e| e.to_string())?,
        "Unable to load PKCS #1 key with fingerprint {fp}".to_owned(),
    )?);
    out.push(key_case(
        "key_ed25519",
        "the newest digest names a key that is an Ed25519 key (SPKI DER)",
        hex::decode(ED25519_SPKI).map_err(|e| e.to_string())?,
        "Unable to load PKCS #1 key with fingerprint {fp}".to_owned(),
    )?);
    out.push(key_case(
        "key_not_der",
        "the newest digest names a key whose bytes are not DER at all",
        b"not a key".to_vec(),
        "Unable to load PKCS #1 key with fingerprint {fp}".to_owned(),
    )?);
    for bits in [512usize, 1024] {
        let small = TestKey::generate(bits).map_err(|e| e.to_string())?;
        let mut c = new(
            &format!("key_rsa_{bits}_bits"),
            &format!("the newest digest validly signed with a {bits}-bit RSA key: refused"),
        );
        c.keys.push(
            small.record(
                b.keys
                    .first()
                    .and_then(|k| k.valid_from)
                    .ok_or("validity")?,
                b.keys.first().and_then(|k| k.valid_to).ok_or("validity")?,
            ),
        );
        edit_json(&mut c.world, &b.d2, &small, |j| {
            j["digestPublicKeyFingerprint"] = json!(small.fingerprint);
        })?;
        c.exit = 1;
        c.lines = vec![
            digest_line(
                &b.d2,
                &format!(
                    "INVALID: public key with fingerprint {} is {bits} bits, below the 2048-bit minimum",
                    small.fingerprint
                ),
            ),
            unref(&b.l2),
        ];
        out.push(c);
    }

    // --- path tricks: nothing outside the bundle may be read ---
    let bait = gzip(b"{\"Records\":[]}");
    let bait_hash = sha256_hex(b"{\"Records\":[]}");
    let mut c = new(
        "log_key_dot_dot",
        "the newest digest references a log `../../outside/log.json.gz` whose bait file \
         (with the referenced hash) lies outside the bucket folder: not found, never read",
    );
    let trick = "../../outside/log.json.gz".to_owned();
    edit_json(&mut c.world, &b.d2, key, |j| {
        j["logFiles"][0]["s3Object"] = json!(trick);
        j["logFiles"][0]["hashValue"] = json!(bait_hash);
    })?;
    c.outside
        .push(("outside/log.json.gz".to_owned(), bait.clone()));
    c.exit = 1;
    c.lines = vec![
        format!("Log file\ts3://{BUCKET}/{trick}\tINVALID: not found"),
        format!(
            "Log reference\ts3://{BUCKET}/{trick}\tINVALID: referenced by {} outside the trail's log folder AWSLogs/111122223333/CloudTrail/us-east-1/",
            uri(&b.d2)
        ),
        unref(&b.l2),
    ];
    out.push(c);

    let mut c = new(
        "log_key_absolute",
        "the newest digest references a log with an absolute key `/etc/passwd`",
    );
    edit_json(&mut c.world, &b.d2, key, |j| {
        j["logFiles"][0]["s3Object"] = json!("/etc/passwd");
    })?;
    c.exit = 1;
    c.lines = vec![
        format!("Log file\ts3://{BUCKET}//etc/passwd\tINVALID: not found"),
        format!(
            "Log reference\ts3://{BUCKET}//etc/passwd\tINVALID: referenced by {} outside the trail's log folder AWSLogs/111122223333/CloudTrail/us-east-1/",
            uri(&b.d2)
        ),
        unref(&b.l2),
    ];
    out.push(c);

    let mut c = new(
        "log_bucket_dot_dot",
        "the newest digest references its log in bucket `..` (a valid bucket name \
         character set), which would be the bundle's parent folder",
    );
    let l2_key = b.l2.key.clone();
    edit_json(&mut c.world, &b.d2, key, |j| {
        j["logFiles"][0]["s3Bucket"] = json!("..");
    })?;
    c.exit = 1;
    c.lines = vec![
        format!("Log file\ts3://../{l2_key}\tINVALID: not found"),
        unref(&b.l2),
    ];
    out.push(c);

    let mut c = new(
        "previous_digest_dot_dot",
        "the newest digest links to `../outside/digest.json.gz` (a copy of the older digest \
         lies there): the link is not followed outside the bundle",
    );
    let prev_trick = "../outside/digest.json.gz".to_owned();
    edit_json(&mut c.world, &b.d2, key, |j| {
        j["previousDigestS3Object"] = json!(prev_trick);
    })?;
    let d1_body = c.world.objects.get(&b.d1).ok_or("d1")?.body.clone();
    c.outside
        .push(("outside/digest.json.gz".to_owned(), d1_body));
    c.exit = 1;
    c.lines = vec![format!(
        "Digest file\ts3://{BUCKET}/{prev_trick}\tINVALID: not found"
    )];
    out.push(c);

    let mut c = new(
        "log_symlink_outside",
        "the newest log in the mirror is a symbolic link to a bait file outside the bundle \
         (with the referenced hash): refused as unreadable, never followed",
    );
    edit_json(&mut c.world, &b.d2, key, |j| {
        j["logFiles"][0]["hashValue"] = json!(bait_hash);
    })?;
    c.world.objects.remove(&b.l2);
    c.outside
        .push(("outside/log.json.gz".to_owned(), bait.clone()));
    let depth = b.l2.key.matches('/').count() + 2; // bucket/<key dirs>/ → case folder
    c.links.push((
        format!("bucket/{BUCKET}/{}", b.l2.key),
        format!("{}outside/log.json.gz", "../".repeat(depth)),
    ));
    c.exit = 3;
    c.lines = vec![log_line(
        &b.l2,
        &format!(
            "ERROR: could not be read (<bundle>/{BUCKET}/{}: resolves outside the bundle)",
            b.l2.key
        ),
    )];
    out.push(c);

    let mut c = new(
        "s3_prefix_dot_dot",
        "--s3-prefix climbs out of the bucket folder (`../../outside`) where a copy of the \
         digests lies: nothing is listed there, so no digests are found",
    );
    c.args = vec!["--s3-prefix".to_owned(), "../..".to_owned()];
    for (loc, obj) in &b.world.objects {
        c.outside.push((loc.key.clone(), obj.body.clone()));
    }
    c.exit = 0;
    c.lines = vec![format!(
        "Digest chain tail\ts3://{BUCKET}/../../AWSLogs/111122223333/CloudTrail-Digest/us-east-1/\tWARNING: no digest of this trail covers {START} to {END}; if the trail delivers here, its digests were deleted"
    )];
    c.stdout = vec!["No digests found".to_owned()];
    out.push(c);

    let mut c = new(
        "trail_arn_dot_dot",
        "a trail ARN whose name carries path tricks (`trail/../../malformed-trail`): the name \
         is the text after the last `/`, so the same trail is verified",
    );
    c.args = vec![
        "--trail-arn".to_owned(),
        format!("arn:aws:cloudtrail:us-east-1:111122223333:trail/../../{TRAIL}"),
    ];
    c.stdout = all_valid();
    out.push(c);

    Ok(out)
}

fn write_case(dir: &Path, c: &Case) -> Result<Value, String> {
    let io = |e: std::io::Error| e.to_string();
    let case_dir = dir.join(&c.name);
    if case_dir.exists() {
        std::fs::remove_dir_all(&case_dir).map_err(io)?;
    }
    std::fs::create_dir_all(&case_dir).map_err(io)?;
    c.world
        .write_mirror(&case_dir.join("bucket"))
        .map_err(|e| e.to_string())?;
    let status = case_dir.join("bucket").join(".trailproof");
    std::fs::create_dir_all(&status).map_err(io)?;
    std::fs::write(
        status.join("trail-status.json"),
        json!({"is_logging": true}).to_string(),
    )
    .map_err(io)?;
    let keys = json!({"us-east-1": trailproof::source::keys::to_cli_json(&c.keys)});
    std::fs::write(
        case_dir.join("public-keys.json"),
        serde_json::to_vec_pretty(&keys).map_err(|e| e.to_string())?,
    )
    .map_err(io)?;
    for (rel, bytes) in &c.outside {
        let p = case_dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(p, bytes).map_err(io)?;
    }
    for (link, target) in &c.links {
        let p = case_dir.join(link);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(target, &p).map_err(io)?;
        #[cfg(not(unix))]
        return Err(format!("symbolic links need unix: {}", p.display()));
    }
    let mut args = vec![
        "--trail-arn".to_owned(),
        format!("arn:aws:cloudtrail:us-east-1:111122223333:trail/{TRAIL}"),
        "--start-time".to_owned(),
        START.to_owned(),
        "--end-time".to_owned(),
        END.to_owned(),
        "--s3-bucket".to_owned(),
        BUCKET.to_owned(),
    ];
    // Case arguments replace a default of the same name.
    for pair in c.args.chunks(2) {
        if let [flag, value] = pair {
            if let Some(i) = args.iter().position(|a| a == flag) {
                args[i + 1].clone_from(value);
            } else {
                args.push(flag.clone());
                args.push(value.clone());
            }
        }
    }
    Ok(json!({
        "name": c.name,
        "what": c.what,
        "args": args,
        "env": c.env,
        "expect": {
            "exit": c.exit,
            "lines": c.lines,
            "stdout": c.stdout,
        },
    }))
}

/// Writes every case and `cases.json` under `dir`.
///
/// # Errors
/// A message when a key, a case or a file cannot be made.
pub fn write(dir: &Path, keys_dir: &Path) -> Result<usize, String> {
    let keys = trailproof::fixture::committed_keys(keys_dir).map_err(|e| e.to_string())?;
    let key = keys.first().ok_or("no committed key")?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut manifest = Vec::new();
    let cases = cases(key)?;
    for c in &cases {
        manifest.push(write_case(dir, c)?);
    }
    std::fs::write(
        dir.join("cases.json"),
        serde_json::to_vec_pretty(&json!({
            "about": "Hostile-input corpus: one offline bundle per case and the verdict \
                      `trailproof verify --bundle <case>/bucket --public-keys \
                      <case>/public-keys.json <args>` must give. Generated by \
                      `cargo run --features fixture --bin trailproof-fixture -- malformed \
                      testdata/malformed`; checked by tests/corpus.rs.",
            "cases": manifest,
        }))
        .map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    Ok(cases.len())
}

/// `trailproof-fixture malformed OUT [--keys DIR]`.
///
/// # Errors
/// A message when the arguments are wrong or the corpus cannot be written.
pub fn run(args: &[String]) -> Result<(), String> {
    let out = std::path::PathBuf::from(args.get(1).ok_or("malformed OUT")?);
    let keys_dir = args
        .iter()
        .position(|a| a == "--keys")
        .and_then(|i| args.get(i + 1))
        .map_or_else(|| "testdata/keys".into(), std::path::PathBuf::from);
    let n = write(&out, &keys_dir)?;
    eprintln!("wrote {n} cases to {}", out.display());
    Ok(())
}
