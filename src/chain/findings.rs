//! Tampering the reference misses (spec §7, W1–W8), found after a chain walk, and the
//! objects in the log folder that are not `CloudTrail` log files at all (foreign objects).
//!
//! Pure functions over what the walk saw (its visits and verified digests), the listings of
//! the digest and log folders, and the trail status: no I/O, no clock. Each finding names the
//! object a responder must look at, and is printed on a line whose kind word is never the
//! reference's `Digest file` or `Log file`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::digest::CheckedDigest;
use super::layout::{ChainKind, DigestScope, ForeignName, key_timestamp};
use super::walk::{Reached, Visit};
use crate::time::{UtcTime, format_display, parse_record_time};
use crate::vocab::Location;

/// The signature algorithm `CloudTrail` uses.
pub const SIGNATURE_ALGORITHM: &str = "SHA256withRSA";
/// The hash algorithm `CloudTrail` uses for logs and previous digests.
pub const HASH_ALGORITHM: &str = "SHA-256";

/// Whether a finding is evidence (exit 1) or a caveat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Tampering or a broken guarantee: a finding.
    Invalid,
    /// Something could not be proven either way.
    Warning,
}

/// Stable reason codes of the extra findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    /// A log file in the log folder that no digest references (W1).
    UnreferencedLog,
    /// A log file delivered during a chain gap: nothing could vouch for it.
    UnverifiableLog,
    /// `previousDigestSignature` differs from the predecessor's signature (W2).
    PreviousSignatureMismatch,
    /// `previousDigestHashValue` differs from the predecessor's SHA-256 (W2).
    PreviousHashMismatch,
    /// A digest does not start where its predecessor ended (W7).
    Discontinuity,
    /// A digest in the folder that the chain never reaches (W3).
    UnlinkedDigest,
    /// A digest deleted together with the one the reference reports (W4).
    MissingDigest,
    /// The newest digests are gone while the trail logs (W5).
    MissingTail,
    /// The tail could not be checked against the trail status.
    TailUnconfirmed,
    /// `awsAccountId` is not the verified account (W7).
    AccountMismatch,
    /// An algorithm field is not `CloudTrail`'s (W7).
    AlgorithmMismatch,
    /// A referenced log lies outside the trail's log folder (W7).
    LogOutsidePath,
    /// The same log is referenced more than once (W7).
    DuplicateLogReference,
    /// Bytes after the end of a digest's gzip stream (W8).
    DigestTrailingData,
    /// The digest anchored by the last run was deleted, rewritten or cut off the chain.
    AnchorChanged,
    /// A versioned digest or log was overwritten after delivery (W9).
    ObjectOverwritten,
    /// A versioned digest or log was deleted (its current version is a delete marker) (W9).
    ObjectDeleted,
    /// The versions of a folder could not be listed: overwrites cannot be ruled out.
    VersionsUnavailable,
    /// A day folder of the log folder could not be listed: forged log files there cannot be
    /// ruled out. Makes the run incomplete (exit 3), never a finding.
    LogFolderUnlisted,
    /// An object in a day folder of the log folder whose key is not a `CloudTrail` log file
    /// name of that folder: no digest can vouch for it, yet readers of the folder (Athena
    /// tables, SIEM collectors) ingest it.
    ForeignObject,
}

impl Finding {
    /// The versions under `folder` could not be listed.
    #[must_use]
    pub fn versions_unavailable(folder: String, why: &str) -> Self {
        Self::new(
            FindingCode::VersionsUnavailable,
            "Object versions",
            folder,
            format!(
                "could not list versions ({why}); overwritten or deleted objects cannot be ruled out"
            ),
        )
    }

    /// A day folder of the log folder could not be listed.
    #[must_use]
    pub fn log_folder_unlisted(folder: String, why: &str) -> Self {
        Self::new(
            FindingCode::LogFolderUnlisted,
            "Log folder",
            folder,
            format!(
                "could not be listed ({why}); log files no digest references cannot be ruled out there"
            ),
        )
    }

