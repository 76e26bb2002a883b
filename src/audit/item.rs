//! The ordered outcomes of a verification ([`Item`]), one per digest, log file, finding,
//! gap and anchor, in the reference's order; and why a region could not run at all.

use crate::chain::digest::DigestFailure;
use crate::chain::findings::Finding;
use crate::chain::layout::ChainKind;
use crate::chain::log::LogVerdict;
use crate::time::{RecordTime, UtcTime};
use crate::vocab::{FetchError, Location};

/// A digest's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestStatus {
    /// Signature verified.
    Valid {
        /// `digestStartTime`.
        start: RecordTime,
        /// `digestEndTime`.
        end: RecordTime,
    },
    /// INVALID with a reason.
    Invalid(DigestFailure),
    /// `NoSuchKey`.
    Missing,
    /// Could not be read.
    Error(FetchError),
}

/// A log file's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogStatus {
    /// Read and judged.
    Verdict(LogVerdict),
    /// `NoSuchKey`.
    Missing,
    /// Could not be read.
    Error(FetchError),
}

/// One ordered outcome of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A digest.
    Digest {
        /// Chain.
        kind: ChainKind,
        /// Location.
        location: Location,
        /// Status.
        status: DigestStatus,
    },
    /// A log file referenced by the preceding valid digest.
    Log {
        /// Location.
        location: Location,
        /// Status.
        status: LogStatus,
    },
    /// Tampering the reference misses (printed after the reference's summary).
    Finding(Finding),
    /// A log file newer than the newest digest: not covered yet, not a finding.
    PendingLog(Location),
    /// The newest verified standard digest of the region (the next run's anchor).
    Head(crate::chain::anchor::Anchor),
    /// A chain restart note.
    Gap {
        /// Chain.
        kind: ChainKind,
        /// Older digest end.
        from: UtcTime,
        /// Newer digest start.
        to: UtcTime,
    },
}

/// A region that could not be verified at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    /// The digest folder could not be listed.
    #[error("cannot list digests in s3://{bucket}/{prefix}: {error}")]
    Listing {
        /// Bucket.
        bucket: String,
        /// Prefix.
        prefix: String,
        /// Cause.
        error: FetchError,
    },
    /// The public keys could not be obtained.
    #[error("cannot get public keys: {0}")]
    Keys(FetchError),
    /// No public keys for the window (the reference's fatal error).
    #[error("{0}")]
    NoKeys(String),
}

/// How every output classes a digest or log file item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// Verified intact.
    Valid,
    /// INVALID or missing: a finding.
    Invalid,
    /// Could not be read: neither.
    Error,
}

impl FileStatus {
    /// The word in the JSON documents (`valid`, `invalid`, `error`).
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Error => "error",
        }
    }
}

/// A file item's verdict, as the text lines, the JSON events and the counts report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileVerdict {
    /// Valid, invalid or error.
    pub status: FileStatus,
    /// Stable reason code (`valid`, `not_found`, `hash_mismatch`, `access_denied`, …).
    pub reason: &'static str,
    /// The text after `INVALID: ` or `ERROR: ` (the reference's wording for INVALID);
    /// `valid` for a valid file.
    pub message: String,
}

impl FileVerdict {
    fn new(status: FileStatus, reason: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            reason,
            message: message.into(),
        }
    }
}

impl Item {
    /// The verdict of a digest or log file item; `None` for the other items.
    #[must_use]
    pub fn file_verdict(&self) -> Option<FileVerdict> {
        let not_found = || FileVerdict::new(FileStatus::Invalid, "not_found", "not found");
        let error =
            |e: &FetchError| FileVerdict::new(FileStatus::Error, e.kind.code(), e.verdict_text());
        Some(match self {
            Self::Digest { status, .. } => match status {
                DigestStatus::Valid { .. } => FileVerdict::new(FileStatus::Valid, "valid", "valid"),
                DigestStatus::Invalid(f) => {
                    FileVerdict::new(FileStatus::Invalid, f.code(), f.message())
                }
                DigestStatus::Missing => not_found(),
                DigestStatus::Error(e) => error(e),
            },
            Self::Log { status, .. } => match status {
                LogStatus::Verdict(LogVerdict::Valid) => {
                    FileVerdict::new(FileStatus::Valid, "valid", "valid")
                }
                LogStatus::Verdict(v) => {
                    FileVerdict::new(FileStatus::Invalid, v.code(), v.message())
                }
                LogStatus::Missing => not_found(),
                LogStatus::Error(e) => error(e),
            },
            _ => return None,
        })
    }
}
