//! One test per semantic point of the Sigma specification the engine implements, with rules
//! and records written here.

use serde_json::{Value, json};

use super::*;

fn rule(detection: &str) -> String {
    format!(
        "title: t\nid: r1\nlevel: high\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n{detection}"
    )
}

fn loaded(text: &str) -> Loaded {
    load(&[RuleText {
        file: "t.yml".into(),
        text: text.into(),
    }])
}

fn set(detection: &str) -> RuleSet {
    let l = loaded(&rule(detection));
    assert!(l.refused.is_empty(), "refused: {:?}", l.refused);
    assert_eq!(l.rules.detection_rules(), 1);
    l.rules
}

fn hits(detection: &str, record: &Value) -> bool {
    set(detection).matches(0, record)
}

fn refused(detection: &str) -> String {
    let l = loaded(&rule(detection));
    assert_eq!(l.refused.len(), 1, "not refused: {detection}");
    l.refused[0].reason.clone()
}

#[test]
fn values_compare_case_insensitively_by_default() {
    let d = "  sel:\n    additionalEventData.MFAUsed: 'NO'\n  condition: sel\n";
    assert!(hits(d, &json!({"additionalEventData": {"MFAUsed": "No"}})));
    assert!(!hits(
        d,
        &json!({"additionalEventData": {"MFAUsed": "Yes"}})
    ));
}

#[test]
fn cased_compares_exactly() {
    let d = "  sel:\n    eventName|cased: ConsoleLogin\n  condition: sel\n";
    assert!(hits(d, &json!({"eventName": "ConsoleLogin"})));
    assert!(!hits(d, &json!({"eventName": "consolelogin"})));
}

#[test]
fn numbers_and_booleans_compare_by_their_text() {
    let d = "  sel:\n    requestParameters.fromPort: '22'\n    readOnly: false\n  condition: sel\n";
    assert!(hits(
        d,
        &json!({"requestParameters": {"fromPort": 22}, "readOnly": false})
    ));
    assert!(hits(
        d,
        &json!({"requestParameters": {"fromPort": "22"}, "readOnly": "false"})
    ));
    let d = "  sel:\n    p: 22\n  condition: sel\n";
    assert!(hits(d, &json!({"p": "22"})));
    assert!(!hits(d, &json!({"p": 220})));
}

#[test]
fn wildcards_cover_the_whole_value_and_escapes_are_literal() {
    let d = "  sel:\n    eventName: 'Delete*Policy?'\n  condition: sel\n";
    assert!(hits(d, &json!({"eventName": "DeleteRolePolicyX"})));
    assert!(!hits(d, &json!({"eventName": "DeleteRolePolicy"})));
    assert!(!hits(d, &json!({"eventName": "xDeleteRolePolicyX"})));
    let d = "  sel:\n    v: 'a\\*b\\?c\\\\d\\e'\n  condition: sel\n";
    assert!(hits(d, &json!({"v": "a*b?c\\d\\e"})));
    assert!(!hits(d, &json!({"v": "aXbYc\\d\\e"})));
}

#[test]
fn contains_startswith_endswith() {
    let c = "  sel:\n    requestParameters|contains: 'Suspended'\n  condition: sel\n";
    assert!(hits(
        c,
        &json!({"requestParameters": {"status": "SUSPENDED"}})
    ));
    let s = "  sel:\n    eventName|startswith: 'Delete'\n  condition: sel\n";
    assert!(hits(s, &json!({"eventName": "deleteTrail"})));
    assert!(!hits(s, &json!({"eventName": "UndeleteTrail"})));
    let e = "  sel:\n    eventSource|endswith: '.amazonaws.com'\n  condition: sel\n";
    assert!(hits(e, &json!({"eventSource": "s3.amazonaws.com"})));
    assert!(!hits(e, &json!({"eventSource": "s3.amazonaws.com.evil"})));
}

#[test]
fn all_requires_every_value() {
    let d =
        "  sel:\n    userAgent|contains|all:\n      - aws-cli\n      - linux\n  condition: sel\n";
    assert!(hits(d, &json!({"userAgent": "aws-cli/2 Linux/5"})));
    assert!(!hits(d, &json!({"userAgent": "aws-cli/2 Darwin"})));
}

