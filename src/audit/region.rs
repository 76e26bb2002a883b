//! One source region's verification: list the digests, walk both chains through the pure
//! core, check every log file they reference, run the checks the reference lacks, and emit
//! every outcome in the reference's order, folding what the analyses read from each log
//! file into them in that same order (the verified stream, [`super::stream`]).
//!
//! Work runs in parallel (digests are prefetched along the listing, logs are fetched and
//! hashed `concurrency` at a time), but items come out in the reference's order: newest
//! digest first, its log files right after it, the standard chain before the backfill one.

use std::collections::HashMap;
use std::sync::Arc;

use futures::StreamExt as _;
use futures::future::BoxFuture;

use super::config::VerifyConfig;
use super::detect::{WalkRecord, detect};
use super::fetcher::{Prefetcher, Stored, check_log_body, read_unvouched};
use super::item::{DigestStatus, Item, LogStatus, RegionError};
use super::stream::{LogConsumer, LogReader, Provenance};
use crate::chain::digest::{ExpectedHash, no_keys_message};
use crate::chain::findings::FindingCode;
use crate::chain::keys::KeySet;
use crate::chain::layout::{ChainKind, DigestScope, filter_listing, key_timestamp};
use crate::chain::log::LogVerdict;
use crate::chain::walk::{ChainEvent, ChainWalker, Need, Step, WalkInputs};
use crate::limits::Limits;
use crate::source::{KeyProvider, ObjectSource};
use crate::time::{UtcTime, format_key};
use crate::vocab::{FetchError, FetchErrorKind, Location};

/// Source regions found under the trail's digest folder.
///
/// # Errors
/// [`FetchError`] when the folder cannot be listed.
pub async fn discover_regions<S: ObjectSource>(
    source: &S,
    cfg: &VerifyConfig,
) -> Result<Vec<String>, FetchError> {
    let scope = cfg.scope("");
    let prefix = scope.list_prefix();
    source.list_dirs(&cfg.bucket, &prefix).await
}

/// Lists the digests of `bucket` for one region and window, like the reference.
async fn list_digests<S: ObjectSource>(
    source: &S,
    cfg: &VerifyConfig,
    scope: &DigestScope,
    bucket: &str,
    end: &UtcTime,
) -> Result<crate::chain::layout::DigestListing, RegionError> {
    let prefix = scope.list_prefix();
    let filter = scope.key_filter();
    let hi = format_key(&(*end + chrono::Duration::hours(1)));
    let stop = move |k: &str| filter.matches(k) && key_timestamp(k) > hi;
    let keys = source
        .list(bucket, &prefix, &scope.start_after(&cfg.start), &stop)
        .await
        .map_err(|error| RegionError::Listing {
            bucket: bucket.to_owned(),
            prefix: prefix.clone(),
            error,
        })?;
    Ok(filter_listing(
        keys.iter().map(String::as_str),
        scope,
        &cfg.start,
        end,
    ))
}

/// An item on its way out, with what the analyses read from its log file (if any) and the
/// facts of its object as stored (for the evidence appendix).
struct Emitted<P> {
    item: Item,
    part: Option<P>,
    stored: Option<Stored>,
}

type Pending<P> = BoxFuture<'static, Emitted<P>>;

/// What a consumer's reader makes of one file.
type PartOf<C> = <<C as LogConsumer>::Reader as LogReader>::Part;

fn ready<P: Send + 'static>(item: Item) -> Pending<P> {
    Box::pin(futures::future::ready(Emitted {
        item,
        part: None,
        stored: None,
    }))
}

/// What a region run hands its caller for every item, in order: the item and, for digests
/// and log files that were read, the SHA-256 and size of the object as stored.
pub type Emit<'a> = dyn FnMut(&Item, Option<&Stored>) + Send + 'a;

