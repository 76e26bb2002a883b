//! The filters of `search`: what a record must hold to be listed. Filters combine with
//! AND; the values of one flag given twice are OR, except `--field` and `--text`, whose
//! repeats AND. Comparisons are exact (`CloudTrail`'s names are case-sensitive) unless the
//! query ignores case. Pure: the caller parses the record and gives the time bounds.

use std::net::IpAddr;

use ipnet::IpNet;
use regex::Regex;
use serde_json::Value;

use crate::activity::rules::{actor_key, canonical_time};
use crate::detect::sigma::Wildcard;
use crate::records::path::{self, Leaf};
use crate::records::record::{Flag, Record};
use crate::time::{UtcTime, parse_record_time};

/// A filter given on the command line that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadFilter(pub String);

impl std::fmt::Display for BadFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `--field PATH=VALUE`, `PATH!=VALUE`, `PATH~REGEX`, `PATH exists`.
#[derive(Debug, Clone)]
pub enum FieldTest {
    /// Some scalar value at the path equals the pattern.
    Eq(Vec<String>, Wildcard),
    /// The field has a non-null value and none equals the pattern.
    Ne(Vec<String>, Wildcard),
    /// Some scalar value at the path matches the regular expression (a search anywhere).
    Re(Vec<String>, Regex),
    /// The key is present, even if null.
    Exists(Vec<String>),
}

impl FieldTest {
    /// Reads one `--field` argument.
    ///
    /// # Errors
    /// An empty path, no operator, or a regular expression that does not compile.
    pub fn parse(spec: &str, ignore_case: bool) -> Result<Self, BadFilter> {
        let bad = |why: &str| BadFilter(format!("--field {spec:?}: {why}"));
        let split = |p: &str| -> Result<Vec<String>, BadFilter> {
            if p.is_empty() || p.split('.').any(str::is_empty) {
                Err(bad("the path is empty or has an empty key"))
            } else {
                Ok(p.split('.').map(str::to_owned).collect())
            }
        };
        if let Some(p) = spec.strip_suffix(" exists") {
            return Ok(Self::Exists(split(p.trim_end())?));
        }
        let at = spec
            .find(['=', '~', '!'])
            .ok_or_else(|| bad("expected PATH=VALUE, PATH!=VALUE, PATH~REGEX or 'PATH exists'"))?;
        let (p, rest) = spec.split_at(at);
        if let Some(v) = rest.strip_prefix("!=") {
            Ok(Self::Ne(split(p)?, Wildcard::new(v, !ignore_case)))
        } else if let Some(v) = rest.strip_prefix('=') {
            Ok(Self::Eq(split(p)?, Wildcard::new(v, !ignore_case)))
        } else if let Some(v) = rest.strip_prefix('~') {
            let re = regex::RegexBuilder::new(v)
                .case_insensitive(ignore_case)
                .build()
                .map_err(|e| bad(&format!("the regular expression does not compile: {e}")))?;
            Ok(Self::Re(split(p)?, re))
        } else {
            Err(bad(
                "expected PATH=VALUE, PATH!=VALUE, PATH~REGEX or 'PATH exists'",
            ))
        }
    }

    fn matches(&self, record: &Value) -> bool {
        let scalars = |p: &[String]| -> (bool, Vec<String>, bool) {
            let found = path::lookup(record, p);
            let texts: Vec<String> = found
                .leaves
                .iter()
                .filter(|l| l.is_scalar())
                .filter_map(|l| l.text().map(std::borrow::Cow::into_owned))
                .collect();
            let non_null = found.leaves.iter().any(|l| !matches!(l, Leaf::Null));
            (found.present, texts, non_null)
        };
        match self {
            Self::Eq(p, w) => scalars(p).1.iter().any(|t| w.matches(t)),
            Self::Ne(p, w) => {
                let (_, texts, non_null) = scalars(p);
                non_null && !texts.iter().any(|t| w.matches(t))
            }
            Self::Re(p, re) => scalars(p).1.iter().any(|t| re.is_match(t)),
            Self::Exists(p) => path::lookup(record, p).present,
        }
    }
}

