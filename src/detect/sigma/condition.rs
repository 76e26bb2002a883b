//! A rule's `condition` (Sigma rules specification, "Condition"): `and`, `or`, `not`,
//! parentheses, `1 of X*`, `all of X*`, `1 of them`, `all of them` (identifiers that start
//! with `_` are not part of `them`), with `not` binding tighter than `and`, and `and`
//! tighter than `or`. Evaluated with two-valued logic: a search over a field the record
//! lacks is false, so `not` of it is true. Aggregations (`| count() …`) are refused.

/// A parsed condition over the rule's searches (by index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cond {
    /// One search.
    Search(usize),
    /// Negation.
    Not(Box<Cond>),
    /// Conjunction.
    And(Vec<Cond>),
    /// Disjunction.
    Or(Vec<Cond>),
}

impl Cond {
    /// Evaluates with `search(i)` giving search `i`'s value (memoised by the caller).
    pub(crate) fn eval(&self, search: &mut dyn FnMut(usize) -> bool) -> bool {
        match self {
            Self::Search(i) => search(*i),
            Self::Not(c) => !c.eval(search),
            Self::And(cs) => cs.iter().all(|c| c.eval(search)),
            Self::Or(cs) => cs.iter().any(|c| c.eval(search)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Open,
    Close,
    And,
    Or,
    Not,
    OneOf,
    AllOf,
    Word(String),
}

fn lex(text: &str) -> Result<Vec<Tok>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        match c {
            '(' | ')' => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
                words.push(c.to_string());
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            '|' => return Err("aggregations in a condition (`| count() …`) are not supported; use a correlation rule".into()),
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    let mut toks = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        let next = words.get(i + 1).map(String::as_str);
        let tok = match (w, next) {
            ("(", _) => Tok::Open,
            (")", _) => Tok::Close,
            ("and", _) => Tok::And,
            ("or", _) => Tok::Or,
            ("not", _) => Tok::Not,
            ("1" | "any", Some("of")) => {
                i += 1;
                Tok::OneOf
            }
            ("all", Some("of")) => {
                i += 1;
                Tok::AllOf
            }
            (n, Some("of")) if n.chars().all(|c| c.is_ascii_digit()) => {
                return Err(format!(
                    "`{n} of` is not supported (only `1 of` and `all of`)"
                ));
            }
            (w, _) => Tok::Word(w.to_owned()),
        };
        toks.push(tok);
        i += 1;
    }
    Ok(toks)
}

/// Parses `text` over the searches named `names`.
///
/// # Errors
/// What is wrong or unsupported, by name.
pub(crate) fn parse(text: &str, names: &[String]) -> Result<Cond, String> {
    let toks = lex(text)?;
    let mut p = ParseState {
        toks,
        pos: 0,
        names,
    };
    let cond = p.or()?;
    if p.pos != p.toks.len() {
        return Err(format!("unexpected `{}` in the condition", p.show(p.pos)));
    }
    Ok(cond)
}

struct ParseState<'a> {
    toks: Vec<Tok>,
    pos: usize,
    names: &'a [String],
}

impl ParseState<'_> {
    fn show(&self, at: usize) -> String {
        match self.toks.get(at) {
            Some(Tok::Open) => "(".into(),
            Some(Tok::Close) => ")".into(),
            Some(Tok::And) => "and".into(),
            Some(Tok::Or) => "or".into(),
            Some(Tok::Not) => "not".into(),
            Some(Tok::OneOf) => "1 of".into(),
            Some(Tok::AllOf) => "all of".into(),
            Some(Tok::Word(w)) => w.clone(),
            None => "end".into(),
        }
    }

    fn or(&mut self) -> Result<Cond, String> {
        let mut parts = vec![self.and()?];
        while self.toks.get(self.pos) == Some(&Tok::Or) {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut parts = vec![self.not()?];
        while self.toks.get(self.pos) == Some(&Tok::And) {
            self.pos += 1;
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::And(parts)
        })
    }