#[test]
fn a_value_list_is_or() {
    let d = "  sel:\n    eventName:\n      - StopLogging\n      - DeleteTrail\n  condition: sel\n";
    assert!(hits(d, &json!({"eventName": "DeleteTrail"})));
    assert!(!hits(d, &json!({"eventName": "UpdateTrail"})));
}

#[test]
fn re_searches_anywhere_case_sensitive_unless_i_with_m_and_s_flags() {
    let d = "  sel:\n    userAgent|re: 'kali|parrot'\n  condition: sel\n";
    assert!(hits(d, &json!({"userAgent": "Boto3/1 (kali linux)"})));
    assert!(!hits(d, &json!({"userAgent": "Boto3/1 (KALI)"})));
    let i = "  sel:\n    userAgent|re|i: 'kali'\n  condition: sel\n";
    assert!(hits(i, &json!({"userAgent": "KALI"})));
    let m = "  sel:\n    v|re|m: '^b$'\n  condition: sel\n";
    assert!(hits(m, &json!({"v": "a\nb\nc"})));
    let no_m = "  sel:\n    v|re: '^b$'\n  condition: sel\n";
    assert!(!hits(no_m, &json!({"v": "a\nb\nc"})));
    let s = "  sel:\n    v|re|s: 'a.b'\n  condition: sel\n";
    assert!(hits(s, &json!({"v": "a\nb"})));
    let no_s = "  sel:\n    v|re: 'a.b'\n  condition: sel\n";
    assert!(!hits(no_s, &json!({"v": "a\nb"})));
}

#[test]
fn cidr_matches_addresses_of_its_version_only() {
    let d = "  sel:\n    sourceIPAddress|cidr: 10.0.0.0/8\n  condition: sel\n";
    assert!(hits(d, &json!({"sourceIPAddress": "10.2.3.4"})));
    assert!(!hits(d, &json!({"sourceIPAddress": "11.2.3.4"})));
    assert!(!hits(d, &json!({"sourceIPAddress": "s3.amazonaws.com"})));
    assert!(!hits(d, &json!({"sourceIPAddress": "::ffff:10.2.3.4"})));
    let v6 = "  sel:\n    sourceIPAddress|cidr: '2001:db8::/32'\n  condition: sel\n";
    assert!(hits(v6, &json!({"sourceIPAddress": "2001:db8::1"})));
}

#[test]
fn exists_is_about_the_key_even_when_null() {
    let d = "  sel:\n    errorCode|exists: true\n  condition: sel\n";
    assert!(hits(d, &json!({"errorCode": null})));
    assert!(!hits(d, &json!({})));
    let n = "  sel:\n    errorCode|exists: false\n  condition: sel\n";
    assert!(hits(n, &json!({})));
}

#[test]
fn fieldref_compares_with_another_field_of_the_record() {
    let d = "  sel:\n    requestParameters.userName|fieldref: userIdentity.userName\n  condition: sel\n";
    assert!(hits(
        d,
        &json!({"requestParameters": {"userName": "Bob"}, "userIdentity": {"userName": "bob"}})
    ));
    assert!(!hits(
        d,
        &json!({"requestParameters": {"userName": "eve"}, "userIdentity": {"userName": "bob"}})
    ));
    assert!(!hits(d, &json!({"requestParameters": {"userName": "eve"}})));
}

#[test]
fn a_value_without_fieldref_is_a_literal_never_a_field_name() {
    let d = "  sel:\n    requestParameters.userName: userIdentity.userName\n  condition: sel\n";
    assert!(!hits(
        d,
        &json!({"requestParameters": {"userName": "bob"}, "userIdentity": {"userName": "bob"}})
    ));
    assert!(hits(
        d,
        &json!({"requestParameters": {"userName": "userIdentity.userName"}})
    ));
}

