//! Everything that touches S3, the AWS APIs or the disk.
//!
//! Sources sit behind two small traits: [`ObjectSource`] (list keys, get an object with its
//! metadata) and [`KeyProvider`] (public keys for a region and window). Their errors keep
//! "not found" apart from "denied" and "broken", because only a missing object is evidence;
//! an object that could not be read is reported as `ERROR`, never as `INVALID`. The requests
//! of a run share one [`pace::Pace`], which bounds how many are in flight and adapts that
//! bound to the throughput it measures.

use std::future::Future;

use crate::chain::keys::PublicKeyRecord;
use crate::time::UtcTime;
use crate::vocab::{FetchError, FetchedObject, Location};

pub mod any;
pub mod files;
pub mod keys;
pub mod local;
pub mod memory;
pub mod pace;
pub mod record;
pub mod s3;
pub mod sdk;
pub mod snapshot;
pub mod trail;

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
