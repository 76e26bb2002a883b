//! Drill-down: for each figure of the summary, the `trailproof search` filters that list
//! exactly its records. Figures are named by their JSON Pointer in the summary document
//! (`/by_event_name/DeleteBucket`, `/cis_monitoring/4.3/count`); a figure no filter can
//! reproduce exactly (a count of records *without* a field, a capped example list) has no
//! entry. The command line adds the input options (the same `--logs` or trail options the
//! summary was made from); `tests/drilldown.rs` runs every command on the sample and checks
//! it counts exactly its figure.

use std::collections::BTreeMap;

use super::summary::Summary;

/// RFC 6901: `~` is `~0`, `/` is `~1`.
fn pointer_key(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

/// A wildcard pattern matching exactly `v` (`*`, `?` and `\` escaped).
fn literal(v: &str) -> String {
    let mut o = String::with_capacity(v.len());
    for c in v.chars() {
        if matches!(c, '*' | '?' | '\\') {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

/// The search filters of every figure that has them, by JSON Pointer.
#[must_use]
pub fn filters(s: &Summary) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    out.insert("/records".to_owned(), Vec::new());
    out.insert(
        "/root_events".to_owned(),
        args(&["--rule", "trailproof_cis_4_3"]),
    );
    out.insert(
        "/access_denied".to_owned(),
        args(&["--rule", "trailproof_cis_4_1"]),
    );
    for id in s.cis_monitoring.keys() {
        out.insert(
            format!("/cis_monitoring/{}/count", pointer_key(id)),
            vec![
                "--rule".to_owned(),
                format!("trailproof_cis_{}", id.replace('.', "_")),
            ],
        );
    }
    let login = ["--event-name", "ConsoleLogin"];
    out.insert("/console_logins/total".to_owned(), args(&login));
    for (figure, outcome) in [("success", "Success"), ("failure", "Failure")] {
        let mut a = args(&login);
        a.extend([
            "--field".to_owned(),
            format!("responseElements.ConsoleLogin={outcome}"),
        ]);
        out.insert(format!("/console_logins/{figure}"), a);
    }
    out.insert(
        "/console_logins/without_mfa".to_owned(),
        args(&["--rule", "trailproof_cis_4_2"]),
    );
    let mut root = args(&login);
    root.extend(args(&["--field", "userIdentity.type=Root"]));
    out.insert("/console_logins/root".to_owned(), root);
    for (map, flag, values) in [
        ("by_event_name", "--event-name", &s.by_event_name),
        ("by_event_source", "--event-source", &s.by_event_source),
        ("by_region", "--event-region", &s.by_region),
        ("by_account", "--event-account", &s.by_account),
        ("by_error_code", "--error-code", &s.by_error_code),
    ] {
        for k in values.keys() {
            // "(none)" and "" count records without the field: no filter lists exactly those.
            if k == "(none)" || k.is_empty() {
                continue;
            }
            let v = if flag == "--event-region" || flag == "--event-account" {
                k.clone()
            } else {
                literal(k)
            };
            out.insert(
                format!("/{map}/{}", pointer_key(k)),
                vec![flag.to_owned(), v],
            );
        }
    }
    for k in s.identities.keys() {
        out.insert(
            format!("/identities/{}/events", pointer_key(k)),
            vec!["--identity".to_owned(), k.clone()],
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_and_literals_are_escaped() {
        assert_eq!(pointer_key("a/b~c"), "a~1b~0c");
        assert_eq!(literal("a*b?c\\d"), "a\\*b\\?c\\\\d");
        let mut s = Summary::default();
        s.by_event_name.insert("Get*".into(), 1);
        s.by_event_name.insert("(none)".into(), 2);
        let f = filters(&s);
        assert_eq!(f["/by_event_name/Get*"], ["--event-name", "Get\\*"]);
        assert!(!f.contains_key("/by_event_name/(none)"));
        assert!(f["/records"].is_empty());
    }
}
