//! Evidence bundles: a source wrapper that records every answer a verification depends on.
//!
//! [`Recorder`] sits between the verification and S3. Each object read is also written to a
//! bucket mirror (`<root>/<bucket>/<key>` plus a `.meta.json` sidecar for its user metadata;
//! keys a file system would normalise are encoded, see [`super::local::key_path`]),
//! and every key a listing returns inside the window is downloaded too, so the mirror lists
//! exactly as the bucket did (forged log files included). Files are written to a temporary
//! name and renamed, so a present file is complete: an interrupted fetch resumes by reading
//! what is already there and fetching the rest. [`RecordingKeys`] keeps the public keys.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::StreamExt as _;

use super::local::{LocalSource, META_SUFFIX, error_sidecar};
use super::{KeyProvider, ObjectSource, ObjectVersion};
use crate::chain::keys::PublicKeyRecord;
use crate::time::UtcTime;
use crate::vocab::{FetchError, FetchErrorKind};
use crate::vocab::{FetchedObject, Location};

/// Writes `bytes` to `path` atomically (temporary file in the same folder, then rename).
///
/// # Errors
/// The I/O error.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".partial-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Writes an object and its metadata sidecar, the object last: its presence means the
/// sidecar is there too.
fn write_object(path: &Path, obj: &FetchedObject) -> Result<(), FetchError> {
    let io = |e: std::io::Error| {
        FetchError::new(
            FetchErrorKind::Other,
            format!("cannot write {}: {e}", path.display()),
        )
    };
    if !obj.metadata.is_empty() {
        let mut meta = path.as_os_str().to_owned();
        meta.push(META_SUFFIX);
        let json =
            serde_json::to_vec_pretty(&obj.metadata).map_err(|e| io(std::io::Error::other(e)))?;
        write_atomic(Path::new(&meta), &json).map_err(io)?;
    }
    write_atomic(path, &obj.body).map_err(io)
}

/// A source that mirrors what it reads into a bundle folder.
#[derive(Debug)]
pub struct Recorder<S> {
    inner: S,
    local: LocalSource,
    saved: Mutex<HashSet<Location>>,
    fetched: AtomicU64,
    reused: AtomicU64,
    failed: AtomicU64,
    concurrency: usize,
    max_bytes: u64,
}

/// What a recording run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordStats {
    /// Objects downloaded in this run.
    pub fetched: u64,
    /// Objects already in the bundle (resumed).
    pub reused: u64,
    /// Objects that could not be read or recorded (the bundle is incomplete).
    pub failed: u64,
}

impl<S: ObjectSource> Recorder<S> {
    /// Records into `root`.
    #[must_use]
    pub fn new(inner: S, root: &Path, concurrency: usize, max_bytes: u64) -> Self {
        Self {
            inner,
            local: LocalSource::new(root),
            saved: Mutex::new(HashSet::new()),
            fetched: AtomicU64::new(0),
            reused: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            concurrency: concurrency.max(1),
            max_bytes,
        }
    }

    /// Counters so far.
    #[must_use]
    pub fn stats(&self) -> RecordStats {
        RecordStats {
            fetched: self.fetched.load(Ordering::Relaxed),
            reused: self.reused.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
        }
    }

    /// The mirror file of an object; keys that would escape the bundle are refused.
    fn path(&self, location: &Location) -> Result<PathBuf, FetchError> {
        self.local.path(&location.bucket, &location.key)
    }

    fn save(&self, location: &Location, obj: &FetchedObject) -> Result<(), FetchError> {
        let path = self.path(location)?;
        write_object(&path, obj)?;
        let _ = std::fs::remove_file(error_sidecar(&path));
        Ok(())
    }

    /// Records why an object could not be read, for offline verification to say the same.
    fn save_error(&self, location: &Location, error: &FetchError) {
        if let Ok(path) = self.path(location)
            && let Ok(json) = serde_json::to_vec_pretty(error)
        {
            let _ = write_atomic(&error_sidecar(&path), &json);
        }
    }

    fn mark(&self, location: &Location) -> bool {
        match self.saved.lock() {
            Ok(mut s) => s.insert(location.clone()),
            Err(poisoned) => poisoned.into_inner().insert(location.clone()),
        }
    }

