//! One digest file: from fetched bytes and S3 metadata to a checked digest or a failure.
//!
//! Follows the reference's order of checks exactly (spec §1.7), because the first failing
//! step decides the message an auditor sees:
//! gunzip + JSON → signature metadata → backfill metadata → required fields → original
//! location → public key by fingerprint → RSA signature over the string to sign.

use std::io::Read as _;

use rsa::Pkcs1v15Sign;
use serde_json::Value;

use super::keys::{KeySet, load_key};
use super::layout::ChainKind;
use crate::hash::sha256_hex;
use crate::limits::{Limit, LimitExceeded};
use crate::time::{RecordTime, UtcTime, format_display, parse_record_clock, parse_record_time};
use crate::vocab::{FetchedObject, Location};

/// Why a digest is INVALID. `message()` is the reference's text after `INVALID: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestFailure {
    /// Not gzip, not JSON, a required field missing, backfill metadata missing.
    InvalidFormat,
    /// Signature metadata missing, or the RSA check failed.
    SignatureFailed,
    /// The JSON names another bucket/key than the one fetched.
    Moved,
    /// No key with that fingerprint in the region's key set.
    KeyNotFound {
        /// Region printed by the reference (the trail's home region).
        region: String,
        /// Fingerprint as the digest states it.
        fingerprint: String,
    },
    /// The key exists but cannot be used (unparseable, wrong fingerprint, too small).
    KeyUnusable(super::keys::KeyError),
    /// Any other failure; the text is what the reference prints after `INVALID: `.
    Other(String),
}

impl DigestFailure {
    /// Text after `INVALID: `.
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            Self::InvalidFormat => "invalid format".to_owned(),
            Self::SignatureFailed => "signature verification failed".to_owned(),
            Self::Moved => "has been moved from its original location".to_owned(),
            Self::KeyNotFound {
                region,
                fingerprint,
            } => format!("public key not found in region {region} for fingerprint {fingerprint}"),
            Self::KeyUnusable(e) => e.to_string(),
            Self::Other(m) => m.clone(),
        }
    }

    /// Stable reason code for JSON output.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidFormat => "invalid_format",
            Self::SignatureFailed => "signature_verification_failed",
            Self::Moved => "moved",
            Self::KeyNotFound { .. } => "public_key_not_found",
            Self::KeyUnusable(super::keys::KeyError::Unloadable { .. }) => "public_key_unloadable",
            Self::KeyUnusable(super::keys::KeyError::FingerprintMismatch { .. }) => {
                "public_key_fingerprint_mismatch"
            }
            Self::KeyUnusable(super::keys::KeyError::TooSmall { .. }) => "public_key_too_small",
            Self::Other(_) => "other",
        }
    }
}

/// The `hashValue` of a log entry as it appears in the JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectedHash {
    /// A string (compared case-insensitively).
    Hex(String),
    /// Present but not a string: never matches.
    NotAString,
    /// Absent: the reference reports the log as `invalid format`.
    Missing,
}

/// A log file a digest vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRef {
    /// Where the log is (Python's `str()` of the JSON values, as the reference prints them).
    pub location: Location,
    /// Its expected SHA-256 over the decompressed bytes.
    pub expected: ExpectedHash,
    /// `hashAlgorithm` of the entry.
    pub hash_algorithm: Option<String>,
    /// False when the bucket or key cannot name an S3 object (not a string, empty, an
    /// invalid bucket name): the reference's request fails and it reports `invalid format`.
    pub fetchable: bool,
}

/// A digest whose signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedDigest {
    /// Chain the digest belongs to.
    pub kind: ChainKind,
    /// Location (as stated in, and checked against, the JSON).
    pub location: Location,
    /// `digestStartTime`.
    pub start: RecordTime,
    /// `digestEndTime`.
    pub end: RecordTime,
    /// `previousDigestS3Bucket`/`previousDigestS3Object` when both are strings.
    pub previous: Option<Location>,
    /// The log files listed, in order.
    pub logs: Vec<LogRef>,
    /// Fingerprint of the signing key.
    pub fingerprint: String,
    /// What the chain checks beyond the reference need (links, sanity).
    pub facts: DigestFacts,
}

