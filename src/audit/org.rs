//! Many chains in one run: every account and region folder of an organization trail, a
//! chosen set of accounts and regions, or one share of them (`K/N`). A chain is one
//! (account, source region) folder pair; each is verified exactly as a run for that account
//! and region would verify it, with the trail, bucket, keys and AWS configuration resolved
//! once for all chains.

use std::fmt::Write as _;
use std::sync::Arc;

use futures::StreamExt as _;

use super::plan::{Located, PlanError, Reading, find_org, locate, plan_located, window};
use super::request::{Regions, VerifyRequest};
use super::run::{Observer, RunResult, run};
use super::stream::NoAnalysis;
use crate::source::ObjectSource;
use crate::time::UtcTime;

/// Chains verified at once (each with the run's requests in flight).
pub const CHAINS_IN_FLIGHT: usize = 4;

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

/// A set of chains, by count and digest.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainSet {
    /// Number of chains.
    pub count: u64,
    /// SHA-256 (hex) of `account/region\n` for every chain, sorted.
    pub sha256: String,
}

impl ChainSet {
    /// The set of these `(account, region)` pairs.
    #[must_use]
    pub fn of<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut lines: Vec<String> = pairs
            .into_iter()
            .map(|(a, r)| format!("{a}/{r}\n"))
            .collect();
        lines.sort();
        lines.dedup();
        Self {
            count: lines.len() as u64,
            sha256: crate::hash::sha256_hex(lines.concat().as_bytes()),
        }
    }
}

/// Folder names that are account ids.
fn is_account(name: &str) -> bool {
    name.len() == 12 && name.bytes().all(|b| b.is_ascii_digit())
}

/// The chains under the bucket.
pub struct Found {
    /// `(account, region)` pairs with a digest folder, filtered (not sharded).
    pub chains: Vec<(String, String)>,
    /// Requested accounts or regions without a digest folder: `(account, region, why)`;
    /// the region is empty for an account that has no folder at all.
    pub missing: Vec<(String, String, String)>,
}

/// Lists the account and region folders under the bucket, keeping the requested ones, and
/// says which requested account or region has no folder.
async fn enumerate<S: ObjectSource>(
    source: &S,
    req: &OrgRequest,
    bucket: &str,
    prefix: Option<&str>,
    org: Option<&str>,
    own_account: &str,
) -> Result<Found, PlanError> {
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
            .map_err(|e| PlanError(format!("cannot list s3://{bucket}/{p}: {e}")))
    };
    let mut wanted: Vec<String> = req.accounts.clone();
    wanted.sort();
    wanted.dedup();
    let mut found = Found {
        chains: Vec::new(),
        missing: Vec::new(),
    };
    let accounts = if req.organization {
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
        if regions.is_empty() && !req.organization {
            found.missing.push((
                account.clone(),
                String::new(),
                format!("no digest folder under s3://{bucket}/{folder}"),
            ));
        }
        for r in &req.regions {
            if !regions.contains(r) && !regions.is_empty() {
                found.missing.push((
                    account.clone(),
                    r.clone(),
                    format!("no digest folder for this region under s3://{bucket}/{folder}"),
                ));
            }
        }
        for region in regions {
            if req.regions.is_empty() || req.regions.contains(&region) {
                found.chains.push((account.clone(), region));
            }
        }
    }
    Ok(found)
}

/// A run over many chains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRequest {
    /// The trail, window and source (its account and regions are ignored: the chains are
    /// listed).
    pub verify: VerifyRequest,
    /// Every account folder of the organization (`AWSLogs/<o-id>/<account>/`).
    pub organization: bool,
    /// Only these accounts (every one, or the trail's own, when empty).
    pub accounts: Vec<String>,
    /// Only these source regions (every one when empty).
    pub regions: Vec<String>,
    /// Only this share of the chains.
    pub shard: Option<Shard>,
}

/// One chain's run.
#[derive(Debug)]
pub struct ChainRun<O> {
    /// Account folder.
    pub account: String,
    /// Source region folder.
    pub region: String,
    /// Its result, or why it could not be planned (or has no folder).
    pub result: Result<RunResult, PlanError>,
    /// What observed it (e.g. the builder of its region report).
    pub observer: O,
}

/// The chains of a many-chain run.
#[derive(Debug)]
pub struct OrgRun<O> {
    /// Where the trail's objects are.
    pub bucket: String,
    /// Key prefix.
    pub prefix: Option<String>,
    /// Organization folder, when the layout is an organization trail's.
    pub org: Option<String>,
    /// Every chain found (or asked for) before sharding.
    pub chain_set: ChainSet,
    /// The chains of this share: verified ones, then requested ones without a folder.
    pub chains: Vec<ChainRun<O>>,
}