/// Verifies the chains of one source region, calling `emit` with every item in order, and
/// folding into `consumer` what its reader made of every log file that could be read (in
/// the same order, so the analyses do not depend on which download finished first).
///
/// # Errors
/// [`RegionError`] when the region cannot be verified at all (listing or keys).
#[allow(clippy::too_many_lines)] // one linear pipeline: list, keys, walk, detect, print
pub async fn verify_region<S, K, C>(
    source: Arc<S>,
    keys: &K,
    cfg: &VerifyConfig,
    region: &str,
    consumer: &mut C,
    emit: &mut Emit<'_>,
) -> Result<(), RegionError>
where
    S: ObjectSource + 'static,
    K: KeyProvider,
    C: LogConsumer,
{
    let scope = cfg.scope(region);
    let listing = list_digests(source.as_ref(), cfg, &scope, &cfg.bucket, &cfg.end).await?;
    let key_to = cfg.end + chrono::Duration::hours(2);
    let records = keys
        .public_keys(region, cfg.start, key_to)
        .await
        .map_err(RegionError::Keys)?;
    if records.is_empty() {
        return Err(RegionError::NoKeys(no_keys_message(&cfg.start, &key_to)));
    }
    let keyset = KeySet::from_records(records);
    let analysis = <C::Reader as LogReader>::WANTS_BODIES.then(|| consumer.reader());

    let concurrency = cfg.concurrency.max(1);
    let mut prefetch = Prefetcher::new(
        Arc::clone(&source),
        cfg.limits.max_digest_bytes,
        concurrency.max(4),
    );
    let walk_order = listing
        .standard
        .iter()
        .rev()
        .chain(listing.backfill.iter().rev())
        .map(|k| Location::new(&cfg.bucket, k))
        .collect::<Vec<_>>();
    prefetch.enqueue(walk_order);
    let listed: Vec<(ChainKind, Location)> = listing
        .standard
        .iter()
        .map(|k| (ChainKind::Standard, Location::new(&cfg.bucket, k)))
        .chain(
            listing
                .backfill
                .iter()
                .map(|k| (ChainKind::Backfill, Location::new(&cfg.bucket, k))),
        )
        .collect();
    let mut inputs = WalkInputs::default();
    inputs
        .listings
        .insert((cfg.bucket.clone(), cfg.end), listing);

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Pending<PartOf<C>>>(concurrency * 8);
    let walk = async {
        let mut seen = WalkRecord::default();
        // Digests as stored, for the evidence appendix (only when analyses run).
        let mut digests_stored: HashMap<Location, Stored> = HashMap::new();
        for kind in [ChainKind::Standard, ChainKind::Backfill] {
            let mut walker = ChainWalker::new(
                kind,
                &cfg.bucket,
                cfg.start,
                cfg.end,
                &cfg.arn.home_region,
                keyset.clone(),
                cfg.limits,
            );
            loop {
                match walker.step(&mut inputs) {
                    Step::Done => break,
                    Step::Need(Need::Digest(loc)) => {
                        let r = prefetch.take(&loc).await;
                        if analysis.is_some()
                            && let Ok(obj) = &r
                        {
                            digests_stored.insert(loc.clone(), Stored::of(&obj.body));
                        }
                        inputs.objects.insert(loc, r);
                    }
                    Step::Need(Need::Listing { bucket, end }) => {
                        let l = match list_digests(source.as_ref(), cfg, &scope, &bucket, &end)
                            .await
                        {
                            Ok(l) => l,
                            Err(e) => {
                                // The walk goes on with what it has, but the run is incomplete.
                                let (prefix, error) = match e {
                                    RegionError::Listing { prefix, error, .. } => (prefix, error),
                                    other => (
                                        String::new(),
                                        FetchError::new(FetchErrorKind::Other, other.to_string()),
                                    ),
                                };
                                let item = Item::Digest {
                                    kind,
                                    location: Location::new(&bucket, format!("{prefix}/")),
                                    status: DigestStatus::Error(error),
                                };
                                if tx.send(ready(item)).await.is_err() {
                                    return;
                                }
                                crate::chain::layout::DigestListing::default()
                            }
                        };
                        prefetch.enqueue(
                            l.standard
                                .iter()
                                .rev()
                                .chain(l.backfill.iter().rev())
                                .map(|k| Location::new(&bucket, k)),
                        );
                        inputs.listings.insert((bucket, end), l);
                    }
                    Step::Need(Need::Keys { from, to }) => {
                        let r = keys.public_keys(region, from, to).await;
                        inputs.key_windows.insert((from, to), r);
                    }
                    Step::Event(ev) => {
                        seen.note(&ev);
                        for p in pending_items(
                            &source,
                            ev,
                            cfg.limits,
                            analysis.as_ref(),
                            &mut digests_stored,
                        ) {
                            if tx.send(p).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            }
            seen.visits.push((kind, walker.visits().to_vec()));
        }
        let head = seen
            .valid
            .iter()
            .filter(|d| d.kind == ChainKind::Standard)
            .max_by_key(|d| d.end.instant)
            .map(crate::chain::anchor::Anchor::of);
        if cfg.detect {
            let found = detect(
                source.as_ref(),
                &mut prefetch,
                cfg,
                &scope,
                &keyset,
                &listed,
                seen,
            )
            .await;
            for item in found {
                let p = match (&analysis, unvouched(&item)) {
                    (Some(reader), Some((location, provenance))) => read_log_unvouched(
                        Arc::clone(&source),
                        Arc::clone(reader),
                        item,
                        location,
                        provenance,
                        cfg.limits,
                    ),
                    _ => ready(item),
                };
                if tx.send(p).await.is_err() {
                    return;
                }
            }
        }
        if let Some(head) = head {
            let _ = tx.send(ready(Item::Head(head))).await;
        }
        drop(tx);
    };
    let print = async {
        let stream = futures::stream::poll_fn(|cx| rx.poll_recv(cx)).buffered(concurrency);
        futures::pin_mut!(stream);
        while let Some(out) = stream.next().await {
            if let Some(part) = out.part {
                consumer.fold(part);
            }
            emit(&out.item, out.stored.as_ref());
        }
    };
    tokio::join!(walk, print);
    Ok(())
}

/// The log file an item names that the chain does not vouch for, with its provenance:
/// unreferenced, unverifiable, foreign and pending objects of the log folder are analysed
/// too (marked as not verified), because a forged log is evidence as well; the readers
/// skip what is not `CloudTrail`.
fn unvouched(item: &Item) -> Option<(Location, Provenance)> {
    match item {
        Item::PendingLog(l) => Some((l.clone(), Provenance::Pending)),
        Item::Finding(f) => {
            let provenance = match f.code {
                FindingCode::UnreferencedLog => Provenance::Unreferenced,
                FindingCode::UnverifiableLog => Provenance::Unverifiable,
                FindingCode::ForeignObject => Provenance::Foreign,
                _ => return None,
            };
            Location::from_uri(&f.subject).map(|l| (l, provenance))
        }
        _ => None,
    }
}

/// Fetches a log file the chain does not vouch for and hands it to the readers; an object
/// that cannot be read is not analysed (the item stays as it is).
fn read_log_unvouched<S, R>(
    source: Arc<S>,
    reader: Arc<R>,
    item: Item,
    location: Location,
    provenance: Provenance,
    limits: Limits,
) -> Pending<R::Part>
where
    S: ObjectSource + 'static,
    R: LogReader,
{
    Box::pin(async move {
        let Ok(obj) = source.get(&location, limits.max_log_bytes).await else {
            return Emitted {
                item,
                part: None,
                stored: None,
            };
        };
        match read_unvouched(obj.body, location, provenance, reader).await {
            Ok((part, stored)) => Emitted {
                item,
                part: Some(part),
                stored: Some(stored),
            },
            Err(_) => Emitted {
                item,
                part: None,
                stored: None,
            },
        }
    })
}

/// Fetches one referenced log file, judges it, and hands the hashed bytes to the readers.
async fn check_log<S: ObjectSource, R: LogReader>(
    source: Arc<S>,
    location: Location,
    expected: ExpectedHash,
    limits: Limits,
    analysis: Option<Arc<R>>,
) -> Emitted<R::Part> {
    let (status, part, stored) = match source.get(&location, limits.max_log_bytes).await {
        Err(e) if e.is_not_found() => (LogStatus::Missing, None, None),
        Err(e) => (LogStatus::Error(e), None, None),
        Ok(obj) => {
            let analysis = analysis.map(|r| (r, location.clone()));
            let checked =
                check_log_body(obj.body, expected, limits.max_log_inflated_bytes, analysis).await;
            match checked.verdict {
                Ok(v) => (LogStatus::Verdict(v), checked.part, checked.stored),
                Err(e) => (LogStatus::Error(e), None, None),
            }
        }
    };
    Emitted {
        item: Item::Log { location, status },
        part,
        stored,
    }
}

fn pending_items<S: ObjectSource + 'static, R: LogReader>(
    source: &Arc<S>,
    ev: ChainEvent,
    limits: Limits,
    analysis: Option<&Arc<R>>,
    digests_stored: &mut HashMap<Location, Stored>,
) -> Vec<Pending<R::Part>> {
    let digest = |item: Item, stored: Option<Stored>| -> Pending<R::Part> {
        Box::pin(futures::future::ready(Emitted {
            item,
            part: None,
            stored,
        }))
    };
    match ev {
        ChainEvent::Valid(d) => {
            let stored = digests_stored.remove(&d.location);
            let mut out = vec![digest(
                Item::Digest {
                    kind: d.kind,
                    location: d.location.clone(),
                    status: DigestStatus::Valid {
                        start: d.start,
                        end: d.end,
                    },
                },
                stored,
            )];
            for log in d.logs {
                if log.fetchable {
                    out.push(Box::pin(check_log(
                        Arc::clone(source),
                        log.location,
                        log.expected,
                        limits,
                        analysis.cloned(),
                    )));
                } else {
                    // The reference's request cannot even be built: `invalid format`.
                    out.push(ready(Item::Log {
                        location: log.location,
                        status: LogStatus::Verdict(LogVerdict::InvalidFormat),
                    }));
                }
            }
            out
        }
        ChainEvent::Invalid {
            kind,
            location,
            failure,
        } => {
            let stored = digests_stored.remove(&location);
            vec![digest(
                Item::Digest {
                    kind,
                    location,
                    status: DigestStatus::Invalid(failure),
                },
                stored,
            )]
        }
        ChainEvent::Missing { kind, location } => vec![ready(Item::Digest {
            kind,
            location,
            status: DigestStatus::Missing,
        })],
        ChainEvent::Error {
            kind,
            location,
            error,
        } => vec![ready(Item::Digest {
            kind,
            location,
            status: DigestStatus::Error(error),
        })],
        ChainEvent::Gap { kind, from, to } => vec![ready(Item::Gap { kind, from, to })],
    }
}