    /// A finding on an object whose earlier versions tell what happened to it (W9).
    #[must_use]
    pub fn versioned(is_digest: bool, deleted: bool, location: &Location, message: String) -> Self {
        let (code, kind) = match (is_digest, deleted) {
            (true, true) => (FindingCode::ObjectDeleted, "Deleted digest file"),
            (true, false) => (FindingCode::ObjectOverwritten, "Overwritten digest file"),
            (false, true) => (FindingCode::ObjectDeleted, "Deleted log file"),
            (false, false) => (FindingCode::ObjectOverwritten, "Overwritten log file"),
        };
        Self::new(code, kind, location.uri(), message)
    }
}

/// One extra finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    /// Stable reason code.
    pub code: FindingCode,
    /// Invalid or warning.
    pub severity: Severity,
    /// The kind word of the text line (`Unreferenced log file`, `Digest link`, …).
    pub kind: &'static str,
    /// The object (`s3://bucket/key`) or period concerned.
    pub subject: String,
    /// What is wrong.
    pub message: String,
}

impl Finding {
    fn new(code: FindingCode, kind: &'static str, subject: String, message: String) -> Self {
        let severity = match code {
            FindingCode::UnverifiableLog
            | FindingCode::TailUnconfirmed
            | FindingCode::VersionsUnavailable
            | FindingCode::LogFolderUnlisted => Severity::Warning,
            _ => Severity::Invalid,
        };
        Self {
            code,
            severity,
            kind,
            subject,
            message,
        }
    }

    /// The text line: `kind\tsubject\tINVALID: message` (or `WARNING:`).
    #[must_use]
    pub fn line(&self) -> String {
        let word = match self.severity {
            Severity::Invalid => "INVALID",
            Severity::Warning => "WARNING",
        };
        format!("{}\t{}\t{word}: {}", self.kind, self.subject, self.message)
    }
}

/// What a walk judged, per location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judged {
    /// Verified.
    Valid(Box<CheckedDigest>),
    /// `NoSuchKey`.
    Missing,
    /// Invalid (its key time stands in for its end).
    Other,
    /// Could not be read: what it vouches for is unknown, not forged.
    Unreadable,
}

fn eq_hex(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| a.eq_ignore_ascii_case(b))
}

/// The end of a visited digest: its `digestEndTime` when verified, else its key time.
fn end_of(visit: &Visit, judged: &HashMap<Location, Judged>) -> Option<UtcTime> {
    match judged.get(&visit.location) {
        Some(Judged::Valid(d)) => Some(d.end.instant),
        _ => parse_record_time(&key_timestamp(&visit.location.key)).ok(),
    }
}

/// Link, deletion-run, continuity and sanity checks over one walked chain (W2, W4, W7, W8).
#[must_use]
#[allow(clippy::implicit_hasher)]
pub fn check_chain(
    kind: ChainKind,
    visits: &[Visit],
    judged: &HashMap<Location, Judged>,
    scope: &DigestScope,
    window_start: UtcTime,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let link_uri = |d: &CheckedDigest| d.location.uri();
    for visit in visits {
        let Reached::Link(from) = &visit.reached else {
            continue;
        };
        let Some(Judged::Valid(newer)) = judged.get(from) else {
            continue;
        };
        if let Some(Judged::Valid(older)) = judged.get(&visit.location) {
            {
                if !eq_hex(
                    newer.facts.previous_signature.as_deref(),
                    &older.facts.signature,
                ) {
                    out.push(Finding::new(
                        FindingCode::PreviousSignatureMismatch,
                        "Digest link",
                        link_uri(newer),
                        format!(
                            "previousDigestSignature does not match the signature of {} (fork)",
                            older.location.uri()
                        ),
                    ));
                }
                if !eq_hex(
                    newer.facts.previous_hash.as_deref(),
                    &older.facts.inflated_sha256,
                ) {
                    out.push(Finding::new(
                        FindingCode::PreviousHashMismatch,
                        "Digest link",
                        link_uri(newer),
                        format!(
                            "previousDigestHashValue does not match the SHA-256 of {} (fork)",
                            older.location.uri()
                        ),
                    ));
                }
                if newer.start.instant != older.end.instant {
                    out.push(Finding::new(
                        FindingCode::Discontinuity,
                        "Digest link",
                        link_uri(newer),
                        format!(
                            "starts at {} but its predecessor {} ends at {}",
                            format_display(&newer.start.instant),
                            older.location.uri(),
                            format_display(&older.end.instant)
                        ),
                    ));
                }
            }
        }
    }
    if kind == ChainKind::Standard {
        for d in deleted_digests(visits, judged, scope, window_start)
            .into_iter()
            .filter(|d| !d.named_by_reference)
        {
            out.push(Finding::new(
                FindingCode::MissingDigest,
                "Missing digest file",
                d.location.uri(),
                format!(
                    "not found: deleted along with {}; it covered {} to {} (expected key, hourly cadence); log files delivered then could not be checked",
                    d.run_head.uri(),
                    format_display(&d.from),
                    format_display(&d.to)
                ),
            ));
        }
    }
    for visit in visits {
        if let Some(Judged::Valid(d)) = judged.get(&visit.location) {
            out.extend(check_digest_sanity(d, scope));
        }
    }
    out
}

