//! One `CloudTrail` record, read in a single pass and borrowing from the file's text.
//!
//! Only the fields the consumers read are decoded; everything else is skipped without being
//! built. The nested objects that matter for a few events only (`requestParameters`,
//! `responseElements`, `additionalEventData`, `insightDetails`) are kept as raw JSON text
//! and decoded on demand. Every field is lenient: a value of the wrong type reads as absent,
//! so no record can fail to decode unless its JSON is invalid.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// `visit_bool`, `visit_i64`, `visit_u64`, `visit_f64` and `visit_unit` of a visitor, all
/// answering `$value`: the lenient visitors read every non-string scalar the same way.
macro_rules! non_strings_are {
    ($value:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}
pub(crate) use non_strings_are;

/// Consumes whatever is left of a sequence.
fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Consumes whatever is left of a map.
fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// A string field; any other JSON type reads as absent ([`Text::get`] is `None`), and what
/// it was instead is kept ([`Text::seen`]): detection rules compare numbers and booleans by
/// their text, so they must know an odd value from a missing one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text<'a>(pub Option<Cow<'a, str>>, pub Seen);

/// What a field held, as far as its decoding tells.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Seen {
    /// The key was not in the object.
    #[default]
    Absent,
    /// JSON `null`.
    Null,
    /// A string (its text is the field's value).
    Str,
    /// A number, boolean, list or object.
    Other,
}

impl Text<'_> {
    /// What the field held.
    #[must_use]
    pub fn seen(&self) -> Seen {
        self.1
    }

    /// The string, if the field was one.
    #[must_use]
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// The string, or `""`.
    #[must_use]
    pub fn or_empty(&self) -> &str {
        self.get().unwrap_or_default()
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Text(None, Seen::Other))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Text(None, Seen::Other))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Text(None, Seen::Other))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Text(None, Seen::Other))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Text(None, Seen::Null))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Borrowed(v)), Seen::Str))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v.to_owned())), Seen::Str))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Text(Some(Cow::Owned(v)), Seen::Str))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|()| Text(None, Seen::Other))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map).map(|()| Text(None, Seen::Other))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

/// A field that is present and not `null` (`invokedBy`, `errorCode`), with its text when it
/// is a string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Present<'a> {
    /// Whether the field is present and not `null`.
    pub present: bool,
    /// Its text, when a string; numbers and booleans as written.
    pub text: Text<'a>,
}

impl Present<'_> {
    /// Present, not a string.
    fn scalar() -> Self {
        Self {
            present: true,
            text: Text(None, Seen::Other),
        }
    }
}

struct PresentVisitor;

impl<'de> Visitor<'de> for PresentVisitor {
    type Value = Present<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Present {
            present: true,
            text: Text(Some(Cow::Borrowed(v)), Seen::Str),
        })
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Present {
            present: true,
            text: Text(Some(Cow::Owned(v.to_owned())), Seen::Str),
        })
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Present {
            present: true,
            text: Text(Some(Cow::Owned(v)), Seen::Str),
        })
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Present::scalar())
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Present::scalar())
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Present::scalar())
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Present::scalar())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Present {
            present: false,
            text: Text(None, Seen::Null),
        })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|()| Present::scalar())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map).map(|()| Present::scalar())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Present<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PresentVisitor)
    }
}

/// The `eventID` as a key for duplicate detection: a string as written, other scalars in
/// their JSON spelling, `null` or absent as `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventId<'a>(pub Option<Cow<'a, str>>);

struct EventIdVisitor;

