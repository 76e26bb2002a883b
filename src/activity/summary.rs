//! The streaming activity aggregator: feed it files (or records) one at a time and take a
//! [`Summary`] at the end. Memory is bounded by the number of distinct keys (event names,
//! sources, regions, actors, error codes…), never by the number of records, except for the
//! duplicate-`eventID` detector, which keeps one 64-bit hash per distinct id.
//!
//! Every field is read defensively: a value of the wrong type counts as absent, so no record
//! can make the aggregator fail.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::hash::{DefaultHasher, Hash as _, Hasher as _};

use serde::Serialize;
use serde_json::Value;

use crate::controls::monitoring::{CIS_ITEMS, CisItem};
use crate::records::file::{self as parse, ElementNotes, Skip};
use crate::records::record::{Flag, Record, Text};
use crate::time::{UtcTime, format_rfc3339, parse_record_time};

/// The benchmark whose numbering and wording `cis_monitoring` uses.
pub const BENCHMARK: &str = "CIS AWS Foundations v3.0";

/// JSON schema tag of a [`Summary`].
pub const SCHEMA: &str = "trailproof.summary/1";

/// One input file that yielded records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileEntry {
    /// The path as given or found.
    pub file: String,
    /// SHA-256 of the bytes as read (compressed, when gzip).
    pub sha256: String,
    /// Size as read.
    pub bytes: u64,
    /// Whether it was gzip.
    pub gzip: bool,
    /// Container shape code.
    pub shape: &'static str,
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
    /// Stable reason code ([`Skip::code`]).
    pub reason: &'static str,
}

/// Skipped files and counts per reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Every skipped file, in input order.
    pub files: Vec<SkippedFile>,
    /// Count per reason code.
    pub by_reason: BTreeMap<&'static str, u64>,
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

/// Keeps the [`MAX_SET`] smallest values: the same set whatever order the records (or the
/// shards of a parallel run) arrive in.
fn add_capped(set: &mut BTreeSet<String>, v: Option<&str>) {
    let Some(v) = v.filter(|v| !v.is_empty()) else {
        return;
    };
    if !set.contains(v) && (set.len() < MAX_SET || set.last().is_some_and(|l| v < l.as_str())) {
        set.insert(v.to_owned());
        trim(set, MAX_SET);
    }
}

/// Drops the largest values beyond `max`.
pub(crate) fn trim(set: &mut BTreeSet<String>, max: usize) {
    while set.len() > max {
        set.pop_last();
    }
}

fn add_maps<K: Ord>(into: &mut BTreeMap<K, u64>, from: BTreeMap<K, u64>) {
    for (k, n) in from {
        *into.entry(k).or_insert(0) += n;
    }
}

fn union(into: &mut BTreeSet<String>, from: BTreeSet<String>, max: usize) {
    into.extend(from);
    trim(into, max);
}

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

/// APIs attackers commonly call for reconnaissance, credential access, persistence and
/// exfiltration (our own list, after the public `CloudTrail` threat-detection literature).
pub const ABUSED_APIS: &[&str] = &[
    "AssumeRole",
    "AttachGroupPolicy",
    "AttachRolePolicy",
    "AttachUserPolicy",
    "CreateAccessKey",
    "CreateKeyPair",
    "CreateLoginProfile",
    "CreatePolicyVersion",
    "CreateSnapshot",
    "CreateUser",
    "DeleteTrail",
    "DescribeInstances",
    "GetCallerIdentity",
    "GetConsoleOutput",
    "GetConsoleScreenshot",
    "GetFederationToken",
    "GetParameter",
    "GetParameters",
    "GetPasswordData",
    "GetSecretValue",
    "GetSessionToken",
    "GetAccountAuthorizationDetails",
    "ImportKeyPair",
    "ListAccessKeys",
    "ListBuckets",
    "ListRoles",
    "ListSecrets",
    "ListUsers",
    "ModifyInstanceAttribute",
    "ModifySnapshotAttribute",
    "PutBucketAcl",
    "PutBucketPolicy",
    "PutRolePolicy",
    "PutUserPolicy",
    "SendCommand",
    "SetDefaultPolicyVersion",
    "StartSession",
    "StopLogging",
    "UpdateAssumeRolePolicy",
    "UpdateLoginProfile",
];

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

/// The summary document (`--format json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Schema tag, [`SCHEMA`].
    pub schema: &'static str,
    /// Whether the records' files were integrity-verified: `verified` (all),
    /// `partially_verified`, or `unverified` (always for `--logs`).
    pub verification: &'static str,
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
    /// Calls of commonly abused APIs ([`ABUSED_APIS`]), succeeded and failed.
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
    pub sections: super::sections::Sections,
}

/// The streaming aggregator.
#[derive(Debug)]
pub struct Summarizer {
    out: Summary,
    seen_ids: HashSet<u64>,
    /// Distinct source addresses per actor key.
    ips_per_actor: BTreeMap<String, BTreeSet<String>>,
    /// Records and records with an error, per hour (Unix hours); `by_hour` at the end.
    hours: BTreeMap<i64, (u64, u64)>,
    first: Option<UtcTime>,
    last: Option<UtcTime>,
    newest_version: Option<(u64, u64)>,
    cis_range: BTreeMap<&'static str, (Option<UtcTime>, Option<UtcTime>)>,
    actor_range: BTreeMap<String, (Option<UtcTime>, Option<UtcTime>)>,
    inflate_limit: u64,
    record_limit: u64,
    inventory: Option<Vec<super::sections::Dormant>>,
    cis_rules: Vec<CisRule>,
}

impl Default for Summarizer {
    fn default() -> Self {
        Self::new(crate::limits::MAX_ACTIVITY_INFLATED_BYTES)
    }
}

