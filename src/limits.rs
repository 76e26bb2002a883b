//! Limits that keep a run bounded whatever an attacker put in the bucket.
//!
//! Every size and count limit lives in [`Limits`], with its default documented on the field
//! (and listed in `docs/limits.md`). A breached limit is never evidence of tampering: the
//! file it concerns ends in an `ERROR` line (`ERROR: over size limit (…)`, reason code
//! `too_large`, exit 3 when nothing else was found), never in `INVALID`, and never in an
//! out-of-memory. Streams are inflated and hashed chunk by chunk, so memory stays bounded by
//! the compressed object limits, while the decompressed limits bound the CPU a gzip bomb can
//! burn.
//!
//! This module does no I/O: [`Limits::from_lookup`] takes the environment lookup as a
//! function so the CLI decides where overrides come from.

/// Every size and count limit in one documented place.
///
/// Each limit can be lowered or raised for one run with the environment variable named in
/// its documentation (see [`Limits::from_lookup`]); the defaults are generous: several times
/// the largest file `CloudTrail` delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest digest object read, compressed (default 64 MiB; real digests are KiB).
    /// Larger objects end in an `ERROR` line. `TRAILPROOF_MAX_DIGEST_BYTES`.
    pub max_digest_bytes: u64,
    /// Largest log object read into memory, compressed (default 128 MiB; `CloudTrail`
    /// delivers files of a few MiB). Larger objects end in an `ERROR` line, not `INVALID`.
    /// With `--concurrency 32` this bounds the bodies in memory to 4 GiB even when an
    /// attacker replaces every log with a huge object. `TRAILPROOF_MAX_LOG_BYTES`.
    pub max_log_bytes: u64,
    /// Largest decompressed digest (default 256 MiB): a gzip bomb stops here and the digest
    /// is an `ERROR`. Digests are inflated into memory (their SHA-256 and JSON both need the
    /// whole text), so this also bounds the memory of one digest.
    /// `TRAILPROOF_MAX_DIGEST_INFLATED_BYTES`.
    pub max_digest_inflated_bytes: u64,
    /// Largest decompressed log file (default 4 GiB): a gzip bomb stops here and the log is
    /// an `ERROR`. Logs are inflated and hashed as a stream, so memory does not grow with
    /// this limit; it bounds the CPU time (about 2–3 s of SHA-256 per GiB). Real log files
    /// reach a few hundred MiB decompressed. `TRAILPROOF_MAX_LOG_INFLATED_BYTES`.
    pub max_log_inflated_bytes: u64,
    /// Most digests one chain walk visits (default 1 million: over a century of hourly
    /// digests). A walk that reaches it stops with an `ERROR` line for the next digest it
    /// would have read, so the run is incomplete (exit 3), not silently shortened.
    /// `TRAILPROOF_MAX_CHAIN_STEPS`.
    pub max_chain_steps: u64,
    /// Largest single record (one JSON Lines line, one `CloudTrailEvent` string) the activity
    /// summary parses (default 16 MiB; `CloudTrail` events are at most a few hundred KiB).
    /// `verify` never parses records: it hashes log files whole. Applies to `summarize`;
    /// `TRAILPROOF_MAX_RECORD_BYTES`.
    pub max_record_bytes: u64,
}

impl Limits {
    /// Deepest JSON nesting parsed with `serde_json` (its fixed recursion limit, 128): log
    /// files and records of the activity summary, and the first parse of every digest. A
    /// record file nested deeper is not JSON for the summary (skipped as `not_json`). Real
    /// records nest under 20 levels.
    pub const MAX_JSON_DEPTH: usize = 128;

    /// Deepest JSON nesting accepted in a digest (960: Python's recursion limit inside the
    /// reference, less its own frames). A digest nested beyond 128 levels is re-read with the
    /// reference's Python rules ([`crate::chain::pyjson`]); beyond 960 it is
    /// `INVALID: maximum recursion depth exceeded …`, exactly as `validate-logs` prints it.
    /// This is the one limit that yields `INVALID` rather than `ERROR`: the digest is signed,
    /// so the verdict is the reference's, and the drop-in contract keeps its wording.
    pub const MAX_DIGEST_JSON_DEPTH: usize = 960;