impl<'de> Visitor<'de> for EventIdVisitor {
    type Value = EventId<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(EventId(Some(Cow::Borrowed(v))))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(EventId(Some(Cow::Owned(v.to_owned()))))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(EventId(Some(Cow::Owned(v))))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(EventId(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(EventId(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(EventId(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(EventId(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(EventId(None))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|()| EventId(Some(Cow::Borrowed("[array]"))))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map).map(|()| EventId(Some(Cow::Borrowed("{object}"))))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for EventId<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EventIdVisitor)
    }
}

/// A boolean field, which some producers write as the string `"true"` or `"false"`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Flag<'a> {
    /// Absent or `null`.
    #[default]
    Absent,
    /// A JSON boolean.
    Bool(bool),
    /// A string (compare it yourself).
    Text(Cow<'a, str>),
    /// Some other type.
    Other,
}

struct FlagVisitor;

impl<'de> Visitor<'de> for FlagVisitor {
    type Value = Flag<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Flag::Bool(v))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Flag::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Flag::Text(Cow::Owned(v.to_owned())))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Flag::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Flag::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Flag::Other)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Flag::Absent)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|()| Flag::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map).map(|()| Flag::Other)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Flag<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FlagVisitor)
    }
}

/// A nested object; any other JSON type (or `null`) reads as `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obj<T>(pub Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Self(None)
    }
}

struct ObjVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
    type Value = Obj<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    non_strings_are!(Obj(None));
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(|t| Obj(Some(t)))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Obj(None))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|()| Obj(None))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ObjVisitor(std::marker::PhantomData))
    }
}

/// `userIdentity.sessionContext.sessionIssuer`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SessionIssuer<'a> {
    /// The issuing role's ARN.
    #[serde(borrow)]
    pub arn: Text<'a>,
}

/// `userIdentity.sessionContext.attributes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SessionAttributes<'a> {
    /// `"true"` (or `true`) when the session was MFA-authenticated.
    #[serde(borrow, rename = "mfaAuthenticated")]
    pub mfa_authenticated: Flag<'a>,
}

/// `userIdentity.sessionContext`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SessionContext<'a> {
    /// Session attributes.
    #[serde(borrow)]
    pub attributes: Obj<SessionAttributes<'a>>,
    /// The issuer of a role session.
    #[serde(borrow, rename = "sessionIssuer")]
    pub session_issuer: Obj<SessionIssuer<'a>>,
}

/// `userIdentity`: the fields that make the actor key and the identity row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[allow(missing_docs)] // the CloudTrail field names say it
pub struct UserIdentity<'a> {
    #[serde(borrow, rename = "type")]
    pub kind: Text<'a>,
    #[serde(borrow)]
    pub arn: Text<'a>,
    #[serde(borrow, rename = "accountId")]
    pub account_id: Text<'a>,
    #[serde(borrow, rename = "principalId")]
    pub principal_id: Text<'a>,
    #[serde(borrow, rename = "userName")]
    pub user_name: Text<'a>,
    #[serde(borrow, rename = "invokedBy")]
    pub invoked_by: Present<'a>,
    #[serde(borrow, rename = "identityProvider")]
    pub identity_provider: Text<'a>,
    #[serde(borrow, rename = "accessKeyId")]
    pub access_key_id: Text<'a>,
    #[serde(borrow, rename = "sessionContext")]
    pub session_context: Obj<SessionContext<'a>>,
}

