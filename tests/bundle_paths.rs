//! Evidence-bundle paths: every S3 key maps to its own file below the bucket folder, and a
//! bundle lists exactly the keys it holds. Ordinary keys (everything `CloudTrail` writes) are
//! their own paths, so existing bundles keep theirs; keys a file system would normalise
//! (`//`, `.`, `..`, a leading or trailing `/`) or read as a sidecar are encoded.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use trailproof::source::ObjectSource as _;
use trailproof::source::local::{LocalSource, key_path, path_key};
use trailproof::vocab::Location;

/// Keys that collide, escape or vanish when joined onto a path naively.
const TRICKY: &[&str] = &[
    "a/b",
    "a//b",
    "a///b",
    "/a/b",
    "//a/b",
    "a/b/",
    "a/b//",
    "a/./b",
    "a/../b",
    "./a/b",
    "../a/b",
    "../../outside/log.json.gz",
    ".",
    "..",
    "...",
    "/",
    "//",
    "",
    "%",
    "%25",
    "%2E",
    "a%2Fb",
    "a/%",
    "x.json.gz",
    "x.json.gz.meta.json",
    "x.json.gz.error.json",
    "x.json.gz.partial-123",
    "x.meta.json/y",
    ".partial-7/y",
    "x.meta.json.meta.json",
    "nul\0byte",
    "back\\slash",
    "space /tab\t/new\nline",
    "ünï/cødé/🙂",
    "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/01//111122223333_CloudTrail_us-east-1_20260301T0118Z_kMcPxtMBYIHBmN5T.json.gz",
];

#[test]
fn cloudtrail_keys_are_their_own_paths() {
    for key in [
        "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/01/111122223333_CloudTrail_us-east-1_20260301T0118Z_kMcPxtMBYIHBmN5T.json.gz",
        "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/01/111122223333_CloudTrail-Digest_us-east-1_sample-trail_us-east-1_20260301T011742Z.json.gz",
        "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/03/01/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20260301T011742Z_backfill.json.gz",
        "my-prefix/AWSLogs/o-exampleorg1/111122223333/CloudTrail/eu-west-1/2026/12/31/x.json.gz",
        "elsewhere/injected.json.gz",
        "...",
        ".hidden/a",
    ] {
        assert_eq!(key_path(key), PathBuf::from(key), "{key}");
        assert_eq!(path_key(Path::new(key)).as_deref(), Some(key));
    }
}

#[test]
fn tricky_keys_round_trip_and_never_share_a_path() {
    let mut seen: BTreeMap<PathBuf, &str> = BTreeMap::new();
    for key in TRICKY {
        let path = key_path(key);
        assert!(
            path.components()
                .all(|c| matches!(c, Component::Normal(n) if !n.is_empty())),
            "{key:?} maps to {path:?}, which is not a plain relative path"
        );
        assert_eq!(path.components().count(), key.split('/').count(), "{key:?}");
        assert_eq!(
            path_key(&path).as_deref(),
            Some(*key),
            "{key:?} via {path:?}"
        );
        if let Some(other) = seen.insert(path.clone(), key) {
            panic!("{key:?} and {other:?} share {path:?}");
        }
    }
    assert_eq!(key_path("a//b"), PathBuf::from("a/%/b"));
    assert_eq!(key_path("a/../b"), PathBuf::from("a/%2E%2E/b"));
    assert_eq!(key_path("a/b/"), PathBuf::from("a/b/%"));
    assert_eq!(key_path("x.meta.json"), PathBuf::from("x%2Emeta.json"));
}

#[test]
fn no_key_maps_onto_a_sidecar_or_temporary_file_of_another() {
    let paths: BTreeSet<String> = TRICKY
        .iter()
        .map(|k| key_path(k).to_string_lossy().into_owned())
        .collect();
    for p in &paths {
        let name = p.rsplit('/').next().unwrap();
        assert!(
            !name.ends_with(".meta.json")
                && !name.ends_with(".error.json")
                && !name.contains(".partial-"),
            "{p} reads as a sidecar or a temporary file"
        );
        for sidecar in [".meta.json", ".error.json", ".partial-1"] {
            assert!(
                !paths.contains(&format!("{p}{sidecar}")),
                "{p}{sidecar} is both an object and a sidecar"
            );
        }
    }
}

