//! trailproof: prove that AWS `CloudTrail` logs are intact, check the trail's settings, and
//! show what happened in exactly the bytes that were verified.
//!
//! One data flow: a source ([`source`]) is read once, with bounded concurrency, by the
//! orchestration ([`audit`]), which feeds the pure verification core ([`chain`]) and hands
//! each log file's hashed bytes, with its verdict, to the analyses ([`audit::stream`]);
//! the results become typed documents ([`report`]) that presenters format ([`present`]);
//! the command line ([`cli`]) only translates arguments into requests and outcomes into exit
//! codes. The layers, lowest first (each imports only from its own layer and those below;
//! `tests/layers.rs` enforces it, and that no two files import each other in a circle):
//!
//! - **ground**: [`vocab`] (`Location`, `FetchedObject`, `FetchError`, `Outcome`, `Tool`),
//!   [`time`], [`hash`], [`limits`].
//! - **core**: [`chain`], the digest-chain verification (pure: no I/O, never the clock), and
//!   [`snapshot`], the model of an account's trail settings.
//! - **sources**: [`source`], every byte from outside: S3, evidence bundles, local files,
//!   public keys, trail lookups, the read-only AWS calls of a snapshot, and an in-memory
//!   source for tests.
//! - **orchestration**: [`audit`], requests and their defaults, planning, runs, the
//!   verified stream, organization runs, bundle recording.
//! - **consumers**: [`records`] (typed `CloudTrail` decoding), [`activity`] (the activity
//!   summary), [`controls`] (the compliance catalog and its evaluators): pure analyses.
//! - **models**: [`report`], the documents (`trailproof.verify/1`, `verify-org/1`,
//!   `check/1`, `report/1`), built by library functions, with enums for statuses.
//! - **presenters**: [`present`], text, Markdown, JSON and HTML; formatting only.
//! - **edge**: [`cli`] (clap, stdout/stderr, exit codes) and, with the `fixture` feature,
//!   [`fixture`], a generator of trails signed with throwaway keys (it signs, so it is
//!   never part of a default build).

pub mod activity;
pub mod audit;
pub mod chain;
pub mod cli;
pub mod controls;
pub mod detect;
#[cfg(feature = "fixture")]
pub mod fixture;
pub mod hash;
pub mod limits;
pub mod present;
pub mod records;
pub mod report;
pub mod search;
pub mod snapshot;
pub mod source;
pub mod time;
pub mod vocab;