#[test]
fn numeric_comparisons() {
    let d = "  sel:\n    n|gt: 10\n    m|lte: 5\n  condition: sel\n";
    assert!(hits(d, &json!({"n": 11, "m": "5"})));
    assert!(!hits(d, &json!({"n": 10, "m": 5})));
    assert!(!hits(d, &json!({"n": "x", "m": 5})));
    let e = "  sel:\n    n|gte: 10\n    m|lt: 5\n  condition: sel\n";
    assert!(hits(e, &json!({"n": 10, "m": 4.5})));
}

#[test]
fn base64_and_base64offset() {
    let d = "  sel:\n    v|base64: 'secret'\n  condition: sel\n";
    assert!(hits(d, &json!({"v": "c2VjcmV0"})));
    let o = "  sel:\n    v|base64offset|contains: '/bin/bash'\n  condition: sel\n";
    for enc in ["xxL2Jpbi9iYXNoyy", "zz9iaW4vYmFza", "IHZYmluL2Jhc2"] {
        let enc = if enc == "IHZYmluL2Jhc2" {
            "ICAvYmluL2Jhc2g="
        } else {
            enc
        };
        assert!(hits(o, &json!({ "v": enc })), "{enc}");
    }
    assert!(!hits(o, &json!({"v": "L2Jpbi9zaA=="})));
}

#[test]
fn windash_accepts_every_dash_form() {
    let d = "  sel:\n    cmd|windash|contains: ' -enc '\n  condition: sel\n";
    assert!(hits(d, &json!({"cmd": "powershell -enc AAA"})));
    assert!(hits(d, &json!({"cmd": "powershell /enc AAA"})));
    assert!(hits(d, &json!({"cmd": "powershell \u{2013}enc AAA"})));
    assert!(!hits(d, &json!({"cmd": "powershell enc AAA"})));
}

#[test]
fn null_matches_absent_null_and_lists_without_a_non_null_element() {
    let d = "  sel:\n    errorCode: null\n  condition: sel\n";
    assert!(hits(d, &json!({})));
    assert!(hits(d, &json!({"errorCode": null})));
    assert!(hits(d, &json!({"errorCode": [null]})));
    assert!(!hits(d, &json!({"errorCode": "AccessDenied"})));
    assert!(!hits(d, &json!({"errorCode": [null, "x"]})));
    let quoted = "  sel:\n    errorCode: 'null'\n  condition: sel\n";
    assert!(!hits(quoted, &json!({})));
    assert!(hits(quoted, &json!({"errorCode": "NULL"})));
}

#[test]
fn lists_on_the_way_and_at_the_end_are_walked() {
    let d = "  sel:\n    requestParameters.containerDefinitions.command|contains: 'curl'\n  condition: sel\n";
    let r = json!({"requestParameters": {"containerDefinitions": [
        {"name": "a"}, {"command": ["sh", "-c", "curl x | sh"]}
    ]}});
    assert!(hits(d, &r));
    assert!(!hits(
        d,
        &json!({"requestParameters": {"containerDefinitions": [{"command": ["ls"]}]}})
    ));
}

