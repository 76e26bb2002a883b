//! `hunt` as a consumer of the verified stream: every record of every log file meets the
//! rules that can match it ([`crate::detect::scan`]); each (rule, record) match becomes a
//! [`Hit`] carrying the log file and whether it was verified. Hits are handed to the
//! caller's sink in the run's output order as soon as their file is folded (JSON Lines
//! stream, memory stays flat); the correlations are decided at the end, when every record
//! has been seen, and their hits follow. Records are never de-duplicated: a repeated
//! `eventID` is counted ([`Input::repeated_event_ids`]) and hunted again.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash as _, Hasher as _};
use std::sync::Arc;

use rustc_hash::{FxHashSet, FxHasher};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::scan::Scan;
use super::sigma::{Level, RuleSet};
use crate::activity::rules::{actor_key, canonical_time};
use crate::audit::stream::{LogConsumer, LogFile, LogReader};
use crate::records::file::{Skip, parse_inflated_raw, skip_reason, stream_content};
use crate::records::record::Record;
use crate::time::parse_record_time;
use crate::vocab::Unreadable;

/// One (rule, record) match: one line of `hunt --format jsonl`. A record matched by two
/// rules is two hits; a record read twice (the same `eventID` in one file or in two) is two
/// hits. A correlation match is one hit per contributing record, each carrying the
/// correlation rule's id in [`Self::correlation`].
///
/// The record's fields are copied as found: attacker-controlled text, escaped only by the
/// presenter of each format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    /// The rule's `id`, or its file path when it has none.
    pub rule_id: String,
    /// The rule's `title`.
    pub rule_title: String,
    /// The rule's `level`.
    pub level: Level,
    /// The correlation rule's id, when this hit is one of the records a correlation matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation: Option<String>,
    /// `eventID`.
    pub event_id: Option<String>,
    /// `eventTime`, as written in the record.
    pub event_time: Option<String>,
    /// `eventName`.
    pub event_name: Option<String>,
    /// `eventSource`.
    pub event_source: Option<String>,
    /// The actor key the summary shows for the record's `userIdentity`.
    pub actor: Option<String>,
    /// `sourceIPAddress`.
    pub source_ip: Option<String>,
    /// `recipientAccountId`.
    pub account: Option<String>,
    /// `awsRegion`.
    pub region: Option<String>,
    /// The log file the record was read from, as `summarize` lists it.
    pub file: String,
    /// Whether that file's hash matched a verified digest.
    pub verified: bool,
}

pub use crate::records::file::SkippedFile;

/// What was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Input {
    /// Log files read.
    pub files: u64,
    /// Of which verified (their hash matched a validly signed digest in this run).
    pub verified_files: u64,
    /// Records read (repeats included).
    pub records: u64,
    /// Records whose `eventID` was seen before (read and hunted, never dropped).
    pub repeated_event_ids: u64,
    /// Files that gave no records.
    pub skipped: Vec<SkippedFile>,
}

/// One rule that fired, in short: what the text and Markdown show before the hits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleSummary {
    /// The rule's id.
    pub rule_id: String,
    /// Its title.
    pub rule_title: String,
    /// Its level.
    pub level: Level,
    /// Hits.
    pub hits: u64,
    /// Hits whose file was verified.
    pub verified_hits: u64,
    /// Earliest `eventTime` of its hits (as written).
    pub first: Option<String>,
    /// Latest.
    pub last: Option<String>,
    /// Actors by hits, most first (at most five).
    pub top_actors: Vec<(String, u64)>,
    /// Source addresses by hits, most first (at most five).
    pub top_source_ips: Vec<(String, u64)>,
}

/// Per-rule figures, gathered hit by hit.
#[derive(Debug, Default)]
struct RuleTally {
    title: String,
    level: Option<Level>,
    hits: u64,
    verified_hits: u64,
    first: Option<String>,
    last: Option<String>,
    actors: BTreeMap<String, u64>,
    source_ips: BTreeMap<String, u64>,
}

/// The figures of every rule that fired (what [`RuleSummary`] lists).
#[derive(Debug, Default)]
pub struct Tally {
    rules: BTreeMap<String, RuleTally>,
}

