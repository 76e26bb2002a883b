//! The activity summary as a consumer of the verified stream ([`crate::audit::stream`]):
//! each log file is summarised on a worker thread into a summarizer of its own, from the
//! bytes the verification hashed, and the per-file summaries are merged in the run's order.

use std::sync::Arc;

use super::aggregate::{StoredFile, Summarizer};
use super::summary::Summary;
use crate::audit::stream::{LogConsumer, LogFile, LogReader};
use crate::records::file::{Skip, is_gzip, maybe_gunzip};
use crate::vocab::Unreadable;

/// Summarises log files.
#[derive(Debug)]
pub struct SummaryReader {
    inflate_limit: u64,
    record_limit: u64,
}

impl LogReader for SummaryReader {
    type Part = Summarizer;

    fn start(&self) -> Summarizer {
        let mut s = Summarizer::new(self.inflate_limit);
        s.set_record_limit(self.record_limit);
        s
    }

    fn read(&self, part: &mut Summarizer, file: &LogFile<'_>) {
        let verified = file.provenance.is_verified();
        let gzip = is_gzip(file.stored);
        let stored = || StoredFile {
            sha256: file.stored_sha256().to_owned(),
            bytes: file.stored.len() as u64,
            gzip,
        };
        match file.inflated {
            // The bytes the verification hashed: summarised as they are, not inflated again.
            Some(content) if gzip => {
                part.add_content(file.name, stored(), content, verified);
            }
            // Not inflated by the verification (a log it does not vouch for, a local file),
            // or not gzip at all (then nothing was hashed: the stored bytes are the records).
            _ => match maybe_gunzip(file.stored, self.inflate_limit) {
                Err(reason) => part.skip(file.name, reason),
                Ok((content, _)) => {
                    part.add_content(file.name, stored(), &content, verified);
                }
            },
        }
    }

    fn unreadable(&self, part: &mut Summarizer, name: &str, why: &Unreadable) {
        let reason = match why {
            Unreadable::TooLarge => Skip::TooLarge,
            Unreadable::NotFound | Unreadable::Failed(_) => Skip::Unreadable,
        };
        part.skip(name, reason);
    }
}

/// The summary of the files a run hands over, in the run's order.
#[derive(Debug)]
pub struct SummaryConsumer {
    summary: Summarizer,
    reader: Arc<SummaryReader>,
}

impl SummaryConsumer {
    /// A consumer around `summary` (its IAM inventory and limits already set).
    #[must_use]
    pub fn new(summary: Summarizer, inflate_limit: u64, record_limit: u64) -> Self {
        Self {
            summary,
            reader: Arc::new(SummaryReader {
                inflate_limit,
                record_limit,
            }),
        }
    }

    /// The summary document.
    #[must_use]
    pub fn finish(self) -> Summary {
        self.summary.finish()
    }
}

impl LogConsumer for SummaryConsumer {
    type Reader = SummaryReader;

    fn reader(&self) -> Arc<SummaryReader> {
        Arc::clone(&self.reader)
    }

    fn fold(&mut self, part: Summarizer) {
        self.summary.merge(part);
    }
}
