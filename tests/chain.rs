//! The pure chain walker, driven synchronously over in-memory objects, and the real
//! orchestration (`audit::verify_region`) over scenarios served from memory: no disk and no
//! network at all.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

// The parts of `tests/support/` this binary uses.
#[macro_use]
mod support {
    pub mod case;
    pub mod default_trail;
    #[macro_use]
    pub mod scenarios;
    pub mod trail;
}

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use trailproof::audit::config::VerifyConfig;
use trailproof::audit::item::{DigestStatus, Item, LogStatus, RegionError};
use trailproof::audit::region::verify_region;
use trailproof::audit::stream::NoAnalysis;
use trailproof::audit::tally::RegionSummary;
use trailproof::chain::digest::DigestFailure;
use trailproof::chain::findings::{Severity, TrailStatus};
use trailproof::chain::keys::KeySet;
use trailproof::chain::layout::{ChainKind, TrailArn, filter_listing};
use trailproof::chain::log::LogVerdict;
use trailproof::chain::walk::{ChainEvent, ChainWalker, Need, Step, WalkInputs};
use trailproof::fixture::{TrailSpec, World};
use trailproof::limits::Limits;
use trailproof::source::memory::MemoryKeys;
use trailproof::time::{UtcTime, format_display, parse_user_time};
use trailproof::vocab::{FetchError, FetchErrorKind, Location, Outcome};

use support::case::Case;
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

/// What a region's run produced: every item, in order.
struct MemoryRun {
    items: Vec<Item>,
    /// The region could not be verified at all.
    error: Option<RegionError>,
}

/// Runs `audit::verify_region` over the case's world served from memory, configured as
/// `verify --bundle` configures it for the case (`detect: false` is `--reference-only`).
fn run_in_memory(c: &Case, detect: bool) -> MemoryRun {
    let arg = |name: &str| {
        c.args
            .iter()
            .position(|a| a == name)
            .map(|i| c.args[i + 1].clone())
    };
    let arn = TrailArn::parse(&c.spec.arn()).expect("arn");
    let region = arg("--region").unwrap_or_else(|| arn.home_region.clone());
    let cfg = VerifyConfig {
        start: parse_user_time(&c.start).expect("start"),
        end: parse_user_time(&c.end).expect("end"),
        bucket: c.spec.bucket.clone(),
        prefix: c.spec.prefix.clone(),
        organization_id: c.spec.organization_id.clone(),
        account_id: arg("--account-id").unwrap_or_else(|| arn.account_id.clone()),
        arn,
        concurrency: 8,
        limits: Limits::default(),
        detect,
        trail_status: Some(TrailStatus {
            is_logging: Some(c.logging),
            latest_digest_delivery: None,
        }),
        unvalidated_trails: Vec::new(),
        anchors: BTreeMap::new(),
    };
    let source = Arc::new(c.world.memory_source());
    let keys = MemoryKeys::new(c.served_keys.clone());
    let mut items = Vec::new();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let result = runtime.block_on(verify_region(
        source,
        &keys,
        &cfg,
        &region,
        &mut NoAnalysis,
        &mut |item: &Item, _| items.push(item.clone()),
    ));
    MemoryRun {
        items,
        error: result.err(),
    }
}

/// The verdict line `verify` prints for an item (stderr for INVALID, ERROR and gaps, stdout
/// for valid files when verbose), or the finding line printed after the summary.
fn printed(item: &Item) -> Option<String> {
    let verdict = |invalid: Option<String>, error: Option<&FetchError>| match (invalid, error) {
        (Some(why), _) => format!("INVALID: {why}"),
        (None, Some(e)) => format!("ERROR: {}", e.verdict_text()),
        (None, None) => "valid".to_owned(),
    };
    match item {
        Item::Digest {
            kind,
            location,
            status,
        } => {
            let v = match status {
                DigestStatus::Valid { .. } => verdict(None, None),
                DigestStatus::Invalid(f) => verdict(Some(f.message()), None),
                DigestStatus::Missing => verdict(Some("not found".to_owned()), None),
                DigestStatus::Error(e) => verdict(None, Some(e)),
            };
            Some(format!(
                "{}Digest file\t{}\t{v}",
                kind.label(),
                location.uri()
            ))
        }
        Item::Log { location, status } => {
            let v = match status {
                LogStatus::Verdict(LogVerdict::Valid) => verdict(None, None),
                LogStatus::Verdict(v) => verdict(Some(v.message().to_owned()), None),
                LogStatus::Missing => verdict(Some("not found".to_owned()), None),
                LogStatus::Error(e) => verdict(None, Some(e)),
            };
            Some(format!("Log file\t{}\t{v}", location.uri()))
        }
        Item::Gap { kind, from, to } => Some(format!(
            "{}No log files were delivered by CloudTrail between {} and {}",
            kind.label(),
            format_display(from),
            format_display(to)
        )),
        Item::Finding(f) => Some(f.line()),
        Item::PendingLog(_) | Item::Head(_) => None,
    }
}

