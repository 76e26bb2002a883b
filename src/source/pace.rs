//! How many requests a source keeps in flight: a limit chosen by measurement while the run
//! goes, never above a cap (`--concurrency`, default [`DEFAULT_CAP`]).
//!
//! [`Pace`] hands out permits like a semaphore whose size changes at run time. The limit
//! starts at [`INITIAL`] (or the cap, when lower) and is judged once per *round*: the time it
//! takes for about one limit's worth of requests to complete. While the limit was reached and
//! the round completed more requests per second than any round before, the limit doubles
//! (slow start); once rounds bring no rise, growth turns additive ([`ADDITIVE_STEP`] a round,
//! and only while throughput still rises). Every sign of congestion halves it (down to 1): a
//! throttling answer (`SlowDown`, 503, 429), a server error (500, 502, 504), a connection
//! error or reset, a timeout. After a decrease, one round only watches: more congestion in it
//! halves again; none lets the limit climb back additively towards where it was (beyond that,
//! only while throughput rises).
//!
//! Congestion only shapes the pace. The request that met it is retried as before (by the
//! SDK, and by [`super::s3`] for bodies cut short) and ends in whatever the retries give; this
//! module never sees a verdict, retries nothing and classifies no object. The decisions are
//! made by [`PaceControl`], which is pure: it is told the time (a [`Duration`] since the
//! start) and never reads a clock, so its tests run on synthetic time.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

/// The default cap on requests in flight (`--concurrency`).
pub const DEFAULT_CAP: u16 = 256;

/// The limit a run starts with (the old fixed default), unless the cap is lower.
pub const INITIAL: usize = 32;

/// How much a saturated round must beat the best before it in slow start (10%), so that
/// noise does not pass for a rise.
const SLOW_START_RISE: f64 = 0.10;

/// The same margin once growth is additive (5%).
const ADDITIVE_RISE: f64 = 0.05;

/// Saturated rounds without a rise that end slow start.
const SLOW_START_PATIENCE: u32 = 2;

/// Requests added to the limit per rising round once growth is additive.
pub const ADDITIVE_STEP: usize = 8;

/// Fewest completions a round measures, so a small limit is not judged on one or two.
const MIN_ROUND: usize = 8;

/// Shortest timed part of a round, so completions that arrive together do not pass for an
/// unbounded rate.
const MIN_ROUND_TIME: Duration = Duration::from_millis(5);

/// Whether an attempt that got HTTP `status` met congestion: throttling (429, 503 `SlowDown`)
/// or a server error (500, 502, 504). Others (2xx, 3xx, 403, 404, …) are answers.
#[must_use]
pub fn is_congestion_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// How the limit grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Doubling each rising round.
    SlowStart,
    /// [`ADDITIVE_STEP`] a round: back up to the limit before the last decrease, beyond it
    /// only in rounds that raised throughput.
    Additive,
}

/// One round: a warm-up (requests started under the previous limit finish), then the
/// completions that are timed.
#[derive(Debug, Clone)]
struct Round {
    /// Completions not timed.
    warmup: usize,
    /// Completions timed.
    span: usize,
    /// Completions so far.
    completed: usize,
    /// Start of the timed part (shifted past idle time).
    measure_from: Option<Duration>,
    /// Most requests in flight at once.
    peak: usize,
    /// Congestion signals during the timed part.
    congested: usize,
}

/// The pure decision logic of [`Pace`]: told when requests start and finish and when one
/// met congestion, with the time since the start; decides the limit.
#[derive(Debug, Clone)]
pub struct PaceControl {
    cap: usize,
    limit: usize,
    phase: Phase,
    round: Round,
    /// Best completions per second of a saturated round since the last decrease.
    best: f64,
    /// Saturated slow-start rounds in a row without a rise.
    flat: u32,
    /// The round after a decrease: it only watches for more congestion.
    cooling: bool,
    /// The limit before the last decrease: the limit climbs back to it without a rise.
    regain: usize,
    in_flight: usize,
    /// Since when nothing is in flight (idle time is not counted in a round).
    idle_since: Option<Duration>,
    decreases: u64,
}

impl PaceControl {
    /// A control for at most `cap` requests in flight (at least 1), starting at
    /// [`INITIAL`] or `cap`, whichever is lower.
    #[must_use]
    pub fn new(cap: usize) -> Self {
        let cap = cap.max(1);
        let limit = INITIAL.min(cap);
        Self {
            cap,
            limit,
            phase: Phase::SlowStart,
            round: Self::round_for(limit, 0, Duration::ZERO),
            best: 0.0,
            flat: 0,
            cooling: false,
            regain: 0,
            in_flight: 0,
            idle_since: Some(Duration::ZERO),
            decreases: 0,
        }
    }