/// The fields of a verified digest that the reference never checks, kept for the link,
/// continuity and sanity checks (spec §7, W2, W7, W8).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestFacts {
    /// The signature from the S3 metadata (hex).
    pub signature: String,
    /// `x-amz-meta-signature-algorithm`.
    pub signature_algorithm_meta: String,
    /// `digestSignatureAlgorithm` from the JSON.
    pub signature_algorithm: Option<String>,
    /// SHA-256 of the inflated digest (hex).
    pub inflated_sha256: String,
    /// `previousDigestSignature`.
    pub previous_signature: Option<String>,
    /// `previousDigestHashValue`.
    pub previous_hash: Option<String>,
    /// `previousDigestHashAlgorithm`.
    pub previous_hash_algorithm: Option<String>,
    /// `awsAccountId`.
    pub account_id: Option<String>,
    /// Bytes after the first gzip member of the stored object.
    pub trailing_bytes: usize,
}

/// A digest that passed the format checks and awaits its key and signature check.
#[derive(Debug, Clone)]
pub struct ParsedDigest {
    kind: ChainKind,
    location: Location,
    json: serde_json::Map<String, Value>,
    inflated_sha256: String,
    signature_hex: String,
    signature_algorithm: String,
    backfill_generation: Option<String>,
    trailing_bytes: usize,
}

