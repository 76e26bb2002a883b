//! Every scenario, offline: the bundle (local mirror + saved keys) through the binary.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

#[macro_use]
mod support;

use support::{COMPARABLE, DELIBERATE, check_expectations, run_bundle, scenario};

fn run(name: &str) {
    let c = scenario(name, support::OFFLINE_ORG);
    let dir = tempfile::tempdir().expect("tempdir");
    let reference_only = run_bundle(&c, dir.path(), &["--reference-only"]);
    check_expectations(&c, &reference_only);
    let default = run_bundle(&c, dir.path(), &[]);
    support::extras(&c, &default, &reference_only);
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
            let mut listed: Vec<&str> = COMPARABLE.iter().chain(DELIBERATE).chain(support::DETECTION).copied().collect();
            tested.sort_unstable();
            listed.sort_unstable();
            assert_eq!(tested, listed);
        }
    };
}

all_scenarios!(scenarios);