    fn round_for(limit: usize, in_flight: usize, now: Duration) -> Round {
        let warmup = limit / 2;
        Round {
            warmup,
            span: limit.max(MIN_ROUND),
            completed: 0,
            measure_from: (warmup == 0).then_some(now),
            peak: in_flight,
            congested: 0,
        }
    }

    fn next_round(&mut self, now: Duration) {
        self.round = Self::round_for(self.limit, self.in_flight, now);
    }

    /// Requests allowed in flight now.
    #[must_use]
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The cap.
    #[must_use]
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// How the limit grows now.
    #[must_use]
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Decreases so far.
    #[must_use]
    pub fn decreases(&self) -> u64 {
        self.decreases
    }

    /// A request started at `now`.
    pub fn started(&mut self, now: Duration) {
        if let Some(since) = self.idle_since.take()
            && let Some(from) = self.round.measure_from.as_mut()
        {
            *from += now.saturating_sub(since);
        }
        self.in_flight += 1;
        self.round.peak = self.round.peak.max(self.in_flight);
    }

    /// A request finished at `now` (whatever its result); returns the limit.
    pub fn finished(&mut self, now: Duration) -> usize {
        self.in_flight = self.in_flight.saturating_sub(1);
        let round = &mut self.round;
        round.completed += 1;
        if round.completed == round.warmup {
            round.measure_from = Some(now);
        } else if round.completed >= round.warmup + round.span
            && round
                .measure_from
                .is_some_and(|from| now.saturating_sub(from) >= MIN_ROUND_TIME)
        {
            self.judge(now);
        }
        if self.in_flight == 0 {
            self.idle_since = Some(now);
        }
        self.limit
    }

    /// A request met congestion at `now` (it may still be retried); returns the limit.
    pub fn congested(&mut self, now: Duration) -> usize {
        if self.cooling {
            if self.round.measure_from.is_some() {
                self.round.congested += 1;
            }
        } else {
            self.decrease(now);
        }
        self.limit
    }

    fn decrease(&mut self, now: Duration) {
        self.regain = self.limit;
        self.limit = (self.limit / 2).max(1);
        self.phase = Phase::Additive;
        self.cooling = true;
        self.best = 0.0;
        self.flat = 0;
        self.decreases += 1;
        self.next_round(now);
    }

    /// The end of a round: grow, hold, or (after a decrease) decrease again.
    fn judge(&mut self, now: Duration) {
        let round = &self.round;
        let secs = round
            .measure_from
            .map_or(MIN_ROUND_TIME, |from| now.saturating_sub(from))
            .max(MIN_ROUND_TIME)
            .as_secs_f64();
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        let rate = (round.completed - round.warmup) as f64 / secs;
        let saturated = round.peak >= self.limit;
        if self.cooling {
            if round.congested > 0 {
                self.decrease(now);
                return;
            }
            // Its rate is not kept: requests sent under the old limit were still finishing.
            self.cooling = false;
            self.next_round(now);
            return;
        }
        // Below the limit the demand, not the limit, set the pace: nothing to learn.
        if saturated {
            match self.phase {
                Phase::SlowStart if rate > self.best * (1.0 + SLOW_START_RISE) => {
                    self.flat = 0;
                    self.limit = (self.limit * 2).min(self.cap);
                }
                Phase::SlowStart => {
                    self.flat += 1;
                    if self.flat >= SLOW_START_PATIENCE {
                        self.phase = Phase::Additive;
                    }
                }
                Phase::Additive => {
                    let step = (self.limit + ADDITIVE_STEP).min(self.cap);
                    if self.limit < self.regain {
                        self.limit = step.min(self.regain);
                    } else if rate > self.best * (1.0 + ADDITIVE_RISE) {
                        self.limit = step;
                    }
                }
            }
            self.best = self.best.max(rate);
        }
        self.next_round(now);
    }
}

/// A limit on requests in flight that [`PaceControl`] moves at run time; shared by every
/// request of a run (S3 and `CloudTrail` alike).
#[derive(Debug)]
pub struct Pace {
    permits: Semaphore,
    state: Mutex<PaceState>,
    origin: Instant,
}

#[derive(Debug)]
struct PaceState {
    control: PaceControl,
    /// Permits to retire as they come back: the limit fell below what is in flight.
    debt: usize,
}

