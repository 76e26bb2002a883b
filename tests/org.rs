//! `verify --organization`, `--accounts`/`--regions`, `--shard K/N` and `merge`, offline: an
//! organization trail's bucket (several member accounts × regions) as an evidence bundle.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

// The parts of `tests/support/` this binary uses.
mod support {
    pub mod run;
    pub mod trail;
}

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use support::run::{Run, bin};
use support::trail::{keys, t};
use trailproof::fixture::{TrailSpec, World};
use trailproof::vocab::Location;

const ORG: &str = "o-exampleorg1";
const MANAGEMENT: &str = "123456789012";
const BUCKET: &str = "tp-org-archive";
const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];

fn member(i: u64) -> String {
    format!("{:012}", 210_000_000_000 + i)
}

/// Five member accounts × three regions × four hours, one bucket; the third account's
/// second log in eu-west-1 is altered after delivery.
fn world(dir: &Path) -> (String, std::path::PathBuf, Location) {
    let mut tampered = None;
    let mut keys_json = serde_json::Map::new();
    for i in 0..5 {
        let mut spec = TrailSpec::small(BUCKET, "org-trail", t("2026-03-01T00:17:42Z"), 4);
        spec.account_id = member(i);
        spec.owner_account_id = Some(MANAGEMENT.to_owned());
        spec.organization_id = Some(ORG.to_owned());
        spec.regions = REGIONS.iter().map(|r| (*r).to_owned()).collect();
        spec.seed = 100 + i;
        let mut w = World::build(&spec, keys()).expect("world");
        if i == 2 {
            let loc = w
                .objects
                .keys()
                .filter(|l| l.key.contains("/CloudTrail/eu-west-1/"))
                .nth(1)
                .cloned()
                .expect("a log");
            let obj = w.objects.get_mut(&loc).expect("log");
            obj.body = trailproof::fixture::gzip(b"{\"Records\":[]}");
            tampered = Some(loc);
        }
        w.write_mirror(&dir.join("mirror")).expect("mirror");
        for (r, recs) in &w.public_keys {
            keys_json.insert(r.clone(), trailproof::source::keys::to_cli_json(recs));
        }
    }
    let meta = dir.join("mirror").join(".trailproof");
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        meta.join("trail-status.json"),
        json!({"is_logging": false}).to_string(),
    )
    .unwrap();
    let keys_path = dir.join("keys.json");
    std::fs::write(&keys_path, Value::Object(keys_json).to_string()).unwrap();
    let arn = format!("arn:aws:cloudtrail:us-east-1:{MANAGEMENT}:trail/org-trail");
    (arn, keys_path, tampered.expect("tampered"))
}

fn verify(dir: &Path, arn: &str, keys: &Path, extra: &[&str]) -> Run {
    let out = Command::new(bin())
        .arg("verify")
        .args(["--trail-arn", arn])
        .args(["--start-time", "2026-03-01T00:00:00Z"])
        .args(["--end-time", "2026-03-01T04:40:00Z"])
        .arg("--bundle")
        .arg(dir.join("mirror"))
        .arg("--public-keys")
        .arg(keys)
        .args(["--s3-bucket", BUCKET])
        .args(extra)
        .output()
        .expect("run");
    Run::from_output(&out)
}

