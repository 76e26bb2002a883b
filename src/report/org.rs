//! The many-chain verification document (`trailproof.verify-org/1`): the chains of an
//! organization trail (or a share of them, `--shard K/N`), per-account and total counts, and
//! the merge of N shares into the document of one run. Pure: no I/O, no clock.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::audit::org::{ChainSet, OrgRequest, OrgRun, Shard};
use crate::audit::tally::Counts;
use crate::report::verify::Builder;
use crate::time::format_rfc3339;
use crate::vocab::Outcome;

/// Schema of the many-chain document.
pub const SCHEMA: &str = "trailproof.verify-org/1";

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
    /// Every chain the run found (or was asked for), before sharding: how many, and the
    /// SHA-256 of their `account/region` lines, sorted. Every share carries the same value, so
    /// `merge` can prove the shares add up to exactly these chains.
    pub chain_set: ChainSet,
}

/// The outcome of a chain: not run when it could not be verified and nothing was found,
/// else that of its verification.
#[must_use]
pub fn chain_outcome(counts: &Counts, error: Option<&str>) -> Outcome {
    let outcome = counts.outcome(usize::from(error.is_some()));
    if error.is_some() && outcome != Outcome::Findings {
        Outcome::NotRun
    } else {
        outcome
    }
}

/// One chain's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chain {
    /// Account folder.
    pub account_id: String,
    /// Source region folder.
    pub region: String,
    /// `clean`, `findings`, `incomplete` or `not_run`.
    pub outcome: Outcome,
    /// Why the chain could not be verified at all.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// Counts.
    pub counts: Counts,
    /// The chain's region report, exactly as `verify --format json` gives it.
    pub report: serde_json::Value,
}

/// One thing in a chain that is not valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `ERROR`, `INVALID`, `FINDING` or `WARNING`.
    pub status: String,
    /// The object (`s3://…`) or period, or empty when the chain could not run.
    pub subject: String,
    /// What is wrong.
    pub message: String,
    /// Stable reason code.
    pub reason: String,
}

impl Chain {
    /// Why it could not run, its invalid and unreadable files, and its findings and warnings,
    /// in output order.
    #[must_use]
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if let Some(e) = &self.error {
            out.push(Problem {
                status: "ERROR".to_owned(),
                subject: String::new(),
                message: e.clone(),
                reason: "not_run".to_owned(),
            });
        }
        let events = self
            .report
            .get("events")
            .and_then(serde_json::Value::as_array);
        for e in events.into_iter().flatten() {
            let text = |k: &str| {
                e.get(k)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            let status = text("status");
            match text("type").as_str() {
                "digest" | "log" if status != "valid" => out.push(Problem {
                    status: status.to_uppercase(),
                    subject: text("uri"),
                    message: text("message"),
                    reason: text("reason"),
                }),
                "finding" => out.push(Problem {
                    status: if text("severity") == "warning" {
                        "WARNING".to_owned()
                    } else {
                        "FINDING".to_owned()
                    },
                    subject: text("subject"),
                    message: text("message"),
                    reason: text("code"),
                }),
                _ => {}
            }
        }
        out
    }
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
    pub outcome: Outcome,
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
    pub outcome: Outcome,
    /// The process exit code, written by the command line (a library caller maps
    /// [`Self::outcome`] itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<u8>,
}

impl OrgReport {
    /// Builds the document from chains (sorted here), deriving every total.
    #[must_use]
    pub fn new(inputs: OrgInputs, mut chains: Vec<Chain>) -> Self {
        chains.sort_by(|a, b| (&a.account_id, &a.region).cmp(&(&b.account_id, &b.region)));
        for c in &mut chains {
            c.outcome = chain_outcome(&c.counts, c.error.as_deref());
        }
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
                outcome: counts.outcome(to_usize(f)),
                counts,
            })
            .collect();
        let outcome = totals.outcome(to_usize(failed));
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
            outcome,
            exit_code: None,
        }
    }
}

