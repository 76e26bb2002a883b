//! Activity summary of `CloudTrail` records (`trailproof summarize`).
//!
//! Pure, like [`crate::chain`]: no I/O and no clock. The CLI reads files and hands their
//! bytes here; the records are decoded by [`crate::records`].
//!
//! - [`summary`] is a streaming aggregator whose memory is bounded by the number of distinct
//!   keys (event names, sources, regions, actors…). It produces the [`summary::Summary`]
//!   document (schema `trailproof.summary/1`): counts per event name, source, region and
//!   account; root use (CIS 4.3); console sign-ins; authorization failures (CIS 4.1 with
//!   the v2.0+ exclusions); the fifteen CIS v3.0 monitoring items 4.1–4.15; identities by
//!   actor key; and parser notes that make every oddity of the input visible.
//!
//! - [`sections`] adds the security-relevant sections: logging tampering, IAM changes,
//!   network exposure, protection changes and snapshot sharing, source-address classes,
//!   user-agent families, hourly spikes, and dormant identities from an IAM inventory.
//!
//! Records are counted as read: duplicate `eventID`s are reported in the parser notes, not
//! removed. Records from `--logs` are unverified (`"verification": "unverified"`).

pub mod sections;
pub mod summary;
