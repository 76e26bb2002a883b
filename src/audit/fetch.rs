//! `fetch`: a verification from S3 through a recorder, which mirrors every object and
//! listing the verdicts depend on into an evidence bundle; then the keys, the trail's
//! answers and a manifest of SHA-256s beside them, so that `verify --bundle` repeats the
//! verdicts offline, with no AWS call.

use std::path::Path;
use std::sync::Arc;

use super::plan::{BUNDLE_META, Plan, PlanError, Reading, plan};
use super::request::VerifyRequest;
use super::run::{Observer, RunResult, run};
use super::stream::NoAnalysis;
use crate::source::any::{AnySource, RunKeys};
use crate::source::record::{ManifestEntry, RecordStats, manifest_entries, write_atomic};
use crate::vocab::Outcome;

/// What a fetch did.
#[derive(Debug)]
pub struct Fetched {
    /// The plan it ran.
    pub plan: Plan,
    /// The verification it made while recording.
    pub result: RunResult,
    /// Objects fetched, reused from an earlier fetch into the same folder, and failed.
    pub stats: RecordStats,
    /// Files in the manifest.
    pub files: usize,
    /// The verification's outcome, incomplete when an object could not be recorded.
    pub outcome: Outcome,
}

/// Writes pretty JSON atomically into the bundle metadata folder.
fn write_json<T: serde::Serialize>(meta: &Path, name: &str, value: &T) -> Result<(), PlanError> {
    let path = meta.join(name);
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| PlanError(format!("cannot encode {name}: {e}")))?;
    bytes.push(b'\n');
    write_atomic(&path, &bytes)
        .map_err(|e| PlanError(format!("cannot write {}: {e:#}", path.display())))
}

/// Verifies from S3 while recording an evidence bundle into `dir` (resuming what is there).
///
/// # Errors
/// [`PlanError`] when the run could not start or the bundle could not be written.
pub async fn fetch(
    req: &VerifyRequest,
    dir: &Path,
    observer: &mut dyn Observer,
) -> Result<Fetched, PlanError> {
    let meta = dir.join(BUNDLE_META);
    std::fs::create_dir_all(&meta)
        .map_err(|e| PlanError(format!("cannot create {}: {e}", meta.display())))?;
    let plan = plan(req, Reading::RecordingInto(dir)).await?;
    let result = run(&plan, &mut NoAnalysis, observer).await;
    let located = Arc::clone(&plan.located);
    if let RunKeys::Recording(keys) = located.keys.as_ref() {
        write_json(&meta, "public-keys.json", &keys.to_json())?;
    }
    write_json(&meta, "trail.json", &located.bundle_trail())?;
    if let Some(s) = &located.status {
        write_json(&meta, "trail-status.json", s)?;
    }
    let manifest_path = meta.join("manifest.json");
    let files: Vec<ManifestEntry> = manifest_entries(dir, &manifest_path)
        .map_err(|e| PlanError(format!("cannot hash the files of {}: {e}", dir.display())))?;
    let stats = match located.source.as_ref() {
        AnySource::Recording(r) => r.stats(),
        AnySource::Bundle(_) | AnySource::S3(_) | AnySource::Memory(_) => RecordStats::default(),
    };
    let manifest = serde_json::json!({
        "schema_version": "trailproof.bundle/1",
        "tool": crate::vocab::Tool::default(),
        "created_at": crate::time::format_rfc3339(&req.now),
        "inputs": plan.inputs.clone(),
        "complete": stats.failed == 0,
        "files": files,
    });
    write_json(&meta, "manifest.json", &manifest)?;
    let outcome = if stats.failed > 0 && result.outcome == Outcome::Clean {
        Outcome::Incomplete
    } else {
        result.outcome
    };
    Ok(Fetched {
        plan,
        result,
        stats,
        files: files.len(),
        outcome,
    })
}
