//! Orchestration of `verify`: list, fetch with bounded concurrency, feed the pure core, and
//! hand ordered [`Item`]s to a sink.
//!
//! Work runs in parallel (digests are prefetched along the listing, logs are fetched and
//! hashed `concurrency` at a time), but items come out in the reference's order: newest
//! digest first, its log files right after it, the standard chain before the backfill one.

mod detect;

use detect::{WalkRecord, detect};

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use futures::StreamExt as _;
use futures::future::BoxFuture;

use crate::chain::digest::{DigestFailure, ExpectedHash, no_keys_message};
use crate::chain::findings::{Finding, TrailStatus};
use crate::chain::keys::KeySet;
use crate::chain::layout::{ChainKind, DigestScope, TrailArn, filter_listing, key_timestamp};
use crate::chain::log::{LogVerdict, verify_log_within};
use crate::chain::walk::{ChainEvent, ChainWalker, Need, Step, WalkInputs};
use crate::limits::Limits;
use crate::source::{KeyProvider, ObjectSource};
use crate::time::{RecordTime, UtcTime, format_key};
use crate::vocab::{FetchError, FetchErrorKind};
use crate::vocab::{FetchedObject, Location};

/// What a verification run covers.
#[derive(Debug, Clone)]
pub struct VerifyConfig {
    /// The trail.
    pub arn: TrailArn,
    /// Requested window start.
    pub start: UtcTime,
    /// Requested window end.
    pub end: UtcTime,
    /// Bucket holding the digests.
    pub bucket: String,
    /// Key prefix.
    pub prefix: Option<String>,
    /// Organization id for organization trails.
    pub organization_id: Option<String>,
    /// Account whose digests are verified.
    pub account_id: String,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Size limits.
    pub limits: Limits,
    /// Run the checks the reference lacks (forged logs, broken links, deleted runs and
    /// tails, sanity). On by default.
    pub detect: bool,
    /// `GetTrailStatus`, when it could be read (head-truncation check).
    pub trail_status: Option<TrailStatus>,
    /// Other trails delivering to the same folder without log file validation.
    pub unvalidated_trails: Vec<String>,
    /// Anchors from the state file, by chain id.
    pub anchors: std::collections::BTreeMap<String, crate::chain::anchor::Anchor>,
}

impl VerifyConfig {
    /// The digest scope of one source region.
    #[must_use]
    pub fn scope(&self, region: &str) -> DigestScope {
        DigestScope {
            prefix: self.prefix.clone(),
            organization_id: self.organization_id.clone(),
            account_id: self.account_id.clone(),
            source_region: region.to_owned(),
            home_region: self.arn.home_region.clone(),
            trail_name: self.arn.name.clone(),
        }
    }
}

/// A digest's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestStatus {
    /// Signature verified.
    Valid {
        /// `digestStartTime`.
        start: RecordTime,
        /// `digestEndTime`.
        end: RecordTime,
    },
    /// INVALID with a reason.
    Invalid(DigestFailure),
    /// `NoSuchKey`.
    Missing,
    /// Could not be read.
    Error(FetchError),
}

/// A log file's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogStatus {
    /// Read and judged.
    Verdict(LogVerdict),
    /// `NoSuchKey`.
    Missing,
    /// Could not be read.
    Error(FetchError),
}

/// One ordered outcome of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A digest.
    Digest {
        /// Chain.
        kind: ChainKind,
        /// Location.
        location: Location,
        /// Status.
        status: DigestStatus,
    },
    /// A log file referenced by the preceding valid digest.
    Log {
        /// Location.
        location: Location,
        /// Status.
        status: LogStatus,
    },
    /// Tampering the reference misses (printed after the reference's summary).
    Finding(Finding),
    /// A log file newer than the newest digest: not covered yet, not a finding.
    PendingLog(Location),
    /// The newest verified standard digest of the region (the next run's anchor).
    Head(crate::chain::anchor::Anchor),
    /// A chain restart note.
    Gap {
        /// Chain.
        kind: ChainKind,
        /// Older digest end.
        from: UtcTime,
        /// Newer digest start.
        to: UtcTime,
    },
}

