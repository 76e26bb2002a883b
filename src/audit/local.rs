//! Local files (`--logs PATH...`) through the same readers as a verification: every file is
//! read once, handed to the readers on one thread per core (each thread takes the next batch
//! of the sorted files), and the parts are folded in file order, so the result is the
//! same as one pass whatever the number of cores. Nothing here is verified: every file is
//! [`Provenance::Local`].

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

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
/// not be listed come first, as the readers' unreadable notes. One thread per core takes the
/// next batch of files; the parts are folded in file order, at most a few batches ahead of
/// the fold, so memory is bounded by the batches in flight, never by the input.
pub fn read_local<C: LogConsumer>(listed: &Listed, consumer: &mut C, max_bytes: u64) -> LocalRead {
    let reader = consumer.reader();
    let mut first = reader.start();
    for (p, why) in &listed.missing {
        reader.unreadable(&mut first, &p.display().to_string(), why);
    }
    consumer.fold(first);
    let batches: Vec<&[PathBuf]> = listed
        .files
        .chunks(<C::Reader as LogReader>::LOCAL_BATCH_FILES.max(1))
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, batches.len().max(1));
    let window = threads * 2;
    let next = AtomicUsize::new(0);
    // How many batches were folded: a worker does not start batch i before i < folded + window.
    let folded = (Mutex::new(0usize), Condvar::new());
    let mut done = LocalRead {
        read: 0,
        unreadable: listed.missing.len(),
    };
    std::thread::scope(|scope| {
        let (tx, rx) =
            std::sync::mpsc::channel::<(usize, <C::Reader as LogReader>::Part, LocalRead)>();
        for _ in 0..threads {
            let tx = tx.clone();
            let (reader, batches, next, folded) = (&reader, &batches, &next, &folded);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(share) = batches.get(i) else { break };
                    {
                        let (lock, cv) = folded;
                        let mut f = lock
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        while i >= *f + window {
                            f = cv
                                .wait(f)
                                .unwrap_or_else(std::sync::PoisonError::into_inner);
                        }
                    }
                    let (part, n) = read_share(reader.as_ref(), share, max_bytes);
                    if tx.send((i, part, n)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut want = 0usize;
        for (i, part, n) in rx {
            pending.insert(i, (part, n));
            while let Some((part, n)) = pending.remove(&want) {
                consumer.fold(part);
                done.read += n.read;
                done.unreadable += n.unreadable;
                want += 1;
                let (lock, cv) = &folded;
                *lock
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = want;
                cv.notify_all();
            }
        }
    });
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
