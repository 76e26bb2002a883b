//! Turns one file's bytes into `CloudTrail` records, whatever wrapper they came in.
//!
//! Pure: no I/O, no clock, and no judgement of the records (that is the consumers' work).
//! Gzip is recognised by its magic bytes (`1f 8b`), never by the file name, and inflated up
//! to a cap ([`parse_file`]); bytes the caller already inflated go through [`parse_inflated`].
//! Accepted shapes (see [`Shape`]): `{"Records":[...]}`, a bare JSON array, JSON Lines,
//! `aws cloudtrail lookup-events` output and `EventBridge` envelopes. Each element of any
//! container is unwrapped the same way, so an array of `EventBridge` envelopes or JSON Lines
//! of `lookup-events` items also work. Anything else is a [`Skip`].

use std::borrow::Cow;
use std::io::Read as _;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::error::Category;
use serde_json::value::RawValue;

use super::record::{Element, Record, non_strings_are};

/// The container a file's records were found in. Serialised as its [`Shape::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// `{"Records":[...]}`, what `CloudTrail` writes to S3.
    #[serde(rename = "cloudtrail")]
    CloudTrail,
    /// A bare JSON array of records.
    JsonArray,
    /// One JSON value per line.
    JsonLines,
    /// `aws cloudtrail lookup-events` output: `{"Events":[{"CloudTrailEvent":"<json>"}]}`.
    LookupEvents,
    /// One `EventBridge` envelope, the record under `detail`.
    EventBridge,
}

impl Shape {
    /// Stable name (as in the JSON output).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::CloudTrail => "cloudtrail",
            Self::JsonArray => "json_array",
            Self::JsonLines => "json_lines",
            Self::LookupEvents => "lookup_events",
            Self::EventBridge => "event_bridge",
        }
    }
}

/// Why a whole file yielded no records. Serialised as its [`Skip::code`], and ordered by it
/// (so a map of reasons lists in the order of its JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    /// The file could not be read from disk (set by the caller, never by the parser).
    #[error("could not be read")]
    Unreadable,
    /// Starts with the gzip magic bytes but does not inflate.
    #[error("corrupt gzip")]
    GzipInvalid,
    /// Inflates to more than the cap.
    #[error("larger than the decompression limit")]
    TooLarge,
    /// Zero bytes, or only whitespace.
    #[error("empty")]
    Empty,
    /// Not JSON and not JSON Lines, in a file named like a log (`*.json`, `*.json.gz`,
    /// `*.jsonl`): a damaged log, input lost.
    #[error("not JSON")]
    NotJson,
    /// Not JSON, and not named like a log file either (a `README.md`, `RECORDS.tsv` or
    /// notes lying beside the logs): not input at all.
    #[error("not a log file")]
    NotALog,
    /// A `CloudTrail` digest file, not a log file.
    #[error("a CloudTrail digest file, not a log")]
    DigestFile,
    /// Valid JSON in a shape that holds no records.
    #[error("JSON in an unknown shape")]
    UnknownShape,
}

impl Skip {
    /// Stable reason code (as in the JSON output).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Unreadable => "unreadable",
            Self::GzipInvalid => "gzip_invalid",
            Self::TooLarge => "too_large",
            Self::Empty => "empty",
            Self::NotJson => "not_json",
            Self::NotALog => "not_a_log",
            Self::DigestFile => "digest_file",
            Self::UnknownShape => "unknown_shape",
        }
    }

    /// Whether this skip means input was lost (unreadable or malformed), as opposed to a file
    /// that simply is not a log (a digest, an empty file, some other JSON document).
    #[must_use]
    pub fn is_loss(self) -> bool {
        matches!(
            self,
            Self::Unreadable | Self::GzipInvalid | Self::TooLarge | Self::NotJson
        )
    }
}

impl Ord for Skip {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.code().cmp(other.code())
    }
}

