//! The compliance snapshot: what `trailproof snapshot` records and `trailproof check`
//! evaluates, as plain serialisable data (pure: no I/O, no clock).
//!
//! [`model`] is the data. The AWS calls that gather it live with the other AWS code, in
//! [`crate::source::snapshot`]; the controls that evaluate it in [`crate::controls`].

pub mod model;
