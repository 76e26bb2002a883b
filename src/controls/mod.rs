//! Compliance controls for `CloudTrail` configurations: pure analysis of a
//! [`crate::snapshot::model::Snapshot`]. No I/O and no clock: "now" is an argument, and
//! files are read by the caller.
//!
//! - [`catalog`]: the static definition of every control (id, title, severity, scope,
//!   rationale, remediation and framework cross-references). Data only.
//! - [`eval`]: evaluates the catalog against a snapshot, one file per group of controls.
//! - [`selectors`], [`monitoring`], [`policy`]: the shared building blocks (event-selector
//!   coverage, CIS metric-filter patterns, policy documents).
//! - [`result`]: what an evaluation produces (a [`result::Verdict`] per evaluator, a
//!   [`result::ControlResult`] per control and resource).
//! - [`config`]: the `check` configuration (settings and waivers); [`waivers`]: applying
//!   the accepted exceptions to results.
//! - `sample` (feature `fixture`): a generated compliant snapshot for tests.

pub mod catalog;
pub mod config;
pub mod eval;
pub mod monitoring;
pub mod policy;
pub mod result;
#[cfg(feature = "fixture")]
pub mod sample;
pub mod selectors;
pub mod waivers;
