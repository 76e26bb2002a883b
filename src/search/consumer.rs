//! `search` as a consumer of the verified stream: each record of each log file is tested
//! against the [`Query`] (and the detection rules `--rule` names); a match is handed to
//! the caller's sink in the run's output order, with its file, whether that file was
//! verified, and the record's JSON text as it appears in the file. With `--count-by`,
//! matches are counted by the values of the given fields instead (memory bounded by the
//! distinct keys). Records are never de-duplicated.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::filter::{Query, record_time};
use crate::activity::rules::actor_key;
use crate::audit::stream::{LogConsumer, LogFile, LogReader};
use crate::detect::scan::quick;
use crate::detect::sigma::RuleSet;
use crate::records::file::{Skip, parse_inflated_raw, skip_reason, stream_content};
use crate::records::path;
use crate::records::record::Record;
use crate::time::UtcTime;
use crate::vocab::Unreadable;

/// The columns of the table, read from a matching record.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    /// `eventTime` as written.
    pub time: Option<String>,
    /// The actor key.
    pub actor: String,
    /// `eventName`.
    pub event: Option<String>,
    /// `eventSource`.
    pub source: Option<String>,
    /// `sourceIPAddress`.
    pub source_ip: Option<String>,
    /// `errorCode`.
    pub error: Option<String>,
    /// The resource the call was about: `resources[0].ARN`, else the first of the usual
    /// request parameters that name one.
    pub resource: Option<String>,
    /// `awsRegion`.
    pub region: Option<String>,
    /// `recipientAccountId`.
    pub account: Option<String>,
}

/// One matching record.
#[derive(Debug, Clone)]
pub struct Match {
    /// The log file, as `summarize` lists it.
    pub file: String,
    /// Whether its hash matched a validly signed digest in this run.
    pub verified: bool,
    /// The record's JSON text as it appears in the file.
    pub raw: String,
    /// Its time, when readable.
    pub time: Option<UtcTime>,
    /// Its table columns.
    pub row: Row,
}

/// Request parameters that name the resource of a call, in the order they are tried.
const RESOURCE_KEYS: &[&str] = &[
    "bucketName",
    "userName",
    "roleName",
    "groupName",
    "policyArn",
    "keyId",
    "name",
    "trailName",
    "functionName",
    "instanceId",
    "groupId",
    "dBInstanceIdentifier",
    "secretId",
    "accessKeyId",
];

/// The resource a call was about: `resources[0].ARN`, else the first of the usual request
/// parameters that name one.
#[must_use]
pub fn resource(value: &Value) -> Option<String> {
    if let Some(arn) = value
        .get("resources")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .and_then(|r| r.get("ARN"))
        .and_then(Value::as_str)
    {
        return Some(arn.to_owned());
    }
    let params = value.get("requestParameters")?.as_object()?;
    RESOURCE_KEYS
        .iter()
        .find_map(|k| params.get(*k).and_then(Value::as_str).map(str::to_owned))
}

/// The table columns of a record (`resource` only when its parsed value is given).
#[must_use]
pub fn row(r: &Record<'_>, value: Option<&Value>) -> Row {
    let s = |t: Option<&str>| t.map(str::to_owned);
    Row {
        time: s(r.event_time.get()),
        actor: actor_key(r).into_owned(),
        event: s(r.event_name.get()),
        source: s(r.event_source.get()),
        source_ip: s(r.source_ip_address.get()),
        error: s(r.error_code.text.get()),
        resource: value.and_then(resource),
        region: s(r.aws_region.get()),
        account: s(r.recipient_account_id.get()),
    }
}

/// What to look for.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    /// The filters.
    pub query: Query,
    /// `--rule`: the detection rules whose matches are listed (OR), when given.
    pub rules: Option<(Arc<RuleSet>, Vec<usize>)>,
    /// `--count-by`: the field paths to count matches by, instead of listing them.
    pub count_by: Vec<Vec<String>>,
}

/// A key of `--count-by`: one value per path (`None` when the record has none).
pub type CountKey = Vec<Option<String>>;