/// A region that could not be verified at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionError {
    /// The digest folder could not be listed.
    #[error("cannot list digests in s3://{bucket}/{prefix}: {error}")]
    Listing {
        /// Bucket.
        bucket: String,
        /// Prefix.
        prefix: String,
        /// Cause.
        error: FetchError,
    },
    /// The public keys could not be obtained.
    #[error("cannot get public keys: {0}")]
    Keys(FetchError),
    /// No public keys for the window (the reference's fatal error).
    #[error("{0}")]
    NoKeys(String),
}

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

/// Fetches digests ahead of the walker, in walk order, at most `window` at a time.
struct Prefetcher<S> {
    source: Arc<S>,
    max_bytes: u64,
    window: usize,
    queue: VecDeque<(usize, Location)>,
    order: HashMap<Location, usize>,
    pending: HashMap<
        Location,
        (
            usize,
            tokio::task::JoinHandle<Result<FetchedObject, FetchError>>,
        ),
    >,
}

impl<S: ObjectSource + 'static> Prefetcher<S> {
    fn new(source: Arc<S>, max_bytes: u64, window: usize) -> Self {
        Self {
            source,
            max_bytes,
            window,
            queue: VecDeque::new(),
            order: HashMap::new(),
            pending: HashMap::new(),
        }
    }

    fn enqueue(&mut self, locations: impl IntoIterator<Item = Location>) {
        for loc in locations {
            let ix = self.order.len();
            self.order.entry(loc.clone()).or_insert(ix);
            self.queue.push_back((ix, loc));
        }
        self.top_up();
    }

    fn top_up(&mut self) {
        while self.pending.len() < self.window {
            let Some((ix, loc)) = self.queue.pop_front() else {
                break;
            };
            if self.pending.contains_key(&loc) {
                continue;
            }
            let source = Arc::clone(&self.source);
            let max = self.max_bytes;
            let l = loc.clone();
            let handle = tokio::spawn(async move { source.get(&l, max).await });
            self.pending.insert(loc, (ix, handle));
        }
    }

    async fn take(&mut self, loc: &Location) -> Result<FetchedObject, FetchError> {
        // Anything queued before `loc` was skipped by the walk: drop it.
        if let Some(&ix) = self.order.get(loc) {
            self.pending.retain(|_, (i, h)| {
                let keep = *i >= ix;
                if !keep {
                    h.abort();
                }
                keep
            });
            while self.queue.front().is_some_and(|(i, _)| *i < ix) {
                self.queue.pop_front();
            }
        }
        self.queue.retain(|(_, l)| l != loc);
        let result = match self.pending.remove(loc) {
            Some((_, handle)) => handle.await.unwrap_or_else(|e| {
                Err(FetchError::new(
                    FetchErrorKind::Other,
                    format!("fetch task failed: {e}"),
                ))
            }),
            None => self.source.get(loc, self.max_bytes).await,
        };
        self.top_up();
        result
    }
}

/// A log body waiting to be inflated and hashed, and where to send the verdict.
type HashJob = (
    Vec<u8>,
    ExpectedHash,
    u64,
    tokio::sync::oneshot::Sender<Result<LogVerdict, FetchError>>,
);

/// Inflates and hashes a log body within the decompressed-size limit; over it, the log is
/// an `ERROR` (`too_large`), not a verdict.
fn judge_log(
    body: &[u8],
    expected: &ExpectedHash,
    max_inflated: u64,
) -> Result<LogVerdict, FetchError> {
    verify_log_within(body, expected, max_inflated).map_err(FetchError::from)
}

/// One thread per core that inflates and hashes log bodies. Downloads hand their bodies
/// over without a thread hop per file, and the cores stay busy without oversubscribing the
/// machine. The queue needs no bound of its own: at most `concurrency` log checks are in
/// flight. `None` when no thread could be started (then the blocking pool is used).
fn hash_pool() -> Option<&'static std::sync::mpsc::Sender<HashJob>> {
    static POOL: std::sync::OnceLock<Option<std::sync::mpsc::Sender<HashJob>>> =
        std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let (tx, rx) = std::sync::mpsc::channel::<HashJob>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        let started = (0..threads)
            .filter(|n| {
                let rx = Arc::clone(&rx);
                std::thread::Builder::new()
                    .name(format!("trailproof-hash-{n}"))
                    .spawn(move || {
                        while let Ok((body, expected, max, reply)) =
                            rx.lock().map_err(drop).and_then(|r| r.recv().map_err(drop))
                        {
                            let _ = reply.send(judge_log(&body, &expected, max));
                        }
                    })
                    .is_ok()
            })
            .count();
        (started > 0).then_some(tx)
    })
    .as_ref()
}

