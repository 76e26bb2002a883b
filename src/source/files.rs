//! Local log files given by path (`--logs PATH...`): folders walked recursively in sorted
//! order, files read whole within a size limit. An evidence bundle's own files
//! (`*.meta.json` / `*.error.json` sidecars and the `.trailproof/` index) are not logs and
//! are passed over silently.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::vocab::Unreadable;

/// The files under the given paths, in order, and the paths that could not be listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listed {
    /// Files to read, in order (each folder's entries sorted by name).
    pub files: Vec<PathBuf>,
    /// Paths that do not exist or could not be listed, with why.
    pub missing: Vec<(PathBuf, Unreadable)>,
}

/// Lists `paths`: a file is itself, a folder is every file below it (sorted, recursively).
/// Symbolic links to folders are not followed (no cycles).
#[must_use]
pub fn list(paths: &[PathBuf]) -> Listed {
    let mut out = Listed::default();
    for p in paths {
        collect(p, &mut out);
    }
    out
}

fn why(e: &std::io::Error) -> Unreadable {
    if e.kind() == std::io::ErrorKind::NotFound {
        Unreadable::NotFound
    } else {
        Unreadable::Failed(e.to_string())
    }
}

fn collect(p: &Path, out: &mut Listed) {
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => {
            let rd = match std::fs::read_dir(p) {
                Ok(rd) => rd,
                Err(e) => {
                    out.missing.push((p.to_path_buf(), why(&e)));
                    return;
                }
            };
            let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
            entries.sort_by_key(std::fs::DirEntry::file_name);
            for e in entries {
                let path = e.path();
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name == ".trailproof"
                    || name.ends_with(".meta.json")
                    || name.ends_with(".error.json")
                {
                    continue;
                }
                match e.file_type() {
                    Ok(t) if t.is_dir() => collect(&path, out),
                    Ok(t) if t.is_symlink() => {
                        if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                            out.files.push(path);
                        }
                    }
                    Ok(_) => out.files.push(path),
                    Err(e) => out.missing.push((path, why(&e))),
                }
            }
        }
        Ok(_) => out.files.push(p.to_path_buf()),
        Err(e) => out.missing.push((p.to_path_buf(), why(&e))),
    }
}

/// Lists rule files: a file named is itself (whatever its name); a folder is every
/// `*.yml` / `*.yaml` file below it (sorted, recursively).
#[must_use]
pub fn list_rules(paths: &[PathBuf]) -> Listed {
    let mut out = Listed::default();
    for p in paths {
        if std::fs::metadata(p).is_ok_and(|m| m.is_dir()) {
            let mut below = Listed::default();
            collect(p, &mut below);
            out.files.extend(below.files.into_iter().filter(|f| {
                f.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml")
                })
            }));
            out.missing.extend(below.missing);
        } else {
            collect(p, &mut out);
        }
    }
    out
}

/// Reads a file whole, refusing more than `cap` bytes.
///
/// # Errors
/// [`Unreadable`] when it cannot be read or is larger than `cap`.
pub fn read_capped(p: &Path, cap: u64) -> Result<Vec<u8>, Unreadable> {
    let f = std::fs::File::open(p).map_err(|e| why(&e))?;
    let mut body = Vec::new();
    f.take(cap.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|e| why(&e))?;
    if body.len() as u64 > cap {
        return Err(Unreadable::TooLarge);
    }
    Ok(body)
}
