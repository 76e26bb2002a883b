//! Limits that keep a run bounded whatever an attacker put in the bucket.

/// Every size and count limit in one documented place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest digest object accepted, compressed (default 64 MiB; real digests are KiB).
    pub max_digest_bytes: u64,
    /// Largest log object read into memory, compressed (default 128 MiB; `CloudTrail`
    /// delivers files of a few MiB). Larger objects end in an `ERROR` line, not `INVALID`.
    /// With `--concurrency 32` this bounds the bodies in memory to 4 GiB even when an
    /// attacker replaces every log with a huge object.
    pub max_log_bytes: u64,
    /// Largest decompressed digest (default 256 MiB): a gzip bomb stops here.
    pub max_digest_inflated_bytes: u64,
    /// Most digests one chain walk visits (default 10 million: centuries of hourly digests).
    pub max_chain_steps: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_digest_bytes: 64 << 20,
            max_log_bytes: 128 << 20,
            max_digest_inflated_bytes: 256 << 20,
            max_chain_steps: 10_000_000,
        }
    }
}

/// Largest decompressed activity-log file `summarize` parses (1 GiB): a gzip bomb handed to
/// `--logs` stops here and the file is skipped as `too_large`. Real `CloudTrail` files are a
/// few MiB; the largest public corpus holds about 100 MiB per file.
pub const MAX_ACTIVITY_INFLATED_BYTES: u64 = 1 << 30;
