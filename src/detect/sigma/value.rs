//! A field's values and modifiers (Sigma rules specification, "Value modifiers" appendix),
//! compiled once into [`Test`]s, and how a test compares with what a record holds.
//!
//! Values compare as case-insensitive strings unless `|cased`; numbers and booleans, in the
//! rule or in the record, by their text; an object in the record by its compact JSON text.
//! `*` and `?` are wildcards (`\*`, `\?`, `\\` escape them) and a match covers the whole
//! value unless `|contains`, `|startswith` or `|endswith` say otherwise.

use std::borrow::Cow;
use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ipnet::IpNet;
use regex::{Regex, RegexBuilder};
use serde_json::Value;

use super::yaml::Node;
use crate::records::path::{self, Leaf};

/// Most values one field may expand to (windash and base64offset multiply them).
const MAX_VARIANTS: usize = 4096;

/// One compiled value of a field.
#[derive(Debug, Clone)]
pub(crate) enum Test {
    /// `field: null`: absent, JSON null, or a list without a non-null element.
    Null,
    /// `|exists: true/false`: whether the key is present (even if null).
    Exists(bool),
    /// A string comparison (exact, contains, startswith, endswith, wildcards).
    Text(Pattern),
    /// `|re`.
    Re(Regex),
    /// `|cidr`.
    Cidr(IpNet),
    /// `|lt`, `|lte`, `|gt`, `|gte`.
    Number(Cmp, f64),
    /// `|fieldref`: equal to some value of another field of the same record.
    FieldRef { path: Vec<String>, cased: bool },
}

/// A numeric comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Lt,
    Lte,
    Gt,
    Gte,
}

/// A string pattern, its literals folded to lower case unless `cased`.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    shape: Shape,
    cased: bool,
}

#[derive(Debug, Clone)]
enum Shape {
    Exact(String),
    Contains(String),
    Starts(String),
    Ends(String),
    Glob(Vec<Token>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Lit(String),
    Any,
    One,
}

impl Pattern {
    /// The literal a record's value must equal (case-folded unless cased), when this is an
    /// exact comparison without wildcards: what the rule index is built from.
    pub(crate) fn exact(&self) -> Option<&str> {
        match &self.shape {
            Shape::Exact(s) => Some(s),
            _ => None,
        }
    }

    fn matches(&self, value: &str) -> bool {
        // Without case, an ASCII value is compared in place with the folded literal (no
        // allocation per value); anything else is folded first.
        if !self.cased && value.is_ascii() {
            let v = value.as_bytes();
            let eq = |a: &[u8], b: &str| a.eq_ignore_ascii_case(b.as_bytes());
            match &self.shape {
                Shape::Exact(s) => return eq(v, s),
                Shape::Starts(s) => return v.get(..s.len()).is_some_and(|p| eq(p, s)),
                Shape::Ends(s) => {
                    return v.len() >= s.len() && eq(&v[v.len() - s.len()..], s);
                }
                Shape::Contains(s) => {
                    return s.is_empty() || v.windows(s.len()).any(|w| eq(w, s));
                }
                Shape::Glob(_) => {}
            }
        }
        let folded;
        let value = if self.cased {
            value
        } else {
            folded = fold(value);
            &folded
        };
        match &self.shape {
            Shape::Exact(s) => value == s,
            Shape::Contains(s) => value.contains(s.as_str()),
            Shape::Starts(s) => value.starts_with(s.as_str()),
            Shape::Ends(s) => value.ends_with(s.as_str()),
            Shape::Glob(tokens) => glob(tokens, value),
        }
    }
}

/// A whole-value wildcard pattern (`*`, `?`; `\*`, `\?`, `\\` escape them), compared
#[derive(Debug, Clone)]
pub struct Wildcard(Pattern);

impl Wildcard {
    /// The pattern of `text`; `cased` compares exactly, else without case.
    #[must_use]
    pub fn new(text: &str, cased: bool) -> Self {
        Self(pattern(tokens(text), None, cased))
    }

