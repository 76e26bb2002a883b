//! Fields of a record by dotted path, the way detection rules and search filters address
//! them: `requestParameters.containerDefinitions.command`. Keys are literal and
//! case-sensitive; a list met on the way is walked element by element, and a list at the end
//! stands for its elements. Nothing needs a schema: `CloudTrail`'s hundreds of sparse fields
//! are all reached the same way.
//!
//! Pure: it reads a parsed record and decides nothing about what a value means.

use serde_json::{Map, Number, Value};

/// One value found at the end of a path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Leaf<'v> {
    /// JSON `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, compared by its JSON text.
    Number(&'v Number),
    /// A string.
    String(&'v str),
    /// An object: compared (by rules) as its compact JSON text, keys in the record's order.
    Object(&'v Map<String, Value>),
}

impl Leaf<'_> {
    /// The text a rule or filter compares: strings as they are, numbers and booleans by
    /// their JSON text, objects as compact JSON (keys in the record's order); `None` for
    /// `null`.
    #[must_use]
    pub fn text(&self) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match self {
            Self::Null => None,
            Self::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            Self::Number(n) => Some(Cow::Owned(n.to_string())),
            Self::String(s) => Some(Cow::Borrowed(s)),
            Self::Object(m) => Some(Cow::Owned(serde_json::to_string(m).unwrap_or_default())),
        }
    }

    /// Whether it is a scalar (string, number or boolean): what search filters compare.
    #[must_use]
    pub fn is_scalar(&self) -> bool {
        matches!(self, Self::Bool(_) | Self::Number(_) | Self::String(_))
    }
}

/// What a path reaches in one record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found<'v> {
    /// Whether the last key of the path is present somewhere along the walk (even with a
    /// `null` value or an empty list): `exists`.
    pub present: bool,
    /// The values at the end of the path, lists expanded into their elements.
    pub leaves: Vec<Leaf<'v>>,
}

impl Found<'_> {
    /// Sigma's `field: null`: the field is absent, `null`, or a list without a non-null
    /// element.
    #[must_use]
    pub fn is_null(&self) -> bool {
        self.leaves.iter().all(|l| matches!(l, Leaf::Null))
    }
}

/// Splits a dotted path into its keys.
#[must_use]
pub fn split(path: &str) -> Vec<&str> {
    path.split('.').collect()
}

/// The values `path` reaches in `record`.
#[must_use]
pub fn lookup<'v, S: AsRef<str>>(record: &'v Value, path: &[S]) -> Found<'v> {
    let mut nodes: Vec<&'v Value> = vec![record];
    let mut present = false;
    for (i, key) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        let mut next = Vec::new();
        for node in nodes {
            step(node, key.as_ref(), &mut next);
        }
        if last {
            present = !next.is_empty();
        }
        nodes = next;
        if nodes.is_empty() {
            break;
        }
    }
    let mut leaves = Vec::new();
    for node in nodes {
        push_leaves(node, &mut leaves);
    }
    Found { present, leaves }
}

/// The value of `key` in `node`, walking a list element by element.
fn step<'v>(node: &'v Value, key: &str, out: &mut Vec<&'v Value>) {
    match node {
        Value::Object(m) => {
            if let Some(v) = m.get(key) {
                out.push(v);
            }
        }
        Value::Array(items) => {
            for item in items {
                step(item, key, out);
            }
        }
        _ => {}
    }
}

/// A value at the end of a path; a list stands for its elements (nested lists too).
fn push_leaves<'v>(node: &'v Value, out: &mut Vec<Leaf<'v>>) {
    match node {
        Value::Null => out.push(Leaf::Null),
        Value::Bool(b) => out.push(Leaf::Bool(*b)),
        Value::Number(n) => out.push(Leaf::Number(n)),
        Value::String(s) => out.push(Leaf::String(s)),
        Value::Object(m) => out.push(Leaf::Object(m)),
        Value::Array(items) => {
            for item in items {
                push_leaves(item, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn texts(found: &Found<'_>) -> Vec<Option<String>> {
        found
            .leaves
            .iter()
            .map(|l| l.text().map(std::borrow::Cow::into_owned))
            .collect()
    }

    #[test]
    fn a_list_on_the_way_is_walked_and_a_list_at_the_end_stands_for_its_elements() {
        let r = json!({"requestParameters": {"containerDefinitions": [
            {"command": ["sh", "-c"]}, {"name": "x"}, {"command": "curl"}
        ]}});
        let f = lookup(&r, &split("requestParameters.containerDefinitions.command"));
        assert!(f.present);
        assert_eq!(
            texts(&f),
            [Some("sh".into()), Some("-c".into()), Some("curl".into())]
        );
    }

    #[test]
    fn objects_are_compact_json_in_record_order_and_scalars_by_their_json_text() {
        let r: Value =
            serde_json::from_str(r#"{"p": {"z": 1, "a": "Suspended"}, "n": 22, "b": false}"#)
                .unwrap();
        assert_eq!(
            texts(&lookup(&r, &["p"])),
            [Some(r#"{"z":1,"a":"Suspended"}"#.into())]
        );
        assert_eq!(texts(&lookup(&r, &["n"])), [Some("22".into())]);
        assert_eq!(texts(&lookup(&r, &["b"])), [Some("false".into())]);
    }

    #[test]
    fn keys_are_literal_and_case_sensitive() {
        let r = json!({"a.b": 1, "a": {"B": 2}});
        assert!(!lookup(&r, &split("a.b")).present);
        assert!(!lookup(&r, &split("A")).present);
        assert!(lookup(&r, &split("a.B")).present);
    }

    #[test]
    fn null_and_presence() {
        let r = json!({"n": null, "e": [], "l": [null], "v": [null, 1]});
        let absent = lookup(&r, &["x"]);
        assert!(!absent.present && absent.is_null());
        let null = lookup(&r, &["n"]);
        assert!(null.present && null.is_null());
        assert!(lookup(&r, &["e"]).is_null());
        assert!(lookup(&r, &["l"]).is_null());
        assert!(!lookup(&r, &["v"]).is_null());
    }
}