/// Python's `str()` of a JSON value, for messages that interpolate attacker data the way
/// the reference does.
#[must_use]
pub fn py_str(v: &Value) -> String {
    match v {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => {
            if n.is_f64() {
                let f = n.as_f64().unwrap_or_default();
                if f.fract() == 0.0 && f.abs() < 1e16 {
                    format!("{f:.1}")
                } else {
                    format!("{f}")
                }
            } else {
                n.to_string()
            }
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn py_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Inflates the first gzip member of a digest (trailing bytes are ignored, like the
/// reference; a truncated or corrupt stream is `None`).
/// Returns the inflated bytes and how many bytes followed the first member.
///
/// # Errors
/// [`LimitExceeded`] when more than `limit` bytes inflate (a gzip bomb).
fn inflate_digest(body: &[u8], limit: u64) -> Result<Option<(Vec<u8>, usize)>, LimitExceeded> {
    let mut out = Vec::new();
    let mut dec = flate2::bufread::GzDecoder::new(body).take(limit.saturating_add(1));
    let read = dec.read_to_end(&mut out);
    if out.len() as u64 > limit {
        return Err(LimitExceeded {
            limit: Limit::DigestInflatedBytes,
            max: limit,
        });
    }
    if read.is_err() {
        return Ok(None);
    }
    let trailing = dec.into_inner().into_inner().len();
    Ok(Some((out, trailing)))
}

/// Why [`parse_digest`] stopped: a verdict on the digest, or a limit that kept it from being
/// judged at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestParseError {
    /// The digest is INVALID.
    #[error("{}", .0.message())]
    Invalid(DigestFailure),
    /// The digest could not be judged (an `ERROR`, reason `too_large`).
    #[error(transparent)]
    OverLimit(#[from] LimitExceeded),
}

impl From<DigestFailure> for DigestParseError {
    fn from(f: DigestFailure) -> Self {
        Self::Invalid(f)
    }
}

/// Parses a date field the way the reference's `parse_date` fails on it.
fn parse_time_field(v: &Value) -> Result<RecordTime, DigestFailure> {
    match v {
        Value::String(s) => parse_record_clock(s).map_err(|e| DigestFailure::Other(e.to_string())),
        other => Err(DigestFailure::Other(format!(
            "Parser must be a string or character stream, not {}",
            py_type(other)
        ))),
    }
}

const REQUIRED: [&str; 6] = [
    "digestPublicKeyFingerprint",
    "digestS3Bucket",
    "digestS3Object",
    "previousDigestSignature",
    "digestEndTime",
    "digestStartTime",
];

/// Steps 2–6 of spec §1.7: inflate, JSON, signature metadata, backfill metadata, required
/// fields, original location.
///
/// # Errors
/// [`DigestParseError::Invalid`] with the [`DigestFailure`] of the first failing step, or
/// [`DigestParseError::OverLimit`] when the digest inflates beyond `max_inflated` bytes.
pub fn parse_digest_within(
    kind: ChainKind,
    fetched_from: &Location,
    obj: &FetchedObject,
    max_inflated: u64,
) -> Result<ParsedDigest, DigestParseError> {
    let (inflated, trailing_bytes) =
        inflate_digest(&obj.body, max_inflated)?.ok_or(DigestFailure::InvalidFormat)?;
    Ok(check_parsed(
        kind,
        fetched_from,
        obj,
        &inflated,
        trailing_bytes,
    )?)
}

/// [`parse_digest_within`] for callers that only want a verdict (tests, tools): a digest
/// over `max_inflated` is reported as [`DigestFailure::InvalidFormat`]. The chain walk and
/// the detectors use [`parse_digest_within`], where a breached limit is an `ERROR`.
///
/// # Errors
/// The [`DigestFailure`] of the first failing step.
pub fn parse_digest(
    kind: ChainKind,
    fetched_from: &Location,
    obj: &FetchedObject,
    max_inflated: u64,
) -> Result<ParsedDigest, DigestFailure> {
    parse_digest_within(kind, fetched_from, obj, max_inflated).map_err(|e| match e {
        DigestParseError::Invalid(f) => f,
        DigestParseError::OverLimit(_) => DigestFailure::InvalidFormat,
    })
}

fn check_parsed(
    kind: ChainKind,
    fetched_from: &Location,
    obj: &FetchedObject,
    inflated: &[u8],
    trailing_bytes: usize,
) -> Result<ParsedDigest, DigestFailure> {
    let text = std::str::from_utf8(inflated).map_err(|_| DigestFailure::InvalidFormat)?;
    let json = super::pyjson::parse(text).map_err(|e| match e {
        super::pyjson::PyJsonError::Invalid => DigestFailure::InvalidFormat,
        super::pyjson::PyJsonError::TooDeep(m) => DigestFailure::Other(m.to_owned()),
    })?;
    let (Some(signature), Some(algorithm)) = (
        obj.metadata.get("signature"),
        obj.metadata.get("signature-algorithm"),
    ) else {
        return Err(DigestFailure::SignatureFailed);
    };
    let json = match json {
        Value::Object(map) => map,
        Value::Array(_) => {
            return Err(DigestFailure::Other(
                "list indices must be integers or slices, not str".to_owned(),
            ));
        }
        other => {
            return Err(DigestFailure::Other(format!(
                "'{}' object does not support item assignment",
                py_type(&other)
            )));
        }
    };
    let backfill_generation = if kind == ChainKind::Backfill {
        Some(
            obj.metadata
                .get("backfill-generation-timestamp")
                .cloned()
                .ok_or(DigestFailure::InvalidFormat)?,
        )
    } else {
        None
    };
    if REQUIRED.iter().any(|k| !json.contains_key(*k)) {
        return Err(DigestFailure::InvalidFormat);
    }
    let same = |field: &str, want: &str| json.get(field).and_then(Value::as_str) == Some(want);
    if !same("digestS3Bucket", &fetched_from.bucket) || !same("digestS3Object", &fetched_from.key) {
        return Err(DigestFailure::Moved);
    }
    Ok(ParsedDigest {
        kind,
        location: fetched_from.clone(),
        inflated_sha256: sha256_hex(inflated),
        json,
        signature_hex: signature.clone(),
        signature_algorithm: algorithm.clone(),
        backfill_generation,
        trailing_bytes,
    })
}

/// What the chain walker must do about the key of a parsed digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyNeed {
    /// The key set already decides.
    Ready,
    /// Backfill digest with an unknown fingerprint: fetch keys for this window first.
    Window {
        /// Generation time − 1 h.
        from: UtcTime,
        /// Generation time + 1 h.
        to: UtcTime,
    },
}

impl ParsedDigest {
    /// The fingerprint field as Python would print it.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        self.json
            .get("digestPublicKeyFingerprint")
            .map(py_str)
            .unwrap_or_default()
    }

    fn fingerprint_lookup(&self) -> Result<String, DigestFailure> {
        match self.json.get("digestPublicKeyFingerprint") {
            Some(v @ (Value::Array(_) | Value::Object(_))) => Err(DigestFailure::Other(format!(
                "unhashable type: '{}'",
                py_type(v)
            ))),
            Some(Value::String(s)) => Ok(s.clone()),
            // A non-string scalar can never be a dict key of string fingerprints.
            _ => Ok(String::new()),
        }
    }

    /// Step 7: whether a backfill digest needs keys fetched around its generation time.
    ///
    /// # Errors
    /// An unhashable fingerprint or an unparseable generation timestamp.
    pub fn key_need(&self, keys: &KeySet) -> Result<KeyNeed, DigestFailure> {
        let fp = self.fingerprint_lookup()?;
        if self.kind != ChainKind::Backfill || (keys.get(&fp).is_some() && !fp.is_empty()) {
            return Ok(KeyNeed::Ready);
        }
        let raw = self.backfill_generation.as_deref().unwrap_or_default();
        let generated = parse_record_time(raw).map_err(|e| DigestFailure::Other(e.to_string()))?;
        Ok(KeyNeed::Window {
            from: generated - chrono::Duration::hours(1),
            to: generated + chrono::Duration::hours(1),
        })
    }

    /// The string `CloudTrail` signed (spec §1.8): end time, `bucket/key`, SHA-256 of the
    /// inflated bytes, previous signature or `null`.
    #[must_use]
    pub fn string_to_sign(&self) -> String {
        let field = |k: &str| self.json.get(k).map(py_str).unwrap_or_default();
        let previous = match self.json.get("previousDigestSignature") {
            None | Some(Value::Null) => "null".to_owned(),
            Some(v) => py_str(v),
        };
        format!(
            "{}\n{}/{}\n{}\n{}",
            field("digestEndTime"),
            field("digestS3Bucket"),
            field("digestS3Object"),
            self.inflated_sha256,
            previous
        )
    }

    /// Steps 8–10: pick the key by fingerprint, verify the RSA signature, read the times and
    /// the log list.
    ///
    /// # Errors
    /// The [`DigestFailure`] of the first failing step.
    pub fn verify(self, keys: &KeySet, home_region: &str) -> Result<CheckedDigest, DigestFailure> {
        let fp = self.fingerprint_lookup()?;
        let record =
            keys.get(&fp)
                .filter(|_| !fp.is_empty())
                .ok_or_else(|| DigestFailure::KeyNotFound {
                    region: home_region.to_owned(),
                    fingerprint: self.fingerprint(),
                })?;
        let key = load_key(record, &self.fingerprint()).map_err(DigestFailure::KeyUnusable)?;
        let signature = hex::decode(&self.signature_hex).map_err(|e| {
            DigestFailure::Other(match e {
                hex::FromHexError::OddLength => "Odd-length string".to_owned(),
                _ => "Non-hexadecimal digit found".to_owned(),
            })
        })?;
        if !verify_pkcs1v15(&key, self.string_to_sign().as_bytes(), &signature) {
            return Err(DigestFailure::SignatureFailed);
        }
        let end = parse_time_field(self.json.get("digestEndTime").unwrap_or(&Value::Null))?;
        let start = parse_time_field(self.json.get("digestStartTime").unwrap_or(&Value::Null))?;
        let logs = parse_logs(self.json.get("logFiles"))?;
        // A null (or absent) bucket or key starts a chain. A link that names no usable
        // object (a bucket that is not a bucket name, a key that is not a string) cannot be
        // followed: the reference fails on it with botocore's parameter errors or crashes; we
        // call the digest malformed.
        let previous = match (
            self.json.get("previousDigestS3Bucket"),
            self.json.get("previousDigestS3Object"),
        ) {
            (None | Some(Value::Null), _) | (_, None | Some(Value::Null)) => None,
            (Some(Value::String(b)), Some(Value::String(k))) if valid_bucket_name(b) => {
                Some(Location::new(b, k))
            }
            _ => return Err(DigestFailure::InvalidFormat),
        };
        let text = |k: &str| present_text(self.json.get(k));
        let facts = DigestFacts {
            signature: self.signature_hex.clone(),
            signature_algorithm_meta: self.signature_algorithm.clone(),
            signature_algorithm: text("digestSignatureAlgorithm"),
            inflated_sha256: self.inflated_sha256.clone(),
            previous_signature: text("previousDigestSignature"),
            previous_hash: text("previousDigestHashValue"),
            previous_hash_algorithm: text("previousDigestHashAlgorithm"),
            account_id: text("awsAccountId"),
            trailing_bytes: self.trailing_bytes,
        };
        Ok(CheckedDigest {
            kind: self.kind,
            location: self.location,
            start,
            end,
            previous,
            logs,
            fingerprint: fp,
            facts,
        })
    }
}

/// RSASSA-PKCS1-v1_5 verification accepting the hash the signature's `DigestInfo` names,
/// like the reference's python-rsa (`rsa.verify`): MD5, SHA-1, SHA-224, SHA-256, SHA-384 or
/// SHA-512. `CloudTrail` signs with SHA-256, which is tried first.
fn verify_pkcs1v15(key: &rsa::RsaPublicKey, message: &[u8], signature: &[u8]) -> bool {
    use sha2::Digest as _;
    let try_with =
        |scheme: Pkcs1v15Sign, hashed: &[u8]| key.verify(scheme, hashed, signature).is_ok();
    try_with(
        Pkcs1v15Sign::new::<sha2::Sha256>(),
        &sha2::Sha256::digest(message),
    ) || try_with(
        Pkcs1v15Sign::new::<sha2::Sha512>(),
        &sha2::Sha512::digest(message),
    ) || try_with(
        Pkcs1v15Sign::new::<sha2::Sha384>(),
        &sha2::Sha384::digest(message),
    ) || try_with(
        Pkcs1v15Sign::new::<sha2::Sha224>(),
        &sha2::Sha224::digest(message),
    ) || try_with(
        Pkcs1v15Sign::new::<sha1::Sha1>(),
        &sha1::Sha1::digest(message),
    ) || try_with(Pkcs1v15Sign::new::<md5::Md5>(), &md5::Md5::digest(message))
}

/// A field the reference never reads, for the sanity and link checks: `None` when absent or
/// null, the string itself, or Python's `str()` of a value of the wrong type (so a finding
/// says `is 7`, not `is absent`, and a wrong-typed link never matches).
fn present_text(v: Option<&Value>) -> Option<String> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(py_str(other)),
    }
}

