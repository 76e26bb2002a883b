//! Replays the committed cargo-fuzz corpus (`fuzz/corpus/<target>/`) through the same entry
//! points the fuzz targets call (`fuzz/harness.rs`), so every input that once reached new
//! coverage, and every crash that was fixed, is checked by the ordinary test suite.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::Path;

fn replay(target: &str, entry: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus for {target}");
    for file in files {
        let data = std::fs::read(&file).expect("corpus file");
        let outcome = std::panic::catch_unwind(|| entry(&data));
        assert!(outcome.is_ok(), "{target}: {} panicked", file.display());
    }
}

#[test]
fn fuzz_corpus_digest_replays_without_panic() {
    replay("digest", harness::digest);
}

#[test]
fn fuzz_corpus_log_stream_replays_without_panic() {
    replay("log_stream", harness::log_stream);
}

#[test]
fn fuzz_corpus_activity_record_replays_without_panic() {
    replay("activity_record", harness::activity_record);
}