    /// Whether `value` matches the whole pattern.
    #[must_use]
    pub fn matches(&self, value: &str) -> bool {
        self.0.matches(value)
    }
}

/// Lower case, borrowed when there is nothing to fold.
pub(crate) fn fold(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
        Cow::Owned(s.to_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// Whole-value wildcard match: `*` any run of characters, `?` one character.
fn glob(tokens: &[Token], value: &str) -> bool {
    match tokens.split_first() {
        None => value.is_empty(),
        Some((Token::Lit(lit), rest)) => value
            .strip_prefix(lit.as_str())
            .is_some_and(|tail| glob(rest, tail)),
        Some((Token::One, rest)) => {
            let mut chars = value.chars();
            chars.next().is_some() && glob(rest, chars.as_str())
        }
        Some((Token::Any, rest)) => {
            if rest.is_empty() {
                return true;
            }
            // Try every split point (characters), shortest first.
            let mut tail = value;
            loop {
                if glob(rest, tail) {
                    return true;
                }
                let mut chars = tail.chars();
                if chars.next().is_none() {
                    return false;
                }
                tail = chars.as_str();
            }
        }
    }
}

/// A rule value that cannot be compiled: refused by name, never approximated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unsupported(pub String);

/// The modifiers of one field.
#[allow(clippy::struct_excessive_bools)] // one flag per Sigma modifier
#[derive(Debug, Default)]
struct Modifiers {
    position: Option<&'static str>,
    all: bool,
    cased: bool,
    re: bool,
    re_flags: String,
    cidr: bool,
    exists: bool,
    fieldref: bool,
    number: Option<Cmp>,
    /// Transformations in the order written (`base64`, `base64offset`, `windash`, `utf16…`).
    transforms: Vec<&'static str>,
}

/// A field's compiled values.
#[derive(Debug, Clone)]
pub(crate) struct FieldTests {
    /// The dotted path, split.
    pub path: Vec<String>,
    /// The values (OR, or AND with `all`).
    pub tests: Vec<Test>,
    /// `|all`.
    pub all: bool,
}

impl FieldTests {
    /// Compiles `field|mod|mod: values`.
    pub(crate) fn compile(key: &str, values: &Node) -> Result<Self, Unsupported> {
        let mut parts = key.split('|');
        let name = parts.next().unwrap_or_default();
        if name.is_empty() {
            return Err(Unsupported(format!(
                "`{key}`: a value without a field name (keyword search) is not supported"
            )));
        }
        let mods = modifiers(key, parts)?;
        let raw: Vec<&Node> = match values {
            Node::Seq(items, _) => items.iter().collect(),
            other => vec![other],
        };
        let mut tests = Vec::new();
        for node in raw {
            let Node::Scalar(scalar) = node else {
                return Err(Unsupported(format!(
                    "`{key}`: a list or mapping as a value is not supported"
                )));
            };
            compile_value(key, &mods, scalar, &mut tests)?;
        }
        Ok(Self {
            path: path::split(name).into_iter().map(str::to_owned).collect(),
            tests,
            all: mods.all,
        })
    }

    /// Whether the record satisfies this field.
    pub(crate) fn matches(&self, record: &Value) -> bool {
        // A top-level field holding a scalar (most rule fields): no walk, no allocation.
        if let [key] = self.path.as_slice()
            && let Value::Object(map) = record
        {
            let leaf = match map.get(key) {
                None => None,
                Some(Value::Null) => Some(Leaf::Null),
                Some(Value::Bool(b)) => Some(Leaf::Bool(*b)),
                Some(Value::Number(n)) => Some(Leaf::Number(n)),
                Some(Value::String(s)) => Some(Leaf::String(s)),
                Some(_) => return self.matches_walked(record),
            };
            let leaves = leaf.as_slice();
            let one = |t: &Test| test(t, leaf.is_some(), leaves, record);
            return self.combine(one);
        }
        self.matches_walked(record)
    }

    fn matches_walked(&self, record: &Value) -> bool {
        let found = path::lookup(record, &self.path);
        let one = |t: &Test| test(t, found.present, &found.leaves, record);
        self.combine(one)
    }

    fn combine(&self, one: impl Fn(&Test) -> bool) -> bool {
        if self.all {
            !self.tests.is_empty() && self.tests.iter().all(one)
        } else {
            self.tests.iter().any(one)
        }
    }
}

fn test(t: &Test, present: bool, leaves: &[Leaf<'_>], record: &Value) -> bool {
    match t {
        Test::Null => leaves.iter().all(|l| matches!(l, Leaf::Null)),
        Test::Exists(want) => present == *want,
        Test::Text(p) => leaves
            .iter()
            .any(|l| l.text().is_some_and(|v| p.matches(&v))),
        Test::Re(re) => leaves
            .iter()
            .any(|l| l.text().is_some_and(|v| re.is_match(&v))),
        Test::Cidr(net) => leaves.iter().any(|l| match l {
            Leaf::String(s) => s.parse::<IpAddr>().is_ok_and(|ip| net.contains(&ip)),
            _ => false,
        }),
        Test::Number(cmp, want) => leaves.iter().any(|l| {
            let n = match l {
                Leaf::Number(n) => n.as_f64(),
                Leaf::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
                _ => None,
            };
            n.is_some_and(|n| match cmp {
                Cmp::Lt => n < *want,
                Cmp::Lte => n <= *want,
                Cmp::Gt => n > *want,
                Cmp::Gte => n >= *want,
            })
        }),
        Test::FieldRef { path, cased } => {
            let other = path::lookup(record, path);
            let theirs: Vec<String> = other
                .leaves
                .iter()
                .filter_map(|l| l.text().map(|t| norm(&t, *cased)))
                .collect();
            leaves
                .iter()
                .filter_map(|l| l.text().map(|t| norm(&t, *cased)))
                .any(|mine| theirs.contains(&mine))
        }
    }
}

fn norm(s: &str, cased: bool) -> String {
    if cased {
        s.to_owned()
    } else {
        fold(s).into_owned()
    }
}

fn modifiers<'k>(
    key: &str,
    parts: impl Iterator<Item = &'k str>,
) -> Result<Modifiers, Unsupported> {
    let mut m = Modifiers::default();
    for part in parts {
        match part {
            "contains" | "startswith" | "endswith" => {
                if m.position.is_some() {
                    return Err(Unsupported(format!("`{key}`: two position modifiers")));
                }
                m.position = Some(match part {
                    "contains" => "contains",
                    "startswith" => "startswith",
                    _ => "endswith",
                });
            }
            "all" => m.all = true,
            "cased" => m.cased = true,
            "re" => m.re = true,
            "i" | "ignorecase" => m.re_flags.push('i'),
            "m" | "multiline" => m.re_flags.push('m'),
            "s" | "dotall" => m.re_flags.push('s'),
            "cidr" => m.cidr = true,
            "exists" => m.exists = true,
            "fieldref" => m.fieldref = true,
            "lt" => m.number = Some(Cmp::Lt),
            "lte" => m.number = Some(Cmp::Lte),
            "gt" => m.number = Some(Cmp::Gt),
            "gte" => m.number = Some(Cmp::Gte),
            "base64" => m.transforms.push("base64"),
            "base64offset" => m.transforms.push("base64offset"),
            "windash" => m.transforms.push("windash"),
            "utf16le" | "wide" => m.transforms.push("utf16le"),
            "utf16be" => m.transforms.push("utf16be"),
            "utf16" => m.transforms.push("utf16"),
            other => {
                return Err(Unsupported(format!(
                    "`{key}`: the modifier `{other}` is not supported"
                )));
            }
        }
    }
    let special = [m.re, m.cidr, m.exists, m.fieldref, m.number.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    let plain_string = m.position.is_some() || !m.transforms.is_empty();
    if special > 1
        || (special == 1 && plain_string)
        || (!m.re_flags.is_empty() && !m.re)
        || (m.cased && (m.re || m.cidr || m.exists || m.number.is_some()))
        || ((m.exists || m.number.is_some()) && m.all)
    {
        return Err(Unsupported(format!(
            "`{key}`: this combination of modifiers is not supported"
        )));
    }
    Ok(m)
}

fn compile_value(
    key: &str,
    m: &Modifiers,
    scalar: &super::yaml::Scalar,
    out: &mut Vec<Test>,
) -> Result<(), Unsupported> {
    let bad = |what: &str| Unsupported(format!("`{key}`: {what}"));
    if m.exists {
        let want = scalar
            .boolean()
            .ok_or_else(|| bad("`exists` takes `true` or `false`"))?;
        out.push(Test::Exists(want));
        return Ok(());
    }
    if scalar.is_null() {
        if m.re || m.cidr || m.fieldref || m.number.is_some() || !m.transforms.is_empty() {
            return Err(bad("`null` with this modifier"));
        }
        out.push(Test::Null);
        return Ok(());
    }
    let text = scalar.text.as_str();
    if m.re {
        let mut b = RegexBuilder::new(text);
        b.case_insensitive(m.re_flags.contains('i'))
            .multi_line(m.re_flags.contains('m'))
            .dot_matches_new_line(m.re_flags.contains('s'));
        let re = b
            .build()
            .map_err(|e| bad(&format!("regular expression not supported: {e}")))?;
        out.push(Test::Re(re));
        return Ok(());
    }
    if m.cidr {
        let net = text
            .parse::<IpNet>()
            .map_err(|_| bad(&format!("`{text}` is not a CIDR network")))?;
        out.push(Test::Cidr(net.trunc()));
        return Ok(());
    }
    if let Some(cmp) = m.number {
        let n = text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .ok_or_else(|| bad(&format!("`{text}` is not a number")))?;
        out.push(Test::Number(cmp, n));
        return Ok(());
    }
    if m.fieldref {
        out.push(Test::FieldRef {
            path: path::split(text).into_iter().map(str::to_owned).collect(),
            cased: m.cased,
        });
        return Ok(());
    }
    // A string value: wildcards unless transformed into bytes.
    let tokens = tokens(text);
    let variants: Vec<Vec<Token>> = if m.transforms.is_empty() {
        vec![tokens]
    } else {
        transform(key, &m.transforms, tokens)?
    };
    for toks in variants {
        out.push(Test::Text(pattern(toks, m.position, m.cased)));
    }
    Ok(())
}

/// The wildcard tokens of a value (`\*`, `\?`, `\\` escape; any other backslash is literal).
fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n @ ('*' | '?' | '\\')) => {
                    lit.push(n);
                    chars.next();
                }
                _ => lit.push('\\'),
            },
            '*' | '?' => {
                if !lit.is_empty() {
                    out.push(Token::Lit(std::mem::take(&mut lit)));
                }
                out.push(if c == '*' { Token::Any } else { Token::One });
            }
            _ => lit.push(c),
        }
    }
    if !lit.is_empty() {
        out.push(Token::Lit(lit));
    }
    out
}

