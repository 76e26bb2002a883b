//! Many chains in one run: every account and region folder of an organization trail
//! (`verify --organization`), a chosen set (`--accounts`, `--regions`), or one share of them
//! (`--shard K/N`), and `trailproof merge`, which combines the shares' JSON documents.
//!
//! A chain is one (account, source region) folder pair. Each chain is verified exactly as
//! `verify --account-id A --region R` would verify it; the document lists the chains sorted
//! by account and region, so N shares merged equal one run over all chains.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;
use futures::StreamExt as _;

use super::exit;
use super::verify::{Format, ReportSource, VerifyArgs};
use crate::report::org::{Chain, OrgInputs, OrgReport, SCHEMA, merge};
use crate::report::verify::{Counts, Tally};
use crate::source::ObjectSource;
use crate::vocab::Outcome;

pub use crate::report::org::{MergeError, Shard};

/// Chains verified at once, sharing the run's `--concurrency` cap on requests in flight.
const CHAINS_IN_FLIGHT: u16 = 4;

/// Whether `verify` was asked for many chains.
#[must_use]
pub fn wanted(args: &VerifyArgs) -> bool {
    args.organization
        || args.shard.is_some()
        || !args.accounts.is_empty()
        || !args.regions.is_empty()
}

/// Folder names that are account ids.
fn is_account(name: &str) -> bool {
    name.len() == 12 && name.bytes().all(|b| b.is_ascii_digit())
}

/// The chains under the bucket.
struct Found {
    /// `(account, region)` pairs with a digest folder, filtered (not sharded).
    chains: Vec<(String, String)>,
    /// Requested accounts or regions without a digest folder: `(account, region, why)`;
    /// the region is empty for an account that has no folder at all.
    missing: Vec<(String, String, String)>,
}

/// Lists the account and region folders under the bucket, keeping the requested ones, and
/// says which requested account or region has no folder.
async fn enumerate<S: ObjectSource>(
    source: &S,
    args: &VerifyArgs,
    bucket: &str,
    prefix: Option<&str>,
    org: Option<&str>,
    own_account: &str,
) -> Result<Found, String> {
    let mut base = match prefix {
        Some(p) if !p.is_empty() => format!("{}/AWSLogs/", p.trim_end_matches('/')),
        _ => "AWSLogs/".to_owned(),
    };
    if let Some(o) = org {
        let _ = write!(base, "{o}/");
    }
    let list = |p: String| async move {
        source
            .list_dirs(bucket, &p)
            .await
            .map_err(|e| format!("cannot list s3://{bucket}/{p}: {e}"))
    };
    let mut wanted: Vec<String> = args.accounts.clone();
    wanted.sort();
    wanted.dedup();
    let mut found = Found {
        chains: Vec::new(),
        missing: Vec::new(),
    };
    let accounts = if args.organization {
        let present: Vec<String> = list(base.clone())
            .await?
            .into_iter()
            .filter(|a| is_account(a))
            .collect();
        for w in &wanted {
            if !present.contains(w) {
                found.missing.push((
                    w.clone(),
                    String::new(),
                    format!("no folder for this account under s3://{bucket}/{base}"),
                ));
            }
        }
        present
            .into_iter()
            .filter(|a| wanted.is_empty() || wanted.contains(a))
            .collect()
    } else if wanted.is_empty() {
        vec![own_account.to_owned()]
    } else {
        wanted.clone()
    };
    for account in accounts {
        let folder = format!("{base}{account}/CloudTrail-Digest/");
        let regions = list(folder.clone()).await?;
        if regions.is_empty() && !args.organization {
            found.missing.push((
                account.clone(),
                String::new(),
                format!("no digest folder under s3://{bucket}/{folder}"),
            ));
        }
        for r in &args.regions {
            if !regions.contains(r) && !regions.is_empty() {
                found.missing.push((
                    account.clone(),
                    r.clone(),
                    format!("no digest folder for this region under s3://{bucket}/{folder}"),
                ));
            }
        }
        for region in regions {
            if args.regions.is_empty() || args.regions.contains(&region) {
                found.chains.push((account.clone(), region));
            }
        }
    }
    Ok(found)
}

