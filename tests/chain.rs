//! The pure chain walker, driven synchronously over in-memory objects, and every scenario
//! through the library (plan, run, the text presenter) over its world served from memory:
//! no disk and no network at all.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

// The parts of `tests/support/` this binary uses.
#[macro_use]
mod support {
    pub mod case;
    pub mod default_trail;
    pub mod expect;
    #[allow(dead_code)] // `Run` only: this binary runs the library, not the binary
    pub mod run;
    #[macro_use]
    pub mod scenarios;
    pub mod trail;
}

use std::sync::Arc;

use clap::Parser as _;
use trailproof::audit::plan::{Located, plan_located, window};
use trailproof::audit::run::run as run_plan;
use trailproof::audit::stream::NoAnalysis;
use trailproof::chain::digest::DigestFailure;
use trailproof::chain::findings::TrailStatus;
use trailproof::chain::keys::KeySet;
use trailproof::chain::layout::{ChainKind, TrailArn, filter_listing};
use trailproof::chain::walk::{ChainEvent, ChainWalker, Need, Step, WalkInputs};
use trailproof::cli::command::{Cli, Command};
use trailproof::cli::exit;
use trailproof::fixture::{TrailSpec, World};
use trailproof::limits::Limits;
use trailproof::present::verify_text::{Lines, VerifyText};
use trailproof::source::any::{AnySource, RunKeys};
use trailproof::source::memory::MemoryKeys;
use trailproof::time::UtcTime;
use trailproof::vocab::{FetchError, FetchErrorKind, Location};

use support::case::{Case, verify_args};
use support::expect::{check_expectations, extras};
use support::run::Run;
use support::scenarios::{OFFLINE_ORG, scenario};
use support::trail::{keys, t};

/// Walks one chain, answering every need from the world; returns events and needs seen.
fn walk(
    spec: &TrailSpec,
    world: &World,
    kind: ChainKind,
    start: UtcTime,
    end: UtcTime,
) -> (Vec<ChainEvent>, Vec<Need>) {
    let region = &spec.regions[0];
    let scope = trailproof::chain::layout::DigestScope {
        prefix: spec.prefix.clone(),
        organization_id: spec.organization_id.clone(),
        account_id: spec.account_id.clone(),
        source_region: region.clone(),
        home_region: spec.home_region.clone(),
        trail_name: spec.trail_name.clone(),
    };
    let keyset = KeySet::from_records(world.public_keys[region].clone());
    let mut walker = ChainWalker::new(
        kind,
        &spec.bucket,
        start,
        end,
        &spec.home_region,
        keyset,
        Limits::default(),
    );
    let mut inputs = WalkInputs::default();
    let (mut events, mut needs) = (Vec::new(), Vec::new());
    loop {
        match walker.step(&mut inputs) {
            Step::Done => return (events, needs),
            Step::Event(e) => events.push(e),
            Step::Need(n) => {
                needs.push(n.clone());
                match n {
                    Need::Listing { bucket, end } => {
                        let after = scope.start_after(&start);
                        let keys: Vec<&str> = world
                            .objects
                            .keys()
                            .filter(|l| {
                                l.bucket == bucket
                                    && l.key.starts_with(&scope.list_prefix())
                                    && l.key.as_str() > after.as_str()
                            })
                            .map(|l| l.key.as_str())
                            .collect();
                        inputs
                            .listings
                            .insert((bucket, end), filter_listing(keys, &scope, &start, &end));
                    }
                    Need::Digest(loc) => {
                        let got =
                            world.objects.get(&loc).cloned().ok_or_else(|| {
                                FetchError::new(FetchErrorKind::NotFound, "NoSuchKey")
                            });
                        inputs.objects.insert(loc, got);
                    }
                    Need::Keys { from, to } => {
                        inputs
                            .key_windows
                            .insert((from, to), Ok(world.public_keys[region].clone()));
                    }
                }
            }
        }
    }
}

fn valid_locations(events: &[ChainEvent]) -> Vec<Location> {
    events
        .iter()
        .filter_map(|e| match e {
            ChainEvent::Valid(d) => Some(d.location.clone()),
            _ => None,
        })
        .collect()
}