#[test]
fn organization_run_verifies_every_account_and_region_and_finds_the_altered_log() {
    let dir = tempfile::tempdir().unwrap();
    let (arn, keys, tampered) = world(dir.path());

    let run = verify(
        dir.path(),
        &arn,
        &keys,
        &["--organization", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["schema_version"], "trailproof.verify-org/1");
    assert_eq!(doc["inputs"]["organization_id"], ORG);
    let chains = doc["chains"].as_array().unwrap();
    assert_eq!(chains.len(), 15);
    let pairs: Vec<(String, String)> = chains
        .iter()
        .map(|c| {
            (
                c["account_id"].as_str().unwrap().to_owned(),
                c["region"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = pairs.clone();
    sorted.sort();
    assert_eq!(pairs, sorted, "chains sorted by account and region");
    for c in chains {
        let bad = c["account_id"] == member(2).as_str() && c["region"] == "eu-west-1";
        assert_eq!(c["outcome"], if bad { "findings" } else { "clean" }, "{c}");
        assert_eq!(c["counts"]["digests"]["valid"], 4, "{c}");
        assert_eq!(c["counts"]["logs"]["invalid"], u64::from(bad), "{c}");
    }
    let bad_chain = chains.iter().find(|c| c["outcome"] == "findings").unwrap();
    let events = bad_chain["report"]["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["uri"] == tampered.uri().as_str()
        && e["status"] == "invalid"
        && e["reason"] == "hash_mismatch"));
    assert_eq!(doc["accounts"].as_array().unwrap().len(), 5);
    assert_eq!(doc["accounts"][2]["outcome"], "findings");
    assert_eq!(doc["accounts"][0]["outcome"], "clean");
    assert_eq!(doc["totals"]["digests"]["valid"], 60);
    assert_eq!(doc["totals"]["logs"]["invalid"], 1);
    assert_eq!(
        (doc["outcome"].as_str(), doc["exit_code"].as_u64()),
        (Some("findings"), Some(1))
    );

    // Text: the altered file, a row per chain, a line per account, the totals.
    let text = verify(dir.path(), &arn, &keys, &["--organization"]);
    assert_eq!(text.code, 1);
    assert!(
        text.stdout.contains(&format!(
            "Account {} region eu-west-1:\n  INVALID {}: hash value doesn't match",
            member(2),
            tampered.uri()
        )),
        "{}",
        text.stdout
    );
    assert_eq!(
        text.stdout
            .lines()
            .filter(|l| l.contains("  clean"))
            .count(),
        14
    );
    assert!(text.stdout.contains("Total for 5 accounts, 15 chains: digests 60 valid, 0 invalid, 0 error; log files 119 valid, 1 invalid, 0 error; 0 findings; findings"), "{}", text.stdout);

    // Filters.
    let some = verify(
        dir.path(),
        &arn,
        &keys,
        &[
            "--organization",
            "--accounts",
            &format!("{},{}", member(0), member(4)),
            "--regions",
            "us-east-1",
            "--format",
            "json",
        ],
    );
    assert_eq!(some.code, 0, "{}", some.stderr);
    let doc: Value = serde_json::from_str(&some.stdout).unwrap();
    let got: Vec<&str> = doc["chains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["account_id"].as_str().unwrap())
        .collect();
    assert_eq!(got, [member(0).as_str(), member(4).as_str()]);
}

#[test]
fn four_shards_merged_equal_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let (arn, keys, _) = world(dir.path());
    let whole = verify(
        dir.path(),
        &arn,
        &keys,
        &["--organization", "--format", "json"],
    );
    assert_eq!(whole.code, 1);

    let mut files = Vec::new();
    let mut seen = 0;
    for k in 1..=4 {
        let shard = format!("{k}/4");
        let run = verify(
            dir.path(),
            &arn,
            &keys,
            &["--organization", "--shard", &shard, "--format", "json"],
        );
        assert!(matches!(run.code, 0 | 1), "{}", run.stderr);
        let doc: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(doc["inputs"]["shard"], shard.as_str());
        seen += doc["chains"].as_array().unwrap().len();
        let path = dir.path().join(format!("shard-{k}.json"));
        std::fs::write(&path, &run.stdout).unwrap();
        files.push(path);
    }
    assert_eq!(seen, 15, "every chain in exactly one share");

    let merged = Command::new(bin())
        .arg("merge")
        .args(&files)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let merged = Run::from_output(&merged);
    assert_eq!(merged.code, 1, "{}", merged.stderr);
    assert_eq!(
        merged.stdout, whole.stdout,
        "merged shares equal one run, byte for byte"
    );

    // The HTML page of the merge equals the whole run's page (both render the same document).
    let merged_html = dir.path().join("merged.html");
    let whole_html = dir.path().join("whole.html");
    let m = Command::new(bin())
        .arg("merge")
        .args(&files)
        .arg("--html")
        .arg(&merged_html)
        .output()
        .unwrap();
    assert_eq!(m.status.code(), Some(1));
    let w = verify(
        dir.path(),
        &arn,
        &keys,
        &["--organization", "--html", whole_html.to_str().unwrap()],
    );
    assert_eq!(w.code, 1);
    let page = std::fs::read_to_string(&merged_html).unwrap();
    assert_eq!(page, std::fs::read_to_string(&whole_html).unwrap());
    assert!(page.contains("Content-Security-Policy"));
    assert!(page.contains("hash_mismatch"));
    let json_sha = trailproof::hash::sha256_hex(whole.stdout.as_bytes());
    assert!(
        page.contains(&json_sha),
        "the footer names the JSON it was rendered from"
    );

    // Text from the merge equals the whole run's text.
    let text = Command::new(bin())
        .arg("merge")
        .args(&files)
        .output()
        .unwrap();
    let whole_text = verify(dir.path(), &arn, &keys, &["--organization"]);
    assert_eq!(String::from_utf8_lossy(&text.stdout), whole_text.stdout);

    // A missing share, a share given twice, a share of another window: could not run.
    let missing = Command::new(bin())
        .arg("merge")
        .args(&files[..3])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("shares 4 of 4 are missing"));
    let twice = Command::new(bin())
        .arg("merge")
        .args(&files)
        .arg(&files[0])
        .output()
        .unwrap();
    assert_eq!(twice.status.code(), Some(2));
}

/// Region folder names come from the bucket: a hostile one is text in every output.
#[test]
fn hostile_folder_names_stay_text_in_html_and_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let (arn, keys, _) = world(dir.path());
    let hostile = "<img src=x onerror=alert(1)>\u{1b}[2J";
    let folder = dir.path().join("mirror").join(BUCKET).join(format!(
        "AWSLogs/{ORG}/{}/CloudTrail-Digest/{hostile}",
        member(0)
    ));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("note.txt"), b"x").unwrap();
    let html = dir.path().join("org.html");
    let text = verify(
        dir.path(),
        &arn,
        &keys,
        &["--organization", "--html", html.to_str().unwrap()],
    );
    assert!(matches!(text.code, 1 | 3), "{}", text.stderr);
    assert!(
        !text.stdout.contains('\u{1b}'),
        "control characters are neutralised"
    );
    assert!(
        text.stdout
            .contains("<img src=x onerror=alert(1)>\u{FFFD}[2J")
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("&#60;img src=x onerror=alert(1)&#62;")
            || page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{page}"
    );
    assert!(!page.contains("<img"), "no markup from the bucket");
}

#[test]
fn html_needs_many_chains() {
    let dir = tempfile::tempdir().unwrap();
    let (arn, keys, _) = world(dir.path());
    let run = verify(
        dir.path(),
        &arn,
        &keys,
        &["--account-id", &member(0), "--html", "x.html"],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--html is for runs over many chains"),
        "{}",
        run.stderr
    );
}

#[test]
fn sharding_needs_a_fixed_window() {
    let dir = tempfile::tempdir().unwrap();
    let (arn, _, _) = world(dir.path());
    let out = Command::new(bin())
        .args([
            "verify",
            "--trail-arn",
            &arn,
            "--start-time",
            "2026-03-01T00:00:00Z",
        ])
        .args(["--shard", "1/2", "--organization", "--bundle"])
        .arg(dir.path().join("mirror"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--shard needs --end-time"));
}

/// Asking for an account or region that has no folder is never "clean": it is a chain that
/// could not be verified (exit 3); finding no chain at all cannot run (exit 2).
#[test]
fn requested_accounts_and_regions_without_folders_are_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let (arn, keys, _) = world(dir.path());
    let typo = "12345678901x";
    let run = verify(
        dir.path(),
        &arn,
        &keys,
        &[
            "--organization",
            "--accounts",
            &format!("{},{typo},{}", member(0), member(0)),
            "--regions",
            "us-east-1,us-east-l",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    let doc: Value = serde_json::from_str(&run.stdout).unwrap();
    let chains: Vec<(String, String, String)> = doc["chains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["account_id"].as_str().unwrap().to_owned(),
                c["region"].as_str().unwrap().to_owned(),
                c["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        chains,
        [
            (typo.to_owned(), String::new(), "not_run".to_owned()),
            (member(0), "us-east-1".to_owned(), "clean".to_owned()),
            (member(0), "us-east-l".to_owned(), "not_run".to_owned()),
        ],
        "the duplicate account is verified once"
    );
    let none = verify(
        dir.path(),
        &arn,
        &keys,
        &["--s3-prefix", "elsewhere", "--organization"],
    );
    assert_eq!(none.code, 2, "{}", none.stdout);
}