/// A requested chain that has no folder: not verified.
fn missing_chain(account: String, region: String, why: String) -> Chain {
    Chain {
        account_id: account,
        region,
        outcome: Outcome::NotRun,
        error: Some(why),
        counts: Counts::default(),
        report: serde_json::Value::Null,
    }
}

/// Verifies one chain as `verify --account-id A --region R --format json` would.
async fn verify_chain(
    args: &VerifyArgs,
    org: Option<&str>,
    account: String,
    region: String,
) -> Chain {
    let mut one = args.clone();
    one.organization = false;
    one.shard = None;
    one.accounts = Vec::new();
    one.regions = Vec::new();
    one.all_regions = false;
    one.account_id = Some(account.clone());
    one.region = Some(region.clone());
    one.verbose = false;
    one.organization_id = org.map(str::to_owned);
    one.concurrency = (args.concurrency / CHAINS_IN_FLIGHT).max(1);
    let (counts, report, error) = match super::verify::verify_report(one).await {
        Ok((r, _)) => {
            let region_report = r.regions.into_iter().next();
            let error = region_report.as_ref().and_then(|x| x.error.clone());
            let counts = region_report.as_ref().map(|x| x.counts).unwrap_or_default();
            let report = serde_json::to_value(region_report).unwrap_or_default();
            (counts, report, error)
        }
        Err(e) => (Counts::default(), serde_json::Value::Null, Some(e)),
    };
    Chain {
        account_id: account,
        region,
        // Decided from the counts and the error when the document is built.
        outcome: Outcome::NotRun,
        error,
        counts,
        report,
    }
}

/// Runs `verify` over many chains.
pub async fn run(args: VerifyArgs) -> u8 {
    match run_inner(args).await {
        Ok(code) => code,
        Err(msg) => {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\n{}\n", msg.replace('\n', " "));
            exit::CANNOT_RUN
        }
    }
}

async fn run_inner(args: VerifyArgs) -> Result<u8, String> {
    if args.shard.is_some() && args.end_time.is_none() {
        return Err("--shard needs --end-time: every share must verify the same window".to_owned());
    }
    if args.state.is_some() {
        return Err("--state is for one chain or one account's regions, not with --organization, --accounts, --regions or --shard".to_owned());
    }
    let located = super::verify::locate(&args).await?;
    if args.organization && located.org.is_none() {
        return Err(format!(
            "no organization folder (AWSLogs/o-…/) in s3://{}/{}",
            located.bucket,
            located.prefix.as_deref().unwrap_or("")
        ));
    }
    let own = args
        .account_id
        .clone()
        .unwrap_or_else(|| located.trail_account.clone());
    let (bucket, prefix, org) = (
        located.bucket.as_str(),
        located.prefix.as_deref(),
        located.org.as_deref(),
    );
    let found = match &located.source {
        ReportSource::Bundle(s) => enumerate(s.as_ref(), &args, bucket, prefix, org, &own).await?,
        ReportSource::S3(s) => enumerate(s.as_ref(), &args, bucket, prefix, org, &own).await?,
    };
    let chain_set = crate::report::org::ChainSet::of(
        found
            .chains
            .iter()
            .map(|(a, r)| (a.as_str(), r.as_str()))
            .chain(
                found
                    .missing
                    .iter()
                    .map(|(a, r, _)| (a.as_str(), r.as_str())),
            ),
    );
    if chain_set.count == 0 {
        return Err(format!(
            "no digest folder found under s3://{bucket}/{}AWSLogs/{}",
            prefix
                .map(|p| format!("{}/", p.trim_end_matches('/')))
                .unwrap_or_default(),
            org.map(|o| format!("{o}/")).unwrap_or_default()
        ));
    }
    let mine = |a: &str, r: &str| args.shard.is_none_or(|s| s.owns(a, r));
    let to_verify: Vec<(String, String)> = found
        .chains
        .into_iter()
        .filter(|(a, r)| mine(a, r))
        .collect();
    tracing::info!(chains = to_verify.len(), listed = chain_set.count, shard = ?args.shard.map(|s| s.to_string()), "chains to verify");
    let mut results: Vec<Chain> = futures::stream::iter(to_verify)
        .map(|(account, region)| verify_chain(&args, org, account, region))
        .buffered(usize::from(CHAINS_IN_FLIGHT))
        .collect()
        .await;
    results.extend(
        found
            .missing
            .into_iter()
            .filter(|(a, r, _)| mine(a, r))
            .map(|(a, r, why)| missing_chain(a, r, why)),
    );
    let inputs = OrgInputs {
        trail_arn: args.trail_arn.clone(),
        start_time: args.start_time.clone(),
        end_time: args.end_time.clone(),
        bucket: located.bucket.clone(),
        prefix: located.prefix.clone(),
        organization_id: located.org.clone(),
        accounts: args.accounts.clone(),
        regions: args.regions.clone(),
        shard: args.shard.map(|s| s.to_string()),
        chain_set,
    };
    let mut report = OrgReport::new(inputs, results);
    let code = exit::code(report.outcome);
    report.exit_code = Some(code);
    print(&report, args.format, args.html.as_deref())?;
    Ok(code)
}

