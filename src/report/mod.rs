//! The documents a run produces, as typed models: built by library functions, serialised
//! as the stable JSON documents, and read (never decided) by the presenters.
//!
//! - [`verify`]: one trail's verification (`trailproof.verify/1`).
//! - [`org`]: many chains of an organization trail, and the merge of shares
//!   (`trailproof.verify-org/1`).
//! - [`check`]: the compliance controls on one snapshot (`trailproof.check/1`).
//! - [`audit`]: the audit report (`trailproof.report/1`): integrity, compliance, activity.
//! - [`hunt`]: one detection hit ([`hunt::Hit`], a line of `hunt --format jsonl`).
//! - [`ocsf`]: compliance findings, detection findings and API activity in OCSF 1.5.0.

pub mod audit;
pub mod check;
pub mod hunt;
pub mod ocsf;
pub mod org;
pub mod search;
pub mod verify;