impl PartialOrd for Skip {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Problems inside a file that was otherwise accepted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ElementNotes {
    /// JSON Lines lines that are not JSON.
    pub bad_lines: u64,
    /// `CloudTrailEvent` strings (lookup-events) that are not a JSON object.
    pub bad_embedded_events: u64,
    /// Container elements that are not objects (numbers, strings, null…).
    pub non_object_elements: u64,
}

/// What one accepted file held (its records went to the caller's closure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    /// The container the records came in.
    pub shape: Shape,
    /// Whether the file was gzip-compressed.
    pub gzip: bool,
    /// Records handed to the closure.
    pub records: u64,
    /// Element-level problems (those elements were not handed over).
    pub notes: ElementNotes,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether a file name is one a log file has (`*.json`, `*.json.gz`, `*.jsonl`, in any
/// case): a file so named that is not JSON is a damaged log; any other file that is not
/// JSON is not a log at all ([`Skip::NotALog`]).
#[must_use]
pub fn looks_like_log_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [".json", ".json.gz", ".jsonl", ".jsonl.gz"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// Whether `body` starts with the gzip magic bytes (how gzip is recognised, never by name).
#[must_use]
pub fn is_gzip(body: &[u8]) -> bool {
    body.starts_with(&GZIP_MAGIC)
}

/// Inflates `body` when it starts with the gzip magic bytes (all members, at most `limit`
/// bytes); returns it unchanged otherwise. The `bool` says whether it was gzip.
///
/// # Errors
/// [`Skip::GzipInvalid`] for a corrupt stream, [`Skip::TooLarge`] beyond `limit`.
pub fn maybe_gunzip(body: &[u8], limit: u64) -> Result<(Cow<'_, [u8]>, bool), Skip> {
    if !is_gzip(body) {
        return Ok((Cow::Borrowed(body), false));
    }
    let mut out = Vec::new();
    let mut dec = flate2::bufread::MultiGzDecoder::new(body).take(limit.saturating_add(1));
    dec.read_to_end(&mut out).map_err(|_| Skip::GzipInvalid)?;
    if out.len() as u64 > limit {
        return Err(Skip::TooLarge);
    }
    Ok((Cow::Owned(out), true))
}

/// Where records go (each with its JSON text as read), with the element-level notes.
struct Sink<'f> {
    each: &'f mut dyn FnMut(&Record<'_>, &str),
    records: u64,
    notes: ElementNotes,
    /// Largest record given as its own text (a JSON Lines line, a `CloudTrailEvent` string).
    record_limit: u64,
}

impl Sink<'_> {
    fn emit(&mut self, r: &Record<'_>, raw: &str) {
        self.records += 1;
        (self.each)(r, raw);
    }

    /// Unwraps a lookup-events item (`CloudTrailEvent` string or object) or an `EventBridge`
    /// envelope (`detail` object, on an element that is not itself a record); any other
    /// object is the record itself.
    fn element(&mut self, el: Element<'_>, raw: &str) {
        let Element::Object(rec) = el else {
            self.notes.non_object_elements += 1;
            return;
        };
        if let Some(raw) = rec.cloudtrail_event {
            let text = raw.get().trim_start();
            let ok = if text.len() as u64 > self.record_limit.saturating_add(2) {
                false
            } else if text.starts_with('"') {
                serde_json::from_str::<String>(text).is_ok_and(|inner| self.embedded(&inner))
            } else {
                text.starts_with('{') && self.embedded(text)
            };
            if !ok {
                self.notes.bad_embedded_events += 1;
            }
            return;
        }
        if let Some(detail) = rec.detail
            && detail.get().trim_start().starts_with('{')
            && !rec.looks_like_record()
        {
            // An object always decodes as one.
            let _ = self.embedded(detail.get());
            return;
        }
        self.emit(&rec, raw);
    }

    /// A record given as its own JSON text; whether it was an object.
    fn embedded(&mut self, text: &str) -> bool {
        with_element(text, &mut |el| match el {
            Element::Object(r) => {
                self.emit(&r, text);
                true
            }
            Element::NotObject => false,
        })
        .unwrap_or(false)
    }
}

