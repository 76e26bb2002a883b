//! Walking one digest chain, newest to oldest, exactly as the reference does (spec §1.9).
//!
//! The walker is a pure state machine: [`ChainWalker::step`] either returns the next
//! [`ChainEvent`], or says what it [`Need`]s (a listing, a digest object, keys for a
//! window) and leaves its state untouched so the caller can fetch it and call again. That
//! keeps the traversal deterministic and testable while the caller fetches in parallel.
//!
//! The reference's quirks are kept on purpose, because they decide which lines appear:
//! a listing is consumed by popping from its end; a missing or invalid digest continues
//! with the next older *listed* key; a valid digest with a null previous link continues
//! the same way and prints a gap note when there is an older digest.

use std::collections::{BTreeMap, HashMap, VecDeque};

use super::digest::{
    CheckedDigest, DigestFailure, DigestParseError, KeyNeed, no_keys_message, parse_digest_within,
};
use super::keys::{KeySet, PublicKeyRecord};
use super::layout::{ChainKind, DigestListing, key_timestamp};
use crate::limits::{Limit, Limits};
use crate::time::{UtcTime, parse_record_time};
use crate::vocab::{FetchError, FetchedObject, Location};

/// Listings by (bucket, window end), shared by the standard and backfill walks like the
/// reference's cache. Each entry is consumed (popped) in place.
pub type ListingCache = BTreeMap<(String, UtcTime), DigestListing>;

/// Key windows fetched for backfill digests.
pub type KeyWindows = BTreeMap<(UtcTime, UtcTime), Result<Vec<PublicKeyRecord>, FetchError>>;

/// Fetched digest objects (an entry is removed once the walker has judged it).
pub type ObjectStore = HashMap<Location, Result<FetchedObject, FetchError>>;

/// Something the walker cannot continue without.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// List digests of `bucket` for the window ending at `end` (insert into the cache).
    Listing {
        /// Bucket to list.
        bucket: String,
        /// Window end (the listing keeps keys up to `end + 1h`).
        end: UtcTime,
    },
    /// Fetch this digest object.
    Digest(Location),
    /// `ListPublicKeys` for this window (backfill digests).
    Keys {
        /// Window start.
        from: UtcTime,
        /// Window end.
        to: UtcTime,
    },
}

/// One outcome of the walk, in the reference's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainEvent {
    /// Signature verified; its logs are to be checked next.
    Valid(Box<CheckedDigest>),
    /// The digest is INVALID.
    Invalid {
        /// Chain.
        kind: ChainKind,
        /// Where it was fetched from.
        location: Location,
        /// Why.
        failure: DigestFailure,
    },
    /// `NoSuchKey`.
    Missing {
        /// Chain.
        kind: ChainKind,
        /// Where it should have been.
        location: Location,
    },
    /// It could not be read (denied, throttled, timed out…): neither valid nor invalid.
    Error {
        /// Chain.
        kind: ChainKind,
        /// Where.
        location: Location,
        /// What went wrong.
        error: FetchError,
    },
    /// A chain restart with an older digest available: no logs delivered in between.
    Gap {
        /// Chain.
        kind: ChainKind,
        /// End of the older digest (its key timestamp).
        from: UtcTime,
        /// Start of the newer digest.
        to: UtcTime,
    },
}

/// How the walk arrived at a digest: the facts the link checks need (spec §7, W2–W4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reached {
    /// The newest listed digest.
    Newest,
    /// Followed the previous-digest link of this digest.
    Link(Location),
    /// The next older listed key, after a gap, a missing or an invalid digest.
    Jump,
}

/// One digest the walk judged, in walk order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    /// Where it was fetched.
    pub location: Location,
    /// How the walk got there.
    pub reached: Reached,
}

/// What [`ChainWalker::step`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The next event.
    Event(ChainEvent),
    /// Fetch this, then call `step` again.
    Need(Need),
    /// The walk is over.
    Done,
}

/// Everything the walker reads; owned by the caller, filled on demand.
#[derive(Debug, Default)]
pub struct WalkInputs {
    /// Listings.
    pub listings: ListingCache,
    /// Digest objects.
    pub objects: ObjectStore,
    /// Backfill key windows.
    pub key_windows: KeyWindows,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Init,
    Loop,
    Done,
}

/// The traversal of one chain (one source region, one kind).
#[derive(Debug)]
pub struct ChainWalker {
    kind: ChainKind,
    start: UtcTime,
    requested_end: UtcTime,
    home_region: String,
    limits: Limits,
    keys: KeySet,
    bucket: String,
    listing: (String, UtcTime),
    key: Option<String>,
    reached: Reached,
    visits: Vec<Visit>,
    last_start: Option<UtcTime>,
    queue: VecDeque<ChainEvent>,
    phase: Phase,
    steps: u64,
}