fn spec(hours: u32) -> TrailSpec {
    TrailSpec::small("b", "t", t("2026-03-01T00:17:42Z"), hours)
}

#[test]
fn walker_valid_chain_visits_newest_first_and_stops_before_window_start() {
    let spec = spec(8);
    let world = World::build(&spec, keys()).unwrap();
    let (events, needs) = walk(
        &spec,
        &world,
        ChainKind::Standard,
        t("2026-03-01T03:00:00Z"),
        t("2026-03-01T05:00:00Z"),
    );
    let mut expected = world.digests(&spec, "us-east-1", false)[2..=4].to_vec();
    expected.reverse();
    // Listed up to end + 1h (05:17:42; 06:17:42 is past 06:00), and the digest that
    // overlaps the window start (02:17:42–03:17:42) is the last one visited.
    assert_eq!(valid_locations(&events), expected);
    assert_eq!(
        needs
            .iter()
            .filter(|n| matches!(n, Need::Listing { .. }))
            .count(),
        1
    );
}

#[test]
fn walker_missing_digest_reports_it_and_continues_with_next_older_listed() {
    let spec = spec(6);
    let mut world = World::build(&spec, keys()).unwrap();
    let ds = world.digests(&spec, "us-east-1", false);
    world.objects.remove(&ds[3]);
    world.objects.remove(&ds[2]);
    let (events, _) = walk(
        &spec,
        &world,
        ChainKind::Standard,
        t("2026-03-01T00:00:00Z"),
        t("2026-03-01T06:40:00Z"),
    );
    let missing: Vec<&Location> = events
        .iter()
        .filter_map(|e| match e {
            ChainEvent::Missing { location, .. } => Some(location),
            _ => None,
        })
        .collect();
    // The reference's blind spot (W4): only the first of two deleted digests is named.
    assert_eq!(missing, vec![&ds[3]]);
    assert_eq!(
        valid_locations(&events),
        vec![ds[5].clone(), ds[4].clone(), ds[1].clone(), ds[0].clone()]
    );
}

#[test]
fn walker_restart_after_stopped_hours_is_a_gap_from_the_older_digest_end() {
    let mut spec = spec(6);
    spec.stopped_hours = vec![2, 3];
    let world = World::build(&spec, keys()).unwrap();
    let (events, _) = walk(
        &spec,
        &world,
        ChainKind::Standard,
        t("2026-03-01T00:00:00Z"),
        t("2026-03-01T06:40:00Z"),
    );
    let gaps: Vec<(UtcTime, UtcTime)> = events
        .iter()
        .filter_map(|e| match e {
            ChainEvent::Gap { from, to, .. } => Some((*from, *to)),
            _ => None,
        })
        .collect();
    assert_eq!(
        gaps,
        vec![(t("2026-03-01T02:17:42Z"), t("2026-03-01T04:17:42Z"))]
    );
    assert_eq!(valid_locations(&events).len(), 4);
}

#[test]
fn walker_backfill_fetches_keys_around_generation_time() {
    let mut spec = spec(4);
    spec.backfill_hours = vec![1];
    let world = World::build(&spec, keys()).unwrap();
    let (events, needs) = walk(
        &spec,
        &world,
        ChainKind::Backfill,
        t("2026-03-01T00:00:00Z"),
        t("2026-03-01T04:40:00Z"),
    );
    assert_eq!(valid_locations(&events).len(), 1);
    // Generated at end (02:17:42) + 10 min + 5 min: keys asked for ±1 h around 02:32:42.
    assert!(needs.contains(&Need::Keys {
        from: t("2026-03-01T01:32:42Z"),
        to: t("2026-03-01T03:32:42Z"),
    }));
}

