//! Every scenario, as data: one entry of [`SCENARIOS`] per damaged trail, with its damage
//! and what must come out side by side.
//!
//! Every scenario is a generated trail (signed with the committed throwaway keys) damaged
//! the way its name says. The same scenario runs offline (`--bundle`, `tests/bundle.rs`),
//! against the moto server on loopback (`tests/moto.rs`), in memory through the library's
//! orchestration (`tests/chain.rs`), and — unless it is [`Kind::Deliberate`] — through
//! the real `aws cloudtrail validate-logs`, whose output ours must equal byte for byte.
//!
//! Adding a scenario is adding one `name = Scenario { .. }` entry to the table in
//! `table.rs`: each of those binaries gets one test per entry from `scenario_tests!`.

use trailproof::fixture::{TrailSpec, World};

use super::case::{Case, case};
use super::default_trail::trail_spec;
use super::trail::keys;

/// The organization id used offline (online, moto's own id is used).
#[allow(dead_code, reason = "tests/moto.rs uses moto's own organization id")]
pub const OFFLINE_ORG: &str = "o-exampleorg1";

/// How a scenario's output relates to the reference's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Ours equals `aws cloudtrail validate-logs` byte for byte.
    Reference,
    /// Tampering the reference misses (issue 3): under `--reference-only` ours equals the
    /// reference; by default, findings follow the reference's lines.
    Detection,
    /// A deliberate difference from the reference (documented at the entry).
    Deliberate,
}

/// One scenario: the trail, the damage, how `verify` is run, and what must come out.
/// Entries start from [`REFERENCE`], [`DETECTION`] or [`DELIBERATE`] and change what
/// differs.
pub struct Scenario {
    /// The entry's name in the table (also its test's name and, with `-`, its bucket).
    pub name: &'static str,
    /// How its output relates to the reference's.
    pub kind: Kind,
    /// Changes to the default trail (see [`trail_spec`]) before its objects are generated;
    /// the second argument is the organization id to lay organization trails out with.
    pub trail: fn(&mut TrailSpec, &str),
    /// The requested window (`--start-time`, `--end-time`), as given on the command line.
    pub window: (&'static str, &'static str),
    pub verbose: bool,
    /// Extra verify arguments (e.g. `--region`, `--account-id`).
    pub args: &'static [&'static str],
    /// Whether the trail reports `IsLogging`.
    pub logging: bool,
    /// The damage done to the generated world, and the expectations that name damaged
    /// objects (`expect_stderr`, `expect_findings`, extra buckets, served keys).
    pub damage: fn(&mut Case),
    /// Exit code (of the `--reference-only` run).
    pub code: i32,
    /// Lines that must appear in stdout.
    pub stdout: &'static [&'static str],
    /// Whether the extra findings must be exactly those the damage expects (none when it
    /// expects none).
    pub only_expected_findings: bool,
}

/// A clean run compared with the reference: the default trail, window `00:00`–`06:40`,
/// verbose, exit 0.
pub const REFERENCE: Scenario = Scenario {
    name: "",
    kind: Kind::Reference,
    trail: |_, _| {},
    window: ("2026-03-01T00:00:00Z", "2026-03-01T06:40:00Z"),
    verbose: true,
    args: &[],
    logging: false,
    damage: |_| {},
    code: 0,
    stdout: &[],
    only_expected_findings: false,
};

/// A detection scenario (see [`Kind::Detection`]).
pub const DETECTION: Scenario = Scenario {
    kind: Kind::Detection,
    ..REFERENCE
};

/// A scenario with a deliberate difference from the reference.
pub const DELIBERATE: Scenario = Scenario {
    kind: Kind::Deliberate,
    ..REFERENCE
};

impl Scenario {
    /// Generates and damages the scenario's world. `org` is the organization id to lay
    /// organization trails out with (moto's own id when online).
    pub fn build(&self, org: &str) -> Case {
        let mut spec = trail_spec(self.name, None);
        (self.trail)(&mut spec, org);
        let world = World::build(&spec, keys()).expect("world");
        let mut c = case(self.name, spec, world);
        self.window.0.clone_into(&mut c.start);
        self.window.1.clone_into(&mut c.end);
        c.verbose = self.verbose;
        c.args = self.args.iter().map(|a| (*a).to_owned()).collect();
        c.logging = self.logging;
        c.expect_code = self.code;
        c.expect_stdout = self.stdout.iter().map(|l| (*l).to_owned()).collect();
        c.only_expected_findings = self.only_expected_findings;
        c.reference_comparable = self.kind != Kind::Deliberate;
        (self.damage)(&mut c);
        c
    }
}

/// The scenario of that name.
pub fn scenario(name: &str) -> &'static Scenario {
    SCENARIOS
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("unknown scenario {name}"))
}

/// Declares the table: `scenario_table!(name = Scenario { .. }, ..)` defines [`SCENARIOS`] (each
/// entry named by its identifier) and the macro `scenario_tests!`, which writes one test
/// per entry into the binary that calls it, named after the scenario:
/// `scenario_tests!(sync)` calls that binary's `fn run(name: &str)`,
/// `scenario_tests!(tokio)` awaits its `async fn run(name: &str)` on a two-thread runtime.
/// Both add `scenario_lists_cover_every_test`.
macro_rules! scenario_table {
    ($($name:ident = $entry:expr),* $(,)?) => {
        /// Every scenario.
        pub static SCENARIOS: &[Scenario] = &[$(Scenario {
            name: stringify!($name),
            ..$entry
        }),*];

        macro_rules! scenario_tests {
            (sync) => {
                $(
                    #[test]
                    fn $name() {
                        run(stringify!($name));
                    }
                )*
                scenario_tests!(cover);
            };
            (tokio) => {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        run(stringify!($name)).await;
                    }
                )*
                scenario_tests!(cover);
            };
            (cover) => {
                #[test]
                fn scenario_lists_cover_every_test() {
                    let mut tested = vec![$(stringify!($name)),*];
                    let mut listed: Vec<&str> = $crate::support::scenarios::SCENARIOS
                        .iter()
                        .map(|s| s.name)
                        .collect();
                    tested.sort_unstable();
                    listed.sort_unstable();
                    assert_eq!(tested, listed);
                }
            };
        }
    };
}

mod damage;
#[macro_use]
mod table;

pub use table::SCENARIOS;
