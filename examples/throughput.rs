//! The machine's ceiling for log verification: inflate + SHA-256 of every CloudTrail log file
//! under a folder, on all cores, with the files already in memory.
//!
//! ```text
//! cargo run --release --example throughput -- DIR [--threads N] [--rounds N]
//! ```
//!
//! Every `*.json.gz` under DIR whose path does not contain `CloudTrail-Digest` is read into
//! memory first (not timed); then each round inflates and hashes all of them, as
//! `chain::log::verify_log` does (flate2's `bufread::GzDecoder` into a 64 KiB buffer, fed to
//! `trailproof::hash::Sha256`), with the files shared out among N threads (default: the
//! available parallelism). It prints the median round, with MB/s (10^6 bytes) of compressed
//! and of inflated data, and a last `ceiling_seconds=` line for scripts.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use trailproof::hash::Sha256;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect(&path, out)?;
        } else if path.to_string_lossy().ends_with(".json.gz")
            && !path.to_string_lossy().contains("CloudTrail-Digest")
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Inflates one gzip member and hashes it; returns the inflated length.
fn inflate_hash(body: &[u8], buf: &mut [u8]) -> (u64, [u8; 32]) {
    let mut hasher = Sha256::new();
    let mut decoder = flate2::bufread::GzDecoder::new(body);
    let mut total = 0u64;
    loop {
        match decoder.read(buf) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buf[..n]);
                total += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => panic!("inflate failed: {e}"),
        }
    }
    (total, hasher.finish())
}

/// One round over all files on `threads` threads; returns (elapsed, inflated bytes).
fn round(files: &[Vec<u8>], threads: usize) -> (Duration, u64) {
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    let inflated: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut buf = vec![0u8; 64 * 1024];
                    let mut total = 0u64;
                    let mut sink = 0u8;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(body) = files.get(i) else { break };
                        let (n, digest) = inflate_hash(body, &mut buf);
                        total += n;
                        sink ^= digest[0];
                    }
                    std::hint::black_box(sink);
                    total
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker panicked"))
            .sum()
    });
    (start.elapsed(), inflated)
}

fn arg(args: &[String], name: &str) -> Option<usize> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse().expect("a number"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first().filter(|a| !a.starts_with("--")) else {
        eprintln!("usage: throughput DIR [--threads N] [--rounds N]");
        std::process::exit(2);
    };
    let threads = arg(&args, "--threads")
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let rounds = arg(&args, "--rounds").unwrap_or(5).max(1);

    let mut paths = Vec::new();
    collect(Path::new(dir), &mut paths).expect("cannot read the folder");
    paths.sort();
    let files: Vec<Vec<u8>> = paths
        .iter()
        .map(|p| std::fs::read(p).expect("cannot read a log file"))
        .collect();
    let compressed: u64 = files.iter().map(|f| f.len() as u64).sum();
    if files.is_empty() {
        eprintln!("no *.json.gz log files under {dir}");
        std::process::exit(2);
    }

    // One untimed warm-up round (page faults, allocator, CPU frequency).
    let (_, inflated) = round(&files, threads);
    let mut times: Vec<Duration> = (0..rounds).map(|_| round(&files, threads).0).collect();
    times.sort();
    let median = times[times.len() / 2].as_secs_f64();

    let mb = |bytes: u64| bytes as f64 / 1e6;
    println!(
        "files={} compressed_bytes={compressed} inflated_bytes={inflated} threads={threads} rounds={rounds}",
        files.len()
    );
    println!(
        "median round: {median:.4} s  ({:.1} MB/s compressed, {:.1} MB/s inflated; best {:.4} s, worst {:.4} s)",
        mb(compressed) / median,
        mb(inflated) / median,
        times[0].as_secs_f64(),
        times[times.len() - 1].as_secs_f64(),
    );
    println!("ceiling_seconds={median:.6}");
}