fn pattern(mut toks: Vec<Token>, position: Option<&str>, cased: bool) -> Pattern {
    if !cased {
        for t in &mut toks {
            if let Token::Lit(s) = t {
                *s = s.to_lowercase();
            }
        }
    }
    match position {
        Some("contains") => {
            toks.insert(0, Token::Any);
            toks.push(Token::Any);
        }
        Some("startswith") => toks.push(Token::Any),
        Some("endswith") => toks.insert(0, Token::Any),
        _ => {}
    }
    // Collapse runs of `*`.
    toks.dedup_by(|a, b| *a == Token::Any && *b == Token::Any);
    let shape = match toks.as_slice() {
        [] => Shape::Exact(String::new()),
        [Token::Lit(s)] => Shape::Exact(s.clone()),
        [Token::Any, Token::Lit(s), Token::Any] => Shape::Contains(s.clone()),
        [Token::Lit(s), Token::Any] => Shape::Starts(s.clone()),
        [Token::Any, Token::Lit(s)] => Shape::Ends(s.clone()),
        _ => Shape::Glob(toks),
    };
    Pattern { shape, cased }
}

/// Applies the byte transformations in order. A value with wildcards cannot be encoded.
fn transform(
    key: &str,
    transforms: &[&str],
    tokens: Vec<Token>,
) -> Result<Vec<Vec<Token>>, Unsupported> {
    let mut current: Vec<Vec<Token>> = vec![tokens];
    // Bytes a `utf16` transform produced, waiting for base64.
    let mut bytes: Option<Vec<Vec<u8>>> = None;
    for t in transforms {
        match *t {
            "windash" => {
                if bytes.is_some() {
                    return Err(Unsupported(format!("`{key}`: windash after an encoding")));
                }
                current = current.into_iter().flat_map(windash).collect();
            }
            "utf16le" | "utf16be" | "utf16" => {
                let lits = literals(key, &current)?;
                bytes = Some(lits.iter().map(|s| utf16(s, t)).collect());
            }
            "base64" | "base64offset" => {
                let input: Vec<Vec<u8>> = match bytes.take() {
                    Some(b) => b,
                    None => literals(key, &current)?
                        .into_iter()
                        .map(String::into_bytes)
                        .collect(),
                };
                let mut next = Vec::new();
                for b in input {
                    if *t == "base64" {
                        next.push(vec![Token::Lit(STANDARD.encode(&b))]);
                    } else {
                        for v in base64offset(&b) {
                            next.push(vec![Token::Lit(v)]);
                        }
                    }
                }
                current = next;
            }
            _ => {}
        }
        if current.len() > MAX_VARIANTS {
            return Err(Unsupported(format!(
                "`{key}`: more than {MAX_VARIANTS} variants"
            )));
        }
    }
    if bytes.is_some() {
        return Err(Unsupported(format!(
            "`{key}`: a utf16 modifier must be followed by base64 or base64offset"
        )));
    }
    Ok(current)
}

