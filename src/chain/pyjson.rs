//! A JSON reader with Python's `json.loads` semantics, for the digests the reference accepts
//! and `serde_json` refuses.
//!
//! The reference decodes a digest with Python's `json` module, which accepts `NaN`,
//! `Infinity`, `-Infinity`, lone UTF-16 surrogate escapes, integers of any size, floats that
//! overflow to infinity and nesting up to the interpreter's recursion limit. A digest with such
//! content in an unsigned-for-us field is still valid for the reference, so it must be for us.
//! [`parse`] tries `serde_json` first (the fast, normal path) and falls back to this reader.
//! Python-only values become strings holding Python's `str()` of them (`nan`, `inf`, the
//! digits of a big integer), which is all the later checks and messages need.

use serde_json::{Map, Number, Value};

/// Nesting depth at which Python's decoder gives up inside the reference (its recursion
/// limit of 1000, less the frames of the CLI above the decoder).
pub const PYTHON_MAX_DEPTH: usize = crate::limits::Limits::MAX_DIGEST_JSON_DEPTH;

/// Why a text is not JSON for Python.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PyJsonError {
    /// A `ValueError` (the reference reports `invalid format`).
    Invalid,
    /// A `RecursionError` (the reference reports its message as the INVALID reason).
    TooDeep(&'static str),
}

/// Parses like Python's `json.loads`.
///
/// # Errors
/// [`PyJsonError`] when Python would raise.
pub fn parse(text: &str) -> Result<Value, PyJsonError> {
    if let Ok(v) = serde_json::from_str(text) {
        return Ok(v);
    }
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    if p.pos != p.s.len() {
        return Err(PyJsonError::Invalid);
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while matches!(self.s.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, PyJsonError> {
        match self.s.get(self.pos) {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(Value::String),
            Some(b'n') if self.eat("null") => Ok(Value::Null),
            Some(b't') if self.eat("true") => Ok(Value::Bool(true)),
            Some(b'f') if self.eat("false") => Ok(Value::Bool(false)),
            Some(b'N') if self.eat("NaN") => Ok(Value::String("nan".to_owned())),
            Some(b'I') if self.eat("Infinity") => Ok(Value::String("inf".to_owned())),
            Some(b'-') if self.eat("-Infinity") => Ok(Value::String("-inf".to_owned())),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(PyJsonError::Invalid),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, PyJsonError> {
        if depth > PYTHON_MAX_DEPTH {
            return Err(PyJsonError::TooDeep(
                "maximum recursion depth exceeded while decoding a JSON object from a unicode string",
            ));
        }
        self.pos += 1;
        let mut map = Map::new();
        self.ws();
        if self.eat("}") {
            return Ok(Value::Object(map));
        }
        loop {
            self.ws();
            if self.s.get(self.pos) != Some(&b'"') {
                return Err(PyJsonError::Invalid);
            }
            let key = self.string()?;
            self.ws();
            if !self.eat(":") {
                return Err(PyJsonError::Invalid);
            }
            self.ws();
            let v = self.value(depth)?;
            map.insert(key, v);
            self.ws();
            if self.eat("}") {
                return Ok(Value::Object(map));
            }
            if !self.eat(",") {
                return Err(PyJsonError::Invalid);
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, PyJsonError> {
        if depth > PYTHON_MAX_DEPTH {
            return Err(PyJsonError::TooDeep(
                "maximum recursion depth exceeded while decoding a JSON array from a unicode string",
            ));
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.eat("]") {
            return Ok(Value::Array(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth)?);
            self.ws();
            if self.eat("]") {
                return Ok(Value::Array(items));
            }
            if !self.eat(",") {
                return Err(PyJsonError::Invalid);
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, PyJsonError> {
        let h = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or(PyJsonError::Invalid)?;
        let v = u32::from_str_radix(h, 16).map_err(|_| PyJsonError::Invalid)?;
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(PyJsonError::Invalid);
        }
        self.pos += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, PyJsonError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(&b) = self.s.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(self.text.get(start..self.pos).ok_or(PyJsonError::Invalid)?);
            match self.s.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let esc = *self.s.get(self.pos).ok_or(PyJsonError::Invalid)?;
                    self.pos += 1;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let mut cp = hi;
                            if (0xD800..0xDC00).contains(&hi)
                                && self.s[self.pos..].starts_with(b"\\u")
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                } else {
                                    self.pos = save;
                                }
                            }
                            // Python keeps a lone surrogate; Rust strings cannot hold one.
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        }
                        _ => return Err(PyJsonError::Invalid),
                    }
                }
                // End of input or a raw control character (Python's strict mode).
                _ => return Err(PyJsonError::Invalid),
            }
        }
    }

    fn number(&mut self) -> Result<Value, PyJsonError> {
        let start = self.pos;
        self.eat("-");
        match self.s.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while matches!(self.s.get(self.pos), Some(b'0'..=b'9')) {
                    self.pos += 1;
                }
            }
            _ => return Err(PyJsonError::Invalid),
        }
        let mut float = false;
        if self.s.get(self.pos) == Some(&b'.')
            && matches!(self.s.get(self.pos + 1), Some(b'0'..=b'9'))
        {
            float = true;
            self.pos += 1;
            while matches!(self.s.get(self.pos), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        if matches!(self.s.get(self.pos), Some(b'e' | b'E')) {
            let save = self.pos;
            self.pos += 1;
            if matches!(self.s.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if matches!(self.s.get(self.pos), Some(b'0'..=b'9')) {
                float = true;
                while matches!(self.s.get(self.pos), Some(b'0'..=b'9')) {
                    self.pos += 1;
                }
            } else {
                self.pos = save;
            }
        }
        let lit = &self.text[start..self.pos];
        if float {
            let f: f64 = lit.parse().map_err(|_| PyJsonError::Invalid)?;
            return Ok(Number::from_f64(f).map_or_else(
                || Value::String(if f > 0.0 { "inf" } else { "-inf" }.to_owned()),
                Value::Number,
            ));
        }
        // Integers beyond 64 bits: Python's `str()` of the int is the literal itself.
        Ok(lit
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| lit.parse::<u64>().map(Value::from))
            .unwrap_or_else(|_| Value::String(lit.to_owned())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pyjson_accepts_python_extensions() {
        assert_eq!(
            parse(r#"{"a": NaN, "b": -Infinity}"#).unwrap(),
            json!({"a": "nan", "b": "-inf"})
        );
        assert_eq!(parse(r#"{"a": 1e400}"#).unwrap(), json!({"a": "inf"}));
        assert_eq!(parse(r#"["\ud800x"]"#).unwrap(), json!(["\u{FFFD}x"]));
        assert_eq!(parse(r#"["\ud83d\ude00"]"#).unwrap(), json!(["\u{1F600}"]));
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert!(parse(&deep).is_ok());
    }

    #[test]
    fn pyjson_big_integer_keeps_its_digits() {
        assert_eq!(
            parse(r#"{"a": 123456789012345678901234567890, "b": [NaN]}"#).unwrap()["a"],
            json!("123456789012345678901234567890")
        );
    }

    #[test]
    fn pyjson_rejects_what_python_rejects() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{'a':1}",
            "\"a\u{1}\"",
            "01",
            "[1] x",
            "nan",
        ] {
            assert_eq!(parse(bad), Err(PyJsonError::Invalid), "{bad:?}");
        }
        let deep = "[".repeat(100_000);
        assert!(matches!(parse(&deep), Err(PyJsonError::TooDeep(_))));
    }
}
