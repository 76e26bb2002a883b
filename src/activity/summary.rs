//! The activity summary document (schema `trailproof.summary/1`): the serde types that
//! `summarize --format json` writes and that the audit report embeds.
//!
//! A model only: it is built by [`super::aggregate::Summarizer`], which applies the tests of
//! [`super::rules`], and formatted by the presenters. Nothing here reads a record or decides
//! what a record means. Every map is a `BTreeMap` and [`to_sorted_json`] sorts every key, so
//! the same input gives byte-identical JSON.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::sections::Sections;
use crate::records::file::{Shape, Skip};

/// The benchmark whose numbering and wording `cis_monitoring` uses.
pub const BENCHMARK: &str = "CIS AWS Foundations v3.0";

/// JSON schema tag of a [`Summary`].
pub const SCHEMA: &str = "trailproof.summary/1";

/// One input file that yielded records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileEntry {
    /// The path as given or found.
    pub file: String,
    /// SHA-256 of the bytes as read or as stored (compressed, when gzip).
    pub sha256: String,
    /// Size as read or as stored (compressed, when gzip).
    pub bytes: u64,
    /// Whether it was gzip.
    pub gzip: bool,
    /// The container the records were found in.
    pub shape: Shape,
    /// Records taken from it.
    pub records: u64,
    /// Whether the file passed integrity verification (always false for `--logs`).
    pub verified: bool,
}

/// One skipped file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedFile {
    /// The path.
    pub file: String,
    /// Why it was skipped (serialised as [`Skip::code`]).
    pub reason: Skip,
}

/// Skipped files and counts per reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Every skipped file, in input order.
    pub files: Vec<SkippedFile>,
    /// Count per reason (keys serialised as [`Skip::code`]).
    pub by_reason: BTreeMap<Skip, u64>,
}

/// Console sign-ins of one actor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SignInsOf {
    /// Successful.
    pub success: u64,
    /// Failed.
    pub failure: u64,
    /// Without MFA (case-insensitive).
    pub without_mfa: u64,
    /// Source addresses (at most [`MAX_SET`]).
    pub source_ips: BTreeSet<String>,
}

/// Console sign-in counts (`eventName` `ConsoleLogin`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConsoleLogins {
    /// All `ConsoleLogin` records.
    pub total: u64,
    /// `responseElements.ConsoleLogin` is `Success`.
    pub success: u64,
    /// `responseElements.ConsoleLogin` is `Failure`.
    pub failure: u64,
    /// `additionalEventData.MFAUsed` present and not `yes` (case-insensitive).
    pub without_mfa: u64,
    /// Successful sign-ins without MFA (case-insensitive).
    pub success_without_mfa: u64,
    /// Sign-ins by the root user.
    pub root: u64,
    /// Per actor key (failed sign-ins of unknown users carry `HIDDEN_DUE_TO_SECURITY_REASONS`).
    pub by_actor: BTreeMap<String, SignInsOf>,
}

/// One CIS monitoring item over the records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CisCount {
    /// The item's topic in the benchmark's wording.
    pub topic: &'static str,
    /// Matching records.
    pub count: u64,
    /// Earliest matching `eventTime`.
    pub first_event_time: Option<String>,
    /// Latest matching `eventTime`.
    pub last_event_time: Option<String>,
    /// Matching records per actor key.
    pub actors: BTreeMap<String, u64>,
}

/// One actor (identity) over the records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// `userIdentity.type` (`"(none)"` when absent).
    pub identity_type: String,
    /// Records.
    pub events: u64,
    /// Records with `readOnly` false.
    pub writes: u64,
    /// Records with an `errorCode` (or a failed `ConsoleLogin`).
    pub errors: u64,
    /// Earliest `eventTime`.
    pub first_seen: Option<String>,
    /// Latest `eventTime`.
    pub last_seen: Option<String>,
    /// Distinct source addresses, verbatim.
    pub source_ips: u64,
    /// Regions used (at most [`MAX_SET`]).
    pub regions: BTreeSet<String>,
    /// User agents used (at most [`MAX_SET`]).
    pub user_agents: BTreeSet<String>,
    /// Access key ids used (`AKIA…` long-term, `ASIA…` temporary; at most [`MAX_SET`]).
    pub access_keys: BTreeSet<String>,
    /// Some call was made in an MFA-authenticated session or sign-in.
    pub mfa_seen: bool,
    /// An AWS service acting (type `AWSService`, `invokedBy`, or an `.amazonaws.com` /
    /// `AWS Internal` source address), not a human.
    pub aws_service: bool,
}

