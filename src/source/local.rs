//! A local folder that mirrors buckets: `<root>/<bucket>/<key>`, with each object's S3 user
//! metadata in a sidecar `<key>.meta.json` (a JSON object of lower-case names without the
//! `x-amz-meta-` prefix). Plain downloads lose the signature metadata; the sidecar keeps it.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

use super::{ObjectSource, ObjectVersion};
use crate::vocab::{FetchError, FetchErrorKind};
use crate::vocab::{FetchedObject, Location};

/// Suffix of metadata sidecar files.
pub const META_SUFFIX: &str = ".meta.json";

/// Suffix of the sidecar a fetch leaves for an object it could not read, so that offline
/// verification reports the same `ERROR` instead of a missing object.
pub const ERROR_SUFFIX: &str = ".error.json";

/// A bucket mirror on disk.
///
/// Nothing outside `root` is ever listed or read: bucket names, prefixes and keys with `..`,
/// a root or a drive prefix map to no file (S3 holds no such object in the mirror), and a
/// file or folder that resolves outside the root through a symbolic link is an `ERROR`
/// (`could not be read`), never followed.
#[derive(Debug, Clone)]
pub struct LocalSource {
    root: PathBuf,
    real_root: std::sync::OnceLock<Option<PathBuf>>,
}

/// Whether every component of `rel` is a plain name (no `..`, `.`-only, root or prefix).
fn plain(rel: &str) -> bool {
    Path::new(rel)
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
}

impl LocalSource {
    /// A source reading below `root`.
    #[must_use]
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            real_root: std::sync::OnceLock::new(),
        }
    }

    /// The bundle folder.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Refuses a file that resolves (through symbolic links) outside the root. A missing
    /// file is `NotFound`, as when it is read.
    fn confine(&self, path: &Path) -> Result<(), FetchError> {
        let real = std::fs::canonicalize(path).map_err(|e| io_error(&e, path))?;
        let root = self
            .real_root
            .get_or_init(|| std::fs::canonicalize(&self.root).ok());
        match root {
            Some(root) if real.starts_with(root) => Ok(()),
            _ => Err(FetchError::new(
                FetchErrorKind::Other,
                format!("{}: resolves outside the bundle", path.display()),
            )),
        }
    }

    /// Reads a mirrored object and its metadata sidecar, both confined to the root.
    fn read_confined(&self, path: &Path, max_bytes: u64) -> Result<FetchedObject, FetchError> {
        self.confine(path)?;
        let meta = meta_sidecar(path);
        match self.confine(&meta) {
            Err(e) if !e.is_not_found() => return Err(e),
            _ => {}
        }
        read_object(path, max_bytes)
    }

    /// The recorded versioned listing of a bucket (`.trailproof/versions/<bucket>.json`).
    #[must_use]
    pub fn versions_index(&self, bucket: &str) -> PathBuf {
        self.root
            .join(".trailproof")
            .join("versions")
            .join(format!("{bucket}.json"))
    }

    /// Where a fetch records that the versions under `prefix` could not be listed.
    #[must_use]
    pub fn versions_error(&self, bucket: &str, prefix: &str) -> PathBuf {
        let name = format!("{}.error.json", crate::hash::sha256_hex(prefix.as_bytes()));
        self.root
            .join(".trailproof")
            .join("versions")
            .join(bucket)
            .join(name)
    }

    /// Where an earlier version of an object is kept:
    /// `.trailproof/versions/<bucket>/<key>@<version-id>`.
    ///
    /// # Errors
    /// `NotFound` when the key or version id cannot be mapped to a file.
    pub fn version_path(
        &self,
        location: &Location,
        version_id: &str,
    ) -> Result<PathBuf, FetchError> {
        if version_id.contains(['/', '\\']) || version_id.starts_with('.') {
            return Err(FetchError::new(
                FetchErrorKind::NotFound,
                format!("bad version id {version_id}"),
            ));
        }
        let base = self.path(&location.bucket, &location.key)?;
        let rel = base.strip_prefix(&self.root).map_err(|_| {
            FetchError::new(
                FetchErrorKind::NotFound,
                format!("bad key {}", location.key),
            )
        })?;
        let mut file = self
            .root
            .join(".trailproof")
            .join("versions")
            .join(rel)
            .into_os_string();
        file.push(format!("@{version_id}"));
        Ok(PathBuf::from(file))
    }

    /// The file for a bucket/key, refusing keys that would escape the root.
    ///
    /// # Errors
    /// `NotFound` when the key cannot be mapped to a file below the root.
    pub fn path(&self, bucket: &str, key: &str) -> Result<PathBuf, FetchError> {
        let rel = Path::new(bucket).join(key);
        if bucket.is_empty() || !plain(bucket) || !plain(key) {
            return Err(FetchError::new(
                FetchErrorKind::NotFound,
                format!("key cannot be mapped to a file: {key}"),
            ));
        }
        Ok(self.root.join(rel))
    }
}

fn io_error(e: &std::io::Error, path: &Path) -> FetchError {
    let kind = match e.kind() {
        std::io::ErrorKind::NotFound => FetchErrorKind::NotFound,
        std::io::ErrorKind::PermissionDenied => FetchErrorKind::AccessDenied,
        _ => FetchErrorKind::Other,
    };
    FetchError::new(kind, format!("{}: {e}", path.display()))
}

fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&path, base, out)?;
        } else if let Ok(rel) = path.strip_prefix(base) {
            let key = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            // Sidecars and the temporary files of an interrupted fetch are not objects; an
            // error sidecar stands for an object the fetch listed but could not read.
            if let Some(object) = key.strip_suffix(ERROR_SUFFIX) {
                if !base.join(object).is_file() {
                    out.push(object.to_owned());
                }
            } else if !key.ends_with(META_SUFFIX) && !key.contains(".partial-") {
                out.push(key);
            }
        }
    }
    Ok(())
}

impl ObjectSource for LocalSource {
    async fn list(
        &self,
        bucket: &str,
        prefix: &str,
        start_after: &str,
        _stop: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Vec<String>, FetchError> {
        // Walk only the deepest folder named by the prefix.
        let dir_part = prefix.rsplit_once('/').map_or("", |(d, _)| d);
        // A bucket or prefix that would climb out of the mirror names no mirrored object.
        if bucket.is_empty() || !plain(bucket) || !plain(dir_part) {
            return Ok(Vec::new());
        }
        // An empty bucket leaves no folder in a mirror: list it as empty.
        let base = self.root.join(bucket);
        let start_dir = base.join(dir_part);
        let mut keys = Vec::new();
        walk(&start_dir, &base, &mut keys).map_err(|e| io_error(&e, &start_dir))?;
        keys.retain(|k| k.starts_with(prefix) && k.as_str() > start_after);
        keys.sort();
        Ok(keys)
    }

    async fn list_dirs(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, FetchError> {
        if bucket.is_empty() || !plain(bucket) || !plain(prefix.trim_end_matches('/')) {
            return Ok(Vec::new());
        }
        let dir = self.root.join(bucket).join(prefix.trim_end_matches('/'));
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            // No folder: nothing there, as S3 answers for a prefix without keys.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&e, &dir)),
        };
        let mut out: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        out.sort();
        Ok(out)
    }

    async fn versions(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> Result<Option<Vec<ObjectVersion>>, FetchError> {
        if bucket.is_empty() || !plain(bucket) {
            return Ok(None);
        }
        if let Some(e) = std::fs::read(self.versions_error(bucket, prefix))
            .ok()
            .and_then(|b| serde_json::from_slice::<FetchError>(&b).ok())
        {
            return Err(e);
        }
        let path = self.versions_index(bucket);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let all: Vec<ObjectVersion> = serde_json::from_slice(&bytes).map_err(|e| {
                    FetchError::new(FetchErrorKind::Other, format!("{}: {e}", path.display()))
                })?;
                Ok(Some(
                    all.into_iter()
                        .filter(|v| v.key.starts_with(prefix))
                        .collect(),
                ))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(&e, &path)),
        }
    }

    async fn get_version(
        &self,
        location: &Location,
        version_id: &str,
        max_bytes: u64,
    ) -> Result<FetchedObject, FetchError> {
        let path = self.version_path(location, version_id)?;
        self.read_confined(&path, max_bytes)
    }

    async fn get(&self, location: &Location, max_bytes: u64) -> Result<FetchedObject, FetchError> {
        let path = self.path(&location.bucket, &location.key)?;
        // Page-cache reads of small objects: cheaper inline than a thread hop.
        match self.read_confined(&path, max_bytes) {
            Err(e) if e.is_not_found() => {
                let sidecar = error_sidecar(&path);
                match self.confine(&sidecar) {
                    Ok(()) => Err(recorded_error(&path).unwrap_or(e)),
                    Err(refused) if !refused.is_not_found() => Err(refused),
                    Err(_) => Err(e),
                }
            }
            other => other,
        }
    }
}

/// The error a fetch recorded for an object it could not read.
fn recorded_error(path: &Path) -> Option<FetchError> {
    serde_json::from_slice(&std::fs::read(error_sidecar(path)).ok()?).ok()
}

/// The error sidecar of a mirrored object: `<file>.error.json`.
pub(crate) fn error_sidecar(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(ERROR_SUFFIX);
    PathBuf::from(p)
}

/// The metadata sidecar of a mirrored object: `<file>.meta.json`.
fn meta_sidecar(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(META_SUFFIX);
    PathBuf::from(p)
}

/// Reads a mirrored object and its metadata sidecar (blocking).
fn read_object(path: &Path, max_bytes: u64) -> Result<FetchedObject, FetchError> {
    let file = std::fs::File::open(path).map_err(|e| io_error(&e, path))?;
    let len = file.metadata().map_err(|e| io_error(&e, path))?.len();
    if len > max_bytes {
        return Err(FetchError::new(
            FetchErrorKind::TooLarge,
            format!("{len} bytes, limit {max_bytes}"),
        ));
    }
    let mut body = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(max_bytes)
        .read_to_end(&mut body)
        .map_err(|e| io_error(&e, path))?;
    let meta_path = meta_sidecar(path);
    let metadata = match std::fs::read(&meta_path) {
        Ok(bytes) => serde_json::from_slice::<BTreeMap<String, String>>(&bytes).map_err(|e| {
            FetchError::new(
                FetchErrorKind::Other,
                format!("{}: bad metadata sidecar: {e}", meta_path.display()),
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
        Err(e) => return Err(io_error(&e, &meta_path)),
    };
    Ok(FetchedObject { body, metadata })
}
