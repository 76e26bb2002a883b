//! Local files (`--logs PATH...`) through the same readers as a verification: every file is
//! read once, handed to the readers on one thread per core (each thread takes a contiguous
//! share of the sorted files), and the parts are folded in file order, so the result is the
//! same as one pass whatever the number of cores. Nothing here is verified: every file is
//! [`Provenance::Local`].

use std::path::PathBuf;
use std::sync::OnceLock;

use super::stream::{LogConsumer, LogFile, LogReader, Provenance};
use crate::source::files::{Listed, read_capped};

/// What reading the local files did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LocalRead {
    /// Files read (whatever the readers made of them).
    pub read: usize,
    /// Files or paths that could not be read.
    pub unreadable: usize,
}

/// Reads every file of `listed` (at most `max_bytes` each) into `consumer`; paths that could
/// not be listed come first, as the readers' unreadable notes.
pub fn read_local<C: LogConsumer>(listed: &Listed, consumer: &mut C, max_bytes: u64) -> LocalRead {
    let reader = consumer.reader();
    let mut first = reader.start();
    for (p, why) in &listed.missing {
        reader.unreadable(&mut first, &p.display().to_string(), why);
    }
    consumer.fold(first);
    let files = &listed.files;
    let shards = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, files.len().max(1));
    let chunk = files.len().div_ceil(shards).max(1);
    let parts: Vec<(<C::Reader as LogReader>::Part, LocalRead)> = std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|share| {
                let reader = &reader;
                scope.spawn(move || read_share(reader.as_ref(), share, max_bytes))
            })
            .collect();
        workers.into_iter().filter_map(|w| w.join().ok()).collect()
    });
    let mut done = LocalRead {
        read: 0,
        unreadable: listed.missing.len(),
    };
    for (part, n) in parts {
        consumer.fold(part);
        done.read += n.read;
        done.unreadable += n.unreadable;
    }
    done
}

/// As [`read_local`], but each file is its own part, folded in file order: the files are
/// read in windows of a few per core, in parallel, and each window is folded before the
/// next is read. Memory is bounded by the window, never by a share of the input: for
/// consumers whose parts carry records rather than figures (the timeline).
pub fn read_local_by_file<C: LogConsumer>(
    listed: &Listed,
    consumer: &mut C,
    max_bytes: u64,
) -> LocalRead {
    let reader = consumer.reader();
    let mut first = reader.start();
    for (p, why) in &listed.missing {
        reader.unreadable(&mut first, &p.display().to_string(), why);
    }
    consumer.fold(first);
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .max(1);
    let mut done = LocalRead {
        read: 0,
        unreadable: listed.missing.len(),
    };
    for window in listed.files.chunks(threads * 4) {
        let parts: Vec<Vec<(<C::Reader as LogReader>::Part, LocalRead)>> =
            std::thread::scope(|scope| {
                let workers: Vec<_> = (0..threads.min(window.len()))
                    .map(|t| {
                        let reader = &reader;
                        scope.spawn(move || {
                            window
                                .iter()
                                .skip(t)
                                .step_by(threads)
                                .map(|p| {
                                    read_share(reader.as_ref(), std::slice::from_ref(p), max_bytes)
                                })
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .map(|w| w.join().unwrap_or_default())
                    .collect()
            });
        // Worker t read files t, t + threads, …: interleave them back into file order.
        let mut columns: Vec<_> = parts.into_iter().map(Vec::into_iter).collect();
        for i in 0..window.len() {
            let Some((part, n)) = columns.get_mut(i % threads).and_then(Iterator::next) else {
                continue;
            };
            consumer.fold(part);
            done.read += n.read;
            done.unreadable += n.unreadable;
        }
    }
    done
}

fn read_share<R: LogReader>(reader: &R, share: &[PathBuf], max_bytes: u64) -> (R::Part, LocalRead) {
    let mut part = reader.start();
    let mut done = LocalRead::default();
    for p in share {
        let name = p.display().to_string();
        match read_capped(p, max_bytes) {
            Err(why) => {
                done.unreadable += 1;
                reader.unreadable(&mut part, &name, &why);
            }
            Ok(body) => {
                done.read += 1;
                let sha256 = OnceLock::new();
                reader.read(
                    &mut part,
                    &LogFile {
                        name: &name,
                        location: None,
                        provenance: Provenance::Local,
                        stored: &body,
                        sha256: &sha256,
                        inflated: None,
                    },
                );
            }
        }
    }
    (part, done)
}
