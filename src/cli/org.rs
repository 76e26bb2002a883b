//! Many chains in one run: every account and region folder of an organization trail
//! (`verify --organization`), a chosen set (`--accounts`, `--regions`), or one share of them
//! (`--shard K/N`), and `trailproof merge`, which combines the shares' JSON documents.
//!
//! A chain is one (account, source region) folder pair. Each chain is verified exactly as
//! `verify --account-id A --region R` would verify it; the document lists the chains sorted
//! by account and region, so N shares merged equal one run over all chains.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;
use futures::StreamExt as _;
use serde::{Deserialize, Serialize};

use super::exit;
use super::verify::{Format, ReportSource, VerifyArgs};
use crate::report::{Counts, Tally};
use crate::source::ObjectSource;

/// Schema of the many-chain document.
pub const SCHEMA: &str = "trailproof.verify-org/1";

/// Chains verified at once (each with the run's `--concurrency` requests in flight).
const CHAINS_IN_FLIGHT: usize = 4;

/// `K/N`: this run verifies the K-th of N shares (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Share number, 1..=of.
    pub index: u32,
    /// Number of shares.
    pub of: u32,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected K/N with 1 <= K <= N, got {s:?}");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let of: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || of == 0 || index > of {
            return Err(bad());
        }
        Ok(Self { index, of })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.of)
    }
}

impl Shard {
    /// Whether chain (`account`, `region`) belongs to this share: the first eight bytes of
    /// SHA-256 over `account/region`, modulo N. Stable across machines, versions and runs.
    #[must_use]
    pub fn owns(&self, account: &str, region: &str) -> bool {
        let digest = crate::hash::sha256_bytes(format!("{account}/{region}").as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first) % u64::from(self.of) == u64::from(self.index - 1)
    }
}

/// What the many-chain run was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgInputs {
    /// Trail ARN as given.
    pub trail_arn: String,
    /// Requested start.
    pub start_time: Option<String>,
    /// Requested end.
    pub end_time: Option<String>,
    /// Digest bucket.
    pub bucket: String,
    /// Key prefix.
    pub prefix: Option<String>,
    /// Organization id, when the layout is an organization trail's.
    pub organization_id: Option<String>,
    /// `--accounts` filter (empty: every account folder).
    pub accounts: Vec<String>,
    /// `--regions` filter (empty: every region folder).
    pub regions: Vec<String>,
    /// The share this run verified (`K/N`); `null` for a whole run or a merge of every share.
    pub shard: Option<String>,
}

/// One chain's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chain {
    /// Account folder.
    pub account_id: String,
    /// Source region folder.
    pub region: String,
    /// `clean`, `findings`, `incomplete` or `not_run`.
    pub outcome: String,
    /// Why the chain could not be verified at all.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// Counts.
    pub counts: Counts,
    /// The chain's region report, exactly as `verify --format json` gives it.
    pub report: serde_json::Value,
}

/// Counts per account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    /// Account folder.
    pub account_id: String,
    /// Chains (regions) verified.
    pub chains: u64,
    /// Chains that could not be verified at all.
    pub failed_chains: u64,
    /// Sum over its chains.
    pub counts: Counts,
    /// `clean`, `findings` or `incomplete`.
    pub outcome: String,
}

/// The `verify --organization` / `--shard` / `merge` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgReport {
    /// [`SCHEMA`].
    pub schema_version: String,
    /// Tool name and version.
    pub tool: BTreeMap<String, String>,
    /// Inputs.
    pub inputs: OrgInputs,
    /// Every chain, sorted by account and region.
    pub chains: Vec<Chain>,
    /// Per account, sorted.
    pub accounts: Vec<AccountSummary>,
    /// Sum over chains.
    pub totals: Counts,
    /// Chains that could not be verified at all.
    pub failed_chains: u64,
    /// `clean`, `findings` or `incomplete`.
    pub outcome: String,
    /// The exit code.
    pub exit_code: u8,
}