/// Decodes one JSON value as an [`Element`]. A value the single-pass decoder refuses although
/// it is JSON (an object with a duplicate key) is decoded once more from its canonical form,
/// where the last duplicate wins. `None` when the text is not JSON.
fn with_element<T>(text: &str, f: &mut dyn FnMut(Element<'_>) -> T) -> Option<T> {
    match serde_json::from_str::<Element>(text) {
        Ok(el) => Some(f(el)),
        Err(e) if e.classify() == Category::Data => {
            let canonical =
                serde_json::to_string(&serde_json::from_str::<Value>(text).ok()?).ok()?;
            serde_json::from_str::<Element>(&canonical).ok().map(f)
        }
        Err(_) => None,
    }
}

/// A file that gave no records, as the analyses over records list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedFile {
    /// The file.
    pub file: String,
    /// The reason code (`not_a_log` changes nothing; `not_json`, `gzip_invalid`,
    /// `too_large`, `unreadable` mean input was lost).
    pub reason: &'static str,
    /// Whether input may have been lost (anything but `not_a_log` and empty files).
    #[serde(skip)]
    pub lost: bool,
}

impl SkippedFile {
    /// The file `name`, which gave no records for `reason`.
    #[must_use]
    pub fn new(name: &str, reason: Skip) -> Self {
        Self {
            file: name.to_owned(),
            reason: reason.code(),
            lost: reason.is_loss(),
        }
    }
}

/// The text an analysis of the verified stream reads, and whether the object was gzip: the
/// verification's inflated buffer when the stored bytes are gzip (never inflated twice),
/// else the stored bytes, inflated here within `limit` when they are gzip.
///
/// # Errors
/// A [`Skip`] when the bytes cannot be inflated within the limit.
pub fn stream_content<'a>(
    stored: &'a [u8],
    inflated: Option<&'a [u8]>,
    limit: u64,
) -> Result<(Cow<'a, [u8]>, bool), Skip> {
    let gzip = is_gzip(stored);
    match inflated {
        Some(content) if gzip => Ok((Cow::Borrowed(content), true)),
        _ => maybe_gunzip(stored, limit).map(|(content, _)| (content, gzip)),
    }
}

/// Why a file gave no records, as the analyses list it: a file that is not JSON and is not
/// named like a log (a README beside the logs) is not a log at all, and changes nothing.
#[must_use]
pub fn skip_reason(reason: Skip, name: &str) -> Skip {
    if reason == Skip::NotJson && !looks_like_log_name(name) {
        Skip::NotALog
    } else {
        reason
    }
}

