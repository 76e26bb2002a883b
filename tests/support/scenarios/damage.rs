//! The tools the table's entries damage a world with: the objects of a case by position,
//! edits and re-signing (also the way the reference builds its string to sign), and
//! objects planted where `CloudTrail` would not put them.

use std::collections::BTreeMap;

use serde_json::Value;
use trailproof::fixture::{TestKey, TrailSpec, gzip};
use trailproof::vocab::{FetchedObject, Location};

use super::super::case::Case;
use super::super::trail::keys;

/// The region every scenario trail delivers to unless it says otherwise.
pub(super) const REGION: &str = "us-east-1";

/// The records of a planted log file.
pub(super) const FORGED_RECORDS: &[u8] = br#"{"Records":[{"eventName":"ForgedEvent"}]}"#;

impl Case {
    /// The standard digests of [`REGION`], oldest first.
    pub(super) fn digests(&self) -> Vec<Location> {
        self.world.digests(&self.spec, REGION, false)
    }

    /// The `i`-th standard digest of [`REGION`], oldest first.
    pub(super) fn digest(&self, i: usize) -> Location {
        self.digests()[i].clone()
    }

    /// The backfill digests of [`REGION`], oldest first.
    pub(super) fn backfills(&self) -> Vec<Location> {
        self.world.digests(&self.spec, REGION, true)
    }

    /// The log files of [`REGION`], oldest first.
    pub(super) fn logs(&self) -> Vec<Location> {
        self.world.logs(&self.spec, REGION)
    }

    /// The `i`-th log file of [`REGION`], oldest first.
    pub(super) fn log(&self, i: usize) -> Location {
        self.logs()[i].clone()
    }

    /// The log file of [`REGION`] whose key carries this minute stamp.
    pub(super) fn log_at(&self, stamp: &str) -> Location {
        self.logs()
            .into_iter()
            .find(|l| l.key.contains(&format!("_{stamp}_")))
            .expect("log at stamp")
    }

    /// An object of the world, to edit.
    pub(super) fn object(&mut self, loc: &Location) -> &mut FetchedObject {
        self.world.objects.get_mut(loc).expect("object exists")
    }

    /// Deletes an object.
    pub(super) fn remove(&mut self, loc: &Location) {
        self.world.objects.remove(loc);
    }

    /// Edits a digest's JSON and re-signs it with the first committed key.
    pub(super) fn resign(&mut self, loc: &Location, edit: impl FnOnce(&mut Value)) {
        self.resign_with(loc, &keys()[0], edit);
    }

    /// Edits a digest's JSON and re-signs it with `key`.
    pub(super) fn resign_with(
        &mut self,
        loc: &Location,
        key: &TestKey,
        edit: impl FnOnce(&mut Value),
    ) {
        self.world.resign(loc, key, edit).expect("resign");
    }

    /// Moves and re-signs a chain with the first committed key (see `World::rechain`).
    pub(super) fn rechain(&mut self, chain: &[(Location, Location)]) {
        self.world.rechain(chain, &keys()[0]).expect("rechain");
    }

    /// Re-signs a digest whose JSON was edited by `edit` and whose serialised text is then
    /// rewritten by `text` (for JSON serde cannot produce: NaN, lone surrogates…), with the
    /// first committed key. The string to sign is built the way the reference builds it
    /// (Python formatting of the fields).
    pub(super) fn resign_text(
        &mut self,
        loc: &Location,
        edit: impl FnOnce(&mut Value),
        text: impl FnOnce(String) -> Vec<u8>,
    ) {
        let mut json = self.world.digest_json(loc).expect("digest json");
        edit(&mut json);
        let bytes = text(serde_json::to_string(&json).expect("json"));
        let prev = match json.get("previousDigestSignature") {
            Some(Value::Null) | None => "null".to_owned(),
            Some(v) => py_fmt(v),
        };
        let to_sign = string_to_sign(&json, &trailproof::hash::sha256_hex(&bytes), &prev);
        let sig = keys()[0].sign_hex(to_sign.as_bytes()).expect("sign");
        let obj = self.object(loc);
        obj.body = gzip(&bytes);
        obj.metadata.insert("signature".into(), sig);
    }

    /// Plants a log file (with [`FORGED_RECORDS`]) at `key` in the trail's bucket.
    pub(super) fn put_log(&mut self, key: &str) -> Location {
        let loc = Location::new(&self.spec.bucket, key);
        self.world.objects.insert(
            loc.clone(),
            FetchedObject {
                body: gzip(FORGED_RECORDS),
                metadata: BTreeMap::new(),
            },
        );
        loc
    }

    /// Plants a non-digest object (`junk`) at `key` in `bucket`.
    pub(super) fn put_junk(&mut self, bucket: &str, key: String) {
        self.world.objects.insert(
            Location::new(bucket, key),
            FetchedObject {
                body: b"junk".to_vec(),
                metadata: BTreeMap::new(),
            },
        );
    }
}

/// A verdict line: `kind<TAB>s3://bucket/key<TAB>verdict`.
pub(super) fn line(kind: &str, loc: &Location, verdict: &str) -> String {
    format!("{kind}\t{}\t{verdict}", loc.uri())
}

/// Python's `f"{v}"` of a JSON-decoded value (what the reference puts in the string to
/// sign), for the scalar cases used here.
pub(super) fn py_fmt(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        other => other.to_string(),
    }
}

/// The reference's string to sign of a digest: end time, bucket/key, the hash of the
/// digest's text, and the previous signature (`prev`, already formatted).
pub(super) fn string_to_sign(json: &Value, hash: &str, prev: &str) -> String {
    format!(
        "{}\n{}/{}\n{hash}\n{prev}",
        py_fmt(&json["digestEndTime"]),
        py_fmt(&json["digestS3Bucket"]),
        py_fmt(&json["digestS3Object"]),
    )
}

/// Gzip with the optional header fields set (name, comment), as some tools write it.
pub(super) fn gzip_header_fields(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut e = flate2::GzBuilder::new()
        .mtime(0)
        .filename("events.json")
        .comment("delivered by a tool that names its members")
        .write(Vec::new(), flate2::Compression::new(6));
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

/// The key of a log file of the trail in [`REGION`] on 2026-03-01 at `stamp`.
pub(super) fn log_key(spec: &TrailSpec, stamp: &str, suffix: &str) -> String {
    format!(
        "AWSLogs/{0}/CloudTrail/{REGION}/2026/03/01/{0}_CloudTrail_{REGION}_{stamp}_{suffix}.json.gz",
        spec.account_id
    )
}

/// Moves a trail to its own region (the key registry of the test server is per region and
/// append-only, so scenarios depending on key validity each get a fresh region).
pub(super) fn in_region(spec: &mut TrailSpec, region: &str) {
    region.clone_into(&mut spec.home_region);
    spec.regions = vec![region.to_owned()];
}
