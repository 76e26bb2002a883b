//! Command-line interface: the only place that knows about clap, stdout/stderr and exit
//! codes.

use clap::{Parser, Subcommand};

pub mod check;
pub mod completions;
pub mod controls;
pub mod exit;
pub mod logging;
pub mod org;
pub mod report;
pub mod summarize;
pub mod trail;
pub mod verify;

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
    /// Verify, check and summarize one trail and window into one self-contained HTML audit
    /// report (`--out`), plus the same model as JSON (`--json`); live, or offline from a
    /// bundle and a snapshot.
    #[command(
        mut_arg("trail_arn", |a| a.required(true)),
        mut_arg("start_time", |a| a.required_unless_present("state"))
    )]
    Report(Box<report::ReportArgs>),
    /// Combine the JSON documents of `verify --shard K/N --format json` (every share of one
    /// run) into the document of one run over every chain, with its exit code.
    Merge(org::MergeArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) on stdout.
    Completions(completions::CompletionsArgs),
    /// Print the manual page (`trailproof.1`), or write it and one page per subcommand into
    /// `--out DIR`.
    Man(completions::ManArgs),
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

/// "Now": the one place the program reads the clock (the core takes time as an argument).
pub(crate) fn now() -> crate::time::UtcTime {
    #[allow(clippy::disallowed_methods)]
    chrono::Utc::now()
}

/// Prints a could-not-run reason the way every command does and returns exit code 2.
pub(crate) fn fail(message: &str) -> u8 {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "\n{message}");
    exit::CANNOT_RUN
}

/// The shared AWS configuration of every command ([`crate::source::sdk::load`]).
pub(crate) async fn aws_config(
    profile: Option<&str>,
    region: Option<&str>,
    attempt_timeout: std::time::Duration,
) -> aws_config::SdkConfig {
    crate::source::sdk::load(profile, region, attempt_timeout).await
}

/// Runs a command and returns its exit code (after starting the diagnostics it asks for).
pub async fn run(cli: Cli) -> u8 {
    use tracing::Instrument as _;
    if let Err(e) = logging::init(&cli.log) {
        return fail(&e);
    }
    let name = cli.command.name();
    let started = std::time::Instant::now();
    tracing::debug!(
        command = name,
        version = env!("CARGO_PKG_VERSION"),
        "starting"
    );
    let code = async {
        match cli.command {
            Command::Verify(args) => verify::run(args).await,
            Command::Merge(args) => org::run_merge(&args),
            Command::Fetch(args) => verify::run_fetch(args.verify, args.out).await,
            Command::Snapshot(args) => Box::pin(check::run_snapshot(args)).await,
            Command::Check(args) => Box::pin(check::run_check(args)).await,
            Command::Controls(args) => controls::run(&args),
            Command::Summarize(args) => Box::pin(summarize::run(&args)).await,
            Command::Report(args) => Box::pin(report::run(*args)).await,
            Command::Completions(args) => completions::run_completions(&args),
            Command::Man(args) => completions::run_man(&args),
        }
    }
    .instrument(tracing::info_span!("command", command = name))
    .await;
    tracing::info!(
        command = name,
        exit_code = code,
        elapsed_ms = elapsed_ms(started),
        "finished"
    );
    code
}

/// Milliseconds since `started`, for the per-phase timings in the diagnostics.
pub(crate) fn elapsed_ms(started: std::time::Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}