fn key_date(key: &str) -> Option<UtcTime> {
    parse_record_time(&key_timestamp(key)).ok()
}

impl ChainWalker {
    /// A walk of `kind` from the newest digest listed in `bucket` for `[start, end]`.
    /// `keys` is the standard chain's key set (the backfill walk starts empty and
    /// fetches keys per digest, like the reference).
    #[must_use]
    pub fn new(
        kind: ChainKind,
        bucket: &str,
        start: UtcTime,
        end: UtcTime,
        home_region: &str,
        keys: KeySet,
        limits: Limits,
    ) -> Self {
        Self {
            kind,
            start,
            requested_end: end,
            home_region: home_region.to_owned(),
            limits,
            keys: if kind == ChainKind::Backfill {
                KeySet::default()
            } else {
                keys
            },
            bucket: bucket.to_owned(),
            listing: (bucket.to_owned(), end),
            key: None,
            reached: Reached::Newest,
            visits: Vec::new(),
            last_start: None,
            queue: VecDeque::new(),
            phase: Phase::Init,
            steps: 0,
        }
    }

    /// The reference's `_get_last_digest`: pop keys from the end of the current listing
    /// until one is older than `before` (or take the last one when `before` is `None`).
    fn pop_older(&self, inp: &mut WalkInputs, before: Option<&str>) -> Option<(String, UtcTime)> {
        let list = inp.listings.get_mut(&self.listing)?.keys_mut(self.kind);
        let before_date = before.and_then(key_date);
        while let Some(next) = list.pop() {
            let Some(date) = key_date(&next) else {
                continue;
            };
            match before_date {
                Some(b) if date >= b => {}
                _ => return Some((next, date)),
            }
        }
        None
    }

    /// The reference's `_find_next_digest`.
    fn find_next(&mut self, inp: &mut WalkInputs, event: Option<ChainEvent>, conditional: bool) {
        let last = self.key.take();
        let next = self.pop_older(inp, last.as_deref());
        if let Some(e) = event
            && (!conditional || next.is_some())
        {
            let e = match (e, &next) {
                (ChainEvent::Gap { kind, to, .. }, Some((_, from))) => ChainEvent::Gap {
                    kind,
                    from: *from,
                    to,
                },
                (e, _) => e,
            };
            self.queue.push_back(e);
        }
        self.key = next.map(|(k, _)| k);
        self.reached = Reached::Jump;
    }

    /// Every digest judged so far, in walk order.
    #[must_use]
    pub fn visits(&self) -> &[Visit] {
        &self.visits
    }

    fn record_visit(&mut self, location: &Location) {
        self.visits.push(Visit {
            location: location.clone(),
            reached: self.reached.clone(),
        });
    }

    /// Advances the walk.
    pub fn step(&mut self, inp: &mut WalkInputs) -> Step {
        loop {
            if let Some(e) = self.queue.pop_front() {
                return Step::Event(e);
            }
            match self.phase {
                Phase::Done => return Step::Done,
                Phase::Init => {
                    if !inp.listings.contains_key(&self.listing) {
                        return Step::Need(Need::Listing {
                            bucket: self.listing.0.clone(),
                            end: self.listing.1,
                        });
                    }
                    let first = self.pop_older(inp, None);
                    self.last_start = first.as_ref().map(|(_, d)| *d);
                    self.key = first.map(|(k, _)| k);
                    self.phase = Phase::Loop;
                }
                Phase::Loop => {
                    if let Some(need) = self.advance(inp) {
                        return Step::Need(need);
                    }
                }
            }
        }
    }

    /// The walk reached `max_chain_steps` and would go on: say so on the digest it stops at,
    /// so the run is incomplete (an ERROR) rather than silently shorter.
    fn stop_at_limit(&mut self, key: &str) -> Option<Need> {
        let location = Location::new(&self.bucket, key);
        self.record_visit(&location);
        self.queue.push_back(ChainEvent::Error {
            kind: self.kind,
            location,
            error: self.limits.exceeded(Limit::ChainSteps).into(),
        });
        self.phase = Phase::Done;
        None
    }