/// Parses one file's bytes (plain or gzip) and hands every record to `each`, in file order.
/// Records given as their own text (JSON Lines lines, `CloudTrailEvent` strings) longer than
/// `record_limit` bytes are counted as bad, not parsed; records inside a container are bounded
/// by `inflate_limit` (they are read in place, without a copy).
///
/// # Errors
/// A [`Skip`] saying why the file holds no readable records.
pub fn parse_file(
    body: &[u8],
    inflate_limit: u64,
    record_limit: u64,
    each: &mut dyn FnMut(&Record<'_>),
) -> Result<Parsed, Skip> {
    let (bytes, gzip) = maybe_gunzip(body, inflate_limit)?;
    parse_inflated(&bytes, gzip, record_limit, each)
}

/// As [`parse_file`], for a file whose bytes the caller already inflated (the verification
/// inflates every log file to hash it): `content` is read as it is, never gunzipped again,
/// and `gzip` (whether the object as stored was gzip) is reported in [`Parsed::gzip`].
///
/// # Errors
/// A [`Skip`] saying why the file holds no readable records.
pub fn parse_inflated(
    content: &[u8],
    gzip: bool,
    record_limit: u64,
    each: &mut dyn FnMut(&Record<'_>),
) -> Result<Parsed, Skip> {
    parse_inflated_raw(content, gzip, record_limit, &mut |r, _| each(r))
}

/// As [`parse_inflated`], handing each record over with its JSON text as it appears in the
/// file (for a `lookup-events` item or an `EventBridge` envelope, the record's own text):
/// what search shows as "the record as read", and what rules read when they need a field
/// the typed record does not decode.
///
/// # Errors
/// A [`Skip`] saying why the file holds no readable records.
pub fn parse_inflated_raw(
    content: &[u8],
    gzip: bool,
    record_limit: u64,
    each: &mut dyn FnMut(&Record<'_>, &str),
) -> Result<Parsed, Skip> {
    let text = content.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(content);
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err(Skip::Empty);
    }
    let mut sink = Sink {
        each,
        records: 0,
        notes: ElementNotes::default(),
        record_limit,
    };
    let document = std::str::from_utf8(text)
        .ok()
        .and_then(|s| document(s, &mut sink));
    let shape = if let Some(shape) = document {
        shape?
    } else {
        json_lines(text, &mut sink)?;
        Shape::JsonLines
    };
    Ok(Parsed {
        shape,
        gzip,
        records: sink.records,
        notes: sink.notes,
    })
}

/// Most container elements kept (as 16-byte slices of the text) while a document is proved
/// to be JSON in one pass; a longer container is read the long way ([`document`]).
const MAX_KEPT_ELEMENTS: usize = 1 << 20;

/// Reads `text` as one JSON document; `None` when it is not one (then it may be JSON Lines).
///
/// Nothing is handed over from a document that turns out not to be JSON. The usual way is
/// one pass that reads the top level, keeps the container array's elements as slices of the
/// text and proves the whole document is JSON; the elements are decoded after it. A
/// container of more than [`MAX_KEPT_ELEMENTS`] elements (a gzip of a few KiB can inflate to
/// hundreds of millions of `{}`) is read the long way instead: a skim that builds nothing,
/// then the elements streamed into `sink` one at a time, so memory holds one record whatever
/// the array's length.
fn document(text: &str, sink: &mut Sink<'_>) -> Option<Result<Shape, Skip>> {
    let mut kept = Kept::default();
    let one_pass = {
        let mut de = serde_json::Deserializer::from_str(text);
        DocumentSeed {
            elements: &mut kept,
        }
        .deserialize(&mut de)
        .and_then(|outcome| de.end().map(|()| outcome))
    };
    let outcome = match one_pass {
        Ok(outcome) => {
            for raw in kept.elements {
                sink.take(raw);
            }
            outcome
        }
        Err(_) if kept.over => {
            serde_json::from_str::<IgnoredAny>(text).ok()?;
            let mut de = serde_json::Deserializer::from_str(text);
            DocumentSeed { elements: sink }.deserialize(&mut de).ok()?
        }
        Err(_) => return None,
    };
    Some(match outcome {
        Outcome::Streamed(shape) => Ok(shape),
        Outcome::Scalar => Err(Skip::UnknownShape),
        Outcome::Object(top) => {
            if top.digest_fingerprint || (top.log_files && top.digest_start_time) {
                Err(Skip::DigestFile)
            } else if top.envelope || top.record {
                // The whole document is one element (an envelope, or a one-line JSON Lines
                // file).
                with_element(text, &mut |el| sink.element(el, text));
                Ok(if top.envelope {
                    Shape::EventBridge
                } else {
                    Shape::JsonLines
                })
            } else {
                Err(Skip::UnknownShape)
            }
        }
    })
}

/// Where the elements of a container array go, one at a time.
trait Elements<'de> {
    /// Takes one element; `false` stops the read.
    fn take(&mut self, raw: &'de RawValue) -> bool;
}

/// Elements kept as slices of the text until the document is known to be JSON.
#[derive(Default)]
struct Kept<'de> {
    elements: Vec<&'de RawValue>,
    /// More than [`MAX_KEPT_ELEMENTS`]: the read stopped.
    over: bool,
}

impl<'de> Elements<'de> for Kept<'de> {
    fn take(&mut self, raw: &'de RawValue) -> bool {
        if self.elements.len() >= MAX_KEPT_ELEMENTS {
            self.over = true;
            return false;
        }
        self.elements.push(raw);
        true
    }
}

impl<'de> Elements<'de> for Sink<'_> {
    /// Decodes the element now (with the duplicate-key fallback of [`with_element`]).
    fn take(&mut self, raw: &'de RawValue) -> bool {
        if with_element(raw.get(), &mut |el| self.element(el, raw.get())).is_none() {
            self.notes.non_object_elements += 1;
        }
        true
    }
}

