//! `--format ocsf` checked against OCSF 1.5.0 itself: every event the library builds
//! (Compliance Finding 2003, Detection Finding 2004, API Activity 6003) is walked against
//! `tests/ocsf_1_5_0.toml`, a list generated from the schema's own export (its header says
//! how), never from this crate's code. An event conforms when:
//!
//! - every attribute the schema marks required is present, at the top and in every object it
//!   holds (and those a profile brings, when `metadata.profiles` names the profile), and each
//!   object's `at_least_one` constraint holds;
//! - every attribute written is one the class or object defines, with its type (objects are
//!   walked, arrays element by element, scalars by their JSON form);
//! - every enumerated id is in its enum and the label beside it is the enum's caption (or, for
//!   99 Other, the source's own word);
//! - `class_uid`, `category_uid` are the class's and `type_uid` is `class_uid * 100 +
//!   activity_id`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};
use toml::Table;
use trailproof::controls::result::Status;
use trailproof::report::check::{self, CheckReport, CheckRequest};
use trailproof::report::hunt::{Hit, Level};
use trailproof::report::ocsf;
use trailproof::time::{UtcTime, parse_user_time};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema() -> Table {
    let text = std::fs::read_to_string(repo().join("tests/ocsf_1_5_0.toml")).unwrap();
    let t: Table = toml::from_str(&text).unwrap();
    assert_eq!(t["version"].as_str(), Some("1.5.0"));
    t
}

fn table<'t>(t: &'t Table, key: &str) -> &'t Table {
    t.get(key)
        .and_then(toml::Value::as_table)
        .unwrap_or_else(|| panic!("fixture has no table {key}"))
}

fn strings(v: Option<&toml::Value>) -> Vec<&str> {
    v.and_then(toml::Value::as_array)
        .map(|a| a.iter().filter_map(toml::Value::as_str).collect())
        .unwrap_or_default()
}

/// What is wrong with `event` as an event of class `class` (empty when it conforms).
fn problems(s: &Table, class: &str, event: &Value) -> Vec<String> {
    let c = table(table(s, "classes"), class);
    let mut out = Vec::new();
    let int = |k: &str| event.get(k).and_then(Value::as_i64);
    if int("class_uid") != c["uid"].as_integer() {
        out.push(format!(
            "class_uid {:?} is not {}",
            event.get("class_uid"),
            c["uid"]
        ));
    }
    if int("category_uid") != c["category_uid"].as_integer() {
        out.push(format!("category_uid {:?}", event.get("category_uid")));
    }
    match (int("class_uid"), int("activity_id"), int("type_uid")) {
        (Some(class_uid), Some(activity), Some(type_uid))
            if type_uid == class_uid * 100 + activity => {}
        other => out.push(format!(
            "type_uid is not class_uid * 100 + activity_id: {other:?}"
        )),
    }
    let profiles: Vec<&str> = event
        .pointer("/metadata/profiles")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let allowed = strings(c.get("profiles"));
    for p in &profiles {
        if !allowed.contains(p) {
            out.push(format!("profile {p} does not apply to {class}"));
        }
    }
    check_table(s, c, event, class, &profiles, &mut out);
    out
}