/// Every filter of one search.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Compare without case.
    pub ignore_case: bool,
    /// `--event-name` (OR).
    pub event_names: Vec<Wildcard>,
    /// `--event-source` (OR).
    pub event_sources: Vec<Wildcard>,
    /// `--error-code` (OR).
    pub error_codes: Vec<Wildcard>,
    /// `--errors`: `errorCode` present and non-empty.
    pub errors: bool,
    /// `--identity` (OR).
    pub identities: Vec<String>,
    /// `--source-ip` (OR).
    pub source_ips: Vec<IpNet>,
    /// `--event-region` (OR).
    pub regions: Vec<String>,
    /// `--event-account` (OR).
    pub accounts: Vec<String>,
    /// `--read-only`.
    pub read_only: Option<bool>,
    /// `--since` (inclusive).
    pub since: Option<UtcTime>,
    /// `--until` (exclusive).
    pub until: Option<UtcTime>,
    /// `--field` (AND).
    pub fields: Vec<FieldTest>,
    /// `--text`, each lower-cased (AND).
    pub texts: Vec<Regex>,
}

/// Reads `--source-ip`: an address or a CIDR network, strictly.
///
/// # Errors
/// Anything else.
pub fn parse_source_ip(s: &str) -> Result<IpNet, BadFilter> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(IpNet::from(ip));
    }
    s.parse::<IpNet>().map(|n| n.trunc()).map_err(|_| {
        BadFilter(format!(
            "--source-ip {s:?}: not an IP address or CIDR network"
        ))
    })
}

/// Reads `--text`: a substring of the record's JSON text, without case.
///
/// # Errors
/// An empty string.
pub fn text_filter(s: &str) -> Result<Regex, BadFilter> {
    if s.is_empty() {
        return Err(BadFilter(
            "--text: an empty string matches everything".into(),
        ));
    }
    regex::RegexBuilder::new(&regex::escape(s))
        .case_insensitive(true)
        .build()
        .map_err(|e| BadFilter(format!("--text {s:?}: {e}")))
}

/// The time of a record, as the summary reads it.
#[must_use]
pub fn record_time(r: &Record<'_>) -> Option<UtcTime> {
    let s = r.event_time.get()?;
    canonical_time(s).or_else(|| parse_record_time(s).ok())
}

/// The names an identity filter compares with: the actor key, the user name, the ARN, the
/// principal id, the access key id, the issuing role's ARN and name, and an assumed role's
/// role and session names.
#[must_use]
pub fn identity_names(r: &Record<'_>) -> Vec<String> {
    let mut out = vec![actor_key(r).into_owned()];
    let Some(u) = r.identity() else {
        return out;
    };
    for t in [&u.user_name, &u.arn, &u.principal_id, &u.access_key_id] {
        if let Some(v) = t.get().filter(|v| !v.is_empty()) {
            out.push(v.to_owned());
        }
    }
    if let Some(arn) = u
        .session_context
        .0
        .as_ref()
        .and_then(|c| c.session_issuer.0.as_ref())
        .and_then(|i| i.arn.get())
    {
        out.push(arn.to_owned());
        if let Some(name) = arn.rsplit('/').next() {
            out.push(name.to_owned());
        }
    }
    if let Some(rest) = u.arn.get().and_then(|a| a.split_once(":assumed-role/")) {
        let mut parts = rest.1.splitn(2, '/');
        out.extend(parts.next().map(str::to_owned));
        out.extend(parts.next().map(str::to_owned));
    }
    out
}

impl Query {
    /// Whether the filters need the full parsed record (`--field`).
    #[must_use]
    pub fn needs_value(&self) -> bool {
        !self.fields.is_empty()
    }

    fn same(&self, a: &str, b: &str) -> bool {
        if self.ignore_case {
            a.to_lowercase() == b.to_lowercase()
        } else {
            a == b
        }
    }

    fn any_wild(list: &[Wildcard], v: Option<&str>) -> bool {
        list.is_empty() || v.is_some_and(|v| list.iter().any(|w| w.matches(v)))
    }