    /// The defaults with the overrides `lookup` returns for the `TRAILPROOF_MAX_*`
    /// variables (decimal numbers of bytes or steps; `0` is refused).
    ///
    /// # Errors
    /// [`LimitsError`] for a value that is not a positive integer.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, LimitsError> {
        let mut limits = Self::default();
        for limit in Limit::ALL {
            let Some(raw) = lookup(limit.env_var()) else {
                continue;
            };
            let value = raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|v| *v > 0)
                .ok_or_else(|| LimitsError {
                    variable: limit.env_var(),
                    value: raw.clone(),
                })?;
            *limits.slot(limit) = value;
        }
        Ok(limits)
    }

    /// The value of one limit.
    #[must_use]
    pub fn get(&self, limit: Limit) -> u64 {
        let mut copy = *self;
        *copy.slot(limit)
    }

    fn slot(&mut self, limit: Limit) -> &mut u64 {
        match limit {
            Limit::DigestBytes => &mut self.max_digest_bytes,
            Limit::LogBytes => &mut self.max_log_bytes,
            Limit::DigestInflatedBytes => &mut self.max_digest_inflated_bytes,
            Limit::LogInflatedBytes => &mut self.max_log_inflated_bytes,
            Limit::ChainSteps => &mut self.max_chain_steps,
            Limit::RecordBytes => &mut self.max_record_bytes,
        }
    }

    /// The error for a breached limit.
    #[must_use]
    pub fn exceeded(&self, limit: Limit) -> LimitExceeded {
        LimitExceeded {
            limit,
            max: self.get(limit),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_digest_bytes: 64 << 20,
            max_log_bytes: 128 << 20,
            max_digest_inflated_bytes: 256 << 20,
            max_log_inflated_bytes: 4 << 30,
            max_chain_steps: 1_000_000,
            max_record_bytes: 16 << 20,
        }
    }
}

/// One of the configurable limits of [`Limits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Limit {
    /// [`Limits::max_digest_bytes`].
    DigestBytes,
    /// [`Limits::max_log_bytes`].
    LogBytes,
    /// [`Limits::max_digest_inflated_bytes`].
    DigestInflatedBytes,
    /// [`Limits::max_log_inflated_bytes`].
    LogInflatedBytes,
    /// [`Limits::max_chain_steps`].
    ChainSteps,
    /// [`Limits::max_record_bytes`].
    RecordBytes,
}

impl Limit {
    /// Every limit, in documentation order.
    pub const ALL: [Self; 6] = [
        Self::DigestBytes,
        Self::LogBytes,
        Self::DigestInflatedBytes,
        Self::LogInflatedBytes,
        Self::ChainSteps,
        Self::RecordBytes,
    ];

    /// The environment variable that overrides it.
    #[must_use]
    pub fn env_var(self) -> &'static str {
        match self {
            Self::DigestBytes => "TRAILPROOF_MAX_DIGEST_BYTES",
            Self::LogBytes => "TRAILPROOF_MAX_LOG_BYTES",
            Self::DigestInflatedBytes => "TRAILPROOF_MAX_DIGEST_INFLATED_BYTES",
            Self::LogInflatedBytes => "TRAILPROOF_MAX_LOG_INFLATED_BYTES",
            Self::ChainSteps => "TRAILPROOF_MAX_CHAIN_STEPS",
            Self::RecordBytes => "TRAILPROOF_MAX_RECORD_BYTES",
        }
    }
}

/// A limit was reached: the file concerned is an `ERROR` (`too_large`), never `INVALID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe(*limit, *max))]
pub struct LimitExceeded {
    /// Which limit.
    pub limit: Limit,
    /// Its value in this run.
    pub max: u64,
}

fn describe(limit: Limit, max: u64) -> String {
    let what = match limit {
        Limit::DigestBytes | Limit::LogBytes => format!("object larger than {max} bytes"),
        Limit::DigestInflatedBytes | Limit::LogInflatedBytes => {
            format!("decompresses to more than {max} bytes")
        }
        Limit::ChainSteps => format!("chain walk stopped after {max} digests"),
        Limit::RecordBytes => format!("record larger than {max} bytes"),
    };
    format!("{what}; limit {}", limit.env_var())
}

/// An override that is not a positive integer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}={value:?}: expected a positive whole number")]
pub struct LimitsError {
    /// The variable.
    pub variable: &'static str,
    /// Its value.
    pub value: String,
}

/// Largest decompressed activity-log file `summarize` parses (1 GiB): a gzip bomb handed to
/// `--logs` stops here and the file is skipped as `too_large`. Real `CloudTrail` files are a
/// few MiB; the largest public corpus holds about 100 MiB per file.
pub const MAX_ACTIVITY_INFLATED_BYTES: u64 = 1 << 30;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::{FetchError, FetchErrorKind};

    #[test]
    fn limits_from_lookup_applies_overrides_and_refuses_junk() {
        let l =
            Limits::from_lookup(|k| (k == "TRAILPROOF_MAX_CHAIN_STEPS").then(|| "12".to_owned()))
                .unwrap();
        assert_eq!(l.max_chain_steps, 12);
        assert_eq!(l.max_log_bytes, Limits::default().max_log_bytes);
        let err =
            Limits::from_lookup(|k| (k == "TRAILPROOF_MAX_LOG_BYTES").then(|| "lots".to_owned()))
                .unwrap_err();
        assert_eq!(err.variable, "TRAILPROOF_MAX_LOG_BYTES");
        assert!(Limits::from_lookup(|_| Some("0".to_owned())).is_err());
    }

    #[test]
    fn limit_exceeded_is_too_large_fetch_error_naming_the_variable() {
        let e: FetchError = Limits::default().exceeded(Limit::LogInflatedBytes).into();
        assert_eq!(e.kind, FetchErrorKind::TooLarge);
        assert_eq!(
            e.verdict_text(),
            "over size limit (decompresses to more than 4294967296 bytes; limit TRAILPROOF_MAX_LOG_INFLATED_BYTES)"
        );
    }
}
