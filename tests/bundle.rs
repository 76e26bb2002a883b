//! Every scenario, offline: the bundle (local mirror + saved keys) through the binary.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

// The parts of `tests/support/` this binary uses.
#[macro_use]
mod support {
    pub mod bundle;
    pub mod case;
    pub mod default_trail;
    pub mod expect;
    pub mod run;
    #[macro_use]
    pub mod scenarios;
    pub mod trail;
}

use support::bundle::run_bundle;
use support::expect::{check_expectations, extras};
use support::scenarios::{OFFLINE_ORG, scenario};

fn run(name: &str) {
    let c = scenario(name).build(OFFLINE_ORG);
    let dir = tempfile::tempdir().expect("tempdir");
    let reference_only = run_bundle(&c, dir.path(), &["--reference-only"]);
    check_expectations(&c, &reference_only);
    let default = run_bundle(&c, dir.path(), &[]);
    extras(&c, &default, &reference_only);
}

scenario_tests!(sync);
