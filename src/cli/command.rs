//! The command line's definition: the subcommands and their arguments (clap). Shared by the
//! dispatcher, the completion scripts and the manual pages, which are generated from it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use super::{check, controls, hunt, logging, org, report, search, summarize, timeline, verify};

/// Prove that AWS `CloudTrail` logs are intact.
#[derive(Debug, Parser)]
#[command(name = "trailproof", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Diagnostics (`--log-level`, `--log-format`, `--log-file`), accepted by every command.
    #[command(flatten)]
    pub log: logging::LogArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Verify the digest chain and every log file it references (a stricter, faster
    /// `aws cloudtrail validate-logs`).
    #[command(
        mut_arg("trail_arn", |a| a.required(true)),
        mut_arg("start_time", |a| a.required_unless_present("state"))
    )]
    Verify(verify::VerifyArgs),
    /// Verify from S3 and write an evidence bundle: a mirror of every object and listing the
    /// verdicts depend on, the public keys, the trail description and status, and a
    /// manifest of SHA-256s. Re-verify it offline with `verify --bundle DIR`. Resumes.
    #[command(
        mut_arg("trail_arn", |a| a.required(true)),
        mut_arg("start_time", |a| a.required_unless_present("state"))
    )]
    Fetch(FetchArgs),
    /// Record, read-only, every answer the compliance controls need (trails, buckets, keys,
    /// log groups, alarms, policies) into a snapshot file for an offline `check`.
    Snapshot(check::SnapshotArgs),
    /// Evaluate the control catalog (CT-01…CT-28): live, or offline with `--snapshot`.
    Check(check::CheckArgs),
    /// List the compliance control catalog (CT-01…CT-28) with its framework mappings.
    Controls(controls::ControlsArgs),
    /// Summarise `CloudTrail` activity: who did what, root use, sign-ins, denials, logging
    /// tampering, IAM changes, exposure, the CIS 4.1–4.15 monitoring items. From local files
    /// (`--logs`, unverified) or from a trail's verified log files (the options of `verify`).
    Summarize(summarize::SummarizeArgs),
    /// Run Sigma detection rules over `CloudTrail` records (local files, or a trail verified
    /// on the way): every hit names its log file and whether that file was verified.
    Hunt(hunt::HuntArgs),
    /// List the records that match filters on any field (or count them by any field), over
    /// local files or a trail verified on the way: each names its log file and whether that
    /// file was verified. A match is a result, not a finding.
    Search(Box<search::SearchArgs>),
    /// Everything one identity did, in time order, with the role sessions, console sessions
    /// and access keys it started followed and each step saying why it belongs; over local
    /// files or a trail verified on the way.
    Timeline(Box<timeline::TimelineArgs>),
    /// Verify, check and summarize one trail and window into one self-contained HTML audit
    /// report (`--out`), plus the same model as JSON (`--json`); live, or offline from a
    /// bundle and a snapshot.
    #[command(
        mut_arg("trail_arn", |a| a.required_unless_present("logs")),
        mut_arg("start_time", |a| a.required_unless_present("logs"))
    )]
    Report(Box<report::ReportArgs>),
    /// Combine the JSON documents of `verify --shard K/N --format json` (every share of one
    /// run) into the document of one run over every chain, with its exit code.
    Merge(org::MergeArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) on stdout.
    Completions(CompletionsArgs),
    /// Print the manual page (`trailproof.1`), or write it and one page per subcommand into
    /// `--out DIR`.
    Man(ManArgs),
}

impl Command {
    /// The subcommand's name, for diagnostics.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Verify(_) => "verify",
            Self::Merge(_) => "merge",
            Self::Fetch(_) => "fetch",
            Self::Snapshot(_) => "snapshot",
            Self::Check(_) => "check",
            Self::Controls(_) => "controls",
            Self::Summarize(_) => "summarize",
            Self::Hunt(_) => "hunt",
            Self::Search(_) => "search",
            Self::Timeline(_) => "timeline",
            Self::Report(_) => "report",
            Self::Completions(_) => "completions",
            Self::Man(_) => "man",
        }
    }
}

/// Options of `fetch`: those of `verify`, plus where to write.
#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// Bundle folder to write (created; an interrupted fetch into it resumes).
    #[arg(long, value_name = "DIR")]
    pub out: std::path::PathBuf,
    /// What to verify and record.
    #[command(flatten)]
    pub verify: verify::VerifyArgs,
}

/// Options of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to write the completion script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Options of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write `trailproof.1` and one page per subcommand (`trailproof-verify.1`, …) into
    /// this folder (created) instead of printing `trailproof.1` on stdout.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}
