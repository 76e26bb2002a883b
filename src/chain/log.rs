//! One log file: SHA-256 of the decompressed first gzip member against the digest's value.
//!
//! Implements the AWS step "hash each referenced log's uncompressed content and compare
//! with `hashValue`", with the reference's edge cases (spec §1.11): a truncated stream
//! hashes what inflated (so it mismatches), a corrupt stream or non-gzip body is an
//! `invalid format`, and bytes after the first member are `unexpected data after end of
//! compressed stream`. Hex is compared case-insensitively (the reference does not).

use std::io::{self, Read as _};

use super::digest::ExpectedHash;
use crate::hash::Sha256;
use crate::limits::{Limit, LimitExceeded};

/// Verdict on a log file whose bytes were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogVerdict {
    /// Hash matches.
    Valid,
    /// Hash differs (also empty or truncated objects).
    HashMismatch,
    /// Data after the first gzip member.
    TrailingData,
    /// Not gzip, corrupt gzip, or no `hashValue` in the digest.
    InvalidFormat,
}

impl LogVerdict {
    /// The reference's text after `INVALID: ` (or `valid`).
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::HashMismatch => "hash value doesn't match",
            Self::TrailingData => "unexpected data after end of compressed stream",
            Self::InvalidFormat => "invalid format",
        }
    }

    /// Stable reason code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::HashMismatch => "hash_mismatch",
            Self::TrailingData => "trailing_data",
            Self::InvalidFormat => "invalid_format",
        }
    }
}

/// Inflates `body`'s first gzip member into a hasher and judges it against `expected`,
/// without a bound on the decompressed size (see [`verify_log_within`]).
#[must_use]
pub fn verify_log(body: &[u8], expected: &ExpectedHash) -> LogVerdict {
    match verify_log_within(body, expected, u64::MAX) {
        Ok(v) => v,
        // More than u64::MAX bytes cannot inflate from a slice; keep the type total anyway.
        Err(_) => LogVerdict::HashMismatch,
    }
}

/// Inflates `body`'s first gzip member into a hasher, chunk by chunk, and judges it against
/// `expected`. Memory stays constant whatever the body inflates to; `max_inflated` bounds the
/// work (a gzip bomb).
///
/// # Errors
/// [`LimitExceeded`] (limit [`Limit::LogInflatedBytes`]) once more than `max_inflated` bytes
/// have inflated: the log is then an `ERROR`, neither valid nor INVALID.
pub fn verify_log_within(
    body: &[u8],
    expected: &ExpectedHash,
    max_inflated: u64,
) -> Result<LogVerdict, LimitExceeded> {
    judge(body, expected, max_inflated, None)
}

/// As [`verify_log_within`], keeping the decompressed bytes that were hashed, so that the
/// analyses read exactly what was verified (the verified stream). The bytes are returned
/// whatever the verdict, except for `invalid format` (the body is not gzip, or is corrupt:
/// there is nothing that was hashed).
///
/// # Errors
/// As [`verify_log_within`].
pub fn verify_log_keeping(
    body: &[u8],
    expected: &ExpectedHash,
    max_inflated: u64,
) -> Result<(LogVerdict, Option<Vec<u8>>), LimitExceeded> {
    // The gzip trailer's ISIZE (the size mod 2^32) sizes the buffer once, for logs that
    // inflate to less than 4 GiB; it is only a hint (an attacker chooses it), so it is capped.
    let hint = body
        .len()
        .checked_sub(4)
        .and_then(|at| body.get(at..))
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, |b| u64::from(u32::from_le_bytes(b)));
    let cap = hint.min(max_inflated).min(body.len() as u64 * 64) as usize;
    let mut kept = Vec::with_capacity(cap);
    let verdict = judge(body, expected, max_inflated, Some(&mut kept))?;
    Ok((
        verdict,
        (verdict != LogVerdict::InvalidFormat).then_some(kept),
    ))
}