/// Leave to send one request; hand it back by dropping it, after the request (and its
/// retries) finished.
#[derive(Debug)]
#[must_use = "the permit is the leave to send; drop it when the request is done"]
pub struct PacePermit<'a> {
    pace: &'a Pace,
    permit: Option<SemaphorePermit<'a>>,
}

impl Pace {
    /// A pace with at most `cap` requests in flight (at least 1).
    #[must_use]
    pub fn new(cap: usize) -> Self {
        let control = PaceControl::new(cap);
        Self {
            permits: Semaphore::new(control.limit()),
            state: Mutex::new(PaceState { control, debt: 0 }),
            origin: Instant::now(),
        }
    }

    /// The cap it never exceeds.
    #[must_use]
    pub fn cap(&self) -> usize {
        self.with(|s| s.control.cap())
    }

    /// Requests allowed in flight now.
    #[must_use]
    pub fn limit(&self) -> usize {
        self.with(|s| s.control.limit())
    }

    /// Waits for leave to send a request (first come, first served).
    pub async fn acquire(&self) -> PacePermit<'_> {
        // The semaphore is never closed, so this only waits.
        let permit = self.permits.acquire().await.ok();
        let now = self.origin.elapsed();
        self.with(|s| s.control.started(now));
        PacePermit { pace: self, permit }
    }

    /// A request met congestion (a throttling or server-error answer, a connection error, a
    /// timeout), whether or not it is retried.
    pub fn congested(&self) {
        let now = self.origin.elapsed();
        self.with(|s| {
            let before = (s.control.limit(), s.control.decreases());
            s.control.congested(now);
            self.resize(s, before);
        });
    }

    fn release(&self, permit: Option<SemaphorePermit<'_>>) {
        let now = self.origin.elapsed();
        self.with(|s| {
            let before = (s.control.limit(), s.control.decreases());
            s.control.finished(now);
            self.resize(s, before);
            if let Some(p) = permit
                && s.debt > 0
            {
                s.debt -= 1;
                p.forget();
            }
        });
    }

    /// Moves the semaphore from the limit `before` (with the decreases so far) to the
    /// control's limit: permits are added, or retired (the free ones at once, the ones in
    /// flight as they come back).
    fn resize(&self, s: &mut PaceState, (before, decreases): (usize, u64)) {
        let after = s.control.limit();
        let why = if s.control.decreases() > decreases {
            "congestion"
        } else {
            "throughput"
        };
        match after.cmp(&before) {
            std::cmp::Ordering::Greater => {
                let grow = after - before;
                let repaid = grow.min(s.debt);
                s.debt -= repaid;
                self.permits.add_permits(grow - repaid);
            }
            std::cmp::Ordering::Less => {
                let shrink = before - after;
                let retired = self.permits.forget_permits(shrink);
                s.debt += shrink - retired;
            }
            std::cmp::Ordering::Equal => return,
        }
        tracing::debug!(
            from = before,
            to = after,
            cap = s.control.cap(),
            phase = ?s.control.phase(),
            decreases = s.control.decreases(),
            why,
            "requests in flight: new limit"
        );
    }

    fn with<T>(&self, f: impl FnOnce(&mut PaceState) -> T) -> T {
        let mut guard = match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }
}

impl PacePermit<'_> {
    /// This request met congestion (see [`Pace::congested`]).
    pub fn congested(&self) {
        self.pace.congested();
    }
}

