//! The verified stream: how verification hands each log file's bytes, once, to the analyses
//! that asked for them ("here is a log file, from this place, with this verdict, and the
//! bytes that were judged").
//!
//! A run reads every object once. When a log file has been fetched and its SHA-256 checked
//! against its digest, the same buffer (inflated: the log hash covers the decompressed text)
//! is given to every [`LogReader`] on a worker thread, in any order and in parallel; what
//! each reader returns (a [`LogReader::Part`]) is then folded into its [`LogConsumer`] in the
//! run's output order, so a result never depends on which download finished first: the same
//! run at `--concurrency 1` and at the default gives byte-identical analyses. Logs the chain
//! does not vouch for (failed, unreferenced, foreign, pending) are handed over too, marked
//! with their [`Provenance`]: a forged log is evidence as well. Logs that could not be read
//! are not handed over (they stay `ERROR` in the integrity report). Local files (`--logs`)
//! go through the same interface, with [`Provenance::Local`].
//!
//! Nothing here keeps a body after its readers ran: memory is bounded by the objects in
//! flight, never by the run. This module does no I/O.

use std::sync::{Arc, OnceLock};

use crate::vocab::{Location, Unreadable};

/// How far a log file is vouched for by this run's verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Its SHA-256 matched a validly signed digest in this run.
    Verified,
    /// Referenced by a validly signed digest, but its bytes do not match (hash mismatch,
    /// trailing data, invalid format): tampered or damaged.
    Failed,
    /// In the trail's log folder, referenced by no digest (possibly forged).
    Unreferenced,
    /// In the log folder, inside a period no digest can vouch for (a chain gap, a digest
    /// that could not be read, a neighbour trail without validation).
    Unverifiable,
    /// In the log folder, but not named like a `CloudTrail` log file.
    Foreign,
    /// Newer than the newest digest: not covered yet.
    Pending,
    /// Read from local files (`--logs`): never verified.
    Local,
}

impl Provenance {
    /// Whether the bytes are proven: only [`Provenance::Verified`].
    #[must_use]
    pub fn is_verified(self) -> bool {
        self == Self::Verified
    }
}

/// One log file handed to the readers.
#[derive(Debug, Clone, Copy)]
pub struct LogFile<'a> {
    /// Its name as the analyses list it: `s3://bucket/key`, or the local path.
    pub name: &'a str,
    /// Where it was read from, for S3 and bundle runs.
    pub location: Option<&'a Location>,
    /// What the verification says of it.
    pub provenance: Provenance,
    /// The object's bytes as stored (compressed for `CloudTrail` logs).
    pub stored: &'a [u8],
    /// Lower-case hex SHA-256 of [`Self::stored`], computed at most once for all readers
    /// ([`Self::stored_sha256`]).
    pub sha256: &'a OnceLock<String>,
    /// The decompressed bytes the verification hashed, when it inflated the object; `None`
    /// when it did not (the reader inflates [`Self::stored`] itself, within its limits).
    pub inflated: Option<&'a [u8]>,
}

impl LogFile<'_> {
    /// Lower-case hex SHA-256 of the bytes as stored (computed on first use).
    #[must_use]
    pub fn stored_sha256(&self) -> &str {
        self.sha256
            .get_or_init(|| crate::hash::sha256_hex(self.stored))
    }
}

/// The read-only half of an analysis: runs on worker threads, once per file (or once per
/// contiguous run of files), in any order.
pub trait LogReader: Send + Sync + 'static {
    /// What reading produces; folded into the consumer in stream order.
    type Part: Send + 'static;

    /// Whether the reader wants bodies at all. A run without analyses neither keeps the
    /// hashed bytes nor fetches the logs the chain does not reference.
    const WANTS_BODIES: bool = true;

    /// Local files (`--logs`) per part: a reader whose parts grow with what it finds
    /// (hits, matches) keeps them small; one whose parts are aggregates (a summary) takes
    /// more, so fewer are merged.
    const LOCAL_BATCH_FILES: usize = 16;

    /// An empty part.
    fn start(&self) -> Self::Part;

    /// Adds one file to `part`. Never fails: a file that is not a log, or is damaged, is
    /// recorded in the part as such.
    fn read(&self, part: &mut Self::Part, file: &LogFile<'_>);

    /// Notes, in order, a file given by name that could not be read at all.
    fn unreadable(&self, _part: &mut Self::Part, _name: &str, _why: &Unreadable) {}
}