#[test]
fn every_short_key_over_a_hostile_alphabet_round_trips_injectively() {
    // Exhaustive over keys of up to 5 characters: 8^0 + … + 8^5 = 37,449 keys.
    const ALPHABET: [char; 8] = ['a', '/', '.', '%', '2', 'E', '5', '-'];
    let mut keys = vec![String::new()];
    let mut all = Vec::new();
    for _ in 0..5 {
        keys = keys
            .iter()
            .flat_map(|k| ALPHABET.iter().map(move |c| format!("{k}{c}")))
            .collect();
        all.extend(keys.iter().cloned());
    }
    all.push(String::new());
    let mut seen: BTreeMap<PathBuf, String> = BTreeMap::new();
    for key in all {
        let path = key_path(&key);
        assert_eq!(path_key(&path).as_ref(), Some(&key), "{key:?} via {path:?}");
        if let Some(other) = seen.insert(path.clone(), key.clone()) {
            panic!("{key:?} and {other:?} share {path:?}");
        }
    }
}

#[test]
fn names_no_key_encodes_to_are_not_keys() {
    for stray in [
        "a/%41",
        "a/%2e%2e",
        "a/%zz",
        "a/%2",
        "a/x.json.gz.meta.json",
        "a/x.partial-1",
    ] {
        assert_eq!(path_key(Path::new(stray)), None, "{stray}");
    }
}

/// Writes each key's body where the bundle keeps it, as `fetch` does.
fn write_bundle(root: &Path, bucket: &str, objects: &[(&str, &[u8])]) -> LocalSource {
    let local = LocalSource::new(root);
    for (key, body) in objects {
        let path = local.path(bucket, key).expect("mapped");
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, body).expect("write");
    }
    local
}

#[tokio::test]
async fn a_bundle_lists_and_reads_exactly_the_keys_it_holds() {
    let dir = tempfile::tempdir().expect("tmp");
    // S3 holds `a/b` beside `a/b/c`; a file system cannot (`a/b` would be a file and a
    // folder), so the keys whose path is a folder of another's are left out here (a fetch
    // that meets such a pair says the bundle is incomplete).
    let objects: Vec<(&str, &[u8])> = TRICKY
        .iter()
        .filter(|k| !TRICKY.iter().any(|o| o.starts_with(&format!("{k}/"))))
        .map(|k| (*k, k.as_bytes()))
        .collect();
    assert!(objects.len() > 20);
    let local = write_bundle(dir.path(), "bucket", &objects);
    // A metadata sidecar of an object is not an object.
    let mut meta = local.path("bucket", "x.json.gz").unwrap().into_os_string();
    meta.push(".meta.json");
    std::fs::write(meta, br#"{"signature":"00"}"#).unwrap();

    let listed = local.list("bucket", "", "", &|_| false).await.unwrap();
    let mut want: Vec<String> = objects.iter().map(|(k, _)| (*k).to_owned()).collect();
    want.sort();
    assert_eq!(listed, want);
    for (key, body) in &objects {
        let got = local
            .get(&Location::new("bucket", *key), 1 << 20)
            .await
            .unwrap_or_else(|e| panic!("{key:?}: {e}"));
        assert_eq!(got.body, *body, "{key:?}");
    }
    assert_eq!(
        local
            .get(&Location::new("bucket", "x.json.gz"), 1 << 20)
            .await
            .unwrap()
            .metadata["signature"],
        "00"
    );

    // Prefixes with empty and dot segments list what S3 would.
    for prefix in ["a//", "a/", "/", "../", "a/b/", "x.", "a/./"] {
        let listed = local.list("bucket", prefix, "", &|_| false).await.unwrap();
        let want: Vec<String> = want
            .iter()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect();
        assert_eq!(listed, want, "prefix {prefix:?}");
    }
    assert_eq!(
        local.list_dirs("bucket", "a/").await.unwrap(),
        vec!["", ".", "..", "b"],
        "the segments after a/ of the keys below it"
    );

    // A folder of longer keys is not an object, and nothing outside the bucket is named.
    assert!(
        local
            .get(&Location::new("bucket", "a/b"), 1 << 20)
            .await
            .unwrap_err()
            .is_not_found()
    );
    for bucket in ["", "..", ".trailproof", "a/b"] {
        assert!(local.path(bucket, "k").is_err(), "{bucket:?}");
    }
}

#[tokio::test]
async fn a_key_and_its_double_slash_twin_are_two_objects() {
    let dir = tempfile::tempdir().expect("tmp");
    let local = write_bundle(
        dir.path(),
        "bucket",
        &[("a/b", b"one"), ("a//b", b"two"), ("a/./b", b"three")],
    );
    let listed = local.list("bucket", "a/", "", &|_| false).await.unwrap();
    assert_eq!(listed, vec!["a/./b", "a//b", "a/b"], "in S3 key order");
    for (key, body) in [("a/b", "one"), ("a//b", "two"), ("a/./b", "three")] {
        let got = local.get(&Location::new("bucket", key), 64).await.unwrap();
        assert_eq!(got.body, body.as_bytes(), "{key}");
    }
}
