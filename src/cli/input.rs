//! The input of the analyses over records (`hunt`, `search`, `timeline`): local files
//! (`--logs`, unverified) or a trail verified on the way (the options of `verify`), fed to
//! a consumer of the verified stream. One place for the checks and the feeding the three
//! commands share.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::trail::TrailArgs;
use crate::audit::request::{Checks, VerifyRequest};
use crate::audit::run::verify;
use crate::audit::stream::LogConsumer;
use crate::audit::tally::Counts;
use crate::limits::MAX_ACTIVITY_INFLATED_BYTES;
use crate::present::escape::neutralise;
use crate::records::file::SkippedFile;
use crate::source::files::{Listed, list};
use crate::vocab::{Outcome, Unreadable};

/// The local files to read, or `None` for a trail.
///
/// # Errors
/// The options of verify without `--trail-arn`, or a path that cannot be listed (a missing
/// one is named as not found).
pub(super) fn local_files(logs: &[PathBuf], trail: &TrailArgs) -> Result<Option<Listed>, String> {
    if trail.trail_arn.is_some() {
        return Ok(None);
    }
    if trail.any_given() {
        return Err(
            "the options of verify (--start-time, --bundle, …) need --trail-arn; --logs reads local files, unverified"
                .to_owned(),
        );
    }
    let listed = list(logs);
    // A path named on the command line that cannot be read means the run cannot start; a
    // file inside a named folder that cannot be read is lost input, reported per file.
    if let Some((p, why)) = listed.missing.iter().find(|(p, _)| logs.contains(p)) {
        return Err(match why {
            Unreadable::NotFound => format!("no such file or folder: {}", p.display()),
            other => format!("cannot read {}: {other}", p.display()),
        });
    }
    Ok(Some(listed))
}

/// What was read, and the verification's counts and outcome for a trail.
pub(super) type Fed = (BTreeMap<String, Value>, Option<(Counts, Outcome)>);

/// Feeds `consumer`: the local files, or the trail's logs as they are verified (fully,
/// recording no anchors). Returns what was read, as the JSON documents list it.
///
/// # Errors
/// A time that cannot be read, bad limits, or a verification that cannot run.
pub(super) async fn feed<C: LogConsumer>(
    logs: &[PathBuf],
    trail: &TrailArgs,
    listed: Option<&Listed>,
    consumer: &mut C,
) -> Result<Fed, String> {
    if let Some(listed) = listed {
        crate::audit::local::read_local(listed, consumer, MAX_ACTIVITY_INFLATED_BYTES);
        let paths: Vec<String> = logs.iter().map(|p| p.display().to_string()).collect();
        return Ok((BTreeMap::from([("logs".to_owned(), json!(paths))]), None));
    }
    let request = trail.request()?;
    let mut inputs = BTreeMap::from([("trail_arn".to_owned(), json!(request.trail_arn))]);
    for (k, v) in [
        ("start_time", &trail.start_time),
        ("end_time", &trail.end_time),
    ] {
        if let Some(v) = v {
            inputs.insert(k.to_owned(), json!(v));
        }
    }
    let req = VerifyRequest {
        trail: request,
        now: super::common::now(),
        checks: Checks::Full,
        state: None,
        limits: super::summarize::limits()?,
    };
    let mut tracker = super::verify::Tracker::new(false);
    let verified = verify(&req, consumer, &mut tracker)
        .await
        .map_err(|e| e.to_string())?;
    super::common::note_verification(verified.result.outcome);
    Ok((
        inputs,
        Some((verified.result.totals, verified.result.outcome)),
    ))
}

/// Names on stderr, in input order, the files that gave no records: those that are not
/// logs (they change nothing) and those whose records were lost.
pub(super) fn list_skipped(skipped: &[SkippedFile]) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    for f in skipped {
        if f.reason == "not_a_log" {
            let _ = writeln!(err, "not a log file, skipped: {}", neutralise(&f.file));
        } else if f.lost {
            let _ = writeln!(
                err,
                "log file skipped ({}): {}",
                f.reason,
                neutralise(&f.file)
            );
        }
    }
}
