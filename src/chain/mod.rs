//! The verification core: pure, synchronous, no SDK types, no I/O, no clock.
//!
//! - [`layout`]: ARNs, digest key layout, listing filter.
//! - [`anchor`]: the newest verified digest kept between scheduled runs.
//! - [`digest`]: one digest from bytes + metadata to a checked digest or a failure.
//! - [`findings`]: tampering the reference misses, found after the walk.
//! - [`keys`]: public key records, fingerprints, key loading.
//! - [`log`]: one log file's hash check.
//! - [`pyjson`]: JSON with Python's `json.loads` semantics.
//! - [`walk`]: the traversal of a chain, newest to oldest.

pub mod anchor;
pub mod digest;
pub mod findings;
pub mod keys;
pub mod layout;
pub mod log;
pub mod pyjson;
pub mod walk;