/// A digest known or estimated to be deleted, and the hour it covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedDigest {
    /// Its key (from the link, or estimated from the hourly cadence).
    pub location: Location,
    /// The first deleted digest of its run (the one the reference names).
    pub run_head: Location,
    /// Start of the period it covered.
    pub from: UtcTime,
    /// End of the period it covered.
    pub to: UtcTime,
    /// Whether the reference reports it (`Digest file … INVALID: not found`).
    pub named_by_reference: bool,
}

/// Every digest of each run of deletions (W4): the one a valid digest links to (named by the
/// reference) and the ones before it, estimated from the hourly cadence back to the next
/// surviving digest (or the window start).
#[must_use]
#[allow(clippy::implicit_hasher)]
pub fn deleted_digests(
    visits: &[Visit],
    judged: &HashMap<Location, Judged>,
    scope: &DigestScope,
    window_start: UtcTime,
) -> Vec<DeletedDigest> {
    let hour = chrono::Duration::hours(1);
    let slack = chrono::Duration::minutes(30);
    let mut out = Vec::new();
    for (i, visit) in visits.iter().enumerate() {
        let Reached::Link(from) = &visit.reached else {
            continue;
        };
        let (Some(Judged::Valid(newer)), Some(Judged::Missing)) =
            (judged.get(from), judged.get(&visit.location))
        else {
            continue;
        };
        let floor = visits
            .get(i + 1)
            .filter(|v| v.reached == Reached::Jump)
            .and_then(|v| end_of(v, judged))
            .unwrap_or(window_start);
        let first_end = newer.start.instant;
        out.push(DeletedDigest {
            location: visit.location.clone(),
            run_head: visit.location.clone(),
            from: first_end - hour,
            to: first_end,
            named_by_reference: true,
        });
        let mut end = first_end - hour;
        while end > floor + slack {
            out.push(DeletedDigest {
                location: Location::new(&visit.location.bucket, scope.digest_key(&end)),
                run_head: visit.location.clone(),
                from: end - hour,
                to: end,
                named_by_reference: false,
            });
            end -= hour;
        }
    }
    out
}

