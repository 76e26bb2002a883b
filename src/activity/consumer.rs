//! The activity summary as a consumer of the verified stream ([`crate::audit::stream`]) and
//! of local files: each log file is summarised from the bytes the verification hashed (or,
//! for a log it does not vouch for and a local file, from its stored bytes), and the parts
//! are merged in the run's order, so the summary is the same whatever order the files were
//! read in.

use std::collections::VecDeque;
use std::sync::Arc;

use super::aggregate::{StoredFile, Summarizer};
use super::summary::Summary;
use crate::audit::stream::{LogConsumer, LogFile, LogReader};
use crate::records::file::{Skip, is_gzip, maybe_gunzip};
use crate::vocab::Unreadable;

/// A log file's bytes, copied out of the stream to be summarised in a batch.
#[derive(Debug)]
pub struct FileBytes {
    name: String,
    stored: StoredFile,
    verified: bool,
    /// What the records are read from: the verification's inflated bytes, else the bytes as
    /// stored (inflated when summarised).
    content: Vec<u8>,
    inflated: bool,
}

/// What reading gives: a summary of the files read (local files, one part per share of the
/// files), or the files' bytes (the verified stream: summarised in batches by the consumer,
/// so a part is not a whole summarizer per file).
#[derive(Debug)]
pub enum SummaryPart {
    /// A summary of the files read.
    Summary(Box<Summarizer>),
    /// Files to summarise, in order.
    Files(Vec<FileBytes>),
}

/// Summarises log files.
#[derive(Debug)]
pub struct SummaryReader {
    inflate_limit: u64,
    record_limit: u64,
    /// Hand the bytes over instead of summarising them (the verified stream).
    batched: bool,
    /// Keep the services each actor called (an access review was asked for).
    track_services: bool,
}

impl SummaryReader {
    fn summarizer(&self) -> Summarizer {
        let mut s = Summarizer::new(self.inflate_limit);
        s.set_record_limit(self.record_limit);
        if self.track_services {
            s.track_services();
        }
        s
    }

    /// Adds one file: `content` is the inflated text when `inflated`, else the stored bytes.
    fn add(&self, s: &mut Summarizer, file: FileRef<'_>) {
        if file.inflated {
            s.add_content(file.name, file.stored, file.content, file.verified);
            return;
        }
        match maybe_gunzip(file.content, self.inflate_limit) {
            Err(reason) => s.skip(file.name, reason),
            Ok((content, _)) => {
                s.add_content(file.name, file.stored, &content, file.verified);
            }
        }
    }

    /// A summary of `files`, in order.
    fn summarise(&self, files: Vec<FileBytes>) -> Summarizer {
        let mut s = self.summarizer();
        for f in files {
            self.add(
                &mut s,
                FileRef {
                    name: &f.name,
                    stored: f.stored,
                    content: &f.content,
                    inflated: f.inflated,
                    verified: f.verified,
                },
            );
        }
        s
    }
}

/// One file to add.
struct FileRef<'a> {
    name: &'a str,
    stored: StoredFile,
    content: &'a [u8],
    inflated: bool,
    verified: bool,
}

impl LogReader for SummaryReader {
    type Part = SummaryPart;
    // A part is an aggregate, bounded by distinct keys: few, large parts merge cheaply.
    const LOCAL_BATCH_FILES: usize = 256;

    fn start(&self) -> SummaryPart {
        if self.batched {
            SummaryPart::Files(Vec::new())
        } else {
            SummaryPart::Summary(Box::new(self.summarizer()))
        }
    }

    fn read(&self, part: &mut SummaryPart, file: &LogFile<'_>) {
        let gzip = is_gzip(file.stored);
        // The bytes the verification hashed are summarised as they are, not inflated again;
        // a log it did not inflate (one it does not vouch for, a local file), or one that is
        // not gzip at all (nothing was hashed: the stored bytes are the records), is read
        // from its stored bytes.
        let (content, inflated) = match file.inflated {
            Some(content) if gzip => (content, true),
            _ => (file.stored, false),
        };
        let stored = StoredFile {
            sha256: file.stored_sha256().to_owned(),
            bytes: file.stored.len() as u64,
            gzip,
        };
        let verified = file.provenance.is_verified();
        match part {
            SummaryPart::Summary(s) => self.add(
                s,
                FileRef {
                    name: file.name,
                    stored,
                    content,
                    inflated,
                    verified,
                },
            ),
            SummaryPart::Files(files) => files.push(FileBytes {
                name: file.name.to_owned(),
                stored,
                verified,
                content: content.to_vec(),
                inflated,
            }),
        }
    }