/// An analysis fed by the stream: hands out its reader, then folds the parts in order.
pub trait LogConsumer: Send {
    /// The reader shared with the worker threads.
    type Reader: LogReader;

    /// The reader (shared; cheap to clone).
    fn reader(&self) -> Arc<Self::Reader>;

    /// Folds the part of the next file(s), in the run's output order.
    fn fold(&mut self, part: <Self::Reader as LogReader>::Part);
}

/// No analysis: verification alone. Its reader is never called (the run does not keep or
/// hand over any body).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAnalysis;

impl LogReader for NoAnalysis {
    type Part = ();
    const WANTS_BODIES: bool = false;

    fn start(&self) {}

    fn read(&self, (): &mut (), _file: &LogFile<'_>) {}
}

impl LogConsumer for NoAnalysis {
    type Reader = Self;

    fn reader(&self) -> Arc<Self> {
        Arc::new(Self)
    }

    fn fold(&mut self, (): ()) {}
}

/// Two analyses over the same stream (e.g. the report's summary and its detections): each
/// file is read once from the network and handed to both readers.
#[derive(Debug)]
pub struct Both<A, B>(pub A, pub B);

/// The readers of [`Both`].
#[derive(Debug)]
pub struct BothReaders<A, B>(Arc<A>, Arc<B>);

impl<A: LogReader, B: LogReader> LogReader for BothReaders<A, B> {
    type Part = (A::Part, B::Part);
    const WANTS_BODIES: bool = A::WANTS_BODIES || B::WANTS_BODIES;
    const LOCAL_BATCH_FILES: usize = if A::LOCAL_BATCH_FILES < B::LOCAL_BATCH_FILES {
        A::LOCAL_BATCH_FILES
    } else {
        B::LOCAL_BATCH_FILES
    };

    fn start(&self) -> Self::Part {
        (self.0.start(), self.1.start())
    }

    fn read(&self, part: &mut Self::Part, file: &LogFile<'_>) {
        self.0.read(&mut part.0, file);
        self.1.read(&mut part.1, file);
    }

    fn unreadable(&self, part: &mut Self::Part, name: &str, why: &Unreadable) {
        self.0.unreadable(&mut part.0, name, why);
        self.1.unreadable(&mut part.1, name, why);
    }
}

impl<A: LogConsumer, B: LogConsumer> LogConsumer for Both<A, B> {
    type Reader = BothReaders<A::Reader, B::Reader>;

    fn reader(&self) -> Arc<Self::Reader> {
        Arc::new(BothReaders(self.0.reader(), self.1.reader()))
    }

    fn fold(&mut self, part: <Self::Reader as LogReader>::Part) {
        self.0.fold(part.0);
        self.1.fold(part.1);
    }
}

/// Reads one file into a fresh part.
pub fn read_one<R: LogReader + ?Sized>(reader: &R, file: &LogFile<'_>) -> R::Part {
    let mut part = reader.start();
    reader.read(&mut part, file);
    part
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records the names it saw, to check folding order and the two-reader split.
    #[derive(Default)]
    struct Names(Vec<String>);
    struct NamesReader;

    impl LogReader for NamesReader {
        type Part = Vec<String>;
        fn start(&self) -> Vec<String> {
            Vec::new()
        }
        fn read(&self, part: &mut Vec<String>, file: &LogFile<'_>) {
            part.push(format!("{}:{:?}", file.name, file.provenance));
        }
    }

    impl LogConsumer for Names {
        type Reader = NamesReader;
        fn reader(&self) -> Arc<NamesReader> {
            Arc::new(NamesReader)
        }
        fn fold(&mut self, part: Vec<String>) {
            self.0.extend(part);
        }
    }

    #[test]
    fn both_readers_see_every_file_and_fold_in_order() {
        let mut both = Both(Names::default(), Names::default());
        let reader = both.reader();
        let sha256 = OnceLock::new();
        let file = |name| LogFile {
            name,
            location: None,
            provenance: Provenance::Local,
            stored: b"",
            sha256: &sha256,
            inflated: None,
        };
        let second = read_one(reader.as_ref(), &file("b"));
        let first = read_one(reader.as_ref(), &file("a"));
        both.fold(first);
        both.fold(second);
        assert_eq!(both.0.0, ["a:Local", "b:Local"]);
        assert_eq!(both.1.0, ["a:Local", "b:Local"]);
        assert!(Provenance::Verified.is_verified());
        assert!(!Provenance::Unreferenced.is_verified());
    }
}
