//! Typed `CloudTrail` decoding: the one way the consumers (the activity summary, and the
//! detection rules and search to come) read records out of a log file's bytes.
//!
//! Pure: no I/O, no clock, no aggregation. A caller hands over one file's bytes (as stored,
//! or already inflated by the verification) and receives each record, in file order, through
//! a closure; records are decoded one at a time, so a file of any length costs the memory of
//! its bytes and of one record.
//!
//! - [`file`](mod@file) finds the records in one file, whatever wrapper they came in: gzip
//!   is detected by its magic bytes (never by the name) and inflated up to a cap;
//!   `{"Records":[...]}` (what `CloudTrail` writes to S3), bare JSON arrays, JSON Lines,
//!   `aws cloudtrail lookup-events` output and `EventBridge` envelopes are accepted
//!   ([`file::Shape`]). A file that holds no records is a [`file::Skip`] with a stable reason
//!   code; odd elements inside an accepted file are counted ([`file::ElementNotes`]).
//! - [`record`] is one record, decoded in a single pass and borrowing from the file's text
//!   ([`record::Record`]). Every field is lenient: a value of the wrong type reads as absent,
//!   so no record fails to decode unless its JSON is invalid.
//! - [`path`] reaches any field of a parsed record by dotted path (lists walked, objects as
//!   their compact JSON text): how detection rules and search filters address fields.
//!
//! This module must not decide anything about what a record means (actor keys, CIS items,
//! sections): that belongs to the consumers that read through it. Whether a file was verified
//! is not its concern either: the caller knows where the bytes came from and their verdict.

pub mod file;
pub mod path;
pub mod record;