/// The summary lines `verify` prints for a region, and the exit code of its outcome.
fn summary(c: &Case, run: &MemoryRun) -> (Vec<String>, i32) {
    let requested = (
        parse_user_time(&c.start).expect("start"),
        parse_user_time(&c.end).expect("end"),
    );
    let mut summary = RegionSummary::default();
    for item in &run.items {
        summary.record(item, requested);
    }
    let counts = &summary.counts;
    let mut lines = Vec::new();
    if counts.digests.total() + counts.backfill_digests.total() == 0 {
        lines.push("No digests found".to_owned());
    } else if summary.found_start.is_none() || summary.found_end.is_none() {
        lines.push("No valid digests found in range".to_owned());
    }
    for (tally, name) in [
        (&counts.digests, "digest"),
        (&counts.backfill_digests, "backfill digest"),
        (&counts.logs, "log"),
    ] {
        let total = tally.total();
        if total == 0 {
            continue;
        }
        let mut l = format!("{}/{total} {name} files valid", tally.valid);
        if tally.invalid > 0 {
            let _ = write!(l, ", {}/{total} {name} files INVALID", tally.invalid);
        }
        if tally.error > 0 {
            let _ = write!(l, ", {}/{total} {name} files ERROR", tally.error);
        }
        lines.push(l);
    }
    let code = match counts.outcome(usize::from(run.error.is_some())) {
        Outcome::Clean => 0,
        Outcome::Findings => 1,
        Outcome::Incomplete => 3,
        Outcome::NotRun => 2,
    };
    (lines, code)
}

/// Asserts on the in-memory runs of a case what `tests/bundle.rs` asserts on its bundle
/// runs: the `--reference-only` run has the case's exit code, verdict lines and summary
/// lines; the default run adds only findings, which include the expected ones (exactly
/// them where the case says so) and make the exit code 1 when one is INVALID.
fn check_in_memory(c: &Case) {
    let reference_only = run_in_memory(c, false);
    assert!(
        reference_only.error.is_none(),
        "{}: {:?}",
        c.name,
        reference_only.error
    );
    let lines: Vec<String> = reference_only.items.iter().filter_map(printed).collect();
    let (summary_lines, code) = summary(c, &reference_only);
    assert_eq!(code, c.expect_code, "{}: exit code\n{lines:#?}", c.name);
    for l in &c.expect_stderr {
        assert!(lines.contains(l), "{}: no line {l:?}\n{lines:#?}", c.name);
    }
    for l in &c.expect_stdout {
        assert!(
            summary_lines.contains(l),
            "{}: no summary line {l:?}\n{summary_lines:#?}",
            c.name
        );
    }

    let default = run_in_memory(c, true);
    let (findings, others): (Vec<Item>, Vec<Item>) = default
        .items
        .into_iter()
        .partition(|i| matches!(i, Item::Finding(_)));
    assert_eq!(
        others.iter().filter_map(printed).collect::<Vec<_>>(),
        lines,
        "{}: the extra checks changed the reference's lines",
        c.name
    );
    let found: Vec<String> = findings.iter().filter_map(printed).collect();
    for f in &c.expect_findings {
        assert!(
            found.contains(f),
            "{}: missing finding {f:?}\n{found:#?}",
            c.name
        );
    }
    if c.only_expected_findings {
        assert_eq!(found, c.expect_findings, "{}: unexpected findings", c.name);
    }
    let invalid = findings
        .iter()
        .any(|i| matches!(i, Item::Finding(f) if f.severity == Severity::Invalid));
    let (_, default_code) = summary(
        c,
        &MemoryRun {
            items: others.into_iter().chain(findings).collect(),
            error: default.error,
        },
    );
    assert_eq!(
        default_code,
        if invalid { 1 } else { code },
        "{}: exit code with findings {found:#?}",
        c.name
    );
}

#[test]
fn orchestration_in_memory_valid_day_is_clean_and_verbose_lines_are_valid() {
    let c = scenario("valid_day").build(OFFLINE_ORG);
    check_in_memory(&c);
    let run = run_in_memory(&c, true);
    let lines: Vec<String> = run.items.iter().filter_map(printed).collect();
    assert_eq!(lines.len(), 6 + 12, "{lines:#?}");
    assert!(lines.iter().all(|l| l.ends_with("\tvalid")), "{lines:#?}");
    assert!(matches!(run.items.last(), Some(Item::Head(_))));
}

/// One test per scenario: the orchestration over its world in memory.
fn run(name: &str) {
    check_in_memory(&scenario(name).build(OFFLINE_ORG));
}

scenario_tests!(sync);