/// The document of a many-chain run whose chains were observed by [`Builder`]s: each
/// chain's region report exactly as a one-chain `verify` document gives it.
#[must_use]
pub fn from_run(req: &OrgRequest, run: OrgRun<Builder>) -> OrgReport {
    let chains = run
        .chains
        .into_iter()
        .map(|c| {
            let (counts, report, error) = match c.result {
                Ok(_) => {
                    let region_report = c.observer.into_regions().into_iter().next();
                    let error = region_report.as_ref().and_then(|x| x.error.clone());
                    let counts = region_report.as_ref().map(|x| x.counts).unwrap_or_default();
                    let report = serde_json::to_value(region_report).unwrap_or_default();
                    (counts, report, error)
                }
                Err(e) => (
                    Counts::default(),
                    serde_json::Value::Null,
                    Some(e.to_string()),
                ),
            };
            Chain {
                account_id: c.account,
                region: c.region,
                // Decided from the counts and the error when the document is built.
                outcome: Outcome::NotRun,
                error,
                counts,
                report,
            }
        })
        .collect();
    let trail = &req.verify.trail;
    let inputs = OrgInputs {
        trail_arn: trail.trail_arn.clone(),
        start_time: trail.start.as_ref().map(format_rfc3339),
        end_time: trail.end.as_ref().map(format_rfc3339),
        bucket: run.bucket,
        prefix: run.prefix,
        organization_id: run.org,
        accounts: req.accounts.clone(),
        regions: req.regions.clone(),
        shard: req.shard.map(|s| s.to_string()),
        chain_set: run.chain_set,
    };
    OrgReport::new(inputs, chains)
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
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
    /// The shares were split differently (`K/N` with different N, or a K twice).
    #[error("{0}: share {1} does not fit the other files' split")]
    Split(String, String),
    /// A chain is in a share it does not belong to, or its counts disagree with its events.
    #[error("{0}: chain {1}/{2} {3}")]
    Altered(String, String, String, &'static str),
    /// The shares' chains are not the chains every share listed.
    #[error(
        "the shares hold {got} chains, not the {want} chains every share listed (a share ran on another listing, or lost chains)"
    )]
    ChainSet {
        /// Chains in the files.
        got: u64,
        /// Chains listed.
        want: u64,
    },
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
    let mut shares: BTreeMap<u32, String> = BTreeMap::new();
    let mut of: Option<u32> = None;
    let mut chains = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (name, doc) in docs {
        let mut these = doc.inputs.clone();
        let shard = match these.shard.take() {
            Some(s) => {
                let shard: Shard = s
                    .parse()
                    .map_err(|e: String| MergeError::Unreadable(name.clone(), e))?;
                if of.is_some_and(|n| n != shard.of)
                    || shares.insert(shard.index, name.clone()).is_some()
                {
                    return Err(MergeError::Split(name, s));
                }
                of = Some(shard.of);
                Some(shard)
            }
            None => None,
        };
        match &inputs {
            None => inputs = Some((name.clone(), these)),
            Some((first, i)) if *i != these => {
                return Err(MergeError::Mismatch(name, first.clone()));
            }
            Some(_) => {}
        }
        for c in doc.chains {
            if shard.is_some_and(|s| !s.owns(&c.account_id, &c.region)) {
                return Err(MergeError::Altered(
                    name,
                    c.account_id,
                    c.region,
                    "does not belong to that share",
                ));
            }
            let events_counts = c.report.get("counts").cloned();
            if events_counts.is_some_and(|v| serde_json::to_value(c.counts).ok() != Some(v)) {
                return Err(MergeError::Altered(
                    name,
                    c.account_id,
                    c.region,
                    "has counts that disagree with its own report",
                ));
            }
            if !seen.insert((c.account_id.clone(), c.region.clone())) {
                return Err(MergeError::Duplicate(c.account_id, c.region));
            }
            chains.push(c);
        }
    }
    if let Some(n) = of {
        let missing: Vec<String> = (1..=n)
            .filter(|k| !shares.contains_key(k))
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
    let got = ChainSet::of(seen.iter().map(|(a, r)| (a.as_str(), r.as_str())));
    if got != inputs.chain_set {
        return Err(MergeError::ChainSet {
            got: got.count,
            want: inputs.chain_set.count,
        });
    }
    Ok(OrgReport::new(inputs, chains))
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
            outcome: Outcome::Clean,
            error: None,
            counts,
            report: serde_json::Value::Null,
        }
    }

    fn inputs(shard: Option<&str>, chains: &[Chain]) -> OrgInputs {
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
            chain_set: ChainSet::of(
                chains
                    .iter()
                    .map(|c| (c.account_id.as_str(), c.region.as_str())),
            ),
        }
    }

    #[test]
    fn merged_shares_equal_the_whole_run_and_altered_shares_are_refused() {
        let all: Vec<Chain> = (0..6)
            .flat_map(|a| {
                ["us-east-1", "eu-west-1"]
                    .into_iter()
                    .map(move |r| chain(&format!("11111111111{a}"), r, u64::from(a == 3)))
            })
            .collect();
        let whole = OrgReport::new(inputs(None, &all), all.clone());
        let share = |k: u32| {
            let s = Shard { index: k, of: 2 };
            let mine: Vec<Chain> = all
                .iter()
                .filter(|c| s.owns(&c.account_id, &c.region))
                .cloned()
                .collect();
            OrgReport::new(inputs(Some(&format!("{k}/2")), &all), mine)
        };
        let (a, b) = (share(1), share(2));
        assert!(!a.chains.is_empty() && !b.chains.is_empty());
        let merged = merge(vec![("a".into(), a.clone()), ("b".into(), b.clone())]).unwrap();
        assert_eq!(merged, whole);
        assert_eq!(merged.outcome, Outcome::Findings);

        assert!(matches!(
            merge(vec![("a".into(), a.clone())]),
            Err(MergeError::Incomplete { .. })
        ));
        assert!(matches!(
            merge(vec![("a".into(), a.clone()), ("a2".into(), a.clone())]),
            Err(MergeError::Split(..))
        ));
        let mut other = b.clone();
        other.inputs.end_time = Some("later".to_owned());
        assert!(matches!(
            merge(vec![("a".into(), a.clone()), ("b".into(), other)]),
            Err(MergeError::Mismatch(..))
        ));
        // A share that lost a chain (or ran on another listing) does not add up.
        let mut lost = b.clone();
        lost.chains.pop();
        assert!(matches!(
            merge(vec![("a".into(), a.clone()), ("b".into(), lost)]),
            Err(MergeError::ChainSet { .. })
        ));
        // Counts edited to hide a finding disagree with the chain's own report.
        let mut edited = a.clone();
        edited.chains[0].report = serde_json::json!({"counts": edited.chains[0].counts});
        edited.chains[0].counts.logs.invalid += 1;
        assert!(matches!(
            merge(vec![("a".into(), edited), ("b".into(), b.clone())]),
            Err(MergeError::Altered(..))
        ));
        // A chain moved to the other share.
        let mut moved_a = a.clone();
        let mut moved_b = b.clone();
        if let Some(c) = moved_a.chains.pop() {
            moved_b.chains.push(c);
        }
        assert!(matches!(
            merge(vec![("a".into(), moved_a), ("b".into(), moved_b)]),
            Err(MergeError::Altered(..))
        ));
        // Mixed splits.
        let mut third = b;
        third.inputs.shard = Some("2/3".to_owned());
        assert!(matches!(
            merge(vec![("a".into(), a), ("b".into(), third)]),
            Err(MergeError::Split(..))
        ));
    }
}