pub use crate::records::file::SkippedFile;

/// What was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Input {
    /// Log files read.
    pub files: u64,
    /// Of which verified.
    pub verified_files: u64,
    /// Records read.
    pub records: u64,
    /// Records that matched.
    pub matches: u64,
    /// Files that gave no records.
    pub skipped: Vec<SkippedFile>,
}

/// A reader's findings in its file(s).
#[derive(Debug, Default)]
pub struct SearchPart {
    input: Input,
    found: Vec<Match>,
    counts: BTreeMap<CountKey, u64>,
}

/// What testing one record gave.
enum Tested {
    No,
    Yes,
    With(Value),
}

/// The read-only half: shared by the worker threads.
#[derive(Debug)]
pub struct SearchReader {
    spec: Spec,
    inflate_limit: u64,
    record_limit: u64,
    /// Whether the matches' `resource` column is wanted (parses matching records).
    rows: bool,
}

/// The count key of a record from its JSON text: only the top-level members the paths
/// start with are parsed.
fn key_of_raw(raw: &str, paths: &[Vec<String>]) -> Option<CountKey> {
    let top: std::collections::HashMap<std::borrow::Cow<'_, str>, &serde_json::value::RawValue> =
        serde_json::from_str(raw).ok()?;
    Some(
        paths
            .iter()
            .map(|p| {
                let (first, rest) = p.split_first()?;
                let member: Value = serde_json::from_str(top.get(first.as_str())?.get()).ok()?;
                scalar_text(&path::lookup(&member, rest))
            })
            .collect(),
    )
}

fn key_of(value: &Value, paths: &[Vec<String>]) -> CountKey {
    paths
        .iter()
        .map(|p| scalar_text(&path::lookup(value, p)))
        .collect()
}

/// The scalar values a path reached, joined with `,` (`None` when there are none): one
/// component of a `--count-by` key.
fn scalar_text(found: &path::Found<'_>) -> Option<String> {
    let texts: Vec<String> = found
        .leaves
        .iter()
        .filter(|l| l.is_scalar())
        .filter_map(|l| l.text().map(std::borrow::Cow::into_owned))
        .collect();
    (!texts.is_empty()).then(|| texts.join(","))
}

impl SearchReader {
    fn skip(part: &mut SearchPart, name: &str, reason: Skip) {
        part.input.skipped.push(SkippedFile::new(name, reason));
    }

    /// Tests one record: no match, a match, or a match with its parsed value (when one was
    /// needed).
    fn test(&self, r: &Record<'_>, raw: &str) -> Tested {
        let q = &self.spec.query;
        if !q.matches_typed(r, raw) {
            return Tested::No;
        }
        let needs_value = q.needs_value() || self.spec.rules.is_some() || self.rows;
        if !needs_value {
            return Tested::Yes;
        }
        if let Some((rules, wanted)) = &self.spec.rules {
            // The rule index first: most records cannot match the rules asked for.
            let mut candidates = Vec::new();
            rules.candidates(&|f| quick(r, f), &mut candidates);
            if !wanted.iter().any(|w| candidates.contains(w)) {
                return Tested::No;
            }
        }
        let Ok(value) = serde_json::from_str::<Value>(raw) else {
            return Tested::No;
        };
        if !q.matches_fields(&value) {
            return Tested::No;
        }
        if let Some((rules, wanted)) = &self.spec.rules
            && !wanted.iter().any(|w| rules.matches(*w, &value))
        {
            return Tested::No;
        }
        Tested::With(value)
    }
}

impl LogReader for SearchReader {
    type Part = SearchPart;

    fn start(&self) -> SearchPart {
        SearchPart::default()
    }

