//! The compliance snapshot: what `trailproof snapshot` records and `trailproof check`
//! evaluates.
//!
//! [`model`] is the serialisable data (pure). [`gather`] is the only part that talks to AWS:
//! it asks every read-only question the controls need and records each answer, denial or
//! failure as a [`model::Call`].

pub mod gather;
pub mod model;
#[cfg(feature = "fixture")]
pub mod sample;
