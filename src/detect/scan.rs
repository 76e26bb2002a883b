//! Running a [`RuleSet`] over records decoded by [`crate::records`]: the typed decoding
//! gives the quick fields the rule index needs, and a record's JSON text is parsed into a
//! full value only when some rule can match it. What `hunt`, `search --rule` and the
//! summary's CIS section share.

use serde_json::Value;

use super::sigma::{QuickField, QuickValue, RuleSet};
use crate::records::record::{Record, Seen, Text};

fn text_quick<'r>(t: &'r Text<'_>) -> QuickValue<'r> {
    match t.seen() {
        Seen::Absent => QuickValue::Absent,
        Seen::Null => QuickValue::Null,
        Seen::Str => t.get().map_or(QuickValue::Other, QuickValue::Str),
        Seen::Other => QuickValue::Other,
    }
}

/// What the typed record holds in `field`.
#[must_use]
pub fn quick<'r>(r: &'r Record<'_>, field: QuickField) -> QuickValue<'r> {
    match field {
        QuickField::EventName => text_quick(&r.event_name),
        QuickField::EventSource => text_quick(&r.event_source),
        QuickField::ErrorCode => {
            if r.error_code.present {
                match r.error_code.text.get() {
                    Some(s) => QuickValue::Str(s),
                    None => QuickValue::Other,
                }
            } else {
                QuickValue::Absent
            }
        }
        // A `userIdentity` that is not an object (a list, say) is walked by the rules'
        // paths: every rule indexed by it is a candidate.
        QuickField::IdentityType => r
            .identity()
            .map_or(QuickValue::Other, |u| text_quick(&u.kind)),
    }
}

/// Reusable buffers for scanning records.
#[derive(Debug, Default)]
pub struct Scan {
    candidates: Vec<usize>,
}

impl Scan {
    /// Calls `each(rule, record)` for every detection rule of `rules` that matches, in rule
    /// order. `raw` is the record's JSON text; it is parsed only when some rule is a
    /// candidate. Returns the parsed value when it was parsed (for callers that keep it).
    ///
    /// A record whose text is not JSON (it was decoded, so this does not happen) matches
    /// nothing.
    pub fn record(
        &mut self,
        rules: &RuleSet,
        r: &Record<'_>,
        raw: &str,
        each: &mut dyn FnMut(usize, &Value),
    ) {
        rules.candidates(&|f| quick(r, f), &mut self.candidates);
        if self.candidates.is_empty() {
            return;
        }
        let Ok(value) = serde_json::from_str::<Value>(raw) else {
            return;
        };
        for &rule in &self.candidates {
            if rules.matches(rule, &value) {
                each(rule, &value);
            }
        }
    }
}
