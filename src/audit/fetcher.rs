//! Fetching ahead and hashing off the async threads: the digest prefetcher that runs along
//! the walk, and the pool of threads (one per core) that inflate and hash log bodies and,
//! when analyses asked for them, hand the hashed bytes to their readers right away.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use super::stream::{LogFile, LogReader, Provenance, read_one};
use crate::chain::digest::ExpectedHash;
use crate::chain::log::{LogVerdict, verify_log_keeping, verify_log_within};
use crate::source::ObjectSource;
use crate::vocab::{FetchError, FetchErrorKind, FetchedObject, Location};

/// Fetches digests ahead of the walker, in walk order, at most `window` at a time.
pub(super) struct Prefetcher<S> {
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
    pub(super) fn new(source: Arc<S>, max_bytes: u64, window: usize) -> Self {
        Self {
            source,
            max_bytes,
            window,
            queue: VecDeque::new(),
            order: HashMap::new(),
            pending: HashMap::new(),
        }
    }

    pub(super) fn enqueue(&mut self, locations: impl IntoIterator<Item = Location>) {
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

    pub(super) async fn take(&mut self, loc: &Location) -> Result<FetchedObject, FetchError> {
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

/// Work for the hash pool.
type Job = Box<dyn FnOnce() + Send>;

/// One thread per core that inflates and hashes log bodies (and runs the analyses' readers
/// on the bytes just hashed). Downloads hand their bodies over without a thread hop per
/// file, and the cores stay busy without oversubscribing the machine. The queue needs no
/// bound of its own: at most `concurrency` log checks are in flight. `None` when no thread
/// could be started (then the blocking pool is used).
fn hash_pool() -> Option<&'static std::sync::mpsc::Sender<Job>> {
    static POOL: std::sync::OnceLock<Option<std::sync::mpsc::Sender<Job>>> =
        std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        let started = (0..threads)
            .filter(|n| {
                let rx = Arc::clone(&rx);
                std::thread::Builder::new()
                    .name(format!("trailproof-hash-{n}"))
                    .spawn(move || {
                        while let Ok(job) =
                            rx.lock().map_err(drop).and_then(|r| r.recv().map_err(drop))
                        {
                            job();
                        }
                    })
                    .is_ok()
            })
            .count();
        (started > 0).then_some(tx)
    })
    .as_ref()
}

/// Runs `work` on the hash pool (else the blocking pool) and awaits its result.
pub(super) async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, FetchError> {
    let failed = |e: &dyn std::fmt::Display| {
        FetchError::new(FetchErrorKind::Other, format!("hash task failed: {e}"))
    };
    if let Some(pool) = hash_pool() {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = reply.send(work());
        });
        let job = match pool.send(job) {
            Ok(()) => return answer.await.map_err(|e| failed(&e)),
            Err(std::sync::mpsc::SendError(job)) => job,
        };
        // The pool is gone: the same job runs on the blocking pool and answers alike.
        tokio::task::spawn_blocking(job)
            .await
            .map_err(|e| failed(&e))?;
        return answer.await.map_err(|e| failed(&e));
    }
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| failed(&e))
}

/// What checking a log body gave: its verdict, and what the analyses read from the hashed
/// bytes (when they asked for them and the log could be read).
pub(super) struct Checked<P> {
    pub(super) verdict: Result<LogVerdict, FetchError>,
    pub(super) part: Option<P>,
    pub(super) stored: Option<Stored>,
}

/// SHA-256 and size of an object as stored (compressed), for the evidence appendix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Lower-case hex SHA-256 of the bytes as stored.
    pub sha256: String,
    /// Size as stored.
    pub bytes: u64,
}

impl Stored {
    /// The facts of `body`.
    #[must_use]
    pub fn of(body: &[u8]) -> Self {
        Self {
            sha256: crate::hash::sha256_hex(body),
            bytes: body.len() as u64,
        }
    }
}

/// Inflates and hashes a log body off the async threads, within the decompressed-size limit
/// (over it, the log is an `ERROR`, `too_large`, not a verdict). With a reader, the bytes
/// that were hashed are handed to it right away (the body is not kept after that).
pub(super) async fn check_log_body<R: LogReader>(
    body: Vec<u8>,
    expected: ExpectedHash,
    max_inflated: u64,
    analysis: Option<(Arc<R>, Location)>,
) -> Checked<R::Part> {
    let work = move || match analysis {
        None => Checked {
            verdict: verify_log_within(&body, &expected, max_inflated).map_err(FetchError::from),
            part: None,
            stored: None,
        },
        Some((reader, location)) => match verify_log_keeping(&body, &expected, max_inflated) {
            Err(e) => Checked {
                verdict: Err(FetchError::from(e)),
                part: None,
                stored: None,
            },
            Ok((verdict, inflated)) => {
                let stored = Stored::of(&body);
                let sha256 = std::sync::OnceLock::from(stored.sha256.clone());
                let provenance = if verdict == LogVerdict::Valid {
                    Provenance::Verified
                } else {
                    Provenance::Failed
                };
                let name = location.uri();
                let file = LogFile {
                    name: &name,
                    location: Some(&location),
                    provenance,
                    stored: &body,
                    sha256: &sha256,
                    inflated: inflated.as_deref(),
                };
                let part = read_one(reader.as_ref(), &file);
                Checked {
                    verdict: Ok(verdict),
                    part: Some(part),
                    stored: Some(stored),
                }
            }
        },
    };
    off_thread(work).await.unwrap_or_else(|e| Checked {
        verdict: Err(e),
        part: None,
        stored: None,
    })
}

/// Reads a log file the chain does not vouch for (unreferenced, foreign, pending) on the
/// pool: no hash to check, the readers inflate it themselves.
pub(super) async fn read_unvouched<R: LogReader>(
    body: Vec<u8>,
    location: Location,
    provenance: Provenance,
    reader: Arc<R>,
) -> Result<(R::Part, Stored), FetchError> {
    off_thread(move || {
        let stored = Stored::of(&body);
        let sha256 = std::sync::OnceLock::from(stored.sha256.clone());
        let name = location.uri();
        let file = LogFile {
            name: &name,
            location: Some(&location),
            provenance,
            stored: &body,
            sha256: &sha256,
            inflated: None,
        };
        (read_one(reader.as_ref(), &file), stored)
    })
    .await
}

impl<S> Drop for Prefetcher<S> {
    fn drop(&mut self) {
        for (_, (_, handle)) in self.pending.drain() {
            handle.abort();
        }
    }
}
