//! The checks the reference lacks (spec §7, W1–W9), run after both walks of a region: they
//! list the log folders, the other trails' digests and the versions of the window, and feed
//! the pure checks of [`crate::chain::findings`] and [`crate::chain::anchor`].

use std::collections::HashMap;

use super::config::VerifyConfig;
use super::fetcher::Prefetcher;
use super::item::Item;
use crate::chain::digest::{DigestFailure, ExpectedHash};
use crate::chain::findings::{Finding, Judged};
use crate::chain::keys::KeySet;
use crate::chain::layout::{ChainKind, DigestScope, key_timestamp};
use crate::chain::log::{LogVerdict, verify_log_within};
use crate::chain::walk::ChainEvent;
use crate::limits::Limits;
use crate::source::ObjectSource;
use crate::time::{UtcTime, format_key};
use crate::vocab::FetchError;
use crate::vocab::{FetchedObject, Location};

/// What the walks saw, for the checks after them.
#[derive(Default)]
pub(super) struct WalkRecord {
    pub(super) judged: HashMap<Location, Judged>,
    pub(super) valid: Vec<crate::chain::digest::CheckedDigest>,
    pub(super) gaps: Vec<(UtcTime, UtcTime)>,
    pub(super) visits: Vec<(ChainKind, Vec<crate::chain::walk::Visit>)>,
}

impl WalkRecord {
    pub(super) fn note(&mut self, ev: &ChainEvent) {
        match ev {
            ChainEvent::Valid(d) => {
                self.judged
                    .insert(d.location.clone(), Judged::Valid(d.clone()));
                self.valid.push((**d).clone());
            }
            ChainEvent::Missing { location, .. } => {
                self.judged.insert(location.clone(), Judged::Missing);
            }
            ChainEvent::Invalid { location, .. } => {
                self.judged.insert(location.clone(), Judged::Other);
            }
            ChainEvent::Error { location, .. } => {
                self.judged.insert(location.clone(), Judged::Unreadable);
            }
            ChainEvent::Gap { from, to, .. } => self.gaps.push((*from, *to)),
        }
    }
}

/// Splits a digest file name into (trail name, home region):
/// `<acct>_CloudTrail-Digest_<region>_<trail>_<home>_<TS>[_backfill].json.gz`.
fn digest_trail(key: &str, region: &str) -> Option<(String, String)> {
    let name = key.rsplit('/').next()?;
    let rest = name.split_once(&format!("_CloudTrail-Digest_{region}_"))?.1;
    let rest = rest.strip_suffix(".json.gz")?;
    let rest = rest.strip_suffix("_backfill").unwrap_or(rest);
    let (trail_home, _ts) = rest.rsplit_once('_')?;
    let (trail, home) = trail_home.rsplit_once('_')?;
    Some((trail.to_owned(), home.to_owned()))
}

/// Verifies a digest found outside the walk with the region's keys; `None` if unreadable.
fn verify_outside(
    kind: ChainKind,
    loc: &Location,
    fetched: &Result<FetchedObject, FetchError>,
    keys: &KeySet,
    home: &str,
    limits: &Limits,
) -> Option<Result<crate::chain::digest::CheckedDigest, DigestFailure>> {
    let obj = fetched.as_ref().ok()?;
    // A digest over a size limit could not be judged: unreadable, not INVALID.
    match crate::chain::digest::parse_digest_within(
        kind,
        loc,
        obj,
        limits.max_digest_inflated_bytes,
    ) {
        Ok(p) => Some(p.verify(keys, home)),
        Err(crate::chain::digest::DigestParseError::Invalid(f)) => Some(Err(f)),
        Err(crate::chain::digest::DigestParseError::OverLimit(_)) => None,
    }
}