fn check_table(
    s: &Table,
    t: &Table,
    v: &Value,
    path: &str,
    profiles: &[&str],
    out: &mut Vec<String>,
) {
    let Some(obj) = v.as_object() else {
        out.push(format!("{path}: not an object"));
        return;
    };
    let has = |k: &str| obj.get(k).is_some_and(|x| !x.is_null());
    for r in strings(t.get("required")) {
        if !has(r) {
            out.push(format!("{path}.{r}: required, missing"));
        }
    }
    for (attr, profile) in table(t, "profile_required") {
        if profiles.contains(&profile.as_str().unwrap()) && !has(attr) {
            out.push(format!(
                "{path}.{attr}: required by profile {profile}, missing"
            ));
        }
    }
    let at_least_one = strings(t.get("at_least_one"));
    if !at_least_one.is_empty() && !at_least_one.iter().any(|k| has(k)) {
        out.push(format!("{path}: none of {at_least_one:?}"));
    }
    let attrs = table(t, "attributes");
    let enums = t.get("enums").and_then(toml::Value::as_table);
    for (k, x) in obj {
        let here = format!("{path}.{k}");
        let Some(ty) = attrs.get(k).and_then(toml::Value::as_str) else {
            out.push(format!("{here}: not an attribute"));
            continue;
        };
        check_value(s, ty, x, &here, profiles, out);
        if let Some(e) = enums.and_then(|e| e.get(k)).and_then(toml::Value::as_table) {
            check_enum(attrs, e, obj, k, &here, out);
        }
    }
}

/// The id is in the enum; the label beside it (`status` of `status_id`, `activity_name` of
/// `activity_id`, `type_name` of `type_uid`, …) is its caption, or any word for 99 Other.
fn check_enum(
    attrs: &Table,
    e: &Table,
    obj: &serde_json::Map<String, Value>,
    k: &str,
    here: &str,
    out: &mut Vec<String>,
) {
    let Some(id) = obj[k].as_i64() else {
        return; // the type check said so
    };
    let Some(caption) = e.get(&id.to_string()).and_then(toml::Value::as_str) else {
        out.push(format!("{here}: {id} is not in the enum"));
        return;
    };
    let label_key = match (k.strip_suffix("_id"), k.strip_suffix("_uid")) {
        (Some(base), _) if attrs.contains_key(base) => base.to_owned(),
        (Some(base), _) | (None, Some(base)) => format!("{base}_name"),
        (None, None) => return,
    };
    let Some(label) = obj.get(&label_key) else {
        return;
    };
    let ok = if id == 99 {
        label.as_str().is_some_and(|l| !l.is_empty())
    } else {
        label.as_str() == Some(caption)
    };
    if !ok {
        out.push(format!(
            "{here}: {id} is {caption:?}, but {label_key} is {label}"
        ));
    }
}

fn check_value(
    s: &Table,
    ty: &str,
    v: &Value,
    path: &str,
    profiles: &[&str],
    out: &mut Vec<String>,
) {
    if let Some(element) = ty.strip_suffix("[]") {
        match v.as_array() {
            Some(items) => {
                for (i, x) in items.iter().enumerate() {
                    check_value(s, element, x, &format!("{path}[{i}]"), profiles, out);
                }
            }
            None => out.push(format!("{path}: not an array ({ty})")),
        }
        return;
    }
    if let Some(kind) = table(s, "json_types").get(ty).and_then(toml::Value::as_str) {
        let ok = match kind {
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "string" => v.is_string(),
            "boolean" => v.is_boolean(),
            "any" => true,
            other => panic!("unknown JSON form {other}"),
        };
        if !ok {
            out.push(format!("{path}: {v} is not {kind} ({ty})"));
        }
    } else if ty == "object" {
        if !v.is_object() {
            out.push(format!("{path}: not an object"));
        }
    } else if let Some(o) = table(s, "objects").get(ty).and_then(toml::Value::as_table) {
        check_table(s, o, v, path, profiles, out);
    } else {
        out.push(format!(
            "{path}: object {ty} is not in the fixture (add it to its generator's list)"
        ));
    }
}

fn assert_conforms(s: &Table, class: &str, event: &impl serde::Serialize) -> Value {
    let v = serde_json::to_value(event).unwrap();
    let p = problems(s, class, &v);
    assert!(
        p.is_empty(),
        "{class} does not conform to OCSF 1.5.0:\n{}\n{v:#}",
        p.join("\n")
    );
    v
}