#[test]
fn walker_edited_digest_is_signature_failure_and_its_link_is_not_followed() {
    let spec = spec(3);
    let mut world = World::build(&spec, keys()).unwrap();
    let ds = world.digests(&spec, "us-east-1", false);
    let obj = world.objects.get_mut(&ds[2]).unwrap();
    let mut json: serde_json::Value =
        serde_json::from_slice(&trailproof::fixture::gunzip(&obj.body)).unwrap();
    json["awsAccountId"] = serde_json::json!("999999999999");
    obj.body = trailproof::fixture::gzip(&serde_json::to_vec(&json).unwrap());
    let (events, _) = walk(
        &spec,
        &world,
        ChainKind::Standard,
        t("2026-03-01T00:00:00Z"),
        t("2026-03-01T03:40:00Z"),
    );
    assert!(matches!(
        &events[0],
        ChainEvent::Invalid { failure: DigestFailure::SignatureFailed, location, .. } if *location == ds[2]
    ));
    assert_eq!(valid_locations(&events), vec![ds[1].clone(), ds[0].clone()]);
}

// ---------------------------------------------------------------------------------------
// The orchestration over scenarios served from memory.
// ---------------------------------------------------------------------------------------

/// Captures the text the `verify` presenter writes.
#[derive(Default)]
struct Captured {
    stdout: String,
    stderr: String,
}

impl Lines for &mut Captured {
    fn stdout(&mut self, text: &str) {
        self.stdout.push_str(text);
    }
    fn stderr(&mut self, text: &str) {
        self.stderr.push_str(text);
    }
}

/// `verify` of the case through the library, with every object and key served from
/// memory and the real text presenter: the `Run` the binary would give for `verify
/// --bundle` (same arguments, same exit code), with no disk and no network.
fn run_in_memory(c: &Case, extra: &[&str]) -> Run {
    let mut words = vec!["trailproof".to_owned(), "verify".to_owned()];
    words.extend(verify_args(c));
    words.extend(["--s3-bucket".to_owned(), c.spec.bucket.clone()]);
    if let Some(p) = &c.spec.prefix {
        words.extend(["--s3-prefix".to_owned(), p.clone()]);
    }
    words.extend(extra.iter().map(|s| (*s).to_owned()));
    let Command::Verify(args) = Cli::try_parse_from(&words).expect("arguments").command else {
        panic!("not verify")
    };
    let req = args.request().expect("request");
    let located = Located {
        arn: TrailArn::parse(&c.spec.arn()).expect("arn"),
        bucket: c.spec.bucket.clone(),
        prefix: c.spec.prefix.clone(),
        org: c.spec.organization_id.clone(),
        status: Some(TrailStatus {
            is_logging: Some(c.logging),
            latest_digest_delivery: None,
        }),
        unvalidated_trails: Vec::new(),
        source: Arc::new(AnySource::Memory(c.world.memory_source())),
        keys: Arc::new(RunKeys::Memory(MemoryKeys::new(c.served_keys.clone()))),
        aws: None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut out = Captured::default();
    let code = runtime.block_on(async {
        let (start, end) = window(&req.trail, req.now).expect("window");
        match plan_located(&req, Arc::new(located), start, end, None).await {
            Err(e) => {
                out.stderr = format!("\n{e}\n");
                exit::CANNOT_RUN
            }
            Ok(plan) => {
                let mut text = VerifyText::new(&mut out, args.verbose);
                let result = run_plan(&plan, &mut NoAnalysis, &mut text).await;
                exit::code(result.outcome)
            }
        }
    });
    Run {
        code: i32::from(code),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

#[test]
fn orchestration_in_memory_valid_day_is_clean_and_verbose_lines_are_valid() {
    let c = scenario("valid_day").build(OFFLINE_ORG);
    let run = run_in_memory(&c, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let valid: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.ends_with("\tvalid"))
        .collect();
    assert_eq!(valid.len(), 6 + 12, "{run:?}");
    assert_eq!(run.stderr, "");
}

/// One test per scenario: the library over its world in memory, asserted exactly as
/// `tests/bundle.rs` asserts the binary over the bundle.
fn run(name: &str) {
    let c = scenario(name).build(OFFLINE_ORG);
    let reference_only = run_in_memory(&c, &["--reference-only"]);
    check_expectations(&c, &reference_only);
    let default = run_in_memory(&c, &[]);
    extras(&c, &default, &reference_only);
}

scenario_tests!(sync);
