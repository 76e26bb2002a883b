//! Activity summary of `CloudTrail` records (`trailproof summarize`, and the activity part of
//! `trailproof report`).
//!
//! Pure, like [`crate::chain`]: no I/O and no clock. The caller reads files (or receives the
//! bytes the verification hashed) and hands them here; the records are decoded by
//! [`crate::records`].
//!
//! - [`summary`] is the model: the [`summary::Summary`] document (schema
//!   `trailproof.summary/1`) and its parts, with enums for every status that reaches the JSON.
//! - [`aggregate`] is the streaming [`aggregate::Summarizer`], whose memory is bounded by the
//!   number of distinct keys (event names, sources, regions, actors…): counts per event
//!   name, source, region and account; root use; console sign-ins; authorization failures;
//!   the fifteen CIS v3.0 monitoring items 4.1–4.15; identities by actor key; and parser notes
//!   that make every oddity of the input visible. Shards merge into the result of one pass.
//! - [`rules`] says what a record means: its actor key, root use (CIS 4.3), authorization
//!   failures with the v2.0+ exclusions (CIS 4.1), the CIS item tests, the abused APIs.
//! - [`sections`] adds the security-relevant sections: logging tampering, IAM changes,
//!   network exposure, protection changes and snapshot sharing, source-address classes,
//!   user-agent families, hourly spikes, and dormant identities from an IAM inventory.
//! - `tally` holds the bounded counting helpers the aggregator and the sections share.
//!
//! Records are counted as read: duplicate `eventID`s are reported in the parser notes, not
//! removed. Records from `--logs` are unverified (`"verification": "unverified"`).

pub mod access;
pub mod aggregate;
pub mod consumer;
pub mod drilldown;
pub mod rules;
pub mod sections;
pub mod summary;
mod tally;