#[test]
fn the_checker_reports_what_is_missing_unknown_or_mislabelled() {
    let s = schema();
    let bad = json!({
        "class_uid": 2004, "category_uid": 2, "activity_id": 1, "type_uid": 200_402,
        "severity_id": 4, "severity": "Low", "time": "now",
        "metadata": {"product": {}, "profiles": ["cloud"]},
        "finding_info": {"uid": "x", "first_seen": 1},
    });
    let p = problems(&s, "detection_finding", &bad);
    for want in [
        "type_uid is not class_uid * 100 + activity_id",
        "detection_finding.metadata.version: required, missing",
        "detection_finding.metadata.product: none of [\"name\", \"uid\"]",
        "detection_finding.cloud: required by profile \"cloud\", missing",
        "detection_finding.finding_info.first_seen: not an attribute",
        "detection_finding.severity_id: 4 is \"High\", but severity is \"Low\"",
        "detection_finding.time: \"now\" is not integer (timestamp_t)",
    ] {
        assert!(
            p.iter().any(|x| x.starts_with(want)),
            "{want} not in {p:#?}"
        );
    }
}

// ---- Compliance Finding (2003) --------------------------------------------------------

fn sample_report() -> (CheckReport, UtcTime) {
    let snap =
        trailproof::source::snapshot::read(&repo().join("testdata/sample/snapshot.json")).unwrap();
    let as_of = parse_user_time(&snap.taken_at).unwrap();
    (check::build(&snap, &CheckRequest::default(), as_of), as_of)
}

#[test]
fn every_compliance_finding_of_the_sample_has_every_required_attribute() {
    let s = schema();
    let (report, as_of) = sample_report();
    let findings = ocsf::compliance_findings(&report, as_of);
    assert_eq!(findings.len(), report.results.len());
    for (f, r) in findings.iter().zip(&report.results) {
        let v = assert_conforms(&s, "compliance_finding", f);
        assert_eq!(v["type_uid"], 200_301);
        assert_eq!(v["time"], as_of.timestamp_millis());
        assert_eq!(v["metadata"]["version"], "1.5.0");
        assert_eq!(v["metadata"]["product"]["name"], "trailproof");
        assert_eq!(v["compliance"]["control"], r.control_id);
        assert_eq!(v["compliance"]["status_code"], r.status.word());
        assert_eq!(v["resources"][0]["uid"], r.resource.as_str());
        assert_eq!(v["cloud"]["account"]["uid"], r.account.as_str());
        for fw in &r.frameworks {
            let req = format!("{} {}", fw.framework.name(), fw.id);
            assert!(
                v["compliance"]["requirements"]
                    .as_array()
                    .unwrap()
                    .contains(&json!(req))
            );
        }
    }
    let ids: std::collections::BTreeSet<&str> = findings
        .iter()
        .map(|f| f.finding_info.uid.as_str())
        .collect();
    assert_eq!(
        ids.len(),
        findings.len(),
        "finding ids are unique per result"
    );
    assert_eq!(
        ocsf::compliance_findings(&report, as_of),
        findings,
        "deterministic"
    );
}

#[test]
fn compliance_status_maps_to_ocsf_status_finding_status_and_severity() {
    let s = schema();
    let (report, as_of) = sample_report();
    let base = report
        .results
        .iter()
        .find(|r| r.control_id == "CT-01")
        .unwrap()
        .clone();
    // (status, waived) -> (compliance.status_id, compliance.status, status_id, severity_id)
    for (status, waived, want) in [
        (Status::Pass, false, (1, "Pass", 4, 1)),
        (Status::Fail, false, (3, "Fail", 1, 4)),
        (Status::Fail, true, (3, "Fail", 3, 4)),
        (Status::Manual, false, (2, "Warning", 1, 4)),
        (Status::Error, false, (0, "Unknown", 1, 4)),
        (Status::NotApplicable, false, (99, "Not Applicable", 4, 1)),
    ] {
        let mut r = base.clone();
        r.status = status;
        r.waived = waived;
        let v = assert_conforms(
            &s,
            "compliance_finding",
            &ocsf::compliance_finding(&r, &report.snapshot_taken_at, as_of),
        );
        let got = (
            v["compliance"]["status_id"].as_i64().unwrap(),
            v["compliance"]["status"].as_str().unwrap(),
            v["status_id"].as_i64().unwrap(),
            v["severity_id"].as_i64().unwrap(),
        );
        assert_eq!(got, want, "{status:?} waived={waived}");
        assert_eq!(v["unmapped"]["status"], status.word());
        assert_eq!(v["unmapped"]["waived"], waived);
    }
}