/// Python truthiness of a JSON value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Whether botocore would accept this as a bucket name (`^[a-zA-Z0-9.\-_]{1,255}$`).
fn valid_bucket_name(s: &str) -> bool {
    (1..=255).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// `logFiles`: any falsy value means no logs (the reference's `if not digest['logFiles']`);
/// an absent or non-list value, or an entry without a bucket and key, is an invalid format
/// (the reference crashes on those).
fn parse_logs(v: Option<&Value>) -> Result<Vec<LogRef>, DigestFailure> {
    let items = match v {
        Some(v) if !truthy(v) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        _ => return Err(DigestFailure::InvalidFormat),
    };
    items
        .iter()
        .map(|item| {
            let (Some(bucket), Some(key)) = (item.get("s3Bucket"), item.get("s3Object")) else {
                return Err(DigestFailure::InvalidFormat);
            };
            let fetchable = bucket.as_str().is_some_and(valid_bucket_name)
                && key.as_str().is_some_and(|k| !k.is_empty());
            let expected = match item.get("hashValue") {
                Some(Value::String(h)) => ExpectedHash::Hex(h.clone()),
                Some(_) => ExpectedHash::NotAString,
                None => ExpectedHash::Missing,
            };
            Ok(LogRef {
                location: Location::new(py_str(bucket), py_str(key)),
                expected,
                hash_algorithm: present_text(item.get("hashAlgorithm")),
                fetchable,
            })
        })
        .collect()
}

/// The text of the reference's fatal/INVALID message for an empty key window.
#[must_use]
pub fn no_keys_message(from: &UtcTime, to: &UtcTime) -> String {
    format!(
        "No public keys found between {} and {}",
        format_display(from),
        format_display(to)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn s3_uris_split_into_bucket_and_key() {
        let l = Location::from_uri("s3://b/AWSLogs/1/x.json.gz").unwrap();
        assert_eq!(
            (l.bucket.as_str(), l.key.as_str()),
            ("b", "AWSLogs/1/x.json.gz")
        );
        assert_eq!(l.uri(), "s3://b/AWSLogs/1/x.json.gz");
        assert!(Location::from_uri("file:///x").is_none());
    }
    use serde_json::json;

    fn parsed(json: &Value) -> ParsedDigest {
        ParsedDigest {
            kind: ChainKind::Standard,
            location: Location::new("b", "c"),
            json: json.as_object().cloned().unwrap_or_default(),
            inflated_sha256: sha256_hex(b"abc"),
            signature_hex: String::new(),
            signature_algorithm: String::new(),
            backfill_generation: None,
            trailing_bytes: 0,
        }
    }

    #[test]
    fn string_to_sign_with_null_previous_matches_reference_vector() {
        let p = parsed(
            &json!({"digestEndTime": "a", "digestS3Bucket": "b", "digestS3Object": "c",
            "previousDigestSignature": null}),
        );
        assert_eq!(
            p.string_to_sign(),
            "a\nb/c\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\nnull"
        );
    }

    #[test]
    fn parse_digest_not_gzip_is_invalid_format() {
        let obj = FetchedObject {
            body: b"{}".to_vec(),
            metadata: BTreeMap::new(),
        };
        let err =
            parse_digest(ChainKind::Standard, &Location::new("b", "k"), &obj, 1 << 20).unwrap_err();
        assert_eq!(err, DigestFailure::InvalidFormat);
    }

    #[test]
    fn parse_digest_inflating_beyond_limit_is_over_limit_not_invalid() {
        let obj = FetchedObject {
            body: {
                use std::io::Write as _;
                let mut e =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(&[b' '; 5000]).unwrap();
                e.finish().unwrap()
            },
            metadata: BTreeMap::new(),
        };
        let err = parse_digest_within(ChainKind::Standard, &Location::new("b", "k"), &obj, 4096)
            .unwrap_err();
        assert!(matches!(
            err,
            DigestParseError::OverLimit(LimitExceeded {
                limit: Limit::DigestInflatedBytes,
                max: 4096
            })
        ));
    }

    #[test]
    fn py_str_formats_like_python() {
        assert_eq!(py_str(&json!(null)), "None");
        assert_eq!(py_str(&json!(true)), "True");
        assert_eq!(py_str(&json!(5)), "5");
        assert_eq!(py_str(&json!(1.0)), "1.0");
    }
}
