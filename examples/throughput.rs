//! The machine's ceiling for log verification: inflate + SHA-256 of every `CloudTrail` log file
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

/// Inflates one gzip member and hashes it; returns the inflated length and the digest.
fn inflate_hash(body: &[u8], buf: &mut [u8]) -> std::io::Result<(u64, [u8; 32])> {
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
            Err(e) => return Err(e),
        }
    }
    Ok((total, hasher.finish()))
}

/// One round over all files on `threads` threads; returns (elapsed, inflated bytes).
fn round(files: &[Vec<u8>], threads: usize) -> Result<(Duration, u64), String> {
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    let inflated = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| -> std::io::Result<u64> {
                    let mut buf = vec![0u8; 64 * 1024];
                    let mut total = 0u64;
                    let mut sink = 0u8;
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(body) = files.get(i) else { break };
                        let (n, digest) = inflate_hash(body, &mut buf)?;
                        total += n;
                        sink ^= digest[0];
                    }
                    std::hint::black_box(sink);
                    Ok(total)
                })
            })
            .collect();
        let mut sum = 0u64;
        for h in handles {
            match h.join() {
                Ok(Ok(n)) => sum += n,
                Ok(Err(e)) => return Err(format!("inflate failed: {e}")),
                Err(_) => return Err("a worker thread panicked".to_owned()),
            }
        }
        Ok(sum)
    })?;
    Ok((start.elapsed(), inflated))
}

fn arg(args: &[String], name: &str) -> Result<Option<usize>, String> {
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .map(Some)
            .ok_or_else(|| format!("{name} takes a number")),
    }
}

#[allow(clippy::cast_precision_loss)] // byte counts far below 2^52
fn megabytes(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("throughput: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args
        .first()
        .filter(|a| !a.starts_with("--"))
        .ok_or("usage: throughput DIR [--threads N] [--rounds N]")?;
    let threads = arg(&args, "--threads")?
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .max(1);
    let rounds = arg(&args, "--rounds")?.unwrap_or(5).max(1);

    let mut paths = Vec::new();
    collect(Path::new(dir), &mut paths).map_err(|e| format!("cannot read {dir}: {e}"))?;
    paths.sort();
    let files = paths
        .iter()
        .map(|p| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display())))
        .collect::<Result<Vec<Vec<u8>>, String>>()?;
    let compressed: u64 = files.iter().map(|f| f.len() as u64).sum();
    if files.is_empty() {
        return Err(format!("no *.json.gz log files under {dir}"));
    }

    // One untimed warm-up round (page faults, allocator, CPU frequency).
    let (_, inflated) = round(&files, threads)?;
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        times.push(round(&files, threads)?.0);
    }
    times.sort();
    let median = times[times.len() / 2].as_secs_f64();
    let (best, worst) = (times[0], times[times.len() - 1]);

    let mb = megabytes;
    println!(
        "files={} compressed_bytes={compressed} inflated_bytes={inflated} threads={threads} rounds={rounds}",
        files.len()
    );
    println!(
        "median round: {median:.4} s  ({:.1} MB/s compressed, {:.1} MB/s inflated; best {:.4} s, worst {:.4} s)",
        mb(compressed) / median,
        mb(inflated) / median,
        best.as_secs_f64(),
        worst.as_secs_f64(),
    );
    println!("ceiling_seconds={median:.6}");
    Ok(())
}
