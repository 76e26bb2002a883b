//! A local folder that mirrors buckets: `<root>/<bucket>/<key>`, with each object's S3 user
//! metadata in a sidecar `<key>.meta.json` (a JSON object of lower-case names without the
//! `x-amz-meta-` prefix). Plain downloads lose the signature metadata; the sidecar keeps it.
//!
//! Keys map to paths one to one ([`key_path`], [`path_key`]): an ordinary key is its own
//! path, and a key segment a file system would normalise away or read as something else is
//! encoded, never normalised, so two objects never share a file and listing a mirror gives
//! back exactly the keys it holds. This module reads files only below its root.

use std::borrow::Cow;
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

/// Suffix of the temporary files of an interrupted write (followed by a process id).
pub const PARTIAL_MARK: &str = ".partial-";

/// The file name of one key segment (the text between two `/`); see [`key_path`].
fn encode_segment(segment: &str) -> Cow<'_, str> {
    match segment {
        "" => return Cow::Borrowed("%"),
        "." => return Cow::Borrowed("%2E"),
        ".." => return Cow::Borrowed("%2E%2E"),
        _ => {}
    }
    let sidecar = [META_SUFFIX, ERROR_SUFFIX]
        .iter()
        .find(|suffix| segment.ends_with(**suffix));
    if sidecar.is_none() && !segment.contains(['%', '\0']) && !segment.contains(PARTIAL_MARK) {
        return Cow::Borrowed(segment);
    }
    // Byte offsets of the dots to escape (each suffix and mark starts with its dot).
    let mut dots: Vec<usize> = segment
        .match_indices(PARTIAL_MARK)
        .map(|(i, _)| i)
        .collect();
    dots.extend(sidecar.map(|suffix| segment.len() - suffix.len()));
    let mut out = String::with_capacity(segment.len() + 8);
    for (i, c) in segment.char_indices() {
        match c {
            '%' => out.push_str("%25"),
            '\0' => out.push_str("%00"),
            '.' if dots.contains(&i) => out.push_str("%2E"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The segment a file name stands for, when the name is exactly what `encode_segment`
/// makes of it (any other name was not written for a key).
fn decode_segment(name: &str) -> Option<Cow<'_, str>> {
    if name == "%" {
        return Some(Cow::Borrowed(""));
    }
    if !name.contains('%') {
        return (encode_segment(name) == name).then_some(Cow::Borrowed(name));
    }
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = name.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let segment = String::from_utf8(out).ok()?;
    (encode_segment(&segment) == name).then_some(Cow::Owned(segment))
}

/// The path of a key below its bucket folder, one component per key segment (the text
/// between two `/`). A segment is encoded when, as a file name, it would be normalised, be no
/// name, or be read as a sidecar or a temporary file: `%` becomes `%25` and NUL `%00`
/// everywhere; an empty segment (from `//`, a leading or a trailing `/`) becomes `%`; `.` and
/// `..` become `%2E` and `%2E%2E`; the dot of a final `.meta.json` or `.error.json` and of
/// every `.partial-` becomes `%2E`. Anything else is kept, so the keys `CloudTrail` writes are
/// their own paths. Injective, and every component is a plain file name: the path never
/// leaves the bucket folder.
#[must_use]
pub fn key_path(key: &str) -> PathBuf {
    key.split('/')
        .map(encode_segment)
        .map(Cow::into_owned)
        .collect()
}

/// The key a path below a bucket folder stands for, when it is exactly [`key_path`] of a key
/// (`None` for a sidecar, a temporary file, or any name not written for a key).
#[must_use]
pub fn path_key(path: &Path) -> Option<String> {
    let segments: Option<Vec<String>> = path
        .components()
        .map(|c| match c {
            Component::Normal(name) => decode_segment(name.to_str()?).map(Cow::into_owned),
            _ => None,
        })
        .collect();
    segments.filter(|s| !s.is_empty()).map(|s| s.join("/"))
}

/// The folder of the keys under a prefix that ends with `/` (or is empty: the bucket
/// folder), below its bucket folder.
fn folder_path(prefix: &str) -> PathBuf {
    prefix.strip_suffix('/').map(key_path).unwrap_or_default()
}

/// A bucket mirror on disk.
///
/// Nothing outside `root` is ever listed or read: a bucket name that is not a plain folder
/// name (empty, `..`, with a `/`, or starting with `.`, like the bundle's own `.trailproof`)
/// maps to no file, every key maps to a path inside its bucket folder (see [`key_path`]: a
/// key `../x` is the file `%2E%2E/x`, which a mirror holds only if S3 held that key), and a
/// file or folder that resolves outside the root through a symbolic link is an `ERROR`
/// (`could not be read`), never followed.
#[derive(Debug, Clone)]
pub struct LocalSource {
    root: PathBuf,
    real_root: std::sync::OnceLock<Option<PathBuf>>,
}

/// Whether a bucket name is one plain folder name of the mirror (S3 bucket names are
/// lower-case letters, digits, dots and hyphens, and never start with a dot).
fn plain_bucket(bucket: &str) -> bool {
    !bucket.is_empty() && !bucket.starts_with('.') && !bucket.contains(['/', '\\', '\0'])
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

    /// The file of a bucket/key ([`key_path`] below the bucket folder).
    ///
    /// # Errors
    /// `NotFound` when the bucket name is not a plain folder name of the mirror.
    pub fn path(&self, bucket: &str, key: &str) -> Result<PathBuf, FetchError> {
        if !plain_bucket(bucket) {
            return Err(FetchError::new(
                FetchErrorKind::NotFound,
                format!("bucket cannot be mapped to a folder: {bucket}"),
            ));
        }
        Ok(self.root.join(bucket).join(key_path(key)))
    }

    /// The folder holding the keys under `prefix` (which ends with `/`, or is empty);
    /// `None` when the bucket name is not a plain folder name of the mirror.
    #[must_use]
    pub fn folder(&self, bucket: &str, prefix: &str) -> Option<PathBuf> {
        plain_bucket(bucket).then(|| self.root.join(bucket).join(folder_path(prefix)))
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

/// The keys of every object below `dir`, a folder of the bucket folder `base`. Sidecars and
/// the temporary files of an interrupted fetch are not objects; an error sidecar stands for
/// an object the fetch listed but could not read; a file whose path is not the encoding of a
/// key (see [`key_path`]) was not written for an object.
fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&path, base, out)?;
            continue;
        }
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let object = if let Some(object) = name.strip_suffix(ERROR_SUFFIX) {
            let object = path.with_file_name(object);
            if object.is_file() {
                continue;
            }
            object
        } else if name.ends_with(META_SUFFIX) || name.contains(PARTIAL_MARK) {
            continue;
        } else {
            path
        };
        if let Some(key) = object.strip_prefix(base).ok().and_then(path_key) {
            out.push(key);
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
        let dir_part = prefix.rfind('/').map_or("", |i| &prefix[..=i]);
        // A bucket that is no folder of the mirror holds no mirrored object.
        let (Some(base), Some(start_dir)) =
            (self.folder(bucket, ""), self.folder(bucket, dir_part))
        else {
            return Ok(Vec::new());
        };
        // An empty bucket leaves no folder in a mirror: list it as empty.
        let mut keys = Vec::new();
        walk(&start_dir, &base, &mut keys).map_err(|e| io_error(&e, &start_dir))?;
        keys.retain(|k| k.starts_with(prefix) && k.as_str() > start_after);
        keys.sort();
        Ok(keys)
    }

    async fn list_dirs(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, FetchError> {
        // As S3 with delimiter `/`: the segment after `prefix` of every key below it.
        let (dir_part, partial) = prefix
            .rfind('/')
            .map_or(("", prefix), |i| (&prefix[..=i], &prefix[i + 1..]));
        let Some(dir) = self.folder(bucket, dir_part) else {
            return Ok(Vec::new());
        };
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            // No folder: nothing there, as S3 answers for a prefix without keys.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&e, &dir)),
        };
        let mut out: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|e| {
                let segment = decode_segment(e.file_name().to_str()?)?.into_owned();
                segment.strip_prefix(partial).map(ToOwned::to_owned)
            })
            .collect();
        out.sort();
        Ok(out)
    }

    async fn versions(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> Result<Option<Vec<ObjectVersion>>, FetchError> {
        if !plain_bucket(bucket) {
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
    let meta = file.metadata().map_err(|e| io_error(&e, path))?;
    // The folder of longer keys (`a` of `a/b`) is no object, as S3 answers for `a`.
    if meta.is_dir() {
        return Err(FetchError::new(
            FetchErrorKind::NotFound,
            format!("{}: a folder", path.display()),
        ));
    }
    let len = meta.len();
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
