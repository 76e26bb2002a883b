//! Compliance controls for `CloudTrail` configurations.
//!
//! - [`catalog`]: the static definition of every control (id, title, severity, scope,
//!   rationale, remediation and framework cross-references). Data only.
//! - [`eval`]: evaluates the catalog against a [`crate::snapshot::model::Snapshot`]. Pure:
//!   the "now" of time-dependent rules is an argument.
//! - [`selectors`], [`monitoring`], [`policy`]: the shared building blocks (event-selector
//!   coverage, CIS metric-filter patterns, policy documents).
//! - [`result`]: what an evaluation produces; [`waivers`]: accepted exceptions.
//! - `sample` (feature `fixture`): a generated compliant snapshot for tests.

pub mod catalog;
pub mod eval;
pub mod monitoring;
pub mod policy;
pub mod result;
#[cfg(feature = "fixture")]
pub mod sample;
pub mod selectors;
pub mod waivers;