fn judge(
    body: &[u8],
    expected: &ExpectedHash,
    max_inflated: u64,
    mut keep: Option<&mut Vec<u8>>,
) -> Result<LogVerdict, LimitExceeded> {
    let mut hasher = Sha256::new();
    let mut decoder = flate2::bufread::GzDecoder::new(body);
    let mut buf = vec![0u8; 64 * 1024];
    let mut inflated: u64 = 0;
    loop {
        match decoder.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                inflated = inflated.saturating_add(n as u64);
                if inflated > max_inflated {
                    return Err(LimitExceeded {
                        limit: Limit::LogInflatedBytes,
                        max: max_inflated,
                    });
                }
                hasher.update(&buf[..n]);
                if let Some(k) = keep.as_deref_mut() {
                    k.extend_from_slice(&buf[..n]);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // A stream cut short: zlib (the reference) yields what it inflated, no error.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(_) => return Ok(LogVerdict::InvalidFormat),
        }
    }
    if !decoder.into_inner().is_empty() {
        return Ok(LogVerdict::TrailingData);
    }
    Ok(match expected {
        ExpectedHash::Missing => LogVerdict::InvalidFormat,
        ExpectedHash::NotAString => LogVerdict::HashMismatch,
        ExpectedHash::Hex(want) => {
            if hasher.finish_hex().eq_ignore_ascii_case(want) {
                LogVerdict::Valid
            } else {
                LogVerdict::HashMismatch
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::sha256_hex;
    use std::io::Write as _;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn want(data: &[u8]) -> ExpectedHash {
        ExpectedHash::Hex(sha256_hex(data))
    }

    #[test]
    fn log_intact_is_valid_and_uppercase_hex_accepted() {
        let body = gz(b"{\"Records\":[]}");
        assert_eq!(
            verify_log(&body, &want(b"{\"Records\":[]}")),
            LogVerdict::Valid
        );
        let upper = ExpectedHash::Hex(sha256_hex(b"{\"Records\":[]}").to_uppercase());
        assert_eq!(verify_log(&body, &upper), LogVerdict::Valid);
    }

    #[test]
    fn kept_bytes_are_exactly_the_hashed_ones_whatever_the_verdict() {
        let data = b"{\"Records\":[{\"eventName\":\"x\"}]}";
        let (v, kept) = verify_log_keeping(&gz(data), &want(data), u64::MAX).unwrap();
        assert_eq!((v, kept.as_deref()), (LogVerdict::Valid, Some(&data[..])));
        let (v, kept) = verify_log_keeping(&gz(b"forged"), &want(data), u64::MAX).unwrap();
        assert_eq!(
            (v, kept.as_deref()),
            (LogVerdict::HashMismatch, Some(&b"forged"[..]))
        );
        let mut two = gz(data);
        two.extend(gz(b"appended"));
        let (v, kept) = verify_log_keeping(&two, &want(data), u64::MAX).unwrap();
        assert_eq!(
            (v, kept.as_deref()),
            (LogVerdict::TrailingData, Some(&data[..]))
        );
        let mut corrupt = gz(data);
        let at = corrupt.len() / 2;
        corrupt[at..].iter_mut().for_each(|b| *b = 0xff);
        for body in [&corrupt[..], b"not gzip", b""] {
            let (v, kept) = verify_log_keeping(body, &want(data), u64::MAX).unwrap();
            assert_eq!(v, verify_log(body, &want(data)));
            assert_eq!(kept.is_none(), v == LogVerdict::InvalidFormat);
        }
        assert!(verify_log_keeping(&gz(data), &want(data), 3).is_err());
    }

    #[test]
    fn log_with_appended_member_is_trailing_data() {
        let mut body = gz(b"a");
        body.extend(gz(b"b"));
        assert_eq!(verify_log(&body, &want(b"a")), LogVerdict::TrailingData);
    }

    #[test]
    fn log_emptied_or_truncated_is_hash_mismatch() {
        assert_eq!(verify_log(b"", &want(b"a")), LogVerdict::HashMismatch);
        let data = vec![7u8; 100_000];
        let body = gz(&data);
        assert_eq!(
            verify_log(&body[..body.len() / 2], &want(&data)),
            LogVerdict::HashMismatch
        );
    }

    #[test]
    fn log_missing_only_trailer_still_matches_like_zlib() {
        let body = gz(b"hello");
        assert_eq!(
            verify_log(&body[..body.len() - 8], &want(b"hello")),
            LogVerdict::Valid
        );
    }

    #[test]
    fn log_inflating_beyond_limit_is_limit_exceeded_not_a_verdict() {
        let data = vec![0u8; 300_000];
        let body = gz(&data);
        let err = verify_log_within(&body, &want(&data), 200_000).unwrap_err();
        assert_eq!(err.limit, Limit::LogInflatedBytes);
        assert_eq!(
            verify_log_within(&body, &want(&data), 300_000),
            Ok(LogVerdict::Valid)
        );
    }

    #[test]
    fn log_not_gzip_is_invalid_format() {
        assert_eq!(
            verify_log(b"plain text", &want(b"a")),
            LogVerdict::InvalidFormat
        );
    }

    #[test]
    fn log_with_bad_crc_is_invalid_format() {
        let mut body = gz(b"hello");
        let n = body.len();
        body[n - 8] ^= 0xff;
        assert_eq!(
            verify_log(&body, &want(b"hello")),
            LogVerdict::InvalidFormat
        );
    }
}
