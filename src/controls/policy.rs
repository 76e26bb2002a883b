//! Reading IAM-style policy documents (bucket policies, identity policies) for the few
//! questions the controls ask. Pure; tolerant of the single-value-or-list shapes IAM allows.

use serde_json::Value;

/// `Value` as a list of strings (a string is a one-element list).
fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(ToOwned::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn statements(doc: &Value) -> Vec<&Value> {
    match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(s @ Value::Object(_)) => vec![s],
        _ => Vec::new(),
    }
}

fn label(s: &Value, index: usize) -> String {
    s.get("Sid")
        .and_then(Value::as_str)
        .filter(|x| !x.is_empty())
        .map_or_else(|| format!("#{}", index + 1), ToOwned::to_owned)
}

fn everyone(principal: Option<&Value>) -> bool {
    match principal {
        Some(Value::String(s)) => s == "*",
        Some(Value::Object(m)) => m
            .get("AWS")
            .is_some_and(|a| strings(Some(a)).iter().any(|x| x == "*")),
        _ => false,
    }
}

fn is_service(principal: Option<&Value>, service: &str) -> bool {
    principal
        .and_then(|p| p.get("Service"))
        .is_some_and(|s| strings(Some(s)).iter().any(|x| x == service))
}

/// Condition keys (lower case) used anywhere in the statement's `Condition`.
fn condition_keys(s: &Value) -> Vec<String> {
    s.get("Condition")
        .and_then(Value::as_object)
        .map(|ops| {
            ops.values()
                .filter_map(Value::as_object)
                .flat_map(|m| m.keys().map(|k| k.to_ascii_lowercase()))
                .collect()
        })
        .unwrap_or_default()
}

/// Condition keys that limit who a `"*"` principal can be (controls.md §5.4).
const RESTRICTING: &[&str] = &[
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourcevpce",
    "aws:sourcevpc",
    "aws:sourceip",
    "aws:principalorgpaths",
    "aws:sourceorgid",
    "aws:userid",
    "aws:username",
];

/// Labels of `Allow` statements open to everyone with no restricting condition. Invalid
/// JSON yields nothing (the policy-status answer still decides).
#[must_use]
pub fn public_statements(policy_text: &str) -> Vec<String> {
    let Ok(doc) = serde_json::from_str::<Value>(policy_text) else {
        return Vec::new();
    };
    statements(&doc)
        .into_iter()
        .enumerate()
        .filter(|(_, s)| s.get("Effect").and_then(Value::as_str) == Some("Allow"))
        .filter(|(_, s)| everyone(s.get("Principal")))
        .filter(|(_, s)| {
            !condition_keys(s)
                .iter()
                .any(|k| RESTRICTING.contains(&k.as_str()))
        })
        .map(|(i, s)| label(s, i))
        .collect()
}

/// What CT-15 reads from a bucket policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsCheck {
    /// The statement denying requests without TLS, when there is one.
    pub deny_insecure: Option<String>,
    /// `CloudTrail` service grants without `aws:SourceArn` / `aws:SourceAccount`.
    pub unscoped_cloudtrail_grants: Vec<String>,
}

/// Reads a bucket policy for CT-15.
///
/// # Errors
/// The JSON error, when the policy is not JSON.
pub fn tls_check(policy_text: &str) -> Result<TlsCheck, String> {
    let doc: Value = serde_json::from_str(policy_text).map_err(|e| e.to_string())?;
    let mut out = TlsCheck {
        deny_insecure: None,
        unscoped_cloudtrail_grants: Vec::new(),
    };
    for (i, s) in statements(&doc).into_iter().enumerate() {
        let effect = s.get("Effect").and_then(Value::as_str);
        if effect == Some("Deny") && everyone(s.get("Principal")) && denies_insecure(s) {
            out.deny_insecure.get_or_insert_with(|| label(s, i));
        }
        if effect == Some("Allow") && is_service(s.get("Principal"), "cloudtrail.amazonaws.com") {
            let keys = condition_keys(s);
            if !keys
                .iter()
                .any(|k| k == "aws:sourcearn" || k == "aws:sourceaccount")
            {
                out.unscoped_cloudtrail_grants.push(label(s, i));
            }
        }
    }
    Ok(out)
}

