//! The world of the foreign-object tests: the default scenario (six hourly digests, two logs
//! an hour) plus objects in its log folder that `CloudTrail` never writes there: one by its
//! name (`console-export-0230.json.gz`, holding forged records) and five whose names almost
//! match `<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz`.

use std::collections::BTreeMap;

use trailproof::fixture::gzip;
use trailproof::vocab::{FetchedObject, Location};

use crate::support::{self, ACCOUNT, Case};

/// Records no digest vouches for.
pub const FORGED: &[u8] =
    br#"{"Records":[{"eventVersion":"1.09","eventTime":"2026-03-01T02:29:00Z","eventSource":"iam.amazonaws.com","eventName":"ForgedEvent","awsRegion":"us-east-1","recipientAccountId":"123456789012"}]}"#;

/// Puts a forged object at `key` of the case's bucket.
pub fn put_forged(c: &mut Case, key: &str) -> Location {
    let loc = Location::new(&c.spec.bucket, key);
    c.world.objects.insert(
        loc.clone(),
        FetchedObject {
            body: gzip(FORGED),
            metadata: BTreeMap::new(),
        },
    );
    loc
}

/// The day folder of the window's first day.
pub fn day_folder() -> String {
    format!("AWSLogs/{ACCOUNT}/CloudTrail/us-east-1/2026/03/01/")
}

/// The expected line of a foreign object.
pub fn foreign_line(loc: &Location, why: &str) -> String {
    format!(
        "Foreign object\t{}\tINVALID: not a CloudTrail log file name ({why}); no digest can vouch for it, yet readers of the log folder ingest it",
        loc.uri()
    )
}

/// The case: its foreign objects, each with the reason the verification must give, and the
/// exact extra lines expected (in output order: by key within the day folder).
pub fn foreign_case(name: &str) -> Case {
    let (spec, world) = support::base(name, None);
    let mut c = support::case(name, spec, world);
    let day = day_folder();
    let stamp = "20260301T0230Z";
    let unique = "FORGEDforgedFORG";
    let objects = [
        (
            "console-export-0230.json.gz".to_owned(),
            format!(
                "the name is not {ACCOUNT}_CloudTrail_us-east-1_YYYYMMDDTHHmmZ_<16 letters or digits>.json.gz"
            ),
        ),
        (
            format!("999999999999_CloudTrail_us-east-1_{stamp}_{unique}.json.gz"),
            format!("it names account 999999999999, not {ACCOUNT}"),
        ),
        (
            format!("{ACCOUNT}_CloudTrail_us-west-2_{stamp}_{unique}.json.gz"),
            "it names region us-west-2, not us-east-1".to_owned(),
        ),
        (
            format!("{ACCOUNT}_CloudTrail_us-east-1_20260301T0290Z_{unique}.json.gz"),
            "its time stamp 20260301T0290Z is not a UTC minute YYYYMMDDTHHmmZ".to_owned(),
        ),
        (
            format!("{ACCOUNT}_CloudTrail_us-east-1_{stamp}_{unique}.json.gz.1"),
            "the name does not end in .json.gz".to_owned(),
        ),
        (
            format!("{ACCOUNT}_CloudTrail_us-east-1_{stamp}_{unique}-copy.json.gz"),
            format!("its unique string {unique}-copy is not 16 letters or digits"),
        ),
    ];
    let mut lines: Vec<String> = objects
        .iter()
        .map(|(file, why)| foreign_line(&put_forged(&mut c, &format!("{day}{file}")), why))
        .collect();
    lines.sort();
    c.expect_findings = lines;
    c.only_expected_findings = true;
    c
}
