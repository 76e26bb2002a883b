//! One source type for a run, whichever it reads: so the orchestration is written once,
//! not once per source ("which source" is decided when the request is planned).

use super::keys::AnyKeys;
use super::local::LocalSource;
use super::memory::{MemoryKeys, MemorySource};
use super::record::{Recorder, RecordingKeys};
use super::s3::S3Source;
use super::{KeyProvider, ObjectSource, ObjectVersion};
use crate::chain::keys::PublicKeyRecord;
use crate::time::UtcTime;
use crate::vocab::{FetchError, FetchedObject, Location};

/// The source of a run.
#[derive(Debug)]
pub enum AnySource {
    /// A local evidence bundle (offline).
    Bundle(LocalSource),
    /// Amazon S3.
    S3(S3Source),
    /// S3, recording every answer into an evidence bundle (`fetch`).
    Recording(Recorder<S3Source>),
    /// Objects held in memory (tests, and library callers that already have the bytes).
    Memory(MemorySource),
}

impl AnySource {
    /// `s3` or `bundle:<dir>`, for the report's inputs.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Bundle(b) => format!("bundle:{}", b.root().display()),
            Self::S3(_) | Self::Recording(_) => "s3".to_owned(),
            Self::Memory(_) => "memory".to_owned(),
        }
    }
}

impl ObjectSource for AnySource {
    async fn list(
        &self,
        bucket: &str,
        prefix: &str,
        start_after: &str,
        stop: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Vec<String>, FetchError> {
        match self {
            Self::Bundle(s) => s.list(bucket, prefix, start_after, stop).await,
            Self::S3(s) => s.list(bucket, prefix, start_after, stop).await,
            Self::Recording(s) => s.list(bucket, prefix, start_after, stop).await,
            Self::Memory(s) => s.list(bucket, prefix, start_after, stop).await,
        }
    }

    async fn list_dirs(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, FetchError> {
        match self {
            Self::Bundle(s) => s.list_dirs(bucket, prefix).await,
            Self::S3(s) => s.list_dirs(bucket, prefix).await,
            Self::Recording(s) => s.list_dirs(bucket, prefix).await,
            Self::Memory(s) => s.list_dirs(bucket, prefix).await,
        }
    }

    async fn versions(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> Result<Option<Vec<ObjectVersion>>, FetchError> {
        match self {
            Self::Bundle(s) => s.versions(bucket, prefix).await,
            Self::S3(s) => s.versions(bucket, prefix).await,
            Self::Recording(s) => s.versions(bucket, prefix).await,
            Self::Memory(s) => s.versions(bucket, prefix).await,
        }
    }

    async fn get_version(
        &self,
        location: &Location,
        version_id: &str,
        max_bytes: u64,
    ) -> Result<FetchedObject, FetchError> {
        match self {
            Self::Bundle(s) => s.get_version(location, version_id, max_bytes).await,
            Self::S3(s) => s.get_version(location, version_id, max_bytes).await,
            Self::Recording(s) => s.get_version(location, version_id, max_bytes).await,
            Self::Memory(s) => s.get_version(location, version_id, max_bytes).await,
        }
    }

    async fn get(&self, location: &Location, max_bytes: u64) -> Result<FetchedObject, FetchError> {
        match self {
            Self::Bundle(s) => s.get(location, max_bytes).await,
            Self::S3(s) => s.get(location, max_bytes).await,
            Self::Recording(s) => s.get(location, max_bytes).await,
            Self::Memory(s) => s.get(location, max_bytes).await,
        }
    }
}

/// The public keys of a run, recorded into the bundle when the run fetches one.
#[derive(Debug)]
pub enum RunKeys {
    /// A key file or the `CloudTrail` API.
    Plain(AnyKeys),
    /// As [`RunKeys::Plain`], keeping every answer for the bundle (`fetch`).
    Recording(RecordingKeys<AnyKeys>),
    /// Keys held in memory.
    Memory(MemoryKeys),
}

impl KeyProvider for RunKeys {
    async fn public_keys(
        &self,
        region: &str,
        from: UtcTime,
        to: UtcTime,
    ) -> Result<Vec<PublicKeyRecord>, FetchError> {
        match self {
            Self::Plain(k) => k.public_keys(region, from, to).await,
            Self::Recording(k) => k.public_keys(region, from, to).await,
            Self::Memory(k) => k.public_keys(region, from, to).await,
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Plain(k) => k.describe(),
            Self::Recording(k) => k.describe(),
            Self::Memory(k) => k.describe(),
        }
    }
}