fn literals(key: &str, values: &[Vec<Token>]) -> Result<Vec<String>, Unsupported> {
    values
        .iter()
        .map(|toks| {
            let mut s = String::new();
            for t in toks {
                match t {
                    Token::Lit(l) => s.push_str(l),
                    _ => {
                        return Err(Unsupported(format!(
                            "`{key}`: a value with wildcards cannot be encoded"
                        )));
                    }
                }
            }
            Ok(s)
        })
        .collect()
}

fn utf16(s: &str, which: &str) -> Vec<u8> {
    let mut out = Vec::new();
    if which == "utf16" {
        out.extend_from_slice(&[0xFF, 0xFE]);
    }
    for unit in s.encode_utf16() {
        let b = if which == "utf16be" {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        };
        out.extend_from_slice(&b);
    }
    out
}

/// The three encodings of `value` at every offset within a base64 stream (what pySigma and
/// the specification's appendix produce): the characters that depend on the unknown
/// neighbouring bytes are cut.
fn base64offset(value: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END: [usize; 3] = [0, 3, 2];
    (0..3)
        .map(|i| {
            let mut padded = vec![b' '; i];
            padded.extend_from_slice(value);
            let enc = STANDARD.encode(&padded);
            let cut = END[(value.len() + i) % 3];
            let end = enc.len().saturating_sub(cut);
            enc.get(START[i]..end).unwrap_or_default().to_owned()
        })
        .collect()
}