#[test]
fn an_object_compares_as_its_compact_json_text_in_record_order() {
    let d = "  sel:\n    requestParameters: '{\"b\":1,\"a\":\"x\"}'\n  condition: sel\n";
    let r: Value = serde_json::from_str(r#"{"requestParameters": {"b": 1, "a": "x"}}"#).unwrap();
    assert!(hits(d, &r));
    let r: Value = serde_json::from_str(r#"{"requestParameters": {"a": "x", "b": 1}}"#).unwrap();
    assert!(!hits(d, &r));
}

#[test]
fn field_names_are_case_sensitive_dotted_paths() {
    let d = "  sel:\n    userIdentity.type: Root\n  condition: sel\n";
    assert!(hits(d, &json!({"userIdentity": {"type": "Root"}})));
    assert!(!hits(d, &json!({"useridentity": {"type": "Root"}})));
    assert!(!hits(d, &json!({"userIdentity": {"Type": "Root"}})));
}

#[test]
fn not_over_a_missing_field_is_true() {
    let d = "  selection:\n    eventName: CreateUser\n  filter:\n    errorCode: AccessDenied\n  condition: selection and not filter\n";
    assert!(hits(d, &json!({"eventName": "CreateUser"})));
    assert!(!hits(
        d,
        &json!({"eventName": "CreateUser", "errorCode": "AccessDenied"})
    ));
}

#[test]
fn a_map_is_and_and_a_list_of_maps_is_or() {
    let and = "  sel:\n    a: 1\n    b: 2\n  condition: sel\n";
    assert!(hits(and, &json!({"a": 1, "b": 2})));
    assert!(!hits(and, &json!({"a": 1})));
    let or = "  sel:\n    - a: 1\n    - b: 2\n  condition: sel\n";
    assert!(hits(or, &json!({"b": 2})));
    assert!(!hits(or, &json!({"c": 3})));
}

#[test]
fn condition_forms() {
    let d = "  sel_a:\n    a: 1\n  sel_b:\n    b: 1\n  _h:\n    h: 1\n  filter:\n    f: 1\n";
    let with = |c: &str| format!("{d}  condition: {c}\n");
    assert!(hits(&with("1 of sel_*"), &json!({"b": 1})));
    assert!(!hits(&with("all of sel_*"), &json!({"b": 1})));
    assert!(hits(&with("all of sel_*"), &json!({"a": 1, "b": 1})));
    // `them` leaves out `_h`.
    assert!(hits(&with("all of them"), &json!({"a": 1, "b": 1, "f": 1})));
    assert!(hits(&with("1 of them"), &json!({"f": 1})));
    assert!(!hits(&with("1 of them"), &json!({"h": 1})));
    assert!(hits(
        &with("(sel_a or sel_b) and not filter"),
        &json!({"a": 1})
    ));
    assert!(!hits(
        &with("(sel_a or sel_b) and not filter"),
        &json!({"a": 1, "f": 1})
    ));
    assert!(hits(&with("sel_a or sel_b and filter"), &json!({"a": 1})));
    // A list of conditions is their disjunction.
    let list = format!("{d}  condition:\n    - sel_a\n    - filter\n");
    assert!(hits(&list, &json!({"f": 1})));
}

#[test]
fn a_rule_that_can_never_match_is_still_loaded_and_evaluated() {
    let d = "  a:\n    x: 1\n  condition: a and not a\n";
    let s = set(d);
    assert!(!s.matches(0, &json!({"x": 1})));
}

#[test]
fn unsupported_features_are_refused_by_name() {
    assert!(refused("  sel:\n    v|expand: '%x%'\n  condition: sel\n").contains("`expand`"));
    assert!(refused("  sel:\n    - foo\n  condition: sel\n").contains("keyword"));
    assert!(refused("  sel:\n    a: 1\n  condition: sel | count() > 5\n").contains("aggregation"));
    assert!(
        refused("  sel:\n    v|re: '(?<=a)b'\n  condition: sel\n").contains("regular expression")
    );
    assert!(refused("  sel:\n    v|cidr: 'nope'\n  condition: sel\n").contains("CIDR"));
    assert!(refused("  sel:\n    a: 1\n  condition: other\n").contains("`other`"));
    let l =
        loaded("title: x\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  sel: [\n");
    assert_eq!(l.refused.len(), 1);
    assert!(l.refused[0].reason.starts_with("not valid YAML"));
    assert!(l.refused[0].line.is_some());
}

#[test]
fn rules_for_other_logsources_are_skipped_and_listed() {
    let l = loaded(
        "title: w\nid: w1\nlogsource:\n  product: windows\n  service: security\ndetection:\n  s:\n    a: 1\n  condition: s\n",
    );
    assert!(l.rules.is_empty());
    assert_eq!(l.skipped.len(), 1);
    assert!(
        l.skipped[0].reason.contains("product: windows"),
        "{:?}",
        l.skipped
    );
}

#[test]
fn a_rule_without_an_id_is_named_by_its_file() {
    let l = loaded(
        "title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  s: {a: 1}\n  condition: s\n",
    );
    assert_eq!(l.rules.rules()[0].id, "t.yml");
}

#[test]
fn the_index_offers_only_rules_that_can_match() {
    let l = load(&[
        RuleText {
            file: "a.yml".into(),
            text: rule("  s:\n    eventName: [StopLogging, DeleteTrail]\n  condition: s\n"),
        },
        RuleText {
            file: "b.yml".into(),
            text: rule("  s:\n    eventSource: iam.amazonaws.com\n  condition: s\n")
                .replace("id: r1", "id: r2"),
        },
        RuleText {
            file: "c.yml".into(),
            text: rule("  s:\n    eventName|contains: Delete\n  condition: s\n")
                .replace("id: r1", "id: r3"),
        },
    ]);
    let mut out = Vec::new();
    let q = |name: QuickValue<'static>, source: QuickValue<'static>| {
        move |f: QuickField| match f {
            QuickField::EventName => name,
            QuickField::EventSource => source,
            QuickField::ErrorCode | QuickField::IdentityType => QuickValue::Absent,
        }
    };
    l.rules.candidates(
        &q(
            QuickValue::Str("stoplogging"),
            QuickValue::Str("cloudtrail.amazonaws.com"),
        ),
        &mut out,
    );
    assert_eq!(out, [0, 2]);
    l.rules.candidates(
        &q(
            QuickValue::Str("CreateUser"),
            QuickValue::Str("IAM.amazonaws.com"),
        ),
        &mut out,
    );
    assert_eq!(out, [1, 2]);
    l.rules
        .candidates(&q(QuickValue::Other, QuickValue::Absent), &mut out);
    assert_eq!(out, [0, 2]);
}

fn correlation_rules(correlation: &str) -> Loaded {
    let text = format!(
        "title: c\nid: c1\nlevel: high\ncorrelation:\n{correlation}---\n\
         title: fail\nid: f1\nname: failed\nlogsource: {{product: aws, service: cloudtrail}}\n\
         detection:\n  s:\n    eventName: ConsoleLogin\n    errorMessage: Failed authentication\n  condition: s\n---\n\
         title: ok\nid: o1\nname: ok\nlogsource: {{product: aws, service: cloudtrail}}\n\
         detection:\n  s:\n    eventName: ConsoleLogin\n    responseElements.ConsoleLogin: Success\n  condition: s\n"
    );
    let l = loaded(&text);
    assert!(l.refused.is_empty(), "{:?}", l.refused);
    l
}

fn login(user: &str, ok: bool) -> Value {
    if ok {
        json!({"eventName": "ConsoleLogin", "userIdentity": {"userName": user, "arn": user},
               "responseElements": {"ConsoleLogin": "Success"}, "sourceIPAddress": "1.1.1.1"})
    } else {
        json!({"eventName": "ConsoleLogin", "userIdentity": {"userName": user, "arn": user},
               "errorMessage": "Failed authentication", "sourceIPAddress": user})
    }
}

/// Feeds (record, time in seconds) to every rule, as the hunt consumer does.
fn run(l: &Loaded, records: &[(Value, i64)]) -> Vec<CorrelationHit> {
    let mut c = l.rules.correlator();
    for (n, (r, t)) in records.iter().enumerate() {
        for rule in 0..l.rules.detection_rules() {
            if l.rules.matches(rule, r) {
                l.rules.observe(&mut c, rule, r, Some(t * 1000), n as u64);
            }
        }
    }
    l.rules.finish(c)
}

#[test]
fn event_count_by_group_within_the_timespan() {
    let l = correlation_rules(
        "  type: event_count\n  rules: [failed]\n  group-by: [userIdentity.userName]\n  timespan: 5m\n  condition:\n    gte: 3\n",
    );
    // Base rules read by a correlation report nothing themselves.
    assert!(!l.rules.rules()[0].reports);
    assert!(l.rules.rules()[1].reports, "the ok rule is not read");
    let recs = [
        (login("alice", false), 0),
        (login("bob", false), 10),
        (login("alice", false), 100),
        (login("alice", false), 200),
        (login("bob", false), 20),
        (login("bob", false), 1000),
    ];
    let h = run(&l, &recs);
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0].hits, [0, 2, 3]);
    assert_eq!(
        h[0].group,
        [("userIdentity.userName".to_owned(), Some("alice".to_owned()))]
    );
    assert_eq!(l.rules.rules()[h[0].rule].id, "c1");
}