impl Tally {
    /// Counts one hit.
    pub fn add(&mut self, h: &Hit) {
        let t = self.rules.entry(h.rule_id.clone()).or_default();
        if t.level.is_none() {
            t.title.clone_from(&h.rule_title);
            t.level = Some(h.level);
        }
        t.hits += 1;
        t.verified_hits += u64::from(h.verified);
        if let Some(time) = &h.event_time {
            if t.first.as_ref().is_none_or(|f| time < f) {
                t.first = Some(time.clone());
            }
            if t.last.as_ref().is_none_or(|l| time > l) {
                t.last = Some(time.clone());
            }
        }
        if let Some(a) = &h.actor {
            *t.actors.entry(a.clone()).or_default() += 1;
        }
        if let Some(ip) = &h.source_ip {
            *t.source_ips.entry(ip.clone()).or_default() += 1;
        }
    }

    /// Hits per rule id.
    #[must_use]
    pub fn by_rule(&self) -> BTreeMap<String, u64> {
        self.rules
            .iter()
            .map(|(k, t)| (k.clone(), t.hits))
            .collect()
    }

    /// The rules that fired: highest level first, then most hits, then id.
    #[must_use]
    pub fn summaries(&self) -> Vec<RuleSummary> {
        let top = |counts: &BTreeMap<String, u64>| {
            let mut v: Vec<(String, u64)> = counts.iter().map(|(k, n)| (k.clone(), *n)).collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v.truncate(5);
            v
        };
        let mut out: Vec<RuleSummary> = self
            .rules
            .iter()
            .map(|(id, t)| RuleSummary {
                rule_id: id.clone(),
                rule_title: t.title.clone(),
                level: t.level.unwrap_or(Level::Informational),
                hits: t.hits,
                verified_hits: t.verified_hits,
                first: t.first.clone(),
                last: t.last.clone(),
                top_actors: top(&t.actors),
                top_source_ips: top(&t.source_ips),
            })
            .collect();
        out.sort_by(|a, b| {
            b.level
                .cmp(&a.level)
                .then(b.hits.cmp(&a.hits))
                .then_with(|| a.rule_id.cmp(&b.rule_id))
        });
        out
    }
}

/// The earliest hits of each rule (by event time, then file, then event id), at most `n`
/// per rule: what the text, the Markdown tickets and the report show, the same whatever
/// order the files arrived in.
#[derive(Debug, Default)]
pub struct Earliest {
    n: usize,
    per_rule: BTreeMap<String, Vec<Hit>>,
}

impl Earliest {
    /// Keeps at most `n` hits per rule.
    #[must_use]
    pub fn new(n: usize) -> Self {
        Self {
            n,
            per_rule: BTreeMap::new(),
        }
    }

    /// Offers one hit.
    pub fn add(&mut self, hit: &Hit) {
        let key = |h: &Hit| (h.event_time.clone(), h.file.clone(), h.event_id.clone());
        let kept = self.per_rule.entry(hit.rule_id.clone()).or_default();
        let k = key(hit);
        if kept.len() >= self.n && kept.last().is_some_and(|last| key(last) <= k) {
            return;
        }
        let at = kept.partition_point(|h| key(h) <= k);
        kept.insert(at, hit.clone());
        kept.truncate(self.n);
    }

    /// The hits kept, rule by rule (by rule id), earliest first.
    #[must_use]
    pub fn into_hits(self) -> Vec<Hit> {
        self.per_rule.into_values().flatten().collect()
    }
}

/// The rules that fired, from a list of hits (see [`Tally::summaries`]).
#[must_use]
pub fn summarise(hits: &[Hit]) -> Vec<RuleSummary> {
    let mut t = Tally::default();
    for h in hits {
        t.add(h);
    }
    t.summaries()
}

/// One match found by a reader.
#[derive(Debug)]
struct Found {
    rule: usize,
    hit: Hit,
    /// The record, when the sink or a correlation needs it.
    record: Option<Value>,
    millis: Option<i64>,
}

