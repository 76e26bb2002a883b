//! The HTML rendering of a many-chain document (`verify --organization --html`, `merge
//! --html`): the same self-contained page style as the audit report, with every value
//! escaped by askama.

use askama::Template;

use crate::audit::tally::{Counts, Tally};
use crate::report::org::OrgReport;

struct Card {
    label: &'static str,
    value: String,
    class: &'static str,
}

struct Row {
    account: String,
    region: String,
    chains: String,
    digests: String,
    logs: String,
    findings: u64,
    warnings: u64,
    outcome: String,
    class: &'static str,
}

impl Row {
    fn new(account: &str, region: String, chains: String, counts: &Counts, outcome: &str) -> Self {
        Self {
            account: account.to_owned(),
            region,
            chains,
            digests: ratio(&counts.digests),
            logs: ratio(&counts.logs),
            findings: counts.findings,
            warnings: counts.warnings,
            outcome: outcome.to_owned(),
            class: outcome_class(outcome),
        }
    }
}

struct ProblemRow {
    status: String,
    class: &'static str,
    subject: String,
    message: String,
    reason: String,
}

struct ChainProblems {
    title: String,
    rows: Vec<ProblemRow>,
}

#[derive(Template)]
#[template(path = "organization.html")]
struct Page {
    csp: bool,
    title: String,
    tool_version: String,
    trail_arn: String,
    window: String,
    scope: String,
    cards: Vec<Card>,
    accounts: Vec<Row>,
    chains: Vec<Row>,
    problems: Vec<ChainProblems>,
    json_sha256: String,
}

fn ratio(t: &Tally) -> String {
    format!("{}/{}", t.valid, t.total())
}

fn outcome_class(outcome: &str) -> &'static str {
    match outcome {
        "clean" => "ok",
        "findings" => "bad",
        _ => "warn",
    }
}

/// Bucket, prefix, organization, filters and share, in one line.
fn scope(i: &crate::report::org::OrgInputs) -> String {
    use std::fmt::Write as _;
    let mut scope = format!(
        "s3://{}/{}",
        i.bucket,
        i.prefix.as_deref().unwrap_or_default()
    );
    if let Some(o) = &i.organization_id {
        let _ = write!(scope, " · organization {o}");
    }
    if !i.accounts.is_empty() {
        let _ = write!(scope, " · accounts {}", i.accounts.join(", "));
    }
    if !i.regions.is_empty() {
        let _ = write!(scope, " · regions {}", i.regions.join(", "));
    }
    if let Some(s) = &i.shard {
        let _ = write!(scope, " · share {s} only");
    }
    scope
}

/// The three headline cards.
fn cards(report: &OrgReport) -> Vec<Card> {
    let t = &report.totals;
    vec![
        Card {
            label: "Integrity",
            value: report.outcome.word().to_owned(),
            class: outcome_class(report.outcome.word()),
        },
        Card {
            label: "Chains (account × region)",
            value: if report.failed_chains > 0 {
                format!(
                    "{} ({} not verified)",
                    report.chains.len(),
                    report.failed_chains
                )
            } else {
                report.chains.len().to_string()
            },
            class: if report.failed_chains > 0 {
                "warn"
            } else {
                "ok"
            },
        },
        Card {
            label: "Digests · log files valid",
            value: format!(
                "{} · {}",
                t.digests.valid + t.backfill_digests.valid,
                t.logs.valid
            ),
            class: if t.has_findings() {
                "bad"
            } else if t.has_errors() {
                "warn"
            } else {
                "ok"
            },
        },
    ]
}

/// The page, from the document and the SHA-256 of its JSON form (shown in the footer so the
/// HTML can be tied to the JSON it was rendered from). `csp` adds the Content-Security-Policy
/// meta tag (always, outside tests).
///
/// # Errors
/// [`askama::Error`] when the template cannot be rendered.
pub fn render_org_html(
    report: &OrgReport,
    json_sha256: &str,
    csp: bool,
) -> Result<String, askama::Error> {
    let cards = cards(report);
    let accounts = report
        .accounts
        .iter()
        .map(|a| {
            let chains = if a.failed_chains > 0 {
                format!("{} ({} not verified)", a.chains, a.failed_chains)
            } else {
                a.chains.to_string()
            };
            Row::new(
                &a.account_id,
                String::new(),
                chains,
                &a.counts,
                a.outcome.word(),
            )
        })
        .collect();
    let chains = report
        .chains
        .iter()
        .map(|c| {
            Row::new(
                &c.account_id,
                c.region.clone(),
                String::new(),
                &c.counts,
                c.outcome.word(),
            )
        })
        .collect();
    let problems = report
        .chains
        .iter()
        .filter_map(|c| {
            let rows: Vec<ProblemRow> = c
                .problems()
                .into_iter()
                .map(|p| ProblemRow {
                    class: match p.status.as_str() {
                        "INVALID" | "FINDING" => "bad",
                        _ => "warn",
                    },
                    status: p.status,
                    subject: p.subject,
                    message: p.message,
                    reason: p.reason,
                })
                .collect();
            (!rows.is_empty()).then(|| ChainProblems {
                title: format!("Account {} · {}", c.account_id, c.region),
                rows,
            })
        })
        .collect();
    let i = &report.inputs;
    let page = Page {
        csp,
        title: "CloudTrail integrity across accounts".to_owned(),
        tool_version: report.tool.get("version").cloned().unwrap_or_default(),
        trail_arn: i.trail_arn.clone(),
        window: format!(
            "{} to {}",
            i.start_time.as_deref().unwrap_or("(anchored)"),
            i.end_time.as_deref().unwrap_or("(now)")
        ),
        scope: scope(i),
        cards,
        accounts,
        chains,
        problems,
        json_sha256: json_sha256.to_owned(),
    };
    page.render()
}
