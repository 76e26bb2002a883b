//! Every scenario, offline: the bundle (local mirror + saved keys) through the binary.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

mod support;

use support::{COMPARABLE, DELIBERATE, check_expectations, run_bundle, scenario};

fn run(name: &str) {
    let c = scenario(name, support::OFFLINE_ORG);
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_bundle(&c, dir.path(), &[]);
    check_expectations(&c, &run);
}

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run(stringify!($name));
            }
        )*

        #[test]
        fn scenario_lists_cover_every_test() {
            let mut tested = vec![$(stringify!($name)),*];
            let mut listed: Vec<&str> = COMPARABLE.iter().chain(DELIBERATE).copied().collect();
            tested.sort_unstable();
            listed.sort_unstable();
            assert_eq!(tested, listed);
        }
    };
}

scenarios!(
    valid_day,
    log_modified,
    log_deleted,
    log_emptied,
    log_appended_member,
    log_not_gzip,
    digest_modified,
    digest_deleted,
    digest_unsigned,
    digest_not_json,
    two_digests_deleted,
    digest_moved,
    unknown_key,
    gap,
    key_rotation,
    prefix,
    organization,
    empty_hours,
    all_hours_empty,
    window_inside_chain,
    backfill,
    no_digests_found,
    no_valid_digests,
    bucket_change,
    other_region,
    spki_key,
    small_key,
    uppercase_hash,
);