/// Listed digests the walk never reached (W3). Returns the findings and the log files the
/// valid ones reference (backfill digests stand alone: no finding, but they vouch for logs).
async fn unlinked_digests<S: ObjectSource + 'static>(
    prefetch: &mut Prefetcher<S>,
    cfg: &VerifyConfig,
    keys: &KeySet,
    listed: &[(ChainKind, Location)],
    seen: &WalkRecord,
) -> (Vec<Finding>, Vec<Location>) {
    use crate::chain::findings::{FindingCode, Severity};
    let visited: std::collections::HashSet<&Location> = seen
        .visits
        .iter()
        .flat_map(|(_, v)| v.iter().map(|v| &v.location))
        .collect();
    // Keys at or below where a walk stopped (the digest overlapping the window start) are
    // outside it, not off it.
    let floor = |kind: ChainKind| {
        seen.valid
            .iter()
            .filter(|d| d.kind == kind)
            .map(|d| d.start.clock)
            .min()
    };
    let floors = [floor(ChainKind::Standard), floor(ChainKind::Backfill)];
    let below_floor = |kind: ChainKind, loc: &Location| {
        let f = floors[usize::from(kind == ChainKind::Backfill)];
        let date = crate::time::parse_record_time(&key_timestamp(&loc.key)).ok();
        matches!((f, date), (Some(f), Some(d)) if d <= f)
    };
    let (mut out, mut referenced) = (Vec::new(), Vec::new());
    let unlinked = |message: String, loc: &Location| Finding {
        code: FindingCode::UnlinkedDigest,
        severity: Severity::Invalid,
        kind: "Unlinked digest file",
        subject: loc.uri(),
        message,
    };
    for (kind, loc) in listed
        .iter()
        .filter(|(k, l)| !visited.contains(l) && !below_floor(*k, l))
    {
        let fetched = prefetch.take(loc).await;
        match verify_outside(
            *kind,
            loc,
            &fetched,
            keys,
            &cfg.arn.home_region,
            &cfg.limits,
        ) {
            Some(Ok(d)) => {
                referenced.extend(d.logs.iter().map(|l| l.location.clone()));
                if *kind == ChainKind::Standard {
                    out.push(unlinked(
                        "validly signed but not on the chain (fork)".to_owned(),
                        loc,
                    ));
                }
            }
            Some(Err(f)) => out.push(unlinked(
                format!("not on the chain, and {}", f.message()),
                loc,
            )),
            None => {}
        }
    }
    (out, referenced)
}

/// Log files vouched for by the other trails delivering to the same digest folder (W1), and
/// whether every one of their digests could be read and checked.
async fn other_trails_logs<S: ObjectSource>(
    source: &S,
    cfg: &VerifyConfig,
    scope: &DigestScope,
    keys: &KeySet,
) -> (Vec<Location>, bool) {
    let digest_dir = format!("{}/", scope.list_prefix());
    let day = chrono::Duration::days(1);
    let first_day = format!(
        "{digest_dir}{}",
        crate::time::format_ymd(&(cfg.start - day))
    );
    let last_day = format!(
        "{digest_dir}{}",
        crate::time::format_ymd(&(cfg.end + chrono::Duration::hours(1) + day))
    );
    let lo = format_key(&cfg.start);
    let hi = format_key(&(cfg.end + chrono::Duration::hours(1)));
    let stop = |k: &str| k > last_day.as_str();
    let Ok(keys_in_folder) = source
        .list(&cfg.bucket, &digest_dir, &first_day, &stop)
        .await
    else {
        return (Vec::new(), false);
    };
    let mut referenced = Vec::new();
    let mut complete = true;
    for key in keys_in_folder {
        let Some((trail, trail_home)) = digest_trail(&key, &scope.source_region) else {
            continue;
        };
        let ts = key_timestamp(&key);
        if trail == cfg.arn.name || ts < lo || ts > hi {
            continue;
        }
        let loc = Location::new(&cfg.bucket, &key);
        let kind = if crate::chain::layout::is_backfill_key(&key) {
            ChainKind::Backfill
        } else {
            ChainKind::Standard
        };
        let fetched = source.get(&loc, cfg.limits.max_digest_bytes).await;
        match verify_outside(kind, &loc, &fetched, keys, &trail_home, &cfg.limits) {
            Some(Ok(d)) => referenced.extend(d.logs.iter().map(|l| l.location.clone())),
            // Unreadable, or signed by a key this window's set lacks (a backfill digest):
            // its logs can be neither vouched for nor called forged.
            None | Some(Err(DigestFailure::KeyNotFound { .. })) => complete = false,
            Some(Err(_)) => {}
        }
    }
    (referenced, complete)
}

