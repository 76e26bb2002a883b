//! Activity summary of `CloudTrail` records (`trailproof summarize`).
//!
//! Pure, like [`crate::chain`]: no I/O and no clock. The CLI reads files and hands their
//! bytes here.
//!
//! - [`parse`] turns one file's bytes into records: gzip is detected by its magic bytes, and
//!   `{"Records":[...]}`, bare JSON arrays, JSON Lines, `aws cloudtrail lookup-events` output
//!   and `EventBridge` envelopes are accepted. Anything else is skipped with a reason code.
//! - [`record`] decodes one record in a single pass, borrowing from the file's text: only
//!   the fields the summary reads are built, each leniently (a wrong type reads as absent).
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

pub mod consumer;
pub mod parse;
pub mod record;
pub mod sections;
pub mod summary;