/// Prints the document as JSON, or as text: every file and finding that is not valid, then a
/// table per account and region, then the totals. With `html`, also writes the HTML page
/// (atomically), whose footer carries the SHA-256 of the JSON form.
fn print(report: &OrgReport, format: Format, html: Option<&std::path::Path>) -> Result<(), String> {
    let mut json = serde_json::to_string_pretty(report).unwrap_or_default();
    json.push('\n');
    if let Some(path) = html {
        let page = crate::present::org_html::render_org_html(
            report,
            &crate::hash::sha256_hex(json.as_bytes()),
            true,
        )
        .map_err(|e| format!("cannot render the HTML page: {e}"))?;
        crate::source::record::write_atomic(path, page.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let out = match format {
        Format::Json => json,
        Format::Text => render_text(report),
    };
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    Ok(())
}

fn ratio(t: &Tally) -> String {
    format!("{}/{}", t.valid, t.total())
}

/// The text rendering (also used by `merge`).
#[must_use]
pub fn render_text(report: &OrgReport) -> String {
    let mut o = String::new();
    for c in &report.chains {
        let problems = c.problems();
        if !problems.is_empty() {
            let _ = writeln!(
                o,
                "Account {} region {}:",
                super::neutralise(&c.account_id),
                super::neutralise(&c.region)
            );
            for p in problems {
                let subject = if p.subject.is_empty() {
                    String::new()
                } else {
                    format!(" {}", super::neutralise(&p.subject))
                };
                let _ = writeln!(
                    o,
                    "  {}{subject}: {} ({})",
                    super::neutralise(&p.status),
                    super::neutralise(&p.message),
                    super::neutralise(&p.reason)
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
            super::neutralise(&c.account_id),
            super::neutralise(&c.region),
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
            super::neutralise(&a.account_id),
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

/// Options of `merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON documents of `verify --shard K/N --format json` (every share of one run).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write the merged result as a self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// Runs `merge`.
#[must_use]
pub fn run_merge(args: &MergeArgs) -> u8 {
    let mut docs = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        let doc = std::fs::read(path)
            .map_err(|e| MergeError::Unreadable(name.clone(), e.to_string()))
            .and_then(|b| {
                serde_json::from_slice::<OrgReport>(&b)
                    .map_err(|e| MergeError::Unreadable(name.clone(), e.to_string()))
            })
            .and_then(|d| {
                if d.schema_version == SCHEMA {
                    Ok(d)
                } else {
                    Err(MergeError::Unreadable(
                        name.clone(),
                        format!("schema {:?}, expected {SCHEMA}", d.schema_version),
                    ))
                }
            });
        match doc {
            Ok(d) => docs.push((name, d)),
            Err(e) => {
                let _ = writeln!(std::io::stderr().lock(), "\n{e}");
                return exit::CANNOT_RUN;
            }
        }
    }
    match merge(docs)
        .map_err(|e| e.to_string())
        .and_then(|mut report| {
            let code = exit::code(report.outcome);
            report.exit_code = Some(code);
            print(&report, args.format, args.html.as_deref()).map(|()| code)
        }) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "\n{e}");
            exit::CANNOT_RUN
        }
    }
}