/// Every object in the day folders of the log folder for the days of the window (log files
/// and foreign objects alike), and a warning for each day folder that could not be listed
/// (the run is then incomplete, not clean).
async fn present_logs<S: ObjectSource>(
    source: &S,
    cfg: &VerifyConfig,
    scope: &DigestScope,
) -> (Vec<Location>, Vec<Finding>) {
    let mut present = Vec::new();
    let mut unlisted = Vec::new();
    let mut date = cfg.start.date_naive();
    let last = (cfg.end + chrono::Duration::hours(1)).date_naive();
    while date <= last {
        let folder = format!("{}{}/", scope.log_prefix(), date.format("%Y/%m/%d"));
        match source.list(&cfg.bucket, &folder, "", &|_| false).await {
            Ok(keys_in_folder) => present.extend(
                keys_in_folder
                    .into_iter()
                    .map(|k| Location::new(&cfg.bucket, k)),
            ),
            Err(e) => unlisted.push(Finding::log_folder_unlisted(
                format!("s3://{}/{folder}", cfg.bucket),
                &e.to_string(),
            )),
        }
        let Some(next) = date.succ_opt() else { break };
        date = next;
    }
    (present, unlisted)
}

/// Periods no digest can vouch for: chain gaps, and digests that could not be read.
fn uncovered_periods(
    seen: &WalkRecord,
    window_start: UtcTime,
) -> Vec<crate::chain::findings::Uncovered> {
    use crate::chain::findings::Uncovered;
    let key_date = |loc: &Location| crate::time::parse_record_time(&key_timestamp(&loc.key)).ok();
    let mut out: Vec<Uncovered> = seen
        .gaps
        .iter()
        .map(|(from, to)| Uncovered::gap(*from, *to))
        .collect();
    for (_, visits) in &seen.visits {
        for (i, v) in visits.iter().enumerate() {
            if seen.judged.get(&v.location) != Some(&Judged::Unreadable) {
                continue;
            }
            let Some(to) = key_date(&v.location) else {
                continue;
            };
            let from = visits
                .get(i + 1)
                .and_then(|next| match seen.judged.get(&next.location) {
                    Some(Judged::Valid(d)) => Some(d.end.instant),
                    _ => key_date(&next.location),
                })
                .unwrap_or(window_start);
            out.push(Uncovered::unreadable(from, to, &v.location));
        }
    }
    out
}

/// Whether a digest of this chain exists after the listing window (so the tail is not cut);
/// `None` when that cannot be listed.
async fn newer_digest_exists<S: ObjectSource>(
    source: &S,
    cfg: &VerifyConfig,
    scope: &DigestScope,
) -> Option<bool> {
    let after = scope.digest_key(&(cfg.end + chrono::Duration::hours(1)));
    let filter = scope.key_filter();
    source
        .list(&cfg.bucket, &scope.list_prefix(), &after, &|k: &str| {
            filter.matches(k)
        })
        .await
        .ok()
        .map(|keys| keys.iter().any(|k| filter.matches(k)))
}

/// The verdict on the earliest version of an overwritten or deleted object.
async fn earliest_verdict<S: ObjectSource>(
    source: &S,
    cfg: &VerifyConfig,
    keys: &KeySet,
    expected: &HashMap<&Location, &ExpectedHash>,
    location: &Location,
    id: &str,
    is_digest: bool,
) -> String {
    match source
        .get_version(location, id, cfg.limits.max_log_bytes)
        .await
    {
        Err(e) => format!(
            "the earliest version ({id}) could not be read: {}",
            e.verdict_text()
        ),
        Ok(obj) if is_digest => {
            let kind = if crate::chain::layout::is_backfill_key(&location.key) {
                ChainKind::Backfill
            } else {
                ChainKind::Standard
            };
            match verify_outside(
                kind,
                location,
                &Ok(obj),
                keys,
                &cfg.arn.home_region,
                &cfg.limits,
            ) {
                Some(Ok(_)) => format!("the earliest version ({id}) is validly signed"),
                Some(Err(f)) => format!("the earliest version ({id}) is INVALID: {}", f.message()),
                None => format!("the earliest version ({id}) could not be read"),
            }
        }
        Ok(obj) => match expected.get(location) {
            None => format!("the earliest version ({id}) is referenced by no verified digest"),
            Some(want) => {
                match verify_log_within(&obj.body, want, cfg.limits.max_log_inflated_bytes) {
                    Ok(LogVerdict::Valid) => {
                        format!("the earliest version ({id}) matches its digest")
                    }
                    Ok(v) => format!("the earliest version ({id}) is INVALID: {}", v.message()),
                    Err(e) => format!("the earliest version ({id}) could not be read: {e}"),
                }
            }
        },
    }
}