/// The value of `key`, inserted with its default first when missing. Allocates the key only
/// on insertion, so the common case (a key seen before) allocates nothing. Always `Some`
/// (the borrow checker cannot yet express "look up, else insert" without a second lookup).
pub(crate) fn slot<'m, V: Default>(
    map: &'m mut BTreeMap<String, V>,
    key: &str,
) -> Option<&'m mut V> {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key)
}

/// Adds one to `key`'s count, allocating the key only when it is new.
pub(crate) fn count(map: &mut BTreeMap<String, u64>, key: &str) {
    if let Some(n) = map.get_mut(key) {
        *n += 1;
    } else {
        map.insert(key.to_owned(), 1);
    }
}

/// A non-empty string field.
fn nonempty<'r>(t: &'r Text<'_>) -> Option<&'r str> {
    t.get().filter(|s| !s.is_empty())
}

fn widen(range: &mut (Option<UtcTime>, Option<UtcTime>), t: UtcTime) {
    if range.0.is_none_or(|f| t < f) {
        range.0 = Some(t);
    }
    if range.1.is_none_or(|l| t > l) {
        range.1 = Some(t);
    }
}

fn fmt(t: Option<UtcTime>) -> Option<String> {
    t.as_ref().map(format_rfc3339)
}

/// `major.minor` as integers (`"1.10"` → `(1, 10)`).
#[must_use]
pub fn event_version(s: &str) -> Option<(u64, u64)> {
    let (a, b) = s.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// The actor key of a record (spec §1): `arn` for IAM and federated users, issuing role ARN
/// plus session name for assumed roles, `root@account` for root, `invokedBy` for services,
/// `accountId/principalId` for `AWSAccount`, `userName@identityProvider` for SAML and web
/// identity, else `invokedBy`, `principalId` or `"unknown"`.
#[must_use]
pub fn actor_key<'r>(record: &'r Record<'_>) -> Cow<'r, str> {
    let Some(u) = record.identity() else {
        return Cow::Borrowed("unknown");
    };
    let fallback = || {
        Cow::Borrowed(
            nonempty(&u.invoked_by.text)
                .or_else(|| nonempty(&u.principal_id))
                .or_else(|| nonempty(&u.arn))
                .unwrap_or("unknown"),
        )
    };
    match nonempty(&u.kind) {
        Some("IAMUser" | "FederatedUser") => nonempty(&u.arn).map_or_else(fallback, Cow::Borrowed),
        Some("AssumedRole") => {
            let issuer = u
                .session_context
                .0
                .as_ref()
                .and_then(|c| c.session_issuer.0.as_ref())
                .and_then(|i| nonempty(&i.arn));
            let session = nonempty(&u.arn).and_then(|a| a.rsplit('/').next());
            match (issuer, session) {
                (Some(i), Some(s)) => Cow::Owned(format!("{i}/{s}")),
                (Some(i), None) => Cow::Borrowed(i),
                (None, _) => nonempty(&u.arn).map_or_else(fallback, Cow::Borrowed),
            }
        }
        Some("Root") => Cow::Owned(format!(
            "root@{}",
            nonempty(&u.account_id).unwrap_or("unknown")
        )),
        Some("AWSService") => nonempty(&u.invoked_by.text).map_or_else(fallback, Cow::Borrowed),
        Some("AWSAccount") => Cow::Owned(format!(
            "{}/{}",
            nonempty(&u.account_id).unwrap_or("unknown"),
            nonempty(&u.principal_id).unwrap_or("")
        )),
        Some("SAMLUser" | "WebIdentityUser") => {
            match (nonempty(&u.user_name), nonempty(&u.identity_provider)) {
                (Some(u), Some(p)) => Cow::Owned(format!("{u}@{p}")),
                (Some(u), None) => Cow::Borrowed(u),
                _ => fallback(),
            }
        }
        _ => fallback(),
    }
}

/// CIS 4.3: `userIdentity.type` Root, no `invokedBy`, `eventType` not `AwsServiceEvent`.
#[must_use]
pub fn is_root_use(r: &Record<'_>) -> bool {
    r.identity()
        .is_some_and(|u| u.kind.get() == Some("Root") && !u.invoked_by.present)
        && r.event_type.get() != Some("AwsServiceEvent")
}

/// The CIS 4.1 error-code test (before the exclusions).
#[must_use]
pub fn is_authorization_failure(r: &Record<'_>) -> bool {
    r.error_code
        .text
        .get()
        .is_some_and(|c| c.ends_with("UnauthorizedOperation") || c.starts_with("AccessDenied"))
}

/// The CIS v2.0+ exclusions of 4.1: log delivery and `HeadBucket`.
#[must_use]
pub fn is_excluded_denial(r: &Record<'_>) -> bool {
    r.source_ip_address.get() == Some("delivery.logs.amazonaws.com")
        || r.event_name.get() == Some("HeadBucket")
}

fn mfa_missing(r: &Record<'_>) -> bool {
    r.mfa_used().is_some_and(|m| !m.eq_ignore_ascii_case("yes"))
}

/// Whether `record` matches CIS monitoring item `item` (v3.0 numbering). 4.1, 4.2, 4.3 and
/// 4.6 have their own semantics; the others are "eventSource equals (if the item names
/// one) and eventName is one of the list", read from the item's metric-filter clauses.
#[must_use]
pub fn cis_matches(item: &CisItem, r: &Record<'_>) -> bool {
    let name = r.event_name.get();
    match item.id {
        "4.1" => is_authorization_failure(r) && !is_excluded_denial(r),
        "4.2" => name == Some("ConsoleLogin") && mfa_missing(r),
        "4.3" => is_root_use(r),
        "4.6" => {
            name == Some("ConsoleLogin") && r.error_message.get() == Some("Failed authentication")
        }
        _ => {
            let source = r.event_source.get();
            let mut want_source = None;
            let mut name_hit = false;
            for clause in item.clauses {
                if let Some(s) = clause.strip_prefix("$.eventSource=") {
                    want_source = Some(s);
                } else if let Some(n) = clause.strip_prefix("$.eventName=") {
                    name_hit |= name == Some(n);
                }
            }
            name_hit && want_source.is_none_or(|s| source == Some(s))
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the form `CloudTrail` writes, read without the general parser
/// (which accepts many more forms and costs more per record). `None` for anything else.
fn canonical_time(s: &str) -> Option<UtcTime> {
    let b = s.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let num = |from: usize, to: usize| {
        b.get(from..to)?.iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let date =
        chrono::NaiveDate::from_ymd_opt(i32::try_from(num(0, 4)?).ok()?, num(5, 7)?, num(8, 10)?)?;
    Some(
        date.and_hms_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?)?
            .and_utc(),
    )
}

/// A CIS item's test, with the metric-filter clauses read once.
#[derive(Debug)]
struct CisRule {
    item: &'static CisItem,
    source: Option<&'static str>,
    names: Vec<&'static str>,
}

impl CisRule {
    fn new(item: &'static CisItem) -> Self {
        let mut source = None;
        let mut names = Vec::new();
        for clause in item.clauses {
            if let Some(s) = clause.strip_prefix("$.eventSource=") {
                source = Some(s);
            } else if let Some(n) = clause.strip_prefix("$.eventName=") {
                names.push(n);
            }
        }
        Self {
            item,
            source,
            names,
        }
    }

    /// As [`cis_matches`].
    fn matches(&self, r: &Record<'_>) -> bool {
        match self.item.id {
            "4.1" | "4.2" | "4.3" | "4.6" => cis_matches(self.item, r),
            _ => {
                r.event_name.get().is_some_and(|n| self.names.contains(&n))
                    && self.source.is_none_or(|s| r.event_source.get() == Some(s))
            }
        }
    }
}

fn looks_like_ipv4(s: &str) -> bool {
    s.split('.').count() == 4 && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// A boolean field; the strings `"true"`/`"false"` (any case) are accepted and noted.
fn flag(f: &Flag<'_>, notes: &mut ParserNotes) -> Option<bool> {
    match f {
        Flag::Bool(b) => Some(*b),
        Flag::Text(s) if s.eq_ignore_ascii_case("true") => {
            notes.string_booleans += 1;
            Some(true)
        }
        Flag::Text(s) if s.eq_ignore_ascii_case("false") => {
            notes.string_booleans += 1;
            Some(false)
        }
        _ => None,
    }
}

fn bump(map: &mut BTreeMap<String, u64>, key: Option<&str>, absent: &str) {
    let key = key.unwrap_or(absent);
    if let Some(n) = map.get_mut(key) {
        *n += 1;
    } else {
        map.insert(key.to_owned(), 1);
    }
}

impl Summarizer {
    /// An empty aggregator; gzip files inflate to at most `inflate_limit` bytes.
    #[must_use]
    pub fn new(inflate_limit: u64) -> Self {
        let cis_monitoring = CIS_ITEMS
            .iter()
            .map(|i| {
                (
                    i.id,
                    CisCount {
                        topic: i.topic,
                        ..CisCount::default()
                    },
                )
            })
            .collect();
        Self {
            out: Summary {
                schema: SCHEMA,
                verification: "unverified",
                benchmark: BENCHMARK,
                cis_monitoring,
                ..Summary::default()
            },
            seen_ids: HashSet::new(),
            ips_per_actor: BTreeMap::new(),
            hours: BTreeMap::new(),
            first: None,
            last: None,
            newest_version: None,
            cis_range: BTreeMap::new(),
            actor_range: BTreeMap::new(),
            inflate_limit,
            record_limit: crate::limits::Limits::default().max_record_bytes,
            inventory: None,
            cis_rules: CIS_ITEMS.iter().map(CisRule::new).collect(),
        }
    }

    /// Sets the largest record parsed when given as its own text (see
    /// [`parse::parse_file`]); the default is [`crate::limits::Limits::max_record_bytes`].
    pub fn set_record_limit(&mut self, bytes: u64) {
        self.record_limit = bytes;
    }

    /// Sets the IAM inventory whose identities that made no call are reported as dormant.
    pub fn set_inventory(&mut self, inventory: Vec<super::sections::Dormant>) {
        self.inventory = Some(inventory);
    }

    /// Records a file that was skipped before parsing (e.g. unreadable).
    pub fn skip(&mut self, file: &str, reason: Skip) {
        self.out.skipped.files.push(SkippedFile {
            file: file.to_owned(),
            reason: reason.code(),
        });
        *self.out.skipped.by_reason.entry(reason.code()).or_insert(0) += 1;
    }

    /// Parses one file's bytes and adds its records; returns the skip reason, if skipped.
    pub fn add_file(&mut self, file: &str, body: &[u8]) -> Option<Skip> {
        self.add_checked_file(file, body, false)
    }

    /// As [`Self::add_file`], for a log file whose integrity was (`verified`) or was not
    /// proven by the digest chain.
    pub fn add_checked_file(&mut self, file: &str, body: &[u8], verified: bool) -> Option<Skip> {
        let (limit, record_limit) = (self.inflate_limit, self.record_limit);
        match parse::parse_file(body, limit, record_limit, &mut |r| self.add_record(r)) {
            Err(reason) => {
                self.skip(file, reason);
                Some(reason)
            }
            Ok(parsed) => {
                self.add_notes(parsed.notes);
                self.out.files.push(FileEntry {
                    file: file.to_owned(),
                    sha256: crate::hash::sha256_hex(body),
                    bytes: body.len() as u64,
                    gzip: parsed.gzip,
                    shape: parsed.shape.code(),
                    records: parsed.records,
                    verified,
                });
                None
            }
        }
    }

    fn add_notes(&mut self, n: ElementNotes) {
        let p = &mut self.out.parser_notes;
        p.bad_lines += n.bad_lines;
        p.bad_embedded_events += n.bad_embedded_events;
        p.non_object_elements += n.non_object_elements;
    }

    fn record_time(&mut self, r: &Record<'_>) -> Option<UtcTime> {
        let notes = &mut self.out.parser_notes;
        match r.event_time.get() {
            Some(s) => match canonical_time(s).map_or_else(|| parse_record_time(s), Ok) {
                Ok(t) => return Some(t),
                Err(_) => notes.unparsable_event_time += 1,
            },
            None => notes.without_event_time += 1,
        }
        let t = r.at_timestamp.get().and_then(|s| parse_record_time(s).ok());
        if t.is_some() {
            notes.time_from_at_timestamp += 1;
        }
        t
    }

    /// Adds one record. Never fails: odd fields count as absent and are noted.
    #[allow(clippy::too_many_lines)] // one pass over the record, section by section
    pub fn add_record(&mut self, r: &Record<'_>) {
        self.out.records += 1;
        let time = self.record_time(r);
        if let Some(t) = time {
            let hour = self
                .hours
                .entry(t.timestamp().div_euclid(3600))
                .or_default();
            hour.0 += 1;
            if r.error_code.present {
                hour.1 += 1;
            }
            let mut range = (self.first, self.last);
            widen(&mut range, t);
            (self.first, self.last) = range;
        }
        let notes = &mut self.out.parser_notes;
        match r.event_id.0.as_deref() {
            Some(id) => {
                let mut h = DefaultHasher::new();
                r.recipient_account_id.get().hash(&mut h);
                id.hash(&mut h);
                if !self.seen_ids.insert(h.finish()) {
                    notes.duplicate_event_ids += 1;
                }
            }
            None => notes.without_event_id += 1,
        }
        match r.identity() {
            Some(u) => {
                if u.kind.get().is_none() {
                    notes.without_identity_type += 1;
                }
            }
            None => notes.without_user_identity += 1,
        }
        let read_only = flag(&r.read_only, notes);
        let _ = flag(&r.management_event, notes);
        let ip = r.source_ip_address.get();
        if let Some(ip) = ip
            && looks_like_ipv4(ip)
            && ip.parse::<std::net::Ipv4Addr>().is_err()
        {
            notes.non_canonical_ips += 1;
        }
        if let Some(v) = r.event_version.get() {
            match event_version(v) {
                Some(num) => {
                    if self.newest_version.is_none_or(|n| num > n) {
                        self.newest_version = Some(num);
                        self.out.newest_event_version = Some(v.to_owned());
                    }
                }
                None => notes.odd_event_versions += 1,
            }
        }

        let name = r.event_name.get();
        let o = &mut self.out;
        bump(&mut o.by_event_name, name, "(none)");
        bump(&mut o.by_event_source, r.event_source.get(), "(none)");
        bump(&mut o.by_region, r.aws_region.get(), "(none)");
        bump(&mut o.by_account, r.recipient_account_id.get(), "(none)");
        bump(&mut o.by_event_version, r.event_version.get(), "(none)");
        bump(&mut o.by_event_category, r.event_category.get(), "(none)");
        bump(&mut o.by_source_ip, ip, "(none)");
        let error_code = r.error_code.text.get();
        if error_code.is_some() {
            bump(&mut o.by_error_code, error_code, "");
        }

        if is_root_use(r) {
            o.root_events += 1;
        }
        let identity_type = r.identity_type();
        let console_login = name == Some("ConsoleLogin");
        let (outcome, no_mfa, mfa_login) = if console_login {
            let outcome = r.console_login_outcome();
            let mfa = r.mfa_used();
            let used = mfa.map(|m| m.eq_ignore_ascii_case("yes"));
            (outcome, used == Some(false), used == Some(true))
        } else {
            (None, false, false)
        };
        let mut failed_login = false;
        if console_login {
            let c = &mut o.console_logins;
            c.total += 1;
            match outcome.as_deref() {
                Some("Success") => {
                    c.success += 1;
                    if no_mfa {
                        c.success_without_mfa += 1;
                    }
                }
                Some("Failure") => {
                    c.failure += 1;
                    failed_login = true;
                }
                _ => {}
            }
            if no_mfa {
                c.without_mfa += 1;
            }
            if identity_type == Some("Root") {
                c.root += 1;
            }
        }
        if is_authorization_failure(r) {
            if is_excluded_denial(r) {
                o.access_denied_excluded += 1;
            } else {
                o.access_denied += 1;
            }
        }

        let actor = actor_key(r);
        let actor = actor.as_ref();
        let identity = r.identity();
        if let Some(entry) = slot(&mut o.identities, actor) {
            if entry.events == 0 {
                identity_type
                    .unwrap_or("(none)")
                    .clone_into(&mut entry.identity_type);
            }
            entry.events += 1;
            if read_only == Some(false) {
                entry.writes += 1;
            }
            if error_code.is_some() || failed_login {
                entry.errors += 1;
            }
            if let Some(ip) = ip
                && let Some(ips) = slot(&mut self.ips_per_actor, actor)
                && !ips.contains(ip)
            {
                ips.insert(ip.to_owned());
                entry.source_ips += 1;
            }
            add_capped(&mut entry.regions, r.aws_region.get());
            add_capped(&mut entry.user_agents, r.user_agent.get());
            add_capped(
                &mut entry.access_keys,
                identity.and_then(|u| u.access_key_id.get()),
            );
            let mfa_session = identity
                .and_then(|u| u.session_context.0.as_ref())
                .and_then(|c| c.attributes.0.as_ref())
                .is_some_and(|a| match &a.mfa_authenticated {
                    Flag::Bool(b) => *b,
                    Flag::Text(s) => s == "true",
                    Flag::Absent | Flag::Other => false,
                });
            entry.mfa_seen |= mfa_session || mfa_login;
            entry.aws_service |= identity_type == Some("AWSService")
                || identity.is_some_and(|u| u.invoked_by.present)
                || ip.is_some_and(|i| i.ends_with(".amazonaws.com") || i == "AWS Internal");
        }
        if let Some(t) = time
            && let Some(range) = slot(&mut self.actor_range, actor)
        {
            widen(range, t);
        }
        match read_only {
            Some(true) => o.read_write.read += 1,
            Some(false) => {
                o.read_write.write += 1;
                bump(&mut o.writes_by_event_name, name, "(none)");
            }
            None => o.read_write.unknown += 1,
        }
        if let Some(n) = name.filter(|n| ABUSED_APIS.contains(n))
            && let Some(c) = slot(&mut o.abused_apis, n)
        {
            if error_code.is_some() {
                c.failed += 1;
            } else {
                c.ok += 1;
            }
        }
        if console_login && let Some(c) = slot(&mut o.console_logins.by_actor, actor) {
            match outcome.as_deref() {
                Some("Success") => c.success += 1,
                Some("Failure") => c.failure += 1,
                _ => {}
            }
            if no_mfa {
                c.without_mfa += 1;
            }
            add_capped(&mut c.source_ips, ip);
        }

        for rule in &self.cis_rules {
            let item = rule.item;
            if rule.matches(r) {
                if let Some(c) = o.cis_monitoring.get_mut(item.id) {
                    c.count += 1;
                    count(&mut c.actors, actor);
                }
                if let Some(t) = time {
                    widen(self.cis_range.entry(item.id).or_default(), t);
                }
            }
        }
        o.sections.observe(r, actor);
    }

    /// Adds one record given as a JSON value (tests).
    #[cfg(test)]
    pub(crate) fn add_value(&mut self, v: &Value) {
        let text = v.to_string();
        if let Ok(crate::records::record::Element::Object(r)) = serde_json::from_str(&text) {
            self.add_record(&r);
        }
    }

    /// Adds the records of `later`, a summarizer that read the files after this one's (a
    /// shard of a parallel run). The result equals one summarizer reading all files in
    /// order.
    #[allow(clippy::too_many_lines, clippy::many_single_char_names)] // one line per field
    pub fn merge(&mut self, later: Self) {
        let Self {
            out: o,
            seen_ids,
            ips_per_actor,
            hours,
            first,
            last,
            newest_version,
            cis_range,
            actor_range,
            inflate_limit: _,
            record_limit: _,
            inventory: _,
            cis_rules: _,
        } = later;
        let s = &mut self.out;
        s.files.extend(o.files);
        s.records += o.records;
        s.skipped.files.extend(o.skipped.files);
        add_maps(&mut s.skipped.by_reason, o.skipped.by_reason);
        for m in [
            (&mut s.by_event_name, o.by_event_name),
            (&mut s.by_event_source, o.by_event_source),
            (&mut s.by_region, o.by_region),
            (&mut s.by_account, o.by_account),
            (&mut s.by_error_code, o.by_error_code),
            (&mut s.by_event_version, o.by_event_version),
            (&mut s.by_event_category, o.by_event_category),
            (&mut s.by_source_ip, o.by_source_ip),
            (&mut s.writes_by_event_name, o.writes_by_event_name),
        ] {
            add_maps(m.0, m.1);
        }
        s.read_write.read += o.read_write.read;
        s.read_write.write += o.read_write.write;
        s.read_write.unknown += o.read_write.unknown;
        for (k, c) in o.abused_apis {
            let e = s.abused_apis.entry(k).or_default();
            e.ok += c.ok;
            e.failed += c.failed;
        }
        s.root_events += o.root_events;
        s.access_denied += o.access_denied;
        s.access_denied_excluded += o.access_denied_excluded;
        let (c, oc) = (&mut s.console_logins, o.console_logins);
        c.total += oc.total;
        c.success += oc.success;
        c.failure += oc.failure;
        c.without_mfa += oc.without_mfa;
        c.success_without_mfa += oc.success_without_mfa;
        c.root += oc.root;
        for (k, a) in oc.by_actor {
            let e = c.by_actor.entry(k).or_default();
            e.success += a.success;
            e.failure += a.failure;
            e.without_mfa += a.without_mfa;
            union(&mut e.source_ips, a.source_ips, MAX_SET);
        }
        for (id, item) in o.cis_monitoring {
            let e = s.cis_monitoring.entry(id).or_default();
            e.count += item.count;
            add_maps(&mut e.actors, item.actors);
        }
        for (k, i) in o.identities {
            match s.identities.get_mut(&k) {
                None => {
                    // Distinct addresses are recounted from the pair set below.
                    s.identities.insert(k, Identity { source_ips: 0, ..i });
                }
                Some(e) => {
                    e.events += i.events;
                    e.writes += i.writes;
                    e.errors += i.errors;
                    union(&mut e.regions, i.regions, MAX_SET);
                    union(&mut e.user_agents, i.user_agents, MAX_SET);
                    union(&mut e.access_keys, i.access_keys, MAX_SET);
                    e.mfa_seen |= i.mfa_seen;
                    e.aws_service |= i.aws_service;
                }
            }
        }
        for (actor, ips) in ips_per_actor {
            let Some(e) = s.identities.get_mut(&actor) else {
                continue;
            };
            if let Some(mine) = slot(&mut self.ips_per_actor, &actor) {
                for ip in ips {
                    if mine.insert(ip) {
                        e.source_ips += 1;
                    }
                }
            }
        }
        for (h, (n, errors)) in hours {
            let mine = self.hours.entry(h).or_default();
            mine.0 += n;
            mine.1 += errors;
        }
        let (n, on) = (&mut s.parser_notes, o.parser_notes);
        n.duplicate_event_ids += on.duplicate_event_ids;
        n.without_event_id += on.without_event_id;
        n.without_event_time += on.without_event_time;
        n.unparsable_event_time += on.unparsable_event_time;
        n.time_from_at_timestamp += on.time_from_at_timestamp;
        n.without_user_identity += on.without_user_identity;
        n.without_identity_type += on.without_identity_type;
        n.string_booleans += on.string_booleans;
        n.non_canonical_ips += on.non_canonical_ips;
        n.odd_event_versions += on.odd_event_versions;
        n.bad_lines += on.bad_lines;
        n.bad_embedded_events += on.bad_embedded_events;
        n.non_object_elements += on.non_object_elements;
        for id in seen_ids {
            if !self.seen_ids.insert(id) {
                n.duplicate_event_ids += 1;
            }
        }
        s.sections.merge(o.sections);
        if newest_version.is_some_and(|v| self.newest_version.is_none_or(|n| v > n)) {
            self.newest_version = newest_version;
            s.newest_event_version = o.newest_event_version;
        }
        let mut range = (self.first, self.last);
        for t in [first, last].into_iter().flatten() {
            widen(&mut range, t);
        }
        (self.first, self.last) = range;
        for (id, (f, l)) in cis_range {
            let e = self.cis_range.entry(id).or_default();
            for t in [f, l].into_iter().flatten() {
                widen(e, t);
            }
        }
        for (a, (f, l)) in actor_range {
            let e = self.actor_range.entry(a).or_default();
            for t in [f, l].into_iter().flatten() {
                widen(e, t);
            }
        }
    }

    /// The finished summary.
    #[must_use]
    pub fn finish(mut self) -> Summary {
        let verified = self.out.files.iter().filter(|f| f.verified).count();
        self.out.verification = match verified {
            0 => "unverified",
            n if n == self.out.files.len() => "verified",
            _ => "partially_verified",
        };
        self.out.first_event_time = fmt(self.first);
        self.out.last_event_time = fmt(self.last);
        for (hour, (n, errors)) in &self.hours {
            let Some(t) = UtcTime::from_timestamp(hour.saturating_mul(3600), 0) else {
                continue;
            };
            let key = format_rfc3339(&t);
            if *errors > 0 {
                self.out.errors_by_hour.insert(key.clone(), *errors);
            }
            self.out.by_hour.insert(key, *n);
        }
        self.out.sections.find_spikes(&self.out.by_hour);
        self.out.rare_event_names = self
            .out
            .by_event_name
            .iter()
            .filter(|(_, n)| **n <= 2)
            .map(|(k, _)| k.clone())
            .collect();
        if let Some(inventory) = self.inventory.take() {
            let actors: std::collections::BTreeSet<String> =
                self.out.identities.keys().cloned().collect();
            self.out.sections.dormant_identities = super::sections::dormant(inventory, &actors);
        }
        for (id, (f, l)) in self.cis_range {
            if let Some(c) = self.out.cis_monitoring.get_mut(id) {
                c.first_event_time = fmt(f);
                c.last_event_time = fmt(l);
            }
        }
        for (actor, (f, l)) in self.actor_range {
            if let Some(i) = self.out.identities.get_mut(&actor) {
                i.first_seen = fmt(f);
                i.last_seen = fmt(l);
            }
        }
        self.out
    }
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
    use serde_json::json;

    fn bodies() -> Vec<(String, Vec<u8>)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
            entries.sort_by_key(std::fs::DirEntry::file_name);
            for e in entries {
                if e.path().is_dir() {
                    walk(&e.path(), out);
                } else {
                    out.push(e.path());
                }
            }
        }
        let mut paths = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sample/bucket"),
            &mut paths,
        );
        let mut out: Vec<(String, Vec<u8>)> = paths
            .into_iter()
            .map(|p| (p.display().to_string(), std::fs::read(p).unwrap()))
            .collect();
        let odd = json!({"Records": [
            {"eventID": "dup", "eventTime": "2026-03-01T01:00:00Z", "eventName": "StopLogging",
             "eventSource": "cloudtrail.amazonaws.com", "errorCode": "AccessDenied",
             "userIdentity": {"type": "Root", "accountId": "111122223333"}, "sourceIPAddress": "203.0.113.9"},
            {"eventID": "dup", "eventTime": "2026-03-01T02:00:00Z", "eventName": "ConsoleLogin",
             "responseElements": {"ConsoleLogin": "Failure"}, "eventVersion": "1.10",
             "additionalEventData": {"MFAUsed": "No"}, "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/z"}},
            {"eventTime": "not a time", "readOnly": "false", "eventName": "AuthorizeSecurityGroupIngress",
             "eventSource": "ec2.amazonaws.com", "requestParameters": {"cidrIp": "0.0.0.0/0"}}
        ]});
        let body = serde_json::to_vec(&odd).unwrap();
        out.insert(3, ("odd-1.json".to_owned(), body.clone()));
        out.push(("odd-2.json".to_owned(), body));
        out.push(("junk.json".to_owned(), b"not json".to_vec()));
        out
    }

    #[test]
    fn sharded_and_merged_equals_one_pass_whatever_the_split() {
        let files = bodies();
        let mut one = Summarizer::default();
        for (name, body) in &files {
            one.add_file(name, body);
        }
        let want = to_sorted_json(&one.finish());
        for shards in [2, 3, 7] {
            let chunk = files.len().div_ceil(shards);
            let mut parts = files.chunks(chunk).map(|part| {
                let mut s = Summarizer::default();
                for (name, body) in part {
                    s.add_file(name, body);
                }
                s
            });
            let mut merged = parts.next().unwrap();
            for p in parts {
                merged.merge(p);
            }
            assert_eq!(to_sorted_json(&merged.finish()), want, "{shards} shards");
        }
    }

    #[test]
    fn canonical_time_agrees_with_the_general_parser() {
        for s in [
            "2026-03-01T05:07:09Z",
            "1999-12-31T23:59:59Z",
            "2024-02-29T00:00:00Z",
        ] {
            assert_eq!(canonical_time(s), parse_record_time(s).ok(), "{s}");
        }
        for s in [
            "2023-02-29T00:00:00Z",
            "2026-03-01T05:07:09.5Z",
            "2026-03-01 05:07:09Z",
            "2026-13-01T00:00:00Z",
            "+026-03-01T05:07:09Z",
            "2026-03-01T05:07:60Z",
        ] {
            assert_eq!(canonical_time(s), None, "{s}");
        }
    }

    #[test]
    fn precomputed_cis_rules_agree_with_cis_matches() {
        let records = [
            json!({"eventSource": "iam.amazonaws.com", "eventName": "DeleteRolePolicy"}),
            json!({"eventSource": "s3.amazonaws.com", "eventName": "PutBucketPolicy"}),
            json!({"eventSource": "ec2.amazonaws.com", "eventName": "PutBucketPolicy"}),
            json!({"eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging"}),
            json!({"eventSource": "kms.amazonaws.com", "eventName": "ScheduleKeyDeletion"}),
            json!({"eventName": "CreateNetworkAcl"}),
            json!({"eventName": "ConsoleLogin", "errorMessage": "Failed authentication",
                "additionalEventData": {"MFAUsed": "No"}}),
            json!({"errorCode": "AccessDenied", "userIdentity": {"type": "Root"}}),
        ];
        for v in &records {
            let text = v.to_string();
            let Ok(crate::records::record::Element::Object(r)) = serde_json::from_str(&text) else {
                panic!("{text}");
            };
            for item in CIS_ITEMS {
                assert_eq!(
                    CisRule::new(item).matches(&r),
                    cis_matches(item, &r),
                    "{} {text}",
                    item.id
                );
            }
        }
    }

    fn summarise(records: &[Value]) -> Summary {
        let mut s = Summarizer::default();
        for r in records {
            s.add_value(r);
        }
        s.finish()
    }

    fn login(outcome: &str, mfa: &str, kind: &str) -> Value {
        let mut r = json!({
            "eventName": "ConsoleLogin", "eventSource": "signin.amazonaws.com",
            "eventTime": "2024-01-01T00:00:00Z",
            "userIdentity": {"type": kind, "arn": "arn:aws:iam::1:user/a", "accountId": "1"},
            "responseElements": {"ConsoleLogin": outcome},
            "additionalEventData": {"MFAUsed": mfa}
        });
        if outcome == "Failure" {
            r["errorMessage"] = json!("Failed authentication");
        }
        r
    }

    #[test]
    fn console_logins_mfa_case_insensitive_and_cis_4_2_4_6() {
        let s = summarise(&[
            login("Success", "Yes", "IAMUser"),
            login("Success", "YES", "IAMUser"),
            login("Success", "No", "IAMUser"),
            login("Failure", "No", "IAMUser"),
            login("Success", "no", "Root"),
        ]);
        let c = s.console_logins;
        assert_eq!((c.total, c.success, c.failure), (5, 4, 1));
        assert_eq!((c.without_mfa, c.success_without_mfa, c.root), (3, 2, 1));
        assert_eq!(s.cis_monitoring["4.2"].count, 3);
        assert_eq!(s.cis_monitoring["4.6"].count, 1);
        assert_eq!(s.root_events, 1);
    }

    #[test]
    fn root_use_follows_cis_4_3() {
        let s = summarise(&[
            json!({"userIdentity": {"type": "Root", "accountId": "1"}, "eventType": "AwsApiCall"}),
            json!({"userIdentity": {"type": "Root", "invokedBy": "s3.amazonaws.com"}}),
            json!({"userIdentity": {"type": "Root"}, "eventType": "AwsServiceEvent"}),
            json!({"userIdentity": {"type": "Root", "invokedBy": null}}),
        ]);
        assert_eq!(s.root_events, 2);
        assert_eq!(s.cis_monitoring["4.3"].count, 2);
        assert_eq!(s.identities["root@1"].events, 1);
    }

    #[test]
    fn access_denied_with_v2_exclusions() {
        let s = summarise(&[
            json!({"errorCode": "AccessDenied", "eventName": "GetObject"}),
            json!({"errorCode": "Client.UnauthorizedOperation", "eventName": "RunInstances"}),
            json!({"errorCode": "AccessDeniedException", "eventName": "ListKeys"}),
            json!({"errorCode": "AccessDenied", "eventName": "HeadBucket"}),
            json!({"errorCode": "AccessDenied", "sourceIPAddress": "delivery.logs.amazonaws.com"}),
            json!({"errorCode": "ThrottlingException"}),
            json!({"errorCode": 5}),
        ]);
        assert_eq!((s.access_denied, s.access_denied_excluded), (3, 2));
        assert_eq!(s.cis_monitoring["4.1"].count, 3);
        assert_eq!(s.by_error_code["AccessDenied"], 3);
    }

    #[test]
    fn list_items_need_name_and_source() {
        let s = summarise(&[
            json!({"eventName": "DisableKey", "eventSource": "kms.amazonaws.com"}),
            json!({"eventName": "DisableKey", "eventSource": "other.amazonaws.com"}),
            json!({"eventName": "StopLogging", "eventSource": "anything"}),
            json!({"eventName": "PutBucketPolicy", "eventSource": "s3.amazonaws.com"}),
            json!({"eventName": "CreatePolicy", "eventSource": "organizations.amazonaws.com"}),
            json!({"eventName": "CreatePolicy", "eventSource": "iam.amazonaws.com"}),
            json!({"eventName": "CreateTrailX"}),
        ]);
        let count = |id: &str| s.cis_monitoring[id].count;
        assert_eq!(count("4.7"), 1);
        assert_eq!(count("4.5"), 1);
        assert_eq!(count("4.8"), 1);
        assert_eq!(count("4.15"), 1);
        assert_eq!(count("4.4"), 2);
        assert_eq!(s.cis_monitoring.len(), 15);
    }

    #[test]
    fn time_range_and_missing_or_odd_times() {
        let s = summarise(&[
            json!({"eventTime": "2024-03-01T10:00:00Z"}),
            json!({"eventTime": "2024-03-01T09:00:00.123+01:00"}),
            json!({"eventTime": "garbage"}),
            json!({"eventTime": 12}),
            json!({"@timestamp": "2024-03-02T00:00:00.000Z"}),
            json!({}),
        ]);
        assert_eq!(
            s.first_event_time.as_deref(),
            Some("2024-03-01T08:00:00.123Z")
        );
        assert_eq!(s.last_event_time.as_deref(), Some("2024-03-02T00:00:00Z"));
        let n = &s.parser_notes;
        assert_eq!(
            (
                n.without_event_time,
                n.unparsable_event_time,
                n.time_from_at_timestamp
            ),
            (3, 1, 1)
        );
        assert_eq!(s.records, 6);
    }

    #[test]
    fn duplicates_are_counted_not_removed() {
        let r = json!({"eventID": "e1", "recipientAccountId": "1", "eventName": "A"});
        let other_account = json!({"eventID": "e1", "recipientAccountId": "2", "eventName": "A"});
        let s = summarise(&[r.clone(), r, other_account, json!({"eventName": "A"})]);
        assert_eq!(s.records, 4);
        assert_eq!(s.by_event_name["A"], 4);
        assert_eq!(s.parser_notes.duplicate_event_ids, 1);
        assert_eq!(s.parser_notes.without_event_id, 1);
    }

    #[test]
    fn oddities_of_section_7_do_not_panic() {
        let s = summarise(&[
            json!({"userIdentity": {"accountId": "1", "invokedBy": "secretsmanager.amazonaws.com"}}),
            json!({"eventType": "AwsCloudTrailInsight", "insightDetails": {"state": "Start"}}),
            json!({"userIdentity": "not an object", "readOnly": "false", "managementEvent": "true"}),
            json!({"userIdentity": {"type": 7, "arn": []}, "sourceIPAddress": "251.234.045.249"}),
            json!({"userIdentity": {"type": "AWSAccount", "accountId": "ANONYMOUS_PRINCIPAL", "principalId": ""}}),
            json!({"userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/R/sess",
                "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::1:role/R"}}}}),
            json!({"userIdentity": {"type": "IAMUser", "sessionContext": {"sessionIssuer": {}}}}),
            json!({"userIdentity": {"type": "NewTypeFromTheFuture", "principalId": "P"}}),
            json!({"eventVersion": "1.9"}),
            json!({"eventVersion": "1.10"}),
            json!({"eventVersion": "banana"}),
            json!({"awsRegion": "sagov-westsouth-1r", "eventName": ["x"], "errorCode": {"a": 1}}),
            json!({"requestParameters": {"policyDocument": "{\"Version\":\"2012-10-17\"}"},
                "responseElements": null, "additionalEventData": "text"}),
            json!({"eventName": "ConsoleLogin", "responseElements": "Success"}),
            json!({"sourceIPAddress": "AWS Internal"}),
            json!({"sourceIPAddress": "2001:db8::1"}),
        ]);
        assert_eq!(s.records, 16);
        let n = &s.parser_notes;
        assert_eq!(n.string_booleans, 2);
        assert_eq!(n.non_canonical_ips, 1);
        assert_eq!(n.odd_event_versions, 1);
        assert_eq!(s.newest_event_version.as_deref(), Some("1.10"));
        assert_eq!(s.by_region["sagov-westsouth-1r"], 1);
        assert_eq!(s.by_source_ip["251.234.045.249"], 1);
        assert!(s.identities.contains_key("secretsmanager.amazonaws.com"));
        assert!(s.identities.contains_key("ANONYMOUS_PRINCIPAL/"));
        assert!(s.identities.contains_key("arn:aws:iam::1:role/R/sess"));
        assert!(s.identities.contains_key("P"));
        assert!(s.identities.contains_key("unknown"));
        assert_eq!(s.identities["unknown"].identity_type, "(none)");
        assert_eq!(n.without_user_identity, 10);
        assert_eq!(s.console_logins.total, 1);
        assert_eq!(s.console_logins.success, 0);
    }

    #[test]
    fn eventbridge_insights_and_lookup_via_files() {
        let mut s = Summarizer::default();
        assert_eq!(s.add_file("a", b"nope"), Some(Skip::NotJson));
        assert_eq!(s.add_file("b", br#"{"Records":[{"eventName":"A"}]}"#), None);
        let s = s.finish();
        assert_eq!(s.records, 1);
        assert_eq!(s.skipped.by_reason["not_json"], 1);
        assert_eq!(s.files[0].shape, "cloudtrail");
        assert!(!s.files[0].verified);
    }

    #[test]
    fn json_keys_are_sorted_and_required_keys_present() {
        let v = to_sorted_json(&summarise(&[json!({"eventName": "A"})]));
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
