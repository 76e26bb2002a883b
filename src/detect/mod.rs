//! Detection: Sigma rules over `CloudTrail` records ([`sigma`]), and the rule pack the
//! project writes and ships in the binary ([`pack`]).

pub mod hunt;
pub mod pack;
pub mod scan;
pub mod sigma;