/// Every variant of a value with each dash or slash that starts a word written as `-`,
/// `/`, en dash, em dash or horizontal bar.
fn windash(tokens: Vec<Token>) -> Vec<Vec<Token>> {
    const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];
    let mut out: Vec<Vec<Token>> = vec![Vec::new()];
    let mut prev_space = true;
    for tok in tokens {
        match tok {
            Token::Lit(lit) => {
                // Split the literal at each word-starting dash.
                let mut pieces: Vec<Vec<String>> = vec![vec![String::new()]];
                for c in lit.chars() {
                    if (c == '-' || c == '/') && prev_space {
                        pieces.push(DASHES.iter().map(ToString::to_string).collect());
                        pieces.push(vec![String::new()]);
                    } else if let Some(last) = pieces.last_mut() {
                        for p in last.iter_mut() {
                            p.push(c);
                        }
                    }
                    prev_space = c.is_whitespace();
                }
                let mut next = Vec::new();
                for base in &out {
                    let mut combos: Vec<String> = vec![String::new()];
                    for choice in &pieces {
                        combos = combos
                            .iter()
                            .flat_map(|c| choice.iter().map(move |p| format!("{c}{p}")))
                            .collect();
                        if combos.len() > MAX_VARIANTS {
                            break;
                        }
                    }
                    for c in combos {
                        let mut v = base.clone();
                        if !c.is_empty() {
                            v.push(Token::Lit(c));
                        }
                        next.push(v);
                    }
                }
                out = next;
            }
            other => {
                prev_space = false;
                for v in &mut out {
                    v.push(other.clone());
                }
            }
        }
        if out.len() > MAX_VARIANTS {
            break;
        }
    }
    // Adjacent literals produced by the split are joined.
    out.into_iter()
        .map(|v| {
            let mut joined: Vec<Token> = Vec::new();
            for t in v {
                match (joined.last_mut(), t) {
                    (Some(Token::Lit(a)), Token::Lit(b)) => a.push_str(&b),
                    (_, t) => joined.push(t),
                }
            }
            joined
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64offset_matches_the_specification_examples() {
        // Sigma's appendix: `/bin/bash` at the three offsets.
        assert_eq!(
            base64offset(b"/bin/bash"),
            ["L2Jpbi9iYXNo", "9iaW4vYmFza", "vYmluL2Jhc2"]
        );
    }

    #[test]
    fn windash_writes_every_dash_at_the_start_of_a_word() {
        let v = windash(tokens(" -f a-b"));
        assert_eq!(v.len(), 5);
        assert!(v.contains(&vec![Token::Lit(" /f a-b".into())]));
        assert!(v.contains(&vec![Token::Lit(" \u{2014}f a-b".into())]));
    }

    #[test]
    fn glob_covers_the_whole_value() {
        let p = pattern(tokens("a*c?"), None, false);
        assert!(p.matches("ABBCD"));
        assert!(!p.matches("abbc"));
        assert!(!p.matches("xabcd"));
    }
}
