//! Everything that touches S3, the AWS APIs or the disk.
//!
//! Sources sit behind two small traits: [`ObjectSource`] (list keys, get an object with its
//! metadata) and [`KeyProvider`] (public keys for a region and window). Their errors keep
//! "not found" apart from "denied" and "broken", because only a missing object is evidence;
//! an object that could not be read is reported as `ERROR`, never as `INVALID`.

use std::future::Future;

use crate::chain::digest::{FetchedObject, Location};
use crate::chain::keys::PublicKeyRecord;
use crate::time::UtcTime;

pub mod keys;
pub mod local;
pub mod record;
pub mod s3;
pub mod trail;

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

/// One entry of a versioned listing (S3 `ListObjectVersions`), newest first per key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ObjectVersion {
    /// Object key.
    pub key: String,
    /// Version id.
    pub version_id: String,
    /// Whether this is the current version.
    pub is_latest: bool,
    /// Whether this entry is a delete marker.
    pub delete_marker: bool,
}

/// Lists and reads objects: S3, a local mirror, or memory.
pub trait ObjectSource: Send + Sync {
    /// Keys under `prefix` strictly after `start_after`, in key order. Paging stops after the
    /// page on which `stop(key)` first holds.
    ///
    /// # Errors
    /// [`FetchError`] when the listing cannot be made.
    fn list(
        &self,
        bucket: &str,
        prefix: &str,
        start_after: &str,
        stop: &(dyn Fn(&str) -> bool + Sync),
    ) -> impl Future<Output = Result<Vec<String>, FetchError>> + Send;

    /// The "folder" names directly below `prefix` (which ends with `/`), like a listing with
    /// delimiter `/`: e.g. the source regions under `.../CloudTrail-Digest/`.
    ///
    /// # Errors
    /// [`FetchError`] when the listing cannot be made.
    fn list_dirs(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<String>, FetchError>> + Send;

    /// Every version and delete marker under `prefix`, newest first per key; `None` when the
    /// bucket is not versioned (or the source keeps no versions).
    ///
    /// # Errors
    /// [`FetchError`] when the versions cannot be listed.
    fn versions(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> impl Future<Output = Result<Option<Vec<ObjectVersion>>, FetchError>> + Send;

    /// One version of an object.
    ///
    /// # Errors
    /// [`FetchError`]; `NotFound` for an unknown version.
    fn get_version(
        &self,
        location: &Location,
        version_id: &str,
        max_bytes: u64,
    ) -> impl Future<Output = Result<FetchedObject, FetchError>> + Send;

    /// The object's bytes and user metadata; at most `max_bytes` are read.
    ///
    /// # Errors
    /// [`FetchError`]; `NotFound` only for a missing key.
    fn get(
        &self,
        location: &Location,
        max_bytes: u64,
    ) -> impl Future<Output = Result<FetchedObject, FetchError>> + Send;
}

/// Public keys for a region and window.
pub trait KeyProvider: Send + Sync {
    /// The keys valid in `[from, to]` for `region`.
    ///
    /// # Errors
    /// [`FetchError`] when the keys cannot be obtained.
    fn public_keys(
        &self,
        region: &str,
        from: UtcTime,
        to: UtcTime,
    ) -> impl Future<Output = Result<Vec<PublicKeyRecord>, FetchError>> + Send;

    /// Where keys come from, for the report.
    fn describe(&self) -> String;
}