#[test]
fn value_count_counts_distinct_values() {
    let l = correlation_rules(
        "  type: value_count\n  rules: [failed]\n  group-by: [eventName]\n  timespan: 1h\n  condition:\n    field: sourceIPAddress\n    gte: 2\n",
    );
    let h = run(&l, &[(login("a", false), 0), (login("a", false), 1)]);
    assert!(h.is_empty(), "one distinct source: {h:?}");
    let h = run(&l, &[(login("a", false), 0), (login("b", false), 1)]);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].hits, [0, 1]);
}

#[test]
fn temporal_needs_every_rule_in_the_window_in_any_order() {
    let l = correlation_rules(
        "  type: temporal\n  rules: [failed, ok]\n  group-by: [userIdentity.arn]\n  timespan: 10m\n",
    );
    let h = run(&l, &[(login("a", true), 0), (login("a", false), 60)]);
    assert_eq!(h.len(), 1);
    let h = run(&l, &[(login("a", true), 0), (login("a", false), 6000)]);
    assert!(h.is_empty());
    let h = run(&l, &[(login("a", true), 0), (login("b", false), 1)]);
    assert!(h.is_empty(), "different groups");
}

#[test]
fn temporal_ordered_needs_the_listed_order() {
    let l = correlation_rules(
        "  type: temporal_ordered\n  rules: [failed, ok]\n  group-by: [userIdentity.arn]\n  timespan: 10m\n",
    );
    let h = run(&l, &[(login("a", true), 0), (login("a", false), 60)]);
    assert!(h.is_empty(), "success before failure: {h:?}");
    let h = run(
        &l,
        &[
            (login("a", false), 0),
            (login("a", false), 30),
            (login("a", true), 60),
        ],
    );
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].hits, [0, 1, 2]);
    // Files arrive out of time order: the correlator sorts.
    let h = run(&l, &[(login("a", true), 60), (login("a", false), 0)]);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].hits, [1, 0]);
}