/// What a reader found in its file(s).
#[derive(Debug, Default)]
pub struct HuntPart {
    files: u64,
    verified_files: u64,
    records: u64,
    /// Hashes of (account, eventID) of every record, for the repeat count.
    event_ids: Vec<u64>,
    skipped: Vec<SkippedFile>,
    found: Vec<Found>,
}

/// The read-only half of the hunt: shared by the worker threads.
#[derive(Debug)]
pub struct HuntReader {
    rules: Arc<RuleSet>,
    inflate_limit: u64,
    record_limit: u64,
    /// Whether the sink wants each hit's record (OCSF); correlations get theirs anyway.
    with_records: bool,
}

impl HuntReader {
    fn skip(part: &mut HuntPart, name: &str, reason: Skip) {
        part.skipped.push(SkippedFile::new(name, reason));
    }
}

fn millis(r: &Record<'_>) -> Option<i64> {
    let s = r.event_time.get()?;
    canonical_time(s)
        .or_else(|| parse_record_time(s).ok())
        .map(|t| t.timestamp_millis())
}

fn owned(t: Option<&str>) -> Option<String> {
    t.map(str::to_owned)
}

impl LogReader for HuntReader {
    type Part = HuntPart;

    fn start(&self) -> HuntPart {
        HuntPart::default()
    }

    fn read(&self, part: &mut HuntPart, file: &LogFile<'_>) {
        let (content, gzip) = match stream_content(file.stored, file.inflated, self.inflate_limit) {
            Ok(c) => c,
            Err(reason) => return Self::skip(part, file.name, reason),
        };
        let verified = file.provenance.is_verified();
        let rules = self.rules.as_ref();
        let mut scan = Scan::default();
        let mut records = 0u64;
        let mut event_ids = Vec::new();
        let mut found = Vec::new();
        let parsed = parse_inflated_raw(&content, gzip, self.record_limit, &mut |r, raw| {
            records += 1;
            if let Some(id) = r.event_id.0.as_deref() {
                let mut h = FxHasher::default();
                r.recipient_account_id.get().hash(&mut h);
                id.hash(&mut h);
                event_ids.push(h.finish());
            }
            scan.record(rules, r, raw, &mut |rule, value| {
                let meta = &rules.rules()[rule];
                found.push(Found {
                    rule,
                    hit: Hit {
                        rule_id: meta.id.clone(),
                        rule_title: meta.title.clone(),
                        level: meta.level,
                        correlation: None,
                        event_id: owned(r.event_id.0.as_deref()),
                        event_time: owned(r.event_time.get()),
                        event_name: owned(r.event_name.get()),
                        event_source: owned(r.event_source.get()),
                        actor: Some(actor_key(r).into_owned()),
                        source_ip: owned(r.source_ip_address.get()),
                        account: owned(r.recipient_account_id.get()),
                        region: owned(r.aws_region.get()),
                        file: file.name.to_owned(),
                        verified,
                    },
                    record: (self.with_records || rules.feeds_correlation(rule))
                        .then(|| value.clone()),
                    millis: millis(r),
                });
            });
        });
        if let Err(reason) = parsed {
            let reason = skip_reason(reason, file.name);
            Self::skip(part, file.name, reason);
        } else {
            part.files += 1;
            part.verified_files += u64::from(verified);
            part.records += records;
            part.event_ids.append(&mut event_ids);
            part.found.append(&mut found);
        }
    }

    fn unreadable(&self, part: &mut HuntPart, name: &str, why: &Unreadable) {
        let reason = match why {
            Unreadable::TooLarge => Skip::TooLarge,
            Unreadable::NotFound | Unreadable::Failed(_) => Skip::Unreadable,
        };
        Self::skip(part, name, reason);
    }
}

/// Where hits go, in output order: the hit and the record it matched.
pub type Sink<'s> = Box<dyn FnMut(&Hit, &Value) + Send + 's>;

/// The hunt over a stream of log files.
pub struct HuntConsumer<'s> {
    rules: Arc<RuleSet>,
    reader: Arc<HuntReader>,
    sink: Sink<'s>,
    correlator: super::sigma::Correlator,
    /// Matches of rules a correlation reads, by id, until the correlations are decided.
    kept: BTreeMap<u64, (Hit, Value)>,
    next_id: u64,
    seen_ids: FxHashSet<u64>,
    input: Input,
    tally: Tally,
}

