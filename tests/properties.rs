//! Seeded property tests of the integrity guarantees:
//! - any single-byte change to what a log or digest file decompresses to is detected;
//! - any change to the compressed bytes is detected unless the content it decompresses to is
//!   unchanged (gzip header fields such as the timestamp are outside what the signed hashes
//!   cover);
//! - an untouched trail never yields a finding.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

// The parts of `tests/support/` this binary uses.
mod support {
    pub mod bundle;
    pub mod case;
    pub mod expect;
    pub mod run;
    pub mod trail;
}

use support::bundle::run_bundle;
use support::expect::is_reference_line;
use support::trail::{ACCOUNT, keys, t};
use trailproof::chain::digest::{ExpectedHash, parse_digest};
use trailproof::chain::keys::KeySet;
use trailproof::chain::layout::ChainKind;
use trailproof::chain::log::{LogVerdict, verify_log};
use trailproof::fixture::{Rng, TrailSpec, World, gunzip, gzip};
use trailproof::hash::sha256_hex;

const CASES: u64 = 300;

fn world() -> (TrailSpec, World) {
    let spec = TrailSpec::small("tp-props", "props", t("2026-03-01T00:17:42Z"), 3);
    let world = World::build(&spec, keys()).unwrap();
    (spec, world)
}

/// Decodes like the verifier (first member), or `None` when the bytes are not gzip.
fn try_gunzip(bytes: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::bufread::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

#[test]
fn any_single_byte_change_to_log_content_is_detected() {
    let (spec, world) = world();
    let log = &world.objects[&world.logs(&spec, "us-east-1")[0]];
    let content = gunzip(&log.body);
    let expected = ExpectedHash::Hex(sha256_hex(&content));
    assert_eq!(verify_log(&log.body, &expected), LogVerdict::Valid);
    let mut rng = Rng::new(1);
    for _ in 0..CASES {
        let mut changed = content.clone();
        let i = usize::try_from(rng.next_u64() % changed.len() as u64).unwrap();
        let delta = u8::try_from(rng.next_u64() % 255 + 1).unwrap();
        changed[i] = changed[i].wrapping_add(delta);
        assert_ne!(
            verify_log(&gzip(&changed), &expected),
            LogVerdict::Valid,
            "byte {i} +{delta}"
        );
    }
}

#[test]
fn any_change_to_compressed_log_bytes_is_detected_unless_content_is_unchanged() {
    let (spec, world) = world();
    let log = &world.objects[&world.logs(&spec, "us-east-1")[1]];
    let content = gunzip(&log.body);
    let expected = ExpectedHash::Hex(sha256_hex(&content));
    let mut rng = Rng::new(2);
    let mut header_only = 0;
    for _ in 0..CASES {
        let mut body = log.body.clone();
        let i = usize::try_from(rng.next_u64() % body.len() as u64).unwrap();
        body[i] ^= u8::try_from(rng.next_u64() % 255 + 1).unwrap();
        let verdict = verify_log(&body, &expected);
        if try_gunzip(&body).as_deref() == Some(content.as_slice()) {
            header_only += 1; // e.g. the gzip mtime or OS byte: not covered by any hash
        } else {
            assert_ne!(verdict, LogVerdict::Valid, "byte {i} of the compressed log");
        }
    }
    assert!(
        header_only < CASES / 4,
        "most flips must change what the file decodes to"
    );
}

#[test]
fn any_change_to_digest_content_or_bytes_is_detected() {
    let (spec, world) = world();
    let loc = world.digests(&spec, "us-east-1", false)[1].clone();
    let obj = &world.objects[&loc];
    let keyset = KeySet::from_records(world.public_keys["us-east-1"].clone());
    let verify = |body: Vec<u8>| {
        let o = trailproof::vocab::FetchedObject {
            body,
            metadata: obj.metadata.clone(),
        };
        parse_digest(ChainKind::Standard, &loc, &o, 1 << 24)
            .and_then(|p| p.verify(&keyset, "us-east-1"))
    };
    assert!(verify(obj.body.clone()).is_ok());
    let content = gunzip(&obj.body);
    let mut rng = Rng::new(3);
    for _ in 0..CASES {
        let mut changed = content.clone();
        let i = usize::try_from(rng.next_u64() % changed.len() as u64).unwrap();
        changed[i] = changed[i].wrapping_add(u8::try_from(rng.next_u64() % 255 + 1).unwrap());
        assert!(verify(gzip(&changed)).is_err(), "content byte {i}");
        let mut body = obj.body.clone();
        let j = usize::try_from(rng.next_u64() % body.len() as u64).unwrap();
        body[j] ^= u8::try_from(rng.next_u64() % 255 + 1).unwrap();
        if try_gunzip(&body).as_deref() != Some(content.as_slice()) {
            assert!(verify(body).is_err(), "compressed byte {j}");
        }
    }
}

#[test]
fn untouched_trails_never_yield_a_finding() {
    let mut rng = Rng::new(4);
    for n in 0..12u64 {
        let mut spec = TrailSpec::small("tp-clean", "clean", t("2026-03-01T00:17:42Z"), 8);
        spec.account_id = ACCOUNT.to_owned();
        spec.seed = rng.next_u64();
        spec.logs_per_hour = usize::try_from(rng.next_u64() % 4).unwrap();
        if n % 3 == 0 {
            spec.stopped_hours = vec![u32::try_from(rng.next_u64() % 6 + 1).unwrap()];
        }
        if n % 4 == 1 {
            spec.backfill_hours = vec![2, 5];
        }
        if n % 2 == 0 {
            spec.key_schedule = vec![(0, 0), (u32::try_from(rng.next_u64() % 7 + 1).unwrap(), 1)];
        }
        if n % 5 == 2 {
            spec.regions = vec!["us-east-1".into(), "eu-west-1".into()];
        }
        let world = World::build(&spec, keys()).unwrap();
        let mut c = support::case::case(&format!("clean_{n}"), spec, world);
        c.logging = n % 2 == 1;
        c.start = "2026-03-01T00:00:00Z".into();
        c.end = "2026-03-01T08:40:00Z".into();
        let dir = tempfile::tempdir().unwrap();
        let all = ["--all-regions"];
        let run = run_bundle(
            &c,
            dir.path(),
            if c.spec.regions.len() > 1 { &all } else { &[] },
        );
        assert_eq!(run.code, 0, "trail {n} ({:?}): {run:?}", c.spec);
        let extra: Vec<&str> = run
            .stderr
            .split_terminator("\n\n")
            .filter(|l| !is_reference_line(l.trim_start_matches('\n')))
            .collect();
        assert!(extra.is_empty(), "trail {n}: {extra:#?}");
    }
}
