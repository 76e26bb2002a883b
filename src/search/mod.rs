//! Search: list the records behind a figure, filter by any field, count by any field
//! ([`filter`] decides what matches, [`consumer`] reads the verified stream), and follow one
//! identity through the sessions and keys it started ([`timeline`]).

pub mod consumer;
pub mod filter;
pub mod timeline;
