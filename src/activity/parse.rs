//! Turns one file's bytes into `CloudTrail` records, whatever wrapper they came in.
//!
//! Pure: no I/O, no clock. Gzip is recognised by its magic bytes (`1f 8b`), never by the file
//! name, and inflated up to a cap. Accepted shapes (see [`Shape`]): `{"Records":[...]}`, a bare
//! JSON array, JSON Lines, `aws cloudtrail lookup-events` output and `EventBridge` envelopes.
//! Each element of any container is unwrapped the same way, so an array of `EventBridge`
//! envelopes or JSON Lines of `lookup-events` items also work. Anything else is a [`Skip`].

use std::io::Read as _;

use serde::Serialize;
use serde_json::Value;

/// The container a file's records were found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// `{"Records":[...]}`, what `CloudTrail` writes to S3.
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

/// Why a whole file yielded no records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, thiserror::Error)]
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
    /// Not JSON and not JSON Lines.
    #[error("not JSON")]
    NotJson,
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

/// The records of one accepted file.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The container the records came in.
    pub shape: Shape,
    /// Whether the file was gzip-compressed.
    pub gzip: bool,
    /// The records, each a JSON object.
    pub records: Vec<Value>,
    /// Element-level problems (those elements are not in `records`).
    pub notes: ElementNotes,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Inflates `body` when it starts with the gzip magic bytes (all members, at most `limit`
/// bytes); returns it unchanged otherwise. The `bool` says whether it was gzip.
///
/// # Errors
/// [`Skip::GzipInvalid`] for a corrupt stream, [`Skip::TooLarge`] beyond `limit`.
pub fn maybe_gunzip(body: &[u8], limit: u64) -> Result<(std::borrow::Cow<'_, [u8]>, bool), Skip> {
    if !body.starts_with(&GZIP_MAGIC) {
        return Ok((std::borrow::Cow::Borrowed(body), false));
    }
    let mut out = Vec::new();
    let mut dec = flate2::bufread::MultiGzDecoder::new(body).take(limit.saturating_add(1));
    dec.read_to_end(&mut out).map_err(|_| Skip::GzipInvalid)?;
    if out.len() as u64 > limit {
        return Err(Skip::TooLarge);
    }
    Ok((std::borrow::Cow::Owned(out), true))
}

/// Parses one file's bytes (plain or gzip) into records.
///
/// # Errors
/// A [`Skip`] saying why the file holds no readable records.
pub fn parse_file(body: &[u8], inflate_limit: u64) -> Result<Parsed, Skip> {
    let (bytes, gzip) = maybe_gunzip(body, inflate_limit)?;
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err(Skip::Empty);
    }
    let mut notes = ElementNotes::default();
    let (shape, elements) = match serde_json::from_slice::<Value>(text) {
        Ok(doc) => classify(doc)?,
        Err(_) => (Shape::JsonLines, json_lines(text, &mut notes)?),
    };
    let mut records = Vec::with_capacity(elements.len());
    for el in elements {
        match unwrap_element(el) {
            Element::Record(r) => records.push(r),
            Element::BadEmbedded => notes.bad_embedded_events += 1,
            Element::NotObject => notes.non_object_elements += 1,
        }
    }
    Ok(Parsed {
        shape,
        gzip,
        records,
        notes,
    })
}

/// Decides the shape of a file that is one JSON document.
fn classify(doc: Value) -> Result<(Shape, Vec<Value>), Skip> {
    match doc {
        Value::Array(items) => Ok((Shape::JsonArray, items)),
        Value::Object(mut map) => {
            if matches!(map.get("Records"), Some(Value::Array(_)))
                && let Some(Value::Array(items)) = map.remove("Records")
            {
                return Ok((Shape::CloudTrail, items));
            }
            if matches!(map.get("Events"), Some(Value::Array(_)))
                && let Some(Value::Array(items)) = map.remove("Events")
            {
                return Ok((Shape::LookupEvents, items));
            }
            if map.contains_key("digestPublicKeyFingerprint")
                || (map.contains_key("logFiles") && map.contains_key("digestStartTime"))
            {
                return Err(Skip::DigestFile);
            }
            if matches!(map.get("detail"), Some(Value::Object(_))) {
                return Ok((Shape::EventBridge, vec![Value::Object(map)]));
            }
            if looks_like_record(&map) {
                // A one-line JSON Lines file.
                return Ok((Shape::JsonLines, vec![Value::Object(map)]));
            }
            Err(Skip::UnknownShape)
        }
        _ => Err(Skip::UnknownShape),
    }
}

fn looks_like_record(map: &serde_json::Map<String, Value>) -> bool {
    ["eventName", "eventSource", "eventVersion", "eventID"]
        .iter()
        .any(|k| map.contains_key(*k))
}

fn json_lines(text: &[u8], notes: &mut ElementNotes) -> Result<Vec<Value>, Skip> {
    let mut out = Vec::new();
    let mut bad = 0u64;
    for line in text.split(|b| *b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Value>(line) {
            Ok(v) => out.push(v),
            Err(_) => bad += 1,
        }
    }
    if out.is_empty() {
        return Err(Skip::NotJson);
    }
    notes.bad_lines += bad;
    Ok(out)
}