impl Drop for PacePermit<'_> {
    fn drop(&mut self) {
        self.pace.release(self.permit.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    /// Drives a control like a saturated source: `limit` requests always in flight, each
    /// taking `latency(limit)`; returns the limit after each round-sized batch.
    fn run(
        c: &mut PaceControl,
        now: &mut Duration,
        batches: usize,
        latency: impl Fn(usize) -> Duration,
    ) -> Vec<usize> {
        let mut limits = Vec::new();
        for _ in 0..batches {
            let l = c.limit();
            // Fill up to the limit, then complete them all after one latency.
            while c.in_flight < l {
                c.started(*now);
            }
            *now += latency(l);
            for _ in 0..l {
                c.finished(*now);
                c.started(*now);
            }
            // Settle back to the limit (it may have shrunk).
            while c.in_flight > c.limit() {
                c.finished(*now);
            }
            limits.push(c.limit());
        }
        limits
    }

    /// Throughput `limit / latency` rises while latency stays flat (the server keeps up).
    fn flat_latency(_: usize) -> Duration {
        20 * MS
    }

    #[test]
    fn starts_at_initial_or_cap() {
        assert_eq!(PaceControl::new(256).limit(), INITIAL);
        assert_eq!(PaceControl::new(8).limit(), 8);
        assert_eq!(PaceControl::new(1).limit(), 1);
        assert_eq!(PaceControl::new(0).limit(), 1, "floor 1");
    }

    #[test]
    fn grows_quickly_while_throughput_rises_up_to_the_cap() {
        let mut c = PaceControl::new(256);
        let mut now = Duration::ZERO;
        let limits = run(&mut c, &mut now, 40, flat_latency);
        assert_eq!(c.limit(), 256, "{limits:?}");
        // Doubling: 32 → 64 → 128 → 256 within a few rounds each.
        let first_256 = limits.iter().position(|&l| l == 256).unwrap();
        assert!(first_256 < 12, "{limits:?}");
        assert!(limits.windows(2).all(|w| w[1] >= w[0]), "{limits:?}");
    }

    #[test]
    fn respects_the_cap() {
        for cap in [1, 2, 33, 100] {
            let mut c = PaceControl::new(cap);
            let mut now = Duration::ZERO;
            let limits = run(&mut c, &mut now, 60, flat_latency);
            assert!(limits.iter().all(|&l| l <= cap), "cap {cap}: {limits:?}");
            assert_eq!(c.limit(), cap, "cap {cap}: {limits:?}");
        }
    }

    #[test]
    fn stops_growing_when_throughput_does_not_rise() {
        // The server does 1,000 requests/s whatever the concurrency: latency grows with it.
        let server_bound = |l: usize| Duration::from_micros(1_000 * l as u64);
        let mut c = PaceControl::new(256);
        let mut now = Duration::ZERO;
        let limits = run(&mut c, &mut now, 60, server_bound);
        assert_eq!(c.phase(), Phase::Additive, "{limits:?}");
        // The first round at 32 has nothing to beat; 64 brings no rise: growth stops there.
        assert!(c.limit() <= 64, "{limits:?}");
        let tail = &limits[limits.len() - 20..];
        assert!(tail.iter().all(|&l| l == c.limit()), "{limits:?}");
    }

    #[test]
    fn grows_until_throughput_stops_rising() {
        // Latency flat up to 128 in flight, then the server is the bottleneck.
        let knee = |l: usize| Duration::from_micros(20_000 * (l.max(128) as u64) / 128);
        let mut c = PaceControl::new(1024);
        let mut now = Duration::ZERO;
        let limits = run(&mut c, &mut now, 80, knee);
        assert!(limits.contains(&128), "{limits:?}");
        assert!(c.limit() <= 256, "grew past the knee: {limits:?}");
        assert_eq!(c.phase(), Phase::Additive);
    }

    #[test]
    fn halves_on_congestion_once_per_burst() {
        let mut c = PaceControl::new(256);
        let mut now = Duration::ZERO;
        run(&mut c, &mut now, 40, flat_latency);
        assert_eq!(c.limit(), 256);
        // A burst: every request in flight meets a 503 at about the same time.
        for _ in 0..256 {
            c.congested(now);
        }
        assert_eq!(c.limit(), 128, "one burst, one halving");
        assert_eq!(c.phase(), Phase::Additive);
        assert_eq!(c.decreases(), 1);
    }

    #[test]
    fn keeps_halving_while_congestion_persists_down_to_one() {
        let mut c = PaceControl::new(256);
        let mut now = Duration::ZERO;
        let mut limits = vec![c.limit()];
        for _ in 0..30 {
            // Each completion in the timed part of the round meets congestion too.
            let l = c.limit();
            while c.in_flight < l {
                c.started(now);
            }
            now += 20 * MS;
            for _ in 0..l.max(MIN_ROUND) * 2 {
                c.congested(now);
                c.finished(now);
                c.started(now);
            }
            while c.in_flight > c.limit() {
                c.finished(now);
            }
            limits.push(c.limit());
        }
        assert_eq!(c.limit(), 1, "{limits:?}");
        assert!(limits.windows(2).all(|w| w[1] <= w[0]), "{limits:?}");
    }

    #[test]
    fn recovers_additively_after_congestion() {
        let mut c = PaceControl::new(256);
        let mut now = Duration::ZERO;
        run(&mut c, &mut now, 40, flat_latency);
        c.congested(now);
        assert_eq!(c.limit(), 128);
        let limits = run(&mut c, &mut now, 12, flat_latency);
        // One quiet round, then + ADDITIVE_STEP per rising round.
        assert_eq!(limits[0], 128, "{limits:?}");
        for w in limits.windows(2) {
            assert!(w[1] == w[0] || w[1] == w[0] + ADDITIVE_STEP, "{limits:?}");
        }
        assert!(*limits.last().unwrap() > 128, "{limits:?}");
    }

    #[test]
    fn climbs_back_only_to_the_limit_before_congestion_when_throughput_is_flat() {
        // 1,000 requests/s whatever the concurrency: no rise ever.
        let server_bound = |l: usize| Duration::from_micros(1_000 * l as u64);
        let mut c = PaceControl::new(256);
        let mut now = Duration::ZERO;
        run(&mut c, &mut now, 20, server_bound);
        let before = c.limit();
        c.congested(now);
        assert_eq!(c.limit(), before / 2);
        let limits = run(&mut c, &mut now, 40, server_bound);
        assert_eq!(c.limit(), before, "{limits:?}");
        assert!(limits.iter().all(|&l| l <= before), "{limits:?}");
    }

    #[test]
    fn cap_one_is_exactly_one_even_after_congestion() {
        let mut c = PaceControl::new(1);
        let mut now = Duration::ZERO;
        let limits = run(&mut c, &mut now, 20, flat_latency);
        assert!(limits.iter().all(|&l| l == 1), "{limits:?}");
        c.congested(now);
        assert_eq!(c.limit(), 1);
    }

    #[test]
    fn idle_time_is_not_counted_against_a_round() {
        // Two identical runs, one with a long pause mid-round: same decisions.
        let mut a = PaceControl::new(256);
        let mut b = PaceControl::new(256);
        let (mut ta, mut tb) = (Duration::ZERO, Duration::ZERO);
        run(&mut a, &mut ta, 3, flat_latency);
        run(&mut b, &mut tb, 3, flat_latency);
        while b.in_flight > 0 {
            b.finished(tb);
        }
        while a.in_flight > 0 {
            a.finished(ta);
        }
        tb += Duration::from_secs(5);
        let la = run(&mut a, &mut ta, 10, flat_latency);
        let lb = run(&mut b, &mut tb, 10, flat_latency);
        assert_eq!(la, lb);
    }

    #[test]
    fn unsaturated_rounds_do_not_grow_the_limit() {
        let mut c = PaceControl::new(256);
        let mut now = Duration::ZERO;
        // Never more than 4 in flight: the demand, not the limit, sets the pace.
        for _ in 0..1_000 {
            for _ in 0..4 {
                c.started(now);
            }
            now += MS;
            for _ in 0..4 {
                c.finished(now);
            }
        }
        assert_eq!(c.limit(), INITIAL);
    }

    #[test]
    fn congestion_statuses() {
        for s in [429, 500, 502, 503, 504] {
            assert!(is_congestion_status(s), "{s}");
        }
        for s in [200, 206, 304, 400, 403, 404, 501] {
            assert!(!is_congestion_status(s), "{s}");
        }
    }

    #[tokio::test]
    async fn pace_never_exceeds_its_limit_and_shrinks_with_debt() {
        let pace = Pace::new(4);
        assert_eq!(pace.limit(), 4);
        let held: Vec<_> = futures::future::join_all((0..4).map(|_| pace.acquire())).await;
        assert_eq!(pace.permits.available_permits(), 0);
        // Halve while all four are in flight: two come back retired.
        pace.congested();
        assert_eq!(pace.limit(), 2);
        drop(held);
        assert_eq!(pace.permits.available_permits(), 2);
        let a = pace.acquire().await;
        let b = pace.acquire().await;
        let third = tokio::time::timeout(Duration::from_millis(20), pace.acquire()).await;
        assert!(third.is_err(), "a third request went out at limit 2");
        drop((a, b));
        assert_eq!(pace.permits.available_permits(), 2);
    }

    #[tokio::test]
    async fn cap_one_means_one_in_flight() {
        let pace = std::sync::Arc::new(Pace::new(1));
        let in_flight = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let peak = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks = (0..50).map(|i| {
            let (pace, in_flight, peak) = (pace.clone(), in_flight.clone(), peak.clone());
            tokio::spawn(async move {
                let _p = pace.acquire().await;
                let n = in_flight.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                peak.fetch_max(n, std::sync::atomic::Ordering::SeqCst);
                if i % 7 == 0 {
                    pace.congested();
                }
                tokio::task::yield_now().await;
                in_flight.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            })
        });
        for t in futures::future::join_all(tasks).await {
            t.unwrap();
        }
        assert_eq!(peak.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(pace.limit(), 1);
    }
}