fn denies_insecure(s: &Value) -> bool {
    let Some(ops) = s.get("Condition").and_then(Value::as_object) else {
        return false;
    };
    ops.iter().any(|(op, m)| {
        op.starts_with("Bool")
            && m.as_object().is_some_and(|m| {
                m.iter().any(|(k, v)| {
                    k.eq_ignore_ascii_case("aws:SecureTransport")
                        && strings(Some(v))
                            .iter()
                            .any(|x| x.eq_ignore_ascii_case("false"))
                })
            })
    })
}

/// `CloudTrail` actions that stop, delete or blind a trail.
const TAMPER: &[&str] = &[
    "cloudtrail:StopLogging",
    "cloudtrail:DeleteTrail",
    "cloudtrail:UpdateTrail",
    "cloudtrail:PutEventSelectors",
    "cloudtrail:PutInsightSelectors",
];

/// IAM-style glob match (`*` and `?`), case-insensitive.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_ascii_lowercase().chars().collect();
    let t: Vec<char> = text.to_ascii_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The tamper actions an identity policy allows on every trail (`Resource` matching any
/// trail ARN of the account), from `Allow` statements with `Action` or `NotAction`.
#[must_use]
pub fn cloudtrail_tamper_grants(doc: &Value, partition: &str, account: &str) -> Vec<String> {
    let any_trail = format!("arn:{partition}:cloudtrail:us-east-1:{account}:trail/zzz-any-trail");
    let mut out: Vec<String> = Vec::new();
    for s in statements(doc) {
        if s.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let resources = strings(s.get("Resource"));
        if !resources.iter().any(|r| r == "*" || glob(r, &any_trail)) {
            continue;
        }
        let actions = strings(s.get("Action"));
        let not_actions = strings(s.get("NotAction"));
        for t in TAMPER {
            let allowed = if s.get("NotAction").is_some() {
                !not_actions.iter().any(|a| glob(a, t))
            } else {
                actions.iter().any(|a| glob(a, t))
            };
            if allowed && !out.iter().any(|o| o == t) {
                out.push((*t).to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudtrail_grant_scoped_by_source_arn_is_not_public() {
        let p = r#"{"Statement":[{"Sid":"AWSCloudTrailWrite","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/AWSLogs/1/*","Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:1:trail/t"}}},
            {"Sid":"OrgRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}]}"#;
        assert!(public_statements(p).is_empty());
        let c = tls_check(p).unwrap();
        assert_eq!(c.deny_insecure, None);
        assert!(c.unscoped_cloudtrail_grants.is_empty());
    }

    #[test]
    fn principal_star_without_condition_is_public() {
        let p = r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"s3:GetObject","Resource":"*"}}"#;
        assert_eq!(public_statements(p), vec!["#1".to_owned()]);
    }

    #[test]
    fn deny_insecure_transport_is_found() {
        let p = r#"{"Statement":[{"Sid":"DenyHttp","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
            {"Sid":"W","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"*"}]}"#;
        let c = tls_check(p).unwrap();
        assert_eq!(c.deny_insecure.as_deref(), Some("DenyHttp"));
        assert_eq!(c.unscoped_cloudtrail_grants, vec!["W".to_owned()]);
    }

    #[test]
    fn tamper_grants_from_wildcards_and_not_action() {
        let doc: Value = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Allow","Action":"cloudtrail:*","Resource":"*"}]}"#,
        )
        .unwrap();
        assert_eq!(cloudtrail_tamper_grants(&doc, "aws", "1").len(), 5);
        let doc: Value = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Allow","Action":["cloudtrail:Stop*","cloudtrail:Describe*"],"Resource":"arn:aws:cloudtrail:*:1:trail/*"}]}"#,
        )
        .unwrap();
        assert_eq!(
            cloudtrail_tamper_grants(&doc, "aws", "1"),
            vec!["cloudtrail:StopLogging".to_owned()]
        );
        let doc: Value = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#,
        )
        .unwrap();
        assert_eq!(cloudtrail_tamper_grants(&doc, "aws", "1").len(), 5);
        let doc: Value = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Allow","Action":"cloudtrail:StopLogging","Resource":"arn:aws:cloudtrail:us-east-1:1:trail/one"}]}"#,
        )
        .unwrap();
        assert!(cloudtrail_tamper_grants(&doc, "aws", "1").is_empty());
    }

    #[test]
    fn glob_matches_like_iam() {
        assert!(glob("cloudtrail:*", "cloudtrail:StopLogging"));
        assert!(glob("CloudTrail:stop?ogging", "cloudtrail:StopLogging"));
        assert!(!glob("cloudtrail:Delete*", "cloudtrail:StopLogging"));
        assert!(glob("*", "anything"));
    }
}