// ---- Detection Finding (2004) ---------------------------------------------------------

fn root_sign_in() -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "Root",
            "principalId": "111122223333",
            "arn": "arn:aws:iam::111122223333:root",
            "accountId": "111122223333",
            "accessKeyId": ""
        },
        "eventTime": "2026-03-01T09:14:07Z",
        "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.77",
        "userAgent": "Mozilla/5.0 <script>alert(1)</script>",
        "requestParameters": null,
        "responseElements": {"ConsoleLogin": "Success"},
        "additionalEventData": {"MFAUsed": "No", "MobileVersion": "No"},
        "eventID": "3f1c2a9e-5d8b-4f0e-9a71-2c6b8e4d1f00",
        "readOnly": false,
        "eventType": "AwsConsoleSignIn",
        "managementEvent": true,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management"
    })
}

fn hit(correlation: Option<&str>, file: &str) -> Hit {
    Hit {
        rule_id: "4f0cb2d1-root-sign-in-without-mfa".to_owned(),
        rule_title: "Root sign-in without MFA".to_owned(),
        level: Level::High,
        correlation: correlation.map(str::to_owned),
        event_id: Some("3f1c2a9e-5d8b-4f0e-9a71-2c6b8e4d1f00".to_owned()),
        event_time: Some("2026-03-01T09:14:07Z".to_owned()),
        event_name: Some("ConsoleLogin".to_owned()),
        event_source: Some("signin.amazonaws.com".to_owned()),
        actor: Some("root".to_owned()),
        source_ip: Some("203.0.113.77".to_owned()),
        account: Some("111122223333".to_owned()),
        region: Some("us-east-1".to_owned()),
        file: file.to_owned(),
        verified: true,
    }
}