    fn not(&mut self) -> Result<Cond, String> {
        if self.toks.get(self.pos) == Some(&Tok::Not) {
            self.pos += 1;
            return Ok(Cond::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Cond, String> {
        let at = self.pos;
        let tok = self.toks.get(at).cloned();
        self.pos += 1;
        match tok {
            Some(Tok::Open) => {
                let inner = self.or()?;
                if self.toks.get(self.pos) != Some(&Tok::Close) {
                    return Err("a `(` without its `)` in the condition".into());
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(Tok::OneOf | Tok::AllOf) => {
                let all = tok == Some(Tok::AllOf);
                let Some(Tok::Word(pat)) = self.toks.get(self.pos).cloned() else {
                    return Err(format!("`{}` without a pattern", self.show(at)));
                };
                self.pos += 1;
                let chosen = self.matching(&pat)?;
                let parts: Vec<Cond> = chosen.into_iter().map(Cond::Search).collect();
                Ok(if all {
                    Cond::And(parts)
                } else {
                    Cond::Or(parts)
                })
            }
            Some(Tok::Word(w)) => self
                .names
                .iter()
                .position(|n| *n == w)
                .map(Cond::Search)
                .ok_or_else(|| {
                    format!("the condition names `{w}`, which is not a search of the rule")
                }),
            _ => Err(format!("unexpected `{}` in the condition", self.show(at))),
        }
    }

    fn matching(&self, pat: &str) -> Result<Vec<usize>, String> {
        let chosen: Vec<usize> = self
            .names
            .iter()
            .enumerate()
            .filter(|(_, n)| {
                if pat == "them" {
                    !n.starts_with('_')
                } else {
                    wildcard(pat, n)
                }
            })
            .map(|(i, _)| i)
            .collect();
        if chosen.is_empty() {
            Err(format!(
                "`{pat}` in the condition matches no search of the rule"
            ))
        } else {
            Ok(chosen)
        }
    }
}

/// `*` as any run of characters in a search-name pattern.
fn wildcard(pat: &str, name: &str) -> bool {
    match pat.split_once('*') {
        None => pat == name,
        Some((head, rest)) => {
            let Some(tail) = name.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|i| tail.is_char_boundary(*i))
                .any(|i| wildcard(rest, &tail[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(ns: &[&str]) -> Vec<String> {
        ns.iter().map(|s| (*s).to_owned()).collect()
    }

    fn truth(cond: &Cond, values: &[bool]) -> bool {
        cond.eval(&mut |i| values[i])
    }

    #[test]
    fn not_binds_tighter_than_and_and_and_tighter_than_or() {
        let n = names(&["a", "b", "c"]);
        let c = parse("a or b and not c", &n).unwrap();
        // a or (b and (not c))
        assert!(truth(&c, &[true, false, true]));
        assert!(!truth(&c, &[false, true, true]));
        assert!(truth(&c, &[false, true, false]));
        let c = parse("(a or b) and not c", &n).unwrap();
        assert!(!truth(&c, &[true, false, true]));
    }

    #[test]
    fn one_of_and_all_of_patterns_and_them_without_underscores() {
        let n = names(&["sel_a", "sel_b", "_helper", "filter"]);
        let c = parse("1 of sel_*", &n).unwrap();
        assert_eq!(c, Cond::Or(vec![Cond::Search(0), Cond::Search(1)]));
        let c = parse("all of them", &n).unwrap();
        assert_eq!(
            c,
            Cond::And(vec![Cond::Search(0), Cond::Search(1), Cond::Search(3)])
        );
        let c = parse("all of sel_* and not filter", &n).unwrap();
        assert!(truth(&c, &[true, true, false, false]));
        assert!(!truth(&c, &[true, false, false, false]));
    }

    #[test]
    fn unknown_names_aggregations_and_counts_are_refused() {
        let n = names(&["a"]);
        assert!(parse("b", &n).unwrap_err().contains("`b`"));
        assert!(
            parse("a | count() > 5", &n)
                .unwrap_err()
                .contains("aggregation")
        );
        assert!(parse("2 of a*", &n).unwrap_err().contains("`2 of`"));
        assert!(
            parse("1 of x*", &n)
                .unwrap_err()
                .contains("matches no search")
        );
        assert!(parse("(a", &n).is_err());
        assert!(parse("a a", &n).is_err());
    }
}