/// Inflates and hashes a log body off the async threads.
async fn hash_log(
    body: Vec<u8>,
    expected: ExpectedHash,
    max_inflated: u64,
) -> Result<LogVerdict, FetchError> {
    let failed = |e: &dyn std::fmt::Display| {
        FetchError::new(FetchErrorKind::Other, format!("hash task failed: {e}"))
    };
    if let Some(pool) = hash_pool() {
        let (reply, verdict) = tokio::sync::oneshot::channel();
        match pool.send((body, expected, max_inflated, reply)) {
            Ok(()) => return verdict.await.map_err(|e| failed(&e))?,
            Err(std::sync::mpsc::SendError((body, expected, _, _))) => {
                return tokio::task::spawn_blocking(move || {
                    judge_log(&body, &expected, max_inflated)
                })
                .await
                .map_err(|e| failed(&e))?;
            }
        }
    }
    tokio::task::spawn_blocking(move || judge_log(&body, &expected, max_inflated))
        .await
        .map_err(|e| failed(&e))?
}

impl<S> Drop for Prefetcher<S> {
    fn drop(&mut self) {
        for (_, (_, handle)) in self.pending.drain() {
            handle.abort();
        }
    }
}

async fn check_log<S: ObjectSource>(
    source: Arc<S>,
    location: Location,
    expected: ExpectedHash,
    limits: Limits,
) -> Item {
    let status = match source.get(&location, limits.max_log_bytes).await {
        Err(e) if e.is_not_found() => LogStatus::Missing,
        Err(e) => LogStatus::Error(e),
        Ok(obj) => match hash_log(obj.body, expected, limits.max_log_inflated_bytes).await {
            Ok(v) => LogStatus::Verdict(v),
            Err(e) => LogStatus::Error(e),
        },
    };
    Item::Log { location, status }
}

type Pending = BoxFuture<'static, Item>;

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

/// Verifies the chains of one source region, calling `emit` with every item in order.
///
/// # Errors
/// [`RegionError`] when the region cannot be verified at all (listing or keys).
#[allow(clippy::too_many_lines)] // one linear pipeline: list, keys, walk, detect, print
pub async fn verify_region<S, K>(
    source: Arc<S>,
    keys: &K,
    cfg: &VerifyConfig,
    region: &str,
    emit: &mut (dyn FnMut(Item) + Send),
) -> Result<(), RegionError>
where
    S: ObjectSource + 'static,
    K: KeyProvider,
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

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Pending>(concurrency * 8);
    let walk = async {
        let mut seen = WalkRecord::default();
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
                                if tx
                                    .send(Box::pin(futures::future::ready(item)))
                                    .await
                                    .is_err()
                                {
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
                        for p in pending_items(&source, ev, cfg.limits) {
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
                if tx
                    .send(Box::pin(futures::future::ready(item)))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
        if let Some(head) = head {
            let _ = tx
                .send(Box::pin(futures::future::ready(Item::Head(head))))
                .await;
        }
        drop(tx);
    };
    let print = async {
        let stream = futures::stream::poll_fn(|cx| rx.poll_recv(cx)).buffered(concurrency);
        futures::pin_mut!(stream);
        while let Some(item) = stream.next().await {
            emit(item);
        }
    };
    tokio::join!(walk, print);
    Ok(())
}

fn pending_items<S: ObjectSource + 'static>(
    source: &Arc<S>,
    ev: ChainEvent,
    limits: Limits,
) -> Vec<Pending> {
    let ready = |item: Item| -> Pending { Box::pin(futures::future::ready(item)) };
    match ev {
        ChainEvent::Valid(d) => {
            let mut out = vec![ready(Item::Digest {
                kind: d.kind,
                location: d.location.clone(),
                status: DigestStatus::Valid {
                    start: d.start,
                    end: d.end,
                },
            })];
            for log in d.logs {
                if log.fetchable {
                    out.push(Box::pin(check_log(
                        Arc::clone(source),
                        log.location,
                        log.expected,
                        limits,
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
        } => vec![ready(Item::Digest {
            kind,
            location,
            status: DigestStatus::Invalid(failure),
        })],
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
