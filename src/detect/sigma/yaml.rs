//! The YAML of a rule file, read into a small tree that keeps what Sigma needs and YAML
//! libraries usually lose: whether a scalar was quoted (`null` is JSON null, `'null'` is the
//! text "null"), the scalar as written (`22` and `'22'` both compare as the text `22`, and
//! `0.10` stays `0.10`), the line of every node (to name the place of a refusal), and the
//! order of mapping keys. Built on `saphyr-parser`'s event stream (YAML 1.2).

use std::fmt;

use saphyr_parser::{Event, Parser, ScalarStyle};

/// A node of a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A scalar, as written.
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<Node>, usize),
    /// A mapping, keys in file order.
    Map(Vec<(String, Node)>, usize),
}

/// A scalar with how it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// The text (quotes removed, escapes resolved).
    pub text: String,
    /// Whether it was plain (unquoted, not a block scalar): only plain scalars can be
    /// `null`, booleans or numbers.
    pub plain: bool,
    /// 1-based line.
    pub line: usize,
}

impl Scalar {
    /// Whether it is YAML's null (`null`, `Null`, `NULL`, `~` or nothing, unquoted).
    #[must_use]
    pub fn is_null(&self) -> bool {
        self.plain && matches!(self.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }

    /// A plain `true`/`false` (YAML 1.2 core schema).
    #[must_use]
    pub fn boolean(&self) -> Option<bool> {
        if !self.plain {
            return None;
        }
        match self.text.as_str() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }
}

impl Node {
    /// The node's 1-based line.
    #[must_use]
    pub fn line(&self) -> usize {
        match self {
            Self::Scalar(s) => s.line,
            Self::Seq(_, l) | Self::Map(_, l) => *l,
        }
    }

    /// The value of `key`, when this is a mapping holding it.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Self::Map(entries, _) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a non-null scalar.
    #[must_use]
    pub fn text(&self) -> Option<&str> {
        match self {
            Self::Scalar(s) if !s.is_null() => Some(&s.text),
            _ => None,
        }
    }
}

/// A file that is not YAML a rule can be read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line, where known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Reads every document of `text`.
///
/// # Errors
/// The first syntax error, or an alias, an anchor or a non-scalar mapping key (Sigma rules use
/// none of them; they are refused rather than read approximately).
pub fn documents(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut docs = Vec::new();
    // Open containers: (node, pending key of a mapping).
    let mut stack: Vec<(Node, Option<String>)> = Vec::new();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| YamlError {
            line: Some(e.marker().line()),
            message: format!("not valid YAML: {}", e.info()),
        })?;
        let line = span.start.line();
        let node = match event {
            Event::Scalar(value, style, anchor, tag) => {
                refuse_anchor(anchor, line)?;
                if let Some(tag) = tag {
                    return Err(YamlError {
                        line: Some(line),
                        message: format!("YAML tag {tag} is not supported in a rule"),
                    });
                }
                Node::Scalar(Scalar {
                    text: value.into_owned(),
                    plain: style == ScalarStyle::Plain,
                    line,
                })
            }
            Event::SequenceStart(anchor, _) => {
                refuse_anchor(anchor, line)?;
                stack.push((Node::Seq(Vec::new(), line), None));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                refuse_anchor(anchor, line)?;
                stack.push((Node::Map(Vec::new(), line), None));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some((node, _)) => node,
                None => continue,
            },
            Event::Alias(_) => {
                return Err(YamlError {
                    line: Some(line),
                    message: "YAML aliases (`*name`) are not supported in a rule".into(),
                });
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => continue,
        };
        match stack.last_mut() {
            None => docs.push(node),
            Some((Node::Seq(items, _), _)) => items.push(node),
            Some((Node::Map(entries, _), pending)) => match pending.take() {
                Some(key) => entries.push((key, node)),
                None => match node {
                    Node::Scalar(s) => *pending = Some(s.text),
                    other => {
                        return Err(YamlError {
                            line: Some(other.line()),
                            message: "a mapping key that is not a scalar".into(),
                        });
                    }
                },
            },
            Some((Node::Scalar(_), _)) => {}
        }
    }
    Ok(docs)
}

fn refuse_anchor(anchor: usize, line: usize) -> Result<(), YamlError> {
    if anchor == 0 {
        Ok(())
    } else {
        Err(YamlError {
            line: Some(line),
            message: "YAML anchors (`&name`) are not supported in a rule".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_keep_quoting_text_and_line() {
        let docs = documents("a: null\nb: 'null'\nc: 0.10\nd:\n  - x\n---\ne: 1\n").unwrap();
        assert_eq!(docs.len(), 2);
        let a = docs[0].get("a").unwrap();
        assert!(matches!(a, Node::Scalar(s) if s.is_null()));
        let b = docs[0].get("b").unwrap();
        assert_eq!(b.text(), Some("null"));
        assert_eq!(docs[0].get("c").unwrap().text(), Some("0.10"));
        assert_eq!(docs[0].get("d").unwrap().line(), 5);
        assert_eq!(docs[1].get("e").unwrap().text(), Some("1"));
    }

    #[test]
    fn syntax_errors_and_aliases_are_named_with_their_line() {
        let err = documents("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.message.starts_with("not valid YAML"), "{err:?}");
        let err = documents("a: &x 1\nb: *x\n").unwrap_err();
        assert!(err.message.contains("anchors"), "{err:?}");
        assert_eq!(err.line, Some(1));
    }
}
