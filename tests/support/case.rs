//! A case: a generated world, how to run `verify` on it, and what must come out. Scenarios
//! and one-off tests build cases alike.

use std::collections::BTreeMap;

use trailproof::chain::keys::PublicKeyRecord;
use trailproof::fixture::{TrailSpec, World};

/// A damaged world plus how to run it and what must come out.
#[allow(
    dead_code,
    reason = "each binary reads the fields its runs need (a fault test no expectations)"
)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "a flat record of a case's settings"
)]
pub struct Case {
    pub name: String,
    pub spec: TrailSpec,
    pub world: World,
    /// Keys the key service serves (may differ from the world's, e.g. unknown key).
    pub served_keys: BTreeMap<String, Vec<PublicKeyRecord>>,
    pub start: String,
    pub end: String,
    pub verbose: bool,
    /// Extra verify arguments (e.g. `--region`, `--account-id`).
    pub args: Vec<String>,
    /// Extra buckets the world uses besides `spec.bucket`.
    pub extra_buckets: Vec<String>,
    pub expect_code: i32,
    /// Lines that must appear in stderr (tab-separated verdict lines, gap notes…).
    pub expect_stderr: Vec<String>,
    /// Lines that must appear in stdout.
    pub expect_stdout: Vec<String>,
    /// Extra finding lines (kinds the reference never prints) that must appear by default.
    pub expect_findings: Vec<String>,
    /// Whether the extra findings must be exactly `expect_findings` (none when empty).
    pub only_expected_findings: bool,
    /// Whether the trail reports `IsLogging` (moto: `StartLogging`; bundle: trail status file).
    pub logging: bool,
    /// False where a deliberate difference from the reference applies.
    pub reference_comparable: bool,
}

/// A case over a world: the default window `00:00`–`06:40`, verbose, clean.
pub fn case(name: &str, spec: TrailSpec, world: World) -> Case {
    Case {
        name: name.to_owned(),
        served_keys: world.public_keys.clone(),
        spec,
        world,
        start: "2026-03-01T00:00:00Z".to_owned(),
        end: "2026-03-01T06:40:00Z".to_owned(),
        verbose: true,
        args: Vec::new(),
        extra_buckets: Vec::new(),
        expect_code: 0,
        expect_stderr: Vec::new(),
        expect_stdout: Vec::new(),
        expect_findings: Vec::new(),
        only_expected_findings: false,
        logging: false,
        reference_comparable: true,
    }
}

/// The common verify arguments of a case.
#[allow(dead_code, reason = "tests/chain.rs runs no binary")]
pub fn verify_args(c: &Case) -> Vec<String> {
    let mut a = vec![
        "--trail-arn".to_owned(),
        c.spec.arn(),
        "--start-time".to_owned(),
        c.start.clone(),
        "--end-time".to_owned(),
        c.end.clone(),
    ];
    if c.verbose {
        a.push("--verbose".to_owned());
    }
    a.extend(c.args.iter().cloned());
    a
}