/// Account, algorithms and trailing bytes of one verified digest (W7, W8).
#[must_use]
pub fn check_digest_sanity(d: &CheckedDigest, scope: &DigestScope) -> Vec<Finding> {
    let mut out = Vec::new();
    let uri = d.location.uri();
    let content =
        |code, message: String| Finding::new(code, "Digest content", uri.clone(), message);
    match d.facts.account_id.as_deref() {
        Some(a) if a == scope.account_id => {}
        other => out.push(content(
            FindingCode::AccountMismatch,
            format!(
                "awsAccountId is {}, expected {}",
                other.unwrap_or("absent"),
                scope.account_id
            ),
        )),
    }
    for (field, value) in [
        (
            "digestSignatureAlgorithm",
            d.facts.signature_algorithm.as_deref(),
        ),
        (
            "signature-algorithm metadata",
            Some(d.facts.signature_algorithm_meta.as_str()),
        ),
    ] {
        if value != Some(SIGNATURE_ALGORITHM) {
            out.push(content(
                FindingCode::AlgorithmMismatch,
                format!(
                    "{field} is {}, expected {SIGNATURE_ALGORITHM}",
                    value.unwrap_or("absent")
                ),
            ));
        }
    }
    if d.previous.is_some() && d.facts.previous_hash_algorithm.as_deref() != Some(HASH_ALGORITHM) {
        out.push(content(
            FindingCode::AlgorithmMismatch,
            format!(
                "previousDigestHashAlgorithm is {}, expected {HASH_ALGORITHM}",
                d.facts
                    .previous_hash_algorithm
                    .as_deref()
                    .unwrap_or("absent")
            ),
        ));
    }
    if d.facts.trailing_bytes > 0 {
        out.push(content(
            FindingCode::DigestTrailingData,
            format!(
                "{} bytes after the end of the compressed stream",
                d.facts.trailing_bytes
            ),
        ));
    }
    // The log folder beside the digest's own folder (the trail's prefix may have changed
    // inside the window; the walk follows links into the old one).
    let folder = match d.location.key.rsplit_once("/CloudTrail-Digest/") {
        Some((base, rest)) => format!(
            "{base}/CloudTrail/{}/",
            rest.split('/').next().unwrap_or(&scope.source_region)
        ),
        None => scope.log_prefix(),
    };
    for log in &d.logs {
        if !log.location.key.starts_with(&folder) {
            out.push(Finding::new(
                FindingCode::LogOutsidePath,
                "Log reference",
                log.location.uri(),
                format!("referenced by {uri} outside the trail's log folder {folder}"),
            ));
        }
        if log.hash_algorithm.as_deref() != Some(HASH_ALGORITHM) {
            out.push(Finding::new(
                FindingCode::AlgorithmMismatch,
                "Log reference",
                log.location.uri(),
                format!(
                    "hashAlgorithm in {uri} is {}, expected {HASH_ALGORITHM}",
                    log.hash_algorithm.as_deref().unwrap_or("absent")
                ),
            ));
        }
    }
    out
}

/// Logs referenced more than once across the verified digests (W7).
#[must_use]
pub fn check_duplicates<'a>(digests: impl IntoIterator<Item = &'a CheckedDigest>) -> Vec<Finding> {
    let mut seen: BTreeMap<&Location, Vec<&Location>> = BTreeMap::new();
    for d in digests {
        for log in &d.logs {
            seen.entry(&log.location).or_default().push(&d.location);
        }
    }
    seen.into_iter()
        .filter(|(_, by)| by.len() > 1)
        .map(|(log, by)| {
            let by: BTreeSet<String> = by.iter().map(|l| l.uri()).collect();
            Finding::new(
                FindingCode::DuplicateLogReference,
                "Log reference",
                log.uri(),
                format!(
                    "referenced more than once (by {})",
                    by.into_iter().collect::<Vec<_>>().join(", ")
                ),
            )
        })
        .collect()
}

/// The time in a log file name: `…_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<random>.json.gz`.
#[must_use]
pub fn log_key_time(key: &str) -> Option<UtcTime> {
    let name = key.rsplit('/').next()?;
    let stamp = name.split('_').rev().nth(1)?;
    let (date, time) = stamp.strip_suffix('Z')?.split_once('T')?;
    if date.len() != 8 || time.len() != 4 {
        return None;
    }
    parse_record_time(&format!("{date}T{time}00Z")).ok()
}

/// Splits the objects listed in the day folders of the log folder into the log files
/// `CloudTrail` could have written there (handed on to [`check_log_folder`]) and the foreign
/// objects, one `foreign_object` finding each (INVALID, whatever the window: a foreign name
/// carries no time).
///
/// Which objects count: every key the day folders `YYYY/MM/DD/` of the window list (sub-folders
/// included), each with a log file name of the folder's account, region and day
/// ([`DigestScope::log_file_time`]) or none. An object a verified digest references is never
/// foreign: `CloudTrail` vouched for it. A bundle's own sidecars (`.meta.json`, `.error.json`)
/// are not objects: a bundle lists exactly the S3 keys it mirrors.
#[must_use]
pub fn split_foreign(
    present: &[Location],
    referenced: &BTreeSet<Location>,
    scope: &DigestScope,
) -> (Vec<Location>, Vec<Finding>) {
    let mut logs = Vec::new();
    let mut foreign = Vec::new();
    for object in present {
        match scope.log_file_time(&object.key) {
            Err(why) if !referenced.contains(object) => {
                foreign.push(Finding::foreign(object, &why, scope));
            }
            _ => logs.push(object.clone()),
        }
    }
    (logs, foreign)
}