/// Versioned buckets (W9): digests and logs of the window that were overwritten or deleted,
/// with the verdict of their earliest version.
async fn version_findings<S: ObjectSource>(
    source: &S,
    cfg: &VerifyConfig,
    scope: &DigestScope,
    keys: &KeySet,
    seen: &WalkRecord,
) -> Vec<Finding> {
    let expected: HashMap<&Location, &ExpectedHash> = seen
        .valid
        .iter()
        .flat_map(|d| d.logs.iter().map(|l| (&l.location, &l.expected)))
        .collect();
    let lo = format_key(&cfg.start);
    let hi = format_key(&(cfg.end + chrono::Duration::hours(1)));
    let mut out = Vec::new();
    // Only the day folders of the window: a trail's whole history would be listed otherwise.
    let mut folders = Vec::new();
    let mut day_cursor = cfg.start.date_naive();
    let last = (cfg.end + chrono::Duration::hours(1)).date_naive();
    while day_cursor <= last {
        let day = day_cursor.format("%Y/%m/%d").to_string();
        folders.push((format!("{}/{day}/", scope.list_prefix()), true));
        folders.push((format!("{}{day}/", scope.log_prefix()), false));
        let Some(next) = day_cursor.succ_opt() else {
            break;
        };
        day_cursor = next;
    }
    for (prefix, is_digest) in folders {
        let versions = match source.versions(&cfg.bucket, &prefix).await {
            Ok(Some(v)) => v,
            Ok(None) => continue,
            Err(e) => {
                out.push(Finding::versions_unavailable(
                    format!("s3://{}/{prefix}", cfg.bucket),
                    &e.verdict_text(),
                ));
                break;
            }
        };
        let mut by_key: std::collections::BTreeMap<&str, Vec<&crate::source::ObjectVersion>> =
            std::collections::BTreeMap::new();
        for v in &versions {
            by_key.entry(v.key.as_str()).or_default().push(v);
        }
        for (key, vs) in by_key {
            let in_window = if is_digest {
                let ts = key_timestamp(key);
                ts >= lo && ts <= hi
            } else {
                crate::chain::findings::log_key_time(key)
                    .is_some_and(|t| t >= cfg.start && t <= cfg.end)
            };
            let data: Vec<&&crate::source::ObjectVersion> =
                vs.iter().filter(|v| !v.delete_marker).collect();
            let deleted = vs.iter().any(|v| v.delete_marker && v.is_latest);
            if !in_window || (data.len() <= 1 && !deleted) {
                continue;
            }
            let location = Location::new(&cfg.bucket, key);
            let verdict = match data.last() {
                None => "no earlier version is left".to_owned(),
                Some(first) => {
                    earliest_verdict(
                        source,
                        cfg,
                        keys,
                        &expected,
                        &location,
                        &first.version_id,
                        is_digest,
                    )
                    .await
                }
            };
            let message = if deleted {
                format!(
                    "deleted (delete marker); {} earlier version(s) kept; {verdict}",
                    data.len()
                )
            } else {
                format!(
                    "{} versions (overwritten {} time(s) after delivery); {verdict}",
                    data.len(),
                    data.len() - 1
                )
            };
            out.push(Finding::versioned(is_digest, deleted, &location, message));
        }
    }
    out
}