/// What the top level of a document was.
enum Outcome {
    /// A container array whose elements were streamed (`Records`, `Events`, a bare array).
    Streamed(Shape),
    /// An object holding no container array: the keys that decide what it is.
    Object(TopKeys),
    /// A number, string, boolean or `null`.
    Scalar,
}

/// The keys of a top-level object that decide its shape.
#[derive(Default)]
#[allow(clippy::struct_excessive_bools)] // one flag per key, read once
struct TopKeys {
    digest_fingerprint: bool,
    log_files: bool,
    digest_start_time: bool,
    /// `detail` is an object (an `EventBridge` envelope).
    envelope: bool,
    /// One of the fields every record has (`eventName`, `eventSource`, …) is present.
    record: bool,
}

/// A top-level key, as far as the shape is concerned.
enum TopKey {
    Records,
    Events,
    DigestFingerprint,
    LogFiles,
    DigestStartTime,
    Detail,
    RecordField,
    Other,
}

impl<'de> Deserialize<'de> for TopKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TopKey;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, v: &str) -> Result<TopKey, E> {
                Ok(match v {
                    "Records" => TopKey::Records,
                    "Events" => TopKey::Events,
                    "digestPublicKeyFingerprint" => TopKey::DigestFingerprint,
                    "logFiles" => TopKey::LogFiles,
                    "digestStartTime" => TopKey::DigestStartTime,
                    "detail" => TopKey::Detail,
                    "eventName" | "eventSource" | "eventVersion" | "eventID" => TopKey::RecordField,
                    _ => TopKey::Other,
                })
            }
        }
        d.deserialize_str(V)
    }
}

/// Reads the top level of a document, handing its container array's elements over.
struct DocumentSeed<'s, 'de> {
    elements: &'s mut dyn Elements<'de>,
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_, 'de> {
    type Value = Outcome;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Outcome, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_, 'de> {
    type Value = Outcome;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON document")
    }
    non_strings_are!(Outcome::Scalar);
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Outcome, A::Error> {
        stream(seq, self.elements).map(|()| Outcome::Streamed(Shape::JsonArray))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Outcome, A::Error> {
        let mut top = TopKeys::default();
        let mut streamed = None;
        while let Some(key) = map.next_key::<TopKey>()? {
            // The first container array wins; a later one (or a duplicate key) is skipped.
            let container = match key {
                TopKey::Records => Some(Shape::CloudTrail),
                TopKey::Events => Some(Shape::LookupEvents),
                _ => None,
            };
            if let Some(shape) = container.filter(|_| streamed.is_none()) {
                if map.next_value_seed(ArraySeed {
                    elements: &mut *self.elements,
                })? {
                    streamed = Some(shape);
                }
                continue;
            }
            let present = map.next_value::<Option<&RawValue>>()?;
            match key {
                TopKey::DigestFingerprint => top.digest_fingerprint |= present.is_some(),
                TopKey::LogFiles => top.log_files |= present.is_some(),
                TopKey::DigestStartTime => top.digest_start_time |= present.is_some(),
                TopKey::Detail => {
                    top.envelope = present.is_some_and(|d| d.get().trim_start().starts_with('{'));
                }
                TopKey::RecordField => top.record |= present.is_some(),
                TopKey::Records | TopKey::Events | TopKey::Other => {}
            }
        }
        Ok(streamed.map_or(Outcome::Object(top), Outcome::Streamed))
    }
    fn visit_str<E>(self, _: &str) -> Result<Outcome, E> {
        Ok(Outcome::Scalar)
    }
}

/// A container field: when it is an array, its elements are handed over and the answer is
/// `true`; any other value is skipped (`false`).
struct ArraySeed<'s, 'de> {
    elements: &'s mut dyn Elements<'de>,
}

impl<'de> DeserializeSeed<'de> for ArraySeed<'_, 'de> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ArraySeed<'_, 'de> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    non_strings_are!(false);
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        stream(seq, self.elements).map(|()| true)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
}

/// Hands the elements of an array over one at a time, each as its raw text.
fn stream<'de, A: SeqAccess<'de>>(
    mut seq: A,
    elements: &mut dyn Elements<'de>,
) -> Result<(), A::Error> {
    while let Some(raw) = seq.next_element::<&'de RawValue>()? {
        if !elements.take(raw) {
            return Err(serde::de::Error::custom("too many elements to keep"));
        }
    }
    Ok(())
}

