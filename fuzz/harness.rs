//! The entry points of the fuzz targets, shared with `tests/fuzz_corpus.rs` so the committed
//! corpus is replayed through exactly the same code by the ordinary test suite.
//!
//! Each function takes arbitrary bytes and must return without panicking; the assertions
//! inside are the oracles (a crash is a finding).

use std::io::{Read as _, Write as _};
use std::sync::OnceLock;

use rsa::pkcs8::DecodePrivateKey as _;
use sha2::Digest as _;

use trailproof::chain::digest::{DigestParseError, parse_digest, parse_digest_within};
use trailproof::chain::keys::{KeySet, PublicKeyRecord, fingerprint_of};
use trailproof::chain::layout::ChainKind;
use trailproof::chain::log::{LogVerdict, verify_log_within};
use trailproof::vocab::{FetchedObject, Location};

/// Inflated-size limit used by the targets: small, so bombs are cheap and the limit path
/// is exercised.
const LIMIT: u64 = 1 << 20;

/// The committed throwaway key 1 (test-only), and its `ListPublicKeys` record.
fn signing_key() -> &'static (rsa::RsaPrivateKey, KeySet) {
    static KEY: OnceLock<(rsa::RsaPrivateKey, KeySet)> = OnceLock::new();
    KEY.get_or_init(|| {
        use rsa::pkcs1::EncodeRsaPublicKey as _;
        let pem = include_str!("../testdata/keys/key-1.pem");
        let private = rsa::RsaPrivateKey::from_pkcs8_pem(pem).expect("committed test key");
        let der = private
            .to_public_key()
            .to_pkcs1_der()
            .expect("encode public key")
            .as_bytes()
            .to_vec();
        let fingerprint = fingerprint_of(&der);
        let keys = KeySet::from_records([PublicKeyRecord {
            fingerprint,
            der,
            valid_from: None,
            valid_to: None,
        }]);
        (private, keys)
    })
}

/// Gzip without a name or time, fast level (the harness compresses every input).
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("write to a Vec");
    e.finish().expect("finish a Vec")
}

/// Digest parser. Byte 0 selects the mode: bit 0 set = the rest is the raw stored object
/// (gzip or not); clear = the rest is the inflated JSON, gzipped here. Bit 1 = backfill
/// chain. The digest is fetched from `s3://b/k`; a digest naming that location and the
/// committed key's fingerprint is signed here so verification runs to the end.
pub fn digest(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let body = if mode & 1 == 1 {
        rest.to_vec()
    } else {
        gzip(rest)
    };
    let kind = if mode & 2 == 2 {
        ChainKind::Backfill
    } else {
        ChainKind::Standard
    };
    let location = Location::new("b", "k");
    let mut obj = FetchedObject {
        body,
        metadata: [
            ("signature".to_owned(), "00".to_owned()),
            ("signature-algorithm".to_owned(), "SHA256withRSA".to_owned()),
            (
                "backfill-generation-timestamp".to_owned(),
                "2026-03-01T01:05:00Z".to_owned(),
            ),
        ]
        .into_iter()
        .collect(),
    };
    let parsed = match parse_digest_within(kind, &location, &obj, LIMIT) {
        Ok(p) => p,
        Err(DigestParseError::Invalid(f)) => {
            let _ = (f.message(), f.code());
            return;
        }
        Err(DigestParseError::OverLimit(e)) => {
            assert!(e.max == LIMIT, "over-limit error names the limit");
            return;
        }
    };
    let (private, keys) = signing_key();
    let _ = parsed.key_need(keys);
    let _ = parsed.fingerprint();
    // Unsigned: must never verify.
    assert!(
        parsed.clone().verify(keys, "us-east-1").is_err(),
        "a digest verified with signature 00"
    );
    // Signed with the committed key: runs the checks after the signature.
    let to_sign = parsed.string_to_sign();
    let hashed = sha2::Sha256::digest(to_sign.as_bytes());
    let Ok(sig) = private.sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &hashed) else {
        return;
    };
    obj.metadata
        .insert("signature".to_owned(), hex::encode(sig));
    let Ok(parsed) = parse_digest(kind, &location, &obj, LIMIT) else {
        panic!("a digest that parsed once failed to parse with a signature");
    };
    match parsed.verify(keys, "us-east-1") {
        Ok(d) => {
            assert_eq!(d.location, location);
            for log in &d.logs {
                let _ = log.location.uri();
            }
        }
        Err(f) => {
            let _ = (f.message(), f.code());
        }
    }
}

/// Log stream verifier against a one-shot oracle: whenever the first gzip member inflates
/// cleanly (within the limit), the streaming check of the same body against the SHA-256 of
/// that output must be `Valid`, or `TrailingData` when bytes follow the member.
pub fn log_stream(data: &[u8]) {
    use trailproof::chain::digest::ExpectedHash;
    let mut out = Vec::new();
    let mut dec = flate2::bufread::GzDecoder::new(data).take(LIMIT + 1);
    let oracle = dec.read_to_end(&mut out);
    let rest = dec.into_inner().into_inner().len();
    let want = ExpectedHash::Hex(hex::encode(sha2::Sha256::digest(&out)));
    let verdict = verify_log_within(data, &want, LIMIT);
    if out.len() as u64 > LIMIT {
        assert!(verdict.is_err(), "inflated beyond the limit but judged");
        return;
    }
    let verdict = verdict.expect("within the limit");
    if oracle.is_ok() {
        let expected = if rest == 0 {
            LogVerdict::Valid
        } else {
            LogVerdict::TrailingData
        };
        assert_eq!(verdict, expected, "streaming and one-shot disagree");
    }
    // Uppercase hex is accepted (spec: hashes compare case-insensitively).
    if verdict == LogVerdict::Valid {
        let upper = ExpectedHash::Hex(hex::encode_upper(sha2::Sha256::digest(&out)));
        assert_eq!(
            verify_log_within(data, &upper, LIMIT),
            Ok(LogVerdict::Valid)
        );
    }
}

/// Record decoding and activity aggregation: one file through the summarizer, then the
/// summary document. The same file handed over already inflated (as the verification hands
/// it) must give the same summary.
pub fn activity_record(data: &[u8]) {
    use trailproof::activity::aggregate::{StoredFile, Summarizer};
    let mut s = Summarizer::new(LIMIT);
    let _ = s.add_file("fuzz.json", data);
    let summary = s.finish();
    let _ = trailproof::activity::summary::to_sorted_json(&summary);
    if let Ok((content, _)) = trailproof::records::file::maybe_gunzip(data, LIMIT) {
        let mut c = Summarizer::new(LIMIT);
        let _ = c.add_content("fuzz.json", StoredFile::of(data), &content, false);
        assert_eq!(
            c.finish(),
            summary,
            "inflated content and stored file disagree"
        );
    }
}
