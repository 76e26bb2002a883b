//! The text of a many-chain verification (`verify --organization`, `--shard`, `merge`).
//! Every name that came from the bucket is neutralised for the terminal.

use std::fmt::Write as _;

use super::escape::neutralise;
use crate::audit::tally::Tally;
use crate::report::org::OrgReport;

fn ratio(t: &Tally) -> String {
    format!("{}/{}", t.valid, t.total())
}

/// The text of a many-chain document (also used by `merge`): every file and finding that
/// is not valid, then a table per chain and per account, then the totals.
#[must_use]
pub fn render_text(report: &OrgReport) -> String {
    let mut o = String::new();
    for c in &report.chains {
        let problems = c.problems();
        if !problems.is_empty() {
            let _ = writeln!(
                o,
                "Account {} region {}:",
                neutralise(&c.account_id),
                neutralise(&c.region)
            );
            for p in problems {
                let subject = if p.subject.is_empty() {
                    String::new()
                } else {
                    format!(" {}", neutralise(&p.subject))
                };
                let _ = writeln!(
                    o,
                    "  {}{subject}: {} ({})",
                    neutralise(&p.status),
                    neutralise(&p.message),
                    neutralise(&p.reason)
                );
            }
            o.push('\n');
        }
    }
    let _ = writeln!(
        o,
        "{:<14}{:<18}{:>12}{:>14}{:>12}  outcome",
        "account", "region", "digests", "log files", "findings"
    );
    for c in &report.chains {
        let _ = writeln!(
            o,
            "{:<14}{:<18}{:>12}{:>14}{:>12}  {}",
            neutralise(&c.account_id),
            neutralise(&c.region),
            ratio(&c.counts.digests),
            ratio(&c.counts.logs),
            c.counts.findings,
            c.outcome.word()
        );
    }
    let _ = writeln!(o);
    for a in &report.accounts {
        let _ = writeln!(
            o,
            "Account {}: {} chains{}, digests {}, log files {}, {}",
            neutralise(&a.account_id),
            a.chains,
            if a.failed_chains > 0 {
                format!(" ({} could not be verified)", a.failed_chains)
            } else {
                String::new()
            },
            ratio(&a.counts.digests),
            ratio(&a.counts.logs),
            a.outcome.word()
        );
    }
    let t = &report.totals;
    let _ = writeln!(
        o,
        "\nTotal for {} accounts, {} chains{}{}: digests {} valid, {} invalid, {} error; log files {} valid, {} invalid, {} error; {} findings; {}",
        report.accounts.len(),
        report.chains.len(),
        report
            .inputs
            .shard
            .as_ref()
            .map(|s| format!(" (share {s})"))
            .unwrap_or_default(),
        if report.failed_chains > 0 {
            format!(" ({} could not be verified)", report.failed_chains)
        } else {
            String::new()
        },
        t.digests.valid + t.backfill_digests.valid,
        t.digests.invalid + t.backfill_digests.invalid,
        t.digests.error + t.backfill_digests.error,
        t.logs.valid,
        t.logs.invalid,
        t.logs.error,
        t.findings,
        report.outcome.word()
    );
    o
}