/// One JSON value per line; lines that are not JSON are counted.
fn json_lines(text: &[u8], sink: &mut Sink<'_>) -> Result<(), Skip> {
    let mut good = 0u64;
    let mut bad = 0u64;
    for line in text.split(|b| *b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if line.len() as u64 > sink.record_limit {
            bad += 1;
            continue;
        }
        let read = std::str::from_utf8(line)
            .ok()
            .and_then(|l| with_element(l, &mut |el| sink.element(el, l)));
        match read {
            Some(()) => good += 1,
            None => bad += 1,
        }
    }
    if good == 0 {
        return Err(Skip::NotJson);
    }
    sink.notes.bad_lines += bad;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    const LIMIT: u64 = 1 << 20;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// The parse result and the `eventName` of every record handed over.
    fn parse(body: &[u8], limit: u64) -> (Result<Parsed, Skip>, Vec<String>) {
        let mut names = Vec::new();
        let p = super::parse_file(body, limit, limit, &mut |r: &Record<'_>| {
            names.push(r.event_name.get().unwrap_or("?").to_owned());
        });
        (p, names)
    }

    fn parse_file(body: &[u8], limit: u64) -> Result<Parsed, Skip> {
        super::parse_file(body, limit, limit, &mut |_| {})
    }

    #[test]
    fn cloudtrail_records_plain_and_gzip() {
        let doc = br#"{"Records":[{"eventName":"A"},{"eventName":"B"}]}"#;
        let (p, n) = parse(doc, LIMIT);
        let p = p.unwrap();
        assert_eq!((p.shape, p.gzip), (Shape::CloudTrail, false));
        assert_eq!(n, ["A", "B"]);
        let (p, n) = parse(&gz(doc), LIMIT);
        let p = p.unwrap();
        assert_eq!((p.shape, p.gzip), (Shape::CloudTrail, true));
        assert_eq!(n, ["A", "B"]);
    }

    #[test]
    fn gzip_is_detected_by_magic_and_concatenated_members_are_read() {
        let mut two = gz(br#"{"eventName":"A"}"#);
        two.extend(gz(b"\n{\"eventName\":\"B\"}\n"));
        let (p, n) = parse(&two, LIMIT);
        let p = p.unwrap();
        assert_eq!(p.shape, Shape::JsonLines);
        assert_eq!(n, ["A", "B"]);
    }

    #[test]
    fn bare_array_with_odd_elements() {
        let (p, n) = parse(br#"[{"eventName":"A"}, 3, null, "x"]"#, LIMIT);
        let p = p.unwrap();
        assert_eq!(p.shape, Shape::JsonArray);
        assert_eq!(n, ["A"]);
        assert_eq!(p.notes.non_object_elements, 3);
    }

    #[test]
    fn json_lines_with_a_bad_line_and_bom() {
        let doc = b"\xEF\xBB\xBF{\"eventName\":\"A\"}\r\n\nnot json\n{\"eventName\":\"B\"}";
        let (p, n) = parse(doc, LIMIT);
        let p = p.unwrap();
        assert_eq!(p.shape, Shape::JsonLines);
        assert_eq!(n, ["A", "B"]);
        assert_eq!(p.notes.bad_lines, 1);
    }

    #[test]
    fn single_record_is_one_line_json_lines() {
        let (p, n) = parse(br#"{"eventName":"A","eventTime":"x"}"#, LIMIT);
        let p = p.unwrap();
        assert_eq!((p.shape, n), (Shape::JsonLines, vec!["A".to_owned()]));
    }

    #[test]
    fn lookup_events_strings_and_a_broken_one() {
        let doc = br#"{"Events":[{"EventId":"1","CloudTrailEvent":"{\"eventName\":\"A\"}"},
            {"CloudTrailEvent":"{not json"},{"CloudTrailEvent":{"eventName":"B"}},{"CloudTrailEvent":5}]}"#;
        let (p, n) = parse(doc, LIMIT);
        let p = p.unwrap();
        assert_eq!(p.shape, Shape::LookupEvents);
        assert_eq!(n, ["A", "B"]);
        assert_eq!(p.notes.bad_embedded_events, 2);
    }

    #[test]
    fn eventbridge_single_array_and_lines() {
        let env = r#"{"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","detail":{"eventName":"A"}}"#;
        let (p, n) = parse(env.as_bytes(), LIMIT);
        let p = p.unwrap();
        assert_eq!((p.shape, n), (Shape::EventBridge, vec!["A".to_owned()]));
        let (p, n) = parse(format!("[{env},{env}]").as_bytes(), LIMIT);
        let p = p.unwrap();
        assert_eq!((p.shape, p.records, n.len()), (Shape::JsonArray, 2, 2));
        let (p, n) = parse(format!("{env}\n{env}\n").as_bytes(), LIMIT);
        let p = p.unwrap();
        assert_eq!(
            (p.shape, p.records, n),
            (Shape::JsonLines, 2, vec!["A".to_owned(); 2])
        );
    }

    #[test]
    fn skips_with_reasons() {
        assert_eq!(parse_file(b"", LIMIT), Err(Skip::Empty));
        assert_eq!(parse_file(b" \n\t", LIMIT), Err(Skip::Empty));
        assert_eq!(parse_file(b"hello world", LIMIT), Err(Skip::NotJson));
        assert_eq!(parse_file(b"\x00\xff\xfe", LIMIT), Err(Skip::NotJson));
        assert_eq!(parse_file(b"42", LIMIT), Err(Skip::UnknownShape));
        assert_eq!(parse_file(br#"{"a":1}"#, LIMIT), Err(Skip::UnknownShape));
        assert_eq!(
            parse_file(br#"{"Records":"nope"}"#, LIMIT),
            Err(Skip::UnknownShape)
        );
        assert_eq!(
            parse_file(
                br#"{"digestStartTime":"x","logFiles":[],"digestPublicKeyFingerprint":"ab"}"#,
                LIMIT
            ),
            Err(Skip::DigestFile)
        );
        assert_eq!(
            parse_file(b"\x1f\x8b\x08\x00garbage", LIMIT),
            Err(Skip::GzipInvalid)
        );
        let big = gz(&vec![b' '; 4096]);
        assert_eq!(parse_file(&big, 1000), Err(Skip::TooLarge));
    }

    #[test]
    fn duplicate_keys_are_read_with_the_last_one_winning() {
        // The single-pass decoder refuses duplicate fields; the file is decoded once more
        // from its canonical form (as a JSON object keeps only the last duplicate).
        let doc = br#"{"Records":[{"eventName":"A","eventName":"B"},{"eventName":"C"}]}"#;
        let (p, n) = parse(doc, LIMIT);
        assert_eq!(
            (p.unwrap().shape, n),
            (Shape::CloudTrail, vec!["B".to_owned(), "C".to_owned()])
        );
        let lines = b"{\"eventName\":\"A\",\"eventName\":\"B\"}\n{\"eventName\":\"C\"}\n";
        let (p, n) = parse(lines, LIMIT);
        assert_eq!(
            (p.unwrap().shape, n),
            (Shape::JsonLines, vec!["B".to_owned(), "C".to_owned()])
        );
    }

    #[test]
    fn wrong_types_read_as_absent_without_losing_the_record() {
        let doc =
            br#"{"Records":[{"eventName":7,"userIdentity":"x","readOnly":[1],"eventID":{"a":1},
            "requestParameters":"text","eventTime":null,"errorCode":false}]}"#;
        let mut seen = Vec::new();
        let p = super::parse_file(doc, LIMIT, LIMIT, &mut |r: &Record<'_>| {
            seen.push((
                r.event_name.get().map(str::to_owned),
                r.identity().is_none(),
                r.event_id.0.is_some(),
                r.error_code.present,
            ));
        })
        .unwrap();
        assert_eq!(p.records, 1);
        assert_eq!(seen, [(None, true, true, true)]);
    }

    #[test]
    fn records_over_the_record_limit_are_bad_lines_not_parsed() {
        let big = format!("{{\"eventName\":\"{}\"}}", "x".repeat(200));
        let doc = format!("{{\"eventName\":\"A\"}}\n{big}\n");
        let mut names = Vec::new();
        let p = super::parse_file(doc.as_bytes(), LIMIT, 100, &mut |r: &Record<'_>| {
            names.push(r.event_name.or_empty().to_owned());
        })
        .unwrap();
        assert_eq!((names, p.notes.bad_lines), (vec!["A".to_owned()], 1));
        let lookup = format!(
            "{{\"Events\":[{{\"CloudTrailEvent\":{}}}]}}",
            serde_json::to_string(&big).unwrap()
        );
        let p = super::parse_file(lookup.as_bytes(), LIMIT, 100, &mut |_| {}).unwrap();
        assert_eq!((p.records, p.notes.bad_embedded_events), (0, 1));
    }

    #[test]
    fn a_huge_records_array_is_streamed_and_a_cut_document_hands_over_nothing() {
        // Two million empty records: streamed one at a time (building them all first would
        // take about 1.5 GB).
        let mut doc = String::from("{\"Records\":[");
        doc.push_str(&"{},".repeat(2_000_000));
        doc.push_str("{}]}");
        let p = parse_file(doc.as_bytes(), 1 << 30).unwrap();
        assert_eq!((p.shape, p.records), (Shape::CloudTrail, 2_000_001));
        // A document cut short is not JSON: no record of it is counted.
        let cut = br#"{"Records":[{"eventName":"A"},{"eventName":"B"},{"event"#;
        let (p, n) = parse(cut, LIMIT);
        assert_eq!((p, n.len()), (Err(Skip::NotJson), 0));
    }

    #[test]
    fn nested_objects_with_duplicate_keys_keep_the_last_value() {
        let doc = br#"{"Records":[{"eventName":"ConsoleLogin","additionalEventData":{"MFAUsed":"Yes","MFAUsed":"No"},"responseElements":{"ConsoleLogin":"Failure","ConsoleLogin":"Success"}}]}"#;
        let mut seen = Vec::new();
        super::parse_file(doc, LIMIT, LIMIT, &mut |r: &Record<'_>| {
            seen.push((r.mfa_used(), r.console_login_outcome()));
        })
        .unwrap();
        assert_eq!(seen, [(Some("No".to_owned()), Some("Success".to_owned()))]);
    }

    #[test]
    fn shapes_and_skips_serialise_as_their_codes_and_skips_order_by_code() {
        for shape in [
            Shape::CloudTrail,
            Shape::JsonArray,
            Shape::JsonLines,
            Shape::LookupEvents,
            Shape::EventBridge,
        ] {
            assert_eq!(serde_json::to_value(shape).unwrap(), shape.code());
        }
        let mut skips = [
            Skip::Unreadable,
            Skip::GzipInvalid,
            Skip::TooLarge,
            Skip::Empty,
            Skip::NotJson,
            Skip::DigestFile,
            Skip::UnknownShape,
        ];
        for skip in skips {
            assert_eq!(serde_json::to_value(skip).unwrap(), skip.code());
        }
        skips.sort();
        let codes: Vec<&str> = skips.iter().map(|s| s.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        assert_eq!(codes, sorted);
    }

    #[test]
    fn inflated_content_parses_as_its_gzip_file() {
        let doc = br#"{"Records":[{"eventName":"A"},{"eventName":"B"}]}"#;
        let mut names = Vec::new();
        let p = parse_inflated(doc, true, LIMIT, &mut |r: &Record<'_>| {
            names.push(r.event_name.or_empty().to_owned());
        });
        assert_eq!(p, parse_file(&gz(doc), LIMIT));
        assert_eq!(names, ["A", "B"]);
        // Already inflated: gzip bytes inside are not inflated again.
        assert_eq!(
            parse_inflated(&gz(doc), true, LIMIT, &mut |_| {}),
            Err(Skip::NotJson)
        );
    }

    #[test]
    fn truncated_gzip_is_invalid() {
        let g = gz(br#"{"Records":[{"eventName":"A"}]}"#);
        assert_eq!(parse_file(&g[..g.len() / 2], LIMIT), Err(Skip::GzipInvalid));
    }
}