enum Element {
    Record(Value),
    BadEmbedded,
    NotObject,
}

/// Unwraps a lookup-events item (`CloudTrailEvent` string) or an `EventBridge` envelope
/// (`detail` object); any other object is taken as the record itself.
fn unwrap_element(el: Value) -> Element {
    let Value::Object(mut map) = el else {
        return Element::NotObject;
    };
    if let Some(embedded) = map.get("CloudTrailEvent") {
        return match embedded {
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(v @ Value::Object(_)) => Element::Record(v),
                _ => Element::BadEmbedded,
            },
            Value::Object(_) => map
                .remove("CloudTrailEvent")
                .map_or(Element::BadEmbedded, Element::Record),
            _ => Element::BadEmbedded,
        };
    }
    if matches!(map.get("detail"), Some(Value::Object(_))) && !looks_like_record(&map) {
        return map
            .remove("detail")
            .map_or(Element::NotObject, Element::Record);
    }
    Element::Record(Value::Object(map))
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

    fn names(p: &Parsed) -> Vec<&str> {
        p.records
            .iter()
            .map(|r| r["eventName"].as_str().unwrap_or("?"))
            .collect()
    }

    #[test]
    fn cloudtrail_records_plain_and_gzip() {
        let doc = br#"{"Records":[{"eventName":"A"},{"eventName":"B"}]}"#;
        let p = parse_file(doc, LIMIT).unwrap();
        assert_eq!((p.shape, p.gzip), (Shape::CloudTrail, false));
        assert_eq!(names(&p), ["A", "B"]);
        let p = parse_file(&gz(doc), LIMIT).unwrap();
        assert_eq!((p.shape, p.gzip), (Shape::CloudTrail, true));
        assert_eq!(names(&p), ["A", "B"]);
    }

    #[test]
    fn gzip_is_detected_by_magic_and_concatenated_members_are_read() {
        let mut two = gz(br#"{"eventName":"A"}"#);
        two.extend(gz(b"\n{\"eventName\":\"B\"}\n"));
        let p = parse_file(&two, LIMIT).unwrap();
        assert_eq!(p.shape, Shape::JsonLines);
        assert_eq!(names(&p), ["A", "B"]);
    }

    #[test]
    fn bare_array_with_odd_elements() {
        let p = parse_file(br#"[{"eventName":"A"}, 3, null, "x"]"#, LIMIT).unwrap();
        assert_eq!(p.shape, Shape::JsonArray);
        assert_eq!(names(&p), ["A"]);
        assert_eq!(p.notes.non_object_elements, 3);
    }

    #[test]
    fn json_lines_with_a_bad_line_and_bom() {
        let doc = b"\xEF\xBB\xBF{\"eventName\":\"A\"}\r\n\nnot json\n{\"eventName\":\"B\"}";
        let p = parse_file(doc, LIMIT).unwrap();
        assert_eq!(p.shape, Shape::JsonLines);
        assert_eq!(names(&p), ["A", "B"]);
        assert_eq!(p.notes.bad_lines, 1);
    }

    #[test]
    fn single_record_is_one_line_json_lines() {
        let p = parse_file(br#"{"eventName":"A","eventTime":"x"}"#, LIMIT).unwrap();
        assert_eq!((p.shape, names(&p)), (Shape::JsonLines, vec!["A"]));
    }

    #[test]
    fn lookup_events_strings_and_a_broken_one() {
        let doc = br#"{"Events":[{"EventId":"1","CloudTrailEvent":"{\"eventName\":\"A\"}"},
            {"CloudTrailEvent":"{not json"},{"CloudTrailEvent":{"eventName":"B"}},{"CloudTrailEvent":5}]}"#;
        let p = parse_file(doc, LIMIT).unwrap();
        assert_eq!(p.shape, Shape::LookupEvents);
        assert_eq!(names(&p), ["A", "B"]);
        assert_eq!(p.notes.bad_embedded_events, 2);
    }

    #[test]
    fn eventbridge_single_array_and_lines() {
        let env = r#"{"version":"0","detail-type":"AWS API Call via CloudTrail","source":"aws.s3","detail":{"eventName":"A"}}"#;
        let p = parse_file(env.as_bytes(), LIMIT).unwrap();
        assert_eq!((p.shape, names(&p)), (Shape::EventBridge, vec!["A"]));
        let p = parse_file(format!("[{env},{env}]").as_bytes(), LIMIT).unwrap();
        assert_eq!((p.shape, p.records.len()), (Shape::JsonArray, 2));
        let p = parse_file(format!("{env}\n{env}\n").as_bytes(), LIMIT).unwrap();
        assert_eq!((p.shape, p.records.len()), (Shape::JsonLines, 2));
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
    fn truncated_gzip_is_invalid() {
        let g = gz(br#"{"Records":[{"eventName":"A"}]}"#);
        assert_eq!(parse_file(&g[..g.len() / 2], LIMIT), Err(Skip::GzipInvalid));
    }
}