impl std::fmt::Debug for HuntConsumer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HuntConsumer")
            .field("input", &self.input)
            .finish_non_exhaustive()
    }
}

/// What a hunt found, besides the hits handed to the sink.
#[derive(Debug, Default)]
pub struct HuntOutcome {
    /// What was read.
    pub input: Input,
    /// The figures of the rules that fired.
    pub tally: Tally,
    /// Correlation matches that carried no readable time (not correlated).
    pub untimed: u64,
}

impl<'s> HuntConsumer<'s> {
    /// A hunt with `rules`, handing every hit to `sink` (with its record when
    /// `with_records`, else with JSON null); files inflate to at most `inflate_limit`
    /// bytes, records given as their own text to `record_limit`.
    #[must_use]
    pub fn new(
        rules: Arc<RuleSet>,
        inflate_limit: u64,
        record_limit: u64,
        with_records: bool,
        sink: Sink<'s>,
    ) -> Self {
        let correlator = rules.correlator();
        Self {
            reader: Arc::new(HuntReader {
                rules: Arc::clone(&rules),
                inflate_limit,
                record_limit,
                with_records,
            }),
            rules,
            sink,
            correlator,
            kept: BTreeMap::new(),
            next_id: 0,
            seen_ids: FxHashSet::default(),
            input: Input::default(),
            tally: Tally::default(),
        }
    }

    /// Log files read so far (files that gave records).
    #[must_use]
    pub fn files(&self) -> u64 {
        self.input.files
    }

    fn emit(&mut self, hit: &Hit, record: &Value) {
        self.tally.add(hit);
        (self.sink)(hit, record);
    }

    /// Decides the correlations, hands their hits to the sink, and returns the figures.
    #[must_use]
    pub fn finish(mut self) -> HuntOutcome {
        let correlator = std::mem::replace(&mut self.correlator, self.rules.correlator());
        let untimed = correlator.untimed();
        let rules = Arc::clone(&self.rules);
        for c in rules.finish(correlator) {
            let meta = &rules.rules()[c.rule];
            for id in &c.hits {
                let Some((base, record)) = self.kept.get(id) else {
                    continue;
                };
                let mut hit = base.clone();
                hit.rule_id.clone_from(&meta.id);
                hit.rule_title.clone_from(&meta.title);
                hit.level = meta.level;
                hit.correlation = Some(meta.id.clone());
                let record = record.clone();
                self.emit(&hit, &record);
            }
        }
        HuntOutcome {
            input: std::mem::take(&mut self.input),
            tally: std::mem::take(&mut self.tally),
            untimed,
        }
    }
}

impl LogConsumer for HuntConsumer<'_> {
    type Reader = HuntReader;

    fn reader(&self) -> Arc<HuntReader> {
        Arc::clone(&self.reader)
    }

    fn fold(&mut self, part: HuntPart) {
        self.input.files += part.files;
        self.input.verified_files += part.verified_files;
        self.input.records += part.records;
        for id in part.event_ids {
            if !self.seen_ids.insert(id) {
                self.input.repeated_event_ids += 1;
            }
        }
        self.input.skipped.extend(part.skipped);
        let rules = Arc::clone(&self.rules);
        for f in part.found {
            let id = self.next_id;
            self.next_id += 1;
            let record = f.record.unwrap_or(Value::Null);
            if rules.feeds_correlation(f.rule) {
                rules.observe(&mut self.correlator, f.rule, &record, f.millis, id);
                self.kept.insert(id, (f.hit.clone(), record.clone()));
            }
            if rules.rules()[f.rule].reports {
                self.emit(&f.hit, &record);
            }
        }
    }
}

/// Distinct files among skipped ones whose loss matters.
#[must_use]
pub fn lost_input(input: &Input) -> bool {
    input.skipped.iter().any(|f| f.lost)
}

/// The file names of the skipped files that are not logs at all.
#[must_use]
pub fn not_logs(input: &Input) -> BTreeSet<&str> {
    input
        .skipped
        .iter()
        .filter(|f| f.reason == Skip::NotALog.code())
        .map(|f| f.file.as_str())
        .collect()
}