#[test]
fn detection_finding_of_a_hit_has_every_required_attribute() {
    let s = schema();
    let record = root_sign_in();
    let made = parse_user_time("2026-03-02T00:00:00Z").unwrap();
    let file = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/01/a.json.gz";
    let f = ocsf::detection_finding(&hit(None, file), &record, made);
    let v = assert_conforms(&s, "detection_finding", &f);
    assert_eq!(v["type_uid"], 200_401);
    assert_eq!(
        (v["severity_id"].clone(), v["severity"].clone()),
        (json!(4), json!("High"))
    );
    assert_eq!(v["status"], "New");
    assert_eq!(v["is_alert"], true);
    assert_eq!(v["time"], made.timestamp_millis());
    let info = &v["finding_info"];
    assert_eq!(info["title"], "Root sign-in without MFA");
    assert_eq!(info["analytic"]["uid"], "4f0cb2d1-root-sign-in-without-mfa");
    let seen = parse_user_time("2026-03-01T09:14:07Z")
        .unwrap()
        .timestamp_millis();
    assert_eq!(
        (
            info["first_seen_time"].clone(),
            info["last_seen_time"].clone()
        ),
        (json!(seen), json!(seen))
    );
    assert_eq!(
        info["related_events"][0]["uid"],
        "3f1c2a9e-5d8b-4f0e-9a71-2c6b8e4d1f00"
    );
    assert_eq!(
        info["related_events"][0]["type_uid"], 600_399,
        "ConsoleLogin is Other"
    );
    assert!(info.get("related_analytics").is_none());
    let e = &v["evidences"][0];
    assert_eq!(e["actor"]["user"]["uid"], "arn:aws:iam::111122223333:root");
    assert_eq!(e["actor"]["user"]["type"], "Admin");
    assert_eq!(e["api"]["operation"], "ConsoleLogin");
    assert_eq!(e["src_endpoint"]["ip"], "203.0.113.77");
    assert_eq!(
        v["cloud"],
        json!({"provider": "AWS", "region": "us-east-1", "account": {"uid": "111122223333", "type_id": 10, "type": "AWS Account"}})
    );
    let raw: Value = serde_json::from_str(v["raw_data"].as_str().unwrap()).unwrap();
    assert_eq!(raw, record);
    assert_eq!(
        v["unmapped"],
        json!({"file": file, "verified": true, "level": "high"})
    );

    // The id is the same for the same hit, and differs by file and by correlation.
    let again = ocsf::detection_finding(&hit(None, file), &record, made);
    assert_eq!(again, f);
    let other_file = ocsf::detection_finding(&hit(None, "b.json"), &record, made);
    assert_ne!(other_file.finding_info.uid, f.finding_info.uid);
    let correlated =
        ocsf::detection_finding(&hit(Some("burst-of-root-sign-ins"), file), &record, made);
    assert_ne!(correlated.finding_info.uid, f.finding_info.uid);
    let v = assert_conforms(&s, "detection_finding", &correlated);
    assert_eq!(
        v["finding_info"]["related_analytics"][0]["uid"],
        "burst-of-root-sign-ins"
    );
    assert_eq!(
        v["finding_info"]["types"],
        json!(["Sigma correlation match"])
    );
}

#[test]
fn every_level_is_a_severity_and_a_bare_record_still_conforms() {
    let s = schema();
    let made = parse_user_time("2026-03-02T00:00:00Z").unwrap();
    for (level, id) in [
        (Level::Informational, 1),
        (Level::Low, 2),
        (Level::Medium, 3),
        (Level::High, 4),
        (Level::Critical, 5),
    ] {
        let mut h = hit(None, "a.json");
        h.level = level;
        h.event_id = None;
        h.event_time = None;
        let v = assert_conforms(
            &s,
            "detection_finding",
            &ocsf::detection_finding(&h, &json!({}), made),
        );
        assert_eq!(v["severity_id"], id);
    }
}

// ---- API Activity (6003) --------------------------------------------------------------

fn role_session_put_policy() -> Value {
    json!({
        "eventVersion": "1.10",
        "userIdentity": {
            "type": "AssumedRole",
            "principalId": "AROAEXAMPLEID:alice",
            "arn": "arn:aws:sts::111122223333:assumed-role/Admin/alice",
            "accountId": "111122223333",
            "accessKeyId": "ASIAEXAMPLEKEY",
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": "AROAEXAMPLEID",
                    "arn": "arn:aws:iam::111122223333:role/Admin",
                    "accountId": "111122223333",
                    "userName": "Admin"
                },
                "attributes": {"creationDate": "2026-03-01T08:00:00Z", "mfaAuthenticated": "true"}
            }
        },
        "eventTime": "2026-03-01T08:05:00Z",
        "eventSource": "s3.amazonaws.com",
        "eventName": "PutBucketPolicy",
        "awsRegion": "eu-west-1",
        "sourceIPAddress": "2001:db8::7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": {"bucketName": "org-trail-logs", "bucketPolicy": {"Statement": []}},
        "responseElements": null,
        "requestID": "8XYZ1234ABCD",
        "eventID": "0b8f9f7e-1111-2222-3333-444455556666",
        "readOnly": false,
        "resources": [
            {"accountId": "111122223333", "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::org-trail-logs"},
            {"type": "AWS::S3::Object"}
        ],
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management"
    })
}