/// Lists the chains of the trail's bucket and verifies those of the request's share, each
/// observed by its own `O`.
///
/// # Errors
/// [`PlanError`] when the run cannot start: a bad window, no organization folder, or no
/// chain at all.
pub async fn run_org<O: Observer + Default>(req: &OrgRequest) -> Result<OrgRun<O>, PlanError> {
    if req.shard.is_some() && req.verify.trail.end.is_none() {
        return Err(PlanError(
            "--shard needs --end-time: every share must verify the same window".to_owned(),
        ));
    }
    if req.verify.state.is_some() {
        return Err(PlanError("--state is for one chain or one account's regions, not with --organization, --accounts, --regions or --shard".to_owned()));
    }
    let (start, end) = window(&req.verify.trail, req.verify.now)?;
    let located = locate_org(req).await?;
    let own = req
        .verify
        .trail
        .account_id
        .clone()
        .unwrap_or_else(|| located.arn.account_id.clone());
    let found = enumerate(
        located.source.as_ref(),
        req,
        &located.bucket,
        located.prefix.as_deref(),
        located.org.as_deref(),
        &own,
    )
    .await?;
    let chain_set = ChainSet::of(
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
        return Err(PlanError(format!(
            "no digest folder found under s3://{}/{}AWSLogs/{}",
            located.bucket,
            located
                .prefix
                .as_deref()
                .map(|p| format!("{}/", p.trim_end_matches('/')))
                .unwrap_or_default(),
            located
                .org
                .as_deref()
                .map(|o| format!("{o}/"))
                .unwrap_or_default()
        )));
    }
    let mine = |a: &str, r: &str| req.shard.is_none_or(|s| s.owns(a, r));
    let to_verify: Vec<(String, String)> = found
        .chains
        .into_iter()
        .filter(|(a, r)| mine(a, r))
        .collect();
    tracing::info!(chains = to_verify.len(), listed = chain_set.count, shard = ?req.shard.map(|s| s.to_string()), "chains to verify");
    let located = Arc::new(located);
    let mut chains = verify_chains(req, &located, (start, end), to_verify).await;
    chains.extend(
        found
            .missing
            .into_iter()
            .filter(|(a, r, _)| mine(a, r))
            .map(|(account, region, why)| ChainRun {
                account,
                region,
                result: Err(PlanError(why)),
                observer: O::default(),
            }),
    );
    Ok(OrgRun {
        bucket: located.bucket.clone(),
        prefix: located.prefix.clone(),
        org: located.org.clone(),
        chain_set,
        chains,
    })
}

/// Where the trail's objects are, and its organization folder (found in the layout when
/// every account is asked for).
async fn locate_org(req: &OrgRequest) -> Result<Located, PlanError> {
    let probe = req.verify.trail.account_id.clone();
    let arn_account = crate::chain::layout::TrailArn::parse(&req.verify.trail.trail_arn)
        .map(|a| a.account_id)
        .ok();
    let mut located = locate(
        &req.verify.trail,
        Reading::Plain,
        probe.as_deref().or(arn_account.as_deref()),
    )
    .await?;
    if located.org.is_none() && req.organization {
        located.org = find_org(
            located.source.as_ref(),
            &located.bucket,
            located.prefix.as_deref(),
        )
        .await?;
    }
    if req.organization && located.org.is_none() {
        return Err(PlanError(format!(
            "no organization folder (AWSLogs/o-…/) in s3://{}/{}",
            located.bucket,
            located.prefix.as_deref().unwrap_or("")
        )));
    }
    Ok(located)
}

/// Verifies each chain as a run for that account and region would, [`CHAINS_IN_FLIGHT`] at
/// a time, in the order given.
async fn verify_chains<O: Observer + Default>(
    req: &OrgRequest,
    located: &Arc<Located>,
    (start, end): (Option<UtcTime>, UtcTime),
    chains: Vec<(String, String)>,
) -> Vec<ChainRun<O>> {
    let org = located.org.clone();
    futures::stream::iter(chains)
        .map(|(account, region)| {
            let located = Arc::clone(located);
            let org = org.clone();
            async move {
                let mut observer = O::default();
                let mut one = req.verify.clone();
                one.trail.account_id = Some(account.clone());
                one.trail.regions = Regions::One(region.clone());
                let result = match plan_located(&one, located, start, end, org).await {
                    Ok(plan) => Ok(run(&plan, &mut NoAnalysis, &mut observer).await),
                    Err(e) => Err(e),
                };
                ChainRun {
                    account,
                    region,
                    result,
                    observer,
                }
            }
        })
        .buffered(CHAINS_IN_FLIGHT)
        .collect()
        .await
}