/// Most values kept per identity set (regions, agents, keys, addresses).
pub const MAX_SET: usize = 20;

/// Read and write split.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReadWrite {
    /// `readOnly` true.
    pub read: u64,
    /// `readOnly` false.
    pub write: u64,
    /// No usable `readOnly`.
    pub unknown: u64,
}

/// Calls of one commonly abused API.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OkFailed {
    /// Without `errorCode`.
    pub ok: u64,
    /// With `errorCode`.
    pub failed: u64,
}

/// Caveats about the input, so nothing is lost silently.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ParserNotes {
    /// Records whose `eventID` was seen before (counted, not removed).
    pub duplicate_event_ids: u64,
    /// Records with no `eventID`.
    pub without_event_id: u64,
    /// Records with no `eventTime` string.
    pub without_event_time: u64,
    /// Records whose `eventTime` did not parse.
    pub unparsable_event_time: u64,
    /// Records without a usable `eventTime` whose `@timestamp` was used for the time range.
    pub time_from_at_timestamp: u64,
    /// Records with no `userIdentity` object.
    pub without_user_identity: u64,
    /// Records whose `userIdentity` has no `type`.
    pub without_identity_type: u64,
    /// `readOnly`/`managementEvent` given as the strings "true"/"false".
    pub string_booleans: u64,
    /// `sourceIPAddress` values that look like IPv4 but are not canonical (kept verbatim).
    pub non_canonical_ips: u64,
    /// `eventVersion` values that are not `major.minor` numbers.
    pub odd_event_versions: u64,
    /// JSON Lines lines that were not JSON.
    pub bad_lines: u64,
    /// lookup-events `CloudTrailEvent` strings that were not a JSON object.
    pub bad_embedded_events: u64,
    /// Container elements that were not objects.
    pub non_object_elements: u64,
}

/// Whether the files that yielded records passed integrity verification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// Every file passed (`"verified"`).
    Verified,
    /// Some did, some did not (`"partially_verified"`).
    PartiallyVerified,
    /// None did, or there were none; always for `--logs` (`"unverified"`).
    #[default]
    Unverified,
}

impl Verification {
    /// Of `verified` files among `files` that yielded records.
    #[must_use]
    pub fn of(verified: usize, files: usize) -> Self {
        match verified {
            0 => Self::Unverified,
            n if n == files => Self::Verified,
            _ => Self::PartiallyVerified,
        }
    }

    /// Stable name (as in the JSON output).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Verified => "verified",
            Self::PartiallyVerified => "partially_verified",
            Self::Unverified => "unverified",
        }
    }
}