    /// One iteration of the reference's `while key and start <= last_start` loop.
    fn advance(&mut self, inp: &mut WalkInputs) -> Option<Need> {
        let key = match &self.key {
            Some(k) if !k.is_empty() => k.clone(),
            _ => {
                self.phase = Phase::Done;
                return None;
            }
        };
        if self.last_start.is_none_or(|ls| self.start > ls) {
            self.phase = Phase::Done;
            return None;
        }
        if self.steps >= self.limits.max_chain_steps {
            return self.stop_at_limit(&key);
        }
        if !inp.listings.contains_key(&self.listing) {
            return Some(Need::Listing {
                bucket: self.listing.0.clone(),
                end: self.listing.1,
            });
        }
        let location = Location::new(&self.bucket, &key);
        let fetched = match inp.objects.get(&location) {
            None => return Some(Need::Digest(location)),
            Some(Err(e)) if e.is_not_found() => {
                inp.objects.remove(&location);
                self.record_visit(&location);
                self.steps += 1;
                let ev = ChainEvent::Missing {
                    kind: self.kind,
                    location,
                };
                self.find_next(inp, Some(ev), false);
                return None;
            }
            Some(Err(e)) => {
                self.record_visit(&location);
                let ev = ChainEvent::Error {
                    kind: self.kind,
                    location: location.clone(),
                    error: e.clone(),
                };
                inp.objects.remove(&location);
                self.steps += 1;
                self.find_next(inp, Some(ev), false);
                return None;
            }
            Some(Ok(obj)) => obj,
        };
        let judged = self.judge(&location, fetched, &inp.key_windows);
        let outcome = match judged {
            Judged::NeedKeys { from, to } => return Some(Need::Keys { from, to }),
            Judged::Done(outcome) => outcome,
        };
        inp.objects.remove(&location);
        self.record_visit(&location);
        self.steps += 1;
        match outcome {
            Err(JudgeError::Invalid(failure)) => {
                let ev = ChainEvent::Invalid {
                    kind: self.kind,
                    location,
                    failure,
                };
                self.find_next(inp, Some(ev), false);
            }
            Err(JudgeError::Fetch(error)) => {
                let ev = ChainEvent::Error {
                    kind: self.kind,
                    location,
                    error,
                };
                self.find_next(inp, Some(ev), false);
            }
            Ok(digest) => {
                self.last_start = Some(digest.start.clock);
                let end = digest.end.clock;
                let previous = digest.previous.clone();
                self.queue.push_back(ChainEvent::Valid(digest));
                match previous {
                    Some(prev) if !prev.key.is_empty() => {
                        self.reached = Reached::Link(location.clone());
                        self.key = Some(prev.key);
                        if prev.bucket != self.bucket {
                            self.bucket.clone_from(&prev.bucket);
                            self.listing = (prev.bucket, end);
                        }
                    }
                    Some(_) => self.key = None,
                    None => {
                        let gap = ChainEvent::Gap {
                            kind: self.kind,
                            from: end,
                            to: self.last_start.unwrap_or(end),
                        };
                        self.find_next(inp, Some(gap), true);
                    }
                }
            }
        }
        None
    }

    fn judge(&mut self, location: &Location, obj: &FetchedObject, windows: &KeyWindows) -> Judged {
        let parsed = match parse_digest_within(
            self.kind,
            location,
            obj,
            self.limits.max_digest_inflated_bytes,
        ) {
            Ok(p) => p,
            Err(DigestParseError::Invalid(f)) => return Judged::Done(Err(JudgeError::Invalid(f))),
            // A gzip bomb is not evidence of tampering: the digest is an ERROR.
            Err(DigestParseError::OverLimit(e)) => {
                return Judged::Done(Err(JudgeError::Fetch(e.into())));
            }
        };
        match parsed.key_need(&self.keys) {
            Err(f) => return Judged::Done(Err(JudgeError::Invalid(f))),
            Ok(KeyNeed::Ready) => {}
            Ok(KeyNeed::Window { from, to }) => match windows.get(&(from, to)) {
                None => return Judged::NeedKeys { from, to },
                Some(Err(e)) => return Judged::Done(Err(JudgeError::Fetch(e.clone()))),
                Some(Ok(records)) if records.is_empty() => {
                    return Judged::Done(Err(JudgeError::Invalid(DigestFailure::Other(
                        no_keys_message(&from, &to),
                    ))));
                }
                Some(Ok(records)) => self.keys.extend(records.iter().cloned()),
            },
        }
        Judged::Done(
            parsed
                .verify(&self.keys, &self.home_region)
                .map(Box::new)
                .map_err(JudgeError::Invalid),
        )
    }

    /// The requested window end (for callers building listings).
    #[must_use]
    pub fn requested_end(&self) -> UtcTime {
        self.requested_end
    }
}

enum JudgeError {
    Invalid(DigestFailure),
    Fetch(FetchError),
}

enum Judged {
    NeedKeys { from: UtcTime, to: UtcTime },
    Done(Result<Box<CheckedDigest>, JudgeError>),
}