    /// Whether the typed record (and its text) passes every filter but `--field` and
    /// `--rule` (which the caller checks on the parsed value).
    #[must_use]
    pub fn matches_typed(&self, r: &Record<'_>, raw: &str) -> bool {
        if !Self::any_wild(&self.event_names, r.event_name.get())
            || !Self::any_wild(&self.event_sources, r.event_source.get())
            || !Self::any_wild(&self.error_codes, r.error_code.text.get())
        {
            return false;
        }
        if self.errors && r.error_code.text.get().is_none_or(str::is_empty) {
            return false;
        }
        if !self.regions.is_empty()
            && !r
                .aws_region
                .get()
                .is_some_and(|v| self.regions.iter().any(|x| self.same(x, v)))
        {
            return false;
        }
        if !self.accounts.is_empty()
            && !r
                .recipient_account_id
                .get()
                .is_some_and(|v| self.accounts.iter().any(|x| self.same(x, v)))
        {
            return false;
        }
        if let Some(want) = self.read_only {
            let got = match r.read_only {
                Flag::Bool(b) => Some(b),
                _ => None,
            };
            if got != Some(want) {
                return false;
            }
        }
        if !self.source_ips.is_empty() {
            let ip = r
                .source_ip_address
                .get()
                .and_then(|s| s.parse::<IpAddr>().ok());
            if !ip.is_some_and(|ip| self.source_ips.iter().any(|n| n.contains(&ip))) {
                return false;
            }
        }
        if self.since.is_some() || self.until.is_some() {
            let Some(t) = record_time(r) else {
                return false;
            };
            if self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t >= u) {
                return false;
            }
        }
        if !self.identities.is_empty() {
            let names = identity_names(r);
            if !self
                .identities
                .iter()
                .any(|want| names.iter().any(|n| self.same(want, n)))
            {
                return false;
            }
        }
        self.texts.iter().all(|t| t.is_match(raw))
    }

    /// Whether the parsed record passes every `--field`.
    #[must_use]
    pub fn matches_fields(&self, record: &Value) -> bool {
        self.fields.iter().all(|f| f.matches(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::record::Element;
    use serde_json::json;

    fn check(q: &Query, v: &Value) -> bool {
        let text = v.to_string();
        let Ok(Element::Object(r)) = serde_json::from_str(&text) else {
            panic!("{text}");
        };
        q.matches_typed(&r, &text) && q.matches_fields(v)
    }

    fn field(spec: &str) -> Query {
        Query {
            fields: vec![FieldTest::parse(spec, false).unwrap()],
            ..Query::default()
        }
    }

    #[test]
    fn event_name_is_exact_with_wildcards_and_escapes() {
        let q = Query {
            event_names: vec![
                Wildcard::new("Delete*", true),
                Wildcard::new("List\\*", true),
            ],
            ..Query::default()
        };
        assert!(check(&q, &json!({"eventName": "DeleteBucket"})));
        assert!(!check(&q, &json!({"eventName": "deleteBucket"})));
        assert!(!check(&q, &json!({"eventName": "ListUsers"})));
        assert!(check(&q, &json!({"eventName": "List*"})));
        let i = Query {
            ignore_case: true,
            event_names: vec![Wildcard::new("delete*", false)],
            ..Query::default()
        };
        assert!(check(&i, &json!({"eventName": "DeleteBucket"})));
    }

    #[test]
    fn source_ip_is_strict_and_never_matches_a_service_name_or_the_other_version() {
        assert!(parse_source_ip("10.0.0.0/8").is_ok());
        assert!(parse_source_ip("2001:db8::1").is_ok());
        assert!(parse_source_ip("10.0.0").is_err());
        assert!(parse_source_ip("s3.amazonaws.com").is_err());
        let q = Query {
            source_ips: vec![parse_source_ip("10.0.0.0/8").unwrap()],
            ..Query::default()
        };
        assert!(check(&q, &json!({"sourceIPAddress": "10.1.2.3"})));
        assert!(!check(&q, &json!({"sourceIPAddress": "s3.amazonaws.com"})));
        assert!(!check(&q, &json!({"sourceIPAddress": "AWS Internal"})));
        assert!(!check(&q, &json!({"sourceIPAddress": "::ffff:10.1.2.3"})));
        assert!(!check(&q, &json!({})));
    }

    #[test]
    fn fields_equal_differ_match_and_exist() {
        let r = json!({"requestParameters": {"items": [{"k": "a"}, {"k": 7}], "n": null, "o": {"x": 1}}});
        assert!(check(&field("requestParameters.items.k=7"), &r));
        assert!(check(&field("requestParameters.items.k=a*"), &r));
        assert!(!check(&field("requestParameters.items.k=A"), &r));
        assert!(check(&field("requestParameters.items.k!=b"), &r));
        assert!(!check(&field("requestParameters.items.k!=a"), &r));
        // != on a missing or null field does not match.
        assert!(!check(&field("requestParameters.missing!=a"), &r));
        assert!(!check(&field("requestParameters.n!=a"), &r));
        // exists on null is true.
        assert!(check(&field("requestParameters.n exists"), &r));
        assert!(!check(&field("requestParameters.missing exists"), &r));
        // objects never match.
        assert!(!check(&field("requestParameters.o=*"), &r));
        assert!(check(&field("requestParameters.items.k~^a$"), &r));
        assert!(FieldTest::parse("x~(", false).is_err());
        assert!(FieldTest::parse("novalue", false).is_err());
        assert!(FieldTest::parse("=v", false).is_err());
    }

    #[test]
    fn since_is_inclusive_until_exclusive_and_a_record_without_time_matches_neither() {
        let t = |s: &str| crate::time::parse_user_time(s).unwrap();
        let q = Query {
            since: Some(t("2024-05-01T10:00:00Z")),
            until: Some(t("2024-05-01T11:00:00Z")),
            ..Query::default()
        };
        assert!(check(&q, &json!({"eventTime": "2024-05-01T10:00:00Z"})));
        assert!(!check(&q, &json!({"eventTime": "2024-05-01T11:00:00Z"})));
        assert!(!check(&q, &json!({})));
        assert!(!check(&q, &json!({"eventTime": "yesterday"})));
    }

    #[test]
    fn identity_matches_every_name_of_the_actor() {
        let r = json!({"userIdentity": {"type": "AssumedRole", "principalId": "AROA1:sess",
            "arn": "arn:aws:sts::1:assumed-role/Admin/sess", "accessKeyId": "ASIAKEY",
            "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::1:role/Admin"}}}});
        for who in [
            "Admin",
            "sess",
            "ASIAKEY",
            "AROA1:sess",
            "arn:aws:iam::1:role/Admin",
            "arn:aws:sts::1:assumed-role/Admin/sess",
        ] {
            let q = Query {
                identities: vec![who.to_owned()],
                ..Query::default()
            };
            assert!(check(&q, &r), "{who}");
        }
        let q = Query {
            identities: vec!["admin".to_owned()],
            ..Query::default()
        };
        assert!(!check(&q, &r));
        let q = Query {
            identities: vec!["admin".to_owned()],
            ignore_case: true,
            ..Query::default()
        };
        assert!(check(&q, &r));
    }

    #[test]
    fn read_only_takes_json_booleans_only_and_errors_need_a_code() {
        let q = Query {
            read_only: Some(true),
            ..Query::default()
        };
        assert!(check(&q, &json!({"readOnly": true})));
        assert!(!check(&q, &json!({"readOnly": "true"})));
        assert!(!check(&q, &json!({})));
        let q = Query {
            read_only: Some(false),
            ..Query::default()
        };
        assert!(!check(&q, &json!({})));
        let e = Query {
            errors: true,
            ..Query::default()
        };
        assert!(check(&e, &json!({"errorCode": "AccessDenied"})));
        assert!(!check(&e, &json!({"errorCode": ""})));
        assert!(!check(&e, &json!({})));
    }

    #[test]
    fn repeated_flags_or_and_different_flags_and_text_ands() {
        let q = Query {
            event_names: vec![Wildcard::new("A", true), Wildcard::new("B", true)],
            regions: vec!["us-east-1".into()],
            texts: vec![text_filter("alice").unwrap(), text_filter("BOB").unwrap()],
            ..Query::default()
        };
        let r = |n: &str, region: &str, who: &str| json!({"eventName": n, "awsRegion": region, "u": who});
        assert!(check(&q, &r("B", "us-east-1", "Alice and bob")));
        assert!(!check(&q, &r("C", "us-east-1", "Alice and bob")));
        assert!(!check(&q, &r("A", "eu-west-1", "Alice and bob")));
        assert!(!check(&q, &r("A", "us-east-1", "Alice")));
    }
}