/// The summary document (`--format json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Schema tag, [`SCHEMA`].
    pub schema: &'static str,
    /// Whether the records' files were integrity-verified.
    pub verification: Verification,
    /// Files that yielded records.
    pub files: Vec<FileEntry>,
    /// Records read (duplicates included).
    pub records: u64,
    /// Skipped files.
    pub skipped: Skipped,
    /// Earliest `eventTime`, RFC 3339 UTC.
    pub first_event_time: Option<String>,
    /// Latest `eventTime`, RFC 3339 UTC.
    pub last_event_time: Option<String>,
    /// Records per `eventName`.
    pub by_event_name: BTreeMap<String, u64>,
    /// Records per `eventSource`.
    pub by_event_source: BTreeMap<String, u64>,
    /// Records per `awsRegion` (verbatim; unknown regions kept).
    pub by_region: BTreeMap<String, u64>,
    /// Records per `recipientAccountId`.
    pub by_account: BTreeMap<String, u64>,
    /// Records per `errorCode`.
    pub by_error_code: BTreeMap<String, u64>,
    /// Records per hour of `eventTime` (`2026-03-01T05:00:00Z`).
    pub by_hour: BTreeMap<String, u64>,
    /// Records with an `errorCode`, per hour.
    pub errors_by_hour: BTreeMap<String, u64>,
    /// Read / write split (`readOnly`).
    pub read_write: ReadWrite,
    /// Write calls (`readOnly` false) per `eventName`.
    pub writes_by_event_name: BTreeMap<String, u64>,
    /// Event names seen at most twice in the window (rare calls).
    pub rare_event_names: Vec<String>,
    /// Calls of commonly abused APIs ([`super::rules::ABUSED_APIS`]), succeeded and failed.
    pub abused_apis: BTreeMap<String, OkFailed>,
    /// Records per `eventVersion` string.
    pub by_event_version: BTreeMap<String, u64>,
    /// The newest `eventVersion`, compared numerically (`1.10` > `1.9`).
    pub newest_event_version: Option<String>,
    /// Records per `eventCategory` (`"(none)"` before 1.07).
    pub by_event_category: BTreeMap<String, u64>,
    /// Records per `sourceIPAddress`, verbatim.
    pub by_source_ip: BTreeMap<String, u64>,
    /// Root use, CIS 4.3 semantics.
    pub root_events: u64,
    /// Console sign-ins.
    pub console_logins: ConsoleLogins,
    /// Authorization failures, CIS 4.1 with the v2.0+ exclusions.
    pub access_denied: u64,
    /// Authorization failures dropped by those exclusions (log delivery, `HeadBucket`).
    pub access_denied_excluded: u64,
    /// The benchmark of `cis_monitoring`, [`BENCHMARK`].
    pub benchmark: &'static str,
    /// CIS monitoring items `"4.1"`…`"4.15"`.
    pub cis_monitoring: BTreeMap<&'static str, CisCount>,
    /// Per actor key.
    pub identities: BTreeMap<String, Identity>,
    /// Input caveats.
    pub parser_notes: ParserNotes,
    /// Security-relevant sections (tampering, IAM changes, exposure, protection changes,
    /// address classes, agent families, spikes, dormant identities), as top-level keys.
    #[serde(flatten)]
    pub sections: Sections,
    /// For each figure (by JSON Pointer), the `trailproof search` command that lists its
    /// records, every value single-quoted for POSIX `sh` (set by the command line, which
    /// knows the input options; empty in a document built without one).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub drilldown: BTreeMap<String, String>,
}

/// The summary as a JSON value with every object's keys sorted (stable output).
#[must_use]
pub fn to_sorted_json(summary: &Summary) -> Value {
    sort_keys(serde_json::to_value(summary).unwrap_or(Value::Null))
}

fn sort_keys(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sort_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::aggregate::Summarizer;
    use serde_json::json;

    #[test]
    fn verification_serialises_as_its_code() {
        for v in [
            Verification::Verified,
            Verification::PartiallyVerified,
            Verification::Unverified,
        ] {
            assert_eq!(serde_json::to_value(v).unwrap(), v.code());
        }
        assert_eq!(Verification::of(0, 0), Verification::Unverified);
        assert_eq!(Verification::of(2, 2), Verification::Verified);
        assert_eq!(Verification::of(1, 2), Verification::PartiallyVerified);
    }

    #[test]
    fn json_keys_are_sorted_and_required_keys_present() {
        let mut s = Summarizer::default();
        s.add_value(&json!({"eventName": "A"}));
        let v = to_sorted_json(&s.finish());
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        for k in [
            "records",
            "skipped",
            "first_event_time",
            "last_event_time",
            "by_event_name",
            "by_event_source",
            "by_region",
            "root_events",
            "console_logins",
            "access_denied",
            "cis_monitoring",
            "benchmark",
            "schema",
        ] {
            assert!(v.get(k).is_some(), "{k}");
        }
        assert_eq!(v["cis_monitoring"]["4.15"]["count"], 0);
    }
}