#[test]
fn generate_true_keeps_the_base_rules_reporting() {
    let correlation = "title: c\nid: c1\ngenerate: true\ncorrelation:\n  type: event_count\n  rules: [r1]\n  group-by: [a]\n  timespan: 1m\n  condition: {gte: 2}\n";
    let both = load(&[
        RuleText {
            file: "c.yml".into(),
            text: correlation.into(),
        },
        RuleText {
            file: "r.yml".into(),
            text: rule("  s: {a: 1}\n  condition: s\n"),
        },
    ]);
    assert!(both.refused.is_empty(), "{:?}", both.refused);
    assert!(both.rules.rules()[0].reports);
    let alone = loaded(correlation);
    assert_eq!(
        alone.refused.len(),
        1,
        "a correlation over a rule it cannot find is refused"
    );
    let own = load(&[RuleText {
        file: "g.yml".into(),
        text: rule("  s: {a: 1}\n  condition: s\n").replace("level: high", "generate: false"),
    }]);
    assert!(
        !own.rules.rules()[0].reports,
        "generate: false on the rule itself"
    );
}

#[test]
fn correlation_chaining_and_unknown_types_are_refused() {
    let l = loaded(
        "title: a\nid: a\ncorrelation:\n  type: event_count\n  rules: [b]\n  group-by: [x]\n  timespan: 1m\n  condition: {gte: 1}\n---\n\
         title: b\nid: b\ncorrelation:\n  type: event_count\n  rules: [r]\n  group-by: [x]\n  timespan: 1m\n  condition: {gte: 1}\n",
    );
    assert!(
        l.refused.iter().any(|p| p.reason.contains("chaining")),
        "{:?}",
        l.refused
    );
    let l =
        loaded("title: a\nid: a\ncorrelation:\n  type: sequence\n  rules: [r]\n  timespan: 1m\n");
    assert!(l.refused[0].reason.contains("`sequence`"));
}
