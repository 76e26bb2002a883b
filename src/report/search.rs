//! The document of `search` (`--format json`, `trailproof.search/1`): what was searched,
//! what was read, and the matches (or, with `--count-by`, the counts).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::value::RawValue;

use crate::audit::tally::Counts;
use crate::search::consumer::{Input, Match, SearchOutcome, lost_input};
use crate::vocab::{Outcome, Tool};

/// JSON schema tag of a [`SearchReport`].
pub const SCHEMA: &str = "trailproof.search/1";

/// One match in the document: the record as read.
#[derive(Debug, Serialize)]
pub struct Listed {
    /// The log file.
    pub file: String,
    /// Whether it was verified.
    pub verified: bool,
    /// The record, keys in the file's order.
    pub record: Box<RawValue>,
}

impl Listed {
    /// From a match (a record that is not JSON cannot have matched).
    #[must_use]
    pub fn from_match(m: &Match) -> Option<Self> {
        Some(Self {
            file: m.file.clone(),
            verified: m.verified,
            record: RawValue::from_string(m.raw.clone()).ok()?,
        })
    }
}

/// The search document.
#[derive(Debug, Serialize)]
pub struct SearchReport {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// Tool identity.
    pub tool: Tool,
    /// What was searched: the `--logs` paths, or the trail.
    pub inputs: BTreeMap<String, serde_json::Value>,
    /// The command line's filters, as given.
    pub filters: Vec<String>,
    /// What was read.
    pub input: Input,
    /// The verification's counts, when the logs came from a trail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<Counts>,
    /// The matches, in input order (or by time with `--sort time`), at most `--limit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matches: Option<Vec<Listed>>,
    /// With `--count-by`: `{"count": n, PATH: value, …}`, most common first (least with
    /// `--rare`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts: Option<Vec<serde_json::Value>>,
    /// `findings` only when the verification found tampering (a match is a result, not a
    /// finding); `incomplete` when input was lost or the verification was incomplete.
    pub outcome: Outcome,
    /// The process exit code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u8>,
}

/// A search's outcome: matches are results, never findings.
#[must_use]
pub fn outcome(done: &SearchOutcome, verification: Option<Outcome>) -> Outcome {
    if verification == Some(Outcome::Findings) {
        Outcome::Findings
    } else if lost_input(&done.input)
        || matches!(verification, Some(Outcome::Incomplete | Outcome::NotRun))
    {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    }
}