#[test]
fn api_activity_of_a_role_session_call_has_every_required_attribute() {
    let s = schema();
    let a = ocsf::api_activity(&role_session_put_policy(), "logs/b.json.gz", false);
    let v = assert_conforms(&s, "api_activity", &a);
    assert_eq!(
        (v["activity_id"].clone(), v["type_uid"].clone()),
        (json!(3), json!(600_303))
    );
    assert_eq!(v["status"], "Success");
    assert_eq!(
        v["time"],
        parse_user_time("2026-03-01T08:05:00Z")
            .unwrap()
            .timestamp_millis()
    );
    assert_eq!(v["metadata"]["uid"], "0b8f9f7e-1111-2222-3333-444455556666");
    assert_eq!(
        v["metadata"]["product"],
        json!({"name": "CloudTrail", "vendor_name": "AWS", "version": "1.10"})
    );
    let user = &v["actor"]["user"];
    assert_eq!(
        user["uid"],
        "arn:aws:sts::111122223333:assumed-role/Admin/alice"
    );
    assert_eq!(user["uid_alt"], "AROAEXAMPLEID:alice");
    assert_eq!(user["name"], "Admin");
    assert_eq!(
        (user["type_id"].clone(), user["type"].clone()),
        (json!(99), json!("AssumedRole"))
    );
    assert_eq!(user["credential_uid"], "ASIAEXAMPLEKEY");
    assert_eq!(v["actor"]["session"]["is_mfa"], true);
    assert_eq!(
        v["actor"]["session"]["issuer"],
        "arn:aws:iam::111122223333:role/Admin"
    );
    assert_eq!(v["api"]["service"]["name"], "s3.amazonaws.com");
    assert_eq!(v["api"]["request"]["uid"], "8XYZ1234ABCD");
    assert_eq!(v["api"]["request"]["data"]["bucketName"], "org-trail-logs");
    assert_eq!(v["src_endpoint"], json!({"ip": "2001:db8::7"}));
    assert_eq!(v["http_request"]["user_agent"], "aws-cli/2.15.0");
    assert_eq!(v["cloud"]["region"], "eu-west-1");
    assert_eq!(
        v["resources"],
        json!([{"uid": "arn:aws:s3:::org-trail-logs", "type": "AWS::S3::Bucket"}])
    );
    assert_eq!(
        v["unmapped"],
        json!({"file": "logs/b.json.gz", "verified": false})
    );
}

#[test]
fn api_activity_of_denied_service_and_bare_records_conforms() {
    let s = schema();
    let denied = json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::111122223333:user/bob", "accountId": "111122223333", "userName": "bob"},
        "eventTime": "2026-03-01T10:00:00Z",
        "eventSource": "cloudtrail.amazonaws.com",
        "eventName": "StopLogging",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "AWS Internal",
        "errorCode": "AccessDenied",
        "errorMessage": "User: arn:aws:iam::111122223333:user/bob is not authorized",
        "requestParameters": {"name": "sample-trail"},
        "eventID": "e-denied",
        "recipientAccountId": "111122223333"
    });
    let v = assert_conforms(&s, "api_activity", &ocsf::api_activity(&denied, "f", true));
    assert_eq!(
        (v["status_id"].clone(), v["status"].clone()),
        (json!(2), json!("Failure"))
    );
    assert_eq!(v["status_code"], "AccessDenied");
    assert_eq!(v["api"]["response"]["error"], "AccessDenied");
    assert_eq!(v["activity_name"], "Update");
    assert_eq!(v["src_endpoint"], json!({"name": "AWS Internal"}));
    assert_eq!(v["actor"]["user"]["type"], "User");
    // No requestID: the parameters have no `request` to go in, so they stay unmapped.
    assert!(v["api"].get("request").is_none());
    assert_eq!(
        v["unmapped"]["request_parameters"],
        json!({"name": "sample-trail"})
    );

    let service = json!({
        "userIdentity": {"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"},
        "eventTime": "2026-03-01T10:00:00Z",
        "eventSource": "kms.amazonaws.com",
        "eventName": "GenerateDataKey",
        "readOnly": true,
        "sourceIPAddress": "cloudtrail.amazonaws.com",
        "requestID": "r-1",
        "eventID": "e-service"
    });
    let v = assert_conforms(&s, "api_activity", &ocsf::api_activity(&service, "f", true));
    assert_eq!(v["activity_name"], "Read");
    assert_eq!(
        v["actor"],
        json!({"invoked_by": "cloudtrail.amazonaws.com"})
    );
    assert_eq!(
        v["src_endpoint"],
        json!({"domain": "cloudtrail.amazonaws.com"})
    );

    let bare = ocsf::api_activity(&json!({"eventTime": "not a time"}), "f", false);
    let v = assert_conforms(&s, "api_activity", &bare);
    assert_eq!(v["time"], 0);
    assert_eq!(v["metadata"]["original_time"], "not a time");
    assert_eq!(
        (v["activity_id"].clone(), v["activity_name"].clone()),
        (json!(99), json!("Unknown"))
    );
}