impl Finding {
    /// An object in the log folder that is not a `CloudTrail` log file of it.
    #[must_use]
    pub fn foreign(object: &Location, why: &ForeignName, scope: &DigestScope) -> Self {
        Self::new(
            FindingCode::ForeignObject,
            "Foreign object",
            object.uri(),
            format!(
                "not a CloudTrail log file name ({}); no digest can vouch for it, yet readers of the log folder ingest it",
                why.describe(scope)
            ),
        )
    }
}

/// Minutes before the newest digest's end within which an unreferenced log is still pending.
pub const PENDING_MINUTES: i64 = 20;

/// Classification of the log files found in the log folder (W1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFolderReport {
    /// Findings and warnings.
    pub findings: Vec<Finding>,
    /// Log files newer than the newest digest: not yet covered.
    pub pending: Vec<Location>,
}

/// A period whose log files no digest can vouch for, and why (a chain gap, a digest that
/// could not be read): its log files are unverifiable, not forged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uncovered {
    /// Start (exclusive for unreadable digests, inclusive for gaps).
    pub from: UtcTime,
    /// End.
    pub to: UtcTime,
    /// The reason, completing "delivered …".
    pub reason: String,
}

impl Uncovered {
    /// A chain restart period.
    #[must_use]
    pub fn gap(from: UtcTime, to: UtcTime) -> Self {
        Self {
            from,
            to,
            reason: format!(
                "during the gap in the digest chain from {} to {}; no digest covers it",
                format_display(&from),
                format_display(&to)
            ),
        }
    }

    /// The period of a digest that could not be read.
    #[must_use]
    pub fn unreadable(from: UtcTime, to: UtcTime, digest: &Location) -> Self {
        Self {
            from,
            to,
            reason: format!("in the period of {}, which could not be read", digest.uri()),
        }
    }
}

/// Compares the log files present in the folder with those the digests reference.
///
/// `present` are the log files listed for the window (the foreign objects split off by
/// [`split_foreign`]); `referenced` all logs referenced by the
/// verified digests of every trail delivering there; `uncovered` the periods no digest can
/// vouch for; `newest_end` the end of the newest verified digest.
#[must_use]
pub fn check_log_folder(
    present: &[Location],
    referenced: &BTreeSet<Location>,
    window: (UtcTime, UtcTime),
    uncovered: &[Uncovered],
    deleted: &[DeletedDigest],
    newest_end: Option<UtcTime>,
    uncertain: Option<&str>,
) -> LogFolderReport {
    let mut report = LogFolderReport::default();
    for log in present {
        if referenced.contains(log) {
            continue;
        }
        let Some(at) = log_key_time(&log.key) else {
            continue;
        };
        if at < window.0 || at > window.1 {
            continue;
        }
        // A log file is named when it is started and delivered minutes later: near the newest
        // digest's end its digest may not exist yet.
        if newest_end.is_none_or(|end| at >= end - chrono::Duration::minutes(PENDING_MINUTES)) {
            report.pending.push(log.clone());
            continue;
        }
        if let Some(u) = uncovered.iter().find(|u| at >= u.from && at <= u.to) {
            report.findings.push(Finding::new(
                FindingCode::UnverifiableLog,
                "Unverifiable log file",
                log.uri(),
                format!("delivered {}", u.reason),
            ));
            continue;
        }
        // A log is written a few minutes before its delivery: its key time may fall in the
        // period before the digest that would have listed it.
        let hour = chrono::Duration::hours(1);
        let covering = deleted
            .iter()
            .find(|d| at > d.from && at <= d.to)
            .or_else(|| deleted.iter().find(|d| at > d.from - hour && at <= d.to));
        let message = match covering {
            Some(d) => format!(
                "referenced by no digest: the digest that should list it ({}) was deleted",
                d.location.uri()
            ),
            None => "referenced by no digest".to_owned(),
        };
        if let Some(why) = uncertain {
            report.findings.push(Finding::new(
                FindingCode::UnverifiableLog,
                "Unverifiable log file",
                log.uri(),
                format!("referenced by no digest read, but {why}"),
            ));
        } else {
            report.findings.push(Finding::new(
                FindingCode::UnreferencedLog,
                "Unreferenced log file",
                log.uri(),
                message,
            ));
        }
    }
    report
}

/// Trail status as `GetTrailStatus` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct TrailStatus {
    /// `IsLogging`.
    pub is_logging: Option<bool>,
    /// `LatestDigestDeliveryTime`.
    pub latest_digest_delivery: Option<String>,
}