/// The checks the reference lacks (spec §7, W1–W8), after both walks of a region.
pub(super) async fn detect<S: ObjectSource + 'static>(
    source: &S,
    prefetch: &mut Prefetcher<S>,
    cfg: &VerifyConfig,
    scope: &DigestScope,
    keys: &KeySet,
    listed: &[(ChainKind, Location)],
    seen: WalkRecord,
) -> Vec<Item> {
    use crate::chain::findings;
    let mut out: Vec<Finding> = Vec::new();
    let id = crate::chain::anchor::chain_id(&cfg.arn.arn, &cfg.bucket, &scope.list_prefix());
    // Only an anchor inside this window can be found again by this walk.
    if let Some(anchor) = cfg
        .anchors
        .get(&id)
        .filter(|a| a.end >= cfg.start && a.end <= cfg.end + chrono::Duration::hours(1))
    {
        let visits = seen
            .visits
            .iter()
            .find(|(k, _)| *k == ChainKind::Standard)
            .map_or(&[][..], |(_, v)| v.as_slice());
        out.extend(crate::chain::anchor::check_anchor(
            anchor,
            visits,
            &seen.judged,
        ));
    }
    // W2, W4, W7, W8 along the walked chains.
    for (kind, visits) in &seen.visits {
        out.extend(findings::check_chain(
            *kind,
            visits,
            &seen.judged,
            scope,
            cfg.start,
        ));
    }
    out.extend(findings::check_duplicates(&seen.valid));
    out.extend(version_findings(source, cfg, scope, keys, &seen).await);
    // W3, then W1 with every trail's references.
    let (unlinked, mut referenced) = unlinked_digests(prefetch, cfg, keys, listed, &seen).await;
    out.extend(unlinked);
    let (theirs, references_complete) = other_trails_logs(source, cfg, scope, keys).await;
    // Log files no digest references are forged, unless a trail without validation (or
    // an unreadable neighbour's digest) could account for them.
    let uncertain = if !references_complete {
        Some("the digests of other trails delivering here could not all be read".to_owned())
    } else if !cfg.unvalidated_trails.is_empty() {
        Some(format!(
            "{} deliver(s) here without log file validation",
            cfg.unvalidated_trails.join(", ")
        ))
    } else {
        None
    };
    referenced.extend(theirs);
    referenced.extend(
        seen.valid
            .iter()
            .flat_map(|d| d.logs.iter().map(|l| l.location.clone())),
    );
    let referenced: std::collections::BTreeSet<Location> = referenced.into_iter().collect();
    let (present, unlisted) = present_logs(source, cfg, scope).await;
    out.extend(unlisted);
    let (present, foreign) = findings::split_foreign(&present, &referenced, scope);
    // The newest digest of the chain whatever its verdict (an unreadable newest digest is not
    // a deleted tail): its end when verified, else its key time.
    let key_date = |l: &Location| crate::time::parse_record_time(&key_timestamp(&l.key)).ok();
    let newest_end = seen
        .valid
        .iter()
        .filter(|d| d.kind == ChainKind::Standard)
        .map(|d| d.end.instant)
        .chain(
            listed
                .iter()
                .filter(|(k, _)| *k == ChainKind::Standard)
                .filter_map(|(_, l)| key_date(l)),
        )
        .max();
    let uncovered = uncovered_periods(&seen, cfg.start);
    let deleted: Vec<findings::DeletedDigest> = seen
        .visits
        .iter()
        .filter(|(k, _)| *k == ChainKind::Standard)
        .flat_map(|(_, v)| findings::deleted_digests(v, &seen.judged, scope, cfg.start))
        .collect();
    let logs = findings::check_log_folder(
        &present,
        &referenced,
        (cfg.start, cfg.end),
        &uncovered,
        &deleted,
        newest_end,
        uncertain.as_deref(),
    );
    out.extend(logs.findings);
    out.extend(foreign);
    // W5: a deleted tail.
    let newer = newer_digest_exists(source, cfg, scope).await;
    out.extend(findings::check_tail(
        scope,
        &cfg.bucket,
        newest_end,
        (cfg.start, cfg.end),
        newer,
        cfg.trail_status.as_ref(),
    ));
    out.into_iter()
        .map(Item::Finding)
        .chain(logs.pending.into_iter().map(Item::PendingLog))
        .collect()
}