// ---- through the binary ---------------------------------------------------------------

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trailproof"))
        .args(args)
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `check --format ocsf` on `snapshot`: one conforming finding per line, as many as the JSON
/// document has results, and the JSON format's exit code.
fn ocsf_matches_json(s: &Table, snapshot: &str) -> i32 {
    let (json_code, json_out, _) = run(&["check", "--snapshot", snapshot, "--format", "json"]);
    let doc: Value = serde_json::from_str(&json_out).unwrap();
    let results = doc["results"].as_array().unwrap();
    let (code, out, err) = run(&["check", "--snapshot", snapshot, "--format", "ocsf"]);
    assert_eq!(code, json_code, "{err}");
    assert!(out.ends_with('\n'));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), results.len());
    for (line, result) in lines.iter().zip(results) {
        let v: Value = serde_json::from_str(line).unwrap();
        let p = problems(s, "compliance_finding", &v);
        assert!(p.is_empty(), "{}\n{line}", p.join("\n"));
        assert_eq!(v["compliance"]["control"], result["control_id"]);
        assert_eq!(v["compliance"]["status_code"], result["status"]);
    }
    let (again, out2, _) = run(&["check", "--snapshot", snapshot, "--format", "ocsf"]);
    assert_eq!(
        (again, out2.as_str()),
        (code, out.as_str()),
        "deterministic"
    );
    code
}

#[test]
fn cli_check_ocsf_writes_one_finding_per_result_with_the_exit_code_of_the_other_formats() {
    let s = schema();
    let sample = repo().join("testdata/sample/snapshot.json");
    assert_eq!(ocsf_matches_json(&s, sample.to_str().unwrap()), 0);

    // The same snapshot with its trail stopped: FAIL results, exit 1.
    let text = std::fs::read_to_string(&sample).unwrap();
    assert_eq!(text.matches("\"is_logging\": true").count(), 1);
    let dir = tempfile::tempdir().unwrap();
    let stopped = dir.path().join("stopped.json");
    std::fs::write(
        &stopped,
        text.replace("\"is_logging\": true", "\"is_logging\": false"),
    )
    .unwrap();
    assert_eq!(ocsf_matches_json(&s, stopped.to_str().unwrap()), 1);
    let (_, out, _) = run(&[
        "check",
        "--snapshot",
        stopped.to_str().unwrap(),
        "--format",
        "ocsf",
    ]);
    assert!(out.lines().any(|l| {
        let v: Value = serde_json::from_str(l).unwrap();
        v["compliance"]["status"] == "Fail" && v["status"] == "New"
    }));

    // A snapshot that cannot be read is exit 2 and writes nothing to stdout.
    let (code, out, _) = run(&[
        "check",
        "--snapshot",
        "does-not-exist.json",
        "--format",
        "ocsf",
    ]);
    assert_eq!((code, out.as_str()), (2, ""));
}
