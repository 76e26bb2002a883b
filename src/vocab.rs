//! The words every layer uses: where an object is ([`Location`]), what a fetch returned
//! ([`FetchedObject`]) or why it failed ([`FetchError`]), and how a run ended ([`Outcome`]).
//!
//! This is the ground floor: it imports nothing from the rest of the crate except the other
//! ground modules ([`crate::limits`]), so the pure core ([`crate::chain`]), the sources and
//! the orchestration can all speak of objects and failures without importing each other.

use std::collections::BTreeMap;

use crate::limits::LimitExceeded;

/// An S3 object as fetched: body bytes and user metadata (names lower-case, without the
/// `x-amz-meta-` prefix).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchedObject {
    /// The raw (compressed) body.
    pub body: Vec<u8>,
    /// User metadata.
    pub metadata: BTreeMap<String, String>,
}

/// Bucket and key of an object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Location {
    /// Bucket name.
    pub bucket: String,
    /// Object key.
    pub key: String,
}

impl Location {
    /// Builds a location.
    #[must_use]
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
        }
    }

    /// `s3://bucket/key`.
    #[must_use]
    pub fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }

    /// The inverse of [`Self::uri`]; `None` for anything that is not `s3://bucket/key`.
    #[must_use]
    pub fn from_uri(uri: &str) -> Option<Self> {
        let (bucket, key) = uri.strip_prefix("s3://")?.split_once('/')?;
        Some(Self::new(bucket, key))
    }
}

/// What kind of failure a fetch ended in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum FetchErrorKind {
    /// The object does not exist (`NoSuchKey`): evidence, reported as INVALID.
    NotFound,
    /// Access denied (IAM, bucket policy, KMS).
    AccessDenied,
    /// Throttled after retries.
    Throttled,
    /// Timed out after retries.
    Timeout,
    /// The body ended before its announced length.
    Truncated,
    /// Over a configured size limit.
    TooLarge,
    /// Anything else (network, server errors, malformed answers).
    Other,
}

impl FetchErrorKind {
    /// Stable reason code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::AccessDenied => "access_denied",
            Self::Throttled => "throttled",
            Self::Timeout => "timeout",
            Self::Truncated => "truncated",
            Self::TooLarge => "too_large",
            Self::Other => "read_error",
        }
    }

    /// Whether a retry may help.
    #[must_use]
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Self::Throttled | Self::Timeout | Self::Truncated | Self::Other
        )
    }
}

/// A failed fetch: its kind and a one-line description (service code and message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{message}")]
pub struct FetchError {
    /// Kind.
    pub kind: FetchErrorKind,
    /// One line, e.g. `AccessDenied: Access Denied`.
    pub message: String,
}

impl FetchError {
    /// Builds an error.
    #[must_use]
    pub fn new(kind: FetchErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into().replace(['\n', '\r'], " "),
        }
    }

    /// `NoSuchKey`.
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        self.kind == FetchErrorKind::NotFound
    }

    /// The text after `ERROR: ` on a verdict line.
    #[must_use]
    pub fn verdict_text(&self) -> String {
        let what = match self.kind {
            FetchErrorKind::NotFound => "not found",
            FetchErrorKind::AccessDenied => "access denied",
            FetchErrorKind::Throttled => "throttled after retries",
            FetchErrorKind::Timeout => "timed out after retries",
            FetchErrorKind::Truncated => "body cut short after retries",
            FetchErrorKind::TooLarge => "over size limit",
            FetchErrorKind::Other => "could not be read",
        };
        if self.message.is_empty() {
            what.to_owned()
        } else {
            format!("{what} ({})", self.message)
        }
    }
}

impl From<LimitExceeded> for FetchError {
    fn from(e: LimitExceeded) -> Self {
        FetchError::new(FetchErrorKind::TooLarge, e.to_string())
    }
}

/// How a run ended, for every command. The CLI maps it to the exit code (0, 1, 3, 2); the
/// JSON documents carry its word (`clean`, `findings`, `incomplete`, `not_run`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Everything asked was checked and nothing was found.
    Clean,
    /// Ran to the end, but some files or calls ended in ERROR or some inputs were skipped;
    /// nothing was found in what could be checked.
    Incomplete,
    /// The run could not start or could not run (usage, credentials, bad input).
    NotRun,
    /// Tampering, a control FAIL, a detection hit.
    Findings,
}

impl Outcome {
    /// The word used in the JSON documents.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            Self::Clean => "clean",
            Self::Findings => "findings",
            Self::Incomplete => "incomplete",
            Self::NotRun => "not_run",
        }
    }

    /// The worse of two outcomes: findings, then not run, then incomplete, then clean (for
    /// runs that make several checks, e.g. `report`).
    #[must_use]
    pub fn worst(self, other: Self) -> Self {
        self.max(other)
    }
}

/// Tool identity.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tool {
    /// `trailproof`.
    pub name: &'static str,
    /// Crate version.
    pub version: &'static str,
}

impl Default for Tool {
    fn default() -> Self {
        Self {
            name: "trailproof",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// Why a file handed over by name could not be read (local files; a log of a trail that
/// cannot be read is not handed over at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// No such file or folder.
    NotFound,
    /// Larger than the limit for one file.
    TooLarge,
    /// Any other read error (permissions, I/O).
    Failed(String),
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound => f.write_str("not found"),
            Self::TooLarge => f.write_str("larger than the limit for one file"),
            Self::Failed(why) => f.write_str(why),
        }
    }
}