    /// Reads from the bundle when complete there, else from the inner source (and saves).
    async fn get_recorded(
        &self,
        location: &Location,
        max_bytes: u64,
    ) -> Result<FetchedObject, FetchError> {
        if self.path(location).is_ok_and(|p| p.is_file())
            && let Ok(obj) = self.local.get(location, max_bytes).await
        {
            if self.mark(location) {
                self.reused.fetch_add(1, Ordering::Relaxed);
            }
            return Ok(obj);
        }
        match self.inner.get(location, max_bytes).await {
            Ok(obj) => {
                // An object the bundle cannot hold (a key that is also the folder of longer
                // keys, a full disk) leaves the bundle incomplete, loudly; the run still
                // judges what S3 served.
                let saved = self.save(location, &obj);
                if let Err(e) = &saved {
                    tracing::warn!(uri = %location.uri(), error = %e, "object not recorded");
                }
                if self.mark(location) {
                    let counter = if saved.is_ok() {
                        &self.fetched
                    } else {
                        &self.failed
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                Ok(obj)
            }
            Err(e) => {
                if !e.is_not_found() {
                    self.failed.fetch_add(1, Ordering::Relaxed);
                    self.save_error(location, &e);
                }
                Err(e)
            }
        }
    }
}

impl<S: ObjectSource> ObjectSource for Recorder<S> {
    async fn list(
        &self,
        bucket: &str,
        prefix: &str,
        start_after: &str,
        stop: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Vec<String>, FetchError> {
        let keys = self.inner.list(bucket, prefix, start_after, stop).await?;
        // Mirror every listed key up to the one that ends the listing, so that the bundle
        // lists the same way offline.
        let upto = keys
            .iter()
            .position(|k| stop(k))
            .map_or(keys.len(), |i| i + 1);
        let wanted: Vec<Location> = keys[..upto]
            .iter()
            .map(|k| Location::new(bucket, k))
            .filter(|l| self.path(l).is_ok_and(|p| !p.is_file()))
            .collect();
        let max = self.max_bytes;
        futures::stream::iter(wanted)
            .map(|l| async move {
                let _ = self.get_recorded(&l, max).await;
            })
            .buffer_unordered(self.concurrency)
            .collect::<Vec<()>>()
            .await;
        Ok(keys)
    }

    async fn list_dirs(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, FetchError> {
        let dirs = self.inner.list_dirs(bucket, prefix).await?;
        for d in &dirs {
            // The folder of the common prefix `prefix` + `d` + `/`, so that it lists offline.
            let Some(path) = self.local.folder(bucket, &format!("{prefix}{d}/")) else {
                continue;
            };
            std::fs::create_dir_all(&path).map_err(|e| {
                FetchError::new(
                    FetchErrorKind::Other,
                    format!("cannot create {}: {e}", path.display()),
                )
            })?;
        }
        Ok(dirs)
    }

    async fn versions(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> Result<Option<Vec<ObjectVersion>>, FetchError> {
        let found = match self.inner.versions(bucket, prefix).await {
            Ok(Some(found)) => found,
            Ok(None) => return Ok(None),
            Err(e) => {
                // Offline, the same folder must answer with the same error.
                let path = self.local.versions_error(bucket, prefix);
                if let Ok(json) = serde_json::to_vec_pretty(&e) {
                    let _ = write_atomic(&path, &json);
                }
                return Err(e);
            }
        };
        // Merge into the bundle's versioned listing of the bucket.
        let path = self.local.versions_index(bucket);
        let mut all: Vec<ObjectVersion> = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        all.retain(|v| !v.key.starts_with(prefix));
        all.extend(found.iter().cloned());
        all.sort_by(|a, b| a.key.cmp(&b.key));
        let json = serde_json::to_vec_pretty(&all)
            .map_err(|e| FetchError::new(FetchErrorKind::Other, e.to_string()))?;
        write_atomic(&path, &json).map_err(|e| {
            FetchError::new(
                FetchErrorKind::Other,
                format!("cannot write {}: {e}", path.display()),
            )
        })?;
        Ok(Some(found))
    }

    async fn get_version(
        &self,
        location: &Location,
        version_id: &str,
        max_bytes: u64,
    ) -> Result<FetchedObject, FetchError> {
        if let Ok(obj) = self
            .local
            .get_version(location, version_id, max_bytes)
            .await
        {
            return Ok(obj);
        }
        let obj = self
            .inner
            .get_version(location, version_id, max_bytes)
            .await?;
        write_object(&self.local.version_path(location, version_id)?, &obj)?;
        Ok(obj)
    }

    async fn get(&self, location: &Location, max_bytes: u64) -> Result<FetchedObject, FetchError> {
        self.get_recorded(location, max_bytes).await
    }
}

/// A key provider that keeps every record it hands out, per region.
#[derive(Debug)]
pub struct RecordingKeys<K> {
    inner: K,
    seen: Mutex<BTreeMap<String, BTreeMap<String, PublicKeyRecord>>>,
}

impl<K> RecordingKeys<K> {
    /// Wraps a provider.
    #[must_use]
    pub fn new(inner: K) -> Self {
        Self {
            inner,
            seen: Mutex::new(BTreeMap::new()),
        }
    }

    /// Everything handed out, as `{region: list-public-keys output}`.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        let seen = match self.seen.lock() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let map: serde_json::Map<String, serde_json::Value> = seen
            .into_iter()
            .map(|(region, recs)| {
                let recs: Vec<PublicKeyRecord> = recs.into_values().collect();
                (region, super::keys::to_cli_json(&recs))
            })
            .collect();
        serde_json::Value::Object(map)
    }
}

impl<K: KeyProvider> KeyProvider for RecordingKeys<K> {
    async fn public_keys(
        &self,
        region: &str,
        from: UtcTime,
        to: UtcTime,
    ) -> Result<Vec<PublicKeyRecord>, FetchError> {
        let records = self.inner.public_keys(region, from, to).await?;
        let mut seen = match self.seen.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        let entry = seen.entry(region.to_owned()).or_default();
        for r in &records {
            entry.insert(r.fingerprint.clone(), r.clone());
        }
        Ok(records)
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// One file of a bundle manifest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ManifestEntry {
    /// Path relative to the bundle root, `/`-separated.
    pub path: String,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// Hashes every file under `root` except the manifest itself, sorted by path.
///
/// # Errors
/// The I/O error of a file that cannot be read.
pub fn manifest_entries(root: &Path, skip: &Path) -> std::io::Result<Vec<ManifestEntry>> {
    fn walk(
        dir: &Path,
        root: &Path,
        skip: &Path,
        out: &mut Vec<ManifestEntry>,
    ) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            if path == skip {
                continue;
            }
            if entry.file_type()?.is_dir() {
                walk(&path, root, skip, out)?;
            } else if let Ok(rel) = path.strip_prefix(root) {
                let bytes = std::fs::read(&path)?;
                out.push(ManifestEntry {
                    path: rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/"),
                    sha256: crate::hash::sha256_hex(&bytes),
                    bytes: bytes.len() as u64,
                });
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, root, skip, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}
