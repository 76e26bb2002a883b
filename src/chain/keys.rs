//! Public keys: the records `ListPublicKeys` returns, and turning one into a verifier.
//!
//! Implements the AWS step "pick the key with the matching fingerprint". Unlike the
//! reference, PKCS#1 and `SubjectPublicKeyInfo` DER are both accepted, the fingerprint
//! (lowercase hex MD5 of the DER) is checked, and keys under 2048 bits are refused.

use std::collections::BTreeMap;

use md5::Digest as _;
use rsa::pkcs1::DecodeRsaPublicKey as _;
use rsa::pkcs8::DecodePublicKey as _;
use rsa::traits::PublicKeyParts as _;

use crate::time::UtcTime;

/// Smallest RSA modulus accepted for a digest signature.
pub const MIN_KEY_BITS: usize = 2048;

/// One entry of a `ListPublicKeys` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyRecord {
    /// The fingerprint `CloudTrail` reports.
    pub fingerprint: String,
    /// DER bytes of the key (what the SDK hands over after decoding the blob).
    pub der: Vec<u8>,
    /// Start of validity, when known.
    pub valid_from: Option<UtcTime>,
    /// End of validity, when known.
    pub valid_to: Option<UtcTime>,
}

/// Fingerprint → key, as the reference's dict (the last record with a fingerprint wins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySet(BTreeMap<String, PublicKeyRecord>);

impl KeySet {
    /// Builds the map from records.
    #[must_use]
    pub fn from_records(records: impl IntoIterator<Item = PublicKeyRecord>) -> Self {
        let mut set = Self::default();
        set.extend(records);
        set
    }

    /// Merges more records (later ones replace earlier ones with the same fingerprint).
    pub fn extend(&mut self, records: impl IntoIterator<Item = PublicKeyRecord>) {
        for r in records {
            self.0.insert(r.fingerprint.clone(), r);
        }
    }

    /// The record for a fingerprint.
    #[must_use]
    pub fn get(&self, fingerprint: &str) -> Option<&PublicKeyRecord> {
        self.0.get(fingerprint)
    }

    /// Number of keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no keys.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Why a key record cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Neither PKCS#1 nor SPKI DER.
    #[error("Unable to load PKCS #1 key with fingerprint {fingerprint}")]
    Unloadable {
        /// Fingerprint the digest asked for.
        fingerprint: String,
    },
    /// MD5 of the DER is not the advertised fingerprint.
    #[error("public key fingerprint mismatch: key listed as {fingerprint} has MD5 {actual}")]
    FingerprintMismatch {
        /// Advertised fingerprint.
        fingerprint: String,
        /// MD5 of the DER actually served.
        actual: String,
    },
    /// Modulus below [`MIN_KEY_BITS`].
    #[error(
        "public key with fingerprint {fingerprint} is {bits} bits, below the {MIN_KEY_BITS}-bit minimum"
    )]
    TooSmall {
        /// Fingerprint.
        fingerprint: String,
        /// Modulus size.
        bits: usize,
    },
}

/// Lowercase hex MD5 of the DER bytes (`CloudTrail`'s key fingerprint).
#[must_use]
pub fn fingerprint_of(der: &[u8]) -> String {
    hex::encode(md5::Md5::digest(der))
}

/// Parses a key record into an RSA key, checking fingerprint and size.
///
/// # Errors
/// [`KeyError`] when the DER is not an RSA public key, its MD5 differs from the
/// fingerprint, or the modulus is too small.
pub fn load_key(record: &PublicKeyRecord, wanted: &str) -> Result<rsa::RsaPublicKey, KeyError> {
    let key = rsa::RsaPublicKey::from_pkcs1_der(&record.der)
        .or_else(|_| rsa::RsaPublicKey::from_public_key_der(&record.der))
        .map_err(|_| KeyError::Unloadable {
            fingerprint: wanted.to_owned(),
        })?;
    let actual = fingerprint_of(&record.der);
    if !actual.eq_ignore_ascii_case(&record.fingerprint) {
        return Err(KeyError::FingerprintMismatch {
            fingerprint: record.fingerprint.clone(),
            actual,
        });
    }
    let bits = key.n().bits();
    if bits < MIN_KEY_BITS {
        return Err(KeyError::TooSmall {
            fingerprint: wanted.to_owned(),
            bits,
        });
    }
    Ok(key)
}
