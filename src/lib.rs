//! trailproof: prove that AWS `CloudTrail` logs are intact.
//!
//! The crate is split so that everything that decides a verdict is pure and testable:
//!
//! - [`chain`] is the verification core. It takes already-fetched bytes and metadata and
//!   returns typed outcomes. It does no I/O and never reads the clock.
//! - [`source`] is the only module that talks to S3, `CloudTrail`, Organizations or the disk.
//! - [`audit`] orchestrates: it lists, fetches with bounded concurrency, feeds the core and
//!   streams ordered outcomes to a sink.
//! - [`records`] decodes `CloudTrail` log files into typed records (pure, like [`chain`]): the
//!   way every consumer of records reads them.
//! - [`activity`] summarises those records (pure, like [`chain`]).
//! - [`report`] is the serialisable model of a run (the stable JSON document).
//! - [`controls`] is the compliance control catalog (data only, so far).
//! - [`cli`] is the only place that knows about clap, stdout/stderr and exit codes.
//!
//! # Testing
//! The `fixture` feature exposes [`fixture`], a generator of CloudTrail-layout trails signed
//! with throwaway keys. It signs, so it is never part of a default build.

pub mod activity;
pub mod audit;
pub mod chain;
pub mod cli;
pub mod controls;
#[cfg(feature = "fixture")]
pub mod fixture;
pub mod hash;
pub mod limits;
pub mod present;
pub mod records;
pub mod report;
pub mod snapshot;
pub mod source;
pub mod time;
pub mod vocab;