/// One record (or one container element: `CloudTrailEvent` and `detail` are what lookup-events
/// items and `EventBridge` envelopes wrap records in).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
#[allow(missing_docs)] // the CloudTrail field names say it
pub struct Record<'a> {
    #[serde(borrow, rename = "eventTime")]
    pub event_time: Text<'a>,
    #[serde(borrow, rename = "@timestamp")]
    pub at_timestamp: Text<'a>,
    #[serde(borrow, rename = "eventID")]
    pub event_id: EventId<'a>,
    #[serde(borrow, rename = "recipientAccountId")]
    pub recipient_account_id: Text<'a>,
    #[serde(borrow, rename = "readOnly")]
    pub read_only: Flag<'a>,
    #[serde(borrow, rename = "managementEvent")]
    pub management_event: Flag<'a>,
    #[serde(borrow, rename = "sourceIPAddress")]
    pub source_ip_address: Text<'a>,
    #[serde(borrow, rename = "eventVersion")]
    pub event_version: Text<'a>,
    #[serde(borrow, rename = "eventName")]
    pub event_name: Text<'a>,
    #[serde(borrow, rename = "eventSource")]
    pub event_source: Text<'a>,
    #[serde(borrow, rename = "awsRegion")]
    pub aws_region: Text<'a>,
    #[serde(borrow, rename = "eventCategory")]
    pub event_category: Text<'a>,
    #[serde(borrow, rename = "errorCode")]
    pub error_code: Present<'a>,
    #[serde(borrow, rename = "errorMessage")]
    pub error_message: Text<'a>,
    #[serde(borrow, rename = "eventType")]
    pub event_type: Text<'a>,
    #[serde(borrow, rename = "userAgent")]
    pub user_agent: Text<'a>,
    #[serde(borrow, rename = "userIdentity")]
    pub user_identity: Obj<UserIdentity<'a>>,
    #[serde(borrow, rename = "requestParameters")]
    pub request_parameters: Option<&'a RawValue>,
    #[serde(borrow, rename = "responseElements")]
    pub response_elements: Option<&'a RawValue>,
    #[serde(borrow, rename = "additionalEventData")]
    pub additional_event_data: Option<&'a RawValue>,
    #[serde(borrow, rename = "insightDetails")]
    pub insight_details: Option<&'a RawValue>,
    /// lookup-events: the record as a JSON string (or object).
    #[serde(borrow, rename = "CloudTrailEvent")]
    pub cloudtrail_event: Option<&'a RawValue>,
    /// `EventBridge`: the record inside an envelope.
    #[serde(borrow)]
    pub detail: Option<&'a RawValue>,
}

/// A string field of a raw nested object, decoded on demand (only for the few events that
/// need it, so through a plain JSON value: a duplicate key resolves as everywhere else, the
/// last one wins). Anything else reads as absent.
fn nested_text(raw: Option<&RawValue>, key: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(raw?.get()).ok()?;
    value.get(key)?.as_str().map(str::to_owned)
}

impl<'a> Record<'a> {
    /// `userIdentity`, when it is an object.
    #[must_use]
    pub fn identity(&self) -> Option<&UserIdentity<'a>> {
        self.user_identity.0.as_ref()
    }

    /// `userIdentity.type`.
    #[must_use]
    pub fn identity_type(&self) -> Option<&str> {
        self.identity().and_then(|i| i.kind.get())
    }

    /// `responseElements.ConsoleLogin` (`Success` / `Failure`).
    #[must_use]
    pub fn console_login_outcome(&self) -> Option<String> {
        nested_text(self.response_elements, "ConsoleLogin")
    }

    /// `additionalEventData.MFAUsed`.
    #[must_use]
    pub fn mfa_used(&self) -> Option<String> {
        nested_text(self.additional_event_data, "MFAUsed")
    }

    /// `insightDetails.insightType` and `insightDetails.state`.
    #[must_use]
    pub fn insight(&self) -> (Option<String>, Option<String>) {
        (
            nested_text(self.insight_details, "insightType"),
            nested_text(self.insight_details, "state"),
        )
    }

    /// `requestParameters`, decoded (for the few events whose parameters matter).
    #[must_use]
    pub fn request_parameters_value(&self) -> Option<serde_json::Value> {
        self.request_parameters
            .and_then(|r| serde_json::from_str(r.get()).ok())
    }

    /// Whether it has one of the fields every record has, as opposed to an envelope.
    #[must_use]
    pub fn looks_like_record(&self) -> bool {
        self.event_name.0.is_some()
            || self.event_source.0.is_some()
            || self.event_version.0.is_some()
            || self.event_id.0.is_some()
    }
}

/// One element of a container: an object (a record or a wrapper), or something else.
#[derive(Debug, Clone)]
pub enum Element<'a> {
    /// A JSON object.
    Object(Box<Record<'a>>),
    /// A number, string, array, boolean or `null`.
    NotObject,
}

struct ElementVisitor;

impl<'de> Visitor<'de> for ElementVisitor {
    type Value = Element<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    non_strings_are!(Element::NotObject);
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Record::deserialize(MapAccessDeserializer::new(map)).map(|r| Element::Object(Box::new(r)))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Element::NotObject)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq).map(|()| Element::NotObject)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Element<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ElementVisitor)
    }
}
