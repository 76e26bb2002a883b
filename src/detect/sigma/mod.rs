//! Sigma detection rules over `CloudTrail` records, by the specification (`SigmaHQ`
//! `sigma-specification`: the rules specification, its value-modifiers appendix and the
//! correlation rules specification).
//!
//! [`load`] reads rule files into a [`RuleSet`]: rules whose logsource is not AWS
//! `CloudTrail` are skipped, rules that use something this engine does not implement are
//! refused by name with the reason (never evaluated approximately). A record meets only the
//! rules that can match it ([`RuleSet::candidates`], an index of the literal `eventName` /
//! `eventSource` values a rule requires), then [`RuleSet::matches`] decides. Correlation
//! rules are fed with the base rules' matches ([`Correlator`]) and decided at the end, when
//! every record has been seen: files arrive in path order, not time order.
//!
//! Pure: no I/O, no clock. Times are given by the caller, in milliseconds since the epoch.

mod condition;
mod correlation;
mod meta;
mod rule;
mod set;
mod value;
pub mod yaml;

#[cfg(test)]
mod tests;

pub use correlation::{CorrelationHit, Correlator};
pub use meta::{Kind, Level, NotLoaded, QuickField, QuickValue, RuleMeta, RuleText};
pub use set::{Loaded, RuleSet, load};
pub use value::Wildcard;
