//! Search: list the records behind a figure, filter by any field, count by any field
//! ([`filter`] decides what matches, [`consumer`] reads the verified stream).

pub mod consumer;
pub mod filter;
