//! A whole verification: every region of a plan, one after the other, with the analyses fed
//! from the same reads ([`super::stream`]) and the output handed, as it happens, to
//! observers (the streaming text of the reference, the JSON document's builder, progress).
//!
//! The outcome is decided here from the counts (findings, then errors, then clean; a single
//! region that cannot be verified at all means the run did not run); what it means for a
//! process exit code is the command line's business.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::config::VerifyConfig;
use super::fetcher::Stored;
use super::item::{Item, RegionError};
use super::plan::{Plan, PlanError, Reading, plan, save_state};
use super::region::verify_region;
use super::request::VerifyRequest;
use super::stream::LogConsumer;
use super::tally::{Counts, RegionSummary};
use crate::chain::anchor::Anchor;
use crate::vocab::Outcome;

/// A region that finished (verified, or failed as a whole).
#[derive(Debug)]
pub struct RegionDone<'a> {
    /// The region.
    pub region: &'a str,
    /// Its position in the plan (0-based).
    pub index: usize,
    /// Its configuration (its own window start with a state file).
    pub cfg: &'a VerifyConfig,
    /// Its counts and found window.
    pub summary: &'a RegionSummary,
    /// Why it could not be verified at all.
    pub error: Option<&'a RegionError>,
}

/// Receives a run's output as it happens. Every method has a default that does nothing.
pub trait Observer: Send {
    /// Before the first region.
    fn begin(&mut self, _plan: &Plan) {}
    /// A region starts.
    fn region_started(&mut self, _region: &str, _index: usize) {}
    /// An item, in output order; `stored` is the SHA-256 and size of the object as stored
    /// when it was read for the analyses.
    fn item(&mut self, _item: &Item, _stored: Option<&Stored>) {}
    /// A region ends.
    fn region_finished(&mut self, _done: &RegionDone<'_>) {}
    /// After the last region (or after a single region that could not run).
    fn end(&mut self, _plan: &Plan, _result: &RunResult) {}
}

/// Several observers, called in order.
pub struct Observers<'a>(pub Vec<&'a mut (dyn Observer + 'a)>);

impl Observer for Observers<'_> {
    fn begin(&mut self, plan: &Plan) {
        for o in &mut self.0 {
            o.begin(plan);
        }
    }
    fn region_started(&mut self, region: &str, index: usize) {
        for o in &mut self.0 {
            o.region_started(region, index);
        }
    }
    fn item(&mut self, item: &Item, stored: Option<&Stored>) {
        for o in &mut self.0 {
            o.item(item, stored);
        }
    }
    fn region_finished(&mut self, done: &RegionDone<'_>) {
        for o in &mut self.0 {
            o.region_finished(done);
        }
    }
    fn end(&mut self, plan: &Plan, result: &RunResult) {
        for o in &mut self.0 {
            o.end(plan, result);
        }
    }
}

/// What a run found, in sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunResult {
    /// Sum over the regions.
    pub totals: Counts,
    /// Regions that could not be verified at all.
    pub failed_regions: usize,
    /// The single region asked for could not be verified at all: the run did not run.
    pub fatal: Option<RegionError>,
    /// Newest verified standard digest per region (the anchors of the next run).
    pub heads: BTreeMap<String, Anchor>,
    /// Clean, findings, incomplete, or not run.
    pub outcome: Outcome,
}

/// Runs every region of `plan`, folding each log file's analysis into `consumer` and
/// handing every item to `observer` as it comes.
pub async fn run<C: LogConsumer>(
    plan: &Plan,
    consumer: &mut C,
    observer: &mut dyn Observer,
) -> RunResult {
    observer.begin(plan);
    let mut totals = Counts::default();
    let mut failed_regions = 0usize;
    let mut heads = BTreeMap::new();
    for (index, region) in plan.regions.iter().enumerate() {
        observer.region_started(region, index);
        let mut summary = RegionSummary::default();
        let cfg = &VerifyConfig {
            start: plan
                .region_starts
                .get(region)
                .copied()
                .unwrap_or(plan.cfg.start),
            ..plan.cfg.clone()
        };
        let requested = (cfg.start, cfg.end);
        let phase = std::time::Instant::now();
        let result = {
            let mut emit = |item: &Item, stored: Option<&Stored>| {
                summary.record(item, requested);
                observer.item(item, stored);
            };
            verify_region(
                Arc::clone(&plan.located.source),
                plan.located.keys.as_ref(),
                cfg,
                region,
                consumer,
                &mut emit,
            )
            .await
        };
        let error = result.err();
        tracing::info!(
            region = %region,
            digests = summary.counts.digests.total(),
            logs = summary.counts.logs.total(),
            error = error.as_ref().map(ToString::to_string),
            elapsed_ms = u64::try_from(phase.elapsed().as_millis()).unwrap_or(u64::MAX),
            "region verified"
        );
        observer.region_finished(&RegionDone {
            region,
            index,
            cfg,
            summary: &summary,
            error: error.as_ref(),
        });
        if let Some(e) = error {
            if !plan.multi {
                // A single region that cannot be verified at all: the run could not run.
                let result = RunResult {
                    totals,
                    failed_regions: 1,
                    fatal: Some(e),
                    heads,
                    outcome: Outcome::NotRun,
                };
                observer.end(plan, &result);
                return result;
            }
            failed_regions += 1;
        }
        totals.add(&summary.counts);
        if let Some(head) = summary.head.clone() {
            heads.insert(region.clone(), head);
        }
    }
    let result = RunResult {
        outcome: totals.outcome(failed_regions),
        totals,
        failed_regions,
        fatal: None,
        heads,
    };
    observer.end(plan, &result);
    result
}

/// A finished verification.
#[derive(Debug)]
pub struct Verification {
    /// What was planned.
    pub plan: Plan,
    /// What was found.
    pub result: RunResult,
    /// Whether the anchors were recorded in the state file (only after a clean run), or
    /// why they could not be.
    pub state_saved: Result<bool, PlanError>,
}

/// A verification from its request: plans it, runs it, and after a clean run records the
/// anchors in the request's state file.
///
/// # Errors
/// [`PlanError`] when the run could not start.
pub async fn verify<C: LogConsumer>(
    req: &VerifyRequest,
    consumer: &mut C,
    observer: &mut dyn Observer,
) -> Result<Verification, PlanError> {
    let plan = plan(req, Reading::Plain).await?;
    let result = run(&plan, consumer, observer).await;
    let state_saved = match &req.state {
        Some(path) if result.outcome == Outcome::Clean => {
            save_state(path, &plan, &result.heads).map(|()| true)
        }
        _ => Ok(false),
    };
    Ok(Verification {
        plan,
        result,
        state_saved,
    })
}
