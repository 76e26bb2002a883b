//! The access review of an IAM inventory: per user and role, the services its policies
//! allow and the services it called in the window, and the difference (what it holds and
//! does not use). Policies come from `aws iam get-account-authorization-details` (inline,
//! attached managed, and for users their groups'); a managed policy the inventory does not
//! include is named as unknown rather than guessed. A statement that allows `*`, or uses
//! `NotAction`, allows every service (`*`). Pure: no I/O.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

/// One identity's review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Access {
    /// The user's or role's ARN.
    pub arn: String,
    /// `user` or `role`.
    pub kind: &'static str,
    /// Service prefixes its policies allow (`*`: every service).
    pub allowed: Vec<String>,
    /// Service prefixes it called in the window (from `eventSource`).
    pub used: Vec<String>,
    /// Allowed and not called (`*` when everything is allowed and not everything was used).
    pub unused: Vec<String>,
    /// Managed policies attached to it that the inventory does not include.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_policies: Vec<String>,
}

/// What the inventory grants one identity.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Service prefixes (`*`: every service).
    pub services: BTreeSet<String>,
    /// Attached managed policies not in the inventory.
    pub unknown: BTreeSet<String>,
}

/// The IAM service prefix of an `eventSource` (`s3.amazonaws.com` → `s3`), with the
/// endpoints whose host differs from their IAM prefix.
#[must_use]
pub fn service_of(event_source: &str) -> String {
    let host = event_source.split('.').next().unwrap_or(event_source);
    match host {
        "monitoring" => "cloudwatch",
        "email" => "ses",
        "elasticfilesystem" => "elasticfilesystem",
        "es" => "es",
        other => other,
    }
    .to_owned()
}

/// A policy document: a JSON object, or its URL-encoded text (the API's form).
fn document(v: &Value) -> Option<Value> {
    match v {
        Value::Object(_) => Some(v.clone()),
        Value::String(s) => {
            let decoded = percent_decode(s);
            serde_json::from_str(&decoded).ok()
        }
        _ => None,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = bytes.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(std::str::from_utf8(h).unwrap_or("zz"), 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The services a policy document allows.
fn allowed_by(doc: &Value, out: &mut BTreeSet<String>) {
    let statements: Vec<&Value> = match doc.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    for st in statements {
        if st.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        if st.get("NotAction").is_some() {
            out.insert("*".to_owned());
            continue;
        }
        let actions: Vec<&str> = match st.get("Action") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for a in actions {
            match a.split_once(':') {
                _ if a == "*" => {
                    out.insert("*".to_owned());
                }
                Some((svc, _)) => {
                    out.insert(svc.to_ascii_lowercase());
                }
                None => {}
            }
        }
    }
}

/// The grants of every user and role of an authorization-details document, by ARN.
#[must_use]
pub fn grants(details: &Value) -> BTreeMap<String, Grants> {
    let mut managed: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for p in details
        .get("Policies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(arn) = p.get("Arn").and_then(Value::as_str) else {
            continue;
        };
        let mut services = BTreeSet::new();
        for v in p
            .get("PolicyVersionList")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|v| v.get("IsDefaultVersion").and_then(Value::as_bool) == Some(true))
        {
            if let Some(doc) = v.get("Document").and_then(document) {
                allowed_by(&doc, &mut services);
            }
        }
        managed.insert(arn, services);
    }
    let inline = |e: &Value, list: &str, g: &mut Grants| {
        for p in e.get(list).and_then(Value::as_array).into_iter().flatten() {
            if let Some(doc) = p.get("PolicyDocument").and_then(document) {
                allowed_by(&doc, &mut g.services);
            }
        }
    };
    let attached = |e: &Value, g: &mut Grants| {
        for p in e
            .get("AttachedManagedPolicies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(arn) = p.get("PolicyArn").and_then(Value::as_str) else {
                continue;
            };
            match managed.get(arn) {
                Some(s) => g.services.extend(s.iter().cloned()),
                None => {
                    g.unknown.insert(arn.to_owned());
                }
            }
        }
    };
    let mut groups: BTreeMap<&str, Grants> = BTreeMap::new();
    for e in details
        .get("GroupDetailList")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = e.get("GroupName").and_then(Value::as_str) else {
            continue;
        };
        let mut g = Grants::default();
        inline(e, "GroupPolicyList", &mut g);
        attached(e, &mut g);
        groups.insert(name, g);
    }
    let mut out = BTreeMap::new();
    for (list, policies) in [
        ("UserDetailList", "UserPolicyList"),
        ("RoleDetailList", "RolePolicyList"),
    ] {
        for e in details
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(arn) = e.get("Arn").and_then(Value::as_str) else {
                continue;
            };
            let mut g = Grants::default();
            inline(e, policies, &mut g);
            attached(e, &mut g);
            for name in e
                .get("GroupList")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(gr) = name.as_str().and_then(|n| groups.get(n)) {
                    g.services.extend(gr.services.iter().cloned());
                    g.unknown.extend(gr.unknown.iter().cloned());
                }
            }
            out.insert(arn.to_owned(), g);
        }
    }
    out
}

