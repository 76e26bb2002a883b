//! Orchestration: from a request to verdicts, and from the verified bytes to the analyses.
//!
//! - [`request`]: what a caller asks (a trail, a window, a source, the options), with one
//!   set of defaults for every command that verifies.
//! - [`plan`]: resolves a request once (the source, the trail's bucket and prefix, the
//!   keys, the regions, the anchors) into a [`config::VerifyConfig`].
//! - [`region`]: one region's run: list, fetch with bounded concurrency, feed the pure core
//!   ([`crate::chain`]), emit ordered [`item::Item`]s, and hand every log file's hashed
//!   bytes to the analyses ([`stream`]).
//! - [`run`]: a whole verification (every region), its outcome, and its observers.
//! - [`tally`]: the counts kept as items go by.
//!
//! Async and bounded; decides nothing itself (verdicts come from [`crate::chain`]). It may
//! do I/O only through [`crate::source`].

pub mod config;
mod detect;
pub mod fetch;
pub mod fetcher;
pub mod item;
pub mod local;
pub mod org;
pub mod plan;
pub mod region;
pub mod request;
pub mod run;
pub mod stream;
pub mod tally;