/// Default margin before a missing tail is reported: hourly delivery plus grace.
pub const TAIL_MARGIN_HOURS: i64 = 2;

/// Head truncation (W5): the newest digest ends well before the requested end, nothing newer
/// exists, and the trail was logging.
#[must_use]
pub fn check_tail(
    scope: &DigestScope,
    bucket: &str,
    newest_end: Option<UtcTime>,
    window: (UtcTime, UtcTime),
    newer_digest_exists: Option<bool>,
    status: Option<&TrailStatus>,
) -> Option<Finding> {
    let margin = chrono::Duration::hours(TAIL_MARGIN_HOURS);
    let last = newest_end.unwrap_or(window.0);
    if newer_digest_exists == Some(true) || last + margin >= window.1 {
        return None;
    }
    let subject = format!("s3://{bucket}/{}/", scope.list_prefix());
    let warn = |message: String| {
        Some(Finding::new(
            FindingCode::TailUnconfirmed,
            "Digest chain tail",
            subject.clone(),
            message,
        ))
    };
    let invalid = |message: String| {
        Some(Finding::new(
            FindingCode::MissingTail,
            "Digest chain tail",
            subject.clone(),
            message,
        ))
    };
    let Some(end) = newest_end else {
        if status.and_then(|s| s.is_logging) == Some(false) {
            return None;
        }
        // No digest of this trail here at all: a region it does not deliver to, validation
        // off, or every digest deleted. Not provable either way from the bucket alone.
        return warn(format!(
            "no digest of this trail covers {} to {}; if the trail delivers here, its digests were deleted",
            format_display(&window.0),
            format_display(&window.1)
        ));
    };
    let gap_text = format!(
        "the newest digest ends at {}, more than {TAIL_MARGIN_HOURS} h before the requested end {}",
        format_display(&end),
        format_display(&window.1)
    );
    if newer_digest_exists.is_none() {
        return warn(format!("{gap_text}; newer digests could not be listed"));
    }
    let latest = status
        .and_then(|s| s.latest_digest_delivery.as_deref())
        .and_then(|t| parse_record_time(t).ok());
    // A digest is delivered minutes after its end: only a delivery well after the next
    // expected digest proves that newer digests existed.
    let proof = chrono::Duration::minutes(75);
    match (status.and_then(|s| s.is_logging), latest) {
        (_, Some(latest)) if latest > end + proof => invalid(format!(
            "{gap_text}, yet CloudTrail delivered a digest at {}: the newest digests were deleted",
            format_display(&latest)
        )),
        (Some(true), _) => invalid(format!(
            "{gap_text} while the trail is logging: the newest digests are missing"
        )),
        (Some(false), _) => None,
        (None, _) => warn(format!(
            "{gap_text}; the trail status could not be read, so a deleted tail cannot be ruled out"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_key_time_reads_the_minute_stamp() {
        let k = "AWSLogs/1/CloudTrail/us-east-1/2026/03/01/1_CloudTrail_us-east-1_20260301T0518Z_9Fy6XPqpovUPKQvr.json.gz";
        assert_eq!(
            log_key_time(k),
            parse_record_time("2026-03-01T05:18:00Z").ok()
        );
        assert_eq!(log_key_time("AWSLogs/1/CloudTrail/x/junk.json.gz"), None);
    }

    #[test]
    fn finding_line_uses_its_own_kind_word() {
        let f = Finding::new(
            FindingCode::UnreferencedLog,
            "Unreferenced log file",
            "s3://b/k".to_owned(),
            "referenced by no digest".to_owned(),
        );
        assert_eq!(
            f.line(),
            "Unreferenced log file\ts3://b/k\tINVALID: referenced by no digest"
        );
    }

    fn scope() -> DigestScope {
        DigestScope {
            prefix: None,
            organization_id: None,
            account_id: "1".to_owned(),
            source_region: "us-east-1".to_owned(),
            home_region: "us-east-1".to_owned(),
            trail_name: "t".to_owned(),
        }
    }

    fn at(s: &str) -> UtcTime {
        parse_record_time(s).unwrap()
    }

    #[test]
    fn tail_of_a_stopped_trail_is_not_a_finding_even_with_its_last_delivery_time() {
        let status = TrailStatus {
            is_logging: Some(false),
            // The final digest is delivered minutes after its end.
            latest_digest_delivery: Some("2026-03-01T04:25:00Z".to_owned()),
        };
        let window = (at("2026-03-01T00:00:00Z"), at("2026-03-01T12:00:00Z"));
        let newest = Some(at("2026-03-01T04:17:42Z"));
        assert_eq!(
            check_tail(&scope(), "b", newest, window, Some(false), Some(&status)),
            None
        );
    }

    #[test]
    fn tail_deleted_while_digests_kept_being_delivered_is_a_finding() {
        let status = TrailStatus {
            is_logging: Some(false),
            latest_digest_delivery: Some("2026-03-01T09:25:00Z".to_owned()),
        };
        let window = (at("2026-03-01T00:00:00Z"), at("2026-03-01T12:00:00Z"));
        let f = check_tail(
            &scope(),
            "b",
            Some(at("2026-03-01T04:17:42Z")),
            window,
            Some(false),
            Some(&status),
        );
        assert_eq!(f.map(|f| f.code), Some(FindingCode::MissingTail));
    }

    #[test]
    fn tail_unlistable_or_without_digests_is_only_a_warning() {
        let logging = TrailStatus {
            is_logging: Some(true),
            latest_digest_delivery: None,
        };
        let window = (at("2026-03-01T00:00:00Z"), at("2026-03-01T12:00:00Z"));
        let newest = Some(at("2026-03-01T04:17:42Z"));
        let f = check_tail(&scope(), "b", newest, window, None, Some(&logging)).unwrap();
        assert_eq!(f.severity, Severity::Warning);
        let f = check_tail(&scope(), "b", None, window, Some(false), Some(&logging)).unwrap();
        assert_eq!(f.severity, Severity::Warning);
    }

    #[test]
    fn foreign_objects_are_split_off_unless_a_digest_references_them() {
        let day = "AWSLogs/1/CloudTrail/us-east-1/2026/03/01/";
        let log = Location::new(
            "b",
            format!("{day}1_CloudTrail_us-east-1_20260301T0518Z_9Fy6XPqpovUPKQvr.json.gz"),
        );
        let export = Location::new("b", format!("{day}console-export-0230.json.gz"));
        let near = Location::new(
            "b",
            format!("{day}2_CloudTrail_us-east-1_20260301T0518Z_9Fy6XPqpovUPKQvr.json.gz"),
        );
        let vouched = Location::new("b", format!("{day}vouched.json.gz"));
        let present = [log.clone(), export.clone(), near.clone(), vouched.clone()];
        let referenced = BTreeSet::from([vouched.clone()]);
        let (logs, foreign) = split_foreign(&present, &referenced, &scope());
        assert_eq!(logs, vec![log, vouched]);
        assert_eq!(
            foreign.iter().map(Finding::line).collect::<Vec<_>>(),
            vec![
                format!(
                    "Foreign object\t{}\tINVALID: not a CloudTrail log file name (the name is not 1_CloudTrail_us-east-1_YYYYMMDDTHHmmZ_<16 letters or digits>.json.gz); no digest can vouch for it, yet readers of the log folder ingest it",
                    export.uri()
                ),
                format!(
                    "Foreign object\t{}\tINVALID: not a CloudTrail log file name (it names account 2, not 1); no digest can vouch for it, yet readers of the log folder ingest it",
                    near.uri()
                ),
            ]
        );
        assert!(foreign.iter().all(|f| f.code == FindingCode::ForeignObject));
    }

    #[test]
    fn log_named_just_before_the_newest_digest_end_is_pending() {
        let log = Location::new(
            "b",
            "AWSLogs/1/CloudTrail/us-east-1/2026/03/01/1_CloudTrail_us-east-1_20260301T1455Z_abcdefghijklmnop.json.gz",
        );
        let window = (at("2026-03-01T00:00:00Z"), at("2026-03-01T15:10:00Z"));
        let r = check_log_folder(
            std::slice::from_ref(&log),
            &BTreeSet::new(),
            window,
            &[],
            &[],
            Some(at("2026-03-01T14:59:30Z")),
            None,
        );
        assert_eq!(r.pending, vec![log]);
        assert!(r.findings.is_empty());
    }
}