    fn unreadable(&self, part: &mut SummaryPart, name: &str, why: &Unreadable) {
        let reason = match why {
            Unreadable::TooLarge => Skip::TooLarge,
            Unreadable::NotFound | Unreadable::Failed(_) => Skip::Unreadable,
        };
        match part {
            SummaryPart::Summary(s) => s.skip(name, reason),
            // Never called on the stream (a log that cannot be read is not handed over).
            SummaryPart::Files(_) => {}
        }
    }
}

/// Bytes of content per batch summarised on a thread of its own (the verified stream).
const BATCH_BYTES: usize = 1 << 20;

/// The summary of the files a run hands over, in the run's order. On the verified stream
/// the files' bytes arrive one by one; they are summarised in batches of about
/// [`BATCH_BYTES`], each on a thread of its own (at most one per core at a time), and the
/// batch summaries are merged in order: the same summary as one pass, whatever the number of
/// threads, with one merge per batch rather than one per file.
#[derive(Debug)]
pub struct SummaryConsumer {
    summary: Summarizer,
    reader: Arc<SummaryReader>,
    batch: Vec<FileBytes>,
    batch_bytes: usize,
    pending: VecDeque<std::thread::JoinHandle<Summarizer>>,
    max_pending: usize,
}

impl SummaryConsumer {
    /// A consumer of local files (`--logs`): each share of the files is summarised where it
    /// is read.
    #[must_use]
    pub fn new(summary: Summarizer, inflate_limit: u64, record_limit: u64) -> Self {
        Self::with(summary, inflate_limit, record_limit, false)
    }

    /// A consumer of the verified stream: the bytes are summarised in batches.
    #[must_use]
    pub fn for_stream(summary: Summarizer, inflate_limit: u64, record_limit: u64) -> Self {
        Self::with(summary, inflate_limit, record_limit, true)
    }

    fn with(summary: Summarizer, inflate_limit: u64, record_limit: u64, batched: bool) -> Self {
        let track_services = summary.tracks_services();
        Self {
            summary,
            reader: Arc::new(SummaryReader {
                inflate_limit,
                record_limit,
                batched,
                track_services,
            }),
            batch: Vec::new(),
            batch_bytes: 0,
            pending: VecDeque::new(),
            max_pending: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
        }
    }

    /// Merges the oldest batch summary.
    fn merge_oldest(&mut self) {
        if let Some(handle) = self.pending.pop_front() {
            match handle.join() {
                Ok(s) => self.summary.merge(s),
                // A batch thread cannot panic (the summarizer never fails); should one, its
                // files are not lost silently.
                Err(_) => self
                    .summary
                    .skip("(a batch of log files)", Skip::Unreadable),
            }
        }
    }

    /// Summarises the current batch on a thread of its own (here, if none can start).
    fn dispatch(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        while self.pending.len() >= self.max_pending {
            self.merge_oldest();
        }
        let files = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        let reader = Arc::clone(&self.reader);
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let spawned = std::thread::Builder::new()
            .name("trailproof-summary".to_owned())
            .spawn(move || {
                let files: Vec<FileBytes> = rx.recv().unwrap_or_default();
                reader.summarise(files)
            });
        if let Ok(handle) = spawned {
            let _ = tx.send(files);
            self.pending.push_back(handle);
        } else {
            // No thread could start: summarised here, after what is pending.
            while !self.pending.is_empty() {
                self.merge_oldest();
            }
            let s = self.reader.summarise(files);
            self.summary.merge(s);
        }
    }

    /// The summary document.
    #[must_use]
    pub fn finish(mut self) -> Summary {
        self.dispatch();
        while !self.pending.is_empty() {
            self.merge_oldest();
        }
        self.summary.finish()
    }
}

impl LogConsumer for SummaryConsumer {
    type Reader = SummaryReader;

    fn reader(&self) -> Arc<SummaryReader> {
        Arc::clone(&self.reader)
    }

    fn fold(&mut self, part: SummaryPart) {
        match part {
            SummaryPart::Summary(s) => self.summary.merge(*s),
            SummaryPart::Files(files) => {
                for f in files {
                    self.batch_bytes += f.content.len();
                    self.batch.push(f);
                }
                if self.batch_bytes >= BATCH_BYTES {
                    self.dispatch();
                }
            }
        }
    }
}