    fn read(&self, part: &mut SearchPart, file: &LogFile<'_>) {
        let (content, gzip) = match stream_content(file.stored, file.inflated, self.inflate_limit) {
            Ok(c) => c,
            Err(reason) => return Self::skip(part, file.name, reason),
        };
        let verified = file.provenance.is_verified();
        let mut records = 0u64;
        let mut matches = 0u64;
        let mut found = Vec::new();
        let mut counts: BTreeMap<CountKey, u64> = BTreeMap::new();
        let parsed = parse_inflated_raw(&content, gzip, self.record_limit, &mut |r, raw| {
            records += 1;
            let value = match self.test(r, raw) {
                Tested::No => return,
                Tested::Yes => None,
                Tested::With(v) => Some(v),
            };
            matches += 1;
            if self.spec.count_by.is_empty() {
                found.push(Match {
                    file: file.name.to_owned(),
                    verified,
                    raw: raw.to_owned(),
                    time: record_time(r),
                    row: row(r, value.as_ref()),
                });
            } else {
                let key = match &value {
                    Some(v) => Some(key_of(v, &self.spec.count_by)),
                    None => key_of_raw(raw, &self.spec.count_by),
                };
                if let Some(key) = key {
                    *counts.entry(key).or_default() += 1;
                }
            }
        });
        if let Err(reason) = parsed {
            let reason = skip_reason(reason, file.name);
            Self::skip(part, file.name, reason);
        } else {
            part.input.files += 1;
            part.input.verified_files += u64::from(verified);
            part.input.records += records;
            part.input.matches += matches;
            part.found.append(&mut found);
            for (k, n) in counts {
                *part.counts.entry(k).or_default() += n;
            }
        }
    }

    fn unreadable(&self, part: &mut SearchPart, name: &str, why: &Unreadable) {
        let reason = match why {
            Unreadable::TooLarge => Skip::TooLarge,
            Unreadable::NotFound | Unreadable::Failed(_) => Skip::Unreadable,
        };
        Self::skip(part, name, reason);
    }
}

/// Where matches go, in output order.
pub type Sink<'s> = Box<dyn FnMut(&Match) + Send + 's>;

/// The search over a stream of log files.
pub struct SearchConsumer<'s> {
    reader: Arc<SearchReader>,
    sink: Sink<'s>,
    input: Input,
    counts: BTreeMap<CountKey, u64>,
}

impl std::fmt::Debug for SearchConsumer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchConsumer")
            .field("input", &self.input)
            .finish_non_exhaustive()
    }
}

/// What a search found besides the matches handed to the sink.
#[derive(Debug, Default)]
pub struct SearchOutcome {
    /// What was read.
    pub input: Input,
    /// `--count-by`: matches per key.
    pub counts: BTreeMap<CountKey, u64>,
}

impl<'s> SearchConsumer<'s> {
    /// A search for `spec`; `rows` asks for the `resource` column (parses each match).
    #[must_use]
    pub fn new(
        spec: Spec,
        rows: bool,
        inflate_limit: u64,
        record_limit: u64,
        sink: Sink<'s>,
    ) -> Self {
        Self {
            reader: Arc::new(SearchReader {
                spec,
                inflate_limit,
                record_limit,
                rows,
            }),
            sink,
            input: Input::default(),
            counts: BTreeMap::new(),
        }
    }

    /// Log files read so far.
    #[must_use]
    pub fn files(&self) -> u64 {
        self.input.files
    }

    /// The figures.
    #[must_use]
    pub fn finish(self) -> SearchOutcome {
        SearchOutcome {
            input: self.input,
            counts: self.counts,
        }
    }
}

impl LogConsumer for SearchConsumer<'_> {
    type Reader = SearchReader;

    fn reader(&self) -> Arc<SearchReader> {
        Arc::clone(&self.reader)
    }

    fn fold(&mut self, part: SearchPart) {
        let i = part.input;
        self.input.files += i.files;
        self.input.verified_files += i.verified_files;
        self.input.records += i.records;
        self.input.matches += i.matches;
        self.input.skipped.extend(i.skipped);
        for (k, n) in part.counts {
            *self.counts.entry(k).or_default() += n;
        }
        for m in &part.found {
            (self.sink)(m);
        }
    }
}

/// Whether input may have been lost.
#[must_use]
pub fn lost_input(input: &Input) -> bool {
    input.skipped.iter().any(|f| f.lost)
}
