//! Compliance controls for `CloudTrail` configurations.
//!
//! [`catalog`] holds the static definition of every control (id, title, severity, scope,
//! rationale, remediation and framework cross-references). It is data only: no evaluation
//! and no I/O happen here.

pub mod catalog;