/// Whether actor key `actor` is identity `arn` (a user's ARN; a role's sessions).
#[must_use]
pub fn is_actor_of(arn: &str, kind: &str, actor: &str) -> bool {
    match kind {
        "role" => {
            let role_name = arn.rsplit('/').next().unwrap_or_default();
            actor == arn
                || actor.starts_with(&format!("{arn}/"))
                || (actor.contains(":assumed-role/") && actor.split('/').nth(1) == Some(role_name))
        }
        _ => actor == arn,
    }
}

/// The review: for each identity with grants, allowed vs used.
#[must_use]
pub fn review(
    identities: &[(String, &'static str, Grants)],
    used_by_actor: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<Access> {
    identities
        .iter()
        .map(|(arn, kind, g)| {
            let used: BTreeSet<String> = used_by_actor
                .iter()
                .filter(|(actor, _)| is_actor_of(arn, kind, actor))
                .flat_map(|(_, s)| s.iter().cloned())
                .collect();
            let unused: Vec<String> = if g.services.contains("*") {
                vec!["*".to_owned()]
            } else {
                g.services.difference(&used).cloned().collect()
            };
            Access {
                arn: arn.clone(),
                kind,
                allowed: g.services.iter().cloned().collect(),
                used: used.into_iter().collect(),
                unused,
                unknown_policies: g.unknown.iter().cloned().collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn grants_come_from_inline_attached_and_group_policies() {
        let details = json!({
            "UserDetailList": [{
                "Arn": "arn:aws:iam::1:user/alice",
                "UserPolicyList": [{"PolicyDocument": {"Statement": {"Effect": "Allow", "Action": "s3:GetObject"}}}],
                "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::1:policy/ec2"}, {"PolicyArn": "arn:aws:iam::aws:policy/Missing"}],
                "GroupList": ["ops"]
            }],
            "GroupDetailList": [{"GroupName": "ops", "GroupPolicyList": [
                {"PolicyDocument": "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22kms%3ADecrypt%22%5D%7D%5D%7D"}
            ]}],
            "RoleDetailList": [{"Arn": "arn:aws:iam::1:role/admin", "RolePolicyList": [
                {"PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*"}]}}
            ]}],
            "Policies": [{"Arn": "arn:aws:iam::1:policy/ec2", "PolicyVersionList": [
                {"IsDefaultVersion": false, "Document": {"Statement": [{"Effect": "Allow", "Action": "iam:*"}]}},
                {"IsDefaultVersion": true, "Document": {"Statement": [{"Effect": "Allow", "Action": ["ec2:Describe*"]}, {"Effect": "Deny", "Action": "sqs:*"}]}}
            ]}]
        });
        let g = grants(&details);
        let alice = &g["arn:aws:iam::1:user/alice"];
        assert_eq!(
            alice.services.iter().cloned().collect::<Vec<_>>(),
            ["ec2", "kms", "s3"]
        );
        assert_eq!(
            alice.unknown.iter().cloned().collect::<Vec<_>>(),
            ["arn:aws:iam::aws:policy/Missing"]
        );
        assert!(g["arn:aws:iam::1:role/admin"].services.contains("*"));
        let used = BTreeMap::from([
            (
                "arn:aws:iam::1:user/alice".to_owned(),
                BTreeSet::from(["s3".to_owned()]),
            ),
            (
                "arn:aws:iam::1:role/admin/sess".to_owned(),
                BTreeSet::from(["sts".to_owned()]),
            ),
        ]);
        let ids: Vec<(String, &'static str, Grants)> = vec![
            ("arn:aws:iam::1:user/alice".into(), "user", alice.clone()),
            (
                "arn:aws:iam::1:role/admin".into(),
                "role",
                g["arn:aws:iam::1:role/admin"].clone(),
            ),
        ];
        let r = review(&ids, &used);
        assert_eq!(r[0].used, ["s3"]);
        assert_eq!(r[0].unused, ["ec2", "kms"]);
        assert_eq!(r[1].used, ["sts"]);
        assert_eq!(r[1].unused, ["*"]);
    }

    #[test]
    fn event_sources_map_to_iam_prefixes() {
        assert_eq!(service_of("s3.amazonaws.com"), "s3");
        assert_eq!(service_of("monitoring.amazonaws.com"), "cloudwatch");
        assert_eq!(service_of("email.amazonaws.com"), "ses");
    }
}