impl OrgReport {
    /// Builds the document from chains (sorted here), deriving every total.
    #[must_use]
    pub fn new(inputs: OrgInputs, mut chains: Vec<Chain>) -> Self {
        chains.sort_by(|a, b| (&a.account_id, &a.region).cmp(&(&b.account_id, &b.region)));
        let mut per_account: BTreeMap<&str, (u64, u64, Counts)> = BTreeMap::new();
        let mut totals = Counts::default();
        let mut failed = 0u64;
        for c in &chains {
            let e = per_account.entry(&c.account_id).or_default();
            e.0 += 1;
            if c.error.is_some() {
                e.1 += 1;
                failed += 1;
            }
            e.2.add(&c.counts);
            totals.add(&c.counts);
        }
        let accounts = per_account
            .into_iter()
            .map(|(a, (n, f, counts))| AccountSummary {
                account_id: a.to_owned(),
                chains: n,
                failed_chains: f,
                outcome: exit::outcome_word(exit::for_verify(&counts, to_usize(f))).to_owned(),
                counts,
            })
            .collect();
        let code = exit::for_verify(&totals, to_usize(failed));
        let tool = [
            ("name".to_owned(), "trailproof".to_owned()),
            ("version".to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
        ]
        .into_iter()
        .collect();
        Self {
            schema_version: SCHEMA.to_owned(),
            tool,
            inputs,
            chains,
            accounts,
            totals,
            failed_chains: failed,
            outcome: exit::outcome_word(code).to_owned(),
            exit_code: code,
        }
    }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

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

/// The chains under the bucket: `(account, region)` pairs, filtered and sharded.
async fn enumerate<S: ObjectSource>(
    source: &S,
    args: &VerifyArgs,
    bucket: &str,
    prefix: Option<&str>,
    org: Option<&str>,
    own_account: &str,
) -> Result<Vec<(String, String)>, String> {
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
    let accounts = if args.organization {
        list(base.clone())
            .await?
            .into_iter()
            .filter(|a| is_account(a))
            .collect::<Vec<_>>()
    } else if args.accounts.is_empty() {
        vec![own_account.to_owned()]
    } else {
        args.accounts.clone()
    };
    let mut chains = Vec::new();
    for account in accounts {
        if !args.accounts.is_empty() && !args.accounts.contains(&account) {
            continue;
        }
        for region in list(format!("{base}{account}/CloudTrail-Digest/")).await? {
            if !args.regions.is_empty() && !args.regions.contains(&region) {
                continue;
            }
            if args.shard.is_none_or(|s| s.owns(&account, &region)) {
                chains.push((account.clone(), region));
            }
        }
    }
    Ok(chains)
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
    let (counts, report, error, code) = match super::verify::verify_report(one).await {
        Ok((r, _)) => {
            let region_report = r.regions.into_iter().next();
            let error = region_report.as_ref().and_then(|x| x.error.clone());
            let counts = region_report.as_ref().map(|x| x.counts).unwrap_or_default();
            let report = serde_json::to_value(region_report).unwrap_or_default();
            (counts, report, error, r.exit_code)
        }
        Err(e) => (
            Counts::default(),
            serde_json::Value::Null,
            Some(e),
            exit::CANNOT_RUN,
        ),
    };
    Chain {
        account_id: account,
        region,
        outcome: exit::outcome_word(code).to_owned(),
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
    let own = args
        .account_id
        .clone()
        .unwrap_or_else(|| located.trail_account.clone());
    let chains = match &located.source {
        ReportSource::Bundle(s) => {
            enumerate(
                s.as_ref(),
                &args,
                &located.bucket,
                located.prefix.as_deref(),
                located.org.as_deref(),
                &own,
            )
            .await?
        }
        ReportSource::S3(s) => {
            enumerate(
                s.as_ref(),
                &args,
                &located.bucket,
                located.prefix.as_deref(),
                located.org.as_deref(),
                &own,
            )
            .await?
        }
    };
    if args.organization && located.org.is_none() {
        return Err(format!(
            "no organization folder (AWSLogs/o-…/) in s3://{}/{}",
            located.bucket,
            located.prefix.as_deref().unwrap_or("")
        ));
    }
    tracing::info!(chains = chains.len(), shard = ?args.shard.map(|s| s.to_string()), "chains to verify");
    let results: Vec<Chain> = futures::stream::iter(chains)
        .map(|(account, region)| verify_chain(&args, located.org.as_deref(), account, region))
        .buffered(CHAINS_IN_FLIGHT)
        .collect()
        .await;
    let inputs = OrgInputs {
        trail_arn: args.trail_arn.clone(),
        start_time: args.start_time.clone(),
        end_time: args.end_time.clone(),
        bucket: located.bucket,
        prefix: located.prefix,
        organization_id: located.org,
        accounts: args.accounts.clone(),
        regions: args.regions.clone(),
        shard: args.shard.map(|s| s.to_string()),
    };
    let report = OrgReport::new(inputs, results);
    print(&report, args.format);
    Ok(report.exit_code)
}

/// Prints the document as JSON, or as text: every file and finding that is not valid, then a
/// table per account and region, then the totals.
fn print(report: &OrgReport, format: Format) {
    let out = match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(report).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Text => render_text(report),
    };
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
}

fn ratio(t: &Tally) -> String {
    format!("{}/{}", t.valid, t.total())
}

/// The lines of a chain that are not valid: why it could not run, invalid and unreadable
/// files, findings.
fn chain_lines(c: &Chain) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(e) = &c.error {
        lines.push(format!("ERROR: {}", super::neutralise(e)));
    }
    let events = c.report.get("events").and_then(serde_json::Value::as_array);
    for e in events.into_iter().flatten() {
        let text = |k: &str| e.get(k).and_then(serde_json::Value::as_str).unwrap_or("");
        let status = text("status");
        match text("type") {
            "digest" | "log" if status != "valid" => lines.push(format!(
                "{} {}: {} ({})",
                status.to_uppercase(),
                super::neutralise(text("uri")),
                super::neutralise(text("message")),
                text("reason")
            )),
            "finding" => lines.push(format!(
                "FINDING {}: {}",
                super::neutralise(text("code")),
                super::neutralise(text("message"))
            )),
            _ => {}
        }
    }
    lines
}

/// The text rendering (also used by `merge`).
#[must_use]
pub fn render_text(report: &OrgReport) -> String {
    let mut o = String::new();
    for c in &report.chains {
        let lines = chain_lines(c);
        if !lines.is_empty() {
            let _ = writeln!(o, "Account {} region {}:", c.account_id, c.region);
            for l in lines {
                let _ = writeln!(o, "  {l}");
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
            c.account_id,
            super::neutralise(&c.region),
            ratio(&c.counts.digests),
            ratio(&c.counts.logs),
            c.counts.findings,
            c.outcome
        );
    }
    let _ = writeln!(o);
    for a in &report.accounts {
        let _ = writeln!(
            o,
            "Account {}: {} chains{}, digests {}, log files {}, {}",
            a.account_id,
            a.chains,
            if a.failed_chains > 0 {
                format!(" ({} could not be verified)", a.failed_chains)
            } else {
                String::new()
            },
            ratio(&a.counts.digests),
            ratio(&a.counts.logs),
            a.outcome
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
        report.outcome
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
}

/// Why shares cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A file could not be read or is not a many-chain document.
    #[error("{0}: {1}")]
    Unreadable(String, String),
    /// The shares were asked different things.
    #[error(
        "{0} was run with other inputs than {1} (trail, bucket, window and filters must match)"
    )]
    Mismatch(String, String),
    /// The same chain is in two documents.
    #[error("chain {0}/{1} is in more than one file")]
    Duplicate(String, String),
    /// Shares are missing.
    #[error("shares {missing} of {of} are missing")]
    Incomplete {
        /// Missing share numbers.
        missing: String,
        /// N.
        of: u32,
    },
}

/// Merges the shares' documents into the document of one run over every chain.
///
/// # Errors
/// [`MergeError`] when the documents are not every share of the same run.
pub fn merge(docs: Vec<(String, OrgReport)>) -> Result<OrgReport, MergeError> {
    let mut inputs: Option<(String, OrgInputs)> = None;
    let mut shares: BTreeMap<u32, u32> = BTreeMap::new();
    let mut of = None;
    let mut chains = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (name, doc) in docs {
        let mut these = doc.inputs.clone();
        if let Some(s) = these.shard.take() {
            let shard: Shard = s
                .parse()
                .map_err(|e: String| MergeError::Unreadable(name.clone(), e))?;
            of = Some(shard.of);
            shares.insert(shard.index, shard.of);
        }
        match &inputs {
            None => inputs = Some((name.clone(), these)),
            Some((first, i)) if *i != these => {
                return Err(MergeError::Mismatch(name, first.clone()));
            }
            Some(_) => {}
        }
        for c in doc.chains {
            if !seen.insert((c.account_id.clone(), c.region.clone())) {
                return Err(MergeError::Duplicate(c.account_id, c.region));
            }
            chains.push(c);
        }
    }
    if let Some(n) = of {
        let missing: Vec<String> = (1..=n)
            .filter(|k| shares.get(k) != Some(&n))
            .map(|k| k.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(MergeError::Incomplete {
                missing: missing.join(", "),
                of: n,
            });
        }
    }
    let (_, inputs) =
        inputs.ok_or_else(|| MergeError::Unreadable(String::new(), "no documents".to_owned()))?;
    Ok(OrgReport::new(inputs, chains))
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
    match merge(docs) {
        Ok(report) => {
            print(&report, args.format);
            report.exit_code
        }
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "\n{e}");
            exit::CANNOT_RUN
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_chains() {
        let chains: Vec<(String, String)> = (0..40)
            .flat_map(|a| {
                ["us-east-1", "eu-west-1", "ap-south-1"]
                    .into_iter()
                    .map(move |r| (format!("{:012}", 100_000_000_000u64 + a), r.to_owned()))
            })
            .collect();
        let n = 4;
        let mut owners = vec![0u32; chains.len()];
        for k in 1..=n {
            let shard = Shard { index: k, of: n };
            for (i, (a, r)) in chains.iter().enumerate() {
                if shard.owns(a, r) {
                    owners[i] += 1;
                }
            }
        }
        assert!(
            owners.iter().all(|o| *o == 1),
            "each chain in exactly one share"
        );
        let first = Shard { index: 1, of: n };
        let share = chains.iter().filter(|(a, r)| first.owns(a, r)).count();
        assert!((15..=45).contains(&share), "roughly a quarter: {share}");
    }

    #[test]
    fn shard_syntax() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, of: 4 }));
        for bad in ["0/4", "5/4", "1/0", "x/2", "3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    fn chain(account: &str, region: &str, invalid: u64) -> Chain {
        let mut counts = Counts::default();
        counts.logs.valid = 3;
        counts.logs.invalid = invalid;
        Chain {
            account_id: account.to_owned(),
            region: region.to_owned(),
            outcome: "clean".to_owned(),
            error: None,
            counts,
            report: serde_json::Value::Null,
        }
    }

    fn inputs(shard: Option<&str>) -> OrgInputs {
        OrgInputs {
            trail_arn: "arn".to_owned(),
            start_time: Some("s".to_owned()),
            end_time: Some("e".to_owned()),
            bucket: "b".to_owned(),
            prefix: None,
            organization_id: Some("o-1".to_owned()),
            accounts: vec![],
            regions: vec![],
            shard: shard.map(str::to_owned),
        }
    }

    #[test]
    fn merged_shares_equal_the_whole_run() {
        let all = vec![
            chain("111111111111", "us-east-1", 0),
            chain("111111111111", "eu-west-1", 1),
            chain("222222222222", "us-east-1", 0),
        ];
        let whole = OrgReport::new(inputs(None), all.clone());
        let a = OrgReport::new(inputs(Some("1/2")), vec![all[2].clone(), all[0].clone()]);
        let b = OrgReport::new(inputs(Some("2/2")), vec![all[1].clone()]);
        let merged = merge(vec![("a".into(), a.clone()), ("b".into(), b.clone())]).unwrap();
        assert_eq!(merged, whole);
        assert_eq!(merged.exit_code, exit::FINDINGS);
        assert!(matches!(
            merge(vec![("a".into(), a.clone())]),
            Err(MergeError::Incomplete { .. })
        ));
        assert!(matches!(
            merge(vec![("a".into(), a.clone()), ("a2".into(), a.clone())]),
            Err(MergeError::Duplicate(..))
        ));
        let mut other = b;
        other.inputs.end_time = Some("later".to_owned());
        assert!(matches!(
            merge(vec![("a".into(), a), ("b".into(), other)]),
            Err(MergeError::Mismatch(..))
        ));
    }
}
